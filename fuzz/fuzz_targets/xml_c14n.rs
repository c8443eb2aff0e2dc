//! XML parsing and every canonicalization mode over hostile documents: the whole document,
//! each element's subtree (up to a bound), and subtrees with another subtree left out (the
//! enveloped-signature node-set). Never a panic, and:
//! - canonical output is a fixed point: parsing it and canonicalizing again (inclusive, without
//!   comments) gives the same bytes;
//! - a subtree's canonical form never depends on how many times it is asked for.
//!
//! The input is read as `XmlText::decode` reads it (any encoding it knows) and parsed from that
//! text (`Document::parse_text`), and:
//! - valid UTF-8 without an XML declaration (or a UTF-16/UTF-32 signature) is borrowed as it
//!   is;
//! - `Document::parse_with` accepts exactly what `parse_text` accepts unless the text had to
//!   be transcoded, which it refuses as an encoding error;
//! - in UTF-8, UTF-16 and the single-byte encodings, `encode(as_str())` gives the input back
//!   byte for byte (the multi-byte encoders of the Encoding Standard are not inverses of their
//!   decoders: Shift_JIS and Big5 duplicates, ISO-2022-JP's half-width katakana; those are
//!   only encoded, for panics);
//! - the SMEV 3 transform of the root element, when it applies, is the same twice, has no
//!   comment, processing instruction or CDATA section, and closes every element of the
//!   document with an end tag.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::xmldsig::{
    C14nMethod, Document, NodeId, NodeSet, ParseLimits, XmlError, XmlText, canonicalize,
    smev_transform,
};

/// Elements whose subtrees are canonicalized, per input (each costs a pass per method).
const MAX_APEXES: usize = 24;

fn methods() -> [C14nMethod; 6] {
    [
        C14nMethod::Inclusive { comments: false },
        C14nMethod::Inclusive { comments: true },
        C14nMethod::Exclusive {
            comments: false,
            inclusive_prefixes: Vec::new(),
        },
        C14nMethod::Exclusive {
            comments: true,
            inclusive_prefixes: Vec::new(),
        },
        C14nMethod::Exclusive {
            comments: false,
            inclusive_prefixes: vec![String::new(), "a".into(), "ds".into()],
        },
        C14nMethod::Exclusive {
            comments: true,
            inclusive_prefixes: vec!["xml".into(), "b".into()],
        },
    ]
}

/// The SMEV transform of the root element: no panic, and its certain properties.
fn smev(doc: &Document<'_>) {
    let mut out = Vec::new();
    if smev_transform(doc, doc.root(), &mut out).is_err() {
        return;
    }
    let mut again = Vec::new();
    smev_transform(doc, doc.root(), &mut again).expect("the SMEV transform applied once");
    assert_eq!(out, again, "the SMEV transform is not deterministic");
    // `<` is escaped in text and attribute values: every `<` is a tag's.
    assert!(
        !out.windows(2).any(|w| w == b"<!" || w == b"<?"),
        "a comment, processing instruction or CDATA section in the SMEV output"
    );
    let elements = doc
        .nodes()
        .filter(|(id, _)| doc.element(*id).is_some())
        .count();
    let end_tags = out.windows(2).filter(|w| *w == b"</").count();
    assert_eq!(
        end_tags, elements,
        "an element without its end tag in the SMEV output"
    );
}

fn c14n(doc: &Document, method: &C14nMethod, set: NodeSet<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    canonicalize(doc, method, set, &mut out).expect("canonicalize into a Vec");
    out
}

/// Encodings of `encoding_rs` whose encoder is not the inverse of its decoder.
const MULTI_BYTE: [&str; 7] = [
    "Shift_JIS",
    "EUC-JP",
    "ISO-2022-JP",
    "EUC-KR",
    "GBK",
    "gb18030",
    "Big5",
];

