//! The document flow, on every store: every transition (allowed and refused), the happy path,
//! the return-and-revise loop, rights that lapse, signature checks, 32 racing writers,
//! tampering found by the audit, and (SQLite) a writer killed mid-append. And the attacks on
//! integrity and authentication (issue 17): content, signature and deleted blobs; edited,
//! added and deleted listing rows (found by the audit, restored by rebuild); unsigned and
//! wrongly signed steps; a member acting with another member's key; a non-administrator
//! managing members; events forged into the journal behind the flow's back; a store migrated
//! from schema 1; a service's word, recorded as such.
//!
//! The PostgreSQL runs use `SIGNFLOW_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), each test in a schema of its own; they print
//! `SKIPPED` and pass when the server does not answer or the `postgres` feature is off.
#![cfg(feature = "sqlite")]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use signflow::SigningIdentity;
use signflow::cms::{SignedData, Verifier, VerifyOptions};
use signflow::crypto::{CryptoProvider, SigningKey};
use signflow::flow::journal::BreakKind;
use signflow::flow::model::{
    Authentication, DocumentFilter, DocumentKind, DocumentStatus, MemberIdentity, Organisation,
    Right, Role,
};
use signflow::flow::store::{AppendRequest, StoreError};
use signflow::flow::{
    AnyStore, AuditReport, CommandKind, DocumentState, Flow, FlowError, FlowSigner, FlowStore,
    NewDocument, NewMember, Proof, Refusal, SignatureCheck, SigningStep, Step,
};
use signflow::pki::{Certificate, TrustContext, UnixTime};

const SENDER: &str = "7707083893";
const SENDER_OGRN: &str = "1027700132195";
const RECIPIENT: &str = "5001007329";
const RECIPIENT_OGRN: &str = "1045000012342";

fn at() -> UnixTime {
    UnixTime::from_utc(2027, 1, 1, 0, 0, 0)
}

fn provider() -> &'static CryptoProvider {
    CryptoProvider::all_compiled()[0]
}

fn cert(rel: &str) -> Certificate {
    Certificate::all_from_pem_or_der(&common::read(rel)).unwrap()[0].clone()
}

fn key(rel: &str) -> Box<dyn SigningKey> {
    let pem = String::from_utf8(common::read(rel)).unwrap();
    provider().load_private_key_pem(&pem).unwrap()
}

fn trust_context() -> TrustContext {
    TrustContext::builder()
        .provider(provider())
        .anchors_pem_or_der(&common::read("pki/root-ca.pem"))
        .unwrap()
        .crls_pem_or_der(&common::read("pki/root-ca.crl.pem"))
        .unwrap()
        .crls_pem_or_der(&common::read("pki/intermediate-ca.crl.pem"))
        .unwrap()
        .intermediates([cert("pki/intermediate-ca.pem")])
        .build()
}

/// A key with its certificate.
struct Party {
    identity: SigningIdentity,
    cert: Certificate,
}

impl Party {
    fn load(stem: &str) -> Self {
        let certificate = cert(&format!("{stem}.pem"));
        let identity = SigningIdentity::new(
            key(&format!("{stem}.key.pem")),
            certificate.clone(),
            vec![cert("pki/intermediate-ca.pem")],
        )
        .unwrap()
        .with_provider(provider());
        Self {
            identity,
            cert: certificate,
        }
    }

    fn signer(&self) -> FlowSigner<'_> {
        FlowSigner::new(&self.identity, at())
    }
}

/// Everyone's keys. The members of [`setup`]: sender (Ромашка) — boss (director,
/// administrator), ivanov (signer), clerk (operator), watcher (observer); recipient (Василёк) —
/// kuznetsova (director), petrova (signer), helper (operator). Deputy is a second certificate
/// bound to Ромашка (a plain one); stranger belongs to nobody; unbound and revoked fail.
struct Parties {
    boss: Party,
    kuznetsova: Party,
    ivanov: Party,
    clerk: Party,
    watcher: Party,
    petrova: Party,
    helper: Party,
    deputy: Party,
    stranger: Party,
    unbound: Party,
    revoked: Party,
}

fn parties() -> Parties {
    Parties {
        boss: Party::load("flow/director-romashka"),
        kuznetsova: Party::load("flow/director-vasilek"),
        ivanov: Party::load("pki/leaf-russian"),
        clerk: Party::load("flow/clerk-romashka"),
        watcher: Party::load("flow/watcher-romashka"),
        petrova: Party::load("flow/counterparty"),
        helper: Party::load("flow/helper-vasilek"),
        deputy: Party::load("flow/deputy-romashka"),
        stranger: Party::load("flow/stranger"),
        unbound: Party::load("pki/leaf-rsa"),
        revoked: Party::load("pki/leaf-revoked"),
    }
}

impl Parties {
    /// The key a member of [`setup`] signs with.
    fn of(&self, user: &str) -> &Party {
        match user {
            "boss" => &self.boss,
            "kuznetsova" => &self.kuznetsova,
            "ivanov" => &self.ivanov,
            "clerk" => &self.clerk,
            "watcher" => &self.watcher,
            "petrova" => &self.petrova,
            "helper" => &self.helper,
            "temp" | "deputy" => &self.deputy,
            _ => &self.stranger,
        }
    }
}

// ---- stores ---------------------------------------------------------------------------

/// A database for one test: every `open` is a new store with its own connections.
struct Db {
    kind: DbKind,
}

enum DbKind {
    Sqlite {
        _dir: tempfile::TempDir,
        path: String,
    },
    #[cfg(feature = "postgres")]
    Postgres { url: String, schema: String },
}

