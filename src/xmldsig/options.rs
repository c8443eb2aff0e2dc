//! What a verification asks: where the key comes from, which weak algorithms are accepted,
//! limits, detached content and the lax switches.

use core::fmt;

use super::enckey::KeyDecryptionKey;
use super::tree::ParseLimits;
use crate::crypto::HashAlgorithm;
use crate::pki::{Certificate, UnixTime, ValidationOptions};

/// Where the signer's key comes from.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum KeySource {
    /// The certificates of KeyInfo/X509Data (the default); each is validated.
    #[default]
    KeyInfo,
    /// This certificate (KeyInfo is ignored); it is validated like one from the document.
    Certificate(Box<Certificate>),
    /// A public key (SubjectPublicKeyInfo DER) the caller already trusts: no certificate, no
    /// path validation — the caller vouches for the key.
    TrustedPublicKey(Vec<u8>),
    /// A shared secret for the HMAC SignatureMethods (`hmac-sha1`, `hmac-sha224` …
    /// `hmac-sha512`). HMAC is only ever checked with a key the caller gives: nothing in the
    /// document can supply one. An HMAC key never verifies an asymmetric SignatureMethod, and
    /// no other key source verifies an HMAC one.
    Hmac(HmacKey),
    /// The raw key of KeyInfo only (`KeyValue`, `dsig11:DEREncodedKeyValue`, also through a
    /// same-document `RetrievalMethod` or `KeyInfoReference`); X509Data is ignored — xmlsec's
    /// `--enabled-key-data key-value`. As with [`VerifyOptions::trust_key_value`], such a key
    /// says nothing about who signed: choose this only when the caller checks the key by
    /// other means (the result carries [`super::XmlFinding::DocumentKeyUsed`] with the key).
    KeyValue,
}

/// A shared HMAC key (cleared from memory when dropped; never printed).
#[derive(Clone)]
pub struct HmacKey(zeroize::Zeroizing<Vec<u8>>);

impl HmacKey {
    /// Wraps the key bytes.
    pub fn new(key: impl Into<Vec<u8>>) -> Self {
        Self(zeroize::Zeroizing::new(key.into()))
    }

    /// The key bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HmacKey({} bytes)", self.0.len())
    }
}

