//! Allocation budgets on the verification path, counted by a test allocator on the current
//! thread only: verifying a detached CMS signature never copies the content (the bytes
//! allocated stay far below the content's size, and do not grow with it), and a verification
//! whose signer path comes from the `ChainCache` allocates less than a cold one.
#![allow(unsafe_code)] // the counting allocator; the library itself forbids unsafe code

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use signflow::cms::{Content, SignOptions, SignedData, Signer, Verifier, VerifyOptions};
use signflow::crypto::CryptoProvider;
use signflow::pki::{Certificate, ChainCache, Crl, Status, TrustStore, UnixTime};

struct Counting;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ON.try_with(|on| {
            if on.get() {
                COUNT.with(|c| c.set(c.get() + 1));
                BYTES.with(|b| b.set(b.get() + layout.size() as u64));
            }
        });
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ON.try_with(|on| {
            if on.get() {
                COUNT.with(|c| c.set(c.get() + 1));
                BYTES.with(|b| b.set(b.get() + new_size as u64));
            }
        });
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// (allocations, bytes) made by `f` on this thread.
fn counted<T>(f: impl FnOnce() -> T) -> (T, u64, u64) {
    COUNT.with(|c| c.set(0));
    BYTES.with(|b| b.set(0));
    ON.with(|on| on.set(true));
    let out = f();
    ON.with(|on| on.set(false));
    (out, COUNT.with(Cell::get), BYTES.with(Cell::get))
}

fn setup() -> (TrustStore, Vec<Certificate>, Vec<Crl>) {
    let mut trust = TrustStore::new();
    trust
        .add_pem_or_der(&common::read("pki/root-ca.pem"))
        .unwrap();
    let inter = Certificate::all_from_pem_or_der(&common::read("pki/intermediate-ca.pem")).unwrap();
    let mut crls = Crl::all_from_pem_or_der(&common::read("pki/root-ca.crl.pem")).unwrap();
    crls.extend(Crl::all_from_pem_or_der(&common::read("pki/intermediate-ca.crl.pem")).unwrap());
    (trust, inter, crls)
}

/// The test PKI's ECDSA P-256 signer: its key and certificate.
fn signer(provider: &CryptoProvider) -> (Box<dyn signflow::crypto::SigningKey>, Vec<Certificate>) {
    let key = provider
        .load_private_key_pem(
            &String::from_utf8(common::read("pki/leaf-ecdsa-p256.key.pem")).unwrap(),
        )
        .unwrap();
    let cert = Certificate::all_from_pem_or_der(&common::read("pki/leaf-ecdsa-p256.pem")).unwrap();
    (key, cert)
}

#[test]
fn verify_path_allocations_stay_within_budget() {
    let provider = CryptoProvider::all_compiled()[0];
    let (trust, inter, crls) = setup();
    let (key, cert) = signer(provider);
    let at = UnixTime::from_utc(2027, 1, 1, 0, 0, 0);
    let signer = Signer::new(provider, &cert[0], &inter, SignOptions::at(at));
    let options = VerifyOptions::at(at);
    let verifier = Verifier::new(provider, &trust, inter.clone(), crls.clone());

    let mut by_size = Vec::new();
    for size in [1usize << 10, 1 << 20, 8 << 20] {
        let content = vec![0x5au8; size];
        let mut r: &[u8] = &content;
        let sd: SignedData = signer.sign(&*key, Content::Detached(&mut r)).unwrap();
        let (report, allocs, bytes) = counted(|| {
            verifier
                .verify_detached_bytes(&sd, &content, &options)
                .unwrap()
        });
        assert_eq!(report.status, Status::Valid);
        let mut reader: &[u8] = &content;
        let (report, _, streamed_bytes) =
            counted(|| verifier.verify(&sd, Some(&mut reader), &options).unwrap());
        assert_eq!(report.status, Status::Valid);
        eprintln!(
            "{size:>8} B content: {allocs} allocations, {bytes} B in memory; streamed {streamed_bytes} B"
        );
        // No copy of the content: what is allocated does not grow with it.
        assert!(bytes < 256 * 1024, "{size}: {bytes} B allocated");
        assert!(
            streamed_bytes < 512 * 1024,
            "{size}: {streamed_bytes} B allocated streaming"
        );
        by_size.push((allocs, bytes));
    }
    let (first, last) = (by_size[0], by_size[2]);
    assert!(
        last.1 < first.1 + 4096,
        "allocated bytes grew with the content: {first:?} → {last:?}"
    );

    // The cache: a repeat verification allocates a fraction of a cold one.
    let content = b"Act of acceptance".to_vec();
    let mut r: &[u8] = &content;
    let sd = signer.sign(&*key, Content::Detached(&mut r)).unwrap();
    let cache = ChainCache::new(16);
    let cached = Verifier::new(provider, &trust, inter, crls).with_cache(&cache);
    let (_, cold, _) = counted(|| {
        cached
            .verify_detached_bytes(&sd, &content, &options)
            .unwrap()
    });
    let (report, warm, _) = counted(|| {
        cached
            .verify_detached_bytes(&sd, &content, &options)
            .unwrap()
    });
    assert_eq!(report.status, Status::Valid);
    eprintln!("cold verification: {cold} allocations; chain from the cache: {warm}");
    // The cache saves the path's signature checks and CRL look-ups; parsing the embedded
    // certificates and building the report still allocate.
    assert!(warm < cold, "cached {warm} vs cold {cold}");
}

