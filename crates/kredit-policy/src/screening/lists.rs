//! Watchlist parsers, pure: bytes in, entries out.
//!
//! - OFAC SDN legacy CSV: `sdn.csv`, `alt.csv` and `add.csv`, no header,
//!   joined by `ent_num`; `-0-` is empty.
//! - UN Security Council consolidated list XML.
//! - The lender's own blocklist: CSV with header
//!   `name,date_of_birth,nationality,reason`.

use std::collections::BTreeMap;

use quick_xml::events::Event;
use sha2::{Digest, Sha256};

use super::{BirthDate, EntryKind, ListId, WatchlistEntry};

/// Why a list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("{file}: malformed CSV: {source}")]
    Csv {
        file: &'static str,
        #[source]
        source: csv::Error,
    },
    #[error("{file}: line {line}: {message}")]
    Record {
        file: &'static str,
        line: u64,
        message: String,
    },
    #[error("UN consolidated list: malformed XML: {0}")]
    Xml(#[from] quick_xml::Error),
    #[error("lender blocklist: entry {name:?} appears twice")]
    DuplicateLenderEntry { name: String },
}

/// The raw bytes of every list, in the order they are hashed.
#[derive(Debug, Clone, Copy)]
pub struct ListSources<'a> {
    pub ofac_sdn: &'a [u8],
    pub ofac_alt: &'a [u8],
    pub ofac_add: &'a [u8],
    pub un_consolidated: &'a [u8],
    pub lender_blocklist: &'a [u8],
}

impl ListSources<'_> {
    /// `sha256:<hex>` over every source, each prefixed by its length as a
    /// 64-bit big-endian integer so that moving bytes from one file to the
    /// next gives a different version.
    pub fn version(&self) -> String {
        let mut hasher = Sha256::new();
        for source in [
            self.ofac_sdn,
            self.ofac_alt,
            self.ofac_add,
            self.un_consolidated,
            self.lender_blocklist,
        ] {
            hasher.update((source.len() as u64).to_be_bytes());
            hasher.update(source);
        }
        let digest = hasher.finalize();
        let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        format!("sha256:{hex}")
    }
}

/// OFAC's marker for an empty field.
const OFAC_EMPTY: &str = "-0-";

/// Parses the OFAC SDN legacy CSV files into entries, in `sdn.csv` order.
pub fn parse_ofac(sdn: &[u8], alt: &[u8], add: &[u8]) -> Result<Vec<WatchlistEntry>, ListError> {
    let mut entries = Vec::new();
    let mut position_by_id = BTreeMap::new();
    for (line, fields) in ofac_records("sdn.csv", sdn)? {
        let id = required(&fields, 0, "sdn.csv", line, "ent_num")?;
        let name = required(&fields, 1, "sdn.csv", line, "SDN_Name")?;
        let kind = match fields.get(2).and_then(|f| f.as_deref()) {
            Some(kind) if kind.eq_ignore_ascii_case("individual") => EntryKind::Individual,
            Some(kind) if kind.eq_ignore_ascii_case("vessel") => EntryKind::Vessel,
            Some(kind) if kind.eq_ignore_ascii_case("aircraft") => EntryKind::Aircraft,
            _ => EntryKind::Entity,
        };
        let programs = fields
            .get(3)
            .and_then(|f| f.as_deref())
            .map(split_ofac_programs)
            .unwrap_or_default();
        let remarks = fields.get(11).and_then(|f| f.as_deref()).unwrap_or("");
        let (dates_of_birth, nationalities) = parse_ofac_remarks(remarks);
        position_by_id.insert(id.to_owned(), entries.len());
        entries.push(WatchlistEntry {
            list: ListId::OfacSdn,
            entry_id: id.to_owned(),
            kind,
            names: vec![ofac_display_name(name, kind)],
            dates_of_birth,
            nationalities,
            programs,
            address_countries: Vec::new(),
        });
    }
    for (line, fields) in ofac_records("alt.csv", alt)? {
        let id = required(&fields, 0, "alt.csv", line, "ent_num")?;
        let name = required(&fields, 3, "alt.csv", line, "alt_name")?;
        let Some(&position) = position_by_id.get(id) else {
            return Err(unknown_entry("alt.csv", line, id));
        };
        let entry = &mut entries[position];
        let alias = ofac_display_name(name, entry.kind);
        if !entry.names.contains(&alias) {
            entry.names.push(alias);
        }
    }
    for (line, fields) in ofac_records("add.csv", add)? {
        let id = required(&fields, 0, "add.csv", line, "ent_num")?;
        let Some(&position) = position_by_id.get(id) else {
            return Err(unknown_entry("add.csv", line, id));
        };
        if let Some(country) = fields.get(4).and_then(|f| f.as_deref()) {
            let countries = &mut entries[position].address_countries;
            if !countries.iter().any(|known| known == country) {
                countries.push(country.to_owned());
            }
        }
    }
    Ok(entries)
}

