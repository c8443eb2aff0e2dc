//! XML signatures (XMLDSig): parsing, canonicalization and verification.
//!
//! | item | what it does |
//! |---|---|
//! | [`Document`] | parses XML into an owned tree; DTDs refused (no XXE), bounded input |
//! | [`canonicalize`] | Canonical XML 1.0 and 1.1, Exclusive C14N 1.0 (± comments) into a `Write` |
//! | [`Verifier`] | enveloped/enveloping/detached signatures: SignedInfo, References, signer's path, over a [`TrustContext`](crate::pki::TrustContext) (or [`verify()`] over the caller's material) |
//! | [`sign()`] | enveloped (default), enveloping and detached signatures, certificate and chain in KeyInfo; XAdES-BES with [`SignOptions::xades`] |
//! | [`add_xades_timestamp`] | XAdES-BES → XAdES-T: a SignatureTimeStamp from a [`TimeStamper`](crate::tsp::TimeStamper) |
//! | [`XadesReport`] | on verification: the XAdES level (BES, EPES, T), claimed and proven signing time |
//!
//! **Rule for callers**: take the signed data from [`XmlVerification::references`] (the exact
//! canonical bytes that were digested, and the element each Reference selected), never by
//! looking it up again in the original document. See [`verify()`].
//!
//! KeyInfo: X509Certificate, and X509IssuerSerial / X509SKI / X509SubjectName / X509Digest
//! looked up among the caller's certificates (also through a same-document RetrievalMethod or
//! KeyInfoReference); raw keys (KeyValue, DEREncodedKeyValue) only when the caller opts in
//! ([`VerifyOptions::trust_key_value`]). HMAC methods only with the caller's key
//! ([`KeySource::Hmac`]), or an HMAC key encrypted in KeyInfo (`xenc:EncryptedKey`: AES and
//! triple-DES key wraps, RSA v1.5/OAEP; xmlsec's ML-KEM `EncapsulationMechanism` with the
//! `extra-algorithms` feature) opened with
//! the caller's [`KeyDecryptionKey`]s ([`VerifyOptions::key_decryption`]). DSA verify-only.
//! Transforms: enveloped-signature, the C14N family, base64, XPath 1.0 filtering (a bounded
//! subset, namespace nodes and attributes as nodes of their own) and XPath Filter 2.0, the
//! SMEV 3 transform after a canonicalization ([`smev_transform`]), and
//! OOXML's Relationships transform over detached parts ([`relationship_transform`]). XSLT is
//! refused: running stylesheets found in signed documents is out of scope.
//! `tests/xmlsec_suite.rs` tallies xmlsec's 251 signature cases.

mod algorithms;
mod c14n;
mod enckey;
mod error;
mod filter2;
mod hmac_sig;
mod keys;
mod opc;
mod options;
mod reference;
mod report;
mod sign;
mod signer;
mod smev;
mod tree;
mod verifier;
mod verify;
mod work;
mod xades;
mod xpath;

pub use c14n::{
    C14N, C14N_WITH_COMMENTS, C14N11, C14N11_WITH_COMMENTS, C14nMethod, EXC_C14N,
    EXC_C14N_WITH_COMMENTS, NodeSet, canonicalize,
};
pub use enckey::{KeyDecryptionError, KeyDecryptionKey, XENC_NS};
pub use error::{SignError, XmlError};
pub use filter2::{Membership, XPATH_FILTER2};
pub use keys::DSIG11_NS;
pub use opc::{
    PACKAGE_SIGNATURE_NS, RELATIONSHIP_TRANSFORM, RELATIONSHIPS_NS, RelationshipError,
    RelationshipMode, RelationshipSelection, relationship_transform,
};
pub use options::{HmacKey, KeySource, VerifyOptions};
pub use reference::UNVERIFIED_WORK_SHARE;
pub use report::{
    ReportedXmlFinding, SelectedElement, VerifiedReference, XmlFinding, XmlVerification,
};
pub use sign::{Layout, Placement, SignOptions, sign};
pub use signer::WSSE_NS;
pub use smev::{SMEV_TRANSFORM, SmevError, smev_transform};
pub use tree::{
    Attribute, Attributes, Children, Document, Element, ElementData, ElementSpan, MAX_DEPTH_CAP,
    NamespaceDecl, Node, NodeId, NodeKind, ParseLimits, ProcessingInstruction, Text, WSU_NS,
    XML_NAMESPACE, XmlText,
};
pub use verifier::Verifier;
pub use verify::{BASE64, DSIG_NS, ENVELOPED_SIGNATURE, MAX_REFERENCES, XPATH, verify};
pub use work::WorkLimitExceeded;
pub use xades::{
    MAX_XADES_TIMESTAMPS, SIGNED_PROPERTIES_TYPE, XADES_NS, XadesLevel, XadesOptions, XadesReport,
    add_xades_timestamp,
};
