//! Signing and verification with the test PKI's keys on every backend, and interop with the
//! signatures and certificates OpenSSL made (testdata/openssl, testdata/pki).

mod common;

use common::{read, testdata};
use der::{Decode, Encode};
use signflow::crypto::{
    CryptoError, CryptoProvider, EcdsaEncoding, HashAlgorithm, KeyKind, SignatureAlgorithm,
    SigningKey,
};
use x509_cert::Certificate;

fn cert(name: &str) -> Certificate {
    let pem = read(&format!("pki/{name}.pem"));
    let der = &signflow::pem::decode_objects(&pem).unwrap()[0].der;
    Certificate::from_der(der).unwrap()
}

fn spki_of(c: &Certificate) -> Vec<u8> {
    c.tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .unwrap()
}

fn load(provider: &CryptoProvider, name: &str) -> Box<dyn SigningKey> {
    let pem = String::from_utf8(read(&format!("pki/{name}.key.pem"))).unwrap();
    provider.load_private_key_pem(&pem).unwrap()
}

/// Every algorithm a key of this kind can sign with.
fn signing_algorithms(kind: KeyKind) -> Vec<SignatureAlgorithm> {
    use SignatureAlgorithm as A;
    match kind {
        KeyKind::Rsa { .. } => vec![
            A::RSA_PKCS1_SHA256,
            A::RSA_PKCS1_SHA384,
            A::RSA_PKCS1_SHA512,
            A::RSA_PSS_SHA256,
            A::RSA_PSS_SHA384,
            A::RSA_PSS_SHA512,
        ],
        KeyKind::EcP256 => vec![
            A::ECDSA_SHA256,
            A::ECDSA_SHA256.with_ecdsa_encoding(EcdsaEncoding::Fixed),
        ],
        KeyKind::EcP384 => vec![
            A::ECDSA_SHA384,
            A::ECDSA_SHA384.with_ecdsa_encoding(EcdsaEncoding::Fixed),
        ],
        KeyKind::Ed25519 => vec![A::Ed25519],
        _ => unreachable!("no other kind in the test PKI"),
    }
}

/// Key files of the test PKI and the certificate that carries each public key.
const KEYS: [(&str, &str); 4] = [
    ("leaf-rsa", "leaf-rsa"),
    ("leaf-ecdsa-p256", "leaf-ecdsa-p256"),
    ("leaf-ed25519", "leaf-ed25519"),
    ("intermediate-ca", "intermediate-ca"),
];

/// Signs with `signer` and verifies with `verifier` for every key and algorithm.
fn sign_and_verify_across(signer: &CryptoProvider, verifier: &CryptoProvider) {
    let message = b"Contract 2026/17: delivery of 40 tonnes of grain";
    for (key_name, cert_name) in KEYS {
        let key = load(signer, key_name);
        let spki = spki_of(&cert(cert_name));
        assert_eq!(
            key.public_key_der(),
            spki,
            "{key_name}: public key matches its certificate"
        );
        for alg in signing_algorithms(key.kind()) {
            let sig = key
                .sign(&alg, message)
                .unwrap_or_else(|e| panic!("{key_name} {alg}: {e}"));
            verifier
                .verify(&alg, &spki, message, &sig)
                .unwrap_or_else(|e| {
                    panic!(
                        "{key_name} {alg} signed by {} on {}: {e}",
                        signer.name, verifier.name
                    )
                });
            let mut tampered = message.to_vec();
            tampered[0] ^= 1;
            assert_eq!(
                verifier.verify(&alg, &spki, &tampered, &sig),
                Err(CryptoError::BadSignature),
                "{key_name} {alg}: altered message"
            );
            let mut bad_sig = sig.clone();
            let last = bad_sig.len() - 1;
            bad_sig[last] ^= 0x40;
            assert!(
                verifier.verify(&alg, &spki, message, &bad_sig).is_err(),
                "{key_name} {alg}"
            );
            if let Some(hash) = alg.hash() {
                let digest = verifier.digest(hash, message).unwrap();
                verifier
                    .verify_prehashed(&alg, &spki, digest.as_ref(), &sig)
                    .unwrap();
            }
        }
    }
}

