//! Rates as exact decimals: an integer count of 10⁻¹⁰ units, so `0.0435`,
//! `0.0005` (a daily rate) and `0.06525` (1.5 × 4.35%) are all exact and
//! `balance × rate` can be computed exactly in 128-bit integers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::money::{Money, MoneyError, div_round_half_up};

/// Number of decimal places a [`Rate`] keeps.
pub const RATE_DECIMALS: u32 = 10;
/// Units per 1.0 (100%).
pub const RATE_SCALE: i64 = 10_i64.pow(RATE_DECIMALS);

/// A rate as a decimal fraction: `Rate::parse("0.0435")` is 4.35%.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rate(i64);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    #[error(
        "'{0}' is not a rate: write a decimal fraction with at most 10 places, e.g. 0.0435 for 4.35%"
    )]
    Malformed(String),
    #[error("rate overflows the representable range")]
    Overflow,
}

impl Rate {
    pub const ZERO: Rate = Rate(0);
    pub const ONE: Rate = Rate(RATE_SCALE);

    /// A rate from its 10⁻¹⁰ units.
    pub const fn from_units(units: i64) -> Rate {
        Rate(units)
    }

    /// A rate from basis points (1 bp = 0.0001), for constants and tests.
    pub const fn from_bps(bps: i64) -> Rate {
        Rate(bps * (RATE_SCALE / 10_000))
    }

    pub const fn units(self) -> i64 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// `self × numerator / denominator`, rounded half-up to a 10⁻¹⁰ unit.
    pub fn scale(self, numerator: i64, denominator: i64) -> Rate {
        Rate(div_round_half_up(self.0 as i128 * numerator as i128, denominator as i128) as i64)
    }

    pub fn checked_add(self, other: Rate) -> Result<Rate, RateError> {
        self.0
            .checked_add(other.0)
            .map(Rate)
            .ok_or(RateError::Overflow)
    }

    /// `amount × self`, rounded half-up to the fen.
    pub fn apply(self, amount: Money) -> Result<Money, MoneyError> {
        amount.mul_div_round(self.0 as i128, RATE_SCALE as i128)
    }

    /// `amount × self × numerator / denominator`, rounded half-up to the fen,
    /// exact: e.g. a monthly interest `balance × annual / 12`.
    pub fn apply_fraction(
        self,
        amount: Money,
        numerator: i64,
        denominator: i64,
    ) -> Result<Money, MoneyError> {
        let numerator = (self.0 as i128)
            .checked_mul(numerator as i128)
            .ok_or(MoneyError::Overflow)?;
        amount.mul_div_round(numerator, RATE_SCALE as i128 * denominator as i128)
    }

    /// The rate written with exactly `places` decimals (rounded half-up).
    pub fn format_fixed(self, places: u32) -> String {
        let places = places.min(RATE_DECIMALS);
        let divisor = 10_i128.pow(RATE_DECIMALS - places);
        let scaled = div_round_half_up(self.0 as i128, divisor);
        let unit = 10_i128.pow(places);
        let sign = if scaled < 0 { "-" } else { "" };
        let magnitude = scaled.unsigned_abs();
        if places == 0 {
            return format!("{sign}{magnitude}");
        }
        format!(
            "{sign}{}.{:0width$}",
            magnitude / unit as u128,
            magnitude % unit as u128,
            width = places as usize
        )
    }

    /// The rate as a percentage with `places` decimals: `0.0435` → `4.35`.
    pub fn percent(self, places: u32) -> String {
        Rate(self.0.saturating_mul(100)).format_fixed(places)
    }

    /// The rate as a `rust_decimal::Decimal`, for the few computations that
    /// need powers (the annuity factor).
    pub fn to_decimal(self) -> rust_decimal::Decimal {
        rust_decimal::Decimal::from_i128_with_scale(self.0 as i128, RATE_DECIMALS)
    }
}

impl fmt::Display for Rate {
    /// Shortest exact form, at least two decimals: `0.0435`, `0.24`, `1.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let full = self.format_fixed(RATE_DECIMALS);
        let (whole, fraction) = full.split_once('.').expect("ten places");
        let trimmed = fraction.trim_end_matches('0');
        let fraction = if trimmed.len() < 2 {
            &fraction[..2]
        } else {
            trimmed
        };
        f.pad(&format!("{whole}.{fraction}"))
    }
}

impl FromStr for Rate {
    type Err = RateError;

    fn from_str(text: &str) -> Result<Rate, RateError> {
        let malformed = || RateError::Malformed(text.to_owned());
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || fraction.len() > RATE_DECIMALS as usize
            || (digits.contains('.') && fraction.is_empty())
        {
            return Err(malformed());
        }
        let whole: i64 = whole.parse().map_err(|_| RateError::Overflow)?;
        let fraction_units: i64 = if fraction.is_empty() {
            0
        } else {
            let padded = format!("{fraction:0<width$}", width = RATE_DECIMALS as usize);
            padded.parse().map_err(|_| malformed())?
        };
        let units = whole
            .checked_mul(RATE_SCALE)
            .and_then(|u| u.checked_add(fraction_units))
            .ok_or(RateError::Overflow)?;
        Ok(Rate(if negative { -units } else { units }))
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Rate, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// In OpenAPI: an exact decimal fraction as a string (0.0435 is 4.35%).
#[cfg(feature = "utoipa")]
impl utoipa::PartialSchema for Rate {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^-?[0-9]+(\.[0-9]{1,10})?$"))
            .description(Some(
                "A rate as an exact decimal fraction, up to ten places: 0.0435 is 4.35%.",
            ))
            .examples(["0.0435"])
            .into()
    }
}

#[cfg(feature = "utoipa")]
impl utoipa::ToSchema for Rate {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_exactly() {
        assert_eq!("0.0435".parse(), Ok(Rate::from_bps(435)));
        assert_eq!("0.24".parse(), Ok(Rate::from_bps(2400)));
        assert_eq!("1".parse(), Ok(Rate::ONE));
        assert_eq!("0.0000000001".parse(), Ok(Rate::from_units(1)));
        for bad in ["", "0.00000000001", "4.35%", "1e-2", ".5", "0.", "x"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn displays_shortest_exact_form() {
        assert_eq!(Rate::from_bps(435).to_string(), "0.0435");
        assert_eq!(Rate::from_bps(2400).to_string(), "0.24");
        assert_eq!(Rate::ONE.to_string(), "1.00");
        assert_eq!(Rate::from_bps(435).format_fixed(6), "0.043500");
        assert_eq!(Rate::from_units(4_437_799_999).format_fixed(6), "0.443780");
    }

    #[test]
    fn monthly_interest_is_exact() {
        // 100,000.00 × 4.35% / 12 = 362.50 exactly.
        let interest = Rate::from_bps(435)
            .apply_fraction(Money::yuan(100_000), 1, 12)
            .unwrap();
        assert_eq!(interest, Money::from_fen(36_250));
        // 1.00 × 0.5% rounds half-up to 0.01.
        assert_eq!(
            Rate::from_bps(50).apply(Money::from_fen(100)).unwrap(),
            Money::from_fen(1)
        );
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(units in -10_i64.pow(15)..10_i64.pow(15)) {
            let rate = Rate::from_units(units);
            prop_assert_eq!(rate.to_string().parse::<Rate>(), Ok(rate));
        }
    }
}
