//! The organisation steps of [`Flow`] — registration by the director, members and grants by
//! a member holding the manage right — and [`Flow::notice`], which describes any step for its
//! actor to sign.

use super::FlowError;
use super::machine::{
    self, Actor, Command, Creation, Director, Event, OrgCommand, OrganisationState, Refusal,
};
use super::model::{MemberIdentity, Organisation, Right};
use super::notice::{Notice, NoticeStep, Proof};
use super::service::{
    Flow, NewMember, Signer, Step, hash_content, request, stream_of_organisation,
};
use super::store::{FlowStore, MemberChange};
use crate::pki::UnixTime;

impl<S: FlowStore> Flow<S> {
    /// The notice `actor` signs to take `step` now: it names the step as the flow will record
    /// it and the stream position it follows. Sign [`Notice::to_bytes`] (e.g. with
    /// [`super::FlowSigner::prove`]) and pass the result to the step's method.
    ///
    /// # Errors
    /// What loading the document or organisation gives ([`FlowError::NotFound`],
    /// [`Refusal::UnknownOrganisation`]…); [`FlowError::ContentTooLarge`].
    pub async fn notice(&self, actor: &str, step: &Step<'_>) -> Result<Notice, FlowError> {
        let (seq, step) = match *step {
            Step::RegisterOrganisation(organisation) => {
                let seq = self
                    .load(&stream_of_organisation(&organisation.inn))
                    .await?
                    .len() as u64;
                (
                    seq,
                    NoticeStep::RegisterOrganisation {
                        organisation: organisation.clone(),
                    },
                )
            }
            Step::AddMember {
                organisation,
                member,
            } => {
                let org = self.organisation(organisation).await?;
                (
                    org.seq,
                    NoticeStep::for_org_command(organisation, &add(member)),
                )
            }
            Step::Grant {
                organisation,
                user,
                right,
                until,
            } => {
                let org = self.organisation(organisation).await?;
                let command = OrgCommand::Grant {
                    user: user.into(),
                    right,
                    until,
                };
                (org.seq, NoticeStep::for_org_command(organisation, &command))
            }
            Step::RemoveMember { organisation, user } => {
                let org = self.organisation(organisation).await?;
                let command = OrgCommand::RemoveMember { user: user.into() };
                (org.seq, NoticeStep::for_org_command(organisation, &command))
            }
            Step::RequirePowers {
                organisation,
                kind,
                codes,
            } => {
                let org = self.organisation(organisation).await?;
                let command = OrgCommand::RequirePowers {
                    kind,
                    codes: codes.to_vec(),
                };
                (org.seq, NoticeStep::for_org_command(organisation, &command))
            }
            Step::Create(doc) => {
                let creation = Creation {
                    id: doc.id.clone(),
                    kind: doc.kind,
                    title: doc.title.clone(),
                    sender: doc.sender.clone(),
                    recipient: doc.recipient.clone(),
                    content: hash_content(&doc.content, &doc.media_type)?,
                };
                (0, NoticeStep::for_creation(&creation))
            }
            Step::Revise {
                document,
                content,
                media_type,
            } => {
                let command = Command::Revise {
                    content: hash_content(content, media_type)?,
                };
                self.document_notice(document, &command).await?
            }
            Step::Restore { document, version } => {
                self.document_notice(document, &Command::Restore { version })
                    .await?
            }
            Step::Return { document, comment } => {
                let command = Command::Return {
                    comment: comment.into(),
                };
                self.document_notice(document, &command).await?
            }
            Step::Reject { document, comment } => {
                let command = Command::Reject {
                    comment: comment.into(),
                };
                self.document_notice(document, &command).await?
            }
            Step::Withdraw { document } => {
                self.document_notice(document, &Command::Withdraw).await?
            }
        };
        Ok(Notice::new(actor, seq, self.now(), step))
    }

