//! Names: distinguished names compared as RFC 5280 §7.1 says, general names, and the
//! name-constraint matching of RFC 5280 §4.2.1.10.

use core::fmt;
use std::collections::HashMap;

use super::PkiError;
use crate::der_util::{self, DerError, Reader, Tlv};

/// OID of the legacy `emailAddress` attribute (PKCS#9), checked against rfc822Name constraints.
pub const EMAIL_ADDRESS_OID: &str = "1.2.840.113549.1.9.1";

/// One attribute value, normalized for comparison.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Value {
    /// A directory string: trimmed, inner whitespace collapsed, case folded (RFC 4518 in short).
    Text(String),
    /// Anything else: identifier octet and content octets, compared exactly.
    Raw(u8, Vec<u8>),
}

/// One RDN: (attribute type OID contents, value), sorted.
type Rdn = Vec<(Box<[u8]>, Value)>;

/// An X.501 distinguished name: its DER and its normalized form.
///
/// Equality follows RFC 5280 §7.1: PrintableString and UTF8String values compare after
/// insignificant-space handling and case folding, so a CA that moved from PrintableString to
/// UTF8String still chains.
#[derive(Clone, Eq)]
pub struct DistinguishedName {
    der: Vec<u8>,
    rdns: Vec<Rdn>,
    /// The text form, made when first asked for (validation compares names, it does not
    /// print them).
    display: std::sync::OnceLock<String>,
}

impl PartialEq for DistinguishedName {
    fn eq(&self, other: &Self) -> bool {
        self.rdns == other.rdns
    }
}

impl core::hash::Hash for DistinguishedName {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.rdns.hash(state);
    }
}

impl fmt::Debug for DistinguishedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DistinguishedName({})", self.text())
    }
}

impl fmt::Display for DistinguishedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// Universal string tags.
const UTF8_STRING: u8 = 0x0c;
const NUMERIC_STRING: u8 = 0x12;
const PRINTABLE_STRING: u8 = 0x13;
const TELETEX_STRING: u8 = 0x14;
const VIDEOTEX_STRING: u8 = 0x15;
const IA5_STRING: u8 = 0x16;
const GRAPHIC_STRING: u8 = 0x19;
const VISIBLE_STRING: u8 = 0x1a;
const GENERAL_STRING: u8 = 0x1b;
const UNIVERSAL_STRING: u8 = 0x1c;
const BMP_STRING: u8 = 0x1e;
const OBJECT_DESCRIPTOR: u8 = 0x07;

/// The names a DN's text gives its attribute types (X.520 and PKCS #9 short names, as
/// OpenSSL prints them), including the Russian qualified-certificate subject attributes
/// (FSB Order 795) under the short names OpenSSL and CryptoPro print, so that a Russian
/// subject reads `OGRN=1027700132195` rather than `OID(1.2.643.100.1)=1027700132195`.
/// Types not listed print as `OID(dotted)`.
const ATTRIBUTE_NAMES: [(&str, &str); 36] = [
    ("2.5.4.3", "CN"),
    ("2.5.4.6", "C"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("1.2.840.113549.1.9.1", "Email"),
    ("2.5.4.0", "objectClass"),
    ("2.5.4.1", "aliasedEntryName"),
    ("2.5.4.2", "knowledgeInformation"),
    ("2.5.4.4", "surname"),
    ("2.5.4.5", "serialNumber"),
    ("2.5.4.9", "streetAddress"),
    ("2.5.4.12", "title"),
    ("2.5.4.13", "description"),
    ("2.5.4.14", "searchGuide"),
    ("2.5.4.15", "businessCategory"),
    ("2.5.4.16", "postalAddress"),
    ("2.5.4.17", "postalCode"),
    ("2.5.4.41", "name"),
    ("2.5.4.42", "givenName"),
    ("2.5.4.43", "initials"),
    ("2.5.4.44", "generationQualifier"),
    ("2.5.4.45", "uniqueIdentifier"),
    ("2.5.4.46", "dnQualifier"),
    ("0.9.2342.19200300.100.1.1", "uid"),
    ("1.3.6.1.4.1.311.60.2.1.1", "msJurisdictionLocality"),
    ("1.3.6.1.4.1.311.60.2.1.2", "msJurisdictionStateOrProvince"),
    ("1.3.6.1.4.1.311.60.2.1.3", "msJurisdictionCountry"),
    ("1.2.840.113549.1.9.2", "unstructuredName"),
    // Russian qualified certificates (FSB Order 795).
    ("1.2.643.3.131.1.1", "INN"),
    ("1.2.643.100.4", "INNLE"),
    ("1.2.643.100.1", "OGRN"),
    ("1.2.643.100.5", "OGRNIP"),
    ("1.2.643.100.3", "SNILS"),
];

/// The short name of an attribute type, by its dotted OID.
fn attribute_name(dotted: &str) -> Option<&'static str> {
    ATTRIBUTE_NAMES
        .iter()
        .find(|(oid, _)| *oid == dotted)
        .map(|(_, name)| *name)
}

