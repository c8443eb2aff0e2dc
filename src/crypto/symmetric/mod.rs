//! Symmetric primitives of password-based encryption: the MACs, key derivations and ciphers
//! of PKCS#12 files (RFC 7292, RFC 8018, RFC 9579, RFC 9548).
//!
//! | module | what it is |
//! |---|---|
//! | `kdf` | [`HmacHash`]: HMAC, PBKDF2 and the RFC 7292 Appendix B KDF over SHA-1, SHA-2 and Streebog |
//! | `cipher` | [`Pbes2Cipher`] (AES / triple DES in CBC), [`Pkcs12Pbe`] (the Appendix C schemes) |
//! | `gost` | [`GostCipher`]: GOST 28147-89 CFB with key meshing, Kuznyechik / Magma CTR-ACPKM(-OMAC); [`Streebog`] HMAC, PBKDF2 and the TC26 MAC key |
//!
//! Which OID and parameters select which of them (the scheme decoding) is the caller's: see
//! `pki/pkcs12/scheme.rs`. These run on RustCrypto crates whatever the provider: no backend
//! offers the old PBEs, RC2 or the GOST ciphers.

mod cipher;
mod gost;
mod kdf;

pub(crate) use cipher::{Pbes2Cipher, Pkcs12Pbe};
pub(crate) use gost::{Cipher2015, GostCipher, HMAC_STREEBOG_512, STREEBOG_512, Sbox, Streebog};
pub(crate) use kdf::{HmacHash, pkcs12_kdf_sha1};
