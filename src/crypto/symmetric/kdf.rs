//! Password-based key derivation and HMAC: PBKDF2 (RFC 8018), the RFC 7292 Appendix B KDF and
//! HMAC over SHA-1, SHA-2 and Streebog, for the MACs and encryption of PKCS#12 files.

use const_oid::ObjectIdentifier;
use zeroize::Zeroizing;

use super::gost::{HMAC_STREEBOG_256, HMAC_STREEBOG_512, STREEBOG_256, STREEBOG_512, Streebog};

/// A hash for HMAC, PBKDF2 (as its PRF) and the RFC 7292 Appendix B KDF: the MACs and key
/// derivations of password-based encryption.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HmacHash {
    /// SHA-1.
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// Streebog (GOST R 34.11-2012), in [`super::gost`].
    Streebog(Streebog),
}

impl HmacHash {
    /// Whether this is a GOST hash (Streebog).
    pub(crate) fn is_gost(self) -> bool {
        matches!(self, Self::Streebog(_))
    }

    /// PBKDF2 output blocks the MAC key takes (RFC 7292's KDF: one; GOST: 96 bytes' worth).
    pub(crate) fn mac_key_blocks(self) -> usize {
        match self {
            Self::Streebog(s) => s.mac_key_blocks(),
            _ => 1,
        }
    }

    /// The hash a digest algorithm OID names (SHA-1, SHA-2, Streebog), if supported.
    pub(crate) fn from_digest_oid(oid: &ObjectIdentifier) -> Option<Self> {
        use const_oid::db::rfc5912::{ID_SHA_1, ID_SHA_224, ID_SHA_256, ID_SHA_384, ID_SHA_512};
        Some(match *oid {
            ID_SHA_1 => Self::Sha1,
            ID_SHA_224 => Self::Sha224,
            ID_SHA_256 => Self::Sha256,
            ID_SHA_384 => Self::Sha384,
            ID_SHA_512 => Self::Sha512,
            STREEBOG_256 => Self::Streebog(Streebog::B256),
            STREEBOG_512 => Self::Streebog(Streebog::B512),
            _ => return None,
        })
    }

    /// The hash of an HMAC algorithm OID (RFC 8018 `hmacWithSHA*`, TC26 HMAC-Streebog), if
    /// supported.
    pub(crate) fn from_hmac_oid(oid: &ObjectIdentifier) -> Option<Self> {
        // RFC 8018 Appendix B.1: hmacWithSHA1 … hmacWithSHA512 under rsadsi digestAlgorithm.
        const HMAC_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.7");
        const HMAC_SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.8");
        const HMAC_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.9");
        const HMAC_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.10");
        const HMAC_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.11");
        Some(match *oid {
            HMAC_SHA1 => Self::Sha1,
            HMAC_SHA224 => Self::Sha224,
            HMAC_SHA256 => Self::Sha256,
            HMAC_SHA384 => Self::Sha384,
            HMAC_SHA512 => Self::Sha512,
            HMAC_STREEBOG_256 => Self::Streebog(Streebog::B256),
            HMAC_STREEBOG_512 => Self::Streebog(Streebog::B512),
            _ => return None,
        })
    }

    /// The name as `signflow inspect` prints it after `HMAC-`: `"SHA256"`, `"Streebog-512"`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha224 => "SHA224",
            Self::Sha256 => "SHA256",
            Self::Sha384 => "SHA384",
            Self::Sha512 => "SHA512",
            Self::Streebog(s) => s.name(),
        }
    }

    /// The digest length in bytes.
    pub(crate) fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
            Self::Streebog(s) => s.output_len(),
        }
    }

    /// RFC 7292 §5 / Appendix B.4: HMAC keyed by the Appendix B KDF (ID 3) with this hash;
    /// with Streebog, keyed as RFC 9548 §5 says (then `bmp_password` is the UTF-8 password).
    pub(crate) fn verify_pkcs12_mac(
        self,
        bmp_password: &[u8],
        salt: &[u8],
        iterations: u32,
        data: &[u8],
        expected: &[u8],
    ) -> bool {
        fn kdf<D>(pw: &[u8], salt: &[u8], iter: u32) -> Zeroizing<Vec<u8>>
        where
            D: sha2::Digest
                + sha2::digest::FixedOutputReset
                + sha2::digest::block_api::BlockSizeUser,
        {
            let rounds = i32::try_from(iter).unwrap_or(i32::MAX);
            Zeroizing::new(pkcs12::kdf::derive_key::<D>(
                pw,
                salt,
                pkcs12::kdf::Pkcs12KeyType::Mac,
                rounds,
                <D as sha2::Digest>::output_size(),
            ))
        }
        let key = match self {
            Self::Sha1 => kdf::<sha1::Sha1>(bmp_password, salt, iterations),
            Self::Sha224 => kdf::<sha2::Sha224>(bmp_password, salt, iterations),
            Self::Sha256 => kdf::<sha2::Sha256>(bmp_password, salt, iterations),
            Self::Sha384 => kdf::<sha2::Sha384>(bmp_password, salt, iterations),
            Self::Sha512 => kdf::<sha2::Sha512>(bmp_password, salt, iterations),
            Self::Streebog(s) => s.mac_key(bmp_password, salt, iterations),
        };
        self.hmac_verify(&key, data, expected)
    }

    /// HMAC with this hash over `data`, compared with `expected` in constant time.
    pub(crate) fn hmac_verify(self, key: &[u8], data: &[u8], expected: &[u8]) -> bool {
        match self {
            Self::Sha1 => crate::crypto::mac::hmac_verify_with::<sha1::Sha1>(key, data, expected),
            Self::Sha224 => {
                crate::crypto::mac::hmac_verify_with::<sha2::Sha224>(key, data, expected)
            }
            Self::Sha256 => {
                crate::crypto::mac::hmac_verify_with::<sha2::Sha256>(key, data, expected)
            }
            Self::Sha384 => {
                crate::crypto::mac::hmac_verify_with::<sha2::Sha384>(key, data, expected)
            }
            Self::Sha512 => {
                crate::crypto::mac::hmac_verify_with::<sha2::Sha512>(key, data, expected)
            }
            Self::Streebog(s) => s.hmac_verify(key, data, expected),
        }
    }

    /// PBKDF2 (RFC 8018 §5.2) with HMAC over this hash as the PRF, filling `out`.
    pub(crate) fn pbkdf2(self, password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
        use pbkdf2::pbkdf2_hmac;
        match self {
            Self::Sha1 => pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, out),
            Self::Sha224 => pbkdf2_hmac::<sha2::Sha224>(password, salt, iterations, out),
            Self::Sha256 => pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, out),
            Self::Sha384 => pbkdf2_hmac::<sha2::Sha384>(password, salt, iterations, out),
            Self::Sha512 => pbkdf2_hmac::<sha2::Sha512>(password, salt, iterations, out),
            Self::Streebog(s) => s.pbkdf2(password, salt, iterations, out),
        }
    }
}

/// The RFC 7292 Appendix B KDF with SHA-1 (the hash of every Appendix C PBE): `len` bytes of
/// `key_type` (encryption key, IV or MAC key) from the BMPString password and the salt.
pub(crate) fn pkcs12_kdf_sha1(
    bmp_password: &[u8],
    salt: &[u8],
    key_type: pkcs12::kdf::Pkcs12KeyType,
    iterations: u32,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let rounds = i32::try_from(iterations).unwrap_or(i32::MAX);
    Zeroizing::new(pkcs12::kdf::derive_key::<sha1::Sha1>(
        bmp_password,
        salt,
        key_type,
        rounds,
        len,
    ))
}
