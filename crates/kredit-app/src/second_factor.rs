//! Staff's second factor: a TOTP authenticator app (RFC 6238).
//!
//! Enrolment shows a fresh secret once (and its `otpauth://` URI for a QR
//! code); it counts only once a first code proves the app holds it. From
//! then on a login needs the password and a current code. A code is good
//! for one use: the step it was accepted for is stored by compare-and-set,
//! so neither a replay nor two instances given the same code let it in
//! twice. Admins in production must have one ([`SecondFactorPolicy`]);
//! for the first admin, `kredit admin totp-enrol` is the way in.

use chrono::{DateTime, Utc};
use kredit_core::identity::mask_phone;
use kredit_core::totp;
use kredit_store::totp::TotpFactor;
use kredit_store::{Role, StoreError, User, UserId};

use crate::audit::Audit;
use crate::{App, AppError, AppResult};

/// Who must have a second factor to sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SecondFactorPolicy {
    /// Admins without a confirmed factor cannot sign in (production's
    /// default; `require_admin_totp` in the configuration).
    pub required_for_admins: bool,
}

impl SecondFactorPolicy {
    #[must_use]
    pub fn required_for(self, role: Role) -> bool {
        self.required_for_admins && role == Role::Admin
    }
}

/// A started enrolment: the secret, shown once, for the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// Base32, as an app takes it typed.
    pub secret: String,
    pub otpauth_uri: String,
}

impl Enrolment {
    /// The URI as a QR code, an SVG document for the console to show.
    #[must_use]
    pub fn qr_svg(&self) -> String {
        self.qr()
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .build()
    }

    /// The same in block characters, for a terminal (`kredit admin totp-enrol`).
    #[must_use]
    pub fn qr_text(&self) -> String {
        self.qr()
            .render::<qrcode::render::unicode::Dense1x2>()
            .quiet_zone(true)
            .build()
    }

    fn qr(&self) -> qrcode::QrCode {
        // An otpauth URI is ~150 bytes; a QR code holds 2,953.
        qrcode::QrCode::new(self.otpauth_uri.as_bytes()).expect("an otpauth URI fits a QR code")
    }
}

/// Why a sign-in's second factor was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The account has a factor and the request carried no code.
    Required,
    /// The code is wrong, out of the time window or already used.
    Invalid,
    /// The account must have a factor and has none confirmed.
    EnrolmentRequired,
}

impl Refusal {
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Required => "otp_required",
            Refusal::Invalid => "otp_invalid",
            Refusal::EnrolmentRequired => "otp_enrolment_required",
        }
    }

    #[must_use]
    pub fn detail(self) -> &'static str {
        match self {
            Refusal::Required => "this account needs a code from its authenticator app",
            Refusal::Invalid => "the code is wrong, expired or already used",
            Refusal::EnrolmentRequired => {
                "this account must set up an authenticator app first: `kredit admin totp-enrol`"
            }
        }
    }
}

/// Whether the user has a confirmed factor.
pub async fn enrolled(app: &App, user: UserId) -> AppResult<bool> {
    Ok(app
        .repository
        .totp()
        .factor(user)
        .await?
        .is_some_and(|factor| factor.confirmed()))
}

/// Starts an enrolment (again, if one was started and not confirmed).
/// Refused for borrowers and while a confirmed factor exists.
pub async fn begin(app: &App, user: &User, at: DateTime<Utc>) -> AppResult<Enrolment> {
    if !user.role.is_staff() {
        return Err(AppError::conflict(
            "otp_staff_only",
            "the authenticator-app factor is for staff accounts",
        ));
    }
    let mut secret = [0u8; totp::SECRET_LEN];
    getrandom::fill(&mut secret).map_err(AppError::internal)?;
    let encoded = totp::base32_encode(&secret);
    let sealed = app
        .pii
        .seal_for(user.id, &encoded)
        .await
        .map_err(AppError::internal)?;
    match app
        .repository
        .totp()
        .begin_enrolment(user.id, &sealed, at)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict) => {
            return Err(AppError::conflict(
                "otp_already_enrolled",
                "an authenticator app is set up already: remove it first",
            ));
        }
        Err(error) => return Err(error.into()),
    }
    let phone = app
        .pii
        .open(&user.phone_encrypted)
        .await
        .map_err(AppError::internal)?;
    Ok(Enrolment {
        otpauth_uri: totp::otpauth_uri(&mask_phone(&phone), &secret),
        secret: encoded,
    })
}

