//! Canonicalization: Canonical XML 1.0 (<https://www.w3.org/TR/2001/REC-xml-c14n-20010315>)
//! and Exclusive XML Canonicalization 1.0 (<https://www.w3.org/TR/xml-exc-c14n/>), each with or
//! without comments, over the node-sets XMLDSig needs: a whole document, an element's subtree,
//! either minus one excluded subtree (the enveloped-signature transform).
//!
//! Output goes straight into a [`std::io::Write`] (a hasher, say): no intermediate string.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::tree::{Document, NodeId, NodeKind, XML_NAMESPACE, split_qname};

/// Canonical XML 1.0.
pub const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
/// Canonical XML 1.0 with comments.
pub const C14N_WITH_COMMENTS: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
/// Exclusive XML Canonicalization 1.0.
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// Exclusive XML Canonicalization 1.0 with comments.
pub const EXC_C14N_WITH_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";

/// A canonicalization algorithm and its parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum C14nMethod {
    /// Canonical XML 1.0 (inclusive: every namespace in scope is rendered).
    Inclusive {
        /// Keep comments.
        comments: bool,
    },
    /// Exclusive XML Canonicalization 1.0 (only visibly utilized namespaces are rendered).
    Exclusive {
        /// Keep comments.
        comments: bool,
        /// The InclusiveNamespaces PrefixList: prefixes treated as in inclusive
        /// canonicalization (`""` for the default namespace, written `#default`).
        inclusive_prefixes: Vec<String>,
    },
}

impl C14nMethod {
    /// The method named by an algorithm URI (no prefix list), if it is one of the four.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Some(match uri {
            C14N => Self::Inclusive { comments: false },
            C14N_WITH_COMMENTS => Self::Inclusive { comments: true },
            EXC_C14N => Self::Exclusive {
                comments: false,
                inclusive_prefixes: Vec::new(),
            },
            EXC_C14N_WITH_COMMENTS => Self::Exclusive {
                comments: true,
                inclusive_prefixes: Vec::new(),
            },
            _ => return None,
        })
    }

    /// The algorithm URI.
    pub fn uri(&self) -> &'static str {
        match self {
            Self::Inclusive { comments: false } => C14N,
            Self::Inclusive { comments: true } => C14N_WITH_COMMENTS,
            Self::Exclusive {
                comments: false, ..
            } => EXC_C14N,
            Self::Exclusive { comments: true, .. } => EXC_C14N_WITH_COMMENTS,
        }
    }

    /// Whether comments are kept.
    pub fn comments(&self) -> bool {
        match self {
            Self::Inclusive { comments } | Self::Exclusive { comments, .. } => *comments,
        }
    }

    /// The same method with comments dropped (same-document references select no comments).
    pub fn without_comments(&self) -> Self {
        let mut m = self.clone();
        match &mut m {
            Self::Inclusive { comments } | Self::Exclusive { comments, .. } => *comments = false,
        }
        m
    }
}

/// The part of a document to canonicalize.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeSet<'a> {
    /// The subtree's apex element; `None` for the whole document.
    pub apex: Option<NodeId>,
    /// Subtrees left out (the Signature element, for the enveloped-signature transform).
    pub exclude: &'a [NodeId],
}

impl NodeSet<'_> {
    /// The whole document.
    pub const DOCUMENT: Self = Self {
        apex: None,
        exclude: &[],
    };

    /// The subtree of `element`.
    pub fn subtree(element: NodeId) -> Self {
        Self {
            apex: Some(element),
            exclude: &[],
        }
    }
}

type NsMap<'d> = BTreeMap<&'d str, &'d str>;

