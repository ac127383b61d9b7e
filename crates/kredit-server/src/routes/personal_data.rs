//! Staff views of a borrower's unmasked personal data, and the record of
//! them for auditors and for the borrower. The rules are
//! `kredit_app::personal_data`'s; these handlers authorise, call it and
//! render.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use kredit_app::personal_data::{self, LIST_LIMIT, ViewRequest};
use kredit_core::personal_data::{AccessPurpose, PersonalField};
use kredit_store::personal_data::{AccessFilter, AccessRecord};
use kredit_store::{PersonalDataAccessId, Role, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::{AuditReaders, Authorized, BorrowerOnly, Policy};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::SharedState;

/// Staff whose work can need personal data whole.
pub struct PersonalDataViewers;
impl Policy for PersonalDataViewers {
    const ROLES: &'static [Role] = &personal_data::VIEWER_ROLES;
}

/// The routes of this module, under `/api/v1`.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/admin/borrowers/{id}/personal-data", post(reveal))
        .route("/admin/personal-data-access", get(accesses))
        .route("/me/personal-data-access", get(mine))
}

#[derive(OpenApi)]
#[openapi(paths(reveal, accesses, mine))]
pub struct PersonalDataApi;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    /// Why the fields are needed.
    pub purpose: AccessPurpose,
    /// The case or ticket number the view is for (`APP-1042`): 1-64 ASCII
    /// letters, digits, spaces and `-_#/.:`.
    pub reference: String,
    /// The fields needed, at least one.
    pub fields: Vec<PersonalField>,
}

/// The fields shown; a field not asked for, or not on record, is absent.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct PersonalFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub real_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_card: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_phone: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RevealedView {
    /// The record of this view.
    pub access: AccessView,
    pub values: PersonalFields,
}

/// One recorded view (the auditor's line: who saw what of whom, why).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccessView {
    pub id: PersonalDataAccessId,
    pub staff_id: UserId,
    pub staff_role: Role,
    pub borrower_id: UserId,
    pub purpose: AccessPurpose,
    pub reference: String,
    pub fields: Vec<PersonalField>,
    pub at: DateTime<Utc>,
}

/// One view of the borrower's data, as the borrower sees it: when, why,
/// what and by which kind of staff (not by whom).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OwnAccessView {
    pub staff_role: Role,
    pub purpose: AccessPurpose,
    pub fields: Vec<PersonalField>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccessPage<T> {
    /// Newest first, at most 200.
    pub items: Vec<T>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<PersonalDataAccessId>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccessQuery {
    /// Only views of this borrower.
    pub borrower_id: Option<UserId>,
    /// Only views by this member of staff.
    pub staff_id: Option<UserId>,
    /// Only views with an id below this (the previous page's `next_before`).
    pub before: Option<PersonalDataAccessId>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OwnAccessQuery {
    /// Only views with an id below this (the previous page's `next_before`).
    pub before: Option<PersonalDataAccessId>,
}

fn access_view(record: AccessRecord) -> AccessView {
    AccessView {
        id: record.id,
        staff_id: record.staff_id,
        staff_role: record.staff_role,
        borrower_id: record.borrower_id,
        purpose: record.purpose,
        fields: record.fields.fields().to_vec(),
        reference: record.reference,
        at: record.at,
    }
}

fn page<T>(records: Vec<AccessRecord>, view: impl Fn(AccessRecord) -> T) -> AccessPage<T> {
    let next_before = (records.len() as i64 == LIST_LIMIT)
        .then(|| records.last().map(|record| record.id))
        .flatten();
    AccessPage {
        items: records.into_iter().map(view).collect(),
        next_before,
    }
}

/// Shows a borrower's personal data unmasked: the fields asked for, for a
/// stated purpose and case (underwriter, risk officer, admin). The view is
/// recorded and audited before anything is shown; each call is one view.
#[utoipa::path(post, path = "/api/v1/admin/borrowers/{id}/personal-data", tag = "personal data", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The borrower's user id")),
    request_body = RevealRequest,
    responses((status = 200, body = RevealedView),
        (status = 403, description = "`forbidden`: underwriters, risk officers and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such borrower", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `invalid_purpose`, `invalid_reference`, `invalid_fields`, `not_on_record`", body = Problem, content_type = "application/problem+json")))]
pub async fn reveal(
    State(state): State<SharedState>,
    auth: Authorized<PersonalDataViewers>,
    ApiPath(borrower): ApiPath<UserId>,
    ApiJson(request): ApiJson<RevealRequest>,
) -> Result<Json<RevealedView>, ApiError> {
    let fields: Vec<String> = request
        .fields
        .iter()
        .map(|field| field.as_str().to_owned())
        .collect();
    let view = ViewRequest {
        purpose: request.purpose.as_str(),
        reference: &request.reference,
        fields: &fields,
    };
    let principal = auth.principal;
    let revealed =
        personal_data::reveal(&state, principal.user_id, principal.role, borrower, view).await?;
    let mut values = PersonalFields::default();
    for (field, value) in revealed.values {
        let slot = match field {
            PersonalField::Phone => &mut values.phone,
            PersonalField::RealName => &mut values.real_name,
            PersonalField::IdNumber => &mut values.id_number,
            PersonalField::BankCard => &mut values.bank_card,
            PersonalField::BankPhone => &mut values.bank_phone,
        };
        *slot = Some(value);
    }
    Ok(Json(RevealedView {
        access: access_view(revealed.access),
        values,
    }))
}

/// Who viewed whose personal data, newest first, optionally of one
/// borrower or by one member of staff (admin and auditor).
#[utoipa::path(get, path = "/api/v1/admin/personal-data-access", tag = "personal data", security(("bearer" = [])),
    params(AccessQuery),
    responses((status = 200, body = AccessPage<AccessView>),
        (status = 403, description = "`forbidden`: admins and auditors", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `invalid_query`", body = Problem, content_type = "application/problem+json")))]
pub async fn accesses(
    State(state): State<SharedState>,
    _auth: Authorized<AuditReaders>,
    ApiQuery(query): ApiQuery<AccessQuery>,
) -> Result<Json<AccessPage<AccessView>>, ApiError> {
    let filter = AccessFilter {
        borrower: query.borrower_id,
        staff: query.staff_id,
        before: query.before,
    };
    let records = personal_data::accesses(&state, filter).await?;
    Ok(Json(page(records, access_view)))
}

/// Who at the lender viewed my personal data unmasked, when and why
/// (borrower).
#[utoipa::path(get, path = "/api/v1/me/personal-data-access", tag = "personal data", security(("bearer" = [])),
    params(OwnAccessQuery),
    responses((status = 200, body = AccessPage<OwnAccessView>),
        (status = 403, description = "`forbidden`: borrowers only", body = Problem, content_type = "application/problem+json")))]
pub async fn mine(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
    ApiQuery(query): ApiQuery<OwnAccessQuery>,
) -> Result<Json<AccessPage<OwnAccessView>>, ApiError> {
    let filter = AccessFilter {
        borrower: Some(auth.user_id()),
        staff: None,
        before: query.before,
    };
    let records = personal_data::accesses(&state, filter).await?;
    Ok(Json(page(records, |record| OwnAccessView {
        staff_role: record.staff_role,
        purpose: record.purpose,
        fields: record.fields.fields().to_vec(),
        at: record.at,
    })))
}
