//! GOST PKCS#12 (`signflow::pki::pkcs12`, `pkcs12/gost.rs`): the files OpenSSL's GOST
//! engine writes in every profile it offers (testdata/gost-pkcs12/generate.sh), the examples of
//! Р 50.1.112-2016 and RFC 9548 (testdata/gost-pkcs12/vectors/), wrong passwords, corruption,
//! the work budget, and the CLI's exit codes.

mod common;

use std::process::Command;

use common::read;
use der::{Decode, Encode};
use signflow::crypto::CryptoProvider;
use signflow::pki::pkcs12::{EncryptedPartKind, Pkcs12, Pkcs12Error};

const PASSWORD: &str = "signflow-gost";
/// The password of the Р 50.1.112-2016 / RFC 9548 examples.
const RFC_PASSWORD: &str = "Пароль для PFX";

fn spki(cert: &[u8]) -> Vec<u8> {
    x509_cert::Certificate::from_der(cert)
        .expect("certificate")
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .expect("SPKI")
}

fn pem_der(rel: &str) -> Vec<u8> {
    signflow::pem::decode_objects(&read(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .remove(0)
        .der
}

/// Signs with the identity's key and verifies with the certificate's public key.
fn assert_key_signs(provider: &CryptoProvider, id: &signflow::pki::pkcs12::Identity, what: &str) {
    let spki = spki(id.certificate.der());
    // The same public key; the encodings may differ (a certificate's parameters may name the
    // digest, the key's need not).
    let key = |der: &[u8]| {
        spki::SubjectPublicKeyInfoOwned::from_der(der)
            .expect("SPKI")
            .subject_public_key
            .raw_bytes()
            .to_vec()
    };
    assert_eq!(
        key(id.key.public_key_der()),
        key(&spki),
        "{what}: public key"
    );
    let alg = id.key.default_algorithm();
    let message = format!("act signed with the key from {what}");
    let sig = id
        .key
        .sign(&alg, message.as_bytes())
        .unwrap_or_else(|e| panic!("{what}: sign: {e}"));
    provider
        .verify(&alg, &spki, message.as_bytes(), &sig)
        .unwrap_or_else(|e| panic!("{what}: verify: {e}"));
    // And the signature does not verify another message.
    assert!(
        provider.verify(&alg, &spki, b"other", &sig).is_err(),
        "{what}"
    );
}

/// (file in testdata/gost-pkcs12/, key stem in testdata/gost/, cipher name, MAC name,
/// PRF name): what `info()` must report, transcribed from openssl-info.txt.
const ENGINE_FILES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "gost89-CryptoPro-A-256.p12",
        "gost2012_256-A",
        "GOST 28147-89-CFB (CryptoPro-A)",
        "HMAC-Streebog-512",
        "Streebog-512",
    ),
    (
        "gost89-CryptoPro-A-512.p12",
        "gost2012_512-A",
        "GOST 28147-89-CFB (CryptoPro-A)",
        "HMAC-Streebog-256",
        "Streebog-512",
    ),
    (
        "gost89-CryptoPro-B-256.p12",
        "gost2012_256-A",
        "GOST 28147-89-CFB (CryptoPro-B)",
        "HMAC-Streebog-512",
        "Streebog-512",
    ),
    (
        "gost89-CryptoPro-B-512.p12",
        "gost2012_512-A",
        "GOST 28147-89-CFB (CryptoPro-B)",
        "HMAC-Streebog-256",
        "Streebog-512",
    ),
    (
        "gost89-CryptoPro-C-256.p12",
        "gost2012_256-A",
        "GOST 28147-89-CFB (CryptoPro-C)",
        "HMAC-Streebog-512",
        "Streebog-512",
    ),
    (
        "gost89-CryptoPro-C-512.p12",
        "gost2012_512-A",
        "GOST 28147-89-CFB (CryptoPro-C)",
        "HMAC-Streebog-256",
        "Streebog-512",
    ),
    (
        "gost89-param-Z-256.p12",
        "gost2012_256-A",
        "GOST 28147-89-CFB (TC26-Z)",
        "HMAC-Streebog-512",
        "Streebog-512",
    ),
    (
        "gost89-param-Z-512.p12",
        "gost2012_512-A",
        "GOST 28147-89-CFB (TC26-Z)",
        "HMAC-Streebog-256",
        "Streebog-512",
    ),
    (
        "gost89-A-chain.p12",
        "gost2012_256-A",
        "GOST 28147-89-CFB (CryptoPro-A)",
        "HMAC-Streebog-512",
        "Streebog-512",
    ),
    (
        "kuznyechik-ctr-acpkm-256.p12",
        "gost2012_256-A",
        "Kuznyechik-CTR-ACPKM",
        "HMAC-Streebog-512",
        "SHA256",
    ),
    (
        "kuznyechik-ctr-acpkm-512.p12",
        "gost2012_512-A",
        "Kuznyechik-CTR-ACPKM",
        "HMAC-Streebog-256",
        "SHA256",
    ),
    (
        "magma-ctr-acpkm-256.p12",
        "gost2012_256-A",
        "Magma-CTR-ACPKM",
        "HMAC-Streebog-512",
        "SHA256",
    ),
    (
        "magma-ctr-acpkm-512.p12",
        "gost2012_512-A",
        "Magma-CTR-ACPKM",
        "HMAC-Streebog-256",
        "SHA256",
    ),
];

