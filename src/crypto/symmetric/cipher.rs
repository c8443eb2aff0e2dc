//! The block ciphers of password-based encryption: AES and triple DES in CBC mode (PBES2,
//! RFC 8018) and the RFC 7292 Appendix C schemes' triple DES and RC2.

use const_oid::ObjectIdentifier;
use zeroize::Zeroizing;

/// A block cipher in CBC mode under PBES2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pbes2Cipher {
    /// AES-128-CBC.
    Aes128,
    /// AES-192-CBC.
    Aes192,
    /// AES-256-CBC.
    Aes256,
    /// DES-EDE3-CBC (three-key triple DES).
    DesEde3,
}

impl Pbes2Cipher {
    /// The cipher (or scheme) its OID names, if supported.
    pub(crate) fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        use const_oid::db::rfc5911::{ID_AES_128_CBC, ID_AES_192_CBC, ID_AES_256_CBC};
        const DES_EDE3_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.3.7");
        Some(match *oid {
            ID_AES_128_CBC => Self::Aes128,
            ID_AES_192_CBC => Self::Aes192,
            ID_AES_256_CBC => Self::Aes256,
            DES_EDE3_CBC => Self::DesEde3,
            _ => return None,
        })
    }

    /// The name `signflow inspect` prints.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Aes128 => "AES-128-CBC",
            Self::Aes192 => "AES-192-CBC",
            Self::Aes256 => "AES-256-CBC",
            Self::DesEde3 => "DES-EDE3-CBC",
        }
    }

    /// The key length in bytes.
    pub(crate) fn key_len(self) -> usize {
        match self {
            Self::Aes128 => 16,
            Self::Aes192 | Self::DesEde3 => 24,
            Self::Aes256 => 32,
        }
    }

    /// The block length in bytes.
    pub(crate) fn block_len(self) -> usize {
        match self {
            Self::DesEde3 => 8,
            _ => 16,
        }
    }

    /// CBC-decrypts `data` and strips the PKCS#7 padding; `None` if the key or IV length is
    /// wrong or the padding is bad.
    pub(crate) fn decrypt(self, key: &[u8], iv: &[u8], data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        use cbc::cipher::KeyInit;
        match self {
            Self::Aes128 => cbc_decrypt(aes::Aes128::new_from_slice(key).ok()?, iv, data),
            Self::Aes192 => cbc_decrypt(aes::Aes192::new_from_slice(key).ok()?, iv, data),
            Self::Aes256 => cbc_decrypt(aes::Aes256::new_from_slice(key).ok()?, iv, data),
            Self::DesEde3 => cbc_decrypt(des::TdesEde3::new_from_slice(key).ok()?, iv, data),
        }
    }
}

/// The RFC 7292 Appendix C password-based encryption schemes (all with the SHA-1 KDF).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pkcs12Pbe {
    /// `pbeWithSHAAnd3-KeyTripleDES-CBC`.
    TripleDes3Key,
    /// `pbeWithSHAAnd2-KeyTripleDES-CBC`.
    TripleDes2Key,
    /// `pbeWithSHAAnd128BitRC2-CBC`.
    Rc2With128Bit,
    /// `pbeWithSHAAnd40BitRC2-CBC`.
    Rc2With40Bit,
}

impl Pkcs12Pbe {
    /// The cipher (or scheme) its OID names, if supported.
    pub(crate) fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Some(match *oid {
            pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC => Self::TripleDes3Key,
            pkcs12::PKCS_12_PBE_WITH_SHAAND2_KEY_TRIPLE_DES_CBC => Self::TripleDes2Key,
            pkcs12::PKCS_12_PBE_WITH_SHAAND128_BIT_RC2_CBC => Self::Rc2With128Bit,
            pkcs12::PKCS_12_PBEWITH_SHAAND40_BIT_RC2_CBC => Self::Rc2With40Bit,
            _ => return None,
        })
    }

    /// The name `signflow inspect` prints.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::TripleDes3Key => "pbeWithSHAAnd3-KeyTripleDES-CBC",
            Self::TripleDes2Key => "pbeWithSHAAnd2-KeyTripleDES-CBC",
            Self::Rc2With128Bit => "pbeWithSHAAnd128BitRC2-CBC",
            Self::Rc2With40Bit => "pbeWithSHAAnd40BitRC2-CBC",
        }
    }

    /// The key length in bytes.
    pub(crate) fn key_len(self) -> usize {
        match self {
            Self::TripleDes3Key => 24,
            Self::TripleDes2Key | Self::Rc2With128Bit => 16,
            Self::Rc2With40Bit => 5,
        }
    }

    /// CBC-decrypts `data` and strips the PKCS#7 padding; `None` if the key or IV length is
    /// wrong or the padding is bad.
    pub(crate) fn decrypt(self, key: &[u8], iv: &[u8], data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        use cbc::cipher::KeyInit;
        match self {
            Self::TripleDes3Key => cbc_decrypt(des::TdesEde3::new_from_slice(key).ok()?, iv, data),
            Self::TripleDes2Key => cbc_decrypt(des::TdesEde2::new_from_slice(key).ok()?, iv, data),
            Self::Rc2With128Bit | Self::Rc2With40Bit => {
                if key.is_empty() || key.len() > 128 {
                    return None;
                }
                let bits = key.len() * 8;
                cbc_decrypt(rc2::Rc2::new_with_eff_key_len(key, bits), iv, data)
            }
        }
    }
}

/// CBC decryption with PKCS#7 padding. `None` if the IV length is wrong or the padding is bad.
pub(crate) fn cbc_decrypt<C>(cipher: C, iv: &[u8], data: &[u8]) -> Option<Zeroizing<Vec<u8>>>
where
    C: cbc::cipher::BlockCipherDecrypt,
{
    use cbc::cipher::{BlockModeDecrypt, InnerIvInit, block_padding::Pkcs7};
    let decryptor = cbc::Decryptor::<C>::inner_iv_slice_init(cipher, iv).ok()?;
    let mut buf = Zeroizing::new(data.to_vec());
    let len = decryptor.decrypt_padded::<Pkcs7>(&mut buf).ok()?.len();
    buf.truncate(len);
    Some(buf)
}
