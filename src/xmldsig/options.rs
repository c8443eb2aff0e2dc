//! What a verification asks: where the key comes from, which weak algorithms are accepted,
//! limits, detached content and the lax switches.

use core::fmt;

use super::enckey::KeyDecryptionKey;
use super::tree::ParseLimits;
use crate::crypto::{HashAlgorithm, HashPolicy};
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
///
/// Made with [`VerifyOptions::at`] or [`VerifyOptions::with_validation`], then changed with
/// the `with_*` methods (or by assigning its public fields): more options may join, so it
/// cannot be written as a struct literal outside signflow.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// Path validation of the signer's certificate; `validation.time` is the validation time.
    pub validation: ValidationOptions,
    /// Where the key comes from.
    pub key: KeySource,
    /// Which legacy hashes digests, HMAC and signature methods may use (reported as weak):
    /// SHA-1 and RIPEMD-160 with [`HashPolicy::allow_sha1`], MD5 (`xmldsig-more#md5`,
    /// `#hmac-md5`, `#rsa-md5`) with [`HashPolicy::allow_md5`]. **None by default**. An MD5
    /// digest binds nothing a forger could not have prepared: only for reading old archives
    /// whose content is trusted by other means. (The hashes of the signer's *certificates* are
    /// `validation.hashes`.)
    pub hashes: HashPolicy,
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
    /// Keep the canonical bytes each Reference digested and hand them back as
    /// [`VerifiedReference::canonical`](super::VerifiedReference::canonical), the signed data
    /// to use. **On by default.** Off, the canonicalization is streamed into the digest and
    /// never held whole (`canonical` is then empty; [`signed_len`] still says how many bytes
    /// were digested): a verification of a 20 MiB enveloped document then holds about 20 MiB
    /// less. Turn it off only when the caller does not read the signed data from the result
    /// (a yes/no answer, or the signed element taken from [`SelectedElement`] by other
    /// means).
    ///
    /// [`signed_len`]: super::VerifiedReference::signed_len
    /// [`SelectedElement`]: super::SelectedElement
    pub keep_signed_data: bool,
}

impl VerifyOptions {
    /// Whether a digest, HMAC or signature method with `hash` is accepted, as
    /// [`VerifyOptions::hashes`] says ([`HashPolicy::allows`]).
    pub fn allows_hash(&self, hash: HashAlgorithm) -> bool {
        self.hashes.allows(hash)
    }

    /// Defaults for verifying at `time`: key from KeyInfo, certificate checks of
    /// [`ValidationOptions::at`] (revocation required), SHA-1 refused.
    pub fn at(time: UnixTime) -> Self {
        Self {
            validation: ValidationOptions::at(time),
            key: KeySource::KeyInfo,
            hashes: HashPolicy::STRICT,
            limits: ParseLimits::default(),
            detached: Vec::new(),
            hmac_min_output_bits: None,
            trust_key_value: false,
            insecure_skip_path_validation: false,
            ecdsa_der_signature_value: false,
            key_decryption: Vec::new(),
            relationship_legacy: false,
            keep_signed_data: true,
        }
    }

    /// [`VerifyOptions::at`]`(validation.time)` validating the signer's certificate as
    /// `validation` says (e.g. a [`TrustContext`](crate::pki::TrustContext)'s policy,
    /// [`TrustContext::validation_at`](crate::pki::TrustContext::validation_at)), and applying
    /// its hash policy ([`ValidationOptions::hashes`]) to the document's digests, HMAC and
    /// signature method as well.
    pub fn with_validation(validation: ValidationOptions) -> Self {
        Self {
            hashes: validation.hashes,
            ..Self::at(validation.time)
        }
        .validating(validation)
    }

    /// These options, validating the signer's certificate as `validation` says (the
    /// document's hash policy, [`VerifyOptions::hashes`], is left as it is).
    #[must_use]
    pub fn validating(mut self, validation: ValidationOptions) -> Self {
        self.validation = validation;
        self
    }

    /// These options, with the signer's key from `key`.
    #[must_use]
    pub fn with_key(mut self, key: KeySource) -> Self {
        self.key = key;
        self
    }

    /// These options, with the document's hashes accepted as `hashes` says.
    #[must_use]
    pub fn with_hashes(mut self, hashes: HashPolicy) -> Self {
        self.hashes = hashes;
        self
    }

    /// These options, with parsing limits `limits`.
    #[must_use]
    pub fn with_limits(mut self, limits: ParseLimits) -> Self {
        self.limits = limits;
        self
    }

    /// These options, with `content` as the content of the detached reference `uri`.
    #[must_use]
    pub fn with_detached(mut self, uri: impl Into<String>, content: impl Into<Vec<u8>>) -> Self {
        self.detached.push((uri.into(), content.into()));
        self
    }

    /// These options, with the smallest HMACOutputLength accepted
    /// ([`VerifyOptions::hmac_min_output_bits`]).
    #[must_use]
    pub fn with_hmac_min_output_bits(mut self, bits: Option<usize>) -> Self {
        self.hmac_min_output_bits = bits;
        self
    }

    /// These options, using a raw key of KeyInfo when no certificate is found, or not
    /// ([`VerifyOptions::trust_key_value`]: lax).
    #[must_use]
    pub fn with_trust_key_value(mut self, trust: bool) -> Self {
        self.trust_key_value = trust;
        self
    }

    /// These options, skipping the signer certificate's path validation or not
    /// ([`VerifyOptions::insecure_skip_path_validation`]: **dangerous**).
    #[must_use]
    pub fn with_insecure_skip_path_validation(mut self, skip: bool) -> Self {
        self.insecure_skip_path_validation = skip;
        self
    }

    /// These options, accepting a DER ECDSA SignatureValue or not
    /// ([`VerifyOptions::ecdsa_der_signature_value`]).
    #[must_use]
    pub fn with_ecdsa_der_signature_value(mut self, accept: bool) -> Self {
        self.ecdsa_der_signature_value = accept;
        self
    }

    /// These options, with `key` among the keys that may open an encrypted HMAC key
    /// ([`VerifyOptions::key_decryption`]).
    #[must_use]
    pub fn with_key_decryption(mut self, key: KeyDecryptionKey) -> Self {
        self.key_decryption.push(key);
        self
    }

    /// These options, running the Relationships transform in xmlsec's legacy mode or not
    /// ([`VerifyOptions::relationship_legacy`]).
    #[must_use]
    pub fn with_relationship_legacy(mut self, legacy: bool) -> Self {
        self.relationship_legacy = legacy;
        self
    }

    /// These options, keeping the canonical bytes of each Reference in the result or not
    /// ([`VerifyOptions::keep_signed_data`]; kept by default).
    #[must_use]
    pub fn with_keep_signed_data(mut self, keep: bool) -> Self {
        self.keep_signed_data = keep;
        self
    }
}