impl Db {
    async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flow.db").to_str().unwrap().to_owned();
        Self {
            kind: DbKind::Sqlite { _dir: dir, path },
        }
    }

    #[cfg(feature = "postgres")]
    fn postgres_url() -> String {
        std::env::var("SIGNFLOW_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
    }

    #[cfg(feature = "postgres")]
    async fn postgres(test: &str) -> Option<Self> {
        use sqlx::Connection as _;
        let url = Self::postgres_url();
        let mut conn = match sqlx::PgConnection::connect(&url).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("SKIPPED {test} on PostgreSQL: {url} does not answer ({e})");
                return None;
            }
        };
        let schema = format!("signflow_test_{test}_{}", std::process::id());
        sqlx::raw_sql(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
        Some(Self {
            kind: DbKind::Postgres { url, schema },
        })
    }

    async fn open(&self) -> AnyStore {
        self.try_open().await.unwrap()
    }

    async fn try_open(&self) -> Result<AnyStore, StoreError> {
        match &self.kind {
            DbKind::Sqlite { path, .. } => AnyStore::open(path).await,
            #[cfg(feature = "postgres")]
            DbKind::Postgres { url, schema } => {
                use std::str::FromStr as _;
                let options = sqlx::postgres::PgConnectOptions::from_str(url)
                    .unwrap()
                    .options([("search_path", schema.as_str())]);
                Ok(AnyStore::Postgres(
                    signflow::flow::PgStore::connect_with(options, 2).await?,
                ))
            }
        }
    }

    /// Runs raw SQL on the database without opening (and so migrating) a store.
    async fn raw(&self, sql: &str) {
        match &self.kind {
            DbKind::Sqlite { path, .. } => {
                use std::str::FromStr as _;
                let options =
                    sqlx::sqlite::SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
                        .unwrap()
                        .create_if_missing(true);
                let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
                sqlx::raw_sql(sql).execute(&pool).await.unwrap();
                pool.close().await;
            }
            #[cfg(feature = "postgres")]
            DbKind::Postgres { url, schema } => {
                use std::str::FromStr as _;
                let options = sqlx::postgres::PgConnectOptions::from_str(url)
                    .unwrap()
                    .options([("search_path", schema.as_str())]);
                let pool = sqlx::PgPool::connect_with(options).await.unwrap();
                sqlx::raw_sql(sql).execute(&pool).await.unwrap();
                pool.close().await;
            }
        }
    }

    /// Whether the store is PostgreSQL (for SQL dialect differences).
    fn is_postgres(&self) -> bool {
        !matches!(self.kind, DbKind::Sqlite { .. })
    }

    /// A blob literal in the database's dialect.
    fn bytes(&self, b: &[u8]) -> String {
        if self.is_postgres() {
            format!("'\\x{}'::bytea", hex::encode(b))
        } else {
            format!("X'{}'", hex::encode(b))
        }
    }

    /// Runs raw SQL on the database behind the store (tampering).
    async fn exec(&self, store: &AnyStore, sql: &str) {
        match store {
            AnyStore::Sqlite(s) => {
                sqlx::raw_sql(sql).execute(s.pool()).await.unwrap();
            }
            #[cfg(feature = "postgres")]
            AnyStore::Postgres(s) => {
                sqlx::raw_sql(sql).execute(s.pool()).await.unwrap();
            }
            #[allow(unreachable_patterns)]
            _ => unreachable!(),
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        #[cfg(feature = "postgres")]
        if let DbKind::Postgres { url, schema } = &self.kind {
            let (url, schema) = (url.clone(), schema.clone());
            // Best effort, on a thread of its own (we may be inside a runtime).
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    use sqlx::Connection as _;
                    if let Ok(mut c) = sqlx::PgConnection::connect(&url).await {
                        let _ = sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                            .execute(&mut c)
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A settable clock, starting at [`at`].
#[derive(Clone)]
struct Clock(Arc<AtomicI64>);

impl Clock {
    fn new() -> Self {
        Self(Arc::new(AtomicI64::new(at().0)))
    }
    fn set(&self, t: UnixTime) {
        self.0.store(t.0, Ordering::SeqCst);
    }
}

async fn flow_on(store: AnyStore, clock: &Clock) -> Flow<AnyStore> {
    let c = clock.0.clone();
    Flow::new(store, SignatureCheck::verify(trust_context()))
        .with_clock(move || UnixTime(c.load(Ordering::SeqCst)))
}

/// Asks `flow` for the notice of `step` by `user` and signs it with `party`'s key.
async fn prove(flow: &Flow<AnyStore>, user: &str, step: Step<'_>, party: &Party) -> Proof {
    let notice = flow.notice(user, &step).await.unwrap();
    party.signer().prove(&notice).unwrap()
}

fn organisation(inn: &str, ogrn: &str, name: &str) -> Organisation {
    Organisation {
        inn: inn.into(),
        ogrn: ogrn.into(),
        kpp: Some("773601001".into()),
        name: name.into(),
    }
}

/// Registers an organisation with `director` signing as its director.
async fn register(
    flow: &Flow<AnyStore>,
    org: Organisation,
    director: &str,
    party: &Party,
) -> Result<signflow::flow::OrganisationState, FlowError> {
    let proof = prove(flow, director, Step::RegisterOrganisation(&org), party).await;
    flow.register_organisation(director, org, &proof).await
}

/// `admin` (signing with `by`) adds `user` bound to `member`'s certificate.
#[allow(clippy::too_many_arguments)]
async fn add_member(
    flow: &Flow<AnyStore>,
    inn: &str,
    admin: &str,
    by: &Party,
    user: &str,
    role: Role,
    until: Option<UnixTime>,
    member: &Party,
) -> Result<signflow::flow::OrganisationState, FlowError> {
    let m = NewMember {
        user: user.into(),
        role,
        until,
        certificate: Some(member.cert.clone()),
    };
    let step = Step::AddMember {
        organisation: inn,
        member: &m,
    };
    let proof = prove(flow, admin, step, by).await;
    flow.add_member(admin, inn, &m, &proof).await
}

/// Both organisations, registered by their directors, and their members (see [`Parties`]).
async fn setup(db: &Db) -> (Flow<AnyStore>, Clock) {
    let p = parties();
    let clock = Clock::new();
    let flow = flow_on(db.open().await, &clock).await;
    register(
        &flow,
        organisation(SENDER, SENDER_OGRN, "ООО \"Ромашка\""),
        "boss",
        &p.boss,
    )
    .await
    .unwrap();
    register(
        &flow,
        organisation(RECIPIENT, RECIPIENT_OGRN, "ООО \"Василёк\""),
        "kuznetsova",
        &p.kuznetsova,
    )
    .await
    .unwrap();
    for (inn, admin, user, role) in [
        (SENDER, "boss", "ivanov", Role::Signer),
        (SENDER, "boss", "clerk", Role::Operator),
        (SENDER, "boss", "watcher", Role::Observer),
        (RECIPIENT, "kuznetsova", "petrova", Role::Signer),
        (RECIPIENT, "kuznetsova", "helper", Role::Operator),
    ] {
        add_member(&flow, inn, admin, p.of(admin), user, role, None, p.of(user))
            .await
            .unwrap();
    }
    (flow, clock)
}

/// Events [`setup`] writes: two registrations (with their directors) and five members.
const SETUP_EVENTS: u64 = 2 * 2 + 5;

fn new_document(content: &[u8]) -> NewDocument {
    NewDocument {
        id: NewDocument::new_id(),
        sender: SENDER.into(),
        recipient: RECIPIENT.into(),
        kind: DocumentKind::Contract,
        title: "Договор поставки № 17".into(),
        content: content.to_vec(),
        media_type: "text/plain".into(),
    }
}

/// The clerk creates a document.
async fn create(flow: &Flow<AnyStore>, content: &[u8]) -> DocumentState {
    let p = parties();
    let doc = new_document(content);
    let proof = prove(flow, "clerk", Step::Create(&doc), &p.clerk).await;
    flow.create("clerk", doc, &proof).await.unwrap()
}

async fn revise(
    flow: &Flow<AnyStore>,
    id: &str,
    user: &str,
    content: &[u8],
) -> Result<DocumentState, FlowError> {
    let p = parties();
    let step = Step::Revise {
        document: id,
        content,
        media_type: "text/plain",
    };
    let proof = prove(flow, user, step, p.of(user)).await;
    flow.revise(id, user, content.to_vec(), "text/plain", &proof)
        .await
}

async fn restore(
    flow: &Flow<AnyStore>,
    id: &str,
    user: &str,
    version: u32,
) -> Result<DocumentState, FlowError> {
    let p = parties();
    let step = Step::Restore {
        document: id,
        version,
    };
    let notice = flow.notice(user, &step).await?;
    let proof = p.of(user).signer().prove(&notice).unwrap();
    flow.restore(id, user, version, &proof).await
}

async fn give_back(
    flow: &Flow<AnyStore>,
    id: &str,
    user: &str,
    comment: &str,
) -> Result<DocumentState, FlowError> {
    let p = parties();
    let step = Step::Return {
        document: id,
        comment,
    };
    let proof = prove(flow, user, step, p.of(user)).await;
    flow.return_for_correction(id, user, comment, &proof).await
}

async fn reject(
    flow: &Flow<AnyStore>,
    id: &str,
    user: &str,
    comment: &str,
) -> Result<DocumentState, FlowError> {
    let p = parties();
    let step = Step::Reject {
        document: id,
        comment,
    };
    let proof = prove(flow, user, step, p.of(user)).await;
    flow.reject(id, user, comment, &proof).await
}

async fn withdraw(flow: &Flow<AnyStore>, id: &str, user: &str) -> Result<DocumentState, FlowError> {
    let p = parties();
    let notice = flow.notice(user, &Step::Withdraw { document: id }).await?;
    let proof = p.of(user).signer().prove(&notice).unwrap();
    flow.withdraw(id, user, &proof).await
}

async fn send(
    flow: &Flow<AnyStore>,
    id: &str,
    user: &str,
    party: &Party,
) -> Result<DocumentState, FlowError> {
    let doc = flow.document(id).await?;
    let content = flow.to_be_signed(&doc, CommandKind::Send).await?;
    let sig = party.signer().sign(&content).unwrap();
    flow.send(id, user, &sig).await
}

async fn accept(
    flow: &Flow<AnyStore>,
    id: &str,
    user: &str,
    party: &Party,
) -> Result<DocumentState, FlowError> {
    let doc = flow.document(id).await?;
    let receipt = flow.to_be_signed(&doc, CommandKind::Accept).await?;
    let sig = party.signer().sign(&receipt).unwrap();
    flow.accept(id, user, &sig).await
}

async fn cosign(
    flow: &Flow<AnyStore>,
    id: &str,
    user: &str,
    party: &Party,
) -> Result<DocumentState, FlowError> {
    let doc = flow.document(id).await?;
    let content = flow.to_be_signed(&doc, CommandKind::Sign).await?;
    let sent = doc.step(SigningStep::Sent, doc.current().number).unwrap();
    let existing = flow.blob(&sent.signature).await?;
    let sig = party.signer().cosign(&existing, &content).unwrap();
    flow.sign(id, user, &sig).await
}

fn event_names(entries: &[signflow::flow::JournalEntry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e.event().unwrap().name().to_owned())
        .collect()
}

fn refusal<T: std::fmt::Debug>(r: Result<T, FlowError>) -> Refusal {
    match r {
        Err(FlowError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The audit's first broken event, which must be there.
fn broken(report: &AuditReport) -> &signflow::flow::BrokenLink {
    report
        .broken
        .as_ref()
        .unwrap_or_else(|| panic!("the audit found nothing: {report:?}"))
}

fn sha2_256(data: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(data).to_vec()
}

// ---- the suite ----------------------------------------------------------------------------

async fn happy_path(db: Db) {
    let p = parties();
    let (flow, _) = setup(&db).await;
    // Every member is bound to their certificate: qualified ones by the person.
    let sender = flow.organisation(SENDER).await.unwrap();
    assert!(matches!(
        sender.members["boss"].identity,
        Some(MemberIdentity::Person { .. })
    ));
    assert_eq!(
        sender.members["ivanov"].identity,
        Some(MemberIdentity::Certificate {
            sha256: hex::encode(p.ivanov.cert.fingerprint_sha256())
        }),
        "leaf-russian is not qualified (no signature-tool extensions): bound by itself"
    );
    assert_eq!(sender.members["boss"].role, Role::Administrator);
    let content = b"Supply contract: 100 t of grain at 15 000 RUB/t.";
    let doc = create(&flow, content).await;
    assert_eq!(doc.status, DocumentStatus::Draft);
    assert_eq!(doc.current().number, 1);
    assert_eq!(doc.current().size, content.len() as u64);
    assert_eq!(doc.current().sha256, hex::encode(sha2_256(content)));

    let doc = send(&flow, &doc.id, "ivanov", &p.ivanov).await.unwrap();
    assert_eq!(doc.status, DocumentStatus::Sent);
    let sent = doc.step(SigningStep::Sent, 1).unwrap();
    assert!(sent.signer.verified);
    assert!(
        sent.signer.subject.contains("Иванов"),
        "{}",
        sent.signer.subject
    );

    let doc = accept(&flow, &doc.id, "petrova", &p.petrova).await.unwrap();
    assert_eq!(doc.status, DocumentStatus::Accepted);
    let receipt = flow.receipt(&doc, 1).await.unwrap();
    let receipt = String::from_utf8(receipt).unwrap();
    assert!(receipt.contains(&doc.id) && receipt.contains(&doc.current().sha256));

    let doc = cosign(&flow, &doc.id, "petrova", &p.petrova).await.unwrap();
    assert_eq!(doc.status, DocumentStatus::Archived);
    // The state replays from the store to the same thing.
    assert_eq!(flow.document(&doc.id).await.unwrap(), doc);
    assert_eq!(
        event_names(&flow.history(&doc.id).await.unwrap()),
        ["document_created", "sent", "accepted", "signed", "archived"]
    );

    // The archived co-signature verifies on its own, with both organisations' signers.
    let cms = flow.signature(&doc, SigningStep::Signed, 1).await.unwrap();
    let sd = SignedData::from_ber(&cms).unwrap();
    let context = trust_context();
    let verifier = Verifier::from_context(&context);
    let mut reader: &[u8] = content;
    let report = verifier
        .verify(&sd, Some(&mut reader), &VerifyOptions::at(at()))
        .unwrap();
    assert_eq!(report.status, signflow::pki::Status::Valid, "{report}");
    assert_eq!(report.signers.len(), 2);

    // Listing and search.
    let mine = flow
        .list(&DocumentFilter {
            organisation: Some(RECIPIENT.into()),
            status: Some(DocumentStatus::Archived),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, doc.id);
    assert_eq!(mine[0].version, 1);
    let none = flow
        .list(&DocumentFilter {
            status: Some(DocumentStatus::Draft),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty());
    let invoices = flow
        .list(&DocumentFilter {
            kind: Some(DocumentKind::Invoice),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(invoices.is_empty());

    // Who proved each step: the creation and the signing steps by their members' signatures.
    let history = flow.history(&doc.id).await.unwrap();
    for e in &history {
        match e.authentication().unwrap() {
            Some(Authentication::Signature { signer, .. }) => {
                assert!(signer.verified, "{}", e.event_json)
            }
            other => panic!("{}: {other:?}", e.event_json),
        }
    }
    let audit = flow.audit().await.unwrap();
    assert!(audit.is_intact(), "{audit:?}");
    assert!(audit.listings_compared && audit.signatures_verified);
    assert_eq!(audit.events, SETUP_EVENTS + 5);
    // Every step but the directors' appended members and the archiving is signed.
    assert_eq!(audit.signed, SETUP_EVENTS - 2 + 4);
    assert_eq!((audit.unsigned, audit.attempts), (0, 0));
    assert!(audit.service.is_empty());
}

async fn return_and_revise(db: Db) {
    let p = parties();
    let (flow, _) = setup(&db).await;
    let doc = create(&flow, b"Act no. 5, price 1000").await;
    let id = doc.id.clone();
    send(&flow, &id, "ivanov", &p.ivanov).await.unwrap();

    // A comment is required, and blank is not a comment.
    let r = refusal(give_back(&flow, &id, "petrova", "  ").await);
    assert!(matches!(r, Refusal::CommentRequired { .. }), "{r}");

    let doc = give_back(&flow, &id, "petrova", "the price is wrong")
        .await
        .unwrap();
    assert_eq!(doc.status, DocumentStatus::Returned);
    assert_eq!(doc.comment.as_deref(), Some("the price is wrong"));

    let doc = revise(&flow, &id, "clerk", b"Act no. 5, price 900")
        .await
        .unwrap();
    assert_eq!(doc.status, DocumentStatus::Draft);
    assert_eq!(doc.current().number, 2);
    assert_ne!(doc.current().sha256, doc.versions[0].sha256);

    // Restoring version 1 makes version 3 with version 1's content; nothing is overwritten.
    let doc = restore(&flow, &id, "clerk", 1).await.unwrap();
    assert_eq!(doc.current().number, 3);
    assert_eq!(doc.current().restored_from, Some(1));
    assert_eq!(doc.current().sha256, doc.versions[0].sha256);
    assert_eq!(
        flow.content(&doc, 3).await.unwrap(),
        b"Act no. 5, price 1000"
    );
    assert_eq!(
        flow.content(&doc, 2).await.unwrap(),
        b"Act no. 5, price 900"
    );
    let r = refusal(restore(&flow, &id, "clerk", 9).await);
    assert!(
        matches!(
            r,
            Refusal::NoSuchVersion {
                version: 9,
                latest: 3
            }
        ),
        "{r}"
    );

    send(&flow, &id, "ivanov", &p.ivanov).await.unwrap();
    accept(&flow, &id, "petrova", &p.petrova).await.unwrap();
    let doc = cosign(&flow, &id, "petrova", &p.petrova).await.unwrap();
    assert_eq!(doc.status, DocumentStatus::Archived);
    assert!(doc.step(SigningStep::Signed, 3).is_some());
    assert!(doc.step(SigningStep::Sent, 1).is_some() && doc.step(SigningStep::Sent, 3).is_some());
    assert_eq!(
        event_names(&flow.history(&id).await.unwrap()),
        [
            "document_created",
            "sent",
            "returned",
            "version_added",
            "version_added",
            "sent",
            "accepted",
            "signed",
            "archived"
        ]
    );

    // Rejection is terminal.
    let doc = create(&flow, b"Invoice 12").await;
    send(&flow, &doc.id, "ivanov", &p.ivanov).await.unwrap();
    accept(&flow, &doc.id, "petrova", &p.petrova).await.unwrap();
    let doc = reject(&flow, &doc.id, "petrova", "we never ordered this")
        .await
        .unwrap();
    assert_eq!(doc.status, DocumentStatus::Rejected);

    // Withdrawal before acceptance is terminal too.
    let doc = create(&flow, b"Draft contract").await;
    send(&flow, &doc.id, "ivanov", &p.ivanov).await.unwrap();
    let doc = withdraw(&flow, &doc.id, "ivanov").await.unwrap();
    assert_eq!(doc.status, DocumentStatus::Withdrawn);
    let audit = flow.audit().await.unwrap();
    assert!(audit.is_intact(), "{audit:?}");
    // Each notice and its signature is a blob, and `openssl cms -verify`-able (tests/cli_flow.rs).
    assert!(audit.blobs >= 2 * 9, "{audit:?}");
}

/// Brings a new document to `status` through allowed commands.
async fn document_in(flow: &Flow<AnyStore>, p: &Parties, status: DocumentStatus) -> String {
    let id = create(flow, format!("content for {status}").as_bytes())
        .await
        .id;
    let steps: &[&str] = match status {
        DocumentStatus::Draft => &[],
        DocumentStatus::Sent => &["send"],
        DocumentStatus::Accepted => &["send", "accept"],
        DocumentStatus::Signed | DocumentStatus::Archived => &["send", "accept", "sign"],
        DocumentStatus::Returned => &["send", "return"],
        DocumentStatus::Rejected => &["send", "reject"],
        DocumentStatus::Withdrawn => &["withdraw"],
    };
    for step in steps {
        let r = match *step {
            "send" => send(flow, &id, "ivanov", &p.ivanov).await,
            "accept" => accept(flow, &id, "petrova", &p.petrova).await,
            "sign" => cosign(flow, &id, "petrova", &p.petrova).await,
            "return" => give_back(flow, &id, "petrova", "fix").await,
            "reject" => reject(flow, &id, "petrova", "no").await,
            _ => withdraw(flow, &id, "ivanov").await,
        };
        r.unwrap();
    }
    id
}

async fn transitions_refused(db: Db) {
    let p = parties();
    let (flow, _) = setup(&db).await;
    let kinds = [
        CommandKind::Revise,
        CommandKind::Restore,
        CommandKind::Send,
        CommandKind::Accept,
        CommandKind::Sign,
        CommandKind::Return,
        CommandKind::Reject,
        CommandKind::Withdraw,
    ];
    let mut refused = 0;
    for status in DocumentStatus::ALL {
        if status == DocumentStatus::Signed {
            continue; // never at rest: archived follows in the same append
        }
        let id = document_in(&flow, &p, status).await;
        assert_eq!(flow.document(&id).await.unwrap().status, status);
        for kind in kinds {
            if kind.allowed_from().contains(&status) {
                continue;
            }
            let before = flow.history(&id).await.unwrap().len();
            // The right member for the command, so the refusal is about the state.
            let (user, sig) = match kind.actor().0 {
                signflow::flow::machine::Side::Sender => ("boss", b"not a signature".as_slice()),
                signflow::flow::machine::Side::Recipient => ("petrova", b"x".as_slice()),
            };
            // The state is checked before the proof: no proof is needed to be refused.
            let proof = Proof::Signed {
                notice: Vec::new(),
                signature: Vec::new(),
            };
            let r = match kind {
                CommandKind::Revise => flow.revise(&id, user, b"new".to_vec(), "", &proof).await,
                CommandKind::Restore => flow.restore(&id, user, 1, &proof).await,
                CommandKind::Send => flow.send(&id, user, sig).await,
                CommandKind::Accept => flow.accept(&id, user, sig).await,
                CommandKind::Sign => flow.sign(&id, user, sig).await,
                CommandKind::Return => flow.return_for_correction(&id, user, "c", &proof).await,
                CommandKind::Reject => flow.reject(&id, user, "c", &proof).await,
                CommandKind::Withdraw => flow.withdraw(&id, user, &proof).await,
            };
            match refusal(r) {
                Refusal::Transition {
                    status: s, command, ..
                } => {
                    assert_eq!((s, command), (status, kind));
                }
                other => panic!("{kind} from {status}: {other}"),
            }
            assert_eq!(
                flow.history(&id).await.unwrap().len(),
                before,
                "{kind} from {status} stored something"
            );
            refused += 1;
        }
    }
    // 7 resting statuses × 8 commands, minus the allowed pairs (draft: revise, restore, send,
    // withdraw; sent: withdraw, accept, return, reject; accepted: sign, return, reject;
    // returned: revise, restore).
    assert_eq!(refused, 7 * 8 - 13);
    // The message names the state and the command.
    let id = document_in(&flow, &p, DocumentStatus::Archived).await;
    let msg = withdraw(&flow, &id, "ivanov")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("withdraw") && msg.contains("archived"),
        "{msg}"
    );
}

async fn rights_refused(db: Db) {
    let p = parties();
    let (flow, clock) = setup(&db).await;
    let new_doc = |user: &'static str| NewDocument {
        id: NewDocument::new_id(),
        sender: SENDER.into(),
        recipient: RECIPIENT.into(),
        kind: DocumentKind::Act,
        title: format!("by {user}"),
        content: b"act".to_vec(),
        media_type: String::new(),
    };
    for (user, party) in [("watcher", &p.watcher), ("petrova", &p.petrova)] {
        let doc = new_doc(user);
        let proof = prove(&flow, user, Step::Create(&doc), party).await;
        let r = refusal(flow.create(user, doc, &proof).await);
        match user {
            "watcher" => assert!(
                matches!(
                    r,
                    Refusal::MayNot {
                        right: Right::Edit,
                        ..
                    }
                ),
                "observers do not edit: {r}"
            ),
            _ => assert!(matches!(r, Refusal::NotMember { .. }), "{r}"),
        }
    }

    let id = create(&flow, b"act").await.id;
    let before = flow.history(&id).await.unwrap().len();
    let r = send(&flow, &id, "clerk", &p.ivanov).await;
    assert!(matches!(
        refusal(r),
        Refusal::MissingRight {
            right: Right::Send,
            ..
        }
    ));
    assert_eq!(flow.history(&id).await.unwrap().len(), before);

    send(&flow, &id, "ivanov", &p.ivanov).await.unwrap();
    let r = accept(&flow, &id, "ivanov", &p.petrova).await;
    assert!(
        matches!(refusal(r), Refusal::NotMember { .. }),
        "the sender's member cannot accept"
    );
    let r = accept(&flow, &id, "helper", &p.petrova).await;
    assert!(matches!(
        refusal(r),
        Refusal::MissingRight {
            right: Right::Sign,
            ..
        }
    ));

    // Membership management: an operator may not, even with a notice she signed herself.
    let r = add_member(
        &flow,
        SENDER,
        "clerk",
        &p.clerk,
        "intruder",
        Role::Administrator,
        None,
        &p.stranger,
    )
    .await;
    assert!(
        matches!(
            refusal(r),
            Refusal::MayNot {
                right: Right::Manage,
                ..
            }
        ),
        "an operator added a member"
    );
    // Rights lapse by themselves: a membership until a time, a grant until a time.
    let soon = UnixTime(at().0 + 100);
    add_member(
        &flow,
        SENDER,
        "boss",
        &p.boss,
        "temp",
        Role::Signer,
        Some(soon),
        &p.deputy,
    )
    .await
    .unwrap();
    let step = Step::Grant {
        organisation: SENDER,
        user: "clerk",
        right: Right::Send,
        until: Some(soon),
    };
    let proof = prove(&flow, "boss", step, &p.boss).await;
    let granted = flow
        .grant("boss", SENDER, "clerk", Right::Send, Some(soon), &proof)
        .await
        .unwrap();
    assert!(granted.members["clerk"].has_right(Right::Send, at()));
    let a = create(&flow, b"a").await.id;
    let b = create(&flow, b"b").await.id;
    send(&flow, &a, "temp", &p.deputy).await.unwrap();
    // The granted send right: the clerk withdraws (her personal certificate carries no INN of
    // the organisation, so she could not sign-and-send).
    withdraw(&flow, &b, "clerk").await.unwrap();
    clock.set(UnixTime(soon.0 + 1));
    let c = create(&flow, b"c").await.id;
    let r = send(&flow, &c, "temp", &p.deputy).await;
    assert!(
        matches!(refusal(r), Refusal::MissingRight { .. }),
        "temp's membership should have lapsed"
    );
    let r = withdraw(&flow, &c, "clerk").await;
    assert!(
        matches!(refusal(r), Refusal::MissingRight { .. }),
        "the clerk's grant should have lapsed"
    );
    assert_eq!(
        flow.document(&c).await.unwrap().status,
        DocumentStatus::Draft
    );
    // Removing a member ends every right at once.
    let step = Step::RemoveMember {
        organisation: SENDER,
        user: "watcher",
    };
    let proof = prove(&flow, "boss", step, &p.boss).await;
    let removed = flow
        .remove_member("boss", SENDER, "watcher", &proof)
        .await
        .unwrap();
    assert!(!removed.members.contains_key("watcher"));
    let audit = flow.audit().await.unwrap();
    assert!(audit.is_intact(), "{audit:?}");
    // The members listing follows: temp listed (lapsed, still a member), watcher gone.
    let listed: Vec<String> = flow
        .members(Some(SENDER))
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.member.user)
        .collect();
    assert_eq!(listed, ["boss", "clerk", "ivanov", "temp"]);
}

async fn signatures_refused(db: Db) {
    let p = parties();
    let (flow, _) = setup(&db).await;
    let id = create(&flow, b"contract").await.id;
    let doc = flow.document(&id).await.unwrap();
    let content = flow.content(&doc, 1).await.unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "the recipient's certificate for the sender",
            p.petrova.signer().sign(&content).unwrap(),
            "no signer's certificate is bound",
        ),
        (
            "a certificate without INN/OGRN",
            p.unbound.signer().sign(&content).unwrap(),
            "no signer's certificate is bound",
        ),
        (
            "a revoked certificate",
            p.revoked.signer().sign(&content).unwrap(),
            "revoked",
        ),
        (
            "a signature over other content",
            p.ivanov.signer().sign(b"other content").unwrap(),
            "invalid",
        ),
        (
            "not a signature",
            b"\x30\x03\x02\x01\x01".to_vec(),
            "not a CMS signature",
        ),
        (
            "another key of the sender organisation, not ivanov's",
            p.deputy.signer().sign(&content).unwrap(),
            "the signature is not ivanov's",
        ),
    ];
    for (i, (what, sig, expect)) in cases.iter().enumerate() {
        let r = flow.send(&id, "ivanov", sig).await;
        match refusal(r) {
            Refusal::Signature { command, reason } => {
                assert_eq!(command, CommandKind::Send);
                assert!(reason.contains(expect), "{what}: {reason}");
            }
            other => panic!("{what}: {other}"),
        }
        // The attempt is journaled, the state is unchanged.
        let history = flow.history(&id).await.unwrap();
        assert_eq!(history.len(), 2 + i, "{what}");
        assert_eq!(
            history.last().unwrap().event().unwrap().name(),
            "signing_refused"
        );
        assert_eq!(
            flow.document(&id).await.unwrap().status,
            DocumentStatus::Draft
        );
    }
    send(&flow, &id, "ivanov", &p.ivanov).await.unwrap();
    // Accepting with a signature over the content instead of the receipt.
    let sig = p.petrova.signer().sign(&content).unwrap();
    let r = refusal(flow.accept(&id, "petrova", &sig).await);
    assert!(matches!(r, Refusal::Signature { .. }), "{r}");
    accept(&flow, &id, "petrova", &p.petrova).await.unwrap();
    // Signing with a fresh signature that drops the sender's.
    let sig = p.petrova.signer().sign(&content).unwrap();
    let r = refusal(flow.sign(&id, "petrova", &sig).await);
    assert!(
        r.to_string()
            .contains("does not carry the sender's signature"),
        "{r}"
    );
    let doc = cosign(&flow, &id, "petrova", &p.petrova).await.unwrap();
    assert_eq!(doc.status, DocumentStatus::Archived);
    let audit = flow.audit().await.unwrap();
    assert!(audit.is_intact(), "{audit:?}");
    assert_eq!(audit.attempts, cases.len() as u64 + 2, "{audit:?}");
}

async fn concurrent_writers(db: Db) {
    let (flow, _) = setup(&db).await;
    let id = create(&flow, b"v1").await.id;
    let db = Arc::new(db);
    let mut tasks = Vec::new();
    for i in 0..32u32 {
        let db = db.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            let clock = Clock::new();
            let flow = flow_on(db.open().await, &clock).await;
            let content = format!("version by task {i}").into_bytes();
            let mut conflicts = 0u32;
            loop {
                // A fresh notice each time: it names the position it follows.
                match revise(&flow, &id, "clerk", &content).await {
                    Ok(_) => return conflicts,
                    Err(e) if e.is_conflict() => conflicts += 1,
                    Err(e) => panic!("task {i}: {e}"),
                }
            }
        }));
    }
    let mut conflicts = 0;
    for t in tasks {
        conflicts += t.await.unwrap();
    }
    let doc = flow.document(&id).await.unwrap();
    assert_eq!(doc.versions.len(), 33, "every task's version is there once");
    let history = flow.history(&id).await.unwrap();
    let seqs: Vec<u64> = history.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=33).collect::<Vec<u64>>());
    let mut contents: Vec<Vec<u8>> = Vec::new();
    for v in 2..=33 {
        contents.push(flow.content(&doc, v).await.unwrap());
    }
    contents.sort();
    contents.dedup();
    assert_eq!(contents.len(), 32, "no version lost or duplicated");
    eprintln!("32 racing revisions: {conflicts} conflicts retried");

    // 32 racing withdrawals without retry: exactly one wins.
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let db = db.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            let clock = Clock::new();
            let flow = flow_on(db.open().await, &clock).await;
            withdraw(&flow, &id, "boss").await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(d) => {
                assert_eq!(d.status, DocumentStatus::Withdrawn);
                won += 1;
            }
            Err(e) if e.is_conflict() => {}
            Err(FlowError::Refused(Refusal::Transition {
                status: DocumentStatus::Withdrawn,
                ..
            })) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(won, 1);
    let names = event_names(&flow.history(&id).await.unwrap());
    assert_eq!(names.iter().filter(|n| *n == "withdrawn").count(), 1);
    let audit = flow.audit().await.unwrap();
    assert!(audit.is_intact(), "{audit:?}");
}

/// A store with two finished documents and an open one: a journal worth tampering with.
async fn busy_store(db: &Db) -> (Flow<AnyStore>, Vec<signflow::flow::JournalEntry>) {
    let p = parties();
    let (flow, _) = setup(db).await;
    for n in 0..2 {
        let id = create(&flow, format!("contract {n}").as_bytes()).await.id;
        send(&flow, &id, "ivanov", &p.ivanov).await.unwrap();
        accept(&flow, &id, "petrova", &p.petrova).await.unwrap();
        cosign(&flow, &id, "petrova", &p.petrova).await.unwrap();
    }
    create(&flow, b"open").await;
    let all = flow.store().journal_page(0, 10_000).await.unwrap();
    (flow, all)
}

async fn tampering_detected(db: Db) {
    let (flow, journal) = busy_store(&db).await;
    assert!(flow.audit().await.unwrap().is_intact());
    // The first document's "sent" event, in the middle of the journal.
    let target = journal
        .iter()
        .find(|e| e.event().unwrap().name() == "sent")
        .unwrap()
        .clone();
    let k = target.global_seq;
    let last = journal.last().unwrap().global_seq;
    let store = flow.store();
    let blob = |b: &[u8]| db.bytes(b);

    // 1. Edit an event's content.
    db.exec(
        store,
        &format!("UPDATE events SET actor = 'mallory' WHERE global_seq = {k}"),
    )
    .await;
    let a = flow.audit().await.unwrap();
    let broken = a.broken.expect("an edit must be found");
    assert_eq!(broken.global_seq, k, "{broken:?}");
    assert!(broken.reason.contains("edited"), "{broken:?}");
    db.exec(
        store,
        &format!(
            "UPDATE events SET actor = '{}' WHERE global_seq = {k}",
            target.actor
        ),
    )
    .await;
    assert!(flow.audit().await.unwrap().is_intact(), "restored");

    // 2. Edit and recompute the event's own hash: the next event no longer chains to it.
    let mut forged = target.clone();
    forged.event_json = forged.event_json.replace("\"version\":1", "\"version\":2");
    assert_ne!(forged.event_json, target.event_json);
    let forged_hash = forged.computed_hash();
    db.exec(
        store,
        &format!(
            "UPDATE events SET event = '{}', hash = {} WHERE global_seq = {k}",
            forged.event_json.replace('\'', "''"),
            blob(&forged_hash)
        ),
    )
    .await;
    // The chains alone name the next event, which no longer links to it …
    let mut chain = signflow::flow::journal::Auditor::new();
    for e in flow.store().journal_page(0, 10_000).await.unwrap() {
        chain.feed(&e);
    }
    let by_chain = chain.finish(flow.store().head().await.unwrap());
    let by_chain = by_chain.broken.expect("rehashed edit, by the chains");
    assert_eq!(by_chain.global_seq, k + 1, "{by_chain:?}");
    // … the audit names the edited event itself: it is not what its signed step makes.
    let broken = flow.audit().await.unwrap().broken.expect("rehashed edit");
    assert_eq!(
        (broken.global_seq, broken.kind),
        (k, BreakKind::Event),
        "{broken:?}"
    );
    db.exec(
        store,
        &format!(
            "UPDATE events SET event = '{}', hash = {} WHERE global_seq = {k}",
            target.event_json.replace('\'', "''"),
            blob(&target.hash)
        ),
    )
    .await;
    assert!(flow.audit().await.unwrap().is_intact(), "restored");

    // 3. Reorder two events (swap their positions in the store-wide chain).
    db.exec(
        store,
        &format!(
            "UPDATE events SET global_seq = -1 WHERE global_seq = {k}; \
             UPDATE events SET global_seq = {k} WHERE global_seq = {k1}; \
             UPDATE events SET global_seq = {k1} WHERE global_seq = -1;",
            k1 = k + 1
        ),
    )
    .await;
    let broken = flow.audit().await.unwrap().broken.expect("reordering");
    assert_eq!(broken.global_seq, k, "{broken:?}");

    // 4. Delete an event (on a fresh copy of the journal: the reorder is still in place here,
    //    so swap back first).
    db.exec(
        store,
        &format!(
            "UPDATE events SET global_seq = -1 WHERE global_seq = {k}; \
             UPDATE events SET global_seq = {k} WHERE global_seq = {k1}; \
             UPDATE events SET global_seq = {k1} WHERE global_seq = -1;",
            k1 = k + 1
        ),
    )
    .await;
    assert!(flow.audit().await.unwrap().is_intact(), "restored");
    db.exec(store, &format!("DELETE FROM events WHERE global_seq = {k}"))
        .await;
    let broken = flow.audit().await.unwrap().broken.expect("deletion");
    assert_eq!(broken.global_seq, k + 1, "{broken:?}");

    // 5. Delete the newest events: only the recorded head tells.
    db.exec(
        store,
        &format!("DELETE FROM events WHERE global_seq >= {k}"),
    )
    .await;
    let broken = flow.audit().await.unwrap().broken.expect("tail deletion");
    assert_eq!(broken.global_seq, last, "{broken:?}");
    assert!(broken.reason.contains("head"), "{broken:?}");
}

// ---- integrity and authentication (issue 17) ------------------------------------------------

/// The journal entry of `stream` whose event is `name` (the first).
fn entry_of<'a>(
    journal: &'a [signflow::flow::JournalEntry],
    stream: &str,
    name: &str,
) -> &'a signflow::flow::JournalEntry {
    journal
        .iter()
        .find(|e| e.stream == stream && e.event().unwrap().name() == name)
        .unwrap_or_else(|| panic!("no {name} in {stream}"))
}

