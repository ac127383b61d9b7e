//! What the use-case tests share: one instance of the application over a
//! database, with the sandbox bank, a lender's install of it, and a
//! borrower onboarded as one would be (registered, identity verified).

#![allow(dead_code)] // each test binary uses its own part

use std::sync::Arc;
use std::time::Duration;

use kredit_app::close_of_business::CobSchedule;
use kredit_app::onboarding::{self, IdentityRequest};
use kredit_app::payments::{AuthoriseAll, PaymentAuthoriser};
use kredit_app::{App, Clock, LocalTime, Payments, accounts, catalogue, install};
use kredit_core::apr::RateCap;
use kredit_payments::{CallbackSecret, SandboxConfig, SandboxProvider};
use kredit_store::pii::{PiiCipher, PiiKey};
use kredit_store::{IdentityStatus, Repository, Role, UserId};

pub const PASSWORD: &str = "a long journey password 1";

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
        kredit_app::keys::LocalKeyring::generate(),
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

/// A borrower registered with `phone` whose identity `onboarding::verify`
/// verified, `age` years old on the lender's today, with `card` as their
/// bank card. Their resident ID number ends in the phone's last three
/// digits, so borrowers of one age differ by phone.
pub async fn verified_borrower(app: &App, phone: &str, age: i32, card: &str) -> UserId {
    let user = accounts::create(
        app.repository.as_ref(),
        &app.pii,
        phone,
        PASSWORD,
        Role::Borrower,
        None,
    )
    .await
    .unwrap();
    let year = app
        .time
        .today()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap()
        - age;
    let sequence = &phone[phone.len() - 3..];
    let identity = onboarding::verify(
        app,
        user,
        &IdentityRequest {
            real_name: "张三".into(),
            id_number: resident_id(&format!("110105{year}0101{sequence}")),
            bank_card: card.into(),
            bank_phone: phone.into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(identity.status, IdentityStatus::Verified);
    user
}

/// The 17 digits with their ISO 7064 check character.
pub fn resident_id(first: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first}{check}")
}
