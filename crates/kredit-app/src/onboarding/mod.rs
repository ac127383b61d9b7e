//! Onboarding: a borrower's real-name verification (KYC) by the four
//! elements (name, resident ID number, bank card, phone reserved at the
//! bank), through the [`IdentityProvider`] port.
//!
//! Formats are checked first and every failure reported at once; an ID
//! number already bound to another account is refused before the provider
//! is asked; the age policy decides the outcome without the provider; a
//! provider that does not answer in time leaves the check `pending`. The
//! result is stored with every personal field encrypted, and audited with
//! the fields masked.

mod provider;

use std::time::Duration;

use chrono::NaiveDate;
use kredit_core::identity::{
    AgePolicy, BankCard, IdentityError, ResidentId, mask_bank_card, mask_id_number, mask_name,
    mask_phone, normalise_real_name, validate_mobile,
};
use kredit_store::{IdentityRecord, IdentityStatus, StoreError, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub use provider::{FourElements, IdentityProvider, SandboxIdentityProvider, Verification};

use crate::audit::Audit;
use crate::{App, AppError, AppResult, FieldProblem};

/// Who may be verified, and how long the provider may take.
#[derive(Debug, Clone)]
pub struct IdentityPolicy {
    pub age: AgePolicy,
    /// Longer, and the check is left `pending`.
    pub provider_timeout: Duration,
}

impl Default for IdentityPolicy {
    fn default() -> Self {
        IdentityPolicy {
            age: AgePolicy::default(),
            provider_timeout: Duration::from_secs(3),
        }
    }
}

/// The four elements. Deliberately not `Debug`: it holds personal data in
/// clear and must never reach a log line.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Serialize, Deserialize)]
pub struct IdentityRequest {
    #[cfg_attr(feature = "utoipa", schema(example = "张三"))]
    pub real_name: String,
    /// 18-character resident ID number.
    #[cfg_attr(feature = "utoipa", schema(example = "11010519491231002X"))]
    pub id_number: String,
    /// 16-19 digits.
    #[cfg_attr(feature = "utoipa", schema(example = "6222021234567890123"))]
    pub bank_card: String,
    /// Mobile number reserved at the bank.
    #[cfg_attr(feature = "utoipa", schema(example = "13812345678"))]
    pub bank_phone: String,
}

/// The name (normalised), ID number and card after format validation.
struct Validated {
    real_name: String,
    id: ResidentId,
    card: BankCard,
}

/// Verifies `user`'s identity and stores the outcome (`verified`,
/// `rejected` with reasons, or `pending`).
pub async fn verify(
    app: &App,
    user: UserId,
    request: &IdentityRequest,
) -> AppResult<IdentityRecord> {
    let today = app.time.today();
    let Validated {
        real_name,
        id,
        card,
    } = validate(request, today)?;
    let id_number_hash = app.pii.lookup_hash(id.as_str());
    let repository = &app.repository;
    // Checked before asking the provider; the unique index on the hash
    // settles concurrent submissions (see `save_identity` below).
    if repository
        .identity_owner(&id_number_hash)
        .await?
        .is_some_and(|owner| owner != user)
    {
        return Err(identity_in_use());
    }
    if repository
        .identity(user)
        .await?
        .is_some_and(|existing| existing.status == IdentityStatus::Verified)
    {
        return Err(AppError::conflict(
            "identity_already_verified",
            "your identity is already verified",
        ));
    }
    let warnings: Vec<&str> = if card.luhn_valid {
        vec![]
    } else {
        vec!["bank_card_luhn_failed"]
    };
    let (status, reasons) = match app.identity.age.check(&id, today) {
        Err(problem) => (IdentityStatus::Rejected, vec![problem.code()]),
        Ok(_) => {
            let elements = FourElements {
                real_name: real_name.clone(),
                id_number: id.as_str().to_owned(),
                bank_card: card.as_str().to_owned(),
                bank_phone: request.bank_phone.clone(),
            };
            ask_provider(app, &elements).await
        }
    };
    let key = app.pii.data_key_for(user).await?;
    let record = IdentityRecord {
        user_id: user,
        status,
        real_name_encrypted: key.seal(&real_name),
        id_number_encrypted: key.seal(id.as_str()),
        id_number_hash,
        bank_card_encrypted: key.seal(card.as_str()),
        bank_phone_encrypted: key.seal(&request.bank_phone),
        bank_phone_hash: app.pii.lookup_hash(&request.bank_phone),
        birth_date: id.birth_date(),
        warnings: serde_json::to_string(&warnings).map_err(AppError::internal)?,
        reasons: serde_json::to_string(&reasons).map_err(AppError::internal)?,
        updated_at: app.time.clock.now(),
    };
    match repository.save_identity(&record).await {
        Err(StoreError::Conflict) => return Err(identity_in_use()),
        other => other?,
    }
    let masked_id = mask_id_number(id.as_str());
    let audit = Audit {
        actor: Some(user),
        action: "identity.verify",
        entity_type: "identity",
        entity_id: Some(user.to_string()),
    };
    let snapshot = json!({
        "status": status.as_str(),
        "real_name": mask_name(&real_name),
        "id_number": masked_id,
        "bank_card": mask_bank_card(card.as_str()),
        "bank_phone": mask_phone(&request.bank_phone),
        "warnings": warnings,
        "reasons": reasons,
    });
    repository
        .append_audit(&audit.entry(None, Some(snapshot)))
        .await?;
    tracing::info!(user_id = user.0, id_number = %masked_id, status = status.as_str(), "identity verification");
    Ok(record)
}

/// Checks every field's format and reports all failures at once. The age
/// policy is not a format rule: it decides the outcome later.
fn validate(request: &IdentityRequest, today: NaiveDate) -> AppResult<Validated> {
    let mut errors = Vec::new();
    let mut refuse = |field: &str, error: IdentityError| {
        errors.push(FieldProblem {
            field: field.to_owned(),
            code: error.code().to_owned(),
            message: error.to_string(),
        });
    };
    let real_name = normalise_real_name(&request.real_name)
        .map_err(|error| refuse("real_name", error))
        .ok();
    let id = match ResidentId::parse(&request.id_number) {
        // Born after today: the number cannot be genuine.
        Ok(id) if id.age_on(today).is_none() => {
            refuse("id_number", IdentityError::IdBirthDate);
            None
        }
        Ok(id) => Some(id),
        Err(error) => {
            refuse("id_number", error);
            None
        }
    };
    let card = BankCard::parse(&request.bank_card)
        .map_err(|error| refuse("bank_card", error))
        .ok();
    if let Err(error) = validate_mobile(&request.bank_phone) {
        refuse("bank_phone", error);
    }
    match (real_name, id, card) {
        (Some(real_name), Some(id), Some(card)) if errors.is_empty() => Ok(Validated {
            real_name,
            id,
            card,
        }),
        _ => Err(AppError::Validation {
            detail: "one or more identity fields are invalid".to_owned(),
            errors,
        }),
    }
}

fn identity_in_use() -> AppError {
    AppError::conflict(
        "identity_in_use",
        "this ID number is already bound to another account",
    )
}

async fn ask_provider(app: &App, elements: &FourElements) -> (IdentityStatus, Vec<&'static str>) {
    let answer = tokio::time::timeout(
        app.identity.provider_timeout,
        app.identity_provider.verify(elements),
    )
    .await;
    match answer {
        Ok(Verification::Matched) => (IdentityStatus::Verified, vec![]),
        Ok(Verification::Mismatched(reasons)) => (IdentityStatus::Rejected, reasons),
        Ok(Verification::Unavailable) => (IdentityStatus::Pending, vec!["provider_unavailable"]),
        Err(_) => (IdentityStatus::Pending, vec!["provider_timeout"]),
    }
}