fn integrity<T: std::fmt::Debug>(r: Result<T, FlowError>) -> String {
    match r {
        Err(FlowError::Integrity(m)) => m,
        other => panic!("expected an integrity error, got {other:?}"),
    }
}

async fn blobs_checked_on_every_read(db: Db) {
    let p = parties();
    let (flow, journal) = busy_store(&db).await;
    let store = flow.store();
    let docs = flow.list(&DocumentFilter::default()).await.unwrap();
    let draft = &docs
        .iter()
        .find(|d| d.status == DocumentStatus::Draft)
        .unwrap()
        .id;
    let archived = &docs
        .iter()
        .find(|d| d.status == DocumentStatus::Archived)
        .unwrap()
        .id;
    let stream = |id: &str| format!("doc:{id}");

    // A draft's content edited in the database: nothing signs it, the audit names it.
    let doc = flow.document(draft).await.unwrap();
    let key = doc.current().sha256.clone();
    let original = flow.content(&doc, 1).await.unwrap();
    db.exec(
        store,
        &format!(
            "UPDATE blobs SET content = {} WHERE sha256 = '{key}'",
            db.bytes(b"pay 1000000 to mallory")
        ),
    )
    .await;
    let before = flow.history(draft).await.unwrap().len();
    let m = integrity(send(&flow, draft, "ivanov", &p.ivanov).await);
    assert!(
        m.contains(&key) && m.contains("does not match its key"),
        "{m}"
    );
    assert_eq!(
        flow.history(draft).await.unwrap().len(),
        before,
        "nothing stored"
    );
    integrity(flow.content(&doc, 1).await);
    integrity(flow.to_be_signed(&doc, CommandKind::Send).await);
    let audit = flow.audit().await.unwrap();
    let b = broken(&audit);
    assert_eq!(b.kind, BreakKind::Blob, "{b:?}");
    assert_eq!(
        b.global_seq,
        entry_of(&journal, &stream(draft), "document_created").global_seq
    );
    assert!(b.reason.contains(&key), "{b:?}");
    db.exec(
        store,
        &format!(
            "UPDATE blobs SET content = {} WHERE sha256 = '{key}'",
            db.bytes(&original)
        ),
    )
    .await;
    assert!(flow.audit().await.unwrap().is_intact(), "restored");

    // A signature blob zeroed.
    let doc = flow.document(archived).await.unwrap();
    let sig = doc.step(SigningStep::Signed, 1).unwrap().signature.clone();
    let original = flow.blob(&sig).await.unwrap();
    db.exec(
        store,
        &format!(
            "UPDATE blobs SET content = {} WHERE sha256 = '{sig}'",
            db.bytes(&[0; 100])
        ),
    )
    .await;
    let m = integrity(flow.blob(&sig).await);
    assert!(m.contains(&sig), "{m}");
    let audit = flow.audit().await.unwrap();
    let b = broken(&audit);
    assert_eq!(b.kind, BreakKind::Blob, "{b:?}");
    assert_eq!(
        b.global_seq,
        entry_of(&journal, &stream(archived), "signed").global_seq
    );
    db.exec(
        store,
        &format!(
            "UPDATE blobs SET content = {} WHERE sha256 = '{sig}'",
            db.bytes(&original)
        ),
    )
    .await;
    assert!(flow.audit().await.unwrap().is_intact(), "restored");

    // A blob deleted: the receipt, then the content.
    for (key, at_event) in [
        (
            doc.step(SigningStep::Accepted, 1)
                .unwrap()
                .receipt
                .clone()
                .unwrap(),
            "accepted",
        ),
        (doc.current().sha256.clone(), "document_created"),
    ] {
        let original = flow.blob(&key).await.unwrap();
        db.exec(store, &format!("DELETE FROM blobs WHERE sha256 = '{key}'"))
            .await;
        let m = integrity(flow.blob(&key).await);
        assert!(m.contains("missing"), "{m}");
        let audit = flow.audit().await.unwrap();
        let b = broken(&audit);
        assert_eq!(b.kind, BreakKind::Blob, "{b:?}");
        assert!(b.reason.contains("missing"), "{b:?}");
        assert_eq!(
            b.global_seq,
            entry_of(&journal, &stream(archived), at_event).global_seq
        );
        db.exec(
            store,
            &format!(
                "INSERT INTO blobs (sha256, content) VALUES ('{key}', {})",
                db.bytes(&original)
            ),
        )
        .await;
        assert!(flow.audit().await.unwrap().is_intact(), "restored");
    }
}

