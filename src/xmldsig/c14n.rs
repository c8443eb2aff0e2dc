//! Canonicalization: Canonical XML 1.0 (<https://www.w3.org/TR/2001/REC-xml-c14n-20010315>),
//! Canonical XML 1.1 (<https://www.w3.org/TR/xml-c14n11/>) and Exclusive XML Canonicalization
//! 1.0 (<https://www.w3.org/TR/xml-exc-c14n/>), each with or without comments, over the
//! node-sets XMLDSig needs: a whole document, an element's subtree, either minus one excluded
//! subtree (the enveloped-signature transform).
//!
//! Output goes straight into a [`std::io::Write`] (a hasher, say): no intermediate string.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use super::filter2::Membership;
use super::tree::{Document, NodeId, NodeKind, XML_NAMESPACE, escape, split_qname};
use super::work::Work;

/// Canonical XML 1.0.
pub const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
/// Canonical XML 1.0 with comments.
pub const C14N_WITH_COMMENTS: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
/// Canonical XML 1.1.
pub const C14N11: &str = "http://www.w3.org/2006/12/xml-c14n11";
/// Canonical XML 1.1 with comments.
pub const C14N11_WITH_COMMENTS: &str = "http://www.w3.org/2006/12/xml-c14n11#WithComments";
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
    /// Canonical XML 1.1: inclusive like 1.0, but at the apex of a subtree `xml:id` is not
    /// inherited from ancestors and `xml:base` values of the omitted ancestors are joined
    /// (C14N 1.1 §2.4, "xml:base fixup").
    Inclusive11 {
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
            C14N11 => Self::Inclusive11 { comments: false },
            C14N11_WITH_COMMENTS => Self::Inclusive11 { comments: true },
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
            Self::Inclusive11 { comments: false } => C14N11,
            Self::Inclusive11 { comments: true } => C14N11_WITH_COMMENTS,
            Self::Exclusive {
                comments: false, ..
            } => EXC_C14N,
            Self::Exclusive { comments: true, .. } => EXC_C14N_WITH_COMMENTS,
        }
    }

    /// Whether comments are kept.
    pub fn comments(&self) -> bool {
        match self {
            Self::Inclusive { comments }
            | Self::Inclusive11 { comments }
            | Self::Exclusive { comments, .. } => *comments,
        }
    }

    /// The same method with comments dropped (same-document references select no comments).
    pub fn without_comments(&self) -> Self {
        let mut m = self.clone();
        match &mut m {
            Self::Inclusive { comments }
            | Self::Inclusive11 { comments }
            | Self::Exclusive { comments, .. } => *comments = false,
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
    /// When given, only the nodes it holds are in the set (an XPath Filter 2.0 result); the
    /// others are not written, but their descendants are still visited. An element in the set
    /// whose parent is not renders like an apex (its namespaces and, for inclusive C14N, the
    /// xml:* attributes of the ancestors outside the set).
    pub members: Option<&'a Membership>,
}

impl NodeSet<'_> {
    /// The whole document.
    pub const DOCUMENT: Self = Self {
        apex: None,
        exclude: &[],
        members: None,
    };

    /// The subtree of `element`.
    pub fn subtree(element: NodeId) -> Self {
        Self {
            apex: Some(element),
            exclude: &[],
            members: None,
        }
    }
}

/// Namespace bindings, prefix → URI (`""` is the default namespace), scoped: a hash map of the
/// bindings now in force and an undo log of what each change replaced. An element's changes
/// are undone when its end tag is written, so entering and leaving an element costs what it
/// declares (or renders), never a copy of everything in scope.
#[derive(Debug, Default)]
struct Scoped<'d> {
    map: HashMap<&'d str, &'d str>,
    undo: Vec<(&'d str, Option<&'d str>)>,
}

