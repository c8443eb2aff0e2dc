//! The document flow: versioned documents moving between two organisations
//! (draft → sent → accepted → signed → archived, with returns, rejections and withdrawal),
//! members with roles and rights, signatures checked at each signing step, and a
//! tamper-evident journal of everything, kept in SQLite or PostgreSQL.
//!
//! | module        | holds                                                                  |
//! |---------------|------------------------------------------------------------------------|
//! | [`model`]     | documents, versions, organisations, members, roles, rights             |
//! | [`machine`]   | the pure state machine: [`machine::handle`], [`machine::apply`]        |
//! | [`journal`]   | the hash-chained journal, [`journal::Auditor`] and the audit report    |
//! | [`merkle`]    | RFC 9162 Merkle trees over the journal: roots, inclusion, consistency   |
//! | [`checkpoint`]| [`Checkpoint`]s (signed tree heads) sealed over the journal, audited    |
//! | [`notice`]    | the [`Notice`] a member signs for a step without a document signature  |
//! | [`signature`] | what each step signs, how it is checked and bound, [`FlowSigner`]      |
//! | `authority`   | signing for an organisation under an МЧД ([`MchdEvidence`])            |
//! | [`store`]     | [`FlowStore`]: [`SqliteStore`], [`PgStore`], [`AnyStore`]              |
//! | `service`     | [`Flow`]: the operations, over a store                                 |
//! | `audit`       | the audit: chains, events re-derived and re-verified, blobs, listings  |
//!
//! Every change is an event appended to the document's (or organisation's) stream at the
//! sequence number the caller loaded; of two concurrent changes one wins and the other gets
//! [`FlowError::Conflict`]. Content and signatures go into the store in the same transaction
//! as their event. Nothing is overwritten: a revision or a restored version is a new version.
//!
//! Every step is signed by the member who takes it, with the certificate they were bound to
//! when added ([`model::MemberIdentity`]); every blob is checked against its key whenever it is
//! read; the listings are projections of the journal that [`Flow::audit`] compares and
//! [`Flow::rebuild_listings`] restores.
//!
//! See [`Flow`] for an example.

mod admin;
mod audit;
mod authority;
pub mod checkpoint;
pub mod journal;
pub mod machine;
pub mod merkle;
pub mod model;
pub mod notice;
mod service;
pub mod signature;
pub mod store;

pub use authority::MchdEvidence;
pub use checkpoint::{Checkpoint, TreeAudit, TreeBreak};
pub use journal::{AuditReport, BrokenLink, EntryFormat, JournalEntry};
pub use machine::{CommandKind, DocumentState, Event, OrganisationState, Refusal, SigningStep};
pub use notice::{Notice, NoticeMismatch, Proof};
pub use service::{Flow, MAX_CONTENT_LEN, NewDocument, NewMember, Step, audit, replay};
pub use signature::{
    BindingError, FlowSigner, SignatureCheck, bind_member, bind_organisation, receipt,
};
#[cfg(feature = "postgres")]
pub use store::PgStore;
#[cfg(feature = "sqlite")]
pub use store::SqliteStore;
pub use store::{AnyStore, FlowStore, StoreError};

/// SHA-256 of `bytes`, lower-case hex: the key of a blob.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A failed flow operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// The command was refused; nothing was stored (except a failed signing attempt, which is
    /// journaled).
    #[error("refused: {0}")]
    Refused(#[from] Refusal),
    /// Another writer changed the stream first: reload and retry.
    #[error("{0}")]
    Conflict(StoreError),
    /// No such document, version or blob.
    #[error("no {what} {id}")]
    NotFound {
        /// What was looked for.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The content is larger than [`MAX_CONTENT_LEN`].
    #[error("content of {size} bytes is larger than the {max} accepted")]
    ContentTooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// The store failed.
    #[error("store: {0}")]
    Store(StoreError),
    /// The journal holds events that do not replay.
    #[error("corrupt journal: {0}")]
    Corrupt(String),
    /// Something read from the store is not what the journal says it is: a blob missing or
    /// not matching its key (or its version's Streebog hash), a stream whose chain is broken.
    /// Nothing proceeds on it.
    #[error("integrity check failed: {0}")]
    Integrity(String),
}

impl From<machine::Inapplicable> for FlowError {
    fn from(e: machine::Inapplicable) -> Self {
        Self::Corrupt(e.to_string())
    }
}

impl FlowError {
    /// Whether this is an optimistic-concurrency conflict.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict(_))
    }

    /// The refusal, if the command was refused.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Self::Refused(r) => Some(r),
            _ => None,
        }
    }
}
