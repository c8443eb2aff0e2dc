//! [`Flow`]: the document flow over a [`FlowStore`] — loads a stream, asks the state machine,
//! checks signatures, appends the events with the sequence number it loaded.

use std::sync::Arc;

use super::journal::{AuditReport, Auditor, JournalEntry};
use super::machine::{
    self, AcceptedSignature, Actor, Command, CommandKind, DocumentState, Event, NewContent,
    OrganisationState, Refusal,
};
use super::model::{
    DocumentFilter, DocumentKind, DocumentSummary, Organisation, Right, Role, Version,
};
use super::signature::{SignatureCheck, receipt};
use super::store::{AppendRequest, FlowStore, JOURNAL_PAGE, StoreError};
use super::{FlowError, SYSTEM_ACTOR};
use crate::pki::UnixTime;
use crate::requisites::{Inn, Kpp, Ogrn};

/// Longest document content accepted, in bytes.
pub const MAX_CONTENT_LEN: usize = 256 * 1024 * 1024;

type Clock = Arc<dyn Fn() -> UnixTime + Send + Sync>;

/// The document flow. Cheap to share behind an `Arc`; every method is one or two store
/// transactions, and concurrent callers (tasks, processes, service instances on one store)
/// are kept consistent by the store's optimistic concurrency: a caller that loses a race gets
/// [`FlowError::Conflict`] and may reload and retry.
///
/// # Example
/// ```
/// # #[cfg(feature = "sqlite")]
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use signflow::flow::{Flow, NewDocument, SignatureCheck, SqliteStore, SYSTEM_ACTOR};
/// use signflow::flow::model::{DocumentKind, Organisation, Role, Status};
///
/// let flow = Flow::new(SqliteStore::open(":memory:").await?, SignatureCheck::TrustCaller);
/// for (inn, ogrn, name) in [("7707083893", "1027700132195", "Romashka"),
///                           ("5001007329", "1045000012342", "Vasilek")] {
///     let org = Organisation { inn: inn.into(), ogrn: ogrn.into(), kpp: None, name: name.into() };
///     flow.register_organisation(SYSTEM_ACTOR, org).await?;
/// }
/// flow.add_member(SYSTEM_ACTOR, "7707083893", "ivanov", Role::Signer, None).await?;
/// flow.add_member(SYSTEM_ACTOR, "7707083893", "clerk", Role::Operator, None).await?;
/// let doc = flow.create("clerk", NewDocument {
///     sender: "7707083893".into(), recipient: "5001007329".into(),
///     kind: DocumentKind::Contract, title: "Supply contract".into(),
///     content: b"...".to_vec(), media_type: "text/plain".into(),
/// }).await?;
/// assert_eq!(doc.status, Status::Draft);
/// // An operator may edit but not send:
/// let err = flow.withdraw(&doc.id, "clerk").await.unwrap_err();
/// assert!(err.to_string().contains("Send"));
/// assert!(flow.audit().await?.is_intact());
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub struct Flow<S> {
    store: S,
    check: SignatureCheck,
    clock: Clock,
}

impl<S> core::fmt::Debug for Flow<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Flow")
            .field("check", &self.check)
            .finish_non_exhaustive()
    }
}

/// A new document: parties, kind, title and the first version's content.
#[derive(Clone, Debug)]
pub struct NewDocument {
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

fn stream_of_document(id: &str) -> String {
    format!("doc:{id}")
}

fn stream_of_organisation(inn: &str) -> String {
    format!("org:{inn}")
}

fn hash_content(content: &[u8], media_type: &str) -> Result<NewContent, FlowError> {
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

/// An append of `events` with no blobs or listing rows (callers add those).
fn request(
    stream: String,
    expected_seq: u64,
    actor: &str,
    at: UnixTime,
    events: &[Event],
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
    }
}

impl<S: FlowStore> Flow<S> {
    /// A flow over `store`, checking signatures as `check` says, with the system clock.
    pub fn new(store: S, check: SignatureCheck) -> Self {
        Self {
            store,
            check,
            clock: Arc::new(UnixTime::now),
        }
    }

