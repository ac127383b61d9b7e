//! Random identifiers and secrets, from the operating system's generator.

/// `N` bytes from the OS's cryptographic generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0_u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random generator is available");
    bytes
}

/// 24 hex digits: a reference nobody can guess (payment references).
pub fn random_reference() -> String {
    random_bytes::<12>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
