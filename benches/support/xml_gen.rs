//! Enveloped-signed XML documents of a given size for `benches/xmldsig.rs`, generated on first
//! use and cached under `target/bench-data/`.
//!
//! The document (before signing): an XML declaration, then
//! `<Register xmlns="urn:signflow:bench" version="1">` holding `<Item n="i" kind="...">`
//! elements, one per line, each with a line of text (a counter and a fixed sentence with `&amp;`,
//! so canonicalization has escaping to do), until the unsigned document reaches the size asked.
//! Signed with signflow's own [`signflow::xmldsig::sign`]: `testdata/pki/leaf-rsa.key.pem`
//! (RSA-2048 PKCS#1 v1.5 SHA-256), `leaf-rsa.pem` plus `intermediate-ca.pem` in KeyInfo,
//! exclusive C14N without comments, SHA-256 Reference digest, enveloped (`URI=""`, Signature
//! as the root's last child).
//!
//! The cache file's name carries [`VERSION`] and the size; a cached file is reused as it is
//! (the bench checks every file it uses before measuring, so a stale one fails loudly).

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use signflow::crypto::CryptoProvider;
use signflow::pki::Certificate;
use signflow::xmldsig::{SignOptions, sign};

/// Bump when the document layout changes.
pub const VERSION: u32 = 1;

pub const LEAF_RSA_PEM: &[u8] = include_bytes!("../../testdata/pki/leaf-rsa.pem");
pub const LEAF_RSA_KEY_PEM: &str = include_str!("../../testdata/pki/leaf-rsa.key.pem");
pub const INTERMEDIATE_PEM: &[u8] = include_bytes!("../../testdata/pki/intermediate-ca.pem");

/// `target/bench-data/xmldsig-<name>-v<VERSION>.xml` under a crate root.
pub fn cache_path(crate_root: &Path, name: &str) -> PathBuf {
    crate_root
        .join("target")
        .join("bench-data")
        .join(format!("xmldsig-{name}-v{VERSION}.xml"))
}

/// The unsigned document, at least `size` bytes (it stops after the first item past it).
pub fn unsigned(size: usize) -> Vec<u8> {
    let mut s = String::with_capacity(size + 256);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str("<Register xmlns=\"urn:signflow:bench\" version=\"1\">\n");
    let mut i = 0u64;
    while s.len() < size {
        let kind = ["invoice", "act", "waybill", "contract"][(i % 4) as usize];
        let _ = writeln!(
            s,
            "  <Item n=\"{i}\" kind=\"{kind}\">Line {i:08}: goods &amp; services delivered \
             under contract, amount {}.{:02} RUB</Item>",
            (i * 7919) % 1_000_000,
            i % 100
        );
        i += 1;
    }
    s.push_str("</Register>\n");
    s.into_bytes()
}

/// Signs [`unsigned`]`(size)` as described in the module header.
pub fn signed(provider: &CryptoProvider, size: usize) -> Vec<u8> {
    let cert = Certificate::all_from_pem_or_der(LEAF_RSA_PEM)
        .expect("leaf certificate")
        .remove(0);
    let chain = Certificate::all_from_pem_or_der(INTERMEDIATE_PEM).expect("intermediate");
    let key = provider
        .load_private_key_pem(LEAF_RSA_KEY_PEM)
        .expect("leaf key");
    // Defaults: key's algorithm (rsa-sha256), its hash for the digest, exclusive C14N,
    // enveloped with the Signature as the root's last child, the chain in KeyInfo.
    sign(
        provider,
        key.as_ref(),
        &cert,
        &chain,
        &unsigned(size),
        &SignOptions::default(),
    )
    .expect("signflow signs the bench document")
}

/// The cached signed document of `size` bytes called `name`, generated if absent.
pub fn load_or_generate(
    crate_root: &Path,
    provider: &CryptoProvider,
    name: &str,
    size: usize,
) -> PathBuf {
    let path = cache_path(crate_root, name);
    if !path.exists() {
        let dir = path.parent().expect("bench-data directory");
        std::fs::create_dir_all(dir).expect("create the bench-data directory");
        let xml = signed(provider, size);
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, &xml).expect("write the bench document");
        std::fs::rename(&tmp, &path).expect("move the bench document into place");
    }
    path
}

/// The same signed document with `crl_pems` (PEM CRLs) added to its KeyInfo, as
/// `<ds:X509CRL>` elements at the end of `<ds:X509Data>`, for `xmlsec1`: its 1.2 command line
/// has no option to load CRLs and checks only those found in KeyInfo. KeyInfo is outside
/// SignedInfo and inside the Signature the enveloped transform removes, so the signature
/// stays valid; signflow ignores KeyInfo CRLs (it takes them from the caller).
pub fn with_crls(xml: &[u8], crl_pems: &[&str]) -> Vec<u8> {
    let mut elements = String::new();
    for pem in crl_pems {
        elements.push_str("<ds:X509CRL>");
        for line in pem.lines().filter(|l| !l.starts_with("-----")) {
            elements.push_str(line.trim());
        }
        elements.push_str("</ds:X509CRL>");
    }
    let end = b"</ds:X509Data>";
    let at = xml
        .windows(end.len())
        .rposition(|w| w == end)
        .expect("the signature has X509Data");
    let mut out = Vec::with_capacity(xml.len() + elements.len());
    out.extend_from_slice(&xml[..at]);
    out.extend_from_slice(elements.as_bytes());
    out.extend_from_slice(&xml[at..]);
    out
}

/// A copy of `xml` with one character of the text of the middle `<Item>` changed (`L` of
/// "Line" to `K`): still well-formed, same size, a different digest.
pub fn tampered(xml: &[u8]) -> Vec<u8> {
    let mut out = xml.to_vec();
    let needle = b">Line ";
    let start = xml.len() / 2;
    let at = xml[start..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| start + p + 1)
        .expect("an <Item> after the middle");
    out[at] = b'K';
    out
}
