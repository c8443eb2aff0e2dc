//! Unit tests of the PKCS#12 reader's internals (the integration tests are tests/pkcs12.rs and
//! tests/pkcs12_gost.rs).

use der::Decode;
use zeroize::Zeroizing;

use super::asn1::{Content, Pfx};
use super::reader::{
    Pkcs12Reader, charge, check_iterations, check_iterations_u64, password_forms, pkcs8_shape_ok,
};
use super::*;

fn read(rel: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decrypts an EncryptedPrivateKeyInfo (`openssl pkcs8 -topk8` output) the way a shrouded
/// key bag is decrypted.
fn decrypt_pk8(der: &[u8], password: &str) -> Result<(String, Zeroizing<Vec<u8>>), Pkcs12Error> {
    let epki = pkcs12::pbe_params::EncryptedPrivateKeyInfo::from_der(der).expect("DER");
    let mut reader = Pkcs12Reader::new(password);
    let plain = reader.decrypt(
        &epki.encryption_algorithm,
        epki.encrypted_data.as_bytes(),
        EncryptedPartKind::ShroudedKeyBag,
        pkcs8_shape_ok,
    )?;
    let name = reader.encrypted_parts[0].algorithm.clone();
    Ok((name, plain))
}

#[test]
fn every_pbes2_prf_and_cipher_and_every_pkcs12_pbe() {
    let expected_key = {
        let pem = String::from_utf8(read("pki/leaf-rsa.key.pem")).unwrap();
        der::pem::decode_vec(pem.as_bytes()).unwrap().1
    };
    for (file, name) in [
        (
            "pbes2-sha1-aes128.pk8",
            "PBES2 PBKDF2-HMAC-SHA1 AES-128-CBC",
        ),
        (
            "pbes2-sha224-aes192.pk8",
            "PBES2 PBKDF2-HMAC-SHA224 AES-192-CBC",
        ),
        (
            "pbes2-sha256-aes256.pk8",
            "PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC",
        ),
        (
            "pbes2-sha384-aes256.pk8",
            "PBES2 PBKDF2-HMAC-SHA384 AES-256-CBC",
        ),
        (
            "pbes2-sha512-aes256.pk8",
            "PBES2 PBKDF2-HMAC-SHA512 AES-256-CBC",
        ),
        (
            "pbes2-sha1-des-ede3.pk8",
            "PBES2 PBKDF2-HMAC-SHA1 DES-EDE3-CBC",
        ),
        ("pbe-sha1-3des.pk8", "pbeWithSHAAnd3-KeyTripleDES-CBC"),
        ("pbe-sha1-2des.pk8", "pbeWithSHAAnd2-KeyTripleDES-CBC"),
        ("pbe-sha1-rc2-128.pk8", "pbeWithSHAAnd128BitRC2-CBC"),
        ("pbe-sha1-rc2-40.pk8", "pbeWithSHAAnd40BitRC2-CBC"),
    ] {
        let der = read(&format!("pkcs12/{file}"));
        let (got_name, key) = decrypt_pk8(&der, "signflow-test").unwrap();
        assert_eq!(got_name, name, "{file}");
        assert_eq!(key.as_slice(), expected_key.as_slice(), "{file}");
        assert!(
            matches!(
                decrypt_pk8(&der, "signflow-tesT"),
                Err(Pkcs12Error::WrongPassword)
            ),
            "{file} with a wrong password"
        );
    }
}

#[test]
fn unsupported_schemes_name_their_oid() {
    for (file, oid, what) in [
        (
            "pbes2-scrypt-aes256.pk8",
            "1.3.6.1.4.1.11591.4.11",
            "PBES2 key derivation function",
        ),
        (
            "pbes1-md5-des.pk8",
            "1.2.840.113549.1.5.3",
            "encryption scheme",
        ),
    ] {
        let der = read(&format!("pkcs12/{file}"));
        match decrypt_pk8(&der, "signflow-test") {
            Err(Pkcs12Error::UnsupportedAlgorithm { oid: o, what: w }) => {
                assert_eq!((o.as_str(), w), (oid, what), "{file}");
            }
            other => panic!("{file}: {other:?}"),
        }
    }
}

#[test]
fn password_forms_follow_openssl() {
    let forms = password_forms("");
    assert_eq!(forms.len(), 2);
    assert_eq!(forms[0].bmp.as_slice(), &[0, 0]);
    assert!(forms[1].bmp.is_empty());
    let forms = password_forms("ab");
    assert_eq!(forms.len(), 1);
    assert_eq!(forms[0].bmp.as_slice(), &[0, b'a', 0, b'b', 0, 0]);
    assert_eq!(forms[0].utf8.as_slice(), b"ab");
    // Outside the BMP: a surrogate pair, as OpenSSL's OPENSSL_utf82uni writes it.
    let forms = password_forms("я😀");
    assert_eq!(
        forms[0].bmp.as_slice(),
        &[0x04, 0x4F, 0xD8, 0x3D, 0xDE, 0x00, 0, 0]
    );
    // The pre-1.1.0 OpenSSL form: each UTF-8 byte a character.
    assert_eq!(forms[1].bmp.as_slice()[..4], [0, 0xD1, 0, 0x8F]);
}

/// Which password form verifies the MAC of a file.
fn mac_form(rel: &str, password: &str) -> Option<usize> {
    let pfx = Pfx::from_ber(&read(rel)).unwrap();
    let Content::Data(auth_safe) = pfx.auth_safe.content else {
        panic!("{rel}: not data");
    };
    let mut reader = Pkcs12Reader::new(password);
    reader
        .verify_mac(pfx.mac_data.as_ref().unwrap(), auth_safe.as_bytes())
        .unwrap();
    reader.mac_form
}

#[test]
fn the_password_form_that_verifies_the_mac() {
    // OpenSSL's empty password: the BMPString terminator 00 00.
    assert_eq!(mac_form("pki/leaf-rsa-empty-password.p12", ""), Some(0));
    // pyca/cryptography with no password: the zero-length string.
    assert_eq!(
        mac_form("pkcs12/cryptography-vectors/name-1-no-pwd.p12", ""),
        Some(1)
    );
    // UTF-16BE for non-ASCII; "bytes as characters" for the old encoding.
    assert_eq!(
        mac_form("pkcs12/nonascii-password.p12", "пароль-тест"),
        Some(0)
    );
    assert_eq!(
        mac_form("pkcs12/latin1-password-legacy.p12", "пароль"),
        Some(1)
    );
}

#[test]
fn identity_pairs_by_public_key_when_local_key_ids_are_missing_or_wrong() {
    let Some(provider) = CryptoProvider::all_compiled().first().copied() else {
        return;
    };
    let rsa = Pkcs12::from_der(&read("pki/leaf-rsa.p12"), "signflow-test").unwrap();
    let ed = Pkcs12::from_der(&read("pki/leaf-ed25519.p12"), "signflow-test").unwrap();
    let leaf = rsa.certificates[0].der.clone();
    let copy_key = |k: &Pkcs12PrivateKey, id: Option<Vec<u8>>| Pkcs12PrivateKey {
        pkcs8_der: k.pkcs8_der.clone(),
        friendly_name: None,
        local_key_id: id,
        shrouded: k.shrouded,
    };
    let strip = |c: &Pkcs12Certificate| Pkcs12Certificate {
        local_key_id: None,
        ..c.clone()
    };
    // No localKeyId anywhere; the leaf last, after the ed25519 leaf and the root.
    let certs = vec![
        strip(&ed.certificates[0]),
        strip(&rsa.certificates[2]),
        strip(&rsa.certificates[1]),
        strip(&rsa.certificates[0]),
    ];
    let p12 = Pkcs12 {
        certificates: certs.clone(),
        private_keys: vec![copy_key(&rsa.private_keys[0], None)],
        info: rsa.info.clone(),
    };
    let id = p12.identity(provider).unwrap();
    assert_eq!(id.certificate.der(), leaf.as_slice());
    assert_eq!(
        id.chain
            .iter()
            .map(|c| c.der().to_vec())
            .collect::<Vec<_>>(),
        [
            rsa.certificates[1].der.clone(),
            rsa.certificates[2].der.clone()
        ]
    );
    assert_eq!(id.friendly_name.as_deref(), Some("leaf-rsa"));
    // The key claims the ed25519 leaf's localKeyId: the public key decides.
    let mut certs_with_id = certs.clone();
    certs_with_id[0].local_key_id = Some(b"key-1".to_vec());
    let p12 = Pkcs12 {
        certificates: certs_with_id,
        private_keys: vec![copy_key(&rsa.private_keys[0], Some(b"key-1".to_vec()))],
        info: rsa.info.clone(),
    };
    assert_eq!(
        p12.identity(provider).unwrap().certificate.der(),
        leaf.as_slice()
    );
    // The RSA key with only the ed25519 file's certificates.
    let p12 = Pkcs12 {
        certificates: ed.certificates.clone(),
        private_keys: vec![copy_key(&rsa.private_keys[0], None)],
        info: rsa.info.clone(),
    };
    assert!(matches!(
        p12.identity(provider),
        Err(Pkcs12Error::NoMatchingCertificate)
    ));
}

#[test]
fn budget_and_iteration_bounds() {
    assert!(matches!(
        check_iterations(0, "MAC"),
        Err(Pkcs12Error::Malformed { .. })
    ));
    assert!(matches!(
        check_iterations(-5, "MAC"),
        Err(Pkcs12Error::Malformed { .. })
    ));
    assert_eq!(check_iterations(10_000_000, "MAC").unwrap(), 10_000_000);
    assert!(matches!(
        check_iterations(10_000_001, "MAC"),
        Err(Pkcs12Error::LimitExceeded { .. })
    ));
    assert!(matches!(
        check_iterations_u64(u64::MAX, "PBKDF2"),
        Err(Pkcs12Error::LimitExceeded { .. })
    ));
    let mut budget = ITERATION_BUDGET;
    charge(&mut budget, 10_000_000, 2).unwrap();
    assert_eq!(budget, 0);
    assert!(matches!(
        charge(&mut budget, 1, 1),
        Err(Pkcs12Error::LimitExceeded { .. })
    ));
}
