//! Creating accounts: shared by self-registration, staff administration,
//! `kredit admin create` and demo seeding, so all of them validate and store
//! a user the same way.

use crate::keys::Vault;
use kredit_core::identity::{mask_phone, validate_mobile};
use kredit_store::{NewUser, Repository, Role, StoreError, UserId};
use serde_json::json;

use crate::audit::Audit;
use crate::error::AppError;
use crate::password;

/// Checks the phone and password, hashes, encrypts and stores the user with
/// an audit entry (action `user.create`) in the same transaction.
pub async fn create(
    repository: &dyn Repository,
    pii: &Vault,
    phone: &str,
    password: &str,
    role: Role,
    actor: Option<UserId>,
) -> Result<UserId, AppError> {
    validate_phone(phone)?;
    password::check_policy(password, phone)?;
    let password_hash = password::hash(password.to_owned()).await?;
    let (key, data_key) = pii.new_user_key().await?;
    let user = NewUser {
        phone_hash: pii.lookup_hash(phone),
        phone_encrypted: key.seal(phone),
        data_key: Some(data_key),
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
    match repository.create_user(&user, Some(audit)).await {
        Ok(id) => Ok(id),
        Err(StoreError::Conflict) => Err(AppError::Conflict {
            code: "phone_taken",
            detail: "this phone number is already registered".to_owned(),
        }),
        Err(other) => Err(other.into()),
    }
}

pub fn validate_phone(phone: &str) -> Result<(), AppError> {
    validate_mobile(phone)
        .map_err(|error| AppError::field("phone", error.code(), error.to_string()))
}
