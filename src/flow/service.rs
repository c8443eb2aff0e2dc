//! [`Flow`]: the document flow over a [`FlowStore`] — loads a stream (checking its chain),
//! asks the state machine, checks who signed, appends the events with the sequence numbers it
//! loaded. The organisation steps are in `admin.rs`, the audit in `audit.rs`.

mod reads;

use std::sync::Arc;

use super::authority::{self, MchdEvidence, MchdInput, Revocation};
use super::journal::{self, AuditReport, JournalEntry};
use super::machine::{
    self, AcceptedSignature, Actor, Command, CommandKind, Creation, DocumentState, Event,
    NewContent, OrganisationState, Refusal, SigningStep,
};
use super::model::{
    Authentication, DocumentFilter, DocumentKind, DocumentSummary, Member, MemberIdentity,
    MemberRow, Organisation, Version,
};
use super::notice::{Notice, NoticeStep, Proof};
use super::signature::{Checked, Expected, SignatureCheck, receipt, select};
use super::store::{AppendRequest, FlowStore, StoreError};
use super::{FlowError, sha256_hex};
use crate::pki::UnixTime;

/// Longest document content accepted, in bytes.
pub const MAX_CONTENT_LEN: usize = 256 * 1024 * 1024;

type Clock = Arc<dyn Fn() -> UnixTime + Send + Sync>;

/// The document flow. Cheap to share behind an `Arc`; every method is one or two store
/// transactions, and concurrent callers (tasks, processes, service instances on one store)
/// are kept consistent by the store's optimistic concurrency: a caller that loses a race gets
/// [`FlowError::Conflict`] and may reload and retry.
///
/// Every step is taken by a named member and proven to be theirs: the signing steps (send,
/// accept, sign) by their document signature, every other step by their signature over the
/// step's [`Notice`] ([`Flow::notice`], [`super::FlowSigner::prove`]). A member is bound to a
/// certificate identity when added; an organisation's first administrator is its director,
/// whose certificate carries the organisation's INN and OGRN.
///
/// **CPU work stays off the async executor.** Under [`SignatureCheck::Verify`] every signature
/// a method checks (the step's CMS or notice signature, its certificate path and CRLs:
/// milliseconds each) is verified on tokio's blocking pool (`spawn_blocking`), with the trust
/// material shared, not copied; the method's future only waits for it. This holds for every
/// state-changing method (`create`, `revise`, `restore`, `return_for_correction`, `reject`,
/// `withdraw`, `send`, `accept`, `sign`, the organisation and member steps) and for
/// [`Flow::audit`], which re-verifies every signed event. Reads do no verification beyond
/// hashing the blobs they return. Called outside a tokio runtime, the verification runs on the
/// caller's thread.
///
/// # Example
/// ```
/// # #[cfg(feature = "sqlite")]
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use signflow::flow::{Flow, NewDocument, NewMember, Proof, SignatureCheck, SqliteStore, Step};
/// use signflow::flow::model::{DocumentKind, DocumentStatus, Organisation, Role};
///
/// // A service that authenticates its users itself says so, under its name; the journal
/// // records it and the audit reports it. (Without this, every step must be signed.)
/// let flow = Flow::new(SqliteStore::open(":memory:").await?, SignatureCheck::TrustCaller)
///     .with_service_authentication("intranet-sso");
/// for (inn, ogrn, name) in [("7707083893", "1027700132195", "Romashka"),
///                           ("5001007329", "1045000012342", "Vasilek")] {
///     let org = Organisation { inn: inn.into(), ogrn: ogrn.into(), kpp: None, name: name.into() };
///     flow.register_organisation("director", org, &Proof::Service).await?;
/// }
/// let clerk = NewMember { user: "clerk".into(), role: Role::Operator, until: None, certificate: None };
/// flow.add_member("director", "7707083893", &clerk, &Proof::Service).await?;
/// let doc = flow.create("clerk", NewDocument {
///     id: NewDocument::new_id(),
///     sender: "7707083893".into(), recipient: "5001007329".into(),
///     kind: DocumentKind::Contract, title: "Supply contract".into(),
///     content: b"...".to_vec(), media_type: "text/plain".into(),
/// }, &Proof::Service).await?;
/// assert_eq!(doc.status, DocumentStatus::Draft);
/// // An operator may edit but not send:
/// let err = flow.withdraw(&doc.id, "clerk", &Proof::Service).await.unwrap_err();
/// assert!(err.to_string().contains("Send"));
/// let audit = flow.audit().await?;
/// assert!(audit.is_intact());
/// // Four steps on the service's word: two registrations, a member, a creation.
/// assert_eq!(audit.service["intranet-sso"], 4);
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub struct Flow<S> {
    pub(super) store: S,
    pub(super) check: SignatureCheck,
    clock: Clock,
    pub(super) service: Option<String>,
    mchd_revocation: Option<Revocation>,
}

