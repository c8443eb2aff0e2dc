//! What every report shares: a finding together with the sentence that explains it.
//!
//! Path validation ([`crate::pki::Finding`]), CMS ([`crate::cms::CmsFinding`]) and XMLDSig
//! ([`crate::xmldsig::XmlFinding`]) findings are reported the same way: as a [`Reported`]
//! finding, which serializes as the finding's own fields (its `kind` tag included) plus a
//! `message` for people.

use serde::Serialize;

/// A finding that can explain itself in one sentence.
pub trait Sentence {
    /// The finding, as a sentence for people.
    fn sentence(&self) -> String;
}

/// A finding with its sentence, as reports keep and serialize it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reported<F> {
    /// The finding.
    #[serde(flatten)]
    pub finding: F,
    /// A sentence for people.
    pub message: String,
}

impl<F: Sentence> Reported<F> {
    /// `finding` with its sentence.
    pub fn new(finding: F) -> Self {
        let message = finding.sentence();
        Self { finding, message }
    }
}

impl<F: Sentence> From<F> for Reported<F> {
    fn from(finding: F) -> Self {
        Self::new(finding)
    }
}
