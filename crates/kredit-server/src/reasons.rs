//! Borrower-facing texts of decision reasons, in Chinese and English.
//!
//! A decision carries stable reason codes (see
//! [`kredit_core::decision::Reason`]): the policy codes of
//! [`kredit_core::decision::codes`], the factors of the
//! [`kredit_core::decision::RulesScorecard`], and the factors of a trained
//! model as `feature:<feature name>`. [`describe`] turns any of them into
//! the text shown to the applicant; codes it does not know get a generic
//! text (never an error), so a new model feature cannot break a decision
//! letter.

use kredit_core::decision::codes::{self, FEATURE_PREFIX};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A reason code with its texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReasonText {
    pub code: String,
    pub text_zh: String,
    pub text_en: String,
}

/// Policy rules of the decision engine.
const POLICY: &[(&str, &str, &str)] = &[
    (
        codes::IDENTITY_NOT_VERIFIED,
        "身份信息未通过核验",
        "Your identity has not been verified",
    ),
    (
        codes::AGE_OUT_OF_POLICY,
        "年龄不符合借款要求",
        "Your age is outside our lending policy",
    ),
    (
        codes::EXISTING_OVERDUE,
        "您有逾期未还的借款",
        "You have a loan that is overdue",
    ),
    (
        codes::TOO_MANY_OPEN_LOANS,
        "在贷笔数已达上限",
        "You have too many open loans",
    ),
    (
        codes::OUTSTANDING_LIMIT,
        "借款余额已达上限",
        "Your total outstanding borrowing has reached its limit",
    ),
    (
        codes::SCORE_TOO_LOW,
        "综合信用评分未达到要求",
        "Your credit score is below our requirement",
    ),
    (
        codes::SCORE_NEEDS_REVIEW,
        "申请需要人工审核",
        "Your application needs a manual review",
    ),
    (
        codes::AMOUNT_REDUCED,
        "批准金额低于申请金额",
        "The approved amount is lower than requested",
    ),
    (
        codes::BELOW_PRODUCT_MINIMUM,
        "可批准金额低于产品最低额度",
        "The amount we can approve is below the product's minimum",
    ),
    (
        codes::RATE_CAP,
        "报价将超过利率上限",
        "The offer would exceed the interest rate cap",
    ),
    (
        codes::UNDERWRITER_DECLINED,
        "人工审核未通过",
        "Declined after a manual review",
    ),
];

/// Factors of the rules-based scorecard (`RulesScorecard`).
const RULES_SCORECARD: &[(&str, &str, &str)] = &[
    (
        "age",
        "年龄段的历史风险较高",
        "Your age group has a higher observed risk",
    ),
    (
        "repayment_history",
        "已结清的借款记录较少",
        "You have few fully repaid loans",
    ),
    (
        "worst_days_past_due",
        "曾有逾期还款记录",
        "You have paid late in the past",
    ),
    ("open_loans", "在贷笔数较多", "You have several open loans"),
    (
        "amount_to_product_limit",
        "申请金额接近产品上限",
        "The amount requested is close to the product's limit",
    ),
    ("term", "借款期限较长", "The loan term is long"),
    (
        "bank_card_check",
        "银行卡校验未通过",
        "Your bank card failed its check",
    ),
];

/// Features of the German Credit models (`feature:<name>`).
const MODEL_FEATURES: &[(&str, &str, &str)] = &[
    (
        "status_of_existing_checking_account",
        "活期账户余额偏低",
        "Low balance on your checking account",
    ),
    ("duration_in_month", "借款期限较长", "Long loan duration"),
    ("credit_history", "信用记录欠佳", "Weak credit history"),
    ("purpose", "借款用途的风险较高", "Higher-risk loan purpose"),
    ("credit_amount", "借款金额较高", "High loan amount"),
    (
        "savings_account_and_bonds",
        "储蓄或债券资产较少",
        "Little savings or bonds",
    ),
    (
        "present_employment_since",
        "当前工作年限较短",
        "Short time in your current employment",
    ),
    (
        "installment_rate_in_percentage_of_disposable_income",
        "月供占可支配收入的比例较高",
        "High instalment relative to disposable income",
    ),
    (
        "personal_status_and_sex",
        "个人及婚姻状况",
        "Personal and marital status",
    ),
    (
        "other_debtors_or_guarantors",
        "没有共同借款人或担保人",
        "No co-applicant or guarantor",
    ),
    (
        "present_residence_since",
        "现住址居住时间较短",
        "Short time at your current address",
    ),
    ("property", "可用于担保的财产较少", "Little property"),
    (
        "age_in_years",
        "年龄段的历史风险较高",
        "Your age group has a higher observed risk",
    ),
    (
        "other_installment_plans",
        "有其他分期还款计划",
        "Other instalment plans",
    ),
    ("housing", "住房状况", "Housing situation"),
    (
        "number_of_existing_credits_at_this_bank",
        "现有借款笔数",
        "Number of existing credits",
    ),
    ("job", "职业类别", "Type of employment"),
    (
        "number_of_people_being_liable_to_provide_maintenance_for",
        "需供养的人数",
        "Number of dependants",
    ),
    ("telephone", "未登记电话", "No registered telephone"),
    ("foreign_worker", "外籍劳工身份", "Foreign worker status"),
];

fn find(
    table: &[(&str, &'static str, &'static str)],
    code: &str,
) -> Option<(&'static str, &'static str)> {
    table
        .iter()
        .find(|(known, _, _)| *known == code)
        .map(|&(_, zh, en)| (zh, en))
}

