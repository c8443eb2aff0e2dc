//! The other side of RFC 3161: requests ([`TimeStampRequest`]) and a time-stamping
//! authority ([`Authority`]) that answers them with tokens signed by any
//! [`SigningIdentity`] (GOST R 34.10-2012 included).
//!
//! The authority is what the tests' loopback TSA and `signflow tsa serve` run; its tokens are
//! ordinary RFC 3161 tokens (`openssl ts -verify` accepts them). It keeps no state but a serial
//! counter, seeded at random so that two authorities with one certificate do not repeat serials.

use core::sync::atomic::{AtomicU64, Ordering};

use const_oid::ObjectIdentifier;

use super::tstinfo::rfc3339;
use super::{Accuracy, TimeStampToken, TspError, oid};
use crate::cms::{Content, SignOptions};
use crate::crypto::{CryptoProvider, HashAlgorithm};
use crate::der_util::{
    self, BIT_STRING, BOOLEAN, GENERALIZED_TIME, INTEGER, OCTET_STRING, OID, Reader, SEQUENCE,
    cons, encode_oid, prim, tlv, tlv_parts,
};
use crate::pki::UnixTime;
use crate::signing::SigningIdentity;

/// Largest TimeStampReq accepted, in bytes (a request is an imprint, a nonce and a policy).
pub const MAX_REQUEST_LEN: usize = 16 * 1024;
/// Longest nonce accepted in a request, in octets.
const MAX_NONCE_LEN: usize = 64;

/// An RFC 3161 §2.4.1 TimeStampReq: what to stamp (the digest of the data), and how.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimeStampRequest {
    /// The imprint's hash.
    pub hash: HashAlgorithm,
    /// The digest of the data to stamp.
    pub hashed_message: Vec<u8>,
    /// The TSA policy asked for, if any.
    pub policy: Option<ObjectIdentifier>,
    /// The nonce (an INTEGER's big-endian digits), if any.
    pub nonce: Option<Vec<u8>>,
    /// Whether the TSA's certificate should be in the token.
    pub cert_req: bool,
}

impl TimeStampRequest {
    /// A request for `digest`, made with `hash`, asking for the TSA's certificate, no nonce and
    /// no policy.
    pub fn new(hash: HashAlgorithm, digest: &[u8]) -> Self {
        Self {
            hash,
            hashed_message: digest.to_vec(),
            policy: None,
            nonce: None,
            cert_req: true,
        }
    }

    /// This request with `nonce` (big-endian; leading zeros are dropped).
    #[must_use]
    pub fn with_nonce(mut self, nonce: &[u8]) -> Self {
        self.nonce = Some(der_util::uint_digits(nonce).to_vec());
        self
    }

