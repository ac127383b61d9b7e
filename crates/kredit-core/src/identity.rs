//! Identity (KYC) validation: resident ID numbers, mobile numbers, bank cards
//! and their masking. Pure functions only.
//!
//! The rules:
//! - a mainland mobile number is 11 digits, `1` then `3`-`9` then 9 digits;
//! - a resident ID number (GB 11643-1999) is 17 digits and a check character
//!   computed with ISO 7064 MOD 11-2; digits 7-14 are the birth date, which
//!   must be a real date not after the day of the check; the holder's age on
//!   that day must lie within an [`AgePolicy`];
//! - a bank card number is 16-19 digits; a Luhn failure is only a warning,
//!   because some domestic cards are issued without a Luhn check digit;
//! - masks keep only what a person needs to recognise their own data:
//!   `110105********002X`, `622202******1234`, `138****5678`, `张*`; the
//!   masks of cards and names have one width whatever the value's length;
//! - a real name follows [`normalise_real_name`]'s grammar.

use chrono::{Datelike, NaiveDate};
use thiserror::Error;

/// Why an identity field was refused. Each variant has a stable
/// [`code`](IdentityError::code) that APIs expose to clients.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdentityError {
    #[error("a mainland mobile number is 11 digits starting with 13-19")]
    InvalidMobile,
    #[error("a resident ID number is 17 digits followed by a digit or X")]
    IdFormat,
    #[error("the resident ID number's check character is wrong")]
    IdCheckDigit,
    #[error("the resident ID number does not contain a valid birth date")]
    IdBirthDate,
    #[error("age {age} is outside the allowed range {min}-{max}")]
    AgeOutOfRange { age: u32, min: u32, max: u32 },
    #[error("a bank card number is 16 to 19 digits")]
    CardFormat,
    #[error(
        "a real name is 2 to 30 Chinese characters or Latin letters, parts joined by a single ·, space, hyphen or apostrophe"
    )]
    RealName,
}

impl IdentityError {
    /// A stable machine-readable code for this error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidMobile => "invalid_mobile",
            Self::IdFormat => "id_number_format",
            Self::IdCheckDigit => "id_number_check_digit",
            Self::IdBirthDate => "id_number_birth_date",
            Self::AgeOutOfRange { .. } => "age_out_of_range",
            Self::CardFormat => "bank_card_format",
            Self::RealName => "real_name_format",
        }
    }
}

/// Validates a mainland China mobile number (`1[3-9]` followed by 9 digits).
pub fn validate_mobile(number: &str) -> Result<(), IdentityError> {
    let bytes = number.as_bytes();
    let well_formed = bytes.len() == 11
        && bytes.iter().all(u8::is_ascii_digit)
        && bytes[0] == b'1'
        && (b'3'..=b'9').contains(&bytes[1]);
    if well_formed {
        Ok(())
    } else {
        Err(IdentityError::InvalidMobile)
    }
}

/// The middle dot (间隔号) that joins the parts of minority and foreign names.
pub const NAME_DOT: char = '\u{B7}';

/// A real name as written on an ID card, normalised: NFC, with look-alike
/// dots typed by input methods (`・` U+30FB, `･` U+FF65, `•` U+2022, `‧`
/// U+2027, `∙` U+2219, `⋅` U+22C5) turned into the middle dot `·` U+00B7
/// and the typographic apostrophe `’` into `'`.
///
/// The grammar: 2 to 30 characters of CJK ideographs (the unified block,
/// extensions A–H and the compatibility ideographs) or Latin letters (for
/// foreign residents), in parts joined by single separators: the middle dot,
/// a space, a hyphen or an apostrophe, never leading, trailing or doubled.
/// No digits, markup, other punctuation, emoji, or any invisible character.
pub fn normalise_real_name(name: &str) -> Result<String, IdentityError> {
    let normalised: String = crate::text::nfc(name)
        .chars()
        .map(|c| match c {
            '\u{30FB}' | '\u{FF65}' | '\u{2022}' | '\u{2027}' | '\u{2219}' | '\u{22C5}' => NAME_DOT,
            '\u{2019}' => '\'',
            other => other,
        })
        .collect();
    let chars: Vec<char> = normalised.chars().collect();
    let separator = |c: char| matches!(c, NAME_DOT | ' ' | '-' | '\'');
    let well_formed = (2..=30).contains(&chars.len())
        && chars.iter().all(|&c| is_name_letter(c) || separator(c))
        && !separator(chars[0])
        && !separator(chars[chars.len() - 1])
        && !chars
            .windows(2)
            .any(|pair| separator(pair[0]) && separator(pair[1]));
    if well_formed {
        Ok(normalised)
    } else {
        Err(IdentityError::RealName)
    }
}

