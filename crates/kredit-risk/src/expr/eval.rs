//! Evaluation of a checked [`Expr`]: a walk over the tree with checked
//! integer arithmetic. `and` and `or` do not evaluate their right side
//! when the left decides, so `device_present and count(device, 1h) > 3`
//! needs no device count when there is no device.

use kredit_policy::screening::{normalise_name, token_set_score};

use super::{ArithOp, CmpOp, Expr, Features, Type, Value};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("the feature `{0}` was not provided")]
    Missing(String),
    #[error("the feature `{name}` is {found}, the schema says otherwise")]
    WrongType { name: String, found: Type },
    #[error("arithmetic overflow")]
    Overflow,
    #[error("division by zero")]
    DivisionByZero,
    #[error("a value of type {0} where the checker expected another")]
    Mistyped(Type),
}

impl Expr {
    pub fn eval(&self, features: &Features) -> Result<Value, EvalError> {
        Ok(match self {
            Expr::Literal(value) => value.clone(),
            Expr::Feature(name, ty) => {
                let value = features
                    .get(name)
                    .ok_or_else(|| EvalError::Missing(name.clone()))?;
                if value.type_of() != *ty {
                    return Err(EvalError::WrongType {
                        name: name.clone(),
                        found: value.type_of(),
                    });
                }
                value.clone()
            }
            Expr::Neg(inner) => match inner.eval(features)? {
                Value::Int(n) => Value::Int(n.checked_neg().ok_or(EvalError::Overflow)?),
                Value::Money(n) => Value::Money(n.checked_neg().ok_or(EvalError::Overflow)?),
                other => return Err(EvalError::Mistyped(other.type_of())),
            },
            Expr::Arith(op, left, right) => {
                arith(*op, left.eval(features)?, right.eval(features)?)?
            }
            Expr::Cmp(op, left, right) => {
                let (left, right) = (left.eval(features)?, right.eval(features)?);
                if left.type_of() != right.type_of() {
                    return Err(EvalError::Mistyped(right.type_of()));
                }
                let order = left.cmp(&right);
                Value::Bool(match op {
                    CmpOp::Eq => order.is_eq(),
                    CmpOp::Ne => order.is_ne(),
                    CmpOp::Lt => order.is_lt(),
                    CmpOp::Le => order.is_le(),
                    CmpOp::Gt => order.is_gt(),
                    CmpOp::Ge => order.is_ge(),
                })
            }
            Expr::And(left, right) => {
                Value::Bool(truth(left.eval(features)?)? && truth(right.eval(features)?)?)
            }
            Expr::Or(left, right) => {
                Value::Bool(truth(left.eval(features)?)? || truth(right.eval(features)?)?)
            }
            Expr::Not(inner) => Value::Bool(!truth(inner.eval(features)?)?),
            Expr::In(item, list) => Value::Bool(list.contains(&item.eval(features)?)),
            Expr::Similarity(left, right) => {
                let (left, right) = (text(left.eval(features)?)?, text(right.eval(features)?)?);
                Value::Int(similarity_per_mille(&left, &right))
            }
        })
    }
}

/// The screening's name similarity in per-mille, symmetric: the better of
/// the two directions of the token-set score.
pub fn similarity_per_mille(a: &str, b: &str) -> i64 {
    let (a, b) = (normalise_name(a), normalise_name(b));
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let score = token_set_score(&a, &b).max(token_set_score(&b, &a));
    // In [0, 1], so the product is in [0, 1000] and the cast exact.
    (score.clamp(0.0, 1.0) * 1000.0).round() as i64
}

fn truth(value: Value) -> Result<bool, EvalError> {
    match value {
        Value::Bool(b) => Ok(b),
        other => Err(EvalError::Mistyped(other.type_of())),
    }
}

fn text(value: Value) -> Result<String, EvalError> {
    match value {
        Value::Text(t) => Ok(t),
        other => Err(EvalError::Mistyped(other.type_of())),
    }
}

/// Division truncates toward zero, as Rust's integer division does;
/// docs/fraud.md says so.
fn arith(op: ArithOp, left: Value, right: Value) -> Result<Value, EvalError> {
    use Value::{Int, Money};
    let apply = |a: i64, b: i64| -> Result<i64, EvalError> {
        match op {
            ArithOp::Add => a.checked_add(b).ok_or(EvalError::Overflow),
            ArithOp::Sub => a.checked_sub(b).ok_or(EvalError::Overflow),
            ArithOp::Mul => a.checked_mul(b).ok_or(EvalError::Overflow),
            ArithOp::Div if b == 0 => Err(EvalError::DivisionByZero),
            ArithOp::Div => a.checked_div(b).ok_or(EvalError::Overflow),
        }
    };
    Ok(match (op, left, right) {
        (_, Int(a), Int(b)) => Int(apply(a, b)?),
        (ArithOp::Div, Money(a), Money(b)) => Int(apply(a, b)?),
        (_, Money(a), Money(b)) | (_, Money(a), Int(b)) => Money(apply(a, b)?),
        (_, Int(a), Money(b)) => Money(apply(a, b)?),
        (_, other, _) => return Err(EvalError::Mistyped(other.type_of())),
    })
}
