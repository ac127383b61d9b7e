//! Screening on small inputs: normalisation, similarity, the parsers on
//! extracts of each format, corroboration, the list version and the diff.

use kredit_policy::screening::{
    BirthDate, EntryKind, EntryRef, Evidence, ListError, ListId, ListSources, MATCH_THRESHOLD,
    ScreeningIndex, ScreeningQuery, Watchlist, WatchlistEntry, diff, jaro_winkler, normalise_name,
    parse_lender_blocklist, parse_ofac, parse_un, screen, token_set_score,
};
use proptest::prelude::*;

const SDN: &str = "\
36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r
2674,\"ABBAS, Abu\",\"individual\",\"SDGT] [IRGC\",\"Director\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 10 Dec 1948; alt. DOB 1950; POB Tehran, Iran; nationality Iran; citizen Iraq.\"\r
9001,\"SEA STAR\",\"vessel\",\"IRAN\",-0- ,\"9HXX\",\"Tanker\",-0- ,-0- ,\"Malta\",-0- ,-0- \r
\u{1a}";
const ALT: &str = "\
36,12,\"aka\",\"AERO-CARIBBEAN\",-0- \r
2674,13,\"aka\",\"AL-ABBAS, Abu\",-0- \r
2674,14,\"aka\",\"ABBAS, Abu\",-0- \r
";
const ADD: &str = "\
36,25,-0- ,\"Havana\",\"Cuba\",-0- \r
36,26,-0- ,\"Madrid\",\"Spain\",-0- \r
2674,27,-0- ,-0- ,-0- ,-0- \r
";
const UN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:09.554Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>6908555</DATAID>
      <FIRST_NAME>SADDAM</FIRST_NAME>
      <SECOND_NAME>HUSSEIN</SECOND_NAME>
      <THIRD_NAME>AL-TIKRITI</THIRD_NAME>
      <UN_LIST_TYPE>Iraq</UN_LIST_TYPE>
      <NAME_ORIGINAL_SCRIPT>صدام حسين التكريتي</NAME_ORIGINAL_SCRIPT>
      <NATIONALITY><VALUE>Iraq</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Abu Ali</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1937-04-28</DATE></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1938</FROM_YEAR><TO_YEAR>1939</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DOCUMENT><DATE_OF_ISSUE>2001-01-01</DATE_OF_ISSUE></INDIVIDUAL_DOCUMENT>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>6908402</DATAID>
      <FIRST_NAME>ADF &amp; PARTNERS</FIRST_NAME>
      <UN_LIST_TYPE>DRC</UN_LIST_TYPE>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>Allied Democratic Forces</ALIAS_NAME></ENTITY_ALIAS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"#;
const LENDER: &str = "\
name,date_of_birth,nationality,reason
张伟,1985-03-02,China,loan fraud 2024
John Q. Public,1970,,chargeback abuse
";

fn sources(lender: &str) -> ListSources<'_> {
    ListSources {
        ofac_sdn: SDN.as_bytes(),
        ofac_alt: ALT.as_bytes(),
        ofac_add: ADD.as_bytes(),
        un_consolidated: UN.as_bytes(),
        lender_blocklist: lender.as_bytes(),
    }
}

fn small_index() -> ScreeningIndex {
    ScreeningIndex::build(&Watchlist::from_sources(&sources(LENDER)).expect("extracts parse"))
}

fn query(name: &str) -> ScreeningQuery {
    ScreeningQuery {
        name: name.to_owned(),
        date_of_birth: None,
        nationality: None,
    }
}

fn hit_ids(index: &ScreeningIndex, query: &ScreeningQuery) -> Vec<(ListId, String)> {
    screen(index, query)
        .hits
        .into_iter()
        .map(|hit| (hit.list, hit.entry_id))
        .collect()
}

// --- normalisation ---

#[test]
fn normalisation_folds_case_diacritics_and_punctuation() {
    assert_eq!(
        normalise_name("José María NÚÑEZ"),
        ["jose", "maria", "nunez"]
    );
    assert_eq!(
        normalise_name("  O'Brien-Smith,  John. "),
        ["obrien", "smith", "john"]
    );
    assert_eq!(normalise_name("AL-QA’IDA"), ["al", "qaida"]);
    assert_eq!(
        normalise_name("Straße Øster Łódź"),
        ["strasse", "oster", "lodz"]
    );
    assert_eq!(normalise_name("ＡＢＣ　Corp"), ["abc", "corp"]);
    assert!(normalise_name(" -.,; ").is_empty());
}

