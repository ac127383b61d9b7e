//! Large-value transaction reporting (docs/aml.md), pure: the People's
//! Bank of China thresholds (金融机构大额交易和可疑交易报告管理办法, PBoC
//! Order [2016] No. 3, article 5), same-day accumulation and the report's
//! due date in working days.
//!
//! A customer's transactions of one kind on one day are added up; the
//! transaction that brings the day's total to the threshold or above
//! (inclusive) triggers one report for that customer, day and kind, which
//! is due within five working days of the day.

use chrono::NaiveDate;
use kredit_core::data_rights::WorkingCalendar;
use serde::{Deserialize, Serialize};

/// Working days a report has, from the day of the transactions.
pub const REPORT_WORKING_DAYS: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    /// A natural person (自然人).
    Individual,
    /// A company or other organisation (非自然人).
    NonIndividual,
}

/// How the money moved: the article's kinds of transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Cash paid in or out, by anyone.
    Cash,
    /// An account transfer within China.
    DomesticTransfer,
    /// An account transfer across the border.
    CrossBorderTransfer,
}

impl Channel {
    pub const ALL: [Channel; 3] = [
        Channel::Cash,
        Channel::DomesticTransfer,
        Channel::CrossBorderTransfer,
    ];

    /// The one string, in JSON, SQL and the export.
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Cash => "cash",
            Channel::DomesticTransfer => "domestic_transfer",
            Channel::CrossBorderTransfer => "cross_border_transfer",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

impl CustomerKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            CustomerKind::Individual => "individual",
            CustomerKind::NonIndividual => "non_individual",
        }
    }
}

/// The threshold in fen, reached at or above: cash ≥ 50,000.00 CNY for
/// anyone; an individual's domestic transfers ≥ 500,000.00 and
/// cross-border ≥ 200,000.00; a non-individual's transfers ≥
/// 2,000,000.00.
pub const fn threshold_fen(kind: CustomerKind, channel: Channel) -> i64 {
    match (kind, channel) {
        (_, Channel::Cash) => 5_000_000,
        (CustomerKind::Individual, Channel::DomesticTransfer) => 50_000_000,
        (CustomerKind::Individual, Channel::CrossBorderTransfer) => 20_000_000,
        (CustomerKind::NonIndividual, _) => 200_000_000,
    }
}

/// What adding one transaction to a day's total means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accumulated {
    /// The day's total with this transaction, in fen.
    pub total_fen: i64,
    /// Whether this transaction brought the total to the threshold: the
    /// day's report is created now (once; later ones the same day join
    /// the report already made).
    pub triggers_report: bool,
}

/// Adds a transaction of `amount_fen` to a same-day total of `before_fen`.
/// A negative amount is not a transaction and is refused by the caller.
pub fn accumulate(
    kind: CustomerKind,
    channel: Channel,
    before_fen: i64,
    amount_fen: i64,
) -> Accumulated {
    let threshold = threshold_fen(kind, channel);
    let total_fen = before_fen.saturating_add(amount_fen);
    Accumulated {
        total_fen,
        triggers_report: before_fen < threshold && total_fen >= threshold,
    }
}

/// The day a large-value report is due: the fifth working day after the
/// day of the transactions (that day not counted). `None` past chrono's
/// range.
pub fn report_due(calendar: &WorkingCalendar, day: NaiveDate) -> Option<NaiveDate> {
    calendar.deadline(day, REPORT_WORKING_DAYS)
}