/// One OFAC record: its line and its fields, `None` where OFAC wrote `-0-`.
type OfacRecord = (u64, Vec<Option<String>>);

fn ofac_records(file: &'static str, bytes: &[u8]) -> Result<Vec<OfacRecord>, ListError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = Vec::new();
    for record in reader.byte_records() {
        let record = record.map_err(|source| ListError::Csv { file, source })?;
        // The files end with a DOS end-of-file byte (0x1A) on a line of its
        // own; a record of one field is that, or a blank line.
        if record.len() < 2 {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line());
        let fields = record
            .iter()
            .map(|field| {
                let text = String::from_utf8_lossy(field);
                let text = text.trim();
                (!text.is_empty() && text != OFAC_EMPTY).then(|| text.to_owned())
            })
            .collect();
        records.push((line, fields));
    }
    Ok(records)
}

fn required<'f>(
    fields: &'f [Option<String>],
    index: usize,
    file: &'static str,
    line: u64,
    what: &str,
) -> Result<&'f str, ListError> {
    fields
        .get(index)
        .and_then(|f| f.as_deref())
        .ok_or_else(|| ListError::Record {
            file,
            line,
            message: format!("no {what}"),
        })
}

fn unknown_entry(file: &'static str, line: u64, id: &str) -> ListError {
    ListError::Record {
        file,
        line,
        message: format!("ent_num {id} is not in sdn.csv"),
    }
}

/// OFAC writes individuals "LAST, First"; shown as "First LAST". Entity
/// names keep their commas ("ANGLO-CARIBBEAN CO., LTD.").
fn ofac_display_name(name: &str, kind: EntryKind) -> String {
    if kind == EntryKind::Individual
        && let Some((last, first)) = name.split_once(", ")
    {
        return format!("{} {}", first.trim(), last.trim());
    }
    name.to_owned()
}

/// Programmes are written "SDGT] [IRGC" when there are several.
fn split_ofac_programs(field: &str) -> Vec<String> {
    field
        .split("] [")
        .map(|program| program.trim_matches(['[', ']', ' ']).to_owned())
        .filter(|program| !program.is_empty())
        .collect()
}

/// Reads dates of birth and nationalities (and citizenships) out of the
/// Remarks field: "DOB 12 Jan 1960; alt. DOB 1961; POB ...; nationality
/// Iran; citizen Iran". Ranges ("DOB 1956 to 1958") give each year.
fn parse_ofac_remarks(remarks: &str) -> (Vec<BirthDate>, Vec<String>) {
    let mut dates = Vec::new();
    let mut nationalities: Vec<String> = Vec::new();
    for clause in remarks.split(';') {
        let clause = clause.trim().trim_end_matches('.').trim();
        let clause = clause.strip_prefix("alt. ").unwrap_or(clause);
        if let Some(dob) = clause.strip_prefix("DOB ") {
            dates.extend(parse_ofac_dates(dob));
        } else if let Some(country) = clause
            .strip_prefix("nationality ")
            .or_else(|| clause.strip_prefix("citizen "))
        {
            let country = country.trim();
            if !country.is_empty() && !nationalities.iter().any(|known| known == country) {
                nationalities.push(country.to_owned());
            }
        }
    }
    dates.sort();
    dates.dedup();
    (dates, nationalities)
}

/// The widest DOB range expanded year by year; wider ones are too vague to
/// corroborate anything.
const LONGEST_BIRTH_YEAR_RANGE: u16 = 10;

fn parse_ofac_dates(text: &str) -> Vec<BirthDate> {
    let text = text.trim().trim_start_matches("circa ").trim();
    if let Some((from, to)) = text.split_once(" to ") {
        let (Some(from), Some(to)) = (parse_ofac_date(from), parse_ofac_date(to)) else {
            return Vec::new();
        };
        return year_range(from.year, to.year);
    }
    parse_ofac_date(text).into_iter().collect()
}

