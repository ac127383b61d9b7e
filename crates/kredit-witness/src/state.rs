//! The witness's memory of a log: one file per origin holding the
//! checkpoint text (origin, size, root) of the largest tree it cosigned.
//! A write goes to a temporary file, is fsynced, renamed over the old one
//! and the directory fsynced, so after a crash the file holds either the
//! old state or the new one, never a mix, and a cosignature is returned
//! only once the new state is on disk.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use kredit_tlog::{Checkpoint, WitnessedLog};

use crate::WitnessError;

/// The file of `origin`: its bytes in hex, as an origin may hold any
/// character but a newline.
fn path_of(dir: &Path, origin: &str) -> PathBuf {
    let name: String = origin.bytes().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("{name}.checkpoint"))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WitnessError + '_ {
    move |source| WitnessError::Io {
        path: path.display().to_string(),
        source,
    }
}

pub fn load(dir: &Path, origin: &str) -> Result<Option<WitnessedLog>, WitnessError> {
    let path = path_of(dir, origin);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(io(&path)(error)),
    };
    let invalid = |detail: String| WitnessError::State {
        path: path.display().to_string(),
        detail,
    };
    let checkpoint = Checkpoint::parse(&text).map_err(|error| invalid(error.to_string()))?;
    if checkpoint.origin != origin {
        return Err(invalid(format!("holds the origin {:?}", checkpoint.origin)));
    }
    Ok(Some(WitnessedLog {
        origin: checkpoint.origin,
        size: checkpoint.size,
        root: checkpoint.root,
    }))
}

pub fn save(dir: &Path, state: &WitnessedLog) -> Result<(), WitnessError> {
    let path = path_of(dir, &state.origin);
    let temporary = path.with_extension("checkpoint.tmp");
    let text = Checkpoint {
        origin: state.origin.clone(),
        size: state.size,
        root: state.root,
        extensions: Vec::new(),
    }
    .to_text();
    let mut file = std::fs::File::create(&temporary).map_err(io(&temporary))?;
    file.write_all(text.as_bytes()).map_err(io(&temporary))?;
    file.sync_all().map_err(io(&temporary))?;
    drop(file);
    std::fs::rename(&temporary, &path).map_err(io(&path))?;
    std::fs::File::open(dir)
        .and_then(|directory| directory.sync_all())
        .map_err(io(dir))
}
