//! Verification of enveloped and enveloping signatures (XMLDSig 1.1 §3.2 core validation).
//!
//! The verifier
//!
//! 1. parses the document ([`Document::parse`]; DTDs refused) and indexes every `Id`, `ID`,
//!    `id` and `xml:id` attribute: **a value that appears twice anywhere makes the signature
//!    invalid** (signature wrapping relies on a second element with the signed element's Id);
//! 2. canonicalizes `SignedInfo` with its CanonicalizationMethod and checks SignatureValue over
//!    it with the SignatureMethod and the key of the signer's certificate;
//! 3. for each Reference — after the signature check, and with a 64th of the work budget
//!    ([`ParseLimits::max_work`], [`UNVERIFIED_WORK_SHARE`]) when it failed — (same-document: `""`, `#id`, `#xpointer(/)`, `#xpointer(id('id'))`;
//!    or detached content the caller supplies, never fetched), applies the transforms —
//!    enveloped-signature, base64, XPath 1.0 filters (a subset, see the `xpath` module's
//!    documentation) and XPath Filter 2.0, then at most one canonicalization (default:
//!    Canonical XML 1.0 without comments); detached content is parsed as XML when a transform
//!    needs a node-set — and compares the digest of the canonical bytes with DigestValue
//!    (SHA-2, SHA-3, Streebog; SHA-1, RIPEMD-160 and MD5 only if allowed, and RIPEMD-160 and
//!    MD5 only with the `extra-algorithms` feature: without it they, ML-DSA, SLH-DSA, Ed448
//!    and ML-KEM are refused as unsupported, never valid);
//! 4. validates the signer's certificate — from KeyInfo/X509Data or given by the caller — with
//!    [`Validator`] against the caller's trust store at the caller's time: a certificate in the
//!    document is never trusted by itself.
//!
//! # What was signed: use what the verifier returns
//!
//! [`XmlVerification::references`] hands back, for each Reference, the element it selected and
//! **the exact canonical bytes that were digested**. An application must read the signed data
//! from there — never by looking the element up again in the original document, where a second
//! (forged) element may sit at a different place (XML signature wrapping).

use core::fmt;
use std::io::{self, Write};

use base64::Engine;
use serde::Serialize;

use super::c14n::{C14nMethod, NodeSet, canonicalize, canonicalize_within};
use super::enckey::KeyDecryptionKey;
use super::error::XmlError;
use super::opc::{
    RELATIONSHIP_TRANSFORM, RelationshipMode, RelationshipSelection, relationship_transform,
};
use super::tree::{Document, NodeId, NodeKind, ParseLimits};
use super::work::{Work, WorkLimitExceeded, work_limit};
use super::xpath::XPathError;
use crate::crypto::{
    CryptoError, CryptoProvider, EcdsaEncoding, HashAlgorithm, Hasher, MlDsaLevel, PssParams,
    SignatureAlgorithm, SlhDsaSet,
};
use crate::pki::{
    Certificate, Crl, Status, TrustStore, UnixTime, ValidationOptions, ValidationReport, Validator,
};

/// The XMLDSig namespace.
pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The enveloped-signature transform.
pub const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
/// The base64 decoding transform (XMLDSig §6.6.2): the text of the selected node-set (or the
/// detached octets), base64-decoded, is what the reference digests. Supported as the last
/// transform only (nothing parses the decoded octets as XML).
pub const BASE64: &str = "http://www.w3.org/2000/09/xmldsig#base64";
/// The RetrievalMethod type of a DER certificate (XMLDSig §4.5.3).
const RAW_X509_CERTIFICATE: &str = "http://www.w3.org/2000/09/xmldsig#rawX509Certificate";
/// The XPath filter transform (XMLDSig §6.6.3), over the subset of XPath 1.0 the `xpath`
/// module evaluates (anything else is refused as unsupported).
pub const XPATH: &str = "http://www.w3.org/TR/1999/REC-xpath-19991116";
/// Namespace of InclusiveNamespaces (the exclusive canonicalization's PrefixList).
pub const EXC_C14N_NS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// Most References accepted in one SignedInfo.
pub const MAX_REFERENCES: usize = 64;
/// Most certificates in KeyInfo tried as the signer's.
const MAX_SIGNER_CANDIDATES: usize = 8;

/// Digest method URIs and the hashes they name.
const DIGESTS: &[(&str, HashAlgorithm)] = &[
    (
        "http://www.w3.org/2000/09/xmldsig#sha1",
        HashAlgorithm::Sha1,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#sha224",
        HashAlgorithm::Sha224,
    ),
    (
        "http://www.w3.org/2001/04/xmlenc#sha256",
        HashAlgorithm::Sha256,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
        HashAlgorithm::Sha384,
    ),
    (
        "http://www.w3.org/2001/04/xmlenc#sha512",
        HashAlgorithm::Sha512,
    ),
    // Broken (RFC 6931 §2.1.1): verify-only behind VerifyOptions::allow_md5.
    (
        "http://www.w3.org/2001/04/xmldsig-more#md5",
        HashAlgorithm::Md5,
    ),
    // Legacy (RFC 6931 §2.1.4 lists it as xmlenc's): gated like SHA-1.
    (
        "http://www.w3.org/2001/04/xmlenc#ripemd160",
        HashAlgorithm::Ripemd160,
    ),
    // SHA-3 (RFC 6931 §2.1.5, XMLDSig 1.1's optional digests).
    (
        "http://www.w3.org/2007/05/xmldsig-more#sha3-224",
        HashAlgorithm::Sha3_224,
    ),
    (
        "http://www.w3.org/2007/05/xmldsig-more#sha3-256",
        HashAlgorithm::Sha3_256,
    ),
    (
        "http://www.w3.org/2007/05/xmldsig-more#sha3-384",
        HashAlgorithm::Sha3_384,
    ),
    (
        "http://www.w3.org/2007/05/xmldsig-more#sha3-512",
        HashAlgorithm::Sha3_512,
    ),
    (
        "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256",
        HashAlgorithm::Streebog256,
    ),
    (
        "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-512",
        HashAlgorithm::Streebog512,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#gostr3411",
        HashAlgorithm::Gost94,
    ),
];

/// ECDSA with `hash`, the signature as raw r ‖ s (XMLDSig's encoding).
const fn ecdsa(hash: HashAlgorithm) -> SignatureAlgorithm {
    SignatureAlgorithm::Ecdsa {
        hash,
        encoding: EcdsaEncoding::Fixed,
    }
}

/// RSA-PSS with `hash`, MGF1 with the same hash, salt = hash length, trailer 1 (the
/// parameterless URIs of RFC 9231 §2.3.10).
const fn pss(hash: HashAlgorithm) -> SignatureAlgorithm {
    SignatureAlgorithm::RsaPss(PssParams::for_hash(hash))
}

