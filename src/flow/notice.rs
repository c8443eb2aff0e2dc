//! Notices: what a member signs to take a step that carries no document signature of its own
//! — registering an organisation, managing members, creating, revising, restoring, returning,
//! rejecting and withdrawing a document. (Russian EDI likewise signs its notices of correction
//! and its refusals.)
//!
//! A notice is a small canonical JSON text naming the step (organisation or document, version,
//! action, comment, content hashes…), the acting member, the stream position it follows and
//! the time. The member signs it as a detached CMS; the flow checks that the notice is exactly
//! the step being taken, that its time is within [`NOTICE_WINDOW`] of the flow's clock, that
//! the signature verifies and that its certificate is the member's. Notice and signature are
//! stored as blobs, so the audit re-verifies them from the journal alone, and `openssl cms
//! -verify` accepts them after `flow export`.
//!
//! ```text
//! {"notice":"signflow-notice-v1","actor":"petrova","seq":2,"at":"2027-01-01T00:00:00Z",
//!  "step":{"action":"reject","document":"…","version":1,"comment":"we never ordered this"}}
//! ```
//! (one line, no spaces: the form [`Notice::to_bytes`] writes is the only one accepted.)

use serde::{Deserialize, Serialize};

use super::machine::{Command, Creation, DocumentState, NewContent, OrgCommand};
use super::model::{DocumentKind, MemberIdentity, Organisation, Right, Role};
use crate::pki::UnixTime;

/// The format tag every notice carries.
pub const NOTICE_FORMAT: &str = "signflow-notice-v1";
/// How far (seconds) a notice's time may be from the flow's clock when the step is taken (and
/// from the event's time when the audit checks it).
pub const NOTICE_WINDOW: i64 = 600;
/// Longest notice accepted, in bytes.
pub const MAX_NOTICE_LEN: usize = 64 * 1024;

/// A signed step's notice. Build one with [`super::Flow::notice`], sign
/// [`Notice::to_bytes`], and hand both to the step as a [`super::Proof`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Always [`NOTICE_FORMAT`].
    pub notice: String,
    /// The member taking the step.
    pub actor: String,
    /// The sequence number of the stream (document or organisation) the step follows: 0 for a
    /// registration or a creation. A notice for a stale position is a conflict.
    pub seq: u64,
    /// When the member signs it.
    pub at: UnixTime,
    /// The step.
    pub step: NoticeStep,
}

/// The step a notice names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum NoticeStep {
    /// Register an organisation with the signer (its director) as first administrator; on an
    /// organisation registered before steps were signed, establish its director.
    RegisterOrganisation {
        /// Requisites and name.
        organisation: Organisation,
    },
    /// Add a member (or replace their role, lapse time and identity).
    AddMember {
        /// The organisation's INN.
        organisation: String,
        /// The user.
        user: String,
        /// The role.
        role: Role,
        /// When the membership lapses.
        until: Option<UnixTime>,
        /// The certificate identity bound to the member.
        identity: Option<MemberIdentity>,
    },
    /// Grant a right beyond the member's role.
    GrantRight {
        /// The organisation's INN.
        organisation: String,
        /// The member.
        user: String,
        /// The right.
        right: Right,
        /// When it lapses.
        until: Option<UnixTime>,
    },
    /// Remove a member.
    RemoveMember {
        /// The organisation's INN.
        organisation: String,
        /// The member.
        user: String,
    },
    /// Require power codes of an МЧД for a document kind (empty: lift the requirement).
    RequirePowers {
        /// The organisation's INN.
        organisation: String,
        /// The document kind.
        kind: DocumentKind,
        /// The codes.
        codes: Vec<String>,
    },
    /// Create a document with version 1.
    Create {
        /// The new document's id.
        document: String,
        /// Its kind.
        kind: DocumentKind,
        /// Its title.
        title: String,
        /// The sender's INN.
        sender: String,
        /// The recipient's INN.
        recipient: String,
        /// Version 1's content hashes, size and media type.
        content: NewContent,
    },
    /// Add a version with new content.
    Revise {
        /// The document.
        document: String,
        /// The new version's number.
        version: u32,
        /// Its content hashes, size and media type.
        content: NewContent,
    },
    /// Add a version repeating an earlier one.
    Restore {
        /// The document.
        document: String,
        /// The new version's number.
        version: u32,
        /// The version restored.
        from: u32,
    },
    /// Return the version for corrections.
    Return {
        /// The document.
        document: String,
        /// The version returned.
        version: u32,
        /// Why.
        comment: String,
    },
    /// Reject the version for good.
    Reject {
        /// The document.
        document: String,
        /// The version rejected.
        version: u32,
        /// Why.
        comment: String,
    },
    /// Withdraw the document.
    Withdraw {
        /// The document.
        document: String,
        /// The version current at the time.
        version: u32,
    },
}