impl<'d> Scoped<'d> {
    fn get(&self, prefix: &str) -> Option<&'d str> {
        self.map.get(prefix).copied()
    }

    /// The binding of `prefix`, with the map's own copy of the prefix.
    fn get_key_value(&self, prefix: &str) -> Option<(&'d str, &'d str)> {
        self.map.get_key_value(prefix).map(|(k, v)| (*k, *v))
    }

    fn insert(&mut self, prefix: &'d str, uri: &'d str) {
        let old = self.map.insert(prefix, uri);
        self.undo.push((prefix, old));
    }

    fn remove(&mut self, prefix: &'d str) {
        if let Some(old) = self.map.remove(prefix) {
            self.undo.push((prefix, Some(old)));
        }
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn prefixes(&self) -> impl Iterator<Item = &'d str> + '_ {
        self.map.keys().copied()
    }

    /// Where the undo log stands (to [`Scoped::rollback`] to).
    fn mark(&self) -> usize {
        self.undo.len()
    }

    /// Undoes every change made since `mark`.
    fn rollback(&mut self, mark: usize) {
        while self.undo.len() > mark {
            let Some((prefix, old)) = self.undo.pop() else {
                break;
            };
            match old {
                Some(uri) => self.map.insert(prefix, uri),
                None => self.map.remove(prefix),
            };
        }
    }
}

/// String equality that settles the common cases (empty, or the same slice of the document)
/// without a `memcmp` call: c14n compares the same few names and URIs for every element.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && (a.is_empty() || a.as_ptr() == b.as_ptr() || a == b)
}

/// Canonicalizes `set` of `doc` with `method` into `out`.
///
/// Namespace rendering is linear in the output: an element's declarations are compared with
/// what its parent rendered, not everything in scope (that is done once, at an apex).
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
    canonicalize_within(doc, method, set, &Work::unlimited(), out)
}

/// [`canonicalize`], charging `work` for what input can amplify beyond the output: the
/// namespaces in scope at each apex, the namespace and attribute nodes of elements outside a
/// node-set, the ancestors' `xml:*` attributes inherited at each apex, each InclusiveNamespaces
/// prefix looked up. The work limit is an I/O error that [`super::work::work_limit`]
/// recognizes.
pub(crate) fn canonicalize_within<W: Write + ?Sized>(
    doc: &Document,
    method: &C14nMethod,
    set: NodeSet<'_>,
    work: &Work,
    out: &mut W,
) -> io::Result<()> {
    if set.apex.is_some_and(|a| !doc.contains(a)) {
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
        work,
        inscope: Scoped::default(),
        rendered: Scoped::default(),
    };
    match set.apex {
        None => {
            let mut after_root = false;
            for &child in doc.children() {
                match &doc.node(child).kind {
                    NodeKind::Element(_) => {
                        c.element(child, true)?;
                        after_root = true;
                    }
                    NodeKind::Comment(_) if !method.comments() => {}
                    _ if !c.member(child) => {}
                    _ => {
                        if after_root {
                            c.out.write_all(b"\n")?;
                        }
                        c.node(child)?;
                        if !after_root {
                            c.out.write_all(b"\n")?;
                        }
                    }
                }
            }
            Ok(())
        }
        Some(apex) => {
            // A subtree inside an excluded one (a reference to part of its own Signature,
            // with the enveloped-signature transform) is empty.
            let mut up = Some(apex);
            while let Some(a) = up {
                if set.exclude.contains(&a) {
                    return Ok(());
                }
                up = doc.parent(a);
            }
            if doc.element(apex).is_none() {
                return c.node(apex);
            }
            // Namespaces in scope at the apex from its ancestors.
            let mut chain = Vec::new();
            let mut cur = doc.parent(apex);
            while let Some(p) = cur {
                chain.push(p);
                cur = doc.parent(p);
            }
            for &a in chain.iter().rev() {
                if let Some(e) = doc.element(a) {
                    work.charge_io(1 + e.namespaces().len() as u64)?;
                    for d in e.namespaces() {
                        c.inscope.insert(d.prefix, d.uri.as_ref());
                    }
                }
            }
            c.element(apex, true)
        }
    }
}

