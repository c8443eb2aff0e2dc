//! Parsing: quick-xml events into a compact tree that borrows from the input and keeps what
//! canonicalization needs (namespace declarations, attributes, text, comments and processing
//! instructions, in order). Nodes live in one `Vec` of 32-byte records, elements' own data in
//! a second, attributes and namespace declarations in two more, linked by `u32` index: no
//! allocation per node, no copy of names or unescaped text.
//!
//! DTDs are refused outright: no `<!DOCTYPE`, hence no entity declarations, no external
//! references and no entity expansion beyond the five predefined entities and character
//! references. Input size, element depth, attributes per element and the number of nodes are
//! bounded by [`ParseLimits`].

//!
//! The parts: `parse.rs` (the parser: quick-xml events into the tree, the name checks),
//! `text.rs` (character data decoded on demand, canonical escaping); this file holds the
//! node store and the navigation over it.

use std::borrow::Cow;

mod encoding;
mod parse;
mod text;

pub use encoding::XmlText;

pub(crate) use text::escape;

/// The namespace of the `xml:` prefix, bound in every document.
pub const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";
/// The WS-Security utility namespace, whose `wsu:Id` identifies the SOAP parts a WS-Security
/// signature references.
pub const WSU_NS: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

/// The hard ceiling on element depth, above any [`ParseLimits::max_depth`].
pub const MAX_DEPTH_CAP: usize = 1024;

/// Bounds on what [`Document::parse`] accepts (untrusted input must not cost unbounded work).
#[derive(Clone, Copy, Debug)]
pub struct ParseLimits {
    /// Most bytes of input.
    pub max_size: usize,
    /// Deepest element nesting (at most [`MAX_DEPTH_CAP`], whatever is set here:
    /// canonicalization recurses once per level).
    pub max_depth: usize,
    /// Most attributes (namespace declarations included) on one element.
    pub max_attributes: usize,
    /// Most nodes (elements, text, comments, processing instructions) in the document.
    pub max_nodes: usize,
    /// Most units of work one verification of the document may spend on what input can
    /// amplify: XPath evaluation (each expression evaluated, node visited, namespace
    /// declaration looked at, character of a string-value built or compared, pair of strings
    /// a node-set comparison compares) and canonicalization's namespace work beyond what it
    /// writes. Beyond it the Reference is given up with
    /// [`XmlFinding::WorkLimitExceeded`](super::XmlFinding::WorkLimitExceeded)
    /// (indeterminate). Ordinary documents spend a few thousand units; xmlsec's whole suite at
    /// most a few hundred thousand per document. The default, 10 million, is about a tenth of a
    /// second of XPath evaluation in a release build.
    pub max_work: u64,
}

impl Default for ParseLimits {
    /// 64 MiB, depth 256, 256 attributes per element, 8 million nodes, 10 million units of
    /// work.
    fn default() -> Self {
        Self {
            max_size: 64 * 1024 * 1024,
            max_depth: 256,
            max_attributes: 256,
            max_nodes: 8_000_000,
            max_work: 10_000_000,
        }
    }
}

/// Index of a node in its [`Document`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub(crate) u32);

/// "No node" in the packed links of [`Node`] and [`ElementData`].
const NONE: u32 = u32::MAX;

fn link(id: u32) -> Option<NodeId> {
    (id != NONE).then_some(NodeId(id))
}

/// An attribute other than a namespace declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// Qualified name as written (`xml:lang`, `Id`).
    pub name: &'a str,
    /// Normalized value (references resolved, white space normalized as XML 1.0 §3.3.3
    /// asks); borrowed from the input unless normalization changed it.
    pub value: Cow<'a, str>,
}

/// A namespace declaration (`xmlns="…"` or `xmlns:p="…"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceDecl<'a> {
    /// The prefix; `""` for the default namespace.
    pub prefix: &'a str,
    /// The namespace URI; `""` only for `xmlns=""` (the default namespace undeclared).
    pub uri: Cow<'a, str>,
}

/// Where an element sits in the parsed input, as byte offsets into the bytes given to
/// [`Document::parse`] (a byte-order mark included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ElementSpan {
    /// Offset of the `<` that opens the start tag.
    pub start: usize,
    /// Offset just past the start tag's `>` (for an empty-element tag `<a/>`, past `/>`).
    pub start_tag_end: usize,
    /// Offset of the `<` of the end tag; `None` for an empty-element tag.
    pub end_tag_start: Option<usize>,
    /// Offset just past the element (past its end tag's `>`).
    pub end: usize,
}

/// An element's handle inside its [`Document`]: read it through [`Element`]
/// ([`Document::element`]). Its record is kept beside the nodes, so that a node stays small
/// (most nodes of a large document are text).
#[derive(Clone, Copy, Debug)]
pub struct ElementData<'a> {
    /// Index into [`Document`]'s element records.
    record: u32,
    _input: std::marker::PhantomData<&'a str>,
}

