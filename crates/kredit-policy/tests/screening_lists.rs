//! Screening against the full OFAC SDN and UN consolidated lists shipped in
//! fixtures/sanctions: recall on every name and its variants, the
//! false-positive rate on ordinary names, and (ignored) latency figures.

use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::Instant;

use kredit_policy::screening::{
    EntryKind, ListId, ListSources, MATCH_THRESHOLD, ScreeningIndex, ScreeningQuery, Watchlist,
    WatchlistEntry, screen,
};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

fn fixture(file: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/sanctions/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn full_lists() -> &'static (Watchlist, ScreeningIndex) {
    static LISTS: OnceLock<(Watchlist, ScreeningIndex)> = OnceLock::new();
    LISTS.get_or_init(|| {
        let (sdn, alt, add, un) = (
            fixture("ofac_sdn.csv"),
            fixture("ofac_alt.csv"),
            fixture("ofac_add.csv"),
            fixture("un_consolidated.xml"),
        );
        let watchlist = Watchlist::from_sources(&ListSources {
            ofac_sdn: &sdn,
            ofac_alt: &alt,
            ofac_add: &add,
            un_consolidated: &un,
            lender_blocklist: b"name,date_of_birth,nationality,reason\n",
        })
        .expect("fixtures parse");
        let index = ScreeningIndex::build(&watchlist);
        (watchlist, index)
    })
}

fn query(name: &str) -> ScreeningQuery {
    ScreeningQuery {
        name: name.to_owned(),
        date_of_birth: None,
        nationality: None,
    }
}

#[test]
fn full_lists_have_the_documented_sizes() {
    let (watchlist, index) = full_lists();
    let count = |list| watchlist.entries.iter().filter(|e| e.list == list).count();
    assert_eq!(count(ListId::OfacSdn), 8976);
    assert_eq!(count(ListId::Un), 730 + 273);
    let count_where = |list, test: fn(&WatchlistEntry) -> bool| {
        watchlist
            .entries
            .iter()
            .filter(|e| e.list == list && test(e))
            .count()
    };
    let individual = |e: &WatchlistEntry| e.kind == EntryKind::Individual;
    let dated = |e: &WatchlistEntry| !e.dates_of_birth.is_empty();
    let national = |e: &WatchlistEntry| !e.nationalities.is_empty();
    let vessel = |e: &WatchlistEntry| e.kind == EntryKind::Vessel;
    assert_eq!(count_where(ListId::OfacSdn, individual), 4620);
    assert_eq!(count_where(ListId::OfacSdn, vessel), 406);
    // 4,431 Remarks mention a DOB; three are in forms not parsed.
    assert_eq!(count_where(ListId::OfacSdn, dated), 4428);
    assert_eq!(count_where(ListId::OfacSdn, national), 2546);
    assert_eq!(count_where(ListId::Un, individual), 730);
    assert_eq!(count_where(ListId::Un, dated), 677);
    assert_eq!(count_where(ListId::Un, national), 625);
    assert!(watchlist.version.starts_with("sha256:") && watchlist.version.len() == 7 + 64);
    assert!(index.name_count() > 20_000, "{} names", index.name_count());
}

/// The name as written, upper-cased, with its words reversed, and with
/// diacritics stripped; duplicates dropped.
fn variants(name: &str) -> Vec<String> {
    let reversed: Vec<&str> = name.split_whitespace().rev().collect();
    let stripped: String = name.nfkd().filter(|c| !is_combining_mark(*c)).collect();
    let mut seen = HashSet::new();
    [
        name.to_owned(),
        name.to_uppercase(),
        reversed.join(" "),
        stripped,
    ]
    .into_iter()
    .filter(|variant| seen.insert(variant.clone()))
    .collect()
}

/// Every (entry, variant) pair whose screening does not report that entry.
fn misses(entries: &[WatchlistEntry], index: &ScreeningIndex) -> Vec<String> {
    let mut missed = Vec::new();
    for entry in entries {
        for name in &entry.names {
            for variant in variants(name) {
                let result = screen(index, &query(&variant));
                let found = result
                    .hits
                    .iter()
                    .any(|hit| hit.list == entry.list && hit.entry_id == entry.entry_id);
                if !found {
                    missed.push(format!(
                        "{} {}: {variant:?}",
                        entry.list.as_str(),
                        entry.entry_id
                    ));
                }
            }
        }
    }
    missed
}