struct Canonicalizer<'d, 'm, W: Write + ?Sized> {
    doc: &'d Document<'d>,
    method: &'m C14nMethod,
    set: NodeSet<'m>,
    out: &'m mut W,
    work: &'m Work,
    /// The namespaces in scope at the element being written.
    inscope: Scoped<'d>,
    /// What the nearest output ancestor's rendering leaves in force for its descendants.
    rendered: Scoped<'d>,
}

impl<'d, W: Write + ?Sized> Canonicalizer<'d, '_, W> {
    /// Whether node `id` is in [`NodeSet::members`] (every node is, without it).
    fn member(&self, id: NodeId) -> bool {
        self.set.members.is_none_or(|m| m.contains(id))
    }

    /// Whether attribute `index` of element `id` is in the set.
    fn attribute_member(&self, id: NodeId, index: usize) -> bool {
        self.set
            .members
            .is_none_or(|m| m.contains_attribute(id, index))
    }

    /// Whether element `id`'s namespace node for `prefix` is in the set.
    fn namespace_member(&self, id: NodeId, prefix: &str) -> bool {
        self.set
            .members
            .is_none_or(|m| m.contains_namespace(id, prefix))
    }

    /// Whether some namespace node's membership differs from its element's: then what a
    /// child inherits as "rendered" is exactly its nearest output ancestor's namespace nodes
    /// in the set (C14N 1.0 §2.3), not the running union of declarations written.
    fn namespace_detail(&self) -> bool {
        self.set.members.is_some_and(|m| m.has_namespace_detail())
    }

    /// The namespace nodes and attributes in the set of element `id`, which is not: written
    /// bare, as C14N 1.0 §2.3 processes them (merlin-c14n-three's examples do this). For
    /// exclusive C14N only the InclusiveNamespaces prefixes, which follow the inclusive rules.
    fn orphans(&mut self, id: NodeId) -> io::Result<()> {
        let doc = self.doc;
        let Some(e) = doc.element(id) else {
            return Ok(());
        };
        self.work
            .charge_io((self.inscope.len() + e.attributes().len()) as u64)?;
        let listed = match self.method {
            C14nMethod::Exclusive {
                inclusive_prefixes, ..
            } => Some(inclusive_prefixes),
            _ => None,
        };
        let mut decls: Vec<(&'d str, &'d str)> = Vec::new();
        for p in self.inscope.prefixes() {
            let u = self.inscope.get(p).unwrap_or("");
            if p == "xml"
                || u.is_empty()
                || listed.is_some_and(|l| !l.iter().any(|q| q == p))
                || !self.namespace_member(id, p)
                || self.rendered.get(p).is_some_and(|r| same(r, u))
            {
                continue;
            }
            decls.push((p, u));
        }
        decls.sort_unstable();
        let mut attrs: Vec<(&str, &str, &str, &str)> = Vec::new();
        for (i, a) in e.attributes().enumerate() {
            if self.attribute_member(id, i) {
                attrs.push(attribute_key(a.name, a.value, &self.inscope));
            }
        }
        sort_attributes(&mut attrs);
        write_namespaces(self.out, &decls)?;
        write_attributes(self.out, &attrs)
    }

    fn node(&mut self, id: NodeId) -> io::Result<()> {
        if self.set.exclude.contains(&id) {
            return Ok(());
        }
        if !self.member(id) && self.doc.element(id).is_none() {
            return Ok(());
        }
        let doc = self.doc;
        match &doc.node(id).kind {
            NodeKind::Element(_) => self.element(id, false),
            NodeKind::Text(t) => t.write_canonical(self.out),
            NodeKind::Comment(t) => {
                if self.method.comments() {
                    self.out.write_all(b"<!--")?;
                    self.out.write_all(t.as_bytes())?;
                    self.out.write_all(b"-->")?;
                }
                Ok(())
            }
            NodeKind::Pi(pi) => {
                let (target, data) = (pi.target, &pi.data);
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

    /// Element `id` and its content; `apex` when nothing above it was written (the scoped
    /// maps are restored before returning).
    fn element(&mut self, id: NodeId, apex: bool) -> io::Result<()> {
        if self.set.exclude.contains(&id) {
            return Ok(());
        }
        let (inscope_mark, rendered_mark) = (self.inscope.mark(), self.rendered.mark());
        let result = self.element_scoped(id, apex);
        self.inscope.rollback(inscope_mark);
        self.rendered.rollback(rendered_mark);
        result
    }

    fn element_scoped(&mut self, id: NodeId, apex: bool) -> io::Result<()> {
        let doc = self.doc;
        let Some(e) = doc.element(id) else {
            return Ok(());
        };
        for d in e.namespaces() {
            self.inscope.insert(d.prefix, d.uri.as_ref());
        }

        if !self.member(id) {
            // Not written (but its namespace nodes and attributes may be); its children still
            // are when they are in the set, each then an apex of its own (nothing above it
            // was written).
            if self
                .set
                .members
                .is_some_and(|m| m.has_namespace_detail() || m.has_attribute_detail())
            {
                self.orphans(id)?;
            }
            for child in e.children() {
                if doc.element(child).is_some() {
                    self.element(child, true)?;
                } else {
                    self.node(child)?;
                }
            }
            return Ok(());
        }

        // Namespace declarations to render: (prefix, uri), sorted by prefix ("" first).
        let mut decls: Vec<(&'d str, &'d str)> = Vec::new();
        let mut considered: HashSet<&'d str> = HashSet::new();
        let detail = self.namespace_detail();
        {
            let inscope = &self.inscope;
            let rendered = &self.rendered;
            let mut consider = |p: &'d str| {
                if p == "xml" || !considered.insert(p) {
                    return;
                }
                // A namespace node outside the set is not rendered; the default one then
                // counts as absent (xmlns="" when an output ancestor has a default).
                let u = if self.namespace_member(id, p) {
                    inscope.get(p).unwrap_or("")
                } else {
                    ""
                };
                let shown = rendered.get(p);
                if p.is_empty() {
                    if !same(u, shown.unwrap_or("")) {
                        decls.push((p, u));
                    }
                } else if !u.is_empty() && !shown.is_some_and(|s| same(s, u)) {
                    decls.push((p, u));
                }
            };
            match self.method {
                C14nMethod::Inclusive { .. } | C14nMethod::Inclusive11 { .. } => {
                    if apex || detail {
                        // Everything in scope may differ from what was rendered (nothing, at
                        // an apex).
                        self.work.charge_io(inscope.len() as u64)?;
                        for p in inscope.prefixes() {
                            consider(p);
                        }
                    } else {
                        // The parent was written with every namespace in its scope rendered
                        // (or already in force): only this element's declarations can differ.
                        for d in e.namespaces() {
                            if let Some((k, _)) = inscope.get_key_value(d.prefix) {
                                consider(k);
                            }
                        }
                    }
                }
                C14nMethod::Exclusive {
                    inclusive_prefixes, ..
                } => {
                    self.work.charge_io(inclusive_prefixes.len() as u64)?;
                    consider(e.prefix());
                    for (i, a) in e.attributes().enumerate() {
                        let (p, _) = split_qname(a.name);
                        if !p.is_empty() && self.attribute_member(id, i) {
                            consider(p);
                        }
                    }
                    for p in inclusive_prefixes {
                        if let Some((k, _)) = inscope.get_key_value(p.as_str()) {
                            consider(k);
                        }
                    }
                }
            }
        }
        if decls.len() > 1 {
            decls.sort_unstable();
        }

        // Attributes, with xml:* ones inherited at the apex of an inclusive subset, as
        // (namespace URI, local name, qualified name, value).
        let c14n11 = matches!(self.method, C14nMethod::Inclusive11 { .. });
        let mut base_fixup: Option<String> = None;
        let mut attrs: Vec<(&str, &str, &str, &str)> = Vec::new();
        for (i, a) in e.attributes().enumerate() {
            if self.attribute_member(id, i) {
                attrs.push(attribute_key(a.name, a.value, &self.inscope));
            }
        }
        if apex && !matches!(self.method, C14nMethod::Exclusive { .. }) {
            let mut bases: Vec<&str> = Vec::new();
            let mut cur = doc.parent(id);
            // C14N 1.0 takes each xml:* attribute from the nearest ancestor that has it,
            // written or not (merlin-c14n-three's c14n-3); C14N 1.1 stops at the nearest
            // ancestor that was written (with a node-set by membership), which carries its own.
            while let Some(a) =
                cur.filter(|&a| !c14n11 || self.set.members.is_none() || !self.member(a))
            {
                if let Some(ae) = doc.element(a) {
                    self.work
                        .charge_io(1 + (ae.attributes().len() * (1 + attrs.len())) as u64)?;
                    for at in ae.attributes() {
                        let (n, v) = (at.name, at.value);
                        let Some(l) = n.strip_prefix("xml:") else {
                            continue;
                        };
                        let present = attrs.iter().any(|x| x.0 == XML_NAMESPACE && x.1 == l);
                        if c14n11 && l == "base" {
                            bases.push(v);
                        } else if c14n11 && l == "id" {
                            // C14N 1.1: xml:id is not inherited.
                        } else if !present {
                            attrs.push((XML_NAMESPACE, l, n, v));
                        }
                    }
                }
                cur = doc.parent(a);
            }
            if !bases.is_empty() {
                // Outermost first, then the apex's own value.
                let own = e.attribute("xml:base");
                let mut joined = bases.pop().unwrap_or_default().to_owned();
                while let Some(b) = bases.pop() {
                    joined = join_uri(&joined, b);
                }
                if let Some(own) = own {
                    joined = join_uri(&joined, own);
                }
                base_fixup = Some(joined);
            }
        }
        if let Some(b) = &base_fixup {
            attrs.retain(|x| !(x.0 == XML_NAMESPACE && x.1 == "base"));
            attrs.push((XML_NAMESPACE, "base", "xml:base", b));
        }
        sort_attributes(&mut attrs);

        self.out.write_all(b"<")?;
        self.out.write_all(e.name().as_bytes())?;
        write_namespaces(self.out, &decls)?;
        write_attributes(self.out, &attrs)?;
        self.out.write_all(b">")?;

        // What the children see as rendered.
        if detail {
            let below = self.rendered_below(id, e)?;
            self.work
                .charge_io((self.rendered.len() + below.len()) as u64)?;
            let stale: Vec<&'d str> = self
                .rendered
                .prefixes()
                .filter(|p| !below.contains_key(p))
                .collect();
            for p in stale {
                self.rendered.remove(p);
            }
            for (p, u) in below {
                if self.rendered.get(p) != Some(u) {
                    self.rendered.insert(p, u);
                }
            }
        } else {
            for &(p, u) in &decls {
                self.rendered.insert(p, u);
            }
        }
        for child in e.children() {
            self.node(child)?;
        }
        self.out.write_all(b"</")?;
        self.out.write_all(e.name().as_bytes())?;
        self.out.write_all(b">")
    }
}

impl<'d, W: Write + ?Sized> Canonicalizer<'d, '_, W> {
    /// What the children of element `id` (in the set) see as their nearest output ancestor's
    /// namespace nodes, when the set decides namespace nodes one by one. Inclusive C14N: the
    /// element's own namespace nodes in the set (`""` mapped to `""` when its default is
    /// not). Exclusive: the parent's view, updated for each prefix the element visibly
    /// utilizes or lists in InclusiveNamespaces — its own node when in the set, else none.
    fn rendered_below(
        &self,
        id: NodeId,
        e: super::tree::Element<'d, 'd>,
    ) -> io::Result<HashMap<&'d str, &'d str>> {
        let inscope = &self.inscope;
        let own = |p: &'d str, map: &mut HashMap<&'d str, &'d str>| {
            let u = inscope.get(p).unwrap_or("");
            if !u.is_empty() && self.namespace_member(id, p) {
                map.insert(p, u);
            } else if p.is_empty() {
                map.insert("", "");
            } else {
                map.remove(p);
            }
        };
        Ok(match self.method {
            C14nMethod::Inclusive { .. } | C14nMethod::Inclusive11 { .. } => {
                self.work.charge_io(inscope.len() as u64)?;
                let mut map = HashMap::new();
                own("", &mut map);
                for p in inscope.prefixes().filter(|p| *p != "xml") {
                    own(p, &mut map);
                }
                map
            }
            C14nMethod::Exclusive {
                inclusive_prefixes, ..
            } => {
                self.work.charge_io(
                    (self.rendered.len() + inclusive_prefixes.len() + e.attributes().len()) as u64,
                )?;
                let mut map = self.rendered.map.clone();
                own(e.prefix(), &mut map);
                for (i, a) in e.attributes().enumerate() {
                    let (p, _) = split_qname(a.name);
                    if !p.is_empty() && p != "xml" && self.attribute_member(id, i) {
                        own(p, &mut map);
                    }
                }
                for p in inclusive_prefixes {
                    if let Some((k, _)) = inscope.get_key_value(p.as_str()) {
                        own(k, &mut map);
                    }
                }
                map
            }
        })
    }
}

