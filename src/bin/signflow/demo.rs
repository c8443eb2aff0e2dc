//! `signflow demo`: the README's end-to-end run on the embedded test PKI.
//!
//! It validates each signer certificate's path to the test root with both CRLs at the current
//! time (and shows the revoked signer refused), signs a sample document with each test key,
//! verifies the signatures with the certificates' keys, shows a tampered copy failing, signs and
//! verifies detached CMS from a PKCS#12 file, and takes a contract through the document flow
//! on a SQLite store (create → send → accept → sign → archived, then an audit of the journal).

use std::path::{Path, PathBuf};

use clap::Args;
use signflow::crypto::{CryptoError, CryptoProvider};
use signflow::pki::{Certificate, TrustContext, UnixTime, ValidationOptions, ValidationReport};

use crate::exit::{Failure, Status};
use crate::out::Out;

mod flow_steps;

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
    pub const ROOT_CRL: &[u8] = include_bytes!("../../../testdata/pki/root-ca.crl.pem");
    pub const INTERMEDIATE_CRL: &[u8] =
        include_bytes!("../../../testdata/pki/intermediate-ca.crl.pem");
    pub const REVOKED: &[u8] = include_bytes!("../../../testdata/pki/leaf-revoked.pem");
    /// The RSA signer as a modern PKCS#12 file (PBES2, AES-256-CBC, PBKDF2-SHA256).
    pub const P12: &[u8] = include_bytes!("../../../testdata/pki/leaf-rsa.p12");
    pub const P12_PASSWORD: &str = include_str!("../../../testdata/pki/PASSWORD");
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

/// The demo's steps, printed as they are made (without `--json`) through [`Out`]. A step that
/// cannot be printed keeps the first output error, which ends the demo with exit 74 once the
/// running part is done; nothing more is printed after it.
struct Report {
    json: bool,
    steps: Vec<Step>,
    out: Out,
    output_failure: Option<Failure>,
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
            self.print(format_args!("[{mark}] {}: {}", step.name, step.detail));
        }
        self.steps.push(step);
    }

    /// Prints a line unless an earlier one failed.
    fn print(&mut self, line: impl std::fmt::Display) {
        if self.output_failure.is_none()
            && let Err(f) = self.out.line(line)
        {
            self.output_failure = Some(f);
        }
    }

    /// The first output error, if any: the demo's result then is exit 74.
    fn finish(&mut self) -> Result<(), Failure> {
        self.output_failure.take().map_or(Ok(()), Err)
    }
}

fn certificate(pem: &[u8]) -> Result<Certificate, Failure> {
    Certificate::all_from_pem_or_der(pem)
        .map_err(|e| Failure::new(Status::FormatError, e.to_string()))?
        .into_iter()
        .next()
        .ok_or_else(|| Failure::new(Status::FormatError, "no certificate"))
}

/// One line summing up a validation report.
fn summary(report: &ValidationReport) -> String {
    let path: Vec<&str> = report
        .path
        .iter()
        .map(|c| c.subject.rsplit("CN=").next().unwrap_or("?"))
        .collect();
    let findings: Vec<String> = report.findings().map(|(_, f)| f.sentence()).collect();
    if findings.is_empty() {
        format!("{} ({}), not revoked", report.status, path.join(" -> "))
    } else {
        format!("{}: {}", report.status, findings.join("; "))
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes).map_err(|e| Failure::io(path, e))
}

