//! CAdES-T: OpenSSL-made CAdES-BES signatures (`openssl cms -sign -cades`) with signature
//! time-stamps made by `openssl ts -reply` over their signature values
//! (testdata/cades/generate.sh), attached by signflow and verified: the time-stamp's time is
//! the proven signing time. Times are read from the `openssl ts -reply -text` outputs.

mod common;

use common::{openssl_time, read};
use signflow::cms::cades::{add_signature_timestamp, timestamp_signers};
use signflow::cms::{
    CadesLevel, CmsError, CmsFinding, SignedData, TimeSource, Verifier, VerifyOptions,
    VerifyReport, oid,
};
use signflow::crypto::HashAlgorithm;
use signflow::pki::{Certificate, Status, TrustContext, UnixTime};
use signflow::tsp::{Authority, Imprint, TimeStampRequest, TimeStampToken, TimeStamper, TspError};
use signflow::{SigningIdentity, cms::SignOptions};
use std::process::Command;

const YEAR: i64 = 365 * 86_400;

/// The genTime `openssl ts -reply -text` printed for `testdata/cades/STEM.txt`.
fn gen_time(stem: &str) -> UnixTime {
    let text = String::from_utf8(read(&format!("cades/{stem}.txt"))).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("Time stamp:"))
        .expect("a Time stamp line");
    openssl_time(line.trim()).0
}

fn bes(stem: &str) -> SignedData {
    SignedData::from_ber(&read(&format!("cades/{stem}.p7s"))).unwrap()
}

fn token(stem: &str) -> TimeStampToken {
    TimeStampToken::from_der(&read(&format!("cades/{stem}.tst"))).unwrap()
}