/// An attribute as C14N sorts it: (namespace URI, local name, qualified name, value).
fn attribute_key<'v>(
    name: &'v str,
    value: &'v str,
    inscope: &Scoped<'v>,
) -> (&'v str, &'v str, &'v str, &'v str) {
    let (p, l) = split_qname(name);
    let ns = if p.is_empty() {
        ""
    } else if p == "xml" {
        XML_NAMESPACE
    } else {
        inscope.get(p).unwrap_or("")
    };
    (ns, l, name, value)
}

/// Sorts attributes by namespace URI, then local name (C14N 1.0 §2.2).
fn sort_attributes(attrs: &mut [(&str, &str, &str, &str)]) {
    if attrs.len() > 1 {
        attrs.sort_unstable_by(|a, b| {
            if same(a.0, b.0) {
                a.1.cmp(b.1)
            } else {
                (a.0, a.1).cmp(&(b.0, b.1))
            }
        });
    }
}

/// ` xmlns:p="uri"` for each declaration (` xmlns="uri"` for the default namespace).
fn write_namespaces<W: Write + ?Sized>(out: &mut W, decls: &[(&str, &str)]) -> io::Result<()> {
    for &(p, u) in decls {
        if p.is_empty() {
            out.write_all(b" xmlns=\"")?;
        } else {
            out.write_all(b" xmlns:")?;
            out.write_all(p.as_bytes())?;
            out.write_all(b"=\"")?;
        }
        escape(out, u, true)?;
        out.write_all(b"\"")?;
    }
    Ok(())
}

