//! GOST public and private keys and their X.509 / PKCS#8 encodings.

use core::fmt;

use const_oid::ObjectIdentifier as Oid;
use crypto_bigint::Uint;
use der::asn1::{AnyRef, BitStringRef, OctetStringRef, UintRef};
use der::{Decode, Encode, Sequence};
use pkcs8::PrivateKeyInfoRef;
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use zeroize::{Zeroize, Zeroizing};

use super::arith::{CurveDef, Scalar};
use super::params::{KeySize, ParamSet, oid};
use super::sign::{self, Signature, uint_be, uint_to_be};
use super::{GostError, streebog256, streebog512};
use crate::crypto::SecureRandom;

/// The key algorithm named in a SubjectPublicKeyInfo or PKCS#8 `AlgorithmIdentifier`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// `id-GostR3410-2001` (1.2.643.2.2.19), 256-bit, hashed with GOST R 34.11-94 (not provided
    /// here: such keys verify and sign precomputed digests only).
    Gost2001,
    /// `id-tc26-gost3410-12-256` (1.2.643.7.1.1.1.1), hashed with Streebog-256.
    Gost2012_256,
    /// `id-tc26-gost3410-12-512` (1.2.643.7.1.1.1.2), hashed with Streebog-512.
    Gost2012_512,
}

impl KeyAlgorithm {
    /// The key algorithm's object identifier.
    pub const fn oid(self) -> Oid {
        match self {
            Self::Gost2001 => oid::GOST3410_2001,
            Self::Gost2012_256 => oid::GOST3410_2012_256,
            Self::Gost2012_512 => oid::GOST3410_2012_512,
        }
    }

    /// Looks a key algorithm up by object identifier.
    ///
    /// # Errors
    /// [`GostError::UnsupportedAlgorithm`] naming any other OID.
    pub fn from_oid(oid: &Oid) -> Result<Self, GostError> {
        match *oid {
            oid::GOST3410_2001 => Ok(Self::Gost2001),
            oid::GOST3410_2012_256 => Ok(Self::Gost2012_256),
            oid::GOST3410_2012_512 => Ok(Self::Gost2012_512),
            other => Err(GostError::UnsupportedAlgorithm(other)),
        }
    }

    /// 256 or 512 bits.
    pub const fn key_size(self) -> KeySize {
        match self {
            Self::Gost2001 | Self::Gost2012_256 => KeySize::Bits256,
            Self::Gost2012_512 => KeySize::Bits512,
        }
    }

    /// The signature algorithm OID of signatures made with such keys (X.509
    /// `signatureAlgorithm`; RFC 9215 §3.1, RFC 4491 §2.2.2).
    pub const fn signature_oid(self) -> Oid {
        match self {
            Self::Gost2001 => oid::GOST3411_94_WITH_3410_2001,
            Self::Gost2012_256 => oid::SIGN_WITH_DIGEST_2012_256,
            Self::Gost2012_512 => oid::SIGN_WITH_DIGEST_2012_512,
        }
    }

    /// The digest algorithm OID used with such keys.
    pub const fn digest_oid(self) -> Oid {
        match self {
            Self::Gost2001 => oid::GOST3411_94,
            Self::Gost2012_256 => oid::STREEBOG_256,
            Self::Gost2012_512 => oid::STREEBOG_512,
        }
    }

    /// Looks up the key algorithm whose signatures a signature algorithm OID names.
    ///
    /// # Errors
    /// [`GostError::UnsupportedAlgorithm`] naming any other OID.
    pub fn from_signature_oid(oid: &Oid) -> Result<Self, GostError> {
        match *oid {
            oid::GOST3411_94_WITH_3410_2001 => Ok(Self::Gost2001),
            oid::SIGN_WITH_DIGEST_2012_256 => Ok(Self::Gost2012_256),
            oid::SIGN_WITH_DIGEST_2012_512 => Ok(Self::Gost2012_512),
            other => Err(GostError::UnsupportedAlgorithm(other)),
        }
    }

