//! The loan contract: every term the borrower agrees to, the full schedule,
//! the APR disclosure and the consent records, with a SHA-256 digest of its
//! canonical JSON that fixes the text both parties signed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::canonical::{self, CanonicalError};
use crate::loan::LoanTerms;
use crate::money::Money;
use crate::product::{LoanProduct, ProductKind, Quote};
use crate::rate::Rate;
use crate::schedule::{Installment, RepaymentMethod};

/// A consent the borrower gave, and where and when.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// e.g. `loan_agreement`, `personal_information_processing`, `credit_report_query`.
    pub kind: String,
    pub terms_version: String,
    pub accepted_at: DateTime<Utc>,
    pub ip: String,
}

/// The annualised cost as it must be disclosed: the APR first and never less
/// prominent than any daily or monthly rate.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostDisclosure {
    /// Nominal APR (12 × monthly IRR), six places, e.g. "0.130300".
    pub apr_nominal: String,
    pub apr_effective: String,
    pub annual_interest_rate: Rate,
    pub monthly_fee_rate: Rate,
    pub total_interest: Money,
    pub total_fees: Money,
    pub total_repayable: Money,
}

impl CostDisclosure {
    pub fn new(quote: &Quote, monthly_fee_rate: Rate) -> Self {
        let schedule = &quote.schedule;
        CostDisclosure {
            apr_nominal: quote.apr.apr_nominal.format_fixed(6),
            apr_effective: quote.apr.apr_effective.format_fixed(6),
            annual_interest_rate: quote.annual_rate,
            monthly_fee_rate,
            total_interest: schedule.total_interest(),
            total_fees: Money::from_fen(schedule.total_fees().fen() + quote.upfront_fee.fen()),
            total_repayable: schedule.total_payments(),
        }
    }
}

/// The contract document.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    pub contract_number: String,
    pub lender: String,
    pub borrower_id: String,
    pub borrower_name: String,
    /// Masked: the contract never carries a full ID number.
    pub borrower_id_number: String,
    pub product_code: String,
    pub product_name: String,
    pub product_kind: ProductKind,
    pub purpose: String,
    pub principal: Money,
    pub upfront_fee: Money,
    pub net_proceeds: Money,
    pub term_months: u32,
    pub repayment_method: RepaymentMethod,
    pub start_date: NaiveDate,
    pub penalty_annual_rate: Rate,
    pub grace_days: u32,
    pub prepayment_allowed: bool,
    pub prepayment_fee_rate: Rate,
    pub cost: CostDisclosure,
    pub schedule: Vec<Installment>,
    pub consents: Vec<Consent>,
    pub signed_at: DateTime<Utc>,
}

/// Who signs and how they agreed.
pub struct Signing<'a> {
    pub contract_number: String,
    pub lender: &'a str,
    pub borrower_id: String,
    pub borrower_name: String,
    pub borrower_id_number_masked: String,
    pub purpose: String,
    pub consents: Vec<Consent>,
    pub signed_at: DateTime<Utc>,
}

impl Contract {
    pub fn new(
        product: &LoanProduct,
        quote: &Quote,
        terms: &LoanTerms,
        signing: Signing<'_>,
    ) -> Contract {
        Contract {
            contract_number: signing.contract_number,
            lender: signing.lender.to_owned(),
            borrower_id: signing.borrower_id,
            borrower_name: signing.borrower_name,
            borrower_id_number: signing.borrower_id_number_masked,
            product_code: product.code.clone(),
            product_name: product.name.clone(),
            product_kind: product.kind,
            purpose: signing.purpose,
            principal: terms.schedule.principal,
            upfront_fee: quote.upfront_fee,
            net_proceeds: quote.net_proceeds,
            term_months: terms.schedule.term_months,
            repayment_method: terms.schedule.method,
            start_date: terms.schedule.start_date,
            penalty_annual_rate: terms.penalty_annual_rate,
            grace_days: terms.grace_days,
            prepayment_allowed: terms.prepayment.allowed,
            prepayment_fee_rate: terms.prepayment.fee_rate,
            cost: CostDisclosure::new(quote, product.monthly_fee_rate),
            schedule: quote.schedule.installments.clone(),
            consents: signing.consents,
            signed_at: signing.signed_at,
        }
    }

    /// Lower-case hex SHA-256 of the contract's canonical JSON.
    pub fn digest(&self) -> Result<String, CanonicalError> {
        canonical::digest(self)
    }
}