/// The -omac files of engine 3.0.1 on OpenSSL 3.0, which the engine cannot read back either.
const ENGINE_BROKEN_OMAC: &[&str] = &[
    "kuznyechik-ctr-acpkm-omac-256.p12",
    "magma-ctr-acpkm-omac-256.p12",
];

fn gp(file: &str) -> String {
    format!("gost-pkcs12/{file}")
}

per_provider! {
    #[test]
    fn every_engine_profile_opens_and_gives_the_right_key() {
        for &(file, stem, cipher, mac, prf) in ENGINE_FILES {
            let p12 = Pkcs12::from_der(&read(&gp(file)), PASSWORD)
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            let id = p12.identity(provider()).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(id.certificate.der(), pem_der(&format!("gost/{stem}.cert.pem")), "{file}");
            assert_key_signs(provider(), &id, file);
            let info = p12.info();
            assert_eq!(info.mac.as_ref().map(|m| m.algorithm.as_str()), Some(mac), "{file}");
            let want = format!("PBES2 PBKDF2-HMAC-{prf} {cipher}");
            for kind in [EncryptedPartKind::SafeContents, EncryptedPartKind::ShroudedKeyBag] {
                let part = info
                    .encrypted_parts
                    .iter()
                    .find(|p| p.part == kind)
                    .unwrap_or_else(|| panic!("{file}: no {kind}"));
                assert_eq!(part.algorithm, want, "{file}");
                assert_eq!(part.iterations, 2048, "{file}");
            }
            if file.contains("chain") {
                // 1 + all 13 test certificates twice: past 1 KiB key meshing and the 8 KiB
                // Magma section.
                assert_eq!(p12.certificates().len(), 27, "{file}");
            }
        }
    }

    #[test]
    fn rfc9548_examples_open_and_the_keys_match_their_certificates() {
        let key = read("gost-pkcs12/vectors/rfc9548.key.der");
        for file in ["rfc9548-kuznyechik.p12", "rfc9548-magma.p12"] {
            let p12 = Pkcs12::from_der(&read(&gp(&format!("vectors/{file}"))), RFC_PASSWORD)
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(p12.private_keys().len(), 1, "{file}");
            assert_eq!(p12.private_keys()[0].pkcs8_der.as_slice(), key.as_slice(), "{file}");
            assert_eq!(p12.certificates().len(), 1, "{file}");
            let id = p12.identity(provider()).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_key_signs(provider(), &id, file);
        }
    }
}

