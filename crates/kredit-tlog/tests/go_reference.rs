//! Cross-check with Go's golang.org/x/mod/sumdb: writes a 70,000-entry log
//! (full and partial tiles on levels 0, 1 and 2, entry bundles, a signed
//! checkpoint, inclusion and consistency proofs) and runs
//! reference/main.go, which checks it with x/mod's note.Open,
//! tlog.TileHashReader, tlog.TreeHash, tlog.CheckRecord and tlog.CheckTree.
//! Then corrupts one tile and expects Go to refuse it.
//!
//! Skipped (passing) without `go` or the x/mod source, unless `CI` is set.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kredit_tlog::{
    Checkpoint, MemoryHashes, NoteSigner, TILE_WIDTH, encode_entry_bundle, entries_path, leaf_hash,
    prove_consistency, prove_inclusion, sign_note, tile_data, tiles_for_size, tree_hash,
};

const GOPATH: &str = "/usr/share/gocode";
const SIZE: u64 = 70_000;
const OLD_SIZE: u64 = 65_537;

fn go_available() -> bool {
    let go = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    go && Path::new(GOPATH)
        .join("src/golang.org/x/mod/sumdb/tlog/tlog.go")
        .exists()
}

fn write(dir: &Path, rel: &str, data: &[u8]) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, data).unwrap();
}

fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

fn write_log(dir: &Path) {
    let entries: Vec<Vec<u8>> = (0..SIZE)
        .map(|i| format!("kredit entry {i}\n").into_bytes())
        .collect();
    let leaves: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
    let store = MemoryHashes::from_leaves(&leaves);
    let tiles = tiles_for_size(SIZE);
    assert!(tiles.iter().any(|t| t.level == 2), "level-2 tiles exist");
    for t in &tiles {
        write(dir, &t.path(), &tile_data(t, &store).unwrap());
        if t.level == 0 {
            let start = (t.index * u64::from(TILE_WIDTH)) as usize;
            let bundle: Vec<&[u8]> = entries[start..start + usize::from(t.width)]
                .iter()
                .map(|e| e.as_slice())
                .collect();
            write(
                dir,
                &entries_path(t.index, t.width),
                &encode_entry_bundle(&bundle).unwrap(),
            );
        }
    }
    let log = NoteSigner::from_seed("kredit.example/go-reference", [42; 32]).unwrap();
    let checkpoint = Checkpoint {
        origin: "kredit.example/go-reference".into(),
        size: SIZE,
        root: tree_hash(SIZE, &store).unwrap(),
        extensions: vec![],
    };
    write(dir, "vkey", log.verifier().vkey().as_bytes());
    write(
        dir,
        "checkpoint",
        sign_note(&checkpoint.to_text(), &[&log])
            .unwrap()
            .as_bytes(),
    );
    let records: Vec<_> = [
        0,
        1,
        255,
        256,
        257,
        65_535,
        65_536,
        69_887,
        69_888,
        SIZE - 1,
    ]
    .iter()
    .map(|&i| {
        let proof = prove_inclusion(SIZE, i, &store).unwrap();
        serde_json::json!({
            "index": i,
            "entry": b64(&entries[i as usize]),
            "proof": proof.iter().map(|h| h.to_base64()).collect::<Vec<_>>(),
        })
    })
    .collect();
    let consistency = prove_consistency(SIZE, OLD_SIZE, &store).unwrap();
    let proofs = serde_json::json!({
        "records": records,
        "old_size": OLD_SIZE,
        "old_root": tree_hash(OLD_SIZE, &store).unwrap().to_base64(),
        "consistency": consistency.iter().map(|h| h.to_base64()).collect::<Vec<_>>(),
    });
    write(dir, "proofs.json", proofs.to_string().as_bytes());
}

fn run_go(dir: &Path) -> std::process::Output {
    let main = Path::new(env!("CARGO_MANIFEST_DIR")).join("reference/main.go");
    let mut cmd = Command::new("go");
    cmd.arg("run")
        .arg(main)
        .arg(dir)
        .env("GO111MODULE", "off")
        .env("GOPATH", GOPATH)
        .env("GOFLAGS", "");
    if std::env::var_os("HOME").is_none() && std::env::var_os("GOCACHE").is_none() {
        cmd.env("GOCACHE", std::env::temp_dir().join("kredit-tlog-gocache"));
    }
    cmd.output().expect("go runs")
}

#[test]
fn go_x_mod_accepts_our_log() {
    if !go_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but go or golang.org/x/mod is missing"
        );
        println!("skipped: go reference not installed");
        return;
    }
    let dir: PathBuf = std::env::temp_dir().join(format!("kredit-tlog-go-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    write_log(&dir);

    let out = run_go(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "go reference failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.starts_with("ok: tree of 70000"), "{stdout}");
    println!("go reference: {stdout}");

    // The reference must be able to fail: corrupt one hash of a level-1 tile.
    let tile = dir.join("tile/1/000");
    let mut data = fs::read(&tile).unwrap();
    data[100] ^= 1;
    fs::write(&tile, data).unwrap();
    let out = run_go(&dir);
    assert!(!out.status.success(), "go accepted a corrupted tile");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("FAIL"), "{stderr}");
    println!("go reference on a corrupted tile: {stderr}");

    fs::remove_dir_all(&dir).unwrap();
}