#[test]
fn chinese_characters_become_toneless_pinyin() {
    assert_eq!(normalise_name("张伟"), ["zhang", "wei"]);
    assert_eq!(normalise_name("王小明"), ["wang", "xiaoming"]);
    assert_eq!(normalise_name("李 娜"), ["li", "na"]);
    assert_eq!(normalise_name("Zhang 伟"), ["zhang", "wei"]);
}

// --- similarity ---

fn assert_close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not {expected} ± {tolerance}"
    );
}

#[test]
fn jaro_winkler_known_values() {
    assert_close(jaro_winkler("MARTHA", "MARHTA"), 0.961, 0.0005);
    assert_close(jaro_winkler("DIXON", "DICKSONX"), 0.813, 0.0005);
    assert_close(jaro_winkler("DWAYNE", "DUANE"), 0.840, 0.0005);
    assert_close(jaro_winkler("JELLYFISH", "SMELLYFISH"), 0.896, 0.0005);
    assert_eq!(jaro_winkler("ABC", "XYZ"), 0.0);
    assert_eq!(jaro_winkler("张伟", "张伟"), 1.0);
}

fn tokens(name: &str) -> Vec<String> {
    name.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn token_set_score_weighs_tokens_by_length_and_penalises_unpaired_ones() {
    assert_eq!(
        token_set_score(&tokens("zhang wei"), &tokens("wei zhang")),
        1.0
    );
    // "ab" pairs with "ab" (weight 4); "cd" is unpaired (weight 2).
    assert_close(
        token_set_score(&tokens("ab"), &tokens("ab cd")),
        4.0 / 6.0,
        1e-12,
    );
    // One-to-one: a repeated query token cannot use one entry token twice.
    assert_close(
        token_set_score(&tokens("ab ab"), &tokens("ab")),
        4.0 / 6.0,
        1e-12,
    );
    let martha = jaro_winkler("martha", "marhta");
    assert_close(
        token_set_score(&tokens("martha jones"), &tokens("jones marhta")),
        (martha * 12.0 + 10.0) / 22.0,
        1e-12,
    );
}

proptest! {
    #[test]
    fn jaro_winkler_is_symmetric_and_bounded(a in "[a-z]{0,12}", b in "[a-z]{0,12}") {
        let forward = jaro_winkler(&a, &b);
        prop_assert_eq!(forward, jaro_winkler(&b, &a));
        prop_assert!((0.0..=1.0).contains(&forward));
    }

    #[test]
    fn identical_strings_score_one(a in "[a-zé张]{1,12}") {
        prop_assert_eq!(jaro_winkler(&a, &a), 1.0);
        let name = tokens(&a);
        prop_assert_eq!(token_set_score(&name, &name), 1.0);
    }

    #[test]
    fn token_order_does_not_change_the_token_set_score(
        query in prop::collection::vec("[a-e]{1,6}", 1..5),
        entry in prop::collection::vec("[a-e]{1,6}", 1..5),
        rotation in 0usize..5,
    ) {
        let score = token_set_score(&query, &entry);
        prop_assert!((0.0..=1.0).contains(&score));
        let mut reordered_query = query.clone();
        reordered_query.reverse();
        let mut reordered_entry = entry.clone();
        let by = rotation % reordered_entry.len();
        reordered_entry.rotate_left(by);
        prop_assert_eq!(score, token_set_score(&reordered_query, &reordered_entry));
    }
}

// --- parsers ---

#[test]
fn ofac_extract_joins_aliases_and_addresses_by_ent_num() {
    let entries = parse_ofac(SDN.as_bytes(), ALT.as_bytes(), ADD.as_bytes()).expect("parses");
    assert_eq!(entries.len(), 3);
    let airline = &entries[0];
    assert_eq!(airline.entry_id, "36");
    assert_eq!(airline.kind, EntryKind::Entity);
    assert_eq!(airline.names, ["AEROCARIBBEAN AIRLINES", "AERO-CARIBBEAN"]);
    assert_eq!(airline.programs, ["CUBA"]);
    assert_eq!(airline.address_countries, ["Cuba", "Spain"]);
    assert!(airline.dates_of_birth.is_empty() && airline.nationalities.is_empty());

    let abbas = &entries[1];
    assert_eq!(abbas.list, ListId::OfacSdn);
    assert_eq!(abbas.kind, EntryKind::Individual);
    // "LAST, First" shown as "First LAST"; the alias equal to the primary
    // name is not repeated.
    assert_eq!(abbas.names, ["Abu ABBAS", "Abu AL-ABBAS"]);
    assert_eq!(abbas.programs, ["SDGT", "IRGC"]);
    assert_eq!(
        abbas.dates_of_birth,
        [BirthDate::full(1948, 12, 10), BirthDate::year(1950)]
    );
    assert_eq!(abbas.nationalities, ["Iran", "Iraq"]);
    assert!(abbas.address_countries.is_empty());

    assert_eq!(entries[2].kind, EntryKind::Vessel);
}

#[test]
fn ofac_alias_of_an_unknown_entry_is_an_error() {
    let error = parse_ofac(SDN.as_bytes(), b"77,1,\"aka\",\"NOBODY\",-0-\n", b"").unwrap_err();
    assert!(
        matches!(
            &error,
            ListError::Record {
                file: "alt.csv",
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("ent_num 77"));
}

#[test]
fn un_extract_reads_individuals_and_entities() {
    let entries = parse_un(UN.as_bytes()).expect("parses");
    assert_eq!(entries.len(), 2);
    let saddam = &entries[0];
    assert_eq!(saddam.list, ListId::Un);
    assert_eq!(saddam.entry_id, "6908555");
    assert_eq!(saddam.kind, EntryKind::Individual);
    assert_eq!(
        saddam.names,
        ["SADDAM HUSSEIN AL-TIKRITI", "Abu Ali", "صدام حسين التكريتي"]
    );
    assert_eq!(saddam.nationalities, ["Iraq"]);
    assert_eq!(saddam.programs, ["Iraq"]);
    assert_eq!(
        saddam.dates_of_birth,
        [
            BirthDate::full(1937, 4, 28),
            BirthDate::year(1938),
            BirthDate::year(1939)
        ]
    );
    let adf = &entries[1];
    assert_eq!(adf.kind, EntryKind::Entity);
    assert_eq!(adf.names, ["ADF & PARTNERS", "Allied Democratic Forces"]);
}

#[test]
fn malformed_un_xml_is_an_error() {
    let error = parse_un(b"<CONSOLIDATED_LIST><INDIVIDUAL></ENTITY>").unwrap_err();
    assert!(matches!(error, ListError::Xml(_)), "{error}");
}

#[test]
fn lender_blocklist_rows_become_entries_with_stable_ids() {
    let entries = parse_lender_blocklist(LENDER.as_bytes()).expect("parses");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].list, ListId::Lender);
    assert_eq!(entries[0].names, ["张伟"]);
    assert_eq!(entries[0].dates_of_birth, [BirthDate::full(1985, 3, 2)]);
    assert_eq!(entries[0].nationalities, ["China"]);
    assert_eq!(entries[0].programs, ["loan fraud 2024"]);
    assert_eq!(entries[1].dates_of_birth, [BirthDate::year(1970)]);
    assert!(entries[1].nationalities.is_empty());
    assert_eq!(entries[0].entry_id.len(), 16);

    let reordered = "name,date_of_birth,nationality,reason\n\
                     John Q. Public,1970,,chargeback abuse\n\
                     张伟,1985-03-02,China,loan fraud 2024\n";
    let reordered = parse_lender_blocklist(reordered.as_bytes()).expect("parses");
    assert_eq!(reordered[1].entry_id, entries[0].entry_id);
    assert_eq!(reordered[0].entry_id, entries[1].entry_id);
}

#[test]
fn lender_blocklist_rejects_bad_dates_missing_names_and_duplicates() {
    let header = "name,date_of_birth,nationality,reason\n";
    let bad_date = format!("{header}Jane Roe,03/02/1985,,x\n");
    assert!(matches!(
        parse_lender_blocklist(bad_date.as_bytes()),
        Err(ListError::Record { line: 2, .. })
    ));
    let no_name = format!("{header},1985,,x\n");
    assert!(parse_lender_blocklist(no_name.as_bytes()).is_err());
    let twice = format!("{header}Jane Roe,1985,,x\nJane Roe,1985,,y\n");
    assert!(matches!(
        parse_lender_blocklist(twice.as_bytes()),
        Err(ListError::DuplicateLenderEntry { .. })
    ));
}

// --- list version ---

#[test]
fn list_version_is_a_hash_of_every_source() {
    let version = sources(LENDER).version();
    assert!(version.starts_with("sha256:"));
    assert_eq!(version.len(), "sha256:".len() + 64);
    assert_eq!(version, sources(LENDER).version());
    let edited = format!("{LENDER}Jane Roe,,,\n");
    assert_ne!(version, sources(&edited).version());
    // Moving bytes from one file to the next is a different version.
    let split_one = ListSources {
        ofac_add: b"ab",
        un_consolidated: b"c",
        ..sources(LENDER)
    };
    let split_two = ListSources {
        ofac_add: b"a",
        un_consolidated: b"bc",
        ..sources(LENDER)
    };
    assert_ne!(split_one.version(), split_two.version());
}

// --- screening ---

#[test]
fn a_hit_carries_the_entry_the_list_version_and_the_threshold() {
    let watchlist = Watchlist::from_sources(&sources(LENDER)).expect("parses");
    let index = ScreeningIndex::build(&watchlist);
    assert_eq!(index.version(), watchlist.version);
    let result = screen(&index, &query("abu al abbas"));
    assert_eq!(result.list_version, watchlist.version);
    assert_eq!(result.threshold, MATCH_THRESHOLD);
    assert_eq!(result.hits.len(), 1);
    let hit = &result.hits[0];
    assert_eq!((hit.list, hit.entry_id.as_str()), (ListId::OfacSdn, "2674"));
    assert_eq!(hit.matched_name, "Abu AL-ABBAS");
    assert_eq!(hit.name_score, 1.0);
    assert_eq!(hit.entry, watchlist.entries[1]);
    assert!(hit.reasons[0].contains("Abu AL-ABBAS"));
}

#[test]
fn chinese_names_match_in_characters_and_pinyin_in_either_order() {
    let index = small_index();
    for name in ["张伟", "Zhang Wei", "Wei Zhang", "ZHANG, Wei"] {
        let hits = hit_ids(&index, &query(name));
        assert_eq!(hits.len(), 1, "{name}: {hits:?}");
        assert_eq!(hits[0].0, ListId::Lender);
    }
    assert!(hit_ids(&index, &query("Zhang Wen Qiang")).is_empty());
}

#[test]
fn original_script_names_match() {
    let index = small_index();
    let hits = hit_ids(&index, &query("صدام حسين التكريتي"));
    assert_eq!(hits, [(ListId::Un, "6908555".to_owned())]);
}

#[test]
fn unrelated_names_do_not_hit() {
    let index = small_index();
    for name in ["Maria Garcia", "Ocean Breeze Trading", "", "   "] {
        assert!(hit_ids(&index, &query(name)).is_empty(), "{name}");
    }
}

#[test]
fn a_query_of_more_than_64_tokens_is_screened() {
    let index = small_index();
    let long = vec!["abbas"; 100].join(" ");
    assert!(hit_ids(&index, &query(&long)).is_empty());
}

#[test]
fn date_of_birth_and_nationality_corroborate_or_weaken() {
    let index = small_index();
    let plain = screen(&index, &query("Abu Abbas")).hits[0].clone();
    assert_eq!(plain.corroboration.date_of_birth, Evidence::Unknown);

    let corroborated = screen(
        &index,
        &ScreeningQuery {
            name: "Abu Abbas".to_owned(),
            date_of_birth: Some(BirthDate::full(1950, 6, 1)),
            nationality: Some("IRAN".to_owned()),
        },
    )
    .hits[0]
        .clone();
    assert_eq!(corroborated.corroboration.date_of_birth, Evidence::Matches);
    assert_eq!(corroborated.corroboration.nationality, Evidence::Matches);

    let conflicting = screen(
        &index,
        &ScreeningQuery {
            name: "Abu Abbas".to_owned(),
            date_of_birth: Some(BirthDate::full(1990, 1, 1)),
            nationality: Some("Norway".to_owned()),
        },
    )
    .hits[0]
        .clone();
    assert_eq!(conflicting.corroboration.date_of_birth, Evidence::Conflicts);
    assert_eq!(conflicting.corroboration.nationality, Evidence::Conflicts);
    // An exact name is still a hit for review despite both conflicts.
    assert!(conflicting.score < plain.score);
    assert!(conflicting.score >= MATCH_THRESHOLD);
    assert!(
        conflicting
            .reasons
            .iter()
            .any(|r| r.contains("date of birth differs"))
    );
}

#[test]
fn a_close_name_is_lifted_to_a_hit_by_its_date_of_birth_but_never_by_the_date_alone() {
    let index = small_index();
    // Close to "Saddam Hussein al Tikriti", but below the threshold alone.
    let close = "Sadam Husein Tikrit";
    assert!(hit_ids(&index, &query(close)).is_empty());
    let with_date = ScreeningQuery {
        name: close.to_owned(),
        date_of_birth: Some(BirthDate::full(1937, 4, 28)),
        nationality: Some("Iraq".to_owned()),
    };
    let hits = screen(&index, &with_date).hits;
    assert_eq!(hits.len(), 1);
    assert_eq!(
        (hits[0].list, hits[0].entry_id.as_str()),
        (ListId::Un, "6908555")
    );
    assert!(
        hits[0].name_score < MATCH_THRESHOLD,
        "{}",
        hits[0].name_score
    );
    assert!(hits[0].score >= MATCH_THRESHOLD);
    let date_alone = ScreeningQuery {
        name: "Peter Jensen".to_owned(),
        ..with_date
    };
    assert!(hit_ids(&index, &date_alone).is_empty());
}

// --- diff ---

fn entry(list: ListId, id: &str, name: &str) -> WatchlistEntry {
    WatchlistEntry {
        list,
        entry_id: id.to_owned(),
        kind: EntryKind::Individual,
        names: vec![name.to_owned()],
        dates_of_birth: Vec::new(),
        nationalities: Vec::new(),
        programs: Vec::new(),
        address_countries: Vec::new(),
    }
}

fn entry_ref(list: ListId, id: &str) -> EntryRef {
    EntryRef {
        list,
        entry_id: id.to_owned(),
    }
}

#[test]
fn diff_reports_added_removed_and_changed_entries() {
    let old = Watchlist {
        version: "sha256:old".to_owned(),
        entries: vec![
            entry(ListId::OfacSdn, "1", "Alpha"),
            entry(ListId::OfacSdn, "2", "Beta"),
            entry(ListId::Un, "1", "Gamma"),
        ],
    };
    let new = Watchlist {
        version: "sha256:new".to_owned(),
        entries: vec![
            entry(ListId::OfacSdn, "1", "Alpha"),
            entry(ListId::Un, "1", "Gamma Delta"),
            entry(ListId::Lender, "2", "Beta"),
        ],
    };
    let change = diff(&old, &new);
    assert_eq!(change.from_version, "sha256:old");
    assert_eq!(change.to_version, "sha256:new");
    assert_eq!(change.added, [entry_ref(ListId::Lender, "2")]);
    assert_eq!(change.removed, [entry_ref(ListId::OfacSdn, "2")]);
    assert_eq!(change.changed, [entry_ref(ListId::Un, "1")]);
    assert!(change.requires_rescreening());
}

#[test]
fn diff_of_the_same_version_requires_no_rescreening() {
    let list = Watchlist::from_sources(&sources(LENDER)).expect("parses");
    let change = diff(&list, &list);
    assert!(change.added.is_empty() && change.removed.is_empty() && change.changed.is_empty());
    assert!(!change.requires_rescreening());

    // A new version with the same entries (say, a re-published file) is
    // still re-screened, so every record names the version in force.
    let republished = Watchlist {
        version: "sha256:other".to_owned(),
        ..list.clone()
    };
    let change = diff(&list, &republished);
    assert!(change.changed.is_empty());
    assert!(change.requires_rescreening());
}
