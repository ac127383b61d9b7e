//! A borrower's personal-information rights (PIPL arts. 44–47) and the
//! staff's handling of them: the consents they give and withdraw
//! ([`consents`]), a copy of everything held ([`export`]), correction of
//! their phone, and erasure ([`erasure`]), which keeps only what the law
//! requires, sealed and access-logged, until the retention period ends.
//!
//! Every exercise of a right is a request on record with a deadline of
//! [`RESPONSE_WORKING_DAYS`] working days: what the borrower does
//! themselves is completed at once; an erasure is received, then completed
//! or refused by a member of staff.

pub mod consents;
pub mod erasure;
pub mod export;

use chrono::NaiveDate;
use kredit_core::data_rights::{
    DEFAULT_RETENTION_YEARS, RESPONSE_WORKING_DAYS, RefusalReason, RequestKind, RequestStatus,
    WorkingCalendar,
};
use kredit_core::identity::mask_phone;
use kredit_store::data_rights::{NewRequest, RequestFilter, RequestRecord};
use kredit_store::{AuditRecord, DataRightsRequestId, Role, StoreError, UserId};
use serde_json::json;

use crate::audit::Audit;
use crate::{App, AppError, AppResult};

/// The most requests one list returns (newest first).
pub const LIST_LIMIT: i64 = 500;

/// The lender's privacy settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyPolicy {
    /// Years what an erasure keeps is kept after the last loan closes.
    pub retention_years: u32,
    /// The working days deadlines are counted in.
    pub calendar: WorkingCalendar,
}

impl Default for PrivacyPolicy {
    fn default() -> Self {
        Self {
            retention_years: DEFAULT_RETENTION_YEARS,
            calendar: WorkingCalendar::default(),
        }
    }
}

/// A request received now, due [`RESPONSE_WORKING_DAYS`] working days
/// after today in the lender's time zone.
pub(crate) fn new_request(
    app: &App,
    user: UserId,
    kind: RequestKind,
    status: RequestStatus,
) -> AppResult<NewRequest> {
    let today = app.time.today();
    let due_on = app
        .privacy
        .calendar
        .deadline(today, RESPONSE_WORKING_DAYS)
        .ok_or_else(|| AppError::internal("a deadline past the calendar"))?;
    Ok(NewRequest {
        user_id: user,
        kind,
        status,
        received_at: app.time.clock.now(),
        due_on,
    })
}

/// Still received after its deadline.
#[must_use]
pub fn overdue(request: &RequestRecord, today: NaiveDate) -> bool {
    request.status == RequestStatus::Received && request.due_on < today
}

pub async fn requests(app: &App, filter: RequestFilter) -> AppResult<Vec<RequestRecord>> {
    Ok(app
        .repository
        .data_rights()
        .requests(filter, LIST_LIMIT)
        .await?)
}

/// A request and its audit trail.
pub async fn request(
    app: &App,
    id: DataRightsRequestId,
) -> AppResult<(RequestRecord, Vec<AuditRecord>)> {
    let store = app.repository.data_rights();
    let request = store.request(id).await?.ok_or(AppError::NotFound)?;
    let audit = store.request_audit(id).await?;
    Ok((request, audit))
}

/// A borrower asks for erasure. Refused at once while a loan is open (the
/// contract still needs them); a second request while one is open returns
/// that one (`false`: not new).
pub async fn request_erasure(app: &App, user: UserId) -> AppResult<(RequestRecord, bool)> {
    erasure::retention_for(app, user).await?;
    let request = new_request(app, user, RequestKind::Erasure, RequestStatus::Received)?;
    let audit = Audit {
        actor: Some(user),
        action: "data_rights.erasure_requested",
        entity_type: "data_rights_request",
        entity_id: None,
    }
    .entry(None, Some(json!({"due_on": request.due_on})));
    let store = app.repository.data_rights();
    match store.insert_request(&request, audit).await {
        Ok(record) => Ok((record, true)),
        Err(StoreError::Conflict) => {
            let filter = RequestFilter {
                user: Some(user),
                status: Some(RequestStatus::Received),
            };
            let open = store
                .requests(filter, LIST_LIMIT)
                .await?
                .into_iter()
                .find(|request| request.kind == RequestKind::Erasure)
                .ok_or_else(|| AppError::internal("an open erasure vanished"))?;
            Ok((open, false))
        }
        Err(error) => Err(error.into()),
    }
}

