//! Signed PDFs made by pyHanko (testdata/pdf/generate.py) with the test PKI's keys (openssl):
//! each signature found through classic and stream cross-references, its byte range, what
//! incremental updates after it changed, its CMS or document time-stamp verified, the DSS used
//! as validation material; hostile files refused within the reader's limits; `verify pdf`'s
//! exit statuses.

mod common;

use std::process::Command;

use common::{read, testdata};
use signflow::cms::{CadesLevel, CmsFinding, VerifyOptions};
use signflow::pdf::{ChangeKind, PdfError, PdfFinding, SignatureKind, SignedPdf};
use signflow::pki::{Status, TrustContext, UnixTime};

fn at() -> UnixTime {
    UnixTime::from_utc(2027, 1, 1, 0, 0, 0)
}

/// The test PKI: root anchor, intermediate, both CRLs.
fn context() -> TrustContext {
    TrustContext::builder()
        .anchors_pem_or_der(&read("pki/root-ca.pem"))
        .unwrap()
        .intermediates_pem_or_der(&read("pki/intermediate-ca.pem"))
        .unwrap()
        .crls_pem_or_der(&read("pki/root-ca.crl.pem"))
        .unwrap()
        .crls_pem_or_der(&read("pki/intermediate-ca.crl.pem"))
        .unwrap()
        .build()
}

/// Only the root: intermediates and revocation data must come from the file.
fn root_only() -> TrustContext {
    TrustContext::builder()
        .anchors_pem_or_der(&read("pki/root-ca.pem"))
        .unwrap()
        .build()
}

fn verify(name: &str, context: &TrustContext) -> signflow::pdf::PdfReport {
    let bytes = read(name);
    let pdf = SignedPdf::parse(&bytes).unwrap();
    let options = VerifyOptions::with_validation(context.validation_at(at()));
    pdf.verify(context, &options).unwrap()
}

#[test]
fn adbe_detached_in_object_streams_is_valid() {
    let bytes = read("pdf/ecdsa-adbe.pdf");
    // qpdf wrote the base with an xref stream and object streams: the catalog and the form are
    // found through them.
    assert!(memchr_find(&bytes, b"/ObjStm"));
    assert!(memchr_find(&bytes, b"/XRef"));
    let report = verify("pdf/ecdsa-adbe.pdf", &context());
    assert_eq!(report.status, Status::Valid, "{report}");
    let s = &report.signatures[0];
    assert_eq!(s.field_name, "Approval");
    assert_eq!(s.sub_filter, "adbe.pkcs7.detached");
    assert_eq!(s.kind, SignatureKind::Signature);
    assert!(s.coverage.covers_whole_document, "{report}");
    assert_eq!(s.coverage.signed_end, bytes.len() as u64);
    let cms = s.cms.as_ref().unwrap();
    assert!(cms.signers[0].subject.as_deref().unwrap().contains("P-256"));
}

fn memchr_find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn pades_with_signature_timestamp_is_cades_t() {
    let report = verify("pdf/rsa-pades-t.pdf", &context());
    assert_eq!(report.status, Status::Valid, "{report}");
    let s = &report.signatures[0];
    assert_eq!(s.sub_filter, "ETSI.CAdES.detached");
    assert!(s.coverage.covers_whole_document);
    let signer = &s.cms.as_ref().unwrap().signers[0];
    assert_eq!(signer.level, Some(CadesLevel::T), "{report}");
    assert!(signer.subject.as_deref().unwrap().contains("RSA"));
    // The byte range is the file but the /Contents hex string.
    let bytes = read("pdf/rsa-pades-t.pdf");
    let r = &s.byte_range;
    assert_eq!(r[0], 0);
    assert_eq!(bytes[r[1] as usize], b'<');
    assert_eq!(bytes[r[2] as usize - 1], b'>');
    assert_eq!((r[2] + r[3]) as usize, bytes.len());
}

#[test]
fn second_signature_in_an_incremental_update() {
    let report = verify("pdf/two-signatures.pdf", &context());
    assert_eq!(report.status, Status::Valid, "{report}");
    assert_eq!(report.signatures.len(), 2);
    let (first, second) = (&report.signatures[0], &report.signatures[1]);
    assert_eq!(first.field_name, "Signature1");
    assert_eq!(second.field_name, "Signature2");
    assert!(!first.coverage.covers_whole_document);
    assert_eq!(first.coverage.appended_revisions, 1);
    assert_eq!(
        first.coverage.signed_end,
        read("pdf/rsa-pades-t.pdf").len() as u64,
        "the first signature covers exactly the file it was made on"
    );
    let kinds: Vec<ChangeKind> = first.coverage.changes.iter().map(|c| c.kind).collect();
    assert!(kinds.contains(&ChangeKind::Signature), "{kinds:?}");
    assert!(kinds.contains(&ChangeKind::SignatureField), "{kinds:?}");
    assert!(kinds.iter().all(|k| k.status().is_none()), "{kinds:?}");
    assert!(first.findings.iter().any(|f| matches!(
        f.finding,
        PdfFinding::SignedRevisionExtended { revisions: 1 }
    )));
    assert!(second.coverage.covers_whole_document);
    assert!(
        second.cms.as_ref().unwrap().signers[0]
            .subject
            .as_deref()
            .unwrap()
            .contains("P-256")
    );
}