/// ` name="value"` for each attribute, escaped.
fn write_attributes<W: Write + ?Sized>(
    out: &mut W,
    attrs: &[(&str, &str, &str, &str)],
) -> io::Result<()> {
    for &(_, _, n, v) in attrs {
        out.write_all(b" ")?;
        out.write_all(n.as_bytes())?;
        out.write_all(b"=\"")?;
        escape(out, v, true)?;
        out.write_all(b"\"")?;
    }
    Ok(())
}

/// Resolves `reference` against `base` (RFC 3986 §5.2, as C14N 1.1 §2.4 asks for the
/// xml:base fixup; leading `..` segments of a relative result are kept).
fn join_uri(base: &str, reference: &str) -> String {
    fn scheme_len(s: &str) -> Option<usize> {
        let colon = s.find(':')?;
        let scheme = &s[..colon];
        let mut chars = scheme.chars();
        (chars.next()?.is_ascii_alphabetic()
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .then_some(colon + 1)
    }
    /// (scheme and authority, path, query and fragment).
    fn split(s: &str) -> (&str, &str, &str) {
        let after_scheme = scheme_len(s).unwrap_or(0);
        let mut path_start = after_scheme;
        if s[after_scheme..].starts_with("//") {
            path_start = s[after_scheme + 2..]
                .find(['/', '?', '#'])
                .map_or(s.len(), |i| after_scheme + 2 + i);
        }
        let path_end = s[path_start..]
            .find(['?', '#'])
            .map_or(s.len(), |i| path_start + i);
        (&s[..path_start], &s[path_start..path_end], &s[path_end..])
    }
    fn remove_dots(path: &str) -> String {
        let absolute = path.starts_with('/');
        let mut out: Vec<&str> = Vec::new();
        let segments: Vec<&str> = path.split('/').collect();
        let last = segments.len().saturating_sub(1);
        let mut trailing_slash = false;
        for (i, seg) in segments.iter().enumerate() {
            match *seg {
                "." => trailing_slash = i == last,
                ".." => {
                    if out.last().is_some_and(|s| *s != ".." && !s.is_empty()) {
                        out.pop();
                    } else if !absolute {
                        out.push("..");
                    }
                    trailing_slash = i == last;
                }
                "" if i == 0 && absolute => {}
                s => {
                    out.push(s);
                    trailing_slash = false;
                }
            }
        }
        let mut r = if absolute {
            "/".to_owned()
        } else {
            String::new()
        };
        r.push_str(&out.join("/"));
        if trailing_slash && !r.ends_with('/') {
            r.push('/');
        }
        r
    }
    if reference.is_empty() {
        return base.to_owned();
    }
    if scheme_len(reference).is_some() {
        let (prefix, path, rest) = split(reference);
        return format!("{prefix}{}{rest}", remove_dots(path));
    }
    let (prefix, base_path, _) = split(base);
    if reference.starts_with("//") {
        let scheme = scheme_len(base).map_or("", |n| &base[..n]);
        return format!("{scheme}{reference}");
    }
    let (_, ref_path, ref_rest) = split(reference);
    let path = if ref_path.is_empty() {
        base_path.to_owned()
    } else if ref_path.starts_with('/') {
        remove_dots(ref_path)
    } else {
        let dir = match base_path.rfind('/') {
            Some(i) => &base_path[..=i],
            None if !prefix.is_empty() && base_path.is_empty() => "/",
            None => "",
        };
        remove_dots(&format!("{dir}{ref_path}"))
    };
    let rest = if ref_path.is_empty() && !ref_rest.starts_with('?') {
        // Only a fragment: keep the base's query.
        let (_, _, base_rest) = split(base);
        let query = base_rest.split('#').next().unwrap_or("");
        format!("{query}{ref_rest}")
    } else {
        ref_rest.to_owned()
    };
    format!("{prefix}{path}{rest}")
}

#[cfg(test)]
mod tests {
    use super::join_uri;

    /// RFC 3986 §5.4.1's normal examples (base http://a/b/c/d;p?q), and relative bases.
    #[test]
    fn join_uri_resolves_references() {
        let base = "http://a/b/c/d;p?q";
        for (r, want) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q#s"),
            ("g#s", "http://a/b/c/g#s"),
            (";x", "http://a/b/c/;x"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../g", "http://a/g"),
            ("g:h", "g:h"),
        ] {
            assert_eq!(join_uri(base, r), want, "{r}");
        }
        assert_eq!(join_uri("../x/", "../y/z"), "../y/z");
        assert_eq!(join_uri("dir/", "sub/"), "dir/sub/");
        assert_eq!(
            join_uri("http://example.org/dir/", "sub/"),
            "http://example.org/dir/sub/"
        );
    }
}
