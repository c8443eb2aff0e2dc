//! TSTInfo (RFC 3161 §2.4.2) and the TimeStampResp envelope, read with the crate's strict DER
//! reader.

use core::fmt;

use const_oid::ObjectIdentifier;
use serde::Serialize;

use super::{MAX_EXTENSIONS, TspError};
use crate::crypto::HashAlgorithm;
use crate::der_util::{
    self, BIT_STRING, BOOLEAN, DerError, GENERALIZED_TIME, INTEGER, OCTET_STRING, OID, Reader,
    SEQUENCE, Tlv, cons, prim,
};
use crate::pki::{GeneralName, UnixTime};

/// Longest INTEGER accepted for serialNumber and nonce, in octets (RFC 3161 allows serials
/// of up to 160 bits; nonces are commonly 64).
const MAX_INTEGER_LEN: usize = 64;

/// RFC 3161 §2.4.2 Accuracy: how far genTime may be from the true time, either way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Accuracy {
    /// Whole seconds.
    pub seconds: u32,
    /// Milliseconds, 1–999 when present.
    pub millis: u16,
    /// Microseconds, 1–999 when present.
    pub micros: u16,
}

impl Accuracy {
    /// The accuracy in microseconds.
    pub fn as_micros(self) -> u64 {
        u64::from(self.seconds) * 1_000_000
            + u64::from(self.millis) * 1_000
            + u64::from(self.micros)
    }
}

impl fmt::Display for Accuracy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "±{}s {}ms {}µs", self.seconds, self.millis, self.micros)
    }
}

/// RFC 3161 §2.4.2 PKIStatus of a TimeStampResp.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PkiStatus {
    /// 0: a token is enclosed.
    Granted,
    /// 1: a token is enclosed, with modifications the requester asked for not all honoured.
    GrantedWithMods,
    /// 2: refused.
    Rejection,
    /// 3: not yet available.
    Waiting,
    /// 4: a revocation is imminent.
    RevocationWarning,
    /// 5: a revocation has occurred.
    RevocationNotification,
    /// Any other value.
    Other(u32),
}

impl PkiStatus {
    fn from_u32(v: u32) -> Self {
        match v {
            0 => Self::Granted,
            1 => Self::GrantedWithMods,
            2 => Self::Rejection,
            3 => Self::Waiting,
            4 => Self::RevocationWarning,
            5 => Self::RevocationNotification,
            n => Self::Other(n),
        }
    }
}

impl fmt::Display for PkiStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Granted => f.write_str("granted"),
            Self::GrantedWithMods => f.write_str("grantedWithMods"),
            Self::Rejection => f.write_str("rejection"),
            Self::Waiting => f.write_str("waiting"),
            Self::RevocationWarning => f.write_str("revocationWarning"),
            Self::RevocationNotification => f.write_str("revocationNotification"),
            Self::Other(n) => write!(f, "status {n}"),
        }
    }
}

/// The PKIFailureInfo bit names (RFC 3161 §2.4.2), by bit number.
const FAILURE_BITS: [(usize, &str); 6] = [
    (0, "badAlg"),
    (2, "badRequest"),
    (5, "badDataFormat"),
    (14, "timeNotAvailable"),
    (15, "unacceptedPolicy"),
    (16, "unacceptedExtension"),
];

/// A decoded TSTInfo (RFC 3161 §2.4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TstInfo {
    /// The version (1).
    pub version: u32,
    /// The TSA policy under which the token was issued, dotted.
    pub policy: String,
    /// messageImprint.hashAlgorithm's OID.
    pub hash_algorithm_oid: ObjectIdentifier,
    /// messageImprint.hashAlgorithm, if signflow knows it.
    pub hash_algorithm: Option<HashAlgorithm>,
    /// messageImprint.hashedMessage.
    pub hashed_message: Vec<u8>,
    /// serialNumber, big-endian without sign octets.
    pub serial: Vec<u8>,
    /// genTime, to the second.
    pub gen_time: UnixTime,
    /// genTime's fraction of a second, in nanoseconds (digits beyond the ninth dropped).
    pub gen_time_nanos: u32,
    /// accuracy, if given.
    pub accuracy: Option<Accuracy>,
    /// ordering.
    pub ordering: bool,
    /// nonce, big-endian without sign octets.
    pub nonce: Option<Vec<u8>>,
    /// tsa, the TSA's name, if given.
    pub tsa: Option<GeneralName>,
    /// extensions: (dotted OID, critical).
    pub extensions: Vec<(String, bool)>,
}

