//! Creating accounts: shared by self-registration, staff administration and
//! demo seeding, so all three validate and store a user the same way.

use kredit_core::identity::{mask_phone, validate_mobile};
use kredit_store::{NewUser, Role, StoreError, UserId};
use serde_json::json;

use crate::audit::Audit;
use crate::error::ApiError;
use crate::password;
use crate::state::AppState;

/// Checks the phone and password, hashes, encrypts and stores the user with
/// an audit entry (action `user.create`) in the same transaction.
pub async fn create(
    state: &AppState,
    phone: &str,
    password: &str,
    role: Role,
    actor: Option<UserId>,
) -> Result<UserId, ApiError> {
    validate_phone(phone)?;
    password::check_policy(password, phone)?;
    let password_hash = password::hash(password.to_owned()).await?;
    let user = NewUser {
        phone_hash: state.pii.lookup_hash(phone),
        phone_encrypted: state.pii.encrypt(phone),
        password_hash,
        role,
        created_at: kredit_store::now(),
    };
    let audit = Audit {
        actor,
        action: "user.create",
        entity_type: "user",
        entity_id: None,
    }
    .entry(
        None,
        Some(json!({ "phone": mask_phone(phone), "role": role })),
    );
    match state.repository.create_user(&user, Some(audit)).await {
        Ok(id) => Ok(id),
        Err(StoreError::Conflict) => Err(ApiError::Conflict {
            code: "phone_taken",
            detail: "this phone number is already registered".to_owned(),
        }),
        Err(other) => Err(other.into()),
    }
}

pub fn validate_phone(phone: &str) -> Result<(), ApiError> {
    validate_mobile(phone)
        .map_err(|error| ApiError::field("phone", error.code(), error.to_string()))
}