/// A contract's commitment (docs/transparency-log.md): lower-case hex
/// SHA-256 of the salt's 32 bytes followed by the contract's canonical
/// JSON, so it cannot be found by hashing guesses at the contract; without
/// a salt (contracts signed before salts), of the canonical JSON alone.
pub fn commitment(salt: Option<&[u8; 32]>, canonical_json: &str) -> String {
    let mut bytes = salt.map_or_else(Vec::new, |salt| salt.to_vec());
    bytes.extend_from_slice(canonical_json.as_bytes());
    canonical::sha256_hex(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apr::RateCap;
    use crate::calendar::DayCount;
    use crate::product::{
        AllocationOrder, OfferRequest, PenaltyRate, PrepaymentPolicy, UpfrontFee,
    };

    fn product() -> LoanProduct {
        LoanProduct {
            code: "EDU-01".into(),
            name: "Education loan".into(),
            kind: ProductKind::Education,
            min_amount: Money::yuan(1_000),
            max_amount: Money::yuan(50_000),
            min_term_months: 6,
            max_term_months: 24,
            min_annual_rate: Rate::from_bps(600),
            max_annual_rate: Rate::from_bps(1200),
            repayment_methods: vec![RepaymentMethod::EqualInstallment],
            upfront_fee: UpfrontFee::Flat(Money::yuan(100)),
            monthly_fee_rate: Rate::ZERO,
            penalty_rate: PenaltyRate::default(),
            grace_days: 3,
            allocation: AllocationOrder::default(),
            prepayment: PrepaymentPolicy::default(),
            day_count: DayCount::Actual365,
        }
    }

    fn contract() -> Contract {
        let product = product();
        let request = OfferRequest {
            amount: Money::yuan(10_000),
            term_months: 12,
            method: RepaymentMethod::EqualInstallment,
            start_date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        };
        let quote = product
            .quote(&request, Rate::from_bps(800), RateCap::default())
            .unwrap();
        let terms = LoanTerms::from_quote(
            &product,
            &quote,
            product.schedule_terms(&request, quote.annual_rate),
        );
        let at = DateTime::from_timestamp(1_772_323_200, 0).unwrap();
        Contract::new(
            &product,
            &quote,
            &terms,
            Signing {
                contract_number: "KR-2026-000001".into(),
                lender: "Kredit Demo Lender",
                borrower_id: "42".into(),
                borrower_name: "张三".into(),
                borrower_id_number_masked: "110105********002X".into(),
                purpose: "tuition".into(),
                consents: vec![Consent {
                    kind: "loan_agreement".into(),
                    terms_version: "2026-01".into(),
                    accepted_at: at,
                    ip: "203.0.113.7".into(),
                }],
                signed_at: at,
            },
        )
    }

    #[test]
    fn the_digest_is_stable_and_changes_with_any_term() {
        let original = contract();
        let digest = original.digest().unwrap();
        assert_eq!(digest.len(), 64);
        assert_eq!(contract().digest().unwrap(), digest);
        let mut altered = original.clone();
        altered.schedule[3].interest = Money::from_fen(altered.schedule[3].interest.fen() + 1);
        assert_ne!(altered.digest().unwrap(), digest);
    }

    #[test]
    fn the_apr_is_disclosed_with_the_upfront_fee_in_it() {
        let c = contract();
        assert_eq!(c.net_proceeds, Money::yuan(9_900));
        assert!(
            c.cost.apr_nominal.as_str() > "0.08",
            "{}",
            c.cost.apr_nominal
        );
        assert_eq!(c.cost.total_fees, Money::yuan(100));
        let json = crate::canonical::to_canonical_json(&c).unwrap();
        assert!(json.contains(r#""borrower_id_number":"110105********002X""#));
    }

    #[test]
    fn a_salted_commitment_needs_its_salt() {
        let document = canonical::to_canonical_json(&contract()).unwrap();
        let unsalted = commitment(None, &document);
        assert_eq!(unsalted, contract().digest().unwrap());
        let salted = commitment(Some(&[7; 32]), &document);
        assert_ne!(salted, unsalted);
        assert_ne!(salted, commitment(Some(&[8; 32]), &document));
        let mut prefixed = vec![7u8; 32];
        prefixed.extend_from_slice(document.as_bytes());
        assert_eq!(salted, canonical::sha256_hex(&prefixed));
    }
}