#[test]
fn rfc9548_examples_name_their_algorithms() {
    let p12 = Pkcs12::from_der(&read(&gp("vectors/rfc9548-kuznyechik.p12")), RFC_PASSWORD).unwrap();
    let parts = &p12.info().encrypted_parts;
    assert_eq!(parts.len(), 1);
    assert_eq!(
        parts[0].algorithm,
        "PBES2 PBKDF2-HMAC-Streebog-512 Kuznyechik-CTR-ACPKM-OMAC"
    );
    let p12 = Pkcs12::from_der(&read(&gp("vectors/rfc9548-magma.p12")), RFC_PASSWORD).unwrap();
    let names: Vec<_> = p12
        .info()
        .encrypted_parts
        .iter()
        .map(|p| p.algorithm.clone())
        .collect();
    assert_eq!(
        names,
        [
            "PBES2 PBKDF2-HMAC-Streebog-512 Magma-CTR-ACPKM-OMAC",
            "PBES2 PBKDF2-HMAC-Streebog-512 Magma-CTR-ACPKM"
        ]
    );
    assert_eq!(
        p12.info().mac.as_ref().unwrap().algorithm,
        "HMAC-Streebog-512"
    );
}

/// Р 50.1.112-2016 Appendix A: GOST 28147-89 CFB with the TC26 Z S-box, PBKDF2-HMAC-Streebog-512
/// at 2000 iterations, HMAC-Streebog-512 MAC. The key (GOST R 34.10-2012-256 on the CryptoPro-A
/// curve, 64-byte private key field) and certificate are the standard's.
#[test]
fn r50_1_112_2016_example_decrypts_to_the_standard_key_and_certificate() {
    let p12 = Pkcs12::from_der(&read(&gp("vectors/r50.1.112-2016.p12")), RFC_PASSWORD).unwrap();
    assert_eq!(
        p12.private_keys()[0].pkcs8_der.as_slice(),
        read(&gp("vectors/r50.1.112-2016.key.der")).as_slice()
    );
    assert_eq!(p12.certificates().len(), 1);
    assert_eq!(
        p12.certificates()[0].der,
        read(&gp("vectors/r50.1.112-2016.cert.der"))
    );
    let info = p12.info();
    assert!(info.encrypted_parts.iter().all(|p| p.algorithm
        == "PBES2 PBKDF2-HMAC-Streebog-512 GOST 28147-89-CFB (TC26-Z)"
        && p.iterations == 2000));
}

#[test]
fn wrong_password_is_reported_as_such() {
    for &(file, ..) in ENGINE_FILES.iter().take(3) {
        assert!(matches!(
            Pkcs12::from_der(&read(&gp(file)), "wrong"),
            Err(Pkcs12Error::WrongPassword)
        ));
    }
    for file in [
        "rfc9548-kuznyechik.p12",
        "rfc9548-magma.p12",
        "r50.1.112-2016.p12",
    ] {
        // Also the lower-case variant and the password with a trailing space.
        for pw in ["пароль для PFX", "Пароль для PFX ", ""] {
            assert!(
                matches!(
                    Pkcs12::from_der(&read(&gp(&format!("vectors/{file}"))), pw),
                    Err(Pkcs12Error::WrongPassword)
                ),
                "{file} {pw:?}"
            );
        }
    }
}

/// CryptoPro-D files are refused naming the parameter set: the `magma` crate's CryptoPro-D
/// S-box does not decrypt the engine's (unresolved; see `crypto/symmetric/gost.rs`).
#[test]
fn cryptopro_d_is_refused_as_unsupported() {
    for file in ["gost89-CryptoPro-D-256.p12", "gost89-CryptoPro-D-512.p12"] {
        match Pkcs12::from_der(&read(&gp(file)), PASSWORD) {
            Err(Pkcs12Error::UnsupportedAlgorithm { oid, .. }) => {
                assert_eq!(oid, "1.2.643.2.2.31.4")
            }
            other => panic!("{file}: {other:?}"),
        }
    }
}

/// KNOWN MISMATCH, unresolved: the engine's Kuznyechik CTR-ACPKM changes the key at a section
/// size other than the 256 KiB signflow uses (RFC 9548's examples, PyGOST), so a part longer
/// than the engine's section does not decrypt. Parts under 4 KiB (every ordinary key and
/// certificate) are unaffected. This test records today's behaviour: a format error, never a
/// wrong key.
#[test]
fn engine_kuznyechik_parts_past_a_section_do_not_decrypt_yet() {
    // The same for Magma past the 8 KiB section.
    for file in [
        "kuznyechik-ctr-acpkm-chain.p12",
        "magma-ctr-acpkm-chain.p12",
    ] {
        match Pkcs12::from_der(&read(&gp(file)), PASSWORD) {
            Err(Pkcs12Error::Malformed { reason }) => {
                assert!(reason.contains("decrypt"), "{reason}")
            }
            other => panic!("{file}: {other:?}"),
        }
    }
}

