//! Document-flow throughput: `send` transitions per second (each one a journaled, hash-chained
//! append with its signature blob and listing row), with signature verification off
//! (`SignatureCheck::TrustCaller`: the CMS is parsed and its certificate bound to the
//! organisation, nothing verified) and on (`SignatureCheck::Verify`: CMS signature, signed
//! attributes, certificate path and CRLs), on SQLite (a WAL file) and PostgreSQL
//! (`SIGNFLOW_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`, skipped when
//! it does not answer or the `postgres` feature is off), by 1, 4 and 16 concurrent writers,
//! each with its own connection pool.
//!
//! ```sh
//! cargo bench --bench flow --features postgres -- --warm-up-time 1 --measurement-time 5
//! ```
//!
//! One criterion iteration is one transition; the drafts and their signatures are made
//! before the clock starts (by a flow that takes a service's word for who acts, to keep the
//! setup short; the measured `send`s bind ivanov's signature to his member certificate).

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use signflow::SigningIdentity;
use signflow::crypto::CryptoProvider;
use signflow::flow::model::{DocumentKind, Organisation, Role};
use signflow::flow::{
    AnyStore, CommandKind, Flow, FlowSigner, NewDocument, NewMember, Proof, SignatureCheck,
};
use signflow::pki::{Certificate, TrustContext, UnixTime};

const SENDER: &str = "7707083893";
const RECIPIENT: &str = "5001007329";
/// How many concurrent writers send, one row of the table each.
const WRITERS: [usize; 3] = [1, 4, 16];

fn testdata(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{}/testdata/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn provider() -> &'static CryptoProvider {
    CryptoProvider::all_compiled()[0]
}

fn cert(rel: &str) -> Certificate {
    Certificate::all_from_pem_or_der(&testdata(rel)).unwrap()[0].clone()
}

fn at() -> UnixTime {
    UnixTime::from_utc(2027, 1, 1, 0, 0, 0)
}

fn check(verify: bool) -> SignatureCheck {
    if !verify {
        return SignatureCheck::TrustCaller;
    }
    let context = TrustContext::builder()
        .provider(provider())
        .anchors_pem_or_der(&testdata("pki/root-ca.pem"))
        .and_then(|b| b.crls_pem_or_der(&testdata("pki/root-ca.crl.pem")))
        .and_then(|b| b.crls_pem_or_der(&testdata("pki/intermediate-ca.crl.pem")))
        .unwrap()
        .intermediates([cert("pki/intermediate-ca.pem")])
        .build();
    SignatureCheck::verify(context)
}

/// Where a store lives: every `open` is a new pool on the same database.
#[derive(Clone)]
enum Location {
    Sqlite(Arc<tempfile::TempDir>),
    #[cfg(feature = "postgres")]
    Postgres(String, String),
}