    /// Replaces the clock (tests pin the time; certificates are checked at it).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Fn() -> UnixTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    fn now(&self) -> UnixTime {
        (self.clock)()
    }

    async fn append(&self, request: AppendRequest) -> Result<Vec<JournalEntry>, FlowError> {
        Ok(self.store.append(request).await?)
    }

    // ---- organisations ----------------------------------------------------------------

    /// Registers an organisation after validating its INN, OGRN (or OGRNIP) and KPP.
    ///
    /// # Errors
    /// [`Refusal::Requisites`] for invalid requisites, [`Refusal::OrganisationExists`] if the
    /// INN is registered already.
    pub async fn register_organisation(
        &self,
        actor: &str,
        organisation: Organisation,
    ) -> Result<OrganisationState, FlowError> {
        let requisites = |e: crate::requisites::RequisiteError| Refusal::Requisites(e.to_string());
        Inn::parse(&organisation.inn).map_err(requisites)?;
        Ogrn::parse(&organisation.ogrn).map_err(requisites)?;
        if let Some(kpp) = &organisation.kpp {
            Kpp::parse(kpp).map_err(requisites)?;
        }
        if organisation.name.trim().is_empty() {
            return Err(Refusal::Requisites("the organisation's name is empty".into()).into());
        }
        let inn = organisation.inn.clone();
        let event = Event::OrganisationRegistered {
            organisation: organisation.clone(),
        };
        match self
            .append(AppendRequest {
                organisation: Some(organisation),
                ..request(stream_of_organisation(&inn), 0, actor, self.now(), &[event])
            })
            .await
        {
            Err(FlowError::Conflict(_)) => Err(Refusal::OrganisationExists(inn).into()),
            Err(e) => Err(e),
            Ok(_) => self.organisation(&inn).await,
        }
    }

    /// An organisation with its members.
    ///
    /// # Errors
    /// [`Refusal::UnknownOrganisation`] if it is not registered.
    pub async fn organisation(&self, inn: &str) -> Result<OrganisationState, FlowError> {
        let entries = self.store.load_stream(&stream_of_organisation(inn)).await?;
        let mut state = None;
        for e in &entries {
            let event = e
                .event()
                .map_err(|err| FlowError::Corrupt(err.to_string()))?;
            state = Some(machine::apply_organisation(state, &event, e.seq)?);
        }
        state.ok_or_else(|| Refusal::UnknownOrganisation(inn.into()).into())
    }

    /// Every registered organisation.
    ///
    /// # Errors
    /// Store errors.
    pub async fn organisations(&self) -> Result<Vec<Organisation>, FlowError> {
        Ok(self.store.organisations().await?)
    }

    async fn change_membership(
        &self,
        actor: &str,
        inn: &str,
        event: Event,
    ) -> Result<OrganisationState, FlowError> {
        let org = self.organisation(inn).await?;
        let at = self.now();
        if actor != SYSTEM_ACTOR {
            let allowed = org
                .members
                .get(actor)
                .is_some_and(|m| m.has_right(Right::Manage, at));
            if !allowed {
                return Err(Refusal::MayNot {
                    user: actor.into(),
                    action: "manage members",
                    right: Right::Manage,
                    organisation: inn.into(),
                }
                .into());
            }
        }
        if let Event::RightGranted { user, .. } = &event
            && !org.members.contains_key(user)
        {
            return Err(Refusal::NotMember {
                user: user.clone(),
                organisation: inn.into(),
                side: "granting",
            }
            .into());
        }
        self.append(request(
            stream_of_organisation(inn),
            org.seq,
            actor,
            at,
            &[event],
        ))
        .await?;
        self.organisation(inn).await
    }