#[test]
fn engine_omac_files_without_tag_or_seed_are_malformed() {
    for file in ENGINE_BROKEN_OMAC {
        // The MAC verifies (right password), the part does not decrypt: corrupt, not a wrong
        // password — as openssl itself reports.
        match Pkcs12::from_der(&read(&gp(file)), PASSWORD) {
            Err(Pkcs12Error::Malformed { reason }) => {
                assert!(reason.contains("decrypt"), "{reason}")
            }
            other => panic!("{file}: {other:?}"),
        }
    }
}

/// A bit flipped under the MAC fails the MAC; with the MAC removed, a bit flipped in an OMAC
/// ciphertext fails the OMAC.
#[test]
fn corruption_is_detected() {
    for &(file, ..) in ENGINE_FILES {
        let der = read(&gp(file));
        for at in [200, der.len() / 2, der.len() - 120] {
            let mut bad = der.clone();
            bad[at] ^= 0x04;
            assert!(
                Pkcs12::from_der(&bad, PASSWORD).is_err(),
                "{file} byte {at}"
            );
        }
        for cut in [1, 50, der.len() / 3, der.len() - 1] {
            assert!(
                matches!(
                    Pkcs12::from_der(&der[..cut], PASSWORD),
                    Err(Pkcs12Error::Malformed { .. })
                ),
                "{file} cut {cut}"
            );
        }
    }
}

#[test]
fn budget_counts_the_gost_kdfs() {
    // The engine's 2048 iterations: the MAC's 96-byte key takes 2 Streebog-512 blocks (3 with
    // Streebog-256), each part 1 block. Nothing near the budget.
    let ok = Pkcs12::from_der(&read(&gp("gost89-param-Z-512.p12")), PASSWORD);
    assert!(ok.is_ok());
    // Raise every iteration count to 9,000,000: the MAC alone announces 27,000,000 with
    // Streebog-256 (3 blocks) — over the 20,000,000 budget, refused before any work.
    let der = read(&gp("gost89-param-Z-512.p12"));
    let bumped = bump_iterations(&der, 2048, 9_000_000);
    let t = std::time::Instant::now();
    match Pkcs12::from_der(&bumped, PASSWORD) {
        Err(Pkcs12Error::LimitExceeded { what }) => assert!(what.contains("work"), "{what}"),
        other => panic!("{other:?}"),
    }
    assert!(t.elapsed().as_secs() < 2, "{:?}", t.elapsed());
}

/// Replaces every DER INTEGER `from` (as `02 02 08 00`) with `to` (as `02 04 …`), fixing the
/// lengths of the enclosing constructions by re-encoding: done by rebuilding through a
/// generic TLV walk.
fn bump_iterations(der: &[u8], from: u32, to: u32) -> Vec<u8> {
    fn walk(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < data.len() {
            let tag = data[i];
            let (len, hl) = read_len(&data[i + 1..]);
            let body = &data[i + 1 + hl..i + 1 + hl + len];
            let constructed = tag & 0x20 != 0;
            // OCTET STRINGs that hold DER (the authSafe and its safe contents) are walked too.
            let holds_der = tag == 0x04 && body.first() == Some(&0x30) && parses(body);
            let inner = if constructed || holds_der {
                walk(body, from, to)
            } else if tag == 0x02 && body == from {
                to.to_vec()
            } else {
                body.to_vec()
            };
            out.push(tag);
            write_len(&mut out, inner.len());
            out.extend_from_slice(&inner);
            i += 1 + hl + len;
        }
        out
    }
    fn parses(data: &[u8]) -> bool {
        let mut i = 0;
        while i < data.len() {
            if data.len() < i + 2 {
                return false;
            }
            let (len, hl) = read_len(&data[i + 1..]);
            if hl == 0 || i + 1 + hl + len > data.len() {
                return false;
            }
            i += 1 + hl + len;
        }
        true
    }
    fn read_len(d: &[u8]) -> (usize, usize) {
        match d.first() {
            Some(&b) if b < 0x80 => (b as usize, 1),
            Some(&b) => {
                let n = (b & 0x7f) as usize;
                if n == 0 || n > 4 || d.len() < 1 + n {
                    return (0, 0);
                }
                (d[1..=n].iter().fold(0, |a, &x| a << 8 | x as usize), 1 + n)
            }
            None => (0, 0),
        }
    }
    fn write_len(out: &mut Vec<u8>, len: usize) {
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|&&b| b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
    }
    let enc = |v: u32| {
        let b = v.to_be_bytes();
        let skip = b.iter().take_while(|&&x| x == 0).count();
        let mut s = b[skip..].to_vec();
        if s[0] & 0x80 != 0 {
            s.insert(0, 0);
        }
        s
    };
    walk(der, &enc(from), &enc(to))
}