async fn listings_are_projections(db: Db) {
    let p = parties();
    let (flow, _) = busy_store(&db).await;
    let store = flow.store();
    assert!(flow.audit().await.unwrap().is_intact());
    let docs = flow.list(&DocumentFilter::default()).await.unwrap();
    let archived = docs
        .iter()
        .find(|d| d.status == DocumentStatus::Archived)
        .unwrap()
        .id
        .clone();
    let draft = docs
        .iter()
        .find(|d| d.status == DocumentStatus::Draft)
        .unwrap()
        .id
        .clone();
    db.exec(
        store,
        &format!(
            "UPDATE documents SET title = 'Договор поставки № 71', sender = '{RECIPIENT}' \
             WHERE id = '{archived}'; \
             UPDATE organisations SET name = 'ООО \"Лютик\"' WHERE inn = '{SENDER}'; \
             UPDATE members SET role = 'administrator' \
             WHERE organisation = '{SENDER}' AND user_id = 'clerk'; \
             INSERT INTO documents (id, kind, title, sender, recipient, status, version, \
             created_at, updated_at) VALUES ('forged', 'invoice', 'pay mallory', '{SENDER}', \
             '{RECIPIENT}', 'archived', 1, 0, 0); \
             DELETE FROM documents WHERE id = '{draft}'; \
             DELETE FROM members WHERE organisation = '{RECIPIENT}' AND user_id = 'helper'; \
             INSERT INTO organisations (inn, ogrn, kpp, name) \
             VALUES ('7728168971', '1177746000013', NULL, 'Fake');"
        ),
    )
    .await;
    let audit = flow.audit().await.unwrap();
    assert!(audit.broken.is_none(), "{audit:?}");
    assert!(!audit.is_intact() && audit.listings_compared);
    let found = |listing: &str, key: &str, what: &str| {
        assert!(
            audit
                .listings
                .iter()
                .any(|d| d.listing == listing && d.key == key && d.difference.contains(what)),
            "{listing} {key} {what}: {:#?}",
            audit.listings
        );
    };
    found(
        "documents",
        &archived,
        "title is \"Договор поставки № 71\" in the listing",
    );
    found("documents", &archived, "sender is");
    found("documents", "forged", "the journal does not");
    found("documents", &draft, "the listing does not");
    found(
        "organisations",
        SENDER,
        "name is \"ООО \\\"Лютик\\\"\" in the listing",
    );
    found("organisations", "7728168971", "the journal does not");
    found(
        "members",
        &format!("{SENDER}/clerk"),
        "role is \"administrator\" in the listing",
    );
    found(
        "members",
        &format!("{RECIPIENT}/helper"),
        "the listing does not",
    );
    assert_eq!(audit.listings.len(), 8, "{:#?}", audit.listings);

    // Nothing the flow decides reads a listing: the clerk is still an operator.
    let r = withdraw(&flow, &draft, "clerk").await;
    assert!(matches!(refusal(r), Refusal::MissingRight { .. }));

    let rebuilt = flow.rebuild_listings().await.unwrap();
    assert_eq!(rebuilt.listings.len(), 8);
    let audit = flow.audit().await.unwrap();
    assert!(audit.is_intact(), "{audit:?}");
    let docs = flow.list(&DocumentFilter::default()).await.unwrap();
    assert_eq!(docs.len(), 3);
    let row = docs.iter().find(|d| d.id == archived).unwrap();
    assert_eq!(
        (row.title.as_str(), row.sender.as_str()),
        ("Договор поставки № 17", SENDER)
    );
    assert_eq!(flow.organisations().await.unwrap().len(), 2);
    let helper = flow.members(Some(RECIPIENT)).await.unwrap();
    assert!(helper.iter().any(|m| m.member.user == "helper"));
    // The flow goes on as before.
    send(&flow, &draft, "ivanov", &p.ivanov).await.unwrap();
    assert!(flow.audit().await.unwrap().is_intact());
}

async fn steps_proven_by_their_members(db: Db) {
    let p = parties();
    let (flow, clock) = setup(&db).await;
    let id = create(&flow, b"contract").await.id;
    send(&flow, &id, "ivanov", &p.ivanov).await.unwrap();
    let before = flow.history(&id).await.unwrap().len();
    let unproven = |r: Result<DocumentState, FlowError>, what: &str| match refusal(r) {
        Refusal::Unauthenticated { reason, .. } => {
            assert!(reason.contains(what), "expected {what:?}: {reason}")
        }
        other => panic!("expected {what:?}, got {other}"),
    };
    let reject_step = Step::Reject {
        document: &id,
        comment: "no",
    };

    // Unsigned: a service's word on a flow that takes none, or no notice at all.
    unproven(
        flow.reject(&id, "petrova", "no", &Proof::Service).await,
        "signed steps only",
    );
    let garbage = Proof::Signed {
        notice: b"{}".to_vec(),
        signature: Vec::new(),
    };
    unproven(
        flow.reject(&id, "petrova", "no", &garbage).await,
        "not a notice",
    );
    // Petrova's notice signed with another member's key, or a stranger's.
    for other in [&p.helper, &p.stranger, &p.kuznetsova] {
        let proof = prove(&flow, "petrova", reject_step, other).await;
        unproven(
            flow.reject(&id, "petrova", "no", &proof).await,
            "not petrova's",
        );
    }
    // Petrova's own signature on a notice in someone else's name.
    let proof = prove(&flow, "kuznetsova", reject_step, &p.petrova).await;
    unproven(
        flow.reject(&id, "kuznetsova", "no", &proof).await,
        "not kuznetsova's",
    );
    // Her signed notice of one step used for another, or with another comment.
    let returning = prove(
        &flow,
        "petrova",
        Step::Return {
            document: &id,
            comment: "no",
        },
        &p.petrova,
    )
    .await;
    unproven(
        flow.reject(&id, "petrova", "no", &returning).await,
        "another step",
    );
    let proof = prove(&flow, "petrova", reject_step, &p.petrova).await;
    unproven(
        flow.reject(&id, "petrova", "yes", &proof).await,
        "another step",
    );
    // A notice signed too long before (or after) the step.
    clock.set(UnixTime(at().0 + signflow::flow::notice::NOTICE_WINDOW + 1));
    unproven(flow.reject(&id, "petrova", "no", &proof).await, "time");
    clock.set(at());
    // A notice edited after signing (the comment), re-serialised canonically.
    let Proof::Signed { notice, signature } = &proof else {
        unreachable!()
    };
    let mut edited = signflow::flow::Notice::parse(notice).unwrap();
    edited.step = signflow::flow::notice::NoticeStep::Reject {
        document: id.clone(),
        version: 1,
        comment: "yes".into(),
    };
    let edited = Proof::Signed {
        notice: edited.to_bytes(),
        signature: signature.clone(),
    };
    match refusal(flow.reject(&id, "petrova", "yes", &edited).await) {
        Refusal::Unauthenticated { reason, .. } => {
            assert!(
                reason.contains("invalid") || reason.contains("digest"),
                "{reason}"
            )
        }
        other => panic!("{other}"),
    }
    // None of that stored anything.
    assert_eq!(flow.history(&id).await.unwrap().len(), before);

    // A signing step with another member's key: kuznetsova (who holds the sign right) accepts
    // with petrova's key. Refused, and the attempt journaled.
    let r = accept(&flow, &id, "kuznetsova", &p.petrova).await;
    match refusal(r) {
        Refusal::Signature { reason, .. } => {
            assert!(reason.contains("not kuznetsova's"), "{reason}")
        }
        other => panic!("{other}"),
    }
    assert_eq!(flow.history(&id).await.unwrap().len(), before + 1);

    // A notice signed for an earlier state of the document is a conflict: sign again.
    let stale = prove(
        &flow,
        "petrova",
        Step::Return {
            document: &id,
            comment: "fix",
        },
        &p.petrova,
    )
    .await;
    accept(&flow, &id, "petrova", &p.petrova).await.unwrap();
    let r = flow
        .return_for_correction(&id, "petrova", "fix", &stale)
        .await;
    assert!(matches!(&r, Err(e) if e.is_conflict()), "{r:?}");
    let doc = give_back(&flow, &id, "petrova", "fix").await.unwrap();
    assert_eq!(doc.status, DocumentStatus::Returned);

    // Administration: by an administrator of that organisation, with their own key.
    let org_seq = |inn: &'static str| {
        let flow = &flow;
        async move { flow.organisation(inn).await.unwrap().seq }
    };
    let (sender_seq, recipient_seq) = (org_seq(SENDER).await, org_seq(RECIPIENT).await);
    let intruder = |r: Result<signflow::flow::OrganisationState, FlowError>| refusal(r);
    for (inn, admin, key) in [
        (RECIPIENT, "helper", &p.helper),
        (SENDER, "stranger", &p.stranger),
        (SENDER, "kuznetsova", &p.kuznetsova),
    ] {
        let r = intruder(
            add_member(
                &flow,
                inn,
                admin,
                key,
                "intruder",
                Role::Administrator,
                None,
                &p.stranger,
            )
            .await,
        );
        assert!(
            matches!(
                r,
                Refusal::MayNot {
                    right: Right::Manage,
                    ..
                }
            ),
            "{admin} in {inn}: {r}"
        );
    }
    let r = intruder(
        add_member(
            &flow,
            SENDER,
            "boss",
            &p.clerk,
            "intruder",
            Role::Administrator,
            None,
            &p.stranger,
        )
        .await,
    );
    assert!(r.to_string().contains("not boss's"), "{r}");
    let unbound = NewMember {
        user: "nobody".into(),
        role: Role::Observer,
        until: None,
        certificate: None,
    };
    let step = Step::AddMember {
        organisation: SENDER,
        member: &unbound,
    };
    let proof = prove(&flow, "boss", step, &p.boss).await;
    let r = intruder(flow.add_member("boss", SENDER, &unbound, &proof).await);
    assert!(matches!(r, Refusal::CertificateRequired(_)), "{r}");
    let r = intruder(
        add_member(
            &flow,
            SENDER,
            "boss",
            &p.boss,
            "ivanov2",
            Role::Signer,
            None,
            &p.ivanov,
        )
        .await,
    );
    assert!(matches!(r, Refusal::IdentityTaken { .. }), "{r}");
    // Registration: only a certificate that carries the organisation's INN and OGRN.
    for key in [&p.boss, &p.stranger, &p.kuznetsova] {
        let org = organisation("7728168971", "1177746000013", "ООО \"Лютик\"");
        let r = intruder(register(&flow, org, "director", key).await);
        assert!(
            r.to_string().contains("no signer's certificate is bound"),
            "{r}"
        );
    }
    let r = intruder(
        register(
            &flow,
            organisation(SENDER, SENDER_OGRN, "ООО \"Ромашка\""),
            "boss",
            &p.boss,
        )
        .await,
    );
    assert!(matches!(r, Refusal::OrganisationExists(_)), "{r}");
    assert!(flow.organisation("7728168971").await.is_err());
    assert_eq!(
        (org_seq(SENDER).await, org_seq(RECIPIENT).await),
        (sender_seq, recipient_seq),
        "a refused administrative step stored something"
    );
    let audit = flow.audit().await.unwrap();
    assert!(audit.is_intact(), "{audit:?}");
}

