//! Writing GOST PKCS#12 files in the TC26 profile of [RFC 9548]: PBES2 with
//! PBKDF2-HMAC-Streebog-512 and a GOST R 34.12-2015 cipher in CTR-ACPKM(-OMAC) for both the
//! certificates (an encryptedData part) and the key (a pkcs8ShroudedKeyBag), and the
//! HMAC-Streebog-512 MAC keyed as RFC 9548 §5 says.
//!
//! A child module of [`super`] (`pkcs12/mod.rs`), re-exported there.
//!
//! [RFC 9548]: https://www.rfc-editor.org/rfc/rfc9548

use const_oid::ObjectIdentifier;
use der::{Decode, Encode, Tagged};
use zeroize::Zeroizing;

use super::gost;
use super::{MAX_ITERATIONS, Pkcs12Error, malformed};
use crate::cms::der::tlv;
use crate::crypto::SecureRandom;
use crate::crypto::symmetric::{Cipher2015, GostCipher, HMAC_STREEBOG_512, STREEBOG_512, Streebog};

/// The cipher of a GOST PKCS#12 file written by [`to_der_gost`](super::to_der_gost).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum GostPbeCipher {
    /// Kuznyechik CTR-ACPKM-OMAC: the TC26 profile (RFC 9548's example), with an integrity tag
    /// on each encrypted part. OpenSSL's GOST engine 3.0 cannot read it (its own `-omac` files
    /// are broken; see testdata/README.md).
    #[default]
    KuznyechikCtrAcpkmOmac,
    /// Kuznyechik CTR-ACPKM without the tag, which OpenSSL's GOST engine reads.
    KuznyechikCtrAcpkm,
    /// Magma CTR-ACPKM-OMAC.
    MagmaCtrAcpkmOmac,
    /// Magma CTR-ACPKM.
    MagmaCtrAcpkm,
}

impl GostPbeCipher {
    fn parts(self) -> (Cipher2015, bool, ObjectIdentifier) {
        match self {
            Self::KuznyechikCtrAcpkmOmac => (
                Cipher2015::Kuznyechik,
                true,
                gost::KUZNYECHIK_CTR_ACPKM_OMAC,
            ),
            Self::KuznyechikCtrAcpkm => (Cipher2015::Kuznyechik, false, gost::KUZNYECHIK_CTR_ACPKM),
            Self::MagmaCtrAcpkmOmac => (Cipher2015::Magma, true, gost::MAGMA_CTR_ACPKM_OMAC),
            Self::MagmaCtrAcpkm => (Cipher2015::Magma, false, gost::MAGMA_CTR_ACPKM),
        }
    }
}

const ID_DATA: &str = "1.2.840.113549.1.7.1";
const ID_ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const ID_PBES2: &str = "1.2.840.113549.1.5.13";
const ID_PBKDF2: &str = "1.2.840.113549.1.5.12";
const KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
const X509_CERT: &str = "1.2.840.113549.1.9.22.1";
const LOCAL_KEY_ID: &str = "1.2.840.113549.1.9.21";

