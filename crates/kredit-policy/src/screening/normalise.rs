//! Name normalisation: the same person written differently must give the
//! same tokens, so that similarity only has to deal with real spelling
//! differences.

use pinyin::ToPinyin;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Normalises a name to its tokens.
///
/// - NFKD, then combining marks dropped ("José" → "jose") and the few Latin
///   letters NFKD leaves whole spelled out ("ß" → "ss", "Ø" → "o").
/// - Lower case.
/// - Apostrophes join ("O'Brien" → "obrien", as it is also written);
///   any other character that is not a letter or digit separates tokens.
/// - A run of Chinese characters becomes toneless pinyin: the first
///   character (the surname, as almost all Chinese surnames are one
///   character) one token, the rest of the run joined as the given name,
///   the way Chinese names are romanised ("张小明" → "zhang", "xiaoming").
///
/// Token order is kept; the similarity is order-free.
pub fn normalise_name(raw: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut token = String::new();
    let mut han_syllables: Vec<&'static str> = Vec::new();
    for ch in raw.chars() {
        if let Some(syllable) = ch.to_pinyin() {
            end_token(&mut token, &mut tokens);
            han_syllables.push(syllable.plain());
            continue;
        }
        end_han_run(&mut han_syllables, &mut tokens);
        push_latinised(ch, &mut token, &mut tokens);
    }
    end_han_run(&mut han_syllables, &mut tokens);
    end_token(&mut token, &mut tokens);
    tokens
}

/// Adds one character of a non-Chinese name to the current token, or ends
/// the token at a separator.
fn push_latinised(ch: char, token: &mut String, tokens: &mut Vec<String>) {
    if is_apostrophe(ch) {
        return;
    }
    for decomposed in std::iter::once(ch).nfkd() {
        if is_combining_mark(decomposed) {
            continue;
        }
        if let Some(spelled) = spell_out(decomposed) {
            token.push_str(spelled);
        } else if decomposed.is_alphanumeric() {
            token.extend(decomposed.to_lowercase());
        } else if !is_apostrophe(decomposed) {
            end_token(token, tokens);
        }
    }
}

fn end_token(token: &mut String, tokens: &mut Vec<String>) {
    if !token.is_empty() {
        tokens.push(std::mem::take(token));
    }
}

/// Emits a run of Chinese characters as surname and given-name tokens.
fn end_han_run(syllables: &mut Vec<&'static str>, tokens: &mut Vec<String>) {
    if let Some((surname, given)) = syllables.split_first() {
        tokens.push(strip_tone_marks(surname));
        if !given.is_empty() {
            tokens.push(strip_tone_marks(&given.concat()));
        }
    }
    syllables.clear();
}

/// Pinyin "plain" still writes ü; the lists and customers write u.
fn strip_tone_marks(syllable: &str) -> String {
    syllable
        .nfkd()
        .filter(|ch| !is_combining_mark(*ch))
        .collect()
}

fn is_apostrophe(ch: char) -> bool {
    matches!(
        ch,
        '\'' | '\u{2018}' | '\u{2019}' | '`' | '\u{02BC}' | '\u{02BB}'
    )
}

/// Latin letters that NFKD does not decompose, as they are written without
/// diacritics.
fn spell_out(ch: char) -> Option<&'static str> {
    Some(match ch {
        'ß' | 'ẞ' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'ø' | 'Ø' => "o",
        'đ' | 'Đ' | 'ð' | 'Ð' => "d",
        'ł' | 'Ł' => "l",
        'þ' | 'Þ' => "th",
        'ı' => "i",
        'ħ' | 'Ħ' => "h",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn han_run_is_surname_then_given_name() {
        assert_eq!(normalise_name("张小明"), ["zhang", "xiaoming"]);
        assert_eq!(normalise_name("吕"), ["lu"]);
    }
}