fn malformed(e: DerError) -> TspError {
    TspError::Malformed {
        what: "TSTInfo",
        reason: e.0,
    }
}

fn bad(reason: impl Into<String>) -> DerError {
    DerError(reason.into())
}

/// A positive INTEGER's digits (sign octets stripped), bounded.
pub(super) fn positive_integer(tlv: &Tlv<'_>, what: &str) -> Result<Vec<u8>, DerError> {
    let v = tlv.value;
    let minimal = match v {
        [] => false,
        [0, next, ..] => next & 0x80 != 0,
        [_, ..] => true,
    };
    if tlv.tag != INTEGER || !minimal || v[0] & 0x80 != 0 {
        return Err(bad(format!("{what} is not a non-negative DER INTEGER")));
    }
    if v.len() > MAX_INTEGER_LEN {
        return Err(bad(format!(
            "{what} is longer than {MAX_INTEGER_LEN} octets"
        )));
    }
    Ok(der_util::uint_digits(v).to_vec())
}

/// genTime: `YYYYMMDDhhmmss[.f…]Z` (RFC 3161 §2.4.2: no trailing zeros in the fraction, no
/// empty fraction), as the second and the fraction in nanoseconds.
fn gen_time(tlv: &Tlv<'_>) -> Result<(UnixTime, u32), DerError> {
    if tlv.tag != GENERALIZED_TIME {
        return Err(bad("genTime is not a GeneralizedTime"));
    }
    let text = core::str::from_utf8(tlv.value).map_err(|_| bad("genTime is not ASCII"))?;
    let mut nanos = 0u32;
    if let Some(dot) = text.find('.') {
        let fraction = text[dot + 1..]
            .strip_suffix('Z')
            .ok_or_else(|| bad(format!("genTime {text:?} does not end in Z")))?;
        if dot != 14
            || fraction.is_empty()
            || fraction.ends_with('0')
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad(format!("genTime {text:?} has a malformed fraction")));
        }
        for i in 0..9 {
            let digit = fraction
                .as_bytes()
                .get(i)
                .map_or(0, |b| u32::from(b - b'0'));
            nanos = nanos * 10 + digit;
        }
    } else if text.len() != 15 {
        return Err(bad(format!("genTime {text:?} is not YYYYMMDDhhmmss[.f]Z")));
    }
    let time = der_util::x509_time(tlv).map_err(|e| bad(format!("genTime: {e}")))?;
    Ok((time, nanos))
}

fn accuracy(reader: &Reader<'_>, tlv: &Tlv<'_>) -> Result<Accuracy, DerError> {
    let mut r = reader.enter(tlv);
    let mut out = Accuracy::default();
    if let Some(s) = r.optional(INTEGER, "accuracy.seconds")? {
        out.seconds = der_util::der_u32(&s, INTEGER, "accuracy.seconds")?;
    }
    let sub = |r: &mut Reader<'_>, tag: u8, what: &str| -> Result<u16, DerError> {
        match r.optional(tag, what)? {
            None => Ok(0),
            Some(t) => {
                let v = der_util::der_u32(&Tlv { tag: INTEGER, ..t }, INTEGER, what)?;
                match u16::try_from(v) {
                    Ok(v @ 1..=999) => Ok(v),
                    _ => Err(bad(format!("{what} {v} is not within 1..999"))),
                }
            }
        }
    };
    out.millis = sub(&mut r, prim(0), "accuracy.millis")?;
    out.micros = sub(&mut r, prim(1), "accuracy.micros")?;
    r.finish("accuracy")?;
    Ok(out)
}

impl TstInfo {
    /// Decodes a DER TSTInfo.
    ///
    /// # Errors
    /// [`TspError::Malformed`] for anything but RFC 3161 §2.4.2's TSTInfo in DER (version 1),
    /// trailing data included.
    pub fn from_der(der: &[u8]) -> Result<Self, TspError> {
        Self::decode(der).map_err(malformed)
    }