#[test]
fn document_timestamp_is_verified_as_a_token() {
    let report = verify("pdf/doc-timestamp.pdf", &context());
    assert_eq!(report.status, Status::Valid, "{report}");
    let ts = report
        .signatures
        .iter()
        .find(|s| s.kind == SignatureKind::DocumentTimestamp)
        .expect("a document time-stamp");
    assert_eq!(ts.sub_filter, "ETSI.RFC3161");
    assert!(ts.coverage.covers_whole_document);
    let token = ts.timestamp.as_ref().unwrap();
    assert_eq!(token.status, Status::Valid, "{report}");
    assert!(token.signer.as_deref().unwrap().contains("TSA RSA"));
    let first = &report.signatures[0];
    assert!(
        first
            .coverage
            .changes
            .iter()
            .any(|c| c.kind == ChangeKind::DocumentTimestamp),
        "{report}"
    );
}

#[test]
fn dss_supplies_intermediates_and_crls() {
    let report = verify("pdf/lt.pdf", &root_only());
    assert_eq!(report.status, Status::Valid, "{report}");
    let dss = report.dss.as_ref().expect("a DSS");
    assert!(dss.certificates >= 1, "{report}");
    assert_eq!(dss.crls, 2, "{report}");
    // The same signer's PDF without a DSS, with only the root: no revocation data.
    let without = verify("pdf/rsa-pades-t.pdf", &root_only());
    assert_ne!(without.status, Status::Valid, "{without}");
}

#[test]
fn content_changed_after_signing_is_invalid() {
    let report = verify("pdf/modified.pdf", &context());
    assert_eq!(report.status, Status::Invalid, "{report}");
    let s = &report.signatures[0];
    // The signature itself still verifies over the revision it signed…
    assert_eq!(s.cms.as_ref().unwrap().status, Status::Valid, "{report}");
    assert_eq!(s.coverage.appended_revisions, 1);
    // …but the update after it changed the page.
    assert!(
        s.coverage
            .changes
            .iter()
            .any(|c| c.kind == ChangeKind::Content),
        "{report}"
    );
    assert!(
        s.findings
            .iter()
            .any(|f| matches!(f.finding, PdfFinding::ContentChangedAfterSigning { .. }))
    );
}

#[test]
fn tampered_signed_bytes_are_invalid() {
    let report = verify("pdf/tampered.pdf", &context());
    assert_eq!(report.status, Status::Invalid, "{report}");
    let cms = report.signatures[0].cms.as_ref().unwrap();
    assert!(
        cms.signers[0]
            .findings
            .iter()
            .any(|f| matches!(f.finding, CmsFinding::DigestMismatch { .. })),
        "{report}"
    );
}

#[test]
fn unsigned_pdf_has_no_signatures() {
    let report = verify("pdf/base.pdf", &context());
    assert_eq!(report.status, Status::Invalid);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.finding == PdfFinding::NoSignatures)
    );
}

#[test]
fn byte_range_moved_off_the_contents_is_invalid() {
    // The same length, the /ByteRange's gap shifted by one byte: the gap no longer is the
    // /Contents string.
    let mut bytes = read("pdf/ecdsa-adbe.pdf");
    let pdf = SignedPdf::parse(&bytes).unwrap();
    let r = pdf.signatures().unwrap()[0].byte_range.clone();
    let old = format!("{} {} {}", r[1], r[2], r[3]);
    let new = format!("{} {} {}", r[1] + 1, r[2], r[3]);
    assert_eq!(old.len(), new.len(), "same width");
    let position = bytes
        .windows(old.len())
        .position(|w| w == old.as_bytes())
        .unwrap();
    bytes[position..position + new.len()].copy_from_slice(new.as_bytes());
    let pdf = SignedPdf::parse(&bytes).unwrap();
    let context = context();
    let report = pdf
        .verify(
            &context,
            &VerifyOptions::with_validation(context.validation_at(at())),
        )
        .unwrap();
    assert_eq!(report.status, Status::Invalid, "{report}");
    assert!(
        report.signatures[0]
            .findings
            .iter()
            .any(|f| matches!(f.finding, PdfFinding::ByteRangeInvalid { .. }))
    );
}