/// A signer record as the flow would write it for `party`.
fn signer_record(party: &Party) -> signflow::flow::model::SignerRecord {
    signflow::flow::model::SignerRecord {
        subject: party.cert.subject().to_string(),
        certificate_sha256: hex::encode(party.cert.fingerprint_sha256()),
        algorithm: "forged".into(),
        verified: true,
        mchd: None,
    }
}

/// Appends `events` to `stream` directly in the store, bypassing every check of the flow, as
/// someone with write access to the database (and signflow's code) could; returns the global
/// sequence number of the first.
#[allow(clippy::too_many_arguments)]
async fn forge(
    flow: &Flow<AnyStore>,
    stream: &str,
    actor: &str,
    at: UnixTime,
    events: &[signflow::flow::Event],
    auth: Option<&Authentication>,
    blobs: Vec<Vec<u8>>,
) -> u64 {
    let seq = flow.store().load_stream(stream).await.unwrap().len() as u64;
    let appended = flow
        .store()
        .append(AppendRequest {
            stream: stream.into(),
            expected_seq: seq,
            actor: actor.into(),
            at,
            events: events
                .iter()
                .map(|e| serde_json::to_string(e).unwrap())
                .collect(),
            blobs,
            document: None,
            organisation: None,
            members: Vec::new(),
            auth: auth.map(|a| serde_json::to_string(a).unwrap()),
            expect_also: Vec::new(),
        })
        .await
        .unwrap();
    // PostgreSQL's appends take their store-wide position from its sequencer, which every
    // read of the whole journal runs first.
    let journal = flow.store().journal_page(0, 100_000).await.unwrap();
    let first = &appended[0];
    journal
        .iter()
        .find(|e| e.stream == first.stream && e.seq == first.seq)
        .expect("the forged event is in the journal")
        .global_seq
}

/// Removes everything after `head` from the journal and puts the head back.
async fn unforge(db: &Db, flow: &Flow<AnyStore>, head: (u64, [u8; 32])) {
    db.exec(
        flow.store(),
        &format!(
            "DELETE FROM events WHERE global_seq > {}; \
             UPDATE chain_head SET global_seq = {}, hash = {} WHERE id = 1",
            head.0,
            head.0,
            db.bytes(&head.1)
        ),
    )
    .await;
    assert!(flow.audit().await.unwrap().is_intact(), "unforged");
}

/// A notice and its signature by `party`, as blobs, with the authentication record naming them.
fn signed_notice(notice: &signflow::flow::Notice, party: &Party) -> (Authentication, Vec<Vec<u8>>) {
    let bytes = notice.to_bytes();
    let sig = party.signer().sign(&bytes).unwrap();
    let auth = Authentication::Signature {
        signature: hex::encode(sha2_256(&sig)),
        signed: hex::encode(sha2_256(&bytes)),
        signer: signer_record(party),
    };
    (auth, vec![bytes, sig])
}

async fn forged_events_found(db: Db) {
    use signflow::flow::Event;
    use signflow::flow::notice::NoticeStep;
    let p = parties();
    let (flow, clock) = setup(&db).await;
    let soon = UnixTime(at().0 + 100);
    add_member(
        &flow,
        RECIPIENT,
        "kuznetsova",
        &p.kuznetsova,
        "temp",
        Role::Signer,
        Some(soon),
        &p.deputy,
    )
    .await
    .unwrap();
    let a = create(&flow, b"a").await.id;
    send(&flow, &a, "ivanov", &p.ivanov).await.unwrap();
    give_back(&flow, &a, "petrova", "fix").await.unwrap();
    let b = create(&flow, b"b").await.id;
    send(&flow, &b, "ivanov", &p.ivanov).await.unwrap();
    let head = flow.store().head().await.unwrap();
    let doc_b = format!("doc:{b}");
    let reject = |comment: &str| Event::Rejected {
        version: 1,
        comment: comment.into(),
    };
    let notice = |actor: &str, at: UnixTime, comment: &str| {
        signflow::flow::Notice::new(
            actor,
            2,
            at,
            NoticeStep::Reject {
                document: b.clone(),
                version: 1,
                comment: comment.into(),
            },
        )
    };
    let check = |audit: AuditReport, gseq: u64, kind: BreakKind, what: &str| {
        let found = broken(&audit);
        assert_eq!(
            (found.global_seq, found.kind),
            (gseq, kind),
            "{what}: {found:?}"
        );
        assert!(found.reason.contains(what), "{what}: {found:?}");
    };

    // An unsigned rejection.
    let g = forge(
        &flow,
        &doc_b,
        "petrova",
        at(),
        &[reject("forged")],
        None,
        vec![],
    )
    .await;
    check(
        flow.audit().await.unwrap(),
        g,
        BreakKind::Binding,
        "no authentication",
    );
    unforge(&db, &flow, head).await;

    // A rejection in petrova's name, its notice signed by helper.
    let (auth, blobs) = signed_notice(&notice("petrova", at(), "no"), &p.helper);
    let g = forge(
        &flow,
        &doc_b,
        "petrova",
        at(),
        &[reject("no")],
        Some(&auth),
        blobs,
    )
    .await;
    check(
        flow.audit().await.unwrap(),
        g,
        BreakKind::Binding,
        "not petrova's",
    );
    unforge(&db, &flow, head).await;

    // Petrova's real signed notice of returning document a, replayed onto document b.
    let history = flow.history(&a).await.unwrap();
    let returned = history
        .iter()
        .find(|e| e.event().unwrap().name() == "returned")
        .unwrap();
    let auth = returned.authentication().unwrap().unwrap();
    let event = returned.event().unwrap();
    let g = forge(
        &flow,
        &doc_b,
        "petrova",
        at(),
        &[event],
        Some(&auth),
        vec![],
    )
    .await;
    check(
        flow.audit().await.unwrap(),
        g,
        BreakKind::Signature,
        "another step",
    );
    unforge(&db, &flow, head).await;

    // A rejection by temp after her membership lapsed, properly signed with her key.
    let late = UnixTime(soon.0 + 1);
    let (auth, blobs) = signed_notice(&notice("temp", late, "late"), &p.deputy);
    let g = forge(
        &flow,
        &doc_b,
        "temp",
        late,
        &[reject("late")],
        Some(&auth),
        blobs,
    )
    .await;
    check(flow.audit().await.unwrap(), g, BreakKind::Right, "lapsed");
    unforge(&db, &flow, head).await;

    // The same step by the same member while her right held: the audit accepts it, so the
    // failure above is the lapse and nothing else.
    let (auth, blobs) = signed_notice(&notice("temp", at(), "in time"), &p.deputy);
    forge(
        &flow,
        &doc_b,
        "temp",
        at(),
        &[reject("in time")],
        Some(&auth),
        blobs,
    )
    .await;
    let audit = flow.audit().await.unwrap();
    assert!(audit.broken.is_none(), "{audit:?}");
    unforge(&db, &flow, head).await;

    // A rejection on the word of a service this store's flow does not take.
    let auth = Authentication::Service {
        by: "mallory-sso".into(),
    };
    let g = forge(
        &flow,
        &doc_b,
        "petrova",
        at(),
        &[reject("sso")],
        Some(&auth),
        vec![],
    )
    .await;
    check(
        flow.audit().await.unwrap(),
        g,
        BreakKind::Binding,
        "mallory-sso",
    );
    unforge(&db, &flow, head).await;

    // A stranger making himself administrator, signing it himself.
    let identity = MemberIdentity::of(&p.stranger.cert);
    let step = NoticeStep::AddMember {
        organisation: SENDER.into(),
        user: "stranger".into(),
        role: Role::Administrator,
        until: None,
        identity: Some(identity.clone()),
    };
    let org_seq = flow.organisation(SENDER).await.unwrap().seq;
    let n = signflow::flow::Notice::new("stranger", org_seq, at(), step);
    let (auth, blobs) = signed_notice(&n, &p.stranger);
    let added = Event::MemberAdded {
        user: "stranger".into(),
        role: Role::Administrator,
        until: None,
        identity: Some(identity),
    };
    let g = forge(
        &flow,
        &format!("org:{SENDER}"),
        "stranger",
        at(),
        &[added],
        Some(&auth),
        blobs,
    )
    .await;
    check(
        flow.audit().await.unwrap(),
        g,
        BreakKind::Right,
        "manage members",
    );
    unforge(&db, &flow, head).await;

    // A refused signing attempt is the one thing recorded unproven; a rejection may not be.
    let g = forge(
        &flow,
        &doc_b,
        "petrova",
        at(),
        &[reject("attempt")],
        Some(&Authentication::Attempt),
        vec![],
    )
    .await;
    check(
        flow.audit().await.unwrap(),
        g,
        BreakKind::Binding,
        "unproven",
    );
    unforge(&db, &flow, head).await;
    clock.set(at());
}

async fn service_authentication(db: Db) {
    let p = parties();
    let clock = Clock::new();
    let flow = flow_on(db.open().await, &clock)
        .await
        .with_service_authentication("intranet-sso");
    for (inn, ogrn) in [(SENDER, SENDER_OGRN), (RECIPIENT, RECIPIENT_OGRN)] {
        flow.register_organisation("director", organisation(inn, ogrn, inn), &Proof::Service)
            .await
            .unwrap();
    }
    for (inn, user, role, certificate) in [
        (SENDER, "ivanov", Role::Signer, Some(p.ivanov.cert.clone())),
        (SENDER, "clerk", Role::Operator, None),
        (RECIPIENT, "petrova", Role::Signer, None),
    ] {
        let m = NewMember {
            user: user.into(),
            role,
            until: None,
            certificate,
        };
        flow.add_member("director", inn, &m, &Proof::Service)
            .await
            .unwrap();
    }
    let doc = flow
        .create("clerk", new_document(b"sso"), &Proof::Service)
        .await
        .unwrap();
    // ivanov is bound to his certificate: even here his steps need his own key.
    let r = send(&flow, &doc.id, "ivanov", &p.deputy).await;
    assert!(matches!(refusal(r), Refusal::Signature { .. }));
    send(&flow, &doc.id, "ivanov", &p.ivanov).await.unwrap();
    // petrova is bound to nothing: her receipt is checked against the organisation only, and
    // the step recorded on the service's word.
    accept(&flow, &doc.id, "petrova", &p.petrova).await.unwrap();
    flow.return_for_correction(&doc.id, "petrova", "fix", &Proof::Service)
        .await
        .unwrap();
    let modes: Vec<String> = flow
        .history(&doc.id)
        .await
        .unwrap()
        .iter()
        .map(|e| match e.authentication().unwrap() {
            Some(Authentication::Signature { .. }) => "signed".into(),
            Some(Authentication::Service { by }) => by,
            Some(Authentication::Attempt) => "attempt".into(),
            None => "unsigned".into(),
        })
        .collect();
    assert_eq!(
        modes,
        [
            "intranet-sso",
            "attempt",
            "signed",
            "intranet-sso",
            "intranet-sso"
        ]
    );
    let audit = flow.audit().await.unwrap();
    assert!(audit.is_intact(), "{audit:?}");
    assert_eq!(audit.signed, 1);
    assert_eq!(audit.service["intranet-sso"], 2 + 3 + 3);
    // A flow (or the CLI) that takes no service's word finds the first such event.
    let strict = flow_on(db.open().await, &clock).await;
    let audit = strict.audit().await.unwrap();
    let b = broken(&audit);
    assert_eq!((b.kind, b.global_seq), (BreakKind::Binding, 1), "{b:?}");
    assert!(b.reason.contains("intranet-sso"), "{b:?}");
}

