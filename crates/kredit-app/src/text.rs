//! Free text people write: a feedback message or reply, the reason for a
//! reversal, an underwriter's comment, a webhook's description. One rule for
//! all of it (the core's [`kredit_core::text::free_text`]: NFC, trimmed, no
//! control, bidirectional or invisible characters); each use case names its
//! own error for a missing or overlong text. What is stored is the
//! normalised string this returns.

use kredit_core::text::TextError;

use crate::{AppError, AppResult};

/// The most characters a free-text field takes.
pub const MAX_TEXT_CHARS: usize = 2000;

/// The code of a text holding a control, bidirectional or invisible character.
pub const FORBIDDEN_CHARACTER: &str = "forbidden_character";

/// `value` normalised and trimmed, if it has 1 to [`MAX_TEXT_CHARS`]
/// characters and nothing invisible.
pub fn free_text(value: &str) -> Result<String, TextError> {
    kredit_core::text::free_text(value, MAX_TEXT_CHARS)
}

/// [`free_text`], or a validation failure of `field`: with `code` and
/// `message` when it is empty or too long, [`FORBIDDEN_CHARACTER`] when it
/// holds an invisible character.
pub fn required(value: &str, field: &str, code: &str, message: &str) -> AppResult<String> {
    free_text(value).map_err(|error| refusal(error, field, code, message))
}

/// The refusal of `field` for `error`: `code` and `message` for its length.
pub fn refusal(error: TextError, field: &str, code: &str, message: &str) -> AppError {
    match error {
        TextError::ForbiddenCharacter => AppError::field(
            field,
            FORBIDDEN_CHARACTER,
            "control, bidirectional and invisible characters (such as zero-width spaces) are not accepted",
        ),
        TextError::Empty | TextError::TooLong => AppError::field(field, code, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimmed_normalised_and_counted_in_characters() {
        assert_eq!(free_text("  为什么  ").as_deref(), Ok("为什么"));
        assert_eq!(free_text(" \n\t "), Err(TextError::Empty));
        assert_eq!(free_text(""), Err(TextError::Empty));
        let longest = "字".repeat(MAX_TEXT_CHARS);
        assert_eq!(free_text(&format!(" {longest} ")), Ok(longest));
        assert_eq!(
            free_text(&"x".repeat(MAX_TEXT_CHARS + 1)),
            Err(TextError::TooLong)
        );
        assert_eq!(free_text("Cafe\u{301}").as_deref(), Ok("Caf\u{e9}"));
    }

    #[test]
    fn required_names_the_callers_error() {
        let error = required(" ", "reason", "reason_required", "say why").unwrap_err();
        assert_eq!(
            error,
            AppError::field("reason", "reason_required", "say why")
        );
        assert_eq!(
            required(" ok ", "reason", "reason_required", "say why").as_deref(),
            Ok("ok")
        );
        match required("ok\u{202E}", "reason", "reason_required", "say why").unwrap_err() {
            AppError::Validation { errors, .. } => {
                assert_eq!(
                    (errors[0].field.as_str(), errors[0].code.as_str()),
                    ("reason", FORBIDDEN_CHARACTER)
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
