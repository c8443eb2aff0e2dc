//! The document state machine, pure: [`handle`] decides which events a command produces (or
//! why it is refused), [`apply`] folds an event into the state. Nothing here touches a store, a
//! clock or a signature: the caller passes the time, the acting member and the outcome of the
//! signature check, so every rule can be tested (and fuzzed) on its own.
//!
//! | from        | command                 | by (organisation, right) | to                  |
//! |-------------|-------------------------|--------------------------|---------------------|
//! | —           | create                  | sender, edit             | draft (version 1)   |
//! | draft       | revise, restore         | sender, edit             | draft (new version) |
//! | returned    | revise, restore         | sender, edit             | draft (new version) |
//! | draft       | send (signature)        | sender, send             | sent                |
//! | draft, sent | withdraw                | sender, send             | withdrawn           |
//! | sent        | accept (signed receipt) | recipient, sign          | accepted            |
//! | accepted    | sign (co-signature)     | recipient, sign          | signed → archived   |
//! | sent, accepted | return (comment)     | recipient, sign          | returned            |
//! | sent, accepted | reject (comment)     | recipient, sign          | rejected            |
//!
//! Anything else is a [`Refusal`] naming the state and the command. Creating a document
//! ([`create`]) needs the edit right in the sending organisation; the organisation side —
//! registration with the director as first administrator, members and grants by a member
//! holding the manage right — is in [`handle_organisation`], [`register`] and [`adopt`].
//!
//! Who the actor *is* (the certificate behind the name) is checked before these functions
//! run ([`super::signature::bind_member`]); they decide what the actor's membership allows.

use serde::{Deserialize, Serialize};

use super::model::{
    DocumentKind, DocumentStatus, Member, MemberIdentity, Organisation, Right, Role, SignerRecord,
    Version,
};
use crate::pki::UnixTime;

mod document;
mod organisation;

pub use document::{DocumentState, SignatureStep, SigningStep};
pub use organisation::{
    Director, OrgCommand, OrganisationState, adopt, apply_organisation, handle_organisation,
    register,
};

/// Longest comment accepted on return or rejection, in bytes.
pub const MAX_COMMENT_LEN: usize = 4096;
/// Longest title accepted, in bytes.
pub const MAX_TITLE_LEN: usize = 1024;
/// Most versions one document may have.
pub const MAX_VERSIONS: u32 = 10_000;
/// Most power codes an organisation may require for one document kind.
pub const MAX_REQUIRED_POWERS: usize = 32;
/// Longest power code accepted, in bytes.
pub const MAX_POWER_CODE_LEN: usize = 128;

