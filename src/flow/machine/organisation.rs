//! The organisation side of the state machine: registration with its director, membership
//! and rights, pure like the document side — [`handle_organisation`] decides, and
//! [`apply_organisation`] folds.

use serde::Serialize;

use super::{
    Actor, Event, Inapplicable, MAX_POWER_CODE_LEN, MAX_REQUIRED_POWERS, Refusal, valid_user,
};
use crate::flow::model::{DocumentKind, Grant, Member, MemberIdentity, Organisation, Right, Role};
use crate::pki::UnixTime;
use crate::requisites::{Inn, Kpp, Ogrn};

/// An organisation as its events left it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrganisationState {
    /// Requisites and name.
    pub organisation: Organisation,
    /// Members by user id, in order of the user id.
    pub members: std::collections::BTreeMap<String, Member>,
    /// The power codes an МЧД must grant, per document kind ([`Event::PowersRequired`]); a
    /// kind not listed requires none.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub powers: std::collections::BTreeMap<DocumentKind, Vec<String>>,
    /// Sequence number of the last event applied.
    pub seq: u64,
}

impl OrganisationState {
    /// The member bound to `identity`, if any.
    pub fn member_with(&self, identity: &MemberIdentity) -> Option<&Member> {
        self.members
            .values()
            .find(|m| m.identity.as_ref() == Some(identity))
    }

    /// Whether a member bound to a certificate identity holds the manage right at `at`: an
    /// organisation without one (registered before steps were signed) may have its director
    /// established by [`adopt`].
    pub fn has_bound_manager(&self, at: UnixTime) -> bool {
        self.members
            .values()
            .any(|m| m.identity.is_some() && m.has_right(Right::Manage, at))
    }

    /// The power codes an МЧД must grant for a document of `kind` (empty: none required).
    pub fn required_powers(&self, kind: DocumentKind) -> &[String] {
        self.powers.get(&kind).map_or(&[], Vec::as_slice)
    }
}

/// The organisation's first administrator: its director, whose certificate carries the
/// organisation's INN and OGRN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Director {
    /// The director's user id.
    pub user: String,
    /// The director's identity (`None` only when a service authenticates users itself).
    pub identity: Option<MemberIdentity>,
}

/// What an administrator asks of an organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrgCommand {
    /// Add a member (or replace their role, lapse time and identity).
    AddMember {
        /// The user.
        user: String,
        /// The role.
        role: Role,
        /// When the membership lapses.
        until: Option<UnixTime>,
        /// The certificate identity that proves the member's steps.
        identity: Option<MemberIdentity>,
    },
    /// Grant a right beyond the member's role.
    Grant {
        /// The member.
        user: String,
        /// The right.
        right: Right,
        /// When it lapses.
        until: Option<UnixTime>,
    },
    /// Remove a member.
    RemoveMember {
        /// The member.
        user: String,
    },
    /// Require these power codes of an МЧД for documents of `kind` (empty: lift it).
    RequirePowers {
        /// The document kind.
        kind: DocumentKind,
        /// The codes.
        codes: Vec<String>,
    },
}

impl OrgCommand {
    /// The member the command is about (`None` for an organisation-wide setting).
    pub fn user(&self) -> Option<&str> {
        match self {
            Self::AddMember { user, .. }
            | Self::Grant { user, .. }
            | Self::RemoveMember { user } => Some(user),
            Self::RequirePowers { .. } => None,
        }
    }
}

/// Registers `organisation` with `director` as its first administrator: the requisites must
/// be valid (INN, OGRN or OGRNIP, KPP) and the name not empty.
///
/// # Errors
/// [`Refusal::Requisites`], or [`Refusal::InvalidUser`] for the director's name.
pub fn register(organisation: &Organisation, director: &Director) -> Result<Vec<Event>, Refusal> {
    let requisites = |e: crate::requisites::RequisiteError| Refusal::Requisites(e.to_string());
    Inn::parse(&organisation.inn).map_err(requisites)?;
    Ogrn::parse(&organisation.ogrn).map_err(requisites)?;
    if let Some(kpp) = &organisation.kpp {
        Kpp::parse(kpp).map_err(requisites)?;
    }
    if organisation.name.trim().is_empty() {
        return Err(Refusal::Requisites(
            "the organisation's name is empty".into(),
        ));
    }
    valid_user(&director.user)?;
    Ok(vec![
        Event::OrganisationRegistered {
            organisation: organisation.clone(),
        },
        director_added(director),
    ])
}

fn director_added(director: &Director) -> Event {
    Event::MemberAdded {
        user: director.user.clone(),
        role: Role::Administrator,
        until: None,
        identity: director.identity.clone(),
    }
}

/// Establishes `director` as administrator of an organisation registered before steps were
/// signed (no member bound to a certificate holds the manage right).
///
/// # Errors
/// [`Refusal::OrganisationExists`] if the organisation has a bound administrator already.
pub fn adopt(
    state: &OrganisationState,
    director: &Director,
    at: UnixTime,
) -> Result<Vec<Event>, Refusal> {
    if state.has_bound_manager(at) || director.identity.is_none() {
        return Err(Refusal::OrganisationExists(state.organisation.inn.clone()));
    }
    valid_user(&director.user)?;
    if let Some(other) = director
        .identity
        .as_ref()
        .and_then(|i| state.member_with(i))
        .filter(|m| m.user != director.user)
    {
        return Err(Refusal::IdentityTaken {
            identity: director
                .identity
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            member: other.user.clone(),
            organisation: state.organisation.inn.clone(),
        });
    }
    Ok(vec![director_added(director)])
}

