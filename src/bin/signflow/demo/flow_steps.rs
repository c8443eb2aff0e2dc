//! The demo's document flow: two organisations on a SQLite store in the demo folder, each
//! registered by its director's certificate; members bound to their certificates; a contract
//! taken through create → send → accept → sign → archived with every step signed by the
//! member who takes it; steps in someone else's name or from the wrong organisation refused;
//! the journal audited, a listing edited behind the flow's back found and rebuilt.

use std::path::Path;

use signflow::SigningIdentity;
use signflow::crypto::CryptoProvider;
use signflow::flow::model::{Authentication, DocumentKind, Organisation, Role};
use signflow::flow::{
    CommandKind, Flow, FlowError, FlowSigner, NewDocument, NewMember, Proof, SignatureCheck,
    SigningStep, SqliteStore, Step,
};
use signflow::pki::{TrustContext, UnixTime};

use super::{Report, certificate, pki};
use crate::exit::{Failure, Status};

const SENDER: (&str, &str, &str) = ("7707083893", "1027700132195", "ООО \"Ромашка\"");
const RECIPIENT: (&str, &str, &str) = ("5001007329", "1045000012342", "ООО \"Василёк\"");
const CONTRACT: &str = "Supply contract no. 17\nSeller: OOO Romashka, INN 7707083893\n\
                        Buyer: OOO Vasilek, INN 5001007329\n40 tonnes of grain, 15 000 RUB/t.\n";

/// The members' keys and certificates (testdata/flow, testdata/pki).
mod keys {
    macro_rules! party {
        ($name:ident, $stem:literal) => {
            pub const $name: (&str, &[u8]) = (
                include_str!(concat!("../../../../testdata/", $stem, ".key.pem")),
                include_bytes!(concat!("../../../../testdata/", $stem, ".pem")),
            );
        };
    }
    party!(BOSS, "flow/director-romashka");
    party!(KUZNETSOVA, "flow/director-vasilek");
    party!(IVANOV, "pki/leaf-russian");
    party!(CLERK, "flow/clerk-romashka");
    party!(PETROVA, "flow/counterparty");
    party!(STRANGER, "flow/stranger");
}

fn failure(e: FlowError) -> Failure {
    Failure::new(Status::Invalid, e.to_string())
}

fn cms(e: signflow::cms::CmsError) -> Failure {
    Failure::new(Status::KeyError, e.to_string())
}

fn trust_context(provider: &'static CryptoProvider) -> Result<TrustContext, Failure> {
    let format = |e: signflow::pki::PkiError| Failure::new(Status::FormatError, e.to_string());
    Ok(TrustContext::builder()
        .provider(provider)
        .anchors_pem_or_der(pki::ROOT)
        .and_then(|b| b.crls_pem_or_der(pki::ROOT_CRL))
        .and_then(|b| b.crls_pem_or_der(pki::INTERMEDIATE_CRL))
        .map_err(format)?
        .intermediates([certificate(pki::INTERMEDIATE)?])
        .build())
}

struct Party {
    identity: SigningIdentity,
}

impl Party {
    fn load(
        provider: &'static CryptoProvider,
        (key, cert): (&str, &[u8]),
    ) -> Result<Self, Failure> {
        let identity = SigningIdentity::new(
            provider.load_private_key_pem(key)?,
            certificate(cert)?,
            vec![certificate(pki::INTERMEDIATE)?],
        )
        .map_err(|e| Failure::new(Status::KeyError, e.to_string()))?
        .with_provider(provider);
        Ok(Self { identity })
    }

