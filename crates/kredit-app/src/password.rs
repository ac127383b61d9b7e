//! Password policy and argon2id hashing.
//!
//! argon2id with the `argon2` crate's defaults, which are OWASP's
//! recommendation: 19 MiB memory, 2 iterations, 1 lane, 16-byte random salt,
//! 32-byte output, stored as a PHC string so parameters can be raised later
//! without invalidating existing hashes. Hashing is CPU-bound (~tens of ms)
//! and runs on the blocking thread pool so it never stalls the runtime.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::error::AppError;

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

/// 8-128 characters with at least one letter and one digit, and not the
/// phone number itself.
pub fn check_policy(password: &str, phone: &str) -> Result<(), AppError> {
    let length = password.chars().count();
    let reason = if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        Some(format!(
            "a password has {MIN_LENGTH} to {MAX_LENGTH} characters"
        ))
    } else if !password.chars().any(char::is_alphabetic)
        || !password.chars().any(|c| c.is_ascii_digit())
    {
        Some("a password contains at least one letter and one digit".to_owned())
    } else if password.contains(phone) {
        Some("a password must not contain the phone number".to_owned())
    } else {
        None
    };
    match reason {
        Some(message) => Err(AppError::field("password", "weak_password", message)),
        None => Ok(()),
    }
}

pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)
}

/// Verifies against a stored PHC string. With `None` (unknown user) a
/// dummy hash is checked anyway, so response time does not reveal which
/// phone numbers are registered.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), stored.as_str())
            .is_ok();
        known && matches
    })
    .await
    .map_err(AppError::internal)
}

/// argon2id of a random password nobody knows, computed once.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let unknown = crate::ids::random_bytes::<16>();
    Argon2::default()
        .hash_password(&unknown)
        .expect("argon2 hashes any input")
        .to_string()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(check_policy("s3cret-pass", "13812345678").is_ok());
        for weak in ["short1", "onlyletters", "12345678901", "x13812345678"] {
            assert!(check_policy(weak, "13812345678").is_err(), "{weak}");
        }
    }

    #[tokio::test]
    async fn hashes_verify_and_are_argon2id() {
        let hash = hash("s3cret-pass".to_owned()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify("s3cret-pass".to_owned(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong-pass1".to_owned(), Some(hash)).await.unwrap());
        assert!(!verify("anything1".to_owned(), None).await.unwrap());
    }
}