/// One fact in the journal. Serialised as JSON with a `type` tag; the stored text is what the
/// journal's hash chain covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// An organisation was registered (first event of its stream).
    OrganisationRegistered {
        /// Its requisites and name.
        organisation: Organisation,
    },
    /// A member was added (or their role, lapse time and identity replaced).
    MemberAdded {
        /// The user.
        user: String,
        /// The role.
        role: Role,
        /// When the membership lapses.
        until: Option<UnixTime>,
        /// The certificate identity that proves the member's steps (absent in events from
        /// before steps were signed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identity: Option<MemberIdentity>,
    },
    /// A right was granted beyond the member's role.
    RightGranted {
        /// The user.
        user: String,
        /// The right.
        right: Right,
        /// When it lapses.
        until: Option<UnixTime>,
    },
    /// A member was removed.
    MemberRemoved {
        /// The user.
        user: String,
    },
    /// The organisation requires these power codes (`МашПолн/@КодПолн`) of an МЧД its
    /// employees sign documents of `kind` under; an empty list lifts the requirement (any valid
    /// МЧД of the organisation naming the signer).
    PowersRequired {
        /// The document kind.
        kind: DocumentKind,
        /// The codes, every one of which the МЧД must grant.
        codes: Vec<String>,
    },
    /// A document was created with its first version (first event of its stream).
    DocumentCreated {
        /// The document's id.
        id: String,
        /// Its kind.
        kind: DocumentKind,
        /// Its title.
        title: String,
        /// The sender's INN.
        sender: String,
        /// The recipient's INN.
        recipient: String,
        /// Version 1.
        version: Version,
    },
    /// A new version (a revision, or a restored earlier content).
    VersionAdded {
        /// The version.
        version: Version,
    },
    /// The sender signed the version and sent it.
    Sent {
        /// The version signed.
        version: u32,
        /// SHA-256 (hex) of the detached CMS signature in the blob store.
        signature: String,
        /// Whose signature.
        signer: SignerRecord,
    },
    /// The recipient confirmed receipt with a signed receipt.
    Accepted {
        /// The version received.
        version: u32,
        /// SHA-256 (hex) of the receipt text in the blob store.
        receipt: String,
        /// SHA-256 (hex) of the receipt's detached CMS signature in the blob store.
        signature: String,
        /// Whose signature.
        signer: SignerRecord,
    },
    /// The recipient co-signed the version.
    Signed {
        /// The version.
        version: u32,
        /// SHA-256 (hex) of the co-signed detached CMS (sender's and recipient's SignerInfos).
        signature: String,
        /// The recipient's signer.
        signer: SignerRecord,
    },
    /// The signed version was archived.
    Archived {
        /// The version.
        version: u32,
    },
    /// The recipient returned the document for corrections.
    Returned {
        /// The version returned.
        version: u32,
        /// Why.
        comment: String,
    },
    /// The recipient rejected the document.
    Rejected {
        /// The version rejected.
        version: u32,
        /// Why.
        comment: String,
    },
    /// The sender withdrew the document.
    Withdrawn {
        /// The version current at the time.
        version: u32,
    },
    /// A signing step was attempted with a signature that failed its checks. The state does
    /// not change; the attempt is kept for the auditors.
    SigningRefused {
        /// The command ("send", "accept", "sign").
        command: String,
        /// The version it was for.
        version: u32,
        /// Why it was refused.
        reason: String,
    },
}

impl Event {
    /// The event's `type` tag.
    pub fn name(&self) -> &'static str {
        match self {
            Self::OrganisationRegistered { .. } => "organisation_registered",
            Self::MemberAdded { .. } => "member_added",
            Self::RightGranted { .. } => "right_granted",
            Self::MemberRemoved { .. } => "member_removed",
            Self::PowersRequired { .. } => "powers_required",
            Self::DocumentCreated { .. } => "document_created",
            Self::VersionAdded { .. } => "version_added",
            Self::Sent { .. } => "sent",
            Self::Accepted { .. } => "accepted",
            Self::Signed { .. } => "signed",
            Self::Archived { .. } => "archived",
            Self::Returned { .. } => "returned",
            Self::Rejected { .. } => "rejected",
            Self::Withdrawn { .. } => "withdrawn",
            Self::SigningRefused { .. } => "signing_refused",
        }
    }
}

/// A signature that passed the flow's checks, ready to be recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptedSignature {
    /// SHA-256 (hex) of the CMS in the blob store.
    pub blob: String,
    /// Whose it is.
    pub signer: SignerRecord,
}

/// What an actor asks of an existing document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Add a new version with this (already hashed) content.
    Revise {
        /// The new version, numbered by the caller as `current + 1`… or by [`handle`].
        content: NewContent,
    },
    /// Add a new version repeating an earlier version's content.
    Restore {
        /// The version to restore.
        version: u32,
    },
    /// Sign the current version and send it.
    Send {
        /// The verified signature over the current version.
        signature: AcceptedSignature,
    },
    /// Confirm receipt of the current version.
    Accept {
        /// SHA-256 (hex) of the receipt text in the blob store.
        receipt: String,
        /// The verified signature over the receipt.
        signature: AcceptedSignature,
    },
    /// Co-sign the current version.
    Sign {
        /// The verified co-signed CMS.
        signature: AcceptedSignature,
    },
    /// Send it back for corrections.
    Return {
        /// Why (required).
        comment: String,
    },
    /// Refuse it for good.
    Reject {
        /// Why (required).
        comment: String,
    },
    /// Withdraw it before acceptance.
    Withdraw,
}

