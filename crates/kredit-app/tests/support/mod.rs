//! What the use-case tests share: one instance of the application over a
//! database, with the sandbox bank, and a lender's install of it.

#![allow(dead_code)] // each test binary uses its own part

use std::sync::Arc;
use std::time::Duration;

use kredit_app::close_of_business::CobSchedule;
use kredit_app::payments::{AuthoriseAll, PaymentAuthoriser};
use kredit_app::{App, Clock, LocalTime, Payments, catalogue, install};
use kredit_core::apr::RateCap;
use kredit_payments::{CallbackSecret, SandboxConfig, SandboxProvider};
use kredit_store::Repository;
use kredit_store::pii::{PiiCipher, PiiKey};

/// The sandbox bank, settling after `settle_delay`. Its callbacks go to a
/// port where nobody listens: outcomes arrive by reconciliation.
pub fn sandbox(settle_delay: Option<Duration>) -> Arc<SandboxProvider> {
    let secret = CallbackSecret::new(b"test callback secret, 32 bytes!!".to_vec()).unwrap();
    let mut config = SandboxConfig::new(secret);
    if let Some(delay) = settle_delay {
        config.settle_delay = delay;
    }
    Arc::new(SandboxProvider::new(config).unwrap())
}

/// One server instance over `repository`, on `clock`.
pub fn instance(
    repository: &Arc<dyn Repository>,
    clock: Arc<dyn Clock>,
    bank: Arc<SandboxProvider>,
    authoriser: Option<Arc<dyn PaymentAuthoriser>>,
    auto_debit: bool,
) -> App {
    App::new(
        repository.clone(),
        PiiCipher::new(&PiiKey::generate()),
        Payments {
            provider: bank,
            authoriser: authoriser.unwrap_or_else(AuthoriseAll::shared),
            callback_url: "http://127.0.0.1:9/api/v1/payments/callback".to_owned(),
            auto_debit,
        },
        LocalTime {
            clock,
            zone: kredit_app::DEFAULT_TIME_ZONE,
        },
    )
}

/// A lender's install: the schema and business calendar, then the demo
/// catalogue.
pub async fn install(app: &App) {
    let repository = app.repository.as_ref();
    install::migrate(repository, &app.time, &CobSchedule::default())
        .await
        .unwrap();
    let products = catalogue::parse(kredit_jobs::demo::CATALOGUE).unwrap();
    catalogue::apply(repository, &products, RateCap::default(), None)
        .await
        .unwrap();
}
