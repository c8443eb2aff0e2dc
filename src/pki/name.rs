//! Names: distinguished names compared as RFC 5280 §7.1 says, general names, and the
//! name-constraint matching of RFC 5280 §4.2.1.10.

use core::fmt;
use std::collections::HashMap;

use x509_parser::der_parser::asn1_rs::{Any, Tag};
use x509_parser::x509::X509Name;

/// OID of the legacy `emailAddress` attribute (PKCS#9), checked against rfc822Name constraints.
pub const EMAIL_ADDRESS_OID: &str = "1.2.840.113549.1.9.1";

/// One attribute value, normalized for comparison.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Value {
    /// A directory string: trimmed, inner whitespace collapsed, case folded (RFC 4518 in short).
    Text(String),
    /// Anything else: tag and content octets, compared exactly.
    Raw(u32, Vec<u8>),
}

/// An X.501 distinguished name: its DER and its normalized form.
///
/// Equality follows RFC 5280 §7.1: PrintableString and UTF8String values compare after
/// insignificant-space handling and case folding, so a CA that moved from PrintableString to
/// UTF8String still chains.
#[derive(Clone, Eq)]
pub struct DistinguishedName {
    der: Vec<u8>,
    rdns: Vec<Vec<(String, Value)>>,
    display: String,
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
        write!(f, "DistinguishedName({})", self.display)
    }
}

impl fmt::Display for DistinguishedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

/// Attributes named in a DN's text beyond x509-parser's own: the Russian qualified-certificate
/// subject attributes (FSB Order 795), under the short names OpenSSL and CryptoPro print.
const EXTRA_ATTRIBUTE_NAMES: [(&[u64], &str, &str); 5] = [
    (&[1, 2, 643, 3, 131, 1, 1], "INN", "INN of a person (ИНН)"),
    (
        &[1, 2, 643, 100, 4],
        "INNLE",
        "INN of a legal entity (ИНН ЮЛ)",
    ),
    (&[1, 2, 643, 100, 1], "OGRN", "OGRN (ОГРН)"),
    (&[1, 2, 643, 100, 5], "OGRNIP", "OGRNIP (ОГРНИП)"),
    (&[1, 2, 643, 100, 3], "SNILS", "SNILS (СНИЛС)"),
];

/// The names a DN's text gives its attribute types: x509-parser's registry (what its own
/// `Display` uses) plus [`EXTRA_ATTRIBUTE_NAMES`], so that a Russian subject reads
/// `OGRN=1027700132195` rather than `OID(1.2.643.100.1)=1027700132195`.
fn display_registry() -> &'static x509_parser::oid_registry::OidRegistry<'static> {
    use x509_parser::oid_registry::{Oid, OidEntry, OidRegistry};
    static REGISTRY: std::sync::OnceLock<OidRegistry<'static>> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = OidRegistry::default().with_all_crypto().with_x509();
        for (arcs, short, description) in EXTRA_ATTRIBUTE_NAMES {
            if let Ok(oid) = Oid::from(arcs) {
                registry.insert(oid, OidEntry::new(short, description));
            }
        }
        registry
    })
}

fn normalize_text(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn decode_value(any: &Any<'_>) -> Value {
    let data = any.data;
    let text = match any.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::NumericString => {
            core::str::from_utf8(data).ok().map(str::to_owned)
        }
        // T.61 in practice carries Latin-1.
        Tag::TeletexString => Some(data.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString if data.len().is_multiple_of(2) => {
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        Tag::UniversalString if data.len().is_multiple_of(4) => data
            .chunks_exact(4)
            .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        _ => None,
    };
    match text {
        Some(t) => Value::Text(normalize_text(&t)),
        None => Value::Raw(any.tag().0, data.to_vec()),
    }
}

impl DistinguishedName {
    pub(crate) fn from_x509(name: &X509Name<'_>) -> Self {
        let rdns = name
            .iter_rdn()
            .map(|rdn| {
                let mut set: Vec<(String, Value)> = rdn
                    .iter()
                    .map(|atv| {
                        (
                            atv.attr_type().to_id_string(),
                            decode_value(atv.attr_value()),
                        )
                    })
                    .collect();
                set.sort();
                set
            })
            .collect();
        Self {
            der: name.as_raw().to_vec(),
            rdns,
            display: name
                .to_string_with_registry(display_registry())
                .unwrap_or_else(|_| name.to_string()),
        }
    }

    /// Parses DER `Name`.
    ///
    /// # Errors
    /// A message if the DER is not a Name.
    pub fn from_der(der: &[u8]) -> Result<Self, String> {
        use x509_parser::prelude::FromDer;
        let (rest, name) = X509Name::from_der(der).map_err(|e| format!("invalid Name: {e}"))?;
        if !rest.is_empty() {
            return Err("trailing data after Name".into());
        }
        Ok(Self::from_x509(&name))
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

    /// Values of attributes with the given OID, as text where they are text.
    pub fn attribute_texts<'a>(&'a self, oid: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.rdns
            .iter()
            .flatten()
            .filter(move |(o, _)| o == oid)
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
    pub(crate) fn from_x509(g: &x509_parser::extensions::GeneralName<'_>) -> Self {
        use x509_parser::extensions::GeneralName as G;
        match g {
            G::RFC822Name(s) => Self::Rfc822((*s).to_owned()),
            G::DNSName(s) => Self::Dns((*s).to_owned()),
            G::DirectoryName(n) => Self::Directory(DistinguishedName::from_x509(n)),
            G::URI(s) => Self::Uri((*s).to_owned()),
            G::IPAddress(b) => Self::Ip(b.to_vec()),
            G::OtherName(..) => Self::Other(0),
            G::X400Address(_) => Self::Other(3),
            G::EDIPartyName(_) => Self::Other(5),
            G::RegisteredID(_) => Self::Other(8),
            G::Invalid(t, _) => Self::Other(t.0 as u8),
        }
    }

    pub(crate) fn from_x509_cert(
        g: &x509_cert::ext::pkix::name::GeneralName,
    ) -> Result<Self, String> {
        use der::Encode;
        use x509_cert::ext::pkix::name::GeneralName as G;
        Ok(match g {
            G::Rfc822Name(s) => Self::Rfc822(s.to_string()),
            G::DnsName(s) => Self::Dns(s.to_string()),
            G::UniformResourceIdentifier(s) => Self::Uri(s.to_string()),
            G::DirectoryName(n) => Self::Directory(DistinguishedName::from_der(
                &n.to_der().map_err(|e| e.to_string())?,
            )?),
            G::IpAddress(o) => Self::Ip(o.as_bytes().to_vec()),
            G::OtherName(_) => Self::Other(0),
            G::EdiPartyName(_) => Self::Other(5),
            G::RegisteredId(_) => Self::Other(8),
        })
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
        GeneralName::Ip(b) => format!("iPAddress {}", super::certificate::hex(b)),
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
