//! The parser: quick-xml events into the [`Document`] tree, within [`ParseLimits`], and the
//! namespace well-formedness checks the tokenizer leaves out.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::encoding::XmlText;
use super::text::resolve_reference;
use super::{
    AttributeRecord, Document, ELEMENT, EXTRA, ElementRecord, Extra, MAX_DEPTH_CAP, NONE,
    NamespaceDecl, NodeId, NodeRecord, ParseLimits, is_ncname, split_qname,
};
use crate::xmldsig::error::XmlError;

/// `part`, a slice of `input`'s bytes handed back by the tokenizer, as a slice of `input`.
fn rebase<'a>(input: &'a str, part: &str) -> Result<&'a str, XmlError> {
    (part.as_ptr() as usize)
        .checked_sub(input.as_ptr() as usize)
        .and_then(|start| input.get(start..start.checked_add(part.len())?))
        .ok_or_else(|| XmlError::Malformed("a name is not valid UTF-8".into()))
}

/// Where `part`, a slice of `input`'s bytes handed back by the tokenizer, sits in `input`:
/// (offset, length).
fn locate(input: &str, part: &str) -> Result<(u32, u32), XmlError> {
    let _ = rebase(input, part)?;
    // `input` is shorter than `EXTRA` (checked before parsing): both fit.
    let start = part.as_ptr() as usize - input.as_ptr() as usize;
    Ok((start as u32, part.len() as u32))
}

fn rebase_cow<'a>(input: &'a str, value: Cow<'_, str>) -> Result<Cow<'a, str>, XmlError> {
    Ok(match value {
        Cow::Borrowed(s) => Cow::Borrowed(rebase(input, s)?),
        Cow::Owned(s) => Cow::Owned(s),
    })
}

/// An element whose end tag has not been read yet.
struct Open {
    id: NodeId,
    /// Its element record.
    record: u32,
    /// Its last child so far (`NONE` before the first).
    last_child: u32,
}

/// The parser's state: the document so far, the open elements and the open text run.
struct Builder<'a> {
    input: &'a str,
    doc: Document<'a>,
    root: Option<NodeId>,
    stack: Vec<Open>,
    /// The text node being extended.
    text_run: Option<NodeId>,
}

impl<'a> Builder<'a> {
    /// Appends the node record (`a`, `b`) (see [`NodeRecord`]) as the last child of the open
    /// element, or at document level.
    fn push(&mut self, a: u32, b: u32, limits: &ParseLimits) -> Result<NodeId, XmlError> {
        if self.doc.nodes.len() >= limits.max_nodes.min(NONE as usize) {
            return Err(XmlError::Limit("number of nodes"));
        }
        let id = NodeId(self.doc.nodes.len() as u32);
        self.doc.nodes.push(NodeRecord {
            parent: self.stack.last().map_or(NONE, |p| p.id.0),
            next_sibling: NONE,
            a,
            b,
        });
        match self.stack.last_mut() {
            Some(open) => {
                if open.last_child == NONE {
                    self.doc.elements[open.record as usize].first_child = id.0;
                } else {
                    self.doc.nodes[open.last_child as usize].next_sibling = id.0;
                }
                open.last_child = id.0;
            }
            None => self.doc.children.push(id),
        }
        Ok(id)
    }

    /// Appends a node kept among the document's extras.
    fn push_extra(&mut self, extra: Extra<'a>, limits: &ParseLimits) -> Result<(), XmlError> {
        let index =
            u32::try_from(self.doc.extras.len()).map_err(|_| XmlError::Limit("number of nodes"))?;
        self.push(index, EXTRA, limits)?;
        self.doc.extras.push(extra);
        Ok(())
    }

