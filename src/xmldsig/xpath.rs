//! The XPath filtering transform of XMLDSig (§6.6.3, `REC-xpath-19991116`) over a subset of
//! XPath 1.0.
//!
//! The transform's `XPath` element holds an expression evaluated once per node of the input,
//! with that node as context; the nodes for which it is true stay. Every node of the XPath
//! data model counts: elements, text, comments, processing instructions, attributes and each
//! element's namespace nodes, so an expression can keep an element without some of its
//! namespace declarations, or keep declarations without their element ([`Membership`] records
//! which, and canonicalization renders the set as C14N §2.3 says). What is evaluated:
//!
//! * `or`, `and`, `=`, `!=`, `<`, `<=`, `>`, `>=`, `+`, `-`, `*`, `div`, `mod`, unary `-`,
//!   unions `|`, parentheses, numbers and string literals, with XPath 1.0's comparison rules
//!   (§3.4);
//! * location paths, absolute or relative, on the axes `self`, `parent`, `child`,
//!   `descendant`, `descendant-or-self`, `ancestor`, `ancestor-or-self`, `attribute`,
//!   `namespace`, `following-sibling` and `preceding-sibling`, with the abbreviations `@`, `.`,
//!   `..` and `//`; name tests (`p:name`, `p:*`, `*`) and `node()`, `text()`, `comment()`,
//!   `processing-instruction()`; predicates, numeric (`[1]`, in axis order) or boolean;
//! * the functions `not`, `count`, `boolean`, `true`, `false`, `position`, `last`, `string`,
//!   `number`, `name`, `local-name`, `namespace-uri`, `id` (over the Id, ID, id and xml:id
//!   attributes: there is no DTD to declare others) and XMLDSig's `here()`.
//!
//! Anything else — the `following`/`preceding` axes, other functions, variables — is refused
//! with a message naming it, never guessed at.
//!
//! Evaluation is bounded: an expression has at most [`MAX_TOKENS`] tokens, and everything its
//! evaluation does that input can amplify is charged to the verification's [`Work`] budget
//! ([`super::ParseLimits::max_work`]): each expression evaluated (once per context node, once
//! per node a predicate filters), each node an axis or a string-value visits, each namespace
//! declaration looked at, each character of a string-value built, and each pair of strings a
//! node-set comparison compares (`//text() = //@b` is |A| × |B| comparisons).

use std::cell::RefCell;
use std::rc::Rc;

use super::filter2::Membership;
use super::tree::{Document, NodeId, NodeKind};
use super::work::{Work, WorkLimitExceeded};

mod syntax;

use syntax::{Arith, Axis, Cmp, Expr, Func, Parser, Start, Test, tokenize};

/// Why an XPath expression was not evaluated.
#[derive(Debug)]
pub(crate) enum XPathError {
    /// Outside the subset, malformed, or of the wrong type (the message names it).
    Unsupported(String),
    /// The verification's work budget ran out.
    Work(WorkLimitExceeded),
}

impl From<String> for XPathError {
    fn from(s: String) -> Self {
        Self::Unsupported(s)
    }
}

impl From<&str> for XPathError {
    fn from(s: &str) -> Self {
        Self::Unsupported(s.to_owned())
    }
}

impl From<WorkLimitExceeded> for XPathError {
    fn from(e: WorkLimitExceeded) -> Self {
        Self::Work(e)
    }
}

/// In-scope namespaces of one element, `(prefix, URI)` sorted by prefix.
type InScope<'d> = Rc<Vec<(&'d str, &'d str)>>;

/// Most tokens in one expression (which bounds the depth of its syntax tree, hence the
/// recursion of evaluation).
pub const MAX_TOKENS: usize = 512;

/// A node of the XPath data model: the document node, a tree node, a namespace node (element,
/// index among [`Document::in_scope_namespaces`]) or an attribute (element, index among its
/// attributes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum XNode {
    Root,
    Node(NodeId),
    Ns(NodeId, u32),
    Attr(NodeId, u32),
}

impl XNode {
    /// Document order: the document node, then each node followed by its namespace nodes and
    /// its attributes (XPath 1.0 §5).
    fn order(self) -> (u64, u32, u32) {
        match self {
            Self::Root => (0, 0, 0),
            Self::Node(n) => (u64::from(n.0) + 1, 0, 0),
            Self::Ns(n, i) => (u64::from(n.0) + 1, 1, i),
            Self::Attr(n, i) => (u64::from(n.0) + 1, 2, i),
        }
    }
}

#[derive(Clone, Debug)]
enum Value {
    Nodes(Vec<XNode>),
    Bool(bool),
    Num(f64),
    Str(String),
}