#[test]
fn every_entry_is_found_from_every_name_and_variant() {
    let (watchlist, index) = full_lists();
    let halves = watchlist.entries.split_at(watchlist.entries.len() / 2);
    let missed: Vec<String> = std::thread::scope(|scope| {
        let first = scope.spawn(|| misses(halves.0, index));
        let second = misses(halves.1, index);
        let mut missed = first.join().expect("first half ran");
        missed.extend(second);
        missed
    });
    let tried: usize = watchlist
        .entries
        .iter()
        .flat_map(|e| &e.names)
        .map(|n| variants(n).len())
        .sum();
    println!(
        "recall: {} of {tried} variant queries found their entry",
        tried - missed.len()
    );
    assert!(
        missed.is_empty(),
        "{} missed, e.g. {:?}",
        missed.len(),
        &missed[..missed.len().min(20)]
    );
}

/// Latency of one name against the full lists, as figures, not an
/// assertion: run with
/// `cargo test --release -p kredit-policy --test screening_lists -- --ignored --nocapture`.
#[test]
#[ignore = "timing figures; run in release"]
fn latency_of_one_name_against_the_full_lists() {
    let (watchlist, index) = full_lists();
    let started = Instant::now();
    let rebuilt = ScreeningIndex::build(watchlist);
    println!(
        "index build: {:?} for {} names",
        started.elapsed(),
        rebuilt.name_count()
    );
    let mut names: Vec<String> = ordinary_names::generate(5_000);
    names.extend(
        watchlist
            .entries
            .iter()
            .flat_map(|e| e.names.first())
            .step_by(2)
            .take(5_000)
            .cloned(),
    );
    let mut timings: Vec<std::time::Duration> = names
        .iter()
        .map(|name| {
            let query = query(name);
            let started = Instant::now();
            std::hint::black_box(screen(index, &query));
            started.elapsed()
        })
        .collect();
    timings.sort();
    let at = |q: f64| timings[((timings.len() as f64 * q) as usize).min(timings.len() - 1)];
    println!(
        "{} queries: p50 {:?}, p99 {:?}, max {:?}",
        timings.len(),
        at(0.50),
        at(0.99),
        at(1.0)
    );
}

