//! `kredit serve --demo`: a database a newcomer can try at once.
//!
//! Seeding is a list of steps run in order (staff and borrowers, a verified
//! identity for the first borrower, the demo product catalogue); each is
//! idempotent (existing rows are kept), so restarting with `--demo` is
//! harmless.

use kredit_store::Role;

use crate::error::ApiError;
use crate::routes::identity;
use crate::state::AppState;
use kredit_app::accounts;
use kredit_app::onboarding::IdentityRequest;

/// A login printed for the person trying the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub role: Role,
    pub phone: &'static str,
    pub password: &'static str,
    /// False if the account already existed (its password may have changed).
    pub created: bool,
}

/// Well-known demo password; `kredit serve --demo` refuses production mode.
const DEMO_PASSWORD: &str = "kredit-demo-2026";

const DEMO_USERS: [(Role, &str); 6] = [
    (Role::Admin, "13900000001"),
    (Role::Underwriter, "13900000002"),
    (Role::RiskOfficer, "13900000003"),
    (Role::Auditor, "13900000004"),
    (Role::Borrower, "13800000001"),
    (Role::Borrower, "13800000002"),
];
/// Index in [`DEMO_USERS`] of the borrower seeded with a verified identity.
const VERIFIED_BORROWER: usize = 4;

/// Runs every seeding step and returns the logins to print.
pub async fn seed(state: &AppState) -> Result<Vec<DemoLogin>, ApiError> {
    let logins = seed_users(state).await?;
    seed_verified_identity(state).await?;
    seed_products(state).await?;
    kredit_app::scoring::seed_demo_model(state).await?;
    Ok(logins)
}

/// The demo catalogue (`catalogue/demo.toml`), applied as `kredit
/// products apply` would; products already there are kept as they are.
async fn seed_products(state: &AppState) -> Result<(), ApiError> {
    let store = state.repository.lending();
    let mut missing = Vec::new();
    for product in kredit_jobs::demo::products() {
        if store.product(&product.code).await?.is_none() {
            missing.push(product);
        }
    }
    kredit_app::catalogue::apply(
        state.repository.as_ref(),
        &missing,
        state.lending.policy.rate_cap,
        None,
    )
    .await?;
    Ok(())
}

/// The first sample borrower arrives with a verified identity (through the
/// sandbox provider, exactly as the API would do it); the second has none,
/// so both paths of the journey can be tried.
async fn seed_verified_identity(state: &AppState) -> Result<(), ApiError> {
    let (_, phone) = DEMO_USERS[VERIFIED_BORROWER];
    let user = state
        .repository
        .user_by_phone_hash(&state.pii.lookup_hash(phone))
        .await?
        .ok_or(ApiError::NotFound)?;
    let request = IdentityRequest {
        real_name: "王五".to_owned(),
        id_number: "110105199001010010".to_owned(),
        bank_card: "6222021234567840123".to_owned(),
        bank_phone: phone.to_owned(),
    };
    match identity::verify(state, user.id, &request).await {
        Ok(_) | Err(ApiError::Conflict { .. }) => Ok(()),
        Err(other) => Err(other),
    }
}

async fn seed_users(state: &AppState) -> Result<Vec<DemoLogin>, ApiError> {
    let mut logins = Vec::with_capacity(DEMO_USERS.len());
    for (role, phone) in DEMO_USERS {
        let created = match accounts::create(
            state.repository.as_ref(),
            &state.pii,
            phone,
            DEMO_PASSWORD,
            role,
            None,
        )
        .await
        {
            Ok(_) => true,
            Err(kredit_app::AppError::Conflict { .. }) => false,
            Err(other) => return Err(other.into()),
        };
        logins.push(DemoLogin {
            role,
            phone,
            password: DEMO_PASSWORD,
            created,
        });
    }
    Ok(logins)
}