/// SignatureMethod URIs and the algorithms they name (both directions: verification looks up
/// the URI, signing the algorithm).
pub(crate) const SIGNATURE_METHODS: &[(&str, SignatureAlgorithm)] = &[
    (
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        SignatureAlgorithm::RsaPkcs1(HashAlgorithm::Sha1),
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        SignatureAlgorithm::RSA_PKCS1_SHA256,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
        SignatureAlgorithm::RSA_PKCS1_SHA384,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
        SignatureAlgorithm::RSA_PKCS1_SHA512,
    ),
    (
        "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1",
        pss(HashAlgorithm::Sha256),
    ),
    (
        "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1",
        pss(HashAlgorithm::Sha384),
    ),
    (
        "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1",
        pss(HashAlgorithm::Sha512),
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
        ecdsa(HashAlgorithm::Sha1),
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha224",
        ecdsa(HashAlgorithm::Sha224),
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        ecdsa(HashAlgorithm::Sha256),
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
        ecdsa(HashAlgorithm::Sha384),
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
        ecdsa(HashAlgorithm::Sha512),
    ),
    // Verification only (RFC 6931 §2.3, RFC 9231 §2.3): the providers sign with SHA-1/SHA-2
    // (RSA PKCS#1, ECDSA) and SHA-256/384/512 (RSA-PSS) alone.
    (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha224",
        SignatureAlgorithm::RsaPkcs1(HashAlgorithm::Sha224),
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-ripemd160",
        SignatureAlgorithm::RsaPkcs1(HashAlgorithm::Ripemd160),
    ),
    // Broken (RFC 6931 §2.3.1): behind VerifyOptions::allow_md5.
    (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
        SignatureAlgorithm::RsaPkcs1(HashAlgorithm::Md5),
    ),
    (
        "http://www.w3.org/2007/05/xmldsig-more#sha1-rsa-MGF1",
        pss(HashAlgorithm::Sha1),
    ),
    (
        "http://www.w3.org/2007/05/xmldsig-more#sha224-rsa-MGF1",
        pss(HashAlgorithm::Sha224),
    ),
    (
        "http://www.w3.org/2007/05/xmldsig-more#sha3-224-rsa-MGF1",
        pss(HashAlgorithm::Sha3_224),
    ),
    (
        "http://www.w3.org/2007/05/xmldsig-more#sha3-256-rsa-MGF1",
        pss(HashAlgorithm::Sha3_256),
    ),
    (
        "http://www.w3.org/2007/05/xmldsig-more#sha3-384-rsa-MGF1",
        pss(HashAlgorithm::Sha3_384),
    ),
    (
        "http://www.w3.org/2007/05/xmldsig-more#sha3-512-rsa-MGF1",
        pss(HashAlgorithm::Sha3_512),
    ),
    (
        "http://www.w3.org/2007/05/xmldsig-more#ecdsa-ripemd160",
        ecdsa(HashAlgorithm::Ripemd160),
    ),
    (
        "http://www.w3.org/2021/04/xmldsig-more#ecdsa-sha3-224",
        ecdsa(HashAlgorithm::Sha3_224),
    ),
    (
        "http://www.w3.org/2021/04/xmldsig-more#ecdsa-sha3-256",
        ecdsa(HashAlgorithm::Sha3_256),
    ),
    (
        "http://www.w3.org/2021/04/xmldsig-more#ecdsa-sha3-384",
        ecdsa(HashAlgorithm::Sha3_384),
    ),
    (
        "http://www.w3.org/2021/04/xmldsig-more#ecdsa-sha3-512",
        ecdsa(HashAlgorithm::Sha3_512),
    ),
    (
        "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519",
        SignatureAlgorithm::Ed25519,
    ),
    // Verification only: RFC 9231 §2.3.13's other EdDSA variants, and the ML-DSA and SLH-DSA
    // URIs xmlsec 1.3.8 defines (no W3C or IETF URI exists yet). Each may carry a context
    // string (see `signature_context`).
    (
        "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519ph",
        SignatureAlgorithm::Ed25519ph,
    ),
    (
        "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519ctx",
        SignatureAlgorithm::Ed25519ctx,
    ),
    (
        "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed448",
        SignatureAlgorithm::Ed448,
    ),
    (
        "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed448ph",
        SignatureAlgorithm::Ed448ph,
    ),
    (
        "http://www.aleksey.com/xmlsec/2025/12/xmldsig-more#ml-dsa-44",
        SignatureAlgorithm::MlDsa(MlDsaLevel::MlDsa44),
    ),
    (
        "http://www.aleksey.com/xmlsec/2025/12/xmldsig-more#ml-dsa-65",
        SignatureAlgorithm::MlDsa(MlDsaLevel::MlDsa65),
    ),
    (
        "http://www.aleksey.com/xmlsec/2025/12/xmldsig-more#ml-dsa-87",
        SignatureAlgorithm::MlDsa(MlDsaLevel::MlDsa87),
    ),
    (
        "http://www.aleksey.com/xmlsec/2025/12/xmldsig-more#slh-dsa-sha2-128s",
        SignatureAlgorithm::SlhDsa(SlhDsaSet::Sha2_128s),
    ),
    (
        "http://www.aleksey.com/xmlsec/2025/12/xmldsig-more#slh-dsa-sha2-128f",
        SignatureAlgorithm::SlhDsa(SlhDsaSet::Sha2_128f),
    ),
    (
        "http://www.aleksey.com/xmlsec/2025/12/xmldsig-more#slh-dsa-sha2-192s",
        SignatureAlgorithm::SlhDsa(SlhDsaSet::Sha2_192s),
    ),
    (
        "http://www.aleksey.com/xmlsec/2025/12/xmldsig-more#slh-dsa-sha2-192f",
        SignatureAlgorithm::SlhDsa(SlhDsaSet::Sha2_192f),
    ),
    (
        "http://www.aleksey.com/xmlsec/2025/12/xmldsig-more#slh-dsa-sha2-256s",
        SignatureAlgorithm::SlhDsa(SlhDsaSet::Sha2_256s),
    ),
    (
        "http://www.aleksey.com/xmlsec/2025/12/xmldsig-more#slh-dsa-sha2-256f",
        SignatureAlgorithm::SlhDsa(SlhDsaSet::Sha2_256f),
    ),
    // DSA: verification of old signatures only (the provider refuses to sign with it).
    (
        "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
        SignatureAlgorithm::Dsa(HashAlgorithm::Sha1),
    ),
    (
        "http://www.w3.org/2009/xmldsig11#dsa-sha256",
        SignatureAlgorithm::Dsa(HashAlgorithm::Sha256),
    ),
    (
        "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256",
        SignatureAlgorithm::Gost2012_256,
    ),
    (
        "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-512",
        SignatureAlgorithm::Gost2012_512,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#gostr34102001-gostr3411",
        SignatureAlgorithm::Gost2001,
    ),
];

/// The signature algorithm a SignatureMethod URI names.
fn signature_method(uri: &str) -> Option<SignatureAlgorithm> {
    SIGNATURE_METHODS
        .iter()
        .find(|(u, _)| *u == uri)
        .map(|(_, a)| *a)
}

/// The SignatureMethod URI of `alg` (ECDSA in either encoding: XMLDSig always uses r ‖ s).
pub(crate) fn signature_method_uri(alg: &SignatureAlgorithm) -> Option<&'static str> {
    let alg = match *alg {
        SignatureAlgorithm::Ecdsa { hash, .. } => ecdsa(hash),
        a => a,
    };
    SIGNATURE_METHODS
        .iter()
        .find(|(_, a)| *a == alg)
        .map(|(u, _)| *u)
}

/// The DigestMethod URI of `hash`.
pub(crate) fn digest_method_uri(hash: HashAlgorithm) -> Option<&'static str> {
    DIGESTS.iter().find(|(_, h)| *h == hash).map(|(u, _)| *u)
}

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
    /// other means (the result carries [`XmlFinding::DocumentKeyUsed`] with the key).
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
    /// (the result then carries [`XmlFinding::DocumentKeyUsed`] with the key).
    pub trust_key_value: bool,
    /// **Dangerous.** Use the signer's certificate (from KeyInfo or
    /// [`KeySource::Certificate`]) without validating its path: no trust anchor, validity
    /// period, key usage or revocation check — xmlsec's `--insecure`. A valid result then
    /// proves only that the document is unchanged since someone holding the certificate's key
    /// signed it, *not* who that is (a forger puts their own certificate in KeyInfo); it
    /// carries [`XmlFinding::PathNotValidated`] and no certificate report. Off by default;
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
    /// key is then the HMAC key (reported as [`XmlFinding::EncryptedHmacKey`]). The key that
    /// opens it is always one of these — the document alone never supplies a key. Empty by
    /// default.
    pub key_decryption: Vec<KeyDecryptionKey>,
    /// Run the OOXML Relationships transform in xmlsec's legacy mode
    /// ([`RelationshipMode::Legacy`], xmlsec's `--relationship-legacy`), for signatures made
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