    async fn document_notice(
        &self,
        id: &str,
        command: &Command,
    ) -> Result<(u64, NoticeStep), FlowError> {
        let state = self.document(id).await?;
        let step = NoticeStep::for_command(&state, command).ok_or_else(|| {
            FlowError::Corrupt(format!(
                "{} is proven by its document signature, not a notice",
                command.kind()
            ))
        })?;
        Ok((state.seq, step))
    }

    /// Registers `organisation` with `director` as its first administrator. The proof is the
    /// director's signature over the registration notice, by a certificate that carries the
    /// organisation's INN (INNLE) and OGRN; the director is bound to that certificate's
    /// identity. On an organisation registered before steps were signed (none of its members
    /// is bound to a certificate and holds the manage right) the same step establishes its
    /// director.
    ///
    /// # Errors
    /// [`Refusal::Requisites`] for invalid requisites, [`Refusal::OrganisationExists`] if the
    /// INN is registered already, [`Refusal::Unauthenticated`] if the proof fails.
    pub async fn register_organisation(
        &self,
        director: &str,
        organisation: Organisation,
        proof: &Proof,
    ) -> Result<OrganisationState, FlowError> {
        let stream = stream_of_organisation(&organisation.inn);
        let at = self.now();
        let existing = self.load(&stream).await?;
        let step = NoticeStep::RegisterOrganisation {
            organisation: organisation.clone(),
        };
        let unbound = Director {
            user: director.into(),
            identity: None,
        };
        if existing.is_empty() {
            // Requisites first: an invalid registration is refused before any proof is read.
            machine::register(&organisation, &unbound)?;
            let proven = self
                .authenticate(
                    director,
                    0,
                    &step,
                    proof,
                    Signer::Director(&organisation),
                    at,
                )
                .await?;
            let bound = Director {
                identity: proven.identity,
                ..unbound
            };
            let events = machine::register(&organisation, &bound)?;
            let state = fold(None, &events, 0)?;
            let mut req = request(stream, 0, director, at, &events, &proven.auth);
            req.blobs = proven.blobs;
            req.organisation = Some(organisation);
            req.members = changes(&state, director);
            self.append(req).await?;
            return Ok(state);
        }
        let state = self.organisation(&organisation.inn).await?;
        if state.organisation != organisation
            || state.has_bound_manager(at)
            || matches!(proof, Proof::Service)
        {
            return Err(Refusal::OrganisationExists(organisation.inn).into());
        }
        let proven = self
            .authenticate(
                director,
                state.seq,
                &step,
                proof,
                Signer::Director(&state.organisation),
                at,
            )
            .await?;
        let bound = Director {
            identity: proven.identity,
            ..unbound
        };
        let events = machine::adopt(&state, &bound, at)?;
        let next = fold(Some(state.clone()), &events, state.seq)?;
        let mut req = request(stream, state.seq, director, at, &events, &proven.auth);
        req.blobs = proven.blobs;
        req.members = changes(&next, director);
        self.append(req).await?;
        Ok(next)
    }

    async fn administer(
        &self,
        actor: &str,
        inn: &str,
        command: OrgCommand,
        proof: &Proof,
    ) -> Result<OrganisationState, FlowError> {
        let org = self.organisation(inn).await?;
        let at = self.now();
        let member = org.members.get(actor);
        let events = machine::handle_organisation(
            &org,
            Actor {
                user: actor,
                member,
            },
            &command,
            at,
        )?;
        let step = NoticeStep::for_org_command(inn, &command);
        let member = member.ok_or_else(|| FlowError::Corrupt("administrator vanished".into()))?;
        let proven = self
            .authenticate(actor, org.seq, &step, proof, Signer::Member(member), at)
            .await?;
        let user = command.user().map(str::to_owned);
        let next = fold(Some(org.clone()), &events, org.seq)?;
        let mut req = request(
            stream_of_organisation(inn),
            org.seq,
            actor,
            at,
            &events,
            &proven.auth,
        );
        req.blobs = proven.blobs;
        req.members = user.map(|u| changes(&next, &u)).unwrap_or_default();
        self.append(req).await?;
        Ok(next)
    }

