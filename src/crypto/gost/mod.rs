//! GOST R 34.10-2012 signatures and GOST R 34.11-2012 (Streebog) digests, natively.
//!
//! Both crypto backends delegate GOST to this module. The point arithmetic runs on fields
//! specialised per curve at compile time (`field.rs`: pseudo-Mersenne reduction for
//! `2^256 − 617` and `2^512 − 569`, Montgomery for the other primes); signing and key
//! derivation use a constant-time fixed-base comb over a table built once per curve,
//! verification a wNAF/Straus combination in Jacobian coordinates (`point.rs`); integers
//! modulo the group order `q` stay on `crypto-bigint` (`arith.rs`). Streebog is implemented
//! here (`streebog.rs`). Randomness comes from the caller's [`SecureRandom`] (normally
//! `CryptoProvider.random`). The previous generic arithmetic is kept, for tests only, as the
//! reference the new one is checked against on every parameter set (`reference.rs`,
//! `arith_tests.rs`).
//!
//! | item | what |
//! |---|---|
//! | [`streebog256`], [`streebog512`], [`Streebog256`], [`Streebog512`] | one-shot and streaming Streebog |
//! | [`ParamSet`] | the nine standard curves, looked up by any of their OIDs |
//! | [`PublicKey`] | a checked point; SubjectPublicKeyInfo parse/encode; verification |
//! | [`PrivateKey`] | PKCS#8 parse (every engine form)/encode, generation, signing; zeroized on drop |
//! | [`verify`], [`sign`] | the same on raw bytes |
//! | [`Signature`] | `(r, s)` and its `s ‖ r` byte form |
//! | [`GostError`] | what went wrong; converts into [`CryptoError`](crate::crypto::CryptoError) |
//!
//! # Byte-order conventions
//!
//! GOST texts write numbers and byte strings in several orders. Each convention here was taken
//! from the sources named and is checked by the tests named (`tests/gost.rs` unless marked as a
//! unit test).
//!
//! - **Streebog input and output** are byte strings in the order of the `streebog` crate, the
//!   OpenSSL GOST engine (`openssl dgst -md_gost12_256`) and CryptoPro. RFC 6986 §10 prints
//!   its examples as hexadecimal *numbers* that are little-endian byte strings: message M1,
//!   printed `0x3231…3130`, is the bytes `30 31 … 32` (ASCII `"0123…9012"`), and its
//!   Streebog-256, printed `0x00557be5…ef1e159d`, is the bytes `9d 15 1e ef … 55 00`. Reverse
//!   the RFC's hex to get bytes. *Tests:* `rfc6986_*`, `streebog_matches_openssl`.
//! - **Digest → integer.** GOST R 34.10-2012 §6.1 step 2 takes `α`, the integer whose binary
//!   representation is the hash vector `h̄`, and `e = α mod q` (`e = 1` if that is 0). The
//!   digest bytes above are that vector least significant byte first, so `α` is the digest
//!   read as a **little-endian** integer — what the OpenSSL GOST engine does (`hashsum2bn` in
//!   gost-engine `gost_ec_sign.c` reverses the bytes before `BN_bin2bn`). *Tests:*
//!   `rfc7091_*` (the standard gives `e` as an integer; we pass its little-endian bytes), and
//!   the OpenSSL interop tests, which feed `streebog256(message)` unchanged.
//! - **Signature bytes** are `s ‖ r`, each **big-endian** and fixed width (32 bytes for 256-bit
//!   keys, 64 for 512-bit): the vector `ζ = (r̄ ‖ s̄)` of GOST R 34.10-2012 §5.3 written most
//!   significant byte first, so `s` comes first. RFC 4491 §2.2.2 and RFC 9215 §3 specify this
//!   for X.509 and CMS, and the engine's `pack_sign_cp` writes it. The same bytes appear in an
//!   X.509 `signatureValue` BIT STRING (no inner OCTET STRING), in a CMS `SignerInfo.signature`
//!   OCTET STRING, and in the output of `openssl dgst -sign`: OpenSSL puts the engine's
//!   `EVP_PKEY_sign` output in all three unchanged. *Tests:* `rfc7091_*` (the standard prints
//!   the signature as `r ‖ s` hex; we compare the halves), `openssl_certificates_verify`,
//!   `openssl_dgst_signatures_verify`.
//! - **Public key** (RFC 9215 §4.3, RFC 4491 §2.3.2): the SubjectPublicKeyInfo BIT STRING holds
//!   the DER of an OCTET STRING of `x ‖ y`, each **little-endian**, 32 + 32 or 64 + 64 bytes
//!   (gost-engine `pub_encode_gost_ec` writes `Y ‖ X` big-endian and reverses the whole
//!   buffer). The algorithm parameters are `SEQUENCE { publicKeyParamSet OID, digestParamSet
//!   OID OPTIONAL }` (RFC 9215 §4.2), plus an optional `encryptionParamSet` for 2001 keys.
//!   *Tests:* `rfc7091_*` (the standard's `Q` against our `d·P`), `openssl_keys_parse`.
//! - **Private key** in PKCS#8: the engine writes the `privateKey` OCTET STRING as the raw
//!   **little-endian** scalar (`priv_encode_gost`), and reads that, a masked scalar, a DER
//!   OCTET STRING (little-endian), a DER INTEGER (big-endian) or a masked SEQUENCE
//!   (`priv_decode_gost`); [`PrivateKey::from_pkcs8_der`] reads all of them the same way and
//!   [`PrivateKey::to_pkcs8_der`] writes the engine's default. *Tests:*
//!   `openssl_keys_parse` (engine-written keys give the engine's public keys),
//!   `pkcs8_forms_*`.
//!
//! # Example
//! ```
//! use signflow::crypto::gost::{ParamSet, PrivateKey, PublicKey, streebog256};
//! # #[derive(Debug)] struct Counter(std::sync::atomic::AtomicU8);
//! # impl signflow::crypto::SecureRandom for Counter {
//! #     fn fill(&self, d: &mut [u8]) -> Result<(), signflow::crypto::CryptoError> {
//! #         for b in d { *b = self.0.fetch_add(97, std::sync::atomic::Ordering::Relaxed); }
//! #         Ok(())
//! #     }
//! # }
//! # let rng = Counter(Default::default());
//! // `rng` is any `SecureRandom`, normally `CryptoProvider::random`.
//! let key = PrivateKey::generate(ParamSet::Tc26_256A, &rng)?;
//! let digest = streebog256(b"act no. 17");
//! let sig = key.sign_digest(&digest, &rng)?;
//!
//! let spki = key.public_key().to_spki_der();
//! let public = PublicKey::from_spki_der(&spki)?;
//! public.verify_digest(&digest, &sig)?;
//! assert!(public.verify_digest(&streebog256(b"act no. 18"), &sig).is_err());
//! # Ok::<(), signflow::crypto::gost::GostError>(())
//! ```

