//! A sketch of a service built on signflow, without a web framework: each "request" is an
//! async function taking bytes, and the HTTP status it would answer with is printed.
//!
//! What it shows:
//! - one `AppState` in an `Arc`, built at startup: the trust context (anchors, intermediates,
//!   CRLs: an `Arc` inside, shared by every verification, never copied), the signing identity
//!   (from a PKCS#12 file) and the document flow on its store;
//! - CPU-bound verification moved off the async executor with `spawn_blocking`, eight at once;
//! - one `Verdict` whatever the format (CMS or XML), mapped to an HTTP status, with its first
//!   reason and the signer's Russian attributes;
//! - signing CAdES-BES and XMLDSig with the same identity, a chain validated to JSON, and a
//!   document taken through the flow.
//!
//! Run: `cargo run --example service` (exits 0 when every answer is the expected one).

use std::sync::Arc;

use signflow::flow::model::{DocumentKind, DocumentStatus, Organisation};
use signflow::flow::{CommandKind, Flow, NewDocument, SignatureCheck, SqliteStore, Step};
use signflow::pki::{Certificate, TrustContext, UnixTime};
use signflow::{Outcome, SigningIdentity, Verdict};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Everything a request handler needs, built once.
struct AppState {
    /// Anchors, intermediates, CRLs and policy: shared by every verification.
    context: TrustContext,
    /// The organisation's signer.
    identity: SigningIdentity,
    /// The document flow (its signature checks use the same context).
    flow: Flow<SqliteStore>,
}

fn testdata(rel: &str) -> Result<Vec<u8>, Error> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel);
    Ok(std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?)
}

fn password() -> Result<String, Error> {
    Ok(String::from_utf8(testdata("pki/PASSWORD")?)?
        .trim()
        .to_owned())
}

/// The test PKI's certificates were issued in 2026 and its CRLs are current until 2027; the
/// sketch pins the time so that it gives the same answers on any day.
fn now() -> UnixTime {
    UnixTime::from_utc(2027, 1, 1, 0, 0, 0)
}

/// The HTTP status a verification endpoint answers with.
fn http_status(verdict: &Verdict) -> u16 {
    match verdict.outcome {
        Outcome::Valid => 200,
        // The signature was read and is wrong: the request cannot be processed.
        Outcome::Invalid => 422,
        // Not a signature at all.
        Outcome::FormatError => 400,
        // The answer depends on something missing (a CRL, an unsupported algorithm): retry
        // when it is there.
        _ => 503,
    }
}

impl AppState {
    async fn start() -> Result<Arc<Self>, Error> {
        let context = TrustContext::builder()
            .anchors_pem_or_der(&testdata("pki/root-ca.pem")?)?
            .intermediates_pem_or_der(&testdata("pki/intermediate-ca.pem")?)?
            .crls_pem_or_der(&testdata("pki/root-ca.crl.pem")?)?
            .crls_pem_or_der(&testdata("pki/intermediate-ca.crl.pem")?)?
            .chain_cache(1024)
            .build();
        let identity =
            SigningIdentity::from_pkcs12(&testdata("pki/leaf-russian.p12")?, &password()?)?;
        let store = SqliteStore::open(":memory:").await?;
        let flow = Flow::new(store, SignatureCheck::verify(context.clone())).with_clock(now);
        Ok(Arc::new(Self {
            context,
            identity,
            flow,
        }))
    }

    /// `POST /verify`: the body is a CMS signature or an XML document; `content` the detached
    /// content, if any. The verification runs on the blocking pool; the state is shared.
    async fn verify(self: &Arc<Self>, body: Vec<u8>, content: Option<Vec<u8>>) -> Verdict {
        let state = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            signflow::verify_at(&state.context, &body, content.as_deref(), now())
        })
        .await
        .unwrap_or_else(|e| Verdict::format_error(None, format!("the verification failed: {e}")))
    }

    /// `POST /sign`: a detached CAdES-BES signature over the body.
    async fn sign(self: &Arc<Self>, body: Vec<u8>) -> Result<Vec<u8>, Error> {
        let state = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let options = signflow::cms::SignOptions::at(now());
            Ok(state
                .identity
                .sign_cms_detached(&body, &options)?
                .into_der())
        })
        .await?
    }

    /// `POST /chain`: the body is a certificate; the answer the validation report as JSON.
    fn validate_chain(&self, body: &[u8]) -> Result<(u16, String), Error> {
        let certificate = Certificate::all_from_pem_or_der(body)?.remove(0);
        let report = self
            .context
            .validator()
            .validate(&certificate, &self.context.validation_at(now()));
        let status = if report.status == signflow::pki::Status::Valid {
            200
        } else {
            422
        };
        Ok((status, serde_json::to_string(&report)?))
    }
}

