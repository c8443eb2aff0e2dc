//! XML signatures (XMLDSig): parsing, canonicalization and verification.
//!
//! | item | what it does |
//! |---|---|
//! | [`Document`] | parses XML into an owned tree; DTDs refused (no XXE), bounded input |
//! | [`canonicalize`] | Canonical XML 1.0, Exclusive C14N 1.0 (± comments) into a `Write` |
//! | [`verify()`] | enveloped/enveloping signatures: SignedInfo, References, signer's path |
//!
//! **Rule for callers**: take the signed data from [`XmlVerification::references`] (the exact
//! canonical bytes that were digested, and the element each Reference selected), never by
//! looking it up again in the original document. See [`verify()`].
//!
//! Not yet: signing, Canonical XML 1.1, XPath and base64 transforms, detached references,
//! RSA-PSS, Ed25519 and HMAC methods, KeyInfo forms other than X509Certificate, the CLI.

mod c14n;
mod error;
mod tree;
mod verify;

pub use c14n::{
    C14N, C14N_WITH_COMMENTS, C14nMethod, EXC_C14N, EXC_C14N_WITH_COMMENTS, NodeSet, canonicalize,
};
pub use error::XmlError;
pub use tree::{
    Document, Element, MAX_DEPTH_CAP, Node, NodeId, NodeKind, ParseLimits, XML_NAMESPACE,
};
pub use verify::{
    DSIG_NS, ENVELOPED_SIGNATURE, KeySource, MAX_REFERENCES, VerifiedReference, VerifyOptions,
    XPATH, XmlFinding, XmlVerification, verify,
};
