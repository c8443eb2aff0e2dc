//! PKCS#12 import (`signflow::pki::pkcs12`): every test file loads with its password and gives a
//! working identity; wrong passwords, corrupt files, unsupported algorithms and the bounds give
//! the documented errors; `info()` agrees with `openssl pkcs12 -info`; the pyca/cryptography and
//! Bouncy Castle vectors load; and, where the openssl CLI is installed, it extracts the same keys
//! and certificates.
//!
//! Test material: `testdata/pkcs12/` (see `testdata/README.md`, "pkcs12/") and the PKCS#12
//! files of `testdata/pki/`.

mod common;

use std::process::Command;

use common::read;
use der::{Decode, Encode};
use signflow::crypto::CryptoProvider;
use signflow::pki::pkcs12::{EncryptedPartKind, Pkcs12, Pkcs12Error};

const PASSWORD: &str = "signflow-test";
const NONASCII: &str = "пароль-тест";

/// Every DER object of a PEM file under `testdata/`.
fn pem_ders(rel: &str) -> Vec<Vec<u8>> {
    signflow::pem::decode_objects(&read(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .into_iter()
        .map(|o| o.der)
        .collect()
}

fn cert_der(rel: &str) -> Vec<u8> {
    pem_ders(rel).remove(0)
}

fn spki(cert: &[u8]) -> Vec<u8> {
    x509_cert::Certificate::from_der(cert)
        .expect("certificate")
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .expect("SPKI")
}

fn load(rel: &str, password: &str) -> Pkcs12 {
    Pkcs12::from_der(&read(rel), password).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn load_err(rel: &str, password: &str) -> Pkcs12Error {
    match Pkcs12::from_der(&read(rel), password) {
        Ok(_) => panic!("{rel} loaded with password {password:?}"),
        Err(e) => e,
    }
}

/// The DER of each certificate.
fn ders(certs: &[signflow::pki::Certificate]) -> Vec<Vec<u8>> {
    certs.iter().map(|c| c.der().to_vec()).collect()
}

/// Signs with the identity's key and verifies with the certificate's public key.
fn assert_key_signs(provider: &CryptoProvider, id: &signflow::pki::pkcs12::Identity, what: &str) {
    let spki = spki(id.certificate.der());
    assert_eq!(
        id.key.public_key_der(),
        spki.as_slice(),
        "{what}: key vs certificate SPKI"
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
}

/// Files holding a test-PKI leaf key, its certificate and the chain: (file under testdata/,
/// password, the leaf's stem in testdata/pki/).
const SIGNER_FILES: &[(&str, &str, &str)] = &[
    ("pki/leaf-rsa.p12", PASSWORD, "leaf-rsa"),
    ("pki/leaf-ecdsa-p256.p12", PASSWORD, "leaf-ecdsa-p256"),
    ("pki/leaf-ed25519.p12", PASSWORD, "leaf-ed25519"),
    ("pki/leaf-russian.p12", PASSWORD, "leaf-russian"),
    ("pki/leaf-rsa-legacy.p12", PASSWORD, "leaf-rsa"),
    (
        "pki/leaf-ecdsa-p256-legacy.p12",
        PASSWORD,
        "leaf-ecdsa-p256",
    ),
    ("pki/leaf-rsa-empty-password.p12", "", "leaf-rsa"),
    ("pkcs12/default.p12", PASSWORD, "leaf-rsa"),
    ("pkcs12/legacy.p12", PASSWORD, "leaf-ecdsa-p256"),
    ("pkcs12/nomac.p12", PASSWORD, "leaf-ed25519"),
    ("pkcs12/nonascii-password.p12", NONASCII, "leaf-rsa"),
    ("pkcs12/nonascii-password-legacy.p12", NONASCII, "leaf-rsa"),
    ("pkcs12/latin1-password-legacy.p12", "пароль", "leaf-rsa"),
    (
        "pkcs12/pbes2-aes128-sha1mac.p12",
        PASSWORD,
        "leaf-ecdsa-p256",
    ),
    ("pkcs12/pbes2-aes128-sha512mac.p12", PASSWORD, "leaf-rsa"),
    (
        "pkcs12/pbes2-aes192-sha384mac.p12",
        PASSWORD,
        "leaf-ed25519",
    ),
    ("pkcs12/pbes2-des-ede3-sha224mac.p12", PASSWORD, "leaf-rsa"),
    ("pkcs12/3des.p12", PASSWORD, "leaf-rsa"),
    ("pkcs12/2des.p12", PASSWORD, "leaf-ecdsa-p256"),
    ("pkcs12/rc2-128.p12", PASSWORD, "leaf-rsa"),
    ("pkcs12/unencrypted.p12", PASSWORD, "leaf-ed25519"),
    ("pkcs12/plain-nomac.p12", PASSWORD, "leaf-ecdsa-p256"),
    ("pkcs12/chain-unordered.p12", PASSWORD, "leaf-ecdsa-p256"),
];

/// Files with nothing that depends on the password (no MAC, nothing encrypted).
const PASSWORDLESS: &[&str] = &["pkcs12/plain-nomac.p12"];

per_provider! {
    #[test]
    fn every_signer_file_gives_a_working_identity() {
        let chain = vec![cert_der("pki/intermediate-ca.pem"), cert_der("pki/root-ca.pem")];
        for &(file, password, stem) in SIGNER_FILES {
            let p12 = load(file, password);
            let id = p12
                .identity(provider())
                .unwrap_or_else(|e| panic!("{file}: identity: {e}"));
            assert_eq!(id.certificate.der(), cert_der(&format!("pki/{stem}.pem")), "{file}: leaf");
            assert_key_signs(provider(), &id, file);
            assert_eq!(ders(&id.chain), chain, "{file}: chain [intermediate, root]");
            assert_eq!(id.friendly_name.as_deref(), Some(stem), "{file}: friendlyName");
            assert_eq!(p12.private_keys().len(), 1, "{file}");
        }
    }

    #[test]
    fn chain_is_ordered_and_unrelated_certificates_are_left_out() {
        // Written with the leaf, then root, an unrelated leaf and the intermediate.
        let p12 = load("pkcs12/chain-unordered.p12", PASSWORD);
        let unrelated = cert_der("pki/leaf-ed25519.pem");
        let in_file: Vec<&[u8]> = p12.certificates().iter().map(|c| c.der.as_slice()).collect();
        assert_eq!(in_file.len(), 4);
        assert!(in_file.contains(&unrelated.as_slice()));
        let id = p12.identity(provider()).unwrap();
        assert_eq!(id.certificate.der(), cert_der("pki/leaf-ecdsa-p256.pem"));
        assert_eq!(
            ders(&id.chain),
            vec![cert_der("pki/intermediate-ca.pem"), cert_der("pki/root-ca.pem")]
        );
    }

    #[test]
    fn missing_key_or_certificate() {
        let p12 = load("pkcs12/key-only.p12", PASSWORD);
        assert!(p12.certificates().is_empty());
        assert_eq!(p12.private_keys().len(), 1);
        assert!(matches!(p12.identity(provider()), Err(Pkcs12Error::NoCertificate)));
        let key = provider()
            .load_private_key_der(&p12.private_keys()[0].pkcs8_der)
            .unwrap();
        assert_eq!(key.public_key_der(), spki(&cert_der("pki/leaf-rsa.pem")).as_slice());

        let p12 = load("pkcs12/certs-only.p12", PASSWORD);
        assert!(p12.private_keys().is_empty());
        let mut got: Vec<Vec<u8>> = p12.certificates().iter().map(|c| c.der.clone()).collect();
        let mut want = vec![
            cert_der("pki/leaf-rsa.pem"),
            cert_der("pki/intermediate-ca.pem"),
            cert_der("pki/root-ca.pem"),
        ];
        got.sort();
        want.sort();
        assert_eq!(got, want);
        assert!(matches!(p12.identity(provider()), Err(Pkcs12Error::NoPrivateKey)));
    }

    #[test]
    fn cryptography_vectors_with_the_ca_key_and_certificate() {
        // pyca/cryptography tests/hazmat/primitives/test_pkcs12.py: each holds the EC key
        // ca_key.pem and its self-signed ca.pem, and nothing else.
        let ca = cert_der("pkcs12/cryptography-vectors/ca.pem");
        for (file, password) in [
            ("cert-key-aes256cbc.p12", "cryptography"),
            ("cert-none-key-none.p12", "cryptography"),
            ("cert-rc2-key-3des.p12", "cryptography"),
            ("no-password.p12", ""),
        ] {
            let path = format!("pkcs12/cryptography-vectors/{file}");
            let p12 = load(&path, password);
            assert_eq!(p12.certificates().len(), 1, "{file}");
            let id = p12.identity(provider()).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(id.certificate.der(), ca, "{file}");
            assert!(id.chain.is_empty(), "{file}: a self-signed certificate has no chain");
            assert_key_signs(provider(), &id, file);
        }
        // The key alone, and the certificate alone.
        let p12 = load("pkcs12/cryptography-vectors/no-cert-key-aes256cbc.p12", "cryptography");
        let key = provider()
            .load_private_key_der(&p12.private_keys()[0].pkcs8_der)
            .unwrap();
        assert_eq!(key.public_key_der(), spki(&ca).as_slice());
        assert!(matches!(p12.identity(provider()), Err(Pkcs12Error::NoCertificate)));
        let p12 = load("pkcs12/cryptography-vectors/cert-aes256cbc-no-key.p12", "cryptography");
        assert_eq!(p12.certificates().len(), 1);
        assert_eq!(p12.certificates()[0].der, ca);
        assert!(matches!(p12.identity(provider()), Err(Pkcs12Error::NoPrivateKey)));
    }

    #[test]
    fn cryptography_vectors_with_friendly_names() {
        // pyca's test_load_object / test_load_object_no_cert_key: the key with ca.pem (name),
        // then cryptography.io.pem (name2) and letsencryptx3.pem (name3). "-pwd" files use the
        // password "password"; "-no-pwd" files have no password (a MAC over the zero-length
        // password, which the empty password must find).
        let ca = cert_der("pkcs12/cryptography-vectors/ca.pem");
        let cert2 = cert_der("pkcs12/cryptography-vectors/cryptography.io.pem");
        let cert3 = cert_der("pkcs12/cryptography-vectors/letsencryptx3.pem");
        type Names = (Option<&'static str>, Option<&'static str>, Option<&'static str>);
        let with_key: [(&str, Names); 7] = [
            ("no-name", (None, None, None)),
            ("name-all", (Some("name"), Some("name2"), Some("name3"))),
            ("name-1", (Some("name"), None, None)),
            ("name-2-3", (None, Some("name2"), Some("name3"))),
            ("name-2", (None, Some("name2"), None)),
            ("name-3", (None, None, Some("name3"))),
            ("name-unicode", (Some("☺"), Some("ä"), Some("ç"))),
        ];
        for (stem, (n1, n2, n3)) in with_key {
            for (suffix, password) in [("pwd", "password"), ("no-pwd", "")] {
                let file = format!("{stem}-{suffix}.p12");
                let p12 = load(&format!("pkcs12/cryptography-vectors/{file}"), password);
                let certs = p12.certificates();
                let ders: Vec<&[u8]> = certs.iter().map(|c| c.der.as_slice()).collect();
                assert_eq!(ders, [&ca[..], &cert2[..], &cert3[..]], "{file}");
                let names: Vec<Option<&str>> =
                    certs.iter().map(|c| c.friendly_name.as_deref()).collect();
                assert_eq!(names, [n1, n2, n3], "{file}");
                let id = p12.identity(provider()).unwrap_or_else(|e| panic!("{file}: {e}"));
                assert_eq!(id.certificate.der(), ca, "{file}");
                assert_eq!(id.friendly_name.as_deref(), n1, "{file}");
                assert!(id.chain.is_empty(), "{file}: the other two are not ca.pem's issuers");
                assert_key_signs(provider(), &id, &file);
            }
        }
        let without_key: [(&str, Option<&str>, Option<&str>); 5] = [
            ("no-cert-no-name", None, None),
            ("no-cert-name-all", Some("name2"), Some("name3")),
            ("no-cert-name-2", Some("name2"), None),
            ("no-cert-name-3", None, Some("name3")),
            ("no-cert-name-unicode", Some("☹"), Some("ï")),
        ];
        for (stem, n2, n3) in without_key {
            for (suffix, password) in [("pwd", "password"), ("no-pwd", "")] {
                let file = format!("{stem}-{suffix}.p12");
                let p12 = load(&format!("pkcs12/cryptography-vectors/{file}"), password);
                let certs = p12.certificates();
                let ders: Vec<&[u8]> = certs.iter().map(|c| c.der.as_slice()).collect();
                assert_eq!(ders, [&cert2[..], &cert3[..]], "{file}");
                let names: Vec<Option<&str>> =
                    certs.iter().map(|c| c.friendly_name.as_deref()).collect();
                assert_eq!(names, [n2, n3], "{file}");
                assert!(
                    matches!(p12.identity(provider()), Err(Pkcs12Error::NoPrivateKey)),
                    "{file}"
                );
            }
        }
        // Java keytool trust store: two trusted certificates, no key, empty password.
        let p12 = load("pkcs12/cryptography-vectors/java-truststore.p12", "");
        assert_eq!(p12.certificates().len(), 2);
        assert_eq!(p12.certificates()[0].friendly_name.as_deref(), Some("cert1"));
        assert!(matches!(p12.identity(provider()), Err(Pkcs12Error::NoPrivateKey)));
    }

    #[test]
    fn third_party_ber_file_pairs_its_key_and_orders_its_chain() {
        // Bouncy Castle's ber-chunked.p12 (BER, OCTET STRINGs in 1-byte segments) holds an
        // RSA-1024 key, "David G. Hook"'s certificate and two VeriSign CAs in reverse order.
        // Whether a backend loads a 1024-bit key is its business: aws-lc-rs refuses
        // (UnusableKey); the rustcrypto backend loads it.
        let p12 = load("pkcs12/bouncycastle/ber-chunked.p12", "hello world");
        let subject = |der: &[u8]| {
            x509_cert::Certificate::from_der(der)
                .unwrap()
                .tbs_certificate()
                .subject()
                .to_string()
        };
        match p12.identity(provider()) {
            Ok(id) => {
                assert!(subject(id.certificate.der()).contains("CN=David G. Hook"));
                let chain: Vec<String> = id.chain.iter().map(|c| subject(c.der())).collect();
                assert_eq!(chain.len(), 2, "{chain:?}");
                assert!(chain[0].contains("CN=VeriSign Class 1 CA Individual Subscriber"));
                assert!(chain[1].contains("OU=Class 1 Public Primary Certification Authority"));
                assert_eq!(id.friendly_name.as_deref(), Some("David G. Hook's VeriSign, Inc. ID"));
                assert_eq!(id.key.public_key_der(), spki(id.certificate.der()).as_slice());
            }
            Err(e @ Pkcs12Error::UnusableKey { .. }) => {
                let text = e.to_string();
                assert!(
                    text.starts_with("the private key in the PKCS#12 file cannot be used: "),
                    "{text}"
                );
            }
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn rfc9579_pbmac1_vectors() {
        // RFC 9579 Appendix A.1-A.3 (password "1234"): PBMAC1 over PBKDF2, the MacData's own
        // salt and iteration fields saying "NOT USED" and 1.
        for (file, mac) in [
            ("a1-sha256-hmac-sha256-prf.p12", "PBMAC1 PBKDF2-HMAC-SHA256 HMAC-SHA256"),
            ("a2-sha256-hmac-sha512-prf.p12", "PBMAC1 PBKDF2-HMAC-SHA512 HMAC-SHA256"),
            ("a3-sha512-hmac-sha512-prf.p12", "PBMAC1 PBKDF2-HMAC-SHA512 HMAC-SHA512"),
        ] {
            let path = format!("pkcs12/rfc9579/{file}");
            let p12 = load(&path, "1234");
            let info = p12.info();
            let got = info.mac.as_ref().map(|m| (m.algorithm.as_str(), m.iterations));
            assert_eq!(got, Some((mac, 2048)), "{file}");
            assert_eq!(
                info.key_encryption().map(|p| p.algorithm.as_str()),
                Some("PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC"),
                "{file}"
            );
            let id = p12.identity(provider()).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(id.chain.is_empty(), "{file}: self-signed");
            assert_key_signs(provider(), &id, file);
            assert!(matches!(load_err(&path, "12345"), Pkcs12Error::WrongPassword));
        }
        // A.4's point: a changed PBKDF2 iteration count (2048 -> 2049) in the MAC parameters
        // must fail the MAC.
        let mut data = read("pkcs12/rfc9579/a1-sha256-hmac-sha256-prf.p12");
        let params = [0x02, 0x02, 0x08, 0x00, 0x02, 0x01, 0x20]; // iterations 2048, keyLength 32
        let at = data.windows(params.len()).rposition(|w| w == params).unwrap();
        data[at + 3] = 0x01;
        assert!(matches!(Pkcs12::from_der(&data, "1234"), Err(Pkcs12Error::WrongPassword)));
    }

    #[test]
    fn mutated_files_never_panic() {
        // Bit flips, byte overwrites, truncations and insertions in files whose bytes reach the
        // parsers (no MAC, or BER), with a fixed seed. Every outcome is fine except a panic.
        let mut rng = 0x5EED_1234_ABCD_0001u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for (file, password) in [
            ("pkcs12/plain-nomac.p12", PASSWORD),
            ("pkcs12/nomac.p12", PASSWORD),
            ("pkcs12/unencrypted.p12", PASSWORD),
            ("pkcs12/bouncycastle/ber-indefinite.p12", "sschette12"),
        ] {
            let original = read(file);
            for _ in 0..600 {
                let mut data = original.clone();
                for _ in 0..=(next() % 3) {
                    let len = data.len().max(1) as u64;
                    let at = (next() % len) as usize;
                    match next() % 4 {
                        0 => {
                            if let Some(b) = data.get_mut(at) {
                                *b ^= 1 << (next() % 8);
                            }
                        }
                        1 => {
                            if let Some(b) = data.get_mut(at) {
                                *b = next() as u8;
                            }
                        }
                        2 => data.truncate(at),
                        _ => data.insert(at.min(data.len()), next() as u8),
                    }
                }
                if let Ok(p12) = Pkcs12::from_der(&data, password) {
                    let _ = p12.identity(provider());
                    let _ = p12.info().to_string();
                }
            }
        }
    }
}

#[test]
fn wrong_password_is_reported_as_such() {
    let mut files: Vec<(&str, &str)> = SIGNER_FILES
        .iter()
        .filter(|(f, _, _)| !PASSWORDLESS.contains(f))
        .map(|&(f, p, _)| (f, p))
        .collect();
    files.extend([
        ("pkcs12/key-only.p12", PASSWORD),
        ("pkcs12/certs-only.p12", PASSWORD),
        (
            "pkcs12/cryptography-vectors/cert-key-aes256cbc.p12",
            "cryptography",
        ),
        ("pkcs12/cryptography-vectors/name-1-pwd.p12", "password"),
        ("pkcs12/cryptography-vectors/name-1-no-pwd.p12", ""),
        ("pkcs12/bouncycastle/ber-indefinite.p12", "sschette12"),
    ]);
    for (file, right) in files {
        for wrong in ["wrongpassword", "", "signflow-tesT", "пароль-тесТ"] {
            if wrong == right {
                continue;
            }
            let err = load_err(file, wrong);
            assert!(
                matches!(err, Pkcs12Error::WrongPassword),
                "{file} with {wrong:?}: {err:?}"
            );
        }
    }
    assert_eq!(
        Pkcs12Error::WrongPassword.to_string(),
        "the PKCS#12 password is wrong"
    );
}

#[test]
fn without_a_mac_a_wrong_password_fails_decryption() {
    // nomac.p12: PBES2 everywhere, no MAC; the wrong key gives bad padding or a plaintext that
    // is not a SafeContents / PKCS#8 key.
    for wrong in ["", "x", "signflow-tesT", NONASCII] {
        assert!(matches!(
            load_err("pkcs12/nomac.p12", wrong),
            Pkcs12Error::WrongPassword
        ));
    }
    // With nothing encrypted and no MAC there is nothing to check a password against.
    assert_eq!(
        load("pkcs12/plain-nomac.p12", "anything")
            .certificates()
            .len(),
        3
    );
    assert!(load("pkcs12/nomac.p12", PASSWORD).info().mac.is_none());
}

#[test]
fn corrupt_input_is_malformed() {
    let truncated = load_err("pkcs12/truncated.p12", PASSWORD);
    assert!(
        matches!(truncated, Pkcs12Error::Malformed { .. }),
        "{truncated:?}"
    );
    assert!(
        truncated
            .to_string()
            .starts_with("the PKCS#12 file is malformed: the PFX structure")
    );
    for input in [
        &b""[..],
        b"\x30",
        b"\x30\x03\x02\x01\x03",
        b"-----BEGIN PKCS12-----",
        &read("pki/leaf-rsa.der"),
    ] {
        let err = Pkcs12::from_der(input, PASSWORD).unwrap_err();
        assert!(
            matches!(err, Pkcs12Error::Malformed { .. }),
            "{input:?}: {err:?}"
        );
    }
    // Every prefix of a file is malformed (or, for the MAC'd part, fails the MAC).
    let full = read("pkcs12/default.p12");
    for len in (0..full.len()).step_by(97) {
        let err = Pkcs12::from_der(&full[..len], PASSWORD).unwrap_err();
        assert!(
            matches!(err, Pkcs12Error::Malformed { .. }),
            "prefix of {len} bytes: {err:?}"
        );
    }
}

#[test]
fn a_changed_byte_under_the_mac_fails_the_mac() {
    // RFC 7292's MAC cannot tell corruption from a wrong password.
    let mut data = read("pkcs12/default.p12");
    let middle = data.len() / 2;
    data[middle] ^= 0x01;
    assert!(matches!(
        Pkcs12::from_der(&data, PASSWORD),
        Err(Pkcs12Error::WrongPassword)
    ));
}

#[test]
fn unsupported_algorithms_name_their_oid() {
    match load_err("pkcs12/rc4-key.p12", PASSWORD) {
        e @ Pkcs12Error::UnsupportedAlgorithm { .. } => {
            let Pkcs12Error::UnsupportedAlgorithm { oid, what } = &e else {
                unreachable!()
            };
            assert_eq!(oid, "1.2.840.113549.1.12.1.1");
            assert_eq!(*what, "encryption scheme");
            assert_eq!(
                e.to_string(),
                "the PKCS#12 file uses an unsupported encryption scheme: \
                 pbeWithSHAAnd128BitRC4 (1.2.840.113549.1.12.1.1)"
            );
        }
        other => panic!("{other:?}"),
    }
    // The MAC digest of default.p12 (SHA-256, 2.16.840.1.101.3.4.2.1) changed to SHA3-256
    // (2.16.840.1.101.3.4.2.8).
    let mut data = read("pkcs12/default.p12");
    let sha256 = [
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
    ];
    let at = data
        .windows(sha256.len())
        .rposition(|w| w == sha256)
        .expect("the MAC's digest OID");
    data[at + sha256.len() - 1] = 0x08;
    match Pkcs12::from_der(&data, PASSWORD) {
        Err(Pkcs12Error::UnsupportedAlgorithm { oid, what }) => {
            assert_eq!(
                (oid.as_str(), what),
                ("2.16.840.1.101.3.4.2.8", "MAC digest algorithm")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn iteration_count_above_the_bound_is_refused() {
    // huge-iterations.p12: MAC iteration count 20,000,000 (openssl asn1parse: INTEGER 01312D00).
    let err = load_err("pkcs12/huge-iterations.p12", PASSWORD);
    match &err {
        Pkcs12Error::LimitExceeded { what } => assert!(what.starts_with("iteration count")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "the PKCS#12 file exceeds the limit on iteration count (at most 10,000,000)"
    );
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let big = vec![0u8; signflow::pki::pkcs12::MAX_FILE_SIZE + 1];
    assert!(matches!(
        Pkcs12::from_der(&big, PASSWORD),
        Err(Pkcs12Error::LimitExceeded {
            what: "file size (at most 16 MiB)"
        })
    ));
}

/// Hand-built DER for the structural bounds: a PFX without MAC around SafeContents.
mod crafted {
    use super::*;

    pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|&b| b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }

    pub fn oid(dotted: &str) -> Vec<u8> {
        const_oid::ObjectIdentifier::new(dotted)
            .unwrap()
            .to_der()
            .unwrap()
    }

    pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
        tlv(0x30, &parts.concat())
    }

    const DATA: &str = "1.2.840.113549.1.7.1";
    const ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";

    /// ContentInfo { data, [0] OCTET STRING content }.
    pub fn data(content: &[u8]) -> Vec<u8> {
        seq(&[oid(DATA), tlv(0xA0, &tlv(0x04, content))])
    }

    /// PFX v3 with the given AuthenticatedSafe parts and no MAC.
    pub fn pfx(parts: &[Vec<u8>]) -> Vec<u8> {
        seq(&[tlv(0x02, &[3]), data(&seq(parts))])
    }

    /// A secretBag (skipped by the reader) holding NULL.
    pub fn secret_bag() -> Vec<u8> {
        seq(&[oid("1.2.840.113549.1.12.10.1.5"), tlv(0xA0, &[0x05, 0x00])])
    }

    /// A safeContentsBag around `bags`.
    pub fn safe_contents_bag(bags: &[Vec<u8>]) -> Vec<u8> {
        seq(&[oid("1.2.840.113549.1.12.10.1.6"), tlv(0xA0, &seq(bags))])
    }

    /// A minimal positive INTEGER.
    pub fn int(n: u32) -> Vec<u8> {
        let mut v: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        if v.first().is_none_or(|b| b & 0x80 != 0) {
            v.insert(0, 0);
        }
        tlv(0x02, &v)
    }

    /// PBES2 with PBKDF2-HMAC-SHA256 (`iterations`, a fixed salt) and AES-256-CBC (zero IV).
    pub fn pbes2_sha256_aes256(iterations: u32) -> Vec<u8> {
        let hmac_sha256 = seq(&[oid("1.2.840.113549.2.9"), tlv(0x05, &[])]);
        let pbkdf2 = seq(&[
            oid("1.2.840.113549.1.5.12"),
            seq(&[tlv(0x04, &[1; 16]), int(iterations), hmac_sha256]),
        ]);
        let aes = seq(&[oid("2.16.840.1.101.3.4.1.42"), tlv(0x04, &[0; 16])]);
        seq(&[oid("1.2.840.113549.1.5.13"), seq(&[pbkdf2, aes])])
    }

    /// A pkcs8ShroudedKeyBag under [`pbes2_sha256_aes256`] with `ciphertext`.
    pub fn shrouded_key_bag(iterations: u32, ciphertext: &[u8]) -> Vec<u8> {
        let epki = seq(&[pbes2_sha256_aes256(iterations), tlv(0x04, ciphertext)]);
        seq(&[oid("1.2.840.113549.1.12.10.1.2"), tlv(0xA0, &epki)])
    }

    /// An encryptedData part holding `safe_contents`, really encrypted under
    /// [`pbes2_sha256_aes256`] with one iteration and `password`.
    pub fn encrypted_pbes2(safe_contents: &[u8], password: &str) -> Vec<u8> {
        use cbc::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
        let mut key = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), &[1; 16], 1, &mut key);
        let ciphertext = cbc::Encryptor::<aes::Aes256>::new_from_slices(&key, &[0; 16])
            .unwrap()
            .encrypt_padded_vec::<Pkcs7>(safe_contents);
        let eci = seq(&[oid(DATA), pbes2_sha256_aes256(1), tlv(0x80, &ciphertext)]);
        let encrypted_data = seq(&[tlv(0x02, &[0]), eci]);
        seq(&[oid(ENCRYPTED_DATA), tlv(0xA0, &encrypted_data)])
    }

    /// An encryptedData part under pbeWithSHAAnd3-KeyTripleDES-CBC with `iterations`.
    pub fn encrypted_3des(iterations: u32) -> Vec<u8> {
        let params = seq(&[tlv(0x04, &[7; 8]), {
            let bytes: Vec<u8> = iterations.to_be_bytes().to_vec();
            let mut v = bytes
                .into_iter()
                .skip_while(|&b| b == 0)
                .collect::<Vec<u8>>();
            if v.first().is_none_or(|b| b & 0x80 != 0) {
                v.insert(0, 0);
            }
            tlv(0x02, &v)
        }]);
        let alg = seq(&[oid("1.2.840.113549.1.12.1.3"), params]);
        let eci = seq(&[oid(DATA), alg, tlv(0x80, &[0u8; 16])]);
        let encrypted_data = seq(&[tlv(0x02, &[0]), eci]);
        seq(&[oid(ENCRYPTED_DATA), tlv(0xA0, &encrypted_data)])
    }
}

#[test]
fn bag_count_is_bounded() {
    use crafted::*;
    let bags = |n: usize| data(&seq(&vec![secret_bag(); n]));
    let p12 = Pkcs12::from_der(&pfx(&[bags(1000)]), "").unwrap();
    assert_eq!(p12.info().skipped_bags, 1000);
    assert!(matches!(
        Pkcs12::from_der(&pfx(&[bags(600), bags(401)]), ""),
        Err(Pkcs12Error::LimitExceeded {
            what: "bags (at most 1,000)"
        })
    ));
    let parts = vec![data(&seq(&[])); 1001];
    assert!(matches!(
        Pkcs12::from_der(&pfx(&parts), ""),
        Err(Pkcs12Error::LimitExceeded { .. })
    ));
}

#[test]
fn safe_contents_nesting_is_bounded() {
    use crafted::*;
    // depth 1: the part's SafeContents; each safeContentsBag adds one.
    let nested = |depth: usize| {
        let mut bags = vec![secret_bag()];
        for _ in 1..depth {
            bags = vec![safe_contents_bag(&bags)];
        }
        pfx(&[data(&seq(&bags))])
    };
    for depth in 1..=signflow::pki::pkcs12::MAX_SAFE_CONTENTS_DEPTH {
        let p12 = Pkcs12::from_der(&nested(depth), "").unwrap();
        assert_eq!(p12.info().skipped_bags, 1, "depth {depth}");
    }
    let too_deep = nested(signflow::pki::pkcs12::MAX_SAFE_CONTENTS_DEPTH + 1);
    match Pkcs12::from_der(&too_deep, "") {
        Err(Pkcs12Error::LimitExceeded { what }) => assert!(what.contains("nesting")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn key_derivation_work_is_budgeted() {
    use crafted::*;
    // 3DES under the RFC 7292 KDF costs three hash chains (two for the key, one for the IV):
    // 7,000,000 iterations are allowed as a count but 21,000,000 exceed the per-file budget of
    // 20,000,000 — refused before any hashing.
    let started = std::time::Instant::now();
    match Pkcs12::from_der(&pfx(&[encrypted_3des(7_000_000)]), "") {
        Err(Pkcs12Error::LimitExceeded { what }) => {
            assert!(what.starts_with("key-derivation work"))
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    match Pkcs12::from_der(&pfx(&[encrypted_3des(10_000_001)]), "") {
        Err(Pkcs12Error::LimitExceeded { what }) => assert!(what.starts_with("iteration count")),
        other => panic!("{other:?}"),
    }
    match Pkcs12::from_der(&pfx(&[encrypted_3des(0)]), "") {
        Err(Pkcs12Error::Malformed { reason }) => assert!(reason.contains("not positive")),
        other => panic!("{other:?}"),
    }
    // A small count reaches the decryption, which fails: no MAC, so a wrong password.
    assert!(matches!(
        Pkcs12::from_der(&pfx(&[encrypted_3des(1)]), ""),
        Err(Pkcs12Error::WrongPassword)
    ));
}

/// Issue #18: 20 shrouded key bags at 10,000,000 iterations each used to cost two full
/// derivations (3.6 s) before the budget refused the third; the work they announce is now added
/// up first, and the file refused before any key is derived.
#[test]
fn announced_key_derivation_work_is_refused_before_any_is_done() {
    use crafted::*;
    let over_budget = |bags: Vec<Vec<u8>>| match Pkcs12::from_der(&pfx(&[data(&seq(&bags))]), "pw")
    {
        Err(e @ Pkcs12Error::LimitExceeded { .. }) => e.to_string(),
        other => panic!("{other:?}"),
    };
    let started = std::time::Instant::now();
    let message = over_budget(vec![shrouded_key_bag(10_000_000, &[0; 32]); 20]);
    assert!(message.contains("key-derivation work"), "{message}");
    // Three bags of 7,000,000: each under the per-derivation cap, together over the budget.
    over_budget(vec![shrouded_key_bag(7_000_000, &[0; 32]); 3]);
    // The same bags revealed by an encrypted part (which the password opens): refused once
    // they are seen, before the first of them is derived.
    let hidden = seq(&vec![shrouded_key_bag(10_000_000, &[0; 32]); 20]);
    match Pkcs12::from_der(&pfx(&[encrypted_pbes2(&hidden, "pw")]), "pw") {
        Err(Pkcs12Error::LimitExceeded { what }) => {
            assert!(what.starts_with("key-derivation work"), "{what}")
        }
        other => panic!("{other:?}"),
    }
    let elapsed = started.elapsed();
    assert!(elapsed < std::time::Duration::from_secs(1), "{elapsed:?}");
    // Within the budget the bags are read (and, here, fail to decrypt: a wrong password).
    assert!(matches!(
        Pkcs12::from_der(&pfx(&[data(&seq(&[shrouded_key_bag(1, &[0; 32])]))]), "pw"),
        Err(Pkcs12Error::WrongPassword)
    ));
    let revealed = seq(&[secret_bag()]);
    let p12 = Pkcs12::from_der(&pfx(&[encrypted_pbes2(&revealed, "pw")]), "pw").unwrap();
    assert_eq!(p12.info().skipped_bags, 1);
}

#[test]
fn extra_fields_are_malformed() {
    use crafted::*;
    // A PFX with a field after authSafe that is not a MacData, and a ContentInfo with a third
    // field.
    let pfx_extra = seq(&[tlv(0x02, &[3]), data(&seq(&[])), tlv(0x05, &[])]);
    let part_extra = pfx(&[seq(&[
        oid("1.2.840.113549.1.7.1"),
        tlv(0xA0, &tlv(0x04, &seq(&[]))),
        tlv(0x05, &[]),
    ])]);
    for input in [pfx_extra, part_extra] {
        assert!(matches!(
            Pkcs12::from_der(&input, ""),
            Err(Pkcs12Error::Malformed { .. })
        ));
    }
    // The same structures without the extra field load (and hold nothing).
    let empty = Pkcs12::from_der(&pfx(&[data(&seq(&[]))]), "").unwrap();
    assert!(empty.certificates().is_empty() && empty.private_keys().is_empty());
}

#[test]
fn public_key_modes_are_unsupported() {
    use crafted::*;
    let signed = seq(&[
        tlv(0x02, &[3]),
        seq(&[oid("1.2.840.113549.1.7.2"), tlv(0xA0, &seq(&[]))]),
    ]);
    assert!(matches!(
        Pkcs12::from_der(&signed, ""),
        Err(Pkcs12Error::UnsupportedAlgorithm {
            what: "integrity mode (public-key signedData)",
            ..
        })
    ));
    let enveloped = pfx(&[seq(&[oid("1.2.840.113549.1.7.3"), tlv(0xA0, &seq(&[]))])]);
    assert!(matches!(
        Pkcs12::from_der(&enveloped, ""),
        Err(Pkcs12Error::UnsupportedAlgorithm {
            what: "privacy mode (public-key envelopedData)",
            ..
        })
    ));
}

/// What `openssl pkcs12 -info -noout` printed for each file (OpenSSL 3.0.19; for the generated
/// files also in `testdata/pkcs12/openssl-info.txt`), written in this module's names:
/// OpenSSL's "MAC: sha256, Iteration 2048" is ("HMAC-SHA256", 2048); "PBES2, PBKDF2,
/// AES-256-CBC, Iteration 2048, PRF hmacWithSHA256" is ("PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC",
/// 2048); "pbeWithSHA1And40BitRC2-CBC" is RFC 7292's "pbeWithSHAAnd40BitRC2-CBC". The columns
/// are the MAC, the "PKCS7 Encrypted data" line (certificates) and the "Shrouded Keybag" line.
type Alg = Option<(&'static str, u32)>;
const OPENSSL_INFO: &[(&str, &str, Alg, Alg, Alg)] = &[
    (
        "pki/leaf-rsa.p12",
        PASSWORD,
        Some(("HMAC-SHA256", 2048)),
        Some(("PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC", 2048)),
        Some(("PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC", 2048)),
    ),
    (
        "pki/leaf-rsa-legacy.p12",
        PASSWORD,
        Some(("HMAC-SHA1", 2048)),
        Some(("pbeWithSHAAnd40BitRC2-CBC", 2048)),
        Some(("pbeWithSHAAnd3-KeyTripleDES-CBC", 2048)),
    ),
    (
        "pki/leaf-ecdsa-p256-legacy.p12",
        PASSWORD,
        Some(("HMAC-SHA1", 2048)),
        Some(("pbeWithSHAAnd40BitRC2-CBC", 2048)),
        Some(("pbeWithSHAAnd3-KeyTripleDES-CBC", 2048)),
    ),
    (
        "pkcs12/nomac.p12",
        PASSWORD,
        None,
        Some(("PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC", 2048)),
        Some(("PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC", 2048)),
    ),
    (
        "pkcs12/pbes2-aes128-sha1mac.p12",
        PASSWORD,
        Some(("HMAC-SHA1", 2048)),
        Some(("PBES2 PBKDF2-HMAC-SHA256 AES-128-CBC", 2048)),
        Some(("PBES2 PBKDF2-HMAC-SHA256 AES-128-CBC", 2048)),
    ),
    (
        "pkcs12/pbes2-aes128-sha512mac.p12",
        PASSWORD,
        Some(("HMAC-SHA512", 2048)),
        Some(("PBES2 PBKDF2-HMAC-SHA256 AES-128-CBC", 2048)),
        Some(("PBES2 PBKDF2-HMAC-SHA256 AES-128-CBC", 2048)),
    ),
    (
        "pkcs12/pbes2-aes192-sha384mac.p12",
        PASSWORD,
        Some(("HMAC-SHA384", 2048)),
        Some(("PBES2 PBKDF2-HMAC-SHA256 AES-192-CBC", 2048)),
        Some(("PBES2 PBKDF2-HMAC-SHA256 AES-192-CBC", 2048)),
    ),
    (
        "pkcs12/pbes2-des-ede3-sha224mac.p12",
        PASSWORD,
        Some(("HMAC-SHA224", 2048)),
        Some(("PBES2 PBKDF2-HMAC-SHA256 DES-EDE3-CBC", 2048)),
        Some(("PBES2 PBKDF2-HMAC-SHA256 DES-EDE3-CBC", 2048)),
    ),
    (
        "pkcs12/3des.p12",
        PASSWORD,
        Some(("HMAC-SHA256", 2048)),
        Some(("pbeWithSHAAnd3-KeyTripleDES-CBC", 2048)),
        Some(("pbeWithSHAAnd3-KeyTripleDES-CBC", 2048)),
    ),
    (
        "pkcs12/2des.p12",
        PASSWORD,
        Some(("HMAC-SHA1", 2048)),
        Some(("pbeWithSHAAnd2-KeyTripleDES-CBC", 2048)),
        Some(("pbeWithSHAAnd2-KeyTripleDES-CBC", 2048)),
    ),
    (
        "pkcs12/rc2-128.p12",
        PASSWORD,
        Some(("HMAC-SHA1", 2048)),
        Some(("pbeWithSHAAnd128BitRC2-CBC", 2048)),
        Some(("pbeWithSHAAnd3-KeyTripleDES-CBC", 2048)),
    ),
    (
        "pkcs12/unencrypted.p12",
        PASSWORD,
        Some(("HMAC-SHA256", 2048)),
        None,
        None,
    ),
    ("pkcs12/plain-nomac.p12", PASSWORD, None, None, None),
    (
        "pkcs12/key-only.p12",
        PASSWORD,
        Some(("HMAC-SHA256", 2048)),
        None,
        Some(("PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC", 2048)),
    ),
    (
        "pkcs12/cryptography-vectors/cert-key-aes256cbc.p12",
        "cryptography",
        Some(("HMAC-SHA1", 2048)),
        // PRF hmacWithSHA1: the PBKDF2 default, absent from the DER.
        Some(("PBES2 PBKDF2-HMAC-SHA1 AES-256-CBC", 2048)),
        Some(("PBES2 PBKDF2-HMAC-SHA1 AES-256-CBC", 2048)),
    ),
    (
        "pkcs12/cryptography-vectors/name-1-pwd.p12",
        "password",
        Some(("HMAC-SHA1", 1)),
        Some(("pbeWithSHAAnd3-KeyTripleDES-CBC", 20000)),
        Some(("pbeWithSHAAnd3-KeyTripleDES-CBC", 20000)),
    ),
    (
        "pkcs12/cryptography-vectors/java-truststore.p12",
        "",
        Some(("HMAC-SHA256", 2048)),
        None,
        None,
    ),
    (
        "pkcs12/bouncycastle/ber-indefinite.p12",
        "sschette12",
        Some(("HMAC-SHA1", 1)),
        Some(("pbeWithSHAAnd40BitRC2-CBC", 1)),
        Some(("pbeWithSHAAnd3-KeyTripleDES-CBC", 1)),
    ),
    (
        "pkcs12/bouncycastle/ber-chunked.p12",
        "hello world",
        Some(("HMAC-SHA1", 1)),
        Some(("pbeWithSHAAnd40BitRC2-CBC", 1)),
        Some(("pbeWithSHAAnd3-KeyTripleDES-CBC", 1)),
    ),
];

#[test]
fn info_matches_openssl() {
    for &(file, password, mac, certs, key) in OPENSSL_INFO {
        let p12 = load(file, password);
        let info = p12.info();
        let got_mac = info
            .mac
            .as_ref()
            .map(|m| (m.algorithm.as_str(), m.iterations));
        assert_eq!(got_mac, mac, "{file}: MAC");
        fn part(p: Option<&signflow::pki::pkcs12::EncryptedPart>) -> Option<(&str, u32)> {
            p.map(|p| (p.algorithm.as_str(), p.iterations))
        }
        assert_eq!(
            part(info.certificate_encryption()),
            certs,
            "{file}: certificates"
        );
        assert_eq!(part(info.key_encryption()), key, "{file}: key");
    }
}

#[test]
fn info_serializes_for_inspect() {
    let p12 = load("pki/leaf-rsa.p12", PASSWORD);
    let json = serde_json::to_value(p12.info()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "mac": { "algorithm": "HMAC-SHA256", "iterations": 2048 },
            "encrypted_parts": [
                { "part": "safe_contents",
                  "algorithm": "PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC", "iterations": 2048 },
                { "part": "shrouded_key_bag",
                  "algorithm": "PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC", "iterations": 2048 },
            ],
            "certificates": 3,
            "private_keys": 1,
            "skipped_bags": 0,
        })
    );
    let legacy = load("pki/leaf-rsa-legacy.p12", PASSWORD);
    assert_eq!(
        legacy.info().to_string(),
        "MAC: HMAC-SHA1, 2048 iterations\n\
         encrypted SafeContents: pbeWithSHAAnd40BitRC2-CBC, 2048 iterations\n\
         shrouded key bag: pbeWithSHAAnd3-KeyTripleDES-CBC, 2048 iterations\n\
         3 certificate(s), 1 private key(s)"
    );
    assert_eq!(
        legacy.info().encrypted_parts[0].part,
        EncryptedPartKind::SafeContents
    );
    assert!(
        load("pkcs12/nomac.p12", PASSWORD)
            .info()
            .to_string()
            .starts_with("MAC: none\n")
    );
}

#[test]
fn bag_attributes_are_kept() {
    let p12 = load("pki/leaf-rsa.p12", PASSWORD);
    let key = &p12.private_keys()[0];
    assert!(key.shrouded);
    assert_eq!(key.friendly_name.as_deref(), Some("leaf-rsa"));
    let leaf = &p12.certificates()[0];
    assert_eq!(leaf.friendly_name.as_deref(), Some("leaf-rsa"));
    assert!(leaf.local_key_id.as_ref().is_some_and(|id| !id.is_empty()));
    assert_eq!(leaf.local_key_id, key.local_key_id);
    assert!(!load("pkcs12/unencrypted.p12", PASSWORD).private_keys()[0].shrouded);
    // A Windows-style name with its NUL terminator (pyca's no-password.p12: "6BC162DA\0").
    let p12 = load("pkcs12/cryptography-vectors/no-password.p12", "");
    assert_eq!(
        p12.private_keys()[0].friendly_name.as_deref(),
        Some("6BC162DA")
    );
    // Debug never shows key bytes.
    let debug = format!("{p12:?}");
    assert!(debug.contains("bytes redacted"), "{debug}");
    assert!(!debug.contains("pkcs8_der: ["), "{debug}");
}

/// The cases for the openssl comparison: (file, password for us, password for openssl).
fn openssl_cases() -> Vec<(String, &'static str, String)> {
    let mut cases: Vec<(String, &'static str, String)> = SIGNER_FILES
        .iter()
        .map(|&(f, p, _)| (f.to_owned(), p, p.to_owned()))
        .collect();
    // OpenSSL 3 wrote latin1-password-legacy.p12 with 'пароль' re-encoded byte by byte.
    for case in &mut cases {
        if case.0 == "pkcs12/latin1-password-legacy.p12" {
            case.2 = "пароль".bytes().map(char::from).collect();
        }
    }
    for f in ["key-only", "certs-only"] {
        cases.push((format!("pkcs12/{f}.p12"), PASSWORD, PASSWORD.to_owned()));
    }
    let dir = common::testdata("pkcs12/cryptography-vectors");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".p12"))
        .collect();
    names.sort();
    for name in names {
        let password = if name.contains("no-pwd")
            || name == "no-password.p12"
            || name == "java-truststore.p12"
        {
            ""
        } else if name.starts_with("name-")
            || name.starts_with("no-cert-name")
            || name.starts_with("no-cert-no-name")
            || name.starts_with("no-name")
        {
            "password"
        } else {
            "cryptography"
        };
        cases.push((
            format!("pkcs12/cryptography-vectors/{name}"),
            password,
            password.to_owned(),
        ));
    }
    cases.push((
        "pkcs12/bouncycastle/ber-indefinite.p12".into(),
        "sschette12",
        "sschette12".into(),
    ));
    cases.push((
        "pkcs12/bouncycastle/ber-chunked.p12".into(),
        "hello world",
        "hello world".into(),
    ));
    for f in [
        "a1-sha256-hmac-sha256-prf",
        "a2-sha256-hmac-sha512-prf",
        "a3-sha512-hmac-sha512-prf",
    ] {
        cases.push((format!("pkcs12/rfc9579/{f}.p12"), "1234", "1234".into()));
    }
    cases
}

#[test]
fn openssl_extracts_the_same_keys_and_certificates() {
    if Command::new("openssl").arg("version").output().is_err() {
        println!("SKIPPED: openssl CLI not found");
        return;
    }
    for (file, password, openssl_password) in openssl_cases() {
        let p12 = load(&file, password);
        // OpenSSL 3.0 cannot verify PBMAC1 (3.4 can): extract without checking the MAC there.
        let mut args = vec!["pkcs12", "-legacy", "-nodes"];
        if file.contains("rfc9579") {
            args.push("-nomacver");
        }
        let out = Command::new("openssl")
            .args(args)
            .arg("-in")
            .arg(common::testdata(&file))
            .arg("-passin")
            .arg(format!("pass:{openssl_password}"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{file}: openssl failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let objects = signflow::pem::decode_objects(&out.stdout)
            .unwrap_or_else(|e| panic!("{file}: openssl output: {e}"));
        let mut openssl_certs: Vec<&[u8]> = Vec::new();
        let mut openssl_keys: Vec<&[u8]> = Vec::new();
        for o in &objects {
            match o.label.as_deref() {
                Some("CERTIFICATE") => openssl_certs.push(&o.der),
                Some("PRIVATE KEY") => openssl_keys.push(&o.der),
                other => panic!("{file}: openssl printed a {other:?} block"),
            }
        }
        let mut ours_certs: Vec<&[u8]> = p12
            .certificates()
            .iter()
            .map(|c| c.der.as_slice())
            .collect();
        let mut ours_keys: Vec<&[u8]> = p12
            .private_keys()
            .iter()
            .map(|k| k.pkcs8_der.as_slice())
            .collect();
        for v in [
            &mut openssl_certs,
            &mut openssl_keys,
            &mut ours_certs,
            &mut ours_keys,
        ] {
            v.sort();
        }
        assert_eq!(ours_certs, openssl_certs, "{file}: certificates");
        if ours_keys != openssl_keys {
            // OpenSSL re-encodes some keys (it drops the curve from an ECPrivateKey that also
            // names it in the PKCS#8 algorithm): then the public keys must agree.
            let provider = *CryptoProvider::all_compiled().first().expect("a backend");
            let public = |der: &[u8]| {
                provider
                    .load_private_key_der(der)
                    .unwrap_or_else(|e| panic!("{file}: {e}"))
                    .public_key_der()
                    .to_vec()
            };
            assert_eq!(ours_keys.len(), openssl_keys.len(), "{file}: private keys");
            let mut ours: Vec<Vec<u8>> = ours_keys.iter().map(|k| public(k)).collect();
            let mut theirs: Vec<Vec<u8>> = openssl_keys.iter().map(|k| public(k)).collect();
            ours.sort();
            theirs.sort();
            assert_eq!(ours, theirs, "{file}: private keys");
            println!("{file}: openssl re-encoded the key; the public keys agree");
        }
    }
}

#[test]
fn doc_example_file_is_the_modern_one() {
    // The rustdoc example uses testdata/pki/leaf-rsa.p12; keep it the modern format.
    let p12 = load("pki/leaf-rsa.p12", PASSWORD);
    assert_eq!(
        p12.info().key_encryption().map(|p| p.algorithm.as_str()),
        Some("PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC")
    );
}
