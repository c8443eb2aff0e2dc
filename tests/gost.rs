//! GOST R 34.10-2012 / 34.11-2012: the standard's examples, negative cases, round trips on
//! every parameter set, and interoperability with OpenSSL's GOST engine (artifacts in
//! `testdata/gost/`, made by `testdata/gost/generate.sh`).

mod common;

use std::sync::Mutex;

use common::{read, testdata};
use der::asn1::{AnyRef, BitStringRef};
use der::{Decode, Encode, Sequence};
use signflow::crypto::gost::{
    self, GostError, KeyAlgorithm, ParamSet, PrivateKey, PublicKey, Signature, Streebog256,
    Streebog512, streebog256, streebog512,
};
use signflow::crypto::{CryptoError, SecureRandom};
use spki::AlgorithmIdentifierRef;

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// RFC 6986 and RFC 7091 print little-endian byte strings as hex numbers: reverse them.
fn unhex_rev(s: &str) -> Vec<u8> {
    let mut v = unhex(s);
    v.reverse();
    v
}

/// A deterministic generator for tests: Streebog-512 in counter mode over a seed.
#[derive(Debug)]
struct TestRng(Mutex<(u64, Vec<u8>)>);

impl TestRng {
    fn new(seed: &str) -> Self {
        Self(Mutex::new((0, seed.as_bytes().to_vec())))
    }
}

impl SecureRandom for TestRng {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        let mut state = self.0.lock().unwrap();
        for chunk in dest.chunks_mut(64) {
            state.0 += 1;
            let mut input = state.1.clone();
            input.extend_from_slice(&state.0.to_le_bytes());
            chunk.copy_from_slice(&streebog512(&input)[..chunk.len()]);
        }
        Ok(())
    }
}

/// A generator that returns a constant byte.
#[derive(Debug)]
struct ConstRng(u8);

impl SecureRandom for ConstRng {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        dest.fill(self.0);
        Ok(())
    }
}

/// A generator that fails.
#[derive(Debug)]
struct BrokenRng;

impl SecureRandom for BrokenRng {
    fn fill(&self, _: &mut [u8]) -> Result<(), CryptoError> {
        Err(CryptoError::Backend("no entropy"))
    }
}

// ---------------------------------------------------------------------------------------------
// GOST R 34.11-2012 (Streebog): RFC 6986 §10.

const M1: &str = "323130393837363534333231303938373635343332313039383736353433323130393837363534333231303938373635343332313039383736353433323130";
const M2: &str = "fbe2e5f0eee3c820fbeafaebef20fffbf0e1e0f0f520e0ed20e8ece0ebe5f0f2f120fff0eeec20f120faf2fee5e2202ce8f6f3ede220e8e6eee1e8f0f2d1202ce8f0f2e5e220e5d1";

#[test]
fn rfc6986_m1() {
    let m1 = unhex_rev(M1);
    assert_eq!(
        m1,
        b"012345678901234567890123456789012345678901234567890123456789012"
    );
    assert_eq!(
        streebog512(&m1).to_vec(),
        unhex_rev(
            "486f64c1917879417fef082b3381a4e211c324f074654c38823a7b76f830ad00\
             fa1fbae42b1285c0352f227524bc9ab16254288dd6863dccd5b9f54a1ad0541b"
        )
    );
    assert_eq!(
        streebog256(&m1).to_vec(),
        unhex_rev("00557be5e584fd52a449b16b0251d05d27f94ab76cbaa6da890b59d8ef1e159d")
    );
    // In byte order, as `openssl dgst` and the streebog crate print it.
    assert_eq!(
        hex::encode(streebog256(&m1)),
        "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500"
    );
}

#[test]
fn rfc6986_m2() {
    let m2 = unhex_rev(M2);
    assert_eq!(
        streebog512(&m2).to_vec(),
        unhex_rev(
            "28fbc9bada033b1460642bdcddb90c3fb3e56c497ccd0f62b8a2ad4935e85f03\
             7613966de4ee00531ae60f3b5a47f8dae06915d5f2f194996fcabf2622e6881e"
        )
    );
    assert_eq!(
        streebog256(&m2).to_vec(),
        unhex_rev("508f7e553c06501d749a66fc28c6cac0b005746d97537fa85d9e40904efed29d")
    );
}

