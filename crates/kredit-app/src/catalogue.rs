//! Products as configuration: `kredit products apply catalogue.toml`.
//!
//! A catalogue is checked whole by the core before anything is written: one
//! invalid product, or a code given twice, and nothing changes. Each
//! product whose definition differs from the stored one is saved as a new
//! version with an audit entry (`product.apply`); products the file does
//! not name are left as they are (loans refer to them).

use std::collections::HashSet;

use kredit_core::apr::RateCap;
use kredit_core::product::LoanProduct;
use kredit_store::Repository;
use serde_json::json;

use crate::audit::Audit;
use crate::{AppError, AppResult, FieldProblem};

/// Parses a catalogue (TOML, `[[product]]` tables).
pub fn parse(text: &str) -> AppResult<Vec<LoanProduct>> {
    kredit_core::catalogue::parse(text)
        .map_err(|error| AppError::field("catalogue", "unreadable", error.to_string()))
}

/// What applying a catalogue did, by product code.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    pub created: Vec<String>,
    /// Saved as a new version: (code, version).
    pub updated: Vec<(String, i64)>,
    pub unchanged: Vec<String>,
    /// Stored products the catalogue does not name (kept).
    pub not_in_catalogue: Vec<String>,
}

/// Checks the whole catalogue, then stores each new or changed product
/// with its audit entry. `actor` is the staff member applying it, `None`
/// for the command line.
pub async fn apply(
    repository: &dyn Repository,
    products: &[LoanProduct],
    cap: RateCap,
    actor: Option<kredit_store::UserId>,
) -> AppResult<Applied> {
    let problems: Vec<FieldProblem> = kredit_core::catalogue::check(products, cap)
        .into_iter()
        .map(|problem| FieldProblem {
            field: format!("{}.{}", problem.code, problem.field),
            code: "invalid_product".to_owned(),
            message: problem.message,
        })
        .collect();
    if !problems.is_empty() {
        return Err(AppError::Validation {
            detail: format!("the catalogue has {} problem(s)", problems.len()),
            errors: problems,
        });
    }
    let store = repository.lending();
    let mut applied = Applied::default();
    for product in products {
        let stored = store.product(&product.code).await?;
        let before = match &stored {
            Some(record) => Some(
                serde_json::from_str::<LoanProduct>(&record.definition)
                    .map_err(AppError::internal)?,
            ),
            None => None,
        };
        if before.as_ref() == Some(product) {
            applied.unchanged.push(product.code.clone());
            continue;
        }
        let definition = serde_json::to_string(product).map_err(AppError::internal)?;
        let audit = Audit {
            actor,
            action: "product.apply",
            entity_type: "product",
            entity_id: Some(product.code.clone()),
        }
        .entry(before.map(|p| json!(p)), Some(json!(product)));
        let version = store
            .save_product(&product.code, &definition, Some(audit))
            .await?;
        if stored.is_some() {
            applied.updated.push((product.code.clone(), version));
        } else {
            applied.created.push(product.code.clone());
        }
    }
    let named: HashSet<&str> = products.iter().map(|p| p.code.as_str()).collect();
    applied.not_in_catalogue = store
        .products()
        .await?
        .into_iter()
        .map(|record| record.code)
        .filter(|code| !named.contains(code.as_str()))
        .collect();
    Ok(applied)
}

/// Every stored product with its version.
pub async fn products(repository: &dyn Repository) -> AppResult<Vec<(LoanProduct, i64)>> {
    repository
        .lending()
        .products()
        .await?
        .into_iter()
        .map(|record| {
            serde_json::from_str(&record.definition)
                .map(|product| (product, record.version))
                .map_err(AppError::internal)
        })
        .collect()
}

/// The stored product with this code.
pub async fn product(repository: &dyn Repository, code: &str) -> AppResult<Option<LoanProduct>> {
    match repository.lending().product(code).await? {
        Some(record) => serde_json::from_str(&record.definition)
            .map(Some)
            .map_err(AppError::internal),
        None => Ok(None),
    }
}
