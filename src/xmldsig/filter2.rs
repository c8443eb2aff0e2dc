//! The XPath Filter 2.0 transform (W3C Recommendation, 8 November 2002).
//!
//! Each `XPath` child of the Transform has a `Filter` of `intersect`, `subtract` or `union`
//! and an expression evaluated with the document as context. The selected nodes are expanded
//! to their subtrees, and a filter node-set that starts as the whole document is intersected
//! with, stripped of, or joined with each subtree set in turn (§3.4). The transform's output
//! is its input intersected with that filter node-set, which [`NodeSet::members`] carries into
//! canonicalization.
//!
//! Unions (`|`) of absolute location paths whose steps are name tests on the child (`/`) or
//! descendant (`//`) axis (`/`, `//ToBeSigned`, `/a/b:c`, `//*`) are evaluated directly; other
//! expressions (predicates, `here()`, other axes) go through the XPath 1.0 subset of the
//! `xpath` module. What neither takes — or a selection of attribute nodes — is refused with an
//! [`XmlFinding::Unsupported`](super::XmlFinding) naming the expression, never guessed at.
//!
//! [`NodeSet::members`]: super::NodeSet::members

use std::collections::HashMap;

use super::tree::{Document, NodeId};
use super::work::{Work, WorkLimitExceeded};
use super::xpath::XPathError;

/// Namespace of the XPath Filter 2.0 `XPath` elements.
pub const FILTER2_NS: &str = "http://www.w3.org/2002/06/xmldsig-filter2";

/// The XPath Filter 2.0 transform's URI.
pub const XPATH_FILTER2: &str = "http://www.w3.org/2002/06/xmldsig-filter2";

/// Which nodes of a document are in a node-set: what an XPath or XPath Filter 2.0 transform
/// leaves. A node outside the set may have descendants inside it. Attributes and namespace
/// nodes go with their element unless the set says otherwise for that element (an XPath
/// transform can keep an element without some of its namespace nodes, or keep namespace
/// nodes without their element, as merlin-c14n-three's examples do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    nodes: Vec<bool>,
    /// Elements (by node index) whose attributes are not all in or all out with the element:
    /// one flag per attribute.
    attributes: HashMap<u32, Vec<bool>>,
    /// Elements whose namespace nodes are not all in or all out with the element: (prefix,
    /// in the set) for each namespace in scope.
    namespaces: HashMap<u32, Vec<(String, bool)>>,
}

impl Membership {
    /// Every node of `doc`.
    fn all(doc: &Document) -> Self {
        Self::from_flags(vec![true; doc.nodes().count()])
    }

    /// The set whose members are the nodes with a `true` flag (by node index), attributes
    /// and namespace nodes with their element.
    pub(crate) fn from_flags(flags: Vec<bool>) -> Self {
        Self {
            nodes: flags,
            attributes: HashMap::new(),
            namespaces: HashMap::new(),
        }
    }

    /// Records the attribute flags of element `id` (kept only where they differ from the
    /// element's own flag).
    pub(crate) fn set_attributes(&mut self, id: NodeId, flags: Vec<bool>) {
        if flags.iter().any(|&f| f != self.contains(id)) {
            self.attributes.insert(id.0, flags);
        }
    }

    /// Records the namespace-node flags of element `id`, by prefix (kept only where they
    /// differ from the element's own flag).
    pub(crate) fn set_namespaces(&mut self, id: NodeId, mut flags: Vec<(String, bool)>) {
        // Sorted by prefix: looked up by binary search.
        flags.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if flags.iter().any(|(_, f)| *f != self.contains(id)) {
            self.namespaces.insert(id.0, flags);
        }
    }

    /// Whether node `id` is in the set.
    pub fn contains(&self, id: NodeId) -> bool {
        self.nodes.get(id.0 as usize).copied().unwrap_or(false)
    }

    /// Whether attribute `index` (in document order) of element `id` is in the set.
    pub fn contains_attribute(&self, id: NodeId, index: usize) -> bool {
        match self.attributes.get(&id.0) {
            Some(flags) => flags.get(index).copied().unwrap_or(false),
            None => self.contains(id),
        }
    }

