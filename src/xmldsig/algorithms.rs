//! The algorithm URIs of XML signatures: DigestMethods, SignatureMethods (asymmetric and HMAC)
//! and the algorithms they name, for the verifier and the signer alike.

use crate::crypto::{
    EcdsaEncoding, HashAlgorithm, MlDsaLevel, PssParams, SignatureAlgorithm, SlhDsaSet,
};

/// Digest method URIs and the hashes they name.
pub(super) const DIGESTS: &[(&str, HashAlgorithm)] = &[
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
    // Broken (RFC 6931 §2.1.1): verify-only behind HashPolicy::allow_md5.
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
    // Broken (RFC 6931 §2.3.1): behind HashPolicy::allow_md5.
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
pub(super) fn signature_method(uri: &str) -> Option<SignatureAlgorithm> {
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

/// HMAC SignatureMethod URIs (XMLDSig §6.3, RFC 6931 §2.2) and their hashes.
pub(super) const HMAC_METHODS: &[(&str, HashAlgorithm)] = &[
    (
        "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
        HashAlgorithm::Sha1,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha224",
        HashAlgorithm::Sha224,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
        HashAlgorithm::Sha256,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha384",
        HashAlgorithm::Sha384,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha512",
        HashAlgorithm::Sha512,
    ),
    // Broken, behind HashPolicy::allow_md5 (RFC 6931 §2.2.1).
    (
        "http://www.w3.org/2001/04/xmldsig-more#hmac-md5",
        HashAlgorithm::Md5,
    ),
    // Legacy, gated like SHA-1 (see HashAlgorithm::Ripemd160).
    (
        "http://www.w3.org/2001/04/xmldsig-more#hmac-ripemd160",
        HashAlgorithm::Ripemd160,
    ),
];

/// The hash of an HMAC SignatureMethod URI.
pub(super) fn hmac_method(uri: &str) -> Option<HashAlgorithm> {
    HMAC_METHODS
        .iter()
        .find(|(u, _)| *u == uri)
        .map(|(_, h)| *h)
}
