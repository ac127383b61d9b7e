//! One name against the full OFAC and UN lists, and the index build.

use criterion::{Criterion, criterion_group, criterion_main};
use kredit_policy::screening::{ListSources, ScreeningIndex, ScreeningQuery, Watchlist, screen};

fn full_lists() -> Watchlist {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sanctions");
    let read = |file: &str| std::fs::read(format!("{dir}/{file}")).expect("fixture present");
    let (sdn, alt, add, un) = (
        read("ofac_sdn.csv"),
        read("ofac_alt.csv"),
        read("ofac_add.csv"),
        read("un_consolidated.xml"),
    );
    Watchlist::from_sources(&ListSources {
        ofac_sdn: &sdn,
        ofac_alt: &alt,
        ofac_add: &add,
        un_consolidated: &un,
        lender_blocklist: b"name,date_of_birth,nationality,reason\n",
    })
    .expect("fixtures parse")
}

fn bench_screening(c: &mut Criterion) {
    let watchlist = full_lists();
    c.bench_function("index build (full OFAC + UN)", |b| {
        b.iter(|| ScreeningIndex::build(std::hint::black_box(&watchlist)))
    });
    let index = ScreeningIndex::build(&watchlist);
    for name in [
        "Zhang Wei",
        "Mohammed Al Hassan",
        "Usama bin Ladin",
        "Maria Garcia Lopez",
    ] {
        let query = ScreeningQuery {
            name: name.to_owned(),
            date_of_birth: None,
            nationality: None,
        };
        c.bench_function(&format!("screen {name:?}"), |b| {
            b.iter(|| screen(&index, std::hint::black_box(&query)))
        });
    }
}

criterion_group!(benches, bench_screening);
criterion_main!(benches);
