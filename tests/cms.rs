//! CMS SignedData: OpenSSL's samples verify, ours verify in OpenSSL, PKITS S/MIME messages,
//! tampering, bounds, streaming, and the CLI.

mod common;

use std::io::Read;

use signflow::cms::{
    CHUNK_SIZE, CmsError, CmsFinding, Content, SignOptions, SignedData, Signer,
    SignerIdentifierKind, ValidationTime, Verifier, VerifyOptions, VerifyReport,
};
use signflow::crypto::{CryptoProvider, SignatureAlgorithm};
use signflow::pki::{Certificate, Crl, Finding, Status, TrustStore, UnixTime};

fn at_2027() -> UnixTime {
    UnixTime::from_utc(2027, 1, 1, 0, 0, 0)
}

fn certs(rel: &str) -> Vec<Certificate> {
    Certificate::all_from_pem_or_der(&common::read(rel)).unwrap()
}

fn trust() -> TrustStore {
    let mut t = TrustStore::new();
    t.add_pem_or_der(&common::read("pki/root-ca.pem")).unwrap();
    t
}

fn crls() -> Vec<Crl> {
    let mut c = Crl::all_from_pem_or_der(&common::read("pki/root-ca.crl.pem")).unwrap();
    c.extend(Crl::all_from_pem_or_der(&common::read("pki/intermediate-ca.crl.pem")).unwrap());
    c
}

