//! The nouns of the document flow: documents, versions, organisations, members, roles and
//! rights. Plain data, serialised into the journal as they are.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::pki::russian::RussianAttributes;
use crate::pki::{Certificate, UnixTime};

/// What a document is, as the parties classify it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A contract (договор).
    Contract,
    /// An act, e.g. of acceptance (акт).
    Act,
    /// An invoice (счёт, счёт-фактура).
    Invoice,
    /// Anything else.
    Other,
}

/// Where a document stands.
///
/// ```text
/// draft ──send──▶ sent ──accept──▶ accepted ──sign──▶ signed ──▶ archived
///   ▲  ╲            │  ╲               │ ╲
///   │   withdraw    │   withdraw       │  return / reject
///   │               return / reject    ▼
///   └──revise/restore── returned     rejected (terminal)
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Being prepared by the sender; versions may be added.
    Draft,
    /// The sender signed the current version and sent it.
    Sent,
    /// The recipient confirmed receipt with a signed receipt.
    Accepted,
    /// The recipient co-signed the version (immediately followed by `archived`).
    Signed,
    /// Final: the signed version is kept as it is.
    Archived,
    /// The recipient sent it back for corrections; the sender revises it into a new draft.
    Returned,
    /// The recipient refused it (terminal).
    Rejected,
    /// The sender withdrew it before acceptance (terminal).
    Withdrawn,
}

impl DocumentStatus {
    /// Whether no command can move the document any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Archived | Self::Rejected | Self::Withdrawn)
    }

    /// The lower-case name used in the journal, the stores and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Sent => "sent",
            Self::Accepted => "accepted",
            Self::Signed => "signed",
            Self::Archived => "archived",
            Self::Returned => "returned",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Every status, in the order of the happy path first.
    pub const ALL: [DocumentStatus; 8] = [
        Self::Draft,
        Self::Sent,
        Self::Accepted,
        Self::Signed,
        Self::Archived,
        Self::Returned,
        Self::Rejected,
        Self::Withdrawn,
    ];
}

impl DocumentKind {
    /// The lower-case name used in the journal, the stores and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contract => "contract",
            Self::Act => "act",
            Self::Invoice => "invoice",
            Self::Other => "other",
        }
    }
}

/// A name that is not one of an enum's values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?} (expected one of: {expected})")]
pub struct UnknownName {
    /// What was being named ("status", "role", ...).
    pub what: &'static str,
    /// The text given.
    pub value: String,
    /// The accepted names.
    pub expected: &'static str,
}

macro_rules! names {
    ($ty:ty, $what:literal, $expected:literal, { $($name:literal => $variant:expr),+ $(,)? }) => {
        impl FromStr for $ty {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                match s {
                    $($name => Ok($variant),)+
                    _ => Err(UnknownName { what: $what, value: s.to_owned(), expected: $expected }),
                }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                $(if *self == $variant { return f.pad($name); })+
                Ok(())
            }
        }
    };
}

names!(DocumentStatus, "status", "draft, sent, accepted, signed, archived, returned, rejected, withdrawn", {
    "draft" => DocumentStatus::Draft, "sent" => DocumentStatus::Sent, "accepted" => DocumentStatus::Accepted,
    "signed" => DocumentStatus::Signed, "archived" => DocumentStatus::Archived, "returned" => DocumentStatus::Returned,
    "rejected" => DocumentStatus::Rejected, "withdrawn" => DocumentStatus::Withdrawn,
});
names!(DocumentKind, "document kind", "contract, act, invoice, other", {
    "contract" => DocumentKind::Contract, "act" => DocumentKind::Act,
    "invoice" => DocumentKind::Invoice, "other" => DocumentKind::Other,
});
names!(Role, "role", "administrator, signer, operator, accountant, observer", {
    "administrator" => Role::Administrator, "signer" => Role::Signer,
    "operator" => Role::Operator, "accountant" => Role::Accountant, "observer" => Role::Observer,
});
names!(Right, "right", "view, edit, send, sign, manage", {
    "view" => Right::View, "edit" => Right::Edit, "send" => Right::Send,
    "sign" => Right::Sign, "manage" => Right::Manage,
});

/// A member's role in an organisation; each role carries a fixed set of [`Right`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including membership: view, edit, send, sign, manage.
    Administrator,
    /// Signs on the organisation's behalf: view, send, sign.
    Signer,
    /// Prepares documents: view, edit.
    Operator,
    /// Prepares invoices and acts: view, edit.
    Accountant,
    /// Reads: view.
    Observer,
}

impl Role {
    /// The rights this role carries.
    pub fn rights(self) -> &'static [Right] {
        match self {
            Self::Administrator => &[
                Right::View,
                Right::Edit,
                Right::Send,
                Right::Sign,
                Right::Manage,
            ],
            Self::Signer => &[Right::View, Right::Send, Right::Sign],
            Self::Operator | Self::Accountant => &[Right::View, Right::Edit],
            Self::Observer => &[Right::View],
        }
    }
}

