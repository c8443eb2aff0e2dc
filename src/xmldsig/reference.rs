//! The reference pipeline (XMLDSig §4.4.3): a Reference's URI, its transforms —
//! enveloped-signature, base64, XPath and XPath Filter 2.0, canonicalization, OOXML
//! Relationships over detached parts — and the digest of the result.

use std::io::{self, Write};

use super::algorithms::DIGESTS;
use super::c14n::{C14nMethod, NodeSet, canonicalize_within};
use super::error::XmlError;
use super::opc::{
    RELATIONSHIP_TRANSFORM, RelationshipMode, RelationshipSelection, relationship_transform,
};
use super::options::VerifyOptions;
use super::report::{SelectedElement, VerifiedReference, XmlFinding};
use super::tree::{Document, NodeId, NodeKind, XmlText};
use super::verify::{
    BASE64, DSIG_NS, ENVELOPED_SIGNATURE, Scope, XPATH, algorithm, c14n_method_of, decode_base64,
    one_child, to_io,
};
use super::work::{Work, WorkLimitExceeded, work_limit};
use super::xpath::XPathError;
use crate::crypto::{HashAlgorithm, Hasher};

/// The share of [`super::ParseLimits::max_work`] the references of a signature whose value
/// did not verify get: one 64th (156,250 units by default).
pub const UNVERIFIED_WORK_SHARE: u64 = 64;

/// Why a Reference was given up with an error rather than a finding.
#[derive(Debug)]
pub(super) enum Refused {
    /// The signature cannot be read (malformed Transform, say).
    Xml(XmlError),
    /// The work budget ran out.
    Work(WorkLimitExceeded),
}

impl From<XmlError> for Refused {
    fn from(e: XmlError) -> Self {
        Self::Xml(e)
    }
}

impl From<io::Error> for Refused {
    /// Canonicalization's errors: the work limit, or writing failed.
    fn from(e: io::Error) -> Self {
        match work_limit(&e) {
            Some(w) => Self::Work(w),
            None => Self::Xml(XmlError::Io(e)),
        }
    }
}