/// Canonicalizes `set` of `doc` with `method` into `out`.
///
/// # Errors
/// Those of `out`; [`io::ErrorKind::InvalidInput`] if `set.apex` is not a node of `doc`.
///
/// # Example
/// ```
/// use signflow::xmldsig::{C14nMethod, Document, NodeSet, canonicalize};
///
/// let doc = Document::parse(br#"<a xmlns:u="urn:u" b='2'  a="1"><u:c/></a>"#)?;
/// let mut out = Vec::new();
/// canonicalize(&doc, &C14nMethod::Inclusive { comments: false }, NodeSet::DOCUMENT, &mut out)?;
/// assert_eq!(out, br#"<a xmlns:u="urn:u" a="1" b="2"><u:c></u:c></a>"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn canonicalize<W: Write + ?Sized>(
    doc: &Document,
    method: &C14nMethod,
    set: NodeSet<'_>,
    out: &mut W,
) -> io::Result<()> {
    if set
        .apex
        .is_some_and(|a| doc.nodes().nth(a.0 as usize).is_none())
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the node-set's apex is not a node of this document",
        ));
    }
    let mut c = Canonicalizer {
        doc,
        method,
        set,
        out,
    };
    match set.apex {
        None => {
            let mut after_root = false;
            for &child in doc.children() {
                match &doc.node(child).kind {
                    NodeKind::Element(_) => {
                        c.element(child, &NsMap::new(), &NsMap::new(), true)?;
                        after_root = true;
                    }
                    NodeKind::Comment(_) if !method.comments() => {}
                    _ => {
                        if after_root {
                            c.out.write_all(b"\n")?;
                        }
                        c.node(child, &NsMap::new(), &NsMap::new())?;
                        if !after_root {
                            c.out.write_all(b"\n")?;
                        }
                    }
                }
            }
            Ok(())
        }
        Some(apex) => {
            if doc.element(apex).is_none() {
                return c.node(apex, &NsMap::new(), &NsMap::new());
            }
            // Namespaces in scope at the apex from its ancestors.
            let mut chain = Vec::new();
            let mut cur = doc.parent(apex);
            while let Some(p) = cur {
                chain.push(p);
                cur = doc.parent(p);
            }
            let mut inscope = NsMap::new();
            for &a in chain.iter().rev() {
                if let Some(e) = doc.element(a) {
                    for (p, u) in &e.namespaces {
                        inscope.insert(p.as_str(), u.as_str());
                    }
                }
            }
            c.element(apex, &inscope, &NsMap::new(), true)
        }
    }
}

struct Canonicalizer<'d, 'm, W: Write + ?Sized> {
    doc: &'d Document,
    method: &'m C14nMethod,
    set: NodeSet<'m>,
    out: &'m mut W,
}

