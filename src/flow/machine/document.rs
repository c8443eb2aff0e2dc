//! A document's state as its events left it: versions, signing steps, status.

use serde::Serialize;

use super::Side;
use crate::flow::model::{DocumentKind, DocumentStatus, DocumentSummary, SignerRecord, Version};
use crate::pki::UnixTime;

/// A document as its events left it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DocumentState {
    /// The id.
    pub id: String,
    /// The kind.
    pub kind: DocumentKind,
    /// The title.
    pub title: String,
    /// The sender's INN.
    pub sender: String,
    /// The recipient's INN.
    pub recipient: String,
    /// The status.
    pub status: DocumentStatus,
    /// Every version, in order (index = number − 1).
    pub versions: Vec<Version>,
    /// Signing steps of every version, in order.
    pub signatures: Vec<SignatureStep>,
    /// The comment of the last return or rejection.
    pub comment: Option<String>,
    /// Sequence number of the last event applied (the next append expects it).
    pub seq: u64,
    /// When it was created.
    pub created_at: UnixTime,
    /// When it last changed.
    pub updated_at: UnixTime,
}

/// Which signing step a [`SignatureStep`] records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SigningStep {
    /// The sender signed the version and sent it.
    Sent,
    /// The recipient signed the [`receipt`](crate::flow::receipt) for it.
    Accepted,
    /// The recipient co-signed the version.
    Signed,
}

impl SigningStep {
    /// "sent", "accepted" or "signed".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Accepted => "accepted",
            Self::Signed => "signed",
        }
    }
}

impl core::fmt::Display for SigningStep {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A recorded signing step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignatureStep {
    /// Which step.
    pub step: SigningStep,
    /// The version.
    pub version: u32,
    /// The CMS blob (SHA-256 hex).
    pub signature: String,
    /// For an acceptance: the receipt blob.
    pub receipt: Option<String>,
    /// Whose signature.
    pub signer: SignerRecord,
}

impl DocumentState {
    /// The current (latest) version.
    pub fn current(&self) -> &Version {
        // A state only exists after DocumentCreated, which brings version 1.
        &self.versions[self.versions.len() - 1]
    }

    /// A version by number.
    pub fn version(&self, number: u32) -> Option<&Version> {
        (number as usize)
            .checked_sub(1)
            .and_then(|i| self.versions.get(i))
    }

    /// The last signing step of kind `step` for `version`.
    pub fn step(&self, step: SigningStep, version: u32) -> Option<&SignatureStep> {
        self.signatures
            .iter()
            .rev()
            .find(|s| s.step == step && s.version == version)
    }

    /// The organisation acting for `side`.
    pub fn organisation(&self, side: Side) -> &str {
        match side {
            Side::Sender => &self.sender,
            Side::Recipient => &self.recipient,
        }
    }

    /// The row a store lists this document by.
    pub fn summary(&self) -> DocumentSummary {
        DocumentSummary {
            id: self.id.clone(),
            kind: self.kind,
            title: self.title.clone(),
            sender: self.sender.clone(),
            recipient: self.recipient.clone(),
            status: self.status,
            version: self.current().number,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}