/// Runs `openssl` if it is installed; `None` (and a note on stderr) when it is not.
fn openssl(args: &[&str]) -> Option<std::process::Output> {
    match std::process::Command::new("openssl").args(args).output() {
        Ok(out) => Some(out),
        Err(e) => {
            eprintln!(
                "SKIPPED: openssl CLI not available ({e}); OpenSSL's own artifacts still ran"
            );
            None
        }
    }
}

per_provider! {
    #[test]
    fn every_key_signs_and_verifies_every_algorithm() {
        sign_and_verify_across(provider(), provider());
    }

    #[test]
    fn verifies_signatures_made_by_openssl() {
        let message = read("openssl/message.txt");
        let rsa = spki_of(&cert("leaf-rsa"));
        for (h, hash) in [("sha256", HashAlgorithm::Sha256), ("sha384", HashAlgorithm::Sha384), ("sha512", HashAlgorithm::Sha512)] {
            let pkcs1 = read(&format!("openssl/rsa-pkcs1-{h}.sig"));
            provider().verify(&SignatureAlgorithm::RsaPkcs1(hash), &rsa, &message, &pkcs1).unwrap();
            let pss = read(&format!("openssl/rsa-pss-{h}.sig"));
            let alg = SignatureAlgorithm::RsaPss(signflow::crypto::PssParams::for_hash(hash));
            provider().verify(&alg, &rsa, &message, &pss).unwrap();
            // The PKCS#1 signature is not a PSS signature and vice versa.
            assert!(provider().verify(&alg, &rsa, &message, &pkcs1).is_err());
        }
        let p256 = spki_of(&cert("leaf-ecdsa-p256"));
        provider().verify(&SignatureAlgorithm::ECDSA_SHA256, &p256, &message, &read("openssl/ecdsa-p256-sha256.sig")).unwrap();
        let p384 = spki_of(&cert("intermediate-ca"));
        provider().verify(&SignatureAlgorithm::ECDSA_SHA384, &p384, &message, &read("openssl/ecdsa-p384-sha384.sig")).unwrap();
        let ed = spki_of(&cert("leaf-ed25519"));
        provider().verify(&SignatureAlgorithm::Ed25519, &ed, &message, &read("openssl/ed25519.sig")).unwrap();
        assert_eq!(
            provider().verify(&SignatureAlgorithm::Ed25519, &ed, b"other", &read("openssl/ed25519.sig")),
            Err(CryptoError::BadSignature)
        );
    }

    #[test]
    fn verifies_certificate_and_crl_signatures_made_by_openssl() {
        let pairs = [
            ("root-ca", "root-ca"), ("intermediate-ca", "root-ca"),
            ("leaf-rsa", "intermediate-ca"), ("leaf-ecdsa-p256", "intermediate-ca"),
            ("leaf-ed25519", "intermediate-ca"), ("leaf-russian", "intermediate-ca"),
            ("leaf-revoked", "intermediate-ca"),
        ];
        for (subject, issuer) in pairs {
            let c = cert(subject);
            let alg = SignatureAlgorithm::from_algorithm_identifier_der(
                &c.signature_algorithm().to_der().unwrap(), None).unwrap();
            let tbs = c.tbs_certificate().to_der().unwrap();
            let sig = c.signature().raw_bytes();
            let issuer_spki = spki_of(&cert(issuer));
            provider().verify(&alg, &issuer_spki, &tbs, sig)
                .unwrap_or_else(|e| panic!("{subject} issued by {issuer}: {e}"));
            // The wrong issuer's key never verifies it.
            let other = if issuer == "root-ca" { "leaf-rsa" } else { "root-ca" };
            assert!(provider().verify(&alg, &spki_of(&cert(other)), &tbs, sig).is_err());
        }
        for (crl, issuer) in [("root-ca", "root-ca"), ("intermediate-ca", "intermediate-ca")] {
            let list: x509_cert::crl::CertificateList = x509_cert::crl::CertificateList::from_der(&read(&format!("pki/{crl}.crl.der"))).unwrap();
            let alg = SignatureAlgorithm::from_algorithm_identifier_der(&list.signature_algorithm.to_der().unwrap(), None).unwrap();
            provider().verify(&alg, &spki_of(&cert(issuer)), &list.tbs_cert_list.to_der().unwrap(), list.signature.raw_bytes()).unwrap();
        }
    }

    #[test]
    fn openssl_accepts_our_signatures() {
        let dir = tempfile::tempdir().unwrap();
        let msg_path = testdata("openssl/message.txt");
        let message = read("openssl/message.txt");
        for (key_name, _) in KEYS {
            let key = load(provider(), key_name);
            let pub_path = dir.path().join(format!("{key_name}.pub.der"));
            std::fs::write(&pub_path, key.public_key_der()).unwrap();
            for alg in signing_algorithms(key.kind()) {
                if alg == alg.with_ecdsa_encoding(EcdsaEncoding::Fixed) && matches!(alg, SignatureAlgorithm::Ecdsa { .. }) {
                    continue; // openssl dgst reads DER ECDSA signatures only
                }
                let sig_path = dir.path().join("sig");
                std::fs::write(&sig_path, key.sign(&alg, &message).unwrap()).unwrap();
                let (pub_s, sig_s, msg_s) = (pub_path.to_str().unwrap(), sig_path.to_str().unwrap(), msg_path.to_str().unwrap());
                let mut args: Vec<String> = match alg {
                    SignatureAlgorithm::Ed25519 => ["pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", pub_s, "-rawin", "-in", msg_s, "-sigfile", sig_s].map(String::from).to_vec(),
                    _ => {
                        let h = alg.hash().unwrap().name().replace("SHA-", "sha");
                        [format!("-{h}"), "-verify".into(), pub_s.into(), "-keyform".into(), "DER".into(), "-signature".into(), sig_s.into()].to_vec()
                    }
                };
                if matches!(alg, SignatureAlgorithm::RsaPss(_)) {
                    args.extend(["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"].map(String::from));
                }
                if !matches!(alg, SignatureAlgorithm::Ed25519) {
                    args.insert(0, "dgst".into());
                    args.push(msg_s.into());
                }
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let Some(out) = openssl(&args) else { return };
                assert!(out.status.success(), "openssl rejected {key_name} {alg}: {}{}",
                    String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            }
        }
    }

    #[test]
    fn refusals_name_the_reason() {
        let rsa = load(provider(), "leaf-rsa");
        let p256 = load(provider(), "leaf-ecdsa-p256");
        let msg = b"m";
        assert!(matches!(rsa.sign(&SignatureAlgorithm::RsaPkcs1(HashAlgorithm::Sha1), msg), Err(CryptoError::VerifyOnly(_))));
        assert!(matches!(rsa.sign(&SignatureAlgorithm::ECDSA_SHA256, msg), Err(CryptoError::KeyMismatch { .. })));
        assert!(matches!(p256.sign(&SignatureAlgorithm::ECDSA_SHA512, msg), Err(CryptoError::UnsupportedAlgorithm(_))));
        let spki = rsa.public_key_der().to_vec();
        assert!(matches!(provider().verify(&SignatureAlgorithm::Ed25519, &spki, msg, &[0; 64]), Err(CryptoError::KeyMismatch { .. })));
        assert!(matches!(provider().verify(&SignatureAlgorithm::RSA_PKCS1_SHA256, b"\x30\x03\x02\x01\x01", msg, &[0; 256]), Err(CryptoError::InvalidPublicKey(_))));
        let ed = load(provider(), "leaf-ed25519");
        assert!(matches!(provider().verify_prehashed(&SignatureAlgorithm::Ed25519, ed.public_key_der(), &[0; 32], &[0; 64]), Err(CryptoError::UnsupportedAlgorithm(_))));
        assert!(matches!(provider().verify_prehashed(&SignatureAlgorithm::RSA_PKCS1_SHA256, &spki, &[0; 31], &[0; 256]), Err(CryptoError::DigestLength { expected: 32, actual: 31 })));
        assert!(matches!(provider().load_private_key_der(b"\x30\x00"), Err(CryptoError::InvalidPrivateKey(_))));
        let cert_pem = String::from_utf8(read("pki/leaf-rsa.pem")).unwrap();
        let err = provider().load_private_key_pem(&cert_pem).unwrap_err();
        assert!(err.to_string().contains("CERTIFICATE"), "{err}");
    }

    #[test]
    fn streaming_digests_match_fips_180_vectors() {
        // FIPS 180-4 example "abc" and the two-block message, fed in uneven chunks.
        let two_block = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        let expected = [
            (HashAlgorithm::Sha1, &b"abc"[..], "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (HashAlgorithm::Sha256, b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (HashAlgorithm::Sha256, two_block, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            (HashAlgorithm::Sha384, b"abc", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
            (HashAlgorithm::Sha512, b"abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
        ];
        for (alg, data, hex_digest) in expected {
            let mut h = provider().digests.hasher(alg).unwrap();
            for chunk in data.chunks(7) {
                h.update(chunk);
            }
            let d = h.finalize();
            assert_eq!(hex::encode(d.as_ref()), hex_digest, "{alg}");
            assert_eq!(d.algorithm(), alg);
        }
    }

    #[test]
    fn sha3_digests_match_fips_202_vectors() {
        // FIPS 202 examples for "abc" (NIST CSRC example values), fed in uneven chunks.
        let expected = [
            (HashAlgorithm::Sha3_224, "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf"),
            (HashAlgorithm::Sha3_256, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"),
            (HashAlgorithm::Sha3_384, "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25"),
            (HashAlgorithm::Sha3_512, "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0"),
        ];
        for (alg, hex_digest) in expected {
            let mut h = provider().digests.hasher(alg).unwrap();
            h.update(b"a");
            h.update(b"bc");
            let d = h.finalize();
            assert_eq!(hex::encode(d.as_ref()), hex_digest, "{alg}");
            assert_eq!(d.as_ref().len(), alg.output_len());
            assert_eq!(HashAlgorithm::from_oid(&alg.oid()), Ok(alg));
        }
    }

    #[test]
    fn ripemd160_is_a_weak_digest() {
        assert!(HashAlgorithm::Ripemd160.is_weak());
        assert!(HashAlgorithm::Ripemd160.is_extra() && HashAlgorithm::Md5.is_extra());
        if cfg!(feature = "extra-algorithms") {
            // The RIPEMD-160 paper's "abc" example.
            let d = provider().digest(HashAlgorithm::Ripemd160, b"abc").unwrap();
            assert_eq!(hex::encode(d.as_ref()), "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
        } else {
            // Without the feature, RIPEMD-160 and MD5 are refused, saying which feature to enable.
            for h in [HashAlgorithm::Ripemd160, HashAlgorithm::Md5] {
                let e = provider().digest(h, b"abc").unwrap_err();
                assert!(matches!(e, CryptoError::UnsupportedAlgorithm(_)), "{e}");
                assert!(e.to_string().contains("enable the `extra-algorithms` feature"), "{e}");
            }
        }
        assert_eq!(HashAlgorithm::from_oid(&HashAlgorithm::Ripemd160.oid()), Ok(HashAlgorithm::Ripemd160));
    }

    #[test]
    fn random_bytes_differ() {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        provider().random.fill(&mut a).unwrap();
        provider().random.fill(&mut b).unwrap();
        assert_ne!(a, b);
    }
}

#[cfg(all(feature = "aws-lc-rs", feature = "rustcrypto"))]
#[test]
fn backends_verify_each_others_signatures() {
    use signflow::crypto::{aws_lc, rustcrypto};
    sign_and_verify_across(&aws_lc::DEFAULT_PROVIDER, &rustcrypto::DEFAULT_PROVIDER);
    sign_and_verify_across(&rustcrypto::DEFAULT_PROVIDER, &aws_lc::DEFAULT_PROVIDER);
}

/// Key sets made by OpenSSL's GOST engine (testdata/gost), by file stem.
const GOST_SETS: [&str; 13] = [
    "gost2012_256-0",
    "gost2012_256-A",
    "gost2012_256-B",
    "gost2012_256-C",
    "gost2012_256-XA",
    "gost2012_256-XB",
    "gost2012_256-TCA",
    "gost2012_256-TCB",
    "gost2012_256-TCC",
    "gost2012_256-TCD",
    "gost2012_512-A",
    "gost2012_512-B",
    "gost2012_512-C",
];

mod gost {
    use super::*;

    per_provider! {
        #[test]
        fn gost_engine_certificates_signatures_and_keys_through_the_provider() {
            let message = read("gost/message.txt");
            for stem in GOST_SETS {
                let pem = read(&format!("gost/{stem}.cert.pem"));
                let c = signflow::pki::Certificate::all_from_pem_or_der(&pem).unwrap().remove(0);
                let alg = c.signature_algorithm().unwrap();
                let want = if stem.contains("512") { SignatureAlgorithm::Gost2012_512 } else { SignatureAlgorithm::Gost2012_256 };
                assert_eq!(alg, want, "{stem}");
                // The engine's self-signature over the tbsCertificate.
                provider().verify(&alg, c.spki_der(), c.tbs_der(), c.signature()).unwrap_or_else(|e| panic!("{stem}: {e}"));
                // The engine's `openssl dgst -sign` signature over message.txt.
                let sig = read(&format!("gost/{stem}.sig"));
                provider().verify(&alg, c.spki_der(), &message, &sig).unwrap_or_else(|e| panic!("{stem}: {e}"));
                assert_eq!(provider().verify(&alg, c.spki_der(), b"other", &sig), Err(CryptoError::BadSignature));
                // The engine's private key signs through the provider; the certificate's key verifies.
                let key_pem = String::from_utf8(read(&format!("gost/{stem}.key.pem"))).unwrap();
                let key = provider().load_private_key_pem(&key_pem).unwrap_or_else(|e| panic!("{stem}: {e}"));
                assert_eq!(key.default_algorithm(), want);
                let ours = key.sign(&want, &message).unwrap();
                provider().verify(&want, c.spki_der(), &message, &ours).unwrap_or_else(|e| panic!("{stem}: {e}"));
                // Prehashed verification with the provider's streaming Streebog.
                let digest = provider().digest(alg.hash().unwrap(), &message).unwrap();
                provider().verify_prehashed(&alg, c.spki_der(), digest.as_ref(), &sig).unwrap();
            }
        }

        #[test]
        fn gost_refuses_the_wrong_key_size_and_foreign_keys() {
            let c256 = signflow::pki::Certificate::all_from_pem_or_der(&read("gost/gost2012_256-A.cert.pem")).unwrap().remove(0);
            let sig = read("gost/gost2012_256-A.sig");
            let message = read("gost/message.txt");
            assert!(matches!(
                provider().verify(&SignatureAlgorithm::Gost2012_512, c256.spki_der(), &message, &sig),
                Err(CryptoError::KeyMismatch { .. })
            ));
            let rsa = spki_of(&cert("leaf-rsa"));
            assert!(matches!(
                provider().verify(&SignatureAlgorithm::Gost2012_256, &rsa, &message, &sig),
                Err(CryptoError::KeyMismatch { .. })
            ));
            // Streebog digests of the message match the engine's `openssl dgst -binary` output.
            let d = provider().digest(HashAlgorithm::Streebog256, &message).unwrap();
            assert_eq!(d.as_ref(), &read("gost/message.streebog256.bin")[..]);
            let d = provider().digest(HashAlgorithm::Streebog512, &message).unwrap();
            assert_eq!(d.as_ref(), &read("gost/message.streebog512.bin")[..]);
        }
    }
}