/// One thing found wrong (or unknowable, or worth knowing) about an XML signature.
/// [`XmlFinding::status`] says whether it makes the result invalid or indeterminate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum XmlFinding {
    /// An Id/ID/id value occurs on more than one element: references to it are ambiguous
    /// (the signature wrapping attack), so the signature is invalid.
    DuplicateId {
        /// The value.
        id: String,
    },
    /// A Reference's digest does not match its canonical content.
    DigestMismatch {
        /// Position of the Reference in SignedInfo.
        reference: usize,
        /// Its URI.
        uri: String,
    },
    /// A Reference's URI selects nothing.
    ReferenceNotFound {
        /// Position of the Reference.
        reference: usize,
        /// Its URI.
        uri: String,
    },
    /// SignatureValue does not verify over the canonical SignedInfo with the signer's key.
    SignatureMismatch,
    /// An algorithm, transform or URI form signflow does not support.
    Unsupported {
        /// What it is.
        what: String,
    },
    /// SHA-1, RIPEMD-160 or MD5 is used (digest, HMAC or signature method): weak; refused
    /// unless allowed ([`VerifyOptions::allow_sha1`], [`VerifyOptions::allow_md5`]).
    WeakAlgorithm {
        /// The algorithm URI.
        uri: String,
        /// Whether the options allowed it.
        allowed: bool,
    },
    /// No key: no certificate in KeyInfo and none given.
    NoKey,
    /// None of the KeyInfo certificates verified the signature (or could be parsed).
    NoSignerCertificate,
    /// The signer's certificate did not validate; its report says why.
    CertificateNotValid {
        /// The certificate report's status.
        status: Status,
    },
    /// The key was given by the caller as trusted: no certificate was checked.
    CallerTrustedKey,
    /// The key came from the document's KeyInfo (a KeyValue or DEREncodedKeyValue) because
    /// the caller set [`VerifyOptions::trust_key_value`]: no certificate was checked, and the
    /// key identifies no one by itself.
    DocumentKeyUsed {
        /// The key, SubjectPublicKeyInfo DER.
        spki: Vec<u8>,
    },
    /// An HMAC SignatureMethod asks for fewer output bits than the minimum (the truncation
    /// attack of CVE-2009-0217), or for a length that is no whole number of bytes or exceeds
    /// the hash's output.
    HmacOutputLength {
        /// HMACOutputLength, in bits.
        bits: usize,
        /// The smallest length accepted.
        min: usize,
    },
    /// The signer's certificate was used without path validation, because the caller set
    /// [`VerifyOptions::insecure_skip_path_validation`]: it identifies no one.
    PathNotValidated,
    /// The HMAC key came from an encrypted key in KeyInfo, opened with one of the caller's
    /// [`VerifyOptions::key_decryption`] keys. Whoever holds that key-decryption key (or
    /// the sender who encrypted to it) could have made the HMAC.
    EncryptedHmacKey {
        /// The EncryptionMethod (or EncapsulationMechanism) URI.
        algorithm: String,
    },
    /// The HMAC key in KeyInfo could not be decrypted with the caller's keys (wrong key, no
    /// key for it, altered or malformed ciphertext, or an unsupported method): nothing was
    /// verified.
    KeyDecryptionFailed {
        /// Why.
        reason: String,
    },
    /// More than one Signature element: only the first was verified.
    OtherSignaturesIgnored {
        /// How many others.
        count: usize,
    },
    /// The verification's work budget ([`ParseLimits::max_work`]) ran out while a Reference's
    /// transforms or canonicalization ran (XPath over hostile input, say): the Reference was
    /// given up, and with it the verdict (indeterminate).
    WorkLimitExceeded {
        /// Position of the Reference in SignedInfo.
        reference: usize,
        /// Its URI.
        uri: String,
        /// The budget, in units of work.
        limit: u64,
    },
}

impl XmlFinding {
    /// Invalid, indeterminate, or `None` for findings that only inform.
    pub fn status(&self) -> Option<Status> {
        match self {
            Self::DuplicateId { .. }
            | Self::DigestMismatch { .. }
            | Self::ReferenceNotFound { .. }
            | Self::SignatureMismatch
            | Self::HmacOutputLength { .. }
            | Self::NoSignerCertificate => Some(Status::Invalid),
            Self::WeakAlgorithm { allowed: false, .. } => Some(Status::Invalid),
            Self::Unsupported { .. }
            | Self::NoKey
            | Self::KeyDecryptionFailed { .. }
            | Self::WorkLimitExceeded { .. } => Some(Status::Indeterminate),
            Self::CertificateNotValid { status } => Some(*status),
            Self::WeakAlgorithm { allowed: true, .. }
            | Self::CallerTrustedKey
            | Self::DocumentKeyUsed { .. }
            | Self::PathNotValidated
            | Self::EncryptedHmacKey { .. }
            | Self::OtherSignaturesIgnored { .. } => None,
        }
    }
}

impl fmt::Display for XmlFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DuplicateId { id } => write!(f, "the Id {id:?} occurs more than once"),
            Self::DigestMismatch { reference, uri } => {
                write!(f, "reference {reference} ({uri:?}): digest does not match")
            }
            Self::ReferenceNotFound { reference, uri } => {
                write!(f, "reference {reference} ({uri:?}) selects nothing")
            }
            Self::SignatureMismatch => f.write_str("the signature value does not verify"),
            Self::Unsupported { what } => write!(f, "unsupported: {what}"),
            Self::WeakAlgorithm { uri, allowed } => write!(
                f,
                "weak algorithm {uri} ({})",
                if *allowed { "allowed" } else { "refused" }
            ),
            Self::NoKey => f.write_str("no key to verify with"),
            Self::NoSignerCertificate => {
                f.write_str("no KeyInfo certificate verifies the signature")
            }
            Self::CertificateNotValid { status } => {
                write!(f, "the signer's certificate is {status}")
            }
            Self::CallerTrustedKey => f.write_str("the key was trusted by the caller"),
            Self::PathNotValidated => f.write_str(
                "the signer's certificate was used without path validation (insecure, on the \
                 caller's word)",
            ),
            Self::DocumentKeyUsed { .. } => {
                f.write_str("the key was read from the document's KeyInfo (no certificate)")
            }
            Self::HmacOutputLength { bits, min } => write!(
                f,
                "HMACOutputLength {bits} refused (at least {min} bits, whole bytes, at most the \
                 hash output)"
            ),
            Self::OtherSignaturesIgnored { count } => {
                write!(f, "{count} other Signature element(s) not verified")
            }
            Self::EncryptedHmacKey { algorithm } => write!(
                f,
                "the HMAC key was decrypted from KeyInfo ({algorithm}) with the caller's key"
            ),
            Self::KeyDecryptionFailed { reason } => {
                write!(f, "the encrypted HMAC key could not be decrypted: {reason}")
            }
            Self::WorkLimitExceeded {
                reference,
                uri,
                limit,
            } => write!(
                f,
                "reference {reference} ({uri:?}): gave up, work limit exceeded (more than \
                 {limit} units of work; hostile input?)"
            ),
        }
    }
}

/// A Reference as verified: what it selected and the canonical bytes that were digested.
#[derive(Clone, Debug)]
pub struct VerifiedReference {
    /// Position of the Reference in SignedInfo (References that could not be processed are
    /// absent from [`XmlVerification::references`], with a finding).
    pub index: usize,
    /// The URI as written.
    pub uri: String,
    /// The element selected (`None` for the whole document, URI `""`).
    pub element: Option<NodeId>,
    /// Digest algorithm.
    pub digest: HashAlgorithm,
    /// Whether the digest matched.
    pub digest_matches: bool,
    /// The exact bytes that were digested (the signed data, canonicalized).
    pub canonical: Vec<u8>,
}

/// The result of verifying an XML signature.
#[derive(Debug)]
pub struct XmlVerification<'a> {
    /// Overall status: the worst of the findings.
    pub status: Status,
    /// Everything found.
    pub findings: Vec<XmlFinding>,
    /// The signature algorithm.
    pub signature_algorithm: Option<SignatureAlgorithm>,
    /// Each Reference in SignedInfo order, with its canonical bytes. Use these, never the
    /// original document, as the signed data — and only when `status` is
    /// [`Status::Valid`]: otherwise nothing vouches for them.
    pub references: Vec<VerifiedReference>,
    /// The signer's certificate (when the key came from one that verified the signature).
    pub signer: Option<Certificate>,
    /// Its path validation report.
    pub certificate: Option<ValidationReport>,
    /// The parsed document (element handles in `references` point into it); it borrows from
    /// the input given to [`verify`].
    pub document: Document<'a>,
}

impl XmlVerification<'_> {
    /// Whether a finding matches `pred`.
    pub fn has(&self, pred: impl Fn(&XmlFinding) -> bool) -> bool {
        self.findings.iter().any(pred)
    }
}

