//! A real router over a fresh database, driven with `tower::ServiceExt::oneshot`.

#[allow(dead_code)] // not every test binary needs it
pub mod journey;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{Datelike, NaiveDate, Utc};
use http_body_util::BodyExt;
use kredit_app::Payments;
use kredit_app::onboarding::SandboxIdentityProvider;
use kredit_payments::{CallbackSecret, SandboxConfig, SandboxProvider};
use kredit_server::config::Config;
use kredit_server::keys::Keys;
use kredit_server::state::{AppState, SharedState};
use kredit_store::Repository;
use serde_json::{Value, json};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::time::Duration;
use tower::ServiceExt;

pub const PASSWORD: &str = "s3cret-pass";

/// The TCP peer of requests that do not name one.
pub const DEFAULT_PEER: ([u8; 4], u16) = ([127, 0, 0, 1], 40000);

pub struct TestApp {
    pub router: Router,
    pub state: SharedState,
    /// The server's keys: a restart keeps them, as a real one does.
    pub keys: Keys,
    pub auto_debit: bool,
}

pub struct Reply {
    pub status: StatusCode,
    #[allow(dead_code)] // not every test binary needs it
    pub headers: HeaderMap,
    /// The body's bytes (a log tile is binary); `text` is them as UTF-8.
    #[allow(dead_code)] // read only where a body is binary
    pub body: Vec<u8>,
    pub text: String,
    pub json: Value,
}

impl Reply {
    /// Asserts an RFC 9457 problem with this status and code.
    #[allow(dead_code)] // not every test binary needs it
    pub fn assert_problem(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{}",
            self.text
        );
        assert_eq!(self.json["code"], code, "{}", self.text);
        assert_eq!(self.json["status"], status.as_u16());
        assert_eq!(self.json["type"], format!("/problems/{code}"));
    }
}

impl TestApp {
    #[allow(dead_code)] // not every test binary needs it
    pub async fn new(repository: Arc<dyn Repository>) -> Self {
        Self::with_auto_debit(repository, true).await
    }

    /// `auto_debit: false` leaves a loan in arrears until its borrower pays.
    #[allow(dead_code)] // not every test binary needs it
    pub async fn with_auto_debit(repository: Arc<dyn Repository>, auto_debit: bool) -> Self {
        Self::installed(repository, auto_debit, Arc::new(kredit_app::SystemClock)).await
    }

    /// An install whose clock starts at 10:00 in Shanghai on `day`, so its
    /// business calendar opens on `day`.
    #[allow(dead_code)] // not every test binary needs it
    pub async fn on_day(repository: Arc<dyn Repository>, day: NaiveDate, auto_debit: bool) -> Self {
        let ten_in_shanghai = day.and_hms_opt(2, 0, 0).expect("a time").and_utc();
        let clock = Arc::new(kredit_app::FakeClock::at(ten_in_shanghai));
        Self::installed(repository, auto_debit, clock).await
    }

    /// [`TestApp::on_day`] with the configuration adjusted by `configure`.
    #[allow(dead_code)] // not every test binary needs it
    pub async fn on_day_with(
        repository: Arc<dyn Repository>,
        day: NaiveDate,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        let ten_in_shanghai = day.and_hms_opt(2, 0, 0).expect("a time").and_utc();
        let clock = Arc::new(kredit_app::FakeClock::at(ten_in_shanghai));
        Self::start(repository, true, clock, Keys::generate(), configure).await
    }

    /// The server as a lender installs it: `kredit migrate` (schema and
    /// business calendar) on `clock`, then the router.
    pub async fn installed(
        repository: Arc<dyn Repository>,
        auto_debit: bool,
        clock: Arc<dyn kredit_app::Clock>,
    ) -> Self {
        Self::start(repository, auto_debit, clock, Keys::generate(), |_| {}).await
    }

    /// An install whose configuration `configure` adjusts (as a lender's
    /// `kredit.toml` or `KREDIT_*` variables would), checked like `kredit serve` does.
    #[allow(dead_code)] // not every test binary needs it
    pub async fn configured(
        repository: Arc<dyn Repository>,
        keys: Keys,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        Self::start(
            repository,
            true,
            Arc::new(kredit_app::SystemClock),
            keys,
            configure,
        )
        .await
    }

    /// The same server started again over its database, with its keys.
    #[allow(dead_code)] // not every test binary needs it
    pub async fn restart(&self) -> Self {
        Self::start(
            self.state.repository.clone(),
            self.auto_debit,
            self.state.time.clock.clone(),
            self.keys.clone(),
            |_| {},
        )
        .await
    }

