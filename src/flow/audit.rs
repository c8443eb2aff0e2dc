//! The audit: everything the store holds, checked against the journal alone.
//!
//! One pass over the journal in store-wide order ([`Auditor`] for the hash chains), replaying
//! every organisation and document stream. Each event is re-derived through the pure state
//! machine from the state before it — so the step was allowed then, by a member holding the
//! right at that time — and its proof is re-verified: the notice or document signature
//! verifies at the event's time, its certificate is the acting member's (a registration's:
//! the organisation's), and the notice names exactly this step. Every blob an event
//! references is read and checked against its key (content also against the version's
//! Streebog hash). Events from before steps were signed are replayed unchecked and counted;
//! events a service vouched for are checked for rights and counted under its name. The first
//! failing event ends the pass; when none fails, the listings are compared with the journal's
//! projections, row by row.

use std::collections::{BTreeMap, HashSet, VecDeque};

use serde::Serialize;

use super::FlowError;
use super::authority::{self, AsRecorded, MchdEvidence, MchdInput};
use super::journal::{
    AuditReport, Auditor, BreakKind, BrokenLink, JournalEntry, ListingDifference,
};
use super::machine::{
    self, AcceptedSignature, Actor, Command, Creation, Director, DocumentState, Event, NewContent,
    OrgCommand, OrganisationState, SigningStep,
};
use super::model::{Authentication, DocumentFilter, Member, MemberIdentity, MemberRow, Version};
use super::notice::{Notice, NoticeStep};
use super::service::verify_blob;
use super::sha256_hex;
use super::signature::{Expected, FoundSigner, SignatureCheck, receipt, select};
use super::store::{FlowStore, JOURNAL_PAGE, Listings, StoreError};

/// Runs the audit; returns the report and, when no event failed, the journal's projections.
///
/// `service` names the service whose word is taken for who acted (see
/// [`super::Flow::with_service_authentication`]); an event on any other service's word fails.
pub(super) async fn run<S: FlowStore>(
    store: &S,
    check: &SignatureCheck,
    service: Option<&str>,
) -> Result<(AuditReport, Option<Listings>), FlowError> {
    let head = store.head().await?;
    let unsigned_until = store.unsigned_until().await?;
    let mut audit = Audit {
        check,
        accepted_service: service,
        unsigned_until,
        orgs: BTreeMap::new(),
        docs: BTreeMap::new(),
        blobs: HashSet::new(),
        pending: VecDeque::new(),
        signed: 0,
        unsigned: 0,
        attempts: 0,
        service: BTreeMap::new(),
    };
    let mut chain = Auditor::new();
    let mut broken = None;
    let mut after = 0;
    'pages: loop {
        let page = store.journal_page(after, JOURNAL_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.global_seq;
        for e in &page {
            chain.feed(e);
            if chain.is_broken() {
                break 'pages;
            }
            if let Err(b) = audit.entry(store, e).await {
                broken = Some(b);
                break 'pages;
            }
        }
    }
    let mut report = chain.finish(head);
    if broken.is_some() {
        report.broken = broken;
    } else if report.broken.is_none()
        && let Some(p) = audit.pending.front()
    {
        report.broken = Some(BrokenLink {
            kind: BreakKind::Event,
            global_seq: report.events,
            stream: p.stream.clone(),
            seq: 0,
            reason: format!(
                "the journal ends inside a step: its {} event is missing",
                p.event.name()
            ),
        });
    }
    report.signed = audit.signed;
    report.signatures_verified = check.verifies();
    report.unsigned = audit.unsigned;
    report.attempts = audit.attempts;
    report.blobs = audit.blobs.len() as u64;
    report.service = std::mem::take(&mut audit.service);
    report.tree = super::checkpoint::audit(store, check).await?;
    if report.broken.is_some() {
        return Ok((report, None));
    }
    let projections = audit.projections();
    report.listings = compare(store, &projections).await?;
    report.listings_compared = true;
    Ok((report, Some(projections)))
}

/// An event the step before it also made, still to come (in the same append).
/// A notice read back from its blob, with the blob and the CMS over it.
struct SignedNotice {
    notice: Notice,
    bytes: Vec<u8>,
    cms: Vec<u8>,
}

/// The organisation on whose behalf a step was taken, and the member who took it.
struct ActingFor<'a> {
    org: &'a OrganisationState,
    member: Option<&'a Member>,
}