/// Validates a real name: [`normalise_real_name`] without keeping the result.
pub fn validate_real_name(name: &str) -> Result<(), IdentityError> {
    normalise_real_name(name).map(|_| ())
}

/// A letter a real name may hold: a CJK ideograph or a Latin letter.
fn is_name_letter(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}'       // CJK Unified Ideographs
        | '\u{3400}'..='\u{4DBF}'     // Extension A
        | '\u{20000}'..='\u{2A6DF}'   // Extension B
        | '\u{2A700}'..='\u{2EE5F}'   // Extensions C, D, E, F, I
        | '\u{30000}'..='\u{323AF}'   // Extensions G, H
        | '\u{F900}'..='\u{FAFF}'     // Compatibility Ideographs
        | '\u{2F800}'..='\u{2FA1F}'   // Compatibility Ideographs Supplement
        | '\u{3007}'                   // 〇, in some given names
        | 'A'..='Z' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{24F}' // Latin-1 letters, Extended-A and -B
        | '\u{1E00}'..='\u{1EFF}'     // Latin Extended Additional (Vietnamese)
    )
}

/// Weights of the 17 leading digits: 2^(17-i) mod 11 (ISO 7064 MOD 11-2).
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each value of the weighted sum mod 11.
const ID_CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// The check character of the 17 leading digits of a resident ID number.
/// `digits` must be 17 ASCII digits.
fn id_check_char(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    ID_CHECK_CHARS[(sum % 11) as usize]
}

/// A well-formed 18-character resident ID number with a correct check
/// character and a real birth date. A lowercase `x` is normalised to `X`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentId {
    number: String,
    birth_date: NaiveDate,
}

impl ResidentId {
    /// Parses and checks format, check character and birth date.
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let number = input.to_ascii_uppercase();
        let bytes = number.as_bytes();
        let well_formed = bytes.len() == 18
            && bytes[..17].iter().all(u8::is_ascii_digit)
            && (bytes[17].is_ascii_digit() || bytes[17] == b'X');
        if !well_formed {
            return Err(IdentityError::IdFormat);
        }
        if id_check_char(&bytes[..17]) != bytes[17] {
            return Err(IdentityError::IdCheckDigit);
        }
        let birth_date = NaiveDate::parse_from_str(&number[6..14], "%Y%m%d")
            .map_err(|_| IdentityError::IdBirthDate)?;
        Ok(Self { number, birth_date })
    }

    /// The normalised 18-character number.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.number
    }

    #[must_use]
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// Completed years of age on `on`, or `None` if `on` is before birth.
    #[must_use]
    pub fn age_on(&self, on: NaiveDate) -> Option<u32> {
        age_on(self.birth_date, on)
    }

    /// The mask shown in responses and logs: `110105********002X`.
    #[must_use]
    pub fn masked(&self) -> String {
        mask_id_number(&self.number)
    }
}

/// Completed years between `birth` and `on` (a birthday on 29 February is
/// reached on 1 March in common years), `None` if `on` precedes `birth`.
fn age_on(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    if on < birth {
        return None;
    }
    let years = on.year() - birth.year();
    let birthday_reached = (on.month(), on.day()) >= (birth.month(), birth.day());
    u32::try_from(if birthday_reached { years } else { years - 1 }).ok()
}

/// The inclusive age range a borrower must be in on the day of the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgePolicy {
    pub min_age: u32,
    pub max_age: u32,
}

impl Default for AgePolicy {
    fn default() -> Self {
        Self {
            min_age: 18,
            max_age: 60,
        }
    }
}

impl AgePolicy {
    /// Checks the holder of `id` is within the range on `on`. A birth date
    /// after `on` is an invalid birth date, not an age problem.
    pub fn check(&self, id: &ResidentId, on: NaiveDate) -> Result<u32, IdentityError> {
        let age = id.age_on(on).ok_or(IdentityError::IdBirthDate)?;
        if (self.min_age..=self.max_age).contains(&age) {
            Ok(age)
        } else {
            Err(IdentityError::AgeOutOfRange {
                age,
                min: self.min_age,
                max: self.max_age,
            })
        }
    }
}

