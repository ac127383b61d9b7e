//! Parsing and type-checking in one pass: every node is built only once
//! its operands' types are known to fit, so a checked [`Expr`] cannot go
//! wrong at evaluation except by a missing feature, an overflow or a
//! division by zero.
//!
//! ```text
//! rule    := or
//! or      := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | cmp
//! cmp     := sum (CMP sum | "in" "[" literal ("," literal)* "]")?
//! sum     := product (("+" | "-") product)*
//! product := unary (("*" | "/") unary)*
//! unary   := "-" unary | atom
//! atom    := INT | MONEY | TEXT | "true" | "false" | "(" or ")"
//!          | IDENT | IDENT "(" arguments ")"
//! ```

use std::collections::BTreeSet;

use super::lex::{Spanned, Token};
use super::{
    Aggregate, ArithOp, CmpOp, Expr, Key, Position, RuleError, Schema, Type, Value, Window,
    aggregate_name, score_name,
};

struct Parser<'a> {
    tokens: &'a [Spanned],
    next: usize,
    schema: &'a Schema,
    features: BTreeSet<String>,
    end: Position,
}

type Typed = (Expr, Type);

pub(super) fn rule(
    tokens: &[Spanned],
    schema: &Schema,
) -> Result<(Expr, BTreeSet<String>), RuleError> {
    let end = tokens
        .last()
        .map_or(Position { line: 1, column: 1 }, |t| t.at);
    let mut parser = Parser {
        tokens,
        next: 0,
        schema,
        features: BTreeSet::new(),
        end,
    };
    let start = parser.position();
    let (expr, ty) = parser.or()?;
    if let Some(extra) = parser.peek() {
        return Err(RuleError::new(extra.at, "unexpected text after the rule"));
    }
    if ty != Type::Bool {
        return Err(RuleError::new(
            start,
            format!("a rule must be a condition (bool), this is {ty}"),
        ));
    }
    Ok((expr, parser.features))
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Spanned> {
        self.tokens.get(self.next)
    }

    fn position(&self) -> Position {
        self.peek().map_or(self.end, |t| t.at)
    }

    fn bump(&mut self) -> Option<Spanned> {
        let token = self.tokens.get(self.next).cloned();
        self.next += 1;
        token
    }

    fn at_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Spanned { token: Token::Ident(w), .. }) if w == word)
    }

    fn at_op(&self) -> Option<&'static str> {
        match self.peek() {
            Some(Spanned {
                token: Token::Op(op),
                ..
            }) => Some(op),
            _ => None,
        }
    }

    fn expect(&mut self, token: Token, what: &str) -> Result<(), RuleError> {
        let at = self.position();
        match self.bump() {
            Some(found) if found.token == token => Ok(()),
            _ => Err(RuleError::new(at, format!("expected {what}"))),
        }
    }

    fn or(&mut self) -> Result<Typed, RuleError> {
        let mut left = self.and()?;
        while self.at_word("or") {
            let at = self.position();
            self.bump();
            let right = self.and()?;
            left = (
                Expr::Or(
                    Box::new(bool_operand(left, at, "or")?),
                    Box::new(bool_operand(right, at, "or")?),
                ),
                Type::Bool,
            );
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Typed, RuleError> {
        let mut left = self.not()?;
        while self.at_word("and") {
            let at = self.position();
            self.bump();
            let right = self.not()?;
            left = (
                Expr::And(
                    Box::new(bool_operand(left, at, "and")?),
                    Box::new(bool_operand(right, at, "and")?),
                ),
                Type::Bool,
            );
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Typed, RuleError> {
        if self.at_word("not") {
            let at = self.position();
            self.bump();
            let operand = self.not()?;
            return Ok((
                Expr::Not(Box::new(bool_operand(operand, at, "not")?)),
                Type::Bool,
            ));
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Typed, RuleError> {
        let left = self.sum()?;
        if self.at_word("in") {
            let at = self.position();
            self.bump();
            let list = self.list(left.1)?;
            if left.1 == Type::Bool {
                return Err(RuleError::new(at, "`in` takes an int, money or text"));
            }
            return Ok((Expr::In(Box::new(left.0), list), Type::Bool));
        }
        let op = match self.at_op() {
            Some("==") => CmpOp::Eq,
            Some("!=") => CmpOp::Ne,
            Some("<") => CmpOp::Lt,
            Some("<=") => CmpOp::Le,
            Some(">") => CmpOp::Gt,
            Some(">=") => CmpOp::Ge,
            _ => return Ok(left),
        };
        let at = self.position();
        self.bump();
        let right = self.sum()?;
        if left.1 != right.1 {
            return Err(RuleError::new(
                at,
                format!("cannot compare {} with {}", left.1, right.1),
            ));
        }
        let ordered = matches!(op, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge);
        if ordered && !matches!(left.1, Type::Int | Type::Money) {
            return Err(RuleError::new(
                at,
                format!("{} values have no order", left.1),
            ));
        }
        Ok((
            Expr::Cmp(op, Box::new(left.0), Box::new(right.0)),
            Type::Bool,
        ))
    }

    fn list(&mut self, item: Type) -> Result<Vec<Value>, RuleError> {
        self.expect(Token::LBracket, "`[` to open the list")?;
        let mut values = Vec::new();
        loop {
            let at = self.position();
            let value = self.literal()?;
            if value.type_of() != item {
                return Err(RuleError::new(
                    at,
                    format!(
                        "the list holds {} but the value tested is {item}",
                        value.type_of()
                    ),
                ));
            }
            values.push(value);
            match self.bump() {
                Some(Spanned {
                    token: Token::Comma,
                    ..
                }) => {}
                Some(Spanned {
                    token: Token::RBracket,
                    ..
                }) => return Ok(values),
                _ => return Err(RuleError::new(at, "expected `,` or `]` after a list value")),
            }
        }
    }

    fn literal(&mut self) -> Result<Value, RuleError> {
        let at = self.position();
        let negative = self.at_op() == Some("-");
        if negative {
            self.bump();
        }
        let sign = if negative { -1 } else { 1 };
        match self.bump().map(|t| t.token) {
            Some(Token::Int(n)) => Ok(Value::Int(sign * n)),
            Some(Token::Money(n)) => Ok(Value::Money(sign * n)),
            Some(Token::Text(t)) if !negative => Ok(Value::Text(t)),
            _ => Err(RuleError::new(at, "a list holds literal values only")),
        }
    }

    fn sum(&mut self) -> Result<Typed, RuleError> {
        let mut left = self.product()?;
        loop {
            let op = match self.at_op() {
                Some("+") => ArithOp::Add,
                Some("-") => ArithOp::Sub,
                _ => return Ok(left),
            };
            let at = self.position();
            self.bump();
            let right = self.product()?;
            left = arith(op, left, right, at)?;
        }
    }

    fn product(&mut self) -> Result<Typed, RuleError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.at_op() {
                Some("*") => ArithOp::Mul,
                Some("/") => ArithOp::Div,
                _ => return Ok(left),
            };
            let at = self.position();
            self.bump();
            let right = self.unary()?;
            left = arith(op, left, right, at)?;
        }
    }

    fn unary(&mut self) -> Result<Typed, RuleError> {
        if self.at_op() == Some("-") {
            let at = self.position();
            self.bump();
            let (expr, ty) = self.unary()?;
            if !matches!(ty, Type::Int | Type::Money) {
                return Err(RuleError::new(at, format!("cannot negate {ty}")));
            }
            return Ok((Expr::Neg(Box::new(expr)), ty));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Typed, RuleError> {
        let at = self.position();
        let Some(token) = self.bump() else {
            return Err(RuleError::new(at, "the rule ends too early"));
        };
        match token.token {
            Token::Int(n) => Ok((Expr::Literal(Value::Int(n)), Type::Int)),
            Token::Money(n) => Ok((Expr::Literal(Value::Money(n)), Type::Money)),
            Token::Text(t) => Ok((Expr::Literal(Value::Text(t)), Type::Text)),
            Token::LParen => {
                let inner = self.or()?;
                self.expect(Token::RParen, "`)`")?;
                Ok(inner)
            }
            Token::Ident(word) => self.named(word, at),
            Token::Window(_) => Err(RuleError::new(
                at,
                "a window is an argument of count or distinct_borrowers",
            )),
            _ => Err(RuleError::new(at, "expected a value")),
        }
    }

    fn named(&mut self, word: String, at: Position) -> Result<Typed, RuleError> {
        match word.as_str() {
            "true" => return Ok((Expr::Literal(Value::Bool(true)), Type::Bool)),
            "false" => return Ok((Expr::Literal(Value::Bool(false)), Type::Bool)),
            "and" | "or" | "not" | "in" => {
                return Err(RuleError::new(
                    at,
                    format!("`{word}` needs a value before it"),
                ));
            }
            _ => {}
        }
        let is_call = matches!(
            self.peek(),
            Some(Spanned {
                token: Token::LParen,
                ..
            })
        );
        if !is_call {
            let Some(ty) = self.schema.fields.get(&word) else {
                return Err(RuleError::new(at, format!("no feature is named `{word}`")));
            };
            self.features.insert(word.clone());
            return Ok((Expr::Feature(word, *ty), *ty));
        }
        self.bump();
        if let Some(aggregate) = Aggregate::parse(&word) {
            let key = self.key()?;
            self.expect(Token::Comma, "`,` between the key and the window")?;
            let window = self.window()?;
            self.expect(Token::RParen, "`)`")?;
            let name = aggregate_name(aggregate, key, window);
            self.features.insert(name.clone());
            return Ok((Expr::Feature(name, Type::Int), Type::Int));
        }
        match word.as_str() {
            "similarity" => {
                let left = self.or()?;
                let comma = self.position();
                self.expect(Token::Comma, "`,` between the two names")?;
                let right = self.or()?;
                self.expect(Token::RParen, "`)`")?;
                if left.1 != Type::Text || right.1 != Type::Text {
                    return Err(RuleError::new(comma, "similarity compares two texts"));
                }
                Ok((
                    Expr::Similarity(Box::new(left.0), Box::new(right.0)),
                    Type::Int,
                ))
            }
            "score" => {
                let model_at = self.position();
                let model = match self.bump().map(|t| t.token) {
                    Some(Token::Ident(model)) => model,
                    _ => return Err(RuleError::new(model_at, "expected a model's name")),
                };
                if !self.schema.models.contains(&model) {
                    return Err(RuleError::new(
                        model_at,
                        format!("no model is named `{model}`"),
                    ));
                }
                self.expect(Token::RParen, "`)`")?;
                let name = score_name(&model);
                self.features.insert(name.clone());
                Ok((Expr::Feature(name, Type::Int), Type::Int))
            }
            _ => Err(RuleError::new(at, format!("no function is named `{word}`"))),
        }
    }

    fn key(&mut self) -> Result<Key, RuleError> {
        let at = self.position();
        match self.bump().map(|t| t.token) {
            Some(Token::Ident(word)) => Key::parse(&word).ok_or_else(|| {
                RuleError::new(
                    at,
                    format!("no key is named `{word}` (borrower, phone, id_number, device, ip, payee_card, employer)"),
                )
            }),
            _ => Err(RuleError::new(at, "expected a key such as phone or device")),
        }
    }

    fn window(&mut self) -> Result<Window, RuleError> {
        let at = self.position();
        match self.bump().map(|t| t.token) {
            Some(Token::Window(seconds)) => Window::of_seconds(seconds)
                .ok_or_else(|| RuleError::new(at, "windows are 1h, 24h, 7d or 30d")),
            _ => Err(RuleError::new(at, "expected a window: 1h, 24h, 7d or 30d")),
        }
    }
}

fn bool_operand((expr, ty): Typed, at: Position, op: &str) -> Result<Expr, RuleError> {
    if ty == Type::Bool {
        Ok(expr)
    } else {
        Err(RuleError::new(
            at,
            format!("`{op}` takes conditions (bool), not {ty}"),
        ))
    }
}

/// The arithmetic the types allow: int with int; money plus or minus
/// money; money times or divided by an int; money divided by money (a
/// ratio, an int).
fn arith(op: ArithOp, left: Typed, right: Typed, at: Position) -> Result<Typed, RuleError> {
    use Type::{Int, Money};
    let ty = match (op, left.1, right.1) {
        (_, Int, Int) => Int,
        (ArithOp::Add | ArithOp::Sub, Money, Money) => Money,
        (ArithOp::Mul, Money, Int) | (ArithOp::Mul, Int, Money) => Money,
        (ArithOp::Div, Money, Int) => Money,
        (ArithOp::Div, Money, Money) => Int,
        (_, l, r) => {
            let verb = match op {
                ArithOp::Add => "add",
                ArithOp::Sub => "subtract",
                ArithOp::Mul => "multiply",
                ArithOp::Div => "divide",
            };
            return Err(RuleError::new(at, format!("cannot {verb} {l} and {r}")));
        }
    };
    Ok((Expr::Arith(op, Box::new(left.0), Box::new(right.0)), ty))
}