fn normalize_text(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn utf16be(data: &[u8]) -> Option<String> {
    if !data.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = data
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

fn decode_value(any: &Tlv<'_>) -> Value {
    let data = any.value;
    let text = match any.tag {
        UTF8_STRING | PRINTABLE_STRING | IA5_STRING | NUMERIC_STRING => {
            core::str::from_utf8(data).ok().map(str::to_owned)
        }
        // T.61 in practice carries Latin-1.
        TELETEX_STRING => Some(data.iter().map(|&b| char::from(b)).collect()),
        BMP_STRING => utf16be(data),
        UNIVERSAL_STRING if data.len().is_multiple_of(4) => data
            .chunks_exact(4)
            .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        _ => None,
    };
    match text {
        Some(t) => Value::Text(normalize_text(&t)),
        None => Value::Raw(any.tag, data.to_vec()),
    }
}

/// How a DN's text writes a value: string types as their text, anything else (and a string
/// that does not decode) as upper-case hex of its contents.
fn display_value(any: &Tlv<'_>) -> String {
    let text = match any.tag {
        NUMERIC_STRING | VISIBLE_STRING | PRINTABLE_STRING | GENERAL_STRING | OBJECT_DESCRIPTOR
        | GRAPHIC_STRING | TELETEX_STRING | VIDEOTEX_STRING | UTF8_STRING | IA5_STRING => {
            core::str::from_utf8(any.value).ok().map(str::to_owned)
        }
        BMP_STRING => utf16be(any.value),
        _ => None,
    };
    text.unwrap_or_else(|| der_util::hex(any.value).to_uppercase())
}

/// Visits each attribute of a Name SEQUENCE, RDN by RDN: `f(rdn_index, type, value)`.
fn each_attribute<'a>(
    name: &Tlv<'a>,
    outer: &Reader<'a>,
    mut f: impl FnMut(usize, &Tlv<'a>, &Tlv<'a>),
) -> Result<(), DerError> {
    if name.tag != der_util::SEQUENCE {
        return Err(DerError("Name is not a SEQUENCE".into()));
    }
    let mut seq = outer.enter(name);
    let mut index = 0;
    while !seq.is_empty() {
        let set = seq.expect(der_util::SET, "RelativeDistinguishedName")?;
        let mut atvs = seq.enter(&set);
        if atvs.is_empty() {
            return Err(DerError("empty RelativeDistinguishedName".into()));
        }
        while !atvs.is_empty() {
            let atv = atvs.expect(der_util::SEQUENCE, "AttributeTypeAndValue")?;
            let mut fields = atvs.enter(&atv);
            let attr_type = fields.expect(der_util::OID, "attribute type")?;
            if !der_util::is_oid_contents(attr_type.value) {
                return Err(DerError("attribute type is not a valid OID".into()));
            }
            let value = fields.any("attribute value")?;
            fields.finish("AttributeTypeAndValue")?;
            f(index, &attr_type, &value);
        }
        index += 1;
    }
    Ok(())
}

impl DistinguishedName {
    /// Decodes a Name element read by `outer` (or a reader nested in it).
    pub(crate) fn decode(name: &Tlv<'_>, outer: &Reader<'_>) -> Result<Self, DerError> {
        let mut rdns: Vec<Rdn> = Vec::new();
        each_attribute(name, outer, |index, attr_type, value| {
            if rdns.len() == index {
                rdns.push(Vec::with_capacity(1));
            }
            if let Some(rdn) = rdns.last_mut() {
                rdn.push((attr_type.value.into(), decode_value(value)));
            }
        })?;
        for rdn in &mut rdns {
            rdn.sort();
        }
        Ok(Self {
            der: name.raw.to_vec(),
            rdns,
            display: std::sync::OnceLock::new(),
        })
    }

    /// Parses DER `Name`.
    ///
    /// # Errors
    /// [`PkiError::MalformedName`] if the DER is not a Name.
    pub fn from_der(der: &[u8]) -> Result<Self, PkiError> {
        let invalid = |e: DerError| PkiError::MalformedName {
            reason: e.to_string(),
        };
        let mut r = Reader::der(der);
        let name = r.any("Name").map_err(invalid)?;
        if !r.is_empty() {
            return Err(PkiError::MalformedName {
                reason: "trailing data after the Name".into(),
            });
        }
        Self::decode(&name, &r).map_err(invalid)
    }

    /// The text form: `C=RU, O=..., CN=...`, RDNs in encoded order, the attributes of a
    /// multi-valued RDN joined by ` + `.
    fn text(&self) -> &str {
        self.display.get_or_init(|| {
            let mut out = String::new();
            let mut r = Reader::der(&self.der);
            let Ok(name) = r.any("Name") else {
                return out;
            };
            let mut last = None;
            let _ = each_attribute(&name, &r, |index, attr_type, value| {
                if let Some(prev) = last {
                    out.push_str(if prev == index { " + " } else { ", " });
                }
                last = Some(index);
                let dotted = der_util::oid_dotted(attr_type.value).unwrap_or_default();
                match attribute_name(&dotted) {
                    Some(short) => out.push_str(short),
                    None => {
                        out.push_str("OID(");
                        out.push_str(&dotted);
                        out.push(')');
                    }
                }
                out.push('=');
                out.push_str(&display_value(value));
            });
            out
        })
    }

    /// The DER encoding as found in the certificate or CRL.
    pub fn as_der(&self) -> &[u8] {
        &self.der
    }

    /// Whether the name has no RDNs.
    pub fn is_empty(&self) -> bool {
        self.rdns.is_empty()
    }

    /// Whether `prefix`'s RDNs start this name (directoryName subtree membership).
    pub fn starts_with(&self, prefix: &DistinguishedName) -> bool {
        prefix.rdns.len() <= self.rdns.len() && self.rdns[..prefix.rdns.len()] == prefix.rdns[..]
    }

    /// Values of attributes with the given OID as the name's text shows them (case and spacing
    /// kept), unlike [`Self::attribute_texts`], which gives the forms names are compared in.
    pub fn attribute_displays(&self, oid: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut r = Reader::der(&self.der);
        let Ok(name) = r.any("Name") else {
            return out;
        };
        let _ = each_attribute(&name, &r, |_, attr_type, value| {
            if der_util::oid_dotted(attr_type.value).as_deref() == Some(oid) {
                out.push(display_value(value));
            }
        });
        out
    }

    /// Values of attributes with the given OID, as text where they are text.
    pub fn attribute_texts<'a>(&'a self, oid: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let wanted = const_oid::ObjectIdentifier::new(oid).ok();
        self.rdns
            .iter()
            .flatten()
            .filter(move |(o, _)| wanted.is_some_and(|w| w.as_bytes() == &o[..]))
            .filter_map(|(_, v)| match v {
                Value::Text(t) => Some(t.as_str()),
                Value::Raw(..) => None,
            })
    }
}