/// Confirms a started enrolment with a first code (audited
/// `auth.totp_enrol`, actor: `actor`, `None` from the command line).
pub async fn confirm(
    app: &App,
    user: UserId,
    code: &str,
    actor: Option<UserId>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let factor = app.repository.totp().factor(user).await?;
    let Some(factor) = factor.filter(|factor| !factor.confirmed()) else {
        return Err(AppError::conflict(
            "otp_not_enrolling",
            "no enrolment is waiting for a first code: start one",
        ));
    };
    let Some(step) = matching_step(app, &factor, code, at).await? else {
        return Err(invalid_code());
    };
    let audit = Audit {
        actor,
        action: "auth.totp_enrol",
        entity_type: "user",
        entity_id: None,
    }
    .entry(None, None);
    if !app.repository.totp().confirm(user, step, at, audit).await? {
        return Err(AppError::conflict(
            "otp_not_enrolling",
            "the enrolment was confirmed or removed meanwhile",
        ));
    }
    Ok(())
}

/// The second step of a sign-in whose password was right: passes when the
/// user needs no factor, or the code is current and unused (and is then
/// spent).
pub async fn check_at_login(
    app: &App,
    policy: SecondFactorPolicy,
    user: &User,
    code: Option<&str>,
    at: DateTime<Utc>,
) -> AppResult<Result<(), Refusal>> {
    let factor = app
        .repository
        .totp()
        .factor(user.id)
        .await?
        .filter(TotpFactor::confirmed);
    let Some(factor) = factor else {
        return Ok(if policy.required_for(user.role) {
            Err(Refusal::EnrolmentRequired)
        } else {
            Ok(())
        });
    };
    let Some(code) = code.filter(|code| !code.trim().is_empty()) else {
        return Ok(Err(Refusal::Required));
    };
    Ok(match matching_step(app, &factor, code, at).await? {
        Some(step) if app.repository.totp().use_step(user.id, step).await? => Ok(()),
        _ => Err(Refusal::Invalid),
    })
}

/// Removes the user's factor (audited `auth.totp_remove`): the user's own
/// choice, or an admin's for someone who lost their phone. Refused when the
/// policy requires one of the user's role.
pub async fn remove(
    app: &App,
    policy: SecondFactorPolicy,
    user: &User,
    actor: Option<UserId>,
) -> AppResult<()> {
    if policy.required_for(user.role) && actor == Some(user.id) {
        return Err(AppError::conflict(
            "otp_required_for_role",
            "admins must keep an authenticator app; enrol a new one with `kredit admin totp-enrol`",
        ));
    }
    let audit = Audit {
        actor,
        action: "auth.totp_remove",
        entity_type: "user",
        entity_id: None,
    }
    .entry(None, None);
    if !app.repository.totp().remove(user.id, audit).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// The step `code` matches in the factor's window, not used before.
async fn matching_step(
    app: &App,
    factor: &TotpFactor,
    code: &str,
    at: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    let encoded = app
        .pii
        .open(&factor.secret_encrypted)
        .await
        .map_err(AppError::internal)?;
    let secret = totp::base32_decode(&encoded)
        .ok_or_else(|| AppError::internal("a stored TOTP secret is not base32"))?;
    let last_used = factor
        .last_used_step
        .and_then(|step| u64::try_from(step).ok());
    Ok(totp::verify(&secret, code, at.timestamp(), last_used)
        .and_then(|step| i64::try_from(step).ok()))
}

fn invalid_code() -> AppError {
    AppError::field("code", "otp_invalid", Refusal::Invalid.detail())
}
