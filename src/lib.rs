//! # signflow
//!
//! Electronic signatures and document exchange for Rust services: load a signer's key, check
//! certificates, sign and verify CMS and XMLDSig documents with RSA, ECDSA, Ed25519 and (in
//! progress) GOST R 34.10-2012, and move documents through a versioned, journaled flow.
//!
//! This release provides the foundation every other part builds on:
//!
//! | module     | holds                                                                  |
//! |------------|------------------------------------------------------------------------|
//! | [`crypto`] | the provider boundary (bytes in, bytes out) and its two backends       |
//! | [`cms`]    | CMS/PKCS#7 SignedData: verify (DER/BER, streamed), sign, CAdES-BES      |
//! | [`xmldsig`] | XML signatures: parsing (no DTDs), C14N 1.0 / exclusive C14N, verification |
//! | [`pem`]    | PEM/DER input: several objects per file, as the CLI accepts them       |
//! | [`limits`] | input-size caps: every file read whole stops one byte past its cap     |
//! | [`error`]  | the crate's error enum                                                  |
//!
//! ## Cargo features
//!
//! | feature      | default | what it adds                                                  |
//! |--------------|---------|---------------------------------------------------------------|
//! | `aws-lc-rs`  | yes     | crypto backend on AWS-LC                                      |
//! | `rustcrypto` | no      | pure-Rust crypto backend                                      |
//! | `cli`        | no      | the `signflow` binary                                         |
//!
//! With exactly one backend enabled, [`crypto::CryptoProvider::get_default`] returns it; with
//! both, install one with [`crypto::CryptoProvider::install_default`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod batch;
pub mod cms;
pub mod crypto;
pub mod error;
pub mod flow;
pub mod limits;
pub mod pem;
pub mod pki;
pub mod requisites;
pub mod xmldsig;

pub use error::Error;