/// A GeneralName (RFC 5280 §4.2.1.6), owned; the kinds name constraints apply to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GeneralName {
    /// An e-mail address (or, in a constraint, a host or `.domain`).
    Rfc822(String),
    /// A DNS name.
    Dns(String),
    /// A directory name.
    Directory(DistinguishedName),
    /// A URI (in a constraint: a host or `.domain`).
    Uri(String),
    /// An IP address (4 or 16 bytes), or in a constraint address followed by mask (8 or 32).
    Ip(Vec<u8>),
    /// Any other form, kept by type number so unsupported constraints can be detected.
    Other(u8),
}

impl GeneralName {
    /// Decodes one GeneralName element (RFC 5280 §4.2.1.6) read by `outer` (or a reader
    /// nested in it). A name of a form signflow does not compare, or one whose contents do
    /// not decode (a string that is not UTF-8, a directoryName that is not a Name), becomes
    /// [`GeneralName::Other`] with its tag number, so that a constraint of that form still
    /// refuses it.
    ///
    /// # Errors
    /// The element is not context-specific.
    pub(crate) fn decode(g: &Tlv<'_>, outer: &Reader<'_>) -> Result<Self, DerError> {
        if g.tag & 0xc0 != 0x80 {
            return Err(DerError(format!(
                "GeneralName has the non-context-specific tag 0x{:02x}",
                g.tag
            )));
        }
        let number = g.tag & 0x1f;
        let text = || core::str::from_utf8(g.value).ok().map(str::to_owned);
        Ok(match number {
            1 => text().map_or(Self::Other(1), Self::Rfc822),
            2 => text().map_or(Self::Other(2), Self::Dns),
            6 => text().map_or(Self::Other(6), Self::Uri),
            4 => {
                let mut inner = outer.enter(g);
                inner
                    .any("directoryName")
                    .and_then(|name| {
                        inner.finish("directoryName")?;
                        DistinguishedName::decode(&name, &inner)
                    })
                    .map_or(Self::Other(4), Self::Directory)
            }
            7 => Self::Ip(g.value.to_vec()),
            n => Self::Other(n),
        })
    }