/// Verifies the first XML signature of `xml`.
///
/// `trust`, `intermediates` and `crls` feed the [`Validator`] that checks the signer's
/// certificate (KeyInfo certificates other than the signer's join the intermediates).
///
/// # Errors
/// [`XmlError`] when the document or the signature cannot be read at all; everything else
/// (bad digests, bad signature, untrusted certificate) is a finding in the result.
///
/// # Example
/// ```
/// # #[cfg(any(feature = "aws-lc-rs", feature = "rustcrypto"))] {
/// use signflow::crypto::CryptoProvider;
/// use signflow::pki::{Certificate, Crl, Status, TrustStore, UnixTime};
/// use signflow::xmldsig::{VerifyOptions, verify};
///
/// let mut trust = TrustStore::new();
/// trust.add_pem_or_der(include_bytes!("../../testdata/pki/root-ca.pem"))?;
/// let intermediates =
///     Certificate::all_from_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.pem"))?;
/// let mut crls = Crl::all_from_pem_or_der(include_bytes!("../../testdata/pki/root-ca.crl.pem"))?;
/// crls.extend(Crl::all_from_pem_or_der(include_bytes!(
///     "../../testdata/pki/intermediate-ca.crl.pem"
/// ))?);
/// let xml = include_bytes!("../../testdata/xmldsig/xmlsec1-signed-rsa.xml");
///
/// let provider = CryptoProvider::all_compiled()[0];
/// let options = VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
/// let result = verify(provider, xml, &trust, &intermediates, &crls, &options)?;
/// assert_eq!(result.status, Status::Valid);
/// // The signed data: the canonical bytes the digest covered, not a fresh look-up.
/// let signed = &result.references[0].canonical;
/// assert!(signed.starts_with(b"<Act xmlns=\"urn:signflow:test\""));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify<'a>(
    provider: &CryptoProvider,
    xml: &'a [u8],
    trust: &TrustStore,
    intermediates: &[Certificate],
    crls: &[Crl],
    options: &VerifyOptions,
) -> Result<XmlVerification<'a>, XmlError> {
    let doc = Document::parse_with(xml, &options.limits)?;
    let mut findings = Vec::new();

    // Ids, duplicates anywhere refused.
    let mut ids: std::collections::HashMap<&str, NodeId> = std::collections::HashMap::new();
    let mut duplicates = std::collections::BTreeSet::new();
    for (value, id) in doc.id_attributes() {
        if ids.insert(value, id).is_some() {
            duplicates.insert(value);
        }
    }
    for &id in &duplicates {
        // An ambiguous Id selects nothing: no reference can return either element.
        ids.remove(id);
        findings.push(XmlFinding::DuplicateId { id: id.to_owned() });
    }

    let signatures: Vec<NodeId> = doc
        .nodes()
        .filter(|(id, _)| doc.is_named(*id, DSIG_NS, "Signature"))
        .map(|(id, _)| id)
        .collect();
    let &signature = signatures.first().ok_or(XmlError::NoSignature)?;
    if signatures.len() > 1 {
        findings.push(XmlFinding::OtherSignaturesIgnored {
            count: signatures.len() - 1,
        });
    }
    let signed_info = one_child(&doc, signature, "SignedInfo")?;
    let signature_value = decode_base64(&doc.text(one_child(&doc, signature, "SignatureValue")?))
        .ok_or(XmlError::Base64("SignatureValue"))?;

    // SignedInfo canonicalization.
    let c14n_el = one_child(&doc, signed_info, "CanonicalizationMethod")?;
    let c14n_uri = algorithm(&doc, c14n_el)?;
    let c14n_method = c14n_method_of(&doc, c14n_el, c14n_uri);
    let method_el = one_child(&doc, signed_info, "SignatureMethod")?;
    let method_uri = algorithm(&doc, method_el)?.to_owned();
    let signature_algorithm = signature_method(&method_uri);
    let hmac_hash = super::keys::hmac_method(&method_uri);
    let context = match signature_algorithm {
        Some(alg) => signature_context(&doc, method_el, &alg)?,
        None => Vec::new(),
    };

    // References.
    let reference_els: Vec<NodeId> = doc
        .children_named(signed_info, DSIG_NS, "Reference")
        .collect();
    if reference_els.is_empty() {
        return Err(XmlError::Structure("Reference"));
    }
    if reference_els.len() > MAX_REFERENCES {
        return Err(XmlError::Limit("references per signature"));
    }
    let (mut signer, mut certificate) = (None, None);
    match (&c14n_method, signature_algorithm) {
        (None, _) => findings.push(XmlFinding::Unsupported {
            what: format!("canonicalization {c14n_uri}"),
        }),
        (Some(m), None) if let Some(hash) = hmac_hash => {
            if hash.is_weak() {
                findings.push(XmlFinding::WeakAlgorithm {
                    uri: method_uri.clone(),
                    allowed: options.allows_hash(hash),
                });
            }
            if let Err(e) = hash.check_compiled() {
                if options.allows_hash(hash) {
                    findings.push(XmlFinding::Unsupported {
                        what: format!("signature method {method_uri}: {e}"),
                    });
                }
            } else if options.allows_hash(hash) {
                let mut canonical_si = Vec::new();
                canonicalize(&doc, m, NodeSet::subtree(signed_info), &mut canonical_si)?;
                check_hmac(
                    provider,
                    &doc,
                    signature,
                    method_el,
                    hash,
                    &canonical_si,
                    &signature_value,
                    options,
                    &mut findings,
                )?;
            }
        }
        (_, None) => findings.push(XmlFinding::Unsupported {
            what: format!("signature method {method_uri}"),
        }),
        (Some(m), Some(alg)) => {
            let allowed = alg.hash().is_none_or(|h| options.allows_hash(h));
            if alg.is_weak() {
                findings.push(XmlFinding::WeakAlgorithm {
                    uri: method_uri.clone(),
                    allowed,
                });
            }
            if let Err(e) = alg.check_compiled() {
                if allowed {
                    findings.push(XmlFinding::Unsupported {
                        what: format!("signature method {method_uri}: {e}"),
                    });
                }
            } else if allowed {
                let mut canonical_si = Vec::new();
                canonicalize(&doc, m, NodeSet::subtree(signed_info), &mut canonical_si)?;
                (signer, certificate) = check_signature(
                    provider,
                    &doc,
                    &ids,
                    signature,
                    &alg,
                    &context,
                    &canonical_si,
                    &signature_value,
                    trust,
                    intermediates,
                    crls,
                    options,
                    &mut findings,
                )?;
            }
        }
    }

    // References last: when the signature over SignedInfo failed, the document is invalid
    // whatever its references hold, so they get only a sliver of the work budget
    // ([`UNVERIFIED_WORK_SHARE`]): enough for every ordinary reference (the report says what
    // it always said: digest mismatches, unsupported transforms), nothing for hostile ones.
    let signature_failed = findings.iter().any(|f| {
        matches!(
            f,
            XmlFinding::SignatureMismatch | XmlFinding::NoSignerCertificate
        )
    });
    let budget = if signature_failed {
        options.limits.max_work / UNVERIFIED_WORK_SHARE
    } else {
        options.limits.max_work
    };
    let mut references = Vec::new();
    {
        let work = Work::new(budget);
        for (i, &r) in reference_els.iter().enumerate() {
            let found = reference(
                provider,
                &doc,
                &ids,
                signature,
                i,
                r,
                options,
                &work,
                &mut findings,
            );
            match found {
                Ok(Some(v)) => references.push(v),
                Ok(None) => {}
                Err(Refused::Xml(e)) => return Err(e),
                Err(Refused::Work(WorkLimitExceeded { limit })) => {
                    let uri = doc.element(r).and_then(|e| e.attribute("URI"));
                    findings.push(XmlFinding::WorkLimitExceeded {
                        reference: i,
                        uri: uri.unwrap_or_default().to_owned(),
                        limit,
                    });
                    // Every later Reference would find the budget spent too.
                    break;
                }
            }
        }
    }

    Ok(XmlVerification {
        status: findings
            .iter()
            .filter_map(XmlFinding::status)
            .max()
            .unwrap_or(Status::Valid),
        findings,
        signature_algorithm,
        references,
        signer,
        certificate,
        document: doc,
    })
}

type SignerOutcome = (Option<Certificate>, Option<ValidationReport>);

/// The algorithm and SignatureValue to give the provider for the key `spki`. ECDSA's r ‖ s has
/// halves the curve's field size long (XMLDSig 1.1 §6.4.3); halves written shorter — an old
/// Java wrote P-521's as 65 bytes, leading zero dropped — are left-padded, and halves written
/// longer with leading zero bytes (a signer that kept ASN.1 INTEGER's sign byte, 33-byte P-256
/// halves) lose them: neither changes a value. Longer halves with a non-zero excess are left as
/// they are (and fail). With [`VerifyOptions::ecdsa_der_signature_value`] the value is read as DER instead.
/// Other algorithms pass through.
fn ecdsa_signature_value<'s>(
    alg: &SignatureAlgorithm,
    spki: &[u8],
    signature_value: &'s [u8],
    options: &VerifyOptions,
) -> (SignatureAlgorithm, std::borrow::Cow<'s, [u8]>) {
    if !matches!(alg, SignatureAlgorithm::Ecdsa { .. }) {
        return (*alg, signature_value.into());
    }
    if options.ecdsa_der_signature_value {
        return (
            alg.with_ecdsa_encoding(EcdsaEncoding::Der),
            signature_value.into(),
        );
    }
    let field = crate::crypto::PublicKeyInfo::parse(spki)
        .ok()
        .and_then(|k| k.kind.ec_field_len());
    let len = signature_value.len();
    match field {
        Some(n) if len.is_multiple_of(2) && len > 0 && len != 2 * n => {
            let (r, s) = signature_value.split_at(len / 2);
            let mut fixed = vec![0u8; 2 * n];
            for (half, out) in [r, s].into_iter().zip(fixed.chunks_mut(n)) {
                let (excess, value) = half.split_at(half.len().saturating_sub(n));
                if excess.iter().any(|&b| b != 0) {
                    return (*alg, signature_value.into());
                }
                out[n - value.len()..].copy_from_slice(value);
            }
            (*alg, fixed.into())
        }
        _ => (*alg, signature_value.into()),
    }
}

