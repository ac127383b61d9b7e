//! C2SP signed-note: a UTF-8 text ending in a newline, a blank line, then
//! signature lines `— <key name> base64(key ID || signature)`. Byte-compatible
//! with Go's `golang.org/x/mod/sumdb/note` (keys, key IDs and the parsing rules
//! of `note.Open`), so notes signed on either side open on the other.
//!
//! Keys are Ed25519 (signature type 0x01). The key ID is the first four bytes
//! of SHA-256(name || "\n" || type || public key); it lets a verifier skip
//! lines from keys it does not know without trying them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

use crate::Error;
use crate::hash::sha256;

/// Signature type byte of note signatures.
pub(crate) const ALG_ED25519: u8 = 0x01;

/// At most this many signature lines, as x/mod.
const MAX_SIGNATURES: usize = 100;

/// A key name: non-empty, no whitespace (Unicode), no `+`.
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(char::is_whitespace) && !name.contains('+')
}

/// The key ID: SHA-256(name || "\n" || alg || key)[:4], big-endian.
pub(crate) fn key_id(name: &str, alg: u8, key: &[u8]) -> u32 {
    let h = sha256(&[name.as_bytes(), b"\n", &[alg], key]);
    u32::from_be_bytes([h[0], h[1], h[2], h[3]])
}

pub(crate) fn format_vkey(name: &str, alg: u8, key: &[u8; 32]) -> String {
    let mut material = vec![alg];
    material.extend_from_slice(key);
    format!(
        "{name}+{:08x}+{}",
        key_id(name, alg, key),
        STANDARD.encode(material)
    )
}

/// Parses `<name>+<key id hex8>+<base64(alg || key)>` for the given algorithm.
pub(crate) fn parse_vkey(vkey: &str, alg: u8) -> Result<(String, u32, VerifyingKey), Error> {
    let bad = |why: &str| Error::Key(format!("{why} in verifier key"));
    let (name, rest) = vkey.split_once('+').ok_or_else(|| bad("no name"))?;
    let (hex, b64) = rest.split_once('+').ok_or_else(|| bad("no key ID"))?;
    let id = parse_key_id(hex).ok_or_else(|| bad("bad key ID"))?;
    if !is_valid_name(name) {
        return Err(bad("bad name"));
    }
    let material = STANDARD.decode(b64).map_err(|_| bad("bad base64"))?;
    let (&got_alg, key) = material.split_first().ok_or_else(|| bad("empty key"))?;
    if got_alg != alg {
        return Err(bad("wrong signature type"));
    }
    let key: [u8; 32] = key.try_into().map_err(|_| bad("wrong key length"))?;
    if key_id(name, alg, &key) != id {
        return Err(bad("wrong key ID"));
    }
    let key = VerifyingKey::from_bytes(&key).map_err(|_| bad("invalid Ed25519 key"))?;
    Ok((name.to_string(), id, key))
}

/// Parses `PRIVATE+KEY+<name>+<key id hex8>+<base64(alg || seed)>`.
pub(crate) fn parse_skey(skey: &str, alg: u8) -> Result<(String, SigningKey), Error> {
    let bad = |why: &str| Error::Key(format!("{why} in signer key"));
    let rest = skey
        .strip_prefix("PRIVATE+KEY+")
        .ok_or_else(|| bad("no PRIVATE+KEY prefix"))?;
    let (name, rest) = rest.split_once('+').ok_or_else(|| bad("no name"))?;
    let (hex, b64) = rest.split_once('+').ok_or_else(|| bad("no key ID"))?;
    let id = parse_key_id(hex).ok_or_else(|| bad("bad key ID"))?;
    if !is_valid_name(name) {
        return Err(bad("bad name"));
    }
    let material = STANDARD.decode(b64).map_err(|_| bad("bad base64"))?;
    let (&got_alg, seed) = material.split_first().ok_or_else(|| bad("empty key"))?;
    if got_alg != alg {
        return Err(bad("wrong signature type"));
    }
    let seed: [u8; 32] = seed.try_into().map_err(|_| bad("wrong seed length"))?;
    let key = SigningKey::from_bytes(&seed);
    // The ID is of the public key, so it also checks the seed.
    if key_id(name, alg, key.verifying_key().as_bytes()) != id {
        return Err(bad("wrong key ID"));
    }
    Ok((name.to_string(), key))
}

