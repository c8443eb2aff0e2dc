//! The document flow, on every store: every transition (allowed and refused), the happy path,
//! the return-and-revise loop, rights that lapse, signature checks, 32 racing writers,
//! tampering found by the audit, and (SQLite) a writer killed mid-append.
//!
//! The PostgreSQL runs use `SIGNFLOW_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), each test in a schema of its own; they print
//! `SKIPPED` and pass when the server does not answer or the `postgres` feature is off.
#![cfg(feature = "sqlite")]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use signflow::cms::{SignedData, Verifier, VerifyOptions};
use signflow::crypto::{CryptoProvider, SigningKey};
use signflow::flow::model::{DocumentFilter, DocumentKind, Organisation, Right, Role, Status};
use signflow::flow::{
    AnyStore, CommandKind, DocumentState, Flow, FlowError, FlowSigner, NewDocument, Refusal,
    SYSTEM_ACTOR, SignatureCheck, TrustMaterial,
};
use signflow::pki::{Certificate, Crl, TrustStore, UnixTime};

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

fn trust_material() -> TrustMaterial {
    let mut trust = TrustStore::new();
    trust
        .add_pem_or_der(&common::read("pki/root-ca.pem"))
        .unwrap();
    let mut crls = Crl::all_from_pem_or_der(&common::read("pki/root-ca.crl.pem")).unwrap();
    crls.extend(Crl::all_from_pem_or_der(&common::read("pki/intermediate-ca.crl.pem")).unwrap());
    TrustMaterial {
        provider: provider(),
        trust,
        certificates: vec![cert("pki/intermediate-ca.pem")],
        crls,
    }
}

/// A key with its certificate: the sender's and recipient's signers, and some that must fail.
struct Party {
    key: Box<dyn SigningKey>,
    cert: Certificate,
    chain: Vec<Certificate>,
}

impl Party {
    fn load(stem: &str) -> Self {
        Self {
            key: key(&format!("{stem}.key.pem")),
            cert: cert(&format!("{stem}.pem")),
            chain: vec![cert("pki/intermediate-ca.pem")],
        }
    }

    fn signer(&self) -> FlowSigner<'_> {
        FlowSigner {
            provider: provider(),
            key: &*self.key,
            certificate: &self.cert,
            chain: &self.chain,
            at: at(),
        }
    }
}

struct Parties {
    sender: Party,
    recipient: Party,
    unbound: Party,
    revoked: Party,
}

