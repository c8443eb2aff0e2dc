//! # Using signflow in a service
//!
//! A service that checks and makes signatures keeps three things for its whole life, builds
//! them once at startup and shares them between requests: a [`TrustContext`], a
//! [`SigningIdentity`] and, if it runs the document flow, a [`Flow`]. None has a lifetime;
//! each is `Send + Sync + 'static` and cheap to share (the context is an `Arc` inside, the
//! identity's key is shared), so they go into one `Arc<AppState>`. `examples/service.rs` is the
//! whole sketch, runnable: `cargo run --example service`.
//!
//! ## 1. The crypto provider
//!
//! Nothing to do when one backend is compiled in (the default build: AWS-LC);
//! [`CryptoProvider::current`] resolves it wherever a provider is not named. With both
//! backends compiled in, AWS-LC is used unless another is installed at startup:
//!
//! ```
//! use signflow::crypto::CryptoProvider;
//! // Once, before anything else (the first install wins; later ones return an error).
//! let _ = CryptoProvider::all_compiled()[0].install_default();
//! assert!(!CryptoProvider::current().name.is_empty());
//! ```
//!
//! ## 2. The trust context
//!
//! Anchors, untrusted intermediates, CRLs, the default validation policy and an optional
//! chain cache, from values or PEM/DER bytes. Every verifier borrows it: nothing is copied
//! per request, whatever the number of intermediates and CRLs (`tests/allocations.rs` counts).
//!
//! ```
//! use signflow::pki::TrustContext;
//! let context = TrustContext::builder()
//!     .anchors_pem_or_der(include_bytes!("../testdata/pki/root-ca.pem"))?
//!     .intermediates_pem_or_der(include_bytes!("../testdata/pki/intermediate-ca.pem"))?
//!     .crls_pem_or_der(include_bytes!("../testdata/pki/root-ca.crl.pem"))?
//!     .crls_pem_or_der(include_bytes!("../testdata/pki/intermediate-ca.crl.pem"))?
//!     .chain_cache(4096) // verdicts on paths kept while they must hold
//!     .build();
//! let shared = context.clone(); // an Arc clone
//! # let _ = shared;
//! # Ok::<(), signflow::Error>(())
//! ```
//!
//! ## 3. Verifying from bytes: one verdict
//!
//! [`verify`](crate::verify()), [`verify_detached`](crate::verify_detached()) and
//! [`verify_at`](crate::verify_at()) take a CMS signature (DER, BER, PEM) or an XML document
//! and answer with a [`Verdict`]: [`Outcome`] (valid, invalid, indeterminate, format error),
//! the reasons as sentences (the deciding one first), each signer's certificate and Russian
//! attributes. They never fail — unreadable input is a format-error verdict — and are
//! CPU-bound: in an async handler, run them on the blocking pool.
//!
//! ```
//! # use signflow::pki::{TrustContext, UnixTime};
//! # let context = TrustContext::builder()
//! #     .anchors_pem_or_der(include_bytes!("../testdata/pki/root-ca.pem"))?
//! #     .intermediates_pem_or_der(include_bytes!("../testdata/pki/intermediate-ca.pem"))?
//! #     .crls_pem_or_der(include_bytes!("../testdata/pki/root-ca.crl.pem"))?
//! #     .crls_pem_or_der(include_bytes!("../testdata/pki/intermediate-ca.crl.pem"))?
//! #     .build();
//! use signflow::Outcome;
//!
//! let body = include_bytes!("../testdata/cms/revoked-signer-attached.der").to_vec();
//! // In a handler: tokio::task::spawn_blocking(move || signflow::verify(&context, &body))
//! let verdict = signflow::verify_at(&context, &body, None, UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
//! let http_status = match verdict.outcome {
//!     Outcome::Valid => 200,
//!     Outcome::Invalid => 422,
//!     Outcome::FormatError => 400,
//!     _ => 503, // indeterminate: something is missing (a CRL, say)
//! };
//! assert_eq!(http_status, 422);
//! assert!(verdict.reason().unwrap().contains("revoked"));
//! println!("{}", serde_json::to_string(&verdict).unwrap()); // the JSON body
//! # Ok::<(), signflow::Error>(())
//! ```
//!
//! For more than a verdict — every finding, each reference's signed bytes, the path report —
//! use the format's verifier with the same context: [`cms::Verifier::from_context`](crate::cms::Verifier::from_context)
//! (its report: [`Verdict::from_cms`]) and [`xmldsig`](crate::xmldsig)
//! ([`Verdict::from_xml`]). Many files at once: [`BatchVerifier::from_context`](crate::batch::BatchVerifier::from_context).
//!
//! ## 4. Signing: one identity for every format
//!
//! ```
//! use signflow::SigningIdentity;
//! use signflow::pki::UnixTime;
//!
//! let identity = SigningIdentity::from_pkcs12(
//!     include_bytes!("../testdata/pki/leaf-russian.p12"),
//!     include_str!("../testdata/pki/PASSWORD").trim(),
//! )?;
//! let at = UnixTime::from_utc(2026, 12, 1, 9, 0, 0);
//! let cades = identity.sign_cms_detached(b"act", &signflow::cms::SignOptions::at(at))?;
//! let xml = identity.sign_xml(b"<act/>", &signflow::xmldsig::SignOptions::default())?;
//! let for_the_flow = signflow::flow::FlowSigner::new(&identity, at);
//! # let _ = (cades, xml, for_the_flow);
//! # Ok::<(), signflow::Error>(())
//! ```
//!
//! A wrong password, a corrupt file and an unsupported algorithm are different errors
//! ([`IdentityError::Pkcs12`](crate::signing::IdentityError) wraps
//! [`Pkcs12Error`](crate::pki::pkcs12::Pkcs12Error)); a key that is not the certificate's is
//! refused when the identity is made, not at the first signature.
//!
//! ## 5. The flow
//!
//! [`Flow::new`] takes the store and a [`SignatureCheck`](crate::flow::SignatureCheck) made
//! from the same context. Its methods are async; every signature they check is verified on
//! tokio's blocking pool, so a step never holds an executor thread for the milliseconds a
//! verification takes. A document's signatures and receipts come back typed:
//! [`Flow::signature`] (by [`SigningStep`](crate::flow::SigningStep)) and [`Flow::receipt`].
//!
//! ## 6. Errors
//!
//! Each module's error converts into [`crate::Error`] with `?`; each is an enum to match on
//! where the difference matters (a wrong password is not a corrupt file).
//!
//! [`TrustContext`]: crate::pki::TrustContext
//! [`SigningIdentity`]: crate::SigningIdentity
//! [`Flow`]: crate::flow::Flow
//! [`Flow::new`]: crate::flow::Flow::new
//! [`Flow::signature`]: crate::flow::Flow::signature
//! [`Flow::receipt`]: crate::flow::Flow::receipt
//! [`CryptoProvider::current`]: crate::crypto::CryptoProvider::current
//! [`Verdict`]: crate::Verdict
//! [`Verdict::from_cms`]: crate::Verdict::from_cms
//! [`Verdict::from_xml`]: crate::Verdict::from_xml
//! [`Outcome`]: crate::Outcome
