//! Fresh, migrated databases for integration tests (feature `testing`).
//!
//! SQLite: a file in a temporary directory removed when the
//! [`TestDatabase`] drops. PostgreSQL: a new schema with a unique name in
//! the database named by `KREDIT_TEST_DATABASE_URL`, so parallel tests and
//! repeated runs never see each other's rows. Schemas are left behind for
//! inspection; they are all named `kredit_test_*`.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, PgConnection};

use crate::connect::{connect_postgres, connect_sqlite};
use crate::repository::Repository;

pub const POSTGRES_URL_VARIABLE: &str = "KREDIT_TEST_DATABASE_URL";

pub struct TestDatabase {
    pub repository: Arc<dyn Repository>,
    _directory: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> TestDatabase {
    let directory = tempfile::tempdir().expect("temporary directory");
    let options = SqliteConnectOptions::new().filename(directory.path().join("kredit.db"));
    let repository = connect_sqlite(options).await.expect("open SQLite");
    repository.migrate().await.expect("migrate SQLite");
    TestDatabase {
        repository,
        _directory: Some(directory),
    }
}

/// `None` (after printing one line) when `KREDIT_TEST_DATABASE_URL` is unset.
pub async fn postgres(test_name: &str) -> Option<TestDatabase> {
    let Ok(url) = std::env::var(POSTGRES_URL_VARIABLE) else {
        println!("skipped {test_name} on PostgreSQL: {POSTGRES_URL_VARIABLE} is not set");
        return None;
    };
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .subsec_nanos();
    let schema = format!(
        "kredit_test_{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = PgConnection::connect(&url)
        .await
        .expect("connect to KREDIT_TEST_DATABASE_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .expect("create test schema");
    admin.close().await.ok();
    let options = PgConnectOptions::from_str(&url)
        .expect("valid KREDIT_TEST_DATABASE_URL")
        .options([("search_path", schema.as_str())]);
    let repository = connect_postgres(options).await.expect("open PostgreSQL");
    repository.migrate().await.expect("migrate PostgreSQL");
    Some(TestDatabase {
        repository,
        _directory: None,
    })
}

/// Declares one `#[tokio::test]` per backend running the same async test
/// body, which takes an `Arc<dyn Repository>`.
#[macro_export]
macro_rules! test_on_both_backends {
    ($($body:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $body() {
                    let database = $crate::testing::sqlite().await;
                    super::$body(database.repository.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $body() {
                    if let Some(database) = $crate::testing::postgres(stringify!($body)).await {
                        super::$body(database.repository.clone()).await;
                    }
                }
            )*
        }
    };
}
