//! Consents: given with the version of the text shown, withdrawn with one
//! request, each change a record of its own (which text, when, from which
//! address). Withdrawing an optional consent is also a completed
//! data-rights request, so staff see it with the rest.

use chrono::{DateTime, Utc};
use kredit_core::consent::{self, ConsentAction, ConsentError, ConsentKind, ConsentText};
use kredit_core::data_rights::{RequestKind, RequestStatus};
use kredit_store::UserId;
use kredit_store::data_rights::{ConsentRecord, NewConsent};
use serde_json::json;

use crate::audit::Audit;
use crate::{App, AppError, AppResult};

/// A consent's state: the text in force and the borrower's latest record.
#[derive(Debug, Clone)]
pub struct ConsentState {
    pub text: &'static ConsentText,
    /// The newest record of this kind, if any.
    pub latest: Option<ConsentRecord>,
}

impl ConsentState {
    #[must_use]
    pub fn given(&self) -> bool {
        self.latest
            .as_ref()
            .is_some_and(|record| record.action == ConsentAction::Given)
    }
}

/// Every kind's state, in [`ConsentKind::ALL`]'s order, and the history.
pub async fn overview(
    app: &App,
    user: UserId,
) -> AppResult<(Vec<ConsentState>, Vec<ConsentRecord>)> {
    let history = app.repository.data_rights().consents(user).await?;
    let states = consent::TEXTS
        .iter()
        .map(|text| ConsentState {
            text,
            latest: history
                .iter()
                .rev()
                .find(|record| record.kind == text.kind)
                .cloned(),
        })
        .collect();
    Ok((states, history))
}

/// Gives or withdraws a consent. Giving names the version of the text in
/// force; withdrawing a required consent is refused (erasure is the way).
/// Repeating the current state records nothing new.
pub async fn change(
    app: &App,
    user: UserId,
    kind: &str,
    given: bool,
    version: &str,
    client_address: Option<String>,
) -> AppResult<ConsentState> {
    let kind: ConsentKind = kind.parse().map_err(|_| AppError::NotFound)?;
    consent::check_change(kind, given, version).map_err(|error| match error {
        ConsentError::NotCurrentVersion { current } => AppError::field(
            "version",
            "terms_version",
            format!("the text in force is version {current}"),
        ),
        ConsentError::RequiredForService => AppError::conflict(
            "consent_required_for_service",
            "this consent is needed for the service itself; ask for erasure instead",
        ),
    })?;
    let (states, _) = overview(app, user).await?;
    let state = states
        .into_iter()
        .find(|state| state.text.kind == kind)
        .expect("every kind has a state");
    let unchanged = match &state.latest {
        Some(latest) if given => {
            latest.action == ConsentAction::Given && latest.terms_version == version
        }
        Some(latest) => latest.action == ConsentAction::Withdrawn,
        None => !given,
    };
    if unchanged {
        return Ok(state);
    }
    // A withdrawal names the text it withdraws from: the one agreed to.
    let version = match &state.latest {
        Some(latest) if !given => latest.terms_version.clone(),
        _ => version.to_owned(),
    };
    let latest = record(
        app,
        user,
        kind,
        given,
        &version,
        client_address,
        app.time.clock.now(),
    )
    .await?;
    Ok(ConsentState {
        text: state.text,
        latest: Some(latest),
    })
}

/// The consent to process personal information, given at registration.
pub async fn given_at_registration(
    app: &App,
    user: UserId,
    client_address: Option<String>,
) -> AppResult<()> {
    let text = consent::text(ConsentKind::PersonalInformation);
    record(
        app,
        user,
        text.kind,
        true,
        text.version,
        client_address,
        app.time.clock.now(),
    )
    .await?;
    Ok(())
}

async fn record(
    app: &App,
    user: UserId,
    kind: ConsentKind,
    given: bool,
    version: &str,
    client_address: Option<String>,
    at: DateTime<Utc>,
) -> AppResult<ConsentRecord> {
    let action = if given {
        ConsentAction::Given
    } else {
        ConsentAction::Withdrawn
    };
    let consent = NewConsent {
        user_id: user,
        kind,
        terms_version: version.to_owned(),
        action,
        at,
        client_address,
    };
    let request = if given {
        None
    } else {
        Some(super::new_request(
            app,
            user,
            RequestKind::ConsentWithdrawal,
            RequestStatus::Completed,
        )?)
    };
    let audit = Audit {
        actor: Some(user),
        action: if given {
            "consent.given"
        } else {
            "consent.withdrawn"
        },
        entity_type: "user",
        entity_id: None,
    }
    .entry(None, Some(json!({"kind": kind, "version": version})));
    Ok(app
        .repository
        .data_rights()
        .record_consent(&consent, request.as_ref(), audit)
        .await?)
}