/// Reference `index` (element `r`): its node-set or detached content, transforms and digest.
/// `Ok(None)` when it was given up with a finding.
pub(super) fn reference(
    scope: &Scope<'_, '_>,
    index: usize,
    r: NodeId,
    work: &Work,
    findings: &mut Vec<XmlFinding>,
) -> Result<Option<VerifiedReference>, Refused> {
    let Scope {
        provider,
        doc,
        ids,
        signature,
        options,
    } = *scope;
    let Some(uri) = doc.element(r).and_then(|e| e.attribute("URI")) else {
        findings.push(XmlFinding::Unsupported {
            what: format!("reference {index} without a URI (application-defined data)"),
        });
        return Ok(None);
    };
    let uri = uri.to_owned();
    let digest_el = one_child(doc, r, "DigestMethod")?;
    let digest_uri = algorithm(doc, digest_el)?;
    let expected = decode_base64(&doc.text(one_child(doc, r, "DigestValue")?))
        .ok_or(XmlError::Base64("DigestValue"))?;
    let Some(&(_, hash)) = DIGESTS.iter().find(|(u, _)| *u == digest_uri) else {
        findings.push(XmlFinding::Unsupported {
            what: format!("digest {digest_uri}"),
        });
        return Ok(None);
    };
    if hash.is_weak() {
        findings.push(XmlFinding::WeakAlgorithm {
            uri: digest_uri.to_owned(),
            allowed: options.allows_hash(hash),
        });
        if !options.allows_hash(hash) {
            return Ok(None);
        }
    }
    if let Err(e) = hash.check_compiled() {
        findings.push(XmlFinding::Unsupported {
            what: format!("digest {digest_uri}: {e}"),
        });
        return Ok(None);
    }

    if !uri.is_empty() && !uri.starts_with('#') {
        let digesting = Digesting {
            index,
            uri,
            hash,
            expected: &expected,
        };
        return detached_reference(scope, r, digesting, work, findings);
    }

    // The node-set: "" and "#id" select no comments, "#xpointer(/)" and
    // "#xpointer(id('id'))" keep them (XMLDSig §4.4.3.3).
    let xpointer_id = uri
        .strip_prefix("#xpointer(id(")
        .and_then(|s| s.strip_suffix("))"))
        .and_then(|s| {
            s.strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| s.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
        });
    let keep_comments = uri == "#xpointer(/)" || xpointer_id.is_some();
    let element = if uri.is_empty() || uri == "#xpointer(/)" {
        None
    } else if let Some(id) = xpointer_id.or_else(|| uri.strip_prefix('#'))
        && !id.starts_with("xpointer(")
    {
        match ids.get(id) {
            Some(&e) => Some(e),
            None => {
                findings.push(XmlFinding::ReferenceNotFound {
                    reference: index,
                    uri,
                });
                return Ok(None);
            }
        }
    } else {
        findings.push(XmlFinding::Unsupported {
            what: format!("reference URI {uri:?} (same-document references only)"),
        });
        return Ok(None);
    };
    let mut exclude: Vec<NodeId> = Vec::new();
    // The intersection of the XPath Filter 2.0 transforms' filter node-sets, if any.
    let mut members: Option<super::Membership> = None;
    // Same-document references select no comments; without a canonicalization transform the
    // node-set is converted to octets with Canonical XML 1.0 (XMLDSig §4.4.3.2).
    let mut method = C14nMethod::Inclusive { comments: false };
    let mut seen_c14n = false;
    let mut base64 = false;
    let mut smev = false;
    let transforms: Vec<NodeId> = doc
        .children_named(r, DSIG_NS, "Transforms")
        .flat_map(|t| {
            doc.children_named(t, DSIG_NS, "Transform")
                .collect::<Vec<_>>()
        })
        .collect();
    for t in transforms {
        let alg = algorithm(doc, t)?;
        if base64 {
            // It would have to parse the decoded octets as XML.
            findings.push(XmlFinding::Unsupported {
                what: format!("transform {alg} after base64 decoding"),
            });
            return Ok(None);
        }
        if smev {
            findings.push(XmlFinding::Unsupported {
                what: format!("transform {alg} after the SMEV transform"),
            });
            return Ok(None);
        }
        if alg == BASE64 && !seen_c14n {
            base64 = true;
        } else if alg == super::SMEV_TRANSFORM {
            // Octets (canonical XML 1.0 when no canonicalization came first) parsed again.
            smev = true;
            seen_c14n = true;
        } else if alg == ENVELOPED_SIGNATURE && !seen_c14n {
            exclude.push(signature);
        } else if alg == XPATH && !seen_c14n && is_not_signature_xpath(doc, t) {
            // The one XPath filter recognized: `not(ancestor-or-self::ds:Signature)`, which
            // removes every Signature element.
            exclude.extend(
                doc.nodes()
                    .map(|(id, _)| id)
                    .filter(|&id| doc.expanded_name(id) == Some((Some(DSIG_NS), "Signature"))),
            );
        } else if (alg == XPATH || alg == super::XPATH_FILTER2) && !seen_c14n {
            let selected = if alg == XPATH {
                xpath_transform(doc, t, doc, true, work)
            } else {
                super::filter2::evaluate(doc, t, work)
            };
            match selected {
                Ok(m) => match &mut members {
                    Some(all) => all.intersect(&m),
                    None => members = Some(m),
                },
                Err(XPathError::Unsupported(what)) => {
                    findings.push(XmlFinding::Unsupported { what });
                    return Ok(None);
                }
                Err(XPathError::Work(w)) => return Err(Refused::Work(w)),
            }
        } else if let Some(m) = c14n_method_of(doc, t, alg)
            && !seen_c14n
        {
            method = if keep_comments {
                m
            } else {
                m.without_comments()
            };
            seen_c14n = true;
        } else {
            findings.push(XmlFinding::Unsupported {
                what: format!("transform {alg} at this place"),
            });
            return Ok(None);
        }
    }

    if base64 && members.is_some() {
        findings.push(XmlFinding::Unsupported {
            what: "base64 decoding of an XPath-filtered node-set".into(),
        });
        return Ok(None);
    }
    if base64 {
        // XMLDSig §6.6.2: a node-set input becomes the string value of its text nodes.
        let text = node_set_text(doc, element.unwrap_or_else(|| doc.root()), &exclude);
        let octets = decode_base64(&text).ok_or(XmlError::Base64("base64 transform input"))?;
        let mut hasher = provider.digests.hasher(hash).map_err(to_io)?;
        hasher.update(&octets);
        return Ok(Some(digested(
            options.keep_signed_data,
            index,
            uri,
            element.and_then(|e| SelectedElement::of(doc, e)),
            hash,
            hasher.finalize().as_ref() == expected,
            octets,
            findings,
        )));
    }

    // The canonical form is about as long as the markup it comes from: one allocation.
    let expected_len = doc
        .element(element.unwrap_or_else(|| doc.root()))
        .map_or(0, |e| e.span().end - e.span().start);
    let mut sink = TeeHasher::new(
        provider.digests.hasher(hash).map_err(to_io)?,
        options.keep_signed_data,
        expected_len,
    );
    let set = NodeSet {
        apex: element,
        exclude: &exclude,
        members: members.as_ref(),
    };
    if smev {
        let mut octets = Vec::with_capacity(expected_len);
        canonicalize_within(doc, &method, set, work, &mut octets)?;
        if let Err(e) = smev_of(&octets, &options.limits, &mut sink) {
            findings.push(XmlFinding::Unsupported {
                what: format!("the SMEV transform of reference {index}: {e}"),
            });
            return Ok(None);
        }
    } else {
        canonicalize_within(doc, &method, set, work, &mut sink)?;
    }
    let (digest, canonical, signed_len) = sink.finish();
    let digest_matches = digest == expected;
    if !digest_matches {
        findings.push(XmlFinding::DigestMismatch {
            reference: index,
            uri: uri.clone(),
        });
    }
    Ok(Some(VerifiedReference {
        index,
        uri,
        element: element.and_then(|e| SelectedElement::of(doc, e)),
        digest: hash,
        digest_matches,
        canonical,
        signed_len,
    }))
}

