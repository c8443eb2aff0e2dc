//! signflow's native GOST beside OpenSSL's GOST engine (`libengine-gost-openssl`), in-process.
//!
//! A separate bench target (its own process) because the engine is loaded through an OpenSSL
//! configuration (`OPENSSL_CONF`, written by `main` before OpenSSL initialises): the `openssl`
//! crate does not wrap the ENGINE API, and the engine registered as a default must not touch
//! the `compare` run's other OpenSSL measurements.
//!
//! Keys: `testdata/gost/gost2012_256-A.key.pem` (GOST R 34.10-2012 256-bit, CryptoPro A
//! parameters, 1.2.643.2.2.35.1) and `gost2012_512-A.key.pem` (512-bit, tc26 512 A), made by
//! the engine. Message: the same fixed 1 KiB as `compare`. Signatures: `s ‖ r`, the engine's
//! and signflow's native form.
//!
//! - `gost-verify/<key>/{signflow-aws-lc-rs,signflow-rustcrypto}`:
//!   `CryptoProvider::verify(Gost2012_256/512, spki_der, msg, sig)` (parses and checks the key
//!   on every call; Streebog of the message included), with the engine's SPKI (`.pub.pem`),
//!   the same bytes OpenSSL reads. signflow's GOST is its own code
//!   (`crypto::gost`, on `crypto-bigint`) whichever backend is selected: the two columns run
//!   the same code.
//! - `gost-verify/<key>/openssl`: one-shot `openssl::sign::Verifier` with `md_gost12_256` /
//!   `md_gost12_512` on a `PKey` parsed once; `.../openssl-parse-spki` parses the SPKI DER per
//!   call, as signflow's API does.
//! - `gost-sign/<key>/...`: one signature, keys loaded once; nonces random on both sides.
//! - `gost-digest/streebog256-1MiB/...`, `gost-digest/streebog512-1MiB/...`: Streebog-256 and
//!   Streebog-512 of 1 MiB (signflow `CryptoProvider::digest(Streebog256/512, ..)`, OpenSSL
//!   `openssl::hash::hash(md_gost12_256/512)`).
//!
//! Before measuring: both sides derive the same public key, every implementation's signature
//! verifies under every other, a tampered message is refused by all, and the digests are equal
//! (and both Streebog sizes match RFC 6986's example M1).
//!
//! Run: `cargo bench --bench gost -- --warm-up-time 1 --measurement-time 3` in this folder,
//! then `python3 table.py`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::sign::{Signer, Verifier};
use signflow::crypto::{
    CryptoProvider, HashAlgorithm, SignatureAlgorithm, SigningKey, aws_lc, rustcrypto,
};

/// Where Debian's `libengine-gost-openssl` puts the engine (`dpkg -L libengine-gost-openssl`).
const ENGINE_PATH: &str = "/usr/lib/x86_64-linux-gnu/engines-3/gost.so";

const SIGNFLOW: [(&str, &CryptoProvider); 2] = [
    ("signflow-aws-lc-rs", &aws_lc::DEFAULT_PROVIDER),
    ("signflow-rustcrypto", &rustcrypto::DEFAULT_PROVIDER),
];

struct Case {
    name: &'static str,
    alg: SignatureAlgorithm,
    md: &'static str,
    key_pem: &'static str,
    pub_pem: &'static str,
    /// Length of the public point x ‖ y.
    point_len: usize,
}

const CASES: &[Case] = &[
    Case {
        name: "gost2012-256-A",
        alg: SignatureAlgorithm::Gost2012_256,
        md: "md_gost12_256",
        key_pem: include_str!("../../../testdata/gost/gost2012_256-A.key.pem"),
        pub_pem: include_str!("../../../testdata/gost/gost2012_256-A.pub.pem"),
        point_len: 64,
    },
    Case {
        name: "gost2012-512-A",
        alg: SignatureAlgorithm::Gost2012_512,
        md: "md_gost12_512",
        key_pem: include_str!("../../../testdata/gost/gost2012_512-A.key.pem"),
        pub_pem: include_str!("../../../testdata/gost/gost2012_512-A.pub.pem"),
        point_len: 128,
    },
];