    /// The request's DER, as sent to a TSA over HTTP (`application/timestamp-query`).
    pub fn to_der(&self) -> Vec<u8> {
        let imprint = tlv_parts(
            SEQUENCE,
            &[
                &self.hash.algorithm_identifier_der(),
                &tlv(OCTET_STRING, &self.hashed_message),
            ],
        );
        let mut parts: Vec<Vec<u8>> = vec![tlv(INTEGER, &[1]), imprint];
        if let Some(p) = &self.policy {
            parts.push(encode_oid(p));
        }
        if let Some(n) = &self.nonce {
            parts.push(uint(n));
        }
        if self.cert_req {
            parts.push(tlv(BOOLEAN, &[0xff]));
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        tlv_parts(SEQUENCE, &refs)
    }

    /// Decodes a DER TimeStampReq.
    ///
    /// # Errors
    /// [`TspError::TooLarge`] beyond [`MAX_REQUEST_LEN`]; [`TspError::Malformed`] for anything
    /// but version 1 of RFC 3161's structure in DER with a hash signflow knows and a digest of
    /// its length, extensions included (none is understood).
    pub fn from_der(der: &[u8]) -> Result<Self, TspError> {
        if der.len() > MAX_REQUEST_LEN {
            return Err(TspError::TooLarge {
                len: der.len(),
                max: MAX_REQUEST_LEN,
            });
        }
        Self::decode(der).map_err(|reason| TspError::Malformed {
            what: "TimeStampReq",
            reason,
        })
    }

    fn decode(der: &[u8]) -> Result<Self, String> {
        let e = |e: der_util::DerError| e.0;
        let mut outer = Reader::der(der);
        let seq = outer.expect(SEQUENCE, "TimeStampReq").map_err(e)?;
        outer.finish("TimeStampReq").map_err(e)?;
        let mut r = outer.enter(&seq);
        let version = der_util::der_u32(&r.any("version").map_err(e)?, INTEGER, "version");
        if version.map_err(e)? != 1 {
            return Err("version is not 1".into());
        }
        let imprint = r.expect(SEQUENCE, "messageImprint").map_err(e)?;
        let mut ir = r.enter(&imprint);
        let alg = ir.expect(SEQUENCE, "hashAlgorithm").map_err(e)?;
        let mut ar = ir.enter(&alg);
        let hash_oid =
            der_util::oid(&ar.expect(OID, "hashAlgorithm").map_err(e)?, "").map_err(e)?;
        if let Some(p) = ar.optional(0x05, "parameters").map_err(e)?
            && !p.value.is_empty()
        {
            return Err("hashAlgorithm parameters are not NULL".into());
        }
        ar.finish("hashAlgorithm").map_err(e)?;
        let hash = HashAlgorithm::from_oid(&hash_oid)
            .map_err(|_| format!("unknown imprint hash {hash_oid}"))?;
        let hashed_message = ir
            .expect(OCTET_STRING, "hashedMessage")
            .map_err(e)?
            .value
            .to_vec();
        ir.finish("messageImprint").map_err(e)?;
        if hashed_message.len() != hash.output_len() {
            return Err(format!(
                "a {}-octet digest for {hash}, which makes {}",
                hashed_message.len(),
                hash.output_len()
            ));
        }
        let mut request = Self::new(hash, &hashed_message);
        request.cert_req = false;
        if let Some(p) = r.optional(OID, "reqPolicy").map_err(e)? {
            request.policy = Some(der_util::oid(&p, "reqPolicy").map_err(e)?);
        }
        if let Some(n) = r.optional(INTEGER, "nonce").map_err(e)? {
            let digits = super::tstinfo::positive_integer(&n, "nonce").map_err(e)?;
            if digits.len() > MAX_NONCE_LEN {
                return Err("the nonce is longer than 64 octets".into());
            }
            request.nonce = Some(digits);
        }
        if let Some(b) = r.optional(BOOLEAN, "certReq").map_err(e)? {
            request.cert_req = der_util::der_bool(&b, "certReq").map_err(e)?;
        }
        if r.optional(cons(0), "extensions").map_err(e)?.is_some() {
            return Err("extensions are not supported".into());
        }
        r.finish("TimeStampReq").map_err(e)?;
        Ok(request)
    }
}

/// Something that answers time-stamp requests with tokens: a local [`Authority`], or a TSA
/// reached over the network.
pub trait TimeStamper {
    /// A token for `request`.
    ///
    /// # Errors
    /// [`TspError::Refused`] when the TSA declines; other [`TspError`]s when its answer is not
    /// a token.
    fn stamp(&self, request: &TimeStampRequest) -> Result<TimeStampToken, TspError>;
}

impl TimeStamper for Authority {
    /// [`Authority::issue`] at the system clock's time.
    fn stamp(&self, request: &TimeStampRequest) -> Result<TimeStampToken, TspError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        self.issue(request, UnixTime(secs), now.subsec_nanos())
    }
}

/// Why an [`Authority`] declined a request: RFC 3161's PKIFailureInfo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// badAlg (0): an imprint hash the authority does not accept.
    BadAlgorithm,
    /// badRequest (2): the request could not be read.
    BadRequest,
    /// unacceptedPolicy (15): a policy the authority does not stamp under.
    UnacceptedPolicy,
    /// systemFailure (25): signing failed.
    SystemFailure,
}

impl Refusal {
    fn bit(self) -> usize {
        match self {
            Self::BadAlgorithm => 0,
            Self::BadRequest => 2,
            Self::UnacceptedPolicy => 15,
            Self::SystemFailure => 25,
        }
    }
}

/// A time-stamping authority: a TSA identity (its certificate should carry the critical
/// extendedKeyUsage id-kp-timeStamping, RFC 3161 §2.3), a policy, the accuracy it claims and
/// the imprint hashes it accepts.
#[derive(Debug)]
pub struct Authority {
    identity: SigningIdentity,
    policy: ObjectIdentifier,
    accuracy: Option<Accuracy>,
    hashes: Vec<HashAlgorithm>,
    serial: AtomicU64,
}

