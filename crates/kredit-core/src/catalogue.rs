//! A product catalogue: the lender's products as one TOML document of
//! `[[product]]` tables (see `catalogue/demo.toml`), checked whole.

use std::collections::HashSet;

use serde::Deserialize;

use crate::apr::RateCap;
use crate::product::LoanProduct;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    product: Vec<LoanProduct>,
}

/// A catalogue that does not parse; the message names the line and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CatalogueError(String);

/// The products of a catalogue, in the file's order.
pub fn parse(text: &str) -> Result<Vec<LoanProduct>, CatalogueError> {
    toml::from_str::<CatalogueFile>(text)
        .map(|file| file.product)
        .map_err(|error| CatalogueError(error.to_string()))
}

/// One problem of a catalogue: the product's code, the field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueProblem {
    pub code: String,
    pub field: &'static str,
    pub message: String,
}

/// Every problem of the catalogue: each product's own (the core's product
/// validation) and codes given twice.
pub fn check(products: &[LoanProduct], cap: RateCap) -> Vec<CatalogueProblem> {
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for product in products {
        if !seen.insert(product.code.as_str()) {
            problems.push(CatalogueProblem {
                code: product.code.clone(),
                field: "code",
                message: format!("product {} is defined twice", product.code),
            });
        }
        problems.extend(
            product
                .validate(cap)
                .into_iter()
                .map(|problem| CatalogueProblem {
                    code: product.code.clone(),
                    field: problem.field,
                    message: problem.message,
                }),
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = include_str!("../../../catalogue/demo.toml");

    fn demo() -> Vec<LoanProduct> {
        parse(DEMO).unwrap()
    }

    #[test]
    fn the_demo_catalogue_is_valid_under_the_default_cap() {
        let products = demo();
        let codes: Vec<&str> = products.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["CONSUMER", "EDUCATION", "MEDICAL", "INSTALMENT"]);
        assert_eq!(check(&products, RateCap::default()), vec![]);
    }

    #[test]
    fn problems_name_the_product_and_the_field() {
        let mut products = demo();
        products[1].code = products[0].code.clone();
        products[2].max_term_months = 0;
        let problems = check(&products, RateCap::default());
        assert!(
            problems
                .iter()
                .any(|p| p.code == "CONSUMER" && p.field == "code")
        );
        assert!(problems.iter().any(|p| p.code == "MEDICAL"), "{problems:?}");
    }

    #[test]
    fn a_misspelt_field_is_refused_with_its_line() {
        let text = DEMO.replacen("grace_days = 3", "grace_dayz = 3", 1);
        let error = parse(&text).unwrap_err().to_string();
        assert!(error.contains("grace_dayz"), "{error}");
        assert!(error.contains("line"), "{error}");
    }
}
