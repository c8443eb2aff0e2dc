//! The OPC Relationships transform (ECMA-376 Part 2 §13.2.4.24), which OOXML signatures
//! (`.docx`, `.xlsx`…) apply to a package's Relationships parts.
//!
//! The transform keeps the `Relationship` elements a signature selects, sorted by `Id`, with
//! `TargetMode="Internal"` made explicit, and drops what an editor may change without changing
//! the package's meaning: white space, comments, foreign namespace declarations and content,
//! the relationships the signature does not cover. It writes the result as XML text, which
//! the following transform (a canonicalization, as the standard asks) parses again.
//!
//! The output follows xmlsec's implementation byte for byte (it is what the test suite's
//! signatures were made with), in its current and in its legacy mode
//! ([`RelationshipMode`]), with two differences where xmlsec departs from the standard:
//! `RelationshipsGroupReference SourceType="…"` selects relationships by `Type` (xmlsec
//! ignores it), and the `Id`/`Type` of a relationship and the `SourceId`/`SourceType` of a
//! selector are the unqualified attributes (xmlsec takes the first attribute of that local
//! name in any namespace).

use thiserror::Error;

use super::tree::{Document, NodeId, NodeKind, split_qname};

/// Algorithm URI of the Relationships transform.
pub const RELATIONSHIP_TRANSFORM: &str =
    "http://schemas.openxmlformats.org/package/2006/RelationshipTransform";

/// Namespace of a Relationships part (`Relationships`, `Relationship`).
pub const RELATIONSHIPS_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// Namespace of the transform's parameters (`mdssi:RelationshipReference`,
/// `mdssi:RelationshipsGroupReference`).
pub const PACKAGE_SIGNATURE_NS: &str =
    "http://schemas.openxmlformats.org/package/2006/digital-signature";

/// Why the Relationships transform could not run.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RelationshipError {
    /// A `RelationshipReference` without `SourceId` or a `RelationshipsGroupReference`
    /// without `SourceType` (the element is named).
    #[error("mdssi:{0} without its selecting attribute")]
    MissingSelector(&'static str),
    /// A document-level element of the input is not in the Relationships namespace: the
    /// input is not a Relationships part.
    #[error("the input is not a Relationships part (its root is {0:?})")]
    NotRelationships(String),
}

/// How the transform treats content the standard removes; xmlsec's `--relationship-legacy`
/// chooses [`RelationshipMode::Legacy`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RelationshipMode {
    /// ECMA-376's algorithm as xmlsec implements it today: only elements and attributes of
    /// the Relationships part survive (unqualified and `xml:` attributes), only the
    /// Relationships namespace is declared, text and comments are dropped.
    #[default]
    Standard,
    /// What xmlsec did before it followed the standard closely, for signatures made then:
    /// every node is written (a text node as an empty `<text>` element, a comment as
    /// `<comment>`, a processing instruction as an element named by its target), with all
    /// its attributes, and the *first* namespace declaration of each element is written as
    /// its default namespace, whatever namespace that is.
    Legacy,
}

/// What a Relationships transform selects: its `SourceId` and `SourceType` values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RelationshipSelection {
    /// `Id`s to keep (`mdssi:RelationshipReference SourceId="…"`).
    pub source_ids: Vec<String>,
    /// `Type`s to keep (`mdssi:RelationshipsGroupReference SourceType="…"`).
    pub source_types: Vec<String>,
}

impl RelationshipSelection {
    /// Reads the selectors among the children of `transform` (a `ds:Transform` element of
    /// `doc`); other children are ignored.
    pub fn from_transform(doc: &Document, transform: NodeId) -> Result<Self, RelationshipError> {
        let mut selection = Self::default();
        let Some(t) = doc.element(transform) else {
            return Ok(selection);
        };
        for c in t.children() {
            let Some(e) = doc.element(c) else { continue };
            if doc.is_named(c, PACKAGE_SIGNATURE_NS, "RelationshipReference") {
                let id = e
                    .attribute("SourceId")
                    .ok_or(RelationshipError::MissingSelector("RelationshipReference"))?;
                selection.source_ids.push(id.to_owned());
            } else if doc.is_named(c, PACKAGE_SIGNATURE_NS, "RelationshipsGroupReference") {
                let ty = e
                    .attribute("SourceType")
                    .ok_or(RelationshipError::MissingSelector(
                        "RelationshipsGroupReference",
                    ))?;
                selection.source_types.push(ty.to_owned());
            }
        }
        Ok(selection)
    }