#[test]
fn streaming_equals_one_shot() {
    let m2 = unhex_rev(M2);
    for split in [0, 1, 63, 64, 65, m2.len()] {
        let (a, b) = m2.split_at(split);
        let mut h256 = Streebog256::new();
        let mut h512 = Streebog512::new();
        for part in [a, b] {
            h256.update(part);
            h512.update(part);
        }
        assert_eq!(h256.finalize(), streebog256(&m2));
        assert_eq!(h512.finalize(), streebog512(&m2));
    }
}

#[test]
fn streebog_matches_openssl() {
    let message = read("gost/message.txt");
    assert_eq!(
        streebog256(&message).to_vec(),
        read("gost/message.streebog256.bin")
    );
    assert_eq!(
        streebog512(&message).to_vec(),
        read("gost/message.streebog512.bin")
    );
}

// ---------------------------------------------------------------------------------------------
// GOST R 34.10-2012 appendix A (RFC 7091 §A.1, §A.2). The standard prints every number as a
// big-endian integer; the digest `e` is passed as its little-endian bytes (see the module
// documentation), and the signature as `s ‖ r`.

struct Example {
    params: ParamSet,
    d: &'static str,
    qx: &'static str,
    qy: &'static str,
    e: &'static str,
    k: &'static str,
    r: &'static str,
    s: &'static str,
}

const A1: Example = Example {
    params: ParamSet::Test256,
    d: "7a929ade789bb9be10ed359dd39a72c11b60961f49397eee1d19ce9891ec3b28",
    qx: "7f2b49e270db6d90d8595bec458b50c58585ba1d4e9b788f6689dbd8e56fd80b",
    qy: "26f1b489d6701dd185c8413a977b3cbbaf64d1c593d26627dffb101a87ff77da",
    e: "2dfbc1b372d89a1188c09c52e0eec61fce52032ab1022e8e67ece6672b043ee5",
    k: "77105c9b20bcd3122823c8cf6fcc7b956de33814e95b7fe64fed924594dceab3",
    r: "41aa28d2f1ab148280cd9ed56feda41974053554a42767b83ad043fd39dc0493",
    s: "01456c64ba4642a1653c235a98a60249bcd6d3f746b631df928014f6c5bf9c40",
};

const A2: Example = Example {
    params: ParamSet::Test512,
    d: "0ba6048aadae241ba40936d47756d7c93091a0e8514669700ee7508e508b1020\
        72e8123b2200a0563322dad2827e2714a2636b7bfd18aadfc62967821fa18dd4",
    qx: "115dc5bc96760c7b48598d8ab9e740d4c4a85a65be33c1815b5c320c854621dd\
         5a515856d13314af69bc5b924c8b4ddff75c45415c1d9dd9dd33612cd530efe1",
    qy: "37c7c90cd40b0f5621dc3ac1b751cfa0e2634fa0503b3d52639f5d7fb72afd61\
         ea199441d943ffe7f0c70a2759a3cdb84c114e1f9339fdf27f35eca93677beec",
    e: "3754f3cfacc9e0615c4f4a7c4d8dab531b09b6f9c170c533a71d147035b0c591\
        7184ee536593f4414339976c647c5d5a407adedb1d560c4fc6777d2972075b8c",
    k: "0359e7f4b1410feacc570456c6801496946312120b39d019d455986e364f3658\
        86748ed7a44b3e794434006011842286212273a6d14cf70ea3af71bb1ae679f1",
    r: "2f86fa60a081091a23dd795e1e3c689ee512a3c82ee0dcc2643c78eea8fcacd3\
        5492558486b20f1c9ec197c90699850260c93bcbcd9c5c3317e19344e173ae36",
    s: "1081b394696ffe8e6585e7a9362d26b6325f56778aadbc081c0bfbe933d52ff5\
        823ce288e8c4f362526080df7f70ce406a6eeb1f56919cb92a9853bde73e5b4a",
};

impl Example {
    fn xy_le(&self) -> Vec<u8> {
        let mut xy = unhex_rev(self.qx);
        xy.extend(unhex_rev(self.qy));
        xy
    }
    fn digest(&self) -> Vec<u8> {
        unhex_rev(self.e)
    }
    fn signature(&self) -> Vec<u8> {
        let mut sig = unhex(self.s);
        sig.extend(unhex(self.r));
        sig
    }
}