impl Authority {
    /// An authority stamping with `identity` under `policy`, claiming one second of accuracy
    /// and accepting SHA-256/384/512 and Streebog-256/512 imprints.
    ///
    /// # Errors
    /// [`TspError::Cms`] when the provider's random source fails (the serial seed).
    pub fn new(identity: SigningIdentity, policy: ObjectIdentifier) -> Result<Self, TspError> {
        let mut seed = [0u8; 8];
        identity
            .provider()
            .random
            .fill(&mut seed)
            .map_err(|e| TspError::Cms(e.into()))?;
        // The top bit clear and room to count: serials stay positive 63-bit numbers.
        let start = u64::from_be_bytes(seed) >> 2;
        Ok(Self {
            identity,
            policy,
            accuracy: Some(Accuracy {
                seconds: 1,
                millis: 0,
                micros: 0,
            }),
            hashes: vec![
                HashAlgorithm::Sha256,
                HashAlgorithm::Sha384,
                HashAlgorithm::Sha512,
                HashAlgorithm::Streebog256,
                HashAlgorithm::Streebog512,
            ],
            serial: AtomicU64::new(start),
        })
    }

    /// This authority claiming `accuracy` (`None`: none claimed).
    #[must_use]
    pub fn with_accuracy(mut self, accuracy: Option<Accuracy>) -> Self {
        self.accuracy = accuracy;
        self
    }

    /// The identity the tokens are signed with.
    pub fn identity(&self) -> &SigningIdentity {
        &self.identity
    }

    /// A token for `request`, stamped at `at` plus `nanos` nanoseconds (written to the
    /// millisecond).
    ///
    /// # Errors
    /// [`TspError::Refused`] when the request's hash or policy is not accepted, or signing
    /// fails ([`Refusal::SystemFailure`]).
    pub fn issue(
        &self,
        request: &TimeStampRequest,
        at: UnixTime,
        nanos: u32,
    ) -> Result<TimeStampToken, TspError> {
        if !self.hashes.contains(&request.hash) {
            return Err(TspError::Refused(Refusal::BadAlgorithm));
        }
        if request.policy.is_some_and(|p| p != self.policy) {
            return Err(TspError::Refused(Refusal::UnacceptedPolicy));
        }
        let serial = self.serial.fetch_add(1, Ordering::Relaxed).to_be_bytes();
        let tst_info = self.tst_info(request, &serial, at, nanos);
        let options = SignOptions {
            content_type: oid::ID_CT_TST_INFO,
            signing_time: Some(at),
            include_certificates: request.cert_req,
            ..SignOptions::default()
        };
        let signed = self
            .identity
            .cms_signer(options)
            .sign(self.identity.key(), Content::Attached(&tst_info))
            .map_err(|_| TspError::Refused(Refusal::SystemFailure))?;
        TimeStampToken::from_signed_data(signed)
    }

    /// The DER TimeStampResp answering the DER `request` at `at` + `nanos`: granted with a
    /// token, or rejection with the PKIFailureInfo of why (never an error: what a TSA sends
    /// back over HTTP).
    pub fn respond(&self, request: &[u8], at: UnixTime, nanos: u32) -> Vec<u8> {
        let outcome = TimeStampRequest::from_der(request)
            .map_err(|_| Refusal::BadRequest)
            .and_then(|r| {
                self.issue(&r, at, nanos).map_err(|e| match e {
                    TspError::Refused(why) => why,
                    _ => Refusal::SystemFailure,
                })
            });
        match outcome {
            Ok(token) => tlv_parts(
                SEQUENCE,
                &[&tlv(SEQUENCE, &tlv(INTEGER, &[0])), token.der()],
            ),
            Err(why) => {
                // PKIFailureInfo: a named BIT STRING, DER-minimal (no trailing zero bits).
                let bit = why.bit();
                let mut bits = vec![0u8; bit / 8 + 1];
                bits[bit / 8] = 0x80 >> (bit % 8);
                let unused = (7 - bit % 8) as u8;
                let mut bit_string = vec![unused];
                bit_string.extend(bits);
                let status = tlv_parts(
                    SEQUENCE,
                    &[&tlv(INTEGER, &[2]), &tlv(BIT_STRING, &bit_string)],
                );
                tlv(SEQUENCE, &status)
            }
        }
    }

    /// RFC 3161 §2.4.2 TSTInfo: version, policy, messageImprint, serialNumber, genTime,
    /// accuracy, nonce and the TSA's name (its certificate's subject).
    fn tst_info(
        &self,
        request: &TimeStampRequest,
        serial: &[u8],
        at: UnixTime,
        nanos: u32,
    ) -> Vec<u8> {
        let imprint = tlv_parts(
            SEQUENCE,
            &[
                &request.hash.algorithm_identifier_der(),
                &tlv(OCTET_STRING, &request.hashed_message),
            ],
        );
        let mut parts: Vec<Vec<u8>> = vec![
            tlv(INTEGER, &[1]),
            encode_oid(&self.policy),
            imprint,
            uint(serial),
            tlv(GENERALIZED_TIME, gen_time(at, nanos).as_bytes()),
        ];
        if let Some(a) = self.accuracy {
            let mut fields = Vec::new();
            if a.seconds > 0 {
                fields.push(uint(&a.seconds.to_be_bytes()));
            }
            if a.millis > 0 {
                fields.push(retag(uint(&a.millis.to_be_bytes()), prim(0)));
            }
            if a.micros > 0 {
                fields.push(retag(uint(&a.micros.to_be_bytes()), prim(1)));
            }
            let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
            parts.push(tlv_parts(SEQUENCE, &refs));
        }
        if let Some(n) = &request.nonce {
            parts.push(uint(n));
        }
        let name = self.identity.certificate().subject().as_der();
        parts.push(tlv(cons(0), &tlv(cons(4), name)));
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        tlv_parts(SEQUENCE, &refs)
    }
}