    /// Adds `member` to the organisation `inn` (replacing an earlier role, lapse time and
    /// identity), bound to the identity of their certificate. `actor` must hold the manage
    /// right there and sign the step's notice.
    ///
    /// # Errors
    /// [`Refusal::MayNot`], [`Refusal::UnknownOrganisation`], [`Refusal::IdentityTaken`],
    /// [`Refusal::CertificateRequired`], [`Refusal::Unauthenticated`],
    /// [`FlowError::Conflict`].
    pub async fn add_member(
        &self,
        actor: &str,
        inn: &str,
        member: &NewMember,
        proof: &Proof,
    ) -> Result<OrganisationState, FlowError> {
        if member.certificate.is_none() && self.service.is_none() {
            return Err(Refusal::CertificateRequired(member.user.clone()).into());
        }
        self.administer(actor, inn, add(member), proof).await
    }

    /// Grants `right` to member `user` beyond their role, lapsing at `until`.
    ///
    /// # Errors
    /// As [`Flow::add_member`], and [`Refusal::NotMember`].
    pub async fn grant(
        &self,
        actor: &str,
        inn: &str,
        user: &str,
        right: Right,
        until: Option<UnixTime>,
        proof: &Proof,
    ) -> Result<OrganisationState, FlowError> {
        let command = OrgCommand::Grant {
            user: user.into(),
            right,
            until,
        };
        self.administer(actor, inn, command, proof).await
    }

    /// Removes member `user`.
    ///
    /// # Errors
    /// As [`Flow::add_member`], and [`Refusal::NotMember`].
    pub async fn remove_member(
        &self,
        actor: &str,
        inn: &str,
        user: &str,
        proof: &Proof,
    ) -> Result<OrganisationState, FlowError> {
        let command = OrgCommand::RemoveMember { user: user.into() };
        self.administer(actor, inn, command, proof).await
    }
}

impl<S: FlowStore> Flow<S> {
    /// Requires the power codes `codes` (`МашПолн/@КодПолн`) of every МЧД the organisation
    /// `inn`'s employees sign documents of `kind` under ([`Flow::signing_step_with`]); empty
    /// `codes` lift the requirement, and then any valid МЧД of the organisation naming the
    /// signer is accepted (the step's record says so). `actor` must hold the manage right and
    /// sign the step's notice ([`Step::RequirePowers`]).
    ///
    /// # Errors
    /// [`Refusal::InvalidPowers`], [`Refusal::MayNot`], [`Refusal::UnknownOrganisation`],
    /// [`Refusal::Unauthenticated`], [`FlowError::Conflict`].
    pub async fn require_powers(
        &self,
        actor: &str,
        inn: &str,
        kind: super::model::DocumentKind,
        codes: &[String],
        proof: &Proof,
    ) -> Result<OrganisationState, FlowError> {
        let command = OrgCommand::RequirePowers {
            kind,
            codes: codes.to_vec(),
        };
        self.administer(actor, inn, command, proof).await
    }
}

fn add(member: &NewMember) -> OrgCommand {
    OrgCommand::AddMember {
        user: member.user.clone(),
        role: member.role,
        until: member.until,
        identity: member.certificate.as_ref().map(MemberIdentity::of),
    }
}

fn fold(
    state: Option<OrganisationState>,
    events: &[Event],
    seq: u64,
) -> Result<OrganisationState, FlowError> {
    let mut state = state;
    for (i, e) in events.iter().enumerate() {
        state = Some(machine::apply_organisation(state, e, seq + i as u64 + 1)?);
    }
    state.ok_or_else(|| FlowError::Corrupt("no organisation events".into()))
}

/// The member listing row of `user` after the change.
fn changes(state: &OrganisationState, user: &str) -> Vec<MemberChange> {
    vec![MemberChange {
        organisation: state.organisation.inn.clone(),
        user: user.into(),
        member: state.members.get(user).cloned(),
    }]
}
