//! Who is calling, and may they call this route.
//!
//! Every protected handler takes an [`Authorized<P>`] whose policy `P`
//! lists the roles allowed; the extractor verifies the bearer token
//! (401 if missing, forged or expired), that its session is live (one
//! primary-key read: 401 once it has been logged out or revoked) and the
//! role (403). Ownership is the
//! handler's job: a borrower asking for someone else's resource gets 404,
//! never 403, so the existence of other people's data is not revealed.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::Utc;
use kredit_store::{Role, SessionId, UserId};

use crate::error::ApiError;
use crate::state::SharedState;
use crate::token::TokenError;

/// The authenticated caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub role: Role,
    /// The sign-in the token belongs to.
    pub session: SessionId,
}

/// The roles a route admits.
pub trait Policy {
    const ROLES: &'static [Role];
}

/// Any signed-in user.
pub struct AnyUser;
impl Policy for AnyUser {
    const ROLES: &'static [Role] = &Role::ALL;
}

/// Borrowers only (their own identity, later their applications and loans).
pub struct BorrowerOnly;
impl Policy for BorrowerOnly {
    const ROLES: &'static [Role] = &[Role::Borrower];
}

/// Platform administration.
pub struct AdminOnly;
impl Policy for AdminOnly {
    const ROLES: &'static [Role] = &[Role::Admin];
}

/// Reading the audit log.
pub struct AuditReaders;
impl Policy for AuditReaders {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Auditor];
}

/// Deciding referred applications.
pub struct UnderwritersOnly;
impl Policy for UnderwritersOnly {
    const ROLES: &'static [Role] = &[Role::Underwriter];
}

/// Any member of staff (read access to applications, loans and borrowers).
pub struct StaffOnly;
impl Policy for StaffOnly {
    const ROLES: &'static [Role] = &[
        Role::Underwriter,
        Role::RiskOfficer,
        Role::Admin,
        Role::Auditor,
    ];
}

/// Servicing changes to loans (maker and checker of reversals).
pub struct Servicing;
impl Policy for Servicing {
    const ROLES: &'static [Role] = &[Role::Underwriter, Role::Admin];
}

/// Portfolio risk views.
pub struct RiskReaders;
impl Policy for RiskReaders {
    const ROLES: &'static [Role] = &[Role::RiskOfficer, Role::Admin, Role::Auditor];
}

/// A caller authenticated and admitted by policy `P`.
pub struct Authorized<P> {
    pub principal: Principal,
    policy: PhantomData<P>,
}

impl<P> Authorized<P> {
    pub fn user_id(&self) -> UserId {
        self.principal.user_id
    }
}

impl<P: Policy> FromRequestParts<SharedState> for Authorized<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(bearer_token)
            .ok_or(ApiError::Unauthorized(
                "send Authorization: Bearer <access token>",
            ))?;
        let claims =
            state
                .access_tokens
                .verify(token, Utc::now())
                .map_err(|error| match error {
                    TokenError::Expired => {
                        ApiError::Unauthorized("the access token has expired; refresh it")
                    }
                    TokenError::Invalid => ApiError::Unauthorized("the access token is not valid"),
                })?;
        // Signed is not enough: the session may have ended since.
        let owner = state.repository.sessions().live_session(claims.sid).await?;
        if owner != Some(claims.sub) {
            return Err(ApiError::Unauthorized(
                "the session has ended; sign in again",
            ));
        }
        if !P::ROLES.contains(&claims.role) {
            return Err(ApiError::Forbidden);
        }
        Ok(Self {
            principal: Principal {
                user_id: claims.sub,
                role: claims.role,
                session: claims.sid,
            },
            policy: PhantomData,
        })
    }
}

/// The token of `Authorization: Bearer <token>`; the scheme is
/// case-insensitive (RFC 9110 §11.1).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn the_scheme_is_case_insensitive() {
        for header in ["Bearer abc", "bearer abc", "BEARER  abc "] {
            assert_eq!(bearer_token(header), Some("abc"), "{header}");
        }
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearerabc"), None);
    }
}
