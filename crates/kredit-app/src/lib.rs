//! Kredit's application layer: the workflow of a lender's day, one module
//! per use case, over ports for what lies outside (the clock, storage,
//! the payment and identity providers, the credit models). It knows no HTTP and no SQL: `kredit-server`'s
//! handlers and `kredit`'s commands parse, authorise, call one use case
//! here and render its result or its [`AppError`].

pub mod accounts;
pub mod approvals;
pub mod audit;
pub mod catalogue;
pub mod clock;
pub mod close_of_business;
pub mod collections;
pub mod data_rights;
pub mod disbursement_policy;
pub mod error;
pub mod feedback;
pub mod funding;
pub mod ids;
pub mod install;
pub mod keys;
pub mod lease;
pub mod ledger_check;
pub mod loan_lock;
pub mod onboarding;
pub mod origination;
pub mod outbox;
pub mod password;
pub mod payments;
pub mod personal_data;
pub mod policy_history;
pub mod portfolio;
pub mod reversals;
pub mod risk;
pub mod scoring;
pub mod second_factor;
pub mod servicing;
pub mod text;
pub mod throttle;
pub mod tlog;

use std::sync::Arc;

use chrono::NaiveDate;
use chrono_tz::Tz;
use kredit_payments::PaymentProvider;
use kredit_store::Repository;
use kredit_store::pii::PiiCipher;

use keys::{KeyProvider, Vault};

pub use clock::{Clock, FakeClock, LocalTime, SystemClock};
pub use error::{AppError, AppResult, FieldProblem};

/// The lender's time zone when none is configured.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Asia::Shanghai;

/// What every use case works with: the ports and the lender's settings.
pub struct App {
    pub repository: Arc<dyn Repository>,
    /// Seals and opens personal data (envelope encryption, [`keys`]).
    pub pii: Vault,
    pub payments: Payments,
    /// The clock, read in the lender's time zone.
    pub time: LocalTime,
    /// This instance's name among those sharing the database (lease holder).
    pub instance: String,
    pub loan_locks: loan_lock::LoanLocks,
    /// Who verifies a borrower's identity, and the rules of that check.
    pub identity_provider: Arc<dyn onboarding::IdentityProvider>,
    pub identity: onboarding::IdentityPolicy,
    /// The lending rules origination decides by.
    pub lending: origination::LendingPolicy,
    /// The champion and challenger models in service (none: the rules
    /// scorecard decides).
    pub scorer: scoring::ModelScorer,
    /// Retention after erasure and the working days deadlines count.
    pub privacy: data_rights::PrivacyPolicy,
    /// The transparency log's key; `None`: nothing is sequenced (the
    /// server always configures one, `kredit serve` generating a
    /// development key where none is given).
    pub log: Option<tlog::LogSettings>,
    /// Fraud and AML checks: sanctions index, calendar, timeout.
    pub risk: risk::RiskSettings,
}

/// The bank/PSP, where it sends its notices, and what every payment passes
/// before it is sent.
pub struct Payments {
    pub provider: Arc<dyn PaymentProvider>,
    /// Asked about every payment before it is sent
    /// ([`payments::PaymentAuthoriser`]); [`payments::AuthoriseAll`] until
    /// a disbursement policy is plugged in.
    pub authoriser: Arc<dyn payments::PaymentAuthoriser>,
    /// The absolute URL of `POST /api/v1/payments/callback`.
    pub callback_url: String,
    /// Whether the auto-debits close of business queues are sent.
    pub auto_debit: bool,
}

impl App {
    pub fn new(
        repository: Arc<dyn Repository>,
        pii: PiiCipher,
        keys: Arc<dyn KeyProvider>,
        payments: Payments,
        time: LocalTime,
    ) -> App {
        App {
            pii: Vault::new(pii, keys, repository.clone()),
            repository,
            payments,
            time,
            instance: format!(
                "pid{}-{}",
                std::process::id(),
                &ids::random_reference()[..8]
            ),
            loan_locks: loan_lock::LoanLocks::default(),
            identity_provider: Arc::new(onboarding::SandboxIdentityProvider),
            identity: onboarding::IdentityPolicy::default(),
            lending: origination::LendingPolicy::default(),
            scorer: scoring::ModelScorer::default(),
            privacy: data_rights::PrivacyPolicy::default(),
            log: None,
            risk: risk::RiskSettings::default(),
        }
    }

    /// The business date: the date close of business last closed through
    /// (`kredit migrate` sets it to the install day); the lender's local
    /// date on a database that has none yet.
    pub async fn business_date(&self) -> AppResult<NaiveDate> {
        Ok(self
            .repository
            .lending()
            .business_date()
            .await?
            .unwrap_or_else(|| self.time.today()))
    }
}