fn year_range(from: u16, to: u16) -> Vec<BirthDate> {
    if from > to || to - from > LONGEST_BIRTH_YEAR_RANGE {
        return Vec::new();
    }
    (from..=to).map(BirthDate::year).collect()
}

/// "12 Jan 1960", "Jan 1960" or "1960".
fn parse_ofac_date(text: &str) -> Option<BirthDate> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    match parts.as_slice() {
        [year] => Some(BirthDate::year(parse_year(year)?)),
        [month, year] => Some(BirthDate {
            year: parse_year(year)?,
            month: Some(month_number(month)?),
            day: None,
        }),
        [day, month, year] => {
            let day: u8 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
            Some(BirthDate::full(
                parse_year(year)?,
                month_number(month)?,
                day,
            ))
        }
        _ => None,
    }
}

fn parse_year(text: &str) -> Option<u16> {
    text.parse()
        .ok()
        .filter(|year| (1800..=2100).contains(year))
}

fn month_number(text: &str) -> Option<u8> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let prefix = text.get(..3)?.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|month| *month == prefix)
        .and_then(|index| u8::try_from(index + 1).ok())
}

/// An entry of the UN list as its elements are read.
#[derive(Default)]
struct UnRecord {
    data_id: String,
    name_parts: Vec<String>,
    aliases: Vec<String>,
    original_script: Vec<String>,
    programs: Vec<String>,
    nationalities: Vec<String>,
    dates_of_birth: Vec<BirthDate>,
    birth_year_range: (Option<u16>, Option<u16>),
}

impl UnRecord {
    fn into_entry(self, kind: EntryKind) -> Option<WatchlistEntry> {
        let primary = self.name_parts.join(" ");
        if self.data_id.is_empty() || primary.is_empty() {
            return None;
        }
        let mut names = vec![primary];
        for name in self.aliases.into_iter().chain(self.original_script) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        Some(WatchlistEntry {
            list: ListId::Un,
            entry_id: self.data_id,
            kind,
            names,
            dates_of_birth: self.dates_of_birth,
            nationalities: self.nationalities,
            programs: self.programs,
            address_countries: Vec::new(),
        })
    }
}