impl<S> core::fmt::Debug for Flow<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Flow")
            .field("check", &self.check)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

/// A new document: its id, parties, kind, title and the first version's content.
#[derive(Clone, Debug)]
pub struct NewDocument {
    /// The document's id, chosen before the creation notice is signed (it names it): 1 to 64
    /// ASCII letters, digits, `-`, `_` or `.`; [`NewDocument::new_id`] makes a random UUID.
    pub id: String,
    /// The sending organisation's INN (the creator must be its member with the edit right).
    pub sender: String,
    /// The receiving organisation's INN.
    pub recipient: String,
    /// Its kind.
    pub kind: DocumentKind,
    /// Its title.
    pub title: String,
    /// Version 1's content.
    pub content: Vec<u8>,
    /// Version 1's media type.
    pub media_type: String,
}

impl NewDocument {
    /// A fresh random document id (UUID v4).
    pub fn new_id() -> String {
        uuid::Uuid::new_v4().to_string()
    }
}

/// A member to add: the user, role, lapse time and the certificate whose identity will prove
/// their steps ([`MemberIdentity::of`]).
#[derive(Clone, Debug)]
pub struct NewMember {
    /// The user's id.
    pub user: String,
    /// The role.
    pub role: super::model::Role,
    /// When the membership lapses.
    pub until: Option<UnixTime>,
    /// Their certificate (required unless the flow takes [`Proof::Service`]).
    pub certificate: Option<crate::pki::Certificate>,
}

/// What one step appends: its events, by whom, when and how authenticated.
struct StepRecord<'a> {
    user: &'a str,
    at: UnixTime,
    events: &'a [Event],
    auth: &'a Authentication,
}