/// Namespace of xmlsec's context-string elements (children of SignatureMethod).
pub(crate) const XMLSEC_MORE_NS: &str = "http://www.aleksey.com/xmlsec/2025/12/xmldsig-more#";

/// The context string of `alg`'s SignatureMethod: the base64 content of xmlsec's
/// `MLDSAContextString`, `SLHDSAContextString` or `EdDSAContextString` child (the one that
/// matches the algorithm's family), empty when there is none. Two of them are a structure
/// error; a context longer than 255 bytes is refused by the provider.
fn signature_context(
    doc: &Document,
    method_el: NodeId,
    alg: &SignatureAlgorithm,
) -> Result<Vec<u8>, XmlError> {
    let name = match alg {
        SignatureAlgorithm::MlDsa(_) => "MLDSAContextString",
        SignatureAlgorithm::SlhDsa(_) => "SLHDSAContextString",
        SignatureAlgorithm::Ed25519
        | SignatureAlgorithm::Ed25519ph
        | SignatureAlgorithm::Ed25519ctx
        | SignatureAlgorithm::Ed448
        | SignatureAlgorithm::Ed448ph => "EdDSAContextString",
        _ => return Ok(Vec::new()),
    };
    let mut found = doc.children_named(method_el, XMLSEC_MORE_NS, name);
    match (found.next(), found.next()) {
        (None, _) => Ok(Vec::new()),
        (Some(el), None) => decode_base64(&doc.text(el)).ok_or(XmlError::Base64(name)),
        (Some(_), Some(_)) => Err(XmlError::Structure(name)),
    }
}

/// Largest HMACOutputLength read (bits); anything longer than a hash output is refused anyway.
const MAX_HMAC_OUTPUT_BITS: usize = 4096;

/// Checks an HMAC SignatureValue with the caller's key ([`KeySource::Hmac`]; no other source
/// can supply one), refusing truncations below [`VerifyOptions::hmac_min_output_bits`].
#[allow(clippy::too_many_arguments)]
fn check_hmac(
    provider: &CryptoProvider,
    doc: &Document,
    signature: NodeId,
    method_el: NodeId,
    hash: HashAlgorithm,
    canonical_si: &[u8],
    signature_value: &[u8],
    options: &VerifyOptions,
    findings: &mut Vec<XmlFinding>,
) -> Result<(), XmlError> {
    let decrypted;
    let key: &[u8] = match &options.key {
        KeySource::Hmac(key) => key.bytes(),
        _ if !options.key_decryption.is_empty() => {
            match encrypted_hmac_key(doc, signature, options, findings) {
                Some(k) => {
                    decrypted = k;
                    &decrypted
                }
                None => return Ok(()),
            }
        }
        _ => {
            findings.push(XmlFinding::Unsupported {
                what: "an HMAC SignatureMethod needs a key from the caller (KeySource::Hmac, \
                       or VerifyOptions::key_decryption for an encrypted key in KeyInfo)"
                    .into(),
            });
            return Ok(());
        }
    };
    let full = hash.output_len() * 8;
    let min = options
        .hmac_min_output_bits
        .unwrap_or((full / 2).max(80))
        .max(8);
    let mut lengths = doc.children_named(method_el, DSIG_NS, "HMACOutputLength");
    let bits = match (lengths.next(), lengths.next()) {
        (None, _) => full,
        (Some(l), None) => {
            let text = doc.text(l);
            let t = text.trim();
            if t.is_empty() || t.len() > 5 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(XmlError::Structure("HMACOutputLength"));
            }
            t.parse::<usize>()
                .map_err(|_| XmlError::Structure("HMACOutputLength"))?
                .min(MAX_HMAC_OUTPUT_BITS + 1)
        }
        _ => return Err(XmlError::Structure("HMACOutputLength")),
    };
    if bits < min || bits > full || !bits.is_multiple_of(8) {
        findings.push(XmlFinding::HmacOutputLength { bits, min });
        return Ok(());
    }
    let mac = super::keys::hmac(provider, hash, key, canonical_si).map_err(to_io)?;
    if !super::keys::constant_time_eq(&mac[..bits / 8], signature_value) {
        findings.push(XmlFinding::SignatureMismatch);
    }
    Ok(())
}

/// The HMAC key from an encrypted key in the signature's KeyInfo, opened with the caller's
/// [`VerifyOptions::key_decryption`] keys; `None` (with a finding) when there is none or
/// none opens.
fn encrypted_hmac_key(
    doc: &Document,
    signature: NodeId,
    options: &VerifyOptions,
    findings: &mut Vec<XmlFinding>,
) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    let encrypted: Vec<_> = doc
        .children_named(signature, DSIG_NS, "KeyInfo")
        .flat_map(|ki| super::enckey::encrypted_keys(doc, ki))
        .collect();
    if encrypted.is_empty() {
        findings.push(XmlFinding::Unsupported {
            what: "an HMAC SignatureMethod needs a key from the caller (KeySource::Hmac); \
                   KeyInfo holds no encrypted key for VerifyOptions::key_decryption"
                .into(),
        });
        return None;
    }
    let mut reasons = Vec::new();
    for ek in encrypted {
        match ek.and_then(|ek| {
            super::enckey::decrypt(&ek, &options.key_decryption).map(|k| (ek.algorithm, k))
        }) {
            Ok((algorithm, key)) => {
                findings.push(XmlFinding::EncryptedHmacKey { algorithm });
                return Some(key);
            }
            Err(e) => reasons.push(e.to_string()),
        }
    }
    findings.push(XmlFinding::KeyDecryptionFailed {
        reason: reasons.join("; "),
    });
    None
}

#[allow(clippy::too_many_arguments)]
fn check_signature(
    provider: &CryptoProvider,
    doc: &Document,
    ids: &std::collections::HashMap<&str, NodeId>,
    signature: NodeId,
    alg: &SignatureAlgorithm,
    context: &[u8],
    canonical_si: &[u8],
    signature_value: &[u8],
    trust: &TrustStore,
    intermediates: &[Certificate],
    crls: &[Crl],
    options: &VerifyOptions,
    findings: &mut Vec<XmlFinding>,
) -> Result<SignerOutcome, XmlError> {
    // A key the backend cannot use (P-521, say) leaves the outcome open, not invalid.
    let unsupported = std::cell::RefCell::new(None::<String>);
    // XMLDSig writes DSA signatures as r ‖ s (two halves of equal length, XMLDSig 1.1
    // §6.4.1); the provider takes DER Dss-Sig-Value.
    let dsa_der;
    let signature_value = if matches!(alg, SignatureAlgorithm::Dsa(_)) {
        dsa_der = if signature_value.len().is_multiple_of(2) && !signature_value.is_empty() {
            crate::crypto::ecdsa_fixed_to_der(signature_value, signature_value.len() / 2)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        &dsa_der[..]
    } else {
        signature_value
    };
    let verifies = |spki: &[u8]| -> bool {
        let (alg, signature_value) = ecdsa_signature_value(alg, spki, signature_value, options);
        match provider.verify_with_context(&alg, spki, context, canonical_si, &signature_value) {
            Ok(()) => true,
            Err(e @ CryptoError::UnsupportedAlgorithm(_)) => {
                *unsupported.borrow_mut() = Some(e.to_string());
                false
            }
            Err(_) => false,
        }
    };
    let unsupported_or = |finding: XmlFinding| match unsupported.borrow_mut().take() {
        Some(what) => XmlFinding::Unsupported { what },
        None => finding,
    };
    let candidates: Vec<Certificate> = match &options.key {
        KeySource::TrustedPublicKey(spki) => {
            findings.push(XmlFinding::CallerTrustedKey);
            if !verifies(spki) {
                findings.push(unsupported_or(XmlFinding::SignatureMismatch));
            }
            return Ok((None, None));
        }
        KeySource::Hmac(_) => {
            findings.push(XmlFinding::Unsupported {
                what: format!("an HMAC key cannot verify {alg}"),
            });
            return Ok((None, None));
        }
        KeySource::Certificate(c) => vec![(**c).clone()],
        KeySource::KeyValue => Vec::new(),
        KeySource::KeyInfo => key_info_certificates(
            provider,
            doc,
            ids,
            signature,
            intermediates,
            &options.detached,
        )?,
    };
    let raw_keys_allowed = match options.key {
        KeySource::KeyValue => true,
        KeySource::KeyInfo => options.trust_key_value,
        _ => false,
    };
    if candidates.is_empty() && raw_keys_allowed {
        let items = super::keys::key_info_items(doc, signature, ids);
        let keys = super::keys::raw_keys(doc, &items);
        if keys.is_empty() {
            findings.push(XmlFinding::NoKey);
        } else if let Some(k) = keys
            .iter()
            .take(MAX_SIGNER_CANDIDATES)
            .find(|k| verifies(k))
        {
            findings.push(XmlFinding::DocumentKeyUsed { spki: k.clone() });
        } else {
            findings.push(unsupported_or(XmlFinding::SignatureMismatch));
        }
        return Ok((None, None));
    }
    if candidates.is_empty() {
        findings.push(XmlFinding::NoKey);
        return Ok((None, None));
    }
    let Some(pos) = candidates
        .iter()
        .take(MAX_SIGNER_CANDIDATES)
        .position(|c| verifies(c.spki_der()))
    else {
        findings.push(unsupported_or(
            if matches!(options.key, KeySource::Certificate(_)) {
                XmlFinding::SignatureMismatch
            } else {
                XmlFinding::NoSignerCertificate
            },
        ));
        return Ok((None, None));
    };
    let signer = candidates[pos].clone();
    if options.insecure_skip_path_validation {
        findings.push(XmlFinding::PathNotValidated);
        return Ok((Some(signer), None));
    }
    let mut pool: Vec<Certificate> = intermediates.to_vec();
    pool.extend(
        candidates
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != pos)
            .map(|(_, c)| c.clone()),
    );
    let validator = Validator::new(provider, trust, pool, crls.to_vec());
    let report = validator.validate(&signer, &options.validation);
    if report.status != Status::Valid {
        findings.push(XmlFinding::CertificateNotValid {
            status: report.status,
        });
    }
    Ok((Some(signer), Some(report)))
}