    fn decode(der: &[u8]) -> Result<Self, DerError> {
        let mut outer = Reader::der(der);
        let seq = outer.expect(SEQUENCE, "TSTInfo")?;
        outer.finish("TSTInfo")?;
        let mut r = outer.enter(&seq);
        let version = der_util::der_u32(&r.any("version")?, INTEGER, "version")?;
        if version != 1 {
            return Err(bad(format!("version {version}, expected 1")));
        }
        let policy = der_util::oid(&r.expect(OID, "policy")?, "policy")?.to_string();

        let imprint = r.expect(SEQUENCE, "messageImprint")?;
        let mut ir = r.enter(&imprint);
        let alg = ir.expect(SEQUENCE, "messageImprint.hashAlgorithm")?;
        let mut ar = ir.enter(&alg);
        let hash_algorithm_oid = der_util::oid(&ar.expect(OID, "hashAlgorithm")?, "hashAlgorithm")?;
        // Parameters: absent or NULL for the hashes RFC 3161 tokens use.
        if let Some(p) = ar.optional(0x05, "hashAlgorithm parameters")?
            && !p.value.is_empty()
        {
            return Err(bad("hashAlgorithm parameters are not NULL"));
        }
        ar.finish("hashAlgorithm")?;
        let hashed_message = ir
            .expect(OCTET_STRING, "messageImprint.hashedMessage")?
            .value
            .to_vec();
        ir.finish("messageImprint")?;
        let hash_algorithm = HashAlgorithm::from_oid(&hash_algorithm_oid).ok();

        let serial = positive_integer(&r.expect(INTEGER, "serialNumber")?, "serialNumber")?;
        let (gen_time, gen_time_nanos) = gen_time(&r.expect(GENERALIZED_TIME, "genTime")?)?;
        let accuracy = match r.optional(SEQUENCE, "accuracy")? {
            Some(t) => Some(accuracy(&r, &t)?),
            None => None,
        };
        let ordering = match r.optional(BOOLEAN, "ordering")? {
            Some(t) => der_util::der_bool(&t, "ordering")?,
            None => false,
        };
        let nonce = match r.optional(INTEGER, "nonce")? {
            Some(t) => Some(positive_integer(&t, "nonce")?),
            None => None,
        };
        let tsa = match r.optional(cons(0), "tsa")? {
            Some(t) => {
                let mut tr = r.enter(&t);
                let name = tr.any("tsa GeneralName")?;
                tr.finish("tsa")?;
                Some(GeneralName::decode(&name, &tr)?)
            }
            None => None,
        };
        let mut extensions = Vec::new();
        if let Some(t) = r.optional(cons(1), "extensions")? {
            let mut er = r.enter(&t);
            while !er.is_empty() {
                if extensions.len() == MAX_EXTENSIONS {
                    return Err(bad(format!("more than {MAX_EXTENSIONS} extensions")));
                }
                let ext = er.expect(SEQUENCE, "Extension")?;
                let mut xr = er.enter(&ext);
                let id = der_util::oid(&xr.expect(OID, "extnID")?, "extnID")?;
                let critical = match xr.optional(BOOLEAN, "critical")? {
                    Some(b) => der_util::der_bool(&b, "critical")?,
                    None => false,
                };
                xr.expect(OCTET_STRING, "extnValue")?;
                xr.finish("Extension")?;
                extensions.push((id.to_string(), critical));
            }
        }
        r.finish("TSTInfo")?;
        Ok(Self {
            version,
            policy,
            hash_algorithm_oid,
            hash_algorithm,
            hashed_message,
            serial,
            gen_time,
            gen_time_nanos,
            accuracy,
            ordering,
            nonce,
            tsa,
            extensions,
        })
    }

    /// serialNumber in lowercase hex.
    pub fn serial_hex(&self) -> String {
        der_util::hex(&self.serial)
    }

    /// genTime as RFC 3339 with its fraction (`2026-12-07T10:19:45.963Z`).
    pub fn gen_time_rfc3339(&self) -> String {
        rfc3339(self.gen_time, self.gen_time_nanos)
    }
}

