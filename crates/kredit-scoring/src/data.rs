//! Loading a labelled CSV into typed columns.
//!
//! Every column except the target becomes either numeric (all non-missing
//! values parse as finite numbers) or categorical (anything else, or forced
//! with [`LoadOptions::categorical`]). Missing values are the tokens in
//! [`LoadOptions::missing_tokens`] ("", "NA", "N/A", "NaN", "null", "?" by
//! default): `NaN` in numeric columns, [`MISSING_CODE`] in categorical ones.

use std::collections::HashMap;
use std::io::Read;

use crate::error::{Result, ScoringError};

/// The code of a missing value in a categorical column.
pub const MISSING_CODE: u32 = u32::MAX;

/// How to read a labelled CSV.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The target column.
    pub target: String,
    /// The target value that means "bad" (defaulted); every other value is good.
    pub bad_value: String,
    /// Cell values (after trimming) that mean "missing".
    pub missing_tokens: Vec<String>,
    /// Columns read as categorical even if every value is a number (codes).
    pub categorical: Vec<String>,
    /// Columns not loaded at all (identifiers, leaks).
    pub exclude: Vec<String>,
}

impl LoadOptions {
    pub fn new(target: impl Into<String>, bad_value: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            bad_value: bad_value.into(),
            missing_tokens: ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"]
                .map(String::from)
                .to_vec(),
            categorical: Vec::new(),
            exclude: Vec::new(),
        }
    }
}

/// The values of one feature column.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// `NaN` marks a missing value.
    Numeric(Vec<f64>),
    /// `codes[i]` indexes `levels`; [`MISSING_CODE`] marks a missing value.
    Categorical {
        codes: Vec<u32>,
        levels: Vec<String>,
    },
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Numeric(values) => values.len(),
            Column::Categorical { codes, .. } => codes.len(),
        }
    }

    fn subset(&self, rows: &[usize]) -> Column {
        match self {
            Column::Numeric(values) => Column::Numeric(rows.iter().map(|&r| values[r]).collect()),
            Column::Categorical { codes, levels } => Column::Categorical {
                codes: rows.iter().map(|&r| codes[r]).collect(),
                levels: levels.clone(),
            },
        }
    }
}

/// A named feature column.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    pub name: String,
    pub column: Column,
}

/// Feature columns plus a binary target (`true` = bad).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub target_name: String,
    pub bad_value: String,
    pub features: Vec<Feature>,
    pub bad: Vec<bool>,
}

impl Dataset {
    /// Reads a CSV with a header row. Errors name the line and column.
    pub fn from_csv(reader: impl Read, options: &LoadOptions) -> Result<Dataset> {
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true) // ragged rows are reported by us, with their line
            .from_reader(reader);
        let headers = csv
            .byte_headers()
            .map_err(|e| ScoringError::Csv(e.to_string()))?
            .clone();
        if headers.is_empty() {
            return Err(ScoringError::NoHeader);
        }
        let names = headers
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                std::str::from_utf8(raw)
                    .map(|s| s.trim().to_string())
                    .map_err(|_| ScoringError::NotUtf8 {
                        line: 1,
                        column: format!("#{}", i + 1),
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err(ScoringError::DuplicateColumn(name.clone()));
            }
        }
        let target_index = names
            .iter()
            .position(|n| *n == options.target)
            .ok_or_else(|| ScoringError::MissingTargetColumn {
                target: options.target.clone(),
                available: names.join(", "),
            })?;

