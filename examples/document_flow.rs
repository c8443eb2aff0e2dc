//! A contract between two organisations through the document flow, on an in-memory SQLite
//! store, with the test PKI's keys. Each organisation is registered by its director (whose
//! certificate carries its INN and OGRN), members are bound to their certificates, and every
//! step is signed by the member who takes it: create → send → accept → sign → archived, then
//! the journal (who proved each step) and its audit.
//!
//! ```text
//! cargo run --example document_flow
//! ```

use signflow::SigningIdentity;
use signflow::crypto::CryptoProvider;
use signflow::flow::model::{Authentication, DocumentKind, Organisation, Role};
use signflow::flow::{
    CommandKind, Flow, FlowSigner, NewDocument, NewMember, SignatureCheck, SigningStep,
    SqliteStore, Step,
};
use signflow::pki::{Certificate, TrustContext, UnixTime};

type Error = Box<dyn std::error::Error>;

fn read(rel: &str) -> std::io::Result<Vec<u8>> {
    std::fs::read(format!("{}/testdata/{rel}", env!("CARGO_MANIFEST_DIR")))
}

/// A member's key and certificate, by file stem under testdata/.
struct Party(SigningIdentity);

impl Party {
    fn load(
        provider: &'static CryptoProvider,
        stem: &str,
        chain: &[Certificate],
    ) -> Result<Self, Error> {
        let key = provider
            .load_private_key_pem(&String::from_utf8(read(&format!("{stem}.key.pem"))?)?)?;
        let cert = Certificate::all_from_pem_or_der(&read(&format!("{stem}.pem"))?)?.remove(0);
        Ok(Self(
            SigningIdentity::new(key, cert, chain.to_vec())?.with_provider(provider),
        ))
    }

    fn signer(&self) -> FlowSigner<'_> {
        FlowSigner::new(&self.0, UnixTime::now())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let provider = CryptoProvider::all_compiled()[0];
    let chain = Certificate::all_from_pem_or_der(&read("pki/intermediate-ca.pem")?)?;
    // Built once, shared by every verification the flow makes (an Arc inside).
    let context = TrustContext::builder()
        .provider(provider)
        .anchors_pem_or_der(&read("pki/root-ca.pem")?)?
        .crls_pem_or_der(&read("pki/root-ca.crl.pem")?)?
        .crls_pem_or_der(&read("pki/intermediate-ca.crl.pem")?)?
        .intermediates(chain.clone())
        .build();
    let check = SignatureCheck::verify(context);
    let flow = Flow::new(SqliteStore::open(":memory:").await?, check);
    let boss = Party::load(provider, "flow/director-romashka", &chain)?;
    let kuznetsova = Party::load(provider, "flow/director-vasilek", &chain)?;
    let ivanov = Party::load(provider, "pki/leaf-russian", &chain)?;
    let petrova = Party::load(provider, "flow/counterparty", &chain)?;

    // Each organisation is registered by its director, who signs the registration notice.
    for (inn, ogrn, name, director, party) in [
        (
            "7707083893",
            "1027700132195",
            "ООО \"Ромашка\"",
            "boss",
            &boss,
        ),
        (
            "5001007329",
            "1045000012342",
            "ООО \"Василёк\"",
            "kuznetsova",
            &kuznetsova,
        ),
    ] {
        let org = Organisation {
            inn: inn.into(),
            ogrn: ogrn.into(),
            kpp: None,
            name: name.into(),
        };
        let notice = flow
            .notice(director, &Step::RegisterOrganisation(&org))
            .await?;
        let proof = party.signer().prove(&notice)?;
        flow.register_organisation(director, org, &proof).await?;
    }
    // The directors add their signers, bound to their certificates.
    for (inn, admin, by, user, member) in [
        ("7707083893", "boss", &boss, "ivanov", &ivanov),
        ("5001007329", "kuznetsova", &kuznetsova, "petrova", &petrova),
    ] {
        let m = NewMember {
            user: user.into(),
            role: Role::Signer,
            until: None,
            certificate: Some(member.0.certificate().clone()),
        };
        let step = Step::AddMember {
            organisation: inn,
            member: &m,
        };
        let proof = by.signer().prove(&flow.notice(admin, &step).await?)?;
        flow.add_member(admin, inn, &m, &proof).await?;
    }

    // The director (an administrator may edit) creates the contract with a signed notice.
    let new = NewDocument {
        id: NewDocument::new_id(),
        sender: "7707083893".into(),
        recipient: "5001007329".into(),
        kind: DocumentKind::Contract,
        title: "Supply contract no. 17".into(),
        content: b"40 tonnes of grain at 15 000 RUB/t".to_vec(),
        media_type: "text/plain".into(),
    };
    let notice = flow.notice("boss", &Step::Create(&new)).await?;
    let proof = boss.signer().prove(&notice)?;
    let doc = flow.create("boss", new, &proof).await?;
    let id = doc.id.clone();
    println!("created {id}: {}", doc.status);

    // The signing steps are proven by their document signatures.
    let content = flow.to_be_signed(&doc, CommandKind::Send).await?;
    let sig = ivanov.signer().sign(&content)?;
    let doc = flow.send(&id, "ivanov", &sig).await?;
    println!("sent: {}", doc.status);

    let receipt = flow.to_be_signed(&doc, CommandKind::Accept).await?;
    let sig = petrova.signer().sign(&receipt)?;
    let doc = flow.accept(&id, "petrova", &sig).await?;
    println!("accepted: {}", doc.status);

    // The sender's signature, which the recipient co-signs.
    let sent = flow.signature(&doc, SigningStep::Sent, 1).await?;
    let sig = petrova.signer().cosign(&sent, &content)?;
    let doc = flow.sign(&id, "petrova", &sig).await?;
    println!("signed: {}", doc.status);

    for e in flow.history(&id).await? {
        let proven = match e.authentication()? {
            Some(Authentication::Signature { signer, .. }) => signer.subject,
            other => format!("{other:?}"),
        };
        println!(
            "  {:>2} {} {:<8} {:<16} {proven}",
            e.seq,
            e.at,
            e.actor,
            e.event()?.name()
        );
    }
    let audit = flow.audit().await?;
    println!(
        "audit: {} events, {} signed steps re-verified, {} blobs checked, intact: {}, head {}",
        audit.events,
        audit.signed,
        audit.blobs,
        audit.is_intact(),
        audit.head
    );
    Ok(())
}
