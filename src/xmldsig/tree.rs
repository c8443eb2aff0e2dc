//! Parsing: quick-xml events into a compact tree that borrows from the input and keeps what
//! canonicalization needs (namespace declarations, attributes, text, comments and processing
//! instructions, in order). Nodes live in one `Vec`, attributes and namespace declarations in
//! two more, linked by index: no allocation per node, no copy of names or unescaped text.
//!
//! DTDs are refused outright: no `<!DOCTYPE`, hence no entity declarations, no external
//! references and no entity expansion beyond the five predefined entities and character
//! references. Input size, element depth, attributes per element and the number of nodes are
//! bounded by [`ParseLimits`].

use std::borrow::Cow;
use std::io::{self, Write};

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

/// An element's packed record inside its [`Document`]: read it through [`Element`]
/// ([`Document::element`]).
#[derive(Clone, Debug)]
pub struct ElementData<'a> {
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
    /// Decoded character data.
    Decoded(String),
}

/// One piece of decoded character data.
enum Piece<'s> {
    /// Characters as written (no references, no carriage return).
    Literal(&'s str),
    /// One character from a reference or a normalized line end.
    Char(char),
}

/// Decodes text markup (references, CDATA sections, XML 1.0 line ends) into pieces.
fn decode_markup<'s, E>(
    raw: &'s str,
    mut emit: impl FnMut(Piece<'s>) -> Result<(), E>,
) -> Result<(), E> {
    let bytes = raw.as_bytes();
    let mut i = 0;
    let mut literal = 0;
    while let Some(offset) = memchr::memchr3(b'&', b'\r', b'<', &bytes[i..]) {
        i += offset;
        match bytes[i] {
            b'&' => {
                let end = memchr::memchr(b';', &bytes[i..]).map_or(raw.len(), |e| i + e);
                emit(Piece::Literal(&raw[literal..i]))?;
                if let Some(c) = resolve_reference(&raw[i + 1..end]) {
                    emit(Piece::Char(c))?;
                }
                i = (end + 1).min(raw.len());
                literal = i;
            }
            b'\r' => {
                emit(Piece::Literal(&raw[literal..i]))?;
                emit(Piece::Char('\n'))?;
                i += if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                literal = i;
            }
            b'<' if raw[i..].starts_with("<![CDATA[") => {
                emit(Piece::Literal(&raw[literal..i]))?;
                let body = i + "<![CDATA[".len();
                let end = raw[body..].find("]]>").map_or(raw.len(), |e| body + e);
                // The section's characters as they are, but for line ends.
                decode_line_ends(&raw[body..end], &mut emit)?;
                i = (end + 3).min(raw.len());
                literal = i;
            }
            _ => i += 1,
        }
    }
    emit(Piece::Literal(&raw[literal..]))
}

fn decode_line_ends<'s, E>(
    s: &'s str,
    emit: &mut impl FnMut(Piece<'s>) -> Result<(), E>,
) -> Result<(), E> {
    let mut rest = s;
    while let Some(cr) = rest.find('\r') {
        emit(Piece::Literal(&rest[..cr]))?;
        emit(Piece::Char('\n'))?;
        let skip = if rest[cr + 1..].starts_with('\n') {
            2
        } else {
            1
        };
        rest = &rest[cr + skip..];
    }
    emit(Piece::Literal(rest))
}

/// The character of a predefined entity (`amp`) or a character reference (`#38`, `#x26`).
fn resolve_reference(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => {
            let digits = name.strip_prefix('#')?;
            let code = match digits.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => digits.parse().ok()?,
            };
            char::from_u32(code)?
        }
    })
}