    fn signer(&self) -> FlowSigner<'_> {
        FlowSigner::new(&self.identity, UnixTime::now())
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
    let flow = Flow::new(store, SignatureCheck::verify(trust_context(provider)?));
    let party = |k| Party::load(provider, k);
    let (boss, kuznetsova, ivanov) = (
        party(keys::BOSS)?,
        party(keys::KUZNETSOVA)?,
        party(keys::IVANOV)?,
    );
    let (clerk, petrova, stranger) = (
        party(keys::CLERK)?,
        party(keys::PETROVA)?,
        party(keys::STRANGER)?,
    );
    // Asks the flow for a step's notice and signs it as `who`.
    let prove = async |actor: &str, step: Step<'_>, who: &Party| -> Result<Proof, Failure> {
        let notice = flow.notice(actor, &step).await.map_err(failure)?;
        who.signer().prove(&notice).map_err(cms)
    };
    let mut ok = true;

    for ((inn, ogrn, name), director, by) in [
        (SENDER, "boss", &boss),
        (RECIPIENT, "kuznetsova", &kuznetsova),
    ] {
        let org = Organisation {
            inn: inn.into(),
            ogrn: ogrn.into(),
            kpp: None,
            name: name.into(),
        };
        let proof = prove(director, Step::RegisterOrganisation(&org), by).await?;
        flow.register_organisation(director, org, &proof)
            .await
            .map_err(failure)?;
    }
    for (inn, admin, by, user, role, member) in [
        (SENDER.0, "boss", &boss, "ivanov", Role::Signer, &ivanov),
        (SENDER.0, "boss", &boss, "clerk", Role::Operator, &clerk),
        (
            RECIPIENT.0,
            "kuznetsova",
            &kuznetsova,
            "petrova",
            Role::Signer,
            &petrova,
        ),
    ] {
        let m = NewMember {
            user: user.into(),
            role,
            until: None,
            certificate: Some(member.identity.certificate().clone()),
        };
        let step = Step::AddMember {
            organisation: inn,
            member: &m,
        };
        let proof = prove(admin, step, by).await?;
        flow.add_member(admin, inn, &m, &proof)
            .await
            .map_err(failure)?;
    }
    report.step(
        "flow store",
        true,
        format!(
            "{} (SQLite, WAL): {} registered by its director boss, {} by kuznetsova (each \
             certificate carries its organisation's INN and OGRN); boss added ivanov (signer) \
             and clerk (operator), kuznetsova added petrova (signer), each bound to their \
             certificate, each step signed",
            db.display(),
            SENDER.2,
            RECIPIENT.2
        ),
    );

    // The clerk may not add members (no manage right), even with her own signature.
    let intruder = NewMember {
        user: "intruder".into(),
        role: Role::Administrator,
        until: None,
        certificate: Some(stranger.identity.certificate().clone()),
    };
    let step = Step::AddMember {
        organisation: SENDER.0,
        member: &intruder,
    };
    let proof = prove("clerk", step, &clerk).await?;
    let refused = flow.add_member("clerk", SENDER.0, &intruder, &proof).await;
    let as_expected = matches!(&refused, Err(FlowError::Refused(_)));
    ok &= as_expected;
    report.step(
        "flow refused",
        as_expected,
        match refused {
            Err(e) => format!("clerk adding an administrator: {e}"),
            Ok(_) => "ACCEPTED a member added by an operator".into(),
        },
    );

    let new = NewDocument {
        id: NewDocument::new_id(),
        sender: SENDER.0.into(),
        recipient: RECIPIENT.0.into(),
        kind: DocumentKind::Contract,
        title: "Supply contract no. 17".into(),
        content: CONTRACT.as_bytes().to_vec(),
        media_type: "text/plain".into(),
    };
    let proof = prove("clerk", Step::Create(&new), &clerk).await?;
    let doc = flow.create("clerk", new, &proof).await.map_err(failure)?;
    let id = doc.id.clone();
    report.step(
        "flow create",
        true,
        format!(
            "{id}: draft, version 1 ({} bytes, SHA-256 {}…), clerk's signed notice of creation",
            doc.current().size,
            &doc.current().sha256[..16]
        ),
    );

    let content = flow
        .to_be_signed(&doc, CommandKind::Send)
        .await
        .map_err(failure)?;
    let sig = ivanov.signer().sign(&content).map_err(cms)?;
    let doc = flow.send(&id, "ivanov", &sig).await.map_err(failure)?;
    report.step(
        "flow send",
        true,
        format!(
            "{}: ivanov signed version 1 (his certificate, bound to INN {}) and sent it",
            doc.status, SENDER.0
        ),
    );

    // A rejection in petrova's name, signed by someone else: refused, nothing stored.
    let step = Step::Reject {
        document: &id,
        comment: "we never ordered this",
    };
    let proof = prove("petrova", step, &stranger).await?;
    let refused = flow
        .reject(&id, "petrova", "we never ordered this", &proof)
        .await;
    let as_expected = matches!(&refused, Err(FlowError::Refused(_)));
    ok &= as_expected;
    report.step(
        "flow refused",
        as_expected,
        match refused {
            Err(e) => format!("a rejection in petrova's name signed by a stranger: {e}"),
            Ok(_) => "ACCEPTED a rejection signed by someone else".into(),
        },
    );

    // The sender's certificate cannot accept for the recipient.
    let receipt = flow
        .to_be_signed(&doc, CommandKind::Accept)
        .await
        .map_err(failure)?;
    let wrong = ivanov.signer().sign(&receipt).map_err(cms)?;
    let refused = flow.accept(&id, "petrova", &wrong).await;
    let as_expected = matches!(&refused, Err(FlowError::Refused(_)));
    ok &= as_expected;
    report.step(
        "flow refused",
        as_expected,
        match refused {
            Err(e) => format!("a receipt signed with the sender's certificate (journaled): {e}"),
            Ok(_) => "ACCEPTED a receipt signed by the wrong organisation".into(),
        },
    );

    let sig = petrova.signer().sign(&receipt).map_err(cms)?;
    let doc = flow.accept(&id, "petrova", &sig).await.map_err(failure)?;
    report.step(
        "flow accept",
        true,
        format!("{}: petrova signed the receipt for version 1", doc.status),
    );
    let existing = flow
        .signature(&doc, SigningStep::Sent, 1)
        .await
        .map_err(failure)?;
    let sig = petrova.signer().cosign(&existing, &content).map_err(cms)?;
    let doc = flow.sign(&id, "petrova", &sig).await.map_err(failure)?;
    let archived = doc.status == signflow::flow::model::DocumentStatus::Archived;
    ok &= archived;
    report.step(
        "flow sign",
        archived,
        format!(
            "{}: petrova co-signed version 1; the CMS now carries both organisations' signatures",
            doc.status
        ),
    );
    let history = flow.history(&id).await.map_err(failure)?;
    let names: Vec<String> = history
        .iter()
        .filter_map(|e| {
            let name = e.event().ok()?.name();
            Some(match e.authentication().ok()? {
                Some(Authentication::Signature { .. }) => format!("{name} ({})", e.actor),
                Some(Authentication::Attempt) => format!("{name} (attempt)"),
                _ => name.to_owned(),
            })
        })
        .collect();
    report.step("flow journal", true, names.join(" → "));
    let audit = flow.audit().await.map_err(failure)?;
    ok &= audit.is_intact();
    report.step(
        "flow audit",
        audit.is_intact(),
        format!(
            "{} events in {} streams, both hash chains intact, {} signed steps re-verified \
             (signature, path, CRLs, member binding, right at the time), {} blobs match their \
             keys, listings match; head {}…",
            audit.events,
            audit.streams,
            audit.signed,
            audit.blobs,
            &audit.head[..16]
        ),
    );

    // A listing row edited behind the flow's back: the audit names it, rebuild restores it.
    sqlx::query("UPDATE documents SET title = 'Supply contract no. 71' WHERE id = $1")
        .bind(&id)
        .execute(flow.store().pool())
        .await
        .map_err(|e| Failure::new(Status::Io, e.to_string()))?;
    let tampered = flow.audit().await.map_err(failure)?;
    let found = tampered.listings.len() == 1 && tampered.broken.is_none();
    let rebuilt = flow.rebuild_listings().await.map_err(failure)?;
    let restored = flow.audit().await.map_err(failure)?.is_intact();
    ok &= found && restored && !rebuilt.listings.is_empty();
    report.step(
        "flow listings",
        found && restored,
        match tampered.listings.first() {
            Some(d) => format!(
                "a title edited in the database: the audit says \"{} {}: {}\"; rebuilt from the \
                 journal, the audit is intact again",
                d.listing, d.key, d.difference
            ),
            None => "an edited listing row went UNNOTICED".into(),
        },
    );
    Ok(ok)
}