    /// Adds `user` to the organisation with `role` (replacing an earlier role), lapsing at
    /// `until`. `actor` must hold the manage right there, or be [`SYSTEM_ACTOR`].
    ///
    /// # Errors
    /// [`Refusal::MissingRight`], [`Refusal::UnknownOrganisation`], [`FlowError::Conflict`].
    pub async fn add_member(
        &self,
        actor: &str,
        inn: &str,
        user: &str,
        role: Role,
        until: Option<UnixTime>,
    ) -> Result<OrganisationState, FlowError> {
        let event = Event::MemberAdded {
            user: user.into(),
            role,
            until,
        };
        self.change_membership(actor, inn, event).await
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
    ) -> Result<OrganisationState, FlowError> {
        let event = Event::RightGranted {
            user: user.into(),
            right,
            until,
        };
        self.change_membership(actor, inn, event).await
    }

    /// Removes member `user`.
    ///
    /// # Errors
    /// As [`Flow::add_member`].
    pub async fn remove_member(
        &self,
        actor: &str,
        inn: &str,
        user: &str,
    ) -> Result<OrganisationState, FlowError> {
        let event = Event::MemberRemoved { user: user.into() };
        self.change_membership(actor, inn, event).await
    }

    // ---- documents ---------------------------------------------------------------------

    /// Creates a document in `draft` with version 1; `actor` must hold the edit right in the
    /// sending organisation. Returns the new document (its id is a random UUID).
    ///
    /// # Errors
    /// [`Refusal`]s for unknown organisations, missing rights, an empty or overlong title.
    pub async fn create(&self, actor: &str, doc: NewDocument) -> Result<DocumentState, FlowError> {
        if doc.sender == doc.recipient {
            return Err(Refusal::SameOrganisation(doc.sender).into());
        }
        if doc.title.len() > machine::MAX_TITLE_LEN {
            return Err(Refusal::TooLong {
                field: "title",
                max: machine::MAX_TITLE_LEN,
            }
            .into());
        }
        let sender = self.organisation(&doc.sender).await?;
        self.organisation(&doc.recipient).await?;
        let at = self.now();
        let member = sender.members.get(actor);
        if !member.is_some_and(|m| m.has_right(Right::Edit, at)) {
            return Err(match member {
                None => Refusal::NotMember {
                    user: actor.into(),
                    organisation: doc.sender.clone(),
                    side: "sender",
                },
                Some(_) => Refusal::MayNot {
                    user: actor.into(),
                    action: "create documents",
                    right: Right::Edit,
                    organisation: doc.sender.clone(),
                },
            }
            .into());
        }
        let content = hash_content(&doc.content, &doc.media_type)?;
        let id = uuid::Uuid::new_v4().to_string();
        let event = Event::DocumentCreated {
            id: id.clone(),
            kind: doc.kind,
            title: doc.title,
            sender: doc.sender,
            recipient: doc.recipient,
            version: Version {
                number: 1,
                sha256: content.sha256,
                streebog256: content.streebog256,
                size: content.size,
                media_type: content.media_type,
                author: actor.into(),
                created_at: at,
                restored_from: None,
            },
        };
        let state = machine::apply(None, &event, 1, at)?;
        self.append(AppendRequest {
            blobs: vec![doc.content],
            document: Some(state.summary()),
            ..request(stream_of_document(&id), 0, actor, at, &[event])
        })
        .await?;
        Ok(state)
    }

    /// A document as its journal left it.
    ///
    /// # Errors
    /// [`FlowError::NotFound`] for an unknown id; [`FlowError::Corrupt`] if its stream does not
    /// replay.
    pub async fn document(&self, id: &str) -> Result<DocumentState, FlowError> {
        let entries = self.store.load_stream(&stream_of_document(id)).await?;
        replay(&entries)?.ok_or_else(|| FlowError::NotFound {
            what: "document",
            id: id.into(),
        })
    }

    /// The journal entries of a document, in order.
    ///
    /// # Errors
    /// Store errors.
    pub async fn history(&self, id: &str) -> Result<Vec<JournalEntry>, FlowError> {
        Ok(self.store.load_stream(&stream_of_document(id)).await?)
    }

