//! Free text people write: a feedback message or reply, the reason for a
//! reversal, an underwriter's comment. One rule for all of it; each use
//! case names its own error.

use crate::{AppError, AppResult};

/// The most characters a free-text field takes.
pub const MAX_TEXT_CHARS: usize = 2000;

/// `value` trimmed, if it has 1 to [`MAX_TEXT_CHARS`] characters.
pub fn free_text(value: &str) -> Option<&str> {
    let text = value.trim();
    (!text.is_empty() && text.chars().count() <= MAX_TEXT_CHARS).then_some(text)
}

/// [`free_text`], or a validation failure of `field` with `code` and
/// `message`.
pub fn required<'a>(value: &'a str, field: &str, code: &str, message: &str) -> AppResult<&'a str> {
    free_text(value).ok_or_else(|| AppError::field(field, code, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimmed_and_counted_in_characters() {
        assert_eq!(free_text("  为什么  "), Some("为什么"));
        assert_eq!(free_text(" \n\t "), None);
        assert_eq!(free_text(""), None);
        let longest = "字".repeat(MAX_TEXT_CHARS);
        assert_eq!(free_text(&format!(" {longest} ")), Some(longest.as_str()));
        assert_eq!(free_text(&"x".repeat(MAX_TEXT_CHARS + 1)), None);
    }

    #[test]
    fn required_names_the_callers_error() {
        let error = required(" ", "reason", "reason_required", "say why").unwrap_err();
        assert_eq!(
            error,
            AppError::field("reason", "reason_required", "say why")
        );
        assert_eq!(
            required(" ok ", "reason", "reason_required", "say why"),
            Ok("ok")
        );
    }
}