/// Runs `$body` with `$c` bound to the parameter set's curve definition, for either size.
macro_rules! with_curve {
    ($params:expr, |$c:ident| $body:expr) => {
        match $params.curve() {
            $crate::crypto::gost::params::Curve::W256($c) => $body,
            $crate::crypto::gost::params::Curve::W512($c) => $body,
        }
    };
}
pub(crate) use with_curve;

mod arith;
#[cfg(test)]
mod arith_tests;
mod error;
mod field;
mod keys;
mod params;
mod point;
#[cfg(test)]
mod reference;
mod safegcd;
mod sign;
mod streebog;

pub use error::GostError;
pub use keys::{KeyAlgorithm, PrivateKey, PublicKey};
pub use params::{KeySize, ParamSet, oid};
pub use sign::Signature;
pub use streebog::{
    Gost94CryptoPro, Streebog256, Streebog512, gost94_cryptopro, streebog256, streebog512,
};

use crate::crypto::SecureRandom;

/// Verifies a GOST R 34.10-2012 signature (`s ‖ r`, big-endian halves) over a precomputed
/// `digest` with the public key `x ‖ y` (little-endian coordinates) on `params`.
///
/// # Errors
/// [`GostError::BadSignature`] if it does not verify, [`GostError::SignatureOutOfRange`] if `r`
/// or `s` is 0 or ≥ q, [`GostError::InvalidPublicKey`] if the point is not on the curve (or not
/// of order `q`), [`GostError::BadLength`] for inputs of the wrong length.
///
/// The key is validated on every call (for the cofactor-4 curves that costs a scalar
/// multiplication); to verify many signatures with one key, make a [`PublicKey`] once.
pub fn verify(
    params: ParamSet,
    public_key_xy_le: &[u8],
    digest: &[u8],
    signature: &[u8],
) -> Result<(), GostError> {
    PublicKey::from_xy_le(params, public_key_xy_le)?.verify_digest(digest, signature)
}

/// Signs a precomputed `digest` with the private scalar `d` (little-endian, as in PKCS#8) on
/// `params`, drawing a fresh nonce from `rng`; returns `s ‖ r`.
///
/// # Errors
/// [`GostError::InvalidPrivateKey`] unless `0 < d < q`, [`GostError::BadLength`] for inputs of
/// the wrong length, [`GostError::Random`] if the generator fails.
pub fn sign(
    params: ParamSet,
    private_key_le: &[u8],
    digest: &[u8],
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, GostError> {
    PrivateKey::from_scalar_le(params, private_key_le)?.sign_digest(digest, rng)
}

/// Signs with a caller-chosen nonce `k` (big-endian), for reproducing the standard's examples.
/// Never use it otherwise: a repeated or guessable `k` reveals the private key.
///
/// # Errors
/// As [`sign`]; [`GostError::InvalidPrivateKey`] unless `0 < k < q`.
#[doc(hidden)]
pub fn sign_with_k(
    params: ParamSet,
    private_key_le: &[u8],
    digest: &[u8],
    k_be: &[u8],
) -> Result<Vec<u8>, GostError> {
    PrivateKey::from_scalar_le(params, private_key_le)?.sign_digest_with_k(digest, k_be)
}

/// Parses a GOST SubjectPublicKeyInfo: the curve and the checked point. See
/// [`PublicKey::from_spki_der`].
///
/// # Errors
/// As [`PublicKey::from_spki_der`].
pub fn parse_spki(der: &[u8]) -> Result<PublicKey, GostError> {
    PublicKey::from_spki_der(der)
}
