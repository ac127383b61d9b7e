//! A copy of everything Kredit holds about a borrower (PIPL art. 45): every
//! personal field decrypted, every record that names them, and the record
//! of who saw their data. Rendered as JSON or, by the server, as a page a
//! person reads.

use chrono::{DateTime, NaiveDate, Utc};
use kredit_core::Money;
use kredit_core::application::ApplicationStatus;
use kredit_core::consent::{ConsentAction, ConsentKind};
use kredit_core::data_rights::{RequestKind, RequestStatus};
use kredit_core::ids::{ApplicationId, ContractId, LoanId};
use kredit_core::loan::LoanStatus;
use kredit_core::payment::{PaymentDirection, PaymentPurpose, PaymentStatus};
use kredit_core::personal_data::AccessPurpose;
use kredit_store::personal_data::AccessFilter;
use kredit_store::{IdentityStatus, Role, UserId};
use serde::Serialize;
use serde_json::Value;

use crate::audit::Audit;
use crate::{App, AppError, AppResult};

/// The most records of one kind an export lists (a borrower has far fewer).
const MAX_RECORDS: i64 = 10_000;

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct DataExport {
    pub generated_at: DateTime<Utc>,
    pub account: AccountData,
    /// Present once the borrower has verified their identity.
    pub identity: Option<IdentityData>,
    pub consents: Vec<ConsentData>,
    pub applications: Vec<ApplicationData>,
    pub contracts: Vec<ContractData>,
    pub loans: Vec<LoanData>,
    pub payments: Vec<PaymentData>,
    pub feedback: Vec<FeedbackData>,
    pub sessions: Vec<SessionData>,
    /// Every time a member of staff saw their data unmasked.
    pub staff_views: Vec<StaffViewData>,
    pub requests: Vec<RequestData>,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct AccountData {
    pub user_id: UserId,
    pub phone: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct IdentityData {
    pub status: IdentityStatus,
    pub real_name: String,
    pub id_number: String,
    pub birth_date: NaiveDate,
    pub bank_card: String,
    /// The phone registered with the bank card.
    pub bank_phone: String,
    pub updated_at: DateTime<Utc>,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ConsentData {
    pub kind: ConsentKind,
    pub version: String,
    pub action: ConsentAction,
    pub at: DateTime<Utc>,
    pub client_address: Option<String>,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationData {
    pub id: ApplicationId,
    pub product_code: String,
    pub amount: Money,
    pub term_months: i32,
    pub method: String,
    pub purpose: String,
    pub status: ApplicationStatus,
    /// The questionnaire as answered.
    #[cfg_attr(feature = "utoipa", schema(value_type = Object))]
    pub questionnaire: Value,
    /// The automated decision with its reasons.
    #[cfg_attr(feature = "utoipa", schema(value_type = Object))]
    pub decision: Value,
    pub created_at: DateTime<Utc>,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ContractData {
    pub id: ContractId,
    pub digest: String,
    pub signed_at: DateTime<Utc>,
    /// The signed document.
    #[cfg_attr(feature = "utoipa", schema(value_type = Object))]
    pub document: Value,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct LoanData {
    pub id: LoanId,
    pub product_code: String,
    pub status: LoanStatus,
    pub principal: Money,
    pub outstanding: Money,
    pub days_past_due: i32,
    pub created_at: DateTime<Utc>,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct PaymentData {
    pub loan_id: LoanId,
    pub reference: String,
    pub direction: PaymentDirection,
    pub purpose: PaymentPurpose,
    pub amount: Money,
    pub status: PaymentStatus,
    pub created_at: DateTime<Utc>,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct FeedbackData {
    pub category: String,
    pub message: String,
    pub reply: Option<String>,
    pub loan_id: Option<LoanId>,
    pub created_at: DateTime<Utc>,
    pub replied_at: Option<DateTime<Utc>>,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct SessionData {
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub client_address: String,
    pub user_agent: String,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct StaffViewData {
    pub at: DateTime<Utc>,
    pub staff_role: Role,
    pub purpose: AccessPurpose,
    pub reference: String,
    pub fields: String,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct RequestData {
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub received_at: DateTime<Utc>,
    pub due_on: NaiveDate,
    pub decided_at: Option<DateTime<Utc>>,
}

/// Everything held about `user`, recorded as a completed export request.
/// The caller has checked the password.
pub async fn export(app: &App, user: UserId) -> AppResult<DataExport> {
    let repository = app.repository.as_ref();
    let lending = repository.lending();
    let account = repository
        .user_by_id(user)
        .await?
        .ok_or(AppError::NotFound)?;
    let pii = &app.pii;

    let identity = match repository.identity(user).await? {
        Some(identity) => Some(IdentityData {
            status: identity.status,
            real_name: pii.open(&identity.real_name_encrypted).await?,
            id_number: pii.open(&identity.id_number_encrypted).await?,
            birth_date: identity.birth_date,
            bank_card: pii.open(&identity.bank_card_encrypted).await?,
            bank_phone: pii.open(&identity.bank_phone_encrypted).await?,
            updated_at: identity.updated_at,
        }),
        None => None,
    };

    let applications = lending
        .applications(Some(user), None, MAX_RECORDS)
        .await?
        .into_iter()
        .map(|record| {
            Ok(ApplicationData {
                id: record.id,
                product_code: record.product_code,
                amount: Money::from_fen(record.amount_fen),
                term_months: record.term_months,
                method: record.method,
                purpose: record.purpose,
                status: record.status,
                questionnaire: parse(&record.profile)?,
                decision: parse(&record.decision)?,
                created_at: record.created_at,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;

    let loan_records = lending.loans(Some(&[user]), MAX_RECORDS).await?;
    let mut contracts = Vec::new();
    let mut payments = Vec::new();
    for loan in &loan_records {
        if let Some(id) = loan.contract_id
            && let Some(contract) = lending.contract(id).await?
        {
            contracts.push(ContractData {
                id: contract.id,
                digest: contract.digest,
                signed_at: contract.signed_at,
                document: parse(&contract.document)?,
            });
        }
        for payment in lending.loan_payments(loan.id).await? {
            payments.push(PaymentData {
                loan_id: payment.loan_id,
                reference: payment.merchant_reference,
                direction: payment.direction,
                purpose: payment.purpose,
                amount: Money::from_fen(payment.amount_fen),
                status: payment.status,
                created_at: payment.created_at,
            });
        }
    }
    let loans = loan_records
        .into_iter()
        .map(|loan| LoanData {
            id: loan.id,
            product_code: loan.product_code,
            status: loan.status,
            principal: Money::from_fen(loan.principal_fen),
            outstanding: Money::from_fen(loan.outstanding_fen),
            days_past_due: loan.dpd,
            created_at: loan.created_at,
        })
        .collect();

    let mut feedback = Vec::new();
    for record in repository
        .feedback()
        .feedback_list(Some(user), None, MAX_RECORDS)
        .await?
    {
        let reply = match &record.reply_encrypted {
            Some(sealed) => Some(pii.open(sealed).await?),
            None => None,
        };
        feedback.push(FeedbackData {
            category: record.category,
            message: pii.open(&record.message_encrypted).await?,
            reply,
            loan_id: record.loan_id,
            created_at: record.created_at,
            replied_at: record.replied_at,
        });
    }

    let sessions = repository
        .sessions()
        .live_sessions(user)
        .await?
        .into_iter()
        .map(|session| SessionData {
            created_at: session.created_at,
            last_seen_at: session.last_seen_at,
            client_address: session.client_address,
            user_agent: session.user_agent,
        })
        .collect();
    let staff_views = repository
        .personal_data()
        .accesses(
            AccessFilter {
                borrower: Some(user),
                ..AccessFilter::default()
            },
            MAX_RECORDS,
        )
        .await?
        .into_iter()
        .map(|view| StaffViewData {
            at: view.at,
            staff_role: view.staff_role,
            purpose: view.purpose,
            reference: view.reference,
            fields: view.fields.to_string(),
        })
        .collect();
    let consents = repository
        .data_rights()
        .consents(user)
        .await?
        .into_iter()
        .map(|record| ConsentData {
            kind: record.kind,
            version: record.terms_version,
            action: record.action,
            at: record.at,
            client_address: record.client_address,
        })
        .collect();

    // The export itself is on record before it is handed over.
    let request = super::new_request(app, user, RequestKind::Export, RequestStatus::Completed)?;
    let audit = Audit {
        actor: Some(user),
        action: "data_rights.exported",
        entity_type: "data_rights_request",
        entity_id: None,
    }
    .entry(None, None);
    repository
        .data_rights()
        .insert_request(&request, audit)
        .await?;
    let requests = repository
        .data_rights()
        .requests(
            kredit_store::data_rights::RequestFilter {
                user: Some(user),
                status: None,
            },
            MAX_RECORDS,
        )
        .await?
        .into_iter()
        .map(|request| RequestData {
            kind: request.kind,
            status: request.status,
            received_at: request.received_at,
            due_on: request.due_on,
            decided_at: request.decided_at,
        })
        .collect();

    Ok(DataExport {
        generated_at: app.time.clock.now(),
        account: AccountData {
            user_id: account.id,
            phone: pii.open(&account.phone_encrypted).await?,
            role: account.role,
            created_at: account.created_at,
        },
        identity,
        consents,
        applications,
        contracts,
        loans,
        payments,
        feedback,
        sessions,
        staff_views,
        requests,
    })
}

fn parse(json: &str) -> AppResult<Value> {
    serde_json::from_str(json).map_err(AppError::internal)
}