/// A step a member asks for, described before it is proven: what [`Flow::notice`] makes the
/// notice of.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Step<'a> {
    /// Register an organisation (the actor is its director).
    RegisterOrganisation(&'a Organisation),
    /// Add a member.
    AddMember {
        /// The organisation's INN.
        organisation: &'a str,
        /// The member.
        member: &'a NewMember,
    },
    /// Grant a right.
    Grant {
        /// The organisation's INN.
        organisation: &'a str,
        /// The member.
        user: &'a str,
        /// The right.
        right: super::model::Right,
        /// When it lapses.
        until: Option<UnixTime>,
    },
    /// Remove a member.
    RemoveMember {
        /// The organisation's INN.
        organisation: &'a str,
        /// The member.
        user: &'a str,
    },
    /// Require power codes of an МЧД for a document kind ([`Flow::require_powers`]).
    RequirePowers {
        /// The organisation's INN.
        organisation: &'a str,
        /// The document kind.
        kind: DocumentKind,
        /// The codes (empty: lift the requirement).
        codes: &'a [String],
    },
    /// Create a document.
    Create(&'a NewDocument),
    /// Add a version with new content.
    Revise {
        /// The document.
        document: &'a str,
        /// The content.
        content: &'a [u8],
        /// Its media type.
        media_type: &'a str,
    },
    /// Add a version repeating an earlier one.
    Restore {
        /// The document.
        document: &'a str,
        /// The version to restore.
        version: u32,
    },
    /// Return for corrections.
    Return {
        /// The document.
        document: &'a str,
        /// Why.
        comment: &'a str,
    },
    /// Reject.
    Reject {
        /// The document.
        document: &'a str,
        /// Why.
        comment: &'a str,
    },
    /// Withdraw.
    Withdraw {
        /// The document.
        document: &'a str,
    },
}

pub(super) fn stream_of_document(id: &str) -> String {
    format!("doc:{id}")
}

pub(super) fn stream_of_organisation(inn: &str) -> String {
    format!("org:{inn}")
}

pub(super) fn hash_content(content: &[u8], media_type: &str) -> Result<NewContent, FlowError> {
    use sha2::Digest as _;
    if content.len() > MAX_CONTENT_LEN {
        return Err(FlowError::ContentTooLarge {
            size: content.len() as u64,
            max: MAX_CONTENT_LEN as u64,
        });
    }
    Ok(NewContent {
        sha256: hex::encode(sha2::Sha256::digest(content)),
        streebog256: hex::encode(streebog::Streebog256::digest(content)),
        size: content.len() as u64,
        media_type: if media_type.is_empty() {
            "application/octet-stream".into()
        } else {
            media_type.into()
        },
    })
}

/// Checks a blob read from the store against its key (and, for content, the version's
/// Streebog hash and size).
pub(super) fn verify_blob(
    key: &str,
    bytes: Option<Vec<u8>>,
    what: &str,
    version: Option<&Version>,
) -> Result<Vec<u8>, String> {
    use sha2::Digest as _;
    let bytes = bytes.ok_or_else(|| format!("{what} (blob {key}) is missing from the store"))?;
    let actual = sha256_hex(&bytes);
    if actual != key {
        return Err(format!(
            "{what} (blob {key}) does not match its key: its SHA-256 is {actual}"
        ));
    }
    if let Some(v) = version {
        let streebog = hex::encode(streebog::Streebog256::digest(&bytes));
        if streebog != v.streebog256 || bytes.len() as u64 != v.size {
            return Err(format!(
                "{what} (blob {key}) is not version {}'s: Streebog-256 {streebog} and {} bytes, \
                 the version says {} and {} bytes",
                v.number,
                bytes.len(),
                v.streebog256,
                v.size
            ));
        }
    }
    Ok(bytes)
}

/// What a proof established: the record to journal, the blobs to store with it, and the
/// signer's identity.
pub(super) struct Proven {
    pub auth: Authentication,
    pub blobs: Vec<Vec<u8>>,
    pub identity: Option<MemberIdentity>,
}

/// Whose certificate a notice must be signed with.
#[derive(Clone, Copy)]
pub(super) enum Signer<'a> {
    /// The acting member's.
    Member(&'a Member),
    /// The organisation's (a director: the certificate carries its INN and OGRN).
    Director(&'a Organisation),
}

/// An append of `events` with no blobs or listing rows (callers add those).
pub(super) fn request(
    stream: String,
    expected_seq: u64,
    actor: &str,
    at: UnixTime,
    events: &[Event],
    auth: &Authentication,
) -> AppendRequest {
    AppendRequest {
        stream,
        expected_seq,
        actor: actor.into(),
        at,
        // Serialising our own plain enums cannot fail.
        events: events
            .iter()
            .map(|e| serde_json::to_string(e).unwrap_or_default())
            .collect(),
        blobs: Vec::new(),
        document: None,
        organisation: None,
        members: Vec::new(),
        auth: Some(serde_json::to_string(auth).unwrap_or_default()),
        expect_also: Vec::new(),
    }
}

impl<S: FlowStore> Flow<S> {
    /// A flow over `store`, checking signatures as `check` says, with the system clock. Every
    /// step must be signed ([`Proof::Signed`]).
    pub fn new(store: S, check: SignatureCheck) -> Self {
        Self {
            store,
            check,
            clock: Arc::new(UnixTime::now),
            service: None,
            mchd_revocation: None,
        }
    }

    /// The source of МЧД revocation status for steps signed under a power of attorney
    /// ([`Flow::signing_step_with`]): a service implements [`crate::mchd::MchdRevocation`]
    /// against the ФНС registry, or passes a [`crate::mchd::RevokedList`]. Without one every
    /// МЧД's status is unknown and every step under one is refused: the flow never asks the
    /// registry itself.
    #[must_use]
    pub fn with_mchd_revocation(
        mut self,
        source: impl crate::mchd::MchdRevocation + Send + Sync + 'static,
    ) -> Self {
        self.mchd_revocation = Some(Arc::new(source));
        self
    }

    /// Replaces the clock (tests pin the time; certificates are checked at it).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Fn() -> UnixTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Also accepts [`Proof::Service`]: the calling service, named `by`, vouches that it
    /// authenticated the user itself. Each such step is journaled as
    /// [`Authentication::Service`] and reported by the audit and the history; signed steps are
    /// still checked as without it, and members may be added without a certificate.
    #[must_use]
    pub fn with_service_authentication(mut self, by: impl Into<String>) -> Self {
        self.service = Some(by.into());
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    pub(super) fn now(&self) -> UnixTime {
        (self.clock)()
    }

    pub(super) async fn append(
        &self,
        request: AppendRequest,
    ) -> Result<Vec<JournalEntry>, FlowError> {
        Ok(self.store.append(request).await?)
    }

    /// A stream's entries, with its chain checked.
    pub(super) async fn load(&self, stream: &str) -> Result<Vec<JournalEntry>, FlowError> {
        let entries = self.store.load_stream(stream).await?;
        journal::verify_stream(&entries).map_err(|b| {
            FlowError::Integrity(format!(
                "event {} of {} (store-wide {}) {}",
                b.seq, b.stream, b.global_seq, b.reason
            ))
        })?;
        Ok(entries)
    }

    /// Checks `proof` that `actor` takes `step`, which follows position `seq` of its stream, at
    /// `at`: a signed notice of exactly this step by `signer`'s certificate, or the service's
    /// word when the flow takes it. The signature is verified off the async executor
    /// ([`SignatureCheck`]'s blocking pool).
    pub(super) async fn authenticate(
        &self,
        actor: &str,
        seq: u64,
        step: &NoticeStep,
        proof: &Proof,
        signer: Signer<'_>,
        at: UnixTime,
    ) -> Result<Proven, FlowError> {
        let unproven = |reason: String| -> FlowError {
            Refusal::Unauthenticated {
                user: actor.into(),
                reason,
            }
            .into()
        };
        match proof {
            Proof::Service => match &self.service {
                Some(by) => Ok(Proven {
                    auth: Authentication::Service { by: by.clone() },
                    blobs: Vec::new(),
                    identity: None,
                }),
                None => Err(unproven(
                    "no signature: this flow takes signed steps only (sign the step's notice)"
                        .into(),
                )),
            },
            Proof::Signed { notice, signature } => {
                let parsed = Notice::parse(notice).map_err(|e| unproven(e.to_string()))?;
                if parsed.seq < seq && parsed.step.stream() == step.stream() {
                    // Signed for an earlier state of the stream: reload, sign again.
                    return Err(FlowError::Conflict(StoreError::Conflict {
                        stream: step.stream(),
                        expected: parsed.seq,
                        actual: seq,
                    }));
                }
                parsed
                    .check(actor, seq, step, at)
                    .map_err(|e| unproven(e.to_string()))?;
                let signers = self
                    .check
                    .signers_off_executor(signature, notice.clone(), at)
                    .await
                    .result
                    .map_err(&unproven)?;
                let expected = match signer {
                    Signer::Member(m) => Expected {
                        member: Some(m),
                        organisation: None,
                        exclude: &[],
                    },
                    Signer::Director(o) => Expected {
                        member: None,
                        organisation: Some(o),
                        exclude: &[],
                    },
                };
                let found = select(&signers, expected).map_err(unproven)?;
                Ok(Proven {
                    auth: Authentication::Signature {
                        signature: sha256_hex(signature),
                        signed: sha256_hex(notice),
                        signer: found.record.clone(),
                    },
                    blobs: vec![notice.clone(), signature.clone()],
                    identity: found.certificate.as_ref().map(MemberIdentity::of),
                })
            }
        }
    }

    // ---- documents ---------------------------------------------------------------------

    /// Creates a document in `draft` with version 1; `actor` must hold the edit right in the
    /// sending organisation and prove it is them with a signed notice of the creation.
    ///
    /// # Errors
    /// [`Refusal`]s for unknown organisations, missing rights, an invalid id, an overlong
    /// title, or an unproven actor ([`Refusal::Unauthenticated`]); [`FlowError::Conflict`].
    pub async fn create(
        &self,
        actor: &str,
        doc: NewDocument,
        proof: &Proof,
    ) -> Result<DocumentState, FlowError> {
        let sender = self.organisation(&doc.sender).await?;
        let recipient = self.organisation(&doc.recipient).await?;
        let at = self.now();
        let creation = Creation {
            id: doc.id,
            kind: doc.kind,
            title: doc.title,
            sender: doc.sender,
            recipient: doc.recipient,
            content: hash_content(&doc.content, &doc.media_type)?,
        };
        let member = sender.members.get(actor);
        let events = machine::create(
            &sender,
            &recipient,
            Actor {
                user: actor,
                member,
            },
            &creation,
            at,
        )?;
        let stream = stream_of_document(&creation.id);
        if !self.store.load_stream(&stream).await?.is_empty() {
            return Err(Refusal::DocumentExists(creation.id).into());
        }
        let step = NoticeStep::for_creation(&creation);
        let member = member.ok_or_else(|| FlowError::Corrupt("creator vanished".into()))?;
        let proven = self
            .authenticate(actor, 0, &step, proof, Signer::Member(member), at)
            .await?;
        let state = machine::apply(None, &events[0], 1, at)?;
        let mut blobs = vec![doc.content];
        blobs.extend(proven.blobs);
        self.append(AppendRequest {
            blobs,
            document: Some(state.summary()),
            expect_also: vec![(stream_of_organisation(&sender.organisation.inn), sender.seq)],
            ..request(stream, 0, actor, at, &events, &proven.auth)
        })
        .await?;
        Ok(state)
    }

    /// The organisation that must act on `kind` (its members decide who may).
    async fn acting_organisation(
        &self,
        state: &DocumentState,
        kind: CommandKind,
    ) -> Result<OrganisationState, FlowError> {
        let (side, _) = kind.actor();
        self.organisation(state.organisation(side)).await
    }

    /// Runs a command proven by a notice: authorise, prove, append.
    async fn run(
        &self,
        id: &str,
        user: &str,
        command: Command,
        proof: &Proof,
        content: Option<Vec<u8>>,
    ) -> Result<DocumentState, FlowError> {
        let state = self.document(id).await?;
        let org = self.acting_organisation(&state, command.kind()).await?;
        let at = self.now();
        let member = org.members.get(user);
        let events = machine::handle(&state, Actor { user, member }, &command, at)?;
        let step = NoticeStep::for_command(&state, &command)
            .ok_or_else(|| FlowError::Corrupt(format!("{} takes no notice", command.kind())))?;
        let member = member.ok_or_else(|| FlowError::Corrupt("actor vanished".into()))?;
        let proven = self
            .authenticate(user, state.seq, &step, proof, Signer::Member(member), at)
            .await?;
        let mut blobs: Vec<Vec<u8>> = content.into_iter().collect();
        blobs.extend(proven.blobs);
        let step = StepRecord {
            user,
            at,
            events: &events,
            auth: &proven.auth,
        };
        self.commit(state, &org, step, blobs).await
    }

    /// Appends `step`'s events to the document's stream (with `blobs`), expecting the
    /// document and the acting organisation `org` as they were read.
    async fn commit(
        &self,
        state: DocumentState,
        org: &OrganisationState,
        step: StepRecord<'_>,
        blobs: Vec<Vec<u8>>,
    ) -> Result<DocumentState, FlowError> {
        let StepRecord {
            user,
            at,
            events,
            auth,
        } = step;
        let expected = state.seq;
        let mut next = state;
        for (i, e) in events.iter().enumerate() {
            next = machine::apply(Some(next), e, expected + i as u64 + 1, at)?;
        }
        self.append(AppendRequest {
            blobs,
            document: Some(next.summary()),
            expect_also: vec![(stream_of_organisation(&org.organisation.inn), org.seq)],
            ..request(
                stream_of_document(&next.id),
                expected,
                user,
                at,
                events,
                auth,
            )
        })
        .await?;
        Ok(next)
    }

    /// Adds a version with new `content` (from draft, or from returned, which makes it a draft
    /// again). Needs the edit right in the sending organisation and a signed notice.
    ///
    /// # Errors
    /// [`Refusal`]s, [`FlowError::Conflict`].
    pub async fn revise(
        &self,
        id: &str,
        user: &str,
        content: Vec<u8>,
        media_type: &str,
        proof: &Proof,
    ) -> Result<DocumentState, FlowError> {
        let new = hash_content(&content, media_type)?;
        self.run(
            id,
            user,
            Command::Revise { content: new },
            proof,
            Some(content),
        )
        .await
    }

    /// Adds a version repeating version `version`'s content.
    ///
    /// # Errors
    /// As [`Flow::revise`], and [`Refusal::NoSuchVersion`].
    pub async fn restore(
        &self,
        id: &str,
        user: &str,
        version: u32,
        proof: &Proof,
    ) -> Result<DocumentState, FlowError> {
        self.run(id, user, Command::Restore { version }, proof, None)
            .await
    }

    /// Returns the document for corrections (the recipient, with the sign right).
    ///
    /// # Errors
    /// [`Refusal`]s (a comment is required), [`FlowError::Conflict`].
    pub async fn return_for_correction(
        &self,
        id: &str,
        user: &str,
        comment: &str,
        proof: &Proof,
    ) -> Result<DocumentState, FlowError> {
        let command = Command::Return {
            comment: comment.into(),
        };
        self.run(id, user, command, proof, None).await
    }

    /// Rejects the document for good (the recipient, with the sign right).
    ///
    /// # Errors
    /// As [`Flow::return_for_correction`].
    pub async fn reject(
        &self,
        id: &str,
        user: &str,
        comment: &str,
        proof: &Proof,
    ) -> Result<DocumentState, FlowError> {
        let command = Command::Reject {
            comment: comment.into(),
        };
        self.run(id, user, command, proof, None).await
    }

    /// Withdraws the document before acceptance (the sender, with the send right).
    ///
    /// # Errors
    /// [`Refusal`]s, [`FlowError::Conflict`].
    pub async fn withdraw(
        &self,
        id: &str,
        user: &str,
        proof: &Proof,
    ) -> Result<DocumentState, FlowError> {
        self.run(id, user, Command::Withdraw, proof, None).await
    }

    /// What the next signing step of `kind` signs, for the current state of `state`: the
    /// version's content (checked against its hashes) for send and sign, the [`receipt`] for
    /// accept.
    ///
    /// # Errors
    /// [`FlowError::Integrity`] if the content is missing or altered.
    pub async fn to_be_signed(
        &self,
        state: &DocumentState,
        kind: CommandKind,
    ) -> Result<Vec<u8>, FlowError> {
        match kind {
            CommandKind::Accept => Ok(receipt(state)),
            _ => self.content(state, state.current().number).await,
        }
    }

    /// Signs and sends the current version: `signature` is a detached CMS over its content by
    /// the acting member's certificate, which must carry the sending organisation's INN and
    /// OGRN. Needs the send right.
    ///
    /// # Errors
    /// [`Refusal::Signature`] (journaled as `signing_refused`) if the signature fails its
    /// checks; other [`Refusal`]s; [`FlowError::Integrity`] if the content is altered;
    /// [`FlowError::Conflict`].
    pub async fn send(
        &self,
        id: &str,
        user: &str,
        signature: &[u8],
    ) -> Result<DocumentState, FlowError> {
        self.signing_step(id, user, CommandKind::Send, signature, None)
            .await
    }

    /// Accepts the current version: `signature` is a detached CMS over [`receipt`] by the
    /// acting member's certificate, bound to the receiving organisation. Needs the sign right.
    ///
    /// # Errors
    /// As [`Flow::send`].
    pub async fn accept(
        &self,
        id: &str,
        user: &str,
        signature: &[u8],
    ) -> Result<DocumentState, FlowError> {
        self.signing_step(id, user, CommandKind::Accept, signature, None)
            .await
    }

    /// Co-signs the accepted version: `signature` is the sender's detached CMS with the acting
    /// member's SignerInfo added ([`super::FlowSigner::cosign`]). The document is archived
    /// right after. Needs the sign right.
    ///
    /// # Errors
    /// As [`Flow::send`].
    pub async fn sign(
        &self,
        id: &str,
        user: &str,
        signature: &[u8],
    ) -> Result<DocumentState, FlowError> {
        self.signing_step(id, user, CommandKind::Sign, signature, None)
            .await
    }

    /// A signing step — `kind` is send, accept or sign, `signature` as [`Flow::send`],
    /// [`Flow::accept`] and [`Flow::sign`] take it — taken by the director's certificate (as
    /// those) or, with `mchd`, by an employee's personal certificate under the organisation's
    /// power of attorney: the МЧД must be the acting organisation's, signed by it (its
    /// director's certificate carrying its INN and OGRN), name the signer as a representative
    /// by ИНН ФЛ and СНИЛС, be in force at the step's time, grant every power code the
    /// organisation requires for the document's kind ([`Flow::require_powers`]) and be known
    /// as not revoked ([`Flow::with_mchd_revocation`]). The МЧД and its signature are stored
    /// with the step; the journal's [`super::model::SignerRecord::mchd`] names them and the
    /// verdict. The member's rights (and their lapse) apply as to any step.
    ///
    /// # Errors
    /// [`Refusal::Signature`] (journaled as `signing_refused`) if the signature or the МЧД
    /// fails its checks; other [`Refusal`]s; [`FlowError::Integrity`] if the content is
    /// altered; [`FlowError::Conflict`]. A `kind` that is not a signing step is refused
    /// ([`Refusal::Signature`], not journaled).
    pub async fn signing_step_with(
        &self,
        id: &str,
        user: &str,
        kind: CommandKind,
        signature: &[u8],
        mchd: Option<&MchdEvidence>,
    ) -> Result<DocumentState, FlowError> {
        if !matches!(
            kind,
            CommandKind::Send | CommandKind::Accept | CommandKind::Sign
        ) {
            return Err(Refusal::Signature {
                command: kind,
                reason: format!("{kind} is not a signing step (send, accept, sign)"),
            }
            .into());
        }
        self.signing_step(id, user, kind, signature, mchd).await
    }

    async fn signing_step(
        &self,
        id: &str,
        user: &str,
        kind: CommandKind,
        signature: &[u8],
        mchd: Option<&MchdEvidence>,
    ) -> Result<DocumentState, FlowError> {
        let state = self.document(id).await?;
        // One load of the acting organisation: its members authorise, its requisites bind.
        let org = self.acting_organisation(&state, kind).await?;
        let at = self.now();
        let member = org.members.get(user);
        let actor = Actor { user, member };
        machine::authorize(&state, actor, kind, at)?;
        let member = member.ok_or_else(|| FlowError::Corrupt("actor vanished".into()))?;
        let content = self.to_be_signed(&state, kind).await?;
        let version = state.current().number;
        // The co-signature must keep the sender's signer and add another one.
        let sender_signers: Vec<String> = match (kind, state.step(SigningStep::Sent, version)) {
            (CommandKind::Sign, Some(step)) => vec![step.signer.certificate_sha256.clone()],
            _ => Vec::new(),
        };
        // A member bound to no certificate acts only on a service's word.
        let service = member.identity.is_none() && self.service.is_some();
        let Checked {
            result: checked,
            content,
        } = self
            .check
            .signers_off_executor(signature, content, at)
            .await;
        let selected = checked.and_then(|signers| {
            if let Some(missing) = sender_signers
                .iter()
                .find(|s| !signers.iter().any(|f| f.record.certificate_sha256 == **s))
            {
                return Err(format!(
                    "the co-signature does not carry the sender's signature (certificate {missing})"
                ));
            }
            let expected = Expected {
                member: (!service).then_some(member),
                // Under an МЧД the signer's certificate is personal: the МЧД binds it.
                organisation: mchd.is_none().then_some(&org.organisation),
                exclude: &sender_signers,
            };
            select(&signers, expected).cloned()
        });
        let checked = match (selected, mchd) {
            (Ok(found), Some(evidence)) => {
                let input = MchdInput {
                    evidence: evidence.clone(),
                    organisation: org.organisation.clone(),
                    kind: state.kind,
                    required: org.required_powers(state.kind).to_vec(),
                    signer: found.clone(),
                    at,
                };
                authority::check_off_executor(&self.check, input, self.mchd_revocation.clone())
                    .await
                    .map(|record| super::model::SignerRecord {
                        mchd: Some(Box::new(record)),
                        ..found.record
                    })
            }
            (Ok(found), None) => Ok(found.record),
            (Err(e), _) => Err(e),
        };
        let record = match checked {
            Ok(r) => r,
            Err(reason) => {
                let event = machine::signing_refused(&state, kind, &reason);
                let step = StepRecord {
                    user,
                    at,
                    events: &[event],
                    auth: &Authentication::Attempt,
                };
                self.commit(state, &org, step, Vec::new()).await?;
                return Err(Refusal::Signature {
                    command: kind,
                    reason,
                }
                .into());
            }
        };
        let blob = sha256_hex(signature);
        let signed = sha256_hex(&content);
        let auth = match (&self.service, service) {
            (Some(by), true) => Authentication::Service { by: by.clone() },
            _ => Authentication::Signature {
                signature: blob.clone(),
                signed: signed.clone(),
                signer: record.clone(),
            },
        };
        let accepted = AcceptedSignature {
            blob,
            signer: record,
        };
        let mut blobs = vec![signature.to_vec()];
        if let Some(evidence) = mchd {
            blobs.push(evidence.document.clone());
            blobs.push(evidence.signature.clone());
        }
        let command = match kind {
            CommandKind::Send => Command::Send {
                signature: accepted,
            },
            CommandKind::Accept => {
                blobs.push(content);
                Command::Accept {
                    receipt: signed,
                    signature: accepted,
                }
            }
            _ => Command::Sign {
                signature: accepted,
            },
        };
        let events = machine::handle(&state, actor, &command, at)?;
        let step = StepRecord {
            user,
            at,
            events: &events,
            auth: &auth,
        };
        self.commit(state, &org, step, blobs).await
    }

    // ---- audit -------------------------------------------------------------------------

    /// Audits the whole store: recomputes both hash chains, replays every stream, re-verifies
    /// every signed event (signature, the signer's binding to the member — or, for a
    /// registration, to the organisation — and the right in force at the time), checks every
    /// blob the journal references against its key, and compares the listings with the
    /// journal's projections. Reports the first failing event and every listing difference.
    ///
    /// # Errors
    /// Store errors (a failed check is an `Ok` report that is not intact).
    pub async fn audit(&self) -> Result<AuditReport, FlowError> {
        Ok(
            super::audit::run(&self.store, &self.check, self.service.as_deref())
                .await?
                .0,
        )
    }

    /// Restores the listings (documents, organisations, members) from the journal: audits
    /// first, and rewrites them only when every event checks out. Returns that audit (its
    /// `listings` are the differences that were repaired).
    ///
    /// # Errors
    /// [`FlowError::Integrity`] if an event fails the audit (nothing is rewritten); store
    /// errors.
    pub async fn rebuild_listings(&self) -> Result<AuditReport, FlowError> {
        let (report, listings) =
            super::audit::run(&self.store, &self.check, self.service.as_deref()).await?;
        match (&report.broken, listings) {
            (None, Some(listings)) => {
                self.store.replace_listings(listings).await?;
                Ok(report)
            }
            (Some(b), _) => Err(FlowError::Integrity(format!(
                "the journal fails its audit at event {} ({} {}): {}; listings left as they are",
                b.global_seq, b.stream, b.seq, b.reason
            ))),
            (None, None) => Err(FlowError::Corrupt("the audit made no projections".into())),
        }
    }
}

/// Audits `store` (see [`Flow::audit`]), checking signatures with `check` and taking no
/// service's word for who acted.
///
/// # Errors
/// Store errors.
pub async fn audit<S: FlowStore>(
    store: &S,
    check: &SignatureCheck,
) -> Result<AuditReport, FlowError> {
    Ok(super::audit::run(store, check, None).await?.0)
}

/// Replays a document stream.
///
/// # Errors
/// [`FlowError::Corrupt`] if an event is unreadable or does not apply.
pub fn replay(entries: &[JournalEntry]) -> Result<Option<DocumentState>, FlowError> {
    let mut state = None;
    for e in entries {
        let event = e
            .event()
            .map_err(|err| FlowError::Corrupt(format!("event {}: {err}", e.seq)))?;
        state = Some(machine::apply(state, &event, e.seq, e.at)?);
    }
    Ok(state)
}

impl From<StoreError> for FlowError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } => Self::Conflict(e),
            e => Self::Store(e),
        }
    }
}