/// The SMEV transform of canonical `octets`, parsed again within the caller's limits, into
/// `out`.
pub(super) fn smev_of<W: Write + ?Sized>(
    octets: &[u8],
    limits: &super::ParseLimits,
    out: &mut W,
) -> Result<(), String> {
    let parsed = Document::parse_with(octets, limits).map_err(|e| e.to_string())?;
    super::smev_transform(&parsed, parsed.root(), out).map_err(|e| e.to_string())
}

/// A Reference's digest to check: its position, URI, DigestMethod and DigestValue.
struct Digesting<'a> {
    index: usize,
    uri: String,
    hash: HashAlgorithm,
    expected: &'a [u8],
}

/// A reference to content outside the document, supplied by the caller.
fn detached_reference(
    scope: &Scope<'_, '_>,
    r: NodeId,
    digesting: Digesting<'_>,
    work: &Work,
    findings: &mut Vec<XmlFinding>,
) -> Result<Option<VerifiedReference>, Refused> {
    let Scope {
        provider,
        doc,
        options,
        ..
    } = *scope;
    let Digesting {
        index,
        uri,
        hash,
        expected,
    } = digesting;
    let Some((_, content)) = options.detached.iter().find(|(u, _)| *u == uri) else {
        findings.push(XmlFinding::Unsupported {
            what: format!("reference {index} to {uri:?}: external content not supplied"),
        });
        return Ok(None);
    };
    let transforms: Vec<NodeId> = doc
        .children_named(r, DSIG_NS, "Transforms")
        .flat_map(|t| {
            doc.children_named(t, DSIG_NS, "Transform")
                .collect::<Vec<_>>()
        })
        .collect();
    let has_transforms_element = doc
        .children_named(r, DSIG_NS, "Transforms")
        .next()
        .is_some();
    let content = match transforms[..] {
        [] if !has_transforms_element => content.clone(),
        // Base64 decoding is the one transform of octets done here.
        [t] if algorithm(doc, t)? == BASE64 => std::str::from_utf8(content)
            .ok()
            .and_then(decode_base64)
            .ok_or(XmlError::Base64("base64 transform input"))?,
        _ => match detached_xml(doc, &transforms, content, options, work)? {
            Ok(canonical) => canonical,
            Err(XPathError::Unsupported(what)) => {
                findings.push(XmlFinding::Unsupported {
                    what: format!("reference {index} to {uri:?}: {what}"),
                });
                return Ok(None);
            }
            Err(XPathError::Work(w)) => return Err(Refused::Work(w)),
        },
    };
    let mut hasher = provider.digests.hasher(hash).map_err(to_io)?;
    hasher.update(&content);
    let matches = hasher.finalize().as_ref() == expected;
    Ok(Some(digested(
        options.keep_signed_data,
        index,
        uri,
        None,
        hash,
        matches,
        content,
        findings,
    )))
}

