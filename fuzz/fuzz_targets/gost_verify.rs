//! GOST R 34.10-2012 verification with arbitrary keys, points and signatures.
//!
//! Two kinds of input, chosen by the first byte:
//! - a DER SEQUENCE (0x30): `SubjectPublicKeyInfo ‖ signature ‖ message`, where the SPKI's
//!   length comes from its DER header and the signature is as long as the key's size asks (64
//!   bytes when the key does not parse). The seeds are the GOST engine's keys and signatures
//!   from testdata/gost. A key that parses re-encodes to an equal key, and the key's own
//!   verification and both providers' agree.
//! - anything else: `params ‖ x ‖ y ‖ digest ‖ signature ‖ d ‖ k ‖ message` on one of the nine
//!   curves. The arbitrary point (x, y) goes through key validation and verification. Then
//!   `d·P` is a valid point: a signature made with `d` and the nonce `k` verifies (natively and
//!   through both providers), and fails for another digest or a changed signature.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::crypto::gost::{self, KeyAlgorithm, ParamSet, PrivateKey, PublicKey};
use signflow::crypto::{CryptoProvider, SignatureAlgorithm, aws_lc, rustcrypto};

const PROVIDERS: [&CryptoProvider; 2] = [&aws_lc::DEFAULT_PROVIDER, &rustcrypto::DEFAULT_PROVIDER];

fuzz_target!(|data: &[u8]| {
    if data.first() == Some(&0x30) {
        spki_input(data);
    } else if let Some((&p, rest)) = data.split_first() {
        raw_input(ParamSet::ALL[p as usize % ParamSet::ALL.len()], rest);
    }
});

/// Length of the DER TLV at the start of `b` (definite lengths up to 4 length bytes).
fn tlv_len(b: &[u8]) -> Option<usize> {
    let first = *b.get(1)? as usize;
    let (header, len) = if first < 0x80 {
        (2, first)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let len = b
            .get(2..2 + n)?
            .iter()
            .fold(0usize, |a, &x| a << 8 | x as usize);
        (2 + n, len)
    };
    header.checked_add(len).filter(|&t| t <= b.len())
}

fn algorithm_for(key: KeyAlgorithm) -> Option<SignatureAlgorithm> {
    match key {
        KeyAlgorithm::Gost2012_256 => Some(SignatureAlgorithm::Gost2012_256),
        KeyAlgorithm::Gost2012_512 => Some(SignatureAlgorithm::Gost2012_512),
        _ => None,
    }
}

fn spki_input(data: &[u8]) {
    let len = tlv_len(data).unwrap_or(data.len());
    let (spki, rest) = data.split_at(len);
    let key = gost::parse_spki(spki);
    let sig_len = key
        .as_ref()
        .map_or(64, |k| 2 * k.params().coordinate_len())
        .min(rest.len());
    let (signature, message) = rest.split_at(sig_len);
    let providers = |alg: &SignatureAlgorithm| -> bool {
        let results = PROVIDERS.map(|p| p.verify(alg, spki, message, signature).is_ok());
        assert_eq!(results[0], results[1], "providers disagree on {alg}");
        results[0]
    };
    match key {
        Ok(key) => {
            let again = PublicKey::from_spki_der(&key.to_spki_der()).expect("own SPKI parses");
            assert_eq!(again, key);
            let native = key.verify_message(message, signature).is_ok();
            if let Some(alg) = algorithm_for(key.algorithm()) {
                assert_eq!(providers(&alg), native, "provider and key disagree");
            }
            let digest = streebog_for(key.params(), message);
            let _ = key.verify_digest(&digest, signature);
        }
        Err(_) => {
            assert!(!providers(&SignatureAlgorithm::Gost2012_256));
            assert!(!providers(&SignatureAlgorithm::Gost2012_512));
        }
    }
}

fn streebog_for(params: ParamSet, message: &[u8]) -> Vec<u8> {
    match params.coordinate_len() {
        32 => gost::streebog256(message).to_vec(),
        _ => gost::streebog512(message).to_vec(),
    }
}

fn raw_input(params: ParamSet, data: &[u8]) {
    let n = params.coordinate_len();
    let mut rest = data;
    let mut take = |len: usize| {
        let (a, b) = rest.split_at(len.min(rest.len()));
        rest = b;
        a
    };
    let xy = take(2 * n);
    let digest = take(n);
    let signature = take(2 * n);
    let d = take(n);
    let k = take(n);
    let message = take(usize::MAX);

    // An arbitrary point: validated, never trusted blindly.
    let by_key = PublicKey::from_xy_le(params, xy);
    let direct = gost::verify(params, xy, digest, signature);
    match &by_key {
        Ok(key) => assert_eq!(key.verify_digest(digest, signature).is_ok(), direct.is_ok()),
        Err(_) => assert!(
            direct.is_err(),
            "a signature verified under an invalid point"
        ),
    }

    // A point known to be valid: d·P, with a signature made for it.
    let Ok(private) = PrivateKey::from_scalar_le(params, d) else {
        return;
    };
    let public = private.public_key();
    assert_eq!(
        &PublicKey::from_xy_le(params, public.xy_le()).expect("d·P is a valid key"),
        public
    );
    let _ = public.verify_digest(digest, signature);
    if digest.len() != n {
        return;
    }
    let Ok(sig) = gost::sign_with_k(params, d, digest, k) else {
        return;
    };
    public
        .verify_digest(digest, &sig)
        .expect("own signature verifies");
    let mut other = digest.to_vec();
    other[n / 2] ^= 1;
    assert!(
        public.verify_digest(&other, &sig).is_err(),
        "verifies for another digest"
    );
    let mut changed = sig.clone();
    changed[n / 3] ^= 0x10;
    assert!(
        public.verify_digest(digest, &changed).is_err(),
        "changed signature verifies"
    );

    // Through the providers, over a message.
    let alg = algorithm_for(public.algorithm()).expect("a 2012 key");
    let spki = public.to_spki_der();
    let message_digest = streebog_for(params, message);
    let Ok(sig) = gost::sign_with_k(params, d, &message_digest, k) else {
        return;
    };
    for p in PROVIDERS {
        p.verify(&alg, &spki, message, &sig)
            .expect("provider verifies own signature");
        p.verify_prehashed(&alg, &spki, &message_digest, &sig)
            .expect("provider verifies own signature over the digest");
    }
    let mut changed = sig;
    changed[n / 3] ^= 0x10;
    for p in PROVIDERS {
        assert!(
            p.verify(&alg, &spki, message, &changed).is_err(),
            "changed signature verifies"
        );
    }
}