/// The kind of a [`Command`], for authorisation before its payload exists and for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommandKind {
    /// [`Command::Revise`].
    Revise,
    /// [`Command::Restore`].
    Restore,
    /// [`Command::Send`].
    Send,
    /// [`Command::Accept`].
    Accept,
    /// [`Command::Sign`].
    Sign,
    /// [`Command::Return`].
    Return,
    /// [`Command::Reject`].
    Reject,
    /// [`Command::Withdraw`].
    Withdraw,
}

impl CommandKind {
    /// The command's name as the CLI spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revise => "revise",
            Self::Restore => "restore",
            Self::Send => "send",
            Self::Accept => "accept",
            Self::Sign => "sign",
            Self::Return => "return",
            Self::Reject => "reject",
            Self::Withdraw => "withdraw",
        }
    }

    /// The statuses the command is allowed from.
    pub fn allowed_from(self) -> &'static [DocumentStatus] {
        match self {
            Self::Revise | Self::Restore => &[DocumentStatus::Draft, DocumentStatus::Returned],
            Self::Send => &[DocumentStatus::Draft],
            Self::Withdraw => &[DocumentStatus::Draft, DocumentStatus::Sent],
            Self::Accept => &[DocumentStatus::Sent],
            Self::Sign => &[DocumentStatus::Accepted],
            Self::Return | Self::Reject => &[DocumentStatus::Sent, DocumentStatus::Accepted],
        }
    }

    /// Which side acts, and with which right.
    pub fn actor(self) -> (Side, Right) {
        match self {
            Self::Revise | Self::Restore => (Side::Sender, Right::Edit),
            Self::Send | Self::Withdraw => (Side::Sender, Right::Send),
            Self::Accept | Self::Sign | Self::Return | Self::Reject => {
                (Side::Recipient, Right::Sign)
            }
        }
    }
}

impl core::fmt::Display for CommandKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Command {
    /// The command's kind.
    pub fn kind(&self) -> CommandKind {
        match self {
            Self::Revise { .. } => CommandKind::Revise,
            Self::Restore { .. } => CommandKind::Restore,
            Self::Send { .. } => CommandKind::Send,
            Self::Accept { .. } => CommandKind::Accept,
            Self::Sign { .. } => CommandKind::Sign,
            Self::Return { .. } => CommandKind::Return,
            Self::Reject { .. } => CommandKind::Reject,
            Self::Withdraw => CommandKind::Withdraw,
        }
    }
}

/// Which organisation of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The sending organisation.
    Sender,
    /// The receiving organisation.
    Recipient,
}

/// Content of a new version, hashed by the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewContent {
    /// SHA-256, hex.
    pub sha256: String,
    /// Streebog-256, hex.
    pub streebog256: String,
    /// Length in bytes.
    pub size: u64,
    /// Media type.
    pub media_type: String,
}

/// The one acting: a user, with their membership in the organisation concerned (if any).
#[derive(Clone, Copy, Debug)]
pub struct Actor<'a> {
    /// The user's id.
    pub user: &'a str,
    /// Their membership in the organisation the command needs, `None` if they are not a member.
    pub member: Option<&'a Member>,
}

