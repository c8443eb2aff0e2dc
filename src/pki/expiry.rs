//! Expiry monitoring: which certificates stop working soon, so services can warn in time.

use serde::Serialize;

use super::certificate::Certificate;
use super::time::UnixTime;

/// A certificate that expires within the window asked for (or already has).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Expiry {
    /// Subject name.
    pub subject: String,
    /// Serial number, hex.
    pub serial: String,
    /// End of validity.
    pub not_after: UnixTime,
    /// Seconds from `now` until `not_after` (negative once expired).
    pub seconds_left: i64,
}

impl Expiry {
    /// Whether the certificate has already expired at the time asked about.
    pub fn expired(&self) -> bool {
        self.seconds_left < 0
    }
}

/// The certificates of `certs` whose validity ends within `within_seconds` of `now` (expired
/// ones included), soonest first.
///
/// # Example
/// ```
/// use signflow::pki::{Certificate, UnixTime, expiring};
/// let certs = Certificate::all_from_pem_or_der(include_bytes!("../../testdata/pki/chain.pem"))?;
/// let now = UnixTime::parse_rfc3339("2044-12-01T00:00:00Z").unwrap();
/// let soon = expiring(&certs, now, 90 * 86_400);
/// assert_eq!(soon.len(), 1); // the intermediate ends 2045-01-01; the root in 2050
/// # Ok::<(), signflow::pki::PkiError>(())
/// ```
pub fn expiring<'c>(
    certs: impl IntoIterator<Item = &'c Certificate>,
    now: UnixTime,
    within_seconds: i64,
) -> Vec<Expiry> {
    let mut out: Vec<Expiry> = certs
        .into_iter()
        .filter(|c| c.not_after().0 - now.0 <= within_seconds)
        .map(|c| Expiry {
            subject: c.subject().to_string(),
            serial: c.serial_hex(),
            not_after: c.not_after(),
            seconds_left: c.not_after().0 - now.0,
        })
        .collect();
    out.sort_by_key(|e| e.seconds_left);
    out
}