/// What a member may do with the organisation's documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Right {
    /// Read documents, versions and history.
    View,
    /// Create documents, add and restore versions.
    Edit,
    /// Sign-and-send a version, withdraw it.
    Send,
    /// Accept, co-sign, return or reject incoming documents.
    Sign,
    /// Add members and grant rights.
    Manage,
}

/// A registered organisation. Its requisites were checked with [`crate::requisites`] when it was
/// registered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    /// ИНН (10 digits for a legal entity, 12 for an individual entrepreneur); the key.
    pub inn: String,
    /// ОГРН (13 digits) or ОГРНИП (15 digits).
    pub ogrn: String,
    /// КПП, for legal entities that have one.
    pub kpp: Option<String>,
    /// The organisation's name.
    pub name: String,
}

/// A member of an organisation as the journal left it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The user's identifier (unique within the store).
    pub user: String,
    /// The member's role.
    pub role: Role,
    /// When the membership (and every right it carries) lapses by itself.
    pub until: Option<UnixTime>,
    /// Rights granted on top of the role, each with its own optional lapse time.
    pub grants: Vec<Grant>,
    /// Whose certificate proves this member's steps; `None` for members added before steps
    /// were signed (they must be added again with a certificate before they can act) or by a
    /// service that authenticates users itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<MemberIdentity>,
}

/// Who a member is, fixed when they are added: every step they take must be signed with a
/// certificate of this identity ([`super::signature::bind_member`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum MemberIdentity {
    /// The person a qualified certificate names, by SNILS and personal INN: any qualified
    /// certificate of theirs (a renewed one too) proves it.
    Person {
        /// СНИЛС, 11 digits.
        snils: String,
        /// ИНН ФЛ, 12 digits.
        inn: String,
    },
    /// One certificate, by its SHA-256 fingerprint (lower-case hex): for certificates that are
    /// not qualified or do not name the person by SNILS and INN.
    Certificate {
        /// SHA-256 of the certificate's DER.
        sha256: String,
    },
}

impl MemberIdentity {
    /// The identity `certificate` establishes: the person (SNILS and 12-digit INN) of a
    /// qualified certificate ([`RussianAttributes::is_qualified`]), else the certificate itself.
    pub fn of(certificate: &Certificate) -> Self {
        let attributes = RussianAttributes::from_certificate(certificate);
        match (&attributes.snils, &attributes.inn) {
            (Some(snils), Some(inn)) if attributes.is_qualified() && inn.len() == 12 => {
                Self::Person {
                    snils: snils.clone(),
                    inn: inn.clone(),
                }
            }
            _ => Self::Certificate {
                sha256: hex::encode(certificate.fingerprint_sha256()),
            },
        }
    }

    /// Whether `certificate` proves this identity: a qualified certificate with the same SNILS
    /// and INN, or the very certificate.
    pub fn is_proven_by(&self, certificate: &Certificate) -> bool {
        Self::of(certificate) == *self
    }
}

impl fmt::Display for MemberIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Person { snils, inn } => write!(f, "the person with SNILS {snils} and INN {inn}"),
            Self::Certificate { sha256 } => write!(f, "the certificate with SHA-256 {sha256}"),
        }
    }
}

/// A member as the members listing holds it: the organisation and the member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    /// The organisation's INN.
    pub organisation: String,
    /// The member.
    pub member: Member,
}

/// How the actor of a journal entry was authenticated, stored beside the event and covered
/// by the entry's hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Authentication {
    /// The actor signed: a detached CMS (blob `signature`) over the blob `signed` — the
    /// version's content (send, sign), the receipt (accept) or the step's notice
    /// ([`super::notice::Notice`], every other step).
    Signature {
        /// SHA-256 (hex) of the CMS blob.
        signature: String,
        /// SHA-256 (hex) of the blob it signs.
        signed: String,
        /// The signer whose certificate is the actor's.
        signer: SignerRecord,
    },
    /// A service authenticated the actor itself and says so under its name; reported by the
    /// audit and the history, never proven by the journal.
    Service {
        /// The service's name.
        by: String,
    },
    /// Nothing proven: the record of a refused signing attempt, under the name its caller gave.
    Attempt,
}

/// A right granted to a member beyond the role's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The right.
    pub right: Right,
    /// When it lapses by itself.
    pub until: Option<UnixTime>,
}

impl Member {
    /// Whether the member holds `right` at time `at` (through the role while the membership
    /// lasts, or through a grant that has not lapsed).
    pub fn has_right(&self, right: Right, at: UnixTime) -> bool {
        let live = |until: Option<UnixTime>| until.is_none_or(|u| at < u);
        if !live(self.until) {
            return false;
        }
        self.role.rights().contains(&right)
            || self
                .grants
                .iter()
                .any(|g| g.right == right && live(g.until))
    }
}

