//! The trust context a service keeps (issue #25): built once, stored in an `Arc`'d state and
//! used from many tasks at once without copying its material; verdicts equal those of a
//! verifier built the old way.

mod common;

use std::sync::Arc;

use signflow::cms::{SignedData, Verifier, VerifyOptions};
use signflow::pki::{Certificate, Crl, Status, TrustContext, TrustStore, UnixTime};

struct AppState {
    context: TrustContext,
}

fn context() -> TrustContext {
    TrustContext::builder()
        .anchors_pem_or_der(&common::read("pki/root-ca.pem"))
        .unwrap()
        .intermediates_pem_or_der(&common::read("pki/intermediate-ca.pem"))
        .unwrap()
        .crls_pem_or_der(&common::read("pki/root-ca.crl.pem"))
        .unwrap()
        .crls_pem_or_der(&common::read("pki/intermediate-ca.crl.pem"))
        .unwrap()
        .chain_cache(64)
        .build()
}

/// (file, expected verdict) — OpenSSL-made messages of the test PKI (testdata/cms/generate.sh).
const MESSAGES: [(&str, Status); 4] = [
    ("cms/rsa-attached.der", Status::Valid),
    ("cms/ecdsa-attached.der", Status::Valid),
    ("cms/revoked-signer-attached.der", Status::Invalid),
    ("cms/expired-signer-attached.der", Status::Invalid),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_context_serves_eight_concurrent_verifications() {
    let state = Arc::new(AppState { context: context() });
    let at = UnixTime::from_utc(2027, 1, 1, 0, 0, 0);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let state = Arc::clone(&state);
        let (file, expected) = MESSAGES[i % MESSAGES.len()];
        let bytes = common::read(file);
        tasks.push(tokio::task::spawn_blocking(move || {
            let sd = SignedData::from_ber(&bytes).unwrap();
            let options = VerifyOptions::with_validation(state.context.validation_at(at));
            let report = Verifier::from_context(&state.context)
                .verify(&sd, None, &options)
                .unwrap();
            (file, expected, report.status)
        }));
    }
    for task in tasks {
        let (file, expected, got) = task.await.unwrap();
        assert_eq!(got, expected, "{file}");
    }
    // Every verification looked its signer path up in the one shared cache.
    let stats = state.context.chain_cache().unwrap().stats();
    assert!(stats.hits + stats.misses > 0, "{stats:?}");
}

/// A verifier made from the context gives the verdicts of one made from the same material
/// the old way, message by message.
#[test]
fn context_verdicts_equal_owned_verdicts() {
    let context = context();
    let mut trust = TrustStore::new();
    trust
        .add_pem_or_der(&common::read("pki/root-ca.pem"))
        .unwrap();
    let inter = Certificate::all_from_pem_or_der(&common::read("pki/intermediate-ca.pem")).unwrap();
    let mut crls = Crl::all_from_pem_or_der(&common::read("pki/root-ca.crl.pem")).unwrap();
    crls.extend(Crl::all_from_pem_or_der(&common::read("pki/intermediate-ca.crl.pem")).unwrap());
    let owned = Verifier::new(context.provider(), &trust, inter, crls);
    let shared = Verifier::from_context(&context);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/cms");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with("-attached.der") {
            continue;
        }
        let Ok(sd) = SignedData::from_ber(&std::fs::read(&path).unwrap()) else {
            continue;
        };
        for at in [
            UnixTime::from_utc(2027, 1, 1, 0, 0, 0),
            UnixTime::from_utc(2040, 1, 1, 0, 0, 0),
        ] {
            let options = VerifyOptions::at(at);
            let a = owned.verify(&sd, None, &options).unwrap();
            let b = shared.verify(&sd, None, &options).unwrap();
            assert_eq!(a.status, b.status, "{name} at {at:?}");
            assert_eq!(a.to_string(), b.to_string(), "{name} at {at:?}");
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked}");
}

/// XMLDSig joins the context: a verifier made from it borrows the context's material, its
/// owned result leaves the `spawn_blocking` closure, and its verdicts equal the free
/// function's over the same material (a tampered copy included).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xml_verifications_share_the_context_and_return_owned_results() {
    let state = Arc::new(AppState { context: context() });
    let at = UnixTime::from_utc(2027, 1, 1, 0, 0, 0);
    let genuine = common::read("xmldsig/xmlsec1-signed-rsa.xml");
    let tampered = String::from_utf8(genuine.clone())
        .unwrap()
        .replacen("1000.00", "9000.00", 1)
        .into_bytes();
    assert_ne!(genuine, tampered);
    let mut tasks = Vec::new();
    for (xml, expected) in [(genuine, Status::Valid), (tampered, Status::Invalid)] {
        let state = Arc::clone(&state);
        tasks.push(tokio::task::spawn_blocking(move || {
            let verifier = signflow::xmldsig::Verifier::from_context(&state.context).at(at);
            let shared = verifier.verify(&xml).unwrap();
            let free = signflow::xmldsig::verify(
                state.context.provider(),
                &xml,
                state.context.anchors(),
                state.context.intermediates(),
                state.context.crls(),
                verifier.options(),
            )
            .unwrap();
            assert_eq!(shared.to_string(), free.to_string());
            (expected, shared)
        }));
    }
    for task in tasks {
        let (expected, result) = task.await.unwrap();
        assert_eq!(result.status, expected, "{result}");
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["status"], expected.to_string());
        assert!(json["references"][0]["signed_bytes"].as_u64().unwrap() > 0);
        if expected == Status::Valid {
            assert_eq!(
                json["signer"],
                result.signer.as_ref().unwrap().subject().to_string()
            );
            // URI "": the whole document, no element.
            assert!(result.references[0].element.is_none(), "{result}");
            assert!(result.references[0].canonical.starts_with(b"<Act"));
        } else {
            assert_eq!(json["findings"][0]["kind"], "digest_mismatch", "{json}");
            assert!(
                json["findings"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("digest")
            );
        }
    }
}
