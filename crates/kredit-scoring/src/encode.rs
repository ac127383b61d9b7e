//! The model's view of an application: one `f64` per input feature, in the
//! model's feature order. Numeric features carry their value; categorical
//! features carry the index of their level in [`FeatureKind::Categorical`].
//! `NaN` means missing. Unknown categories, and text that is not a number in
//! a numeric feature, are encoded as missing: they score like a missing
//! value (documented handling, never an error at scoring time).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::data::{Column, Dataset, MISSING_CODE};
use crate::error::{Result, ScoringError};

/// A model input.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FeatureSpec {
    pub name: String,
    #[serde(flatten)]
    pub kind: FeatureKind,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FeatureKind {
    Numeric,
    /// The levels seen in training; a level's code is its index here.
    Categorical {
        levels: Vec<String>,
    },
}

/// Row-major values of encoded rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub cols: usize,
    pub values: Vec<f64>,
}

impl Matrix {
    pub fn rows(&self) -> usize {
        self.values.len().checked_div(self.cols).unwrap_or(0)
    }

    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.cols..(i + 1) * self.cols]
    }

    pub fn column(&self, j: usize) -> Vec<f64> {
        self.values
            .iter()
            .skip(j)
            .step_by(self.cols)
            .copied()
            .collect()
    }
}

/// One spec per dataset feature. Categorical levels are those present in
/// `data` (the training rows), so a level seen only elsewhere is unknown.
pub fn specs_from(data: &Dataset) -> Vec<FeatureSpec> {
    data.features
        .iter()
        .map(|feature| {
            let kind = match &feature.column {
                Column::Numeric(_) => FeatureKind::Numeric,
                Column::Categorical { codes, levels } => {
                    let mut seen = vec![false; levels.len()];
                    for &code in codes.iter().filter(|&&c| c != MISSING_CODE) {
                        seen[code as usize] = true;
                    }
                    FeatureKind::Categorical {
                        levels: levels
                            .iter()
                            .zip(seen)
                            .filter(|(_, s)| *s)
                            .map(|(l, _)| l.clone())
                            .collect(),
                    }
                }
            };
            FeatureSpec {
                name: feature.name.clone(),
                kind,
            }
        })
        .collect()
}

/// Turns text and numbers into the encoded value of one feature.
#[derive(Debug, Clone)]
pub(crate) enum FeatureEncoder {
    Numeric,
    Categorical { codes: HashMap<String, u32> },
}

impl FeatureEncoder {
    pub(crate) fn new(spec: &FeatureSpec) -> Self {
        match &spec.kind {
            FeatureKind::Numeric => FeatureEncoder::Numeric,
            FeatureKind::Categorical { levels } => FeatureEncoder::Categorical {
                codes: levels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (l.clone(), i as u32))
                    .collect(),
            },
        }
    }

    fn text(&self, text: &str) -> f64 {
        match self {
            FeatureEncoder::Numeric => text
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .unwrap_or(f64::NAN),
            FeatureEncoder::Categorical { codes } => {
                codes.get(text.trim()).map_or(f64::NAN, |&c| f64::from(c))
            }
        }
    }

    fn number(&self, x: f64) -> f64 {
        match self {
            FeatureEncoder::Numeric => {
                if x.is_finite() {
                    x
                } else {
                    f64::NAN
                }
            }
            // Level names of number-like categories are their text ("1", "2.5").
            FeatureEncoder::Categorical { .. } => self.text(&format!("{x}")),
        }
    }

    pub(crate) fn value(&self, value: Option<&Value>) -> f64 {
        match value {
            None | Some(Value::Missing) => f64::NAN,
            Some(Value::Number(x)) => self.number(*x),
            Some(Value::Text(text)) => self.text(text),
        }
    }
}

/// Encodes every row of `data` for features `specs`.
pub fn encode_dataset(specs: &[FeatureSpec], data: &Dataset) -> Result<Matrix> {
    let rows = data.rows();
    let cols = specs.len();
    let mut values = vec![f64::NAN; rows * cols];
    for (j, spec) in specs.iter().enumerate() {
        let feature = data
            .feature(&spec.name)
            .ok_or_else(|| ScoringError::MissingFeatureColumn(spec.name.clone()))?;
        let encoder = FeatureEncoder::new(spec);
        match &feature.column {
            Column::Numeric(xs) => {
                for (i, &x) in xs.iter().enumerate() {
                    values[i * cols + j] = if x.is_nan() {
                        f64::NAN
                    } else {
                        encoder.number(x)
                    };
                }
            }
            Column::Categorical { codes, levels } => {
                // Map each level of the data once, not once per row.
                let mapped: Vec<f64> = levels.iter().map(|l| encoder.text(l)).collect();
                for (i, &code) in codes.iter().enumerate() {
                    values[i * cols + j] = mapped.get(code as usize).copied().unwrap_or(f64::NAN);
                }
            }
        }
    }
    Ok(Matrix { cols, values })
}

/// One feature value of an application.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Text(String),
    Missing,
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Number(x)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::Text(text.to_string())
    }
}

/// An application to score: feature name → value. Features the model does
/// not use are ignored; features it uses but the application lacks are missing.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(transparent)]
pub struct Applicant {
    pub values: HashMap<String, Value>,
}

impl Applicant {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, feature: impl Into<String>, value: impl Into<Value>) -> Self {
        self.values.insert(feature.into(), value.into());
        self
    }
}
