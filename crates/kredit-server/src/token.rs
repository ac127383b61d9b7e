//! Access and refresh tokens.
//!
//! Access tokens are stateless so any instance behind a load balancer can
//! check them without a database round trip: `v1.<claims>.<mac>` where
//! `claims` is base64url JSON `{sub, role, iat, exp}` and `mac` is
//! HMAC-SHA256 over `v1.<claims>` with the configured secret. They live
//! minutes, so role changes and logouts take effect quickly.
//!
//! Refresh tokens are opaque random strings (256 bits); only their SHA-256
//! is stored, each use rotates them, and logout revokes them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use kredit_store::{Role, UserId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use kredit_app::ids::random_bytes;

const VERSION: &str = "v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: UserId,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the access token is malformed or its signature is wrong")]
    Invalid,
    #[error("the access token has expired")]
    Expired,
}

#[derive(Clone)]
pub struct AccessTokens {
    secret: Vec<u8>,
    ttl: Duration,
}

impl AccessTokens {
    pub fn new(secret: Vec<u8>, ttl: Duration) -> Self {
        Self { secret, ttl }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC accepts any key length")
    }

    pub fn issue(&self, user: UserId, role: Role, now: DateTime<Utc>) -> String {
        let claims = Claims {
            sub: user,
            role,
            iat: now.timestamp(),
            exp: (now + self.ttl).timestamp(),
        };
        let payload =
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("claims serialise"));
        let signed = format!("{VERSION}.{payload}");
        let mut mac = self.mac();
        mac.update(signed.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signed}.{signature}")
    }

    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let (signed, signature) = token.rsplit_once('.').ok_or(TokenError::Invalid)?;
        let payload = signed.strip_prefix("v1.").ok_or(TokenError::Invalid)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Invalid)?;
        let mut mac = self.mac();
        mac.update(signed.as_bytes());
        // Constant-time comparison.
        mac.verify_slice(&signature)
            .map_err(|_| TokenError::Invalid)?;
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Invalid)?;
        let claims: Claims = serde_json::from_slice(&json).map_err(|_| TokenError::Invalid)?;
        if now.timestamp() >= claims.exp {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

/// A new opaque refresh token and the hash to store for it.
pub fn new_refresh_token() -> (String, String) {
    let token = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// SHA-256 is enough here (no salt, no stretching): the token has 256 bits
/// of entropy, so the hash cannot be reversed by guessing.
pub fn hash_refresh_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> AccessTokens {
        AccessTokens::new(vec![9; 32], Duration::minutes(15))
    }

    #[test]
    fn issued_tokens_verify_until_they_expire() {
        let now = Utc::now();
        let token = tokens().issue(UserId(42), Role::Admin, now);
        let claims = tokens().verify(&token, now).unwrap();
        assert_eq!((claims.sub, claims.role), (UserId(42), Role::Admin));
        assert_eq!(
            tokens().verify(&token, now + Duration::minutes(15)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn forged_or_foreign_tokens_are_invalid() {
        let now = Utc::now();
        let token = tokens().issue(UserId(42), Role::Borrower, now);
        let other = AccessTokens::new(vec![8; 32], Duration::minutes(15));
        assert_eq!(other.verify(&token, now), Err(TokenError::Invalid));
        // Swap in claims for an admin, keeping the borrower's signature.
        let (_, signature) = token.rsplit_once('.').unwrap();
        let admin = tokens().issue(UserId(42), Role::Admin, now);
        let (admin_signed, _) = admin.rsplit_once('.').unwrap();
        assert_eq!(
            tokens().verify(&format!("{admin_signed}.{signature}"), now),
            Err(TokenError::Invalid)
        );
        for garbage in ["", "v1", "v1.x.y", "v2.abc.def"] {
            assert_eq!(tokens().verify(garbage, now), Err(TokenError::Invalid));
        }
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, hash_a) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(hash_refresh_token(&a), hash_a);
        assert_eq!(hash_a.len(), 64);
    }
}