/// Writes `key_pkcs8` (an unencrypted PKCS#8 GOST key) and `certificates` (DER, the key's
/// first) as a GOST PKCS#12 file protected by `password`, with `iterations` of PBKDF2 for the
/// MAC and each encrypted part (RFC 9548 suggests 2000 or more).
///
/// # Errors
/// [`Pkcs12Error::LimitExceeded`] if `iterations` is 0 or above
/// [`MAX_ITERATIONS`](super::MAX_ITERATIONS); [`Pkcs12Error::Malformed`] if the key or a
/// certificate is not DER or there is no certificate, or if the random source fails.
pub fn to_der_gost(
    key_pkcs8: &[u8],
    certificates: &[Vec<u8>],
    password: &str,
    cipher: GostPbeCipher,
    iterations: u32,
    random: &dyn SecureRandom,
) -> Result<Vec<u8>, Pkcs12Error> {
    if iterations == 0 || iterations > MAX_ITERATIONS {
        return Err(Pkcs12Error::LimitExceeded {
            what: "iteration count (at most 10,000,000)",
        });
    }
    let leaf = certificates
        .first()
        .ok_or_else(|| malformed("there is no certificate to write"))?;
    for der in certificates.iter().map(Vec::as_slice).chain([key_pkcs8]) {
        if der::AnyRef::from_der(der).map_or(true, |a| a.tag() != der::Tag::Sequence) {
            return Err(malformed("a certificate or the key to write is not DER"));
        }
    }
    let rand = |n: usize| -> Result<Vec<u8>, Pkcs12Error> {
        let mut v = vec![0u8; n];
        random
            .fill(&mut v)
            .map_err(|e| malformed(format!("no random bytes: {e}")))?;
        Ok(v)
    };
    let pw = password.as_bytes();
    let local_key_id = crate::crypto::gost::streebog256(leaf)[..20].to_vec();
    let attrs = set(&[seq(&[oid(LOCAL_KEY_ID), set(&[tlv(0x04, &local_key_id)])])]);

    // Certificates: a SafeContents of certBags, encrypted.
    let mut bags = Vec::new();
    for (i, cert) in certificates.iter().enumerate() {
        let cert_bag = seq(&[oid(X509_CERT), explicit0(&tlv(0x04, cert))]);
        let mut fields = vec![oid(CERT_BAG), explicit0(&cert_bag)];
        if i == 0 {
            fields.push(attrs.clone());
        }
        bags.push(seq(&fields));
    }
    let certs_plain = seq(&bags);
    let (alg, ct) = encrypt(&certs_plain, pw, cipher, iterations, &rand)?;
    let encrypted_data = seq(&[int(0), seq(&[oid(ID_DATA), alg, tlv(0x80, &ct)])]);
    let certs_part = seq(&[oid(ID_ENCRYPTED_DATA), explicit0(&encrypted_data)]);

    // Key: a pkcs8ShroudedKeyBag in a plain part.
    let (alg, ct) = encrypt(key_pkcs8, pw, cipher, iterations, &rand)?;
    let epki = seq(&[alg, tlv(0x04, &ct)]);
    let key_contents = seq(&[seq(&[oid(KEY_BAG), explicit0(&epki), attrs])]);
    let key_part = seq(&[oid(ID_DATA), explicit0(&tlv(0x04, &key_contents))]);

    let auth_safe = seq(&[certs_part, key_part]);
    let mac_salt = rand(32)?;
    let mac_key = Streebog::B512.mac_key(pw, &mac_salt, iterations);
    let mac = Streebog::B512.hmac(&mac_key, &[&auth_safe]);
    let mac_data = seq(&[
        seq(&[
            seq(&[oid_der(&STREEBOG_512), tlv(0x05, &[])]),
            tlv(0x04, &mac),
        ]),
        tlv(0x04, &mac_salt),
        int(iterations),
    ]);
    Ok(seq(&[
        int(3),
        seq(&[oid(ID_DATA), explicit0(&tlv(0x04, &auth_safe))]),
        mac_data,
    ]))
}

/// PBES2-encrypts `plain`: the AlgorithmIdentifier and the ciphertext.
fn encrypt(
    plain: &[u8],
    password: &[u8],
    which: GostPbeCipher,
    iterations: u32,
    rand: &dyn Fn(usize) -> Result<Vec<u8>, Pkcs12Error>,
) -> Result<(Vec<u8>, Vec<u8>), Pkcs12Error> {
    let (cipher, omac, cipher_oid) = which.parts();
    let salt = rand(32)?;
    let half = if cipher == Cipher2015::Kuznyechik {
        8
    } else {
        4
    };
    let gost = GostCipher::CtrAcpkm {
        cipher,
        omac,
        ukm: rand(half + 8)?,
    };
    let mut key = Zeroizing::new([0u8; 32]);
    Streebog::B512.pbkdf2(password, &salt, iterations, &mut *key);
    let ct = gost.encrypt(&key, plain);
    let params = gost::cipher_parameters_der(&gost)
        .map_err(|e| malformed(format!("cannot encode the cipher parameters: {e}")))?;
    let alg = seq(&[
        oid(ID_PBES2),
        seq(&[
            seq(&[
                oid(ID_PBKDF2),
                seq(&[
                    tlv(0x04, &salt),
                    int(iterations),
                    seq(&[oid_der(&HMAC_STREEBOG_512), tlv(0x05, &[])]),
                ]),
            ]),
            seq(&[oid_der(&cipher_oid), params]),
        ]),
    ]);
    Ok((alg, ct))
}

// Minimal DER writing: every length is known, nothing is indefinite.

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn set(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x31, &parts.concat())
}

fn explicit0(inner: &[u8]) -> Vec<u8> {
    tlv(0xA0, inner)
}

fn int(v: u32) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take(3).take_while(|&&b| b == 0).count();
    let mut body = bytes[skip..].to_vec();
    if body[0] & 0x80 != 0 {
        body.insert(0, 0);
    }
    tlv(0x02, &body)
}

fn oid(dotted: &str) -> Vec<u8> {
    oid_der(&ObjectIdentifier::new_unwrap(dotted))
}

fn oid_der(oid: &ObjectIdentifier) -> Vec<u8> {
    // An ObjectIdentifier always encodes.
    oid.to_der().unwrap_or_default()
}