/// An element's packed record: name, declarations, attributes, children, span.
#[derive(Clone, Debug)]
pub(crate) struct ElementRecord<'a> {
    name: &'a str,
    /// Range of [`Document`]'s namespace declarations.
    namespaces: (u32, u32),
    /// Range of [`Document`]'s attributes.
    attributes: (u32, u32),
    first_child: u32,
    last_child: u32,
    /// start, start_tag_end, end_tag_start (`NONE` for `<a/>`), end: offsets into the input
    /// after the byte-order mark.
    span: [u32; 4],
}

/// Character data as it appears in the input: the markup of one run of text, CDATA sections
/// and references, kept borrowed and decoded on demand (or, after the signer fills in a
/// placeholder, a decoded string).
#[derive(Clone, Debug)]
pub struct Text<'a>(TextRepr<'a>);

#[derive(Clone, Debug)]
enum TextRepr<'a> {
    /// Raw markup: references, CDATA sections and unnormalized line ends left as written
    /// (all checked well-formed by the parser).
    Markup(&'a str),
    /// Decoded character data (boxed: rare, and a node stays 32 bytes).
    // A thin pointer on purpose: `Box<str>` is two words and would make a node 40 bytes.
    #[allow(clippy::box_collection)]
    Decoded(Box<String>),
}

/// What a node is.
#[derive(Clone, Debug)]
pub enum NodeKind<'a> {
    /// An element (read it through [`Document::element`]).
    Element(ElementData<'a>),
    /// Character data (CDATA sections included; adjacent runs joined).
    Text(Text<'a>),
    /// A comment's text (line ends normalized).
    Comment(Cow<'a, str>),
    /// A processing instruction (boxed: rare, and a node stays 32 bytes).
    Pi(Box<ProcessingInstruction<'a>>),
}

/// A processing instruction: target and data (without the separating white space).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessingInstruction<'a> {
    /// The target.
    pub target: &'a str,
    /// The data (line ends normalized).
    pub data: Cow<'a, str>,
}

/// A node with its links.
#[derive(Clone, Debug)]
pub struct Node<'a> {
    parent: u32,
    next_sibling: u32,
    /// What it is.
    pub kind: NodeKind<'a>,
}

impl Node<'_> {
    /// The parent element (`None` at document level).
    pub fn parent(&self) -> Option<NodeId> {
        link(self.parent)
    }
}

/// A parsed XML document, borrowing its names, values and text from the input.
///
/// Strings are slices of the input wherever the input holds them as they are; only what
/// needs decoding (an attribute value with a reference, say) is copied. Text keeps its
/// markup and is decoded on demand ([`Text::as_str`]) or canonicalized straight from it.
#[derive(Clone, Debug)]
pub struct Document<'a> {
    nodes: Vec<Node<'a>>,
    /// The elements' records ([`ElementData`] indexes them).
    elements: Vec<ElementRecord<'a>>,
    attributes: Vec<Attribute<'a>>,
    namespaces: Vec<NamespaceDecl<'a>>,
    /// Document-level children: comments and PIs around the one root element.
    children: Vec<NodeId>,
    root: NodeId,
    /// Length of the byte-order mark skipped before parsing (spans count it).
    bom: usize,
}

/// An element of a [`Document`]: its name, namespace declarations, attributes and children.
#[derive(Clone, Copy)]
pub struct Element<'d, 'a> {
    doc: &'d Document<'a>,
    id: NodeId,
    data: &'d ElementRecord<'a>,
}

impl std::fmt::Debug for Element<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Element")
            .field("id", &self.id)
            .field("name", &self.data.name)
            .field("attributes", &self.attributes())
            .finish_non_exhaustive()
    }
}

impl<'d, 'a> Element<'d, 'a> {
    /// Its node id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// Qualified name as written (`ds:Signature`).
    pub fn name(&self) -> &'a str {
        self.data.name
    }

    /// The prefix of the element name (`""` when unprefixed).
    pub fn prefix(&self) -> &'a str {
        split_qname(self.data.name).0
    }

    /// The local part of the element name.
    pub fn local_name(&self) -> &'a str {
        split_qname(self.data.name).1
    }

    /// Namespace declarations on this element, in document order.
    pub fn namespaces(&self) -> &'d [NamespaceDecl<'a>] {
        let (a, b) = self.data.namespaces;
        &self.doc.namespaces[a as usize..b as usize]
    }

    /// Other attributes, in document order.
    pub fn attributes(&self) -> &'d [Attribute<'a>] {
        let (a, b) = self.data.attributes;
        &self.doc.attributes[a as usize..b as usize]
    }

    /// The value of the attribute with qualified name `name`.
    pub fn attribute(&self, name: &str) -> Option<&'d str> {
        self.attributes()
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_ref())
    }

    /// Child nodes in document order.
    pub fn children(&self) -> Children<'d, 'a> {
        Children {
            doc: self.doc,
            next: self.data.first_child,
        }
    }

    /// Where the element sits in the parsed input.
    pub fn span(&self) -> ElementSpan {
        let [start, start_tag_end, end_tag_start, end] = self.data.span;
        let at = |o: u32| o as usize + self.doc.bom;
        ElementSpan {
            start: at(start),
            start_tag_end: at(start_tag_end),
            end_tag_start: (end_tag_start != NONE).then(|| at(end_tag_start)),
            end: at(end),
        }
    }
}

