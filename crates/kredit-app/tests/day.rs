//! The lender's day through the use cases alone (no HTTP), on a fake clock,
//! from a fresh database set up as a lender sets one up: `install::migrate`
//! opens the business calendar, the catalogue is applied, then the
//! server's schedule closes each business day exactly once across two
//! instances and catches up after downtime. SQLite always; PostgreSQL when
//! `KREDIT_TEST_DATABASE_URL` is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use kredit_app::close_of_business::{self, CobSchedule};
use kredit_app::{App, FakeClock, catalogue, install, loan_lock};
use kredit_core::apr::RateCap;
use kredit_store::{LoanId, Repository};

mod support;

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// One server instance over `repository`, on `clock`.
fn instance(repository: &Arc<dyn Repository>, clock: &Arc<FakeClock>) -> App {
    support::instance(
        repository,
        clock.clone(),
        support::sandbox(None),
        None,
        true,
    )
}

async fn a_fresh_install_closes_each_day_once_and_catches_up(repository: Arc<dyn Repository>) {
    // 10:00 in Shanghai on 1 December.
    let clock = Arc::new(FakeClock::at(utc("2026-12-01T02:00:00Z")));
    let (a, b) = (instance(&repository, &clock), instance(&repository, &clock));
    let schedule = CobSchedule::default();

    let installed = install::migrate(repository.as_ref(), &a.time, &schedule)
        .await
        .unwrap();
    assert!(installed.calendar_opened);
    assert_eq!(installed.business_date, date("2026-12-01"));
    let again = install::migrate(repository.as_ref(), &a.time, &schedule)
        .await
        .unwrap();
    assert!(
        !again.calendar_opened,
        "a second migrate keeps the calendar"
    );

    let products = catalogue::parse(kredit_jobs::demo::CATALOGUE).unwrap();
    let applied = catalogue::apply(repository.as_ref(), &products, RateCap::default(), None)
        .await
        .unwrap();
    assert_eq!(applied.created.len(), 4);
    let reapplied = catalogue::apply(repository.as_ref(), &products, RateCap::default(), None)
        .await
        .unwrap();
    assert_eq!(reapplied.unchanged.len(), 4, "{reapplied:?}");

    // 00:29 on 2 December: the day is not due yet.
    clock.set(utc("2026-12-01T16:29:00Z"));
    for app in [&a, &b] {
        let ran = close_of_business::run_scheduled(app, &schedule, &app.instance, &[])
            .await
            .unwrap();
        assert!(ran.is_none());
    }

    // 00:31: both instances tick at once; the day is closed once.
    clock.set(utc("2026-12-01T16:31:00Z"));
    let (first, second) = tokio::join!(
        close_of_business::run_scheduled(&a, &schedule, &a.instance, &[]),
        close_of_business::run_scheduled(&b, &schedule, &b.instance, &[]),
    );
    let ran = [first.unwrap(), second.unwrap()];
    assert_eq!(
        ran.iter().flatten().count(),
        1,
        "exactly one instance closes"
    );
    assert_eq!(a.business_date().await.unwrap(), date("2026-12-02"));
    for app in [&a, &b] {
        let ran = close_of_business::run_scheduled(app, &schedule, &app.instance, &[])
            .await
            .unwrap();
        assert!(ran.is_none(), "a closed day is not closed again");
    }

    // Down for three days: the first tick afterwards closes all three.
    clock.advance(chrono::Duration::days(3));
    let closed = close_of_business::run_scheduled(&b, &schedule, &b.instance, &[])
        .await
        .unwrap()
        .expect("three days due");
    assert_eq!(closed.report.days_processed, 3);
    assert_eq!(b.business_date().await.unwrap(), date("2026-12-05"));

    let status = close_of_business::status(repository.as_ref(), &a.time, &schedule, 10)
        .await
        .unwrap();
    assert_eq!(status.business_date, date("2026-12-05"));
    assert_eq!(status.due, date("2026-12-05"));
    assert!(status.lease.is_none(), "the lease is released after a run");
    let runs: Vec<(NaiveDate, NaiveDate)> = status
        .runs
        .iter()
        .map(|run| (run.from_date, run.to_date))
        .collect();
    assert_eq!(
        runs,
        [
            (date("2026-12-02"), date("2026-12-05")),
            (date("2026-12-01"), date("2026-12-02"))
        ]
    );
}

async fn a_live_lease_keeps_other_instances_off(repository: Arc<dyn Repository>) {
    let clock = Arc::new(FakeClock::at(utc("2026-12-01T02:00:00Z")));
    let app = instance(&repository, &clock);
    let schedule = CobSchedule::default();
    install::migrate(repository.as_ref(), &app.time, &schedule)
        .await
        .unwrap();
    clock.set(utc("2026-12-01T16:31:00Z"));
    let jobs = repository.jobs();
    let now = clock_now(&clock);
    assert!(
        jobs.acquire_lease(
            close_of_business::LEASE,
            "a crashed instance",
            now,
            now + chrono::Duration::minutes(15)
        )
        .await
        .unwrap()
    );
    let ran = close_of_business::run_scheduled(&app, &schedule, &app.instance, &[])
        .await
        .unwrap();
    assert!(ran.is_none());
    assert_eq!(app.business_date().await.unwrap(), date("2026-12-01"));

    // The lease expires: the next tick takes over and closes the day.
    clock.advance(chrono::Duration::minutes(16));
    let ran = close_of_business::run_scheduled(&app, &schedule, &app.instance, &[])
        .await
        .unwrap();
    assert!(ran.is_some());
    assert_eq!(app.business_date().await.unwrap(), date("2026-12-02"));
}

fn clock_now(clock: &FakeClock) -> DateTime<Utc> {
    use kredit_app::Clock;
    clock.now()
}

async fn a_loan_is_changed_by_one_task_at_a_time(repository: Arc<dyn Repository>) {
    let clock = Arc::new(FakeClock::at(utc("2026-12-01T02:00:00Z")));
    let apps = Arc::new([instance(&repository, &clock), instance(&repository, &clock)]);
    let inside = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..16)
        .map(|n| {
            let (apps, inside, most) = (apps.clone(), inside.clone(), most.clone());
            tokio::spawn(async move {
                let app = &apps[n % 2];
                loan_lock::with_loan(app, LoanId(42), async {
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(3)).await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                })
                .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(most.load(Ordering::SeqCst), 1, "never two at once");
    assert!(repository.jobs().lease("loan:42").await.unwrap().is_none());
}

kredit_store::test_on_both_backends!(
    a_fresh_install_closes_each_day_once_and_catches_up,
    a_live_lease_keeps_other_instances_off,
    a_loan_is_changed_by_one_task_at_a_time,
);
