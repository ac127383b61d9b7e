//! The portfolio as risk officers see it: what is outstanding, by
//! delinquency bucket and regulatory classification, what was disbursed
//! lately, how applications were decided, what was written off.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use kredit_core::application::ApplicationStatus;
use kredit_core::delinquency::Bucket;
use kredit_core::loan::LoanStatus;
use kredit_core::{Money, Rate};
use serde::Serialize;

use crate::{App, AppResult};

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize)]
pub struct Group {
    /// The bucket (`M0`…`M7+`) or classification (`normal`…`loss`).
    pub key: String,
    pub loans: i64,
    pub outstanding: Money,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize)]
pub struct DailyDisbursement {
    pub date: NaiveDate,
    pub loans: i64,
    pub amount: Money,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize)]
pub struct ApplicationStats {
    pub total: i64,
    /// Applications per status (`approved`, `accepted`, `declined`, `referred`, …).
    pub by_status: BTreeMap<String, i64>,
    /// Approved (and accepted) over decided.
    pub approval_rate: Rate,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize)]
pub struct Portfolio {
    pub business_date: NaiveDate,
    pub loans_active: i64,
    pub outstanding_principal: Money,
    pub disbursed_by_day: Vec<DailyDisbursement>,
    pub applications: ApplicationStats,
    pub buckets: Vec<Group>,
    pub classification: Vec<Group>,
    /// Principal written off over principal ever disbursed.
    pub bad_debt_rate: Rate,
}

fn ratio(numerator: i64, denominator: i64) -> Rate {
    if denominator <= 0 {
        return Rate::ZERO;
    }
    Rate::ONE.scale(numerator, denominator)
}

/// The portfolio on the business date.
pub async fn summary(app: &App) -> AppResult<Portfolio> {
    let store = app.repository.lending();
    let today = app.business_date().await?;
    let groups = store.active_dpd_groups().await?;
    let mut buckets: BTreeMap<Bucket, (i64, i64)> =
        Bucket::ALL.iter().map(|b| (*b, (0, 0))).collect();
    let mut classes: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for group in &groups {
        let dpd = u32::try_from(group.dpd).unwrap_or(0);
        for slot in [
            buckets.entry(Bucket::from_dpd(dpd)).or_default(),
            classes
                .entry(app.lending.thresholds.classify(dpd).as_str())
                .or_default(),
        ] {
            slot.0 += group.loans;
            slot.1 += group.outstanding_fen;
        }
    }
    let group = |key: &str, (loans, fen): (i64, i64)| Group {
        key: key.to_owned(),
        loans,
        outstanding: Money::from_fen(fen),
    };
    let counts = store.loan_counts().await?;
    let count_of = |status: LoanStatus| counts.iter().find(|c| c.status == status.as_str());
    let disbursed_fen: i64 = counts
        .iter()
        .filter(|c| {
            c.status != LoanStatus::PendingDisbursement.as_str()
                && c.status != LoanStatus::DisbursementFailed.as_str()
        })
        .map(|c| c.amount_fen)
        .sum();
    let by_status: BTreeMap<String, i64> = store
        .application_counts()
        .await?
        .into_iter()
        .map(|c| (c.status, c.count))
        .collect();
    let of = |status: ApplicationStatus| by_status.get(status.as_str()).copied().unwrap_or(0);
    let approved = of(ApplicationStatus::Approved) + of(ApplicationStatus::Accepted);
    let decided = approved + of(ApplicationStatus::Declined);
    let since = today.checked_sub_days(Days::new(30)).unwrap_or(today);
    Ok(Portfolio {
        business_date: today,
        loans_active: count_of(LoanStatus::Active).map_or(0, |c| c.count),
        outstanding_principal: Money::from_fen(groups.iter().map(|g| g.outstanding_fen).sum()),
        disbursed_by_day: store
            .disbursed_by_day(since)
            .await?
            .into_iter()
            .map(|d| DailyDisbursement {
                date: d.entry_date,
                loans: d.loans,
                amount: Money::from_fen(d.amount_fen),
            })
            .collect(),
        applications: ApplicationStats {
            total: by_status.values().sum(),
            approval_rate: ratio(approved, decided),
            by_status,
        },
        buckets: buckets
            .into_iter()
            .map(|(b, v)| group(b.label(), v))
            .collect(),
        classification: classes.into_iter().map(|(k, v)| group(k, v)).collect(),
        bad_debt_rate: ratio(
            count_of(LoanStatus::WrittenOff).map_or(0, |c| c.amount_fen),
            disbursed_fen,
        ),
    })
}
