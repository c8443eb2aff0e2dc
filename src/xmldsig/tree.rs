//! Parsing: quick-xml events into a compact owned tree that keeps what canonicalization needs
//! (namespace declarations, attributes, text, comments and processing instructions, in order).
//!
//! DTDs are refused outright: no `<!DOCTYPE`, hence no entity declarations, no external
//! references and no entity expansion beyond the five predefined entities and character
//! references. Input size, element depth, attributes per element and the number of nodes are
//! bounded by [`ParseLimits`].

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::error::XmlError;

/// The namespace of the `xml:` prefix, bound in every document.
pub const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

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
}

impl Default for ParseLimits {
    /// 64 MiB, depth 256, 256 attributes per element, 8 million nodes.
    fn default() -> Self {
        Self {
            max_size: 64 * 1024 * 1024,
            max_depth: 256,
            max_attributes: 256,
            max_nodes: 8_000_000,
        }
    }
}

/// Index of a node in its [`Document`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub(crate) u32);

/// An element: its qualified name, the namespace declarations and the other attributes it
/// carries, in document order, and its children.
#[derive(Clone, Debug)]
pub struct Element {
    /// Qualified name as written (`ds:Signature`).
    pub name: String,
    /// Namespace declarations on this element: (prefix, URI); the default namespace has prefix
    /// `""`.
    pub namespaces: Vec<(String, String)>,
    /// Other attributes: (qualified name, normalized value).
    pub attributes: Vec<(String, String)>,
    /// Child nodes in document order.
    pub children: Vec<NodeId>,
    span: ElementSpan,
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

impl Element {
    /// The prefix of the element name (`""` when unprefixed).
    pub fn prefix(&self) -> &str {
        split_qname(&self.name).0
    }

    /// The local part of the element name.
    pub fn local_name(&self) -> &str {
        split_qname(&self.name).1
    }

    /// Where the element sits in the parsed input.
    pub fn span(&self) -> ElementSpan {
        self.span
    }

    /// The value of the attribute with qualified name `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a node is.
#[derive(Clone, Debug)]
pub enum NodeKind {
    /// An element.
    Element(Element),
    /// Character data (CDATA sections included, references resolved, line ends normalized).
    Text(String),
    /// A comment's text.
    Comment(String),
    /// A processing instruction: target and data (without the separating white space).
    Pi {
        /// The target.
        target: String,
        /// The data.
        data: String,
    },
}

/// A node and its parent (`None` at document level).
#[derive(Clone, Debug)]
pub struct Node {
    /// Parent element.
    pub parent: Option<NodeId>,
    /// What it is.
    pub kind: NodeKind,
}

/// A parsed XML document.
#[derive(Clone, Debug)]
pub struct Document {
    nodes: Vec<Node>,
    /// Document-level children: comments and PIs around the one root element.
    children: Vec<NodeId>,
    root: NodeId,
}

/// Splits `p:local` into (`p`, `local`); unprefixed names give `("", name)`.
pub(crate) fn split_qname(name: &str) -> (&str, &str) {
    match name.split_once(':') {
        Some((p, l)) => (p, l),
        None => ("", name),
    }
}

impl Document {
    /// Parses `input` with the default [`ParseLimits`].
    ///
    /// # Errors
    /// As [`Document::parse_with`].
    pub fn parse(input: &[u8]) -> Result<Self, XmlError> {
        Self::parse_with(input, &ParseLimits::default())
    }

