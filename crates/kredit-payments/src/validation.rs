//! The checks a provider makes before accepting an instruction. The server
//! can run them first to reject bad input before anything is submitted.

use crate::{PaymentInstruction, ProviderError};

const MAX_REFERENCE_LEN: usize = 64;
const MAX_ACCOUNT_NAME_CHARS: usize = 100;

impl PaymentInstruction {
    pub fn validate(&self) -> Result<(), ProviderError> {
        let invalid = |why: String| Err(ProviderError::InvalidInstruction(why));
        let reference = &self.merchant_reference;
        let reference_chars_ok = reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
        if reference.is_empty() || reference.len() > MAX_REFERENCE_LEN || !reference_chars_ok {
            return invalid(format!(
                "merchant_reference must be 1-{MAX_REFERENCE_LEN} characters of A-Z, a-z, 0-9, '-', '_', '.', ':'"
            ));
        }
        if !self.amount.is_positive() {
            return invalid(format!("amount must be positive, got {}", self.amount));
        }
        let card = &self.card_number;
        if !(12..=19).contains(&card.len()) || !card.bytes().all(|b| b.is_ascii_digit()) {
            return invalid("card_number must be 12-19 digits".to_owned());
        }
        let name_chars = self.account_name.trim().chars().count();
        if name_chars == 0 || name_chars > MAX_ACCOUNT_NAME_CHARS {
            return invalid(format!(
                "account_name must be 1-{MAX_ACCOUNT_NAME_CHARS} characters"
            ));
        }
        let url_ok = self.callback_url.parse::<http::Uri>().is_ok_and(|uri| {
            matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some()
        });
        if !url_ok {
            return invalid("callback_url must be an absolute http(s) URL".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use kredit_core::Money;

    use super::*;
    use crate::Direction;

    fn instruction() -> PaymentInstruction {
        PaymentInstruction {
            merchant_reference: "loan-42:disbursement".to_owned(),
            direction: Direction::Disbursement,
            amount: Money::from_fen(853_099),
            card_number: "6222000000000009".to_owned(),
            account_name: "张三".to_owned(),
            callback_url: "http://127.0.0.1:8080/api/v1/payments/callback".to_owned(),
        }
    }

    #[test]
    fn a_well_formed_instruction_passes() {
        assert_eq!(instruction().validate(), Ok(()));
    }

    /// Spoils one field of a well-formed instruction.
    type Spoiler = fn(&mut PaymentInstruction);

    #[test]
    fn each_malformed_field_is_named_in_the_error() {
        let cases: [(&str, Spoiler); 9] = [
            ("merchant_reference", |i| i.merchant_reference.clear()),
            ("merchant_reference", |i| {
                i.merchant_reference = "a b".to_owned()
            }),
            ("merchant_reference", |i| {
                i.merchant_reference = "x".repeat(65)
            }),
            ("amount", |i| i.amount = Money::ZERO),
            ("amount", |i| i.amount = Money::from_fen(-1)),
            ("card_number", |i| {
                i.card_number = "6222 0000 0000 0009".to_owned()
            }),
            ("card_number", |i| i.card_number = "12345678901".to_owned()),
            ("account_name", |i| i.account_name = "  ".to_owned()),
            ("callback_url", |i| {
                i.callback_url = "ftp://example.com/cb".to_owned()
            }),
        ];
        for (field, spoil) in cases {
            let mut broken = instruction();
            spoil(&mut broken);
            match broken.validate() {
                Err(ProviderError::InvalidInstruction(why)) => {
                    assert!(why.starts_with(field), "{why:?} should name {field}")
                }
                other => panic!("{broken:?} gave {other:?}"),
            }
        }
    }
}