/// A DER INTEGER of the unsigned big-endian `digits`.
fn uint(digits: &[u8]) -> Vec<u8> {
    let digits = der_util::uint_digits(digits);
    let mut value = Vec::with_capacity(digits.len() + 1);
    if digits.is_empty() || digits[0] & 0x80 != 0 {
        value.push(0);
    }
    value.extend_from_slice(digits);
    tlv(INTEGER, &value)
}

fn retag(mut element: Vec<u8>, tag: u8) -> Vec<u8> {
    element[0] = tag;
    element
}

/// genTime at millisecond precision: `YYYYMMDDhhmmss[.fff]Z`, trailing zeros of the fraction
/// dropped (RFC 3161 §2.4.2).
fn gen_time(at: UnixTime, nanos: u32) -> String {
    let millis = nanos.min(999_999_999) / 1_000_000;
    // rfc3339 gives "YYYY-MM-DDThh:mm:ss[.f]Z"; keep its digits.
    let text = rfc3339(at, millis * 1_000_000);
    let mut out: String = text.chars().filter(char::is_ascii_digit).collect();
    if millis > 0 {
        let fraction = format!("{millis:03}");
        out.truncate(14);
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// A token from `stamper` for `data`: a request for its `hash` with a fresh random nonce, and
/// the answer checked to carry that imprint and that nonce. The token's signature and TSA are
/// checked when what it is attached to is verified.
///
/// # Errors
/// [`TspError::Refused`] and the stamper's other errors; [`TspError::NotTheRequested`] for a
/// token that answers another request; [`TspError::Cms`] when `provider` cannot hash or draw
/// a nonce.
pub fn stamp_data(
    stamper: &dyn TimeStamper,
    provider: &CryptoProvider,
    hash: HashAlgorithm,
    data: &[u8],
) -> Result<TimeStampToken, TspError> {
    use crate::cms::CmsError;
    let digest = provider.digest(hash, data).map_err(CmsError::from)?;
    let mut nonce = [0u8; 16];
    provider.random.fill(&mut nonce).map_err(CmsError::from)?;
    nonce[0] |= 1; // never all zeros, so the nonce is always written
    let request = TimeStampRequest::new(hash, digest.as_ref()).with_nonce(&nonce);
    let token = stamper.stamp(&request)?;
    let info = token.info();
    if info.hash_algorithm != Some(hash) || info.hashed_message != digest.as_ref() {
        return Err(TspError::NotTheRequested {
            what: "messageImprint",
        });
    }
    if info.nonce.as_deref() != request.nonce.as_deref() {
        return Err(TspError::NotTheRequested { what: "nonce" });
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gen_time_drops_trailing_zeros() {
        let t = UnixTime::from_utc(2026, 12, 7, 10, 19, 45);
        assert_eq!(gen_time(t, 0), "20261207101945Z");
        assert_eq!(gen_time(t, 500_000_000), "20261207101945.5Z");
        assert_eq!(gen_time(t, 963_400_000), "20261207101945.963Z");
        assert_eq!(gen_time(t, 20_000_000), "20261207101945.02Z");
    }

    #[test]
    fn request_round_trip_and_bounds() {
        let r = TimeStampRequest::new(HashAlgorithm::Sha256, &[7; 32]).with_nonce(&[0, 0, 5]);
        let back = TimeStampRequest::from_der(&r.to_der()).unwrap();
        assert_eq!(back, r);
        assert!(TimeStampRequest::from_der(&r.to_der()[..10]).is_err());
        let short = TimeStampRequest::new(HashAlgorithm::Sha256, &[7; 31]);
        assert!(TimeStampRequest::from_der(&short.to_der()).is_err());
        assert!(matches!(
            TimeStampRequest::from_der(&vec![0x30; MAX_REQUEST_LEN + 1]),
            Err(TspError::TooLarge { .. })
        ));
    }
}