    /// Whether a relationship with `id` and `ty` is selected (exact, case-sensitive
    /// comparison, as the standard asks).
    pub fn selects(&self, id: &str, ty: Option<&str>) -> bool {
        self.source_ids.iter().any(|s| s == id)
            || ty.is_some_and(|ty| self.source_types.iter().any(|s| s == ty))
    }
}

/// Applies the Relationships transform to `part`, a parsed Relationships part: the XML text
/// the following transform parses (no XML declaration; UTF-8).
pub fn relationship_transform(
    part: &Document,
    selection: &RelationshipSelection,
    mode: RelationshipMode,
) -> Result<String, RelationshipError> {
    let w = Writer {
        doc: part,
        selection,
        legacy: mode == RelationshipMode::Legacy,
    };
    if !w.legacy {
        for &c in part.children() {
            if let Some(e) = part.element(c)
                && !w.in_relationships_ns(c)
            {
                return Err(RelationshipError::NotRelationships(e.name().to_owned()));
            }
        }
    }
    let mut out = String::new();
    w.node_list(&mut out, part.children().iter().copied());
    Ok(out)
}

/// One run of the transform over a document.
struct Writer<'w, 'a> {
    doc: &'w Document<'a>,
    selection: &'w RelationshipSelection,
    legacy: bool,
}

impl Writer<'_, '_> {
    fn in_relationships_ns(&self, id: NodeId) -> bool {
        self.doc
            .expanded_name(id)
            .is_some_and(|(ns, _)| ns == Some(RELATIONSHIPS_NS))
    }

    fn is_relationship(&self, id: NodeId) -> bool {
        self.doc.is_named(id, RELATIONSHIPS_NS, "Relationship")
    }

    /// Siblings in order, except the `Relationship` elements, which come last, sorted by `Id`
    /// (ordinal comparison; a missing `Id` first, where the element is then dropped).
    /// Recursion is bounded by the parser's depth limit.
    fn node_list(&self, out: &mut String, nodes: impl Iterator<Item = NodeId>) {
        let mut relationships: Vec<(Option<&str>, NodeId)> = Vec::new();
        for c in nodes {
            let is_element = self.doc.element(c).is_some();
            if !self.legacy && !is_element {
                continue;
            }
            if self.is_relationship(c) {
                let id = self.doc.element(c).and_then(|e| e.attribute("Id"));
                relationships.push((id, c));
            } else {
                self.node(out, c);
            }
        }
        relationships.sort_by_key(|r| r.0);
        for (_, c) in relationships {
            self.node(out, c);
        }
    }

    /// A node, unless the transform drops it: foreign elements (standard mode) and
    /// relationships without an `Id` or not selected.
    fn node(&self, out: &mut String, id: NodeId) {
        if !self.legacy && !self.in_relationships_ns(id) {
            return;
        }
        if let Some(e) = self.doc.element(id)
            && self.is_relationship(id)
        {
            let Some(rid) = e.attribute("Id") else { return };
            if !self.selection.selects(rid, e.attribute("Type")) {
                return;
            }
        }
        self.element(out, id);
    }

