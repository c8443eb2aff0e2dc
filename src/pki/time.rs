//! Validation time: seconds since the Unix epoch, always passed in by the caller.
//!
//! Path validation never reads the clock (webpki's rule): the caller says at what time a
//! certificate must have been valid, and tests pin it.

use core::fmt;

/// A point in time, in whole seconds since 1970-01-01T00:00:00Z.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "String", try_from = "String")]
pub struct UnixTime(pub i64);

impl UnixTime {
    /// The current time from the system clock (for callers; validation itself never calls this).
    pub fn now() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Self(secs)
    }

    /// Builds a time from a UTC calendar date and time of day.
    pub fn from_utc(year: i64, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> Self {
        // Howard Hinnant's days_from_civil.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        Self(days * 86_400 + i64::from(hour) * 3600 + i64::from(min) * 60 + i64::from(sec))
    }

    /// Parses an RFC 3339 timestamp (`2027-01-01T00:00:00Z`, `2027-01-01T03:00:00+03:00`;
    /// fractional seconds are truncated). A bare date `2027-01-01` means its midnight UTC.
    ///
    /// # Errors
    /// [`TimeParseError`], naming the text, when it is not such a time.
    pub fn parse_rfc3339(s: &str) -> Result<Self, TimeParseError> {
        let bad = || TimeParseError {
            text: s.chars().take(64).collect(),
        };
        let b = s.as_bytes();
        let num = |r: core::ops::Range<usize>| -> Result<u32, TimeParseError> {
            let part = b.get(r).ok_or_else(bad)?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return Err(bad());
            }
            core::str::from_utf8(part)
                .map_err(|_| bad())?
                .parse()
                .map_err(|_| bad())
        };
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return Err(bad());
        }
        if b.len() == 10 {
            return Ok(Self::from_utc(year.into(), month, day, 0, 0, 0));
        }
        if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
            return Err(bad());
        }
        let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if hour > 23 || min > 59 || sec > 60 {
            return Err(bad());
        }
        let mut rest = &b[19..];
        if rest.first() == Some(&b'.') {
            let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return Err(bad());
            }
            rest = &rest[1 + digits..];
        }
        let offset = match rest {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let digits = [*h1, *h2, *m1, *m2];
                if !digits.iter().all(u8::is_ascii_digit) {
                    return Err(bad());
                }
                let h = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
                let m = i64::from((m1 - b'0') * 10 + (m2 - b'0'));
                let off = h * 3600 + m * 60;
                if *sign == b'+' { off } else { -off }
            }
            _ => return Err(bad()),
        };
        Ok(Self(
            Self::from_utc(year.into(), month, day, hour, min, sec.min(59)).0 - offset,
        ))
    }

    /// Splits into UTC (year, month, day, hour, minute, second).
    pub fn to_utc(self) -> (i64, u32, u32, u32, u32, u32) {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        (
            year,
            month,
            day,
            (secs / 3600) as u32,
            (secs % 3600 / 60) as u32,
            (secs % 60) as u32,
        )
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s) = self.to_utc();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

/// A text that is not an RFC 3339 time ([`UnixTime::parse_rfc3339`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeParseError {
    /// The text (its first 64 characters).
    pub text: String,
}

impl fmt::Display for TimeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not an RFC 3339 time: {:?} (expected e.g. 2027-01-01T00:00:00Z)",
            self.text
        )
    }
}

impl std::error::Error for TimeParseError {}

impl TryFrom<String> for UnixTime {
    type Error = TimeParseError;

    fn try_from(s: String) -> Result<Self, TimeParseError> {
        Self::parse_rfc3339(&s)
    }
}

impl From<UnixTime> for String {
    fn from(t: UnixTime) -> String {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_and_offsets_apply() {
        // 2011-04-15T00:00:00Z is 1302825600 (date -d @1302825600 -u).
        let t = UnixTime::parse_rfc3339("2011-04-15T00:00:00Z").unwrap();
        assert_eq!(t.0, 1_302_825_600);
        assert_eq!(t.to_string(), "2011-04-15T00:00:00Z");
        assert_eq!(
            UnixTime::parse_rfc3339("2011-04-15T03:00:00+03:00").unwrap(),
            t
        );
        assert_eq!(UnixTime::parse_rfc3339("2011-04-15").unwrap(), t);
        assert_eq!(
            UnixTime::parse_rfc3339("2011-04-15T00:00:00.999Z").unwrap(),
            t
        );
        for bad in [
            "",
            "2011-4-15",
            "2011-04-15T00:00Z",
            "2011-13-01",
            "2011-04-15T00:00:00",
            "x",
        ] {
            assert!(UnixTime::parse_rfc3339(bad).is_err(), "{bad}");
        }
        assert_eq!(UnixTime(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(
            UnixTime::parse_rfc3339("2000-02-29T12:00:00Z")
                .unwrap()
                .to_string(),
            "2000-02-29T12:00:00Z"
        );
    }
}
