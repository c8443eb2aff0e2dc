//! The GOST ciphers of PKCS#12 files ([RFC 9548], Р 50.1.112-2016, OpenSSL's GOST engine):
//! which OIDs and parameters select GOST 28147-89 CFB or Kuznyechik / Magma CTR-ACPKM(-OMAC).
//! The ciphers, Streebog HMAC and PBKDF2 themselves are in `crypto/symmetric/gost.rs`.
//!
//! [RFC 9548]: https://www.rfc-editor.org/rfc/rfc9548

use const_oid::ObjectIdentifier;
use der::Sequence;
use der::asn1::OctetString;
use spki::AlgorithmIdentifierOwned;

use super::asn1::decode_any;
use super::{Pkcs12Error, malformed, unsupported};
use crate::crypto::symmetric::{Cipher2015, GostCipher, Sbox};

/// `id-Gost28147-89` (GOST 28147-89 in CFB mode, RFC 4357).
const GOST28147_89: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.2.2.21");
/// `id-tc26-cipher-gostr3412-2015-magma-ctracpkm`.
pub(super) const MAGMA_CTR_ACPKM: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.643.7.1.1.5.1.1");
/// `id-tc26-cipher-gostr3412-2015-magma-ctracpkm-omac`.
pub(super) const MAGMA_CTR_ACPKM_OMAC: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.643.7.1.1.5.1.2");
/// `id-tc26-cipher-gostr3412-2015-kuznyechik-ctracpkm`.
pub(super) const KUZNYECHIK_CTR_ACPKM: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.643.7.1.1.5.2.1");
/// `id-tc26-cipher-gostr3412-2015-kuznyechik-ctracpkm-omac`.
pub(super) const KUZNYECHIK_CTR_ACPKM_OMAC: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.643.7.1.1.5.2.2");

/// `Gost28147-89-Parameters ::= SEQUENCE { iv OCTET STRING (SIZE (8)), encryptionParamSet OID }`
#[derive(Sequence)]
struct Gost89Params {
    iv: OctetString,
    param_set: ObjectIdentifier,
}

/// `Gost3412-15-Encryption-Parameters ::= SEQUENCE { ukm OCTET STRING }` (RFC 9337 §4.2.3).
#[derive(Sequence)]
struct Gost2015Params {
    ukm: OctetString,
}

/// Parses `alg` if it is a GOST cipher: `Ok(None)` for any other OID.
pub(super) fn parse_cipher(
    alg: &AlgorithmIdentifierOwned,
) -> Result<Option<GostCipher>, Pkcs12Error> {
    let (cipher, omac) = match alg.oid {
        GOST28147_89 => return parse_gost89(alg).map(Some),
        MAGMA_CTR_ACPKM => (Cipher2015::Magma, false),
        MAGMA_CTR_ACPKM_OMAC => (Cipher2015::Magma, true),
        KUZNYECHIK_CTR_ACPKM => (Cipher2015::Kuznyechik, false),
        KUZNYECHIK_CTR_ACPKM_OMAC => (Cipher2015::Kuznyechik, true),
        _ => return Ok(None),
    };
    let what = format!("{} CTR-ACPKM parameters", cipher.name());
    let params = alg
        .parameters
        .as_ref()
        .ok_or_else(|| malformed(format!("{what} are missing")))?;
    let params: Gost2015Params = decode_any(params, &what)?;
    let ukm = params.ukm.as_bytes();
    let half = cipher.block_len() / 2;
    // The engine writes the seed (zeros) for the plain variant too.
    if ukm.len() != half + 8 && (omac || ukm.len() != half) {
        return Err(malformed(format!(
            "the {} UKM is {} bytes long, not {}",
            cipher.name(),
            ukm.len(),
            half + 8
        )));
    }
    Ok(Some(GostCipher::CtrAcpkm {
        cipher,
        omac,
        ukm: ukm.to_vec(),
    }))
}

fn parse_gost89(alg: &AlgorithmIdentifierOwned) -> Result<GostCipher, Pkcs12Error> {
    let params = alg
        .parameters
        .as_ref()
        .ok_or_else(|| malformed("GOST 28147-89 has no parameters"))?;
    let params: Gost89Params = decode_any(params, "GOST 28147-89 parameters")?;
    let iv: [u8; 8] = params.iv.as_bytes().try_into().map_err(|_| {
        malformed(format!(
            "the GOST 28147-89 IV is {} bytes long, not 8",
            params.iv.as_bytes().len()
        ))
    })?;
    let sbox = Sbox::from_oid(&params.param_set)
        .ok_or_else(|| unsupported(&params.param_set, "GOST 28147-89 parameter set"))?;
    Ok(GostCipher::Gost89 { sbox, iv })
}

/// The DER AlgorithmIdentifier parameters of a CTR-ACPKM cipher (GOST 28147-89 is not written).
pub(super) fn cipher_parameters_der(cipher: &GostCipher) -> Result<Vec<u8>, der::Error> {
    use der::Encode;
    match cipher {
        GostCipher::Gost89 { .. } => Err(der::ErrorKind::Failed.into()),
        GostCipher::CtrAcpkm { ukm, .. } => Gost2015Params {
            ukm: OctetString::new(ukm.clone())?,
        }
        .to_der(),
    }
}
