//! The password-based encryption schemes of PKCS#12: which OID and parameters select which
//! key derivation and cipher (PBES2, the RFC 7292 Appendix C PBEs, PBES2 with a GOST cipher),
//! what a decryption attempt costs, and the attempt itself over `crypto::symmetric`.

use der::Tag;
use der::Tagged;
use der::asn1::OctetString;
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::asn1::{ID_PBES2, ID_PBKDF2, Pbkdf2Params, Pkcs12PbeParams, decode_any};
use super::gost;
use super::reader::{check_iterations_u64, take};
use super::{EncryptedPartKind, Pkcs12Error, malformed, unsupported};
use crate::crypto::symmetric::{GostCipher, HmacHash, Pbes2Cipher, Pkcs12Pbe, pkcs12_kdf_sha1};

/// Parsed PBKDF2 parameters (for PBES2 and PBMAC1).
pub(super) struct Pbkdf2 {
    pub(super) prf: HmacHash,
    pub(super) salt: Vec<u8>,
    pub(super) iterations: u32,
    pub(super) key_length: Option<usize>,
}

impl Pbkdf2 {
    /// Parses the key derivation AlgorithmIdentifier of `scheme` ("PBES2" or "PBMAC1").
    pub(super) fn parse(
        kdf: &AlgorithmIdentifierOwned,
        scheme: &'static str,
    ) -> Result<Self, Pkcs12Error> {
        if kdf.oid != ID_PBKDF2 {
            return Err(unsupported(
                &kdf.oid,
                if scheme == "PBMAC1" {
                    "PBMAC1 key derivation function"
                } else {
                    "PBES2 key derivation function"
                },
            ));
        }
        let params = kdf
            .parameters
            .as_ref()
            .ok_or_else(|| malformed(format!("{scheme}'s PBKDF2 has no parameters")))?;
        let params: Pbkdf2Params = decode_any(params, "PBKDF2 parameters")?;
        let salt = if params.salt.tag() == Tag::OctetString {
            params.salt.value().to_vec()
        } else {
            let source: AlgorithmIdentifierOwned = decode_any(&params.salt, "PBKDF2 salt")?;
            return Err(unsupported(&source.oid, "PBKDF2 salt source"));
        };
        let prf = match &params.prf {
            None => HmacHash::Sha1,
            Some(prf) => HmacHash::from_hmac_oid(&prf.oid)
                .ok_or_else(|| unsupported(&prf.oid, "PBKDF2 pseudo-random function"))?,
        };
        let key_length = match params.key_length {
            None => None,
            Some(len) => Some(
                usize::try_from(len)
                    .ok()
                    .filter(|&l| l <= 1024)
                    .ok_or_else(|| malformed(format!("PBKDF2 keyLength {len} is too large")))?,
            ),
        };
        Ok(Self {
            prf,
            salt,
            iterations: check_iterations_u64(params.iteration_count, "PBKDF2")?,
            key_length,
        })
    }
}

/// A parsed encryption AlgorithmIdentifier.
pub(super) enum Scheme {
    Pbes2 {
        prf: HmacHash,
        salt: Vec<u8>,
        iterations: u32,
        cipher: Pbes2Cipher,
        iv: Vec<u8>,
    },
    Pkcs12 {
        pbe: Pkcs12Pbe,
        salt: Vec<u8>,
        iterations: u32,
    },
    /// PBES2 with a GOST cipher (`gost.rs`).
    Gost {
        prf: HmacHash,
        salt: Vec<u8>,
        iterations: u32,
        cipher: GostCipher,
    },
}

impl Scheme {
    pub(super) fn parse(alg: &AlgorithmIdentifierOwned) -> Result<Self, Pkcs12Error> {
        if alg.oid == ID_PBES2 {
            return Self::parse_pbes2(alg);
        }
        let pbe = Pkcs12Pbe::from_oid(&alg.oid)
            .ok_or_else(|| unsupported(&alg.oid, "encryption scheme"))?;
        let params = alg
            .parameters
            .as_ref()
            .ok_or_else(|| malformed(format!("{} has no parameters", pbe.name())))?;
        let params: Pkcs12PbeParams = decode_any(params, &format!("{} parameters", pbe.name()))?;
        Ok(Self::Pkcs12 {
            pbe,
            salt: params.salt.as_bytes().to_vec(),
            iterations: check_iterations_u64(params.iterations, pbe.name())?,
        })
    }