/// One content version of a document. Versions are numbered from 1 and never change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// 1, 2, 3 …
    pub number: u32,
    /// SHA-256 of the content, lower-case hex: also the content's key in the blob store.
    pub sha256: String,
    /// GOST R 34.11-2012 (Streebog-256) of the content, lower-case hex.
    pub streebog256: String,
    /// Content length in bytes.
    pub size: u64,
    /// The content's media type (e.g. `application/pdf`).
    pub media_type: String,
    /// Who made this version.
    pub author: String,
    /// When.
    pub created_at: UnixTime,
    /// For a restored version: the number of the version whose content it repeats.
    pub restored_from: Option<u32>,
}

/// Who a verified signature belongs to, as recorded in the journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerRecord {
    /// The signer certificate's subject.
    pub subject: String,
    /// SHA-256 fingerprint of the signer certificate, hex.
    pub certificate_sha256: String,
    /// The signature algorithm.
    pub algorithm: String,
    /// Whether the flow verified it ([`super::SignatureCheck::Verify`]) or took it on trust.
    pub verified: bool,
    /// The power of attorney (МЧД) the signer signed under for the organisation, when the
    /// signature is not the director's own ([`super::Flow::signing_step_with`]). Absent from
    /// the journal when there is none, so older events read and hash as they were written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchd: Option<Box<MchdRecord>>,
}

/// The power of attorney (МЧД, [`crate::mchd`]) a signing step was taken under, as the
/// journal records it: both files are kept as blobs with the step, so the audit re-checks them
/// from the store alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MchdRecord {
    /// `НомДовер`: its GUID.
    pub number: String,
    /// SHA-256 (hex) of the МЧД file in the blob store.
    pub document: String,
    /// SHA-256 (hex) of its detached CMS signature in the blob store.
    pub signature: String,
    /// The principal (the acting organisation), described.
    pub principal: String,
    /// The representative the signer was matched to.
    pub representative: String,
    /// The МЧД's signer found to be the principal (its certificate's subject).
    pub principal_signer: String,
    /// Its first day of validity.
    pub valid_from: String,
    /// Its last day of validity.
    pub valid_until: String,
    /// The power codes the organisation required for the document's kind at the time, all
    /// granted; empty when it requires none (then any valid МЧД of the organisation naming the
    /// signer is accepted, and [`MchdRecord::verdict`] says so).
    pub required_powers: Vec<String>,
    /// The legal verdict as a sentence.
    pub verdict: String,
}

/// A document as listed by a store: the latest state in one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSummary {
    /// The document's identifier.
    pub id: String,
    /// Its kind.
    pub kind: DocumentKind,
    /// Its title.
    pub title: String,
    /// The sending organisation's INN.
    pub sender: String,
    /// The receiving organisation's INN.
    pub recipient: String,
    /// Current status.
    pub status: DocumentStatus,
    /// Current version number.
    pub version: u32,
    /// When it was created.
    pub created_at: UnixTime,
    /// When it last changed.
    pub updated_at: UnixTime,
}

/// What to list: every field that is set must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentFilter {
    /// Documents this organisation (INN) sends or receives.
    pub organisation: Option<String>,
    /// Documents in this status.
    pub status: Option<DocumentStatus>,
    /// Documents of this kind.
    pub kind: Option<DocumentKind>,
    /// Documents that changed at or after this time.
    pub updated_from: Option<UnixTime>,
    /// Documents that changed before this time.
    pub updated_to: Option<UnixTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(rel: &str) -> Certificate {
        let path = format!("{}/testdata/{rel}", env!("CARGO_MANIFEST_DIR"));
        Certificate::all_from_pem_or_der(&std::fs::read(path).unwrap()).unwrap()[0].clone()
    }

    #[test]
    fn identities_of_certificates() {
        // A qualified certificate binds the person its subject names.
        let director = cert("flow/director-romashka.pem");
        let attributes = RussianAttributes::from_certificate(&director);
        assert!(attributes.is_qualified());
        let person = MemberIdentity::of(&director);
        assert_eq!(
            person,
            MemberIdentity::Person {
                snils: attributes.snils.clone().unwrap(),
                inn: attributes.inn.clone().unwrap(),
            }
        );
        assert!(person.is_proven_by(&director));
        // Another person's qualified certificate does not prove it.
        assert!(!person.is_proven_by(&cert("flow/stranger.pem")));
        // A certificate that is not qualified binds itself, even with SNILS and INN in it.
        let deputy = cert("flow/deputy-romashka.pem");
        let plain = RussianAttributes::from_certificate(&deputy);
        assert!(!plain.is_qualified() && plain.snils.is_some() && plain.inn.is_some());
        let itself = MemberIdentity::of(&deputy);
        assert_eq!(
            itself,
            MemberIdentity::Certificate {
                sha256: hex::encode(deputy.fingerprint_sha256())
            }
        );
        assert!(itself.is_proven_by(&deputy));
        assert!(!itself.is_proven_by(&cert("pki/leaf-russian.pem")));
        assert!(person.to_string().contains("SNILS"), "{person}");
        assert!(itself.to_string().contains("SHA-256"), "{itself}");
    }
}