impl NoticeStep {
    /// The action's name as the notice spells it (`reject`, `add_member`, …).
    pub fn action(&self) -> &'static str {
        match self {
            Self::RegisterOrganisation { .. } => "register_organisation",
            Self::AddMember { .. } => "add_member",
            Self::GrantRight { .. } => "grant_right",
            Self::RemoveMember { .. } => "remove_member",
            Self::RequirePowers { .. } => "require_powers",
            Self::Create { .. } => "create",
            Self::Revise { .. } => "revise",
            Self::Restore { .. } => "restore",
            Self::Return { .. } => "return",
            Self::Reject { .. } => "reject",
            Self::Withdraw { .. } => "withdraw",
        }
    }

    /// The notice of creating `creation`.
    pub fn for_creation(creation: &Creation) -> Self {
        Self::Create {
            document: creation.id.clone(),
            kind: creation.kind,
            title: creation.title.clone(),
            sender: creation.sender.clone(),
            recipient: creation.recipient.clone(),
            content: creation.content.clone(),
        }
    }

    /// The notice of `command` on `state` (`None` for send, accept and sign, which the
    /// document signature itself proves).
    pub fn for_command(state: &DocumentState, command: &Command) -> Option<Self> {
        let document = state.id.clone();
        let current = state.current().number;
        Some(match command {
            Command::Revise { content } => Self::Revise {
                document,
                version: current.saturating_add(1),
                content: content.clone(),
            },
            Command::Restore { version } => Self::Restore {
                document,
                version: current.saturating_add(1),
                from: *version,
            },
            Command::Return { comment } => Self::Return {
                document,
                version: current,
                comment: comment.clone(),
            },
            Command::Reject { comment } => Self::Reject {
                document,
                version: current,
                comment: comment.clone(),
            },
            Command::Withdraw => Self::Withdraw {
                document,
                version: current,
            },
            Command::Send { .. } | Command::Accept { .. } | Command::Sign { .. } => return None,
        })
    }

    /// The notice of `command` on the organisation `inn`.
    pub fn for_org_command(inn: &str, command: &OrgCommand) -> Self {
        let organisation = inn.to_owned();
        match command {
            OrgCommand::AddMember {
                user,
                role,
                until,
                identity,
            } => Self::AddMember {
                organisation,
                user: user.clone(),
                role: *role,
                until: *until,
                identity: identity.clone(),
            },
            OrgCommand::Grant { user, right, until } => Self::GrantRight {
                organisation,
                user: user.clone(),
                right: *right,
                until: *until,
            },
            OrgCommand::RemoveMember { user } => Self::RemoveMember {
                organisation,
                user: user.clone(),
            },
            OrgCommand::RequirePowers { kind, codes } => Self::RequirePowers {
                organisation,
                kind: *kind,
                codes: codes.clone(),
            },
        }
    }

    /// The journal stream the step appends to: `org:<INN>` or `doc:<id>`.
    pub fn stream(&self) -> String {
        match self {
            Self::RegisterOrganisation { organisation } => format!("org:{}", organisation.inn),
            Self::AddMember { organisation, .. }
            | Self::GrantRight { organisation, .. }
            | Self::RemoveMember { organisation, .. }
            | Self::RequirePowers { organisation, .. } => format!("org:{organisation}"),
            Self::Create { document, .. }
            | Self::Revise { document, .. }
            | Self::Restore { document, .. }
            | Self::Return { document, .. }
            | Self::Reject { document, .. }
            | Self::Withdraw { document, .. } => format!("doc:{document}"),
        }
    }
}