    /// Whether the namespace node of `prefix` (`""`: the default namespace) of element `id`
    /// is in the set.
    pub fn contains_namespace(&self, id: NodeId, prefix: &str) -> bool {
        match self.namespaces.get(&id.0) {
            Some(flags) => flags
                .binary_search_by(|(p, _)| p.as_str().cmp(prefix))
                .is_ok_and(|i| flags[i].1),
            None => self.contains(id),
        }
    }

    /// Whether some element keeps namespace nodes other than all or none of its own, or
    /// keeps some without being in the set itself.
    pub fn has_namespace_detail(&self) -> bool {
        !self.namespaces.is_empty()
    }

    /// Whether some attribute's membership differs from its element's.
    pub fn has_attribute_detail(&self) -> bool {
        !self.attributes.is_empty()
    }

    /// Keeps only the nodes `other` also holds.
    pub(crate) fn intersect(&mut self, other: &Self) {
        let attr_keys: Vec<u32> = self
            .attributes
            .keys()
            .chain(other.attributes.keys())
            .copied()
            .collect();
        for k in attr_keys {
            let id = NodeId(k);
            let len = self
                .attributes
                .get(&k)
                .or_else(|| other.attributes.get(&k))
                .map_or(0, Vec::len);
            let flags: Vec<bool> = (0..len)
                .map(|i| self.contains_attribute(id, i) && other.contains_attribute(id, i))
                .collect();
            self.attributes.insert(k, flags);
        }
        let ns_keys: Vec<u32> = self
            .namespaces
            .keys()
            .chain(other.namespaces.keys())
            .copied()
            .collect();
        for k in ns_keys {
            let id = NodeId(k);
            let Some(prefixes) = self
                .namespaces
                .get(&k)
                .or_else(|| other.namespaces.get(&k))
                .map(|v| v.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>())
            else {
                continue;
            };
            let flags = prefixes
                .into_iter()
                .map(|p| {
                    let f = self.contains_namespace(id, &p) && other.contains_namespace(id, &p);
                    (p, f)
                })
                .collect();
            self.namespaces.insert(k, flags);
        }
        for (a, b) in self.nodes.iter_mut().zip(&other.nodes) {
            *a &= *b;
        }
    }
}

/// One step of a location path: the axis (child or descendant) and the name test, as
/// (namespace URI, local name), `None` for `*`.
struct Step<'x> {
    descendant: bool,
    name: Option<(Option<&'x str>, &'x str)>,
}

/// Evaluates the XPath Filter 2.0 transform `transform` of `doc`: the filter node-set its
/// `XPath` children describe.
///
/// # Errors
/// A description of what is not supported (an expression beyond location paths of names, an
/// unknown `Filter`, an unbound prefix, no `XPath` element).
/// [`XPathError::Work`] when `work` runs out (each node a location path visits costs a unit,
/// plus the namespace declarations looked at).
pub(crate) fn evaluate(
    doc: &Document,
    transform: NodeId,
    work: &Work,
) -> Result<Membership, XPathError> {
    let xpaths: Vec<NodeId> = doc
        .element(transform)
        .map(|t| {
            t.children()
                .filter(|&c| doc.is_named(c, FILTER2_NS, "XPath"))
                .collect()
        })
        .unwrap_or_default();
    if xpaths.is_empty() {
        return Err(XPathError::Unsupported(
            "XPath Filter 2.0 transform without an XPath element".into(),
        ));
    }
    let mut filter = Membership::all(doc);
    for x in xpaths {
        let op = doc
            .element(x)
            .and_then(|e| e.attribute("Filter"))
            .unwrap_or_default();
        let expression = doc.text(x);
        // Location paths of names the quick way; anything else through the XPath evaluator.
        work.charge(expression.len() as u64)?;
        let selected = match select(doc, x, expression.trim(), work)? {
            Some(s) => s,
            None => super::xpath::select_from_root(doc, x, work).map_err(|e| match e {
                XPathError::Unsupported(what) => {
                    XPathError::Unsupported(format!("XPath Filter 2.0: {what}"))
                }
                work => work,
            })?,
        };
        // Expanding to subtrees and combining visit every node.
        work.charge(doc.node_count() as u64)?;
        let subtrees = expand(doc, &selected);
        for (f, s) in filter.nodes.iter_mut().zip(&subtrees) {
            match op {
                "intersect" => *f &= *s,
                "subtract" => *f &= !*s,
                "union" => *f |= *s,
                other => {
                    return Err(XPathError::Unsupported(format!(
                        "XPath Filter 2.0 Filter={other:?}"
                    )));
                }
            }
        }
    }
    Ok(filter)
}