/// Verifies a testdata/cms file (with content.txt for detached ones) at 2027-01-01.
fn verify_file(provider: &CryptoProvider, trust: &TrustStore, rel: &str) -> VerifyReport {
    let sd =
        SignedData::from_pem_or_ber(&common::read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let verifier = Verifier::new(provider, trust, certs("pki/intermediate-ca.pem"), crls());
    let content = common::read("cms/content.txt");
    let mut reader: &[u8] = &content;
    let detached: Option<&mut dyn std::io::Read> = if sd.is_detached() {
        Some(&mut reader)
    } else {
        None
    };
    verifier
        .verify(&sd, detached, &VerifyOptions::at(at_2027()))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every OpenSSL sample that must verify, with its number of signers.
const GOOD_SAMPLES: &[(&str, usize)] = &[
    ("cms/rsa-attached.der", 1),
    ("cms/rsa-detached.der", 1),
    ("cms/rsa-cades-attached.der", 1),
    ("cms/rsa-keyid-attached.der", 1),
    ("cms/rsa-noattr-attached.der", 1),
    ("cms/rsa-pss-attached.der", 1),
    ("cms/ecdsa-attached.der", 1),
    ("cms/ecdsa-detached.der", 1),
    ("cms/ecdsa-cades-detached.der", 1),
    ("cms/ecdsa-sha512-attached.der", 1),
    ("cms/ecdsa-nosmimecap-attached.der", 1),
    ("cms/ecdsa-noattr-detached.der", 1),
    ("cms/rsa-attached.pem", 1),
    ("cms/ecdsa-detached.pem", 1),
    ("cms/two-signers-attached.der", 2),
    ("cms/two-signers-detached.der", 2),
    ("cms/ber-attached.der", 1),
    ("cms/ber-detached.der", 1),
];

fn signer_finding(report: &VerifyReport, pred: impl Fn(&CmsFinding) -> bool) -> bool {
    report.signers.iter().any(|s| s.has(&pred))
}

fn cert_finding(report: &VerifyReport, pred: impl Fn(&Finding) -> bool) -> bool {
    report.signers.iter().any(|s| {
        s.findings.iter().any(|f| match &f.finding {
            CmsFinding::CertificateInvalid { report } => report.has(&pred),
            _ => false,
        })
    })
}

/// A signer identity from testdata/pki: key, certificate and chain.
struct Identity {
    key: Box<dyn signflow::crypto::SigningKey>,
    cert: Certificate,
    chain: Vec<Certificate>,
}

fn identity(provider: &CryptoProvider, stem: &str) -> Identity {
    let pem = String::from_utf8(common::read(&format!("pki/{stem}.key.pem"))).unwrap();
    Identity {
        key: provider.load_private_key_pem(&pem).unwrap(),
        cert: certs(&format!("pki/{stem}.pem")).remove(0),
        chain: certs("pki/chain.pem"),
    }
}

fn sign_options() -> SignOptions {
    SignOptions::at(UnixTime::from_utc(2026, 11, 23, 12, 0, 0))
}

/// The key types and algorithms signflow signs with: (label, key stem, algorithm).
fn signing_cases() -> Vec<(&'static str, &'static str, SignatureAlgorithm)> {
    vec![
        (
            "rsa-pkcs1",
            "leaf-rsa",
            SignatureAlgorithm::RSA_PKCS1_SHA256,
        ),
        (
            "rsa-pkcs1-sha512",
            "leaf-rsa",
            SignatureAlgorithm::RSA_PKCS1_SHA512,
        ),
        ("rsa-pss", "leaf-rsa", SignatureAlgorithm::RSA_PSS_SHA256),
        (
            "ecdsa-p256",
            "leaf-ecdsa-p256",
            SignatureAlgorithm::ECDSA_SHA256,
        ),
        ("ed25519", "leaf-ed25519", SignatureAlgorithm::Ed25519),
    ]
}

fn verifier<'a>(provider: &'a CryptoProvider, trust: &'a TrustStore) -> Verifier<'a> {
    Verifier::new(provider, trust, certs("pki/intermediate-ca.pem"), crls())
}

fn verify_with(
    verifier: &Verifier<'_>,
    sd: &SignedData,
    content: Option<&[u8]>,
) -> Result<VerifyReport, CmsError> {
    let mut reader = content.unwrap_or_default();
    let detached: Option<&mut dyn Read> = content.map(|_| &mut reader as &mut dyn Read);
    verifier.verify(sd, detached, &VerifyOptions::at(at_2027()))
}

// --- OpenSSL in the tests ------------------------------------------------------------------

fn openssl_available() -> bool {
    std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `openssl cms -verify` of `der` against the test PKI: Ok(()) or the tool's error output.
fn openssl_verify(der: &[u8], content: Option<&[u8]>, cades: bool) -> Result<(), String> {
    let ca = common::testdata("pki/root-ca.pem");
    let untrusted = common::testdata("pki/intermediate-ca.pem");
    let mut extra = vec![
        "-certfile".to_owned(),
        untrusted.to_str().unwrap().to_owned(),
    ];
    if cades {
        extra.push("-cades".into());
    }
    openssl_verify_with(der, content, &ca, &extra)
}

/// `openssl cms -verify` of `der` with `-CAfile ca` and `extra` arguments (at 2027-01-01),
/// checking that the output is the content.
fn openssl_verify_with(
    der: &[u8],
    content: Option<&[u8]>,
    ca: &std::path::Path,
    extra: &[String],
) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let sig = dir.path().join("sig.der");
    std::fs::write(&sig, der).unwrap();
    let mut cmd = std::process::Command::new("openssl");
    cmd.args(["cms", "-verify", "-binary", "-inform", "DER", "-in"])
        .arg(&sig)
        .arg("-CAfile")
        .arg(ca)
        .args(extra)
        .args(["-attime", "1798761600", "-out"])
        .arg(dir.path().join("out"));
    if let Some(c) = content {
        let path = dir.path().join("content");
        std::fs::write(&path, c).unwrap();
        cmd.arg("-content").arg(path);
    }
    let out = cmd.output().unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let produced = std::fs::read(dir.path().join("out")).unwrap();
    let expected = content.map_or_else(
        || {
            SignedData::from_ber(der)
                .unwrap()
                .content()
                .unwrap()
                .to_vec()
        },
        <[u8]>::to_vec,
    );
    if produced != expected {
        return Err("openssl output differs from the content".into());
    }
    Ok(())
}

fn gost_engine_available() -> bool {
    std::process::Command::new("openssl")
        .args(["engine", "gost"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// OpenSSL 3.0's CMS code cannot use Ed25519 (it insists on a digest for the EVP_PKEY, RFC 8419
/// support arrived in 3.2), so Ed25519 interop is checked only where OpenSSL can sign it.
fn openssl_does_ed25519_cms() -> bool {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("openssl")
        .args(["cms", "-sign", "-binary", "-md", "sha512", "-in"])
        .arg(common::testdata("cms/content.txt"))
        .arg("-signer")
        .arg(common::testdata("pki/leaf-ed25519.pem"))
        .arg("-inkey")
        .arg(common::testdata("pki/leaf-ed25519.key.pem"))
        .arg("-out")
        .arg(dir.path().join("x"))
        .output()
        .unwrap();
    out.status.success()
}

// --- S/MIME (PKITS) -------------------------------------------------------------------------

/// The signed part and the CMS of a `multipart/signed` S/MIME message (RFC 8551 §3.5.3): the
/// first body part exactly as sent (its line ends made CRLF), the second's base64 decoded.
fn parse_smime(eml: &[u8]) -> (Vec<u8>, Vec<u8>) {
    use base64::Engine;
    let text = std::str::from_utf8(eml).unwrap();
    let header_end = text.find("\n\n").or_else(|| text.find("\r\n\r\n")).unwrap();
    let headers = &text[..header_end];
    let boundary = headers
        .split("boundary=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a multipart boundary");
    let delimiter = format!("--{boundary}");
    let body = &text[header_end..];
    let first = body.find(&delimiter).unwrap();
    let after = &body[first + delimiter.len()..];
    let after = after
        .strip_prefix("\r\n")
        .or_else(|| after.strip_prefix('\n'))
        .unwrap();
    let next = after.find(&format!("\n{delimiter}")).unwrap();
    let mut part = &after[..next];
    part = part.strip_suffix('\r').unwrap_or(part);
    let signed = part
        .replace("\r\n", "\n")
        .replace('\n', "\r\n")
        .into_bytes();
    let second = &after[next + 1 + delimiter.len()..];
    let sig_part_body = second
        .split_once("\n\n")
        .or_else(|| second.split_once("\r\n\r\n"))
        .unwrap()
        .1;
    let b64: String = sig_part_body
        .lines()
        .take_while(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .concat()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let cms = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    (signed, cms)
}

/// Runs every PKITS test through its S/MIME message: (passed, failures, verdict tally).
fn pkits_smime(
    provider: &CryptoProvider,
) -> (
    usize,
    Vec<String>,
    std::collections::BTreeMap<String, usize>,
) {
    let mut tally = std::collections::BTreeMap::new();
    let mut passed = 0;
    let mut failures = Vec::new();
    for case in common::pkits_cases() {
        let (id, file) = (&case.id, &case.smime_file);
        let trust = case.trust();
        let verifier = Verifier::new(provider, &trust, case.untrusted(), case.crls.clone());
        let mut options = VerifyOptions::at(case.options.time);
        options.validation = case.options.clone();

        let (content, cms) = parse_smime(&common::read(&format!("pkits/smime/{file}")));
        let sd = match SignedData::from_ber(&cms) {
            Ok(sd) => sd,
            Err(e) => {
                failures.push(format!("{id} {file}: format error {e}"));
                continue;
            }
        };
        let report = match verifier.verify(&sd, Some(&mut content.as_slice()), &options) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{id} {file}: error {e}"));
                continue;
            }
        };
        // The message itself must be sound: every finding is about the certificate.
        let message_ok = report.signers.len() == 1
            && report.signers[0].findings.iter().all(|f| {
                matches!(
                    f.finding,
                    CmsFinding::CertificateInvalid { .. }
                        | CmsFinding::CertificateIndeterminate { .. }
                        | CmsFinding::WeakAlgorithm { .. }
                )
            });
        let expected = if case.expected_valid {
            "valid"
        } else {
            "invalid"
        };
        *tally
            .entry(format!("expected {expected} → {}", report.status))
            .or_insert(0) += 1;
        if message_ok && (report.status == Status::Valid) == case.expected_valid {
            passed += 1;
        } else {
            failures.push(format!(
                "{id} {} (expected {expected}): got {report}",
                case.name
            ));
        }
    }
    (passed, failures, tally)
}

/// A `Read` that makes `len` pseudo-random bytes on the fly and records the largest read
/// asked of it: nothing of the content exists anywhere but in the caller's buffer.
struct Generated {
    remaining: u64,
    state: u64,
    largest_read: usize,
    reads: u64,
}

impl Generated {
    fn new(len: u64, seed: u64) -> Self {
        Self {
            remaining: len,
            state: seed | 1,
            largest_read: 0,
            reads: 0,
        }
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.largest_read = self.largest_read.max(buf.len());
        self.reads += 1;
        let n = buf.len().min(self.remaining as usize);
        for chunk in buf[..n].chunks_mut(8) {
            // xorshift64
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            chunk.copy_from_slice(&self.state.to_le_bytes()[..chunk.len()]);
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// Replaces the first occurrence of `from` in `haystack` by `to` (same length).
fn patch(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = haystack
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern present");
    let mut out = haystack.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

/// DER of a SEQUENCE/SET/… with the given contents (for hand-made hostile input).
fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
    out
}

/// A ContentInfo of SignedData with the given SignedData contents.
fn content_info(signed_data_contents: &[u8]) -> Vec<u8> {
    let oid = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
    ];
    let sd = der(0x30, signed_data_contents);
    der(0x30, &[&oid[..], &der(0xa0, &sd)].concat())
}

fn run_cli(args: &[&str], env: &[(&str, &str)]) -> Option<std::process::Output> {
    let bin = option_env!("CARGO_BIN_EXE_signflow")?;
    let mut cmd = std::process::Command::new(bin);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Some(cmd.output().unwrap())
}

/// Whether the binary has the `sign cms` / `verify cms` commands registered.
fn cli_has_cms() -> bool {
    run_cli(&["verify", "cms", "--help"], &[]).is_some_and(|o| o.status.success())
}

per_provider! {
    #[test]
    fn openssl_samples_verify() {
        let trust = trust();
        for (rel, signers) in GOOD_SAMPLES {
            let report = verify_file(provider(), &trust, rel);
            assert_eq!(report.status, Status::Valid, "{rel}:\n{report}");
            assert_eq!(report.signers.len(), *signers, "{rel}");
            for s in &report.signers {
                assert!(s.subject.as_deref().unwrap().contains("Signflow Test Signer"), "{rel}");
                assert_eq!(s.certificate.as_ref().unwrap().path.len(), 3, "{rel}: {report}");
                assert!(s.findings.is_empty(), "{rel}: {report}");
            }
        }
        // What the samples are: CAdES ones bind the certificate, -noattr ones have no
        // signed attributes, -keyid names the signer by subjectKeyIdentifier.
        let r = verify_file(provider(), &trust, "cms/rsa-cades-attached.der");
        assert!(r.signers[0].signing_certificate_bound);
        assert!(r.signers[0].signed_attributes.contains(&"signing-certificate-v2".to_owned()));
        let r = verify_file(provider(), &trust, "cms/rsa-noattr-attached.der");
        assert!(r.signers[0].signed_attributes.is_empty() && r.signers[0].signing_time.is_none());
        let r = verify_file(provider(), &trust, "cms/rsa-keyid-attached.der");
        assert!(r.signers[0].signer.starts_with("subjectKeyIdentifier"), "{}", r.signers[0].signer);
        let r = verify_file(provider(), &trust, "cms/rsa-pss-attached.der");
        assert_eq!(r.signers[0].signature, Some(SignatureAlgorithm::RSA_PSS_SHA256));
        let r = verify_file(provider(), &trust, "cms/ecdsa-sha512-attached.der");
        assert_eq!(r.signers[0].digest_algorithm, "SHA-512");
        assert!(r.signers[0].signing_time.is_some());
        // The BER sample really is BER, and parses to the same content as the DER one.
        let ber = common::read("cms/ber-attached.der");
        assert_eq!(&ber[..2], &[0x30, 0x80]);
        let sd = SignedData::from_ber(&ber).unwrap();
        assert_eq!(sd.content().unwrap(), common::read("cms/content.txt"));
        assert_ne!(sd.der(), &ber[..]);
    }

    #[test]
    fn pss_with_openssls_default_salt_is_indeterminate() {
        let report = verify_file(provider(), &trust(), "cms/rsa-pss-maxsalt-attached.der");
        assert_eq!(report.status, Status::Indeterminate, "{report}");
        assert!(signer_finding(&report, |f| matches!(f, CmsFinding::UnsupportedAlgorithm { .. })));
    }

    #[test]
    fn refused_signers_are_invalid_for_the_right_reason() {
        let trust = trust();
        let signature_fine = |r: &VerifyReport| {
            !signer_finding(r, |f| {
                matches!(f, CmsFinding::BadSignature | CmsFinding::DigestMismatch { .. })
            })
        };
        let r = verify_file(provider(), &trust, "cms/expired-signer-attached.der");
        assert_eq!(r.status, Status::Invalid, "{r}");
        assert!(cert_finding(&r, |f| matches!(f, Finding::Expired { .. })), "{r}");
        assert!(signature_fine(&r), "{r}");

        let r = verify_file(provider(), &trust, "cms/revoked-signer-attached.der");
        assert_eq!(r.status, Status::Invalid, "{r}");
        assert!(cert_finding(&r, |f| matches!(f, Finding::Revoked { .. })), "{r}");
        assert!(signature_fine(&r), "{r}");

        // Same key, same issuer and serial, another certificate: the signature verifies and the
        // chain is valid, but signing-certificate-v2 names the real one.
        let r = verify_file(provider(), &trust, "cms/swapped-same-key-attached.der");
        assert_eq!(r.status, Status::Invalid, "{r}");
        assert!(signer_finding(&r, |f| matches!(f, CmsFinding::SigningCertificateMismatch { .. })));
        assert!(signature_fine(&r), "{r}");
        assert!(r.signers[0].subject.as_deref().unwrap().contains("Reissued"));

        // Another key under the same issuer and serial: the signature does not verify.
        let r = verify_file(provider(), &trust, "cms/swapped-other-key-attached.der");
        assert_eq!(r.status, Status::Invalid, "{r}");
        assert!(signer_finding(&r, |f| matches!(f, CmsFinding::BadSignature)), "{r}");
    }

    #[test]
    fn tampering_is_invalid_and_truncation_is_a_format_error() {
        let trust = trust();
        let v = verifier(provider(), &trust);
        let content = common::read("cms/content.txt");

        // Altered attached content, DER and BER.
        for rel in ["cms/rsa-attached.der", "cms/ber-attached.der", "cms/ecdsa-attached.der"] {
            let altered = patch(&common::read(rel), b"Act of acceptance", b"Act of acceptancf");
            let r = verify_with(&v, &SignedData::from_ber(&altered).unwrap(), None).unwrap();
            assert_eq!(r.status, Status::Invalid, "{rel}: {r}");
            assert!(signer_finding(&r, |f| matches!(f, CmsFinding::DigestMismatch { .. })), "{rel}");
        }
        // Altered detached content, with and without signed attributes.
        for rel in ["cms/rsa-detached.der", "cms/ecdsa-noattr-detached.der"] {
            let sd = SignedData::from_ber(&common::read(rel)).unwrap();
            let mut other = content.clone();
            other[3] ^= 1;
            let r = verify_with(&v, &sd, Some(&other)).unwrap();
            assert_eq!(r.status, Status::Invalid, "{rel}: {r}");
            let expected = if rel.contains("noattr") {
                signer_finding(&r, |f| matches!(f, CmsFinding::BadSignature))
            } else {
                signer_finding(&r, |f| matches!(f, CmsFinding::DigestMismatch { .. }))
            };
            assert!(expected, "{rel}: {r}");
        }
        // An altered signed attribute (a digit of the signing time): the content digest still
        // matches, the signature does not.
        let signing_time = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05];
        for rel in ["cms/rsa-attached.der", "cms/ecdsa-cades-detached.der"] {
            let mut der = common::read(rel);
            let at = der.windows(11).position(|w| w == signing_time).unwrap();
            // OID (11) SET header (2) UTCTime header (2) "YYMMDDHHMMS" -> last seconds digit
            let digit = at + 11 + 2 + 2 + 11;
            der[digit] = if der[digit] == b'0' { b'1' } else { b'0' };
            let sd = SignedData::from_ber(&der).unwrap();
            let r = verify_with(&v, &sd, sd.is_detached().then_some(&content[..])).unwrap();
            assert_eq!(r.status, Status::Invalid, "{rel}: {r}");
            assert!(signer_finding(&r, |f| matches!(f, CmsFinding::BadSignature)), "{rel}: {r}");
            assert!(!signer_finding(&r, |f| matches!(f, CmsFinding::DigestMismatch { .. })));
        }
        // Truncated anywhere: a format error, never a verdict or a panic.
        for rel in ["cms/rsa-cades-attached.der", "cms/ber-attached.der", "cms/ber-detached.der"] {
            let der = common::read(rel);
            for len in 0..der.len() {
                match SignedData::from_ber(&der[..len]) {
                    Err(e) => assert!(e.is_format_error(), "{rel}[..{len}]: {e}"),
                    Ok(_) => panic!("{rel} truncated to {len} bytes parsed"),
                }
            }
        }
        // Not CMS at all, or CMS of another type.
        let cert = common::read("pki/leaf-rsa.der");
        assert!(SignedData::from_ber(&cert).unwrap_err().is_format_error());
        assert!(SignedData::from_pem_or_ber(b"hello").unwrap_err().is_format_error());
        let mut enveloped = content_info(&[]);
        assert_eq!(enveloped[12], 0x02, "…7.2 (signedData) becomes …7.3 (envelopedData)");
        enveloped[12] = 0x03;
        assert!(matches!(
            SignedData::from_ber(&enveloped),
            Err(CmsError::NotSignedData { .. })
        ));
        // Detached signature without content, attached one with content: the caller's mistake.
        let sd = SignedData::from_ber(&common::read("cms/rsa-detached.der")).unwrap();
        assert!(matches!(verify_with(&v, &sd, None), Err(CmsError::ContentRequired)));
        let sd = SignedData::from_ber(&common::read("cms/rsa-attached.der")).unwrap();
        assert!(matches!(
            verify_with(&v, &sd, Some(&content)),
            Err(CmsError::ContentConflict)
        ));
    }

    #[test]
    fn signed_attributes_are_checked_as_received_then_as_der() {
        // Swap the content-type and signing-time attributes of an OpenSSL signature: the SET is
        // no longer in DER order, so the received bytes are not what was signed; their DER
        // re-encoding is, and the result says so.
        let trust = trust();
        let v = verifier(provider(), &trust);
        let der = common::read("cms/rsa-attached.der");
        let ct = [
            &[0x30, 0x18, 0x06, 0x09][..],
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03],
            &[0x31, 0x0b, 0x06, 0x09],
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01],
        ]
        .concat();
        let at = der.windows(ct.len()).position(|w| w == ct).unwrap();
        let st_len = 2 + der[at + ct.len() + 1] as usize;
        let mut swapped = der.clone();
        let st = der[at + ct.len()..at + ct.len() + st_len].to_vec();
        swapped[at..at + st_len].copy_from_slice(&st);
        swapped[at + st_len..at + st_len + ct.len()].copy_from_slice(&ct);
        assert_ne!(swapped, der);
        let r = verify_with(&v, &SignedData::from_ber(&swapped).unwrap(), None).unwrap();
        assert_eq!(r.status, Status::Valid, "{r}");
        assert!(r.has(|f| matches!(f, CmsFinding::SignedAttributesNotDer)), "{r}");
        let r = verify_with(&v, &SignedData::from_ber(&der).unwrap(), None).unwrap();
        assert!(!r.has(|f| matches!(f, CmsFinding::SignedAttributesNotDer)), "{r}");
    }

    #[test]
    fn signflow_signatures_verify_in_signflow_and_openssl() {
        let trust = trust();
        let v = verifier(provider(), &trust);
        let content = common::read("cms/content.txt");
        let openssl = openssl_available();
        if !openssl {
            eprintln!("SKIPPED: openssl not available; signflow-made CMS checked by signflow only");
        }
        let ed25519_in_openssl = openssl && openssl_does_ed25519_cms();
        if openssl && !ed25519_in_openssl {
            eprintln!(
                "SKIPPED: this OpenSSL cannot do Ed25519 CMS (3.0 lacks RFC 8419); Ed25519 \
                 signatures are checked by signflow only"
            );
        }
        for (label, stem, alg) in signing_cases() {
            let id = identity(provider(), stem);
            let mut opts = sign_options();
            opts.algorithm = Some(alg);
            let signer = Signer::new(provider(), &id.cert, &id.chain, opts);
            let attached = signer.sign(&*id.key, Content::Attached(&content)).unwrap();
            let detached = signer
                .sign(&*id.key, Content::Detached(&mut content.as_slice()))
                .unwrap();
            assert!(!attached.is_detached() && detached.is_detached());
            for (sd, c) in [(&attached, None), (&detached, Some(&content[..]))] {
                let r = verify_with(&v, sd, c).unwrap();
                assert_eq!(r.status, Status::Valid, "{label}: {r}");
                let s = &r.signers[0];
                assert!(s.signing_certificate_bound, "{label}");
                assert_eq!(s.signature, Some(alg), "{label}");
                assert_eq!(s.signing_time, Some(UnixTime::from_utc(2026, 11, 23, 12, 0, 0)));
                assert!(s.findings.is_empty(), "{label}: {r}");
                // PEM round trip.
                let pem = sd.to_pem();
                assert!(pem.starts_with("-----BEGIN CMS-----\n"), "{label}");
                assert_eq!(SignedData::from_pem_or_ber(pem.as_bytes()).unwrap().der(), sd.der());
            }
            if !openssl || (alg == SignatureAlgorithm::Ed25519 && !ed25519_in_openssl) {
                continue;
            }
            for cades in [false, true] {
                openssl_verify(attached.der(), None, cades)
                    .unwrap_or_else(|e| panic!("{label} attached, cades {cades}: {e}"));
                openssl_verify(detached.der(), Some(&content), cades)
                    .unwrap_or_else(|e| panic!("{label} detached, cades {cades}: {e}"));
            }
        }
    }

    #[test]
    fn gost_samples_and_round_trip() {
        // GOST R 34.10-2012 CMS as the OpenSSL GOST engine writes it (signatureAlgorithm = the
        // key algorithm OID, digest Streebog), and ours, checked by the engine where it exists.
        let engine = gost_engine_available();
        if !engine {
            eprintln!("SKIPPED: no OpenSSL GOST engine; GOST CMS checked by signflow only");
        }
        let content = common::read("cms/content.txt");
        for (rel, stem) in [
            ("cms/gost2012-256-attached.der", "gost2012_256-A"),
            ("cms/gost2012-512-detached.der", "gost2012_512-A"),
        ] {
            let cert_rel = format!("gost/{stem}.cert.pem");
            let mut trust = TrustStore::new();
            trust.add_pem_or_der(&common::read(&cert_rel)).unwrap();
            let v = Verifier::new(provider(), &trust, Vec::new(), Vec::new());
            let mut options = VerifyOptions::at(at_2027());
            options.validation.revocation = signflow::pki::RevocationMode::Off;
            let verify = |sd: &SignedData, c: Option<&[u8]>| {
                let mut reader = c.unwrap_or_default();
                let detached: Option<&mut dyn Read> = c.map(|_| &mut reader as &mut dyn Read);
                v.verify(sd, detached, &options).unwrap()
            };
            let sample = SignedData::from_ber(&common::read(rel)).unwrap();
            let r = verify(&sample, sample.is_detached().then_some(&content[..]));
            assert_eq!(r.status, Status::Valid, "{rel}: {r}");
            assert!(r.signers[0].digest_algorithm.starts_with("Streebog"), "{rel}: {r}");

            let key_pem = String::from_utf8(common::read(&format!("gost/{stem}.key.pem"))).unwrap();
            let key = provider().load_private_key_pem(&key_pem).unwrap();
            let cert = certs(&cert_rel).remove(0);
            let signer = Signer::new(provider(), &cert, &[], sign_options());
            let attached = signer.sign(&*key, Content::Attached(&content)).unwrap();
            let detached = signer
                .sign(&*key, Content::Detached(&mut content.as_slice()))
                .unwrap();
            let mut altered = content.clone();
            altered[0] ^= 1;
            assert_eq!(verify(&attached, None).status, Status::Valid, "{stem}");
            assert_eq!(verify(&detached, Some(&content)).status, Status::Valid, "{stem}");
            assert_eq!(verify(&detached, Some(&altered)).status, Status::Invalid, "{stem}");
            if engine {
                let ca = common::testdata(&cert_rel);
                let extra = ["-engine", "gost", "-cades"].map(String::from);
                openssl_verify_with(attached.der(), None, &ca, &extra)
                    .unwrap_or_else(|e| panic!("{stem} attached: {e}"));
                openssl_verify_with(detached.der(), Some(&content), &ca, &extra)
                    .unwrap_or_else(|e| panic!("{stem} detached: {e}"));
            }
        }
    }

    #[test]
    fn split_signing_and_signer_identifier_options() {
        let trust = trust();
        let v = verifier(provider(), &trust);
        let id = identity(provider(), "leaf-rsa");
        let mut opts = sign_options();
        opts.signer_identifier = SignerIdentifierKind::SubjectKeyIdentifier;
        opts.signing_time = None;
        opts.signing_certificate_v2 = false;
        let signer = Signer::new(provider(), &id.cert, &id.chain, opts);
        let tbs = signer.prepare(None, Content::Attached(b"act no. 17")).unwrap();
        assert_eq!(tbs.algorithm(), SignatureAlgorithm::RSA_PKCS1_SHA256);
        assert_eq!(tbs.bytes()[0], 0x31, "the signed bytes are a DER SET");
        let signature = id.key.sign(&tbs.algorithm(), tbs.bytes()).unwrap();
        let sd = tbs.assemble(&signature).unwrap();
        assert_eq!(sd.version(), 3, "a subjectKeyIdentifier signer makes SignedData v3");
        let r = verify_with(&v, &sd, None).unwrap();
        assert_eq!(r.status, Status::Valid, "{r}");
        assert!(r.signers[0].signer.starts_with("subjectKeyIdentifier"));
        assert!(!r.signers[0].signing_certificate_bound);
        assert_eq!(
            r.signers[0].signed_attributes,
            ["content-type", "message-digest"].map(String::from)
        );
        if openssl_available() {
            openssl_verify(sd.der(), None, false).unwrap();
        }
        // A key that is not the certificate's is refused.
        let other = identity(provider(), "leaf-ecdsa-p256");
        let signer = Signer::new(provider(), &id.cert, &id.chain, sign_options());
        assert!(matches!(
            signer.sign(&*other.key, Content::Attached(b"x")),
            Err(CmsError::KeyMismatch)
        ));
        // An algorithm the certificate's key cannot make is refused before signing.
        assert!(matches!(
            signer.prepare(Some(SignatureAlgorithm::ECDSA_SHA256), Content::Attached(b"x")),
            Err(CmsError::Crypto(_))
        ));
    }

    #[test]
    fn cosigning_adds_a_signer_over_the_same_content() {
        let trust = trust();
        let v = verifier(provider(), &trust);
        let content = common::read("cms/content.txt");
        let rsa = identity(provider(), "leaf-rsa");
        let ec = identity(provider(), "leaf-ecdsa-p256");
        let ed = identity(provider(), "leaf-ed25519");
        let rsa_signer = Signer::new(provider(), &rsa.cert, &rsa.chain, sign_options());
        let ec_signer = Signer::new(provider(), &ec.cert, &ec.chain, sign_options());
        let ed_signer = Signer::new(provider(), &ed.cert, &ed.chain, sign_options());

        // Attached: RSA signs, ECDSA co-signs.
        let first = rsa_signer.sign(&*rsa.key, Content::Attached(&content)).unwrap();
        let both = ec_signer.cosign(&*ec.key, &first, None).unwrap();
        let r = verify_with(&v, &both, None).unwrap();
        assert_eq!(r.status, Status::Valid, "{r}");
        assert_eq!(r.signers.len(), 2);
        assert_eq!(both.certificates_der().count(), 4, "leaves, intermediate and root, once each");
        assert_eq!(both.content(), Some(&content[..]));
        if openssl_available() {
            openssl_verify(both.der(), None, true).unwrap();
        }

        // Detached: RSA signs, Ed25519 co-signs (SHA-512 joins the digest algorithms).
        let first = rsa_signer
            .sign(&*rsa.key, Content::Detached(&mut content.as_slice()))
            .unwrap();
        assert!(matches!(
            ed_signer.cosign(&*ed.key, &first, None),
            Err(CmsError::ContentRequired)
        ));
        let both = ed_signer
            .cosign(&*ed.key, &first, Some(&mut content.as_slice()))
            .unwrap();
        let r = verify_with(&v, &both, Some(&content)).unwrap();
        assert_eq!(r.status, Status::Valid, "{r}");
        let digests: Vec<&str> = r.signers.iter().map(|s| s.digest_algorithm.as_str()).collect();
        assert!(digests.contains(&"SHA-256") && digests.contains(&"SHA-512"), "{digests:?}");

        // Issue #18: co-signing a detached signature over another document is refused (it
        // succeeded, and the result could never verify); so is one no signer can confirm.
        let mut other = content.clone();
        other[0] ^= 1;
        let cosigners: [(&Signer, &dyn signflow::crypto::SigningKey); 2] =
            [(&ed_signer, &*ed.key), (&ec_signer, &*ec.key)];
        for (cosigner, key) in cosigners {
            match cosigner.cosign(key, &first, Some(&mut other.as_slice())) {
                Err(e @ CmsError::CosignContentMismatch { signer: 1 }) => {
                    assert!(e.to_string().contains("not the document"), "{e}")
                }
                other => panic!("{other:?}"),
            }
        }
        // Without signed attributes the existing signature itself is checked.
        let noattr = SignedData::from_ber(&common::read("cms/ecdsa-noattr-detached.der")).unwrap();
        assert!(matches!(
            rsa_signer.cosign(&*rsa.key, &noattr, Some(&mut other.as_slice())),
            Err(CmsError::CosignContentMismatch { signer: 1 })
        ));
        let both = rsa_signer
            .cosign(&*rsa.key, &noattr, Some(&mut content.as_slice()))
            .unwrap();
        assert_eq!(verify_with(&v, &both, Some(&content)).unwrap().status, Status::Valid);

        // Co-signing OpenSSL's BER file keeps the first signature intact.
        let ber = SignedData::from_ber(&common::read("cms/ber-attached.der")).unwrap();
        let both = ec_signer.cosign(&*ec.key, &ber, None).unwrap();
        let r = verify_with(&v, &both, None).unwrap();
        assert_eq!(r.status, Status::Valid, "{r}");
        assert_eq!(r.signers.len(), 2);
        if openssl_available() {
            openssl_verify(both.der(), None, false).unwrap();
        }
    }

    #[test]
    fn counter_signatures_are_verified() {
        let trust = trust();
        let v = verifier(provider(), &trust);
        let content = common::read("cms/content.txt");
        let rsa = identity(provider(), "leaf-rsa");
        let ec = identity(provider(), "leaf-ecdsa-p256");
        let signed = Signer::new(provider(), &rsa.cert, &rsa.chain, sign_options())
            .sign(&*rsa.key, Content::Attached(&content))
            .unwrap();
        let ec_signer = Signer::new(provider(), &ec.cert, &ec.chain, sign_options());
        assert!(matches!(
            ec_signer.countersign(&*ec.key, &signed, 1),
            Err(CmsError::NoSuchSigner { index: 1, count: 1 })
        ));
        let countersigned = ec_signer.countersign(&*ec.key, &signed, 0).unwrap();
        let twice = ec_signer.countersign(&*ec.key, &countersigned, 0).unwrap();
        for (sd, n) in [(&countersigned, 1), (&twice, 2)] {
            let r = verify_with(&v, sd, None).unwrap();
            assert_eq!(r.status, Status::Valid, "{r}");
            assert_eq!(r.signers.len(), 1);
            let cs = &r.signers[0].counter_signatures;
            assert_eq!(cs.len(), n, "{r}");
            assert!(cs.iter().all(|c| c.status == Status::Valid), "{r}");
            assert!(!cs[0].signed_attributes.contains(&"content-type".to_owned()));
            assert!(cs[0].subject.as_deref().unwrap().contains("P-256"));
        }
        if openssl_available() {
            openssl_verify(twice.der(), None, true).unwrap();
        }
        // The counter-signature covers the signature value: alter the RSA signature (its
        // 256-byte OCTET STRING) and the signer is invalid and the counter-signature's
        // message-digest no longer matches.
        let mut der = countersigned.der().to_vec();
        let at = der.windows(4).position(|w| w == [0x04, 0x82, 0x01, 0x00]).unwrap() + 4 + 255;
        der[at] ^= 1;
        let r = verify_with(&v, &SignedData::from_ber(&der).unwrap(), None).unwrap();
        assert_eq!(r.status, Status::Invalid, "{r}");
        assert!(r.signers[0].has(|f| matches!(f, CmsFinding::BadSignature)), "{r}");
        assert!(
            r.signers[0].counter_signatures[0]
                .has(|f| matches!(f, CmsFinding::DigestMismatch { .. })),
            "{r}"
        );
    }

    #[test]
    fn detached_64_mib_streams_in_fixed_chunks() {
        const LEN: u64 = 64 << 20;
        let trust = trust();
        let v = verifier(provider(), &trust);
        let id = identity(provider(), "leaf-ecdsa-p256");
        let signer = Signer::new(provider(), &id.cert, &id.chain, sign_options());
        let mut source = Generated::new(LEN, 17);
        let sd = signer.sign(&*id.key, Content::Detached(&mut source)).unwrap();
        assert_eq!(source.remaining, 0);
        assert!(source.largest_read <= CHUNK_SIZE, "{}", source.largest_read);
        assert!(sd.der().len() < 4096, "the SignedData holds no content");

        let mut again = Generated::new(LEN, 17);
        let report = v
            .verify(&sd, Some(&mut again), &VerifyOptions::at(at_2027()))
            .unwrap();
        assert_eq!(report.status, Status::Valid, "{report}");
        assert_eq!(report.content_length, LEN);
        // Read in chunks of CHUNK_SIZE (64 KiB): the verifier holds one chunk at a time.
        assert_eq!(again.largest_read, CHUNK_SIZE);
        assert!(again.reads > LEN / CHUNK_SIZE as u64);

        let mut other = Generated::new(LEN, 18);
        let report = v
            .verify(&sd, Some(&mut other), &VerifyOptions::at(at_2027()))
            .unwrap();
        assert_eq!(report.status, Status::Invalid);
        assert!(signer_finding(&report, |f| matches!(f, CmsFinding::DigestMismatch { .. })));
    }

    #[test]
    fn validation_at_the_claimed_signing_time() {
        let trust = trust();
        let v = verifier(provider(), &trust);
        let id = identity(provider(), "leaf-ecdsa-p256");
        let claimed = UnixTime::from_utc(2027, 6, 1, 0, 0, 0);
        let signer = Signer::new(provider(), &id.cert, &id.chain, SignOptions::at(claimed));
        let sd = signer.sign(&*id.key, Content::Attached(b"act")).unwrap();
        // In 2040 the leaf (valid until 2036) has expired...
        let mut options = VerifyOptions::at(UnixTime::from_utc(2040, 1, 1, 0, 0, 0));
        let r = v.verify(&sd, None, &options).unwrap();
        assert_eq!(r.status, Status::Invalid, "{r}");
        assert!(cert_finding(&r, |f| matches!(f, Finding::Expired { .. })));
        // ...but at the time the signer claims, it was valid; the report says whose time it is.
        options.time = ValidationTime::ClaimedSigningTime;
        let r = v.verify(&sd, None, &options).unwrap();
        assert_eq!(r.status, Status::Valid, "{r}");
        assert_eq!(r.signers[0].validation_time, claimed);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["signers"][0]["validation_time_source"], "claimed_signing_time");
    }

    #[test]
    fn report_serializes_to_json() {
        let trust = trust();
        let r = verify_file(provider(), &trust, "cms/two-signers-detached.der");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["status"], "valid");
        assert_eq!(json["detached"], true);
        assert_eq!(json["signers"].as_array().unwrap().len(), 2);
        assert_eq!(json["signers"][0]["certificate"]["status"], "valid");
        assert!(json["signers"][0]["signing_time"].as_str().unwrap().ends_with('Z'));
        let r = verify_file(provider(), &trust, "cms/revoked-signer-attached.der");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["status"], "invalid");
        let finding = &json["signers"][0]["findings"][0];
        assert_eq!(finding["kind"], "certificate_invalid");
        assert!(finding["message"].as_str().unwrap().contains("revoked"), "{finding}");
        let path = json["signers"][0]["certificate"]["path"].as_array().unwrap();
        assert_eq!(path[0]["findings"][0]["kind"], "revoked");
    }

    #[test]
    fn pkits_smime_messages() {
        let (passed, failures, tally) = pkits_smime(provider());
        eprintln!("PKITS S/MIME on {}: {passed} of 249 as expected {tally:?}", provider().name);
        for f in &failures {
            eprintln!("  FAIL {f}");
        }
        assert!(failures.is_empty(), "{} failures", failures.len());
        assert_eq!(passed, 249);
    }

    #[test]
    fn mutated_input_never_panics() {
        let trust = trust();
        let v = verifier(provider(), &trust);
        let content = common::read("cms/content.txt");
        for rel in ["cms/rsa-cades-attached.der", "cms/ber-detached.der", "cms/two-signers-attached.der"] {
            let der = common::read(rel);
            for pos in 0..der.len() {
                for value in [0x00, 0xff, der[pos] ^ 0x80, der[pos].wrapping_add(1)] {
                    let mut m = der.clone();
                    m[pos] = value;
                    let Ok(sd) = SignedData::from_ber(&m) else { continue };
                    // Verifying costs signature checks: every 5th position.
                    if pos % 5 == 0 {
                        let _ = verify_with(&v, &sd, sd.is_detached().then_some(&content[..]));
                    }
                }
            }
        }
    }
}