fn check_example(ex: &Example) {
    // Q = d·P.
    let key = PrivateKey::from_scalar_be(ex.params, &unhex(ex.d)).unwrap();
    assert_eq!(key.public_key().xy_le(), ex.xy_le(), "public key");
    // Signing with the published k reproduces (r, s), through both APIs.
    let sig = key.sign_digest_with_k(&ex.digest(), &unhex(ex.k)).unwrap();
    assert_eq!(hex::encode(&sig), hex::encode(ex.signature()), "signature");
    let d_le = unhex_rev(ex.d);
    let sig2 = gost::sign_with_k(ex.params, &d_le, &ex.digest(), &unhex(ex.k)).unwrap();
    assert_eq!(sig2, sig);
    let parsed = Signature::from_bytes(ex.params, &sig).unwrap();
    assert_eq!(parsed.r(), unhex(ex.r));
    assert_eq!(parsed.s(), unhex(ex.s));
    // The published signature verifies.
    gost::verify(ex.params, &ex.xy_le(), &ex.digest(), &ex.signature()).unwrap();
    key.public_key()
        .verify_digest(&ex.digest(), &ex.signature())
        .unwrap();
    // A randomized signature verifies too and differs.
    let rng = TestRng::new("example");
    let fresh = gost::sign(ex.params, &d_le, &ex.digest(), &rng).unwrap();
    assert_ne!(fresh, sig);
    gost::verify(ex.params, &ex.xy_le(), &ex.digest(), &fresh).unwrap();
}

#[test]
fn rfc7091_a1_256() {
    check_example(&A1);
}

#[test]
fn rfc7091_a2_512() {
    check_example(&A2);
}

// ---------------------------------------------------------------------------------------------
// Negative cases.

fn with_r_s(ex: &Example, r: &[u8], s: &[u8]) -> Vec<u8> {
    Signature::from_r_s(ex.params, r, s).unwrap().to_bytes()
}

#[test]
fn rejections() {
    for ex in [&A1, &A2] {
        let n = ex.params.coordinate_len();
        let (xy, digest, sig) = (ex.xy_le(), ex.digest(), ex.signature());
        let v = |xy: &[u8], digest: &[u8], sig: &[u8]| gost::verify(ex.params, xy, digest, sig);

        // Tampered digest, signature halves swapped, tampered signature.
        let mut d2 = digest.clone();
        d2[0] ^= 1;
        assert_eq!(v(&xy, &d2, &sig), Err(GostError::BadSignature));
        assert_eq!(
            v(&xy, &digest, &with_r_s(ex, &unhex(ex.s), &unhex(ex.r))),
            Err(GostError::BadSignature)
        );
        let mut s2 = sig.clone();
        s2[2 * n - 1] ^= 0x80;
        assert_eq!(v(&xy, &digest, &s2), Err(GostError::BadSignature));

        // r or s zero or ≥ q.
        let q = ex.params.order_be();
        let ones = vec![0xff; n];
        let (r, s) = (unhex(ex.r), unhex(ex.s));
        for (sig, which) in [
            (with_r_s(ex, &[0], &s), "r"),
            (with_r_s(ex, &q, &s), "r"),
            (with_r_s(ex, &ones, &s), "r"),
            (with_r_s(ex, &r, &[0]), "s"),
            (with_r_s(ex, &r, &q), "s"),
            (with_r_s(ex, &r, &ones), "s"),
        ] {
            assert_eq!(
                v(&xy, &digest, &sig),
                Err(GostError::SignatureOutOfRange(which))
            );
        }
        // Point not on the curve; coordinates not below p.
        let mut bad = xy.clone();
        bad[n] ^= 1;
        assert_eq!(
            v(&bad, &digest, &sig),
            Err(GostError::InvalidPublicKey("the point is not on the curve"))
        );
        let mut p_le = ex.params.modulus_be();
        p_le.reverse();
        let mut big_x = xy.clone();
        big_x[..n].copy_from_slice(&p_le);
        assert!(matches!(
            v(&big_x, &digest, &sig),
            Err(GostError::InvalidPublicKey(_))
        ));

        // Wrong lengths.
        assert!(matches!(
            v(&xy[..2 * n - 1], &digest, &sig),
            Err(GostError::BadLength {
                what: "public key",
                ..
            })
        ));
        assert!(matches!(
            v(&xy, &digest[1..], &sig),
            Err(GostError::BadLength { what: "digest", .. })
        ));
        assert!(matches!(
            v(&xy, &digest, &sig[1..]),
            Err(GostError::BadLength {
                what: "signature",
                ..
            })
        ));
        assert_eq!(
            CryptoError::from(v(&xy, &digest[1..], &sig).unwrap_err()),
            CryptoError::DigestLength {
                expected: n,
                actual: n - 1
            }
        );
    }
}