    /// Decodes the elements of a GeneralNames SEQUENCE (its contents, in `r`).
    pub(crate) fn decode_all(mut r: Reader<'_>) -> Result<Vec<Self>, DerError> {
        let mut out = Vec::new();
        while !r.is_empty() {
            let g = r.any("GeneralName")?;
            out.push(Self::decode(&g, &r)?);
        }
        Ok(out)
    }

    /// Whether `self` (a name from a certificate) lies within the constraint subtree `base`.
    /// `None` when the two are of different kinds (the constraint does not apply).
    pub fn within(&self, base: &GeneralName) -> Option<bool> {
        match (self, base) {
            (Self::Directory(n), Self::Directory(b)) => Some(n.starts_with(b)),
            (Self::Dns(n), Self::Dns(b)) => Some(dns_within(n, b)),
            (Self::Rfc822(n), Self::Rfc822(b)) => Some(email_within(n, b)),
            (Self::Uri(n), Self::Uri(b)) => Some(uri_host(n).is_some_and(|h| host_within(&h, b))),
            (Self::Ip(n), Self::Ip(b)) => Some(ip_within(n, b)),
            (Self::Other(a), Self::Other(b)) if a == b => Some(false),
            _ => None,
        }
    }

    /// Whether `self` (a name from a certificate) may name something within the excluded
    /// subtree `base`: [`GeneralName::within`], except that a wildcard dNSName (`*.example.com`)
    /// stands for every name it matches, so it is excluded when any of them is
    /// (CVE-2025-61727: `*.example.com` under an excluded `bar.example.com`).
    fn may_be_within(&self, base: &GeneralName) -> Option<bool> {
        match (self, base) {
            (Self::Dns(n), Self::Dns(b)) => Some(match n.strip_prefix("*.") {
                Some(rest) => wildcard_may_match(rest, b),
                None => dns_within(n, b),
            }),
            _ => self.within(base),
        }
    }

