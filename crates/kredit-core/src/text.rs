//! Text hygiene: the characters people may type into names and free text.
//! Pure functions only.
//!
//! Everything is normalised to Unicode NFC first, so two spellings of the
//! same text (a precomposed `é` and `e` + combining acute) are stored, hashed
//! and compared as one. Then characters that change how text *looks* without
//! being text are refused: controls, bidirectional overrides and isolates
//! (which can make `abc.exe` read as `exe.cba` in a staff screen), zero-width
//! and other format characters (which make two names look alike but differ),
//! and line or paragraph separators. What is stored is the normalised string.

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// The Unicode NFC form of `value`.
#[must_use]
pub fn nfc(value: &str) -> String {
    value.nfc().collect()
}

/// Bidirectional formatting characters: embeddings and overrides
/// (U+202A–U+202E), isolates (U+2066–U+2069), the implicit marks
/// (U+200E, U+200F) and the Arabic letter mark (U+061C).
#[must_use]
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Characters that are not visible text: controls (Cc), format characters
/// (Cf: zero-width space and joiners, word joiner, BOM, soft hyphen, the bidi
/// controls, tag characters …), line and paragraph separators, and the
/// unassigned, private-use and surrogate code points.
#[must_use]
pub fn is_invisible(c: char) -> bool {
    is_bidi_control(c)
        || matches!(
            c.general_category(),
            GeneralCategory::Control
                | GeneralCategory::Format
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
                | GeneralCategory::Unassigned
                | GeneralCategory::PrivateUse
                | GeneralCategory::Surrogate
        )
}

/// Why free text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    /// Nothing but white space.
    Empty,
    /// More characters than allowed (counted after normalisation).
    TooLong,
    /// A control, bidirectional or other invisible character.
    ForbiddenCharacter,
}

/// Free text a person writes (a message, a reason, a comment, a product's
/// name): NFC, line breaks as `\n`, trimmed, 1 to `max_chars` characters,
/// with line breaks and tabs the only control characters allowed. The zero
/// width joiner (U+200D) stays, because emoji sequences are built from it.
pub fn free_text(value: &str, max_chars: usize) -> Result<String, TextError> {
    let text = nfc(value).replace("\r\n", "\n");
    let text = text.trim();
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    if text
        .chars()
        .any(|c| is_invisible(c) && !matches!(c, '\n' | '\t' | '\u{200D}'))
    {
        return Err(TextError::ForbiddenCharacter);
    }
    if text.chars().count() > max_chars {
        return Err(TextError::TooLong);
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equivalent_spellings_become_one() {
        assert_eq!(nfc("e\u{301}"), "\u{e9}");
        assert_eq!(
            free_text(" Caf\u{65}\u{301} ", 10),
            Ok("Caf\u{e9}".to_owned())
        );
    }

    #[test]
    fn invisible_characters_are_refused() {
        for bad in [
            "abc\u{202E}exe",
            "a\u{2066}b",
            "a\u{200B}b",
            "a\u{FEFF}b",
            "a\u{200E}b",
            "a\u{061C}b",
            "a\u{0007}b",
            "a\u{2028}b",
            "a\u{E000}b",
        ] {
            assert_eq!(
                free_text(bad, 100),
                Err(TextError::ForbiddenCharacter),
                "{bad:?}"
            );
        }
        assert_eq!(
            free_text("line one\r\nline two\tend", 100),
            Ok("line one\nline two\tend".to_owned())
        );
        assert_eq!(
            free_text("👨\u{200D}👩\u{200D}👧", 100).map(|t| t.chars().count()),
            Ok(5)
        );
    }

    #[test]
    fn length_counts_characters_after_trimming() {
        assert_eq!(free_text(" \n\t ", 10), Err(TextError::Empty));
        assert_eq!(
            free_text(&format!(" {} ", "字".repeat(10)), 10),
            Ok("字".repeat(10))
        );
        assert_eq!(free_text(&"x".repeat(11), 10), Err(TextError::TooLong));
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(value in "\\PC{0,40}", raw in any::<String>()) {
            prop_assert_eq!(nfc(&nfc(&value)), nfc(&value));
            prop_assert_eq!(nfc(&nfc(&raw)), nfc(&raw));
            if let Ok(text) = free_text(&raw, 1000) {
                prop_assert_eq!(free_text(&text, 1000), Ok(text.clone()));
            }
        }

        #[test]
        fn accepted_text_has_no_bidi_or_control(raw in any::<String>()) {
            if let Ok(text) = free_text(&raw, 1000) {
                prop_assert!(!text.chars().any(is_bidi_control));
                prop_assert!(!text.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
            }
        }
    }
}