    /// Hashes `message` with the algorithm's digest (Streebog-256 or -512; GOST R 34.11-94 with
    /// the CryptoPro parameters for GOST R 34.10-2001).
    ///
    /// # Errors
    /// None today; kept fallible for digests a build may leave out.
    pub fn hash(self, message: &[u8]) -> Result<Vec<u8>, GostError> {
        match self {
            Self::Gost2012_256 => Ok(streebog256(message).to_vec()),
            Self::Gost2012_512 => Ok(streebog512(message).to_vec()),
            Self::Gost2001 => Ok(super::streebog::gost94_cryptopro(message).to_vec()),
        }
    }

    /// A short name ("GOST R 34.10-2012 256-bit").
    pub const fn name(self) -> &'static str {
        match self {
            Self::Gost2001 => "GOST R 34.10-2001",
            Self::Gost2012_256 => "GOST R 34.10-2012 256-bit",
            Self::Gost2012_512 => "GOST R 34.10-2012 512-bit",
        }
    }

    /// The GOST R 34.10-2012 algorithm for a parameter set's size.
    pub const fn gost2012_for(params: ParamSet) -> Self {
        match params.key_size() {
            KeySize::Bits256 => Self::Gost2012_256,
            KeySize::Bits512 => Self::Gost2012_512,
        }
    }

    fn check_params(self, params: ParamSet) -> Result<(), GostError> {
        if self.key_size() == params.key_size() {
            Ok(())
        } else {
            Err(GostError::ParamSetMismatch {
                algorithm: self,
                param_set: params,
            })
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Key parameters, RFC 9215 §4.2 (and RFC 4491 §2.3.2 for GOST R 34.10-2001 keys):
///
/// ```text
/// GostR3410-2012-PublicKeyParameters ::= SEQUENCE {
///     publicKeyParamSet  OBJECT IDENTIFIER,
///     digestParamSet     OBJECT IDENTIFIER OPTIONAL }
///
/// GostR3410-2001-PublicKeyParameters ::= SEQUENCE {
///     publicKeyParamSet     OBJECT IDENTIFIER,
///     digestParamSet        OBJECT IDENTIFIER,
///     encryptionParamSet    OBJECT IDENTIFIER OPTIONAL }
/// ```
///
/// Decoding accepts the union (as the OpenSSL GOST engine's `GOST_KEY_PARAMS` does).
#[derive(Sequence)]
struct GostKeyParams {
    public_key_param_set: Oid,
    #[asn1(optional = "true")]
    digest_param_set: Option<Oid>,
    #[asn1(optional = "true")]
    encryption_param_set: Option<Oid>,
}

/// The engine's masked private key (`MASKED_GOST_KEY` in gost-engine `gost_asn1.c`).
#[derive(Sequence)]
struct MaskedGostKey<'a> {
    masked_priv_key: &'a OctetStringRef,
    #[allow(dead_code)]
    public_key: &'a OctetStringRef,
}

/// The key algorithm, the curve and the OID that named it.
fn parse_algorithm(
    ai: &AlgorithmIdentifierRef<'_>,
) -> Result<(KeyAlgorithm, ParamSet, Oid), GostError> {
    let algorithm = KeyAlgorithm::from_oid(&ai.oid)?;
    let params = ai.parameters.ok_or(GostError::Malformed(
        "GOST key parameters are absent (inheriting them from the issuer is not supported)",
    ))?;
    let params: GostKeyParams = params
        .decode_as()
        .map_err(|_| GostError::Malformed("GOST key parameters are not a valid SEQUENCE"))?;
    let _ = (params.digest_param_set, params.encryption_param_set);
    let param_set = ParamSet::from_oid(&params.public_key_param_set)?;
    algorithm.check_params(param_set)?;
    Ok((algorithm, param_set, params.public_key_param_set))
}

/// DER of the key parameters as RFC 9215 §4.2 asks: `digestParamSet` (Streebog-256) present
/// for 256-bit keys named by a GOST R 34.10-2001 parameter set OID (1.2.643.2.2.35.x,
/// 1.2.643.2.2.36.x), absent for the tc26 OIDs and for 512-bit keys; for GOST R 34.10-2001
/// keys the GOST R 34.11-94 CryptoPro digest parameters, as RFC 4491 §2.3.2 requires. For
/// 256-bit keys this is also what the OpenSSL GOST engine writes; for 512-bit A and B keys
/// the engine adds a Streebog-512 `digestParamSet` (harmless: readers accept both).
fn encode_params(algorithm: KeyAlgorithm, params_oid: Oid) -> Vec<u8> {
    let cryptopro_oid = matches!(
        params_oid,
        oid::CRYPTOPRO_TEST
            | oid::CRYPTOPRO_A
            | oid::CRYPTOPRO_B
            | oid::CRYPTOPRO_C
            | oid::CRYPTOPRO_XCH_A
            | oid::CRYPTOPRO_XCH_B
    );
    let digest_param_set = match algorithm {
        KeyAlgorithm::Gost2001 => Some(oid::GOST3411_94_CRYPTOPRO_PARAMSET),
        KeyAlgorithm::Gost2012_256 if cryptopro_oid => Some(oid::STREEBOG_256),
        _ => None,
    };
    GostKeyParams {
        public_key_param_set: params_oid,
        digest_param_set,
        encryption_param_set: None,
    }
    .to_der()
    .expect("key parameters encode")
}

fn uint_le<const L: usize>(bytes: &[u8]) -> Uint<L> {
    let mut be = Zeroizing::new([0u8; 64]);
    be[..bytes.len()].copy_from_slice(bytes);
    be[..bytes.len()].reverse();
    uint_be(&be[..bytes.len()])
}

/// A GOST R 34.10 public key: a curve point `Q` on a [`ParamSet`], checked to be on the curve
/// and (for the cofactor-4 curves) in the subgroup of order `q`.
///
/// Its raw form ([`PublicKey::xy_le`]) is `x ‖ y`, each little-endian and
/// [`ParamSet::coordinate_len`] bytes: the content of the OCTET STRING inside the
/// SubjectPublicKeyInfo BIT STRING (RFC 9215 §4.3; gost-engine `pub_encode_gost_ec`).
///
/// Two keys are equal when their algorithm, curve and point are; the OID that named the curve
/// ([`PublicKey::params_oid`]) is not compared.
#[derive(Clone, Debug)]
pub struct PublicKey {
    algorithm: KeyAlgorithm,
    params: ParamSet,
    params_oid: Oid,
    xy_le: Vec<u8>,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.algorithm == other.algorithm
            && self.params == other.params
            && self.xy_le == other.xy_le
    }
}