/// A store written by signflow with schema 1 (no signed steps) is migrated: its events stay
/// as they were, counted as unsigned; its directors take over with their certificates.
async fn migrated_from_schema_1(db: Db) {
    use signflow::flow::Event;
    use signflow::flow::journal::{PendingEvents, chain};
    let p = parties();
    let schema = if db.is_postgres() {
        include_str!("../src/flow/store/postgres/0001_journal.sql")
    } else {
        include_str!("../src/flow/store/sqlite/0001_journal.sql")
    };
    let content = b"a contract from before";
    let version = signflow::flow::model::Version {
        number: 1,
        sha256: hex::encode(sha2_256(content)),
        streebog256: {
            use streebog::Digest as _;
            hex::encode(streebog::Streebog256::digest(content))
        },
        size: content.len() as u64,
        media_type: "text/plain".into(),
        author: "clerk".into(),
        created_at: at(),
        restored_from: None,
    };
    let legacy_member = |user: &str, role| Event::MemberAdded {
        user: user.into(),
        role,
        until: None,
        identity: None,
    };
    let streams: Vec<(String, Vec<Event>)> = vec![
        (
            format!("org:{SENDER}"),
            vec![
                Event::OrganisationRegistered {
                    organisation: organisation(SENDER, SENDER_OGRN, "Romashka"),
                },
                legacy_member("ivanov", Role::Signer),
                legacy_member("clerk", Role::Operator),
            ],
        ),
        (
            format!("org:{RECIPIENT}"),
            vec![
                Event::OrganisationRegistered {
                    organisation: organisation(RECIPIENT, RECIPIENT_OGRN, "Vasilek"),
                },
                legacy_member("petrova", Role::Signer),
            ],
        ),
        (
            "doc:old-1".into(),
            vec![Event::DocumentCreated {
                id: "old-1".into(),
                kind: DocumentKind::Contract,
                title: "Old".into(),
                sender: SENDER.into(),
                recipient: RECIPIENT.into(),
                version: version.clone(),
            }],
        ),
    ];
    // Written the way schema-1 signflow wrote them (no authentication: the v1 hash).
    let mut sql = format!(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL); \
         INSERT INTO schema_version (version, applied_at) VALUES (1, 0); {schema};"
    );
    let mut head = (0, signflow::flow::journal::GENESIS);
    for (stream, events) in &streams {
        let json: Vec<String> = events
            .iter()
            .map(|e| serde_json::to_string(e).unwrap())
            .collect();
        assert!(
            json.iter().all(|j| !j.contains("identity")),
            "schema-1 JSON"
        );
        let actor = if stream.starts_with("doc:") {
            "clerk"
        } else {
            "system"
        };
        let pending = PendingEvents {
            stream,
            expected_seq: 0,
            actor,
            at: at(),
            events: &json,
            auth: None,
        };
        for e in chain(&pending, signflow::flow::journal::GENESIS, head) {
            sql += &format!(
                "INSERT INTO events (global_seq, stream, seq, at, actor, event, prev_hash, \
                 global_prev_hash, hash) VALUES ({}, '{}', {}, {}, '{}', '{}', {}, {}, {});",
                e.global_seq,
                e.stream,
                e.seq,
                e.at.0,
                e.actor,
                e.event_json.replace('\'', "''"),
                db.bytes(&e.prev_hash),
                db.bytes(&e.global_prev_hash),
                db.bytes(&e.hash)
            );
            head = (e.global_seq, e.hash);
        }
    }
    sql += &format!(
        "UPDATE chain_head SET global_seq = {}, hash = {} WHERE id = 1; \
         INSERT INTO blobs (sha256, content) VALUES ('{}', {}); \
         INSERT INTO organisations (inn, ogrn, kpp, name) VALUES \
         ('{SENDER}', '{SENDER_OGRN}', '773601001', 'Romashka'), \
         ('{RECIPIENT}', '{RECIPIENT_OGRN}', '773601001', 'Vasilek'); \
         INSERT INTO documents (id, kind, title, sender, recipient, status, version, created_at, \
         updated_at) VALUES ('old-1', 'contract', 'Old', '{SENDER}', '{RECIPIENT}', 'draft', 1, \
         {t}, {t});",
        head.0,
        db.bytes(&head.1),
        version.sha256,
        db.bytes(content),
        t = at().0
    );
    db.raw(&sql).await;

    // Opening migrates it to schema 2: the journal as it was, the members listed.
    let clock = Clock::new();
    let flow = flow_on(db.open().await, &clock).await;
    let audit = flow.audit().await.unwrap();
    assert!(audit.is_intact(), "{audit:?}");
    assert_eq!((audit.events, audit.unsigned, audit.signed), (6, 6, 0));
    let listed: Vec<(String, Option<MemberIdentity>)> = flow
        .members(None)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.member.user, m.member.identity))
        .collect();
    assert_eq!(
        listed,
        [
            ("petrova".into(), None),
            ("clerk".into(), None),
            ("ivanov".into(), None)
        ]
    );
    // Members from before are bound to nothing: they cannot act until added again.
    let r = send(&flow, "old-1", "ivanov", &p.ivanov).await;
    match refusal(r) {
        Refusal::Signature { reason, .. } => assert!(reason.contains("no certificate"), "{reason}"),
        other => panic!("{other}"),
    }
    // The directors take their organisations over with their certificates, once.
    let sender = organisation(SENDER, SENDER_OGRN, "Romashka");
    let r = refusal(register(&flow, sender.clone(), "boss", &p.kuznetsova).await);
    assert!(
        r.to_string().contains("no signer's certificate is bound"),
        "{r}"
    );
    let state = register(&flow, sender.clone(), "boss", &p.boss)
        .await
        .unwrap();
    assert_eq!(state.members["boss"].role, Role::Administrator);
    let r = refusal(register(&flow, sender, "boss2", &p.boss).await);
    assert!(matches!(r, Refusal::OrganisationExists(_)), "{r}");
    let recipient = organisation(RECIPIENT, RECIPIENT_OGRN, "Vasilek");
    register(&flow, recipient, "kuznetsova", &p.kuznetsova)
        .await
        .unwrap();
    add_member(
        &flow,
        SENDER,
        "boss",
        &p.boss,
        "ivanov",
        Role::Signer,
        None,
        &p.ivanov,
    )
    .await
    .unwrap();
    add_member(
        &flow,
        RECIPIENT,
        "kuznetsova",
        &p.kuznetsova,
        "petrova",
        Role::Signer,
        None,
        &p.petrova,
    )
    .await
    .unwrap();
    send(&flow, "old-1", "ivanov", &p.ivanov).await.unwrap();
    accept(&flow, "old-1", "petrova", &p.petrova).await.unwrap();
    let doc = cosign(&flow, "old-1", "petrova", &p.petrova).await.unwrap();
    assert_eq!(doc.status, DocumentStatus::Archived);
    let audit = flow.audit().await.unwrap();
    assert!(audit.is_intact(), "{audit:?}");
    assert_eq!(audit.unsigned, 6);
    assert_eq!(audit.signed, 2 + 2 + 3);
    // Schema 3: the first seal covers the whole journal, the schema-1 events with the rest.
    let checkpoint = flow.seal(None).await.unwrap();
    assert_eq!(checkpoint.tree_size, audit.events);
    let audit = flow.audit().await.unwrap();
    assert!(audit.is_intact(), "{audit:?}");
    assert_eq!(audit.tree.checkpoints, 1);
}

/// sqlx's migrator keeps the schema: a store newer than this build, a shipped migration that
/// differs from the one applied, or a pre-sqlx store newer than this build are refused as
/// corrupt, and a refused migration leaves the store as it was.
async fn schema_versions_checked(db: Db) {
    let store = db.open().await;
    drop(store);
    let corrupt = |r: Result<AnyStore, StoreError>, what: &str| match r {
        Err(StoreError::Corrupt(m)) => assert!(m.contains(what), "{m}"),
        other => panic!("{what}: {:?}", other.map(|_| "opened")),
    };
    db.raw(&format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, \
         execution_time) VALUES (99, 'future', TRUE, {}, 0)",
        db.bytes(&[0; 48])
    ))
    .await;
    corrupt(db.try_open().await, "newer than this signflow knows");
    db.raw(&format!(
        "DELETE FROM _sqlx_migrations WHERE version = 99; \
         UPDATE _sqlx_migrations SET checksum = {} WHERE version = 1",
        db.bytes(&[1; 48])
    ))
    .await;
    corrupt(db.try_open().await, "differs");
    // A store from before sqlx's migrator (schema_version), newer than this build: refused,
    // and the refused adoption leaves no migrations table behind.
    db.raw(
        "DROP TABLE _sqlx_migrations; \
         CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL); \
         INSERT INTO schema_version (version, applied_at) VALUES (1, 0), (2, 0), (7, 0)",
    )
    .await;
    corrupt(db.try_open().await, "schema version 7 is newer");
    db.raw("INSERT INTO schema_version (version, applied_at) VALUES (8, 0)")
        .await;
    corrupt(db.try_open().await, "schema version 8 is newer");
    // Back to the versions this build knows: adopted, and the store opens with its journal.
    // (Stores from before sqlx's migrator stop at schema 2: the checkpoints table and the
    // columns of journal format 3, which the first open above created, are not theirs;
    // schemas 3 and 4 add them again.)
    db.raw(&format!(
        "DELETE FROM schema_version WHERE version > 2; DROP TABLE checkpoints; \
         ALTER TABLE events DROP COLUMN sequenced; ALTER TABLE events DROP COLUMN append_id; {}",
        if db.is_postgres() {
            "DROP SEQUENCE event_append_id; DROP INDEX events_global_seq; \
             ALTER TABLE events ALTER COLUMN global_seq SET NOT NULL; \
             ALTER TABLE events ADD PRIMARY KEY (global_seq);"
        } else {
            ""
        }
    ))
    .await;
    let store = db.open().await;
    let flow = flow_on(store, &Clock::new()).await;
    assert!(flow.audit().await.unwrap().is_intact());
}

// ---- Merkle tree and checkpoints (issue 24) --------------------------------------------------

/// RFC 9162's MTH over leaf hashes, written here from the RFC's definition (independent of
/// `signflow::flow::merkle`).
fn rfc_root(leaves: &[[u8; 32]]) -> [u8; 32] {
    use sha2::Digest as _;
    match leaves.len() {
        0 => sha2::Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            let mut h = sha2::Sha256::new();
            h.update([1u8]);
            h.update(rfc_root(&leaves[..k]));
            h.update(rfc_root(&leaves[k..]));
            h.finalize().into()
        }
    }
}

/// An event's leaf hash as `JournalEntry::tree_leaf_data` documents it, spelled out here:
/// SHA-256(0x00 ‖ "signflow-leaf-v1\0" ‖ stream ‖ seq ‖ at ‖ actor ‖ event ‖ auth).
fn rfc_leaf(e: &signflow::flow::JournalEntry) -> [u8; 32] {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    let field = |h: &mut sha2::Sha256, b: &[u8]| {
        h.update((b.len() as u64).to_be_bytes());
        h.update(b);
    };
    h.update([0u8]);
    h.update(b"signflow-leaf-v1\0");
    field(&mut h, e.stream.as_bytes());
    h.update(e.seq.to_be_bytes());
    h.update(e.at.0.to_be_bytes());
    field(&mut h, e.actor.as_bytes());
    field(&mut h, e.event_json.as_bytes());
    match &e.auth_json {
        None => h.update([0u8]),
        Some(a) => {
            h.update([1u8]);
            field(&mut h, a.as_bytes());
        }
    }
    h.finalize().into()
}

/// Writes `journal` as the whole journal, with every stream and store-wide link and the head
/// recomputed: what an attacker with write access and signflow's code can do, which only the
/// checkpoints catch.
async fn rewrite(db: &Db, flow: &Flow<AnyStore>, journal: &[signflow::flow::JournalEntry]) {
    use std::collections::HashMap;
    let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let mut streams: HashMap<String, (u64, [u8; 32])> = HashMap::new();
    let mut global = (0u64, [0u8; 32]);
    let mut sql = String::from("DELETE FROM events;");
    for e in journal {
        let mut e = e.clone();
        let (seq, prev) = streams.get(&e.stream).copied().unwrap_or((0, [0; 32]));
        e.global_seq = global.0 + 1;
        e.global_prev_hash = global.1;
        e.seq = seq + 1;
        e.prev_hash = prev;
        e.hash = e.computed_hash();
        streams.insert(e.stream.clone(), (e.seq, e.hash));
        global = (e.global_seq, e.store_link());
        sql += &format!(
            "INSERT INTO events (global_seq, stream, seq, at, actor, event, auth, prev_hash, \
             global_prev_hash, hash, sequenced) \
             VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {});",
            e.global_seq,
            q(&e.stream),
            e.seq,
            e.at.0,
            q(&e.actor),
            q(&e.event_json),
            e.auth_json.as_deref().map_or("NULL".into(), q),
            db.bytes(&e.prev_hash),
            db.bytes(&e.global_prev_hash),
            db.bytes(&e.hash),
            e.format == signflow::flow::EntryFormat::Sequenced,
        );
    }
    sql += &format!(
        "UPDATE chain_head SET global_seq = {}, hash = {} WHERE id = 1;",
        global.0,
        db.bytes(&global.1)
    );
    db.exec(flow.store(), &sql).await;
}

/// The tree breaks an audit finds (asserting the chains hold, as the rewrite left them).
async fn tree_breaks(flow: &Flow<AnyStore>) -> Vec<signflow::flow::TreeBreak> {
    let report = flow.audit().await.unwrap();
    assert!(!report.is_intact());
    report.tree.breaks
}