/// What the union of location paths `expression` selects: element ids, and whether the
/// document node (`/`) is among them. `None` when the expression is outside the grammar.
/// Each node visited is charged to `work`, with the namespace declarations looked at.
fn select(
    doc: &Document,
    context: NodeId,
    expression: &str,
    work: &Work,
) -> Result<Option<(Vec<NodeId>, bool)>, WorkLimitExceeded> {
    let mut elements = Vec::new();
    let mut document = false;
    for path in expression.split('|') {
        let path = path.trim();
        if path == "/" {
            document = true;
            continue;
        }
        let Some(steps) = parse_path(doc, context, path) else {
            return Ok(None);
        };
        // Start at the document node: its children are the document-level nodes.
        let mut current: Vec<NodeId> = Vec::new();
        let mut at_document = true;
        for step in &steps {
            let mut next = Vec::new();
            let starts: Vec<NodeId> = if at_document {
                doc.children().to_vec()
            } else {
                current
                    .iter()
                    .flat_map(|&c| doc.element(c).map(|e| e.children().collect::<Vec<_>>()))
                    .flatten()
                    .collect()
            };
            let mut stack: Vec<NodeId> = starts.into_iter().rev().collect();
            while let Some(n) = stack.pop() {
                work.charge(1)?;
                let Some(e) = doc.element(n) else { continue };
                let matches = match step.name {
                    None => true,
                    Some((ns, local)) => {
                        e.local_name() == local && {
                            let (uri, looked_at) = doc.lookup_namespace_counted(n, e.prefix());
                            work.charge(looked_at as u64)?;
                            uri == ns
                        }
                    }
                };
                if matches {
                    next.push(n);
                }
                if step.descendant {
                    let children: Vec<NodeId> = e.children().collect();
                    stack.extend(children.into_iter().rev());
                }
            }
            next.sort_unstable();
            next.dedup();
            current = next;
            at_document = false;
        }
        elements.extend(current);
    }
    Ok(Some((elements, document)))
}

/// Parses `/a//b:c`-style paths; prefixes resolve in the scope of `context` (the `XPath`
/// element), an unprefixed name is in no namespace (XPath 1.0 §2.3).
fn parse_path<'x>(doc: &'x Document, context: NodeId, path: &'x str) -> Option<Vec<Step<'x>>> {
    let mut steps = Vec::new();
    let mut rest = path.strip_prefix('/')?;
    loop {
        let descendant = if let Some(r) = rest.strip_prefix('/') {
            rest = r;
            true
        } else {
            false
        };
        let end = rest.find('/').unwrap_or(rest.len());
        let test = rest[..end].trim();
        let name = if test == "*" {
            None
        } else {
            let (prefix, local) = test.split_once(':').unwrap_or(("", test));
            if !is_ncname(local) || (!prefix.is_empty() && !is_ncname(prefix)) {
                return None;
            }
            let ns = if prefix.is_empty() {
                None
            } else {
                Some(doc.lookup_namespace(context, prefix)?)
            };
            Some((ns, local))
        };
        steps.push(Step { descendant, name });
        if end == rest.len() {
            return Some(steps);
        }
        rest = &rest[end + 1..];
    }
}

fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// The subtree expansion of `selected`: every node that is a selected element or below one
/// (everything, when the document node is selected).
fn expand(doc: &Document, (elements, document): &(Vec<NodeId>, bool)) -> Vec<bool> {
    let count = doc.nodes().count();
    if *document {
        return vec![true; count];
    }
    let mut inside = vec![false; count];
    for &e in elements {
        let mut stack = vec![e];
        while let Some(n) = stack.pop() {
            if std::mem::replace(&mut inside[n.0 as usize], true) {
                continue;
            }
            if let Some(el) = doc.element(n) {
                stack.extend(el.children());
            }
        }
    }
    inside
}
