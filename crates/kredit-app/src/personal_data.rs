//! Staff views of a borrower's unmasked personal data, on record.
//!
//! Staff screens show personal data masked. When a task needs a field
//! whole (reading an ID number to a court, calling a borrower about an
//! overdue loan), the viewer states the purpose, a case reference and the
//! fields they need; the view and its audit entry are written before
//! anything is decrypted, so there is no view without its record. Auditors
//! read who viewed whom; a borrower reads who viewed them and why.

use kredit_core::personal_data::{
    AccessPurpose, FieldSet, MAX_REFERENCE_CHARS, PersonalField, valid_reference,
};
use kredit_store::personal_data::{AccessFilter, AccessRecord, NewAccess};
use kredit_store::{Role, UserId};
use serde_json::json;

use crate::audit::Audit;
use crate::data_rights::erasure::RetainedIdentity;
use crate::{App, AppError, AppResult};

/// The most views one list returns (newest first).
pub const LIST_LIMIT: i64 = 200;

/// The roles whose work can need personal data whole. Auditors review the
/// record of views but see personal data masked only.
pub const VIEWER_ROLES: [Role; 3] = [Role::Underwriter, Role::RiskOfficer, Role::Admin];

/// What the viewer states, as sent.
#[derive(Debug, Clone, Copy)]
pub struct ViewRequest<'a> {
    pub purpose: &'a str,
    pub reference: &'a str,
    pub fields: &'a [String],
}

/// The fields shown, with the record of the view.
pub struct Revealed {
    pub access: AccessRecord,
    /// In the order of the record's fields.
    pub values: Vec<(PersonalField, String)>,
}

/// Records the view, then decrypts the fields asked for that the borrower
/// has (identity fields exist only once their identity is verified).
pub async fn reveal(
    app: &App,
    staff: UserId,
    staff_role: Role,
    borrower: UserId,
    request: ViewRequest<'_>,
) -> AppResult<Revealed> {
    if !VIEWER_ROLES.contains(&staff_role) {
        return Err(AppError::conflict(
            "personal_data_not_permitted",
            "this role sees personal data masked only",
        ));
    }
    let purpose: AccessPurpose = request.purpose.parse().map_err(|_| {
        let all = AccessPurpose::ALL.map(AccessPurpose::as_str);
        AppError::field(
            "purpose",
            "invalid_purpose",
            format!("one of {}", all.join(", ")),
        )
    })?;
    if !valid_reference(request.reference) {
        return Err(AppError::field(
            "reference",
            "invalid_reference",
            format!(
                "a case or ticket number: 1 to {MAX_REFERENCE_CHARS} letters, digits, spaces and -_#/.:"
            ),
        ));
    }
    let asked = request
        .fields
        .iter()
        .map(|field| field.parse::<PersonalField>())
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .and_then(|fields| FieldSet::of(&fields))
        .ok_or_else(|| {
            let all = PersonalField::ALL.map(PersonalField::as_str);
            AppError::field(
                "fields",
                "invalid_fields",
                format!("one or more of {}", all.join(", ")),
            )
        })?;

    let user = app
        .repository
        .user_by_id(borrower)
        .await?
        .filter(|user| user.role == Role::Borrower)
        .ok_or(AppError::NotFound)?;
    let identity = app.repository.identity(borrower).await?;
    // An erased borrower's identity survives only as the retained record
    // (for the retention period), sealed as one value.
    let retained = match &identity {
        None => app
            .repository
            .data_rights()
            .retained(borrower)
            .await?
            .and_then(|record| record.sealed),
        Some(_) => None,
    };
    let sealed = |field: PersonalField| -> Option<&[u8]> {
        if let Some(identity) = &identity {
            return Some(match field {
                PersonalField::Phone => &user.phone_encrypted,
                PersonalField::RealName => &identity.real_name_encrypted,
                PersonalField::IdNumber => &identity.id_number_encrypted,
                PersonalField::BankCard => &identity.bank_card_encrypted,
                PersonalField::BankPhone => &identity.bank_phone_encrypted,
            });
        }
        match field {
            PersonalField::Phone if !user.phone_encrypted.is_empty() => Some(&user.phone_encrypted),
            PersonalField::RealName | PersonalField::IdNumber | PersonalField::BankCard => {
                retained.as_deref()
            }
            _ => None,
        }
    };
    let on_record: Vec<_> = asked
        .fields()
        .iter()
        .copied()
        .filter(|&field| sealed(field).is_some())
        .collect();
    let fields = FieldSet::of(&on_record).ok_or_else(|| {
        AppError::field(
            "fields",
            "not_on_record",
            "none of these fields is on record for this borrower",
        )
    })?;

    let access = NewAccess {
        staff_id: staff,
        staff_role,
        borrower_id: borrower,
        purpose,
        reference: request.reference.to_owned(),
        fields: fields.clone(),
        at: kredit_store::now(),
    };
    let audit = Audit {
        actor: Some(staff),
        action: "personal_data.view",
        entity_type: "user",
        entity_id: None,
    }
    .entry(
        None,
        Some(json!({"purpose": purpose, "reference": access.reference, "fields": fields.to_string()})),
    );
    let access = app
        .repository
        .personal_data()
        .record_access(&access, audit)
        .await?;
    let kept = match &retained {
        Some(sealed) => {
            let json = app.pii.open(sealed).await?;
            Some(serde_json::from_str::<RetainedIdentity>(&json).map_err(AppError::internal)?)
        }
        None => None,
    };
    let mut values = Vec::with_capacity(fields.fields().len());
    for &field in fields.fields() {
        let value = match (&kept, field) {
            (Some(kept), PersonalField::RealName) => kept.real_name.clone(),
            (Some(kept), PersonalField::IdNumber) => kept.id_number.clone(),
            (Some(kept), PersonalField::BankCard) => kept.bank_card.clone(),
            _ => {
                let sealed = sealed(field).expect("only fields on record are in the set");
                app.pii.open(sealed).await?
            }
        };
        values.push((field, value));
    }
    Ok(Revealed { access, values })
}

/// Recorded views, newest first, at most [`LIST_LIMIT`].
pub async fn accesses(app: &App, filter: AccessFilter) -> AppResult<Vec<AccessRecord>> {
    Ok(app
        .repository
        .personal_data()
        .accesses(filter, LIST_LIMIT)
        .await?)
}