struct Pending {
    stream: String,
    at: crate::pki::UnixTime,
    actor: String,
    auth_json: Option<String>,
    event: Event,
}

struct Audit<'c> {
    check: &'c SignatureCheck,
    accepted_service: Option<&'c str>,
    unsigned_until: u64,
    orgs: BTreeMap<String, OrganisationState>,
    docs: BTreeMap<String, DocumentState>,
    blobs: HashSet<String>,
    pending: VecDeque<Pending>,
    signed: u64,
    unsigned: u64,
    attempts: u64,
    service: BTreeMap<String, u64>,
}

fn fail(e: &JournalEntry, kind: BreakKind, reason: impl Into<String>) -> BrokenLink {
    BrokenLink {
        kind,
        global_seq: e.global_seq,
        stream: e.stream.clone(),
        seq: e.seq,
        reason: reason.into(),
    }
}

/// The document command an event records (`None` for events no command makes directly).
fn command_of(event: &Event) -> Option<Command> {
    let accepted = |blob: &str, signer: &super::model::SignerRecord| AcceptedSignature {
        blob: blob.into(),
        signer: signer.clone(),
    };
    Some(match event {
        Event::VersionAdded { version } => match version.restored_from {
            Some(from) => Command::Restore { version: from },
            None => Command::Revise {
                content: content_of(version),
            },
        },
        Event::Sent {
            signature, signer, ..
        } => Command::Send {
            signature: accepted(signature, signer),
        },
        Event::Accepted {
            receipt,
            signature,
            signer,
            ..
        } => Command::Accept {
            receipt: receipt.clone(),
            signature: accepted(signature, signer),
        },
        Event::Signed {
            signature, signer, ..
        } => Command::Sign {
            signature: accepted(signature, signer),
        },
        Event::Returned { comment, .. } => Command::Return {
            comment: comment.clone(),
        },
        Event::Rejected { comment, .. } => Command::Reject {
            comment: comment.clone(),
        },
        Event::Withdrawn { .. } => Command::Withdraw,
        _ => return None,
    })
}

fn content_of(v: &Version) -> NewContent {
    NewContent {
        sha256: v.sha256.clone(),
        streebog256: v.streebog256.clone(),
        size: v.size,
        media_type: v.media_type.clone(),
    }
}

