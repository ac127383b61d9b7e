//! Shared test data.
#![allow(dead_code)] // each test binary uses its own part

use kredit_scoring::{Dataset, LoadOptions};

pub fn german() -> Dataset {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/german_credit.csv");
    let file = std::fs::File::open(path).expect("the German Credit fixture ships with the crate");
    Dataset::from_csv(file, &LoadOptions::new("creditability", "bad")).expect("the fixture loads")
}

pub fn csv(text: &[u8], target: &str, bad: &str) -> kredit_scoring::Result<Dataset> {
    Dataset::from_csv(text, &LoadOptions::new(target, bad))
}