/// Ordinary customers' names, generated deterministically: common Chinese
/// surnames with common given-name characters (written in characters, or in
/// pinyin in either order), and common English first and last names.
mod ordinary_names {
    const CHINESE_SURNAMES: &[(&str, &str)] = &[
        ("王", "Wang"),
        ("李", "Li"),
        ("张", "Zhang"),
        ("刘", "Liu"),
        ("陈", "Chen"),
        ("杨", "Yang"),
        ("黄", "Huang"),
        ("赵", "Zhao"),
        ("吴", "Wu"),
        ("周", "Zhou"),
        ("徐", "Xu"),
        ("孙", "Sun"),
        ("马", "Ma"),
        ("朱", "Zhu"),
        ("胡", "Hu"),
        ("郭", "Guo"),
        ("何", "He"),
        ("高", "Gao"),
        ("林", "Lin"),
        ("罗", "Luo"),
        ("郑", "Zheng"),
        ("梁", "Liang"),
        ("谢", "Xie"),
        ("宋", "Song"),
        ("唐", "Tang"),
        ("许", "Xu"),
        ("韩", "Han"),
        ("冯", "Feng"),
        ("邓", "Deng"),
        ("曹", "Cao"),
        ("彭", "Peng"),
        ("曾", "Zeng"),
        ("肖", "Xiao"),
        ("田", "Tian"),
        ("董", "Dong"),
        ("袁", "Yuan"),
        ("潘", "Pan"),
        ("于", "Yu"),
        ("蒋", "Jiang"),
        ("蔡", "Cai"),
        ("余", "Yu"),
        ("杜", "Du"),
        ("叶", "Ye"),
        ("程", "Cheng"),
        ("苏", "Su"),
        ("魏", "Wei"),
        ("吕", "Lu"),
        ("丁", "Ding"),
        ("任", "Ren"),
        ("沈", "Shen"),
        ("姚", "Yao"),
        ("卢", "Lu"),
        ("姜", "Jiang"),
        ("崔", "Cui"),
        ("钟", "Zhong"),
        ("谭", "Tan"),
        ("陆", "Lu"),
        ("汪", "Wang"),
        ("范", "Fan"),
        ("金", "Jin"),
    ];
    const CHINESE_GIVEN: &[(&str, &str)] = &[
        ("伟", "wei"),
        ("芳", "fang"),
        ("娜", "na"),
        ("敏", "min"),
        ("静", "jing"),
        ("丽", "li"),
        ("强", "qiang"),
        ("磊", "lei"),
        ("军", "jun"),
        ("洋", "yang"),
        ("勇", "yong"),
        ("艳", "yan"),
        ("杰", "jie"),
        ("娟", "juan"),
        ("涛", "tao"),
        ("明", "ming"),
        ("超", "chao"),
        ("秀", "xiu"),
        ("霞", "xia"),
        ("平", "ping"),
        ("刚", "gang"),
        ("桂", "gui"),
        ("英", "ying"),
        ("华", "hua"),
        ("建", "jian"),
        ("文", "wen"),
        ("玲", "ling"),
        ("辉", "hui"),
        ("鹏", "peng"),
        ("宇", "yu"),
        ("浩", "hao"),
        ("婷", "ting"),
        ("雪", "xue"),
        ("琳", "lin"),
        ("晨", "chen"),
        ("欣", "xin"),
        ("佳", "jia"),
        ("嘉", "jia"),
        ("思", "si"),
        ("雨", "yu"),
        ("子", "zi"),
        ("梓", "zi"),
        ("涵", "han"),
        ("博", "bo"),
        ("晓", "xiao"),
        ("志", "zhi"),
        ("国", "guo"),
        ("海", "hai"),
        ("红", "hong"),
        ("春", "chun"),
        ("兰", "lan"),
        ("梅", "mei"),
        ("云", "yun"),
        ("飞", "fei"),
        ("鑫", "xin"),
        ("凯", "kai"),
        ("俊", "jun"),
        ("斌", "bin"),
        ("峰", "feng"),
        ("琪", "qi"),
    ];
    const ENGLISH_FIRST: &[&str] = &[
        "James",
        "Mary",
        "John",
        "Patricia",
        "Robert",
        "Jennifer",
        "Michael",
        "Linda",
        "William",
        "Elizabeth",
        "David",
        "Barbara",
        "Richard",
        "Susan",
        "Joseph",
        "Jessica",
        "Thomas",
        "Sarah",
        "Charles",
        "Karen",
        "Christopher",
        "Nancy",
        "Daniel",
        "Lisa",
        "Matthew",
        "Betty",
        "Anthony",
        "Margaret",
        "Mark",
        "Sandra",
        "Donald",
        "Ashley",
        "Steven",
        "Kimberly",
        "Paul",
        "Emily",
        "Andrew",
        "Donna",
        "Joshua",
        "Michelle",
        "Kenneth",
        "Dorothy",
        "Kevin",
        "Carol",
        "Brian",
        "Amanda",
        "George",
        "Melissa",
        "Edward",
        "Deborah",
        "Ronald",
        "Stephanie",
        "Timothy",
        "Rebecca",
        "Jason",
        "Sharon",
        "Jeffrey",
        "Laura",
        "Ryan",
        "Cynthia",
        "Jacob",
        "Kathleen",
        "Gary",
        "Amy",
        "Nicholas",
        "Shirley",
        "Eric",
        "Angela",
        "Jonathan",
        "Helen",
        "Stephen",
        "Anna",
        "Larry",
        "Brenda",
        "Justin",
        "Pamela",
        "Scott",
        "Nicole",
        "Brandon",
        "Emma",
        "Benjamin",
        "Samantha",
        "Samuel",
        "Katherine",
        "Gregory",
        "Christine",
        "Frank",
        "Debra",
        "Alexander",
        "Rachel",
        "Raymond",
        "Catherine",
        "Patrick",
        "Carolyn",
        "Jack",
        "Janet",
        "Dennis",
        "Ruth",
        "Jerry",
        "Maria",
    ];
    const ENGLISH_LAST: &[&str] = &[
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Jones",
        "Garcia",
        "Miller",
        "Davis",
        "Rodriguez",
        "Martinez",
        "Hernandez",
        "Lopez",
        "Gonzalez",
        "Wilson",
        "Anderson",
        "Thomas",
        "Taylor",
        "Moore",
        "Jackson",
        "Martin",
        "Lee",
        "Perez",
        "Thompson",
        "White",
        "Harris",
        "Sanchez",
        "Clark",
        "Ramirez",
        "Lewis",
        "Robinson",
        "Walker",
        "Young",
        "Allen",
        "King",
        "Wright",
        "Scott",
        "Torres",
        "Nguyen",
        "Hill",
        "Flores",
        "Green",
        "Adams",
        "Nelson",
        "Baker",
        "Hall",
        "Rivera",
        "Campbell",
        "Mitchell",
        "Carter",
        "Roberts",
        "Gomez",
        "Phillips",
        "Evans",
        "Turner",
        "Diaz",
        "Parker",
        "Cruz",
        "Edwards",
        "Collins",
        "Reyes",
        "Stewart",
        "Morris",
        "Morales",
        "Murphy",
        "Cook",
        "Rogers",
        "Gutierrez",
        "Ortiz",
        "Morgan",
        "Cooper",
        "Peterson",
        "Bailey",
        "Reed",
        "Kelly",
        "Howard",
        "Ramos",
        "Kim",
        "Cox",
        "Ward",
        "Richardson",
        "Watson",
        "Brooks",
        "Chavez",
        "Wood",
        "James",
        "Bennett",
        "Gray",
        "Mendoza",
        "Ruiz",
        "Hughes",
        "Price",
        "Alvarez",
        "Castillo",
        "Sanders",
        "Patel",
        "Myers",
        "Long",
        "Ross",
        "Foster",
        "Jimenez",
    ];