impl Eq for PublicKey {}

impl PublicKey {
    /// A GOST R 34.10-2012 key of `params`' size from the raw `x ‖ y` little-endian form.
    ///
    /// # Errors
    /// [`GostError::BadLength`] unless `xy_le` is `2 × coordinate_len` long;
    /// [`GostError::InvalidPublicKey`] if the point is not on the curve or not of order `q`.
    pub fn from_xy_le(params: ParamSet, xy_le: &[u8]) -> Result<Self, GostError> {
        Self::new(KeyAlgorithm::gost2012_for(params), params, xy_le)
    }

    /// As [`PublicKey::from_xy_le`] with an explicit key algorithm (for GOST R 34.10-2001
    /// keys).
    ///
    /// # Errors
    /// As [`PublicKey::from_xy_le`]; [`GostError::ParamSetMismatch`] if the algorithm and
    /// parameter set differ in size.
    pub fn new(algorithm: KeyAlgorithm, params: ParamSet, xy_le: &[u8]) -> Result<Self, GostError> {
        algorithm.check_params(params)?;
        let n = params.coordinate_len();
        if xy_le.len() != 2 * n {
            return Err(GostError::BadLength {
                what: "public key",
                expected: 2 * n,
                actual: xy_le.len(),
            });
        }
        super::point::check_public(params, xy_le)?;
        Ok(Self {
            algorithm,
            params,
            params_oid: params.oid(),
            xy_le: xy_le.to_vec(),
        })
    }