    /// Whether `self` (a name from a certificate) is well formed for its kind, so that
    /// comparing it with a constraint means something: a dNSName in preferred name syntax (a
    /// leading `*` label allowed), an rfc822Name `local@host` with one unquoted `@`, an
    /// iPAddress of 4 or 16 bytes. Other forms are not checked here.
    fn is_well_formed(&self) -> bool {
        match self {
            Self::Dns(n) => is_host_name(n.strip_prefix("*.").unwrap_or(n)),
            Self::Rfc822(n) => match n.rsplit_once('@') {
                Some((local, host)) => {
                    !local.is_empty()
                        && (local.starts_with('"') || !local.contains('@'))
                        && is_host_name(host)
                }
                None => false,
            },
            Self::Ip(b) => matches!(b.len(), 4 | 16),
            _ => true,
        }
    }

    /// A number per kind, to group constraints by type.
    pub(crate) fn kind(&self) -> u8 {
        match self {
            Self::Rfc822(_) => 1,
            Self::Dns(_) => 2,
            Self::Directory(_) => 4,
            Self::Uri(_) => 6,
            Self::Ip(_) => 7,
            Self::Other(t) => 100 + t,
        }
    }
}

/// Whether `name` is a host name in preferred name syntax (RFC 1034 §3.5 as RFC 5280
/// §4.2.1.6 asks, digits allowed first as RFC 1123 does): dot-separated labels of letters,
/// digits and inner hyphens, at most 63 bytes each, one final dot allowed.
fn is_host_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.len() <= 63
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
                && b.first() != Some(&b'-')
                && b.last() != Some(&b'-')
        })
}

/// Whether `name` is a dNSName constraint as RFC 5280 §4.2.1.10 writes them: a host name
/// (subdomains are implied, so no leading period or wildcard), or empty (every name).
pub(crate) fn is_dns_constraint(name: &str) -> bool {
    name.is_empty() || is_host_name(name)
}

/// Whether some name `*.rest` matches (one label in place of `*`) lies within `base`.
fn wildcard_may_match(rest: &str, base: &str) -> bool {
    let rest = rest.trim_end_matches('.');
    let base = base.trim_end_matches('.');
    if let Some(domain) = base.strip_prefix('.') {
        // Subdomains of `domain`: `x.rest` is one when `rest` is `domain` or below it.
        return rest.eq_ignore_ascii_case(domain) || ends_with_label(rest, domain);
    }
    // `base` and below: every `x.rest` when `rest` is within `base`; otherwise only `base`
    // itself, when it is one label above `rest`.
    dns_within(rest, base)
        || (ends_with_label(base, rest) && !base[..base.len() - rest.len() - 1].contains('.'))
}

fn dns_within(name: &str, base: &str) -> bool {
    let name = name.trim_end_matches('.');
    let base = base.trim_end_matches('.');
    if base.is_empty() {
        return true;
    }
    if let Some(suffix) = base.strip_prefix('.') {
        return ends_with_label(name, suffix);
    }
    name.eq_ignore_ascii_case(base) || ends_with_label(name, base)
}

/// Whether `name` ends with `.suffix`, ASCII case-insensitively (no allocation: constraints are
/// compared many times).
fn ends_with_label(name: &str, suffix: &str) -> bool {
    let (n, s) = (name.as_bytes(), suffix.as_bytes());
    n.len() > s.len()
        && n[n.len() - s.len() - 1] == b'.'
        && n[n.len() - s.len()..].eq_ignore_ascii_case(s)
}

fn host_within(host: &str, base: &str) -> bool {
    let (h, b) = (host.as_bytes(), base.as_bytes());
    if b.first() == Some(&b'.') {
        h.len() >= b.len() && h[h.len() - b.len()..].eq_ignore_ascii_case(b)
    } else {
        h.eq_ignore_ascii_case(b)
    }
}

fn email_within(name: &str, base: &str) -> bool {
    let Some((_, host)) = name.rsplit_once('@') else {
        return false;
    };
    if base.contains('@') {
        // A particular mailbox: local part exact, host case-insensitive.
        let (bl, bh) = base.rsplit_once('@').unwrap_or(("", ""));
        let (nl, _) = name.rsplit_once('@').unwrap_or(("", ""));
        return nl == bl && host.eq_ignore_ascii_case(bh);
    }
    host_within(host, base)
}

