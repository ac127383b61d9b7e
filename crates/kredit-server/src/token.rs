//! Access and refresh tokens.
//!
//! Access tokens are signed so any instance can check them without shared
//! memory: `v2.<kid>.<claims>.<mac>` where `kid` names the signing secret
//! (the first 8 bytes of a hash of it, hex), `claims` is base64url JSON
//! `{sub, role, sid, iat, exp}` and `mac` is HMAC-SHA256 over
//! `v2.<kid>.<claims>` with that secret. `sid` is the session: the
//! extractor refuses a token whose session has ended, so logout and
//! password or role changes take effect at once.
//!
//! One secret signs (`KREDIT_TOKEN_SECRET`); previous ones
//! (`KREDIT_TOKEN_SECRETS_ACCEPTED`) still verify, so a secret can be
//! rotated without signing everyone out.
//!
//! Refresh tokens are opaque random strings (256 bits); only their SHA-256
//! is stored, each use rotates them, and logout revokes them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use kredit_store::{Role, SessionId, UserId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use kredit_app::ids::random_bytes;

const VERSION: &str = "v2";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: UserId,
    pub role: Role,
    pub sid: SessionId,
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

/// A secret and the id tokens name it by.
#[derive(Clone)]
struct SigningKey {
    id: String,
    secret: Vec<u8>,
}

impl SigningKey {
    fn new(secret: Vec<u8>) -> Self {
        let digest = Sha256::new()
            .chain_update(b"kredit token key id\n")
            .chain_update(&secret)
            .finalize();
        let id = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Self { id, secret }
    }

    fn mac(&self, signed: &str) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC accepts any key length");
        mac.update(signed.as_bytes());
        mac
    }
}

#[derive(Clone)]
pub struct AccessTokens {
    signing: SigningKey,
    /// The signing key first, then the accepted previous ones.
    verifying: Vec<SigningKey>,
    ttl: Duration,
}

impl AccessTokens {
    pub fn new(secret: Vec<u8>, ttl: Duration) -> Self {
        Self::with_accepted(secret, Vec::new(), ttl)
    }

    /// Signs with `secret`; tokens of `accepted` still verify.
    pub fn with_accepted(secret: Vec<u8>, accepted: Vec<Vec<u8>>, ttl: Duration) -> Self {
        let signing = SigningKey::new(secret);
        let mut verifying = vec![signing.clone()];
        verifying.extend(accepted.into_iter().map(SigningKey::new));
        Self {
            signing,
            verifying,
            ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The id of the signing secret (shown in logs at startup, never the secret).
    pub fn key_id(&self) -> &str {
        &self.signing.id
    }

    pub fn issue(
        &self,
        user: UserId,
        role: Role,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> String {
        let claims = Claims {
            sub: user,
            role,
            sid: session,
            iat: now.timestamp(),
            exp: (now + self.ttl).timestamp(),
        };
        let payload =
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("claims serialise"));
        let signed = format!("{VERSION}.{}.{payload}", self.signing.id);
        let signature = URL_SAFE_NO_PAD.encode(self.signing.mac(&signed).finalize().into_bytes());
        format!("{signed}.{signature}")
    }

    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let (signed, signature) = token.rsplit_once('.').ok_or(TokenError::Invalid)?;
        let rest = signed
            .strip_prefix(VERSION)
            .and_then(|rest| rest.strip_prefix('.'))
            .ok_or(TokenError::Invalid)?;
        let (key_id, payload) = rest.split_once('.').ok_or(TokenError::Invalid)?;
        let key = self
            .verifying
            .iter()
            .find(|key| key.id == key_id)
            .ok_or(TokenError::Invalid)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Invalid)?;
        // Constant-time comparison.
        key.mac(signed)
            .verify_slice(&signature)
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

    const SESSION: SessionId = SessionId(7);

    #[test]
    fn previous_secrets_verify_during_a_rotation_and_unknown_ones_do_not() {
        let now = Utc::now();
        let old = tokens().issue(UserId(42), Role::Admin, SESSION, now);
        let rotated =
            AccessTokens::with_accepted(vec![1; 32], vec![vec![9; 32]], Duration::minutes(15));
        assert_eq!(rotated.verify(&old, now).unwrap().sub, UserId(42));
        let new = rotated.issue(UserId(43), Role::Borrower, SESSION, now);
        assert_eq!(rotated.verify(&new, now).unwrap().sub, UserId(43));
        assert_eq!(tokens().verify(&new, now), Err(TokenError::Invalid));
        // A token naming the accepted key's id but signed with another secret.
        let stranger = AccessTokens::new(vec![2; 32], Duration::minutes(15));
        let forged = stranger.issue(UserId(42), Role::Admin, SESSION, now);
        let (_, rest) = forged.split_once('.').unwrap();
        let (_, rest) = rest.split_once('.').unwrap();
        let relabelled = format!("v2.{}.{rest}", tokens().key_id());
        assert_eq!(rotated.verify(&relabelled, now), Err(TokenError::Invalid));
    }

    #[test]
    fn issued_tokens_verify_until_they_expire() {
        let now = Utc::now();
        let token = tokens().issue(UserId(42), Role::Admin, SESSION, now);
        let claims = tokens().verify(&token, now).unwrap();
        assert_eq!(
            (claims.sub, claims.role, claims.sid),
            (UserId(42), Role::Admin, SESSION)
        );
        assert_eq!(
            tokens().verify(&token, now + Duration::minutes(15)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn forged_or_foreign_tokens_are_invalid() {
        let now = Utc::now();
        let token = tokens().issue(UserId(42), Role::Borrower, SESSION, now);
        let other = AccessTokens::new(vec![8; 32], Duration::minutes(15));
        assert_eq!(other.verify(&token, now), Err(TokenError::Invalid));
        // Swap in claims for an admin, keeping the borrower's signature.
        let (_, signature) = token.rsplit_once('.').unwrap();
        let admin = tokens().issue(UserId(42), Role::Admin, SESSION, now);
        let (admin_signed, _) = admin.rsplit_once('.').unwrap();
        assert_eq!(
            tokens().verify(&format!("{admin_signed}.{signature}"), now),
            Err(TokenError::Invalid)
        );
        for garbage in ["", "v1", "v1.x.y", "v2.abc.def", "v2.a.b.c"] {
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