    /// Parses `input` (UTF-8) within `limits`.
    ///
    /// # Errors
    /// [`XmlError::Doctype`] for any document type declaration, [`XmlError::Limit`] when a
    /// limit is exceeded, [`XmlError::Malformed`] for input that is not well-formed XML 1.0
    /// (or is not UTF-8, or uses an entity other than the predefined ones).
    pub fn parse_with(input: &[u8], limits: &ParseLimits) -> Result<Self, XmlError> {
        if input.len() > limits.max_size {
            return Err(XmlError::Limit("document size"));
        }
        let text = std::str::from_utf8(input)
            .map_err(|_| XmlError::Malformed("the document is not UTF-8".into()))?;
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let text = &text[bom..];
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;

        let mut nodes: Vec<Node> = Vec::new();
        let mut doc_children = Vec::new();
        let mut stack: Vec<NodeId> = Vec::new();
        let mut root: Option<NodeId> = None;
        let malformed = |e: &dyn std::fmt::Display, pos: u64| {
            XmlError::Malformed(format!("{e} (at byte {pos})"))
        };

        loop {
            let pos = reader.buffer_position();
            let at = usize::try_from(pos)
                .unwrap_or(usize::MAX)
                .saturating_add(bom);
            let event = reader.read_event().map_err(|e| malformed(&e, pos))?;
            if nodes.len() >= limits.max_nodes.min(u32::MAX as usize) {
                return Err(XmlError::Limit("number of nodes"));
            }
            let parent = stack.last().copied();
            match event {
                Event::Start(start) => {
                    let id = push_element(
                        &mut nodes,
                        &mut doc_children,
                        &mut root,
                        parent,
                        &start,
                        limits,
                        pos,
                    )?;
                    set_span(&mut nodes, id, |s| {
                        s.start = at;
                        s.start_tag_end = end_of(&reader, bom);
                    });
                    stack.push(id);
                    if stack.len() > limits.max_depth.min(MAX_DEPTH_CAP) {
                        return Err(XmlError::Limit("element depth"));
                    }
                }
                Event::Empty(start) => {
                    let id = push_element(
                        &mut nodes,
                        &mut doc_children,
                        &mut root,
                        parent,
                        &start,
                        limits,
                        pos,
                    )?;
                    let end = end_of(&reader, bom);
                    set_span(&mut nodes, id, |s| {
                        s.start = at;
                        s.start_tag_end = end;
                        s.end = end;
                    });
                }
                Event::End(_) => {
                    if let Some(id) = stack.pop() {
                        let end = end_of(&reader, bom);
                        set_span(&mut nodes, id, |s| {
                            s.end_tag_start = Some(at);
                            s.end = end;
                        });
                    }
                }
                Event::Text(t) => {
                    let content = t.xml10_content();
                    push_text(&mut nodes, parent, &content, pos)?;
                }
                Event::CData(t) => {
                    let content = t.xml10_content();
                    push_text(&mut nodes, parent, &content, pos)?;
                }
                Event::GeneralRef(r) => {
                    let resolved: String = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => match &*r {
                            "lt" => "<".into(),
                            "gt" => ">".into(),
                            "amp" => "&".into(),
                            "apos" => "'".into(),
                            "quot" => "\"".into(),
                            other => {
                                return Err(XmlError::Malformed(format!(
                                    "undeclared entity &{other}; (at byte {pos})"
                                )));
                            }
                        },
                        Err(e) => return Err(malformed(&e, pos)),
                    };
                    push_text(&mut nodes, parent, &resolved, pos)?;
                }
                Event::Comment(c) => {
                    let id = NodeId(nodes.len() as u32);
                    nodes.push(Node {
                        parent,
                        kind: NodeKind::Comment(c.xml10_content().into_owned()),
                    });
                    attach(&mut nodes, &mut doc_children, parent, id);
                }
                Event::PI(pi) => {
                    let target = pi.target().to_owned();
                    if target.eq_ignore_ascii_case("xml") {
                        return Err(XmlError::Malformed(format!(
                            "misplaced XML declaration (at byte {pos})"
                        )));
                    }
                    let data = pi
                        .content()
                        .trim_start_matches([' ', '\t', '\r', '\n'])
                        .replace("\r\n", "\n")
                        .replace('\r', "\n");
                    let id = NodeId(nodes.len() as u32);
                    nodes.push(Node {
                        parent,
                        kind: NodeKind::Pi { target, data },
                    });
                    attach(&mut nodes, &mut doc_children, parent, id);
                }
                Event::Decl(d) => {
                    if let Some(Ok(enc)) = d.encoding() {
                        let enc = enc.to_ascii_lowercase();
                        if enc != "utf-8" && enc != "utf8" {
                            return Err(XmlError::Malformed(format!(
                                "encoding {enc} is not supported (UTF-8 only)"
                            )));
                        }
                    }
                }
                Event::DocType(_) => return Err(XmlError::Doctype),
                Event::Eof => break,
            }
        }
        if !stack.is_empty() {
            return Err(XmlError::Malformed(
                "unclosed element at end of input".into(),
            ));
        }
        let root = root.ok_or_else(|| XmlError::Malformed("no root element".into()))?;
        let doc = Self {
            nodes,
            children: doc_children,
            root,
        };
        doc.check_prefixes()?;
        Ok(doc)
    }