async fn merkle_checkpoints(db: Db) {
    use signflow::flow::TreeBreak as T;
    use signflow::flow::merkle;
    let p = parties();
    let (flow, _) = setup(&db).await;
    // An empty tree's checkpoint is not needed: the first seal covers the setup's events.
    let c1 = flow.seal(None).await.unwrap();
    assert_eq!(c1.tree_size, SETUP_EVENTS);
    // Nothing new: the same checkpoint, nothing stored.
    assert_eq!(flow.seal(None).await.unwrap(), c1);
    let id = create(&flow, b"contract").await.id;
    create(&flow, b"another").await;
    send(&flow, &id, "ivanov", &p.ivanov).await.unwrap();
    let c2 = flow.seal(None).await.unwrap();
    accept(&flow, &id, "petrova", &p.petrova).await.unwrap();
    cosign(&flow, &id, "petrova", &p.petrova).await.unwrap();
    let c3 = flow.seal(None).await.unwrap();
    create(&flow, b"open").await;
    let cut = flow.store().head().await.unwrap().0;
    create(&flow, b"open too").await;
    let c4 = flow.seal(Some(&p.boss.identity)).await.unwrap();
    let (s1, s2, s3, s4) = (c1.tree_size, c2.tree_size, c3.tree_size, c4.tree_size);
    assert!(
        s1 + 3 <= s2 && s2 < s3 && s3 < cut && cut < s4,
        "{s1} {s2} {s3} {cut} {s4}"
    );
    assert_eq!(
        flow.checkpoints().await.unwrap(),
        [c1.clone(), c2.clone(), c3, c4.clone()]
    );

    // Intact: four checkpoints, three consistent pairs, the signature verified.
    let report = flow.audit().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(
        (
            report.tree.checkpoints,
            report.tree.signed,
            report.tree.consistent_pairs
        ),
        (4, 1, 3)
    );
    // Every root is the RFC's MTH over the events, computed here independently.
    let journal = flow.store().journal_page(0, 10_000).await.unwrap();
    let leaves: Vec<[u8; 32]> = journal.iter().map(rfc_leaf).collect();
    assert_eq!(leaves.len() as u64, s4);
    for c in flow.checkpoints().await.unwrap() {
        assert_eq!(c.root_hash, rfc_root(&leaves[..c.tree_size as usize]));
    }
    assert_eq!(report.tree.root, hex::encode(rfc_root(&leaves)));
    // Inclusion of every event in the last checkpoint, consistency between every pair.
    for (i, e) in journal.iter().enumerate() {
        assert_eq!(e.tree_leaf(), leaves[i]);
        let proof = flow.inclusion_proof(e.global_seq, s4).await.unwrap();
        merkle::verify_inclusion(i as u64, s4, &leaves[i], &proof, &c4.root_hash).unwrap();
        let other = (i + 1) % leaves.len();
        assert!(
            merkle::verify_inclusion(i as u64, s4, &leaves[other], &proof, &c4.root_hash).is_err()
        );
    }
    assert!(flow.inclusion_proof(s4 + 1, s4 + 1).await.is_err());
    let proof = flow.consistency_proof(s1, s4).await.unwrap();
    merkle::verify_consistency(s1, s4, &c1.root_hash, &c4.root_hash, &proof).unwrap();
    assert!(merkle::verify_consistency(s1, s4, &c2.root_hash, &c4.root_hash, &proof).is_err());
    // The signed checkpoint: a detached CMS by the organisation's key over its text, which
    // verifies on its own; exported and read back as JSON.
    let sd = SignedData::from_ber(c4.signature.as_deref().unwrap()).unwrap();
    let context = trust_context();
    let options = VerifyOptions::with_validation(context.validation_at(c4.timestamp));
    let verified = Verifier::from_context(&context)
        .verify_detached_bytes(&sd, &c4.signed_bytes(), &options)
        .unwrap();
    assert_eq!(
        verified.status,
        signflow::pki::Status::Valid,
        "{verified:?}"
    );
    let json = c4.to_json();
    assert!(json.contains(&hex::encode(c4.root_hash)), "{json}");
    assert_eq!(signflow::flow::Checkpoint::from_json(&json).unwrap(), c4);
    assert!(signflow::flow::Checkpoint::from_json("{\"format\":\"other\"}").is_err());

    // Each rewrite of history (chains recomputed, so only the checkpoints tell), then put back.
    let original = journal.clone();
    let restore = async |what: &str| {
        rewrite(&db, &flow, &original).await;
        let r = flow.audit().await.unwrap();
        assert!(r.is_intact(), "restored after {what}: {r:?}");
    };
    let k = s1 as usize + 1; // an index inside checkpoint 2's events (global_seq k + 1)
    // 1. An edited event.
    let mut edited = original.clone();
    edited[k].actor = "mallory".into();
    rewrite(&db, &flow, &edited).await;
    let breaks = tree_breaks(&flow).await;
    assert_eq!(
        breaks,
        [T::EventEdited {
            checkpoint: 2,
            first: s1 + 1,
            last: s2
        }],
        "edited"
    );
    restore("edit").await;
    // 2. An inserted event.
    let mut inserted = original.clone();
    let mut ghost = original[k].clone();
    ghost.stream = "doc:ghost".into();
    inserted.insert(k, ghost);
    rewrite(&db, &flow, &inserted).await;
    assert_eq!(
        tree_breaks(&flow).await,
        [T::EventInserted {
            checkpoint: 2,
            global_seq: k as u64 + 1
        }],
        "inserted"
    );
    restore("insertion").await;
    // 3. A deleted event.
    let mut deleted = original.clone();
    deleted.remove(k);
    rewrite(&db, &flow, &deleted).await;
    assert_eq!(
        tree_breaks(&flow).await,
        [T::EventDeleted {
            checkpoint: 2,
            first: s1 + 1,
            last: s2
        }],
        "deleted"
    );
    restore("deletion").await;
    // 4. Two neighbours of different streams swapped (inside checkpoint 2's events).
    let j = (s1 as usize..s2 as usize - 1)
        .find(|&j| original[j].stream != original[j + 1].stream)
        .expect("two documents' events meet");
    let mut reordered = original.clone();
    reordered.swap(j, j + 1);
    rewrite(&db, &flow, &reordered).await;
    assert_eq!(
        tree_breaks(&flow).await,
        [T::EventsReordered {
            checkpoint: 2,
            global_seq: j as u64 + 1
        }],
        "reordered"
    );
    restore("reordering").await;
    // 5. The tail cut (and the head pointed back): the chains alone cannot tell.
    rewrite(&db, &flow, &original[..cut as usize]).await;
    let report = flow.audit().await.unwrap();
    assert_eq!(report.broken, None, "the chains hold after a clean cut");
    assert_eq!(
        report.tree.breaks,
        [T::TailTruncated {
            checkpoint: 4,
            tree_size: s4,
            events: cut
        }]
    );
    restore("truncation").await;
    // 6. Forged checkpoints: a root changed while a later checkpoint still matches the journal;
    //    the signed one changed (its signature no longer verifies); one that goes back in size.
    let forge = async |sql: String| db.exec(flow.store(), &sql).await;
    forge(format!(
        "UPDATE checkpoints SET root_hash = {} WHERE id = 2",
        db.bytes(&[7; 32])
    ))
    .await;
    let breaks = tree_breaks(&flow).await;
    assert!(
        matches!(&breaks[..], [T::CheckpointForged { checkpoint: 2, reason }] if reason.contains("later checkpoint 4")),
        "{breaks:?}"
    );
    forge(format!(
        "UPDATE checkpoints SET root_hash = {} WHERE id = 2",
        db.bytes(&c2.root_hash)
    ))
    .await;
    forge(format!(
        "UPDATE checkpoints SET tree_size = {} WHERE id = 4",
        s4 - 1
    ))
    .await;
    let breaks = tree_breaks(&flow).await;
    assert!(
        matches!(&breaks[..], [T::CheckpointForged { checkpoint: 4, reason }] if reason.contains("signature")),
        "{breaks:?}"
    );
    forge(format!(
        "UPDATE checkpoints SET tree_size = {s4} WHERE id = 4"
    ))
    .await;
    forge(format!(
        "UPDATE checkpoints SET tree_size = {} WHERE id = 3",
        s1 - 1
    ))
    .await;
    let breaks = tree_breaks(&flow).await;
    assert!(
        matches!(&breaks[..], [T::CheckpointForged { checkpoint: 3, reason }] if reason.contains("fewer")),
        "{breaks:?}"
    );
    forge(format!(
        "UPDATE checkpoints SET tree_size = {s3} WHERE id = 3"
    ))
    .await;
    assert!(flow.audit().await.unwrap().is_intact());

    // A seal refuses a journal that does not chain from the last checkpoint on.
    create(&flow, b"later").await;
    let last = flow.store().head().await.unwrap().0;
    db.exec(
        flow.store(),
        &format!("UPDATE events SET actor = 'mallory' WHERE global_seq = {last}"),
    )
    .await;
    let err = flow.seal(None).await.unwrap_err();
    assert!(err.to_string().contains("not sealed"), "{err}");
}

// ---- signing under a power of attorney (МЧД, issue 21) ------------------------------------

/// [`trust_context`] with the МЧД test PKI's two roots and their CRLs (testdata/mchd).
fn mchd_context() -> TrustContext {
    TrustContext::builder()
        .provider(provider())
        .anchors_pem_or_der(&common::read("pki/root-ca.pem"))
        .unwrap()
        .anchors_pem_or_der(&common::read("mchd/ca.pem"))
        .unwrap()
        .anchors_pem_or_der(&common::read("mchd/gost-ca.pem"))
        .unwrap()
        .crls_pem_or_der(&common::read("pki/root-ca.crl.pem"))
        .unwrap()
        .crls_pem_or_der(&common::read("pki/intermediate-ca.crl.pem"))
        .unwrap()
        .crls_pem_or_der(&common::read("mchd/ca.crl.pem"))
        .unwrap()
        .crls_pem_or_der(&common::read("mchd/gost-ca.crl.pem"))
        .unwrap()
        .intermediates([cert("pki/intermediate-ca.pem")])
        .build()
}

/// A personal certificate of the МЧД PKI with its key (no INNLE, no OGRN).
fn mchd_party(stem: &str) -> Party {
    let certificate = cert(&format!("mchd/{stem}.pem"));
    let identity = SigningIdentity::new(
        key(&format!("mchd/{stem}.key.pem")),
        certificate.clone(),
        Vec::new(),
    )
    .unwrap()
    .with_provider(provider());
    Party {
        identity,
        cert: certificate,
    }
}

/// An МЧД of testdata/mchd with its detached signature.
fn mchd_file(name: &str) -> signflow::flow::MchdEvidence {
    signflow::flow::MchdEvidence {
        document: common::read(&format!("mchd/{name}.xml")),
        signature: common::read(&format!("mchd/{name}.xml.sig")),
    }
}

/// A flow over `db` checking with [`mchd_context`], on `clock`, revocation from `revoked`.
async fn mchd_flow(
    db: &Db,
    clock: &Clock,
    revoked: Option<signflow::mchd::RevokedList>,
) -> Flow<AnyStore> {
    let c = clock.0.clone();
    let flow = Flow::new(db.open().await, SignatureCheck::verify(mchd_context()))
        .with_clock(move || UnixTime(c.load(Ordering::SeqCst)));
    match revoked {
        Some(list) => flow.with_mchd_revocation(list),
        None => flow,
    }
}

async fn send_under(
    flow: &Flow<AnyStore>,
    id: &str,
    user: &str,
    party: &Party,
    mchd: Option<&signflow::flow::MchdEvidence>,
) -> Result<DocumentState, FlowError> {
    let doc = flow.document(id).await?;
    let content = flow.to_be_signed(&doc, CommandKind::Send).await?;
    let sig = party.signer().sign(&content).unwrap();
    flow.signing_step_with(id, user, CommandKind::Send, &sig, mchd)
        .await
}

/// The reason of a refused signing step, after checking it was journaled as
/// `signing_refused` and left the document a draft.
async fn refused_and_journaled(
    flow: &Flow<AnyStore>,
    id: &str,
    r: Result<DocumentState, FlowError>,
) -> String {
    let reason = match refusal(r) {
        Refusal::Signature { command, reason } => {
            assert_eq!(command, CommandKind::Send);
            reason
        }
        other => panic!("{other}"),
    };
    let history = flow.history(id).await.unwrap();
    let last = history.last().unwrap().event().unwrap();
    match last {
        signflow::flow::Event::SigningRefused { reason: r, .. } => assert_eq!(r, reason),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        flow.document(id).await.unwrap().status,
        DocumentStatus::Draft
    );
    reason
}

/// An employee signs for Ромашка with a personal certificate under the МЧД its director
/// signed (testdata/mchd/generate.sh): accepted with a valid one (RSA and GOST-signed), the
/// МЧД stored and journaled; refused and journaled without one, and with an expired, a not yet
/// valid, an altered, another principal's, an employee-signed, a revoked or an unknown-status
/// МЧД, by a stranger to it, without a required power, and after the member's right lapsed;
/// the director's signature as before. The audit re-checks every step.
async fn employee_under_mchd(db: Db) {
    let p = parties();
    let (_base, clock) = setup(&db).await;
    let none: Vec<String> = Vec::new();
    let flow = mchd_flow(&db, &clock, Some(signflow::mchd::RevokedList::new(&none))).await;
    let employee = mchd_party("employee");
    let stranger = mchd_party("stranger");
    for (user, party) in [("petrov", &employee), ("sidorov", &stranger)] {
        add_member(
            &flow,
            SENDER,
            "boss",
            &p.boss,
            user,
            Role::Signer,
            None,
            party,
        )
        .await
        .unwrap();
    }

    // Without an МЧД a personal certificate does not bind to the organisation.
    let id = create(&flow, b"contract 1").await.id;
    let r = send_under(&flow, &id, "petrov", &employee, None).await;
    let reason = refused_and_journaled(&flow, &id, r).await;
    assert!(
        reason.contains("no signer's certificate is bound"),
        "{reason}"
    );
    assert!(reason.contains("МЧД"), "{reason}");

    // Each bad МЧД (or signer) is refused with its reason, and journaled.
    let revoked = signflow::mchd::RevokedList::parse(
        &String::from_utf8(common::read("mchd/revoked.txt")).unwrap(),
    )
    .unwrap();
    let revoking = mchd_flow(&db, &clock, Some(revoked)).await;
    let unknown = mchd_flow(&db, &clock, None).await;
    // (what, flow, member, their key, МЧД file, the reason's words)
    type Case<'a> = (
        &'a str,
        &'a Flow<AnyStore>,
        &'a str,
        &'a Party,
        &'a str,
        &'a str,
    );
    let cases: Vec<Case<'_>> = vec![
        (
            "expired",
            &flow,
            "petrov",
            &employee,
            "expired",
            "had expired",
        ),
        (
            "not yet valid",
            &flow,
            "petrov",
            &employee,
            "notyet",
            "not yet valid",
        ),
        (
            "altered after signing",
            &flow,
            "petrov",
            &employee,
            "altered",
            "altered",
        ),
        (
            "another principal",
            &flow,
            "petrov",
            &employee,
            "other-principal",
            "not by the acting organisation",
        ),
        (
            "signed by the employee, not the director",
            &flow,
            "petrov",
            &employee,
            "employee-signed",
            "not signed by its principal",
        ),
        (
            "a stranger to the МЧД",
            &flow,
            "sidorov",
            &stranger,
            "valid",
            "not a representative",
        ),
        (
            "revoked",
            &revoking,
            "petrov",
            &employee,
            "valid",
            "is revoked",
        ),
        (
            "no revocation source",
            &unknown,
            "petrov",
            &employee,
            "valid",
            "revocation status",
        ),
    ];
    for (what, f, user, party, file, expect) in &cases {
        let id = create(f, what.as_bytes()).await.id;
        let r = send_under(f, &id, user, party, Some(&mchd_file(file))).await;
        let reason = refused_and_journaled(f, &id, r).await;
        assert!(reason.contains(expect), "{what}: {reason}");
    }

    // A valid МЧД: accepted, the МЧД and its signature stored with the step and journaled.
    let valid = mchd_file("valid");
    let doc = send_under(&flow, &id, "petrov", &employee, Some(&valid))
        .await
        .unwrap();
    assert_eq!(doc.status, DocumentStatus::Sent);
    let sent = doc.step(SigningStep::Sent, 1).unwrap();
    let record = sent.signer.mchd.as_ref().expect("the МЧД is recorded");
    assert_eq!(record.number, "0f1c2d3e-4b5a-4697-8a1b-2c3d4e5f6071");
    assert!(record.representative.contains("Петров"), "{record:?}");
    assert!(record.principal.contains(SENDER), "{record:?}");
    assert!(record.principal_signer.contains("Иванов"), "{record:?}");
    assert!(record.required_powers.is_empty());
    assert!(
        record
            .verdict
            .contains("requires no power for contract documents"),
        "{}",
        record.verdict
    );
    assert_eq!(flow.blob(&record.document).await.unwrap(), valid.document);
    assert_eq!(flow.blob(&record.signature).await.unwrap(), valid.signature);
    let history = flow.history(&id).await.unwrap();
    match history.last().unwrap().event().unwrap() {
        signflow::flow::Event::Sent { signer, .. } => {
            assert_eq!(signer.mchd.as_ref(), Some(record))
        }
        other => panic!("{other:?}"),
    }
    // Signed with GOST by the director's GOST certificate: accepted as well.
    let gost = create(&flow, b"contract gost").await.id;
    send_under(
        &flow,
        &gost,
        "petrov",
        &employee,
        Some(&mchd_file("valid-gost")),
    )
    .await
    .unwrap();

    // The organisation requires a power the МЧД does not grant: refused; one it grants: taken.
    let codes = vec!["SF_ACT_SIGN".to_owned()];
    let step = Step::RequirePowers {
        organisation: SENDER,
        kind: DocumentKind::Contract,
        codes: &codes,
    };
    let proof = prove(&flow, "boss", step, &p.boss).await;
    let org = flow
        .require_powers("boss", SENDER, DocumentKind::Contract, &codes, &proof)
        .await
        .unwrap();
    assert_eq!(
        org.required_powers(DocumentKind::Contract),
        codes.as_slice()
    );
    // Not by a member without the manage right.
    let step = Step::RequirePowers {
        organisation: SENDER,
        kind: DocumentKind::Contract,
        codes: &[],
    };
    let proof = prove(&flow, "petrov", step, &employee).await;
    let r = flow
        .require_powers("petrov", SENDER, DocumentKind::Contract, &[], &proof)
        .await;
    assert!(matches!(refusal(r), Refusal::MayNot { .. }));
    let id = create(&flow, b"contract powers").await.id;
    let r = send_under(&flow, &id, "petrov", &employee, Some(&valid)).await;
    let reason = refused_and_journaled(&flow, &id, r).await;
    assert!(
        reason.contains("does not grant the power SF_ACT_SIGN"),
        "{reason}"
    );
    let codes = vec!["SF_CONTRACT".to_owned(), "SF_DOC_SIGN".to_owned()];
    let step = Step::RequirePowers {
        organisation: SENDER,
        kind: DocumentKind::Contract,
        codes: &codes,
    };
    let proof = prove(&flow, "boss", step, &p.boss).await;
    flow.require_powers("boss", SENDER, DocumentKind::Contract, &codes, &proof)
        .await
        .unwrap();
    let doc = send_under(&flow, &id, "petrov", &employee, Some(&valid))
        .await
        .unwrap();
    let record = doc
        .step(SigningStep::Sent, 1)
        .unwrap()
        .signer
        .mchd
        .clone()
        .unwrap();
    assert_eq!(record.required_powers, codes);

    // The director's (INN/OGRN) signature as before, without an МЧД.
    let id = create(&flow, b"contract director").await.id;
    let doc = send_under(&flow, &id, "ivanov", &p.ivanov, None)
        .await
        .unwrap();
    assert!(
        doc.step(SigningStep::Sent, 1)
            .unwrap()
            .signer
            .mchd
            .is_none()
    );

    // A member's lapsing right still applies under a valid МЧД.
    add_member(
        &flow,
        SENDER,
        "boss",
        &p.boss,
        "petrov",
        Role::Signer,
        Some(UnixTime(at().0 + 3600)),
        &employee,
    )
    .await
    .unwrap();
    let id = create(&flow, b"contract lapsed").await.id;
    clock.set(UnixTime(at().0 + 7200));
    let r = send_under(&flow, &id, "petrov", &employee, Some(&valid)).await;
    assert!(matches!(refusal(r), Refusal::MissingRight { .. }));

    // The audit re-checks every step under an МЧД from the stored files.
    let audit = flow.audit().await.unwrap();
    assert!(audit.is_intact(), "{audit:?}");
    assert_eq!(audit.attempts, cases.len() as u64 + 2, "{audit:?}");
}