#[test]
fn hostile_structure_is_bounded() {
    // Deep nesting: an error, not a stack overflow.
    let mut deep = Vec::new();
    for _ in 0..100_000 {
        deep.extend_from_slice(&[0x30, 0x80]);
    }
    deep.extend(std::iter::repeat_n(0u8, 200_000));
    assert!(matches!(
        SignedData::from_ber(&deep),
        Err(CmsError::LimitExceeded {
            what: "nesting depth",
            ..
        })
    ));
    // A length far beyond the input.
    let huge = [0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x06, 0x00];
    assert!(SignedData::from_ber(&huge).unwrap_err().is_format_error());
    let huge = [0x30, 0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    assert!(SignedData::from_ber(&huge).unwrap_err().is_format_error());

    // Many signers, certificates, attributes.
    let version = der(0x02, &[1]);
    let digest_algs = der(0x31, &[]);
    let eci = der(
        0x30,
        &der(
            0x06,
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01],
        ),
    );
    let sha256 = der(
        0x30,
        &der(
            0x06,
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01],
        ),
    );
    let signer_info = |attrs: usize| {
        let sid = der(0x30, &[der(0x30, &[]), der(0x02, &[1])].concat());
        let attr = der(0x30, &[der(0x06, &[0x2a, 0x03]), der(0x31, &[])].concat());
        let signed = if attrs > 0 {
            der(0xa0, &attr.repeat(attrs))
        } else {
            Vec::new()
        };
        der(
            0x30,
            &[
                der(0x02, &[1]),
                sid,
                sha256.clone(),
                signed,
                sha256.clone(),
                der(0x04, &[]),
            ]
            .concat(),
        )
    };
    let build = |signers: usize, certs: usize, attrs: usize| {
        let certs = if certs > 0 {
            der(0xa0, &der(0x30, &[]).repeat(certs))
        } else {
            Vec::new()
        };
        content_info(
            &[
                version.clone(),
                digest_algs.clone(),
                eci.clone(),
                certs,
                der(0x31, &signer_info(attrs).repeat(signers)),
            ]
            .concat(),
        )
    };
    let sd = SignedData::from_ber(&build(64, 256, 64)).unwrap();
    assert_eq!(sd.signer_count(), 64);
    for (input, what) in [
        (build(65, 1, 1), "signers"),
        (build(1, 257, 1), "certificates"),
        (build(1, 1, 65), "signed attributes"),
        (build(10_000, 0, 1), "signers"),
    ] {
        match SignedData::from_ber(&input) {
            Err(CmsError::LimitExceeded { what: w, .. }) => assert_eq!(w, what),
            other => panic!("{what}: {other:?}"),
        }
    }
    // A SignedData with no signers is a verdict (invalid), not a format error.
    let provider = CryptoProvider::all_compiled()[0];
    let trust = trust();
    let sd = SignedData::from_ber(&build(0, 0, 0)).unwrap();
    let r = Verifier::new(provider, &trust, Vec::new(), Vec::new())
        .verify(&sd, Some(&mut &b""[..]), &VerifyOptions::at(at_2027()))
        .unwrap();
    assert_eq!(r.status, Status::Invalid);
    assert!(r.has(|f| matches!(f, CmsFinding::NoSigners)));
}

