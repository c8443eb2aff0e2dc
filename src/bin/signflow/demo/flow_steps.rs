//! The demo's document flow: two organisations on a SQLite store in the demo folder, a
//! contract taken through create → send → accept → sign → archived with real signatures, a
//! signature from the wrong organisation refused, and the journal audited.

use std::path::Path;

use signflow::crypto::{CryptoProvider, SigningKey};
use signflow::flow::model::{DocumentKind, Organisation, Role};
use signflow::flow::{
    CommandKind, Flow, FlowError, FlowSigner, NewDocument, SYSTEM_ACTOR, SignatureCheck,
    SqliteStore, TrustMaterial,
};
use signflow::pki::{Certificate, Crl, TrustStore, UnixTime};

use super::{Report, certificate, pki};
use crate::exit::{Failure, Status};

const SENDER: (&str, &str, &str) = ("7707083893", "1027700132195", "ООО \"Ромашка\"");
const RECIPIENT: (&str, &str, &str) = ("5001007329", "1045000012342", "ООО \"Василёк\"");
const SENDER_KEY: &str = include_str!("../../../../testdata/pki/leaf-russian.key.pem");
const SENDER_CERT: &[u8] = include_bytes!("../../../../testdata/pki/leaf-russian.pem");
const RECIPIENT_KEY: &str = include_str!("../../../../testdata/flow/counterparty.key.pem");
const RECIPIENT_CERT: &[u8] = include_bytes!("../../../../testdata/flow/counterparty.pem");
const CONTRACT: &str = "Supply contract no. 17\nSeller: OOO Romashka, INN 7707083893\n\
                        Buyer: OOO Vasilek, INN 5001007329\n40 tonnes of grain, 15 000 RUB/t.\n";

fn failure(e: FlowError) -> Failure {
    Failure::new(Status::Invalid, e.to_string())
}

fn trust_material(provider: &'static CryptoProvider) -> Result<TrustMaterial, Failure> {
    let format = |e: signflow::pki::PkiError| Failure::new(Status::FormatError, e.to_string());
    let mut trust = TrustStore::new();
    trust.add_pem_or_der(pki::ROOT).map_err(format)?;
    let mut crls = Crl::all_from_pem_or_der(pki::ROOT_CRL).map_err(format)?;
    crls.extend(Crl::all_from_pem_or_der(pki::INTERMEDIATE_CRL).map_err(format)?);
    Ok(TrustMaterial {
        provider,
        trust,
        certificates: vec![certificate(pki::INTERMEDIATE)?],
        crls,
    })
}

struct Party {
    key: Box<dyn SigningKey>,
    cert: Certificate,
    chain: Vec<Certificate>,
}

impl Party {
    fn load(provider: &CryptoProvider, key: &str, cert: &[u8]) -> Result<Self, Failure> {
        Ok(Self {
            key: provider.load_private_key_pem(key)?,
            cert: certificate(cert)?,
            chain: vec![certificate(pki::INTERMEDIATE)?],
        })
    }

    fn signer<'a>(&'a self, provider: &'a CryptoProvider) -> FlowSigner<'a> {
        FlowSigner {
            provider,
            key: &*self.key,
            certificate: &self.cert,
            chain: &self.chain,
            at: UnixTime::now(),
        }
    }
}

/// Runs the flow part of the demo; returns whether every step went as it must.
pub fn run(
    provider: &'static CryptoProvider,
    dir: &Path,
    report: &mut Report,
) -> Result<bool, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(Status::Io, format!("tokio runtime: {e}")))?;
    runtime.block_on(steps(provider, dir, report))
}