    /// A version's content.
    ///
    /// # Errors
    /// [`FlowError::NotFound`] for a missing version or blob.
    pub async fn content(&self, doc: &DocumentState, version: u32) -> Result<Vec<u8>, FlowError> {
        let v = doc.version(version).ok_or_else(|| FlowError::NotFound {
            what: "version",
            id: format!("{} v{version}", doc.id),
        })?;
        self.blob(&v.sha256).await
    }

    /// A stored blob (content, signature or receipt) by SHA-256 hex.
    ///
    /// # Errors
    /// [`FlowError::NotFound`] if absent.
    pub async fn blob(&self, sha256: &str) -> Result<Vec<u8>, FlowError> {
        self.store
            .blob(sha256)
            .await?
            .ok_or_else(|| FlowError::NotFound {
                what: "blob",
                id: sha256.into(),
            })
    }

    /// Documents matching `filter`.
    ///
    /// # Errors
    /// Store errors.
    pub async fn list(&self, filter: &DocumentFilter) -> Result<Vec<DocumentSummary>, FlowError> {
        Ok(self.store.list(filter).await?)
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

    /// Runs a non-signing command.
    async fn run(
        &self,
        id: &str,
        user: &str,
        command: Command,
        blobs: Vec<Vec<u8>>,
    ) -> Result<DocumentState, FlowError> {
        let state = self.document(id).await?;
        let org = self.acting_organisation(&state, command.kind()).await?;
        let at = self.now();
        let actor = Actor {
            user,
            member: org.members.get(user),
        };
        let events = machine::handle(&state, actor, &command, at)?;
        self.commit(state, user, at, &events, blobs).await
    }

    async fn commit(
        &self,
        state: DocumentState,
        user: &str,
        at: UnixTime,
        events: &[Event],
        blobs: Vec<Vec<u8>>,
    ) -> Result<DocumentState, FlowError> {
        let expected = state.seq;
        let mut next = state;
        for (i, e) in events.iter().enumerate() {
            next = machine::apply(Some(next), e, expected + i as u64 + 1, at)?;
        }
        self.append(AppendRequest {
            blobs,
            document: Some(next.summary()),
            ..request(stream_of_document(&next.id), expected, user, at, events)
        })
        .await?;
        Ok(next)
    }

    /// Adds a version with new `content` (from draft, or from returned, which makes it a draft
    /// again). Needs the edit right in the sending organisation.
    ///
    /// # Errors
    /// [`Refusal`]s, [`FlowError::Conflict`].
    pub async fn revise(
        &self,
        id: &str,
        user: &str,
        content: Vec<u8>,
        media_type: &str,
    ) -> Result<DocumentState, FlowError> {
        let new = hash_content(&content, media_type)?;
        self.run(id, user, Command::Revise { content: new }, vec![content])
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
    ) -> Result<DocumentState, FlowError> {
        self.run(id, user, Command::Restore { version }, Vec::new())
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
    ) -> Result<DocumentState, FlowError> {
        let command = Command::Return {
            comment: comment.into(),
        };
        self.run(id, user, command, Vec::new()).await
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
    ) -> Result<DocumentState, FlowError> {
        let command = Command::Reject {
            comment: comment.into(),
        };
        self.run(id, user, command, Vec::new()).await
    }

    /// Withdraws the document before acceptance (the sender, with the send right).
    ///
    /// # Errors
    /// [`Refusal`]s, [`FlowError::Conflict`].
    pub async fn withdraw(&self, id: &str, user: &str) -> Result<DocumentState, FlowError> {
        self.run(id, user, Command::Withdraw, Vec::new()).await
    }

    /// What the next signing step of `kind` signs, for the current state of `state`: the
    /// version's content for send and sign, the [`receipt`] for accept.
    ///
    /// # Errors
    /// [`FlowError::NotFound`] if the content is missing.
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
    /// a certificate bound to the sending organisation. Needs the send right.
    ///
    /// # Errors
    /// [`Refusal::Signature`] (journaled as `signing_refused`) if the signature fails its
    /// checks; other [`Refusal`]s; [`FlowError::Conflict`].
    pub async fn send(
        &self,
        id: &str,
        user: &str,
        signature: &[u8],
    ) -> Result<DocumentState, FlowError> {
        self.signing_step(id, user, CommandKind::Send, signature)
            .await
    }

    /// Accepts the current version: `signature` is a detached CMS over [`receipt`] by a
    /// certificate bound to the receiving organisation. Needs the sign right.
    ///
    /// # Errors
    /// As [`Flow::send`].
    pub async fn accept(
        &self,
        id: &str,
        user: &str,
        signature: &[u8],
    ) -> Result<DocumentState, FlowError> {
        self.signing_step(id, user, CommandKind::Accept, signature)
            .await
    }

    /// Co-signs the accepted version: `signature` is the sender's detached CMS with the
    /// recipient's SignerInfo added ([`super::FlowSigner::cosign`]). The document is archived
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
        self.signing_step(id, user, CommandKind::Sign, signature)
            .await
    }

