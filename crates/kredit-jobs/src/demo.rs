//! The demo product catalogue (`catalogue/demo.toml`): a consumer, an
//! education and a medical loan, and a consumer instalment product priced
//! by a monthly fee.

use kredit_core::product::LoanProduct;

/// The shipped catalogue's text, as `kredit products apply` reads it.
pub const CATALOGUE: &str = include_str!("../../../catalogue/demo.toml");

pub fn products() -> Vec<LoanProduct> {
    kredit_core::catalogue::parse(CATALOGUE).expect("the shipped demo catalogue parses")
}

#[cfg(test)]
mod tests {
    use kredit_core::apr::RateCap;

    #[test]
    fn every_demo_product_is_valid_under_the_default_cap() {
        let products = super::products();
        assert_eq!(products.len(), 4);
        assert_eq!(
            kredit_core::catalogue::check(&products, RateCap::default()),
            vec![]
        );
    }
}