#[test]
fn hostile_files_are_refused_within_limits() {
    assert!(matches!(
        SignedPdf::parse(b"not a pdf"),
        Err(PdfError::NotPdf)
    ));
    // Every truncation of a signed file: an error or a report, never a panic.
    let bytes = read("pdf/two-signatures.pdf");
    for end in (0..bytes.len()).step_by(101) {
        if let Ok(pdf) = SignedPdf::parse(&bytes[..end])
            && let Ok(signatures) = pdf.signatures()
        {
            for s in &signatures {
                let _ = pdf.coverage(s);
            }
        }
    }
    // A /Prev chain that loops.
    let looped = b"%PDF-1.7\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Prev 9 >>\nstartxref\n9\n%%EOF\n";
    assert!(matches!(
        SignedPdf::parse(looped),
        Err(PdfError::Malformed { .. })
    ));
    // Nesting deeper than the limit in the trailer.
    let mut deep = b"%PDF-1.7\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /A ".to_vec();
    deep.extend(std::iter::repeat_n(b'[', 1000));
    deep.extend(b"\nstartxref\n9\n%%EOF\n");
    assert!(matches!(
        SignedPdf::parse(&deep),
        Err(PdfError::TooDeep { .. })
    ));
    // A cross-reference stream that inflates far beyond its ratio (a zlib bomb).
    let bomb = zlib_zeros(4 * 1024);
    let mut file = b"%PDF-1.7\n".to_vec();
    let offset = file.len();
    file.extend(
        format!(
            "1 0 obj\n<< /Type /XRef /Size 2 /W [1 4 2] /Filter /FlateDecode /Length {} >>\nstream\n",
            bomb.len()
        )
        .as_bytes(),
    );
    file.extend(&bomb);
    file.extend(format!("\nendstream\nendobj\nstartxref\n{offset}\n%%EOF\n").as_bytes());
    let err = SignedPdf::parse(&file).err().expect("refused");
    assert!(matches!(err, PdfError::DecompressionLimit { .. }), "{err}");
}

/// A zlib stream of `kib` KiB of zeros (about 1000:1).
fn zlib_zeros(kib: usize) -> Vec<u8> {
    compress(&vec![0u8; kib * 1024])
}

/// `data` compressed by python3's zlib (a real tool's stream, not ours).
fn compress(data: &[u8]) -> Vec<u8> {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import sys,zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read(), 9))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(data).unwrap();
    }
    child.wait_with_output().unwrap().stdout
}

#[cfg(feature = "cli")]
mod cli {
    use super::*;

    fn signflow() -> Command {
        Command::new(env!("CARGO_BIN_EXE_signflow"))
    }

    fn run(file: &str, trust_all: bool) -> (i32, serde_json::Value) {
        let mut cmd = signflow();
        cmd.args(["--json", "verify", "pdf"])
            .arg(testdata(file))
            .arg("--trust")
            .arg(testdata("pki/root-ca.pem"))
            .args(["--at", "2027-01-01T00:00:00Z"]);
        if trust_all {
            cmd.arg("--untrusted")
                .arg(testdata("pki/intermediate-ca.pem"))
                .arg("--crl")
                .arg(testdata("pki/root-ca.crl.pem"))
                .arg("--crl")
                .arg(testdata("pki/intermediate-ca.crl.pem"));
        }
        let out = cmd.output().unwrap();
        let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
        (out.status.code().unwrap(), json)
    }

    #[test]
    fn exit_statuses_follow_the_contract() {
        let (code, json) = run("pdf/two-signatures.pdf", true);
        assert_eq!(code, 0, "{json}");
        assert_eq!(json["command"], "verify pdf");
        assert_eq!(json["signatures"].as_array().unwrap().len(), 2);
        assert_eq!(
            json["signatures"][0]["coverage"]["covers_whole_document"],
            false
        );
        assert_eq!(
            json["signatures"][1]["coverage"]["covers_whole_document"],
            true
        );
        assert_eq!(
            json["signatures"][0]["cms"]["signers"][0]["level"],
            "CAdES-T"
        );

        let (code, json) = run("pdf/lt.pdf", false);
        assert_eq!(code, 0, "the DSS is enough with the root: {json}");

        let (code, json) = run("pdf/modified.pdf", true);
        assert_eq!(code, 1, "{json}");
        let (code, _) = run("pdf/tampered.pdf", true);
        assert_eq!(code, 1);
        let (code, _) = run("pki/root-ca.pem", true);
        assert_eq!(code, 2, "not a PDF");

        // Text output names the field and the coverage.
        let out = signflow()
            .args(["verify", "pdf"])
            .arg(testdata("pdf/doc-timestamp.pdf"))
            .arg("--trust")
            .arg(testdata("pki/root-ca.pem"))
            .arg("--untrusted")
            .arg(testdata("pki/intermediate-ca.pem"))
            .args(["--at", "2027-01-01T00:00:00Z", "--no-revocation"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{text}");
        assert!(text.contains("document time-stamp"), "{text}");
        assert!(text.contains("covers the whole document"), "{text}");
    }
}