/// Why a command was refused. Nothing is stored for a refusal except a failed signing attempt
/// ([`Event::SigningRefused`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The command is not allowed from the document's status.
    #[error("cannot {command} a document that is {status} (allowed from: {allowed})")]
    Transition {
        /// The document's status.
        status: DocumentStatus,
        /// The command.
        command: CommandKind,
        /// The statuses it is allowed from.
        allowed: String,
    },
    /// The user is not a member of the organisation that must act.
    #[error("{user} is not a member of organisation {organisation} (the {side} side)")]
    NotMember {
        /// The user.
        user: String,
        /// The organisation's INN.
        organisation: String,
        /// "sender" or "recipient".
        side: &'static str,
    },
    /// The member lacks the right the command needs (or it lapsed).
    #[error(
        "{user} may not {command}: the {right:?} right in organisation {organisation} is missing or lapsed"
    )]
    MissingRight {
        /// The user.
        user: String,
        /// The command.
        command: CommandKind,
        /// The right it needs.
        right: Right,
        /// The organisation's INN.
        organisation: String,
    },
    /// The user lacks the right an organisation-level action needs (or it lapsed).
    #[error(
        "{user} may not {action} in organisation {organisation}: the {right:?} right is missing or lapsed"
    )]
    MayNot {
        /// The user.
        user: String,
        /// What they tried ("create documents", "manage members").
        action: &'static str,
        /// The right it needs.
        right: Right,
        /// The organisation's INN.
        organisation: String,
    },
    /// Return and reject need a comment.
    #[error("{command} needs a comment saying why")]
    CommentRequired {
        /// The command.
        command: CommandKind,
    },
    /// A text field is too long.
    #[error("{field} is longer than {max} bytes")]
    TooLong {
        /// The field.
        field: &'static str,
        /// The limit.
        max: usize,
    },
    /// Restore named a version that does not exist.
    #[error("the document has no version {version} (it has 1..={latest})")]
    NoSuchVersion {
        /// The version asked for.
        version: u32,
        /// The latest version.
        latest: u32,
    },
    /// The document reached [`MAX_VERSIONS`].
    #[error("the document already has {MAX_VERSIONS} versions")]
    TooManyVersions,
    /// The signature (or receipt) failed its checks; the attempt was journaled.
    #[error("{command} refused: {reason}")]
    Signature {
        /// The command.
        command: CommandKind,
        /// What was wrong with the signature, its certificate or its binding.
        reason: String,
    },
    /// A document must go from one organisation to another.
    #[error("sender and recipient are the same organisation ({0})")]
    SameOrganisation(String),
    /// The organisation is not registered.
    #[error("organisation {0} is not registered")]
    UnknownOrganisation(String),
    /// The organisation is already registered.
    #[error("organisation {0} is already registered")]
    OrganisationExists(String),
    /// The requisites are invalid.
    #[error("invalid requisites: {0}")]
    Requisites(String),
    /// A power code to require is empty, too long or has control characters, or there are
    /// more than [`MAX_REQUIRED_POWERS`].
    #[error("invalid power codes: {0}")]
    InvalidPowers(String),
    /// The step is not proven to be the named member's: no signature, a signature that does
    /// not verify, a certificate that is not theirs, or a notice that names another step.
    #[error("{user} is not proven to take this step: {reason}")]
    Unauthenticated {
        /// The user named as the actor.
        user: String,
        /// What is missing or wrong.
        reason: String,
    },
    /// The certificate identity is bound to another member of the organisation already.
    #[error("{identity} is already bound to member {member} of organisation {organisation}")]
    IdentityTaken {
        /// The identity.
        identity: String,
        /// The member it is bound to.
        member: String,
        /// The organisation's INN.
        organisation: String,
    },
    /// A document with this id exists already.
    #[error("a document with id {0} exists already")]
    DocumentExists(String),
    /// A member must be added with the certificate that will prove their steps.
    #[error("{0} must be added with their certificate (it proves the steps they take)")]
    CertificateRequired(String),
    /// A user id that is empty, too long or holds control characters.
    #[error("invalid user id {0:?} (1 to {MAX_USER_LEN} bytes, no control characters)")]
    InvalidUser(String),
    /// A document id that is not 1 to 64 letters, digits, `-`, `_` or `.`.
    #[error("invalid document id {0:?} (1 to 64 ASCII letters, digits, '-', '_' or '.')")]
    InvalidId(String),
}

