//! The syntax of the XPath subset: tokens, the expression tree with its axes, node tests,
//! operators and functions, and the recursive-descent parser that builds it (prefixes
//! resolved as it goes). Evaluation is the parent module's.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Axis {
    Itself,
    Parent,
    Child,
    Descendant,
    DescendantOrSelf,
    Ancestor,
    AncestorOrSelf,
    Attribute,
    Namespace,
    FollowingSibling,
    PrecedingSibling,
}

impl Axis {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "self" => Self::Itself,
            "parent" => Self::Parent,
            "child" => Self::Child,
            "descendant" => Self::Descendant,
            "descendant-or-self" => Self::DescendantOrSelf,
            "ancestor" => Self::Ancestor,
            "ancestor-or-self" => Self::AncestorOrSelf,
            "attribute" => Self::Attribute,
            "namespace" => Self::Namespace,
            "following-sibling" => Self::FollowingSibling,
            "preceding-sibling" => Self::PrecedingSibling,
            _ => return None,
        })
    }
}

/// A node test; names are resolved to namespace URIs when parsed.
#[derive(Clone, Debug)]
pub(super) enum Test {
    /// `*`, or `p:*` (with the namespace).
    Any(Option<String>),
    /// A name: namespace (none for an unprefixed name) and local name.
    Name(Option<String>, String),
    Node,
    Text,
    Comment,
    Pi,
}

#[derive(Clone, Debug)]
pub(super) struct Step {
    pub(super) axis: Axis,
    pub(super) test: Test,
    pub(super) predicates: Vec<Expr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Func {
    Not,
    Count,
    Boolean,
    True,
    False,
    Position,
    Last,
    String,
    Number,
    Here,
    Name,
    LocalName,
    NamespaceUri,
    Id,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Clone, Debug)]
pub(super) enum Start {
    Root,
    Context,
    Filter(Box<Expr>),
}

#[derive(Clone, Debug)]
pub(super) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Compare(Cmp, Box<Expr>, Box<Expr>),
    Union(Box<Expr>, Box<Expr>),
    Negate(Box<Expr>),
    Arith(Arith, Box<Expr>, Box<Expr>),
    Number(f64),
    Literal(String),
    Call(Func, Vec<Expr>),
    Path(Start, Vec<Step>),
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Name(String),
    Number(f64),
    Literal(String),
    Op(&'static str),
}

pub(super) fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    const OPS: [&str; 21] = [
        "::", "//", "!=", "<=", ">=", "..", "/", "|", "=", "<", ">", "(", ")", "[", "]", "@", ",",
        ".", "-", "*", "+",
    ];
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
        } else if c == '"' || c == '\'' {
            let end = rest[1..].find(c).ok_or("an unterminated string literal")?;
            out.push(Tok::Literal(rest[1..1 + end].to_owned()));
            rest = &rest[end + 2..];
        } else if c.is_ascii_digit()
            || (c == '.' && rest[1..].starts_with(|d: char| d.is_ascii_digit()))
        {
            let end = rest
                .find(|d: char| !(d.is_ascii_digit() || d == '.'))
                .unwrap_or(rest.len());
            let n = rest[..end]
                .parse()
                .map_err(|_| format!("the number {:?}", &rest[..end]))?;
            out.push(Tok::Number(n));
            rest = &rest[end..];
        } else if c.is_alphabetic() || c == '_' {
            // An NCName, a QName, or `prefix:*` (not `axis::`).
            let mut end = name_end(rest, 0);
            if rest[end..].starts_with(':') && !rest[end..].starts_with("::") {
                if rest[end + 1..].starts_with('*') {
                    end += 2;
                } else {
                    end = name_end(rest, end + 1);
                }
            }
            out.push(Tok::Name(rest[..end].to_owned()));
            rest = &rest[end..];
        } else if let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) {
            out.push(Tok::Op(op));
            rest = &rest[op.len()..];
        } else {
            return Err(format!("the character {c:?}"));
        }
    }
    Ok(out)
}

/// The end of the NCName starting at `from`.
fn name_end(s: &str, from: usize) -> usize {
    s[from..]
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .map_or(s.len(), |i| from + i)
}

/// A recursive-descent parser over the tokens, resolving prefixes with `resolve`.
pub(super) struct Parser<'t, 'r> {
    pub(super) toks: &'t [Tok],
    pub(super) pos: usize,
    pub(super) resolve: &'r dyn Fn(&str) -> Option<String>,
    pub(super) depth: usize,
}