    /// An install on `clock` whose configuration `configure` adjusts.
    pub async fn start(
        repository: Arc<dyn Repository>,
        auto_debit: bool,
        clock: Arc<dyn kredit_app::Clock>,
        keys: Keys,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        // The sandbox's "never answers" card must hit the timeout quickly.
        let mut config = Config {
            identity_provider_timeout_ms: 200,
            auto_debit,
            ..Config::default()
        };
        configure(&mut config);
        config.validate().expect("a valid configuration");
        // The payment sandbox calls back over real HTTP, so the router also
        // listens on a loopback port; requests from tests go through
        // `oneshot`, notices from the sandbox through the socket.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("loopback port");
        listener.set_nonblocking(true).expect("non-blocking");
        let address = listener.local_addr().expect("local address");
        let secret =
            CallbackSecret::new(b"test callback secret, 32 bytes!!".to_vec()).expect("secret");
        let mut sandbox = SandboxConfig::new(secret);
        sandbox.settle_delay = Duration::from_millis(30);
        sandbox.late_delay = Duration::from_millis(400);
        sandbox.timeout_delay = Duration::from_millis(600);
        sandbox.retry.first_backoff = Duration::from_millis(20);
        let payments = Payments {
            provider: Arc::new(SandboxProvider::new(sandbox).expect("sandbox")),
            authoriser: kredit_server::disbursement::authoriser(&config).expect("a valid policy"),
            callback_url: format!("http://{address}/api/v1/payments/callback"),
            auto_debit: config.auto_debit,
        };
        let time = kredit_app::LocalTime {
            clock: clock.clone(),
            zone: config.time_zone().expect("time zone"),
        };
        kredit_app::install::migrate(
            repository.as_ref(),
            &time,
            &config.cob_schedule().expect("schedule"),
        )
        .await
        .expect("install");
        let state = AppState::with_clock(
            repository,
            &keys,
            Arc::new(SandboxIdentityProvider),
            payments,
            &config,
            clock,
        );
        let router = kredit_server::app::router(state.clone());
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        tokio::spawn(
            axum::serve(
                listener,
                router
                    .clone()
                    .into_make_service_with_connect_info::<SocketAddr>(),
            )
            .into_future(),
        );
        Self {
            router,
            state,
            keys,
            auto_debit,
        }
    }

    /// Sends the request as if from `DEFAULT_PEER` unless it names its peer
    /// (as `kredit serve` passes every request the socket's address).
    pub async fn send(&self, mut request: Request<Body>) -> Reply {
        if request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .is_none()
        {
            request
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::from(DEFAULT_PEER)));
        }
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = bytes.to_vec();
        let text = String::from_utf8_lossy(&body).into_owned();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
            json,
        }
    }

    /// A JSON request, with a bearer token and extra headers if given.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.call_with(method, path, token, body, &[]).await
    }

    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        self.call_from(
            SocketAddr::from(DEFAULT_PEER),
            method,
            path,
            token,
            body,
            headers,
        )
        .await
    }

    /// The same from the TCP peer `peer`.
    pub async fn call_from(
        &self,
        peer: SocketAddr,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .extension(ConnectInfo(peer));
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).expect("valid request")).await
    }

    pub async fn register(&self, phone: &str) -> i64 {
        let reply = self
            .call(
                Method::POST,
                "/api/v1/auth/register",
                None,
                Some(json!({"phone": phone, "password": PASSWORD})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json["user_id"].as_i64().expect("user_id")
    }

    pub async fn login(&self, phone: &str, password: &str) -> Reply {
        self.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"phone": phone, "password": password})),
        )
        .await
    }

    /// Logs in and returns the access token.
    pub async fn token(&self, phone: &str) -> String {
        let reply = self.login(phone, PASSWORD).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// Registers a borrower and returns their access token.
    pub async fn borrower(&self, phone: &str) -> String {
        self.register(phone).await;
        self.token(phone).await
    }

    /// Creates a staff user directly (as demo seeding does) and logs in.
    pub async fn staff(&self, phone: &str, role: kredit_store::Role) -> String {
        kredit_app::accounts::create(
            self.state.repository.as_ref(),
            &self.state.pii,
            phone,
            PASSWORD,
            role,
            None,
        )
        .await
        .expect("staff user");
        self.token(phone).await
    }
}

/// A valid resident ID number for someone `age` years old today, made
/// unique by `sequence` (0-999).
#[allow(dead_code)] // not every test binary needs it
pub fn id_number_aged(age: i32, sequence: u32) -> String {
    // Born on 1 January: the birthday of the current year has passed.
    let birth = NaiveDate::from_ymd_opt(Utc::now().year() - age, 1, 1).expect("date");
    let body = format!("110105{}{sequence:03}", birth.format("%Y%m%d"));
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    format!("{body}{}", char::from(check))
}

/// Four elements that the sandbox verifies, with the card ending chosen by
/// the caller (see the sandbox table in docs/api.md). With ending `0123`
/// the number passes the Luhn check.
#[allow(dead_code)] // not every test binary needs it
pub fn identity(id_number: &str, card_ending: &str) -> Value {
    json!({
        "real_name": "张三",
        "id_number": id_number,
        "bank_card": format!("622202123456784{card_ending}"),
        "bank_phone": "13812345678",
    })
}