impl<'a> Text<'a> {
    /// The character data (references resolved, CDATA sections unwrapped, line ends
    /// normalized); borrowed when the input needed no decoding.
    pub fn as_str(&self) -> Cow<'_, str> {
        match &self.0 {
            TextRepr::Decoded(s) => Cow::Borrowed(s),
            TextRepr::Markup(raw) => {
                if !raw.contains(['&', '\r', '<']) {
                    return Cow::Borrowed(raw);
                }
                let mut out = String::with_capacity(raw.len());
                let _ = decode_markup(raw, |p| {
                    match p {
                        Piece::Literal(s) => out.push_str(s),
                        Piece::Char(c) => out.push(c),
                    }
                    Ok::<(), std::convert::Infallible>(())
                });
                Cow::Owned(out)
            }
        }
    }

    /// Writes the text as canonical XML character data: `&`, `<`, `>` and carriage returns
    /// escaped (C14N 1.0 §2.3), straight from the input's markup.
    pub fn write_canonical<W: Write + ?Sized>(&self, out: &mut W) -> io::Result<()> {
        match &self.0 {
            TextRepr::Decoded(s) => escape(out, s, false),
            TextRepr::Markup(raw) => decode_markup(raw, |p| match p {
                Piece::Literal(s) => escape(out, s, false),
                Piece::Char(c) => escape(out, c.encode_utf8(&mut [0; 4]), false),
            }),
        }
    }
}

/// Writes `s` escaped as canonical text (`attr == false`) or attribute value.
pub(crate) fn escape<W: Write + ?Sized>(out: &mut W, s: &str, attr: bool) -> io::Result<()> {
    let bytes = s.as_bytes();
    if attr {
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let rep: &[u8] = match b {
                b'&' => b"&amp;",
                b'<' => b"&lt;",
                b'"' => b"&quot;",
                b'\t' => b"&#x9;",
                b'\n' => b"&#xA;",
                b'\r' => b"&#xD;",
                _ => continue,
            };
            out.write_all(&bytes[start..i])?;
            out.write_all(rep)?;
            start = i + 1;
        }
        return out.write_all(&bytes[start..]);
    }
    // Text: long runs with few special bytes, so jump between them (SIMD search); a carriage
    // return is rare enough to look for once up front.
    let has_cr = memchr::memchr(b'\r', bytes).is_some();
    let mut start = 0;
    loop {
        let next = if has_cr {
            bytes[start..]
                .iter()
                .position(|b| matches!(b, b'&' | b'<' | b'>' | b'\r'))
        } else {
            memchr::memchr3(b'&', b'<', b'>', &bytes[start..])
        };
        let Some(offset) = next else {
            return out.write_all(&bytes[start..]);
        };
        let i = start + offset;
        out.write_all(&bytes[start..i])?;
        out.write_all(match bytes[i] {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            _ => b"&#xD;",
        })?;
        start = i + 1;
    }
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
    /// A processing instruction: target and data (without the separating white space).
    Pi {
        /// The target.
        target: &'a str,
        /// The data.
        data: Cow<'a, str>,
    },
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
    data: &'d ElementData<'a>,
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

/// `part`, a slice of `input`'s bytes handed back by the tokenizer, as a slice of `input`.
fn rebase<'a>(input: &'a str, part: &str) -> Result<&'a str, XmlError> {
    (part.as_ptr() as usize)
        .checked_sub(input.as_ptr() as usize)
        .and_then(|start| input.get(start..start.checked_add(part.len())?))
        .ok_or_else(|| XmlError::Malformed("a name is not valid UTF-8".into()))
}

fn rebase_cow<'a>(input: &'a str, value: Cow<'_, str>) -> Result<Cow<'a, str>, XmlError> {
    Ok(match value {
        Cow::Borrowed(s) => Cow::Borrowed(rebase(input, s)?),
        Cow::Owned(s) => Cow::Owned(s),
    })
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

/// The parser's state: the document so far, the open elements and the open text run.
struct Builder<'a> {
    input: &'a str,
    doc: Document<'a>,
    root: Option<NodeId>,
    stack: Vec<NodeId>,
    /// The text node being extended and where its markup starts.
    text_run: Option<(NodeId, usize)>,
}

impl<'a> Builder<'a> {
    fn parent(&self) -> Option<NodeId> {
        self.stack.last().copied()
    }