    /// Namespaces in XML 1.0 §5: every prefix used by an element or attribute name is declared.
    fn check_prefixes(&self) -> Result<(), XmlError> {
        for (id, node) in self.nodes() {
            let NodeKind::Element(e) = &node.kind else {
                continue;
            };
            let names = std::iter::once(e.name.as_str())
                .chain(e.attributes.iter().map(|(n, _)| n.as_str()));
            for name in names {
                let (p, local) = split_qname(name);
                if local.is_empty() || local.contains(':') {
                    return Err(XmlError::Malformed(format!(
                        "the name {name:?} is not a QName"
                    )));
                }
                if !p.is_empty() && self.lookup_namespace(id, p).is_none() {
                    return Err(XmlError::Malformed(format!(
                        "the prefix {p:?} of {name:?} is not declared"
                    )));
                }
            }
        }
        Ok(())
    }

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
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    /// The element `id`, if it is one.
    pub fn element(&self, id: NodeId) -> Option<&Element> {
        match &self.nodes.get(id.0 as usize)?.kind {
            NodeKind::Element(e) => Some(e),
            _ => None,
        }
    }

    /// The parent element of `id`.
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.nodes.get(id.0 as usize)?.parent
    }

    /// Every node, in document order, as (id, node).
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &Node)> {
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
        if prefix == "xml" {
            return Some(XML_NAMESPACE);
        }
        let mut cur = Some(id);
        while let Some(c) = cur {
            if let Some(e) = self.element(c)
                && let Some((_, uri)) = e.namespaces.iter().find(|(p, _)| p == prefix)
            {
                return if uri.is_empty() { None } else { Some(uri) };
            }
            cur = self.parent(c);
        }
        None
    }

    /// The namespace URI and local name of element `id`.
    pub fn expanded_name(&self, id: NodeId) -> Option<(Option<&str>, &str)> {
        let e = self.element(id)?;
        Some((self.lookup_namespace(id, e.prefix()), e.local_name()))
    }

    /// The element children of `id` with namespace `ns` and local name `local`.
    pub fn children_named<'d>(
        &'d self,
        id: NodeId,
        ns: &'d str,
        local: &'d str,
    ) -> impl Iterator<Item = NodeId> + 'd {
        self.element(id)
            .map(|e| e.children.as_slice())
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(move |&c| self.expanded_name(c) == Some((Some(ns), local)))
    }

    /// Replaces the content of the first text child of element `id` (the signer fills in the
    /// placeholders it wrote). Returns whether there was one.
    pub(crate) fn set_text(&mut self, id: NodeId, text: &str) -> bool {
        let Some(e) = self.element(id) else {
            return false;
        };
        let Some(&t) = e
            .children
            .iter()
            .find(|&&c| matches!(self.node(c).kind, NodeKind::Text(_)))
        else {
            return false;
        };
        if let NodeKind::Text(s) = &mut self.nodes[t.0 as usize].kind {
            text.clone_into(s);
        }
        true
    }

    /// The text content of `id` (its text children concatenated, not descending).
    pub fn text(&self, id: NodeId) -> String {
        let mut out = String::new();
        if let Some(e) = self.element(id) {
            for &c in &e.children {
                if let NodeKind::Text(t) = &self.node(c).kind {
                    out.push_str(t);
                }
            }
        }
        out
    }
}

