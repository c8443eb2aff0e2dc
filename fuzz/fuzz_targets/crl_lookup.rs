//! CRL parsing, lookup by serial and revocation checking.
//!
//! Two kinds of input, chosen by the first byte:
//! - a DER SEQUENCE (0x30): a hostile CRL. Parsing never panics; a CRL that parses answers
//!   lookups by serials cut from the input, and is used (with the test PKI's own CRLs) to check
//!   the test PKI's leaf, which runs the RFC 5280 §6.3 scope, IDP and reason logic on it.
//! - anything else: a recipe for a well-formed CRL (serials, reason codes, dates, indirect
//!   entries naming other issuers) that this target encodes itself. Each entry must then be
//!   found under its (issuer, serial) with its own reason and date, the first of duplicates
//!   wins, the entry count is exact, and serials or issuers that were never listed are not
//!   found.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use signflow::crypto::aws_lc;
use signflow::pki::{
    Certificate, Crl, DistinguishedName, RevocationReason, TrustStore, UnixTime, ValidationOptions,
    Validator,
};

const ROOT: &[u8] = include_bytes!("../../testdata/pki/root-ca.pem");
const INTERMEDIATE: &[u8] = include_bytes!("../../testdata/pki/intermediate-ca.pem");
const LEAF: &[u8] = include_bytes!("../../testdata/pki/leaf-rsa.pem");
const ROOT_CRL: &[u8] = include_bytes!("../../testdata/pki/root-ca.crl.der");

fuzz_target!(|data: &[u8]| {
    if data.first() == Some(&0x30) {
        hostile(data);
    } else {
        let _ = built(&mut Unstructured::new(data));
    }
});

fn hostile(data: &[u8]) {
    let Ok(crl) = Crl::from_der(data) else { return };
    assert!(
        crl.len() <= data.len() / 2,
        "more entries than bytes can hold"
    );
    assert_eq!(crl.der(), data);
    let _ = crl.signature_algorithm();
    let _ = (crl.number_hex(), crl.delta_base(), crl.authority_key_id());
    let _ = (crl.issuing_distribution_point(), crl.unknown_critical());
    for serial in data.chunks(7).take(64) {
        let _ = crl.lookup(crl.issuer(), serial);
    }

    let mut trust = TrustStore::new();
    trust.add_pem_or_der(ROOT).expect("test root");
    let intermediates = Certificate::all_from_pem_or_der(INTERMEDIATE).expect("intermediate");
    let leaf = Certificate::all_from_pem_or_der(LEAF)
        .expect("leaf")
        .remove(0);
    let crls = vec![Crl::from_der(ROOT_CRL).expect("root CRL"), crl];
    let validator = Validator::new(&aws_lc::DEFAULT_PROVIDER, &trust, intermediates, crls);
    let _ = validator.validate(&leaf, &ValidationOptions::at(UnixTime(1_800_000_000)));
}