// --- CLI -------------------------------------------------------------------------------------

#[test]
fn cli_sign_and_verify_cms() {
    if !cli_has_cms() {
        eprintln!(
            "SKIPPED: the signflow binary has no `sign cms`/`verify cms` (not built with \
                   the cli feature, or not registered in main.rs)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let td = |rel: &str| common::testdata(rel).to_str().unwrap().to_owned();
    let content = td("cms/content.txt");
    let verify_args = |sig: &str| {
        vec![
            "verify".to_owned(),
            "cms".into(),
            sig.into(),
            "--trust".into(),
            td("pki/root-ca.pem"),
            "--untrusted".into(),
            td("pki/intermediate-ca.pem"),
            "--crl".into(),
            td("pki/root-ca.crl.pem"),
            "--crl".into(),
            td("pki/intermediate-ca.crl.pem"),
            "--at".into(),
            "2027-01-01T00:00:00Z".into(),
        ]
    };
    let run = |args: &[String], env: &[(&str, &str)]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_cli(&args, env).unwrap()
    };
    let code = |o: &std::process::Output| o.status.code();
    let explain = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };

    // Sign with key + certificate + chain, attached, PEM; verify; extract the content.
    let out = run(
        &[
            "sign",
            "cms",
            &content,
            "-o",
            &p("a.pem"),
            "--key",
            &td("pki/leaf-rsa.key.pem"),
            "--cert",
            &td("pki/leaf-rsa.pem"),
            "--chain",
            &td("pki/chain.pem"),
            "--pem",
        ]
        .map(String::from),
        &[],
    );
    assert_eq!(code(&out), Some(0), "{}", explain(&out));
    assert!(
        std::fs::read_to_string(p("a.pem"))
            .unwrap()
            .starts_with("-----BEGIN CMS-----")
    );
    let mut args = verify_args(&p("a.pem"));
    args.extend(["--output-content".into(), p("out.txt")]);
    let out = run(&args, &[]);
    assert_eq!(code(&out), Some(0), "{}", explain(&out));
    assert_eq!(
        std::fs::read(p("out.txt")).unwrap(),
        std::fs::read(&content).unwrap()
    );

    // --json: one document.
    let mut args = verify_args(&p("a.pem"));
    args.push("--json".into());
    let out = run(&args, &[]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["status"], "valid");
    assert_eq!(json["command"], "verify cms");

    // PKCS#12, detached, then co-signed with another key.
    let out = run(
        &[
            "sign",
            "cms",
            &content,
            "-o",
            &p("d.der"),
            "--p12",
            &td("pki/leaf-ecdsa-p256.p12"),
            "--password-env",
            "SIGNFLOW_TEST_PW",
            "--detached",
        ]
        .map(String::from),
        &[("SIGNFLOW_TEST_PW", "signflow-test")],
    );
    assert_eq!(code(&out), Some(0), "{}", explain(&out));
    let out = run(
        &[
            "sign",
            "cms",
            &content,
            "-o",
            &p("d2.der"),
            "--key",
            &td("pki/leaf-rsa.key.pem"),
            "--cert",
            &td("pki/leaf-rsa.pem"),
            "--cosign",
            &p("d.der"),
        ]
        .map(String::from),
        &[],
    );
    assert_eq!(code(&out), Some(0), "{}", explain(&out));
    let mut args = verify_args(&p("d2.der"));
    args.extend(["--content".into(), content.clone(), "--json".into()]);
    let out = run(&args, &[]);
    assert_eq!(code(&out), Some(0), "{}", explain(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["signers"].as_array().unwrap().len(), 2);
    // Co-signing the detached signature over another document: refused (64, as for an
    // attached one), nothing written.
    std::fs::write(p("other.txt"), b"Act no. 18").unwrap();
    let out = run(
        &[
            "sign",
            "cms",
            &p("other.txt"),
            "-o",
            &p("d3.der"),
            "--key",
            &td("pki/leaf-rsa.key.pem"),
            "--cert",
            &td("pki/leaf-rsa.pem"),
            "--cosign",
            &p("d.der"),
        ]
        .map(String::from),
        &[],
    );
    assert_eq!(code(&out), Some(64), "{}", explain(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not the document"),
        "{}",
        explain(&out)
    );
    assert!(!std::path::Path::new(&p("d3.der")).exists());

    // Exit statuses: wrong password 4, altered content 1, no content 64, truncated 2,
    // no CRLs 3 (revocation unknown), expired signer 1.
    let out = run(
        &[
            "sign",
            "cms",
            &content,
            "-o",
            &p("x.der"),
            "--p12",
            &td("pki/leaf-rsa.p12"),
            "--password-env",
            "SIGNFLOW_TEST_PW",
        ]
        .map(String::from),
        &[("SIGNFLOW_TEST_PW", "wrong")],
    );
    assert_eq!(code(&out), Some(4), "{}", explain(&out));
    std::fs::write(p("altered.txt"), b"Act no. 18").unwrap();
    let mut args = verify_args(&p("d2.der"));
    args.extend(["--content".into(), p("altered.txt")]);
    assert_eq!(code(&run(&args, &[])), Some(1));
    assert_eq!(code(&run(&verify_args(&p("d2.der")), &[])), Some(64));
    let der = std::fs::read(p("d2.der")).unwrap();
    std::fs::write(p("cut.der"), &der[..der.len() / 2]).unwrap();
    let mut args = verify_args(&p("cut.der"));
    args.extend(["--content".into(), content.clone()]);
    assert_eq!(code(&run(&args, &[])), Some(2));
    let args = [
        "verify",
        "cms",
        &td("cms/rsa-attached.der"),
        "--trust",
        &td("pki/root-ca.pem"),
        "--untrusted",
        &td("pki/intermediate-ca.pem"),
        "--at",
        "2027-01-01T00:00:00Z",
    ]
    .map(String::from);
    assert_eq!(code(&run(&args, &[])), Some(3));
    let out = run(&verify_args(&td("cms/expired-signer-attached.der")), &[]);
    assert_eq!(code(&out), Some(1), "{}", explain(&out));
    assert!(explain(&out).contains("expired"), "{}", explain(&out));
    // Usage: neither --p12 nor --key.
    let out = run(
        &["sign", "cms", &content, "-o", &p("y.der")].map(String::from),
        &[],
    );
    assert_eq!(code(&out), Some(64), "{}", explain(&out));
    // I/O: a missing input.
    let out = run(&verify_args(&p("missing.der")), &[]);
    assert_eq!(code(&out), Some(74), "{}", explain(&out));
}

#[test]
fn detached_bytes_and_reader_give_the_same_verdicts() {
    let provider = CryptoProvider::all_compiled()[0];
    let trust = trust();
    let v = verifier(provider, &trust);
    let options = VerifyOptions::at(at_2027());
    for rel in [
        "cms/rsa-detached.der",
        "cms/ecdsa-detached.der",
        "cms/two-signers-detached.der",
    ] {
        let sd = SignedData::from_ber(&common::read(rel)).unwrap();
        for content in [common::read("cms/content.txt"), b"altered".to_vec()] {
            let mut reader: &[u8] = &content;
            let streamed = v.verify(&sd, Some(&mut reader), &options).unwrap();
            let in_memory = v.verify_detached_bytes(&sd, &content, &options).unwrap();
            assert_eq!(streamed.status, in_memory.status, "{rel}");
            assert_eq!(streamed.content_length, in_memory.content_length, "{rel}");
        }
    }
    // Content for an attached signature is a conflict either way.
    let attached = SignedData::from_ber(&common::read("cms/rsa-attached.der")).unwrap();
    assert!(v.verify_detached_bytes(&attached, b"x", &options).is_err());
}