#[test]
fn wrong_curve_is_rejected() {
    // The test curve's key coordinates are not a point of CryptoPro A.
    assert!(matches!(
        gost::verify(
            ParamSet::CryptoProA,
            &A1.xy_le(),
            &A1.digest(),
            &A1.signature()
        ),
        Err(GostError::InvalidPublicKey(_))
    ));
    // A signature made on one curve does not verify with a key of another curve, even when
    // the key is a valid point there.
    let rng = TestRng::new("wrong curve");
    let a = PrivateKey::generate(ParamSet::CryptoProA, &rng).unwrap();
    let b = PrivateKey::generate(ParamSet::CryptoProB, &rng).unwrap();
    let digest = streebog256(b"wrong curve");
    let sig = a.sign_digest(&digest, &rng).unwrap();
    let err = b.public_key().verify_digest(&digest, &sig).unwrap_err();
    assert!(
        matches!(
            err,
            GostError::BadSignature | GostError::SignatureOutOfRange(_)
        ),
        "{err}"
    );
    // 256-bit signature and digest against a 512-bit key: lengths.
    let c = PrivateKey::generate(ParamSet::Tc26_512A, &rng).unwrap();
    assert!(matches!(
        c.public_key().verify_digest(&digest, &sig),
        Err(GostError::BadLength { .. })
    ));
}

#[test]
fn bad_private_keys_and_generators() {
    let q = ParamSet::CryptoProA.order_be();
    assert!(matches!(
        PrivateKey::from_scalar_be(ParamSet::CryptoProA, &[0]),
        Err(GostError::InvalidPrivateKey(_))
    ));
    assert!(matches!(
        PrivateKey::from_scalar_be(ParamSet::CryptoProA, &q),
        Err(GostError::InvalidPrivateKey(_))
    ));
    assert!(matches!(
        PrivateKey::from_scalar_be(ParamSet::CryptoProA, &[1; 33]),
        Err(GostError::BadLength { .. })
    ));
    let key = PrivateKey::from_scalar_be(ParamSet::CryptoProA, &[7]).unwrap();
    let digest = streebog256(b"m");
    // The generator's failure is reported as such.
    assert_eq!(
        key.sign_digest(&digest, &BrokenRng),
        Err(GostError::Random(CryptoError::Backend("no entropy")))
    );
    // A generator stuck at zero never yields a nonce; one stuck at 0xff never yields one below
    // q = 0xffff…b893 either (masked to 256 bits, 0xff…ff ≥ q).
    for stuck in [ConstRng(0), ConstRng(0xff)] {
        assert!(matches!(
            key.sign_digest(&digest, &stuck),
            Err(GostError::Random(_))
        ));
    }
    // The nonce k must be in range.
    assert!(matches!(
        key.sign_digest_with_k(&digest, &[0]),
        Err(GostError::InvalidPrivateKey(_))
    ));
    assert!(matches!(
        key.sign_digest_with_k(&digest, &q),
        Err(GostError::InvalidPrivateKey(_))
    ));
    // Debug output does not show the scalar.
    let shown = format!("{key:?}");
    assert!(
        shown.contains("PrivateKey") && !shown.contains("d_be"),
        "{shown}"
    );
}

