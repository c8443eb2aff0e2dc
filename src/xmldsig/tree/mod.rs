//! Parsing: quick-xml events into a compact tree that borrows from the input and keeps what
//! canonicalization needs (namespace declarations, attributes, text, comments and processing
//! instructions, in order). Nodes live in one `Vec` of 16-byte records, elements' own data
//! (32 bytes) in a second, attributes (16 bytes) and namespace declarations in two more, linked
//! by `u32` index and pointing into the input by `u32` offset: no allocation per node, no copy
//! of names, values or unescaped text. [`Document::node`] and [`Element::attributes`] read the
//! records into borrowed views.
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

/// An attribute other than a namespace declaration, as [`Element::attributes`] reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// Qualified name as written (`xml:lang`, `Id`).
    pub name: &'a str,
    /// Normalized value (references resolved, white space normalized as XML 1.0 §3.3.3
    /// asks); a slice of the input unless normalization changed it.
    pub value: &'a str,
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
    /// Index into [`Document`]'s element records (the node record holds it too; this copy
    /// is for `Debug`).
    #[allow(dead_code)]
    record: u32,
    _input: std::marker::PhantomData<&'a str>,
}

/// An element's packed record (32 bytes): where its name, declarations, attributes and
/// children are. Its name starts just after the `<` at `span[0]`; its declarations and
/// attributes run up to where the next element's start (records are in document order).
#[derive(Clone, Debug)]
pub(crate) struct ElementRecord {
    name_len: u32,
    /// First of [`Document`]'s namespace declarations that is this element's.
    namespaces: u32,
    /// First of [`Document`]'s attribute records that is this element's.
    attributes: u32,
    first_child: u32,
    /// start, start_tag_end, end_tag_start (`NONE` for `<a/>`), end: offsets into the input
    /// after the byte-order mark.
    span: [u32; 4],
}

/// An attribute's packed record (16 bytes): name and value as offsets into the input, or the
/// value as an index into [`Document`]'s normalized values (`value_len == NONE`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct AttributeRecord {
    name: u32,
    name_len: u32,
    value: u32,
    value_len: u32,
}

/// A node's packed record (16 bytes): its links, and what it is in `a` and `b`: text is the
/// input from `a` to `b`; `b == ELEMENT` makes it the element record `a`, `b == EXTRA` the
/// rarer node (comment, processing instruction, text the signer filled in) `a` of
/// [`Document`]'s extras. Input offsets stay below `EXTRA` ([`Document::parse`] refuses
/// longer input), so the three never meet.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NodeRecord {
    parent: u32,
    next_sibling: u32,
    a: u32,
    b: u32,
}

/// `NodeRecord::b` of an element.
const ELEMENT: u32 = u32::MAX;
/// `NodeRecord::b` of a node kept in [`Document`]'s extras.
const EXTRA: u32 = u32::MAX - 1;

/// A node kept beside the node records: rare in the documents signflow meets.
#[derive(Clone, Debug)]
enum Extra<'a> {
    Comment(Cow<'a, str>),
    Pi {
        target: &'a str,
        data: Cow<'a, str>,
    },
    /// Character data the signer filled in.
    Decoded(String),
}

/// Character data as it appears in the input: the markup of one run of text, CDATA sections
/// and references, kept borrowed and decoded on demand (or, after the signer fills in a
/// placeholder, a decoded string).
#[derive(Clone, Copy, Debug)]
pub struct Text<'a>(TextRepr<'a>);