/// The same fixed 1 KiB message as `compare` and `benches/verify.rs`.
fn message() -> Vec<u8> {
    (0..1024u32)
        .map(|i| (i.wrapping_mul(31) ^ 0x5a) as u8)
        .collect()
}

fn md(name: &str) -> MessageDigest {
    MessageDigest::from_name(name)
        .unwrap_or_else(|| panic!("OpenSSL knows {name}: is the GOST engine loaded?"))
}

fn ossl_sign(case: &Case, key: &PKey<Private>, msg: &[u8]) -> Vec<u8> {
    let mut signer = Signer::new(md(case.md), key).expect("OpenSSL signer");
    signer.sign_oneshot_to_vec(msg).expect("OpenSSL signs")
}

fn ossl_verify(case: &Case, key: &PKey<Public>, msg: &[u8], sig: &[u8]) -> bool {
    let mut verifier = Verifier::new(md(case.md), key).expect("OpenSSL verifier");
    verifier.verify_oneshot(sig, msg).unwrap_or(false)
}

struct Loaded {
    signflow_keys: Vec<(&'static str, &'static CryptoProvider, Box<dyn SigningKey>)>,
    ossl_key: PKey<Private>,
    ossl_pub: PKey<Public>,
    spki: Vec<u8>,
}

fn load(case: &Case, msg: &[u8]) -> Loaded {
    let signflow_keys: Vec<_> = SIGNFLOW
        .iter()
        .map(|&(name, p)| {
            let key = p
                .load_private_key_pem(case.key_pem)
                .unwrap_or_else(|e| panic!("{}: {name} cannot load the key: {e}", case.name));
            (name, p, key)
        })
        .collect();
    let ossl_key = PKey::private_key_from_pem(case.key_pem.as_bytes())
        .expect("OpenSSL reads the GOST key (engine loaded)");
    // Both sides verify with the engine's SubjectPublicKeyInfo (`.pub.pem`): signflow writes
    // the 512-bit A key's SPKI without the optional digestParamSet, so the DER differs; the
    // point (the last `2 × size` bytes, x ‖ y) must not.
    let spki = PKey::public_key_from_pem(case.pub_pem.as_bytes())
        .and_then(|k| k.public_key_to_der())
        .expect("OpenSSL reads the engine's public key");
    assert_eq!(
        ossl_key.public_key_to_der().expect("SPKI"),
        spki,
        "{}: the key file and the .pub.pem",
        case.name
    );
    let point = spki.len() - case.point_len;
    for (name, _, key) in &signflow_keys {
        assert!(
            key.public_key_der().ends_with(&spki[point..]),
            "{}: {name} derives the same public point as OpenSSL",
            case.name
        );
    }
    let ossl_pub = PKey::public_key_from_der(&spki).expect("SPKI");

    let mut signatures: Vec<(&str, Vec<u8>)> = signflow_keys
        .iter()
        .map(|(name, _, key)| (*name, key.sign(&case.alg, msg).expect("signflow signs")))
        .collect();
    signatures.push(("openssl", ossl_sign(case, &ossl_key, msg)));
    let mut tampered = msg.to_vec();
    tampered[0] ^= 1;
    for (signer, sig) in &signatures {
        for (verifier, p, _) in &signflow_keys {
            p.verify(&case.alg, &spki, msg, sig).unwrap_or_else(|e| {
                panic!("{}: {signer} signature, {verifier} verify: {e}", case.name)
            });
            assert!(
                p.verify(&case.alg, &spki, &tampered, sig).is_err(),
                "{}: {verifier} accepts a tampered message",
                case.name
            );
        }
        assert!(
            ossl_verify(case, &ossl_pub, msg, sig),
            "{}: {signer} signature, OpenSSL verify",
            case.name
        );
        assert!(
            !ossl_verify(case, &ossl_pub, &tampered, sig),
            "{}: OpenSSL accepts a tampered message",
            case.name
        );
    }
    Loaded {
        signflow_keys,
        ossl_key,
        ossl_pub,
        spki,
    }
}

