//! The records the repository reads and writes. Personal fields arrive here
//! already encrypted or hashed (see [`crate::pii`]); this layer never sees
//! them in clear.

use chrono::{DateTime, NaiveDate, Utc};
use kredit_core::ids::UserId;
use serde::{Deserialize, Serialize};

/// Who a user is to the platform. Staff roles are granted by an admin;
/// self-registration always yields a borrower.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Borrower,
    Underwriter,
    RiskOfficer,
    Admin,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Borrower,
        Role::Underwriter,
        Role::RiskOfficer,
        Role::Admin,
        Role::Auditor,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Borrower => "borrower",
            Role::Underwriter => "underwriter",
            Role::RiskOfficer => "risk_officer",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }

    #[must_use]
    pub fn is_staff(self) -> bool {
        self != Role::Borrower
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}"))
    }
}

impl TryFrom<String> for Role {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    pub id: UserId,
    pub phone_hash: String,
    pub phone_encrypted: Vec<u8>,
    pub password_hash: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub phone_hash: String,
    pub phone_encrypted: Vec<u8>,
    pub password_hash: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// The data key `phone_encrypted` is sealed under, inserted as the new
    /// user's in the same transaction (`None`: no key of its own, as for
    /// imported borrowers whose phone is not known).
    pub data_key: Option<crate::keys::NewDataKey>,
}

/// Outcome of a four-element verification as stored.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityStatus {
    Verified,
    Rejected,
    Pending,
}

impl IdentityStatus {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityStatus::Verified => "verified",
            IdentityStatus::Rejected => "rejected",
            IdentityStatus::Pending => "pending",
        }
    }
}

impl TryFrom<String> for IdentityStatus {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        [
            IdentityStatus::Verified,
            IdentityStatus::Rejected,
            IdentityStatus::Pending,
        ]
        .into_iter()
        .find(|status| status.as_str() == value)
        .ok_or_else(|| format!("unknown identity status {value:?}"))
    }
}

/// A borrower's identity with every personal field encrypted; the two
/// lookup hashes allow "is this ID number already registered" queries.
/// `warnings` and `reasons` are JSON arrays of stable codes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IdentityRecord {
    pub user_id: UserId,
    #[sqlx(try_from = "String")]
    pub status: IdentityStatus,
    pub real_name_encrypted: Vec<u8>,
    pub id_number_encrypted: Vec<u8>,
    pub id_number_hash: String,
    pub bank_card_encrypted: Vec<u8>,
    pub bank_phone_encrypted: Vec<u8>,
    pub bank_phone_hash: String,
    pub birth_date: NaiveDate,
    pub warnings: String,
    pub reasons: String,
    pub updated_at: DateTime<Utc>,
}

/// A stored idempotent request. `response` is `None` while the first
/// request carrying the key is still being processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub request_hash: String,
    pub response: Option<StoredResponse>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// The reply to a retriable request, written in the transaction of the
/// change it reports, so that the change and its reply exist together or
/// not at all (and the request costs one write transaction). A twin that
/// committed first makes the write fail with `StoreError::Conflict`.
pub struct IdempotentReply<'a, R> {
    pub user_id: UserId,
    pub key: &'a str,
    pub request_hash: &'a str,
    pub status: u16,
    /// The body, rendered from the row the change wrote.
    pub body: &'a (dyn Fn(&R) -> Result<String, String> + Send + Sync),
}

/// What happened when a request tried to claim an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key was free and is now reserved for this request.
    Claimed,
    /// The key was used before; the caller compares hashes and replays.
    Existing(IdempotencyRecord),
}

/// One audit entry: who did what to which entity, when. `before`/`after`
/// are JSON snapshots with personal fields already masked.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEntry {
    pub actor_id: Option<UserId>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub at: DateTime<Utc>,
}

/// A stored audit entry with its position in the log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    #[sqlx(flatten)]
    pub entry: AuditEntry,
    /// The trusted client address of the HTTP request that wrote it.
    pub client_address: Option<String>,
}