/// The reader's position (just past the last event) as an offset into the input.
fn end_of(reader: &Reader<&[u8]>, bom: usize) -> usize {
    usize::try_from(reader.buffer_position())
        .unwrap_or(usize::MAX)
        .saturating_add(bom)
}

fn set_span(nodes: &mut [Node], id: NodeId, f: impl FnOnce(&mut ElementSpan)) {
    if let Some(Node {
        kind: NodeKind::Element(e),
        ..
    }) = nodes.get_mut(id.0 as usize)
    {
        f(&mut e.span);
    }
}

fn attach(nodes: &mut [Node], doc_children: &mut Vec<NodeId>, parent: Option<NodeId>, id: NodeId) {
    match parent {
        Some(p) => {
            if let NodeKind::Element(e) = &mut nodes[p.0 as usize].kind {
                e.children.push(id);
            }
        }
        None => doc_children.push(id),
    }
}

fn push_text(
    nodes: &mut Vec<Node>,
    parent: Option<NodeId>,
    content: &str,
    pos: u64,
) -> Result<(), XmlError> {
    let Some(p) = parent else {
        // White space around the root element is not part of the data model.
        if content
            .chars()
            .all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
        {
            return Ok(());
        }
        return Err(XmlError::Malformed(format!(
            "text outside the root element (at byte {pos})"
        )));
    };
    // Adjacent text (split by references or CDATA sections) joins one text node.
    if let NodeKind::Element(e) = &nodes[p.0 as usize].kind
        && let Some(&last) = e.children.last()
        && let NodeKind::Text(t) = &mut nodes[last.0 as usize].kind
    {
        t.push_str(content);
        return Ok(());
    }
    let id = NodeId(nodes.len() as u32);
    nodes.push(Node {
        parent,
        kind: NodeKind::Text(content.to_owned()),
    });
    if let NodeKind::Element(e) = &mut nodes[p.0 as usize].kind {
        e.children.push(id);
    }
    Ok(())
}

fn push_element(
    nodes: &mut Vec<Node>,
    doc_children: &mut Vec<NodeId>,
    root: &mut Option<NodeId>,
    parent: Option<NodeId>,
    start: &BytesStart<'_>,
    limits: &ParseLimits,
    pos: u64,
) -> Result<NodeId, XmlError> {
    if parent.is_none() && root.is_some() {
        return Err(XmlError::Malformed(format!(
            "a second root element (at byte {pos})"
        )));
    }
    let name = start.name().0.to_owned();
    let mut namespaces = Vec::new();
    let mut attributes = Vec::new();
    for (count, attr) in start.attributes().enumerate() {
        if count >= limits.max_attributes {
            return Err(XmlError::Limit("attributes per element"));
        }
        let attr = attr.map_err(|e| XmlError::Malformed(format!("{e} (at byte {pos})")))?;
        let key = attr.key.0;
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| XmlError::Malformed(format!("{e} (at byte {pos})")))?
            .into_owned();
        if key == "xmlns" {
            namespaces.push((String::new(), value));
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            if value.is_empty() {
                return Err(XmlError::Malformed(format!(
                    "prefix {p} undeclared with an empty URI (at byte {pos})"
                )));
            }
            namespaces.push((p.to_owned(), value));
        } else {
            attributes.push((key.to_owned(), value));
        }
    }
    let id = NodeId(u32::try_from(nodes.len()).map_err(|_| XmlError::Limit("number of nodes"))?);
    nodes.push(Node {
        parent,
        kind: NodeKind::Element(Element {
            name,
            namespaces,
            attributes,
            children: Vec::new(),
            span: ElementSpan::default(),
        }),
    });
    attach(nodes, doc_children, parent, id);
    if parent.is_none() {
        *root = Some(id);
    }
    Ok(id)
}
