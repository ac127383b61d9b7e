//! Login throttling: token buckets in the database, so every instance
//! behind a load balancer shares them, instead of a lockout a stranger could
//! trigger.
//!
//! A login attempt takes a token from each of:
//! - the client address's bucket (every attempt, any phone);
//! - the (phone, address) bucket: the owner's own address has its own, and a
//!   successful login fills it again;
//! - the phone's bucket for addresses it has not signed in from in the last
//!   [`USUAL_ADDRESS_DAYS`] days: strangers guessing from many addresses
//!   share it, and it never applies to the owner's usual addresses, so no
//!   one else's failures can keep the owner out.
//!
//! Buckets are keyed by the phone's keyed hash, never the number, and
//! identically for phones with and without an account, so a refusal reveals
//! nothing about which phones are customers.

use chrono::{DateTime, Duration, Utc};
use kredit_store::UserId;

use crate::{App, AppResult};

/// How far back an address counts as one the owner signs in from.
pub const USUAL_ADDRESS_DAYS: i64 = 30;

/// No account has this id (ids start at 1).
const NO_USER: UserId = UserId(0);

/// A bucket: `burst` tokens, one more every `interval_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub burst: i64,
    pub interval_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rates {
    pub per_address: Rate,
    pub per_account_address: Rate,
    pub per_account: Rate,
    /// Attempts at changing one's password (wrong current passwords).
    pub password_change: Rate,
}

/// Refused for now; try again after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after_seconds: i64,
}

fn account_address_bucket(phone_hash: &str, address: &str) -> String {
    format!("login:account-address:{phone_hash}:{address}")
}

/// Takes a token from each bucket a login attempt for `phone_hash` from
/// `address` draws on; `Some` if any of them is empty. `user` is the
/// phone's account, if it has one.
pub async fn login_attempt(
    app: &App,
    rates: &Rates,
    phone_hash: &str,
    user: Option<UserId>,
    address: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Throttled>> {
    // Asked for phones without an account too (of a user id no row has),
    // so both take the same reads and the same time.
    let usual = app
        .repository
        .sessions()
        .signed_in_from(
            user.unwrap_or(NO_USER),
            address,
            now - Duration::days(USUAL_ADDRESS_DAYS),
        )
        .await?;
    let mut buckets = vec![
        (format!("login:address:{address}"), rates.per_address),
        (
            account_address_bucket(phone_hash, address),
            rates.per_account_address,
        ),
    ];
    if !usual {
        buckets.push((format!("login:account:{phone_hash}"), rates.per_account));
    }
    take_all(app, &buckets, now).await
}

/// After a successful login the owner's bucket at this address is full again.
pub async fn login_succeeded(app: &App, phone_hash: &str, address: &str) -> AppResult<()> {
    app.repository
        .sessions()
        .reset_bucket(&account_address_bucket(phone_hash, address))
        .await?;
    Ok(())
}

/// `LIKE` patterns of every bucket keyed by this account's phone or id
/// (an erasure deletes them with the rest).
#[must_use]
pub fn account_buckets(phone_hash: &str, user: UserId) -> Vec<String> {
    vec![
        format!("login:account:{phone_hash}"),
        account_address_bucket(phone_hash, "%"),
        password_bucket(user),
    ]
}

fn password_bucket(user: UserId) -> String {
    format!("password:{user}")
}

/// One attempt at `/me/password` (the current password is checked next).
pub async fn password_attempt(
    app: &App,
    rates: &Rates,
    user: UserId,
    now: DateTime<Utc>,
) -> AppResult<Option<Throttled>> {
    take_all(app, &[(password_bucket(user), rates.password_change)], now).await
}

pub async fn password_succeeded(app: &App, user: UserId) -> AppResult<()> {
    app.repository
        .sessions()
        .reset_bucket(&password_bucket(user))
        .await?;
    Ok(())
}

async fn take_all(
    app: &App,
    buckets: &[(String, Rate)],
    now: DateTime<Utc>,
) -> AppResult<Option<Throttled>> {
    let now_ms = now.timestamp_millis();
    let mut wait_ms = None::<i64>;
    for (bucket, rate) in buckets {
        if let Some(wait) = app
            .repository
            .sessions()
            .take_token(bucket, now_ms, rate.interval_ms, rate.burst)
            .await?
        {
            wait_ms = Some(wait_ms.map_or(wait, |longest| longest.max(wait)));
        }
    }
    Ok(wait_ms.map(|wait| Throttled {
        // Whole seconds, rounded up, at least one (Retry-After's unit).
        retry_after_seconds: (wait + 999) / 1000,
    }))
}

/// Forgets buckets that have filled up again (they mean the same as none).
pub async fn prune(app: &App, now: DateTime<Utc>) -> AppResult<u64> {
    Ok(app
        .repository
        .sessions()
        .prune_buckets(now.timestamp_millis())
        .await?)
}