    async fn signing_step(
        &self,
        id: &str,
        user: &str,
        kind: CommandKind,
        signature: &[u8],
    ) -> Result<DocumentState, FlowError> {
        let state = self.document(id).await?;
        // One load of the acting organisation: its members authorise, its requisites bind.
        let org = self.acting_organisation(&state, kind).await?;
        let at = self.now();
        let actor = Actor {
            user,
            member: org.members.get(user),
        };
        machine::authorize(&state, actor, kind, at)?;
        let content = self.to_be_signed(&state, kind).await?;
        let version = state.current().number;
        // The co-signature must keep the sender's signer and add another one.
        let sender_signers: Vec<String> = match (kind, state.step("sent", version)) {
            (CommandKind::Sign, Some(step)) => vec![step.signer.certificate_sha256.clone()],
            _ => Vec::new(),
        };
        let checked = self
            .check
            .check(signature, &content, at, &org.organisation, &sender_signers)
            .and_then(|c| {
                if let Some(missing) = sender_signers.iter().find(|s| !c.signers.contains(s)) {
                    Err(format!(
                        "the co-signature does not carry the sender's signature (certificate {missing})"
                    ))
                } else {
                    Ok(c)
                }
            });
        let checked = match checked {
            Ok(c) => c,
            Err(reason) => {
                let event = machine::signing_refused(&state, kind, &reason);
                self.commit(state, user, at, &[event], Vec::new()).await?;
                return Err(Refusal::Signature {
                    command: kind,
                    reason,
                }
                .into());
            }
        };
        let accepted = AcceptedSignature {
            blob: super::sha256_hex(signature),
            signer: checked.record,
        };
        let mut blobs = vec![signature.to_vec()];
        let command = match kind {
            CommandKind::Send => Command::Send {
                signature: accepted,
            },
            CommandKind::Accept => {
                let receipt = super::sha256_hex(&content);
                blobs.push(content);
                Command::Accept {
                    receipt,
                    signature: accepted,
                }
            }
            _ => Command::Sign {
                signature: accepted,
            },
        };
        let events = machine::handle(&state, actor, &command, at)?;
        self.commit(state, user, at, &events, blobs).await
    }

    // ---- audit -------------------------------------------------------------------------

    /// Recomputes both hash chains over the whole journal, page by page, and compares the end
    /// with the recorded head.
    ///
    /// # Errors
    /// Store errors (a broken chain is an `Ok` report that is not intact).
    pub async fn audit(&self) -> Result<AuditReport, FlowError> {
        audit(&self.store).await
    }
}

/// Audits `store` (see [`Flow::audit`]).
///
/// # Errors
/// Store errors.
pub async fn audit<S: FlowStore>(store: &S) -> Result<AuditReport, FlowError> {
    let head = store.head().await?;
    let mut auditor = Auditor::new();
    let mut after = 0;
    loop {
        let page = store.journal_page(after, JOURNAL_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.global_seq;
        for e in &page {
            auditor.feed(e);
        }
        if auditor.is_broken() {
            break;
        }
    }
    Ok(auditor.finish(head))
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