    /// Parses a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) holding a GOST R 34.10-2012 (RFC 9215
    /// §4) or GOST R 34.10-2001 (RFC 4491 §2.3.2) key:
    ///
    /// ```text
    /// algorithm         AlgorithmIdentifier { id-tc26-gost3410-12-256 | -512 | id-GostR3410-2001,
    ///                                         SEQUENCE { publicKeyParamSet, digestParamSet OPTIONAL } }
    /// subjectPublicKey  BIT STRING containing the DER of  OCTET STRING (x ‖ y, little-endian)
    /// ```
    ///
    /// # Errors
    /// [`GostError::UnsupportedAlgorithm`] or [`GostError::UnsupportedParamSet`] naming an
    /// unknown OID, [`GostError::ParamSetMismatch`], [`GostError::Malformed`] for bad DER,
    /// [`GostError::BadLength`] / [`GostError::InvalidPublicKey`] for a bad point.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, GostError> {
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|_| GostError::Malformed("not a DER SubjectPublicKeyInfo"))?;
        let (algorithm, params, params_oid) = parse_algorithm(&spki.algorithm)?;
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or(GostError::Malformed("subjectPublicKey has unused bits"))?;
        let octets = <&OctetStringRef>::from_der(bits).map_err(|_| {
            GostError::Malformed("subjectPublicKey does not hold a DER OCTET STRING")
        })?;
        let mut key = Self::new(algorithm, params, octets.as_bytes())?;
        key.params_oid = params_oid;
        Ok(key)
    }

    /// The SubjectPublicKeyInfo DER, naming the curve with [`PublicKey::params_oid`];
    /// `digestParamSet` is written as RFC 9215 §4.2 asks (only for 256-bit keys named by a
    /// GOST R 34.10-2001 parameter set OID). For 256-bit keys the bytes equal the OpenSSL GOST
    /// engine's.
    pub fn to_spki_der(&self) -> Vec<u8> {
        let params = encode_params(self.algorithm, self.params_oid);
        let octets = OctetStringRef::new(&self.xy_le)
            .and_then(|o| o.to_der())
            .expect("public key encodes");
        SubjectPublicKeyInfoRef {
            algorithm: AlgorithmIdentifierRef {
                oid: self.algorithm.oid(),
                parameters: Some(AnyRef::from_der(&params).expect("own DER")),
            },
            subject_public_key: BitStringRef::from_bytes(&octets).expect("bit string"),
        }
        .to_der()
        .expect("SubjectPublicKeyInfo encodes")
    }

    /// The key algorithm (2001, 2012-256 or 2012-512).
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The curve.
    pub fn params(&self) -> ParamSet {
        self.params
    }

    /// The OID that named the curve: as parsed (an alias such as tc26 256 B is kept), or
    /// [`ParamSet::oid`] for keys made from raw coordinates.
    pub fn params_oid(&self) -> Oid {
        self.params_oid
    }

    /// The raw `x ‖ y` little-endian form.
    pub fn xy_le(&self) -> &[u8] {
        &self.xy_le
    }

    /// Verifies `signature` (`s ‖ r`, see [`Signature`]) over a precomputed `digest` (the
    /// Streebog output bytes, read as a little-endian integer as GOST R 34.10-2012 §6.2 and the
    /// OpenSSL GOST engine do).
    ///
    /// # Errors
    /// [`GostError::BadSignature`] if it does not verify, [`GostError::SignatureOutOfRange`] if
    /// `r` or `s` is 0 or ≥ q, [`GostError::BadLength`] for a digest or signature of the wrong
    /// length.
    pub fn verify_digest(&self, digest: &[u8], signature: &[u8]) -> Result<(), GostError> {
        let sig = Signature::from_bytes(self.params, signature)?;
        self.verify_signature(digest, &sig)
    }

    /// As [`PublicKey::verify_digest`] with a decoded [`Signature`].
    ///
    /// # Errors
    /// As [`PublicKey::verify_digest`].
    pub fn verify_signature(&self, digest: &[u8], signature: &Signature) -> Result<(), GostError> {
        let n = self.params.coordinate_len();
        if signature.r().len() != n {
            return Err(GostError::BadLength {
                what: "signature",
                expected: 2 * n,
                actual: 2 * signature.r().len(),
            });
        }
        super::with_curve!(self.params, |c| {
            sign::verify_generic(c, self.params, &self.xy_le, digest, signature)
        })
    }

    /// Hashes `message` with the key's Streebog and verifies `signature` over it.
    ///
    /// # Errors
    /// As [`PublicKey::verify_digest`]; [`GostError::Unsupported`] for GOST R 34.10-2001 keys.
    pub fn verify_message(&self, message: &[u8], signature: &[u8]) -> Result<(), GostError> {
        let digest = self.algorithm.hash(message)?;
        self.verify_digest(&digest, signature)
    }
}

