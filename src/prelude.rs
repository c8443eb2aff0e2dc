//! The names most callers need, in one import: `use signflow::prelude::*;`.
//!
//! Types whose names mean different things in different modules (each format's
//! `VerifyOptions` and `SignOptions`) are not here: they are reached through their module
//! (`cms::VerifyOptions`, `xmldsig::VerifyOptions`), which the prelude brings in as well.
//!
//! ```
//! use signflow::prelude::*;
//!
//! let context = TrustContext::builder()
//!     .anchors_pem_or_der(include_bytes!("../testdata/pki/root-ca.pem"))?
//!     .intermediates_pem_or_der(include_bytes!("../testdata/pki/intermediate-ca.pem"))?
//!     .crls_pem_or_der(include_bytes!("../testdata/pki/root-ca.crl.pem"))?
//!     .crls_pem_or_der(include_bytes!("../testdata/pki/intermediate-ca.crl.pem"))?
//!     .build();
//! let message = SignedData::from_ber(include_bytes!("../testdata/cms/rsa-attached.der"))?;
//! let at = UnixTime::from_utc(2027, 1, 1, 0, 0, 0);
//! let options = cms::VerifyOptions::with_validation(context.validation_at(at));
//! let report = Verifier::from_context(&context).verify(&message, None, &options)?;
//! assert_eq!(report.status, Status::Valid, "{report}");
//! # Ok::<(), signflow::Error>(())
//! ```

pub use crate::cms::{self, SignedData, Signer, Verifier};
pub use crate::crypto::{CryptoProvider, SigningKey};
pub use crate::flow::{self, Flow, SignatureCheck};
pub use crate::pki::{self, Certificate, Crl, Status, TrustContext, UnixTime, ValidationOptions};
pub use crate::xmldsig;
pub use crate::{Error, Outcome, SigningIdentity, Verdict};