    /// splitmix64: a fixed seed gives the same names on every run.
    struct Seeded(u64);

    impl Seeded {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[(self.next() % items.len() as u64) as usize]
        }
    }

    fn chinese(rng: &mut Seeded) -> String {
        let (surname_han, surname) = rng.pick(CHINESE_SURNAMES);
        let given_length = 1 + rng.next() % 2;
        let given: Vec<&(&str, &str)> =
            (0..given_length).map(|_| rng.pick(CHINESE_GIVEN)).collect();
        let given_han: String = given.iter().map(|(han, _)| *han).collect();
        let given_pinyin: String = given.iter().map(|(_, pinyin)| *pinyin).collect();
        let mut given_pinyin_chars = given_pinyin.chars();
        let given_pinyin: String = given_pinyin_chars
            .next()
            .into_iter()
            .flat_map(char::to_uppercase)
            .chain(given_pinyin_chars)
            .collect();
        match rng.next() % 3 {
            0 => format!("{surname_han}{given_han}"),
            1 => format!("{surname} {given_pinyin}"),
            _ => format!("{given_pinyin} {surname}"),
        }
    }

    fn english(rng: &mut Seeded) -> String {
        let first = rng.pick(ENGLISH_FIRST);
        let last = rng.pick(ENGLISH_LAST);
        // One name in five has a middle name.
        match rng.next() % 5 {
            0 => format!("{first} {} {last}", rng.pick(ENGLISH_FIRST)),
            _ => format!("{first} {last}"),
        }
    }

    /// `count` names, half Chinese and half English, alternating.
    pub fn generate(count: usize) -> Vec<String> {
        let mut rng = Seeded(0x4B52_4544_4954);
        (0..count)
            .map(|i| match i % 2 {
                0 => chinese(&mut rng),
                _ => english(&mut rng),
            })
            .collect()
    }
}

#[test]
fn ordinary_names_rarely_hit_at_the_shipped_threshold() {
    let (_, index) = full_lists();
    let names = ordinary_names::generate(10_000);
    let distinct: HashSet<&String> = names.iter().collect();
    assert!(
        distinct.len() > 8_000,
        "only {} distinct names",
        distinct.len()
    );
    let flagged: Vec<(&String, String)> = names
        .iter()
        .filter_map(|name| {
            let result = screen(index, &query(name));
            result
                .hits
                .first()
                .map(|hit| (name, hit.matched_name.clone()))
        })
        .collect();
    let rate = flagged.len() as f64 / names.len() as f64;
    println!(
        "false positives at threshold {MATCH_THRESHOLD}: {} of {} ({:.2}%), e.g. {:?}",
        flagged.len(),
        names.len(),
        rate * 100.0,
        &flagged[..flagged.len().min(10)]
    );
    assert!(rate <= 0.01, "false-positive rate {rate}");
}