// ---- a CRL built from a recipe ------------------------------------------------------------

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = (n as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// Name ::= SEQUENCE OF RDN; one RDN holding CN=`cn`.
fn name(cn: &str) -> Vec<u8> {
    let cn_oid = tlv(0x06, &[0x55, 0x04, 0x03]);
    let atv = seq(&[cn_oid, tlv(0x0c, cn.as_bytes())]);
    seq(&[tlv(0x31, &atv)])
}

/// UTCTime (years 1950–2049) for a time given as seconds from 2000-01-01 within 49 years.
fn utc_time(year: i64, month: u32, day: u32, h: u32, m: u32, s: u32) -> (Vec<u8>, UnixTime) {
    let text = format!(
        "{:02}{month:02}{day:02}{h:02}{m:02}{s:02}Z",
        year.rem_euclid(100)
    );
    (
        tlv(0x17, text.as_bytes()),
        UnixTime::from_utc(year, month, day, h, m, s),
    )
}

fn arbitrary_time(u: &mut Unstructured<'_>) -> Result<(Vec<u8>, UnixTime)> {
    Ok(utc_time(
        u.int_in_range(1950..=2049)?,
        u.int_in_range(1..=12)?,
        u.int_in_range(1..=28)?,
        u.int_in_range(0..=23)?,
        u.int_in_range(0..=59)?,
        u.int_in_range(0..=59)?,
    ))
}

/// Minimal two's-complement INTEGER content from arbitrary bytes (never empty).
fn minimal_integer(mut b: &[u8]) -> Vec<u8> {
    while b.len() > 1 && ((b[0] == 0 && b[1] < 0x80) || (b[0] == 0xff && b[1] >= 0x80)) {
        b = &b[1..];
    }
    if b.is_empty() { vec![0] } else { b.to_vec() }
}

fn extension(oid: &[u8], value: Vec<u8>) -> Vec<u8> {
    seq(&[tlv(0x06, oid), tlv(0x04, &value)])
}

struct Entry {
    serial: Vec<u8>,
    issuer: usize,
    reason: RevocationReason,
    date: UnixTime,
}

const REASONS: [(u8, RevocationReason); 10] = [
    (0, RevocationReason::Unspecified),
    (1, RevocationReason::KeyCompromise),
    (2, RevocationReason::CaCompromise),
    (3, RevocationReason::AffiliationChanged),
    (4, RevocationReason::Superseded),
    (5, RevocationReason::CessationOfOperation),
    (6, RevocationReason::CertificateHold),
    (8, RevocationReason::RemoveFromCrl),
    (9, RevocationReason::PrivilegeWithdrawn),
    (10, RevocationReason::AaCompromise),
];

fn built(u: &mut Unstructured<'_>) -> Result<()> {
    let _mode = u.bytes(1)?;
    let issuers = ["CRL issuer", "Other issuer A", "Other issuer B"];
    let alg = seq(&[
        tlv(
            0x06,
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b],
        ),
        vec![0x05, 0x00],
    ]);
    let (this_update, this_time) = arbitrary_time(u)?;
    let mut entries = Vec::new();
    let mut encoded = Vec::new();
    let mut current = 0usize;
    let count = u.int_in_range(0..=200u32)?;
    for _ in 0..count {
        let len = u.int_in_range(1..=21usize)?;
        let serial = minimal_integer(u.bytes(len.min(u.len()))?);
        let (date_der, date) = arbitrary_time(u)?;
        let mut exts = Vec::new();
        let mut reason = RevocationReason::Unspecified;
        if u.arbitrary::<bool>()? {
            let (code, r) = *u.choose(&REASONS)?;
            reason = r;
            exts.push(extension(&[0x55, 0x1d, 0x15], tlv(0x0a, &[code])));
        }
        if u.ratio(1, 8)? {
            current = u.choose_index(issuers.len())?;
            // GeneralNames ::= SEQUENCE OF GeneralName; directoryName [4] EXPLICIT Name.
            let general_names = seq(&[tlv(0xa4, &name(issuers[current]))]);
            exts.push(extension(&[0x55, 0x1d, 0x1d], general_names));
        }
        let mut parts = vec![tlv(0x02, &serial), date_der];
        if !exts.is_empty() {
            parts.push(seq(&exts));
        }
        encoded.push(seq(&parts));
        entries.push(Entry {
            serial,
            issuer: current,
            reason,
            date,
        });
    }
    let mut tbs = vec![tlv(0x02, &[1]), alg.clone(), name(issuers[0]), this_update];
    if !encoded.is_empty() {
        tbs.push(seq(&encoded));
    }
    let der = seq(&[seq(&tbs), alg, tlv(0x03, &[0, 1, 2, 3])]);

    let crl = Crl::from_der(&der).unwrap_or_else(|e| panic!("a well-formed CRL is refused: {e}"));
    assert_eq!(crl.len(), entries.len());
    assert_eq!(crl.this_update(), this_time);
    let names: Vec<DistinguishedName> = issuers
        .iter()
        .map(|cn| DistinguishedName::from_der(&name(cn)).expect("own name"))
        .collect();
    assert_eq!(crl.issuer(), &names[0]);
    for e in &entries {
        let first = entries
            .iter()
            .find(|f| f.serial == e.serial && f.issuer == e.issuer)
            .expect("itself");
        let found = crl
            .lookup(&names[e.issuer], &e.serial)
            .unwrap_or_else(|| panic!("listed serial {:02x?} not found", e.serial));
        assert_eq!(found.reason, first.reason);
        assert_eq!(found.revocation_date, first.date);
        for (i, n) in names.iter().enumerate() {
            let listed = entries
                .iter()
                .any(|f| f.serial == e.serial && f.issuer == i);
            assert_eq!(crl.lookup(n, &e.serial).is_some(), listed);
        }
    }
    // A serial never listed (one byte longer than any listed one) is not found.
    let absent = vec![0x42; 23];
    assert!(names.iter().all(|n| crl.lookup(n, &absent).is_none()));
    Ok(())
}