/// The children of an element ([`Element::children`]), in document order.
#[derive(Clone, Debug)]
pub struct Children<'d, 'a> {
    doc: &'d Document<'a>,
    next: u32,
}

impl Iterator for Children<'_, '_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        let id = link(self.next)?;
        self.next = self.doc.nodes[id.0 as usize].next_sibling;
        Some(id)
    }
}

/// Whether `s` is an NCName: an XML Name (XML 1.0 §2.3) without a colon.
pub(crate) fn is_ncname(s: &str) -> bool {
    fn start(c: char) -> bool {
        matches!(c,
            'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
            | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
            | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
            | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
            | '\u{10000}'..='\u{EFFFF}')
    }
    fn rest(c: char) -> bool {
        start(c)
            || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}'
                | '\u{203F}'..='\u{2040}')
    }
    let mut chars = s.chars();
    chars.next().is_some_and(start) && chars.all(rest)
}

/// Splits `p:local` into (`p`, `local`); unprefixed names give `("", name)`.
pub(crate) fn split_qname(name: &str) -> (&str, &str) {
    match memchr::memchr(b':', name.as_bytes()) {
        Some(i) => (&name[..i], &name[i + 1..]),
        None => ("", name),
    }
}

impl<'a> Document<'a> {
    /// The root element.
    pub fn root(&self) -> NodeId {
        self.root
    }

    /// Document-level nodes (the root element and the comments and PIs around it).
    pub fn children(&self) -> &[NodeId] {
        &self.children
    }