/// What a verification asks.
#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// Path validation of the signer's certificate; `validation.time` is the validation time.
    pub validation: ValidationOptions,
    /// Where the key comes from.
    pub key: KeySource,
    /// Accept the legacy 160-bit hashes — SHA-1 and RIPEMD-160 — in digests, HMAC and
    /// signature methods (reported as weak). Off by default.
    pub allow_sha1: bool,
    /// Accept MD5 in digests, HMAC and signature methods (`xmldsig-more#md5`, `#hmac-md5`,
    /// `#rsa-md5`; reported as weak). **Off by default** and independent of
    /// [`VerifyOptions::allow_sha1`]: MD5 collisions are cheap, so an MD5 digest binds nothing
    /// a forger could not have prepared. Only for reading old archives whose content is
    /// trusted by other means. (MD5-signed *certificates* are `validation.allow_md5`.)
    pub allow_md5: bool,
    /// Parsing limits.
    pub limits: ParseLimits,
    /// Content of detached references (a URI that is neither `""` nor `#…`), by exact URI;
    /// also the certificate a KeyInfo `RetrievalMethod` of type `rawX509Certificate` points
    /// at (a candidate signer like any KeyInfo certificate: it must validate).
    /// Nothing is ever fetched: a reference whose content is not here is unsupported
    /// (indeterminate). Such a reference may have no transforms but base64 decoding; its
    /// digest covers the bytes.
    pub detached: Vec<(String, Vec<u8>)>,
    /// Smallest HMACOutputLength (in bits) accepted for an HMAC SignatureMethod. `None`, the
    /// default, means the larger of 80 and half the hash's output (XMLDSig 1.1 §6.3.1, the
    /// CVE-2009-0217 truncation attack). A caller may lower it for old documents (as xmlsec's
    /// `--hmac-min-out-len`), never below 8.
    pub hmac_min_output_bits: Option<usize>,
    /// Lax: when [`KeySource::KeyInfo`] finds no certificate, use a raw public key written in
    /// the document's KeyInfo (`KeyValue` with `RSAKeyValue`, `DSAKeyValue` or
    /// `dsig11:ECKeyValue`, `dsig11:DEREncodedKeyValue`, also through a same-document
    /// `RetrievalMethod` or `dsig11:KeyInfoReference`). **Off by default**: such a key says
    /// nothing about who signed — a forger writes their own key there — so a signature it
    /// verifies proves only that the document is unchanged since someone with the matching
    /// private key signed it. Turn it on only when the caller checks the key by other means
    /// (the result then carries [`super::XmlFinding::DocumentKeyUsed`] with the key).
    pub trust_key_value: bool,
    /// **Dangerous.** Use the signer's certificate (from KeyInfo or
    /// [`KeySource::Certificate`]) without validating its path: no trust anchor, validity
    /// period, key usage or revocation check — xmlsec's `--insecure`. A valid result then
    /// proves only that the document is unchanged since someone holding the certificate's key
    /// signed it, *not* who that is (a forger puts their own certificate in KeyInfo); it
    /// carries [`super::XmlFinding::PathNotValidated`] and no certificate report. Off by default;
    /// for diagnostics and test material, never for deciding whom to trust.
    pub insecure_skip_path_validation: bool,
    /// Accept an ECDSA SignatureValue in DER (`Ecdsa-Sig-Value`, as some old signers wrote it
    /// and xmlsec's `--enable-asn1-signatures-hack` reads it) instead of XMLDSig 1.1 §6.4.3's
    /// r ‖ s. Off by default; the signature is checked the same way either way.
    pub ecdsa_der_signature_value: bool,
    /// Keys that decrypt an HMAC key the document carries encrypted in KeyInfo
    /// (`xenc:EncryptedKey` with an AES or triple-DES key wrap, RSA PKCS#1 v1.5 or OAEP key
    /// transport; xmlsec's ML-KEM `EncapsulationMechanism`). Used only for an HMAC
    /// SignatureMethod when [`VerifyOptions::key`] is not [`KeySource::Hmac`]: the decrypted
    /// key is then the HMAC key (reported as [`super::XmlFinding::EncryptedHmacKey`]). The key that
    /// opens it is always one of these — the document alone never supplies a key. Empty by
    /// default.
    pub key_decryption: Vec<KeyDecryptionKey>,
    /// Run the OOXML Relationships transform in xmlsec's legacy mode
    /// ([`super::RelationshipMode::Legacy`], xmlsec's `--relationship-legacy`), for signatures made
    /// by xmlsec before it followed ECMA-376 closely: text, comments and foreign content of
    /// the Relationships part are then signed too, and the first namespace declaration of an
    /// element becomes its default namespace. Off by default (the standard's algorithm); a
    /// signature verifies in one mode or the other, not in both, unless the part holds none
    /// of what the modes treat differently.
    pub relationship_legacy: bool,
}

impl VerifyOptions {
    /// Whether a digest, HMAC or signature method with `hash` is accepted: always for strong
    /// hashes; for the weak ones as [`VerifyOptions::allow_sha1`] (SHA-1, RIPEMD-160) or
    /// [`VerifyOptions::allow_md5`] (MD5) say.
    pub fn allows_hash(&self, hash: HashAlgorithm) -> bool {
        if hash.is_broken() {
            self.allow_md5
        } else {
            !hash.is_weak() || self.allow_sha1
        }
    }

    /// Defaults for verifying at `time`: key from KeyInfo, certificate checks of
    /// [`ValidationOptions::at`] (revocation required), SHA-1 refused.
    pub fn at(time: UnixTime) -> Self {
        Self {
            validation: ValidationOptions::at(time),
            key: KeySource::KeyInfo,
            allow_sha1: false,
            allow_md5: false,
            limits: ParseLimits::default(),
            detached: Vec::new(),
            hmac_min_output_bits: None,
            trust_key_value: false,
            insecure_skip_path_validation: false,
            ecdsa_der_signature_value: false,
            key_decryption: Vec::new(),
            relationship_legacy: false,
        }
    }
}