/// Decides what `command` by `actor` at `at` does to the organisation: the actor must hold
/// the manage right there; a grant needs an existing member; a certificate identity binds one
/// member only.
///
/// # Errors
/// [`Refusal::MayNot`], [`Refusal::NotMember`], [`Refusal::IdentityTaken`],
/// [`Refusal::InvalidUser`].
pub fn handle_organisation(
    state: &OrganisationState,
    actor: Actor<'_>,
    command: &OrgCommand,
    at: UnixTime,
) -> Result<Vec<Event>, Refusal> {
    let inn = &state.organisation.inn;
    if !actor.member.is_some_and(|m| m.has_right(Right::Manage, at)) {
        return Err(Refusal::MayNot {
            user: actor.user.into(),
            action: "manage members",
            right: Right::Manage,
            organisation: inn.clone(),
        });
    }
    Ok(vec![match command {
        OrgCommand::AddMember {
            user,
            role,
            until,
            identity,
        } => {
            valid_user(user)?;
            if let Some(other) = identity
                .as_ref()
                .and_then(|i| state.member_with(i))
                .filter(|m| m.user != *user)
            {
                return Err(Refusal::IdentityTaken {
                    identity: identity
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    member: other.user.clone(),
                    organisation: inn.clone(),
                });
            }
            Event::MemberAdded {
                user: user.clone(),
                role: *role,
                until: *until,
                identity: identity.clone(),
            }
        }
        OrgCommand::Grant { user, right, until } => {
            if !state.members.contains_key(user) {
                return Err(Refusal::NotMember {
                    user: user.clone(),
                    organisation: inn.clone(),
                    side: "granting",
                });
            }
            Event::RightGranted {
                user: user.clone(),
                right: *right,
                until: *until,
            }
        }
        OrgCommand::RemoveMember { user } => {
            if !state.members.contains_key(user) {
                return Err(Refusal::NotMember {
                    user: user.clone(),
                    organisation: inn.clone(),
                    side: "removing",
                });
            }
            Event::MemberRemoved { user: user.clone() }
        }
        OrgCommand::RequirePowers { kind, codes } => Event::PowersRequired {
            kind: *kind,
            codes: valid_codes(codes)?,
        },
    }])
}

/// `codes` checked and with repeats dropped (in the given order).
fn valid_codes(codes: &[String]) -> Result<Vec<String>, Refusal> {
    if codes.len() > MAX_REQUIRED_POWERS {
        return Err(Refusal::InvalidPowers(format!(
            "{} codes, at most {MAX_REQUIRED_POWERS} are accepted",
            codes.len()
        )));
    }
    let mut out: Vec<String> = Vec::with_capacity(codes.len());
    for c in codes {
        if c.trim().is_empty() || c.len() > MAX_POWER_CODE_LEN || c.chars().any(char::is_control) {
            return Err(Refusal::InvalidPowers(format!(
                "{c:?}: a code is 1 to {MAX_POWER_CODE_LEN} bytes without control characters"
            )));
        }
        if !out.contains(c) {
            out.push(c.clone());
        }
    }
    Ok(out)
}

/// Folds an organisation stream's event into its state.
///
/// # Errors
/// [`Inapplicable`] for an event that does not fit.
pub fn apply_organisation(
    state: Option<OrganisationState>,
    event: &Event,
    seq: u64,
) -> Result<OrganisationState, Inapplicable> {
    let bad = |reason: &str| Inapplicable {
        seq,
        event: event.name(),
        reason: reason.into(),
    };
    let mut s = match (state, event) {
        (None, Event::OrganisationRegistered { organisation }) => {
            return Ok(OrganisationState {
                organisation: organisation.clone(),
                members: Default::default(),
                powers: Default::default(),
                seq,
            });
        }
        (None, _) => {
            return Err(bad(
                "an organisation stream must start with its registration",
            ));
        }
        (Some(_), Event::OrganisationRegistered { .. }) => {
            return Err(bad("organisation registered twice"));
        }
        (Some(s), _) => s,
    };
    match event {
        Event::MemberAdded {
            user,
            role,
            until,
            identity,
        } => {
            let grants = s.members.remove(user).map(|m| m.grants).unwrap_or_default();
            s.members.insert(
                user.clone(),
                Member {
                    user: user.clone(),
                    role: *role,
                    until: *until,
                    grants,
                    identity: identity.clone(),
                },
            );
        }
        Event::RightGranted { user, right, until } => {
            let m = s
                .members
                .get_mut(user)
                .ok_or_else(|| bad("a right granted to a non-member"))?;
            m.grants.push(Grant {
                right: *right,
                until: *until,
            });
        }
        Event::MemberRemoved { user } => {
            s.members.remove(user);
        }
        Event::PowersRequired { kind, codes } => {
            if codes.is_empty() {
                s.powers.remove(kind);
            } else {
                s.powers.insert(*kind, codes.clone());
            }
        }
        _ => return Err(bad("a document event in an organisation stream")),
    }
    s.seq = seq;
    Ok(s)
}
