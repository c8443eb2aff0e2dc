//! A contract between two organisations through the document flow, on an in-memory SQLite
//! store, with the test PKI's keys: create → send → accept → sign → archived, then the journal
//! and its audit.
//!
//! ```text
//! cargo run --example document_flow
//! ```

use signflow::crypto::CryptoProvider;
use signflow::flow::model::{DocumentKind, Organisation, Role};
use signflow::flow::{
    CommandKind, Flow, FlowSigner, NewDocument, SYSTEM_ACTOR, SignatureCheck, SqliteStore,
    TrustMaterial,
};
use signflow::pki::{Certificate, Crl, TrustStore, UnixTime};

fn read(rel: &str) -> std::io::Result<Vec<u8>> {
    std::fs::read(format!("{}/testdata/{rel}", env!("CARGO_MANIFEST_DIR")))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let provider = CryptoProvider::all_compiled()[0];
    let mut trust = TrustStore::new();
    trust.add_pem_or_der(&read("pki/root-ca.pem")?)?;
    let intermediate = Certificate::all_from_pem_or_der(&read("pki/intermediate-ca.pem")?)?;
    let mut crls = Crl::all_from_pem_or_der(&read("pki/root-ca.crl.pem")?)?;
    crls.extend(Crl::all_from_pem_or_der(&read(
        "pki/intermediate-ca.crl.pem",
    )?)?);
    let check = SignatureCheck::Verify(Box::new(TrustMaterial {
        provider,
        trust,
        certificates: intermediate.clone(),
        crls,
    }));
    let flow = Flow::new(SqliteStore::open(":memory:").await?, check);

    for (inn, ogrn, name) in [
        ("7707083893", "1027700132195", "ООО \"Ромашка\""),
        ("5001007329", "1045000012342", "ООО \"Василёк\""),
    ] {
        let org = Organisation {
            inn: inn.into(),
            ogrn: ogrn.into(),
            kpp: None,
            name: name.into(),
        };
        flow.register_organisation(SYSTEM_ACTOR, org).await?;
    }
    flow.add_member(
        SYSTEM_ACTOR,
        "7707083893",
        "ivanov",
        Role::Administrator,
        None,
    )
    .await?;
    flow.add_member(SYSTEM_ACTOR, "5001007329", "petrova", Role::Signer, None)
        .await?;

    // Each side's key and certificate (bound to its organisation by INN and OGRN).
    let party = |stem: &str| -> Result<_, Box<dyn std::error::Error>> {
        let key = provider
            .load_private_key_pem(&String::from_utf8(read(&format!("{stem}.key.pem"))?)?)?;
        let cert = Certificate::all_from_pem_or_der(&read(&format!("{stem}.pem"))?)?.remove(0);
        Ok((key, cert))
    };
    let (sender_key, sender_cert) = party("pki/leaf-russian")?;
    let (recipient_key, recipient_cert) = party("flow/counterparty")?;
    let now = UnixTime::now();
    let sender = FlowSigner {
        provider,
        key: &*sender_key,
        certificate: &sender_cert,
        chain: &intermediate,
        at: now,
    };
    let recipient = FlowSigner {
        provider,
        key: &*recipient_key,
        certificate: &recipient_cert,
        chain: &intermediate,
        at: now,
    };

    let doc = flow
        .create(
            "ivanov",
            NewDocument {
                sender: "7707083893".into(),
                recipient: "5001007329".into(),
                kind: DocumentKind::Contract,
                title: "Supply contract no. 17".into(),
                content: b"40 tonnes of grain at 15 000 RUB/t".to_vec(),
                media_type: "text/plain".into(),
            },
        )
        .await?;
    let id = doc.id.clone();
    println!("created {id}: {}", doc.status);

    let content = flow.to_be_signed(&doc, CommandKind::Send).await?;
    let doc = flow.send(&id, "ivanov", &sender.sign(&content)?).await?;
    println!("sent: {}", doc.status);

    let receipt = flow.to_be_signed(&doc, CommandKind::Accept).await?;
    let doc = flow
        .accept(&id, "petrova", &recipient.sign(&receipt)?)
        .await?;
    println!("accepted: {}", doc.status);

    let sent = flow
        .blob(&doc.step("sent", 1).ok_or("not sent")?.signature)
        .await?;
    let doc = flow
        .sign(&id, "petrova", &recipient.cosign(&sent, &content)?)
        .await?;
    println!("signed: {}", doc.status);

    for e in flow.history(&id).await? {
        println!(
            "  {:>2} {} {:<8} {}",
            e.seq,
            e.at,
            e.actor,
            e.event()?.name()
        );
    }
    let audit = flow.audit().await?;
    println!(
        "audit: {} events, intact: {}, head {}",
        audit.events,
        audit.is_intact(),
        audit.head
    );
    Ok(())
}