async fn steps(
    provider: &'static CryptoProvider,
    dir: &Path,
    report: &mut Report,
) -> Result<bool, Failure> {
    let db = dir.join("flow.db");
    let store = SqliteStore::open(&db.to_string_lossy())
        .await
        .map_err(|e| Failure::new(Status::Io, format!("{}: {e}", db.display())))?;
    let flow = Flow::new(
        store,
        SignatureCheck::Verify(Box::new(trust_material(provider)?)),
    );
    for (inn, ogrn, name) in [SENDER, RECIPIENT] {
        let org = Organisation {
            inn: inn.into(),
            ogrn: ogrn.into(),
            kpp: None,
            name: name.into(),
        };
        flow.register_organisation(SYSTEM_ACTOR, org)
            .await
            .map_err(failure)?;
    }
    for (inn, user, role) in [
        (SENDER.0, "ivanov", Role::Signer),
        (SENDER.0, "clerk", Role::Operator),
        (RECIPIENT.0, "petrova", Role::Signer),
    ] {
        flow.add_member(SYSTEM_ACTOR, inn, user, role, None)
            .await
            .map_err(failure)?;
    }
    report.step(
        "flow store",
        true,
        format!(
            "{} (SQLite, WAL): {} and {} registered, members ivanov (signer), clerk (operator), petrova (signer)",
            db.display(),
            SENDER.2,
            RECIPIENT.2
        ),
    );
    let sender = Party::load(provider, SENDER_KEY, SENDER_CERT)?;
    let recipient = Party::load(provider, RECIPIENT_KEY, RECIPIENT_CERT)?;

    let doc = flow
        .create(
            "clerk",
            NewDocument {
                sender: SENDER.0.into(),
                recipient: RECIPIENT.0.into(),
                kind: DocumentKind::Contract,
                title: "Supply contract no. 17".into(),
                content: CONTRACT.as_bytes().to_vec(),
                media_type: "text/plain".into(),
            },
        )
        .await
        .map_err(failure)?;
    let id = doc.id.clone();
    report.step(
        "flow create",
        true,
        format!(
            "{id}: draft, version 1 ({} bytes, SHA-256 {}…)",
            doc.current().size,
            &doc.current().sha256[..16]
        ),
    );

    let cms = |e: signflow::cms::CmsError| Failure::new(Status::KeyError, e.to_string());
    let content = flow
        .to_be_signed(&doc, CommandKind::Send)
        .await
        .map_err(failure)?;
    let sig = sender.signer(provider).sign(&content).map_err(cms)?;
    let doc = flow.send(&id, "ivanov", &sig).await.map_err(failure)?;
    report.step(
        "flow send",
        true,
        format!(
            "{}: ivanov signed version 1 (certificate bound to INN {}) and sent it",
            doc.status, SENDER.0
        ),
    );

    // The sender's certificate cannot accept for the recipient.
    let receipt = flow
        .to_be_signed(&doc, CommandKind::Accept)
        .await
        .map_err(failure)?;
    let wrong = sender.signer(provider).sign(&receipt).map_err(cms)?;
    let refused = flow.accept(&id, "petrova", &wrong).await;
    let ok = matches!(&refused, Err(FlowError::Refused(_)));
    report.step(
        "flow refused",
        ok,
        match refused {
            Err(e) => format!("a receipt signed with the sender's certificate: {e}"),
            Ok(_) => "ACCEPTED a receipt signed by the wrong organisation".into(),
        },
    );

    let sig = recipient.signer(provider).sign(&receipt).map_err(cms)?;
    let doc = flow.accept(&id, "petrova", &sig).await.map_err(failure)?;
    report.step(
        "flow accept",
        true,
        format!("{}: petrova signed the receipt for version 1", doc.status),
    );
    let sent = doc
        .step("sent", 1)
        .ok_or_else(|| Failure::new(Status::Invalid, "no sent step"))?;
    let existing = flow.blob(&sent.signature).await.map_err(failure)?;
    let sig = recipient
        .signer(provider)
        .cosign(&existing, &content)
        .map_err(cms)?;
    let doc = flow.sign(&id, "petrova", &sig).await.map_err(failure)?;
    report.step(
        "flow sign",
        doc.status == signflow::flow::model::Status::Archived,
        format!(
            "{}: petrova co-signed version 1; the CMS now carries both organisations' signatures",
            doc.status
        ),
    );
    let history = flow.history(&id).await.map_err(failure)?;
    let names: Vec<&str> = history
        .iter()
        .filter_map(|e| e.event().ok().map(|ev| ev.name()))
        .collect();
    report.step("flow journal", true, names.join(" → "));
    let audit = flow.audit().await.map_err(failure)?;
    report.step(
        "flow audit",
        audit.is_intact(),
        format!(
            "{} events in {} streams, both hash chains intact, head {}…",
            audit.events,
            audit.streams,
            &audit.head[..16]
        ),
    );
    Ok(ok && audit.is_intact() && doc.status == signflow::flow::model::Status::Archived)
}