/// A GOST R 34.10 private key `d` (`0 < d < q`) with its public key. The scalar is zeroized
/// when the key is dropped.
pub struct PrivateKey {
    algorithm: KeyAlgorithm,
    params: ParamSet,
    /// `d`, big-endian, left-aligned in `coordinate_len` bytes.
    d_be: Zeroizing<[u8; 64]>,
    public: PublicKey,
}

impl PrivateKey {
    /// A GOST R 34.10-2012 key from the scalar `d` in little-endian (the PKCS#8 form).
    ///
    /// # Errors
    /// [`GostError::BadLength`] if longer than `coordinate_len`;
    /// [`GostError::InvalidPrivateKey`] unless `0 < d < q`.
    pub fn from_scalar_le(params: ParamSet, d_le: &[u8]) -> Result<Self, GostError> {
        let n = params.coordinate_len();
        Self::check_len(n, d_le.len())?;
        let mut be = Zeroizing::new([0u8; 64]);
        be[n - d_le.len()..n].copy_from_slice(d_le);
        be[n - d_le.len()..n].reverse();
        Self::from_be_padded(KeyAlgorithm::gost2012_for(params), params, params.oid(), be)
    }

    /// A GOST R 34.10-2012 key from the scalar `d` in big-endian (the standard's notation).
    ///
    /// # Errors
    /// As [`PrivateKey::from_scalar_le`].
    pub fn from_scalar_be(params: ParamSet, d_be: &[u8]) -> Result<Self, GostError> {
        let n = params.coordinate_len();
        Self::check_len(n, d_be.len())?;
        let mut be = Zeroizing::new([0u8; 64]);
        be[n - d_be.len()..n].copy_from_slice(d_be);
        Self::from_be_padded(KeyAlgorithm::gost2012_for(params), params, params.oid(), be)
    }

    /// Generates a key: `d` uniform in `[1, q − 1]` from `rng`.
    ///
    /// # Errors
    /// [`GostError::Random`] if the generator fails.
    pub fn generate(params: ParamSet, rng: &dyn SecureRandom) -> Result<Self, GostError> {
        let n = params.coordinate_len();
        let mut be = Zeroizing::new([0u8; 64]);
        super::with_curve!(params, |c| {
            let d = sign::random_scalar(c, rng)?;
            be[..n].copy_from_slice(&Zeroizing::new(uint_to_be(&*d, n)));
            Ok::<(), GostError>(())
        })?;
        Self::from_be_padded(KeyAlgorithm::gost2012_for(params), params, params.oid(), be)
    }

    fn check_len(n: usize, actual: usize) -> Result<(), GostError> {
        if actual > n || actual == 0 {
            return Err(GostError::BadLength {
                what: "private key",
                expected: n,
                actual,
            });
        }
        Ok(())
    }

    fn from_be_padded(
        algorithm: KeyAlgorithm,
        params: ParamSet,
        params_oid: Oid,
        d_be: Zeroizing<[u8; 64]>,
    ) -> Result<Self, GostError> {
        algorithm.check_params(params)?;
        let n = params.coordinate_len();
        super::with_curve!(params, |c| {
            let d = Zeroizing::new(uint_be(&d_be[..n]));
            if !sign::scalar_in_range(c, &d) {
                return Err(GostError::InvalidPrivateKey("d must satisfy 0 < d < q"));
            }
            Ok(())
        })?;
        // d·P: public, so the coordinates need no zeroizing.
        let mut xy_le = vec![0u8; 2 * n];
        let (x, y) = xy_le.split_at_mut(n);
        if !super::point::base_mul(params, &d_be[..n], x, y) {
            return Err(GostError::InvalidPrivateKey("d·P is the identity"));
        }
        x.reverse();
        y.reverse();
        Ok(Self {
            algorithm,
            params,
            d_be,
            public: PublicKey {
                algorithm,
                params,
                params_oid,
                xy_le,
            },
        })
    }