/// A verifier made from a [`TrustContext`] borrows the context's certificates and CRLs: what
/// one verification allocates does not depend on how many the context holds (issue #25).
#[test]
fn verification_allocations_do_not_grow_with_the_trust_context() {
    use signflow::pki::TrustContext;
    let provider = CryptoProvider::all_compiled()[0];
    let (trust, inter, crls) = setup();
    let (key, cert) = signer(provider);
    let at = UnixTime::from_utc(2027, 1, 1, 0, 0, 0);
    let content = b"Act of acceptance".to_vec();
    let mut r: &[u8] = &content;
    let sd = Signer::new(provider, &cert[0], &inter, SignOptions::at(at))
        .sign(&*key, Content::Detached(&mut r))
        .unwrap();
    // Unrelated material the context also holds: PKITS certificates and CRLs.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pkits");
    let mut names: Vec<_> = std::fs::read_dir(dir.join("certs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let other_certs: Vec<Certificate> = names
        .iter()
        .take(200)
        .filter_map(|p| Certificate::from_der(&std::fs::read(p).unwrap()).ok())
        .collect();
    let mut names: Vec<_> = std::fs::read_dir(dir.join("crls"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let other_crls: Vec<Crl> = names
        .iter()
        .take(100)
        .filter_map(|p| Crl::from_der(&std::fs::read(p).unwrap()).ok())
        .collect();
    assert!(other_certs.len() > 150 && other_crls.len() > 50);
    let options = VerifyOptions::at(at);
    let xml = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/xmldsig/xmlsec1-signed-rsa.xml"),
    )
    .unwrap();
    let mut counts = Vec::new();
    let mut xml_counts = Vec::new();
    for extra in [0, 10, 200] {
        let context = TrustContext::builder()
            .provider(provider)
            .anchors(trust.clone())
            .intermediates(inter.iter().cloned())
            .intermediates(other_certs.iter().take(extra).cloned())
            .crls(crls.iter().cloned())
            .crls(other_crls.iter().take(extra / 2).cloned())
            .build();
        let verifier = Verifier::from_context(&context);
        // Once first: one-time initialisations are not the verification's.
        verifier
            .verify_detached_bytes(&sd, &content, &options)
            .unwrap();
        let (report, allocs, _) = counted(|| {
            verifier
                .verify_detached_bytes(&sd, &content, &options)
                .unwrap()
        });
        assert_eq!(report.status, Status::Valid, "{report}");
        eprintln!(
            "{} intermediates, {} CRLs in the context: {allocs} allocations",
            context.intermediates().len(),
            context.crls().len()
        );
        counts.push(allocs);
        // XMLDSig likewise (its verifier borrows the same material).
        let xml_verifier = signflow::xmldsig::Verifier::from_context(&context).at(at);
        xml_verifier.verify(&xml).unwrap();
        let (result, allocs, _) = counted(|| xml_verifier.verify(&xml).unwrap());
        assert_eq!(result.status, Status::Valid, "{result}");
        xml_counts.push(allocs);
    }
    assert!(
        counts.iter().all(|&c| c == counts[0]),
        "allocations grew with the context: {counts:?}"
    );
    assert!(
        xml_counts.iter().all(|&c| c == xml_counts[0]),
        "XML verification allocations grew with the context: {xml_counts:?}"
    );
}
