//! The SMEV 3 transform, `urn://smev-gov-ru/xmldsig/transform` (ЕСМЭВ 3.x methodological
//! recommendations), which SMEV 3 messages apply after exclusive C14N.
//!
//! What it writes for an element and its descendants (UTF-8):
//! 1. no XML declaration, processing instructions or comments;
//! 2. no text node that is white space only (characters up to U+0020); other text as it is;
//! 3. every element as a start tag and an end tag, never `<a/>`;
//! 4. every element and qualified attribute with a prefix `ns1`, `ns2`, … numbered in order of
//!    first need across the whole output; a prefix is declared on the element where it is first
//!    needed and is in scope for its descendants only (a sibling needing the same namespace
//!    later gets a new number); the input's own declarations and prefixes are dropped;
//! 5. attributes sorted: qualified ones first, by namespace URI then local name; unqualified
//!    ones last, by local name; the element's own new declaration first, then those of its
//!    attributes in that order;
//! 6. an element in no namespace is an error (the recommendations support none).
//!
//! Characters are escaped as Canonical XML escapes them (`&amp;` `&lt;` `&gt;` `&#xD;` in text;
//! `&amp;` `&lt;` `&quot;` `&#x9;` `&#xA;` `&#xD;` in attribute values). Names and values are
//! compared by code point.

use std::io::Write;

use super::tree::{Document, NodeId, NodeKind, XML_NAMESPACE, escape, split_qname};

/// The transform's Algorithm URI.
pub const SMEV_TRANSFORM: &str = "urn://smev-gov-ru/xmldsig/transform";

/// Why the SMEV transform could not be applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SmevError {
    /// An element or attribute prefix in no namespace: the transform supports only elements
    /// in a namespace. Holds the element's name.
    #[error("the SMEV transform supports no element without a namespace ({0})")]
    Unqualified(String),
    /// Writing the output failed.
    #[error("writing the transform's output failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes the SMEV transform of the element `apex` of `doc` (with its descendants) to `out`.
///
/// # Errors
/// [`SmevError::Unqualified`] for an element in no namespace (or an undeclared prefix),
/// [`SmevError::Io`] when `out` fails.
///
/// # Example
/// ```
/// use signflow::xmldsig::{Document, smev_transform};
///
/// let doc = Document::parse(br#"<a:x xmlns:a="urn:a" z="1" a:y="2"> <a:e/> </a:x>"#)?;
/// let mut out = Vec::new();
/// smev_transform(&doc, doc.root(), &mut out)?;
/// assert_eq!(
///     out,
///     br#"<ns1:x xmlns:ns1="urn:a" ns1:y="2" z="1"><ns1:e></ns1:e></ns1:x>"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn smev_transform<W: Write + ?Sized>(
    doc: &Document<'_>,
    apex: NodeId,
    out: &mut W,
) -> Result<(), SmevError> {
    let mut state = State {
        doc,
        scopes: Vec::new(),
        next: 1,
    };
    state.element(apex, out)
}

struct State<'d, 'a> {
    doc: &'d Document<'a>,
    /// Per open element, the (namespace URI, prefix number) pairs it declared.
    scopes: Vec<Vec<(&'d str, u64)>>,
    next: u64,
}

impl<'d> State<'d, '_> {
    fn find(&self, uri: &str) -> Option<u64> {
        self.scopes
            .iter()
            .flatten()
            .find(|(u, _)| *u == uri)
            .map(|&(_, n)| n)
    }

    /// The prefix number for `uri`, declared on the current element when none is in scope.
    fn prefix(&mut self, uri: &'d str) -> u64 {
        if let Some(n) = self.find(uri) {
            return n;
        }
        let n = self.next;
        self.next += 1;
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((uri, n));
        }
        n
    }

    fn uri(&self, id: NodeId, prefix: &str, name: &str) -> Result<&'d str, SmevError> {
        if prefix == "xml" {
            return Ok(XML_NAMESPACE);
        }
        self.doc
            .lookup_namespace(id, prefix)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| SmevError::Unqualified(name.to_owned()))
    }

    fn element<W: Write + ?Sized>(&mut self, id: NodeId, out: &mut W) -> Result<(), SmevError> {
        let doc = self.doc;
        let Some(e) = doc.element(id) else {
            return Ok(());
        };
        let uri = self.uri(id, e.prefix(), e.name())?;
        self.scopes.push(Vec::new());
        let own = self.prefix(uri);
        // (namespace URI, local name, value); unqualified attributes have no URI.
        let mut attributes: Vec<(Option<&'d str>, &'d str, &'d str)> = Vec::new();
        for a in e.attributes() {
            let (p, local) = split_qname(a.name);
            let uri = if p.is_empty() {
                None
            } else {
                Some(self.uri(id, p, a.name)?)
            };
            attributes.push((uri, local, a.value));
        }
        attributes.sort_by(|x, y| match (x.0, y.0) {
            (Some(a), Some(b)) => a.cmp(b).then(x.1.cmp(y.1)),
            (None, None) => x.1.cmp(y.1),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
        });
        let prefixes: Vec<Option<u64>> = attributes
            .iter()
            .map(|(uri, _, _)| uri.map(|u| self.prefix(u)))
            .collect();

        let local = e.local_name();
        write!(out, "<ns{own}:{local}")?;
        for (uri, n) in self.scopes.last().into_iter().flatten() {
            write!(out, " xmlns:ns{n}=\"")?;
            escape(out, uri, true)?;
            out.write_all(b"\"")?;
        }
        for ((_, name, value), prefix) in attributes.iter().zip(&prefixes) {
            match prefix {
                Some(n) => write!(out, " ns{n}:{name}=\"")?,
                None => write!(out, " {name}=\"")?,
            }
            escape(out, value, true)?;
            out.write_all(b"\"")?;
        }
        out.write_all(b">")?;
        for child in e.children() {
            match &doc.node(child).kind {
                NodeKind::Element(_) => self.element(child, out)?,
                NodeKind::Text(t) => {
                    let text = t.as_str();
                    if !text.chars().all(|c| c <= ' ') {
                        escape(out, &text, false)?;
                    }
                }
                NodeKind::Comment(_) | NodeKind::Pi(_) => {}
            }
        }
        write!(out, "</ns{own}:{local}>")?;
        self.scopes.pop();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smev(xml: &str) -> Result<String, SmevError> {
        let doc = Document::parse(xml.as_bytes()).unwrap();
        let mut out = Vec::new();
        smev_transform(&doc, doc.root(), &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn siblings_get_new_numbers_and_unqualified_elements_are_refused() {
        assert_eq!(
            smev("<a xmlns='urn:a'><b xmlns='urn:b'/><c xmlns='urn:b'>x &amp; y</c></a>").unwrap(),
            "<ns1:a xmlns:ns1=\"urn:a\"><ns2:b xmlns:ns2=\"urn:b\"></ns2:b>\
             <ns3:c xmlns:ns3=\"urn:b\">x &amp; y</ns3:c></ns1:a>"
        );
        assert!(matches!(
            smev("<a xmlns='urn:a'><b xmlns=''/></a>"),
            Err(SmevError::Unqualified(n)) if n == "b"
        ));
    }
}
