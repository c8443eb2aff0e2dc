//! The work budget of one verification: every unit of work that hostile input can amplify
//! (XPath node visits, characters of string-values built and compared, namespace bindings
//! considered by canonicalization) is charged to one [`Work`] per document, which refuses
//! further work once [`super::ParseLimits::max_work`] units are spent.

use std::cell::Cell;
use std::fmt;

/// The budget ran out: [`super::ParseLimits::max_work`] units were spent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkLimitExceeded {
    /// The budget, in units of work.
    pub limit: u64,
}

impl fmt::Display for WorkLimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "work limit exceeded (more than {} units of work; hostile input?)",
            self.limit
        )
    }
}

impl std::error::Error for WorkLimitExceeded {}

/// Units of work spent and allowed; shared by reference (a [`Cell`]) by everything one
/// verification runs.
#[derive(Debug)]
pub(crate) struct Work {
    used: Cell<u64>,
    limit: u64,
}

impl Work {
    /// A budget of `limit` units.
    pub(crate) fn new(limit: u64) -> Self {
        Self {
            used: Cell::new(0),
            limit,
        }
    }

    /// A budget nothing exhausts (for callers that bound their input otherwise).
    pub(crate) fn unlimited() -> Self {
        Self::new(u64::MAX)
    }

    /// Charges `units`.
    ///
    /// # Errors
    /// [`WorkLimitExceeded`] once the total passes the limit (and for every charge after).
    pub(crate) fn charge(&self, units: u64) -> Result<(), WorkLimitExceeded> {
        let used = self.used.get().saturating_add(units);
        self.used.set(used);
        if used > self.limit {
            Err(WorkLimitExceeded { limit: self.limit })
        } else {
            Ok(())
        }
    }

    /// Units spent so far.
    #[cfg(test)]
    pub(crate) fn used(&self) -> u64 {
        self.used.get()
    }

    /// [`Work::charge`] as an I/O error (canonicalization writes into an [`std::io::Write`]);
    /// [`work_limit`] recognizes it again.
    pub(crate) fn charge_io(&self, units: u64) -> std::io::Result<()> {
        self.charge(units).map_err(std::io::Error::other)
    }
}

/// The [`WorkLimitExceeded`] inside an I/O error made by [`Work::charge_io`].
pub(crate) fn work_limit(e: &std::io::Error) -> Option<WorkLimitExceeded> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<WorkLimitExceeded>())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_up_to_the_limit_then_refuses_and_keeps_refusing() {
        let w = Work::new(10);
        assert!(w.charge(4).is_ok() && w.charge(6).is_ok());
        assert_eq!(w.used(), 10);
        assert_eq!(w.charge(1), Err(WorkLimitExceeded { limit: 10 }));
        assert!(w.charge(0).is_err());
        let io = w.charge_io(1).unwrap_err();
        assert_eq!(work_limit(&io), Some(WorkLimitExceeded { limit: 10 }));
        assert_eq!(work_limit(&std::io::Error::other("disk full")), None);
        assert!(io.to_string().contains("work limit exceeded"), "{io}");
        assert!(Work::unlimited().charge(u64::MAX).is_ok());
    }
}
