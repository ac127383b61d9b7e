//! Starting and stopping the service: logging, keys, database, optional
//! demo data, the listener and graceful shutdown on SIGINT/SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use kredit_store::Repository;

use crate::app::router;
use crate::config::{Config, Environment, LogFormat};
use crate::demo;
use crate::keys::Keys;
use crate::state::{AppState, SharedState, sandbox_payments};
use kredit_app::onboarding::SandboxIdentityProvider;

/// Text logs for people, JSON for log pipelines. `RUST_LOG` filters
/// (default `info`).
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
    // Already initialised (e.g. by a test harness): keep the first.
    drop(result);
}

/// Opens the configured database, applies pending migrations and, on a new
/// database, opens the business calendar (`kredit_app::install`).
pub async fn open_database(config: &Config) -> anyhow::Result<Arc<dyn Repository>> {
    let repository = kredit_store::connect(&config.database_url)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                redact_url(&config.database_url)
            )
        })?;
    let time = kredit_app::LocalTime {
        clock: Arc::new(kredit_app::SystemClock),
        zone: config.time_zone()?,
    };
    let installed =
        kredit_app::install::migrate(repository.as_ref(), &time, &config.cob_schedule()?)
            .await
            .context("cannot migrate the database")?;
    if installed.calendar_opened {
        tracing::info!(business_date = %installed.business_date, "business calendar opened");
    }
    Ok(repository)
}

/// Hides a password in `postgres://user:password@host/db` before printing.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Runs the server until SIGINT or SIGTERM, then finishes in-flight
/// requests and returns.
/// The application as the server runs it, for `serve` and the commands
/// that act as a use case would (`kredit admin totp-enrol`).
/// Only the server signs the transparency log, so only it needs the log's
/// key (`with_log_key`).
pub async fn open_state(config: &Config) -> anyhow::Result<SharedState> {
    open_state_with(config, false).await
}

async fn open_state_with(config: &Config, with_log_key: bool) -> anyhow::Result<SharedState> {
    config.validate().context("invalid configuration")?;
    let mut keys = Keys::resolve(config).context("cannot load the server's keys")?;
    if with_log_key {
        keys.log_key = Some(crate::log_key::signer(config)?.skey());
    }
    let repository = open_database(config).await?;
    let payments = sandbox_payments(&keys, config)?;
    Ok(AppState::new(
        repository,
        &keys,
        Arc::new(SandboxIdentityProvider),
        payments,
        config,
    ))
}

pub async fn serve(config: Config, seed_demo: bool) -> anyhow::Result<()> {
    if seed_demo && config.env == Environment::Production {
        bail!("--demo seeds well-known passwords and is refused when KREDIT_ENV=production");
    }
    let state = open_state_with(&config, true).await?;
    tracing::warn!("identity checks and payments use sandbox providers (see docs/api.md)");
    if seed_demo {
        let logins = demo::seed(&state)
            .await
            .map_err(|error| anyhow::anyhow!("demo seeding failed: {}", error.problem().detail))?;
        print_demo_logins(&logins);
    }
    state
        .scorer
        .reload(state.repository.as_ref())
        .await
        .map_err(|error| anyhow::anyhow!("cannot load the models: {}", error))?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    tracing::info!(addr = %config.addr, database = %redact_url(&config.database_url), "kredit API listening");
    crate::web::configure(&config);
    let upkeep = tokio::spawn(metrics_upkeep());
    let reconciliation = tokio::spawn(reconciliation_loop(state.clone()));
    let models = tokio::spawn(models_upkeep_loop(state.clone()));
    let close_of_business = tokio::spawn(close_of_business_loop(state.clone()));
    let events = tokio::spawn(outbox_loop(state.clone()));
    let log = tokio::spawn(log_loop(state.clone()));
    let witnessing = tokio::spawn(witness_loop(state.clone()));
    let throttle = tokio::spawn(throttle_upkeep(state.clone()));
    // The peer's address reaches handlers: the default client address
    // (client.rs), and what lets `/metrics` tell a loopback client (hardening.rs).
    axum::serve(
        listener,
        router(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    upkeep.abort();
    reconciliation.abort();
    models.abort();
    close_of_business.abort();
    events.abort();
    log.abort();
    witnessing.abort();
    // A round cut short leaves its lease behind; freed, the next instance
    // sequences and witnesses at once instead of when the lease expires.
    for lease in [
        kredit_app::tlog::LEASE,
        kredit_app::tlog::witnessing::WITNESS_LEASE,
    ] {
        if let Err(error) = state
            .repository
            .jobs()
            .release_lease(lease, &state.instance)
            .await
        {
            tracing::warn!(%error, lease, "cannot release the lease");
        }
    }
    throttle.abort();
    tracing::info!("stopped");
    Ok(())
}

/// Every ten minutes: forgets login-throttle buckets that have filled up
/// again, so the table holds only recent attempts.
async fn throttle_upkeep(state: SharedState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        match kredit_app::throttle::prune(&state, kredit_store::now()).await {
            Ok(pruned) => tracing::debug!(pruned, "login throttle buckets pruned"),
            Err(error) => tracing::warn!(error = %error, "pruning login throttle buckets failed"),
        }
    }
}

/// Every minute for as long as the server runs: sends the auto-debits a
/// close of business queued (`kredit cob` run elsewhere included; claiming
/// one is atomic, so several instances can share the queue) and reconciles
/// what the provider left silent.
async fn reconciliation_loop(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(error) = kredit_app::payments::submit_auto_debits(&state).await {
            tracing::warn!(%error, "sending auto-debits failed");
        }
        if let Err(error) = kredit_app::payments::reconcile(&state, Duration::from_secs(60)).await {
            tracing::warn!(%error, "payment reconciliation failed");
        }
    }
}

