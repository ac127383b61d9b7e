//! The features Kredit gathers for a fraud decision, by name and type:
//! the schema every shipped or saved scenario is checked against
//! (docs/fraud.md, *Features*). Aggregates (`count(key, window)`,
//! `distinct_borrowers(key, window)`) exist for every key and window.

use crate::expr::{Schema, Type};

/// Where in the lending flow a decision is taken (the `event` feature).
pub const CHECKPOINTS: [&str; 4] = ["application", "disbursement", "repayment", "payee_change"];

pub fn kredit_schema() -> Schema {
    let fields = [
        ("event", Type::Text),
        ("amount", Type::Money),
        ("term_months", Type::Int),
        ("product_code", Type::Text),
        ("applicant_age", Type::Int),
        ("monthly_income", Type::Money),
        ("monthly_income_declared", Type::Bool),
        ("device_present", Type::Bool),
        ("applicant_name", Type::Text),
        ("payee_name", Type::Text),
    ];
    Schema {
        fields: fields
            .into_iter()
            .map(|(name, ty)| (name.to_owned(), ty))
            .collect(),
        models: Default::default(),
    }
}
