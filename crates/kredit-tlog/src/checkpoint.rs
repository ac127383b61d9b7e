//! C2SP tlog-checkpoint: the note text of a signed tree head.
//!
//! ```text
//! <origin>
//! <size, decimal>
//! <root, base64>
//! [extension lines]
//! ```
//! Every line is non-empty and ends in a newline. Parsing is strict (no
//! leading zeroes, canonical base64) so one tree head has one text, and a
//! witness or verifier never disagrees with the log about what was signed.

use crate::note::check_text;
use crate::{Error, Hash};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, conventionally a schema-less URL.
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Optional opaque lines after the root, without their newlines.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Parses a checkpoint note text (not the signed note: open that first).
    pub fn parse(text: &str) -> Result<Checkpoint, Error> {
        let bad = |why: &str| Error::Checkpoint(why.to_string());
        check_text(text).map_err(|e| Error::Checkpoint(e.to_string()))?;
        let lines: Vec<&str> = text[..text.len() - 1].split('\n').collect();
        if lines.len() < 3 {
            return Err(bad("fewer than three lines"));
        }
        if lines.iter().any(|l| l.is_empty()) {
            return Err(bad("empty line"));
        }
        let size_line = lines[1];
        if !size_line.bytes().all(|b| b.is_ascii_digit())
            || (size_line.len() > 1 && size_line.starts_with('0'))
        {
            return Err(bad("size is not a canonical decimal"));
        }
        let size = size_line.parse().map_err(|_| bad("size out of range"))?;
        let root = Hash::from_base64(lines[2]).map_err(|e| bad(&e.to_string()))?;
        if root.to_base64() != lines[2] {
            return Err(bad("root is not canonical base64"));
        }
        Ok(Checkpoint {
            origin: lines[0].to_string(),
            size,
            root,
            extensions: lines[3..].iter().map(|s| s.to_string()).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    #[test]
    fn spec_example_round_trips() {
        let c = Checkpoint::parse(SPEC).unwrap();
        assert_eq!(c.origin, "example.com/behind-the-sofa");
        assert_eq!(c.size, 20852163);
        assert!(c.extensions.is_empty());
        assert_eq!(c.to_text(), SPEC);
        let ext = format!("{SPEC}ext one\next two\n");
        let c = Checkpoint::parse(&ext).unwrap();
        assert_eq!(c.extensions, ["ext one", "ext two"]);
        assert_eq!(c.to_text(), ext);
    }

    #[test]
    fn rejects_non_canonical() {
        for bad in [
            SPEC.trim_end(),
            "example.com\n20852163\n",
            "example.com\n020852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            "example.com\n+1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            "example.com\n99999999999999999999\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            "example.com\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2\n",
            "example.com\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
            "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        ] {
            assert!(Checkpoint::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Checkpoint::parse("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
                .unwrap()
                .size,
            0
        );
    }
}
