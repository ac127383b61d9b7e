//! Erasure: what no law requires kept is deleted or crypto-shredded at once;
//! the identity behind signed contracts is kept, sealed under a key of its
//! own and readable only through the recorded staff view, until the
//! retention period after the last loan closed; then close of business
//! purges it ([`RetentionPurge`]). docs/security.md, "Personal-information
//! rights", lists what goes and what stays.

use async_trait::async_trait;
use chrono::NaiveDate;
use kredit_core::data_rights::{self, LoanOnRecord, RequestKind, RequestStatus, Retention};
use kredit_core::loan::LoanStatus;
use kredit_store::data_rights::{Erasure, Purge, RequestRecord, Retained};
use kredit_store::keys::{retained_owner, user_owner};
use kredit_store::{DataRightsRequestId, Role, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::Audit;
use crate::close_of_business::AfterClose;
use crate::{App, AppError, AppResult};

/// The most retained records one close of business purges (the rest wait
/// for the next day).
const PURGE_BATCH: i64 = 1000;

/// What an erasure keeps of a borrower with signed contracts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetainedIdentity {
    pub real_name: String,
    pub id_number: String,
    pub bank_card: String,
}

/// What the borrower's loans leave to keep, or `loans_outstanding`.
pub(crate) async fn retention_for(app: &App, user: UserId) -> AppResult<Retention> {
    let loans = app
        .repository
        .lending()
        .loans(Some(&[user]), i64::MAX)
        .await?;
    let on_record: Vec<_> = loans
        .iter()
        .map(|loan| LoanOnRecord {
            status: loan.status,
            closed_on: match loan.status {
                LoanStatus::PaidOff => loan.as_of,
                LoanStatus::DisbursementFailed => {
                    Some(loan.updated_at.with_timezone(&app.time.zone).date_naive())
                }
                _ => None,
            },
        })
        .collect();
    data_rights::retention(&on_record, app.privacy.retention_years).map_err(|_| {
        AppError::conflict(
            "loans_outstanding",
            "a loan is still open or owed: it needs its borrower's data until it is settled",
        )
    })
}

/// A member of staff completes a received erasure.
pub async fn complete(
    app: &App,
    staff: UserId,
    id: DataRightsRequestId,
) -> AppResult<RequestRecord> {
    let store = app.repository.data_rights();
    let request = store
        .request(id)
        .await?
        .filter(|request| request.kind == RequestKind::Erasure)
        .ok_or(AppError::NotFound)?;
    if request.status != RequestStatus::Received {
        return Err(super::closed_or_missing(app, id).await);
    }
    let user = request.user_id;
    let account = app
        .repository
        .user_by_id(user)
        .await?
        .filter(|account| account.role == Role::Borrower)
        .ok_or(AppError::NotFound)?;
    let retained = match retention_for(app, user).await? {
        Retention::Nothing => None,
        Retention::Until(retain_until) => match app.repository.identity(user).await? {
            Some(identity) => {
                let kept = RetainedIdentity {
                    real_name: app.pii.open(&identity.real_name_encrypted).await?,
                    id_number: app.pii.open(&identity.id_number_encrypted).await?,
                    bank_card: app.pii.open(&identity.bank_card_encrypted).await?,
                };
                let json = serde_json::to_string(&kept).map_err(AppError::internal)?;
                Some(Retained {
                    sealed: app.pii.seal_retained(user, &json).await?,
                    retain_until,
                })
            }
            None => None,
        },
    };
    let retain_until = retained.as_ref().map(|kept| kept.retain_until);
    let phone_hash = account.phone_hash.clone();
    let erasure = Erasure {
        request: id,
        user,
        staff,
        at: app.time.clock.now(),
        key_owner: user_owner(user),
        throttle_buckets: crate::throttle::account_buckets(&phone_hash, user),
        retained,
        audit: Audit {
            actor: Some(staff),
            action: "data_rights.erasure_completed",
            entity_type: "data_rights_request",
            entity_id: None,
        }
        .entry(
            None,
            Some(json!({"user_id": user, "retain_until": retain_until})),
        ),
    };
    let done = store.erase(&erasure).await?;
    app.pii.forget_destroyed(&erasure.key_owner);
    done.ok_or_else(|| AppError::conflict("request_closed", "the request was decided already"))
}

/// The identity an erasure kept, while the retention period lasts.
pub async fn retained_identity(app: &App, user: UserId) -> AppResult<Option<RetainedIdentity>> {
    let Some(sealed) = app
        .repository
        .data_rights()
        .retained(user)
        .await?
        .and_then(|record| record.sealed)
    else {
        return Ok(None);
    };
    let json = app.pii.open(&sealed).await?;
    Ok(Some(
        serde_json::from_str(&json).map_err(AppError::internal)?,
    ))
}

/// Purges every retained record whose period ended before `today`: its key
/// destroyed, the contracts' documents replaced by a tombstone that keeps
/// their digests, questionnaires and consent records gone. Returns how
/// many borrowers were purged.
pub async fn purge_due(app: &App, today: NaiveDate) -> AppResult<u64> {
    let store = app.repository.data_rights();
    let mut purged = 0;
    loop {
        let due = store.retained_due(today, PURGE_BATCH).await?;
        if due.is_empty() {
            return Ok(purged);
        }
        for record in due {
            let at = app.time.clock.now();
            let purge = Purge {
                user: record.user_id,
                at,
                key_owner: retained_owner(record.user_id),
                contract_tombstone: json!({"purged_at": at, "retained_until": record.retain_until})
                    .to_string(),
                audit: Audit {
                    actor: None,
                    action: "data_rights.retention_purged",
                    entity_type: "user",
                    entity_id: None,
                }
                .entry(None, Some(json!({"retain_until": record.retain_until}))),
            };
            if store.purge(&purge).await? {
                purged += 1;
            }
            app.pii.forget_destroyed(&purge.key_owner);
        }
    }
}

/// After each close of business: purge what has been kept long enough.
pub struct RetentionPurge;

#[async_trait]
impl AfterClose for RetentionPurge {
    async fn day_closed(&self, app: &App, through: NaiveDate) -> AppResult<Vec<String>> {
        let purged = purge_due(app, through).await?;
        Ok(if purged == 0 {
            Vec::new()
        } else {
            vec![format!(
                "retention ended: {purged} erased borrowers' records purged"
            )]
        })
    }
}