    fn push(&mut self, kind: NodeKind<'a>, limits: &ParseLimits) -> Result<NodeId, XmlError> {
        if self.doc.nodes.len() >= limits.max_nodes.min(NONE as usize) {
            return Err(XmlError::Limit("number of nodes"));
        }
        let id = NodeId(self.doc.nodes.len() as u32);
        let parent = self.parent();
        self.doc.nodes.push(Node {
            parent: parent.map_or(NONE, |p| p.0),
            next_sibling: NONE,
            kind,
        });
        match parent {
            Some(p) => {
                let last = match &mut self.doc.nodes[p.0 as usize].kind {
                    NodeKind::Element(e) => {
                        let last = e.last_child;
                        if last == NONE {
                            e.first_child = id.0;
                        }
                        e.last_child = id.0;
                        last
                    }
                    _ => NONE,
                };
                if last != NONE {
                    self.doc.nodes[last as usize].next_sibling = id.0;
                }
            }
            None => self.doc.children.push(id),
        }
        Ok(id)
    }

    fn element(
        &mut self,
        start: &BytesStart<'_>,
        at: usize,
        limits: &ParseLimits,
    ) -> Result<NodeId, XmlError> {
        let pos = at;
        if self.stack.is_empty() && self.root.is_some() {
            return Err(XmlError::Malformed(format!(
                "a second root element (at byte {pos})"
            )));
        }
        let name_len = start.name().0.len();
        let name = self
            .input
            .get(at + 1..at + 1 + name_len)
            .ok_or_else(|| XmlError::Malformed(format!("bad element name (at byte {pos})")))?;
        let ns_start = self.doc.namespaces.len() as u32;
        let attr_start = self.doc.attributes.len() as u32;
        for (count, attr) in start.attributes().enumerate() {
            if count >= limits.max_attributes {
                return Err(XmlError::Limit("attributes per element"));
            }
            let attr = attr.map_err(|e| XmlError::Malformed(format!("{e} (at byte {pos})")))?;
            let key = rebase(self.input, attr.key.0)?;
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| XmlError::Malformed(format!("{e} (at byte {pos})")))?;
            let value = rebase_cow(self.input, value)?;
            if key == "xmlns" {
                self.doc.namespaces.push(NamespaceDecl {
                    prefix: "",
                    uri: value,
                });
            } else if let Some(p) = key.strip_prefix("xmlns:") {
                if value.is_empty() {
                    return Err(XmlError::Malformed(format!(
                        "prefix {p} undeclared with an empty URI (at byte {pos})"
                    )));
                }
                self.doc.namespaces.push(NamespaceDecl {
                    prefix: p,
                    uri: value,
                });
            } else {
                self.doc.attributes.push(Attribute { name: key, value });
            }
        }
        let too_many = |n: usize| u32::try_from(n).map_err(|_| XmlError::Limit("attributes"));
        let data = ElementData {
            name,
            namespaces: (ns_start, too_many(self.doc.namespaces.len())?),
            attributes: (attr_start, too_many(self.doc.attributes.len())?),
            first_child: NONE,
            last_child: NONE,
            span: [at as u32, 0, NONE, 0],
        };
        let id = self.push(NodeKind::Element(data), limits)?;
        if self.stack.is_empty() {
            self.root = Some(id);
        }
        Ok(id)
    }

    fn set_span(&mut self, id: NodeId, f: impl FnOnce(&mut [u32; 4])) {
        if let Some(Node {
            kind: NodeKind::Element(e),
            ..
        }) = self.doc.nodes.get_mut(id.0 as usize)
        {
            f(&mut e.span);
        }
    }

    /// Text markup from `at` to `end` (text, a CDATA section or a reference): joins the
    /// open run or starts one.
    fn text(&mut self, at: usize, end: usize, limits: &ParseLimits) -> Result<(), XmlError> {
        let raw = self.input.get(at..end).ok_or_else(|| {
            XmlError::Malformed(format!("text the tokenizer misplaced (at byte {at})"))
        })?;
        if self.stack.is_empty() {
            // White space around the root element is not part of the data model.
            if raw
                .bytes()
                .all(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
            {
                return Ok(());
            }
            return Err(XmlError::Malformed(format!(
                "text outside the root element (at byte {at})"
            )));
        }
        if let Some((id, start)) = self.text_run {
            if let NodeKind::Text(t) = &mut self.doc.nodes[id.0 as usize].kind {
                t.0 = TextRepr::Markup(self.input.get(start..end).ok_or_else(|| {
                    XmlError::Malformed(format!("text the tokenizer misplaced (at byte {at})"))
                })?);
            }
            return Ok(());
        }
        let id = self.push(NodeKind::Text(Text(TextRepr::Markup(raw))), limits)?;
        self.text_run = Some((id, at));
        Ok(())
    }
}