/// A reference's outcome from its digest comparison (a mismatch is also a finding); the
/// bytes are kept only if `keep`.
#[allow(clippy::too_many_arguments)]
fn digested(
    keep: bool,
    index: usize,
    uri: String,
    element: Option<SelectedElement>,
    digest: HashAlgorithm,
    digest_matches: bool,
    canonical: Vec<u8>,
    findings: &mut Vec<XmlFinding>,
) -> VerifiedReference {
    if !digest_matches {
        findings.push(XmlFinding::DigestMismatch {
            reference: index,
            uri: uri.clone(),
        });
    }
    let signed_len = canonical.len() as u64;
    VerifiedReference {
        index,
        uri,
        element,
        digest,
        digest_matches,
        canonical: if keep { canonical } else { Vec::new() },
        signed_len,
    }
}

/// The text nodes under `apex` (itself included), outside the `exclude`d subtrees,
/// concatenated in document order: the string value a node-set gives the base64 transform.
fn node_set_text(doc: &Document, apex: NodeId, exclude: &[NodeId]) -> String {
    let mut out = String::new();
    let mut stack = vec![apex];
    while let Some(id) = stack.pop() {
        if exclude.contains(&id) {
            continue;
        }
        match &doc.node(id).kind {
            NodeKind::Text(t) => out.push_str(&t.as_str()),
            NodeKind::Element(_) => {
                if let Some(e) = doc.element(id) {
                    let children: Vec<NodeId> = e.children().collect();
                    stack.extend(children.into_iter().rev());
                }
            }
            _ => {}
        }
    }
    out
}

/// Feeds a hasher and, when asked, keeps the bytes (the caller gets them back as the signed
/// data).
///
/// Canonicalization writes many tiny pieces (a tag name, a quote, an escaped character); the
/// hasher is fed in chunks of at least [`TeeHasher::CHUNK`] instead of once per piece, which
/// spares a dynamic call and the hash's partial-block bookkeeping per write. Kept, the bytes
/// are the buffer; not kept, one chunk is buffered at a time and the canonical form is never
/// held whole.
struct TeeHasher {
    hasher: Box<dyn Hasher>,
    bytes: Vec<u8>,
    /// How much of `bytes` the hasher has seen.
    hashed: usize,
    /// Whether `bytes` keeps everything (else it is emptied once hashed).
    keep: bool,
    /// Bytes written and dropped after hashing (when not kept).
    dropped: u64,
}

impl TeeHasher {
    const CHUNK: usize = 64 * 1024;

    /// A sink into `hasher`; `keep` with room for `capacity` bytes, or a chunk buffer.
    fn new(hasher: Box<dyn Hasher>, keep: bool, capacity: usize) -> Self {
        Self {
            hasher,
            bytes: Vec::with_capacity(if keep { capacity } else { Self::CHUNK * 2 }),
            hashed: 0,
            keep,
            dropped: 0,
        }
    }

    /// The digest of everything written, the bytes (empty unless kept) and how many were
    /// written.
    fn finish(mut self) -> (Vec<u8>, Vec<u8>, u64) {
        self.hasher.update(&self.bytes[self.hashed..]);
        let len = self.dropped + self.bytes.len() as u64;
        let bytes = if self.keep { self.bytes } else { Vec::new() };
        (self.hasher.finalize().as_ref().to_vec(), bytes, len)
    }
}

