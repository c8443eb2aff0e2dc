//! # signflow
//!
//! Electronic signatures and document exchange for Rust services: load a signer's key, check
//! certificates (validity, chain, revocation), sign and verify CMS/CAdES and XMLDSig documents
//! with RSA, ECDSA, Ed25519 and GOST R 34.10-2012 / Streebog, and move documents through a
//! versioned flow (draft → sent → accepted → signed → archived) whose journal nobody can
//! rewrite unnoticed.
//!
//! ## How data flows
//!
//! bytes → parse ([`pem`], [`pki::Certificate`], [`pki::Crl`], [`cms::SignedData`],
//! [`xmldsig`]'s tree) → trust context ([`pki::TrustContext`]: provider, anchors,
//! intermediates, CRLs, policy, optional [`pki::ChainCache`]; built once, an `Arc` shared by
//! every verifier) → path ([`pki::Validator`], RFC 5280 §6) → signature checks through the
//! [`crypto`] provider → report (matchable findings, JSON) → [`flow`] (signed steps, journal).
//! Every reader of untrusted bytes is bounded: input sizes by [`limits`], the work that input
//! can amplify by budgets in the parsers and the validator.
//!
//! | module          | owns                                                                         |
//! |-----------------|------------------------------------------------------------------------------|
//! | [`crypto`]      | the provider boundary (bytes in, bytes out), its backends, native GOST      |
//! | [`pki`]         | certificates, CRLs, OCSP, trust stores, path validation, PKCS#12, Russian attributes |
//! | [`cms`]         | CMS/PKCS#7 SignedData: verify (DER/BER, streamed), sign, co-sign, CAdES-BES/T levels |
//! | [`xmldsig`]     | XML signatures: safe parsing, C14N, transforms, verification, signing       |
//! | [`tsp`]         | RFC 3161 time-stamps: parse, verify, request, issue ([`tsp::Authority`]), HTTP |
//! | [`pdf`]         | signed PDFs: signature fields, /ByteRange coverage, incremental updates, DSS, each CMS or document time-stamp verified |
//! | [`tsl`]         | the Минцифры accredited-CA list (streamed, bounded) and the qualified decision |
//! | [`verdict`]     | one answer from bytes (CMS or XML): [`Verdict`], [`verify`]                 |
//! | [`signing`]     | [`SigningIdentity`]: key + certificate + chain, for every signing API       |
//! | [`batch`]       | many signature files verified in parallel                                   |
//! | [`flow`]        | the document flow: state machine, signed steps, journal, stores, audit      |
//! | [`mchd`]        | machine-readable powers of attorney (МЧД, EMCHD_1): parse, principal's signature, legal verdict per signer |
//! | [`requisites`]  | INN, OGRN, OGRNIP, KPP, SNILS checked by their published rules              |
//! | [`pem`]         | PEM/DER input, several objects per file, kinds told apart by structure      |
//! | [`limits`]      | input-size caps: every file read whole stops one byte past its cap          |
//! | [`prelude`]     | the names most callers need, in one import                                  |
//! | [`guide`]       | documentation only: using signflow in a service                             |
//! | [`error`]       | the crate's error enum, which every module's error converts into            |
//!
//! ## Cargo features
//!
//! | feature      | default | what it adds                                                  |
//! |--------------|---------|---------------------------------------------------------------|
//! | `aws-lc-rs`  | yes     | crypto backend on AWS-LC                                      |
//! | `rustcrypto` | no      | pure-Rust crypto backend                                      |
//! | `sqlite`     | yes     | the flow's store on embedded SQLite                           |
//! | `postgres`   | no      | the flow's store on PostgreSQL                                |
//! | `cli`        | no      | the `signflow` binary                                         |
//! | `network`    | no      | the RFC 3161 HTTP(S) client `tsp::HttpTimeStamper` and `pki::online` (fetching issuers, CRLs and OCSP responses when asked) (ureq, rustls); without it nothing opens a connection |
//! | `extra-algorithms` | no | verification of ML-DSA, SLH-DSA, Ed448, ML-KEM (xenc), RIPEMD-160 and MD5; without it they are refused as unsupported, never valid (an XML signature: indeterminate; a certificate signed with one: invalid) |
//!
//! The provider is implied: [`crypto::CryptoProvider::current`] is the one installed with
//! [`crypto::CryptoProvider::install_default`], else the compiled-in backend (AWS-LC when both
//! are compiled in).
//!
//! ## Start here
//!
//! [`guide`] — using signflow in a service: a [`pki::TrustContext`] built once, [`verify`]
//! from bytes to a [`Verdict`], one [`SigningIdentity`] for CMS, XML and the flow.
//!
//! ```
//! let context = signflow::pki::TrustContext::builder()
//!     .anchors_pem_or_der(include_bytes!("../testdata/pki/root-ca.pem"))?
//!     .build();
//! let verdict = signflow::verify(&context, b"not a signature");
//! assert_eq!(verdict.outcome, signflow::Outcome::FormatError);
//! # Ok::<(), signflow::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(not(any(feature = "aws-lc-rs", feature = "rustcrypto")))]
compile_error!(
    "signflow needs a crypto backend: enable the `aws-lc-rs` or the `rustcrypto` feature"
);

pub mod batch;
pub mod cms;
pub mod crypto;
pub(crate) mod der_util;
pub mod error;
pub mod flow;
pub mod guide;
pub mod limits;
pub mod mchd;
pub mod pdf;
pub mod pem;
pub mod pki;
pub mod prelude;
pub mod report;
pub mod requisites;
pub mod signing;
pub mod tsl;
pub mod tsp;
pub mod verdict;
pub mod xmldsig;

pub use error::Error;
pub use signing::SigningIdentity;
pub use verdict::{Outcome, Verdict, verify, verify_at, verify_detached};