impl<'a> Document<'a> {
    /// Parses `input` with the default [`ParseLimits`].
    ///
    /// # Errors
    /// As [`Document::parse_with`].
    pub fn parse(input: &'a [u8]) -> Result<Self, XmlError> {
        Self::parse_with(input, &ParseLimits::default())
    }

    /// Parses `input` (UTF-8) within `limits`.
    ///
    /// # Errors
    /// [`XmlError::Doctype`] for any document type declaration, [`XmlError::Limit`] when a
    /// limit is exceeded, [`XmlError::Malformed`] for input that is not well-formed XML 1.0
    /// (or is not UTF-8, or uses an entity other than the predefined ones).
    pub fn parse_with(input: &'a [u8], limits: &ParseLimits) -> Result<Self, XmlError> {
        if input.len() > limits.max_size || input.len() >= NONE as usize {
            return Err(XmlError::Limit("document size"));
        }
        let text = std::str::from_utf8(input)
            .map_err(|_| XmlError::Malformed("the document is not UTF-8".into()))?;
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let text = &text[bom..];
        // quick-xml would skip a second one silently, and count positions after it.
        if text.starts_with('\u{feff}') {
            return Err(XmlError::Malformed(format!(
                "a character U+FEFF before the root element (at byte {bom})"
            )));
        }
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;

        // A node takes at least a few bytes of markup; most documents need about this many.
        let expected_nodes = (text.len() / 32).min(limits.max_nodes) + 8;
        let mut b = Builder {
            input: text,
            doc: Document {
                nodes: Vec::with_capacity(expected_nodes),
                attributes: Vec::with_capacity(expected_nodes / 2),
                namespaces: Vec::new(),
                children: Vec::new(),
                root: NodeId(0),
                bom,
            },
            root: None,
            stack: Vec::new(),
            text_run: None,
        };
        let malformed = |e: &dyn std::fmt::Display, pos: usize| {
            XmlError::Malformed(format!("{e} (at byte {})", pos + bom))
        };
        let offset = |reader: &Reader<&[u8]>| {
            usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX)
        };