#[derive(Clone, Copy, Debug)]
enum TextRepr<'a> {
    /// Raw markup: references, CDATA sections and unnormalized line ends left as written
    /// (all checked well-formed by the parser).
    Markup(&'a str),
    /// Decoded character data.
    Decoded(&'a str),
}

/// What a node is.
#[derive(Clone, Copy, Debug)]
pub enum NodeKind<'a> {
    /// An element (read it through [`Document::element`]).
    Element(ElementData<'a>),
    /// Character data (CDATA sections included; adjacent runs joined).
    Text(Text<'a>),
    /// A comment's text (line ends normalized).
    Comment(&'a str),
    /// A processing instruction.
    Pi(ProcessingInstruction<'a>),
}

/// A processing instruction: target and data (without the separating white space).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessingInstruction<'a> {
    /// The target.
    pub target: &'a str,
    /// The data (line ends normalized).
    pub data: &'a str,
}

/// A node as [`Document::node`] reads it: what it is, and its parent.
#[derive(Clone, Copy, Debug)]
pub struct Node<'a> {
    parent: u32,
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
/// Nodes, elements and attributes are packed records of offsets into the input (16, 32 and
/// 16 bytes); names, values and text are read from the input through them. Only what needs
/// decoding (an attribute value with a reference, say) is copied. Text keeps its markup and
/// is decoded on demand ([`Text::as_str`]) or canonicalized straight from it.
#[derive(Clone)]
pub struct Document<'a> {
    /// The input after the byte-order mark: what the records' offsets point into.
    input: &'a str,
    nodes: Vec<NodeRecord>,
    /// The elements' records ([`ElementData`] indexes them).
    elements: Vec<ElementRecord>,
    attributes: Vec<AttributeRecord>,
    /// Attribute values that normalization changed.
    values: Vec<String>,
    namespaces: Vec<NamespaceDecl<'a>>,
    /// Comments, processing instructions and text the signer filled in.
    extras: Vec<Extra<'a>>,
    /// Document-level children: comments and PIs around the one root element.
    children: Vec<NodeId>,
    root: NodeId,
    /// Length of the byte-order mark skipped before parsing (spans count it).
    bom: usize,
}

impl std::fmt::Debug for Document<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("nodes", &self.nodes.len())
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// An element of a [`Document`]: its name, namespace declarations, attributes and children.
#[derive(Clone, Copy)]
pub struct Element<'d, 'a> {
    doc: &'d Document<'a>,
    id: NodeId,
    record: u32,
    data: &'d ElementRecord,
}

impl std::fmt::Debug for Element<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Element")
            .field("id", &self.id)
            .field("name", &self.name())
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
        let start = self.data.span[0] as usize + 1;
        self.doc
            .input
            .get(start..start + self.data.name_len as usize)
            .unwrap_or_default()
    }

    /// The prefix of the element name (`""` when unprefixed).
    pub fn prefix(&self) -> &'a str {
        split_qname(self.name()).0
    }

    /// The local part of the element name.
    pub fn local_name(&self) -> &'a str {
        split_qname(self.name()).1
    }

    /// The range of the document's records (`field` of this element's record up to that of
    /// the next element, or `len` after the last).
    fn range(&self, field: impl Fn(&ElementRecord) -> u32, len: usize) -> std::ops::Range<usize> {
        let end = self
            .doc
            .elements
            .get(self.record as usize + 1)
            .map_or(len, |next| field(next) as usize);
        field(self.data) as usize..end
    }

    /// Namespace declarations on this element, in document order.
    pub fn namespaces(&self) -> &'d [NamespaceDecl<'a>] {
        let range = self.range(|r| r.namespaces, self.doc.namespaces.len());
        &self.doc.namespaces[range]
    }

    /// Other attributes, in document order.
    pub fn attributes(&self) -> Attributes<'d> {
        let range = self.range(|r| r.attributes, self.doc.attributes.len());
        Attributes {
            input: self.doc.input,
            values: &self.doc.values,
            records: &self.doc.attributes[range],
        }
    }

    /// The value of the attribute with qualified name `name`.
    pub fn attribute(&self, name: &str) -> Option<&'d str> {
        self.attributes().find(|a| a.name == name).map(|a| a.value)
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

/// The attributes of an element ([`Element::attributes`]), in document order, read from
/// their packed records.
#[derive(Clone)]
pub struct Attributes<'d> {
    input: &'d str,
    values: &'d [String],
    records: &'d [AttributeRecord],
}