fn uri_host(uri: &str) -> Option<String> {
    let rest = uri.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_owned())
}

fn ip_within(addr: &[u8], constraint: &[u8]) -> bool {
    if constraint.len() != 2 * addr.len() {
        return false;
    }
    let (net, mask) = constraint.split_at(addr.len());
    addr.iter()
        .zip(net)
        .zip(mask)
        .all(|((a, n), m)| a & m == n & m)
}

/// The permitted and excluded subtrees gathered along a path (RFC 5280 §6.1.2 (b), (c)),
/// grouped by name form: checking a name compares it with the subtrees of its own form only,
/// and the number of those comparisons is known before they are made.
#[derive(Debug, Default)]
pub(crate) struct NameConstraints {
    /// Per certificate with permittedSubtrees, its subtrees by [`GeneralName::kind`]: a name
    /// must lie in each list that has subtrees of its form.
    permitted: Vec<HashMap<u8, Vec<GeneralName>>>,
    /// Excluded subtrees by [`GeneralName::kind`].
    excluded: HashMap<u8, Vec<GeneralName>>,
}

fn by_kind(names: &[GeneralName]) -> HashMap<u8, Vec<GeneralName>> {
    let mut map: HashMap<u8, Vec<GeneralName>> = HashMap::new();
    for n in names {
        map.entry(n.kind()).or_default().push(n.clone());
    }
    map
}

impl NameConstraints {
    /// Adds a certificate's (or the trust anchor's) nameConstraints.
    pub(crate) fn add(&mut self, permitted: Option<&[GeneralName]>, excluded: &[GeneralName]) {
        if let Some(p) = permitted {
            self.permitted.push(by_kind(p));
        }
        for (kind, names) in by_kind(excluded) {
            self.excluded.entry(kind).or_default().extend(names);
        }
    }

    /// How many subtree comparisons checking `name` makes.
    pub(crate) fn cost(&self, name: &GeneralName) -> u64 {
        let kind = name.kind();
        let excluded = self.excluded.get(&kind).map_or(0, Vec::len);
        let permitted: usize = self
            .permitted
            .iter()
            .map(|p| p.get(&kind).map_or(0, Vec::len))
            .sum();
        (excluded + permitted) as u64
    }

    /// Whether `name` lies within every permitted list that constrains its form and in no
    /// excluded subtree.
    pub(crate) fn permits(&self, name: &GeneralName) -> bool {
        let kind = name.kind();
        let excluded = self.excluded.get(&kind).map_or(&[][..], Vec::as_slice);
        let mut permitted = self.permitted.iter().filter_map(|p| p.get(&kind));
        // Forms signflow cannot compare (otherName, x400Address, ...): a constraint of that
        // form must be processed or the certificate rejected (RFC 5280 §4.2.1.10).
        if matches!(name, GeneralName::Other(_)) {
            return excluded.is_empty() && permitted.next().is_none();
        }
        // A malformed name cannot be shown to lie inside (or outside) a subtree of its form
        // (limbo rfc5280::nc::nc-permits-invalid-dns-san, -email-san).
        if !name.is_well_formed() {
            return excluded.is_empty() && permitted.next().is_none();
        }
        !excluded
            .iter()
            .any(|base| name.may_be_within(base) == Some(true))
            && permitted.all(|subtrees| subtrees.iter().any(|b| name.within(b) == Some(true)))
    }
}

/// The names of a certificate that name constraints apply to (RFC 5280 §6.1.3 (b)): the
/// subject (when not empty), the subject alternative names and, as rfc822Names, the legacy
/// emailAddress attributes of the subject.
pub(crate) fn constrained_names(
    subject: &DistinguishedName,
    alt_names: &[GeneralName],
) -> Vec<GeneralName> {
    let mut names: Vec<GeneralName> = Vec::new();
    if !subject.is_empty() {
        names.push(GeneralName::Directory(subject.clone()));
    }
    names.extend(alt_names.iter().cloned());
    for email in subject.attribute_texts(EMAIL_ADDRESS_OID) {
        names.push(GeneralName::Rfc822(email.to_owned()));
    }
    names
}

