//! Acceptance: the borrower agrees to an approved offer. The offer is
//! priced again from the business date (the schedule starts when the
//! contract is signed); the contract (its SHA-256 digest into the evidence
//! log), the loan awaiting disbursement, the disbursement payment and the
//! `contract.signed` event are written in one transaction; then the
//! disbursement goes to the bank. The loan becomes active when the bank
//! confirms.

use kredit_core::application::ApplicationStatus;
use kredit_core::canonical;
use kredit_core::contract::{Consent, Contract, Signing};
use kredit_core::identity::{mask_id_number, mask_name};
use kredit_core::loan::LoanTerms;
use kredit_core::payment::{PaymentDirection, PaymentPurpose};
use kredit_core::product::OfferRequest;
use kredit_store::lending::{self, ApplicationRecord, EvidenceDraft, NewPayment};
use kredit_store::{ApplicationId, ContractId, IdentityRecord, IdentityStatus, LoanId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::StoredDecision;
use crate::{App, AppError, AppResult, catalogue, outbox, payments};

/// The version of the standard loan terms a borrower accepts.
pub const TERMS_VERSION: &str = "2026-11";
const LENDER: &str = "Kredit Consumer Finance Co., Ltd.";

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// Must be `true`.
    pub agree: bool,
    /// The current terms' version.
    #[cfg_attr(feature = "utoipa", schema(example = "2026-11"))]
    pub terms_version: String,
}

/// What acceptance made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    pub contract_id: ContractId,
    pub loan_id: LoanId,
}

/// Accepts the borrower's own approved application; `ip` is where the
/// consent came from, kept in the contract.
pub async fn accept(
    app: &App,
    borrower: UserId,
    id: ApplicationId,
    request: &AcceptRequest,
    ip: String,
) -> AppResult<Accepted> {
    check_consent(request)?;
    crate::data_rights::refuse_while_erasure_open(app, borrower).await?;
    let store = app.repository.lending();
    let record = store
        .application(id)
        .await?
        .filter(|record| record.borrower_id == borrower)
        .ok_or(AppError::NotFound)?;
    if record.status != ApplicationStatus::Approved {
        return Err(AppError::conflict(
            "not_approved",
            format!("the application is {}, not approved", record.status),
        ));
    }
    let identity = app
        .repository
        .identity(borrower)
        .await?
        .filter(|i| i.status == IdentityStatus::Verified)
        .ok_or_else(|| {
            AppError::conflict(
                "identity_not_verified",
                "verify your identity and bank card first",
            )
        })?;
    let acceptance = sign(app, &record, &identity, request, ip).await?;
    let accepted = store
        .accept_application(&acceptance)
        .await?
        .ok_or_else(|| {
            AppError::conflict(
                "not_approved",
                "the application was accepted or changed meanwhile",
            )
        })?;
    let payment = store
        .payment(accepted.payment_id)
        .await?
        .ok_or(AppError::Internal)?;
    payments::submit(app, &payment, borrower).await?;
    Ok(Accepted {
        contract_id: accepted.contract_id,
        loan_id: accepted.loan_id,
    })
}

fn check_consent(request: &AcceptRequest) -> AppResult<()> {
    if !request.agree {
        return Err(AppError::field(
            "agree",
            "consent_required",
            "accepting requires agreeing to the terms",
        ));
    }
    if request.terms_version != TERMS_VERSION {
        return Err(AppError::field(
            "terms_version",
            "terms_version",
            format!("the current terms are version {TERMS_VERSION}"),
        ));
    }
    Ok(())
}

/// The offer priced from today, the loan's terms, the signed contract and
/// everything acceptance writes.
async fn sign(
    app: &App,
    record: &ApplicationRecord,
    identity: &IdentityRecord,
    request: &AcceptRequest,
    ip: String,
) -> AppResult<lending::Acceptance> {
    let decision = StoredDecision::parse(&record.decision)?.decision;
    let (Some(amount), Some(rate)) = (decision.approved_amount, decision.annual_rate) else {
        return Err(AppError::internal("approved application without an offer"));
    };
    let product = catalogue::product(app.repository.as_ref(), &record.product_code)
        .await?
        .ok_or_else(|| AppError::internal("product of an application vanished"))?;
    let offer = OfferRequest {
        amount,
        term_months: u32::try_from(record.term_months).map_err(AppError::internal)?,
        method: record.method.parse().map_err(AppError::internal)?,
        start_date: app.business_date().await?,
    };
    let quote = product
        .quote(&offer, rate, app.lending.policy.rate_cap)
        .map_err(|error| {
            AppError::conflict(
                "offer_expired",
                format!("the offer can no longer be made: {error}"),
            )
        })?;
    let terms = LoanTerms::from_quote(&product, &quote, product.schedule_terms(&offer, rate));
    let signed_at = app.time.clock.now();
    let name = app.pii.open(&identity.real_name_encrypted).await?;
    let id_number = app.pii.open(&identity.id_number_encrypted).await?;
    let contract = Contract::new(
        &product,
        &quote,
        &terms,
        Signing {
            contract_number: format!("KR-{}-{:08}", offer.start_date.format("%Y%m%d"), record.id),
            lender: LENDER,
            borrower_id: record.borrower_id.to_string(),
            // The stored document carries masked personal data only; the
            // full identity stays encrypted in the identity record.
            borrower_name: mask_name(&name),
            borrower_id_number_masked: mask_id_number(&id_number),
            purpose: record.purpose.clone(),
            consents: vec![Consent {
                kind: "loan_contract".to_owned(),
                terms_version: request.terms_version.clone(),
                accepted_at: signed_at,
                ip,
            }],
            signed_at,
        },
    );
    // Salted, so the digest the log commits to cannot be found by hashing
    // guesses at the contract's contents.
    let mut salt = [0u8; 32];
    getrandom::fill(&mut salt).map_err(AppError::internal)?;
    let document = canonical::to_canonical_json(&contract).map_err(AppError::internal)?;
    let digest = kredit_core::contract::commitment(Some(&salt), &document);
    Ok(lending::Acceptance {
        application_id: record.id,
        borrower_id: record.borrower_id,
        contract_document: document,
        contract_digest: digest.clone(),
        contract_salt: salt.iter().map(|b| format!("{b:02x}")).collect(),
        signed_at,
        product_code: product.code.clone(),
        terms: serde_json::to_string(&terms).map_err(AppError::internal)?,
        principal_fen: amount.fen(),
        disbursement: NewPayment {
            merchant_reference: format!("KR-D-{}", record.id),
            loan_id: LoanId(0),
            direction: PaymentDirection::Disbursement,
            purpose: PaymentPurpose::Disbursement,
            mode: None,
            amount_fen: quote.net_proceeds.fen(),
        },
        domain_events: vec![outbox::event(
            "contract.signed",
            json!({
                "application_id": record.id,
                "digest": digest,
                "principal": amount,
                "net_proceeds": quote.net_proceeds,
                "annual_rate": rate,
                "term_months": offer.term_months,
            }),
        )],
        evidence: EvidenceDraft {
            kind: "contract.signed".to_owned(),
            subject: String::new(),
            payload_digest: digest,
        },
    })
}