#[test]
fn zero_digest_is_treated_as_one() {
    // GOST R 34.10-2012 §6.1 step 2: e = 0 becomes 1; a digest equal to q reduces to 0.
    let rng = TestRng::new("zero digest");
    for params in [ParamSet::CryptoProA, ParamSet::Tc26_512C] {
        let key = PrivateKey::generate(params, &rng).unwrap();
        let n = params.coordinate_len();
        let zero = vec![0u8; n];
        let mut one = vec![0u8; n];
        one[0] = 1;
        let mut q_le = params.order_be();
        q_le.reverse();
        let sig = key.sign_digest(&zero, &rng).unwrap();
        key.public_key().verify_digest(&one, &sig).unwrap();
        key.public_key().verify_digest(&q_le, &sig).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips on every parameter set.

#[test]
fn round_trip_on_every_parameter_set() {
    let rng = TestRng::new("round trip");
    for params in ParamSet::ALL {
        let key = PrivateKey::generate(params, &rng).unwrap();
        let public = key.public_key();
        let message = format!("round trip on {params}");
        let sig = key.sign_message(message.as_bytes(), &rng).unwrap();
        assert_eq!(sig.len(), 2 * params.coordinate_len());
        public.verify_message(message.as_bytes(), &sig).unwrap();
        assert_eq!(
            public.verify_message(b"another message", &sig),
            Err(GostError::BadSignature),
            "{params}"
        );
        // Fresh nonce per signature.
        assert_ne!(key.sign_message(message.as_bytes(), &rng).unwrap(), sig);

        // SubjectPublicKeyInfo and PKCS#8 round trips.
        let spki = public.to_spki_der();
        let back = PublicKey::from_spki_der(&spki).unwrap();
        assert_eq!(&back, public);
        back.verify_message(message.as_bytes(), &sig).unwrap();
        let pkcs8 = key.to_pkcs8_der();
        let key2 = PrivateKey::from_pkcs8_der(&pkcs8).unwrap();
        assert_eq!(key2.public_key(), public);
        assert_eq!(*key2.to_pkcs8_der(), *pkcs8);

        // The raw-bytes API agrees.
        let mut d_le = pkcs8[pkcs8.len() - params.coordinate_len()..].to_vec();
        let digest = key.algorithm().hash(message.as_bytes()).unwrap();
        let sig2 = gost::sign(params, &d_le, &digest, &rng).unwrap();
        gost::verify(params, public.xy_le(), &digest, &sig2).unwrap();
        d_le.fill(0);
    }
}

#[test]
fn key_algorithm_and_parameter_sizes_must_agree() {
    let rng = TestRng::new("sizes");
    let key = PrivateKey::generate(ParamSet::Tc26_512A, &rng).unwrap();
    let spki = key.public_key().to_spki_der();
    // Rewrite the algorithm OID 1.2.643.7.1.1.1.2 (512) as .1.1 (256).
    let needle = [0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01, 0x02];
    let pos = spki
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    let mut forged = spki.clone();
    forged[pos + needle.len() - 1] = 0x01;
    assert_eq!(
        PublicKey::from_spki_der(&forged),
        Err(GostError::ParamSetMismatch {
            algorithm: KeyAlgorithm::Gost2012_256,
            param_set: ParamSet::Tc26_512A
        })
    );
    // An unknown parameter set is named.
    let mut unknown = spki.clone();
    let ps = ParamSet::Tc26_512A.oid().to_der().unwrap();
    let pos = unknown.windows(ps.len()).position(|w| w == ps).unwrap();
    unknown[pos + ps.len() - 1] = 0x09;
    let err = PublicKey::from_spki_der(&unknown).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unsupported GOST R 34.10 parameter set 1.2.643.7.1.2.1.2.9"
    );
}

#[test]
fn pkcs8_forms_int_and_masked() {
    // The engine also reads a DER INTEGER (big-endian) and masked keys; so do we.
    let rng = TestRng::new("pkcs8 forms");
    let key = PrivateKey::generate(ParamSet::CryptoProB, &rng).unwrap();
    let der = key.to_pkcs8_der();
    let info = pkcs8::PrivateKeyInfoRef::from_der(&der).unwrap();
    let d_le = info.private_key.as_bytes().to_vec();
    let mut d_be = d_le.clone();
    d_be.reverse();

    let rewrap = |private_key: &[u8]| {
        let octets = der::asn1::OctetStringRef::new(private_key).unwrap();
        pkcs8::PrivateKeyInfoRef::new(info.algorithm, octets)
            .to_der()
            .unwrap()
    };
    let as_integer = der::asn1::UintRef::new(&d_be).unwrap().to_der().unwrap();
    let from_int = PrivateKey::from_pkcs8_der(&rewrap(&as_integer)).unwrap();
    assert_eq!(from_int.public_key(), key.public_key());

    // Masked: d = m0 · m1 mod q with m1 = 1 (little-endian), so m0 = d.
    let mut masked = d_le.clone();
    let mut one = vec![0u8; 32];
    one[0] = 1;
    masked.extend_from_slice(&one);
    let from_masked = PrivateKey::from_pkcs8_der(&rewrap(&masked)).unwrap();
    assert_eq!(from_masked.public_key(), key.public_key());
    // m1 = 2 and m0 = d/2: use d = 2·x by signing nothing, just check d·1 and 2·(d·2⁻¹)
    // agree through a key whose scalar is even.
    let even = PrivateKey::from_scalar_be(ParamSet::CryptoProB, &[0x2a]).unwrap();
    let mut m0 = vec![0u8; 32];
    m0[0] = 0x15;
    let mut m1 = vec![0u8; 32];
    m1[0] = 2;
    let masked2 = [m0.clone(), m1.clone()].concat();
    let from_masked2 = PrivateKey::from_pkcs8_der(&rewrap(&masked2)).unwrap();
    assert_eq!(from_masked2.public_key(), even.public_key());
    // The SEQUENCE { masked, public } form.
    #[derive(Sequence)]
    struct Masked<'a> {
        masked: &'a der::asn1::OctetStringRef,
        public: &'a der::asn1::OctetStringRef,
    }
    let seq = Masked {
        masked: der::asn1::OctetStringRef::new(&masked2).unwrap(),
        public: der::asn1::OctetStringRef::new(even.public_key().xy_le()).unwrap(),
    }
    .to_der()
    .unwrap();
    let from_seq = PrivateKey::from_pkcs8_der(&rewrap(&seq)).unwrap();
    assert_eq!(from_seq.public_key(), even.public_key());

    // Garbage is refused.
    assert!(matches!(
        PrivateKey::from_pkcs8_der(&rewrap(&[0x05, 0x00, 0x01])),
        Err(GostError::InvalidPrivateKey(_))
    ));
    assert!(matches!(
        PrivateKey::from_pkcs8_der(b"not DER"),
        Err(GostError::Malformed(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// OpenSSL GOST engine interop.

/// The engine's parameter set names, the curve and the OID each writes.
const OPENSSL_SETS: [(&str, ParamSet, &str); 13] = [
    ("gost2012_256-0", ParamSet::Test256, "1.2.643.2.2.35.0"),
    ("gost2012_256-A", ParamSet::CryptoProA, "1.2.643.2.2.35.1"),
    ("gost2012_256-B", ParamSet::CryptoProB, "1.2.643.2.2.35.2"),
    ("gost2012_256-C", ParamSet::CryptoProC, "1.2.643.2.2.35.3"),
    ("gost2012_256-XA", ParamSet::CryptoProA, "1.2.643.2.2.36.0"),
    ("gost2012_256-XB", ParamSet::CryptoProC, "1.2.643.2.2.36.1"),
    (
        "gost2012_256-TCA",
        ParamSet::Tc26_256A,
        "1.2.643.7.1.2.1.1.1",
    ),
    (
        "gost2012_256-TCB",
        ParamSet::CryptoProA,
        "1.2.643.7.1.2.1.1.2",
    ),
    (
        "gost2012_256-TCC",
        ParamSet::CryptoProB,
        "1.2.643.7.1.2.1.1.3",
    ),
    (
        "gost2012_256-TCD",
        ParamSet::CryptoProC,
        "1.2.643.7.1.2.1.1.4",
    ),
    ("gost2012_512-A", ParamSet::Tc26_512A, "1.2.643.7.1.2.1.2.1"),
    ("gost2012_512-B", ParamSet::Tc26_512B, "1.2.643.7.1.2.1.2.2"),
    ("gost2012_512-C", ParamSet::Tc26_512C, "1.2.643.7.1.2.1.2.3"),
];

fn pem(rel: &str) -> Vec<u8> {
    der::pem::decode_vec(&read(rel)).unwrap().1
}

/// ```text
/// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
/// ```
/// with the tbsCertificate kept as the exact bytes that were signed.
#[derive(Sequence)]
struct RawCertificate<'a> {
    tbs: AnyRef<'a>,
    algorithm: AlgorithmIdentifierRef<'a>,
    signature: BitStringRef<'a>,
}

#[test]
fn openssl_keys_parse() {
    for (name, params, oid) in OPENSSL_SETS {
        let spki = pem(&format!("gost/{name}.pub.pem"));
        let public = PublicKey::from_spki_der(&spki).unwrap();
        assert_eq!(public.params(), params, "{name}");
        assert_eq!(public.params_oid().to_string(), oid, "{name}");
        let key = PrivateKey::from_pkcs8_der(&pem(&format!("gost/{name}.key.pem"))).unwrap();
        assert_eq!(
            key.public_key(),
            &public,
            "{name}: d·P is the engine's public key"
        );
        if params.coordinate_len() == 32 {
            // Same encodings as the engine, byte for byte.
            assert_eq!(public.to_spki_der(), spki, "{name}");
            assert_eq!(
                *key.to_pkcs8_der(),
                pem(&format!("gost/{name}.key.pem")),
                "{name}"
            );
        }
    }
    // The LEGACY_PK_WRAP form: privateKey = DER OCTET STRING of the little-endian scalar.
    let wrapped = PrivateKey::from_pkcs8_der(&pem("gost/gost2012_256-A.key-wrapped.pem")).unwrap();
    let plain = PrivateKey::from_pkcs8_der(&pem("gost/gost2012_256-A.key.pem")).unwrap();
    assert_eq!(wrapped.public_key(), plain.public_key());
    assert_eq!(*wrapped.to_pkcs8_der(), *plain.to_pkcs8_der());
}

#[test]
fn openssl_certificates_verify() {
    for (name, params, _) in OPENSSL_SETS {
        let der = pem(&format!("gost/{name}.cert.pem"));
        let cert = RawCertificate::from_der(&der).unwrap();
        let tbs = cert.tbs.to_der().unwrap();
        assert!(
            der.windows(tbs.len()).any(|w| w == tbs),
            "exact tbsCertificate bytes"
        );
        let tbs_cert: x509_cert::TbsCertificate = Decode::from_der(&tbs).unwrap();
        let spki = tbs_cert.subject_public_key_info().to_der().unwrap();
        let public = PublicKey::from_spki_der(&spki).unwrap();
        assert_eq!(public.params(), params);
        // The certificate's signatureAlgorithm names the key's signature algorithm (the engine
        // writes NULL parameters).
        assert_eq!(
            cert.algorithm.oid,
            public.algorithm().signature_oid(),
            "{name}"
        );
        // signatureValue: the BIT STRING holds s ‖ r directly, like `openssl dgst` output.
        let sig = cert.signature.as_bytes().unwrap();
        assert_eq!(sig.len(), 2 * params.coordinate_len());
        public.verify_message(&tbs, sig).unwrap();
        let digest = public.algorithm().hash(&tbs).unwrap();
        public.verify_digest(&digest, sig).unwrap();
        // Swapping the halves (r ‖ s) does not verify: the order is s ‖ r.
        let n = params.coordinate_len();
        let swapped = [&sig[n..], &sig[..n]].concat();
        assert!(public.verify_digest(&digest, &swapped).is_err(), "{name}");
        // A modified tbsCertificate does not verify.
        let mut tampered = tbs.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(public.verify_message(&tampered, sig).is_err(), "{name}");
    }
}

#[test]
fn openssl_dgst_signatures_verify() {
    let message = read("gost/message.txt");
    for (name, _, _) in OPENSSL_SETS {
        let public = PublicKey::from_spki_der(&pem(&format!("gost/{name}.pub.pem"))).unwrap();
        let sig = read(&format!("gost/{name}.sig"));
        // `openssl dgst -sign` writes the same s ‖ r as the certificate's signatureValue.
        public.verify_message(&message, &sig).unwrap();
        assert_eq!(
            public.verify_message(b"another message", &sig),
            Err(GostError::BadSignature)
        );
    }
}

#[test]
fn openssl_gost2001_signature_verifies_from_its_digest() {
    // GOST R 34.10-2001 key (1.2.643.2.2.19) and a GOST R 34.11-94 signature made by the
    // OpenSSL GOST engine; its digest from `openssl dgst -md_gost94 -binary`.
    let public = PublicKey::from_spki_der(&pem("gost/gost2001-A.pub.pem")).unwrap();
    assert_eq!(public.algorithm(), KeyAlgorithm::Gost2001);
    assert_eq!(public.params(), ParamSet::CryptoProA);
    let digest = read("gost/message.gost94.bin");
    let sig = read("gost/gost2001-A.sig");
    public.verify_digest(&digest, &sig).unwrap();
    // GOST R 34.11-94 (CryptoPro parameters) gives the engine's digest, so the message verifies.
    let message = read("gost/message.txt");
    assert_eq!(
        signflow::crypto::gost::gost94_cryptopro(&message).to_vec(),
        digest
    );
    public.verify_message(&message, &sig).unwrap();
    let mut altered = message.clone();
    altered[0] ^= 1;
    assert_eq!(
        public.verify_message(&altered, &sig),
        Err(GostError::BadSignature)
    );
    let key = PrivateKey::from_pkcs8_der(&pem("gost/gost2001-A.key.pem")).unwrap();
    assert_eq!(key.public_key(), &public);
    assert_eq!(
        key.public_key().to_spki_der(),
        pem("gost/gost2001-A.pub.pem")
    );
}

/// Runs `openssl dgst -engine gost` if openssl and the GOST engine are installed; `None` (and
/// a note) otherwise.
fn openssl_gost(args: &[&str]) -> Option<std::process::Output> {
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let available = *AVAILABLE.get_or_init(|| {
        std::process::Command::new("openssl")
            .args(["engine", "gost"])
            .output()
            .is_ok_and(|out| out.status.success())
    });
    if !available {
        eprintln!("SKIPPED: openssl with the GOST engine is not available");
        return None;
    }
    let mut full = vec!["dgst", "-engine", "gost"];
    full.extend_from_slice(args);
    Some(
        std::process::Command::new("openssl")
            .args(&full)
            .output()
            .unwrap(),
    )
}

#[test]
fn openssl_accepts_our_signatures_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let msg = testdata("gost/message.txt");
    let message = read("gost/message.txt");
    let rng = TestRng::new("openssl interop");
    for (name, _, _) in OPENSSL_SETS {
        let key = PrivateKey::from_pkcs8_der(&pem(&format!("gost/{name}.key.pem"))).unwrap();
        let md = match key.algorithm() {
            KeyAlgorithm::Gost2012_512 => "-md_gost12_512",
            _ => "-md_gost12_256",
        };
        // Our signature, OpenSSL's verification.
        let sig_path = dir.path().join(format!("{name}.sig"));
        std::fs::write(&sig_path, key.sign_message(&message, &rng).unwrap()).unwrap();
        let pub_path = testdata(&format!("gost/{name}.pub.pem"));
        let Some(out) = openssl_gost(&[
            md,
            "-verify",
            pub_path.to_str().unwrap(),
            "-signature",
            sig_path.to_str().unwrap(),
            msg.to_str().unwrap(),
        ]) else {
            return;
        };
        assert!(
            out.status.success(),
            "openssl rejected our {name} signature: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Our PKCS#8 (for 512-bit keys it differs from the engine's), OpenSSL's signature.
        let key_path = dir.path().join(format!("{name}.key.der"));
        std::fs::write(&key_path, &*key.to_pkcs8_der()).unwrap();
        let sig2_path = dir.path().join(format!("{name}.openssl.sig"));
        let out = openssl_gost(&[
            md,
            "-sign",
            key_path.to_str().unwrap(),
            "-keyform",
            "DER",
            "-out",
            sig2_path.to_str().unwrap(),
            msg.to_str().unwrap(),
        ])
        .unwrap();
        assert!(
            out.status.success(),
            "openssl cannot use our {name} PKCS#8: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        key.public_key()
            .verify_message(&message, &std::fs::read(&sig2_path).unwrap())
            .unwrap();
    }
}

#[test]
fn errors_convert_to_crypto_errors() {
    assert_eq!(
        CryptoError::from(GostError::SignatureOutOfRange("r")),
        CryptoError::BadSignature
    );
    let e = CryptoError::from(GostError::UnsupportedParamSet(
        const_oid::ObjectIdentifier::new_unwrap("1.2.3"),
    ));
    assert!(e.to_string().contains("1.2.3"), "{e}");
    assert!(matches!(
        CryptoError::from(GostError::InvalidPublicKey("x")),
        CryptoError::InvalidPublicKey("x")
    ));
}
