//! `signflow demo`: the README's end-to-end run on the embedded test PKI.
//!
//! It grows with the library: today it signs a sample document with each test key, checks the
//! signatures against the leaf certificates, checks the certificate chain's signatures up to the
//! test root, and shows a tampered copy failing.

use std::path::{Path, PathBuf};

use clap::Args;
use der::{Decode, Encode};
use signflow::crypto::{CryptoError, CryptoProvider, SignatureAlgorithm};
use x509_cert::Certificate;

use crate::exit::{Failure, Status};

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Keep the files in this folder instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
}

/// The test PKI, embedded so the demo runs from any folder.
mod pki {
    pub const ROOT: &[u8] = include_bytes!("../../../testdata/pki/root-ca.pem");
    pub const INTERMEDIATE: &[u8] = include_bytes!("../../../testdata/pki/intermediate-ca.pem");
    pub const SIGNERS: [(&str, &str, &[u8]); 3] = [
        (
            "RSA-2048",
            include_str!("../../../testdata/pki/leaf-rsa.key.pem"),
            include_bytes!("../../../testdata/pki/leaf-rsa.pem"),
        ),
        (
            "ECDSA P-256",
            include_str!("../../../testdata/pki/leaf-ecdsa-p256.key.pem"),
            include_bytes!("../../../testdata/pki/leaf-ecdsa-p256.pem"),
        ),
        (
            "Ed25519",
            include_str!("../../../testdata/pki/leaf-ed25519.key.pem"),
            include_bytes!("../../../testdata/pki/leaf-ed25519.pem"),
        ),
    ];
}

const DOCUMENT: &str = "Act of acceptance no. 17\nSeller: OOO Romashka, INN 7707083893\n\
                        Buyer: AO Vasilek\nGoods: 40 tonnes of grain, accepted without remarks.\n";

/// One line of the demo's report.
struct Step {
    name: String,
    ok: bool,
    detail: String,
}

struct Report {
    json: bool,
    steps: Vec<Step>,
}

impl Report {
    fn step(&mut self, name: impl Into<String>, ok: bool, detail: impl Into<String>) {
        let step = Step {
            name: name.into(),
            ok,
            detail: detail.into(),
        };
        if !self.json {
            let mark = if step.ok { "ok  " } else { "FAIL" };
            println!("[{mark}] {}: {}", step.name, step.detail);
        }
        self.steps.push(step);
    }
}

fn certificate(pem: &[u8]) -> Result<Certificate, Failure> {
    let objects = signflow::pem::decode_objects(pem)?;
    let der = &objects
        .first()
        .ok_or_else(|| Failure::new(Status::FormatError, "no certificate"))?
        .der;
    Certificate::from_der(der)
        .map_err(|e| Failure::new(Status::FormatError, format!("certificate: {e}")))
}

fn spki(cert: &Certificate) -> Result<Vec<u8>, Failure> {
    cert.tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| Failure::new(Status::FormatError, e.to_string()))
}

/// Checks `cert`'s signature with `issuer`'s public key (signature only: path validation with
/// validity, extensions and revocation is the certificates issue's work).
fn check_issued_by(
    provider: &CryptoProvider,
    cert: &Certificate,
    issuer: &Certificate,
) -> Result<SignatureAlgorithm, Failure> {
    let der_err = |e: der::Error| Failure::new(Status::FormatError, e.to_string());
    let alg = SignatureAlgorithm::from_algorithm_identifier_der(
        &cert.signature_algorithm().to_der().map_err(der_err)?,
        None,
    )?;
    let tbs = cert.tbs_certificate().to_der().map_err(der_err)?;
    provider.verify(&alg, &spki(issuer)?, &tbs, cert.signature().raw_bytes())?;
    Ok(alg)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes).map_err(|e| Failure::io(path, e))
}

pub fn run(provider: &CryptoProvider, args: &DemoArgs, json: bool) -> Result<Status, Failure> {
    let temp;
    let dir = match &args.keep {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| Failure::io(d, e))?;
            d.clone()
        }
        None => {
            temp =
                tempfile::tempdir().map_err(|e| Failure::io(Path::new("temporary folder"), e))?;
            temp.path().to_path_buf()
        }
    };
    let mut report = Report {
        json,
        steps: Vec::new(),
    };
    if !json {
        println!(
            "signflow demo: backend {}, working in {}",
            provider.name,
            dir.display()
        );
    }

    let root = certificate(pki::ROOT)?;
    let intermediate = certificate(pki::INTERMEDIATE)?;
    let alg = check_issued_by(provider, &root, &root)?;
    report.step(
        "root certificate",
        true,
        format!("self-signature verifies ({alg})"),
    );
    let alg = check_issued_by(provider, &intermediate, &root)?;
    report.step(
        "intermediate certificate",
        true,
        format!("signed by the test root ({alg})"),
    );

    let doc_path = dir.join("act-17.txt");
    write(&doc_path, DOCUMENT.as_bytes())?;
    report.step(
        "document",
        true,
        format!("{} ({} bytes)", doc_path.display(), DOCUMENT.len()),
    );

    let mut all_ok = true;
    for (label, key_pem, cert_pem) in pki::SIGNERS {
        let key = provider.load_private_key_pem(key_pem)?;
        let cert = certificate(cert_pem)?;
        let leaf_alg = check_issued_by(provider, &cert, &intermediate)?;
        report.step(
            format!("{label} signer certificate"),
            true,
            format!("signed by the intermediate ({leaf_alg})"),
        );

        let alg = key.default_algorithm();
        let sig = key.sign(&alg, DOCUMENT.as_bytes())?;
        let sig_path = dir.join(format!(
            "act-17.{}.sig",
            label.to_lowercase().replace([' ', '-'], "")
        ));
        write(&sig_path, &sig)?;
        report.step(
            format!("{label} sign"),
            true,
            format!("{alg}, {} bytes -> {}", sig.len(), sig_path.display()),
        );

        let signed = std::fs::read(&doc_path).map_err(|e| Failure::io(&doc_path, e))?;
        let verified = provider.verify(&alg, &spki(&cert)?, &signed, &sig);
        all_ok &= verified.is_ok();
        report.step(
            format!("{label} verify"),
            verified.is_ok(),
            match &verified {
                Ok(()) => "signature valid with the certificate's key".to_owned(),
                Err(e) => e.to_string(),
            },
        );

        let mut tampered = signed.clone();
        let pos = tampered.iter().position(|&b| b == b'4').unwrap_or(0);
        tampered[pos] = b'9'; // "40 tonnes" becomes "90 tonnes"
        let tampered_path = dir.join("act-17.tampered.txt");
        write(&tampered_path, &tampered)?;
        let rejected = provider.verify(&alg, &spki(&cert)?, &tampered, &sig);
        let as_expected = rejected == Err(CryptoError::BadSignature);
        all_ok &= as_expected;
        report.step(
            format!("{label} tampered copy"),
            as_expected,
            match rejected {
                Err(e) => format!("rejected as it must be: {e}"),
                Ok(()) => "ACCEPTED an altered document".to_owned(),
            },
        );
    }
    if !json {
        println!(
            "Next to land: PKCS#12 import and path validation, CMS, XMLDSig, GOST, document flow."
        );
    } else {
        let steps: Vec<_> = report
            .steps
            .iter()
            .map(|s| serde_json::json!({"step": s.name, "ok": s.ok, "detail": s.detail}))
            .collect();
        let out = serde_json::json!({"command": "demo", "backend": provider.name, "ok": all_ok, "steps": steps});
        println!("{out}");
    }
    Ok(if all_ok {
        Status::Valid
    } else {
        Status::Invalid
    })
}
