//! The inputs of a credit model, from what the platform knows about an
//! application: the request, the applicant's profile and their optional
//! questionnaire.
//!
//! The demo model is trained on German Credit (1994, amounts in Deutsche
//! Mark), so this mapping speaks its vocabulary: category labels as in that
//! data set, and yuan put on its scale by dividing by ten. A model trained
//! on the lender's own data would be fed the lender's own fields; anything
//! the applicant did not say is passed as missing, which every model scores
//! through its missing bin or learned missing direction.

use kredit_core::Money;
use kredit_core::decision::ApplicantProfile;
use kredit_core::product::{OfferRequest, ProductKind};
use kredit_scoring::{Applicant, Value};

use super::Questionnaire;

/// Yuan on the 1994 DM scale of the demo model (demo mapping only).
fn model_units(money: Money) -> f64 {
    money.fen() as f64 / 100.0 / 10.0
}

fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

fn checking_account(answer: &str) -> Value {
    match answer {
        "none" => text("no checking account"),
        "negative" => text("... < 0 DM"),
        "low" => text("0 <= ... < 200 DM"),
        "high" => text("... >= 200 DM / salary assignments for at least 1 year"),
        _ => Value::Missing,
    }
}

fn savings(amount: Money) -> Value {
    let units = model_units(amount);
    text(if units < 100.0 {
        "... < 100 DM"
    } else if units < 500.0 {
        "100 <= ... < 500 DM"
    } else if units < 1000.0 {
        "500 <= ... < 1000 DM"
    } else {
        "... >= 1000 DM"
    })
}

fn employment(years: u32) -> Value {
    text(match years {
        0 => "... < 1 year",
        1..=3 => "1 <= ... < 4 years",
        4..=6 => "4 <= ... < 7 years",
        _ => "... >= 7 years",
    })
}

fn housing(answer: &str) -> Value {
    match answer {
        "own" => text("own"),
        "rent" => text("rent"),
        "free" => text("for free"),
        _ => Value::Missing,
    }
}

fn property(answer: &str) -> Value {
    match answer {
        "real_estate" => text("real estate"),
        "insurance" => text("building society savings agreement/ life insurance"),
        "car" => text("car or other, not in attribute Savings account/bonds"),
        "none" => text("unknown / no property"),
        _ => Value::Missing,
    }
}

/// The platform's own repayment record, in the data set's categories; a
/// newcomer's history is unknown to us, so it is missing (not "no credits
/// taken", which the data set reserves for a specific, risky group).
fn credit_history(profile: &ApplicantProfile) -> Value {
    if profile.worst_dpd_ever > 30 {
        text("delay in paying off in the past")
    } else if profile.loans_repaid > 0 || profile.open_loans > 0 {
        text("existing credits paid back duly till now")
    } else {
        Value::Missing
    }
}

/// The first instalment against monthly income, in the data set's four
/// steps (1: under 20% … 4: 35% or more).
fn installment_rate(first_payment: Money, income: Money) -> Value {
    if !income.is_positive() {
        return Value::Missing;
    }
    let share = first_payment.fen() as f64 / income.fen() as f64;
    Value::Number(if share < 0.20 {
        1.0
    } else if share < 0.25 {
        2.0
    } else if share < 0.35 {
        3.0
    } else {
        4.0
    })
}

pub fn model_inputs(
    profile: &ApplicantProfile,
    request: &OfferRequest,
    purpose: ProductKind,
    first_payment: Money,
    questionnaire: &Questionnaire,
) -> Applicant {
    let mut applicant = Applicant::new()
        .with("duration_in_month", f64::from(request.term_months))
        .with("credit_amount", model_units(request.amount))
        .with("age_in_years", f64::from(profile.age))
        .with("credit_history", credit_history(profile))
        .with(
            "other_installment_plans",
            text(if profile.open_loans > 0 {
                "bank"
            } else {
                "none"
            }),
        )
        .with(
            "purpose",
            text(match purpose {
                ProductKind::Education => "education",
                ProductKind::Medical => "others",
                ProductKind::Consumer => "domestic appliances",
            }),
        );
    let q = questionnaire;
    let optional = [
        (
            "status_of_existing_checking_account",
            q.checking_account.as_deref().map(checking_account),
        ),
        ("savings_account_and_bonds", q.savings.map(savings)),
        (
            "present_employment_since",
            q.employment_years.map(employment),
        ),
        ("housing", q.housing.as_deref().map(housing)),
        ("property", q.property.as_deref().map(property)),
        (
            "installment_rate_in_percentage_of_disposable_income",
            q.monthly_income
                .map(|income| installment_rate(first_payment, income)),
        ),
        (
            "other_debtors_or_guarantors",
            q.has_guarantor
                .map(|g| text(if g { "guarantor" } else { "none" })),
        ),
        (
            "number_of_people_being_liable_to_provide_maintenance_for",
            q.dependants
                .map(|d| Value::Number(f64::from(d.clamp(1, 2)))),
        ),
    ];
    for (feature, value) in optional {
        applicant = applicant.with(feature, value.unwrap_or(Value::Missing));
    }
    applicant
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use kredit_core::schedule::RepaymentMethod;

    fn profile() -> ApplicantProfile {
        ApplicantProfile {
            identity_verified: true,
            age: 30,
            open_loans: 0,
            total_outstanding: Money::ZERO,
            has_overdue: false,
            worst_dpd_ever: 0,
            loans_repaid: 0,
            card_warning: false,
        }
    }

    #[test]
    fn every_label_is_one_the_demo_model_knows() {
        let model = kredit_scoring::demo_model();
        let request = OfferRequest {
            amount: Money::yuan(20_000),
            term_months: 12,
            method: RepaymentMethod::EqualInstallment,
            start_date: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        };
        let questionnaire = Questionnaire {
            checking_account: Some("high".into()),
            credit_history: None,
            employment_years: Some(8),
            housing: Some("own".into()),
            savings: Some(Money::yuan(20_000)),
            monthly_income: Some(Money::yuan(15_000)),
            dependants: Some(1),
            has_guarantor: Some(false),
            property: Some("real_estate".into()),
        };
        let inputs = model_inputs(
            &profile(),
            &request,
            ProductKind::Consumer,
            Money::yuan(1_760),
            &questionnaire,
        );
        for feature in model.features() {
            if let kredit_scoring::encode::FeatureKind::Categorical { levels } = &feature.kind
                && let Some(Value::Text(label)) = inputs.values.get(&feature.name)
            {
                assert!(levels.contains(label), "{}: {label}", feature.name);
            }
        }
        let good = model.score(&inputs);
        let thin = model.score(&model_inputs(
            &profile(),
            &request,
            ProductKind::Consumer,
            Money::yuan(1_760),
            &Questionnaire {
                checking_account: Some("negative".into()),
                savings: Some(Money::ZERO),
                employment_years: Some(0),
                housing: Some("rent".into()),
                ..Questionnaire::default()
            },
        ));
        assert!(good.score > thin.score, "{} vs {}", good.score, thin.score);
    }
}