/// Longest user id accepted, in bytes.
pub const MAX_USER_LEN: usize = 128;

/// Checks a user id: 1 to [`MAX_USER_LEN`] bytes, no control characters.
///
/// # Errors
/// [`Refusal::InvalidUser`].
pub fn valid_user(user: &str) -> Result<(), Refusal> {
    if user.is_empty() || user.len() > MAX_USER_LEN || user.chars().any(char::is_control) {
        return Err(Refusal::InvalidUser(user.into()));
    }
    Ok(())
}

/// Checks a document id: 1 to 64 ASCII letters, digits, `-`, `_` or `.`.
///
/// # Errors
/// [`Refusal::InvalidId`].
pub fn valid_document_id(id: &str) -> Result<(), Refusal> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(Refusal::InvalidId(id.into()))
    }
}

/// Checks that `actor` may give a command of `kind` to `state` at `at`: the status allows it,
/// the actor is a member of the organisation that must act and holds the right. Signing
/// commands are authorised with this before their signature is checked.
///
/// # Errors
/// [`Refusal::Transition`], [`Refusal::NotMember`] or [`Refusal::MissingRight`].
pub fn authorize(
    state: &DocumentState,
    actor: Actor<'_>,
    kind: CommandKind,
    at: UnixTime,
) -> Result<(), Refusal> {
    let allowed = kind.allowed_from();
    if !allowed.contains(&state.status) {
        return Err(Refusal::Transition {
            status: state.status,
            command: kind,
            allowed: if allowed.is_empty() {
                "nowhere".into()
            } else {
                allowed
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        });
    }
    let (side, right) = kind.actor();
    let organisation = state.organisation(side);
    let member = actor.member.ok_or_else(|| Refusal::NotMember {
        user: actor.user.into(),
        organisation: organisation.into(),
        side: match side {
            Side::Sender => "sender",
            Side::Recipient => "recipient",
        },
    })?;
    if !member.has_right(right, at) {
        return Err(Refusal::MissingRight {
            user: actor.user.into(),
            command: kind,
            right,
            organisation: organisation.into(),
        });
    }
    Ok(())
}

/// Decides what `command` by `actor` at `at` does to `state`: the events to append, or why not.
///
/// # Errors
/// A [`Refusal`] naming what is wrong; the state is untouched.
pub fn handle(
    state: &DocumentState,
    actor: Actor<'_>,
    command: &Command,
    at: UnixTime,
) -> Result<Vec<Event>, Refusal> {
    let kind = command.kind();
    authorize(state, actor, kind, at)?;
    let current = state.current().number;
    let new_version = |sha256: &str, streebog: &str, size, media: &str, from| {
        if current >= MAX_VERSIONS {
            return Err(Refusal::TooManyVersions);
        }
        Ok(Event::VersionAdded {
            version: Version {
                number: current + 1,
                sha256: sha256.into(),
                streebog256: streebog.into(),
                size,
                media_type: media.into(),
                author: actor.user.into(),
                created_at: at,
                restored_from: from,
            },
        })
    };
    let comment = |c: &str| {
        if c.trim().is_empty() {
            Err(Refusal::CommentRequired { command: kind })
        } else if c.len() > MAX_COMMENT_LEN {
            Err(Refusal::TooLong {
                field: "comment",
                max: MAX_COMMENT_LEN,
            })
        } else {
            Ok(c.to_owned())
        }
    };
    Ok(match command {
        Command::Revise { content } => vec![new_version(
            &content.sha256,
            &content.streebog256,
            content.size,
            &content.media_type,
            None,
        )?],
        Command::Restore { version } => {
            let v = state.version(*version).ok_or(Refusal::NoSuchVersion {
                version: *version,
                latest: current,
            })?;
            vec![new_version(
                &v.sha256,
                &v.streebog256,
                v.size,
                &v.media_type,
                Some(v.number),
            )?]
        }
        Command::Send { signature } => vec![Event::Sent {
            version: current,
            signature: signature.blob.clone(),
            signer: signature.signer.clone(),
        }],
        Command::Accept { receipt, signature } => vec![Event::Accepted {
            version: current,
            receipt: receipt.clone(),
            signature: signature.blob.clone(),
            signer: signature.signer.clone(),
        }],
        Command::Sign { signature } => vec![
            Event::Signed {
                version: current,
                signature: signature.blob.clone(),
                signer: signature.signer.clone(),
            },
            Event::Archived { version: current },
        ],
        Command::Return { comment: c } => vec![Event::Returned {
            version: current,
            comment: comment(c)?,
        }],
        Command::Reject { comment: c } => vec![Event::Rejected {
            version: current,
            comment: comment(c)?,
        }],
        Command::Withdraw => vec![Event::Withdrawn { version: current }],
    })
}

/// A new document as its creator describes it: what [`create`] records as version 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Creation {
    /// The document's id (see [`valid_document_id`]).
    pub id: String,
    /// Its kind.
    pub kind: DocumentKind,
    /// Its title.
    pub title: String,
    /// The sending organisation's INN.
    pub sender: String,
    /// The receiving organisation's INN.
    pub recipient: String,
    /// Version 1's content, hashed.
    pub content: NewContent,
}