/// A bank card number of 16-19 digits. `luhn_valid` is false for numbers
/// that fail the Luhn check: accepted, but callers should surface a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankCard {
    number: String,
    pub luhn_valid: bool,
}

impl BankCard {
    /// Parses a card number; spaces between digit groups are ignored.
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let number: String = input.chars().filter(|c| *c != ' ').collect();
        let well_formed =
            (16..=19).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit());
        if !well_formed {
            return Err(IdentityError::CardFormat);
        }
        let luhn_valid = luhn_valid(&number);
        Ok(Self { number, luhn_valid })
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The mask shown in responses and logs: `622202******1234`.
    #[must_use]
    pub fn masked(&self) -> String {
        mask_bank_card(&self.number)
    }
}

/// The Luhn (mod 10) check over a string of ASCII digits.
#[must_use]
pub fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(position, byte)| {
            let digit = u32::from(byte.wrapping_sub(b'0'));
            if position % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Keeps the first `head` and last `tail` characters and stars the rest.
/// Inputs too short to hide anything that way are starred completely.
fn mask_middle(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - head - tail;
    let mut masked: String = chars[..head].iter().collect();
    masked.push_str(&"*".repeat(hidden));
    masked.extend(&chars[chars.len() - tail..]);
    masked
}

/// `11010519491231002X` → `110105********002X` (an ID number is 18
/// characters, so the mask is always 18 wide).
#[must_use]
pub fn mask_id_number(number: &str) -> String {
    mask_middle(number, 6, 4)
}

/// `6222021234567891234` → `622202******1234`: six stars whatever the
/// card's length (16 to 19 digits), so the mask does not tell it.
#[must_use]
pub fn mask_bank_card(number: &str) -> String {
    mask_fixed(number, 6, 4, 6)
}

/// `13812345678` → `138****5678`.
#[must_use]
pub fn mask_phone(number: &str) -> String {
    mask_middle(number, 3, 4)
}

/// `张三丰` → `张*`: the family name's first character stays so the holder
/// recognises it, and one star stands for the rest whatever its length.
#[must_use]
pub fn mask_name(name: &str) -> String {
    mask_fixed(name, 1, 0, 1)
}

/// The first `head` and last `tail` characters around `stars` stars; inputs
/// too short to hide anything that way become `stars` stars alone.
fn mask_fixed(value: &str, head: usize, tail: usize, stars: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(stars);
    }
    let mut masked: String = chars[..head].iter().collect();
    masked.push_str(&"*".repeat(stars));
    masked.extend(&chars[chars.len() - tail..]);
    masked
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Builds a valid ID number from its parts by appending the check character.
    fn id_number(region: u32, birth: NaiveDate, sequence: u32) -> String {
        let mut body = format!("{region:06}{}{sequence:03}", birth.format("%Y%m%d"));
        let check = id_check_char(body.as_bytes());
        body.push(char::from(check));
        body
    }

    #[test]
    fn known_id_numbers_parse() {
        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), date(1949, 12, 31));
        assert_eq!(id.masked(), "110105********002X");
        // Lowercase x is normalised.
        assert_eq!(
            ResidentId::parse("11010519491231002x").unwrap().as_str(),
            "11010519491231002X"
        );
        assert!(ResidentId::parse("440524188001010014").is_ok());
    }

    #[test]
    fn wrong_check_digit_and_bad_format_are_refused() {
        assert_eq!(
            ResidentId::parse("110105194912310021"),
            Err(IdentityError::IdCheckDigit)
        );
        assert_eq!(
            ResidentId::parse("11010519491231002"),
            Err(IdentityError::IdFormat)
        );
        assert_eq!(
            ResidentId::parse("11010519491231002Y"),
            Err(IdentityError::IdFormat)
        );
        assert_eq!(
            ResidentId::parse("1101051949123100２X"),
            Err(IdentityError::IdFormat)
        );
    }

    #[test]
    fn impossible_birth_dates_are_refused() {
        // 30 February, built with a correct check character so only the date is wrong.
        let body = "110105199002300";
        let mut number = format!("{body}01");
        let check = id_check_char(&number.as_bytes()[..17]);
        number.push(char::from(check));
        assert_eq!(ResidentId::parse(&number), Err(IdentityError::IdBirthDate));
    }

    #[test]
    fn age_policy_is_inclusive_and_counts_birthdays() {
        let policy = AgePolicy::default();
        let id = ResidentId::parse(&id_number(110105, date(2000, 6, 15), 1)).unwrap();
        assert_eq!(
            policy.check(&id, date(2018, 6, 14)),
            Err(IdentityError::AgeOutOfRange {
                age: 17,
                min: 18,
                max: 60
            })
        );
        assert_eq!(policy.check(&id, date(2018, 6, 15)), Ok(18));
        assert_eq!(policy.check(&id, date(2061, 6, 14)), Ok(60));
        assert!(policy.check(&id, date(2061, 6, 15)).is_err());
        assert_eq!(
            policy.check(&id, date(1999, 1, 1)),
            Err(IdentityError::IdBirthDate)
        );
        let leap = ResidentId::parse(&id_number(110105, date(2004, 2, 29), 7)).unwrap();
        assert_eq!(leap.age_on(date(2022, 2, 28)), Some(17));
        assert_eq!(leap.age_on(date(2022, 3, 1)), Some(18));
    }

    #[test]
    fn mobile_numbers() {
        assert!(validate_mobile("13812345678").is_ok());
        assert!(validate_mobile("19912345678").is_ok());
        for bad in [
            "12812345678",
            "1381234567",
            "138123456789",
            "+8613812345678",
            "1381234567a",
        ] {
            assert_eq!(
                validate_mobile(bad),
                Err(IdentityError::InvalidMobile),
                "{bad}"
            );
        }
    }

    #[test]
    fn real_names() {
        for good in [
            "张三",
            "买买提·吐尔逊",
            "欧阳娜娜",
            "𠀋一",
            "Anna-Lena O'Brien",
            "Nguyễn Văn An",
            "李〇",
        ] {
            assert_eq!(normalise_real_name(good).as_deref(), Ok(good), "{good:?}");
        }
        for bad in [
            "张",
            "张3",
            " 张三",
            "",
            "张\n三",
            "张三 ",
            "<b>张三</b>",
            "张三'; DROP TABLE users;--",
            "张三😀",
            "张\u{202E}三",
            "张\u{200B}三",
            "张\u{200D}三",
            "张\u{2066}三\u{2069}",
            "·张三",
            "张··三",
            "张三·",
            "John  Smith",
            "张=三",
            "张三\u{FEFF}",
            &"张".repeat(31),
        ] {
            assert_eq!(
                normalise_real_name(bad),
                Err(IdentityError::RealName),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn names_are_stored_normalised() {
        // Input methods type other dots for the 间隔号; one is kept.
        for dot in [
            '\u{30FB}', '\u{FF65}', '\u{2022}', '\u{2027}', '\u{2219}', '\u{22C5}',
        ] {
            assert_eq!(
                normalise_real_name(&format!("买买提{dot}吐尔逊")).unwrap(),
                "买买提·吐尔逊"
            );
        }
        // A decomposed é is the precomposed one; the typographic apostrophe is '.
        assert_eq!(
            normalise_real_name("Ame\u{301}lie O\u{2019}Neil").unwrap(),
            "Am\u{e9}lie O'Neil"
        );
        // A compatibility ideograph is its unified twin under NFC.
        assert_eq!(normalise_real_name("\u{F900}三").unwrap(), "\u{8C48}三");
    }

    #[test]
    fn bank_cards_warn_on_luhn_failure_but_refuse_bad_format() {
        let card = BankCard::parse("4111 1111 1111 1111").unwrap();
        assert!(card.luhn_valid);
        assert_eq!(card.masked(), "411111******1111");
        assert!(!BankCard::parse("4111111111111112").unwrap().luhn_valid);
        assert_eq!(
            BankCard::parse("411111111111111"),
            Err(IdentityError::CardFormat)
        );
        assert_eq!(
            BankCard::parse("41111111111111111111"),
            Err(IdentityError::CardFormat)
        );
        assert_eq!(
            BankCard::parse("411111111111111a"),
            Err(IdentityError::CardFormat)
        );
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_id_number("11010519491231002X"), "110105********002X");
        assert_eq!(mask_name("张三丰"), "张*");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("张"), "*");
        assert_eq!(mask_bank_card("6222021234567891234"), "622202******1234");
        assert_eq!(mask_phone("1234"), "****");
        assert_eq!(mask_phone(""), "");
    }

    fn birth_dates() -> impl Strategy<Value = NaiveDate> {
        (1900i32..2025, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| date(y, m, d))
    }

    proptest! {
        #[test]
        fn generated_ids_parse_with_their_birth_date(
            region in 110000u32..=659999, birth in birth_dates(), sequence in 0u32..1000,
        ) {
            let number = id_number(region, birth, sequence);
            let id = ResidentId::parse(&number).unwrap();
            prop_assert_eq!(id.birth_date(), birth);
        }

        /// MOD 11-2 detects every single-character substitution.
        #[test]
        fn any_single_digit_change_is_detected(
            region in 110000u32..=659999, birth in birth_dates(), sequence in 0u32..1000,
            position in 0usize..18, delta in 1u8..10,
        ) {
            let mut bytes = id_number(region, birth, sequence).into_bytes();
            bytes[position] = if bytes[position] == b'X' {
                b'0' + delta % 10
            } else {
                b'0' + (bytes[position] - b'0' + delta) % 10
            };
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(ResidentId::parse(&changed).is_err());
        }

        #[test]
        fn id_masks_keep_only_six_and_four(
            region in 110000u32..=659999, birth in birth_dates(), sequence in 0u32..1000,
        ) {
            let number = id_number(region, birth, sequence);
            let masked = mask_id_number(&number);
            prop_assert_eq!(masked.len(), 18);
            prop_assert_eq!(&masked[..6], &number[..6]);
            prop_assert_eq!(&masked[14..], &number[14..]);
            prop_assert_eq!(&masked[6..14], "********");
        }

        #[test]
        fn valid_mobiles_are_accepted(second in 3u8..=9, rest in "[0-9]{9}") {
            let number = format!("1{second}{rest}");
            prop_assert!(validate_mobile(&number).is_ok());
            prop_assert_eq!(mask_phone(&number).matches('*').count(), 4);
        }

        /// Appending the Luhn digit makes a number valid; changing one digit breaks it.
        #[test]
        fn luhn_detects_single_digit_errors(
            body in "[0-9]{15,18}", position in 0usize..15, delta in 1u8..10,
        ) {
            let check = (0..10u8)
                .map(|d| format!("{body}{d}"))
                .find(|candidate| luhn_valid(candidate))
                .unwrap();
            prop_assert!(BankCard::parse(&check).unwrap().luhn_valid);
            let mut bytes = check.into_bytes();
            bytes[position] = b'0' + (bytes[position] - b'0' + delta) % 10;
            prop_assert!(!luhn_valid(&String::from_utf8(bytes).unwrap()));
        }

        #[test]
        fn masking_never_panics_and_keeps_length(value in "\\PC{0,40}") {
            prop_assert_eq!(mask_id_number(&value).chars().count(), value.chars().count());
            prop_assert_eq!(mask_phone(&value).chars().count(), value.chars().count());
        }

        /// Names and cards of every length mask alike, so a mask does not
        /// tell how long the value is.
        #[test]
        fn name_and_card_masks_never_reveal_length(
            family in "[\u{4E00}-\u{9FFF}]", given in "[\u{4E00}-\u{9FFF}]{1,29}", card in "[0-9]{16,19}",
        ) {
            let name = format!("{family}{given}");
            prop_assert_eq!(mask_name(&name), format!("{family}*"));
            let masked = mask_bank_card(&card);
            prop_assert_eq!(masked.chars().count(), 16);
            prop_assert_eq!(&masked[..6], &card[..6]);
            prop_assert_eq!(&masked[12..], &card[card.len() - 4..]);
        }

        /// Whatever is typed, an accepted name is normalised (idempotently)
        /// and holds no control, bidirectional or invisible character.
        #[test]
        fn accepted_names_are_clean_and_stable(
            raw in prop_oneof![
                any::<String>(),
                "[\u{4E00}-\u{4E10}\u{B7}\u{30FB}\u{202E}\u{200B}\u{2066}a-z '-]{0,12}",
            ],
        ) {
            if let Ok(name) = normalise_real_name(&raw) {
                prop_assert!(!name.chars().any(|c| crate::text::is_invisible(c) || c.is_control()));
                prop_assert!(!name.chars().any(crate::text::is_bidi_control));
                prop_assert_eq!(normalise_real_name(&name), Ok(name.clone()));
                prop_assert_eq!(crate::text::nfc(&name), name);
            }
        }
    }
}