/// Every 30 seconds: closes the business days due, if this instance holds
/// (or takes) the close-of-business lease (`kredit_app::close_of_business`).
async fn close_of_business_loop(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    loop {
        tick.tick().await;
        match kredit_app::close_of_business::run_scheduled(
            &state,
            &state.schedule,
            &state.instance,
            kredit_app::close_of_business::AFTER_CLOSE,
        )
        .await
        {
            Ok(Some(closed)) => tracing::info!(
                through = %closed.report.through,
                days = closed.report.days_processed,
                loans = closed.report.loans_processed,
                "close of business done"
            ),
            Ok(None) => {}
            Err(error) => tracing::error!(%error, "scheduled close of business failed"),
        }
    }
}

/// Every second: delivers the domain events written since, if this instance
/// holds (or takes) the outbox lease (`kredit_app::outbox`).
async fn outbox_loop(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        if let Err(error) = kredit_app::outbox::dispatch(&state, &[]).await {
            tracing::warn!(%error, "delivering domain events failed");
        }
    }
}

/// Sequences the transparency log: a round every half second, at once
/// again while rounds come back full, so a checkpoint covering every
/// committed event is signed within about a second even under load.
async fn log_loop(state: Arc<AppState>) {
    let Some(log) = state.log.as_ref() else {
        return;
    };
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        loop {
            match kredit_app::tlog::sequence(&state, log).await {
                Ok(appended) if appended as i64 >= kredit_app::tlog::BATCH => continue,
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(%error, "sequencing the transparency log failed");
                    break;
                }
            }
        }
    }
}

/// Submits the newest checkpoint to the log's witnesses every half
/// second, apart from sequencing so that a slow witness delays only
/// publishing (`kredit_app::tlog::witnessing`).
async fn witness_loop(state: Arc<AppState>) {
    let Some(log) = state.log.as_ref().filter(|log| log.witnesses.is_some()) else {
        return;
    };
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(error) = kredit_app::tlog::witnessing::witness(&state, log).await {
            tracing::warn!(%error, "witnessing the transparency log failed");
        }
    }
}

fn print_demo_logins(logins: &[demo::DemoLogin]) {
    println!("Demo logins (POST /api/v1/auth/login with phone and password):");
    for login in logins {
        let note = if login.created {
            ""
        } else {
            "  (already existed)"
        };
        println!(
            "  {:<13} {}  {}{note}",
            login.role.as_str(),
            login.phone,
            login.password
        );
    }
    println!("Borrower 13800000001 has a verified identity; 13800000002 has none yet.");
}

/// Histograms keep raw samples until rendered; drain them regularly even
/// when nobody scrapes.
async fn metrics_upkeep() {
    let mut interval = tokio::time::interval(Duration::from_secs(10));
    loop {
        interval.tick().await;
        crate::metrics::handle().run_upkeep();
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// For as long as the server runs: reloads the models in service every
/// 30 seconds, so that an activation made through another instance takes
/// effect here too, and monitors their stability once a day.
async fn models_upkeep_loop(state: SharedState) {
    const RELOAD: std::time::Duration = std::time::Duration::from_secs(30);
    const MONITOR_EVERY: u32 = 24 * 60 * 2; // ticks of RELOAD in a day
    let mut tick = tokio::time::interval(RELOAD);
    tick.tick().await; // the first tick is immediate; the server just loaded them
    for n in 1_u32.. {
        tick.tick().await;
        if let Err(error) = state.scorer.reload(state.repository.as_ref()).await {
            tracing::warn!(?error, "reloading the models failed");
        }
        if n % MONITOR_EVERY == 0
            && let Err(error) =
                kredit_app::scoring::monitor_in_service(state.repository.as_ref()).await
        {
            tracing::warn!(?error, "model monitoring failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_in_urls_are_hidden() {
        assert_eq!(
            redact_url("postgres://kredit:s3cret@db:5432/kredit"),
            "postgres://kredit:***@db:5432/kredit"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(redact_url("sqlite://kredit.db"), "sqlite://kredit.db");
    }
}