/// Decides whether `actor` may create the document `creation` between `sender` and
/// `recipient` at `at`: a valid id, two different registered organisations, a title within
/// [`MAX_TITLE_LEN`], and the edit right in the sending organisation.
///
/// # Errors
/// [`Refusal::InvalidId`], [`Refusal::SameOrganisation`], [`Refusal::TooLong`],
/// [`Refusal::NotMember`], [`Refusal::MayNot`].
pub fn create(
    sender: &OrganisationState,
    recipient: &OrganisationState,
    actor: Actor<'_>,
    creation: &Creation,
    at: UnixTime,
) -> Result<Vec<Event>, Refusal> {
    valid_document_id(&creation.id)?;
    if creation.sender == creation.recipient {
        return Err(Refusal::SameOrganisation(creation.sender.clone()));
    }
    if sender.organisation.inn != creation.sender {
        return Err(Refusal::UnknownOrganisation(creation.sender.clone()));
    }
    if recipient.organisation.inn != creation.recipient {
        return Err(Refusal::UnknownOrganisation(creation.recipient.clone()));
    }
    if creation.title.len() > MAX_TITLE_LEN {
        return Err(Refusal::TooLong {
            field: "title",
            max: MAX_TITLE_LEN,
        });
    }
    match actor.member {
        None => {
            return Err(Refusal::NotMember {
                user: actor.user.into(),
                organisation: creation.sender.clone(),
                side: "sender",
            });
        }
        Some(m) if !m.has_right(Right::Edit, at) => {
            return Err(Refusal::MayNot {
                user: actor.user.into(),
                action: "create documents",
                right: Right::Edit,
                organisation: creation.sender.clone(),
            });
        }
        Some(_) => {}
    }
    let c = &creation.content;
    Ok(vec![Event::DocumentCreated {
        id: creation.id.clone(),
        kind: creation.kind,
        title: creation.title.clone(),
        sender: creation.sender.clone(),
        recipient: creation.recipient.clone(),
        version: Version {
            number: 1,
            sha256: c.sha256.clone(),
            streebog256: c.streebog256.clone(),
            size: c.size,
            media_type: c.media_type.clone(),
            author: actor.user.into(),
            created_at: at,
            restored_from: None,
        },
    }])
}

/// The event recording a signing attempt that failed its checks.
pub fn signing_refused(state: &DocumentState, kind: CommandKind, reason: &str) -> Event {
    Event::SigningRefused {
        command: kind.as_str().into(),
        version: state.current().number,
        reason: reason.into(),
    }
}