impl<'d, W: Write + ?Sized> Canonicalizer<'d, '_, W> {
    fn node(&mut self, id: NodeId, inscope: &NsMap<'d>, rendered: &NsMap<'d>) -> io::Result<()> {
        if self.set.exclude.contains(&id) {
            return Ok(());
        }
        let doc = self.doc;
        match &doc.node(id).kind {
            NodeKind::Element(_) => self.element(id, inscope, rendered, false),
            NodeKind::Text(t) => escape(self.out, t, false),
            NodeKind::Comment(t) => {
                if self.method.comments() {
                    self.out.write_all(b"<!--")?;
                    self.out.write_all(t.as_bytes())?;
                    self.out.write_all(b"-->")?;
                }
                Ok(())
            }
            NodeKind::Pi { target, data } => {
                self.out.write_all(b"<?")?;
                self.out.write_all(target.as_bytes())?;
                if !data.is_empty() {
                    self.out.write_all(b" ")?;
                    self.out.write_all(data.as_bytes())?;
                }
                self.out.write_all(b"?>")
            }
        }
    }

    fn element(
        &mut self,
        id: NodeId,
        parent_inscope: &NsMap<'d>,
        rendered: &NsMap<'d>,
        apex: bool,
    ) -> io::Result<()> {
        if self.set.exclude.contains(&id) {
            return Ok(());
        }
        let doc = self.doc;
        let Some(e) = doc.element(id) else {
            return Ok(());
        };
        let mut own_inscope;
        let inscope = if e.namespaces.is_empty() {
            parent_inscope
        } else {
            own_inscope = parent_inscope.clone();
            for (p, u) in &e.namespaces {
                own_inscope.insert(p.as_str(), u.as_str());
            }
            &own_inscope
        };

        // Namespace declarations to render: (prefix, uri), sorted by prefix ("" first).
        let mut decls: Vec<(&'d str, &'d str)> = Vec::new();
        let consider = |p: &'d str, decls: &mut Vec<(&'d str, &'d str)>| {
            let u = inscope.get(p).copied().unwrap_or("");
            if p == "xml" || decls.iter().any(|(q, _)| *q == p) {
                return;
            }
            let shown = rendered.get(p).copied().unwrap_or("");
            if p.is_empty() {
                if u != shown {
                    decls.push((p, u));
                }
            } else if !u.is_empty() && rendered.get(p).copied() != Some(u) {
                decls.push((p, u));
            }
        };
        match self.method {
            C14nMethod::Inclusive { .. } => {
                for &p in inscope.keys() {
                    consider(p, &mut decls);
                }
            }
            C14nMethod::Exclusive {
                inclusive_prefixes, ..
            } => {
                consider(split_qname(&e.name).0, &mut decls);
                for (n, _) in &e.attributes {
                    let (p, _) = split_qname(n);
                    if !p.is_empty() {
                        consider(p, &mut decls);
                    }
                }
                for p in inclusive_prefixes {
                    if let Some((&k, _)) = inscope.get_key_value(p.as_str()) {
                        consider(k, &mut decls);
                    }
                }
            }
        }
        decls.sort_unstable();
        let mut own_rendered;
        let child_rendered = if decls.is_empty() {
            rendered
        } else {
            own_rendered = rendered.clone();
            for &(p, u) in &decls {
                own_rendered.insert(p, u);
            }
            &own_rendered
        };

        // Attributes, with xml:* ones inherited at the apex of an inclusive subset, as
        // (namespace URI, local name, qualified name, value).
        let mut attrs: Vec<(&'d str, &'d str, &'d str, &'d str)> = Vec::new();
        for (n, v) in &e.attributes {
            let (p, l) = split_qname(n);
            let ns = if p.is_empty() {
                ""
            } else if p == "xml" {
                XML_NAMESPACE
            } else {
                inscope.get(p).copied().unwrap_or("")
            };
            attrs.push((ns, l, n, v));
        }
        if apex && matches!(self.method, C14nMethod::Inclusive { .. }) {
            let mut cur = doc.parent(id);
            while let Some(a) = cur {
                if let Some(ae) = doc.element(a) {
                    for (n, v) in &ae.attributes {
                        if let Some(l) = n.strip_prefix("xml:")
                            && !attrs.iter().any(|x| x.0 == XML_NAMESPACE && x.1 == l)
                        {
                            attrs.push((XML_NAMESPACE, l, n, v));
                        }
                    }
                }
                cur = doc.parent(a);
            }
        }
        attrs.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

        self.out.write_all(b"<")?;
        self.out.write_all(e.name.as_bytes())?;
        for (p, u) in decls {
            if p.is_empty() {
                self.out.write_all(b" xmlns=\"")?;
            } else {
                self.out.write_all(b" xmlns:")?;
                self.out.write_all(p.as_bytes())?;
                self.out.write_all(b"=\"")?;
            }
            escape(self.out, u, true)?;
            self.out.write_all(b"\"")?;
        }
        for (_, _, n, v) in attrs {
            self.out.write_all(b" ")?;
            self.out.write_all(n.as_bytes())?;
            self.out.write_all(b"=\"")?;
            escape(self.out, v, true)?;
            self.out.write_all(b"\"")?;
        }
        self.out.write_all(b">")?;
        for &child in &e.children {
            self.node(child, inscope, child_rendered)?;
        }
        self.out.write_all(b"</")?;
        self.out.write_all(e.name.as_bytes())?;
        self.out.write_all(b">")
    }
}

/// Writes `s` escaped as canonical text (`attr == false`) or attribute value.
fn escape<W: Write + ?Sized>(out: &mut W, s: &str, attr: bool) -> io::Result<()> {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let rep: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' if !attr => b"&gt;",
            b'"' if attr => b"&quot;",
            b'\t' if attr => b"&#x9;",
            b'\n' if attr => b"&#xA;",
            b'\r' => b"&#xD;",
            _ => continue,
        };
        out.write_all(&bytes[start..i])?;
        out.write_all(rep)?;
        start = i + 1;
    }
    out.write_all(&bytes[start..])
}