/// The texts of a known code, `None` for an unknown one.
fn known(code: &str) -> Option<(&'static str, &'static str)> {
    match code.strip_prefix(FEATURE_PREFIX) {
        Some(feature) => find(MODEL_FEATURES, feature),
        None => find(POLICY, code).or_else(|| find(RULES_SCORECARD, code)),
    }
}

/// The texts of a reason code; unknown codes get a generic text.
pub fn describe(code: &str) -> ReasonText {
    let (text_zh, text_en) = match (known(code), code.strip_prefix(FEATURE_PREFIX)) {
        (Some((zh, en)), _) => (zh.to_owned(), en.to_owned()),
        (None, Some(feature)) => (
            format!("评分模型因素（{feature}）对评分不利"),
            format!("A factor of the scoring model ({feature}) lowered your score"),
        ),
        (None, None) => (
            "其他原因，详情请联系客服".to_owned(),
            "Other reason; please contact customer service for details".to_owned(),
        ),
    };
    ReasonText {
        code: code.to_owned(),
        text_zh,
        text_en,
    }
}

#[cfg(test)]
mod tests {
    use kredit_core::decision::codes::feature_code;
    use kredit_core::decision::{ApplicantProfile, RulesScorecard};
    use kredit_core::money::Money;

    use super::*;

    fn assert_texts(code: &str) {
        let (zh, en) = known(code).unwrap_or_else(|| panic!("no text for {code}"));
        assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{code}");
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{code}: the Chinese text has no Chinese"
        );
        assert!(en.is_ascii(), "{code}: {en}");
        let text = describe(code);
        assert_eq!((text.text_zh.as_str(), text.text_en.as_str()), (zh, en));
    }

    #[test]
    fn every_policy_code_has_both_texts() {
        for code in [
            codes::IDENTITY_NOT_VERIFIED,
            codes::AGE_OUT_OF_POLICY,
            codes::EXISTING_OVERDUE,
            codes::TOO_MANY_OPEN_LOANS,
            codes::OUTSTANDING_LIMIT,
            codes::SCORE_TOO_LOW,
            codes::SCORE_NEEDS_REVIEW,
            codes::AMOUNT_REDUCED,
            codes::BELOW_PRODUCT_MINIMUM,
            codes::RATE_CAP,
        ] {
            assert_texts(code);
        }
    }

    #[test]
    fn every_adverse_factor_of_the_rules_scorecard_has_both_texts() {
        use kredit_core::calendar::DayCount;
        use kredit_core::product::{
            AllocationOrder, LoanProduct, OfferRequest, PenaltyRate, PrepaymentPolicy, ProductKind,
            UpfrontFee,
        };
        use kredit_core::rate::Rate;
        use kredit_core::schedule::RepaymentMethod;

        let product = LoanProduct {
            code: "C1".into(),
            name: "Consumer".into(),
            kind: ProductKind::Consumer,
            min_amount: Money::yuan(1_000),
            max_amount: Money::yuan(100_000),
            min_term_months: 3,
            max_term_months: 36,
            min_annual_rate: Rate::from_bps(720),
            max_annual_rate: Rate::from_bps(1800),
            repayment_methods: vec![RepaymentMethod::EqualInstallment],
            upfront_fee: UpfrontFee::None,
            monthly_fee_rate: Rate::ZERO,
            penalty_rate: PenaltyRate::default(),
            grace_days: 3,
            allocation: AllocationOrder::default(),
            prepayment: PrepaymentPolicy::default(),
            day_count: DayCount::Actual365,
        };
        // An applicant who loses points on every factor that can cost points.
        let profile = ApplicantProfile {
            identity_verified: true,
            age: 20,
            open_loans: 2,
            total_outstanding: Money::ZERO,
            has_overdue: false,
            worst_dpd_ever: 40,
            loans_repaid: 0,
            card_warning: true,
        };
        let request = OfferRequest {
            amount: Money::yuan(90_000),
            term_months: 36,
            method: RepaymentMethod::EqualInstallment,
            start_date: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        };
        let assessment = RulesScorecard.assess(&profile, &request, &product);
        assert!(assessment.reasons.len() >= 6, "{assessment:?}");
        for reason in &assessment.reasons {
            assert_texts(&reason.code);
        }
        for (code, _, _) in RULES_SCORECARD {
            assert_texts(code);
        }
    }

    #[test]
    fn every_german_credit_feature_has_both_texts() {
        let model = kredit_scoring::demo_model();
        for spec in model.features() {
            assert_texts(&feature_code(&spec.name));
        }
        let header = include_str!("../../kredit-scoring/fixtures/german_credit.csv")
            .lines()
            .next()
            .unwrap();
        let columns: Vec<&str> = header
            .split(',')
            .filter(|c| *c != "creditability")
            .collect();
        assert_eq!(columns.len(), 20);
        for column in columns {
            assert_texts(&feature_code(column));
        }
    }

    #[test]
    fn unknown_codes_get_a_generic_text() {
        let feature = describe("feature:months_since_last_delinquency");
        assert!(feature.text_zh.contains("months_since_last_delinquency"));
        assert!(feature.text_en.contains("months_since_last_delinquency"));
        let other = describe("offer_invalid: term out of range");
        assert_eq!(other.code, "offer_invalid: term out of range");
        assert!(!other.text_zh.is_empty() && !other.text_en.is_empty());
        assert!(
            known("feature:age").is_none(),
            "rules factors are not model features"
        );
    }
}