    fn element(
        &mut self,
        start: &BytesStart<'_>,
        at: usize,
        limits: &ParseLimits,
    ) -> Result<Open, XmlError> {
        let pos = at;
        if self.stack.is_empty() && self.root.is_some() {
            return Err(XmlError::Malformed(format!(
                "a second root element (at byte {pos})"
            )));
        }
        let name_len = start.name().0.len();
        if self.input.get(at + 1..at + 1 + name_len).is_none() {
            return Err(XmlError::Malformed(format!(
                "bad element name (at byte {pos})"
            )));
        }
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
            if key != "xmlns" && !key.starts_with("xmlns:") {
                let (name, name_len) = locate(self.input, key)?;
                let (value, value_len) = match value {
                    Cow::Borrowed(v) => locate(self.input, v)?,
                    Cow::Owned(v) => {
                        let index = u32::try_from(self.doc.values.len())
                            .map_err(|_| XmlError::Limit("attributes"))?;
                        self.doc.values.push(v);
                        (index, NONE)
                    }
                };
                self.doc.attributes.push(AttributeRecord {
                    name,
                    name_len,
                    value,
                    value_len,
                });
                continue;
            }
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
            }
        }
        let too_many = |n: usize| u32::try_from(n).map_err(|_| XmlError::Limit("attributes"));
        let record = u32::try_from(self.doc.elements.len())
            .ok()
            .filter(|&r| r != NONE)
            .ok_or(XmlError::Limit("number of nodes"))?;
        // The element's declarations and attributes end where the next element's start.
        too_many(self.doc.namespaces.len())?;
        too_many(self.doc.attributes.len())?;
        self.doc.elements.push(ElementRecord {
            name_len: too_many(name_len)?,
            namespaces: ns_start,
            attributes: attr_start,
            first_child: NONE,
            span: [at as u32, 0, NONE, 0],
        });
        let id = self.push(record, ELEMENT, limits)?;
        if self.stack.is_empty() {
            self.root = Some(id);
        }
        Ok(Open {
            id,
            record,
            last_child: NONE,
        })
    }

    fn set_span(&mut self, record: u32, f: impl FnOnce(&mut [u32; 4])) {
        if let Some(e) = self.doc.elements.get_mut(record as usize) {
            f(&mut e.span);
        }
    }

    /// Text markup from `at` to `end` (text, a CDATA section or a reference): joins the
    /// open run or starts one.
    fn text(&mut self, at: usize, end: usize, limits: &ParseLimits) -> Result<(), XmlError> {
        let raw = self.input.get(at..end).ok_or_else(|| {
            XmlError::Malformed(format!("text the tokenizer misplaced (at byte {at})"))
        })?;
        // Both below `EXTRA` (the input is shorter, checked before parsing).
        let (at32, end32) = (at as u32, end as u32);
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
        if let Some(id) = self.text_run {
            self.doc.nodes[id.0 as usize].b = end32;
            return Ok(());
        }
        let id = self.push(at32, end32, limits)?;
        self.text_run = Some(id);
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

    /// Parses `input` within `limits`: UTF-8, or a document in another encoding whose bytes are
    /// all ASCII (a document that needs transcoding is parsed by [`Document::parse_text`]).
    ///
    /// # Errors
    /// [`XmlError::Doctype`] for any document type declaration, [`XmlError::Limit`] when a
    /// limit is exceeded, [`XmlError::Malformed`] for input that is not well-formed XML 1.0
    /// (or uses an entity other than the predefined ones), [`XmlError::Encoding`] for bytes
    /// not valid in the document's encoding or a document that needs transcoding,
    /// [`XmlError::UnsupportedEncoding`] for an encoding signflow cannot read.
    pub fn parse_with(input: &'a [u8], limits: &ParseLimits) -> Result<Self, XmlError> {
        let decoded = XmlText::decode(input, limits)?;
        let Some(text) = decoded.borrowed() else {
            return Err(XmlError::Encoding(format!(
                "the document is {}: it must be transcoded first (XmlText::decode, then \
                 Document::parse_text)",
                decoded.encoding()
            )));
        };
        Self::parse_str(text, input.len(), decoded.declared_encoding(), limits)
    }

    /// Parses a document [`XmlText::decode`] read (in any encoding it reads) within `limits`.
    /// Offsets ([`Element::span`](super::Element::span)) are into [`XmlText::as_str`].
    ///
    /// # Errors
    /// As [`Document::parse_with`].
    pub fn parse_text(text: &'a XmlText<'_>, limits: &ParseLimits) -> Result<Self, XmlError> {
        Self::parse_str(
            text.as_str(),
            text.input_len(),
            text.declared_encoding(),
            limits,
        )
    }

    /// Parses `text`, the UTF-8 reading of `input_len` bytes of input whose declaration names
    /// the encoding `declared` (checked against the parser's own reading of the declaration).
    pub(crate) fn parse_str(
        text: &'a str,
        input_len: usize,
        declared: Option<&str>,
        limits: &ParseLimits,
    ) -> Result<Self, XmlError> {
        // Offsets into the input are `u32`s below `EXTRA` (see `NodeRecord`).
        if input_len > limits.max_size || text.len() >= EXTRA as usize {
            return Err(XmlError::Limit("document size"));
        }
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

        // Sized from a count of the markup (a few milliseconds for 20 MiB, with memchr), not
        // from the input's length: each node but a text node starts with `<`, and a text node
        // is followed by one, so `<`s bound the elements, and the nodes within a factor of two
        // (documents with text between most tags, as data usually has, come close to it);
        // each attribute has an `=`. Capped at a share of the input (`<` and `=` in comments
        // or text reserve nothing beyond it): a guess too small only costs a reallocation.
        let markup = memchr::memchr_iter(b'<', text.as_bytes()).count();
        let equals = memchr::memchr_iter(b'=', text.as_bytes()).count();
        let cap = |n: usize, share: usize| n.min(text.len() / share).min(limits.max_nodes) + 8;
        let mut b = Builder {
            input: text,
            doc: Document {
                input: text,
                nodes: Vec::with_capacity(cap(markup.saturating_mul(3) / 2, 16)),
                elements: Vec::with_capacity(cap(markup / 2, 32)),
                attributes: Vec::with_capacity(cap(equals, 32)),
                values: Vec::new(),
                namespaces: Vec::new(),
                extras: Vec::new(),
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
                    let open = b.element(&start, at, limits)?;
                    b.set_span(open.record, |s| s[1] = end as u32);
                    b.stack.push(open);
                    if b.stack.len() > limits.max_depth.min(MAX_DEPTH_CAP) {
                        return Err(XmlError::Limit("element depth"));
                    }
                }
                Event::Empty(start) => {
                    let open = b.element(&start, at, limits)?;
                    b.set_span(open.record, |s| {
                        s[1] = end as u32;
                        s[3] = end as u32;
                    });
                }
                Event::End(_) => {
                    if let Some(open) = b.stack.pop() {
                        b.set_span(open.record, |s| {
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
                    b.push_extra(Extra::Comment(c.xml10_content()), limits)?;
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
                    b.push_extra(Extra::Pi { target, data }, limits)?;
                }
                Event::Decl(d) => {
                    // The encoding was read before parsing (`XmlText::decode`); the two
                    // readings of the declaration must agree.
                    let here = d.encoding().and_then(Result::ok);
                    if here.as_deref() != declared {
                        return Err(XmlError::Encoding(format!(
                            "the XML declaration's encoding {:?} could not be read before \
                             parsing",
                            here.map(|e| e.into_owned())
                        )));
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
            let names = std::iter::once(e.name()).chain(e.attributes().map(|a| a.name));
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
}