/// Decoding properties; the decoded text when there is one.
fn decode<'a>(data: &'a [u8], limits: &ParseLimits) -> Option<XmlText<'a>> {
    let decoded = XmlText::decode(data, limits);
    let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    if data.len() <= limits.max_size
        && std::str::from_utf8(data).is_ok()
        && !body.starts_with(b"<?xml")
        && !data.iter().take(4).any(|&b| b == 0)
    {
        let text = decoded
            .as_ref()
            .unwrap_or_else(|e| panic!("UTF-8 without a declaration refused: {e}"));
        assert_eq!(text.encoding(), "UTF-8");
        assert!(!text.is_transcoded());
        assert_eq!(text.as_str().as_bytes(), data);
        assert_eq!(text.declared_encoding(), None);
    }
    let decoded = decoded.ok()?;
    let encoding = decoded.encoding();
    let encoded = decoded.encode(decoded.as_str());
    if encoding == "UTF-8" {
        assert_eq!(decoded.as_str().as_bytes(), data);
    }
    if !MULTI_BYTE.contains(&encoding) {
        let encoded =
            encoded.unwrap_or_else(|e| panic!("{encoding} text it decoded does not encode: {e}"));
        assert!(encoded == data, "{encoding} does not round-trip");
    }
    Some(decoded)
}

fuzz_target!(|data: &[u8]| {
    let limits = ParseLimits {
        max_size: 1 << 20,
        max_nodes: 1 << 16,
        ..ParseLimits::default()
    };
    let Some(text) = decode(data, &limits) else {
        return;
    };
    let parsed = Document::parse_text(&text, &limits);
    match Document::parse_with(data, &limits) {
        Err(XmlError::Encoding(_)) if text.is_transcoded() => {}
        direct => {
            assert!(
                !text.is_transcoded(),
                "parse_with read a transcoded document"
            );
            assert_eq!(
                direct.is_ok(),
                parsed.is_ok(),
                "parse_with and parse_text differ"
            );
        }
    }
    let Ok(doc) = parsed else {
        return;
    };
    smev(&doc);
    let methods = methods();
    let elements: Vec<NodeId> = doc
        .nodes()
        .filter(|(id, _)| doc.element(*id).is_some())
        .map(|(id, _)| id)
        .take(MAX_APEXES)
        .collect();
    for method in &methods {
        let whole = c14n(&doc, method, NodeSet::DOCUMENT);
        // Fixed point: canonical XML parses and canonicalizes to itself.
        if let C14nMethod::Inclusive { comments: false } = method {
            let again = Document::parse_with(&whole, &limits)
                .unwrap_or_else(|e| panic!("canonical output does not parse: {e}"));
            assert_eq!(
                c14n(&again, method, NodeSet::DOCUMENT),
                whole,
                "inclusive C14N is not a fixed point"
            );
        }
        for (i, &apex) in elements.iter().enumerate() {
            let sub = c14n(&doc, method, NodeSet::subtree(apex));
            assert_eq!(sub, c14n(&doc, method, NodeSet::subtree(apex)));
            // Leave out a later element (a descendant or not) as the enveloped transform does.
            if let Some(&excluded) = elements.get(i + 1) {
                let exclude = [excluded];
                let set = NodeSet {
                    apex: Some(apex),
                    exclude: &exclude,
                    members: None,
                };
                let without = c14n(&doc, method, set);
                if !doc.is_ancestor_or_self(apex, excluded) {
                    assert_eq!(without, sub, "excluding an outside node changed the output");
                }
            }
        }
        let exclude = [doc.root()];
        let _ = c14n(
            &doc,
            method,
            NodeSet {
                apex: None,
                exclude: &exclude,
                members: None,
            },
        );
    }
    // Parent links and namespace look-ups on every node.
    for (id, node) in doc.nodes() {
        if let Some(p) = node.parent() {
            assert!(doc.is_ancestor_or_self(p, id));
        }
        let _ = doc.expanded_name(id);
        let _ = doc.lookup_namespace(id, "");
    }
    let _ = doc.text(doc.root());
});