/// Deepest nesting of parenthesized expressions and predicates accepted.
const MAX_NESTING: usize = 64;

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_name(&mut self, name: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Name(n)) if n == name) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_op(&mut self, op: &str) -> Result<(), String> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(format!("expected {op:?}"))
        }
    }

    pub(super) fn expr(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err("nesting too deep".into());
        }
        let mut left = self.and()?;
        while self.eat_name("or") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.equality()?;
        while self.eat_name("and") {
            left = Expr::And(Box::new(left), Box::new(self.equality()?));
        }
        Ok(left)
    }

    fn equality(&mut self) -> Result<Expr, String> {
        let mut left = self.relational()?;
        loop {
            let op = if self.eat_op("=") {
                Cmp::Eq
            } else if self.eat_op("!=") {
                Cmp::Ne
            } else {
                return Ok(left);
            };
            left = Expr::Compare(op, Box::new(left), Box::new(self.relational()?));
        }
    }

    fn relational(&mut self) -> Result<Expr, String> {
        let mut left = self.additive()?;
        loop {
            let op = if self.eat_op("<=") {
                Cmp::Le
            } else if self.eat_op(">=") {
                Cmp::Ge
            } else if self.eat_op("<") {
                Cmp::Lt
            } else if self.eat_op(">") {
                Cmp::Gt
            } else {
                return Ok(left);
            };
            left = Expr::Compare(op, Box::new(left), Box::new(self.additive()?));
        }
    }

    fn additive(&mut self) -> Result<Expr, String> {
        let mut left = self.multiplicative()?;
        loop {
            let op = if self.eat_op("+") {
                Arith::Add
            } else if self.eat_op("-") {
                Arith::Sub
            } else {
                return Ok(left);
            };
            left = Expr::Arith(op, Box::new(left), Box::new(self.multiplicative()?));
        }
    }

    /// After a complete operand, `*` multiplies and `div`/`mod` are operators (XPath 1.0
    /// §3.7); elsewhere they are name tests, which the step parser takes.
    fn multiplicative(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        loop {
            let op = if self.eat_op("*") {
                Arith::Mul
            } else if self.eat_name("div") {
                Arith::Div
            } else if self.eat_name("mod") {
                Arith::Mod
            } else {
                return Ok(left);
            };
            left = Expr::Arith(op, Box::new(left), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat_op("-") {
            self.depth += 1;
            if self.depth > MAX_NESTING {
                return Err("nesting too deep".into());
            }
            let e = Expr::Negate(Box::new(self.unary()?));
            self.depth -= 1;
            return Ok(e);
        }
        let mut left = self.path()?;
        while self.eat_op("|") {
            left = Expr::Union(Box::new(left), Box::new(self.path()?));
        }
        Ok(left)
    }

    fn path(&mut self) -> Result<Expr, String> {
        let (start, mut steps) = if self.eat_op("//") {
            (Start::Root, vec![descendant_or_self()])
        } else if self.eat_op("/") {
            // `/` alone, or followed by a relative path.
            if !self.at_step() {
                return Ok(Expr::Path(Start::Root, Vec::new()));
            }
            (Start::Root, Vec::new())
        } else if self.at_primary() {
            let primary = self.primary()?;
            let mut predicates = Vec::new();
            while self.eat_op("[") {
                predicates.push(self.predicate()?);
            }
            let filtered = if predicates.is_empty() {
                primary
            } else {
                // A filter expression's predicates: as a self step over its node-set.
                Expr::Path(
                    Start::Filter(Box::new(primary)),
                    vec![Step {
                        axis: Axis::Itself,
                        test: Test::Node,
                        predicates,
                    }],
                )
            };
            if self.eat_op("//") {
                (
                    Start::Filter(Box::new(filtered)),
                    vec![descendant_or_self()],
                )
            } else if self.eat_op("/") {
                (Start::Filter(Box::new(filtered)), Vec::new())
            } else {
                return Ok(filtered);
            }
        } else {
            (Start::Context, Vec::new())
        };
        loop {
            steps.push(self.step()?);
            if self.eat_op("//") {
                steps.push(descendant_or_self());
            } else if !self.eat_op("/") {
                return Ok(Expr::Path(start, steps));
            }
        }
    }

    fn at_step(&self) -> bool {
        matches!(
            self.peek(),
            Some(Tok::Name(_)) | Some(Tok::Op("@" | "." | ".." | "*"))
        )
    }

    fn at_primary(&self) -> bool {
        match self.peek() {
            Some(Tok::Number(_) | Tok::Literal(_) | Tok::Op("(")) => true,
            Some(Tok::Name(n)) => {
                matches!(self.toks.get(self.pos + 1), Some(Tok::Op("(")))
                    && !matches!(
                        n.as_str(),
                        "node" | "text" | "comment" | "processing-instruction"
                    )
            }
            _ => false,
        }
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.peek().cloned() {
            Some(Tok::Number(n)) => {
                self.pos += 1;
                Ok(Expr::Number(n))
            }
            Some(Tok::Literal(s)) => {
                self.pos += 1;
                Ok(Expr::Literal(s))
            }
            Some(Tok::Op("(")) => {
                self.pos += 1;
                let e = self.expr()?;
                self.expect_op(")")?;
                Ok(e)
            }
            Some(Tok::Name(name)) => {
                self.pos += 2; // name and "("
                let func = match name.as_str() {
                    "not" => Func::Not,
                    "count" => Func::Count,
                    "boolean" => Func::Boolean,
                    "true" => Func::True,
                    "false" => Func::False,
                    "position" => Func::Position,
                    "last" => Func::Last,
                    "string" => Func::String,
                    "number" => Func::Number,
                    "here" => Func::Here,
                    "name" => Func::Name,
                    "local-name" => Func::LocalName,
                    "namespace-uri" => Func::NamespaceUri,
                    "id" => Func::Id,
                    other => return Err(format!("the function {other}()")),
                };
                let mut args = Vec::new();
                if !self.eat_op(")") {
                    loop {
                        args.push(self.expr()?);
                        if self.eat_op(")") {
                            break;
                        }
                        self.expect_op(",")?;
                    }
                }
                let arity = match func {
                    Func::Not | Func::Count | Func::Boolean | Func::Id => 1..=1,
                    Func::String
                    | Func::Number
                    | Func::Name
                    | Func::LocalName
                    | Func::NamespaceUri => 0..=1,
                    _ => 0..=0,
                };
                if !arity.contains(&args.len()) {
                    return Err(format!("{name}() with {} arguments", args.len()));
                }
                Ok(Expr::Call(func, args))
            }
            _ => Err("expected an expression".into()),
        }
    }

    fn predicate(&mut self) -> Result<Expr, String> {
        let e = self.expr()?;
        self.expect_op("]")?;
        Ok(e)
    }

    fn step(&mut self) -> Result<Step, String> {
        if self.eat_op(".") {
            return Ok(Step {
                axis: Axis::Itself,
                test: Test::Node,
                predicates: Vec::new(),
            });
        }
        if self.eat_op("..") {
            return Ok(Step {
                axis: Axis::Parent,
                test: Test::Node,
                predicates: Vec::new(),
            });
        }
        let axis = if self.eat_op("@") {
            Axis::Attribute
        } else if let Some(Tok::Name(n)) = self.peek().cloned()
            && matches!(self.toks.get(self.pos + 1), Some(Tok::Op("::")))
        {
            self.pos += 2;
            Axis::from_name(&n).ok_or_else(|| format!("the axis {n}::"))?
        } else {
            Axis::Child
        };
        let test = match self.peek().cloned() {
            Some(Tok::Op("*")) => {
                self.pos += 1;
                Test::Any(None)
            }
            Some(Tok::Name(n)) => {
                self.pos += 1;
                if self.eat_op("(") {
                    self.expect_op(")")?;
                    match n.as_str() {
                        "node" => Test::Node,
                        "text" => Test::Text,
                        "comment" => Test::Comment,
                        "processing-instruction" => Test::Pi,
                        other => return Err(format!("the node test {other}()")),
                    }
                } else if let Some(prefix) = n.strip_suffix(":*") {
                    Test::Any(Some(self.namespace(prefix)?))
                } else if let Some((prefix, local)) = n.split_once(':') {
                    Test::Name(Some(self.namespace(prefix)?), local.to_owned())
                } else {
                    Test::Name(None, n)
                }
            }
            _ => return Err("expected a node test".into()),
        };
        let mut predicates = Vec::new();
        while self.eat_op("[") {
            predicates.push(self.predicate()?);
        }
        Ok(Step {
            axis,
            test,
            predicates,
        })
    }

    fn namespace(&self, prefix: &str) -> Result<String, String> {
        (self.resolve)(prefix).ok_or_else(|| format!("the unbound prefix {prefix:?}"))
    }
}

fn descendant_or_self() -> Step {
    Step {
        axis: Axis::DescendantOrSelf,
        test: Test::Node,
        predicates: Vec::new(),
    }
}