// ---- CLI ------------------------------------------------------------------------------------

fn signflow(args: &[&str], pw: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_signflow"))
        .args(args)
        .env("SIGNFLOW_TEST_PW", pw)
        .output()
        .unwrap()
}

/// `signflow sign cms MESSAGE -o SIG --p12 P12 --password-env …` with `password`.
fn sign_cms_with_p12(
    message: &str,
    sig: &str,
    p12: &str,
    password: &str,
    detached: bool,
) -> std::process::Output {
    let mut args = vec!["sign", "cms", message, "-o", sig, "--p12", p12];
    args.extend(["--password-env", "SIGNFLOW_TEST_PW"]);
    if detached {
        args.push("--detached");
    }
    signflow(&args, password)
}

fn td(rel: &str) -> String {
    common::testdata(rel).to_str().unwrap().to_owned()
}

#[test]
fn cli_inspect_and_sign_with_gost_pkcs12() {
    let dir = tempfile::tempdir().unwrap();
    let message = td("gost/message.txt");
    for file in [
        "gost89-CryptoPro-A-256.p12",
        "kuznyechik-ctr-acpkm-512.p12",
        "magma-ctr-acpkm-256.p12",
        "vectors/rfc9548-kuznyechik.p12",
    ] {
        let p12 = td(&gp(file));
        let pw = if file.starts_with("vectors/") {
            RFC_PASSWORD
        } else {
            PASSWORD
        };
        let out = signflow(
            &[
                "inspect",
                &p12,
                "--json",
                "--password-env",
                "SIGNFLOW_TEST_PW",
            ],
            pw,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["objects"][0]["type"], "pkcs12", "{file}");
        assert!(
            v["objects"][0]["protection"]["mac"]["algorithm"]
                .as_str()
                .unwrap()
                .starts_with("HMAC-Streebog")
        );
        // Wrong password: exit 4.
        let out = signflow(
            &["inspect", &p12, "--password-env", "SIGNFLOW_TEST_PW"],
            "wrong",
        );
        assert_eq!(out.status.code(), Some(4), "{file}");

        let sig = dir.path().join("sig.p7s");
        let sig = sig.to_str().unwrap();
        let out = sign_cms_with_p12(&message, sig, &p12, pw, true);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = sign_cms_with_p12(&message, sig, &p12, "wrong", false);
        assert_eq!(out.status.code(), Some(4), "{file}");
    }
    // A corrupt file: exit 2.
    let mut bad = read(&gp("gost89-param-Z-256.p12"));
    let n = bad.len();
    bad.truncate(n - 30);
    let path = dir.path().join("bad.p12");
    std::fs::write(&path, bad).unwrap();
    let out = signflow(
        &[
            "inspect",
            path.to_str().unwrap(),
            "--password-env",
            "SIGNFLOW_TEST_PW",
        ],
        PASSWORD,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The engine's broken -omac file: also a format error.
    let out = signflow(
        &[
            "inspect",
            &td(&gp("kuznyechik-ctr-acpkm-omac-256.p12")),
            "--password-env",
            "SIGNFLOW_TEST_PW",
        ],
        PASSWORD,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---- Writing --------------------------------------------------------------------------------

/// Writes a GOST file from testdata/gost/ with `cipher`.
fn write(stem: &str, cipher: signflow::pki::pkcs12::GostPbeCipher, password: &str) -> Vec<u8> {
    // Only the provider's random source is used: any compiled backend will do (with both,
    // none is the default).
    #[cfg(feature = "aws-lc-rs")]
    let provider = &signflow::crypto::aws_lc::DEFAULT_PROVIDER;
    #[cfg(not(feature = "aws-lc-rs"))]
    let provider = &signflow::crypto::rustcrypto::DEFAULT_PROVIDER;
    let key = pem_der(&format!("gost/{stem}.key.pem"));
    let cert = pem_der(&format!("gost/{stem}.cert.pem"));
    let extra = pem_der("gost/gost2012_512-B.cert.pem");
    signflow::pki::pkcs12::to_der_gost(
        &key,
        &[cert, extra],
        password,
        cipher,
        2048,
        provider.random,
    )
    .unwrap_or_else(|e| panic!("{stem}: {e}"))
}

const WRITE_CIPHERS: [(signflow::pki::pkcs12::GostPbeCipher, &str); 4] = {
    use signflow::pki::pkcs12::GostPbeCipher as C;
    [
        (C::KuznyechikCtrAcpkmOmac, "Kuznyechik-CTR-ACPKM-OMAC"),
        (C::KuznyechikCtrAcpkm, "Kuznyechik-CTR-ACPKM"),
        (C::MagmaCtrAcpkmOmac, "Magma-CTR-ACPKM-OMAC"),
        (C::MagmaCtrAcpkm, "Magma-CTR-ACPKM"),
    ]
};

mod written {
    use super::*;

    per_provider! {
        #[test]
        fn written_files_read_back_and_sign() {
            for stem in ["gost2012_256-A", "gost2012_512-C"] {
                for (cipher, name) in WRITE_CIPHERS {
                    let der = write(stem, cipher, "пароль-тест");
                    let p12 = Pkcs12::from_der(&der, "пароль-тест").unwrap_or_else(|e| panic!("{name}: {e}"));
                    let id = p12.identity(provider()).unwrap();
                    assert_eq!(id.certificate.der(), pem_der(&format!("gost/{stem}.cert.pem")));
                    assert_key_signs(provider(), &id, name);
                    assert_eq!(p12.certificates().len(), 2);
                    let info = p12.info();
                    assert_eq!(info.mac.as_ref().unwrap().algorithm, "HMAC-Streebog-512");
                    assert_eq!(info.encrypted_parts.len(), 2);
                    for p in &info.encrypted_parts {
                        assert_eq!(p.algorithm, format!("PBES2 PBKDF2-HMAC-Streebog-512 {name}"));
                    }
                    assert!(matches!(Pkcs12::from_der(&der, "wrong"), Err(Pkcs12Error::WrongPassword)));
                }
            }
        }
    }
}

/// Bits flipped in what we write: the MAC catches them; with an OMAC cipher, a flip in a
/// ciphertext is caught by the OMAC too (checked by re-MACing is not possible from outside, so
/// the file simply must not load).
#[test]
fn written_files_detect_corruption() {
    let der = write(
        "gost2012_256-A",
        signflow::pki::pkcs12::GostPbeCipher::default(),
        PASSWORD,
    );
    for at in (20..der.len() - 10).step_by(97) {
        let mut bad = der.clone();
        bad[at] ^= 0x10;
        assert!(Pkcs12::from_der(&bad, PASSWORD).is_err(), "byte {at}");
    }
}

/// `openssl pkcs12 -engine gost` opens what we write: fully for the CTR-ACPKM ciphers (same key
/// and certificate out); for the -OMAC ones (the TC26 profile) engine 3.0.1 verifies our MAC but
/// cannot decrypt any -OMAC part, its own included (see testdata/README.md).
#[test]
fn openssl_gost_engine_opens_written_files() {
    let engine = Command::new("openssl")
        .args(["engine", "gost", "-c"])
        .output();
    if !engine.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: openssl with the GOST engine is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for stem in ["gost2012_256-A", "gost2012_512-C"] {
        for (cipher, name) in WRITE_CIPHERS {
            let path = dir.path().join("ours.p12");
            std::fs::write(&path, write(stem, cipher, PASSWORD)).unwrap();
            let out = Command::new("openssl")
                .args(["pkcs12", "-engine", "gost", "-info", "-nodes", "-in"])
                .arg(&path)
                .args(["-passin", &format!("pass:{PASSWORD}")])
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            // openssl reports the MAC on stderr.
            assert!(
                stderr.contains("MAC: GOST R 34.11-2012 with 512 bit hash")
                    && !stderr.contains("Mac verify error"),
                "{name}: {stdout}\n{stderr}"
            );
            // KNOWN MISMATCH, unresolved: the engine does not decrypt our Magma CTR-ACPKM parts
            // (we read the RFC 9548 Magma example and the engine's own Magma files).
            if name.starts_with("Magma") {
                continue;
            }
            if name.ends_with("OMAC") {
                assert!(!out.status.success(), "{name}: {stderr}");
                continue;
            }
            assert!(out.status.success(), "{name}: {stderr}");
            let objects = signflow::pem::decode_objects(&out.stdout).unwrap();
            let ders: Vec<_> = objects.iter().map(|o| o.der.clone()).collect();
            assert!(
                ders.contains(&pem_der(&format!("gost/{stem}.cert.pem"))),
                "{name}"
            );
            assert!(
                ders.contains(&pem_der("gost/gost2012_512-B.cert.pem")),
                "{name}"
            );
            // The key openssl decrypted is the one we wrote (same public key: compare by
            // signing through signflow with openssl's PKCS#8 output).
            let key_pem = objects
                .iter()
                .find(|o| o.label.as_deref() == Some("PRIVATE KEY"))
                .expect("key");
            assert_eq!(
                key_pem.der,
                pem_der(&format!("gost/{stem}.key.pem")),
                "{name}"
            );
        }
    }
}

#[test]
fn cli_inspect_and_sign_with_a_written_file() {
    let dir = tempfile::tempdir().unwrap();
    let p12 = dir.path().join("ours.p12");
    std::fs::write(
        &p12,
        write(
            "gost2012_512-C",
            signflow::pki::pkcs12::GostPbeCipher::default(),
            PASSWORD,
        ),
    )
    .unwrap();
    let p12 = p12.to_str().unwrap();
    let out = signflow(
        &[
            "inspect",
            p12,
            "--json",
            "--password-env",
            "SIGNFLOW_TEST_PW",
        ],
        PASSWORD,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = signflow(
        &["inspect", p12, "--password-env", "SIGNFLOW_TEST_PW"],
        "wrong",
    );
    assert_eq!(out.status.code(), Some(4));
    let sig = dir.path().join("sig.p7s");
    let sig = sig.to_str().unwrap();
    let message = td("gost/message.txt");
    let out = sign_cms_with_p12(&message, sig, p12, PASSWORD, true);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = signflow(
        &[
            "verify",
            "cms",
            sig,
            "--content",
            &message,
            "--trust",
            &td("gost/gost2012_512-C.cert.pem"),
            "--no-revocation",
        ],
        "",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Without a MAC only the decryption can tell a wrong password: the CTR and CFB modes have no
/// padding, so the plaintext's structure decides.
#[test]
fn files_without_a_mac_open_and_tell_a_wrong_password() {
    for (file, stem) in [
        ("gost89-param-Z-nomac.p12", "gost2012_256-A"),
        ("kuznyechik-ctr-acpkm-nomac.p12", "gost2012_512-A"),
        ("magma-ctr-acpkm-nomac.p12", "gost2012_512-A"),
    ] {
        let p12 =
            Pkcs12::from_der(&read(&gp(file)), PASSWORD).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(p12.info().mac.is_none());
        assert_eq!(
            p12.certificates()[0].der,
            pem_der(&format!("gost/{stem}.cert.pem"))
        );
        assert_eq!(p12.private_keys().len(), 1);
        assert!(
            matches!(
                Pkcs12::from_der(&read(&gp(file)), "wrong"),
                Err(Pkcs12Error::WrongPassword)
            ),
            "{file}"
        );
    }
}
