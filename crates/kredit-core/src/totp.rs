//! One-time passwords for staff's second factor: HOTP (RFC 4226) and TOTP
//! (RFC 6238) with HMAC-SHA1, the base32 secrets authenticator apps take
//! (RFC 4648) and the `otpauth://` URI they scan. Pure: the caller passes the
//! time and the last step it accepted, and stores what `verify` returns.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Digits of the codes Kredit issues (every authenticator app's default).
pub const DIGITS: u32 = 6;
/// Seconds per step.
pub const PERIOD: i64 = 30;
/// Bytes of a generated secret: 160 bits, the HMAC-SHA1 block's natural key
/// size that RFC 4226 recommends.
pub const SECRET_LEN: usize = 20;

/// HOTP value of `counter` under `secret`, `digits` long (RFC 4226 §5.3).
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    // Dynamic truncation: the low nibble of the last byte picks four bytes.
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    let modulus = 10u64.pow(digits);
    let value = u64::from(binary) % modulus;
    format!("{value:0width$}", width = digits as usize)
}

/// The step `unix_time` falls in (RFC 6238 §4: T0 = 0, X = 30 s). Times
/// before the epoch have no step.
pub fn step_at(unix_time: i64) -> Option<u64> {
    u64::try_from(unix_time).ok().map(|t| t / PERIOD as u64)
}

/// TOTP value at `unix_time`, `digits` long.
pub fn totp(secret: &[u8], unix_time: i64, digits: u32) -> Option<String> {
    Some(hotp(secret, step_at(unix_time)?, digits))
}

/// Checks a 6-digit `code` at `unix_time`: the current step, the one before
/// and the one after are accepted (clocks drift and people type slowly), but
/// never a step at or before `last_used_step`, so a code seen once — or an
/// older one — cannot be replayed. Returns the step matched, which the caller
/// stores as the new `last_used_step` (compare-and-set, so two instances
/// cannot both accept it).
pub fn verify(
    secret: &[u8],
    code: &str,
    unix_time: i64,
    last_used_step: Option<u64>,
) -> Option<u64> {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(unix_time)?;
    let mut matched = None;
    // Every candidate is computed and compared, matched or not, so the time
    // taken does not say which step (if any) matched.
    for step in [now.checked_sub(1), Some(now), now.checked_add(1)]
        .into_iter()
        .flatten()
    {
        let fresh = last_used_step.is_none_or(|last| step > last);
        let equal = constant_time_eq(hotp(secret, step, DIGITS).as_bytes(), code.as_bytes());
        if equal && fresh && matched.is_none() {
            matched = Some(step);
        }
    }
    matched
}

/// Compares without stopping at the first difference, so the time taken says
/// nothing about how many leading digits were right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding (authenticator apps accept it so).
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 0x1f) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 0x1f) as usize]));
    }
    out
}

/// Decodes base32 as people type it: any case, spaces (the UI groups the
/// secret in fours) and trailing `=` ignored. `None` for any other character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for c in text.trim_end_matches('=').chars() {
        if c == ' ' {
            continue;
        }
        let upper = c.to_ascii_uppercase();
        let value = BASE32.iter().position(|&b| char::from(b) == upper)?;
        buffer = (buffer << 5) | value as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// The `otpauth://` URI an authenticator app takes, labelled
/// `Kredit:<label>`; the label is percent-encoded (RFC 3986 unreserved
/// characters kept), so a phone number's `+` or a space cannot change it.
pub fn otpauth_uri(label: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/Kredit:{}?secret={}&issuer=Kredit&algorithm=SHA1&digits={DIGITS}&period={PERIOD}",
        percent_encode(label),
        base32_encode(secret)
    )
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn hotp_rfc4226_appendix_d() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(
                hotp(RFC_SECRET, counter as u64, 6),
                *code,
                "counter {counter}"
            );
        }
    }

    #[test]
    fn totp_rfc6238_appendix_b_sha1() {
        let expected = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (time, code) in expected {
            assert_eq!(
                totp(RFC_SECRET, time, 8).as_deref(),
                Some(code),
                "time {time}"
            );
        }
    }

    #[test]
    fn verify_accepts_one_step_either_side_only() {
        let t = 1_234_567_890;
        let now = step_at(t).unwrap();
        for (offset, accepted) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
            let step = now.checked_add_signed(offset).unwrap();
            let code = hotp(RFC_SECRET, step, DIGITS);
            let got = verify(RFC_SECRET, &code, t, None);
            assert_eq!(got, accepted.then_some(step), "offset {offset}");
        }
    }

    #[test]
    fn verify_refuses_replay_and_older_steps() {
        let t = 1_234_567_890;
        let now = step_at(t).unwrap();
        let code = totp(RFC_SECRET, t, DIGITS).unwrap();
        assert_eq!(verify(RFC_SECRET, &code, t, None), Some(now));
        assert_eq!(verify(RFC_SECRET, &code, t, Some(now)), None);
        let previous = hotp(RFC_SECRET, now - 1, DIGITS);
        assert_eq!(verify(RFC_SECRET, &previous, t, Some(now)), None);
        assert_eq!(
            verify(RFC_SECRET, &previous, t, Some(now - 2)),
            Some(now - 1)
        );
    }

    #[test]
    fn verify_refuses_malformed_codes() {
        let t = 59;
        let code = totp(RFC_SECRET, t, DIGITS).unwrap();
        assert_eq!(
            verify(RFC_SECRET, &format!(" {code} "), t, None),
            step_at(t)
        );
        for bad in ["", "12345", "1234567", "28708a", "２８７０８２"] {
            assert_eq!(verify(RFC_SECRET, bad, t, None), None, "{bad:?}");
        }
        assert_eq!(verify(RFC_SECRET, &code, -1, None), None);
    }

    #[test]
    fn base32_rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32_encode(plain.as_bytes()), encoded);
            assert_eq!(base32_decode(encoded).unwrap(), plain.as_bytes());
        }
        assert_eq!(base32_decode("mzxw 6ytb oi======").unwrap(), b"foobar");
        assert_eq!(base32_decode("MZXW1"), None);
    }

    #[test]
    fn otpauth_uri_encodes_the_label() {
        assert_eq!(
            otpauth_uri("+86 138/x", b"foobar"),
            "otpauth://totp/Kredit:%2B86%20138%2Fx?secret=MZXW6YTBOI&issuer=Kredit&algorithm=SHA1&digits=6&period=30"
        );
    }

    proptest! {
        #[test]
        fn base32_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let encoded = base32_encode(&bytes);
            prop_assert_eq!(base32_decode(&encoded).unwrap(), bytes.clone());
            prop_assert_eq!(base32_decode(&encoded.to_lowercase()).unwrap(), bytes);
        }
    }
}