        loop {
            let at = offset(&reader);
            let event = reader.read_event().map_err(|e| malformed(&e, at))?;
            let end = offset(&reader);
            if !matches!(
                event,
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)
            ) {
                b.text_run = None;
            }
            match event {
                Event::Start(start) => {
                    let id = b.element(&start, at, limits)?;
                    b.set_span(id, |s| s[1] = end as u32);
                    b.stack.push(id);
                    if b.stack.len() > limits.max_depth.min(MAX_DEPTH_CAP) {
                        return Err(XmlError::Limit("element depth"));
                    }
                }
                Event::Empty(start) => {
                    let id = b.element(&start, at, limits)?;
                    b.set_span(id, |s| {
                        s[1] = end as u32;
                        s[3] = end as u32;
                    });
                }
                Event::End(_) => {
                    if let Some(id) = b.stack.pop() {
                        b.set_span(id, |s| {
                            s[2] = at as u32;
                            s[3] = end as u32;
                        });
                    }
                }
                Event::Text(_) | Event::CData(_) => b.text(at, end, limits)?,
                Event::GeneralRef(r) => {
                    match r.resolve_char_ref() {
                        Ok(Some(_)) => {}
                        Ok(None) if resolve_reference(&r).is_some() => {}
                        Ok(None) => {
                            return Err(XmlError::Malformed(format!(
                                "undeclared entity &{}; (at byte {})",
                                &*r,
                                at + bom
                            )));
                        }
                        Err(e) => return Err(malformed(&e, at)),
                    }
                    b.text(at, end, limits)?;
                }
                Event::Comment(c) => {
                    b.push(NodeKind::Comment(c.xml10_content()), limits)?;
                }
                Event::PI(pi) => {
                    let target = rebase(text, pi.target())?;
                    // Namespaces in XML 1.0 §7: a PI target is an NCName.
                    if !is_ncname(target) {
                        return Err(XmlError::Malformed(format!(
                            "the processing instruction target {target:?} is not a name (at \
                             byte {})",
                            at + bom
                        )));
                    }
                    if target.eq_ignore_ascii_case("xml") {
                        return Err(XmlError::Malformed(format!(
                            "misplaced XML declaration (at byte {})",
                            at + bom
                        )));
                    }
                    let content = rebase(text, pi.content())?;
                    let trimmed = content.trim_start_matches([' ', '\t', '\r', '\n']);
                    let data = if trimmed.contains('\r') {
                        Cow::Owned(trimmed.replace("\r\n", "\n").replace('\r', "\n"))
                    } else {
                        Cow::Borrowed(trimmed)
                    };
                    b.push(NodeKind::Pi { target, data }, limits)?;
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
        if !b.stack.is_empty() {
            return Err(XmlError::Malformed(
                "unclosed element at end of input".into(),
            ));
        }
        let mut doc = b.doc;
        doc.root = b
            .root
            .ok_or_else(|| XmlError::Malformed("no root element".into()))?;
        doc.check_names()?;
        Ok(doc)
    }

    /// Names: every element and attribute name is a QName (Namespaces in XML 1.0 §4: NCNames
    /// around at most one colon) whose prefix is declared (§5), and every declared prefix is an
    /// NCName. The tokenizer checks none of this (`<<//>` is to it an element named `<`).
    ///
    /// One walk in document order with a scoped map of the prefixes declared (and an undo log
    /// per element): linear in the names and declarations, however deep the declarations are.
    fn check_names(&self) -> Result<(), XmlError> {
        use std::collections::HashMap;
        // Prefix -> whether it is bound to a namespace (`xmlns:p=""` unbinds, in XML 1.1).
        let mut bound: HashMap<&str, bool> = HashMap::new();
        let mut undo: Vec<(&str, Option<bool>)> = Vec::new();
        // Open elements, with the undo log's length when each was entered.
        let mut open: Vec<(NodeId, usize)> = Vec::new();
        for (id, node) in self.nodes() {
            let parent = node.parent();
            while let Some(&(top, mark)) = open.last() {
                if Some(top) == parent {
                    break;
                }
                open.pop();
                for (prefix, old) in undo.drain(mark..).rev() {
                    match old {
                        Some(b) => bound.insert(prefix, b),
                        None => bound.remove(prefix),
                    };
                }
            }
            let Some(e) = self.element(id) else {
                continue;
            };
            open.push((id, undo.len()));
            for d in e.namespaces() {
                if !d.prefix.is_empty() && !is_ncname(d.prefix) {
                    return Err(XmlError::Malformed(format!(
                        "the namespace prefix {:?} is not an NCName",
                        d.prefix
                    )));
                }
                let old = bound.insert(d.prefix, !d.uri.is_empty());
                undo.push((d.prefix, old));
            }
            let names = std::iter::once(e.name()).chain(e.attributes().iter().map(|a| a.name));
            for name in names {
                let (p, local) = split_qname(name);
                if !is_ncname(local) || !(p.is_empty() || is_ncname(p)) {
                    return Err(XmlError::Malformed(format!(
                        "the name {name:?} is not a QName"
                    )));
                }
                if !p.is_empty() && p != "xml" && bound.get(p) != Some(&true) {
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
                data,
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
            s.0 = TextRepr::Decoded(text.to_owned());
        }
        true
    }

    /// Every identifier attribute (`Id`, `ID`, `id` or `xml:id`) as (value, element), in
    /// document order: what same-document references (`#value`) select.
    pub fn id_attributes(&self) -> impl Iterator<Item = (&str, NodeId)> {
        self.nodes()
            .filter_map(|(id, _)| self.element(id))
            .flat_map(|e| {
                e.attributes()
                    .iter()
                    .filter(|a| matches!(a.name, "Id" | "ID" | "id" | "xml:id"))
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