fn bench_gost(c: &mut Criterion) {
    let msg = message();
    for case in CASES {
        let l = load(case, &msg);
        // One signature, made by OpenSSL, verified by all.
        let sig = ossl_sign(case, &l.ossl_key, &msg);

        let mut group = c.benchmark_group(format!("gost-verify/{}", case.name));
        for (name, p, _) in &l.signflow_keys {
            group.bench_function(*name, |b| {
                b.iter(|| {
                    p.verify(
                        &case.alg,
                        black_box(&l.spki),
                        black_box(&msg),
                        black_box(&sig),
                    )
                    .expect("verifies")
                })
            });
        }
        group.bench_function("openssl", |b| {
            b.iter(|| {
                assert!(ossl_verify(
                    case,
                    &l.ossl_pub,
                    black_box(&msg),
                    black_box(&sig)
                ))
            })
        });
        group.bench_function("openssl-parse-spki", |b| {
            b.iter(|| {
                let key = PKey::public_key_from_der(black_box(&l.spki)).expect("SPKI");
                assert!(ossl_verify(case, &key, black_box(&msg), black_box(&sig)))
            })
        });
        group.finish();

        let mut group = c.benchmark_group(format!("gost-sign/{}", case.name));
        for (name, _, key) in &l.signflow_keys {
            group.bench_function(*name, |b| {
                b.iter(|| key.sign(&case.alg, black_box(&msg)).expect("signs"))
            });
        }
        group.bench_function("openssl", |b| {
            b.iter(|| ossl_sign(case, &l.ossl_key, black_box(&msg)))
        });
        group.finish();
    }

    // RFC 6986 §10.1, example M1 (the digests below are in the usual byte order: the RFC's
    // hex numbers reversed).
    let m1 = b"012345678901234567890123456789012345678901234567890123456789012";
    let hex = |d: &[u8]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let data: Vec<u8> = (0..1usize << 20).map(|i| (i % 251) as u8).collect();
    for (alg, md_name, label, m1_digest) in [
        (
            HashAlgorithm::Streebog256,
            "md_gost12_256",
            "streebog256-1MiB",
            "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500",
        ),
        (
            HashAlgorithm::Streebog512,
            "md_gost12_512",
            "streebog512-1MiB",
            "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa\
             00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48",
        ),
    ] {
        let streebog = md(md_name);
        assert_eq!(
            hex(&openssl::hash::hash(streebog, m1).expect("hash")),
            m1_digest
        );
        let expected = openssl::hash::hash(streebog, &data).expect("Streebog");
        let mut group = c.benchmark_group(format!("gost-digest/{label}"));
        group.throughput(Throughput::Bytes(data.len() as u64));
        for (name, p) in SIGNFLOW {
            let d = p.digest(alg, m1).expect("Streebog");
            assert_eq!(hex(d.as_ref()), m1_digest, "{name}: RFC 6986 M1");
            let d = p.digest(alg, &data).expect("Streebog");
            assert_eq!(d.as_ref(), &expected[..], "{name} {label} = OpenSSL's");
            group.bench_function(name, |b| {
                b.iter(|| p.digest(alg, black_box(&data)).expect("Streebog"));
            });
        }
        group.bench_function("openssl", |b| {
            b.iter(|| openssl::hash::hash(streebog, black_box(&data)).expect("Streebog"));
        });
        group.finish();
    }
}

criterion_group!(benches, bench_gost);

/// Points OpenSSL at a configuration that loads the GOST engine and makes it the default for
/// its algorithms; must run before OpenSSL initialises.
fn load_gost_engine() {
    assert!(
        std::path::Path::new(ENGINE_PATH).exists(),
        "{ENGINE_PATH} missing: apt-get install libengine-gost-openssl"
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&dir).expect("target directory");
    let conf = dir.join("openssl-gost.cnf");
    std::fs::write(
        &conf,
        format!(
            "openssl_conf = openssl_def\n\
             [openssl_def]\nengines = engine_section\n\
             [engine_section]\ngost = gost_section\n\
             [gost_section]\nengine_id = gost\ndynamic_path = {ENGINE_PATH}\n\
             default_algorithms = ALL\n"
        ),
    )
    .expect("write the OpenSSL configuration");
    // SAFETY: called first thing in `main`, before any other thread exists and before
    // OpenSSL (which reads the variable once, at initialisation) is used.
    unsafe { std::env::set_var("OPENSSL_CONF", &conf) };
    openssl::init();
}