impl Write for TeeHasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes.extend_from_slice(buf);
        if self.bytes.len() - self.hashed >= Self::CHUNK {
            self.hasher.update(&self.bytes[self.hashed..]);
            if self.keep {
                self.hashed = self.bytes.len();
            } else {
                self.dropped += self.bytes.len() as u64;
                self.bytes.clear();
            }
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The node-set the XPath transform `t` (of `doc`) keeps of `target`.
fn xpath_transform(
    doc: &Document,
    t: NodeId,
    target: &Document,
    same_document: bool,
    work: &Work,
) -> Result<super::Membership, XPathError> {
    let mut xpaths = doc.children_named(t, DSIG_NS, "XPath");
    let (Some(x), None) = (xpaths.next(), xpaths.next()) else {
        return Err("an XPath transform needs exactly one XPath element".into());
    };
    super::xpath::evaluate(doc, x, target, same_document, work)
}

/// Detached content transformed as XML (XMLDSig §4.4.3.2: octets parsed into a node-set when
/// a transform needs one): first, optionally, OOXML's Relationships transform (whose output is
/// parsed again), then XPath filters, then at most one canonicalization, the last transform;
/// without one, Canonical XML 1.0 without comments (a Relationships transform alone gives its
/// output as is). The content is parsed with the caller's limits (no DTD). The inner error
/// names what is not supported (content that does not parse included); the outer one is a
/// malformed Transform.
fn detached_xml(
    doc: &Document,
    transforms: &[NodeId],
    content: &[u8],
    options: &VerifyOptions,
    work: &Work,
) -> Result<Result<Vec<u8>, XPathError>, Refused> {
    let Some((&first, rest)) = transforms.split_first() else {
        return Ok(Err("an empty Transforms element".into()));
    };
    if algorithm(doc, first)? != RELATIONSHIP_TRANSFORM {
        return detached_node_set(doc, transforms, content, options, work);
    }
    let selection = RelationshipSelection::from_transform(doc, first).map_err(XmlError::from)?;
    let part_text = match XmlText::decode(content, &options.limits) {
        Ok(t) => t,
        Err(e) => {
            return Ok(Err(
                format!("the content is not XML signflow reads: {e}").into()
            ));
        }
    };
    let part = match Document::parse_text(&part_text, &options.limits) {
        Ok(p) => p,
        Err(e) => {
            return Ok(Err(
                format!("the content is not XML signflow reads: {e}").into()
            ));
        }
    };
    let mode = if options.relationship_legacy {
        RelationshipMode::Legacy
    } else {
        RelationshipMode::Standard
    };
    let output = match relationship_transform(&part, &selection, mode) {
        Ok(o) => o,
        Err(e) => return Ok(Err(e.to_string().into())),
    };
    if rest.is_empty() {
        return Ok(Ok(output.into_bytes()));
    }
    detached_node_set(doc, rest, output.as_bytes(), options, work)
}

/// [`detached_xml`] after the Relationships transform: XPath filters and a canonicalization
/// over `content` parsed.
fn detached_node_set(
    doc: &Document,
    transforms: &[NodeId],
    content: &[u8],
    options: &VerifyOptions,
    work: &Work,
) -> Result<Result<Vec<u8>, XPathError>, Refused> {
    let target_text = match XmlText::decode(content, &options.limits) {
        Ok(t) => t,
        Err(e) => {
            return Ok(Err(
                format!("the content is not XML signflow reads: {e}").into()
            ));
        }
    };
    let target = match Document::parse_text(&target_text, &options.limits) {
        Ok(t) => t,
        Err(e) => {
            return Ok(Err(
                format!("the content is not XML signflow reads: {e}").into()
            ));
        }
    };
    let mut members: Option<super::Membership> = None;
    let mut method = C14nMethod::Inclusive { comments: false };
    for (i, &t) in transforms.iter().enumerate() {
        let alg = algorithm(doc, t)?;
        if alg == XPATH {
            match xpath_transform(doc, t, &target, false, work) {
                Ok(m) => match &mut members {
                    Some(all) => all.intersect(&m),
                    None => members = Some(m),
                },
                Err(e) => return Ok(Err(e)),
            }
        } else if let Some(m) = c14n_method_of(doc, t, alg)
            && i + 1 == transforms.len()
        {
            method = m;
        } else {
            return Ok(Err(format!("transform {alg} on detached XML").into()));
        }
    }
    let set = NodeSet {
        apex: None,
        exclude: &[],
        members: members.as_ref(),
    };
    let mut canonical = Vec::with_capacity(content.len());
    canonicalize_within(&target, &method, set, work, &mut canonical)?;
    Ok(Ok(canonical))
}

/// Whether the XPath transform `t` is `not(ancestor-or-self::P:Signature)` with `P` bound to
/// the XMLDSig namespace.
fn is_not_signature_xpath(doc: &Document, t: NodeId) -> bool {
    let mut xpaths = doc.children_named(t, DSIG_NS, "XPath");
    let (Some(x), None) = (xpaths.next(), xpaths.next()) else {
        return false;
    };
    let text = doc.text(x);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(prefix) = compact
        .strip_prefix("not(ancestor-or-self::")
        .and_then(|s| s.strip_suffix(":Signature)"))
    else {
        return false;
    };
    !prefix.is_empty() && doc.lookup_namespace(x, prefix) == Some(DSIG_NS)
}