pub(crate) fn format_skey(name: &str, alg: u8, key: &SigningKey) -> String {
    let mut material = vec![alg];
    material.extend_from_slice(&key.to_bytes());
    format!(
        "PRIVATE+KEY+{name}+{:08x}+{}",
        key_id(name, alg, key.verifying_key().as_bytes()),
        STANDARD.encode(material)
    )
}

fn parse_key_id(hex: &str) -> Option<u32> {
    (hex.len() == 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u32::from_str_radix(hex, 16).ok())?
}

pub(crate) fn checked_name(name: &str) -> Result<String, Error> {
    if is_valid_name(name) {
        Ok(name.to_string())
    } else {
        Err(Error::Key(format!("invalid key name {name:?}")))
    }
}

pub(crate) fn verify_ed25519(key: &VerifyingKey, msg: &[u8], sig: &[u8]) -> bool {
    match Signature::from_slice(sig) {
        Ok(sig) => key.verify(msg, &sig).is_ok(),
        Err(_) => false,
    }
}

/// A note signer: an Ed25519 key with a name.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
}

impl NoteSigner {
    /// A signer from a 32-byte Ed25519 seed (the caller supplies randomness).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<NoteSigner, Error> {
        Ok(NoteSigner {
            name: checked_name(name)?,
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Parses a signer key as x/mod `note.NewSigner` takes it.
    pub fn from_skey(skey: &str) -> Result<NoteSigner, Error> {
        let (name, key) = parse_skey(skey, ALG_ED25519)?;
        Ok(NoteSigner { name, key })
    }

    /// The signer key, `PRIVATE+KEY+<name>+<id>+<base64>`.
    pub fn skey(&self) -> String {
        format_skey(&self.name, ALG_ED25519, &self.key)
    }

    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            id: key_id(&self.name, ALG_ED25519, self.key.verifying_key().as_bytes()),
            key: self.key.verifying_key(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        key_id(&self.name, ALG_ED25519, self.key.verifying_key().as_bytes())
    }
}

impl std::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the seed.
        write!(f, "NoteSigner({}+{:08x})", self.name, self.key_id())
    }
}

/// A note verifier: a named Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Parses a verifier key, `<name>+<id>+<base64(0x01 || key)>`.
    pub fn from_vkey(vkey: &str) -> Result<NoteVerifier, Error> {
        let (name, id, key) = parse_vkey(vkey, ALG_ED25519)?;
        Ok(NoteVerifier { name, id, key })
    }

    pub fn vkey(&self) -> String {
        format_vkey(&self.name, ALG_ED25519, self.key.as_bytes())
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.id
    }
}

/// One signature line of a note, split.
pub(crate) struct SigLine<'a> {
    /// The line without its newline.
    pub line: &'a str,
    pub name: &'a str,
    pub key_id: u32,
    /// The signature after the key ID.
    pub sig: Vec<u8>,
}

/// A note split into its text (with final newline) and signature lines, by
/// the rules of x/mod `note.Open`.
pub(crate) struct ParsedNote<'a> {
    pub text: &'a str,
    pub sigs: Vec<SigLine<'a>>,
}

pub(crate) fn parse_note(note: &str) -> Result<ParsedNote<'_>, Error> {
    let bad = |why: &str| Error::MalformedNote(why.to_string());
    if note.chars().any(|c| c < ' ' && c != '\n') {
        return Err(bad("control character"));
    }
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| bad("no blank line before signatures"))?;
    let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
    if sigs.is_empty() || !sigs.ends_with('\n') {
        return Err(bad("no signatures, or no final newline"));
    }
    let lines: Vec<&str> = sigs[..sigs.len() - 1].split('\n').collect();
    if lines.len() > MAX_SIGNATURES {
        return Err(bad("too many signatures"));
    }
    let sigs = lines
        .into_iter()
        .map(parse_sig_line)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ParsedNote { text, sigs })
}

pub(crate) fn parse_sig_line(line: &str) -> Result<SigLine<'_>, Error> {
    let bad = || Error::MalformedNote(format!("bad signature line {line:?}"));
    let rest = line.strip_prefix("— ").ok_or_else(bad)?;
    let (name, b64) = rest.split_once(' ').ok_or_else(bad)?;
    if !is_valid_name(name) || b64.is_empty() {
        return Err(bad());
    }
    let raw = STANDARD.decode(b64).map_err(|_| bad())?;
    if raw.len() < 5 {
        return Err(bad());
    }
    Ok(SigLine {
        line,
        name,
        key_id: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
        sig: raw[4..].to_vec(),
    })
}