/// A verification request: what it is, the body, the detached content, the status expected.
type Request = (&'static str, Vec<u8>, Option<Vec<u8>>, u16);

/// Prints one answer; whether it is the expected one.
fn answer(what: &str, got: u16, want: u16, detail: &str) -> bool {
    let mark = if got == want { "ok" } else { "UNEXPECTED" };
    println!("{mark:>10}  {got}  {what}: {detail}");
    got == want
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let state = AppState::start().await?;
    let mut all_as_expected = true;

    // Sign with the identity, then verify what was signed (and a tampered copy) below.
    let act = b"Act no. 17: 40 tonnes of grain delivered".to_vec();
    let signature = state.sign(act.clone()).await?;
    let mut tampered = act.clone();
    tampered[4] ^= 1;
    let xml = state.identity.sign_xml(
        b"<Act Id=\"act-17\"><Goods>grain</Goods></Act>",
        &signflow::xmldsig::SignOptions::default(),
    )?;

    // Eight requests at once, each verified on the blocking pool with the shared context.
    let requests: Vec<Request> = vec![
        (
            "our detached CAdES-BES",
            signature.clone(),
            Some(act.clone()),
            200,
        ),
        (
            "the same over tampered content",
            signature,
            Some(tampered),
            422,
        ),
        ("our XML signature", xml, None, 200),
        (
            "OpenSSL RSA, attached",
            testdata("cms/rsa-attached.der")?,
            None,
            200,
        ),
        (
            "OpenSSL ECDSA, PEM",
            testdata("cms/ecdsa-detached.pem")?,
            Some(testdata("cms/content.txt")?),
            200,
        ),
        (
            "xmlsec1's enveloped RSA",
            testdata("xmldsig/xmlsec1-signed-rsa.xml")?,
            None,
            200,
        ),
        (
            "a revoked signer",
            testdata("cms/revoked-signer-attached.der")?,
            None,
            422,
        ),
        ("not a signature", b"hello".to_vec(), None, 400),
    ];
    let handles: Vec<_> = requests
        .into_iter()
        .map(|(what, body, content, want)| {
            let state = Arc::clone(&state);
            tokio::spawn(async move { (what, want, state.verify(body, content).await) })
        })
        .collect();
    for handle in handles {
        let (what, want, verdict) = handle.await?;
        let mut detail = verdict.outcome.to_string();
        if let Some(reason) = verdict.reason() {
            detail = format!("{detail} ({reason})");
        }
        if let Some(signer) = verdict.signer() {
            detail = format!("{detail}; signer {}", signer.subject);
            if let Some(inn) = &signer.russian.inn {
                detail = format!("{detail}, INN {inn}");
            }
        }
        all_as_expected &= answer(what, http_status(&verdict), want, &detail);
    }

    // A chain validated to JSON.
    let (status, json) = state.validate_chain(&testdata("pki/leaf-russian.pem")?)?;
    let head: String = json.chars().take(72).collect();
    all_as_expected &= answer("chain of the Russian leaf", status, 200, &head);
    let (status, json) = state.validate_chain(&testdata("pki/leaf-revoked.pem")?)?;
    let revoked = json.contains("revoked");
    all_as_expected &= answer(
        "chain of the revoked leaf",
        status,
        422,
        "report names the revocation",
    ) && revoked;

    // The flow: both organisations registered by their directors, a contract created and
    // sent by Ромашка's director, every step signed.
    let flow = &state.flow;
    let mut directors = Vec::new();
    for (p12, inn, ogrn, name) in [
        (
            "flow/director-romashka.p12",
            "7707083893",
            "1027700132195",
            "ООО \"Ромашка\"",
        ),
        (
            "flow/director-vasilek.p12",
            "5001007329",
            "1045000012342",
            "ООО \"Василёк\"",
        ),
    ] {
        let director = SigningIdentity::from_pkcs12(&testdata(p12)?, &password()?)?;
        let org = Organisation {
            inn: inn.into(),
            ogrn: ogrn.into(),
            kpp: None,
            name: name.into(),
        };
        let user = format!("director-{inn}");
        let notice = flow
            .notice(&user, &Step::RegisterOrganisation(&org))
            .await?;
        let proof = signflow::flow::FlowSigner::new(&director, now()).prove(&notice)?;
        flow.register_organisation(&user, org, &proof).await?;
        directors.push((user, director));
    }
    let (boss, boss_identity) = &directors[0];
    let signer = signflow::flow::FlowSigner::new(boss_identity, now());
    let new = NewDocument {
        id: NewDocument::new_id(),
        sender: "7707083893".into(),
        recipient: "5001007329".into(),
        kind: DocumentKind::Contract,
        title: "Supply contract no. 17".into(),
        content: act,
        media_type: "text/plain".into(),
    };
    let proof = signer.prove(&flow.notice(boss, &Step::Create(&new)).await?)?;
    let doc = flow.create(boss, new, &proof).await?;
    let content = flow.to_be_signed(&doc, CommandKind::Send).await?;
    let doc = flow.send(&doc.id, boss, &signer.sign(&content)?).await?;
    let status = if doc.status == DocumentStatus::Sent {
        201
    } else {
        409
    };
    all_as_expected &= answer(
        "flow: create and send",
        status,
        201,
        &format!("document {} is {}", doc.id, doc.status),
    );

    if all_as_expected {
        println!("every answer as expected");
        Ok(())
    } else {
        Err("some answers were not the expected ones".into())
    }
}
