//! Public-key infrastructure: certificates, CRLs, PKCS#12 identities, trust stores, and
//! path validation (RFC 5280 §6) with revocation (§6.3) at a caller-given time.
//!
//! | module          | holds                                                      |
//! |-----------------|------------------------------------------------------------|
//! | `certificate`   | [`Certificate`]: owned, parsed once, raw DER kept          |
//! | `crl`           | [`Crl`]: parsed once, entries indexed by serial             |
//! | `name`          | distinguished and general names, name-constraint matching  |
//! | `trust`         | [`TrustStore`]                                             |
//! | `validate`      | [`Validator`]: path building, §6.1 validation               |
//! | `revocation`    | §6.3: CRL scope, usability, status                         |
//! | `policy`        | the valid_policy_graph (RFC 9618)                          |
//! | `report`        | [`ValidationReport`], [`Finding`], [`Status`]              |
//! | `pkcs12`        | PKCS#12 import                                             |
//! | [`russian`]     | INN/OGRN/SNILS attributes, qualified marks, binding        |
//! | `expiry`        | [`expiring`]: certificates that stop working soon          |
//! | `time`          | [`UnixTime`]                                               |

mod cache;
mod certificate;
mod context;
mod crl;
mod error;
mod expiry;
mod name;
mod options;
pub mod pkcs12;
mod policy;
mod report;
mod revocation;
pub mod russian;
mod serial_index;
mod time;
mod trust;
mod validate;

pub use cache::{CacheStats, ChainCache};
pub use certificate::{
    ANY_EXTENDED_KEY_USAGE, ANY_POLICY, Certificate, DistributionPoint, Extensions, KeyUsage,
};
pub use context::{TrustContext, TrustContextBuilder};
pub use crl::{Crl, IssuingDistributionPoint, RevocationReason, RevokedEntry};
pub use error::PkiError;
pub use expiry::{Expiry, expiring};
pub use name::{DistinguishedName, GeneralName};
pub use options::{RevocationMode, TimeAssurance, ValidationOptions};
pub use report::{CertificateReport, Finding, ReportedFinding, Status, ValidationReport};
pub use time::{TimeParseError, UnixTime};
pub use trust::TrustStore;
pub use validate::Validator;