pub fn run(
    provider: &'static CryptoProvider,
    args: &DemoArgs,
    json: bool,
) -> Result<Status, Failure> {
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
        out: Out::stdout(),
        output_failure: None,
    };
    if !json {
        report.print(format_args!(
            "signflow demo: backend {}, working in {}",
            provider.name,
            dir.display()
        ));
    }
    // Stop at once if standard output is already gone: nothing of the demo could be seen.
    report.finish()?;

    // One trust context, built once and shared by every check below.
    let context = TrustContext::builder()
        .provider(provider)
        .anchor(certificate(pki::ROOT)?)
        .intermediates([certificate(pki::INTERMEDIATE)?])
        .crls_pem_or_der(pki::ROOT_CRL)
        .and_then(|b| b.crls_pem_or_der(pki::INTERMEDIATE_CRL))
        .map_err(|e| Failure::new(Status::FormatError, e.to_string()))?
        .build();
    let validator = context.validator();
    let options = ValidationOptions::at(UnixTime::now());
    report.step(
        "trust",
        true,
        "test root CA as the only trust anchor; the intermediate and both CRLs as untrusted input",
    );

    let revoked = validator.validate(&certificate(pki::REVOKED)?, &options);
    let refused = revoked.status != signflow::pki::Status::Valid;
    report.step("revoked signer refused", refused, summary(&revoked));
    let mut all_ok = refused;

    let doc_path = dir.join("act-17.txt");
    write(&doc_path, DOCUMENT.as_bytes())?;
    report.step(
        "document",
        true,
        format!("{} ({} bytes)", doc_path.display(), DOCUMENT.len()),
    );

    for (label, key_pem, cert_pem) in pki::SIGNERS {
        let key = provider.load_private_key_pem(key_pem)?;
        let cert = certificate(cert_pem)?;
        let validation = validator.validate(&cert, &options);
        let valid = validation.status == signflow::pki::Status::Valid;
        all_ok &= valid;
        report.step(
            format!("{label} signer certificate"),
            valid,
            summary(&validation),
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

        let signed = crate::input::read(&doc_path)?;
        let verified = provider.verify(&alg, cert.spki_der(), &signed, &sig);
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
        let rejected = provider.verify(&alg, cert.spki_der(), &tampered, &sig);
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
    all_ok &= cms_steps(provider, &context, &dir, &doc_path, &mut report)?;
    all_ok &= flow_steps::run(provider, &dir, &mut report)?;
    if json {
        let steps: Vec<_> = report
            .steps
            .iter()
            .map(|s| serde_json::json!({"step": s.name, "ok": s.ok, "detail": s.detail}))
            .collect();
        let value = serde_json::json!({"command": "demo", "backend": provider.name, "ok": all_ok, "steps": steps});
        report.out.json(&value)?;
    }
    report.finish()?;
    Ok(if all_ok {
        Status::Valid
    } else {
        Status::Invalid
    })
}

/// PKCS#12 → CMS: load the signer from its PKCS#12 file, sign the document as detached CAdES-BES
/// CMS, verify it (signature, attributes, path, revocation), and show a tampered copy failing.
fn cms_steps(
    provider: &CryptoProvider,
    context: &TrustContext,
    dir: &Path,
    doc_path: &Path,
    report: &mut Report,
) -> Result<bool, Failure> {
    use signflow::cms::{Content, SignOptions, Signer, VerifyOptions};
    use signflow::pki::pkcs12::Pkcs12;

    let p12 = Pkcs12::from_der(pki::P12, pki::P12_PASSWORD.trim_end())
        .map_err(|e| Failure::new(Status::KeyError, e.to_string()))?;
    let identity = p12
        .identity(provider)
        .map_err(|e| Failure::new(Status::KeyError, e.to_string()))?;
    let (cert, chain) = (&identity.certificate, &identity.chain);
    report.step(
        "PKCS#12",
        true,
        format!(
            "leaf-rsa.p12 opened ({} key, chain of {}; key encrypted with {}, MAC {})",
            identity.key.kind().name(),
            chain.len(),
            p12.info()
                .key_encryption()
                .map_or("nothing", |p| p.algorithm.as_str()),
            p12.info()
                .mac
                .as_ref()
                .map_or("none", |m| m.algorithm.as_str()),
        ),
    );

    let document = crate::input::read(doc_path)?;
    let signer = Signer::new(provider, cert, chain, SignOptions::at(UnixTime::now()));
    let mut content: &[u8] = &document;
    let signed = signer
        .sign(identity.key.as_ref(), Content::Detached(&mut content))
        .map_err(|e| Failure::new(Status::KeyError, e.to_string()))?;
    let p7s = dir.join("act-17.txt.p7s");
    write(&p7s, signed.der())?;
    report.step(
        "CMS sign",
        true,
        format!(
            "detached CAdES-BES, {} bytes -> {}",
            signed.der().len(),
            p7s.display()
        ),
    );

    let options = VerifyOptions::at(UnixTime::now());
    let verifier = signflow::cms::Verifier::from_context(context);
    let check = |content: &[u8]| {
        let mut reader = content;
        signflow::cms::SignedData::from_ber(signed.der())
            .and_then(|sd| verifier.verify(&sd, Some(&mut reader), &options))
    };
    let verdict = check(&document).map_err(|e| Failure::new(Status::FormatError, e.to_string()))?;
    let valid = verdict.status == signflow::pki::Status::Valid;
    report.step(
        "CMS verify",
        valid,
        format!(
            "{} (signature, signed attributes, signer path and CRLs)",
            verdict.status
        ),
    );

    let mut tampered = document.clone();
    if let Some(pos) = tampered.iter().position(|&b| b == b'4') {
        tampered[pos] = b'9';
    }
    let verdict = check(&tampered).map_err(|e| Failure::new(Status::FormatError, e.to_string()))?;
    let refused = verdict.status == signflow::pki::Status::Invalid;
    let why: Vec<String> = verdict
        .signers
        .iter()
        .flat_map(|s| s.findings.iter().map(|f| f.message.clone()))
        .collect();
    report.step(
        "CMS tampered copy",
        refused,
        format!("{}: {}", verdict.status, why.join("; ")),
    );
    Ok(valid && refused)
}
