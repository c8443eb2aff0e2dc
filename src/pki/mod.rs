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
//! | `ocsp`          | [`OcspResponse`]: RFC 6960 responses, responder checks     |
//! | `policy`        | the valid_policy_graph (RFC 9618)                          |
//! | `report`        | [`ValidationReport`], [`Finding`], [`Status`]              |
//! | `pkcs12`        | PKCS#12 import                                             |
//! | [`russian`]     | INN/OGRN/SNILS attributes, qualified marks, binding        |
//! | `expiry`        | [`expiring`]: certificates that stop working soon          |
//! | `time`          | [`UnixTime`]                                               |
//! | `online`        | fetching issuers, CRLs, OCSP over HTTP (feature `network`) |

mod cache;
mod certificate;
mod context;
mod crl;
mod error;
mod expiry;
mod memo;
mod name;
mod ocsp;
#[cfg(feature = "network")]
pub mod online;
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
pub(crate) use memo::SignatureMemo;
pub use name::{DistinguishedName, GeneralName};
pub use ocsp::request::{MAX_NONCE_LEN, OcspRequestError, ocsp_request};
pub use ocsp::verify::MAX_AGE_WITHOUT_NEXT_UPDATE;
pub use ocsp::{
    CertId, CertStatus, ID_KP_OCSP_SIGNING, ID_PKIX_OCSP_BASIC, ID_PKIX_OCSP_NOCHECK,
    ID_PKIX_OCSP_NONCE, MAX_OCSP_RESPONSE_LEN, MAX_RESPONSE_CERTS, MAX_SINGLE_RESPONSES, OcspData,
    OcspError, OcspResponse, OcspResponseStatus, ResponderId, SingleResponse,
};
pub use options::{RevocationMode, TimeAssurance, ValidationOptions};
pub use report::{
    CertificateReport, Finding, ReportedFinding, RevocationSource, Status, ValidationReport,
};
pub use time::{TimeParseError, UnixTime};
pub use trust::TrustStore;
pub use validate::Validator;