    /// Parses an unencrypted PKCS#8 `PrivateKeyInfo` (RFC 5208 / RFC 5958) with a GOST key, in
    /// every form the OpenSSL GOST engine reads (`priv_decode_gost` in gost-engine
    /// `gost_ameth.c`), tried in the engine's order on the contents of the `privateKey` OCTET
    /// STRING:
    ///
    /// 1. length a multiple of the key length `n`: the raw scalar, little-endian (what the
    ///    engine writes), or, if longer, a masked key `m₀ ‖ m₁ ‖ … ‖ mₖ` (each little-endian),
    ///    where `d = m₀·m₁·…·mₖ mod q` (CryptoPro's masked export);
    /// 2. a DER OCTET STRING holding the little-endian scalar (the engine's
    ///    `LEGACY_PK_WRAP` format, and TC 26's `GostR3410-2012-PrivateKey`);
    /// 3. a DER INTEGER (big-endian, as other software writes);
    /// 4. a DER `SEQUENCE { masked OCTET STRING, publicKey OCTET STRING }` (masked as in 1).
    ///
    /// The optional `publicKey` of a version-2 `OneAsymmetricKey` is ignored; the public key is
    /// always computed from `d`.
    ///
    /// # Errors
    /// [`GostError::Malformed`] for bad DER, [`GostError::UnsupportedAlgorithm`] /
    /// [`GostError::UnsupportedParamSet`] for unknown OIDs, [`GostError::InvalidPrivateKey`] if
    /// `d` is 0 or ≥ q.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, GostError> {
        let info = PrivateKeyInfoRef::from_der(der)
            .map_err(|_| GostError::Malformed("not a DER PKCS#8 PrivateKeyInfo"))?;
        let (algorithm, params, params_oid) = parse_algorithm(&info.algorithm)?;
        let n = params.coordinate_len();
        let raw = info.private_key.as_bytes();
        let bad = GostError::InvalidPrivateKey("the privateKey field is not a GOST key form");
        let mut be = Zeroizing::new([0u8; 64]);
        if !raw.is_empty() && raw.len() % n == 0 {
            unmask(params, raw, &mut be[..n])?;
        } else {
            match raw.first() {
                Some(0x04) => {
                    let o = <&OctetStringRef>::from_der(raw).map_err(|_| bad.clone())?;
                    let d = o.as_bytes();
                    if d.len() != n {
                        return Err(GostError::BadLength {
                            what: "private key",
                            expected: n,
                            actual: d.len(),
                        });
                    }
                    be[..n].copy_from_slice(d);
                    be[..n].reverse();
                }
                Some(0x02) => {
                    let i = UintRef::from_der(raw).map_err(|_| bad.clone())?;
                    let d = i.as_bytes();
                    Self::check_len(n, d.len())?;
                    be[n - d.len()..n].copy_from_slice(d);
                }
                Some(0x30) => {
                    let m = MaskedGostKey::from_der(raw).map_err(|_| bad.clone())?;
                    let masked = m.masked_priv_key.as_bytes();
                    if masked.is_empty() || masked.len() % n != 0 {
                        return Err(bad);
                    }
                    unmask(params, masked, &mut be[..n])?;
                }
                _ => return Err(bad),
            }
        }
        Self::from_be_padded(algorithm, params, params_oid, be)
    }

    /// The PKCS#8 DER as the OpenSSL GOST engine writes it by default: `privateKey` holds the
    /// raw little-endian scalar (`priv_encode_gost`), the parameters as in
    /// [`PublicKey::to_spki_der`] (for 256-bit keys, the engine's bytes exactly).
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        let n = self.params.coordinate_len();
        let params = encode_params(self.algorithm, self.public.params_oid);
        let mut le = Zeroizing::new(self.d_be[..n].to_vec());
        le.reverse();
        let info = PrivateKeyInfoRef::new(
            AlgorithmIdentifierRef {
                oid: self.algorithm.oid(),
                parameters: Some(AnyRef::from_der(&params).expect("own DER")),
            },
            OctetStringRef::new(&le).expect("key octets"),
        );
        Zeroizing::new(info.to_der().expect("PKCS#8 encodes"))
    }

    /// The matching public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The curve.
    pub fn params(&self) -> ParamSet {
        self.params
    }

    /// The key algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// Signs a precomputed `digest` (Streebog output bytes) with a fresh nonce from `rng`,
    /// GOST R 34.10-2012 §6.1; returns `s ‖ r` (see [`Signature`]).
    ///
    /// # Errors
    /// [`GostError::BadLength`] for a digest of the wrong length, [`GostError::Random`] if the
    /// generator fails.
    pub fn sign_digest(&self, digest: &[u8], rng: &dyn SecureRandom) -> Result<Vec<u8>, GostError> {
        let n = self.params.coordinate_len();
        let sig = super::with_curve!(self.params, |c| sign::sign_generic(
            c,
            self.params,
            &self.d_be[..n],
            digest,
            rng
        ))?;
        Ok(sig.to_bytes())
    }

    /// Hashes `message` with the key's Streebog and signs the digest.
    ///
    /// # Errors
    /// As [`PrivateKey::sign_digest`]; [`GostError::Unsupported`] for GOST R 34.10-2001 keys.
    pub fn sign_message(
        &self,
        message: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<Vec<u8>, GostError> {
        let digest = self.algorithm.hash(message)?;
        self.sign_digest(&digest, rng)
    }

    /// Signs with a caller-chosen nonce `k` (big-endian). Only for reproducing published test
    /// vectors: a repeated or predictable `k` reveals the private key.
    ///
    /// # Errors
    /// As [`PrivateKey::sign_digest`]; [`GostError::InvalidPrivateKey`] unless `0 < k < q` and
    /// `k` gives nonzero `r` and `s`.
    #[doc(hidden)]
    pub fn sign_digest_with_k(&self, digest: &[u8], k_be: &[u8]) -> Result<Vec<u8>, GostError> {
        let n = self.params.coordinate_len();
        let sig = super::with_curve!(self.params, |c| sign::sign_with_k_generic(
            c,
            self.params,
            &self.d_be[..n],
            digest,
            k_be
        ))?;
        Ok(sig.to_bytes())
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.algorithm)
            .field("params", &self.params)
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// `d = m₀·m₁·…·mₖ mod q` from concatenated little-endian chunks of `n` bytes, written
/// big-endian into `out` (gost-engine `unmask_priv_key`). One chunk is the plain scalar.
fn unmask(params: ParamSet, raw: &[u8], out: &mut [u8]) -> Result<(), GostError> {
    let n = params.coordinate_len();
    let mut chunks = raw.chunks(n);
    let first = chunks.next().expect("non-empty");
    let mut d_le = Zeroizing::new(first.to_vec());
    if raw.len() == n {
        d_le.reverse();
        out.copy_from_slice(&d_le);
        return Ok(());
    }
    super::with_curve!(params, |c| unmask_product(c, n, first, chunks, out));
    Ok(())
}

fn unmask_product<'a, const L: usize>(
    c: &CurveDef<L>,
    n: usize,
    first: &[u8],
    masks: impl Iterator<Item = &'a [u8]>,
    out: &mut [u8],
) {
    let mut acc = Scalar::new(&uint_le::<L>(first).rem(c.q_nz()), &c.q);
    for mask in masks {
        let mut m = Scalar::new(&uint_le::<L>(mask).rem(c.q_nz()), &c.q);
        acc = acc.mul(&m);
        m.zeroize();
    }
    let d = Zeroizing::new(acc.retrieve());
    acc.zeroize();
    out.copy_from_slice(&Zeroizing::new(uint_to_be(&*d, n)));
}