/// A name for a finding: its form and value.
pub(crate) fn describe(name: &GeneralName) -> String {
    match name {
        GeneralName::Rfc822(s) => format!("rfc822Name {s}"),
        GeneralName::Dns(s) => format!("dNSName {s}"),
        GeneralName::Directory(d) => format!("directoryName \"{d}\""),
        GeneralName::Uri(s) => format!("URI {s}"),
        GeneralName::Ip(b) => format!("iPAddress {}", der_util::hex(b)),
        GeneralName::Other(t) => format!("GeneralName of type {t}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_forms_match_as_rfc_5280_says() {
        assert!(dns_within("a.example.com", "example.com"));
        assert!(dns_within("example.com", "example.com"));
        assert!(!dns_within("badexample.com", "example.com"));
        assert!(!dns_within("example.com", ".example.com"));
        assert!(email_within("u@mail.example.com", ".example.com"));
        assert!(!email_within("u@example.com", ".example.com"));
        assert!(email_within("u@Example.com", "example.com"));
        assert!(email_within("u@example.com", "u@EXAMPLE.com"));
        assert!(!email_within("v@example.com", "u@example.com"));
        assert_eq!(
            uri_host("http://user@host.example:80/x").as_deref(),
            Some("host.example")
        );
        assert!(ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
        assert!(!ip_within(&[11, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
        assert!(!ip_within(&[10, 1, 2, 3], &[10; 32]));
    }

    #[test]
    fn wildcards_are_excluded_when_any_name_they_match_is() {
        let wildcard = GeneralName::Dns("*.example.com".into());
        let dns = |s: &str| GeneralName::Dns(s.into());
        for (base, excluded) in [
            ("bar.example.com", true),
            ("example.com", true),
            ("com", true),
            ("a.bar.example.com", false),
            ("example.org", false),
            (".example.com", true),
            (".com", true),
            (".bar.example.com", false),
        ] {
            assert_eq!(
                wildcard.may_be_within(&dns(base)),
                Some(excluded),
                "*.example.com against excluded {base}"
            );
        }
        // Against a permitted subtree the wildcard must lie inside as written.
        assert_eq!(wildcard.within(&dns("bar.example.com")), Some(false));
        assert_eq!(wildcard.within(&dns("example.com")), Some(true));
    }

    #[test]
    fn malformed_names_are_never_within_a_subtree() {
        let mut nc = NameConstraints::default();
        let permitted = [
            GeneralName::Dns("example.com".into()),
            GeneralName::Rfc822("example.com".into()),
        ];
        nc.add(Some(&permitted), &[]);
        assert!(nc.permits(&GeneralName::Dns("foo.example.com".into())));
        assert!(nc.permits(&GeneralName::Dns("*.example.com".into())));
        assert!(!nc.permits(&GeneralName::Dns(".example.com".into())));
        assert!(!nc.permits(&GeneralName::Dns("foo..example.com".into())));
        assert!(nc.permits(&GeneralName::Rfc822("user@example.com".into())));
        assert!(!nc.permits(&GeneralName::Rfc822("invalid@address@example.com".into())));
        assert!(!nc.permits(&GeneralName::Rfc822("@example.com".into())));
        // Without a constraint of its form a malformed name is not this check's business.
        assert!(NameConstraints::default().permits(&GeneralName::Dns(".example.com".into())));
        assert!(is_dns_constraint("example.com"));
        assert!(is_dns_constraint(""));
        assert!(!is_dns_constraint(".example.com"));
        assert!(!is_dns_constraint("*.example.com"));
    }

    #[test]
    fn text_normalization_folds_case_and_space() {
        assert_eq!(normalize_text("  Good   CA "), "good ca");
    }
}