impl Audit<'_> {
    /// Checks one entry (the chain already holds up to it) and folds it into the state.
    async fn entry<S: FlowStore>(&mut self, store: &S, e: &JournalEntry) -> Result<(), BrokenLink> {
        let event = e
            .event()
            .map_err(|x| fail(e, BreakKind::Event, x.to_string()))?;
        let auth = e
            .authentication()
            .map_err(|x| fail(e, BreakKind::Event, x.to_string()))?;
        if let Some(p) = self.pending.pop_front() {
            if p.stream != e.stream
                || p.at != e.at
                || p.actor != e.actor
                || p.auth_json != e.auth_json
                || p.event != event
            {
                return Err(fail(
                    e,
                    BreakKind::Event,
                    format!(
                        "the step before it makes {} here (same stream, time, actor and proof); \
                         the journal has {}",
                        p.event.name(),
                        event.name()
                    ),
                ));
            }
            return self.apply(e, &event);
        }
        let auth = match auth {
            None if e.global_seq <= self.unsigned_until => {
                self.unsigned += 1;
                return self.apply(e, &event);
            }
            None => {
                return Err(fail(
                    e,
                    BreakKind::Binding,
                    format!(
                        "the event carries no authentication (unsigned); only the {} events \
                         written before steps were signed may",
                        self.unsigned_until
                    ),
                ));
            }
            Some(Authentication::Attempt) => {
                if !matches!(event, Event::SigningRefused { .. }) {
                    return Err(fail(
                        e,
                        BreakKind::Binding,
                        format!(
                            "{} is recorded unproven, which only a refused signing attempt may be",
                            event.name()
                        ),
                    ));
                }
                self.attempts += 1;
                return self.apply(e, &event);
            }
            Some(a) => a,
        };
        match &auth {
            Authentication::Service { by } if self.accepted_service != Some(by.as_str()) => {
                return Err(fail(
                    e,
                    BreakKind::Binding,
                    format!(
                        "the step is recorded on the word of service {by:?}, which this audit \
                         does not take (a flow built with_service_authentication({by:?}) does)"
                    ),
                ));
            }
            Authentication::Service { by } => *self.service.entry(by.clone()).or_default() += 1,
            _ => self.signed += 1,
        }
        let expected = if let Some(inn) = e.stream.strip_prefix("org:") {
            self.organisation_entry(store, e, inn, &event, &auth)
                .await?
        } else if let Some(id) = e.stream.strip_prefix("doc:") {
            self.document_entry(store, e, id, &event, &auth).await?
        } else {
            return Err(fail(e, BreakKind::Event, "an event of an unknown stream"));
        };
        let mut made = expected.into_iter();
        match made.next() {
            Some(first) if first == event => {}
            first => {
                return Err(fail(
                    e,
                    BreakKind::Event,
                    format!(
                        "the journal's {} is not what its step makes ({}): {}",
                        event.name(),
                        first.as_ref().map_or("nothing", Event::name),
                        json(&event)
                    ),
                ));
            }
        }
        for event in made {
            self.pending.push_back(Pending {
                stream: e.stream.clone(),
                at: e.at,
                actor: e.actor.clone(),
                auth_json: e.auth_json.clone(),
                event,
            });
        }
        self.apply(e, &event)
    }

    fn apply(&mut self, e: &JournalEntry, event: &Event) -> Result<(), BrokenLink> {
        let bad = |x: String| fail(e, BreakKind::Event, x);
        if let Some(inn) = e.stream.strip_prefix("org:") {
            let state = self.orgs.remove(inn);
            let next =
                machine::apply_organisation(state, event, e.seq).map_err(|x| bad(x.to_string()))?;
            if next.organisation.inn != inn {
                return Err(bad(format!(
                    "the stream of {inn} registers {}",
                    next.organisation.inn
                )));
            }
            self.orgs.insert(inn.into(), next);
        } else if let Some(id) = e.stream.strip_prefix("doc:") {
            let state = self.docs.remove(id);
            let next = machine::apply(state, event, e.seq, e.at).map_err(|x| bad(x.to_string()))?;
            if next.id != id {
                return Err(bad(format!("the stream of {id} creates {}", next.id)));
            }
            self.docs.insert(id.into(), next);
        } else {
            return Err(bad("an event of an unknown stream".into()));
        }
        Ok(())
    }

    /// What the organisation step recorded by `event` makes, after checking its proof.
    async fn organisation_entry<S: FlowStore>(
        &mut self,
        store: &S,
        e: &JournalEntry,
        inn: &str,
        event: &Event,
        auth: &Authentication,
    ) -> Result<Vec<Event>, BrokenLink> {
        let refused = |r: machine::Refusal| fail(e, BreakKind::Right, r.to_string());
        let Some(state) = self.orgs.get(inn).cloned() else {
            let Event::OrganisationRegistered { organisation } = event else {
                return Err(fail(
                    e,
                    BreakKind::Event,
                    "an organisation stream must start with its registration",
                ));
            };
            let identity = match auth {
                Authentication::Signature { .. } => {
                    let notice = self.notice(store, e, auth).await?;
                    let step = NoticeStep::RegisterOrganisation {
                        organisation: organisation.clone(),
                    };
                    let expected = Expected {
                        member: None,
                        organisation: Some(organisation),
                        exclude: &[],
                    };
                    let found = self
                        .notice_signer(e, auth, &notice, &step, expected)
                        .await?;
                    found.certificate.as_ref().map(MemberIdentity::of)
                }
                _ => None,
            };
            let director = Director {
                user: e.actor.clone(),
                identity,
            };
            return machine::register(organisation, &director).map_err(refused);
        };
        let command = match event {
            Event::MemberAdded {
                user,
                role,
                until,
                identity,
            } => OrgCommand::AddMember {
                user: user.clone(),
                role: *role,
                until: *until,
                identity: identity.clone(),
            },
            Event::RightGranted { user, right, until } => OrgCommand::Grant {
                user: user.clone(),
                right: *right,
                until: *until,
            },
            Event::MemberRemoved { user } => OrgCommand::RemoveMember { user: user.clone() },
            Event::PowersRequired { kind, codes } => OrgCommand::RequirePowers {
                kind: *kind,
                codes: codes.clone(),
            },
            other => {
                return Err(fail(
                    e,
                    BreakKind::Event,
                    format!("{} cannot follow in an organisation stream", other.name()),
                ));
            }
        };
        let Authentication::Signature { .. } = auth else {
            // A service's word: the rights are still checked.
            let member = state.members.get(&e.actor);
            return machine::handle_organisation(
                &state,
                Actor {
                    user: &e.actor,
                    member,
                },
                &command,
                e.at,
            )
            .map_err(refused);
        };
        let notice = self.notice(store, e, auth).await?;
        if let NoticeStep::RegisterOrganisation { .. } = notice.notice.step {
            // A director established over an organisation registered before steps were signed.
            let step = NoticeStep::RegisterOrganisation {
                organisation: state.organisation.clone(),
            };
            let expected = Expected {
                member: None,
                organisation: Some(&state.organisation),
                exclude: &[],
            };
            let found = self
                .notice_signer(e, auth, &notice, &step, expected)
                .await?;
            let director = Director {
                user: e.actor.clone(),
                identity: found.certificate.as_ref().map(MemberIdentity::of),
            };
            return machine::adopt(&state, &director, e.at).map_err(refused);
        }
        let member = state.members.get(&e.actor);
        let events = machine::handle_organisation(
            &state,
            Actor {
                user: &e.actor,
                member,
            },
            &command,
            e.at,
        )
        .map_err(refused)?;
        let member = member.ok_or_else(|| fail(e, BreakKind::Right, "not a member"))?;
        let step = NoticeStep::for_org_command(inn, &command);
        self.notice_signer(e, auth, &notice, &step, member_signer(member))
            .await?;
        Ok(events)
    }

    /// What the document step recorded by `event` makes, after checking its blobs and proof.
    async fn document_entry<S: FlowStore>(
        &mut self,
        store: &S,
        e: &JournalEntry,
        id: &str,
        event: &Event,
        auth: &Authentication,
    ) -> Result<Vec<Event>, BrokenLink> {
        let refused = |r: machine::Refusal| fail(e, BreakKind::Right, r.to_string());
        let Some(state) = self.docs.get(id).cloned() else {
            let Event::DocumentCreated {
                id,
                kind,
                title,
                sender,
                recipient,
                version,
            } = event
            else {
                return Err(fail(
                    e,
                    BreakKind::Event,
                    "a document stream must start with document_created",
                ));
            };
            let org = |inn: &str| {
                self.orgs.get(inn).cloned().ok_or_else(|| {
                    fail(
                        e,
                        BreakKind::Event,
                        format!("organisation {inn} is not registered"),
                    )
                })
            };
            let (sender_org, recipient_org) = (org(sender)?, org(recipient)?);
            let creation = Creation {
                id: id.clone(),
                kind: *kind,
                title: title.clone(),
                sender: sender.clone(),
                recipient: recipient.clone(),
                content: content_of(version),
            };
            let member = sender_org.members.get(&e.actor);
            let actor = Actor {
                user: &e.actor,
                member,
            };
            let events = machine::create(&sender_org, &recipient_org, actor, &creation, e.at)
                .map_err(refused)?;
            self.content(store, e, id, version).await?;
            if let (Authentication::Signature { .. }, Some(member)) = (auth, member) {
                let notice = self.notice(store, e, auth).await?;
                let step = NoticeStep::for_creation(&creation);
                self.notice_signer(e, auth, &notice, &step, member_signer(member))
                    .await?;
            }
            return Ok(events);
        };
        let Some(command) = command_of(event) else {
            return Err(fail(
                e,
                BreakKind::Event,
                format!(
                    "{} is not a step of its own here (archived follows signed in one append; a \
                     refused attempt is recorded as one)",
                    event.name()
                ),
            ));
        };
        let (side, _) = command.kind().actor();
        let org = self
            .orgs
            .get(state.organisation(side))
            .cloned()
            .ok_or_else(|| fail(e, BreakKind::Event, "the acting organisation is unknown"))?;
        let member = org.members.get(&e.actor);
        let actor = Actor {
            user: &e.actor,
            member,
        };
        let events = machine::handle(&state, actor, &command, e.at).map_err(refused)?;
        if let Command::Revise { .. } = command
            && let Event::VersionAdded { version } = event
        {
            self.content(store, e, id, version).await?;
        }
        match (&command, auth, member) {
            (Command::Send { .. } | Command::Accept { .. } | Command::Sign { .. }, _, _) => {
                self.signing(
                    store,
                    e,
                    &state,
                    ActingFor { org: &org, member },
                    &command,
                    auth,
                )
                .await?;
            }
            (_, Authentication::Signature { .. }, Some(member)) => {
                let notice = self.notice(store, e, auth).await?;
                let step = NoticeStep::for_command(&state, &command)
                    .ok_or_else(|| fail(e, BreakKind::Event, "a step without a notice"))?;
                self.notice_signer(e, auth, &notice, &step, member_signer(member))
                    .await?;
            }
            _ => {}
        }
        Ok(events)
    }

    /// Re-verifies a signing step: the CMS over the content (send, sign) or the receipt
    /// (accept) at the event's time, its signer bound to the organisation and — when the step
    /// was signed, not vouched for — to the member, and the authentication record agreeing.
    async fn signing<S: FlowStore>(
        &mut self,
        store: &S,
        e: &JournalEntry,
        state: &DocumentState,
        acting: ActingFor<'_>,
        command: &Command,
        auth: &Authentication,
    ) -> Result<(), BrokenLink> {
        let ActingFor { org, member } = acting;
        let (signature, signed) = match command {
            Command::Send { signature } | Command::Sign { signature } => {
                let content = self.content(store, e, &state.id, state.current()).await?;
                (signature, content)
            }
            Command::Accept {
                receipt: key,
                signature,
            } => {
                let bytes = self.blob(store, e, key, "the receipt").await?;
                if bytes != receipt(state) {
                    return Err(fail(
                        e,
                        BreakKind::Signature,
                        "the receipt signed is not the receipt of this version",
                    ));
                }
                (signature, bytes)
            }
            _ => return Ok(()),
        };
        let cms = self
            .blob(store, e, &signature.blob, "the signature")
            .await?;
        let checked = self.check.signers_off_executor(&cms, signed, e.at).await;
        let signed = checked.content;
        let signers = checked
            .result
            .map_err(|x| fail(e, BreakKind::Signature, x))?;
        let sender: Vec<String> = match (
            command,
            state.step(SigningStep::Sent, state.current().number),
        ) {
            (Command::Sign { .. }, Some(step)) => vec![step.signer.certificate_sha256.clone()],
            _ => Vec::new(),
        };
        if let Some(missing) = sender
            .iter()
            .find(|s| !signers.iter().any(|f| f.record.certificate_sha256 == **s))
        {
            return Err(fail(
                e,
                BreakKind::Signature,
                format!("the co-signature does not carry the sender's signature ({missing})"),
            ));
        }
        let bound_member = match auth {
            Authentication::Signature {
                signature: a_sig,
                signed: a_signed,
                signer,
            } => {
                if *a_sig != signature.blob
                    || *a_signed != sha256_hex(&signed)
                    || signer.certificate_sha256 != signature.signer.certificate_sha256
                {
                    return Err(fail(
                        e,
                        BreakKind::Binding,
                        "its authentication record does not name the event's own signature",
                    ));
                }
                Some(member.ok_or_else(|| fail(e, BreakKind::Right, "not a member"))?)
            }
            _ => {
                if member.is_some_and(|m| m.identity.is_some()) {
                    return Err(fail(
                        e,
                        BreakKind::Binding,
                        format!(
                            "{} is bound to a certificate, yet the step is recorded on a \
                             service's word",
                            e.actor
                        ),
                    ));
                }
                None
            }
        };
        let mchd = signature.signer.mchd.as_ref();
        let expected = Expected {
            member: bound_member,
            // Under an МЧД the signer's certificate is personal: the МЧД binds it.
            organisation: mchd.is_none().then_some(&org.organisation),
            exclude: &sender,
        };
        let found = select(&signers, expected).map_err(|x| fail(e, BreakKind::Binding, x))?;
        if found.record.certificate_sha256 != signature.signer.certificate_sha256 {
            return Err(fail(
                e,
                BreakKind::Binding,
                format!(
                    "the journal names the signer {}, the signature proves {}",
                    signature.signer.certificate_sha256, found.record.certificate_sha256
                ),
            ));
        }
        if let Some(record) = mchd {
            let evidence = MchdEvidence {
                document: self.blob(store, e, &record.document, "the МЧД").await?,
                signature: self
                    .blob(store, e, &record.signature, "the МЧД's signature")
                    .await?,
            };
            if !self.check.verifies() {
                // Signatures taken on the caller's word: the МЧД's blobs are checked, not its
                // signature (an МЧД is only ever accepted by a verifying flow).
                return Ok(());
            }
            let input = MchdInput {
                evidence,
                organisation: org.organisation.clone(),
                kind: state.kind,
                required: org.required_powers(state.kind).to_vec(),
                signer: found.clone(),
                at: e.at,
            };
            let again = authority::check_off_executor(
                self.check,
                input,
                Some(std::sync::Arc::new(AsRecorded) as authority::Revocation),
            )
            .await
            .map_err(|x| fail(e, BreakKind::Binding, x))?;
            if again != **record {
                return Err(fail(
                    e,
                    BreakKind::Binding,
                    format!(
                        "the journal's МЧД record is not what its МЧД gives: recorded {:?}, \
                         checked {:?}",
                        record.verdict, again.verdict
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The notice and its signature of a signed step, read and checked against their keys.
    async fn notice<S: FlowStore>(
        &mut self,
        store: &S,
        e: &JournalEntry,
        auth: &Authentication,
    ) -> Result<SignedNotice, BrokenLink> {
        let Authentication::Signature {
            signature, signed, ..
        } = auth
        else {
            return Err(fail(e, BreakKind::Binding, "no signature"));
        };
        let bytes = self.blob(store, e, signed, "the notice").await?;
        let cms = self
            .blob(store, e, signature, "the notice's signature")
            .await?;
        let notice = Notice::parse(&bytes)
            .map_err(|x| fail(e, BreakKind::Signature, format!("its notice: {x}")))?;
        Ok(SignedNotice { notice, bytes, cms })
    }

    /// Checks that `notice` is exactly `step` by the entry's actor at its position and time,
    /// and that `cms` over it verifies by the signer `expected` asks for — the one the
    /// journal names.
    async fn notice_signer(
        &self,
        e: &JournalEntry,
        auth: &Authentication,
        signed: &SignedNotice,
        step: &NoticeStep,
        expected: Expected<'_>,
    ) -> Result<FoundSigner, BrokenLink> {
        let SignedNotice { notice, bytes, cms } = signed;
        notice
            .check(&e.actor, e.seq.saturating_sub(1), step, e.at)
            .map_err(|x| fail(e, BreakKind::Signature, x.to_string()))?;
        let signers = self
            .check
            .signers_off_executor(cms, bytes.to_vec(), e.at)
            .await
            .result
            .map_err(|x| fail(e, BreakKind::Signature, x))?;
        let found = select(&signers, expected).map_err(|x| fail(e, BreakKind::Binding, x))?;
        if let Authentication::Signature { signer, .. } = auth
            && signer.certificate_sha256 != found.record.certificate_sha256
        {
            return Err(fail(
                e,
                BreakKind::Binding,
                format!(
                    "the journal names the signer {}, the signature proves {}",
                    signer.certificate_sha256, found.record.certificate_sha256
                ),
            ));
        }
        Ok(found.clone())
    }

    async fn blob<S: FlowStore>(
        &mut self,
        store: &S,
        e: &JournalEntry,
        key: &str,
        what: &str,
    ) -> Result<Vec<u8>, BrokenLink> {
        self.blobs.insert(key.to_owned());
        let bytes = store.blob(key).await.map_err(|x| {
            fail(
                e,
                BreakKind::Blob,
                format!("{what} (blob {key}) cannot be read: {x}"),
            )
        })?;
        verify_blob(key, bytes, what, None).map_err(|x| fail(e, BreakKind::Blob, x))
    }

    async fn content<S: FlowStore>(
        &mut self,
        store: &S,
        e: &JournalEntry,
        id: &str,
        version: &Version,
    ) -> Result<Vec<u8>, BrokenLink> {
        let what = format!("the content of {id} version {}", version.number);
        self.blobs.insert(version.sha256.clone());
        let bytes = store
            .blob(&version.sha256)
            .await
            .map_err(|x| fail(e, BreakKind::Blob, format!("{what} cannot be read: {x}")))?;
        verify_blob(&version.sha256, bytes, &what, Some(version))
            .map_err(|x| fail(e, BreakKind::Blob, x))
    }

    /// The listings as the journal makes them.
    fn projections(&self) -> Listings {
        Listings {
            documents: self.docs.values().map(DocumentState::summary).collect(),
            organisations: self.orgs.values().map(|o| o.organisation.clone()).collect(),
            members: self
                .orgs
                .values()
                .flat_map(|o| {
                    o.members.values().map(|m| MemberRow {
                        organisation: o.organisation.inn.clone(),
                        member: m.clone(),
                    })
                })
                .collect(),
        }
    }
}

fn member_signer(member: &Member) -> Expected<'_> {
    Expected {
        member: Some(member),
        organisation: None,
        exclude: &[],
    }
}

fn json(v: &impl Serialize) -> String {
    let mut text = serde_json::to_string(v).unwrap_or_default();
    if text.len() > 400 {
        let mut cut = 400;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// Every difference between the stored listings and `projections`.
async fn compare<S: FlowStore>(
    store: &S,
    projections: &Listings,
) -> Result<Vec<ListingDifference>, FlowError> {
    let mut out = Vec::new();
    let unreadable =
        |listing: &'static str, e: StoreError, out: &mut Vec<ListingDifference>| match e {
            StoreError::Corrupt(x) => {
                out.push(ListingDifference {
                    listing,
                    key: "*".into(),
                    difference: format!("the listing cannot be read: {x}"),
                });
                Ok(())
            }
            e => Err(FlowError::from(e)),
        };
    match store.list(&DocumentFilter::default()).await {
        Ok(rows) => diff(
            "documents",
            rows.iter().map(|d| (d.id.clone(), d)),
            projections.documents.iter().map(|d| (d.id.clone(), d)),
            &mut out,
        ),
        Err(e) => unreadable("documents", e, &mut out)?,
    }
    match store.organisations().await {
        Ok(rows) => diff(
            "organisations",
            rows.iter().map(|o| (o.inn.clone(), o)),
            projections.organisations.iter().map(|o| (o.inn.clone(), o)),
            &mut out,
        ),
        Err(e) => unreadable("organisations", e, &mut out)?,
    }
    let key = |m: &MemberRow| format!("{}/{}", m.organisation, m.member.user);
    match store.members(None).await {
        Ok(rows) => diff(
            "members",
            rows.iter().map(|m| (key(m), &m.member)),
            projections.members.iter().map(|m| (key(m), &m.member)),
            &mut out,
        ),
        Err(e) => unreadable("members", e, &mut out)?,
    }
    Ok(out)
}

/// Names each row missing from the listing, each row the journal does not make, and each
/// field that differs.
fn diff<'a, T: Serialize + 'a>(
    listing: &'static str,
    stored: impl Iterator<Item = (String, &'a T)>,
    journal: impl Iterator<Item = (String, &'a T)>,
    out: &mut Vec<ListingDifference>,
) {
    let value = |v: &T| serde_json::to_value(v).unwrap_or_default();
    let mut stored: BTreeMap<String, serde_json::Value> =
        stored.map(|(k, v)| (k, value(v))).collect();
    let mut push = |key: &str, difference: String| {
        out.push(ListingDifference {
            listing,
            key: key.into(),
            difference,
        });
    };
    for (key, row) in journal {
        let row = value(row);
        let Some(listed) = stored.remove(&key) else {
            push(
                &key,
                "the journal has this row; the listing does not".into(),
            );
            continue;
        };
        if listed == row {
            continue;
        }
        let fields = |v: &serde_json::Value| v.as_object().cloned().unwrap_or_default();
        let (listed, row) = (fields(&listed), fields(&row));
        let names: std::collections::BTreeSet<&String> = listed.keys().chain(row.keys()).collect();
        for name in names {
            let (l, r) = (listed.get(name), row.get(name));
            if l != r {
                let show = |v: Option<&serde_json::Value>| {
                    v.map_or_else(|| "absent".into(), |v| v.to_string())
                };
                push(
                    &key,
                    format!(
                        "{name} is {} in the listing, {} in the journal",
                        show(l),
                        show(r)
                    ),
                );
            }
        }
    }
    for key in stored.keys() {
        push(key, "the listing has this row; the journal does not".into());
    }
}
