//! Tokens of the rule language, each with the character position it
//! starts at (1-based line and column), so every error can point at it.

use super::{Position, RuleError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    Int(i64),
    /// A literal with exactly two decimal places, in fen: `50000.00`.
    Money(i64),
    Text(String),
    Ident(String),
    /// `1h`, `24h`, `7d`, `30d`: a window, in seconds.
    Window(i64),
    Op(&'static str),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Spanned {
    pub token: Token,
    pub at: Position,
}

/// The operators, longest first so `<=` is not read as `<` then `=`; the
/// typographic − × ÷ are the same operators as - * /.
const OPERATORS: [(&str, &str); 13] = [
    ("==", "=="),
    ("!=", "!="),
    ("<=", "<="),
    (">=", ">="),
    ("<", "<"),
    (">", ">"),
    ("+", "+"),
    ("-", "-"),
    ("−", "-"),
    ("*", "*"),
    ("×", "*"),
    ("/", "/"),
    ("÷", "/"),
];

pub(super) fn tokens(source: &str) -> Result<Vec<Spanned>, RuleError> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut at = Position { line: 1, column: 1 };
    let advance = |i: &mut usize, at: &mut Position, n: usize, chars: &[char]| {
        for c in &chars[*i..*i + n] {
            if *c == '\n' {
                at.line += 1;
                at.column = 1;
            } else {
                at.column += 1;
            }
        }
        *i += n;
    };
    while i < chars.len() {
        let c = chars[i];
        let start = at;
        if c.is_whitespace() {
            advance(&mut i, &mut at, 1, &chars);
            continue;
        }
        if c == '#' {
            // A comment runs to the end of the line.
            let n = chars[i..].iter().take_while(|c| **c != '\n').count();
            advance(&mut i, &mut at, n, &chars);
            continue;
        }
        let single = match c {
            '(' => Some(Token::LParen),
            ')' => Some(Token::RParen),
            '[' => Some(Token::LBracket),
            ']' => Some(Token::RBracket),
            ',' => Some(Token::Comma),
            _ => None,
        };
        if let Some(token) = single {
            out.push(Spanned { token, at: start });
            advance(&mut i, &mut at, 1, &chars);
            continue;
        }
        if c == '"' {
            let mut text = String::new();
            let mut n = 1;
            loop {
                match chars.get(i + n) {
                    None | Some('\n') => {
                        return Err(RuleError::new(start, "a text literal is not closed"));
                    }
                    Some('"') => break,
                    Some('\\') if matches!(chars.get(i + n + 1), Some('"' | '\\')) => {
                        text.push(chars[i + n + 1]);
                        n += 2;
                    }
                    Some(other) => {
                        text.push(*other);
                        n += 1;
                    }
                }
            }
            out.push(Spanned {
                token: Token::Text(text),
                at: start,
            });
            advance(&mut i, &mut at, n + 1, &chars);
            continue;
        }
        if c.is_ascii_digit() {
            let (token, n) = number(&chars[i..], start)?;
            out.push(Spanned { token, at: start });
            advance(&mut i, &mut at, n, &chars);
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let n = chars[i..]
                .iter()
                .take_while(|c| c.is_alphanumeric() || **c == '_')
                .count();
            let word: String = chars[i..i + n].iter().collect();
            out.push(Spanned {
                token: Token::Ident(word),
                at: start,
            });
            advance(&mut i, &mut at, n, &chars);
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        match OPERATORS.iter().find(|(text, _)| rest.starts_with(text)) {
            Some((text, op)) => {
                out.push(Spanned {
                    token: Token::Op(op),
                    at: start,
                });
                advance(&mut i, &mut at, text.chars().count(), &chars);
            }
            None => return Err(RuleError::new(start, format!("unexpected character {c:?}"))),
        }
    }
    Ok(out)
}

/// An integer, a two-place money literal or a window (`24h`, `7d`).
fn number(chars: &[char], at: Position) -> Result<(Token, usize), RuleError> {
    let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    let whole: String = chars[..digits].iter().collect();
    let too_large = || RuleError::new(at, "the number is too large");
    let whole_value: i64 = whole.parse().map_err(|_| too_large())?;
    match chars.get(digits) {
        Some('.') => {
            let places = chars[digits + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if places != 2 {
                return Err(RuleError::new(
                    at,
                    "an amount has exactly two decimal places (fen); the language has no fractions",
                ));
            }
            let fen: String = chars[digits + 1..digits + 3].iter().collect();
            let fen: i64 = fen.parse().map_err(|_| too_large())?;
            let value = whole_value
                .checked_mul(100)
                .and_then(|v| v.checked_add(fen))
                .ok_or_else(too_large)?;
            Ok((Token::Money(value), digits + 3))
        }
        Some(unit @ ('h' | 'd'))
            if !chars
                .get(digits + 1)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_') =>
        {
            let seconds = if *unit == 'h' { 3_600 } else { 86_400 };
            let value = whole_value.checked_mul(seconds).ok_or_else(too_large)?;
            Ok((Token::Window(value), digits + 1))
        }
        Some(c) if c.is_alphanumeric() || *c == '_' => Err(RuleError::new(
            at,
            "a number is followed by a letter: windows are written 1h, 24h, 7d or 30d",
        )),
        _ => Ok((Token::Int(whole_value), digits)),
    }
}