impl<'d> Attributes<'d> {
    /// The `i`th attribute (counting the ones not yet iterated over).
    pub fn get(&self, i: usize) -> Option<Attribute<'d>> {
        self.records.get(i).map(|r| self.read(r))
    }

    fn read(&self, r: &AttributeRecord) -> Attribute<'d> {
        let slice = |at: u32, len: u32| {
            self.input
                .get(at as usize..at as usize + len as usize)
                .unwrap_or_default()
        };
        Attribute {
            name: slice(r.name, r.name_len),
            value: if r.value_len == NONE {
                self.values.get(r.value as usize).map_or("", String::as_str)
            } else {
                slice(r.value, r.value_len)
            },
        }
    }
}

impl std::fmt::Debug for Attributes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<'d> Iterator for Attributes<'d> {
    type Item = Attribute<'d>;

    fn next(&mut self) -> Option<Attribute<'d>> {
        let (first, rest) = self.records.split_first()?;
        self.records = rest;
        Some(self.read(first))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.records.len(), Some(self.records.len()))
    }
}

impl DoubleEndedIterator for Attributes<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let (last, rest) = self.records.split_last()?;
        self.records = rest;
        Some(self.read(last))
    }
}

impl ExactSizeIterator for Attributes<'_> {}

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
    pub fn node(&self, id: NodeId) -> Node<'_> {
        self.read(&self.nodes[id.0 as usize])
    }

    /// A node record as a [`Node`].
    fn read(&self, r: &NodeRecord) -> Node<'_> {
        let kind = match r.b {
            ELEMENT => NodeKind::Element(ElementData {
                record: r.a,
                _input: std::marker::PhantomData,
            }),
            EXTRA => match self.extras.get(r.a as usize) {
                Some(Extra::Comment(c)) => NodeKind::Comment(c),
                Some(Extra::Pi { target, data }) => {
                    NodeKind::Pi(ProcessingInstruction { target, data })
                }
                Some(Extra::Decoded(s)) => NodeKind::Text(Text(TextRepr::Decoded(s))),
                None => NodeKind::Text(Text(TextRepr::Decoded(""))),
            },
            end => NodeKind::Text(Text(TextRepr::Markup(
                self.input
                    .get(r.a as usize..end as usize)
                    .unwrap_or_default(),
            ))),
        };
        Node {
            parent: r.parent,
            kind,
        }
    }

    /// Whether `id` is a node of this document.
    pub fn contains(&self, id: NodeId) -> bool {
        (id.0 as usize) < self.nodes.len()
    }

    /// The element `id`, if it is one.
    pub fn element(&self, id: NodeId) -> Option<Element<'_, 'a>> {
        let r = self.nodes.get(id.0 as usize)?;
        if r.b != ELEMENT {
            return None;
        }
        Some(Element {
            doc: self,
            id,
            record: r.a,
            data: self.elements.get(r.a as usize)?,
        })
    }

    /// The parent element of `id`.
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        link(self.nodes.get(id.0 as usize)?.parent)
    }

    /// Every node, in document order, as (id, node).
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, Node<'_>)> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (NodeId(i as u32), self.read(n)))
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
        let Ok(extra) = u32::try_from(self.extras.len()) else {
            return false;
        };
        self.extras.push(Extra::Decoded(text.to_owned()));
        let r = &mut self.nodes[t.0 as usize];
        (r.a, r.b) = (extra, EXTRA);
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
                    .filter(move |a| {
                        matches!(a.name, "Id" | "ID" | "id" | "xml:id")
                            || matches!(split_qname(a.name), (p, "Id")
                                if !p.is_empty()
                                    && self.lookup_namespace(e.id(), p) == Some(WSU_NS))
                    })
                    .map(move |a| (a.value, e.id()))
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

#[cfg(test)]
mod tests {
    use super::{AttributeRecord, ElementRecord, NodeRecord};

    /// Most nodes of a large document are text: a node record is kept at 16 bytes, an element's
    /// at 32 and an attribute's at 16 (offsets into the input, the rare kinds beside), which
    /// the memory figures of `benches/README.md` ("peak RSS", issue #23) count on.
    #[test]
    fn records_stay_small() {
        assert_eq!(std::mem::size_of::<NodeRecord>(), 16);
        assert_eq!(std::mem::size_of::<ElementRecord>(), 32);
        assert_eq!(std::mem::size_of::<AttributeRecord>(), 16);
    }
}