        let mut builders: Vec<ColumnBuilder> =
            names.iter().map(|_| ColumnBuilder::default()).collect();
        let mut bad = Vec::new();
        let mut record = csv::ByteRecord::new();
        loop {
            match csv.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => return Err(ScoringError::Csv(e.to_string())),
            }
            let line = record.position().map_or(0, |p| p.line());
            if record.len() != names.len() {
                return Err(ScoringError::RaggedRow {
                    line,
                    expected: names.len(),
                    found: record.len(),
                });
            }
            for (i, raw) in record.iter().enumerate() {
                let text = std::str::from_utf8(raw)
                    .map_err(|_| ScoringError::NotUtf8 {
                        line,
                        column: names[i].clone(),
                    })?
                    .trim();
                let missing = options.missing_tokens.iter().any(|t| t == text);
                if i == target_index {
                    if missing {
                        return Err(ScoringError::MissingTargetValue {
                            line,
                            target: options.target.clone(),
                        });
                    }
                    bad.push(text == options.bad_value);
                    builders[i].push(Some(text));
                } else {
                    builders[i].push((!missing).then_some(text));
                }
            }
        }
        if bad.is_empty() {
            return Err(ScoringError::NoRows);
        }
        if !bad.iter().any(|&b| b) {
            let mut seen = builders[target_index].levels.clone();
            seen.sort();
            return Err(ScoringError::BadValueNotFound {
                target: options.target.clone(),
                bad: options.bad_value.clone(),
                seen: seen.join(", "),
            });
        }
        let features = names
            .iter()
            .zip(builders)
            .enumerate()
            .filter(|(i, (name, _))| *i != target_index && !options.exclude.contains(name))
            .map(|(_, (name, builder))| Feature {
                name: name.clone(),
                column: builder.finish(options.categorical.contains(name)),
            })
            .collect();
        let dataset = Dataset {
            target_name: options.target.clone(),
            bad_value: options.bad_value.clone(),
            features,
            bad,
        };
        dataset.require_both_classes()?;
        Ok(dataset)
    }

    pub fn rows(&self) -> usize {
        self.bad.len()
    }

    pub fn bads(&self) -> usize {
        self.bad.iter().filter(|&&b| b).count()
    }

    /// A model needs at least one good and one bad to learn or be measured.
    pub fn require_both_classes(&self) -> Result<()> {
        let bads = self.bads();
        let class = if bads == 0 {
            "all good"
        } else if bads == self.rows() {
            "all bad"
        } else {
            return Ok(());
        };
        Err(ScoringError::OneClass {
            target: self.target_name.clone(),
            class,
        })
    }

    /// The rows at `rows`, in that order.
    pub fn subset(&self, rows: &[usize]) -> Dataset {
        debug_assert!(self.features.iter().all(|f| f.column.len() == self.rows()));
        Dataset {
            target_name: self.target_name.clone(),
            bad_value: self.bad_value.clone(),
            features: self
                .features
                .iter()
                .map(|f| Feature {
                    name: f.name.clone(),
                    column: f.column.subset(rows),
                })
                .collect(),
            bad: rows.iter().map(|&r| self.bad[r]).collect(),
        }
    }

    pub fn feature(&self, name: &str) -> Option<&Feature> {
        self.features.iter().find(|f| f.name == name)
    }
}

/// Interns a column's text values while reading, deciding the type at the end.
#[derive(Default)]
struct ColumnBuilder {
    codes: Vec<u32>,
    levels: Vec<String>,
    index: HashMap<String, u32>,
}

impl ColumnBuilder {
    fn push(&mut self, value: Option<&str>) {
        let code = match value {
            None => MISSING_CODE,
            Some(text) => match self.index.get(text) {
                Some(&code) => code,
                None => {
                    let code = self.levels.len() as u32;
                    self.levels.push(text.to_string());
                    self.index.insert(text.to_string(), code);
                    code
                }
            },
        };
        self.codes.push(code);
    }

    fn finish(self, force_categorical: bool) -> Column {
        let numbers: Option<Vec<f64>> = if force_categorical {
            None
        } else {
            self.levels
                .iter()
                .map(|l| l.parse::<f64>().ok().filter(|v| v.is_finite()))
                .collect()
        };
        match numbers {
            Some(numbers) => Column::Numeric(
                self.codes
                    .iter()
                    .map(|&c| {
                        if c == MISSING_CODE {
                            f64::NAN
                        } else {
                            numbers[c as usize]
                        }
                    })
                    .collect(),
            ),
            None => Column::Categorical {
                codes: self.codes,
                levels: self.levels,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, options: &LoadOptions) -> Dataset {
        Dataset::from_csv(text.as_bytes(), options).unwrap()
    }

    #[test]
    fn infers_types_and_reads_missing_tokens() {
        let text = "\u{feff}age,city,code,id,y\n30,\"Shanghai, PD\",1,a1,bad\nNA,,2,a2,good\n41,Beijing,?,a3,good\n";
        let options = LoadOptions {
            categorical: vec!["code".into()],
            exclude: vec!["id".into()],
            ..LoadOptions::new("y", "bad")
        };
        let data = load(text, &options);
        let names: Vec<&str> = data.features.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["age", "city", "code"],
            "a BOM does not stick to the first name; id is excluded"
        );
        let Column::Numeric(age) = &data.features[0].column else {
            panic!("age is numeric")
        };
        assert_eq!(age[0], 30.0);
        assert!(age[1].is_nan());
        let Column::Categorical { codes, levels } = &data.features[1].column else {
            panic!("city is text")
        };
        assert_eq!(levels, &["Shanghai, PD", "Beijing"]);
        assert_eq!(codes, &[0, MISSING_CODE, 1]);
        assert!(
            matches!(data.features[2].column, Column::Categorical { .. }),
            "forced categorical"
        );
        assert_eq!(data.bad, [true, false, false]);
    }

    #[test]
    fn subsets_keep_levels_and_order() {
        let data = load(
            "c,y\nx,bad\ny,good\nx,good\n",
            &LoadOptions::new("y", "bad"),
        );
        let part = data.subset(&[2, 0]);
        assert_eq!(part.bad, [false, true]);
        assert_eq!(
            part.features[0].column,
            Column::Categorical {
                codes: vec![0, 0],
                levels: vec!["x".into(), "y".into()]
            }
        );
    }
}
