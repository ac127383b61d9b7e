//! The consents a borrower gives and may withdraw, each with the version of
//! the text they saw (PIPL arts. 14–16: consent is informed, specific and
//! withdrawable as easily as it was given).
//!
//! A consent's state is the last record of its kind: records are only ever
//! added, so the history shows which text was agreed to, when and from
//! where. The loan contract's own consent lives in the signed contract.

use crate::lifecycle::string_enum;

string_enum! {
    /// What a borrower consents to.
    pub enum ConsentKind ("consent kind") {
        /// Processing the personal information the service needs (given at
        /// registration; withdrawing it means asking for erasure).
        PersonalInformation = "personal_information",
        /// Marketing messages about products.
        Marketing = "marketing",
        /// Recommendations chosen from the borrower's own data.
        PersonalisedRecommendation = "personalised_recommendation",
    }
}

string_enum! {
    /// A consent record's action.
    pub enum ConsentAction ("consent action") {
        Given = "given",
        Withdrawn = "withdrawn",
    }
}

/// The text a borrower agrees to, in the version in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConsentText {
    pub kind: ConsentKind,
    pub version: &'static str,
    /// Needed for the service itself: it cannot be withdrawn on its own.
    pub required: bool,
    pub zh: &'static str,
    pub en: &'static str,
}

/// The texts in force, one per kind, in [`ConsentKind::ALL`]'s order.
pub const TEXTS: [ConsentText; 3] = [
    ConsentText {
        kind: ConsentKind::PersonalInformation,
        version: "2026-12",
        required: true,
        zh: "为提供借款服务，我们处理您的手机号、身份信息（姓名、身份证号）、银行卡及借款记录，仅用于身份核验、授信、放款、还款和法律要求的留存；个人信息加密存储，员工查看须说明目的并留痕。您可随时查阅、下载、更正或申请删除。",
        en: "To provide loans we process your phone number, identity (name, ID number), bank card and loan records, only for verification, credit decisions, disbursement, repayment and the retention the law requires; personal data is stored encrypted and every staff view is recorded with its purpose. You can see, download, correct or ask to erase it at any time.",
    },
    ConsentText {
        kind: ConsentKind::Marketing,
        version: "2026-12",
        required: false,
        zh: "向我发送产品和优惠信息（短信或应用内消息）。可随时关闭。",
        en: "Send me product news and offers (text or in-app messages). You can turn this off at any time.",
    },
    ConsentText {
        kind: ConsentKind::PersonalisedRecommendation,
        version: "2026-12",
        required: false,
        zh: "根据我的借款和还款记录为我推荐产品。关闭后，推荐不再使用个人数据。",
        en: "Recommend products from my own loan and repayment record. When off, recommendations use no personal data.",
    },
];

/// The text in force for a kind.
#[must_use]
pub fn text(kind: ConsentKind) -> &'static ConsentText {
    TEXTS
        .iter()
        .find(|text| text.kind == kind)
        .expect("every kind has a text")
}

/// Why a consent change is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    /// Giving consent names a text other than the one in force.
    #[error("the text in force is version {current}")]
    NotCurrentVersion { current: &'static str },
    /// A required consent is withdrawn by asking for erasure instead.
    #[error("this consent is needed for the service; ask for erasure instead")]
    RequiredForService,
}

/// Checks a change: giving names the text in force; only optional
/// consents are withdrawn on their own.
pub fn check_change(kind: ConsentKind, given: bool, version: &str) -> Result<(), ConsentError> {
    let text = text(kind);
    if given && version != text.version {
        return Err(ConsentError::NotCurrentVersion {
            current: text.version,
        });
    }
    if !given && text.required {
        return Err(ConsentError::RequiredForService);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_text_in_order() {
        for (text, kind) in TEXTS.iter().zip(ConsentKind::ALL) {
            assert_eq!(text.kind, kind);
            assert!(!text.zh.is_empty() && !text.en.is_empty());
        }
    }

    #[test]
    fn giving_needs_the_current_text_and_required_consents_stay() {
        assert_eq!(
            check_change(ConsentKind::Marketing, true, "2026-12"),
            Ok(())
        );
        assert_eq!(
            check_change(ConsentKind::Marketing, false, "anything"),
            Ok(())
        );
        assert_eq!(
            check_change(ConsentKind::Marketing, true, "2025-01"),
            Err(ConsentError::NotCurrentVersion { current: "2026-12" })
        );
        assert_eq!(
            check_change(ConsentKind::PersonalInformation, false, "2026-12"),
            Err(ConsentError::RequiredForService)
        );
    }
}
