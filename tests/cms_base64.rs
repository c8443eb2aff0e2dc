//! CMS signatures as bare base64, as CryptoPro's browser plug-in and `cryptcp -base64` write
//! them: signatures made by `openssl cms -sign` (testdata/cms/generate.sh) base64-encoded here
//! in one line and in 64- and 76-column lines with LF or CRLF are read by the library and by
//! every command that reads a CMS signature; base64-looking garbage stays a format error.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use signflow::cms::SignedData;

/// `der` as bare base64: on one line (`width` 0) or in lines of `width` characters ended by
/// `eol`.
fn encode(der: &[u8], width: usize, eol: &str) -> Vec<u8> {
    let b64 = STANDARD.encode(der);
    if width == 0 {
        return b64.into_bytes();
    }
    let mut out = String::new();
    for line in b64.as_bytes().chunks(width) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push_str(eol);
    }
    out.into_bytes()
}

const LAYOUTS: [(usize, &str); 5] = [(0, ""), (64, "\n"), (64, "\r\n"), (76, "\r\n"), (76, "\n")];

#[test]
fn library_reads_bare_base64_in_every_layout() {
    for rel in [
        "cms/rsa-attached.der",
        "cms/ecdsa-detached.der",
        "cms/ber-attached.der",
    ] {
        let der = common::read(rel);
        let expected = SignedData::from_pem_or_ber(&der).unwrap();
        for (width, eol) in LAYOUTS {
            let b64 = encode(&der, width, eol);
            let sd = SignedData::from_pem_or_ber(&b64)
                .unwrap_or_else(|e| panic!("{rel} at {width} columns {eol:?}: {e}"));
            assert_eq!(sd.der(), expected.der(), "{rel}");
            let sd = SignedData::from_pem_or_ber_vec(b64).unwrap();
            assert_eq!(sd.der(), expected.der(), "{rel}");
        }
    }
    // Base64 of something that is not a SEQUENCE, a character outside the alphabet, and bad
    // padding: none is taken for base64, all stay format errors.
    let der = common::read("cms/rsa-attached.der");
    let mut b64 = encode(&der, 64, "\r\n");
    let at = b64.len() / 2;
    b64[at] = b'*';
    for garbage in [
        STANDARD.encode(b"hello world").into_bytes(),
        b64,
        b"MIIB".to_vec(),
    ] {
        let e = SignedData::from_pem_or_ber(&garbage).unwrap_err();
        assert!(e.is_format_error(), "{e}");
    }
}

#[cfg(feature = "cli")]
mod cli {
    use super::*;

    fn signflow(args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_signflow"))
            .args(args)
            .output()
            .unwrap()
    }

    fn td(rel: &str) -> String {
        common::testdata(rel).display().to_string()
    }

    fn pki() -> Vec<String> {
        [
            "--trust",
            &td("pki/root-ca.pem"),
            "--untrusted",
            &td("pki/intermediate-ca.pem"),
            "--no-revocation",
            "--at",
            "2027-01-01T00:00:00Z",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// `verify cms` (attached and detached), `inspect` and `verify-batch` read bare base64;
    /// garbage is exit 2.
    #[test]
    fn commands_read_bare_base64() {
        let dir = tempfile::tempdir().unwrap();
        for (width, eol) in LAYOUTS {
            let name = format!("{width}-{}", eol.len());
            let attached = dir.path().join(format!("attached-{name}.sig"));
            std::fs::write(
                &attached,
                encode(&common::read("cms/rsa-attached.der"), width, eol),
            )
            .unwrap();
            let attached = attached.display().to_string();
            let mut args = vec!["verify", "cms", &attached];
            let policy = pki();
            args.extend(policy.iter().map(String::as_str));
            let out = signflow(&args);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );

            let detached = dir.path().join(format!("detached-{name}.sig"));
            std::fs::write(
                &detached,
                encode(&common::read("cms/ecdsa-detached.der"), width, eol),
            )
            .unwrap();
            let detached = detached.display().to_string();
            let content = td("cms/content.txt");
            let mut args = vec!["verify", "cms", &detached, "--content", &content];
            args.extend(policy.iter().map(String::as_str));
            let out = signflow(&args);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            // The same signature over other content is invalid (1), not a format error.
            let other = td("cms/generate.sh");
            let mut args = vec!["verify", "cms", &detached, "--content", &other];
            args.extend(policy.iter().map(String::as_str));
            assert_eq!(signflow(&args).status.code(), Some(1), "{name}");

            let out = signflow(&["inspect", &attached, "--json"]);
            assert_eq!(out.status.code(), Some(0), "{name}");
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["objects"][0]["type"], "cms_signed_data", "{v}");
        }

        let batch_dir = dir.path().join("batch");
        std::fs::create_dir(&batch_dir).unwrap();
        let sig = batch_dir.join("a.p7s");
        std::fs::write(
            &sig,
            encode(&common::read("cms/rsa-attached.der"), 64, "\r\n"),
        )
        .unwrap();
        let sig = sig.display().to_string();
        let mut args = vec!["verify-batch", &sig];
        let policy = pki();
        args.extend(policy.iter().map(String::as_str));
        let out = signflow(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );

        // Base64 of text, and base64 with a stray character: format errors.
        for (i, garbage) in [
            STANDARD.encode(b"not a signature, only text").into_bytes(),
            {
                let mut b = encode(&common::read("cms/rsa-attached.der"), 64, "\r\n");
                b[100] = b'!';
                b
            },
        ]
        .into_iter()
        .enumerate()
        {
            let file = dir.path().join(format!("garbage-{i}.sig"));
            std::fs::write(&file, garbage).unwrap();
            let file = file.display().to_string();
            let mut args = vec!["verify", "cms", &file];
            args.extend(policy.iter().map(String::as_str));
            assert_eq!(signflow(&args).status.code(), Some(2), "garbage {i}");
        }
    }
}
