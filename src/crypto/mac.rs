//! Message authentication over the provider's digests: HMAC (RFC 2104) with any hash a
//! provider computes, and a constant-time comparison of MACs (`subtle`). Also HMAC over a
//! RustCrypto hash type, for the hashes no provider offers HMAC with here (Streebog) and the
//! password-based MACs and KDFs of `symmetric`, which run without a provider.
//!
//! Symmetric primitives live here, next to the digests they are built on, so that every
//! digest still goes through the [`CryptoProvider`].

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{CryptoError, CryptoProvider, HashAlgorithm};

/// HMAC (RFC 2104) with `hash` from the provider's digests.
///
/// # Errors
/// [`CryptoError::UnsupportedAlgorithm`] for a hash HMAC is not defined with here (the GOST
/// and SHA-3 ones) or one the provider cannot compute.
pub(crate) fn hmac(
    provider: &CryptoProvider,
    hash: HashAlgorithm,
    key: &[u8],
    message: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let block = match hash {
        HashAlgorithm::Md5
        | HashAlgorithm::Sha1
        | HashAlgorithm::Sha224
        | HashAlgorithm::Sha256
        | HashAlgorithm::Ripemd160 => 64,
        HashAlgorithm::Sha384 | HashAlgorithm::Sha512 => 128,
        other => return Err(CryptoError::unsupported(format!("HMAC with {other}"))),
    };
    let mut k = Zeroizing::new(if key.len() > block {
        provider.digest(hash, key)?.as_ref().to_vec()
    } else {
        key.to_vec()
    });
    k.resize(block, 0);
    let pad = |b: u8| Zeroizing::new(k.iter().map(|x| x ^ b).collect::<Vec<u8>>());
    let mut inner = provider.digests.hasher(hash)?;
    inner.update(&pad(0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = provider.digests.hasher(hash)?;
    outer.update(&pad(0x5c));
    outer.update(inner.as_ref());
    Ok(outer.finalize().as_ref().to_vec())
}

/// Whether `a` and `b` are equal, in time independent of where they differ (the lengths are
/// not secret).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// HMAC (RFC 2104) with the RustCrypto hash `D` over the concatenation of `parts`.
pub(crate) fn hmac_with<D: hmac::EagerHash>(key: &[u8], parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
    use hmac::{KeyInit, Mac};
    // HMAC takes keys of any length.
    let mut mac = <hmac::Hmac<D> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    for p in parts {
        mac.update(p);
    }
    Zeroizing::new(mac.finalize().into_bytes().to_vec())
}

/// HMAC with the RustCrypto hash `D` over `data`, compared with `expected` in constant time
/// (the MACs of every PKCS#12 profile, GOST's included).
pub(crate) fn hmac_verify_with<D: hmac::EagerHash>(
    key: &[u8],
    data: &[u8],
    expected: &[u8],
) -> bool {
    use hmac::{KeyInit, Mac};
    let Ok(mut mac) = <hmac::Hmac<D> as KeyInit>::new_from_slice(key) else {
        return false;
    };
    mac.update(data);
    mac.verify_slice(expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_length_and_bytes() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn hmac_sha256_rfc4231_case_2() {
        let Some(provider) = CryptoProvider::all_compiled().first().copied() else {
            return;
        };
        let mac = hmac(
            provider,
            HashAlgorithm::Sha256,
            b"Jefe",
            b"what do ya want for nothing?",
        )
        .unwrap();
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
