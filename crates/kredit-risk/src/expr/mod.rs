//! The rule language (docs/fraud.md, *Rules*): a small, typed,
//! side-effect-free expression language. A rule is text, parsed and
//! type-checked once when its scenario is saved ([`Rule::compile`]) into
//! an [`Expr`] tree that [`Expr::eval`] walks over a [`Features`] map. It
//! has no loops, no assignment, no calls other than the built-in feature
//! functions, and nothing in it is ever executed as code.
//!
//! Types: `int`, `money` (fen; literals with two places, `50000.00`),
//! `bool` and `text`. Similarity and model scores are integers in
//! per-mille (0 to 1000), so the language has no floating point at all.

mod check;
mod eval;
mod lex;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

pub use eval::EvalError;

/// Where in a rule's text something is, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// A rule that does not parse or does not type-check, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}:{}: {message}", at.line, at.column)]
pub struct RuleError {
    pub at: Position,
    pub message: String,
}

impl RuleError {
    fn new(at: Position, message: impl Into<String>) -> RuleError {
        RuleError {
            at,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Type {
    Int,
    Money,
    Bool,
    Text,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Int => "int",
            Type::Money => "money",
            Type::Bool => "bool",
            Type::Text => "text",
        })
    }
}

/// A feature's or a literal's value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    Int(i64),
    /// Fen.
    Money(i64),
    Bool(bool),
    Text(String),
}

impl Value {
    pub fn type_of(&self) -> Type {
        match self {
            Value::Int(_) => Type::Int,
            Value::Money(_) => Type::Money,
            Value::Bool(_) => Type::Bool,
            Value::Text(_) => Type::Text,
        }
    }
}

/// What a velocity aggregate is keyed by. Identifiers that are personal
/// data (phone, ID number, payee card) are keyed hashes by the time they
/// reach a counter; the rule language only ever sees counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Key {
    Borrower,
    Phone,
    IdNumber,
    Device,
    Ip,
    PayeeCard,
    Employer,
}

impl Key {
    pub const ALL: [Key; 7] = [
        Key::Borrower,
        Key::Phone,
        Key::IdNumber,
        Key::Device,
        Key::Ip,
        Key::PayeeCard,
        Key::Employer,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Key::Borrower => "borrower",
            Key::Phone => "phone",
            Key::IdNumber => "id_number",
            Key::Device => "device",
            Key::Ip => "ip",
            Key::PayeeCard => "payee_card",
            Key::Employer => "employer",
        }
    }

    fn parse(text: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|key| key.as_str() == text)
    }
}

/// The sliding windows counters keep, exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Window {
    #[serde(rename = "1h")]
    Hour,
    #[serde(rename = "24h")]
    Day,
    #[serde(rename = "7d")]
    Week,
    #[serde(rename = "30d")]
    Month,
}

impl Window {
    pub const ALL: [Window; 4] = [Window::Hour, Window::Day, Window::Week, Window::Month];

    pub const fn seconds(self) -> i64 {
        match self {
            Window::Hour => 3_600,
            Window::Day => 86_400,
            Window::Week => 7 * 86_400,
            Window::Month => 30 * 86_400,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Window::Hour => "1h",
            Window::Day => "24h",
            Window::Week => "7d",
            Window::Month => "30d",
        }
    }

    fn of_seconds(seconds: i64) -> Option<Window> {
        Window::ALL.into_iter().find(|w| w.seconds() == seconds)
    }
}

/// An aggregate over a key's events in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// Events (applications, disbursements, repayments, payee changes) with
    /// this key's value.
    Count,
    /// Different borrowers among them.
    DistinctBorrowers,
}

impl Aggregate {
    pub const ALL: [Aggregate; 2] = [Aggregate::Count, Aggregate::DistinctBorrowers];

    pub const fn as_str(self) -> &'static str {
        match self {
            Aggregate::Count => "count",
            Aggregate::DistinctBorrowers => "distinct_borrowers",
        }
    }

    fn parse(text: &str) -> Option<Aggregate> {
        Aggregate::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// The name an aggregate has in a [`Features`] map, the text a rule
/// writes: `count(phone, 24h)`.
pub fn aggregate_name(aggregate: Aggregate, key: Key, window: Window) -> String {
    format!(
        "{}({}, {})",
        aggregate.as_str(),
        key.as_str(),
        window.as_str()
    )
}

/// The name a model score has in a [`Features`] map: `score(fraud_v1)`.
pub fn score_name(model: &str) -> String {
    format!("score({model})")
}

/// The features a rule may name: plain ones with their types, and the
/// models whose scores exist. Aggregates are always there (every key and
/// window).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub fields: BTreeMap<String, Type>,
    pub models: BTreeSet<String>,
}

/// The values a decision is taken on, by name; a `BTreeMap`, so its JSON
/// (and the inputs' hash) is the same on every machine.
pub type Features = BTreeMap<String, Value>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A type-checked expression: every node's operand types are known to fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Literal(Value),
    /// A plain feature, an aggregate or a model score, by its name in
    /// [`Features`], with the type the schema gives it.
    Feature(String, Type),
    Neg(Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    In(Box<Expr>, Vec<Value>),
    /// Name similarity in per-mille: the screening's Jaro-Winkler over
    /// normalised token sets.
    Similarity(Box<Expr>, Box<Expr>),
}

/// A rule's source and its checked tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub source: String,
    pub expr: Expr,
    /// Every feature the rule reads, so a caller gathers only those.
    pub features: BTreeSet<String>,
}

impl Rule {
    /// Parses and type-checks a rule, which must be a `bool`.
    pub fn compile(source: &str, schema: &Schema) -> Result<Rule, RuleError> {
        let tokens = lex::tokens(source)?;
        let (expr, features) = check::rule(&tokens, schema)?;
        Ok(Rule {
            source: source.to_owned(),
            expr,
            features,
        })
    }

    /// Whether the rule holds on these features.
    pub fn holds(&self, features: &Features) -> Result<bool, EvalError> {
        match self.expr.eval(features)? {
            Value::Bool(b) => Ok(b),
            // The checker proved the rule a bool.
            other => Err(EvalError::Mistyped(other.type_of())),
        }
    }
}

#[cfg(test)]
mod tests;
