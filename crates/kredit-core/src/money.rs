//! Money as integer fen (分). Arithmetic is checked: an overflow is an error,
//! never a wrap. On the wire money is an exact decimal string with two places.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount in fen (1/100 CNY). Negative values are allowed where they mean
/// something (ledger balances, adjustments); business inputs check their sign.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount overflows the representable range")]
    Overflow,
    #[error("'{0}' is not an amount: use digits with at most two decimal places, e.g. 8530.99")]
    Malformed(String),
}

impl Money {
    pub const ZERO: Money = Money(0);
    pub const MAX: Money = Money(i64::MAX);

    pub const fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    /// Whole yuan, for constants and tests: `Money::yuan(100_000)`.
    pub const fn yuan(yuan: i64) -> Money {
        Money(yuan * 100)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.0
            .checked_add(other.0)
            .map(Money)
            .ok_or(MoneyError::Overflow)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.0
            .checked_sub(other.0)
            .map(Money)
            .ok_or(MoneyError::Overflow)
    }

    pub fn checked_neg(self) -> Result<Money, MoneyError> {
        self.0.checked_neg().map(Money).ok_or(MoneyError::Overflow)
    }

    /// Sum of many amounts; an overflow anywhere is an error.
    pub fn checked_sum<I: IntoIterator<Item = Money>>(items: I) -> Result<Money, MoneyError> {
        items
            .into_iter()
            .try_fold(Money::ZERO, |total, m| total.checked_add(m))
    }

    pub fn min(self, other: Money) -> Money {
        Money(self.0.min(other.0))
    }

    pub fn max(self, other: Money) -> Money {
        Money(self.0.max(other.0))
    }

    /// `self − other`, floored at zero: what remains of an amount after a payment.
    pub fn saturating_sub_to_zero(self, other: Money) -> Money {
        Money(self.0.saturating_sub(other.0).max(0))
    }
}

/// Integer division of `numerator / denominator` rounded half away from zero
/// ("half-up" on magnitudes, the convention for money in this crate).
/// `denominator` must be positive.
pub fn div_round_half_up(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator > 0);
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if 2 * remainder.abs() >= denominator {
        quotient + numerator.signum()
    } else {
        quotient
    }
}

impl Money {
    /// `self × numerator / denominator`, rounded half-up to the fen, computed
    /// exactly in 128-bit integers.
    pub fn mul_div_round(self, numerator: i128, denominator: i128) -> Result<Money, MoneyError> {
        // Fast path: most products fit in 64 bits, and 64-bit division is
        // several times cheaper than 128-bit.
        if let (Ok(n), Ok(d)) = (i64::try_from(numerator), i64::try_from(denominator))
            && let Some(exact) = self.0.checked_mul(n)
        {
            let (quotient, remainder) = (exact / d, exact % d);
            let round_away = (remainder.unsigned_abs() as u128) * 2 >= d as u128;
            return Ok(Money(
                quotient + if round_away { exact.signum() } else { 0 },
            ));
        }
        let exact = (self.0 as i128)
            .checked_mul(numerator)
            .ok_or(MoneyError::Overflow)?;
        i64::try_from(div_round_half_up(exact, denominator))
            .map(Money)
            .map_err(|_| MoneyError::Overflow)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let text = format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100);
        f.pad(&text)
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    /// Accepts `123`, `123.4`, `123.45`, `-0.50`; rejects a third decimal
    /// place, exponents, signs in the middle and anything else.
    fn from_str(text: &str) -> Result<Money, MoneyError> {
        let malformed = || MoneyError::Malformed(text.to_owned());
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > 2 {
            return Err(malformed());
        }
        if digits.contains('.') && fraction.is_empty() {
            return Err(malformed());
        }
        // Digits are validated above; accumulate in i128 so that i64::MIN parses.
        let whole: i128 = whole.parse().map_err(|_| MoneyError::Overflow)?;
        let cents: i128 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i128>().map_err(|_| malformed())? * 10,
            _ => fraction.parse::<i128>().map_err(|_| malformed())?,
        };
        let fen = whole.checked_mul(100).ok_or(MoneyError::Overflow)? + cents;
        let signed = if negative { -fen } else { fen };
        i64::try_from(signed)
            .map(Money)
            .map_err(|_| MoneyError::Overflow)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    /// Only strings: a JSON number would invite floats into money.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// In OpenAPI: a string with two decimal places, never a JSON number.
#[cfg(feature = "utoipa")]
impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^-?[0-9]+\.[0-9]{2}$"))
            .description(Some("An amount in yuan: a decimal string with two places."))
            .examples(["1234.56"])
            .into()
    }
}

#[cfg(feature = "utoipa")]
impl utoipa::ToSchema for Money {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_with_two_places() {
        assert_eq!(Money::from_fen(853099).to_string(), "8530.99");
        assert_eq!(Money::from_fen(5).to_string(), "0.05");
        assert_eq!(Money::from_fen(-50).to_string(), "-0.50");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(format!("{:>10}", Money::from_fen(100)), "      1.00");
    }

    #[test]
    fn parses_exact_decimals_and_rejects_the_rest() {
        assert_eq!("8530.99".parse(), Ok(Money::from_fen(853099)));
        assert_eq!("12.5".parse(), Ok(Money::from_fen(1250)));
        assert_eq!("100000".parse(), Ok(Money::yuan(100_000)));
        assert_eq!("-0.01".parse(), Ok(Money::from_fen(-1)));
        for bad in [
            "", "1.234", "1e3", "1.", ".5", "--1", "1,000", " 1", "abc", "+1",
        ] {
            assert!(bad.parse::<Money>().is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(
            "92233720368547758.08".parse::<Money>(),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn arithmetic_overflow_is_an_error() {
        assert_eq!(
            Money::MAX.checked_add(Money::from_fen(1)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::from_fen(i64::MIN).checked_neg(),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(div_round_half_up(5, 10), 1);
        assert_eq!(div_round_half_up(4, 10), 0);
        assert_eq!(div_round_half_up(-5, 10), -1);
        assert_eq!(div_round_half_up(-4, 10), 0);
        assert_eq!(div_round_half_up(15, 10), 2);
    }

    #[test]
    fn json_uses_strings() {
        let json = serde_json::to_string(&Money::from_fen(853099)).unwrap();
        assert_eq!(json, "\"8530.99\"");
        assert!(serde_json::from_str::<Money>("8530.99").is_err());
        assert!(serde_json::from_str::<Money>("\"8530.999\"").is_err());
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(fen in any::<i64>()) {
            let money = Money::from_fen(fen);
            prop_assert_eq!(money.to_string().parse::<Money>(), Ok(money));
        }
    }
}