/// `GOST_MIN_OF_MANY=ROUNDS`: instead of criterion, signflow (first backend) and the engine in
/// alternating rounds of 20 calls each (2 for Streebog over 1 MiB), the fastest round of each
/// kept (µs per call; ms for Streebog). On a
/// shared, loaded machine the minimum is the figure least moved by other processes, and
/// alternating the two sides exposes both to the same load.
fn min_of_many(rounds: usize) {
    let msg = message();
    let per = 20;
    let time = |f: &mut dyn FnMut()| {
        let t = std::time::Instant::now();
        for _ in 0..per {
            f();
        }
        t.elapsed().as_secs_f64() * 1e6 / per as f64
    };
    println!("| operation | signflow (min) | OpenSSL + GOST engine (min) | ratio |");
    println!("|---|---:|---:|---:|");
    for case in CASES {
        let l = load(case, &msg);
        let sig = ossl_sign(case, &l.ossl_key, &msg);
        let (_, p, key) = &l.signflow_keys[0];
        let mut best = [f64::MAX; 4];
        for _ in 0..rounds {
            best[0] = best[0].min(time(&mut || {
                p.verify(&case.alg, black_box(&l.spki), black_box(&msg), black_box(&sig))
                    .expect("verifies")
            }));
            best[1] = best[1].min(time(&mut || {
                assert!(ossl_verify(case, &l.ossl_pub, black_box(&msg), black_box(&sig)))
            }));
            best[2] = best[2].min(time(&mut || {
                black_box(key.sign(&case.alg, black_box(&msg)).expect("signs"));
            }));
            best[3] = best[3].min(time(&mut || {
                black_box(ossl_sign(case, &l.ossl_key, black_box(&msg)));
            }));
        }
        for (op, a, b) in [("verify", best[0], best[1]), ("sign", best[2], best[3])] {
            println!(
                "| {op} {} | {a:.1} µs | {b:.1} µs | {:.2}× |",
                case.name,
                a / b
            );
        }
    }
    // Streebog over 1 MiB, in rounds of 2 calls (a call takes milliseconds), checked against
    // the engine's digest first.
    let data: Vec<u8> = (0..1usize << 20).map(|i| (i % 251) as u8).collect();
    let (name, p) = &SIGNFLOW[0];
    for (alg, md_name, label) in [
        (HashAlgorithm::Streebog256, "md_gost12_256", "Streebog-256, 1 MiB"),
        (HashAlgorithm::Streebog512, "md_gost12_512", "Streebog-512, 1 MiB"),
    ] {
        let streebog = md(md_name);
        let expected = openssl::hash::hash(streebog, &data).expect("Streebog");
        let ours = p.digest(alg, &data).expect("Streebog");
        assert_eq!(ours.as_ref(), &expected[..], "{name} {label} = OpenSSL's");
        let time = |f: &mut dyn FnMut()| {
            let t = std::time::Instant::now();
            f();
            f();
            t.elapsed().as_secs_f64() * 1e3 / 2.0
        };
        let mut best = [f64::MAX; 2];
        for _ in 0..rounds {
            best[0] = best[0].min(time(&mut || {
                black_box(p.digest(alg, black_box(&data)).expect("Streebog"));
            }));
            best[1] = best[1].min(time(&mut || {
                black_box(openssl::hash::hash(streebog, black_box(&data)).expect("Streebog"));
            }));
        }
        println!(
            "| {label} | {:.3} ms | {:.3} ms | {:.2}× |",
            best[0],
            best[1],
            best[0] / best[1]
        );
    }
}

fn main() {
    load_gost_engine();
    if let Some(rounds) = std::env::var("GOST_MIN_OF_MANY").ok().and_then(|v| v.parse().ok()) {
        min_of_many(rounds);
        return;
    }
    eprintln!(
        "gost: OpenSSL {} with the GOST engine",
        openssl::version::version()
    );
    benches();
    Criterion::default().configure_from_args().final_summary();
}