fn parties() -> Parties {
    Parties {
        sender: Party::load("pki/leaf-russian"),
        recipient: Party::load("flow/counterparty"),
        unbound: Party::load("pki/leaf-rsa"),
        revoked: Party::load("pki/leaf-revoked"),
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
        match &self.kind {
            DbKind::Sqlite { path, .. } => AnyStore::open(path).await.unwrap(),
            #[cfg(feature = "postgres")]
            DbKind::Postgres { url, schema } => {
                use std::str::FromStr as _;
                let options = sqlx::postgres::PgConnectOptions::from_str(url)
                    .unwrap()
                    .options([("search_path", schema.as_str())]);
                AnyStore::Postgres(
                    signflow::flow::PgStore::connect_with(options, 2)
                        .await
                        .unwrap(),
                )
            }
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
    Flow::new(store, SignatureCheck::Verify(Box::new(trust_material())))
        .with_clock(move || UnixTime(c.load(Ordering::SeqCst)))
}

/// Both organisations and their members:
/// sender — ivanov (signer), clerk (operator), boss (administrator), watcher (observer);
/// recipient — petrova (signer), helper (operator).
async fn setup(db: &Db) -> (Flow<AnyStore>, Clock) {
    let clock = Clock::new();
    let flow = flow_on(db.open().await, &clock).await;
    for (inn, ogrn, name) in [
        (SENDER, SENDER_OGRN, "ООО \"Ромашка\""),
        (RECIPIENT, RECIPIENT_OGRN, "ООО \"Василёк\""),
    ] {
        flow.register_organisation(
            SYSTEM_ACTOR,
            Organisation {
                inn: inn.into(),
                ogrn: ogrn.into(),
                kpp: Some("773601001".into()),
                name: name.into(),
            },
        )
        .await
        .unwrap();
    }
    for (inn, user, role) in [
        (SENDER, "ivanov", Role::Signer),
        (SENDER, "clerk", Role::Operator),
        (SENDER, "boss", Role::Administrator),
        (SENDER, "watcher", Role::Observer),
        (RECIPIENT, "petrova", Role::Signer),
        (RECIPIENT, "helper", Role::Operator),
    ] {
        flow.add_member(SYSTEM_ACTOR, inn, user, role, None)
            .await
            .unwrap();
    }
    (flow, clock)
}

async fn create(flow: &Flow<AnyStore>, content: &[u8]) -> DocumentState {
    flow.create(
        "clerk",
        NewDocument {
            sender: SENDER.into(),
            recipient: RECIPIENT.into(),
            kind: DocumentKind::Contract,
            title: "Договор поставки № 17".into(),
            content: content.to_vec(),
            media_type: "text/plain".into(),
        },
    )
    .await
    .unwrap()
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
    let sent = doc.step("sent", doc.current().number).unwrap();
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

fn refusal(r: Result<DocumentState, FlowError>) -> Refusal {
    match r {
        Err(FlowError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

// ---- the suite ----------------------------------------------------------------------------

async fn happy_path(db: Db) {
    let p = parties();
    let (flow, _) = setup(&db).await;
    let content = b"Supply contract: 100 t of grain at 15 000 RUB/t.";
    let doc = create(&flow, content).await;
    assert_eq!(doc.status, Status::Draft);
    assert_eq!(doc.current().number, 1);
    assert_eq!(doc.current().size, content.len() as u64);
    assert_eq!(doc.current().sha256, hex::encode(sha2_256(content)));

    let doc = send(&flow, &doc.id, "ivanov", &p.sender).await.unwrap();
    assert_eq!(doc.status, Status::Sent);
    let sent = doc.step("sent", 1).unwrap();
    assert!(sent.signer.verified);
    assert!(
        sent.signer.subject.contains("Иванов"),
        "{}",
        sent.signer.subject
    );

    let doc = accept(&flow, &doc.id, "petrova", &p.recipient)
        .await
        .unwrap();
    assert_eq!(doc.status, Status::Accepted);
    let receipt = flow
        .blob(doc.step("accepted", 1).unwrap().receipt.as_ref().unwrap())
        .await
        .unwrap();
    let receipt = String::from_utf8(receipt).unwrap();
    assert!(receipt.contains(&doc.id) && receipt.contains(&doc.current().sha256));

    let doc = cosign(&flow, &doc.id, "petrova", &p.recipient)
        .await
        .unwrap();
    assert_eq!(doc.status, Status::Archived);
    // The state replays from the store to the same thing.
    assert_eq!(flow.document(&doc.id).await.unwrap(), doc);
    assert_eq!(
        event_names(&flow.history(&doc.id).await.unwrap()),
        ["document_created", "sent", "accepted", "signed", "archived"]
    );

    // The archived co-signature verifies on its own, with both organisations' signers.
    let cms = flow
        .blob(&doc.step("signed", 1).unwrap().signature)
        .await
        .unwrap();
    let sd = SignedData::from_ber(&cms).unwrap();
    let tm = trust_material();
    let verifier = Verifier::new(tm.provider, &tm.trust, tm.certificates, tm.crls);
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
            status: Some(Status::Archived),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, doc.id);
    assert_eq!(mine[0].version, 1);
    let none = flow
        .list(&DocumentFilter {
            status: Some(Status::Draft),
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

    let audit = flow.audit().await.unwrap();
    assert!(audit.is_intact(), "{audit:?}");
    // 2 registrations + 6 members + 5 document events.
    assert_eq!(audit.events, 13);
}

fn sha2_256(data: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(data).to_vec()
}

async fn return_and_revise(db: Db) {
    let p = parties();
    let (flow, _) = setup(&db).await;
    let doc = create(&flow, b"Act no. 5, price 1000").await;
    let id = doc.id.clone();
    send(&flow, &id, "ivanov", &p.sender).await.unwrap();

    // A comment is required, and blank is not a comment.
    let r = refusal(flow.return_for_correction(&id, "petrova", "  ").await);
    assert!(matches!(r, Refusal::CommentRequired { .. }), "{r}");

    let doc = flow
        .return_for_correction(&id, "petrova", "the price is wrong")
        .await
        .unwrap();
    assert_eq!(doc.status, Status::Returned);
    assert_eq!(doc.comment.as_deref(), Some("the price is wrong"));

    let doc = flow
        .revise(&id, "clerk", b"Act no. 5, price 900".to_vec(), "text/plain")
        .await
        .unwrap();
    assert_eq!(doc.status, Status::Draft);
    assert_eq!(doc.current().number, 2);
    assert_ne!(doc.current().sha256, doc.versions[0].sha256);

    // Restoring version 1 makes version 3 with version 1's content; nothing is overwritten.
    let doc = flow.restore(&id, "clerk", 1).await.unwrap();
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
    let r = refusal(flow.restore(&id, "clerk", 9).await);
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

    send(&flow, &id, "ivanov", &p.sender).await.unwrap();
    accept(&flow, &id, "petrova", &p.recipient).await.unwrap();
    let doc = cosign(&flow, &id, "petrova", &p.recipient).await.unwrap();
    assert_eq!(doc.status, Status::Archived);
    assert!(doc.step("signed", 3).is_some());
    assert!(doc.step("sent", 1).is_some() && doc.step("sent", 3).is_some());
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
    send(&flow, &doc.id, "ivanov", &p.sender).await.unwrap();
    accept(&flow, &doc.id, "petrova", &p.recipient)
        .await
        .unwrap();
    let doc = flow
        .reject(&doc.id, "petrova", "we never ordered this")
        .await
        .unwrap();
    assert_eq!(doc.status, Status::Rejected);

    // Withdrawal before acceptance is terminal too.
    let doc = create(&flow, b"Draft contract").await;
    send(&flow, &doc.id, "ivanov", &p.sender).await.unwrap();
    let doc = flow.withdraw(&doc.id, "ivanov").await.unwrap();
    assert_eq!(doc.status, Status::Withdrawn);
    assert!(flow.audit().await.unwrap().is_intact());
}

/// Brings a new document to `status` through allowed commands.
async fn document_in(flow: &Flow<AnyStore>, p: &Parties, status: Status) -> String {
    let id = create(flow, format!("content for {status}").as_bytes())
        .await
        .id;
    let steps: &[&str] = match status {
        Status::Draft => &[],
        Status::Sent => &["send"],
        Status::Accepted => &["send", "accept"],
        Status::Signed | Status::Archived => &["send", "accept", "sign"],
        Status::Returned => &["send", "return"],
        Status::Rejected => &["send", "reject"],
        Status::Withdrawn => &["withdraw"],
    };
    for step in steps {
        let r = match *step {
            "send" => send(flow, &id, "ivanov", &p.sender).await,
            "accept" => accept(flow, &id, "petrova", &p.recipient).await,
            "sign" => cosign(flow, &id, "petrova", &p.recipient).await,
            "return" => flow.return_for_correction(&id, "petrova", "fix").await,
            "reject" => flow.reject(&id, "petrova", "no").await,
            _ => flow.withdraw(&id, "ivanov").await,
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
    for status in Status::ALL {
        if status == Status::Signed {
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
            let r = match kind {
                CommandKind::Revise => flow.revise(&id, user, b"new".to_vec(), "").await,
                CommandKind::Restore => flow.restore(&id, user, 1).await,
                CommandKind::Send => flow.send(&id, user, sig).await,
                CommandKind::Accept => flow.accept(&id, user, sig).await,
                CommandKind::Sign => flow.sign(&id, user, sig).await,
                CommandKind::Return => flow.return_for_correction(&id, user, "c").await,
                CommandKind::Reject => flow.reject(&id, user, "c").await,
                CommandKind::Withdraw => flow.withdraw(&id, user).await,
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
    let id = document_in(&flow, &p, Status::Archived).await;
    let msg = flow.withdraw(&id, "ivanov").await.unwrap_err().to_string();
    assert!(
        msg.contains("withdraw") && msg.contains("archived"),
        "{msg}"
    );
}

async fn rights_refused(db: Db) {
    let p = parties();
    let (flow, clock) = setup(&db).await;
    let new_doc = |user: &'static str| NewDocument {
        sender: SENDER.into(),
        recipient: RECIPIENT.into(),
        kind: DocumentKind::Act,
        title: format!("by {user}"),
        content: b"act".to_vec(),
        media_type: String::new(),
    };
    let r = flow.create("watcher", new_doc("watcher")).await;
    assert!(
        matches!(
            refusal(r),
            Refusal::MayNot {
                right: Right::Edit,
                ..
            }
        ),
        "observers do not edit"
    );
    let r = flow.create("petrova", new_doc("petrova")).await;
    assert!(matches!(refusal(r), Refusal::NotMember { .. }));

    let id = create(&flow, b"act").await.id;
    let before = flow.history(&id).await.unwrap().len();
    let r = send(&flow, &id, "clerk", &p.sender).await;
    assert!(matches!(
        refusal(r),
        Refusal::MissingRight {
            right: Right::Send,
            ..
        }
    ));
    assert_eq!(flow.history(&id).await.unwrap().len(), before);

    send(&flow, &id, "ivanov", &p.sender).await.unwrap();
    let r = accept(&flow, &id, "ivanov", &p.recipient).await;
    assert!(
        matches!(refusal(r), Refusal::NotMember { .. }),
        "the sender's member cannot accept"
    );
    let r = accept(&flow, &id, "helper", &p.recipient).await;
    assert!(matches!(
        refusal(r),
        Refusal::MissingRight {
            right: Right::Sign,
            ..
        }
    ));

    // Membership management: an operator may not, an administrator may.
    let r = flow
        .add_member("clerk", SENDER, "intruder", Role::Administrator, None)
        .await;
    assert!(matches!(
        r,
        Err(FlowError::Refused(Refusal::MayNot {
            right: Right::Manage,
            ..
        }))
    ));
    // Rights lapse by themselves: a membership until a time, a grant until a time.
    let soon = UnixTime(at().0 + 100);
    flow.add_member("boss", SENDER, "temp", Role::Signer, Some(soon))
        .await
        .unwrap();
    flow.grant("boss", SENDER, "clerk", Right::Send, Some(soon))
        .await
        .unwrap();
    let a = create(&flow, b"a").await.id;
    let b = create(&flow, b"b").await.id;
    send(&flow, &a, "temp", &p.sender).await.unwrap();
    send(&flow, &b, "clerk", &p.sender).await.unwrap();
    clock.set(UnixTime(soon.0 + 1));
    let c = create(&flow, b"c").await.id;
    for user in ["temp", "clerk"] {
        let r = send(&flow, &c, user, &p.sender).await;
        assert!(
            matches!(refusal(r), Refusal::MissingRight { .. }),
            "{user}'s right should have lapsed"
        );
    }
    assert_eq!(flow.document(&c).await.unwrap().status, Status::Draft);
    assert!(flow.audit().await.unwrap().is_intact());
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
            p.recipient.signer().sign(&content).unwrap(),
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
            p.sender.signer().sign(b"other content").unwrap(),
            "invalid",
        ),
        (
            "not a signature",
            b"\x30\x03\x02\x01\x01".to_vec(),
            "not a CMS signature",
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
        assert_eq!(flow.document(&id).await.unwrap().status, Status::Draft);
    }
    send(&flow, &id, "ivanov", &p.sender).await.unwrap();
    // Accepting with a signature over the content instead of the receipt.
    let sig = p.recipient.signer().sign(&content).unwrap();
    let r = refusal(flow.accept(&id, "petrova", &sig).await);
    assert!(matches!(r, Refusal::Signature { .. }), "{r}");
    accept(&flow, &id, "petrova", &p.recipient).await.unwrap();
    // Signing with a fresh signature that drops the sender's.
    let sig = p.recipient.signer().sign(&content).unwrap();
    let r = refusal(flow.sign(&id, "petrova", &sig).await);
    assert!(
        r.to_string()
            .contains("does not carry the sender's signature"),
        "{r}"
    );
    let doc = cosign(&flow, &id, "petrova", &p.recipient).await.unwrap();
    assert_eq!(doc.status, Status::Archived);
    assert!(flow.audit().await.unwrap().is_intact());
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
            let mut conflicts = 0u32;
            loop {
                match flow
                    .revise(
                        &id,
                        "clerk",
                        format!("version by task {i}").into_bytes(),
                        "",
                    )
                    .await
                {
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
            flow.withdraw(&id, "boss").await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(d) => {
                assert_eq!(d.status, Status::Withdrawn);
                won += 1;
            }
            Err(e) if e.is_conflict() => {}
            Err(FlowError::Refused(Refusal::Transition {
                status: Status::Withdrawn,
                ..
            })) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(won, 1);
    let names = event_names(&flow.history(&id).await.unwrap());
    assert_eq!(names.iter().filter(|n| *n == "withdrawn").count(), 1);
    assert!(flow.audit().await.unwrap().is_intact());
}

/// A store with two finished documents and an open one: a journal worth tampering with.
async fn busy_store(db: &Db) -> (Flow<AnyStore>, Vec<signflow::flow::JournalEntry>) {
    let p = parties();
    let (flow, _) = setup(db).await;
    for n in 0..2 {
        let id = create(&flow, format!("contract {n}").as_bytes()).await.id;
        send(&flow, &id, "ivanov", &p.sender).await.unwrap();
        accept(&flow, &id, "petrova", &p.recipient).await.unwrap();
        cosign(&flow, &id, "petrova", &p.recipient).await.unwrap();
    }
    create(&flow, b"open").await;
    use signflow::flow::FlowStore as _;
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
    let hex_of = |b: &[u8]| hex::encode(b);
    let blob = |b: &[u8]| match store {
        AnyStore::Sqlite(_) => format!("X'{}'", hex_of(b)),
        #[allow(unreachable_patterns)]
        _ => format!("'\\x{}'::bytea", hex_of(b)),
    };

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
    let broken = flow.audit().await.unwrap().broken.expect("rehashed edit");
    assert_eq!(broken.global_seq, k + 1, "{broken:?}");
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
);

#[cfg(not(feature = "postgres"))]
#[test]
fn postgres_suite_skipped_built_without_postgres_feature() {
    eprintln!("SKIPPED the PostgreSQL store suite: built without the `postgres` feature");
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
    let store = AnyStore::open(&path).await.unwrap();
    let flow = Flow::new(store, SignatureCheck::TrustCaller).with_clock(at);
    for i in 0u64.. {
        // 256 KiB versions, so that the kill often lands inside a transaction.
        let mut content = vec![(i % 251) as u8; 256 * 1024];
        content[..8].copy_from_slice(&i.to_be_bytes());
        flow.revise(&id, "clerk", content, "").await.unwrap();
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