/// The signer candidates KeyInfo/X509Data names: its X509Certificate elements in document
/// order, then the caller's certificates (`pool`) that an X509IssuerSerial, X509SKI or
/// X509SubjectName element designates, then the certificates of `RetrievalMethod`s of type
/// `rawX509Certificate` whose external URI the caller supplied in `detached` (never fetched).
/// The look-up only proposes candidates: each must still verify the signature and validate to
/// the trust store, so a loose name match cannot let a wrong key in.
fn key_info_certificates(
    provider: &CryptoProvider,
    doc: &Document,
    ids: &std::collections::HashMap<&str, NodeId>,
    signature: NodeId,
    pool: &[Certificate],
    detached: &[(String, Vec<u8>)],
) -> Result<Vec<Certificate>, XmlError> {
    let mut out: Vec<Certificate> = Vec::new();
    for ki in doc.children_named(signature, DSIG_NS, "KeyInfo") {
        for rm in doc.children_named(ki, DSIG_NS, "RetrievalMethod") {
            let Some(e) = doc.element(rm) else { continue };
            if e.attribute("Type") != Some(RAW_X509_CERTIFICATE) {
                continue;
            }
            let uri = e.attribute("URI").unwrap_or_default();
            if let Some((_, der)) = detached.iter().find(|(u, _)| u == uri)
                && let Ok(c) = Certificate::from_der(der)
            {
                out.push(c);
            }
        }
    }
    let mut designated = Vec::new();
    let items = super::keys::key_info_items(doc, signature, ids);
    {
        for &xd in items
            .iter()
            .filter(|&&i| doc.is_named(i, DSIG_NS, "X509Data"))
        {
            for xdg in doc.children_named(xd, super::keys::DSIG11_NS, "X509Digest") {
                let Some(el) = doc.element(xdg) else { continue };
                let Some(&(_, hash)) = el
                    .attribute("Algorithm")
                    .and_then(|a| DIGESTS.iter().find(|(u, _)| *u == a))
                else {
                    continue;
                };
                let want = decode_base64(&doc.text(xdg)).ok_or(XmlError::Base64("X509Digest"))?;
                for c in pool {
                    if provider
                        .digest(hash, c.der())
                        .is_ok_and(|d| d.as_ref() == &want[..])
                    {
                        designated.push(c);
                    }
                }
            }
            for xc in doc.children_named(xd, DSIG_NS, "X509Certificate") {
                let der =
                    decode_base64(&doc.text(xc)).ok_or(XmlError::Base64("X509Certificate"))?;
                if let Ok(c) = Certificate::from_der(&der) {
                    out.push(c);
                }
            }
            for is in doc.children_named(xd, DSIG_NS, "X509IssuerSerial") {
                let name = doc
                    .children_named(is, DSIG_NS, "X509IssuerName")
                    .next()
                    .map(|n| doc.text(n));
                let serial = doc
                    .children_named(is, DSIG_NS, "X509SerialNumber")
                    .next()
                    .and_then(|n| decimal_to_bytes(doc.text(n).trim()))
                    .ok_or(XmlError::Structure("X509SerialNumber"))?;
                designated.extend(pool.iter().filter(|c| {
                    strip_zeros(c.serial()) == strip_zeros(&serial)
                        && name
                            .as_deref()
                            .is_none_or(|n| same_name(n, &c.issuer().to_string()))
                }));
            }
            for ski in doc.children_named(xd, DSIG_NS, "X509SKI") {
                let id = decode_base64(&doc.text(ski)).ok_or(XmlError::Base64("X509SKI"))?;
                designated.extend(
                    pool.iter()
                        .filter(|c| c.extensions().subject_key_id.as_deref() == Some(&id[..])),
                );
            }
            for sn in doc.children_named(xd, DSIG_NS, "X509SubjectName") {
                let name = doc.text(sn);
                designated.extend(
                    pool.iter()
                        .filter(|c| same_name(&name, &c.subject().to_string())),
                );
            }
        }
    }
    for c in designated {
        if !out.iter().any(|o| o.der() == c.der()) {
            out.push(c.clone());
        }
    }
    Ok(out)
}