    fn parse_pbes2(alg: &AlgorithmIdentifierOwned) -> Result<Self, Pkcs12Error> {
        let params = alg
            .parameters
            .as_ref()
            .ok_or_else(|| malformed("PBES2 has no parameters"))?;
        let params: pkcs12::pbe_params::Pbes2Params = decode_any(params, "PBES2 parameters")?;
        if params.kdf.oid != ID_PBKDF2 {
            return Err(unsupported(
                &params.kdf.oid,
                "PBES2 key derivation function",
            ));
        }
        if let Some(cipher) = gost::parse_cipher(&params.encryption)? {
            let kdf = Pbkdf2::parse(&params.kdf, "PBES2")?;
            if kdf.key_length.is_some_and(|len| len != cipher.key_len()) {
                return Err(malformed(format!(
                    "PBKDF2 keyLength does not fit {}",
                    cipher.name()
                )));
            }
            return Ok(Self::Gost {
                prf: kdf.prf,
                salt: kdf.salt,
                iterations: kdf.iterations,
                cipher,
            });
        }
        let cipher = Pbes2Cipher::from_oid(&params.encryption.oid)
            .ok_or_else(|| unsupported(&params.encryption.oid, "PBES2 cipher"))?;
        let kdf = Pbkdf2::parse(&params.kdf, "PBES2")?;
        if let Some(len) = kdf.key_length
            && len != cipher.key_len()
        {
            return Err(malformed(format!(
                "PBKDF2 keyLength {len} does not fit {}",
                cipher.name()
            )));
        }
        let iv = params
            .encryption
            .parameters
            .as_ref()
            .ok_or_else(|| malformed(format!("{} has no IV", cipher.name())))?;
        let iv: OctetString = decode_any(iv, &format!("the {} IV", cipher.name()))?;
        if iv.as_bytes().len() != cipher.block_len() {
            return Err(malformed(format!(
                "the {} IV is {} bytes long, not {}",
                cipher.name(),
                iv.as_bytes().len(),
                cipher.block_len()
            )));
        }
        Ok(Self::Pbes2 {
            prf: kdf.prf,
            salt: kdf.salt,
            iterations: kdf.iterations,
            cipher,
            iv: iv.as_bytes().to_vec(),
        })
    }

    pub(super) fn name(&self) -> String {
        match self {
            Self::Pbes2 { prf, cipher, .. } => {
                format!("PBES2 PBKDF2-HMAC-{} {}", prf.name(), cipher.name())
            }
            Self::Pkcs12 { pbe, .. } => pbe.name().to_owned(),
            Self::Gost { prf, cipher, .. } => {
                format!("PBES2 PBKDF2-HMAC-{} {}", prf.name(), cipher.name())
            }
        }
    }

    pub(super) fn iterations(&self) -> u32 {
        match self {
            Self::Pbes2 { iterations, .. }
            | Self::Pkcs12 { iterations, .. }
            | Self::Gost { iterations, .. } => *iterations,
        }
    }

    pub(super) fn uses_bmp_password(&self) -> bool {
        matches!(self, Self::Pkcs12 { .. })
    }

    /// HmacHash-chain iterations one decryption attempt costs: PBKDF2 runs one chain per output
    /// block of its PRF; the RFC 7292 KDF (SHA-1, 20-byte blocks) one per key block and one
    /// for the IV.
    pub(super) fn cost(&self) -> u64 {
        let (iterations, blocks) = match self {
            Self::Pbes2 {
                prf,
                iterations,
                cipher,
                ..
            } => (*iterations, cipher.key_len().div_ceil(prf.output_len())),
            Self::Pkcs12 {
                pbe, iterations, ..
            } => (*iterations, pbe.key_len().div_ceil(20) + 1),
            Self::Gost {
                prf,
                iterations,
                cipher,
                ..
            } => (*iterations, cipher.key_len().div_ceil(prf.output_len())),
        };
        u64::from(iterations).saturating_mul(blocks as u64)
    }

    fn block_len(&self) -> usize {
        match self {
            Self::Pbes2 { cipher, .. } => cipher.block_len(),
            Self::Pkcs12 { .. } => 8,
            // Stream modes: any length.
            Self::Gost { .. } => 1,
        }
    }

    /// A ciphertext that is empty or not whole blocks is corrupt whatever the password.
    pub(super) fn check_ciphertext(
        &self,
        data: &[u8],
        part: EncryptedPartKind,
    ) -> Result<(), Pkcs12Error> {
        if let Self::Gost { cipher, .. } = self
            && data.len() < cipher.min_len()
        {
            return Err(malformed(format!(
                "the {part}'s ciphertext is {} bytes long, shorter than {}'s {}",
                data.len(),
                cipher.name(),
                cipher.min_len()
            )));
        }
        let bs = self.block_len();
        if data.is_empty() || !data.len().is_multiple_of(bs) {
            return Err(malformed(format!(
                "the {part}'s ciphertext is {} bytes long, not a positive multiple of {bs}",
                data.len()
            )));
        }
        Ok(())
    }

    /// Decrypts with one password form. `Ok(None)` if the padding is wrong (a wrong password,
    /// most likely).
    pub(super) fn decrypt(
        &self,
        secret: &[u8],
        data: &[u8],
        budget: &mut u64,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, Pkcs12Error> {
        match self {
            Self::Pbes2 {
                prf,
                salt,
                iterations,
                cipher,
                iv,
            } => {
                take(budget, self.cost())?;
                let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
                prf.pbkdf2(secret, salt, *iterations, &mut key);
                Ok(cipher.decrypt(&key, iv, data))
            }
            Self::Pkcs12 {
                pbe,
                salt,
                iterations,
            } => {
                use pkcs12::kdf::Pkcs12KeyType;
                let key_len = pbe.key_len();
                take(budget, self.cost())?;
                let key = pkcs12_kdf_sha1(
                    secret,
                    salt,
                    Pkcs12KeyType::EncryptionKey,
                    *iterations,
                    key_len,
                );
                let iv = pkcs12_kdf_sha1(secret, salt, Pkcs12KeyType::Iv, *iterations, 8);
                Ok(pbe.decrypt(&key, &iv, data))
            }
            Self::Gost {
                prf,
                salt,
                iterations,
                cipher,
            } => {
                take(budget, self.cost())?;
                let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
                prf.pbkdf2(secret, salt, *iterations, &mut key);
                Ok(cipher.decrypt(&key, data))
            }
        }
    }
}