/// A note text is valid UTF-8 (given), ends in a newline and has no control
/// characters other than newline.
pub(crate) fn check_text(text: &str) -> Result<(), Error> {
    if !text.ends_with('\n') {
        return Err(Error::MalformedNote("text must end in a newline".into()));
    }
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(Error::MalformedNote("control character in text".into()));
    }
    Ok(())
}

pub(crate) fn signature_line(name: &str, key_id: u32, sig: &[u8]) -> String {
    let mut raw = key_id.to_be_bytes().to_vec();
    raw.extend_from_slice(sig);
    format!("— {name} {}\n", STANDARD.encode(raw))
}

/// Signs `text` (which must end in a newline) with each signer, giving the
/// whole signed note.
pub fn sign_note(text: &str, signers: &[&NoteSigner]) -> Result<String, Error> {
    check_text(text)?;
    if signers.is_empty() {
        return Err(Error::InvalidArgument("a note needs a signer".into()));
    }
    let mut note = format!("{text}\n");
    for s in signers {
        let sig = s.key.sign(text.as_bytes());
        note.push_str(&signature_line(&s.name, s.key_id(), &sig.to_bytes()));
    }
    Ok(note)
}

/// An opened note: its text and who signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedNote {
    pub text: String,
    /// Names of the known keys whose signatures verified.
    pub verified: Vec<String>,
    /// Names on signature lines from keys not given (cosignatures included).
    pub unverified: Vec<String>,
}

/// Opens a signed note: every signature from a given key must verify, and
/// at least one must be present. Lines from other keys are listed, not checked.
pub fn open_note(note: &str, verifiers: &[&NoteVerifier]) -> Result<OpenedNote, Error> {
    let parsed = parse_note(note)?;
    let mut verified: Vec<(String, u32)> = Vec::new();
    let mut unverified: Vec<&str> = Vec::new();
    let mut unverified_lines: Vec<&str> = Vec::new();
    for sig in &parsed.sigs {
        let known: Vec<&&NoteVerifier> = verifiers
            .iter()
            .filter(|v| v.name == sig.name && v.id == sig.key_id)
            .collect();
        match known.as_slice() {
            [] => {
                if !unverified_lines.contains(&sig.line) {
                    unverified_lines.push(sig.line);
                    unverified.push(sig.name);
                }
            }
            [v] => {
                if verified.contains(&(v.name.clone(), v.id)) {
                    continue;
                }
                if !verify_ed25519(&v.key, parsed.text.as_bytes(), &sig.sig) {
                    return Err(Error::InvalidSignature {
                        name: v.name.clone(),
                        key_id: v.id,
                    });
                }
                verified.push((v.name.clone(), v.id));
            }
            _ => {
                return Err(Error::Key(format!(
                    "ambiguous key {}+{:08x}",
                    sig.name, sig.key_id
                )));
            }
        }
    }
    if verified.is_empty() {
        return Err(Error::UnverifiedNote);
    }
    Ok(OpenedNote {
        text: parsed.text.to_string(),
        verified: verified.into_iter().map(|(n, _)| n).collect(),
        unverified: unverified.into_iter().map(str::to_string).collect(),
    })
}