/// A decimal serial number (at most 100 digits) as big-endian bytes.
fn decimal_to_bytes(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || s.len() > 100 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out: Vec<u8> = vec![0];
    for d in s.bytes() {
        let mut carry = u32::from(d - b'0');
        for byte in out.iter_mut().rev() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    Some(out)
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[first..]
}

/// Whether two distinguished names written as text (RFC 4514 or signflow's display form) have
/// the same attributes, in any order, case and white space aside. A candidate filter only.
fn same_name(a: &str, b: &str) -> bool {
    fn parts(s: &str) -> Vec<String> {
        let mut v: Vec<String> = s
            .split([',', '+'])
            .map(|p| {
                let (k, val) = p.split_once('=').unwrap_or(("", p));
                let k = match k.trim().to_ascii_lowercase().as_str() {
                    "e" | "email" | "emailaddress" | "1.2.840.113549.1.9.1" => {
                        "emailaddress".to_owned()
                    }
                    "s" | "st" | "2.5.4.8" => "st".to_owned(),
                    "2.5.4.3" => "cn".to_owned(),
                    "2.5.4.10" => "o".to_owned(),
                    "2.5.4.11" => "ou".to_owned(),
                    "2.5.4.6" => "c".to_owned(),
                    "2.5.4.7" => "l".to_owned(),
                    other => other.to_owned(),
                };
                let val: Vec<&str> = val.split_whitespace().collect();
                format!("{k}={}", val.join(" ").to_lowercase())
            })
            .collect();
        v.sort();
        v
    }
    parts(a) == parts(b)
}

/// The share of [`ParseLimits::max_work`] the references of a signature whose value did not
/// verify get: one 64th (156,250 units by default).
pub const UNVERIFIED_WORK_SHARE: u64 = 64;

/// Why a Reference was given up with an error rather than a finding.
#[derive(Debug)]
enum Refused {
    /// The signature cannot be read (malformed Transform, say).
    Xml(XmlError),
    /// The work budget ran out.
    Work(WorkLimitExceeded),
}

impl From<XmlError> for Refused {
    fn from(e: XmlError) -> Self {
        Self::Xml(e)
    }
}

impl From<io::Error> for Refused {
    /// Canonicalization's errors: the work limit, or writing failed.
    fn from(e: io::Error) -> Self {
        match work_limit(&e) {
            Some(w) => Self::Work(w),
            None => Self::Xml(XmlError::Io(e)),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn reference(
    provider: &CryptoProvider,
    doc: &Document,
    ids: &std::collections::HashMap<&str, NodeId>,
    signature: NodeId,
    index: usize,
    r: NodeId,
    options: &VerifyOptions,
    work: &Work,
    findings: &mut Vec<XmlFinding>,
) -> Result<Option<VerifiedReference>, Refused> {
    let Some(uri) = doc.element(r).and_then(|e| e.attribute("URI")) else {
        findings.push(XmlFinding::Unsupported {
            what: format!("reference {index} without a URI (application-defined data)"),
        });
        return Ok(None);
    };
    let uri = uri.to_owned();
    let digest_el = one_child(doc, r, "DigestMethod")?;
    let digest_uri = algorithm(doc, digest_el)?;
    let expected = decode_base64(&doc.text(one_child(doc, r, "DigestValue")?))
        .ok_or(XmlError::Base64("DigestValue"))?;
    let Some(&(_, hash)) = DIGESTS.iter().find(|(u, _)| *u == digest_uri) else {
        findings.push(XmlFinding::Unsupported {
            what: format!("digest {digest_uri}"),
        });
        return Ok(None);
    };
    if hash.is_weak() {
        findings.push(XmlFinding::WeakAlgorithm {
            uri: digest_uri.to_owned(),
            allowed: options.allows_hash(hash),
        });
        if !options.allows_hash(hash) {
            return Ok(None);
        }
    }
    if let Err(e) = hash.check_compiled() {
        findings.push(XmlFinding::Unsupported {
            what: format!("digest {digest_uri}: {e}"),
        });
        return Ok(None);
    }

    if !uri.is_empty() && !uri.starts_with('#') {
        return detached_reference(
            provider, doc, index, r, uri, hash, &expected, options, work, findings,
        );
    }

    // The node-set: "" and "#id" select no comments, "#xpointer(/)" and
    // "#xpointer(id('id'))" keep them (XMLDSig §4.4.3.3).
    let xpointer_id = uri
        .strip_prefix("#xpointer(id(")
        .and_then(|s| s.strip_suffix("))"))
        .and_then(|s| {
            s.strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| s.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
        });
    let keep_comments = uri == "#xpointer(/)" || xpointer_id.is_some();
    let element = if uri.is_empty() || uri == "#xpointer(/)" {
        None
    } else if let Some(id) = xpointer_id.or_else(|| uri.strip_prefix('#'))
        && !id.starts_with("xpointer(")
    {
        match ids.get(id) {
            Some(&e) => Some(e),
            None => {
                findings.push(XmlFinding::ReferenceNotFound {
                    reference: index,
                    uri,
                });
                return Ok(None);
            }
        }
    } else {
        findings.push(XmlFinding::Unsupported {
            what: format!("reference URI {uri:?} (same-document references only)"),
        });
        return Ok(None);
    };
    let mut exclude: Vec<NodeId> = Vec::new();
    // The intersection of the XPath Filter 2.0 transforms' filter node-sets, if any.
    let mut members: Option<super::Membership> = None;
    // Same-document references select no comments; without a canonicalization transform the
    // node-set is converted to octets with Canonical XML 1.0 (XMLDSig §4.4.3.2).
    let mut method = C14nMethod::Inclusive { comments: false };
    let mut seen_c14n = false;
    let mut base64 = false;
    let transforms: Vec<NodeId> = doc
        .children_named(r, DSIG_NS, "Transforms")
        .flat_map(|t| {
            doc.children_named(t, DSIG_NS, "Transform")
                .collect::<Vec<_>>()
        })
        .collect();
    for t in transforms {
        let alg = algorithm(doc, t)?;
        if base64 {
            // It would have to parse the decoded octets as XML.
            findings.push(XmlFinding::Unsupported {
                what: format!("transform {alg} after base64 decoding"),
            });
            return Ok(None);
        }
        if alg == BASE64 && !seen_c14n {
            base64 = true;
        } else if alg == ENVELOPED_SIGNATURE && !seen_c14n {
            exclude.push(signature);
        } else if alg == XPATH && !seen_c14n && is_not_signature_xpath(doc, t) {
            // The one XPath filter recognized: `not(ancestor-or-self::ds:Signature)`, which
            // removes every Signature element.
            exclude.extend(
                doc.nodes()
                    .map(|(id, _)| id)
                    .filter(|&id| doc.expanded_name(id) == Some((Some(DSIG_NS), "Signature"))),
            );
        } else if alg == XPATH && !seen_c14n {
            match xpath_transform(doc, t, doc, true, work) {
                Ok(m) => match &mut members {
                    Some(all) => all.intersect(&m),
                    None => members = Some(m),
                },
                Err(XPathError::Unsupported(what)) => {
                    findings.push(XmlFinding::Unsupported { what });
                    return Ok(None);
                }
                Err(XPathError::Work(w)) => return Err(Refused::Work(w)),
            }
        } else if alg == super::XPATH_FILTER2 && !seen_c14n {
            match super::filter2::evaluate(doc, t, work) {
                Ok(m) => match &mut members {
                    Some(all) => all.intersect(&m),
                    None => members = Some(m),
                },
                Err(XPathError::Unsupported(what)) => {
                    findings.push(XmlFinding::Unsupported { what });
                    return Ok(None);
                }
                Err(XPathError::Work(w)) => return Err(Refused::Work(w)),
            }
        } else if let Some(m) = c14n_method_of(doc, t, alg)
            && !seen_c14n
        {
            method = if keep_comments {
                m
            } else {
                m.without_comments()
            };
            seen_c14n = true;
        } else {
            findings.push(XmlFinding::Unsupported {
                what: format!("transform {alg} at this place"),
            });
            return Ok(None);
        }
    }

    if base64 && members.is_some() {
        findings.push(XmlFinding::Unsupported {
            what: "base64 decoding of an XPath-filtered node-set".into(),
        });
        return Ok(None);
    }
    if base64 {
        // XMLDSig §6.6.2: a node-set input becomes the string value of its text nodes.
        let text = node_set_text(doc, element.unwrap_or_else(|| doc.root()), &exclude);
        let octets = decode_base64(&text).ok_or(XmlError::Base64("base64 transform input"))?;
        let mut hasher = provider.digests.hasher(hash).map_err(to_io)?;
        hasher.update(&octets);
        return Ok(Some(digested(
            index,
            uri,
            element,
            hash,
            hasher.finalize().as_ref() == expected,
            octets,
            findings,
        )));
    }

    // The canonical form is about as long as the markup it comes from: one allocation.
    let expected_len = doc
        .element(element.unwrap_or_else(|| doc.root()))
        .map_or(0, |e| e.span().end - e.span().start);
    let mut sink = TeeHasher::new(provider.digests.hasher(hash).map_err(to_io)?, expected_len);
    let set = NodeSet {
        apex: element,
        exclude: &exclude,
        members: members.as_ref(),
    };
    canonicalize_within(doc, &method, set, work, &mut sink)?;
    let (digest, canonical) = sink.finish();
    let digest_matches = digest == expected;
    if !digest_matches {
        findings.push(XmlFinding::DigestMismatch {
            reference: index,
            uri: uri.clone(),
        });
    }
    Ok(Some(VerifiedReference {
        index,
        uri,
        element,
        digest: hash,
        digest_matches,
        canonical,
    }))
}

/// A reference to content outside the document, supplied by the caller.
#[allow(clippy::too_many_arguments)]
fn detached_reference(
    provider: &CryptoProvider,
    doc: &Document,
    index: usize,
    r: NodeId,
    uri: String,
    hash: HashAlgorithm,
    expected: &[u8],
    options: &VerifyOptions,
    work: &Work,
    findings: &mut Vec<XmlFinding>,
) -> Result<Option<VerifiedReference>, Refused> {
    let Some((_, content)) = options.detached.iter().find(|(u, _)| *u == uri) else {
        findings.push(XmlFinding::Unsupported {
            what: format!("reference {index} to {uri:?}: external content not supplied"),
        });
        return Ok(None);
    };
    let transforms: Vec<NodeId> = doc
        .children_named(r, DSIG_NS, "Transforms")
        .flat_map(|t| {
            doc.children_named(t, DSIG_NS, "Transform")
                .collect::<Vec<_>>()
        })
        .collect();
    let has_transforms_element = doc
        .children_named(r, DSIG_NS, "Transforms")
        .next()
        .is_some();
    let content = match transforms[..] {
        [] if !has_transforms_element => content.clone(),
        // Base64 decoding is the one transform of octets done here.
        [t] if algorithm(doc, t)? == BASE64 => std::str::from_utf8(content)
            .ok()
            .and_then(decode_base64)
            .ok_or(XmlError::Base64("base64 transform input"))?,
        _ => match detached_xml(doc, &transforms, content, options, work)? {
            Ok(canonical) => canonical,
            Err(XPathError::Unsupported(what)) => {
                findings.push(XmlFinding::Unsupported {
                    what: format!("reference {index} to {uri:?}: {what}"),
                });
                return Ok(None);
            }
            Err(XPathError::Work(w)) => return Err(Refused::Work(w)),
        },
    };
    let mut hasher = provider.digests.hasher(hash).map_err(to_io)?;
    hasher.update(&content);
    let matches = hasher.finalize().as_ref() == expected;
    Ok(Some(digested(
        index, uri, None, hash, matches, content, findings,
    )))
}

/// A reference's outcome from its digest comparison (a mismatch is also a finding).
fn digested(
    index: usize,
    uri: String,
    element: Option<NodeId>,
    digest: HashAlgorithm,
    digest_matches: bool,
    canonical: Vec<u8>,
    findings: &mut Vec<XmlFinding>,
) -> VerifiedReference {
    if !digest_matches {
        findings.push(XmlFinding::DigestMismatch {
            reference: index,
            uri: uri.clone(),
        });
    }
    VerifiedReference {
        index,
        uri,
        element,
        digest,
        digest_matches,
        canonical,
    }
}

/// The text nodes under `apex` (itself included), outside the `exclude`d subtrees,
/// concatenated in document order: the string value a node-set gives the base64 transform.
fn node_set_text(doc: &Document, apex: NodeId, exclude: &[NodeId]) -> String {
    let mut out = String::new();
    let mut stack = vec![apex];
    while let Some(id) = stack.pop() {
        if exclude.contains(&id) {
            continue;
        }
        match &doc.node(id).kind {
            NodeKind::Text(t) => out.push_str(&t.as_str()),
            NodeKind::Element(_) => {
                if let Some(e) = doc.element(id) {
                    let children: Vec<NodeId> = e.children().collect();
                    stack.extend(children.into_iter().rev());
                }
            }
            _ => {}
        }
    }
    out
}

fn to_io(e: CryptoError) -> XmlError {
    XmlError::Io(io::Error::other(e))
}

/// Feeds a hasher and keeps the bytes (the caller gets them back as the signed data).
///
/// Canonicalization writes many tiny pieces (a tag name, a quote, an escaped character); the
/// hasher is fed from the kept bytes in chunks of at least [`TeeHasher::CHUNK`] instead of once
/// per piece, which spares a dynamic call and the hash's partial-block bookkeeping per write.
struct TeeHasher {
    hasher: Box<dyn Hasher>,
    bytes: Vec<u8>,
    /// How much of `bytes` the hasher has seen.
    hashed: usize,
}

impl TeeHasher {
    const CHUNK: usize = 64 * 1024;

    fn new(hasher: Box<dyn Hasher>, capacity: usize) -> Self {
        Self {
            hasher,
            bytes: Vec::with_capacity(capacity),
            hashed: 0,
        }
    }

    /// The digest of everything written, and the bytes.
    fn finish(mut self) -> (Vec<u8>, Vec<u8>) {
        self.hasher.update(&self.bytes[self.hashed..]);
        (self.hasher.finalize().as_ref().to_vec(), self.bytes)
    }
}

impl Write for TeeHasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes.extend_from_slice(buf);
        if self.bytes.len() - self.hashed >= Self::CHUNK {
            self.hasher.update(&self.bytes[self.hashed..]);
            self.hashed = self.bytes.len();
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The node-set the XPath transform `t` (of `doc`) keeps of `target`.
fn xpath_transform(
    doc: &Document,
    t: NodeId,
    target: &Document,
    same_document: bool,
    work: &Work,
) -> Result<super::Membership, XPathError> {
    let mut xpaths = doc.children_named(t, DSIG_NS, "XPath");
    let (Some(x), None) = (xpaths.next(), xpaths.next()) else {
        return Err("an XPath transform needs exactly one XPath element".into());
    };
    super::xpath::evaluate(doc, x, target, same_document, work)
}

/// Detached content transformed as XML (XMLDSig §4.4.3.2: octets parsed into a node-set when
/// a transform needs one): first, optionally, OOXML's Relationships transform (whose output is
/// parsed again), then XPath filters, then at most one canonicalization, the last transform;
/// without one, Canonical XML 1.0 without comments (a Relationships transform alone gives its
/// output as is). The content is parsed with the caller's limits (no DTD). The inner error
/// names what is not supported (content that does not parse included); the outer one is a
/// malformed Transform.
fn detached_xml(
    doc: &Document,
    transforms: &[NodeId],
    content: &[u8],
    options: &VerifyOptions,
    work: &Work,
) -> Result<Result<Vec<u8>, XPathError>, Refused> {
    let Some((&first, rest)) = transforms.split_first() else {
        return Ok(Err("an empty Transforms element".into()));
    };
    if algorithm(doc, first)? != RELATIONSHIP_TRANSFORM {
        return detached_node_set(doc, transforms, content, options, work);
    }
    let selection = RelationshipSelection::from_transform(doc, first).map_err(XmlError::from)?;
    let part = match Document::parse_with(content, &options.limits) {
        Ok(p) => p,
        Err(e) => {
            return Ok(Err(
                format!("the content is not XML signflow reads: {e}").into()
            ));
        }
    };
    let mode = if options.relationship_legacy {
        RelationshipMode::Legacy
    } else {
        RelationshipMode::Standard
    };
    let output = match relationship_transform(&part, &selection, mode) {
        Ok(o) => o,
        Err(e) => return Ok(Err(e.to_string().into())),
    };
    if rest.is_empty() {
        return Ok(Ok(output.into_bytes()));
    }
    detached_node_set(doc, rest, output.as_bytes(), options, work)
}

/// [`detached_xml`] after the Relationships transform: XPath filters and a canonicalization
/// over `content` parsed.
fn detached_node_set(
    doc: &Document,
    transforms: &[NodeId],
    content: &[u8],
    options: &VerifyOptions,
    work: &Work,
) -> Result<Result<Vec<u8>, XPathError>, Refused> {
    let target = match Document::parse_with(content, &options.limits) {
        Ok(t) => t,
        Err(e) => {
            return Ok(Err(
                format!("the content is not XML signflow reads: {e}").into()
            ));
        }
    };
    let mut members: Option<super::Membership> = None;
    let mut method = C14nMethod::Inclusive { comments: false };
    for (i, &t) in transforms.iter().enumerate() {
        let alg = algorithm(doc, t)?;
        if alg == XPATH {
            match xpath_transform(doc, t, &target, false, work) {
                Ok(m) => match &mut members {
                    Some(all) => all.intersect(&m),
                    None => members = Some(m),
                },
                Err(e) => return Ok(Err(e)),
            }
        } else if let Some(m) = c14n_method_of(doc, t, alg)
            && i + 1 == transforms.len()
        {
            method = m;
        } else {
            return Ok(Err(format!("transform {alg} on detached XML").into()));
        }
    }
    let set = NodeSet {
        apex: None,
        exclude: &[],
        members: members.as_ref(),
    };
    let mut canonical = Vec::with_capacity(content.len());
    canonicalize_within(&target, &method, set, work, &mut canonical)?;
    Ok(Ok(canonical))
}

/// Whether the XPath transform `t` is `not(ancestor-or-self::P:Signature)` with `P` bound to
/// the XMLDSig namespace.
fn is_not_signature_xpath(doc: &Document, t: NodeId) -> bool {
    let mut xpaths = doc.children_named(t, DSIG_NS, "XPath");
    let (Some(x), None) = (xpaths.next(), xpaths.next()) else {
        return false;
    };
    let text = doc.text(x);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(prefix) = compact
        .strip_prefix("not(ancestor-or-self::")
        .and_then(|s| s.strip_suffix(":Signature)"))
    else {
        return false;
    };
    !prefix.is_empty() && doc.lookup_namespace(x, prefix) == Some(DSIG_NS)
}

/// The single ds:`local` child of `parent`.
fn one_child(doc: &Document, parent: NodeId, local: &'static str) -> Result<NodeId, XmlError> {
    let mut it = doc.children_named(parent, DSIG_NS, local);
    match (it.next(), it.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(XmlError::Structure(local)),
    }
}

/// The Algorithm attribute of `el`.
fn algorithm<'d>(doc: &'d Document<'_>, el: NodeId) -> Result<&'d str, XmlError> {
    doc.element(el)
        .and_then(|e| e.attribute("Algorithm"))
        .ok_or(XmlError::Structure("Algorithm attribute"))
}

/// The canonicalization `uri` names, with the PrefixList of an InclusiveNamespaces child.
fn c14n_method_of(doc: &Document, el: NodeId, uri: &str) -> Option<C14nMethod> {
    let mut m = C14nMethod::from_uri(uri)?;
    if let C14nMethod::Exclusive {
        inclusive_prefixes, ..
    } = &mut m
    {
        for inc in doc.children_named(el, EXC_C14N_NS, "InclusiveNamespaces") {
            if let Some(list) = doc.element(inc).and_then(|e| e.attribute("PrefixList")) {
                for p in list.split_ascii_whitespace() {
                    inclusive_prefixes.push(if p == "#default" {
                        String::new()
                    } else {
                        p.to_owned()
                    });
                }
            }
        }
    }
    Some(m)
}

/// Decodes base64 with the white space XML puts in it.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}
