//! Borrower-facing texts for decision reason codes, in zh-CN and en. A
//! declined borrower is told why (PIPL Art. 24): every code the decision
//! engine can produce has a text here.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonText {
    pub code: String,
    pub text_zh: String,
    pub text_en: String,
}

const TEXTS: &[(&str, &str, &str)] = &[
    (
        "identity_not_verified",
        "尚未完成实名认证",
        "Your identity has not been verified",
    ),
    (
        "age_out_of_policy",
        "年龄不在产品准入范围内",
        "Your age is outside the product's range",
    ),
    (
        "existing_overdue",
        "您有逾期未还的借款",
        "You have a loan that is past due",
    ),
    (
        "too_many_open_loans",
        "在贷笔数已达上限",
        "You already have the maximum number of open loans",
    ),
    (
        "outstanding_limit_reached",
        "借款余额已达上限",
        "Your total outstanding balance is at its limit",
    ),
    (
        "score_too_low",
        "综合信用评分未达到要求",
        "Your credit score is below what this product requires",
    ),
    (
        "score_needs_review",
        "需要人工审核",
        "Your application needs a manual review",
    ),
    (
        "amount_reduced",
        "核准金额低于申请金额",
        "The approved amount is lower than requested",
    ),
    (
        "approved_amount_below_product_minimum",
        "可核准金额低于产品最低额度",
        "The amount we can approve is below the product's minimum",
    ),
    (
        "offer_above_rate_cap",
        "报价超过年化利率上限",
        "The offer would exceed the APR cap",
    ),
    ("age", "年龄因素", "Age"),
    (
        "repayment_history",
        "还款记录较少",
        "Short repayment history",
    ),
    ("worst_days_past_due", "历史逾期记录", "Past late payments"),
    ("open_loans", "在贷笔数较多", "Number of open loans"),
    (
        "amount_to_product_limit",
        "申请金额接近产品上限",
        "Amount close to the product's limit",
    ),
    ("term", "借款期限较长", "Long loan term"),
    (
        "bank_card_check",
        "银行卡号校验存在疑问",
        "The bank card number failed its check",
    ),
    (
        "underwriter_declined",
        "人工审核未通过",
        "Declined after manual review",
    ),
];

/// The texts of a reason code; model reasons are `feature:<name>`.
pub fn describe(code: &str) -> ReasonText {
    let (zh, en) = TEXTS
        .iter()
        .find(|(known, _, _)| *known == code)
        .map(|(_, zh, en)| ((*zh).to_owned(), (*en).to_owned()))
        .unwrap_or_else(|| match code.strip_prefix("feature:") {
            Some(feature) => {
                let readable = feature.replace('_', " ");
                (
                    format!("信用模型因素：{readable}"),
                    format!("Credit model factor: {readable}"),
                )
            }
            None => ("其他原因".to_owned(), format!("Other reason ({code})")),
        });
    ReasonText {
        code: code.to_owned(),
        text_zh: zh,
        text_en: en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kredit_core::decision::codes;

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
            let text = describe(code);
            assert!(!text.text_zh.starts_with("其他"), "{code}");
            assert!(!text.text_en.starts_with("Other"), "{code}");
        }
        assert!(
            describe("feature:duration_in_month")
                .text_en
                .contains("duration in month")
        );
    }
}