/// Why an event cannot be applied: the journal holds something the state machine never makes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("event {seq} ({event}) cannot follow: {reason}")]
pub struct Inapplicable {
    /// The event's sequence number in its stream.
    pub seq: u64,
    /// The event's type.
    pub event: &'static str,
    /// Why.
    pub reason: String,
}

/// Folds `event` (number `seq` of the document's stream, made at `at`) into `state`.
///
/// # Errors
/// [`Inapplicable`] for an event that does not belong to a document stream or does not fit
/// the state (a first event other than `document_created`, a version numbered out of order…).
pub fn apply(
    state: Option<DocumentState>,
    event: &Event,
    seq: u64,
    at: UnixTime,
) -> Result<DocumentState, Inapplicable> {
    let bad = |reason: &str| Inapplicable {
        seq,
        event: event.name(),
        reason: reason.into(),
    };
    let mut s = match (state, event) {
        (
            None,
            Event::DocumentCreated {
                id,
                kind,
                title,
                sender,
                recipient,
                version,
            },
        ) => {
            if version.number != 1 {
                return Err(bad("the first version must be number 1"));
            }
            return Ok(DocumentState {
                id: id.clone(),
                kind: *kind,
                title: title.clone(),
                sender: sender.clone(),
                recipient: recipient.clone(),
                status: DocumentStatus::Draft,
                versions: vec![version.clone()],
                signatures: Vec::new(),
                comment: None,
                seq,
                created_at: at,
                updated_at: at,
            });
        }
        (None, _) => return Err(bad("a document stream must start with document_created")),
        (Some(_), Event::DocumentCreated { .. }) => return Err(bad("document created twice")),
        (Some(s), _) => s,
    };
    let step =
        |name: SigningStep, version: u32, signature: &str, receipt, signer: &SignerRecord| {
            SignatureStep {
                step: name,
                version,
                signature: signature.into(),
                receipt,
                signer: signer.clone(),
            }
        };
    match event {
        Event::VersionAdded { version } => {
            if version.number as usize != s.versions.len() + 1 {
                return Err(bad("version numbers must follow each other"));
            }
            s.versions.push(version.clone());
            s.status = DocumentStatus::Draft;
        }
        Event::Sent {
            version,
            signature,
            signer,
        } => {
            s.signatures
                .push(step(SigningStep::Sent, *version, signature, None, signer));
            s.status = DocumentStatus::Sent;
        }
        Event::Accepted {
            version,
            receipt,
            signature,
            signer,
        } => {
            s.signatures.push(step(
                SigningStep::Accepted,
                *version,
                signature,
                Some(receipt.clone()),
                signer,
            ));
            s.status = DocumentStatus::Accepted;
        }
        Event::Signed {
            version,
            signature,
            signer,
        } => {
            s.signatures
                .push(step(SigningStep::Signed, *version, signature, None, signer));
            s.status = DocumentStatus::Signed;
        }
        Event::Archived { .. } => s.status = DocumentStatus::Archived,
        Event::Returned { comment, .. } => {
            s.comment = Some(comment.clone());
            s.status = DocumentStatus::Returned;
        }
        Event::Rejected { comment, .. } => {
            s.comment = Some(comment.clone());
            s.status = DocumentStatus::Rejected;
        }
        Event::Withdrawn { .. } => s.status = DocumentStatus::Withdrawn,
        Event::SigningRefused { .. } => {}
        Event::OrganisationRegistered { .. }
        | Event::MemberAdded { .. }
        | Event::RightGranted { .. }
        | Event::MemberRemoved { .. }
        | Event::PowersRequired { .. } => {
            return Err(bad("an organisation event in a document stream"));
        }
        Event::DocumentCreated { .. } => unreachable!("handled above"),
    }
    s.seq = seq;
    s.updated_at = at;
    Ok(s)
}