macro_rules! store_suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Db::sqlite().await).await;
                }
            )*
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(db) = super::Db::postgres(stringify!($name)).await {
                        super::$name(db).await;
                    }
                }
            )*
        }
    };
}

store_suite!(
    happy_path,
    return_and_revise,
    transitions_refused,
    rights_refused,
    signatures_refused,
    concurrent_writers,
    tampering_detected,
    blobs_checked_on_every_read,
    listings_are_projections,
    steps_proven_by_their_members,
    forged_events_found,
    service_authentication,
    migrated_from_schema_1,
    schema_versions_checked,
    merkle_checkpoints,
    employee_under_mchd,
);

#[cfg(not(feature = "postgres"))]
#[test]
fn postgres_suite_skipped_built_without_postgres_feature() {
    eprintln!("SKIPPED the PostgreSQL store suite: built without the `postgres` feature");
}

/// Where a store must already exist, it is not created; a PostgreSQL URL must name its
/// database; a file that is not a whole store is corrupt, not empty.
#[tokio::test]
async fn store_locations() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let typo = path("typo.db");
    assert!(matches!(
        AnyStore::open_existing(&typo).await,
        Err(StoreError::Missing(_))
    ));
    assert!(!std::path::Path::new(&typo).exists(), "nothing created");
    std::fs::write(path("empty.db"), b"").unwrap();
    std::fs::write(path("junk.db"), vec![b'x'; 4096]).unwrap();
    for name in ["empty.db", "junk.db"] {
        match AnyStore::open_existing(&path(name)).await {
            Err(StoreError::Corrupt(m)) => eprintln!("{name}: {m}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    // A store whose table or head row was deleted.
    for (sql, what) in [
        ("DROP TABLE members", "members"),
        ("DELETE FROM chain_head", "head"),
    ] {
        let p = path(&format!("{what}.db"));
        let AnyStore::Sqlite(s) = AnyStore::open(&p).await.unwrap() else {
            unreachable!()
        };
        sqlx::raw_sql(sql).execute(s.pool()).await.unwrap();
        s.pool().close().await;
        match AnyStore::open_existing(&p).await {
            Err(StoreError::Corrupt(m)) => assert!(m.contains(what), "{m}"),
            other => panic!("{what}: {other:?}"),
        }
    }
    #[cfg(feature = "postgres")]
    for url in [
        "postgres://postgres@127.0.0.1:5432",
        "postgres://postgres@127.0.0.1:5432/",
        "postgresql://",
        "postgres://127.0.0.1/?sslmode=disable",
    ] {
        for existing in [false, true] {
            let r = if existing {
                AnyStore::open_existing(url).await
            } else {
                AnyStore::open(url).await
            };
            assert!(
                matches!(r, Err(StoreError::InvalidLocation { .. })),
                "{url}: {r:?}"
            );
        }
    }
}

// ---- crash safety (SQLite) ------------------------------------------------------------------

/// Child mode of [`killed_writer_leaves_store_consistent`]: appends versions to the document
/// named in the environment until killed.
#[tokio::test]
async fn crash_child() {
    let (Ok(path), Ok(id)) = (
        std::env::var("SIGNFLOW_CRASH_DB"),
        std::env::var("SIGNFLOW_CRASH_DOC"),
    ) else {
        return; // not in child mode
    };
    let store = AnyStore::open_existing(&path).await.unwrap();
    let flow = Flow::new(store, SignatureCheck::TrustCaller).with_clock(at);
    for i in 0u64.. {
        // 256 KiB versions, so that the kill often lands inside a transaction; each signed
        // by the clerk.
        let mut content = vec![(i % 251) as u8; 256 * 1024];
        content[..8].copy_from_slice(&i.to_be_bytes());
        revise(&flow, &id, "clerk", &content).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_writer_leaves_store_consistent() {
    let db = Db::sqlite().await;
    #[allow(irrefutable_let_patterns)]
    let DbKind::Sqlite { path, .. } = &db.kind else {
        unreachable!()
    };
    let (flow, _) = setup(&db).await;
    let id = create(&flow, b"v1").await.id;
    let mut previous = 1;
    for round in 0..3 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "crash_child",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env("SIGNFLOW_CRASH_DB", path)
            .env("SIGNFLOW_CRASH_DOC", &id)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Let it write a few versions, then kill it without warning.
        let target = previous + 5 + round;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            let n = flow.history(&id).await.unwrap().len();
            if n >= target || std::time::Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5 + 7 * round as u64)).await;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let reopened = flow_on(db.open().await, &Clock::new()).await;
        let audit = reopened.audit().await.unwrap();
        assert!(audit.is_intact(), "round {round}: {audit:?}");
        let doc = reopened.document(&id).await.unwrap();
        assert!(
            doc.versions.len() > previous,
            "round {round}: the child wrote nothing"
        );
        for v in &doc.versions {
            let content = reopened.content(&doc, v.number).await.unwrap();
            assert_eq!(
                content.len() as u64,
                v.size,
                "round {round}: version {}",
                v.number
            );
        }
        let listed = reopened.list(&DocumentFilter::default()).await.unwrap();
        let row = listed.iter().find(|d| d.id == id).unwrap();
        assert_eq!(
            row.version,
            doc.current().number,
            "round {round}: listing row"
        );
        previous = doc.versions.len();
        eprintln!(
            "round {round}: killed after {} versions, store intact",
            previous
        );
    }
}

// ---- two processes on one PostgreSQL store ---------------------------------------------------

/// Child mode of [`postgres_processes_race_and_crash`]: revises the shared document and its
/// own, alternately, until killed (conflicts on the shared one retried).
#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_child() {
    let (Ok(schema), Ok(shared), Ok(own)) = (
        std::env::var("SIGNFLOW_PG_CHILD_SCHEMA"),
        std::env::var("SIGNFLOW_PG_CHILD_SHARED"),
        std::env::var("SIGNFLOW_PG_CHILD_OWN"),
    ) else {
        return; // not in child mode
    };
    use std::str::FromStr as _;
    let options = sqlx::postgres::PgConnectOptions::from_str(&Db::postgres_url())
        .unwrap()
        .options([("search_path", schema.as_str())]);
    let store = AnyStore::Postgres(
        signflow::flow::PgStore::connect_with(options, 2)
            .await
            .unwrap(),
    );
    let flow = Flow::new(store, SignatureCheck::TrustCaller).with_clock(at);
    let pid = std::process::id();
    for i in 0u64.. {
        // 64 KiB versions, so that a kill often lands inside a transaction.
        let mut content = vec![(i % 251) as u8; 64 * 1024];
        content[..8].copy_from_slice(&i.to_be_bytes());
        content[8..12].copy_from_slice(&pid.to_be_bytes());
        let id = if i % 2 == 0 { &shared } else { &own };
        loop {
            match revise(&flow, id, "clerk", &content).await {
                Ok(_) => break,
                Err(e) if e.is_conflict() => continue,
                Err(e) => panic!("{e}"),
            }
        }
    }
}

/// Two OS processes, each with its own pool, append to one PostgreSQL store at once: both to
/// one document (racing: no version lost or duplicated) and each to its own; the parent seals
/// meanwhile; then one is SIGKILLed mid-append while the other goes on, then the other. The
/// store stays whole: every stream gapless, every committed event given a store-wide position
/// without holes, and the audit (chains, links, replay, checkpoints) intact.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_processes_race_and_crash() {
    let Some(db) = Db::postgres("processes").await else {
        return;
    };
    let DbKind::Postgres { schema, .. } = &db.kind else {
        unreachable!()
    };
    let (flow, _) = setup(&db).await;
    let shared = create(&flow, b"shared v1").await.id;
    let own = [
        create(&flow, b"own a").await.id,
        create(&flow, b"own b").await.id,
    ];
    let spawn = |own: &str| {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "postgres_child",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env("SIGNFLOW_PG_CHILD_SCHEMA", schema)
            .env("SIGNFLOW_PG_CHILD_SHARED", &shared)
            .env("SIGNFLOW_PG_CHILD_OWN", own)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut children = [spawn(&own[0]), spawn(&own[1])];
    async fn versions(flow: &Flow<AnyStore>, id: &str) -> usize {
        flow.history(id).await.unwrap().len()
    }
    async fn wait_for(flow: &Flow<AnyStore>, id: &str, n: usize) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while versions(flow, id).await < n {
            assert!(std::time::Instant::now() < deadline, "the children stalled");
            tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        }
    }
    // Both write; the parent seals while they do.
    wait_for(&flow, &own[0], 6).await;
    let sealed = flow.seal(None).await.unwrap();
    wait_for(&flow, &own[1], 10).await;
    children[0].kill().unwrap(); // SIGKILL, most likely inside an append
    children[0].wait().unwrap();
    // The survivor goes on past the killed one's leftovers.
    let after_kill = versions(&flow, &own[1]).await;
    wait_for(&flow, &own[1], after_kill + 4).await;
    let sealed_later = flow.seal(None).await.unwrap();
    assert!(sealed_later.tree_size > sealed.tree_size);
    children[1].kill().unwrap();
    children[1].wait().unwrap();

    let reopened = flow_on(db.open().await, &Clock::new()).await;
    let audit = reopened.audit().await.unwrap();
    assert!(audit.is_intact(), "{audit:?}");
    let journal = reopened.store().journal_page(0, 100_000).await.unwrap();
    let positions: Vec<u64> = journal.iter().map(|e| e.global_seq).collect();
    assert_eq!(
        positions,
        (1..=journal.len() as u64).collect::<Vec<_>>(),
        "positions without holes"
    );
    assert_eq!(
        reopened.store().head().await.unwrap().0,
        journal.len() as u64
    );
    let AnyStore::Postgres(pg) = reopened.store() else {
        unreachable!()
    };
    let unsequenced: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE global_seq IS NULL")
            .fetch_one(pg.pool())
            .await
            .unwrap();
    assert_eq!(unsequenced, 0, "every committed event has its position");
    for id in [&shared, &own[0], &own[1]] {
        let doc = reopened.document(id).await.unwrap();
        let seqs: Vec<u64> = reopened
            .history(id)
            .await
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "{id}");
        let mut contents = Vec::new();
        for v in &doc.versions {
            let content = reopened.content(&doc, v.number).await.unwrap();
            assert_eq!(content.len() as u64, v.size, "{id} version {}", v.number);
            contents.push(content);
        }
        let n = contents.len();
        contents.sort();
        contents.dedup();
        assert_eq!(contents.len(), n, "{id}: no version duplicated");
    }
    let shared_versions = reopened.document(&shared).await.unwrap().versions.len();
    assert!(
        shared_versions > 3,
        "both children wrote the shared document"
    );
    eprintln!(
        "two processes: {} events, shared document at {shared_versions} versions, \
         checkpoints of {} and {} events",
        journal.len(),
        sealed.tree_size,
        sealed_later.tree_size
    );
}
