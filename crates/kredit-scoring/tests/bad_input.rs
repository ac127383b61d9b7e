//! Bad input gets a clear error or documented handling, never a panic or a NaN model.

mod common;

use common::csv;
use kredit_scoring::binning::{BinningConfig, bin_feature};
use kredit_scoring::encode::FeatureKind;
use kredit_scoring::{Model, ModelKind, ScoringError, TrainConfig, train};

/// A small data set with signal in `x` and `c`, plus `extra` columns.
fn signal_csv(extra_header: &str, extra: impl Fn(usize) -> String) -> Vec<u8> {
    let mut text = format!("x,c,{extra_header}y\n");
    for i in 0..300 {
        // A scrambled but deterministic draw: the bad rate rises with x.
        let bad = (i * 761) % 1000 < 100 + (i % 50) * 14;
        let category = ["a", "b", "c"][i % 3];
        text += &format!(
            "{},{category},{}{}\n",
            i % 50,
            extra(i),
            if bad { "bad" } else { "good" }
        );
    }
    text.into_bytes()
}

fn trains_finite(text: &[u8]) -> kredit_scoring::Trained {
    let data = csv(text, "y", "bad").unwrap();
    let mut last = None;
    for kind in [ModelKind::Scorecard, ModelKind::Gbm] {
        let trained = train(
            &data,
            &TrainConfig {
                kind,
                ..TrainConfig::default()
            },
        )
        .unwrap();
        assert!(
            trained
                .validation_predictions
                .iter()
                .all(|p| p.pd.is_finite() && p.score.is_finite())
        );
        assert!(Model::load(&trained.model.to_json()).is_ok());
        last = Some(trained);
    }
    last.unwrap()
}

#[test]
fn a_missing_target_column_names_the_columns() {
    let error = csv(b"a,b\n1,2\n", "y", "1").unwrap_err();
    assert!(matches!(error, ScoringError::MissingTargetColumn { .. }));
    assert_eq!(
        error.to_string(),
        "target column 'y' not found (columns: a, b)"
    );
}

#[test]
fn a_target_with_one_class_is_refused() {
    let error = csv(b"a,y\n1,bad\n2,bad\n", "y", "bad").unwrap_err();
    assert!(
        error.to_string().contains("only one class (all bad)"),
        "{error}"
    );
    let error = csv(b"a,y\n1,good\n2,good\n", "y", "bad").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("never takes the bad value 'bad' (values seen: good)"),
        "{error}"
    );
}

#[test]
fn a_missing_target_value_names_its_line() {
    let error = csv(b"a,y\n1,bad\n2,\n", "y", "bad").unwrap_err();
    assert_eq!(
        error.to_string(),
        "line 3: the target 'y' is empty or missing"
    );
}

#[test]
fn ragged_rows_name_their_line() {
    let error = csv(b"a,b,y\n1,2,bad\n3,good\n", "y", "bad").unwrap_err();
    assert_eq!(
        error.to_string(),
        "line 3: expected 3 fields like the header, found 2"
    );
}

#[test]
fn non_utf8_bytes_name_line_and_column() {
    let error = csv(b"a,b,y\n1,2,bad\n3,\xff\xfe,good\n", "y", "bad").unwrap_err();
    assert_eq!(error.to_string(), "line 3: not valid UTF-8 in column 'b'");
}

#[test]
fn an_empty_file_is_refused() {
    assert!(matches!(csv(b"", "y", "bad"), Err(ScoringError::NoHeader)));
    assert!(matches!(
        csv(b"a,y\n", "y", "bad"),
        Err(ScoringError::NoRows)
    ));
}

#[test]
fn constant_and_all_missing_columns_are_dropped_with_a_reason() {
    let text = signal_csv("constant,empty,", |_| "7,NA,".to_string());
    let trained = trains_finite(&text);
    let dropped = &trained.model.artefact().training.dropped;
    let reason = |name: &str| {
        dropped
            .iter()
            .find(|d| d.feature == name)
            .map(|d| d.reason.as_str())
    };
    assert_eq!(reason("constant"), Some("constant"));
    assert_eq!(reason("empty"), Some("all values missing"));
}

#[test]
fn missing_values_and_special_codes_are_binned_apart() {
    let text = signal_csv("m,", |i| match i {
        _ if i % 7 == 0 => "NA,".into(),
        _ if i % 11 == 0 => "-1,".into(),
        _ => format!("{},", i % 13),
    });
    trains_finite(&text);
    let data = csv(&text, "y", "bad").unwrap();
    let kredit_scoring::data::Column::Numeric(m) = &data.feature("m").unwrap().column else {
        panic!("numeric")
    };
    let binning = bin_feature(
        m,
        &FeatureKind::Numeric,
        &[-1.0],
        &data.bad,
        &BinningConfig::default(),
    );
    let labels: Vec<&str> = binning.bins.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels[labels.len() - 2..], ["special: -1", "missing"]);
    assert_eq!(binning.bin_of(-1.0), labels.len() - 2);
    assert_eq!(
        binning.bins[labels.len() - 1].goods + binning.bins[labels.len() - 1].bads,
        43
    );
}

#[test]
fn a_data_set_without_signal_is_refused_not_fitted_to_noise() {
    let mut text = String::from("x,y\n");
    for i in 0..100 {
        text += &format!("5,{}\n", if i % 2 == 0 { "bad" } else { "good" });
    }
    let data = csv(text.as_bytes(), "y", "bad").unwrap();
    let error = train(&data, &TrainConfig::default()).unwrap_err();
    assert!(matches!(error, ScoringError::NoUsableFeature(_)), "{error}");
}

#[test]
fn too_few_rows_for_a_validation_split_is_refused() {
    let data = csv(b"x,y\n1,bad\n2,good\n3,good\n", "y", "bad").unwrap();
    let error = train(&data, &TrainConfig::default()).unwrap_err();
    assert!(error.to_string().contains("validation set"), "{error}");
}

#[test]
fn evaluation_data_without_a_model_feature_is_refused() {
    let model = trains_finite(&signal_csv("", |_| String::new())).model;
    let other = csv(b"c,y\na,bad\nb,good\n", "y", "bad").unwrap();
    let error = kredit_scoring::evaluate(&model, &other, None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "column 'x' is required by the model but missing from the data"
    );
}

#[test]
fn malformed_or_tampered_artefacts_are_refused() {
    let model = trains_finite(&signal_csv("", |_| String::new())).model;
    let json = model.to_json();
    assert!(Model::load(&json[..json.len() / 2]).is_err());
    assert!(Model::load("{}").is_err());
    // Point a tree at a node that does not exist.
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let nodes = value["model"]["trees"][0]["nodes"].as_array_mut().unwrap();
    let split = nodes.iter_mut().find(|n| n["node"] == "split").unwrap();
    split["left"] = 10_000.into();
    let error = Model::load(&value.to_string()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("invalid model artefact: tree 0"),
        "{error}"
    );
}
