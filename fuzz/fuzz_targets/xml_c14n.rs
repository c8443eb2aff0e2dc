//! XML parsing and every canonicalization mode over hostile documents: the whole document,
//! each element's subtree (up to a bound), and subtrees with another subtree left out (the
//! enveloped-signature node-set). Never a panic, and:
//! - canonical output is a fixed point: parsing it and canonicalizing again (inclusive, without
//!   comments) gives the same bytes;
//! - a subtree's canonical form never depends on how many times it is asked for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::xmldsig::{C14nMethod, Document, NodeId, NodeSet, ParseLimits, canonicalize};

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

fn c14n(doc: &Document, method: &C14nMethod, set: NodeSet<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    canonicalize(doc, method, set, &mut out).expect("canonicalize into a Vec");
    out
}

fuzz_target!(|data: &[u8]| {
    let limits = ParseLimits {
        max_size: 1 << 20,
        max_nodes: 1 << 16,
        ..ParseLimits::default()
    };
    let Ok(doc) = Document::parse_with(data, &limits) else {
        return;
    };
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