    /// Writes `id` as an element with its (kept) namespace declaration and attributes, a
    /// default `TargetMode` for a relationship, and its children; never any text.
    fn element(&self, out: &mut String, id: NodeId) {
        let name = match &self.doc.node(id).kind {
            NodeKind::Element(_) => self.doc.element(id).map_or("", |e| e.local_name()),
            NodeKind::Text(_) => "text",
            NodeKind::Comment(_) => "comment",
            NodeKind::Pi(pi) => pi.target,
        };
        out.push('<');
        out.push_str(name);
        if let Some(e) = self.doc.element(id) {
            let decl = if self.legacy {
                e.namespaces().first()
            } else {
                e.namespaces().iter().find(|d| d.uri == RELATIONSHIPS_NS)
            };
            if let Some(d) = decl {
                attribute(out, "xmlns", &d.uri);
            }
            let mut target_mode = false;
            for a in e.attributes() {
                let (prefix, _) = split_qname(a.name);
                target_mode |= a.name == "TargetMode";
                if self.legacy || prefix.is_empty() || prefix == "xml" {
                    attribute(out, a.name, a.value);
                }
            }
            if !target_mode && self.is_relationship(id) {
                attribute(out, "TargetMode", "Internal");
            }
            out.push('>');
            self.node_list(out, e.children());
        } else {
            out.push('>');
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
}

/// ` name="value"` with `&`, `<`, `>` and `"` escaped.
fn attribute(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    for ch in value.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELS: &str = r#"<?xml version="1.0"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships" xmlns:x="urn:x">
  <!-- a comment -->
  <Relationship Id="rId3" Type="urn:t3" Target="c.xml"/>
  <Relationship Id="rId10" Type="urn:t1" Target="a.xml" TargetMode="External" x:y="z"/>
  <Relationship Id="rId2" Type="urn:t2" Target="b&amp;&quot;.xml"/>
</Relationships>"#;

    fn run(xml: &str, selection: &RelationshipSelection, mode: RelationshipMode) -> String {
        let doc = Document::parse(xml.as_bytes()).expect("parses");
        relationship_transform(&doc, selection, mode).expect("transforms")
    }

    fn ids(ids: &[&str]) -> RelationshipSelection {
        RelationshipSelection {
            source_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
            source_types: Vec::new(),
        }
    }

    #[test]
    fn selects_sorts_and_defaults_target_mode() {
        let out = run(
            RELS,
            &ids(&["rId2", "rId10", "rId3"]),
            RelationshipMode::Standard,
        );
        assert_eq!(
            out,
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/\
             relationships\"><Relationship Id=\"rId10\" Type=\"urn:t1\" Target=\"a.xml\" \
             TargetMode=\"External\"></Relationship><Relationship Id=\"rId2\" \
             Type=\"urn:t2\" Target=\"b&amp;&quot;.xml\" TargetMode=\"Internal\">\
             </Relationship><Relationship Id=\"rId3\" Type=\"urn:t3\" Target=\"c.xml\" \
             TargetMode=\"Internal\"></Relationship></Relationships>"
        );
    }

    #[test]
    fn unselected_relationships_are_dropped() {
        let out = run(RELS, &ids(&["rId3"]), RelationshipMode::Standard);
        assert!(out.contains("rId3") && !out.contains("rId2") && !out.contains("rId10"));
        let none = run(RELS, &ids(&[]), RelationshipMode::Standard);
        assert_eq!(
            none,
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/\
             relationships\"></Relationships>"
        );
    }

    #[test]
    fn group_reference_selects_by_type() {
        let selection = RelationshipSelection {
            source_ids: Vec::new(),
            source_types: vec!["urn:t2".into()],
        };
        let out = run(RELS, &selection, RelationshipMode::Standard);
        assert!(out.contains("rId2") && !out.contains("rId3"));
    }

    #[test]
    fn legacy_writes_every_node_and_the_first_declaration() {
        let out = run(RELS, &ids(&["rId10"]), RelationshipMode::Legacy);
        assert!(out.starts_with(
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/\
             relationships\"><text></text><comment></comment><text></text>"
        ));
        assert!(out.contains(" x:y=\"z\""), "{out}");
        let ns = r#"<Relationships xmlns:f="urn:f"
            xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>"#;
        assert_eq!(
            run(ns, &ids(&[]), RelationshipMode::Legacy),
            "<Relationships xmlns=\"urn:f\"></Relationships>"
        );
        assert_eq!(
            run(ns, &ids(&[]), RelationshipMode::Standard),
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/\
             relationships\"></Relationships>"
        );
    }

    #[test]
    fn foreign_content_is_dropped_and_prefixes_removed() {
        let xml = r#"<r:Relationships
            xmlns:r="http://schemas.openxmlformats.org/package/2006/relationships"
            xmlns:o="urn:o"><o:Relationship Id="rId1"/><r:Relationship Id="rId1" o:a="b"
            Target="t"/></r:Relationships>"#;
        assert_eq!(
            run(xml, &ids(&["rId1"]), RelationshipMode::Standard),
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/\
             relationships\"><Relationship Id=\"rId1\" Target=\"t\" TargetMode=\"Internal\">\
             </Relationship></Relationships>"
        );
    }

    #[test]
    fn input_and_parameter_errors() {
        let doc = Document::parse(b"<a xmlns='urn:a'/>").expect("parses");
        assert_eq!(
            relationship_transform(&doc, &ids(&[]), RelationshipMode::Standard),
            Err(RelationshipError::NotRelationships("a".into()))
        );
        let t = Document::parse(
            b"<T xmlns:m='http://schemas.openxmlformats.org/package/2006/digital-signature'>\
              <m:RelationshipReference/></T>",
        )
        .expect("parses");
        assert_eq!(
            RelationshipSelection::from_transform(&t, t.root()),
            Err(RelationshipError::MissingSelector("RelationshipReference"))
        );
    }
}