/// What proves that the named member takes a step that has no document signature of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Proof {
    /// The member's detached CMS `signature` over `notice` (the exact bytes of
    /// [`Notice::to_bytes`]); see [`super::FlowSigner::prove`].
    Signed {
        /// The notice as signed.
        notice: Vec<u8>,
        /// The detached CMS over it.
        signature: Vec<u8>,
    },
    /// The calling service authenticated the user itself. Accepted only by a flow built with
    /// [`super::Flow::with_service_authentication`], and recorded in the journal under the
    /// service's name (the audit and the history report it); refused otherwise.
    Service,
}

/// A notice that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoticeError {
    /// Longer than [`MAX_NOTICE_LEN`].
    #[error("the notice is {0} bytes, more than the {MAX_NOTICE_LEN} accepted")]
    TooLong(usize),
    /// Not a notice's JSON.
    #[error("not a notice: {0}")]
    Malformed(String),
    /// Another format than [`NOTICE_FORMAT`].
    #[error("unknown notice format {0:?} (expected {NOTICE_FORMAT})")]
    Format(String),
    /// Readable, but not in the one canonical form (spacing, field order, escapes, extra
    /// fields): what was signed must be exactly what [`Notice::to_bytes`] writes.
    #[error("the notice is not in canonical form")]
    NotCanonical,
}

impl Notice {
    /// A notice of `step` by `actor`, following stream position `seq`, at `at`.
    pub fn new(actor: &str, seq: u64, at: UnixTime, step: NoticeStep) -> Self {
        Self {
            notice: NOTICE_FORMAT.into(),
            actor: actor.into(),
            seq,
            at,
            step,
        }
    }

    /// The canonical text: what the member signs.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising our own plain structures cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a notice, which must be in canonical form.
    ///
    /// # Errors
    /// [`NoticeError`] naming what is wrong.
    pub fn parse(bytes: &[u8]) -> Result<Self, NoticeError> {
        if bytes.len() > MAX_NOTICE_LEN {
            return Err(NoticeError::TooLong(bytes.len()));
        }
        let notice: Self =
            serde_json::from_slice(bytes).map_err(|e| NoticeError::Malformed(e.to_string()))?;
        if notice.notice != NOTICE_FORMAT {
            return Err(NoticeError::Format(notice.notice));
        }
        if notice.to_bytes() != bytes {
            return Err(NoticeError::NotCanonical);
        }
        Ok(notice)
    }

    /// Checks that the notice is for exactly `step` by `actor` after position `seq`, made
    /// within [`NOTICE_WINDOW`] of `now`.
    ///
    /// # Errors
    /// [`NoticeMismatch`] naming the first field that differs.
    pub fn check(
        &self,
        actor: &str,
        seq: u64,
        step: &NoticeStep,
        now: UnixTime,
    ) -> Result<(), NoticeMismatch> {
        if self.actor != actor {
            return Err(NoticeMismatch::Actor {
                named: self.actor.clone(),
                acting: actor.to_owned(),
            });
        }
        if self.step != *step {
            return Err(NoticeMismatch::Step {
                named: format!("{} {}", self.step.action(), self.step.stream()),
                taken: format!("{} {}", step.action(), step.stream()),
            });
        }
        if self.seq != seq {
            return Err(NoticeMismatch::Position {
                named: self.seq,
                stream: step.stream().to_string(),
                actual: seq,
            });
        }
        if (self.at.0 - now.0).abs() > NOTICE_WINDOW {
            return Err(NoticeMismatch::Time {
                named: self.at,
                step: now,
            });
        }
        Ok(())
    }
}

