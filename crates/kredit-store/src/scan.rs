//! Every value stored in every table, for tests that prove personal data
//! appears nowhere in plaintext (feature `testing`): after a journey at
//! rest, after erasure for good. The scan reads the database's own catalogue,
//! so a table or column added later is scanned without anyone listing it.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use sqlx::{Postgres, Sqlite};

use crate::repository::{SqlRepository, StoreResult};

/// One stored value: where it is and its bytes (text as UTF-8).
#[derive(Debug, Clone)]
pub struct StoredValue {
    pub table: String,
    pub column: String,
    pub bytes: Vec<u8>,
}

/// Where a needle was found, and in which encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub table: String,
    pub column: String,
    pub needle: String,
    pub encoding: &'static str,
}

/// The needles' appearances in the values, in any of the encodings a
/// careless write would use: UTF-8, hex (either case), base64 (standard
/// and URL-safe, at each of the three alignments inside a longer string),
/// UTF-16 (either byte order) and JSON `\u` escapes.
pub fn find(values: &[StoredValue], needles: &[&str]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for needle in needles {
        let forms = encodings(needle);
        for value in values {
            for (encoding, form) in &forms {
                if contains(&value.bytes, form) {
                    findings.push(Finding {
                        table: value.table.clone(),
                        column: value.column.clone(),
                        needle: (*needle).to_owned(),
                        encoding,
                    });
                }
            }
        }
    }
    findings
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

fn encodings(needle: &str) -> Vec<(&'static str, Vec<u8>)> {
    let plain = needle.as_bytes();
    let hex: String = plain.iter().map(|b| format!("{b:02x}")).collect();
    let utf16le: Vec<u8> = needle.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let utf16be: Vec<u8> = needle.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let escaped: String = needle
        .encode_utf16()
        .map(|unit| format!("\\u{unit:04x}"))
        .collect();
    let mut forms = vec![
        ("utf-8", plain.to_vec()),
        ("hex", hex.clone().into_bytes()),
        ("HEX", hex.to_uppercase().into_bytes()),
        ("utf-16le", utf16le),
        ("utf-16be", utf16be),
        ("json-escaped", escaped.into_bytes()),
    ];
    // Inside a longer base64 string the needle starts at one of three bit
    // offsets; keep only the characters its own bits decide.
    for offset in 0..3 {
        let mut shifted = vec![0u8; offset];
        shifted.extend_from_slice(plain);
        let first = (offset * 8).div_ceil(6);
        let last = shifted.len() * 8 / 6;
        for (name, engine) in [
            ("base64", &STANDARD_NO_PAD),
            ("base64url", &URL_SAFE_NO_PAD),
        ] {
            let encoded = engine.encode(&shifted);
            if first < last && last <= encoded.len() {
                forms.push((name, encoded.as_bytes()[first..last].to_vec()));
            }
        }
    }
    forms
}

/// One column's values, NULLs left out.
fn push(
    values: &mut Vec<StoredValue>,
    table: &str,
    column: &str,
    column_values: Vec<Option<Vec<u8>>>,
) {
    values.extend(
        column_values
            .into_iter()
            .flatten()
            .map(|bytes| StoredValue {
                table: table.to_owned(),
                column: column.to_owned(),
                bytes,
            }),
    );
}

impl SqlRepository<Sqlite> {
    pub(crate) async fn scan_values(&self) -> StoreResult<Vec<StoredValue>> {
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .fetch_all(&self.pool)
                .await?;
        let mut values = Vec::new();
        for table in tables {
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                    .bind(&table)
                    .fetch_all(&self.pool)
                    .await?;
            for column in columns {
                let sql = format!("SELECT CAST(\"{column}\" AS BLOB) FROM \"{table}\"");
                let column_values: Vec<Option<Vec<u8>>> =
                    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .fetch_all(&self.pool)
                        .await?;
                push(&mut values, &table, &column, column_values);
            }
        }
        Ok(values)
    }
}

impl SqlRepository<Postgres> {
    pub(crate) async fn scan_values(&self) -> StoreResult<Vec<StoredValue>> {
        let columns: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT c.table_name::text, c.column_name::text, c.data_type::text
             FROM information_schema.columns c
             JOIN information_schema.tables t
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
             ORDER BY c.table_name, c.ordinal_position",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut values = Vec::new();
        for (table, column, data_type) in columns {
            // Binary columns as their bytes; everything else as its text.
            let select = if data_type == "bytea" {
                format!("\"{column}\"")
            } else {
                format!("convert_to(CAST(\"{column}\" AS TEXT), 'UTF8')")
            };
            let sql = format!("SELECT {select} FROM \"{table}\"");
            let column_values: Vec<Option<Vec<u8>>> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_all(&self.pool)
                .await?;
            push(&mut values, &table, &column, column_values);
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(bytes: &[u8]) -> Vec<StoredValue> {
        vec![StoredValue {
            table: "t".into(),
            column: "c".into(),
            bytes: bytes.to_vec(),
        }]
    }

    #[test]
    fn finds_a_needle_in_each_encoding() {
        let needle = "张三13812345678";
        for (encoding, form) in encodings(needle) {
            let mut haystack = b"prefix-".to_vec();
            haystack.extend_from_slice(&form);
            haystack.extend_from_slice(b"-suffix");
            let found = find(&stored(&haystack), &[needle]);
            assert!(found.iter().any(|f| f.encoding == encoding), "{encoding}");
        }
        for prefix in ["", "a", "ab", "abc"] {
            let text = format!("{prefix}{needle}tail");
            let encoded = STANDARD_NO_PAD.encode(text.as_bytes());
            assert!(
                !find(&stored(encoded.as_bytes()), &[needle]).is_empty(),
                "{prefix:?}"
            );
        }
        assert!(find(&stored(b"13812345679 and 1381234567"), &["13812345678"]).is_empty());
    }
}