/// RFC 3339 with the fraction's significant digits.
pub(super) fn rfc3339(time: UnixTime, nanos: u32) -> String {
    let (y, mo, d, h, mi, s) = time.to_utc();
    let mut out = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    if nanos != 0 {
        let fraction = format!("{nanos:09}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Whether `input` starts as a TimeStampResp (SEQUENCE { SEQUENCE { INTEGER …) rather than a
/// ContentInfo (SEQUENCE { OID …).
pub(super) fn looks_like_response(input: &[u8]) -> bool {
    let mut r = Reader::new(input);
    let Ok(seq) = r.any("response") else {
        return false;
    };
    let mut inner = r.enter(&seq);
    let Ok(first) = inner.any("status") else {
        return false;
    };
    seq.tag == SEQUENCE && first.tag == SEQUENCE && r.enter(&first).peek_tag() == Some(INTEGER)
}

/// The token of a granted TimeStampResp.
pub(super) fn response_token(input: &[u8]) -> Result<&[u8], TspError> {
    let m = |e: DerError| TspError::Malformed {
        what: "TimeStampResp",
        reason: e.0,
    };
    let mut outer = Reader::der(input);
    let seq = outer.expect(SEQUENCE, "TimeStampResp").map_err(m)?;
    outer.finish("TimeStampResp").map_err(m)?;
    let mut r = outer.enter(&seq);
    let info = r.expect(SEQUENCE, "PKIStatusInfo").map_err(m)?;
    let (status, text, fail_info) = status_info(&r, &info).map_err(m)?;
    let token = r.optional(SEQUENCE, "timeStampToken").map_err(m)?;
    r.finish("TimeStampResp").map_err(m)?;
    match status {
        PkiStatus::Granted | PkiStatus::GrantedWithMods => {
            token.map(|t| t.raw).ok_or(TspError::NoToken)
        }
        status => Err(TspError::NotGranted {
            status,
            text,
            fail_info,
        }),
    }
}

type StatusInfo = (PkiStatus, Option<String>, Option<String>);

fn status_info(reader: &Reader<'_>, tlv: &Tlv<'_>) -> Result<StatusInfo, DerError> {
    let mut r = reader.enter(tlv);
    let status = PkiStatus::from_u32(der_util::der_u32(&r.any("status")?, INTEGER, "status")?);
    let text = match r.optional(SEQUENCE, "statusString")? {
        Some(t) => {
            let mut sr = r.enter(&t);
            let mut parts = Vec::new();
            while !sr.is_empty() {
                if parts.len() == 16 {
                    return Err(bad("statusString has more than 16 strings"));
                }
                let s = sr.expect(0x0c, "statusString UTF8String")?;
                let s =
                    core::str::from_utf8(s.value).map_err(|_| bad("statusString is not UTF-8"))?;
                parts.push(s.chars().take(512).collect::<String>());
            }
            Some(parts.join("; "))
        }
        None => None,
    };
    let fail_info = match r.optional(BIT_STRING, "failInfo")? {
        Some(t) => {
            let bits = der_util::bit_string(t.value, "failInfo")?;
            let set = |n: usize| bits.get(n / 8).is_some_and(|b| b & (0x80 >> (n % 8)) != 0);
            let names: Vec<&str> = FAILURE_BITS
                .iter()
                .filter(|(n, _)| set(*n))
                .map(|(_, name)| *name)
                .collect();
            Some(names.join(", "))
        }
        None => None,
    };
    r.finish("PKIStatusInfo")?;
    Ok((status, text, fail_info))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gt(s: &str) -> Result<(UnixTime, u32), DerError> {
        gen_time(&Tlv {
            tag: GENERALIZED_TIME,
            raw: s.as_bytes(),
            value: s.as_bytes(),
            start: 0,
        })
    }

    #[test]
    fn gen_time_keeps_its_fraction() {
        let second = UnixTime::from_utc(2026, 12, 7, 10, 19, 45);
        assert_eq!(gt("20261207101945Z").unwrap(), (second, 0));
        assert_eq!(gt("20261207101945.963Z").unwrap(), (second, 963_000_000));
        assert_eq!(gt("20261207101945.5Z").unwrap(), (second, 500_000_000));
        assert_eq!(
            gt("20261207101945.123456789Z").unwrap(),
            (second, 123_456_789)
        );
        assert_eq!(
            gt("20261207101945.1234567891Z").unwrap(),
            (second, 123_456_789)
        );
        assert_eq!(rfc3339(second, 963_000_000), "2026-12-07T10:19:45.963Z");
        for bad in [
            "20261207101945.50Z",
            "20261207101945.Z",
            "20261207101945.5",
            "20261207101945",
            "2026120710194Z",
            "202612071019.5Z",
            "20261207101945.5aZ",
            "20261307101945Z",
            "20261207101945+0300",
        ] {
            assert!(gt(bad).is_err(), "{bad}");
        }
    }
}
