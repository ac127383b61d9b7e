//! The sanctions lists the fraud checks screen names against
//! (`sanctions_dir`, docs/fraud.md *Screening*): the OFAC SDN legacy CSV
//! files and the UN consolidated XML as published, and the lender's own
//! blocklist when there is one, indexed once at start.

use std::path::Path;

use kredit_policy::screening::{ListSources, ScreeningIndex, Watchlist};

/// The files read from the directory; the blocklist may be absent.
pub const FILES: [&str; 4] = [
    "ofac_sdn.csv",
    "ofac_alt.csv",
    "ofac_add.csv",
    "un_consolidated.xml",
];
pub const LENDER_BLOCKLIST: &str = "lender_blocklist.csv";

pub fn load(dir: &Path) -> Result<ScreeningIndex, String> {
    let read = |name: &str| {
        std::fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
    };
    let [sdn, alt, add, un] = FILES.map(read);
    let blocklist = match std::fs::read(dir.join(LENDER_BLOCKLIST)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(format!("{LENDER_BLOCKLIST}: {e}")),
    };
    let sources = ListSources {
        ofac_sdn: &sdn?,
        ofac_alt: &alt?,
        ofac_add: &add?,
        un_consolidated: &un?,
        lender_blocklist: &blocklist,
    };
    let watchlist = Watchlist::from_sources(&sources).map_err(|e| e.to_string())?;
    Ok(ScreeningIndex::build(&watchlist))
}