/// Parses the UN consolidated list: INDIVIDUAL and ENTITY elements.
pub fn parse_un(xml: &[u8]) -> Result<Vec<WatchlistEntry>, ListError> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    let mut buffer = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut record: Option<UnRecord> = None;
    let mut entries = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer)? {
            Event::Start(element) => {
                let name = String::from_utf8_lossy(element.name().as_ref()).into_owned();
                if name == "INDIVIDUAL" || name == "ENTITY" {
                    record = Some(UnRecord::default());
                }
                path.push(name);
            }
            Event::End(_) => {
                let closed = path.pop().unwrap_or_default();
                match closed.as_str() {
                    "INDIVIDUAL" => entries.extend(
                        record
                            .take()
                            .and_then(|r| r.into_entry(EntryKind::Individual)),
                    ),
                    "ENTITY" => {
                        entries.extend(record.take().and_then(|r| r.into_entry(EntryKind::Entity)))
                    }
                    "INDIVIDUAL_DATE_OF_BIRTH" => {
                        if let Some(record) = record.as_mut() {
                            if let (Some(from), Some(to)) = record.birth_year_range {
                                record.dates_of_birth.extend(year_range(from, to));
                            }
                            record.birth_year_range = (None, None);
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(text) => {
                if let Some(record) = record.as_mut() {
                    let value = text.unescape()?.trim().to_owned();
                    if !value.is_empty() {
                        record_un_value(record, &path, value);
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    Ok(entries)
}

fn record_un_value(record: &mut UnRecord, path: &[String], value: String) {
    let element = path.last().map_or("", String::as_str);
    let parent = path
        .len()
        .checked_sub(2)
        .and_then(|i| path.get(i))
        .map_or("", String::as_str);
    match (parent, element) {
        ("INDIVIDUAL" | "ENTITY", "DATAID") => record.data_id = value,
        ("INDIVIDUAL" | "ENTITY", "FIRST_NAME" | "SECOND_NAME" | "THIRD_NAME" | "FOURTH_NAME") => {
            record.name_parts.push(value)
        }
        ("INDIVIDUAL" | "ENTITY", "UN_LIST_TYPE") => record.programs.push(value),
        ("INDIVIDUAL" | "ENTITY", "NAME_ORIGINAL_SCRIPT") => record.original_script.push(value),
        ("INDIVIDUAL_ALIAS" | "ENTITY_ALIAS", "ALIAS_NAME") => record.aliases.push(value),
        ("NATIONALITY", "VALUE") => record.nationalities.push(value),
        ("INDIVIDUAL_DATE_OF_BIRTH", "DATE") => {
            record.dates_of_birth.extend(parse_iso_date(&value))
        }
        ("INDIVIDUAL_DATE_OF_BIRTH", "YEAR") => record
            .dates_of_birth
            .extend(parse_year(&value).map(BirthDate::year)),
        ("INDIVIDUAL_DATE_OF_BIRTH", "FROM_YEAR") => record.birth_year_range.0 = parse_year(&value),
        ("INDIVIDUAL_DATE_OF_BIRTH", "TO_YEAR") => record.birth_year_range.1 = parse_year(&value),
        _ => {}
    }
}

/// "1961-01-01".
fn parse_iso_date(text: &str) -> Option<BirthDate> {
    let mut parts = text.splitn(3, '-');
    let year = parse_year(parts.next()?)?;
    let month: u8 = parts
        .next()?
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    let day: u8 = parts
        .next()?
        .get(..2)?
        .parse()
        .ok()
        .filter(|d| (1..=31).contains(d))?;
    Some(BirthDate::full(year, month, day))
}

/// Parses the lender's blocklist: a CSV with the header
/// `name,date_of_birth,nationality,reason`, the date as `YYYY-MM-DD` or
/// `YYYY` and every column but the name optional.
///
/// The entry id is the first 16 hex digits of the SHA-256 of name, date of
/// birth and nationality, so it survives rows being reordered or inserted
/// and a changed reason shows as a changed entry.
pub fn parse_lender_blocklist(csv_bytes: &[u8]) -> Result<Vec<WatchlistEntry>, ListError> {
    const FILE: &str = "lender blocklist";
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_bytes);
    let mut entries: Vec<WatchlistEntry> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|source| ListError::Csv { file: FILE, source })?;
        let line = record.position().map_or(0, |p| p.line());
        let column = |index: usize| record.get(index).filter(|value| !value.is_empty());
        let name = column(0).ok_or_else(|| ListError::Record {
            file: FILE,
            line,
            message: "no name".to_owned(),
        })?;
        let date_of_birth = match column(1) {
            None => None,
            Some(text) => Some(
                parse_iso_date(text)
                    .or_else(|| parse_year(text).map(BirthDate::year))
                    .ok_or_else(|| ListError::Record {
                        file: FILE,
                        line,
                        message: format!("date of birth {text:?} is not YYYY-MM-DD or YYYY"),
                    })?,
            ),
        };
        let nationality = column(2);
        let mut hasher = Sha256::new();
        for part in [name, column(1).unwrap_or(""), nationality.unwrap_or("")] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
        let entry_id: String = hasher.finalize()[..8]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        if entries.iter().any(|entry| entry.entry_id == entry_id) {
            return Err(ListError::DuplicateLenderEntry {
                name: name.to_owned(),
            });
        }
        entries.push(WatchlistEntry {
            list: ListId::Lender,
            entry_id,
            kind: EntryKind::Individual,
            names: vec![name.to_owned()],
            dates_of_birth: date_of_birth.into_iter().collect(),
            nationalities: nationality.map(str::to_owned).into_iter().collect(),
            programs: column(3).map(str::to_owned).into_iter().collect(),
            address_countries: Vec::new(),
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remarks_give_dates_ranges_and_nationalities() {
        let (dates, nationalities) = parse_ofac_remarks(
            "DOB 12 Jan 1960; alt. DOB Feb 1961; DOB circa 1950; DOB 1956 to 1957; \
             POB Tehran, Iran; nationality Korea, North; citizen Iran.",
        );
        assert_eq!(
            dates,
            [
                BirthDate::year(1950),
                BirthDate::year(1956),
                BirthDate::year(1957),
                BirthDate::full(1960, 1, 12),
                BirthDate {
                    year: 1961,
                    month: Some(2),
                    day: None
                },
            ]
        );
        assert_eq!(nationalities, ["Korea, North", "Iran"]);
    }

    #[test]
    fn wide_ranges_and_nonsense_dates_are_dropped() {
        assert!(parse_ofac_dates("1900 to 1950").is_empty());
        assert!(parse_ofac_dates("32 Jan 1960").is_empty());
        assert!(parse_ofac_dates("sometime").is_empty());
        assert_eq!(parse_iso_date("1961-13-01"), None);
    }
}
