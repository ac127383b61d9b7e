//! Entity ids: one type per entity, so a loan's id cannot be passed where a
//! payment's is expected. Each wraps the row's `BIGINT` key and is that
//! number everywhere outside Rust: in JSON (serde transparent), in the
//! database (sqlx transparent, under the `sqlx` feature), in text
//! (`Display`, `FromStr`) and in the OpenAPI schema (an int64 integer).
//!
//! ```compile_fail
//! use kredit_core::ids::{LoanId, PaymentId};
//! fn payment(id: PaymentId) -> PaymentId {
//!     id
//! }
//! payment(LoanId(7)); // a loan's id is not a payment's
//! ```

/// Declares id newtypes over `i64`: the derives, `Display` and `FromStr` of
/// the number, `From<Id> for i64`, and (under the features) sqlx's
/// transparent `Type` and an integer OpenAPI schema named after the type.
macro_rules! ids {
    ($(
        $(#[$meta:meta])*
        pub struct $name:ident;
    )+) => {$(
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        #[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map($name)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        #[cfg(feature = "utoipa")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .into()
            }
        }

        #[cfg(feature = "utoipa")]
        impl utoipa::ToSchema for $name {}
    )+};
}

ids! {
    /// A user: a borrower or a member of staff.
    pub struct UserId;
    /// A loan application.
    pub struct ApplicationId;
    /// A signed loan contract.
    pub struct ContractId;
    /// A loan.
    pub struct LoanId;
    /// A payment: a disbursement or a collection.
    pub struct PaymentId;
    /// One event in a loan's history (`loan_events`).
    pub struct EventId;
    /// A request (maker) to reverse a loan event, for a checker to decide.
    pub struct ReversalRequestId;
    /// A borrower's feedback or complaint.
    pub struct FeedbackId;
    /// One uploaded version of a credit model.
    pub struct ModelVersionId;
    /// A domain event in the outbox; subscribers' cursors are these.
    pub struct DomainEventId;
    /// An integrator's webhook subscription.
    pub struct WebhookId;
    /// One recorded staff view of a borrower's unmasked personal data.
    pub struct PersonalDataAccessId;
    /// One sign-in: its access and refresh tokens end with it.
    pub struct SessionId;
    /// A borrower's request to exercise a personal-information right.
    pub struct DataRightsRequestId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_number() {
        let id = LoanId(42);
        assert_eq!(id.to_string(), "42");
        assert_eq!("42".parse::<LoanId>(), Ok(id));
        assert!("x42".parse::<LoanId>().is_err());
        assert_eq!(i64::from(id), 42);
        assert_eq!(serde_json::to_value(id).unwrap(), serde_json::json!(42));
        assert_eq!(
            serde_json::from_value::<LoanId>(serde_json::json!(42)).unwrap(),
            id
        );
        assert!(serde_json::from_value::<LoanId>(serde_json::json!("42")).is_err());
        assert!(LoanId(1) < LoanId(2));
    }
}