/// Refuses what would start or extend a relationship (an application, a
/// signed contract) while the borrower's erasure request is open: the
/// borrower asked to leave, and a new loan would only make staff refuse
/// the erasure for loans outstanding.
pub async fn refuse_while_erasure_open(app: &App, user: UserId) -> AppResult<()> {
    let filter = RequestFilter {
        user: Some(user),
        status: Some(RequestStatus::Received),
    };
    let open = app
        .repository
        .data_rights()
        .requests(filter, LIST_LIMIT)
        .await?;
    if open
        .iter()
        .any(|request| request.kind == RequestKind::Erasure)
    {
        return Err(AppError::conflict(
            "erasure_requested",
            "your account is being erased as you asked; nothing new can be started meanwhile",
        ));
    }
    Ok(())
}

/// Staff refuse a received request, saying why.
pub async fn refuse(
    app: &App,
    staff: UserId,
    id: DataRightsRequestId,
    reason: &str,
) -> AppResult<RequestRecord> {
    let reason: RefusalReason = reason.parse().map_err(|_| {
        let all = RefusalReason::ALL.map(RefusalReason::as_str);
        AppError::field(
            "reason",
            "invalid_reason",
            format!("one of {}", all.join(", ")),
        )
    })?;
    let audit = Audit {
        actor: Some(staff),
        action: "data_rights.refused",
        entity_type: "data_rights_request",
        entity_id: None,
    }
    .entry(None, Some(json!({"reason": reason})));
    let now = app.time.clock.now();
    let store = app.repository.data_rights();
    match store.refuse_request(id, staff, reason, now, audit).await? {
        Some(refused) => Ok(refused),
        None => Err(closed_or_missing(app, id).await),
    }
}

/// `request_closed` for a request decided already, `NotFound` for none.
pub(crate) async fn closed_or_missing(app: &App, id: DataRightsRequestId) -> AppError {
    match app.repository.data_rights().request(id).await {
        Ok(Some(_)) => AppError::conflict("request_closed", "the request was decided already"),
        Ok(None) => AppError::NotFound,
        Err(error) => error.into(),
    }
}

/// Corrects the borrower's phone (their contact and sign-in number). The
/// caller has checked the password. Identity data is corrected by
/// verifying again, never here.
pub async fn correct_phone(app: &App, user: UserId, phone: &str) -> AppResult<String> {
    crate::accounts::validate_phone(phone)?;
    let account = app
        .repository
        .user_by_id(user)
        .await?
        .filter(|account| account.role == Role::Borrower)
        .ok_or(AppError::NotFound)?;
    let old = app.pii.open(&account.phone_encrypted).await?;
    let request = new_request(app, user, RequestKind::Correction, RequestStatus::Completed)?;
    let audit = Audit {
        actor: Some(user),
        action: "data_rights.phone_corrected",
        entity_type: "data_rights_request",
        entity_id: None,
    }
    .entry(
        Some(json!({"phone": mask_phone(&old)})),
        Some(json!({"phone": mask_phone(phone)})),
    );
    let sealed = app.pii.seal_for(user, phone).await?;
    match app
        .repository
        .data_rights()
        .change_phone(user, &app.pii.lookup_hash(phone), &sealed, &request, audit)
        .await
    {
        Ok(()) => Ok(mask_phone(phone)),
        Err(StoreError::Conflict) => Err(AppError::conflict(
            "phone_taken",
            "another account has this phone number",
        )),
        Err(error) => Err(error.into()),
    }
}