/// How a well-formed notice differs from the step it is presented for ([`Notice::check`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoticeMismatch {
    /// Another actor.
    #[error("the notice names {named:?} as the actor, not {acting:?}")]
    Actor {
        /// The actor the notice names.
        named: String,
        /// The member taking the step.
        acting: String,
    },
    /// Another step (action, document or version).
    #[error("the notice is for another step ({named}) than the one taken ({taken})")]
    Step {
        /// The step the notice names (action and stream).
        named: String,
        /// The step taken.
        taken: String,
    },
    /// Another position in the stream (a replay or a race).
    #[error("the notice follows position {named} of {stream}, which is at {actual}")]
    Position {
        /// The position the notice follows.
        named: u64,
        /// The stream.
        stream: String,
        /// Where the stream is.
        actual: u64,
    },
    /// Made too long before or after the step.
    #[error("the notice's time {named} is more than {NOTICE_WINDOW} s from the step's time {step}")]
    Time {
        /// The notice's time.
        named: UnixTime,
        /// The step's time.
        step: UnixTime,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice() -> Notice {
        Notice::new(
            "petrova",
            2,
            UnixTime::from_utc(2027, 1, 1, 0, 0, 0),
            NoticeStep::Reject {
                document: "d-1".into(),
                version: 1,
                comment: "we never ordered \"this\" — нет".into(),
            },
        )
    }

    #[test]
    fn round_trip_is_canonical() {
        let n = notice();
        let bytes = n.to_bytes();
        assert_eq!(Notice::parse(&bytes).unwrap(), n);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("{\"notice\":\"signflow-notice-v1\",\"actor\":\"petrova\""));
        assert!(text.contains("\"action\":\"reject\""), "{text}");
        // The same content spaced differently, or with a field more, is refused.
        let spaced = text.replace(",\"seq\"", ", \"seq\"");
        assert_eq!(
            Notice::parse(spaced.as_bytes()),
            Err(NoticeError::NotCanonical)
        );
        let extra = text.replacen('{', "{\"x\":1,", 1);
        assert!(Notice::parse(extra.as_bytes()).is_err());
        let other = text.replace(NOTICE_FORMAT, "signflow-notice-v9");
        assert!(matches!(
            Notice::parse(other.as_bytes()),
            Err(NoticeError::Format(_))
        ));
        assert!(matches!(
            Notice::parse(b"[]"),
            Err(NoticeError::Malformed(_))
        ));
        let long = vec![b' '; MAX_NOTICE_LEN + 1];
        assert!(matches!(Notice::parse(&long), Err(NoticeError::TooLong(_))));
    }

    #[test]
    fn check_names_what_differs() {
        let n = notice();
        let at = n.at;
        assert!(n.check("petrova", 2, &n.step, at).is_ok());
        assert!(
            n.check("petrova", 2, &n.step, UnixTime(at.0 + NOTICE_WINDOW))
                .is_ok()
        );
        let e = n.check("eve", 2, &n.step, at).unwrap_err().to_string();
        assert!(e.contains("eve"), "{e}");
        let e = n.check("petrova", 3, &n.step, at).unwrap_err().to_string();
        assert!(e.contains("position 2"), "{e}");
        let e = n
            .check("petrova", 2, &n.step, UnixTime(at.0 + NOTICE_WINDOW + 1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("time"), "{e}");
        let other = NoticeStep::Return {
            document: "d-1".into(),
            version: 1,
            comment: "we never ordered \"this\" — нет".into(),
        };
        let e = n.check("petrova", 2, &other, at).unwrap_err().to_string();
        assert!(e.contains("reject") && e.contains("return"), "{e}");
    }
}