    /// The node `id`.
    ///
    /// # Panics
    /// If `id` does not come from this document.
    pub fn node(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id.0 as usize]
    }

    /// Whether `id` is a node of this document.
    pub fn contains(&self, id: NodeId) -> bool {
        (id.0 as usize) < self.nodes.len()
    }

    /// The element `id`, if it is one.
    pub fn element(&self, id: NodeId) -> Option<Element<'_, 'a>> {
        match &self.nodes.get(id.0 as usize)?.kind {
            NodeKind::Element(data) => Some(Element {
                doc: self,
                id,
                data: &self.elements[data.record as usize],
            }),
            _ => None,
        }
    }

    /// The parent element of `id`.
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        link(self.nodes.get(id.0 as usize)?.parent)
    }

    /// Every node, in document order, as (id, node).
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &Node<'a>)> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (NodeId(i as u32), n))
    }

    /// Whether `ancestor` is `id` or one of its ancestors.
    pub fn is_ancestor_or_self(&self, ancestor: NodeId, id: NodeId) -> bool {
        let mut cur = Some(id);
        while let Some(c) = cur {
            if c == ancestor {
                return true;
            }
            cur = self.parent(c);
        }
        false
    }

    /// Resolves `prefix` (`""` = default namespace) in the scope of element `id`; the default
    /// namespace unset or undeclared gives `None`.
    pub fn lookup_namespace(&self, id: NodeId, prefix: &str) -> Option<&str> {
        self.lookup_namespace_counted(id, prefix).0
    }

    /// [`Document::lookup_namespace`], and how many declarations it looked at (callers with a
    /// work budget charge them).
    pub(crate) fn lookup_namespace_counted(
        &self,
        id: NodeId,
        prefix: &str,
    ) -> (Option<&str>, usize) {
        if prefix == "xml" {
            return (Some(XML_NAMESPACE), 0);
        }
        let mut looked_at = 0;
        let mut cur = Some(id);
        while let Some(c) = cur {
            looked_at += 1;
            if let Some(e) = self.element(c) {
                for d in e.namespaces() {
                    looked_at += 1;
                    if d.prefix == prefix {
                        let uri = if d.uri.is_empty() {
                            None
                        } else {
                            Some(&*d.uri)
                        };
                        return (uri, looked_at);
                    }
                }
            }
            cur = self.parent(c);
        }
        (None, looked_at)
    }

    /// The namespace nodes of element `id` in the XPath data model: each prefix in scope with
    /// its URI, sorted by prefix (`""`, the default namespace, first), `xml` included, a
    /// default namespace undeclared (`xmlns=""`) or never declared left out (empty for a node
    /// that is not an element); and how many declarations it looked at (callers with a work
    /// budget charge them).
    pub(crate) fn in_scope_namespaces_counted(&self, id: NodeId) -> (Vec<(&str, &str)>, usize) {
        if self.element(id).is_none() {
            return (Vec::new(), 0);
        }
        let mut out: Vec<(&str, &str)> = vec![("xml", XML_NAMESPACE)];
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        seen.insert("xml");
        let mut looked_at = 0;
        let mut cur = Some(id);
        while let Some(c) = cur {
            looked_at += 1;
            if let Some(e) = self.element(c) {
                for d in e.namespaces() {
                    looked_at += 1;
                    // The nearest declaration of a prefix wins; `xmlns=""` hides outer defaults.
                    if !seen.insert(d.prefix) {
                        continue;
                    }
                    if !(d.prefix.is_empty() && d.uri.is_empty()) {
                        out.push((d.prefix, &d.uri));
                    }
                }
            }
            cur = self.parent(c);
        }
        out.sort_unstable_by(|a, b| a.0.cmp(b.0));
        (out, looked_at)
    }

    /// How many nodes (elements, text, comments, processing instructions) the document has.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The namespace URI and local name of element `id`.
    pub fn expanded_name(&self, id: NodeId) -> Option<(Option<&str>, &str)> {
        let e = self.element(id)?;
        Some((self.lookup_namespace(id, e.prefix()), e.local_name()))
    }

    /// Whether element `id` has namespace `ns` and local name `local` (the local name is
    /// compared first: no namespace look-up for most elements).
    pub fn is_named(&self, id: NodeId, ns: &str, local: &str) -> bool {
        self.element(id).is_some_and(|e| {
            e.local_name() == local && self.lookup_namespace(id, e.prefix()) == Some(ns)
        })
    }

    /// The element children of `id` with namespace `ns` and local name `local`.
    pub fn children_named<'d>(
        &'d self,
        id: NodeId,
        ns: &'d str,
        local: &'d str,
    ) -> impl Iterator<Item = NodeId> + 'd {
        self.element(id)
            .into_iter()
            .flat_map(|e| e.children())
            .filter(move |&c| self.is_named(c, ns, local))
    }

    /// Replaces the content of the first text child of element `id` (the signer fills in the
    /// placeholders it wrote). Returns whether there was one.
    pub(crate) fn set_text(&mut self, id: NodeId, text: &str) -> bool {
        let Some(t) = self.element(id).and_then(|e| {
            e.children()
                .find(|&c| matches!(self.node(c).kind, NodeKind::Text(_)))
        }) else {
            return false;
        };
        if let NodeKind::Text(s) = &mut self.nodes[t.0 as usize].kind {
            s.0 = TextRepr::Decoded(Box::new(text.to_owned()));
        }
        true
    }

    /// Every identifier attribute (`Id`, `ID`, `id`, `xml:id`, or WS-Security's `wsu:Id` —
    /// an `Id` in the [`WSU_NS`] namespace, whatever its prefix) as (value, element), in
    /// document order: what same-document references (`#value`) select.
    pub fn id_attributes(&self) -> impl Iterator<Item = (&str, NodeId)> {
        self.nodes()
            .filter_map(|(id, _)| self.element(id))
            .flat_map(move |e| {
                e.attributes()
                    .iter()
                    .filter(move |a| {
                        matches!(a.name, "Id" | "ID" | "id" | "xml:id")
                            || matches!(split_qname(a.name), (p, "Id")
                                if !p.is_empty()
                                    && self.lookup_namespace(e.id(), p) == Some(WSU_NS))
                    })
                    .map(move |a| (a.value.as_ref(), e.id()))
            })
    }

    /// The text content of `id` (its text children concatenated, not descending).
    pub fn text(&self, id: NodeId) -> String {
        let mut out = String::new();
        if let Some(e) = self.element(id) {
            for c in e.children() {
                if let NodeKind::Text(t) = &self.node(c).kind {
                    out.push_str(&t.as_str());
                }
            }
        }
        out
    }
}

#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    use super::{Node, NodeKind};

    /// Most nodes of a large document are text: a node is kept at 32 bytes (elements' own data
    /// beside, processing instructions and decoded text boxed), which the memory figures of
    /// `benches/README.md` ("XMLDSig") count on.
    #[test]
    fn nodes_stay_small() {
        assert_eq!(std::mem::size_of::<NodeKind<'_>>(), 24);
        assert_eq!(std::mem::size_of::<Node<'_>>(), 32);
    }
}