/// What an expression is evaluated in: the document, `here()`, the work budget, and the
/// in-scope namespaces of the element last asked about (namespace nodes are asked about
/// element by element).
struct Eval<'d, 'a, 'w> {
    doc: &'d Document<'a>,
    here: Option<XNode>,
    work: &'w Work,
    namespaces: RefCell<Option<(NodeId, InScope<'d>)>>,
}

#[derive(Clone, Copy)]
struct Context {
    node: XNode,
    position: usize,
    size: usize,
}

impl<'d> Eval<'d, '_, '_> {
    fn tick(&self, n: usize) -> Result<(), XPathError> {
        Ok(self.work.charge(n as u64)?)
    }

    /// The in-scope namespaces of element `id` ([`Document::in_scope_namespaces_counted`]), charged
    /// by the declarations looked at; the last element's are kept.
    fn in_scope(&self, id: NodeId) -> Result<InScope<'d>, XPathError> {
        if let Some((cached, list)) = &*self.namespaces.borrow()
            && *cached == id
        {
            return Ok(Rc::clone(list));
        }
        let (list, looked_at) = self.doc.in_scope_namespaces_counted(id);
        self.tick(looked_at + list.len())?;
        let list = Rc::new(list);
        *self.namespaces.borrow_mut() = Some((id, Rc::clone(&list)));
        Ok(list)
    }

    /// [`Document::lookup_namespace`], charged by the declarations looked at.
    fn lookup(&self, id: NodeId, prefix: &str) -> Result<Option<&'d str>, XPathError> {
        let (uri, looked_at) = self.doc.lookup_namespace_counted(id, prefix);
        self.tick(looked_at)?;
        Ok(uri)
    }

    fn parent(&self, n: XNode) -> Option<XNode> {
        match n {
            XNode::Root => None,
            XNode::Attr(e, _) | XNode::Ns(e, _) => Some(XNode::Node(e)),
            XNode::Node(id) => Some(self.doc.parent(id).map_or(XNode::Root, XNode::Node)),
        }
    }

    fn children(&self, n: XNode) -> Vec<XNode> {
        match n {
            XNode::Root => self
                .doc
                .children()
                .iter()
                .map(|&c| XNode::Node(c))
                .collect(),
            XNode::Node(id) => self
                .doc
                .element(id)
                .map(|e| e.children().map(XNode::Node).collect())
                .unwrap_or_default(),
            XNode::Attr(..) | XNode::Ns(..) => Vec::new(),
        }
    }

    /// The descendants of `n` in document order, each visit charged.
    fn descendants(&self, n: XNode, out: &mut Vec<XNode>) -> Result<(), XPathError> {
        let mut stack: Vec<XNode> = self.children(n).into_iter().rev().collect();
        while let Some(c) = stack.pop() {
            self.tick(1)?;
            out.push(c);
            stack.extend(self.children(c).into_iter().rev());
        }
        Ok(())
    }

    /// The nodes of `axis` from `n`, in axis order (nearest first on reverse axes).
    fn axis(&mut self, axis: Axis, n: XNode) -> Result<Vec<XNode>, XPathError> {
        let mut out = Vec::new();
        match axis {
            Axis::Itself => out.push(n),
            Axis::Parent => out.extend(self.parent(n)),
            Axis::Child => out = self.children(n),
            Axis::Descendant => self.descendants(n, &mut out)?,
            Axis::DescendantOrSelf => {
                out.push(n);
                self.descendants(n, &mut out)?;
            }
            Axis::Ancestor | Axis::AncestorOrSelf => {
                if axis == Axis::AncestorOrSelf {
                    out.push(n);
                }
                let mut cur = self.parent(n);
                while let Some(p) = cur {
                    out.push(p);
                    cur = self.parent(p);
                }
            }
            Axis::Attribute => {
                if let XNode::Node(id) = n
                    && let Some(e) = self.doc.element(id)
                {
                    out.extend((0..e.attributes().len() as u32).map(|i| XNode::Attr(id, i)));
                }
            }
            Axis::Namespace => {
                if let XNode::Node(id) = n
                    && self.doc.element(id).is_some()
                {
                    let count = self.in_scope(id)?.len() as u32;
                    out.extend((0..count).map(|i| XNode::Ns(id, i)));
                }
            }
            Axis::FollowingSibling | Axis::PrecedingSibling => {
                if let XNode::Node(_) = n
                    && let Some(p) = self.parent(n)
                {
                    let siblings = self.children(p);
                    self.tick(siblings.len())?;
                    if let Some(i) = siblings.iter().position(|&s| s == n) {
                        if axis == Axis::FollowingSibling {
                            out.extend(&siblings[i + 1..]);
                        } else {
                            out.extend(siblings[..i].iter().rev());
                        }
                    }
                }
            }
        }
        self.tick(out.len().max(1))?;
        Ok(out)
    }

    fn matches(&self, axis: Axis, test: &Test, n: XNode) -> Result<bool, XPathError> {
        let element = |id: NodeId| self.doc.element(id);
        Ok(match test {
            Test::Node => true,
            Test::Text => {
                matches!(n, XNode::Node(id) if matches!(self.doc.node(id).kind, NodeKind::Text(_)))
            }
            Test::Comment => matches!(n, XNode::Node(id)
                if matches!(self.doc.node(id).kind, NodeKind::Comment(_))),
            Test::Pi => {
                matches!(n, XNode::Node(id) if matches!(self.doc.node(id).kind, NodeKind::Pi(_)))
            }
            Test::Any(ns) | Test::Name(ns, _) => {
                let local = match test {
                    Test::Name(_, l) => Some(l.as_str()),
                    _ => None,
                };
                match (axis, n) {
                    (Axis::Attribute, XNode::Attr(e, i)) => {
                        let Some(a) = element(e).and_then(|el| el.attributes().get(i as usize))
                        else {
                            return Ok(false);
                        };
                        let (prefix, l) = a.name.split_once(':').unwrap_or(("", a.name));
                        if local.is_some_and(|want| want != l) {
                            return Ok(false);
                        }
                        if ns.is_none() && local.is_none() {
                            return Ok(true);
                        }
                        let a_ns = if prefix.is_empty() {
                            None
                        } else {
                            self.lookup(e, prefix)?
                        };
                        a_ns == ns.as_deref()
                    }
                    (Axis::Attribute, _) => false,
                    // A namespace node's name is its prefix, in no namespace.
                    (Axis::Namespace, XNode::Ns(e, i)) => match test {
                        Test::Any(ns) => ns.is_none(),
                        Test::Name(ns, l) => {
                            ns.is_none()
                                && self
                                    .in_scope(e)?
                                    .get(i as usize)
                                    .is_some_and(|(p, _)| p == l)
                        }
                        _ => false,
                    },
                    (Axis::Namespace, _) => false,
                    (_, XNode::Node(id)) => {
                        let Some(e) = element(id) else {
                            return Ok(false);
                        };
                        if local.is_some_and(|want| want != e.local_name()) {
                            return Ok(false);
                        }
                        ns.is_none() && local.is_none()
                            || self.lookup(id, e.prefix())? == ns.as_deref()
                    }
                    _ => false,
                }
            }
        })
    }

    fn eval(&mut self, e: &Expr, ctx: Context) -> Result<Value, XPathError> {
        // Every expression evaluated costs a unit: an expression per context node, a
        // predicate per node it filters.
        self.tick(1)?;
        Ok(match e {
            Expr::Or(a, b) => Value::Bool(self.boolean(a, ctx)? || self.boolean(b, ctx)?),
            Expr::And(a, b) => Value::Bool(self.boolean(a, ctx)? && self.boolean(b, ctx)?),
            Expr::Compare(op, a, b) => {
                let (a, b) = (self.eval(a, ctx)?, self.eval(b, ctx)?);
                Value::Bool(self.compare(*op, &a, &b)?)
            }
            Expr::Union(a, b) => {
                let (Value::Nodes(mut x), Value::Nodes(y)) =
                    (self.eval(a, ctx)?, self.eval(b, ctx)?)
                else {
                    return Err("a union of values that are not node-sets".into());
                };
                x.extend(y);
                self.sort_nodes(&mut x)?;
                Value::Nodes(x)
            }
            Expr::Negate(a) => {
                let v = self.eval(a, ctx)?;
                Value::Num(-self.number(&v)?)
            }
            Expr::Arith(op, a, b) => {
                let (a, b) = (self.eval(a, ctx)?, self.eval(b, ctx)?);
                let (x, y) = (self.number(&a)?, self.number(&b)?);
                Value::Num(match op {
                    Arith::Add => x + y,
                    Arith::Sub => x - y,
                    Arith::Mul => x * y,
                    Arith::Div => x / y,
                    // XPath's mod truncates, like Rust's %.
                    Arith::Mod => x % y,
                })
            }
            Expr::Number(n) => Value::Num(*n),
            Expr::Literal(s) => {
                self.tick(s.len())?;
                Value::Str(s.clone())
            }
            Expr::Call(f, args) => self.call(*f, args, ctx)?,
            Expr::Path(start, steps) => {
                let mut set = match start {
                    Start::Root => vec![XNode::Root],
                    Start::Context => vec![ctx.node],
                    Start::Filter(f) => match self.eval(f, ctx)? {
                        Value::Nodes(n) => n,
                        _ => return Err("a path from a value that is not a node-set".into()),
                    },
                };
                for step in steps {
                    let mut next = Vec::new();
                    for &n in &set {
                        let mut selected = Vec::new();
                        for c in self.axis(step.axis, n)? {
                            if self.matches(step.axis, &step.test, c)? {
                                selected.push(c);
                            }
                        }
                        for p in &step.predicates {
                            let size = selected.len();
                            let mut kept = Vec::with_capacity(size);
                            for (i, &c) in selected.iter().enumerate() {
                                let inner = Context {
                                    node: c,
                                    position: i + 1,
                                    size,
                                };
                                let keep = match self.eval(p, inner)? {
                                    Value::Num(k) => k == (i + 1) as f64,
                                    v => self.truth(&v),
                                };
                                if keep {
                                    kept.push(c);
                                }
                            }
                            selected = kept;
                        }
                        next.extend(selected);
                    }
                    self.sort_nodes(&mut next)?;
                    set = next;
                }
                Value::Nodes(set)
            }
        })
    }

    fn call(&mut self, f: Func, args: &[Expr], ctx: Context) -> Result<Value, XPathError> {
        let arg = |this: &mut Self, i: usize| -> Result<Value, XPathError> {
            match args.get(i) {
                Some(a) => this.eval(a, ctx),
                None => Ok(Value::Nodes(vec![ctx.node])),
            }
        };
        Ok(match f {
            Func::Not => Value::Bool(!self.boolean(&args[0], ctx)?),
            Func::Boolean => Value::Bool(self.boolean(&args[0], ctx)?),
            Func::True => Value::Bool(true),
            Func::False => Value::Bool(false),
            Func::Count => match self.eval(&args[0], ctx)? {
                Value::Nodes(n) => Value::Num(n.len() as f64),
                _ => return Err("count() of a value that is not a node-set".into()),
            },
            Func::Position => Value::Num(ctx.position as f64),
            Func::Last => Value::Num(ctx.size as f64),
            Func::String => {
                let v = arg(self, 0)?;
                Value::Str(self.string(&v)?)
            }
            Func::Number => {
                let v = arg(self, 0)?;
                Value::Num(self.number(&v)?)
            }
            Func::Name | Func::LocalName | Func::NamespaceUri => {
                let first = match arg(self, 0)? {
                    Value::Nodes(n) => n.first().copied(),
                    _ => return Err("a name function of a value that is not a node-set".into()),
                };
                match first {
                    Some(n) => Value::Str(self.name_of(f, n)?),
                    None => Value::Str(String::new()),
                }
            }
            Func::Id => {
                // XPath 1.0 §4.1 over the attributes signflow takes as IDs (Id, ID, id,
                // xml:id: there is no DTD to declare others).
                let tokens: Vec<String> = match self.eval(&args[0], ctx)? {
                    Value::Nodes(n) => {
                        let mut t = Vec::with_capacity(n.len());
                        for &x in &n {
                            t.push(self.string_value(x)?);
                        }
                        t
                    }
                    v => vec![self.string(&v)?],
                };
                let wanted: std::collections::HashSet<&str> =
                    tokens.iter().flat_map(|t| t.split_whitespace()).collect();
                // The look-up walks the whole document.
                self.tick(wanted.len().max(1) + self.doc.node_count())?;
                let mut found: Vec<XNode> = self
                    .doc
                    .id_attributes()
                    .filter(|(value, _)| wanted.contains(value))
                    .map(|(_, id)| XNode::Node(id))
                    .collect();
                self.sort_nodes(&mut found)?;
                Value::Nodes(found)
            }
            Func::Here => match self.here {
                Some(h) => Value::Nodes(vec![h]),
                None => return Err("here() outside the signature's own document".into()),
            },
        })
    }

    fn boolean(&mut self, e: &Expr, ctx: Context) -> Result<bool, XPathError> {
        let v = self.eval(e, ctx)?;
        Ok(self.truth(&v))
    }

    fn truth(&self, v: &Value) -> bool {
        match v {
            Value::Nodes(n) => !n.is_empty(),
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
        }
    }

    fn number(&self, v: &Value) -> Result<f64, XPathError> {
        Ok(match v {
            Value::Num(n) => *n,
            Value::Bool(b) => f64::from(u8::from(*b)),
            other => to_number(&self.string(other)?),
        })
    }

    fn string(&self, v: &Value) -> Result<String, XPathError> {
        Ok(match v {
            Value::Str(s) => {
                self.tick(s.len())?;
                s.clone()
            }
            Value::Bool(b) => b.to_string(),
            Value::Num(n) => format_number(*n),
            Value::Nodes(n) => match n.first() {
                Some(&x) => self.string_value(x)?,
                None => String::new(),
            },
        })
    }

    /// `name()`, `local-name()` or `namespace-uri()` of `n` (XPath 1.0 §4.1): an element's or
    /// attribute's qualified name as written, a namespace node's prefix (in no namespace), a
    /// processing instruction's target; the empty string for other nodes.
    fn name_of(&self, f: Func, n: XNode) -> Result<String, XPathError> {
        let (qname, ns): (&str, Option<&str>) = match n {
            XNode::Root => ("", None),
            XNode::Node(id) => match &self.doc.node(id).kind {
                NodeKind::Element(_) => match self.doc.element(id) {
                    Some(e) => (e.name(), self.lookup(id, e.prefix())?),
                    None => ("", None),
                },
                NodeKind::Pi(pi) => (pi.target, None),
                _ => ("", None),
            },
            XNode::Ns(e, i) => {
                let list = self.in_scope(e)?;
                let prefix = list.get(i as usize).map_or("", |(p, _)| *p);
                (prefix, None)
            }
            XNode::Attr(e, i) => {
                match self
                    .doc
                    .element(e)
                    .and_then(|el| el.attributes().get(i as usize))
                {
                    Some(a) => {
                        let prefix = a.name.split_once(':').map_or("", |(p, _)| p);
                        let ns = if prefix.is_empty() {
                            None
                        } else {
                            self.lookup(e, prefix)?
                        };
                        (a.name, ns)
                    }
                    None => ("", None),
                }
            }
        };
        Ok(match f {
            Func::LocalName => qname.rsplit(':').next().unwrap_or("").to_owned(),
            Func::NamespaceUri => ns.unwrap_or("").to_owned(),
            _ => qname.to_owned(),
        })
    }

    /// XPath 1.0 §5: an element's (or the document's) text descendants concatenated, an
    /// attribute's value, a text node's characters, a comment's or PI's content; each
    /// character (and each node visited) charged.
    fn string_value(&self, n: XNode) -> Result<String, XPathError> {
        let s = match n {
            XNode::Attr(e, i) => self
                .doc
                .element(e)
                .and_then(|el| el.attributes().get(i as usize).map(|a| a.value.to_string()))
                .unwrap_or_default(),
            XNode::Ns(e, i) => self
                .in_scope(e)?
                .get(i as usize)
                .map(|(_, u)| (*u).to_owned())
                .unwrap_or_default(),
            XNode::Node(id) => match &self.doc.node(id).kind {
                NodeKind::Text(t) => t.as_str().into_owned(),
                NodeKind::Comment(c) => c.to_string(),
                NodeKind::Pi(pi) => pi.data.to_string(),
                NodeKind::Element(_) => return self.text_below(n),
            },
            XNode::Root => return self.text_below(n),
        };
        self.tick(s.len().max(1))?;
        Ok(s)
    }

    fn text_below(&self, n: XNode) -> Result<String, XPathError> {
        let mut all = Vec::new();
        self.descendants(n, &mut all)?;
        let mut out = String::new();
        for d in all {
            if let XNode::Node(id) = d
                && let NodeKind::Text(t) = &self.doc.node(id).kind
            {
                let t = t.as_str();
                self.tick(t.len())?;
                out.push_str(&t);
            }
        }
        Ok(out)
    }

    /// XPath 1.0 §3.4. Each string-value is built once per operand node; each pair compared
    /// costs a unit plus the characters compared.
    fn compare(&self, op: Cmp, a: &Value, b: &Value) -> Result<bool, XPathError> {
        let strings = |nodes: &[XNode]| -> Result<Vec<Value>, XPathError> {
            let mut out = Vec::with_capacity(nodes.len());
            for &n in nodes {
                out.push(Value::Str(self.string_value(n)?));
            }
            Ok(out)
        };
        match (a, b) {
            (Value::Nodes(x), Value::Nodes(y)) => {
                let (xs, ys) = (strings(x)?, strings(y)?);
                for sx in &xs {
                    for sy in &ys {
                        if self.compare_atoms(op, sx, sy)? {
                            return Ok(true);
                        }
                    }
                }
                Ok(false)
            }
            (Value::Nodes(x), Value::Bool(_)) | (Value::Bool(_), Value::Nodes(x)) => {
                let nb = Value::Bool(!x.is_empty());
                if matches!(a, Value::Nodes(_)) {
                    self.compare_atoms(op, &nb, b)
                } else {
                    self.compare_atoms(op, a, &nb)
                }
            }
            (Value::Nodes(x), other) => {
                for n in x {
                    let s = Value::Str(self.string_value(*n)?);
                    if self.compare_atoms(op, &s, other)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            (other, Value::Nodes(y)) => {
                for n in y {
                    let s = Value::Str(self.string_value(*n)?);
                    if self.compare_atoms(op, other, &s)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            _ => self.compare_atoms(op, a, b),
        }
    }

    fn compare_atoms(&self, op: Cmp, a: &Value, b: &Value) -> Result<bool, XPathError> {
        let len = |v: &Value| match v {
            Value::Str(s) => s.len(),
            _ => 0,
        };
        self.tick(1 + len(a).min(len(b)))?;
        Ok(match op {
            Cmp::Eq | Cmp::Ne => {
                let equal = match (a, b) {
                    (Value::Bool(_), _) | (_, Value::Bool(_)) => self.truth(a) == self.truth(b),
                    (Value::Num(_), _) | (_, Value::Num(_)) => self.number(a)? == self.number(b)?,
                    (Value::Str(x), Value::Str(y)) => x == y,
                    _ => self.string(a)? == self.string(b)?,
                };
                equal == (op == Cmp::Eq)
            }
            _ => {
                let (x, y) = (self.number(a)?, self.number(b)?);
                match op {
                    Cmp::Lt => x < y,
                    Cmp::Le => x <= y,
                    Cmp::Gt => x > y,
                    _ => x >= y,
                }
            }
        })
    }

    /// Sorts `v` into document order without duplicates, charging its length.
    fn sort_nodes(&self, v: &mut Vec<XNode>) -> Result<(), XPathError> {
        self.tick(v.len())?;
        v.sort_unstable_by_key(|n| n.order());
        v.dedup();
        Ok(())
    }
}

fn to_number(s: &str) -> f64 {
    let t = s.trim();
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return f64::NAN;
    }
    t.parse().unwrap_or(f64::NAN)
}

fn format_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// Names the expression in an error message.
struct Failure(String);

impl Failure {
    fn unsupported(&self, what: &str) -> XPathError {
        XPathError::Unsupported(format!("XPath expression {:?}: {what}", self.0))
    }

    /// The message of an unsupported form names the expression; the work limit passes as is.
    fn named(&self, e: XPathError) -> XPathError {
        match e {
            XPathError::Unsupported(what) => self.unsupported(&what),
            work => work,
        }
    }
}

/// Parses the expression of `xpath` (prefixes resolved in its scope) and sets up its
/// evaluation over `target`, charging `work`.
fn prepare<'d, 'a, 'w>(
    sig_doc: &Document,
    xpath: NodeId,
    target: &'d Document<'a>,
    same_document: bool,
    work: &'w Work,
) -> Result<(Expr, Eval<'d, 'a, 'w>, Failure), XPathError> {
    let text = sig_doc.text(xpath);
    let fail = Failure(text.trim().to_owned());
    work.charge(text.len() as u64)?;
    let toks = tokenize(text.trim()).map_err(|w| fail.unsupported(&format!("unsupported: {w}")))?;
    if toks.len() > MAX_TOKENS {
        return Err(fail.unsupported(&format!("more than {MAX_TOKENS} tokens")));
    }
    let resolve = |prefix: &str| sig_doc.lookup_namespace(xpath, prefix).map(str::to_owned);
    let mut parser = Parser {
        toks: &toks,
        pos: 0,
        resolve: &resolve,
        depth: 0,
    };
    let expr = parser
        .expr()
        .map_err(|w| fail.unsupported(&format!("unsupported: {w}")))?;
    if parser.pos != toks.len() {
        return Err(fail.unsupported("unsupported: trailing tokens"));
    }
    // here(): the text node holding the expression (XMLDSig §6.6.3.1), else the element.
    let here = same_document.then(|| {
        let text_child = sig_doc.element(xpath).and_then(|e| {
            e.children()
                .find(|&c| matches!(sig_doc.node(c).kind, NodeKind::Text(_)))
        });
        XNode::Node(text_child.unwrap_or(xpath))
    });
    let eval = Eval {
        doc: target,
        here,
        work,
        namespaces: RefCell::new(None),
    };
    Ok((expr, eval, fail))
}

/// Evaluates the XPath transform whose `XPath` element is `xpath` (in `sig_doc`, which gives
/// the namespace context and `here()`) over every node of `target`: the nodes for which the
/// expression is true. `target` is the signature's own document when `same_document`.
///
/// # Errors
/// [`XPathError::Unsupported`] describing what is not supported or malformed (naming the
/// expression); [`XPathError::Work`] when `work` runs out.
pub(crate) fn evaluate(
    sig_doc: &Document,
    xpath: NodeId,
    target: &Document,
    same_document: bool,
    work: &Work,
) -> Result<Membership, XPathError> {
    let (expr, mut eval, fail) = prepare(sig_doc, xpath, target, same_document, work)?;
    let ctx = |n| Context {
        node: n,
        position: 1,
        size: 1,
    };
    let mut flags = Vec::with_capacity(target.node_count());
    for (id, _) in target.nodes() {
        flags.push(
            eval.boolean(&expr, ctx(XNode::Node(id)))
                .map_err(|e| fail.named(e))?,
        );
    }
    let mut set = Membership::from_flags(flags);
    // Each element's namespace nodes and attributes are nodes of their own.
    for (id, _) in target.nodes() {
        let Some(e) = target.element(id) else {
            continue;
        };
        let mut attributes = Vec::with_capacity(e.attributes().len());
        for i in 0..e.attributes().len() as u32 {
            attributes.push(
                eval.boolean(&expr, ctx(XNode::Attr(id, i)))
                    .map_err(|e| fail.named(e))?,
            );
        }
        set.set_attributes(id, attributes);
        let mut namespaces = Vec::new();
        let in_scope = eval.in_scope(id)?;
        for (i, (prefix, _)) in in_scope.iter().enumerate() {
            if *prefix == "xml" {
                // Never rendered by canonicalization.
                continue;
            }
            let keep = eval
                .boolean(&expr, ctx(XNode::Ns(id, i as u32)))
                .map_err(|e| fail.named(e))?;
            namespaces.push(((*prefix).to_owned(), keep));
        }
        set.set_namespaces(id, namespaces);
    }
    Ok(set)
}

/// The nodes the XPath expression of element `xpath` (in `doc`, which gives the namespace
/// context and `here()`) selects when evaluated with the document node as context, as XPath
/// Filter 2.0 evaluates its expressions: element and other tree nodes, and whether the
/// document node itself is among them.
///
/// # Errors
/// [`XPathError::Unsupported`]: what is not supported (naming the expression), a result that
/// is not a node-set, or one holding attribute nodes (which a [`Membership`] does not separate
/// from their element); [`XPathError::Work`] when `work` runs out.
pub(crate) fn select_from_root(
    doc: &Document,
    xpath: NodeId,
    work: &Work,
) -> Result<(Vec<NodeId>, bool), XPathError> {
    let (expr, mut eval, fail) = prepare(doc, xpath, doc, true, work)?;
    let root = Context {
        node: XNode::Root,
        position: 1,
        size: 1,
    };
    let Value::Nodes(nodes) = eval.eval(&expr, root).map_err(|e| fail.named(e))? else {
        return Err(fail.unsupported("unsupported: the result is not a node-set"));
    };
    let mut out = Vec::with_capacity(nodes.len());
    let mut document = false;
    for n in nodes {
        match n {
            XNode::Root => document = true,
            XNode::Node(id) => out.push(id),
            XNode::Attr(..) | XNode::Ns(..) => {
                return Err(
                    fail.unsupported("unsupported: it selects attribute or namespace nodes")
                );
            }
        }
    }
    Ok((out, document))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(xml: &str, expr: &str) -> Result<Vec<String>, String> {
        let doc = Document::parse(xml.as_bytes()).unwrap();
        let escaped = expr.replace('&', "&amp;").replace('<', "&lt;");
        let sig = format!(r#"<XPath xmlns:p="urn:p">{escaped}</XPath>"#);
        let sig_doc = Document::parse(sig.as_bytes()).unwrap();
        let m = evaluate(&sig_doc, sig_doc.root(), &doc, false, &Work::unlimited())
            .map_err(|e| format!("{e:?}"))?;
        Ok(doc
            .nodes()
            .filter(|(id, _)| m.contains(*id))
            .filter_map(|(id, _)| doc.element(id).map(|e| e.name().to_owned()))
            .collect())
    }

    #[test]
    fn ancestor_tests_select_subtrees() {
        let xml = r#"<r xmlns:p="urn:p"><p:a><b/></p:a><c><p:a/></c><d/></r>"#;
        assert_eq!(
            kept(xml, "ancestor-or-self::p:a").unwrap(),
            ["p:a", "b", "p:a"]
        );
        assert_eq!(
            kept(xml, "not(ancestor-or-self::p:a) and not(self::d)").unwrap(),
            ["r", "c"]
        );
        assert_eq!(
            kept(xml, "ancestor-or-self::c or self::d").unwrap(),
            ["c", "p:a", "d"]
        );
    }

    #[test]
    fn counts_predicates_and_comparisons() {
        let xml = "<r><a>1</a><a>2</a><b><a>3</a></b></r>";
        assert_eq!(kept(xml, "count(child::a) = 2").unwrap(), ["r"]);
        assert_eq!(kept(xml, "count(ancestor::*) > 1").unwrap(), ["a"]);
        assert_eq!(kept(xml, "self::a[. > 1]").unwrap(), ["a", "a"]);
        assert_eq!(kept(xml, "self::*[1] and ../b").unwrap(), ["a", "a", "b"]);
        assert_eq!(kept(xml, "../a[2] = '2'").unwrap(), ["a", "a", "b"]);
        assert_eq!(
            kept(xml, "preceding-sibling::*[1][self::a]").unwrap(),
            ["a", "b"]
        );
        assert_eq!(kept(xml, "-1 < 0").unwrap().len(), 5);
        assert_eq!(kept(xml, "//b/a = 3").unwrap().len(), 5);
    }

    #[test]
    fn attributes_and_namespace_nodes_are_nodes_of_their_own() {
        let xml = r#"<r a="1" xmlns:p="urn:p"><s b="2"/><t xmlns="urn:d"/></r>"#;
        let doc = Document::parse(xml.as_bytes()).unwrap();
        let run = |expr: &str| {
            let sig = format!(r#"<XPath>{expr}</XPath>"#);
            let sig_doc = Document::parse(sig.as_bytes()).unwrap();
            evaluate(&sig_doc, sig_doc.root(), &doc, false, &Work::unlimited()).unwrap()
        };
        let named = |local: &str| {
            doc.nodes()
                .map(|(id, _)| id)
                .find(|&id| doc.element(id).is_some_and(|e| e.local_name() == local))
                .unwrap()
        };
        let (r, s, t) = (named("r"), named("s"), named("t"));
        // `self::s` keeps s but not its attribute, nor its namespace node.
        let m = run("self::s");
        assert!(m.contains(s) && !m.contains_attribute(s, 0));
        assert!(!m.contains_namespace(s, "p"));
        // Namespace nodes only: name() is the prefix, string() the URI.
        let m = run("count(../namespace::* | self::node()) = count(../namespace::*)");
        assert!(!m.contains(r) && !m.contains(s) && !m.contains_attribute(s, 0));
        assert!(m.contains_namespace(r, "p") && m.contains_namespace(t, ""));
        let m = run(r#"name() = "p" or string() = "urn:d""#);
        assert!(m.contains_namespace(t, "p") && m.contains_namespace(t, "") && !m.contains(t));
        let m = run(r#"namespace-uri() = "urn:d" or local-name() = "a""#);
        assert!(m.contains(t) && m.contains_attribute(r, 0) && !m.contains(r));
        assert!(m.has_namespace_detail() && m.has_attribute_detail());
    }

    /// Canonical XML 1.0 §3.7, the document subset example, with what its DTD supplied written
    /// out (signflow refuses DTDs): `xml:space="preserve"` on e2, and `id` as the ID.
    #[test]
    fn c14n_spec_document_subset() {
        use crate::xmldsig::{C14nMethod, NodeSet, canonicalize};
        let xml = r#"<doc xmlns="http://www.ietf.org" xmlns:w3c="http://www.w3.org">
   <e1>
      <e2 xmlns="" xml:space="preserve">
         <e3 id="E3"/>
      </e2>
   </e1>
</doc>"#;
        let doc = Document::parse(xml.as_bytes()).unwrap();
        let sig = r#"<XPath xmlns:ietf="http://www.ietf.org">
   self::ietf:e1 or (parent::ietf:e1 and not(self::text() or self::e2))
   or
   count(id("E3")|ancestor-or-self::node()) = count(ancestor-or-self::node())
</XPath>"#;
        let sig_doc = Document::parse(sig.as_bytes()).unwrap();
        let m = evaluate(&sig_doc, sig_doc.root(), &doc, false, &Work::unlimited()).unwrap();
        let set = NodeSet {
            apex: None,
            exclude: &[],
            members: Some(&m),
        };
        let mut out = Vec::new();
        canonicalize(
            &doc,
            &C14nMethod::Inclusive { comments: false },
            set,
            &mut out,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            concat!(
                r#"<e1 xmlns="http://www.ietf.org" xmlns:w3c="http://www.w3.org">"#,
                r#"<e3 xmlns="" id="E3" xml:space="preserve"></e3></e1>"#
            )
        );
    }

    #[test]
    fn arithmetic() {
        let xml = "<r><a/><a/><a/></r>";
        assert_eq!(
            kept(xml, "count(ancestor-or-self::*) mod 2 = 0").unwrap(),
            ["a"; 3]
        );
        assert_eq!(kept(xml, "count(*) * 2 - 1 = 5").unwrap(), ["r"]);
        assert_eq!(
            kept(xml, "count(*) div 2 = 1.5 and 1 + 1 = 2").unwrap(),
            ["r"]
        );
        assert_eq!(kept(xml, "self::* * 0 = 0").unwrap().len(), 0);
    }

    #[test]
    fn unsupported_forms_are_named() {
        let xml = r#"<r a="1"><s/></r>"#;
        for bad in [
            "following::a",
            "lang('en')",
            "$v",
            "p:q:r",
            "q:a",
            "ancestor::*[",
            &"-".repeat(100_000),
            &vec!["1"; 1000].join(" or "),
            "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))",
        ] {
            let r = kept(xml, bad);
            assert!(r.is_err(), "{bad}: {r:?}");
        }
    }
}