impl Location {
    async fn open(&self) -> AnyStore {
        match self {
            Self::Sqlite(dir) => AnyStore::open(dir.path().join("flow.db").to_str().unwrap())
                .await
                .unwrap(),
            #[cfg(feature = "postgres")]
            Self::Postgres(url, schema) => {
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
}

#[cfg(feature = "postgres")]
async fn postgres(label: &str) -> Option<Location> {
    use sqlx::Connection as _;
    let url = std::env::var("SIGNFLOW_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut conn = match sqlx::PgConnection::connect(&url).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("SKIPPED flow/postgres benchmarks: {url} does not answer ({e})");
            return None;
        }
    };
    let schema = format!("signflow_bench_{label}_{}", std::process::id());
    sqlx::raw_sql(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    Some(Location::Postgres(url, schema))
}

async fn flow(location: &Location, verify: bool) -> Flow<AnyStore> {
    Flow::new(location.open().await, check(verify)).with_clock(at)
}

/// A flow for the setup: it takes the bench's word for who acts.
async fn setup_flow(location: &Location) -> Flow<AnyStore> {
    flow(location, false)
        .await
        .with_service_authentication("bench-setup")
}

async fn setup(location: &Location) {
    let f = setup_flow(location).await;
    for (inn, ogrn) in [(SENDER, "1027700132195"), (RECIPIENT, "1045000012342")] {
        let org = Organisation {
            inn: inn.into(),
            ogrn: ogrn.into(),
            kpp: None,
            name: inn.into(),
        };
        f.register_organisation("director", org, &Proof::Service)
            .await
            .unwrap();
    }
    let ivanov = NewMember {
        user: "ivanov".into(),
        role: Role::Administrator,
        until: None,
        certificate: Some(cert("pki/leaf-russian.pem")),
    };
    f.add_member("director", SENDER, &ivanov, &Proof::Service)
        .await
        .unwrap();
}

/// `n` drafts, each with the sender's signature over its content.
async fn drafts(location: &Location, n: u64) -> Vec<(String, Vec<u8>)> {
    let f = setup_flow(location).await;
    let key = provider()
        .load_private_key_pem(std::str::from_utf8(&testdata("pki/leaf-russian.key.pem")).unwrap())
        .unwrap();
    let identity = SigningIdentity::new(
        key,
        cert("pki/leaf-russian.pem"),
        vec![cert("pki/intermediate-ca.pem")],
    )
    .unwrap()
    .with_provider(provider());
    let signer = FlowSigner::new(&identity, at());
    let mut out = Vec::new();
    for i in 0..n {
        let mut content = vec![b'x'; 1024];
        content[..8].copy_from_slice(&i.to_be_bytes());
        let doc = f
            .create(
                "ivanov",
                NewDocument {
                    id: NewDocument::new_id(),
                    sender: SENDER.into(),
                    recipient: RECIPIENT.into(),
                    kind: DocumentKind::Act,
                    title: format!("act {i}"),
                    content,
                    media_type: String::new(),
                },
                &Proof::Service,
            )
            .await
            .unwrap();
        let tbs = f.to_be_signed(&doc, CommandKind::Send).await.unwrap();
        out.push((doc.id, signer.sign(&tbs).unwrap()));
    }
    out
}

/// Sends every draft with `writers` concurrent writers; returns the time taken.
async fn send_all(
    location: &Location,
    verify: bool,
    writers: usize,
    work: Vec<(String, Vec<u8>)>,
) -> Duration {
    let mut flows = Vec::new();
    for _ in 0..writers {
        flows.push(Arc::new(flow(location, verify).await));
    }
    let mut shares: Vec<Vec<(String, Vec<u8>)>> = vec![Vec::new(); writers];
    for (i, w) in work.into_iter().enumerate() {
        shares[i % writers].push(w);
    }
    let start = Instant::now();
    let tasks: Vec<_> = flows
        .into_iter()
        .zip(shares)
        .map(|(f, share)| {
            tokio::spawn(async move {
                for (id, sig) in share {
                    f.send(&id, "ivanov", &sig).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    start.elapsed()
}

fn bench_store(c: &mut Criterion, rt: &tokio::runtime::Runtime, name: &str, location: Location) {
    rt.block_on(setup(&location));
    let mut group = c.benchmark_group(format!("flow/{name}"));
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    for verify in [false, true] {
        for writers in WRITERS {
            let id = format!(
                "send/verify-{}/{}-writer{}",
                if verify { "on" } else { "off" },
                writers,
                if writers == 1 { "" } else { "s" }
            );
            group.bench_function(id, |b| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let work = drafts(&location, iters).await;
                        send_all(&location, verify, writers, work).await
                    })
                })
            });
        }
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    bench_store(c, &rt, "sqlite", Location::Sqlite(dir));
    #[cfg(feature = "postgres")]
    if let Some(pg) = rt.block_on(postgres("flow")) {
        bench_store(c, &rt, "postgres", pg.clone());
        if let Location::Postgres(url, schema) = pg {
            rt.block_on(async {
                use sqlx::Connection as _;
                let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
                let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                sqlx::raw_sql(&drop).execute(&mut conn).await.unwrap();
            });
        }
    }
    #[cfg(not(feature = "postgres"))]
    eprintln!("SKIPPED flow/postgres benchmarks: built without the `postgres` feature");
}

criterion_group!(flow_benches, benches);
criterion_main!(flow_benches);
