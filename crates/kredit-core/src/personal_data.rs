//! Staff access to a borrower's unmasked personal data: which fields may be
//! revealed, the purposes a member of staff may state, and the shape of the
//! case reference that ties a view to a piece of work.
//!
//! Everywhere else personal data is shown masked. Seeing it whole is an
//! exception that must be justified (PIPL's purpose limitation and minimum
//! necessity): the viewer names the fields they need, why, and for which
//! case, and the view is recorded before anything is shown.

use crate::lifecycle::string_enum;

string_enum! {
    /// A personal field that masks hide and a view can reveal.
    pub enum PersonalField ("personal field") {
        Phone = "phone",
        RealName = "real_name",
        IdNumber = "id_number",
        BankCard = "bank_card",
        BankPhone = "bank_phone",
    }
}

string_enum! {
    /// Why a member of staff needs to see personal data unmasked.
    pub enum AccessPurpose ("access purpose") {
        /// Reviewing a referred application's identity.
        Underwriting = "underwriting",
        /// Answering the borrower's own request or complaint.
        CustomerRequest = "customer_request",
        /// Contacting a borrower about an overdue loan.
        Collections = "collections",
        /// Investigating suspected fraud or money laundering.
        FraudInvestigation = "fraud_investigation",
        /// A court, regulator or police request.
        LegalRequest = "legal_request",
    }
}

/// The longest case reference.
pub const MAX_REFERENCE_CHARS: usize = 64;

/// A case reference (a ticket, case or application number such as
/// `APP-1042` or `CASE 2026/17`): 1 to [`MAX_REFERENCE_CHARS`] ASCII
/// letters, digits, spaces and `-_#/.:`, starting with a letter or digit.
/// Deliberately not free text, so the access record cannot become a place
/// where personal data is written down.
pub fn valid_reference(reference: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || " -_#/.:".contains(c);
    reference.len() <= MAX_REFERENCE_CHARS
        && reference.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !reference.ends_with(' ')
        && reference.chars().all(allowed)
}

/// The fields one view reveals: at least one, each once, in the order of
/// [`PersonalField::ALL`]. Stored as their strings joined by commas.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldSet(Vec<PersonalField>);

impl FieldSet {
    /// The requested fields deduplicated and ordered; `None` if none.
    pub fn of(fields: &[PersonalField]) -> Option<Self> {
        let chosen: Vec<_> = PersonalField::ALL
            .into_iter()
            .filter(|field| fields.contains(field))
            .collect();
        (!chosen.is_empty()).then_some(Self(chosen))
    }

    pub fn contains(&self, field: PersonalField) -> bool {
        self.0.contains(&field)
    }

    pub fn fields(&self) -> &[PersonalField] {
        &self.0
    }
}

impl std::fmt::Display for FieldSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let texts: Vec<_> = self.0.iter().map(|field| field.as_str()).collect();
        f.write_str(&texts.join(","))
    }
}

impl TryFrom<String> for FieldSet {
    type Error = crate::lifecycle::UnknownValue;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let fields = text
            .split(',')
            .map(str::parse)
            .collect::<Result<Vec<PersonalField>, _>>()?;
        Self::of(&fields).ok_or(crate::lifecycle::UnknownValue {
            kind: "personal field",
            value: text,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn references_are_case_numbers_not_prose() {
        for good in ["APP-1042", "CASE 2026/17", "T#9", "a", "INC:7.3_b"] {
            assert!(valid_reference(good), "{good}");
        }
        let long = "A".repeat(MAX_REFERENCE_CHARS + 1);
        for bad in [
            "",
            " APP",
            "APP ",
            "张三",
            "call 138 0000 0001 <b>",
            "x\u{202E}y",
            "a\nb",
            long.as_str(),
        ] {
            assert!(!valid_reference(bad), "{bad:?}");
        }
    }

    #[test]
    fn fields_are_deduplicated_in_one_order() {
        use PersonalField::*;
        let set = FieldSet::of(&[BankCard, Phone, BankCard]).unwrap();
        assert_eq!(set.fields(), [Phone, BankCard]);
        assert_eq!(set.to_string(), "phone,bank_card");
        assert_eq!(FieldSet::try_from(set.to_string()), Ok(set));
        assert_eq!(FieldSet::of(&[]), None);
        assert!(FieldSet::try_from(String::new()).is_err());
        assert!(FieldSet::try_from("phone,salary".to_owned()).is_err());
    }

    proptest! {
        #[test]
        fn a_field_set_reads_back_as_written(picks in proptest::collection::vec(0..PersonalField::ALL.len(), 1..8)) {
            let fields: Vec<_> = picks.into_iter().map(|i| PersonalField::ALL[i]).collect();
            let set = FieldSet::of(&fields).unwrap();
            prop_assert_eq!(FieldSet::try_from(set.to_string()).unwrap(), set);
        }

        #[test]
        fn an_accepted_reference_is_short_printable_ascii(reference in "\\PC{0,80}") {
            if valid_reference(&reference) {
                prop_assert!(reference.len() <= MAX_REFERENCE_CHARS);
                prop_assert!(reference.chars().all(|c| c.is_ascii_graphic() || c == ' '));
            }
        }
    }
}