per_provider! {
    fn context() -> TrustContext {
        TrustContext::builder()
            .provider(provider())
            .anchors_pem_or_der(&read("pki/root-ca.pem"))
            .and_then(|b| b.intermediates_pem_or_der(&read("pki/intermediate-ca.pem")))
            .and_then(|b| b.crls_pem_or_der(&read("pki/root-ca.crl.pem")))
            .and_then(|b| b.crls_pem_or_der(&read("cades/intermediate-ca.crl.pem")))
            .unwrap()
            .build()
    }

    fn stamped(stem: &str) -> SignedData {
        add_signature_timestamp(&bes(stem), 0, &token(stem), provider()).unwrap()
    }

    fn verify_at(context: &TrustContext, sd: &SignedData, at: UnixTime) -> VerifyReport {
        let options = VerifyOptions::with_validation(context.validation_at(at));
        Verifier::from_context(context)
            .verify_detached_bytes(sd, &read("cades/data.txt"), &options)
            .unwrap()
    }

    /// Without time-stamps the three signers are judged a year after signing: expired,
    /// revoked, revoked; the first is valid at its signing time (the material is sound).
    #[test]
    fn bes_judged_at_the_given_time() {
        let context = context();
        for stem in ["short", "revoked-later", "revoked-before"] {
            let later = UnixTime(gen_time(stem).0 + YEAR);
            let report = verify_at(&context, &bes(stem), later);
            assert_eq!(report.status, Status::Invalid, "{stem}: {report}");
            let signer = &report.signers[0];
            assert_eq!(signer.level, Some(CadesLevel::Bes), "{stem}");
            assert_eq!(signer.validation_time_source, TimeSource::Given);
            assert!(signer.timestamps.is_empty());
        }
        let report = verify_at(&context, &bes("short"), gen_time("short"));
        assert_eq!(report.status, Status::Valid, "{report}");
    }

    /// With the signature time-stamp, the certificate is validated at the proven time: an
    /// expired certificate and one revoked after the stamp leave the signature valid; one
    /// revoked before it stays invalid.
    #[test]
    fn signature_timestamp_is_the_proven_signing_time() {
        let context = context();
        for (stem, want) in [
            ("short", Status::Valid),
            ("revoked-later", Status::Valid),
            ("revoked-before", Status::Invalid),
        ] {
            let at = gen_time(stem);
            let report = verify_at(&context, &stamped(stem), UnixTime(at.0 + YEAR));
            assert_eq!(report.status, want, "{stem}: {report}");
            let signer = &report.signers[0];
            assert_eq!(signer.level, Some(CadesLevel::T), "{stem}");
            assert_eq!(signer.validation_time_source, TimeSource::SignatureTimestamp);
            // The proven time: genTime (whose fraction the whole second `at` drops) plus the
            // 1.5001 s accuracy, rounded up to a second: at most 3 s after `at`.
            assert!(
                signer.validation_time.0 > at.0 && signer.validation_time.0 <= at.0 + 3,
                "{stem}: validated at {} for genTime {at}",
                signer.validation_time
            );
            assert_eq!(signer.timestamps.len(), 1);
            let ts = &signer.timestamps[0];
            assert_eq!(ts.status, Status::Valid, "{}", ts.report);
            assert!(ts.tsa.as_deref().unwrap().contains("Signflow Test TSA"));
            assert_eq!(signer.signing_time.map(|t| t.0 <= ts.proven_by.0), Some(true));
        }
    }

    /// The text and JSON say the level as ETSI spells it and where the time came from.
    #[test]
    fn level_and_time_source_reported() {
        let context = context();
        let at = UnixTime(gen_time("short").0 + YEAR);
        let report = verify_at(&context, &stamped("short"), at);
        let json = serde_json::to_value(&report).unwrap();
        let signer = &json["signers"][0];
        assert_eq!(signer["level"], "CAdES-T");
        assert_eq!(signer["validation_time_source"], "signature_timestamp");
        assert_eq!(signer["timestamps"][0]["kind"], "signature_timestamp");
        assert_eq!(signer["timestamps"][0]["status"], "valid");
        let text = report.to_string();
        assert!(text.contains("level: CAdES-T"), "{text}");
        assert!(text.contains("proven by a signature time-stamp"), "{text}");
        let bes = verify_at(&context, &bes("short"), at);
        assert_eq!(serde_json::to_value(&bes).unwrap()["signers"][0]["level"], "CAdES-BES");
    }

    /// A token that stamps something else, a token whose TSA signature is broken and bytes
    /// that are no token at all are advisory findings: the signer is judged as CAdES-BES (a
    /// year later: expired, invalid), never better.
    #[test]
    fn broken_timestamps_never_help() {
        let context = context();
        let at = UnixTime(gen_time("short").0 + YEAR);
        // Refused when attached through the checked API…
        let wrong = token("wrong-imprint");
        assert!(matches!(
            add_signature_timestamp(&bes("short"), 0, &wrong, provider()),
            Err(CmsError::TimestampMismatch { signer: 1 })
        ));
        assert!(matches!(
            add_signature_timestamp(&bes("short"), 1, &token("short"), provider()),
            Err(CmsError::NoSuchSigner { index: 1, count: 1 })
        ));
        // …and attached anyway by hand: the wrong imprint, a flipped TSA signature byte, junk.
        let mut flipped = token("short").der().to_vec();
        *flipped.last_mut().unwrap() ^= 1;
        let junk = vec![0x04, 0x03, 1, 2, 3];
        for (what, value) in [
            ("wrong imprint", wrong.der().to_vec()),
            ("flipped signature", flipped),
            ("junk", junk),
        ] {
            let sd = bes("short")
                .with_unsigned_attribute(0, oid::SIGNATURE_TIME_STAMP_TOKEN, value)
                .unwrap();
            let report = verify_at(&context, &sd, at);
            assert_eq!(report.status, Status::Invalid, "{what}: {report}");
            let signer = &report.signers[0];
            assert_eq!(signer.level, Some(CadesLevel::Bes), "{what}");
            assert_eq!(signer.validation_time_source, TimeSource::Given, "{what}");
            assert!(
                signer.has(|f| matches!(
                    f,
                    CmsFinding::SignatureTimestampNotValid { .. }
                        | CmsFinding::SignatureTimestampUnusable { .. }
                )),
                "{what}: {report}"
            );
        }
        // A broken stamp beside a good one: the good one proves the time.
        let sd = stamped("short")
            .with_unsigned_attribute(0, oid::SIGNATURE_TIME_STAMP_TOKEN, wrong.der().to_vec())
            .unwrap();
        let report = verify_at(&context, &sd, at);
        assert_eq!(report.status, Status::Valid, "{report}");
        assert_eq!(report.signers[0].timestamps.len(), 2);
    }

    /// A stamp later than the time the caller asks for does not move the validation time;
    /// with time-stamps switched off the signer is judged as CAdES-BES.
    #[test]
    fn given_time_and_switch_respected() {
        let context = context();
        let at = gen_time("short");
        let earlier = UnixTime(at.0 - 86_400);
        let report = verify_at(&context, &stamped("short"), earlier);
        assert_eq!(report.signers[0].validation_time, earlier);
        assert_eq!(report.signers[0].validation_time_source, TimeSource::Given);

        let later = UnixTime(at.0 + YEAR);
        let options = VerifyOptions::with_validation(context.validation_at(later))
            .with_signature_timestamps(false);
        let report = Verifier::from_context(&context)
            .verify_detached_bytes(&stamped("short"), &read("cades/data.txt"), &options)
            .unwrap();
        assert_eq!(report.status, Status::Invalid, "{report}");
        assert_eq!(report.signers[0].level, Some(CadesLevel::Bes));
    }

    /// Attaching keeps the signed part byte for byte: OpenSSL still verifies the result and
    /// finds the token where CAdES puts it.
    #[test]
    fn openssl_verifies_the_stamped_signature() {
        if std::process::Command::new("openssl").arg("version").output().is_err() {
            eprintln!("SKIPPED: openssl not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let sig = dir.path().join("stamped.p7s");
        let sd = stamped("short");
        assert_eq!(sd.signature_value(0), bes("short").signature_value(0));
        std::fs::write(&sig, sd.der()).unwrap();
        let chain = dir.path().join("chain.pem");
        let mut pem = read("pki/intermediate-ca.pem");
        pem.extend(read("pki/root-ca.pem"));
        std::fs::write(&chain, pem).unwrap();
        let out = std::process::Command::new("openssl")
            .args(["cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any", "-in"])
            .arg(&sig)
            .arg("-content")
            .arg(common::testdata("cades/data.txt"))
            .arg("-CAfile")
            .arg(&chain)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let printed = std::process::Command::new("openssl")
            .args(["cms", "-cmsout", "-print", "-inform", "DER", "-in"])
            .arg(&sig)
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&printed.stdout);
        assert!(
            printed.contains("id-smime-aa-timeStampToken"),
            "no time-stamp attribute in:\n{printed}"
        );
    }

    fn identity(cert: &str, key: &str) -> SigningIdentity {
        let key = provider()
            .load_private_key_pem(core::str::from_utf8(&read(key)).unwrap())
            .unwrap();
        let cert = Certificate::all_from_pem_or_der(&read(cert)).unwrap().remove(0);
        let chain = Certificate::all_from_pem_or_der(&read("pki/intermediate-ca.pem")).unwrap();
        SigningIdentity::new(key, cert, chain).unwrap().with_provider(provider())
    }

    fn authority(stem: &str) -> Authority {
        let identity = identity(&format!("tsp/{stem}.pem"), &format!("tsp/{stem}.key.pem"));
        Authority::new(identity, "1.2.3.4.1".parse().unwrap()).unwrap()
    }

    /// signflow's authority, with an ECDSA and a GOST TSA key: its tokens verify in signflow
    /// with the nonce, and in `openssl ts -verify` (the GOST one through the engine, when
    /// installed).
    #[test]
    fn our_authority_issues_tokens_openssl_accepts() {
        let context = context();
        let data = read("tsp/data.txt");
        let dir = tempfile::tempdir().unwrap();
        for (stem, hash) in [("tsa", HashAlgorithm::Sha256), ("gost-tsa", HashAlgorithm::Streebog256)] {
            let digest = provider().digest(hash, &data).unwrap();
            let nonce = [0x5a, 1, 2, 3, 4, 5, 6, 7];
            let request = TimeStampRequest::new(hash, digest.as_ref()).with_nonce(&nonce);
            let token = authority(stem).stamp(&request).unwrap();
            let report = token.verify_with_nonce(&context, Imprint::Data(&data), &nonce);
            assert_eq!(report.status, Status::Valid, "{stem}: {report}");
            let report = token.verify(&context, Imprint::Data(b"other"));
            assert_eq!(report.status, Status::Invalid, "{stem}");
            // The same over a DER request and response, as over HTTP.
            let response = authority(stem).respond(&request.to_der(), UnixTime(1_800_000_000), 250_000_000);
            let answered = TimeStampToken::from_response(&response).unwrap();
            assert_eq!(answered.info().gen_time, UnixTime(1_800_000_000));
            assert_eq!(answered.info().gen_time_nanos, 250_000_000);

            if Command::new("openssl").arg("version").output().is_err() {
                eprintln!("SKIPPED: openssl not installed");
                continue;
            }
            let tst = dir.path().join(format!("{stem}.tst"));
            std::fs::write(&tst, token.der()).unwrap();
            let chain = dir.path().join("chain.pem");
            let mut pem = read("pki/intermediate-ca.pem");
            pem.extend(read("pki/root-ca.pem"));
            std::fs::write(&chain, pem).unwrap();
            let mut cmd = Command::new("openssl");
            if stem == "gost-tsa" {
                let conf = dir.path().join("engine.cnf");
                std::fs::write(&conf, "openssl_conf = d\n[d]\nengines = e\n[e]\ngost = g\n[g]\nengine_id = gost\ndefault_algorithms = ALL\n").unwrap();
                cmd.env("OPENSSL_CONF", conf);
                let engine = Command::new("openssl").args(["engine", "gost"]).output();
                if !engine.is_ok_and(|o| o.status.success()) {
                    eprintln!("SKIPPED: the OpenSSL GOST engine is not installed");
                    continue;
                }
            }
            let out = cmd
                .args(["ts", "-verify", "-token_in", "-in"])
                .arg(&tst)
                .arg("-data")
                .arg(common::testdata("tsp/data.txt"))
                .arg("-CAfile")
                .arg(&chain)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{stem}: openssl ts -verify: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// Declined requests are rejections with the reason, never tokens.
    #[test]
    fn our_authority_declines_what_it_does_not_stamp() {
        let tsa = authority("tsa");
        let sha1 = TimeStampRequest::new(HashAlgorithm::Sha1, &[0; 20]);
        for (request, reason) in [(sha1.to_der(), "badAlg"), (vec![0x30, 0x00], "badRequest")] {
            match TimeStampToken::from_response(&tsa.respond(&request, UnixTime(0), 0)) {
                Err(TspError::NotGranted { fail_info, .. }) => {
                    assert_eq!(fail_info.as_deref(), Some(reason));
                }
                other => panic!("{reason}: {other:?}"),
            }
        }
    }

    /// CAdES-T made by signflow end to end: a detached CAdES-BES, a stamp from signflow's
    /// authority on its signer, verified a year later as CAdES-T.
    #[test]
    fn cades_t_made_by_signflow() {
        let context = context();
        let signer = identity("cades/short.pem", "cades/short.key.pem");
        let at = gen_time("short");
        let bes = signer
            .sign_cms_detached(&read("cades/data.txt"), &SignOptions::at(at))
            .unwrap();
        // Stamped a minute after signing (an authority at a chosen time, not the clock).
        struct At(Authority, UnixTime);
        impl TimeStamper for At {
            fn stamp(&self, request: &TimeStampRequest) -> Result<TimeStampToken, TspError> {
                self.0.issue(request, self.1, 0)
            }
        }
        let stamper = At(authority("tsa"), UnixTime(at.0 + 60));
        let t = timestamp_signers(&bes, &stamper, HashAlgorithm::Sha256, provider()).unwrap();
        let later = UnixTime(at.0 + YEAR);
        let report = verify_at(&context, &bes, later);
        assert_eq!(report.status, Status::Invalid, "{report}");
        let report = verify_at(&context, &t, later);
        assert_eq!(report.status, Status::Valid, "{report}");
        let signer = &report.signers[0];
        assert_eq!(signer.level, Some(CadesLevel::T));
        assert_eq!(signer.validation_time, UnixTime(at.0 + 61), "genTime + 1 s accuracy");
        assert_eq!(signer.validation_time_source, TimeSource::SignatureTimestamp);
        // The service-facing verdict says the same.
        let verdict = signflow::Verdict::from_cms(&report);
        assert!(verdict.is_valid());
        let summary = verdict.signer().unwrap();
        assert_eq!(summary.level, Some(CadesLevel::T));
        assert_eq!(summary.proven_signing_time, Some(UnixTime(at.0 + 61)));
        assert_eq!(summary.signing_time, Some(at));
    }

    /// The loopback TSA: `tsp::http::serve` answers an RFC 3161 HTTP POST (written by hand
    /// here) with a granted response, and a GET with 400.
    #[test]
    fn loopback_tsa_answers_http_posts() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let tsa = authority("tsa");
        let request = TimeStampRequest::new(HashAlgorithm::Sha256, &[9; 32]);
        std::thread::scope(|scope| {
            scope.spawn(|| signflow::tsp::http::serve(&listener, &tsa, Some(2)).unwrap());
            let body = request.to_der();
            let mut stream = std::net::TcpStream::connect(addr).unwrap();
            write!(
                stream,
                "POST /tsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/timestamp-query\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .unwrap();
            stream.write_all(&body).unwrap();
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).unwrap();
            let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
            let head = String::from_utf8_lossy(&answer[..split]);
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            assert!(head.contains("application/timestamp-reply"), "{head}");
            let token = TimeStampToken::from_response(&answer[split + 4..]).unwrap();
            assert_eq!(token.info().hashed_message, vec![9; 32]);

            let mut stream = std::net::TcpStream::connect(addr).unwrap();
            stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).unwrap();
            assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        });
    }

    /// With the `network` feature: CAdES-T through `HttpTimeStamper` from the loopback TSA.
    #[cfg(feature = "network")]
    #[test]
    fn cades_t_from_an_http_tsa() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/tsp", listener.local_addr().unwrap());
        let tsa = authority("tsa");
        let signer = identity("cades/revoked-later.pem", "cades/revoked-later.key.pem");
        let bes = signer
            .sign_cms_detached(&read("cades/data.txt"), &SignOptions::default())
            .unwrap();
        std::thread::scope(|scope| {
            scope.spawn(|| signflow::tsp::http::serve(&listener, &tsa, Some(1)).unwrap());
            let client = signflow::tsp::HttpTimeStamper::new(url.clone());
            let t = timestamp_signers(&bes, &client, HashAlgorithm::Sha256, provider()).unwrap();
            let report = verify_at(&context(), &t, UnixTime(gen_time("revoked-later").0 + 3600));
            assert_eq!(report.signers[0].level, Some(CadesLevel::T), "{report}");
            assert_eq!(report.signers[0].timestamps[0].status, Status::Valid, "{report}");
        });
        // Nobody listening: a network error, not a panic.
        let client = signflow::tsp::HttpTimeStamper::with_timeout(url, std::time::Duration::from_secs(2));
        let request = TimeStampRequest::new(HashAlgorithm::Sha256, &[1; 32]);
        assert!(matches!(client.stamp(&request), Err(TspError::Network { .. })));
    }
}