/// Appends signature lines (e.g. cosignatures from a witness) to a signed
/// note. Each must be a well-formed line, with or without its newline;
/// lines the note already has are skipped.
pub fn add_signatures(note: &str, signature_lines: &[String]) -> Result<String, Error> {
    let parsed = parse_note(note)?;
    let mut have: Vec<String> = parsed.sigs.iter().map(|s| s.line.to_string()).collect();
    let mut out = note.to_string();
    for line in signature_lines {
        let line = line.strip_suffix('\n').unwrap_or(line);
        if line.contains('\n') {
            return Err(Error::MalformedNote(format!("not one line: {line:?}")));
        }
        parse_sig_line(line)?;
        if have.iter().any(|h| h == line) {
            continue;
        }
        if have.len() >= MAX_SIGNATURES {
            return Err(Error::MalformedNote("too many signatures".into()));
        }
        have.push(line.to_string());
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // From x/mod's sumdb/note/note_test.go (TestSign, TestOpen).
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    #[test]
    fn keys_match_x_mod() {
        let signer = NoteSigner::from_skey(PETER_SKEY).unwrap();
        assert_eq!(signer.skey(), PETER_SKEY);
        assert_eq!(signer.verifier().vkey(), PETER_VKEY);
        assert_eq!(signer.key_id(), 0xc74f20a3);
        let v = NoteVerifier::from_vkey(PETER_VKEY).unwrap();
        assert_eq!((v.name(), v.key_id()), ("PeterNeumann", 0xc74f20a3));
        assert_eq!(v.vkey(), PETER_VKEY);
        // x/mod's bad keys: wrong length with adjusted hash; unknown algorithm.
        for bad in [
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
            "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3",
        ] {
            assert!(NoteVerifier::from_vkey(bad).is_err(), "{bad}");
        }
        assert!(NoteSigner::from_skey(&PETER_SKEY.replace("c74f20a3", "c74f20a4")).is_err());
        assert!(NoteSigner::from_skey(PETER_VKEY).is_err());
    }

    #[test]
    fn signs_exactly_as_x_mod() {
        let signer = NoteSigner::from_skey(PETER_SKEY).unwrap();
        assert_eq!(
            sign_note(TEXT, &[&signer]).unwrap(),
            format!("{TEXT}\n{PETER_SIG}")
        );
        assert!(sign_note("no newline", &[&signer]).is_err());
        assert!(sign_note("bell\x07\n", &[&signer]).is_err());
        assert!(sign_note(TEXT, &[]).is_err());
    }

    #[test]
    fn opens_x_mod_notes() {
        let peter = NoteVerifier::from_vkey(PETER_VKEY).unwrap();
        let enoch = NoteVerifier::from_vkey(ENOCH_VKEY).unwrap();
        let note = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
        let opened = open_note(&note, &[&peter]).unwrap();
        assert_eq!(opened.text, TEXT);
        assert_eq!(opened.verified, ["PeterNeumann"]);
        assert_eq!(opened.unverified, ["EnochRoot"]);
        let both = open_note(&note, &[&peter, &enoch]).unwrap();
        assert_eq!(both.verified, ["PeterNeumann", "EnochRoot"]);
        assert!(both.unverified.is_empty());
        assert_eq!(open_note(&note, &[]), Err(Error::UnverifiedNote));
    }

    #[test]
    fn tampering_fails() {
        let peter = NoteVerifier::from_vkey(PETER_VKEY).unwrap();
        let note = format!("{TEXT}\n{PETER_SIG}");
        let text = note.replace("answer", "Answer");
        assert!(matches!(
            open_note(&text, &[&peter]),
            Err(Error::InvalidSignature { .. })
        ));
        let sig = note.replace("x08go/ZJ", "x08go/ZK");
        assert!(matches!(
            open_note(&sig, &[&peter]),
            Err(Error::InvalidSignature { .. })
        ));
        // Renamed signer: no longer a known key.
        let renamed = note.replace("— PeterNeumann", "— CarmenSandiego");
        assert_eq!(open_note(&renamed, &[&peter]), Err(Error::UnverifiedNote));
        for malformed in [
            TEXT.to_string(),
            format!("{TEXT}\n"),
            format!("{TEXT}\n{}", PETER_SIG.trim_end()),
            format!("{TEXT}\n— Bad Name x08go/ZJ\n"),
            format!("{TEXT}\n- PeterNeumann x08go/ZJ\n"),
            format!("bell\x07\n\n{PETER_SIG}"),
        ] {
            assert!(
                matches!(
                    open_note(&malformed, &[&peter]),
                    Err(Error::MalformedNote(_))
                ),
                "{malformed:?}"
            );
        }
    }

    #[test]
    fn round_trip_and_add_signatures() {
        let a = NoteSigner::from_seed("example.com/a", [1; 32]).unwrap();
        let b = NoteSigner::from_seed("example.com/b", [2; 32]).unwrap();
        assert!(NoteSigner::from_seed("has space", [1; 32]).is_err());
        assert!(NoteSigner::from_seed("a+b", [1; 32]).is_err());
        assert_eq!(NoteSigner::from_skey(&a.skey()).unwrap().skey(), a.skey());
        let note = sign_note("hello\n", &[&a]).unwrap();
        let b_line = sign_note("hello\n", &[&b]).unwrap()["hello\n\n".len()..].to_string();
        let both = add_signatures(&note, std::slice::from_ref(&b_line)).unwrap();
        assert_eq!(both, sign_note("hello\n", &[&a, &b]).unwrap());
        assert_eq!(add_signatures(&both, &[b_line]).unwrap(), both);
        let opened = open_note(&both, &[&a.verifier(), &b.verifier()]).unwrap();
        assert_eq!(opened.verified, ["example.com/a", "example.com/b"]);
        assert!(add_signatures(&note, &["not a line".into()]).is_err());
    }
}
