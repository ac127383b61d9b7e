//! The model registry on SQLite and PostgreSQL (every body runs on both; see
//! `test_on_both_backends!`).

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use kredit_store::{
    ApplicationId, AuditEntry, ModelStatus, ModelVersionId, NewModelAlert, NewModelScore,
    NewModelVersion, NewUser, Repository, Role, ScoreRole, StoreError,
};

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

fn audit(action: &str) -> AuditEntry {
    AuditEntry {
        actor_id: None,
        action: action.to_owned(),
        entity_type: "model_version".to_owned(),
        entity_id: None,
        before: None,
        after: None,
        at: now(),
    }
}

fn new_model(name: &str) -> NewModelVersion {
    NewModelVersion {
        name: name.to_owned(),
        kind: "scorecard".to_owned(),
        artefact: r#"{"format":"kredit-model"}"#.to_owned(),
        metrics: r#"{"auc":0.79}"#.to_owned(),
        uploaded_by: None,
        created_at: now(),
    }
}

/// The version holding `status`, if any.
async fn holder(repo: &Arc<dyn Repository>, status: ModelStatus) -> Option<ModelVersionId> {
    let versions = repo.model_versions().await.unwrap();
    versions.iter().find(|v| v.status == status).map(|v| v.id)
}

async fn status_of(repo: &Arc<dyn Repository>, id: ModelVersionId) -> ModelStatus {
    repo.model_version(id).await.unwrap().unwrap().info.status
}

async fn versions_are_numbered_per_name_and_audited(repo: Arc<dyn Repository>) {
    let admin = repo
        .create_user(
            &NewUser {
                phone_hash: "h".into(),
                phone_encrypted: vec![1],
                password_hash: "x".into(),
                role: Role::Admin,
                created_at: now(),
                data_key: None,
            },
            None,
        )
        .await
        .unwrap();
    let first = repo
        .insert_model_version(
            &NewModelVersion {
                uploaded_by: Some(admin),
                ..new_model("german")
            },
            audit("model.upload"),
        )
        .await
        .unwrap();
    let second = repo
        .insert_model_version(&new_model("german"), audit("model.upload"))
        .await
        .unwrap();
    let other = repo
        .insert_model_version(&new_model("taiwan"), audit("model.upload"))
        .await
        .unwrap();
    assert_eq!((first.version, second.version, other.version), (1, 2, 1));
    assert_eq!(first.status, ModelStatus::Draft);
    assert_eq!(first.uploaded_by, Some(admin));
    assert_eq!((first.created_at, first.updated_at), (now(), now()));
    let stored = repo.model_version(first.id).await.unwrap().unwrap();
    assert_eq!(stored.info, first);
    assert_eq!(stored.artefact, r#"{"format":"kredit-model"}"#);
    let listed = repo.model_versions().await.unwrap();
    assert_eq!(
        listed.iter().map(|m| m.id).collect::<Vec<_>>(),
        [other.id, second.id, first.id],
        "newest first"
    );
    assert!(
        repo.model_version(ModelVersionId(other.id.0 + 100))
            .await
            .unwrap()
            .is_none()
    );
    let log = repo.audit_page(None, 10).await.unwrap();
    assert_eq!(log.len(), 3);
    assert_eq!(log[2].entry.entity_id, Some(first.id.to_string()));
}

async fn activation_demotes_the_champion_atomically(repo: Arc<dyn Repository>) {
    let a = repo
        .insert_model_version(&new_model("m"), audit("model.upload"))
        .await
        .unwrap();
    let b = repo
        .insert_model_version(&new_model("m"), audit("model.upload"))
        .await
        .unwrap();
    let c = repo
        .insert_model_version(&new_model("m"), audit("model.upload"))
        .await
        .unwrap();
    assert!(holder(&repo, ModelStatus::Champion).await.is_none());

    let later = AuditEntry {
        at: now() + Duration::minutes(1),
        ..audit("model.activate")
    };
    let change = repo
        .change_model_status(a.id, ModelStatus::Champion, later.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(change.previous_status, ModelStatus::Draft);
    assert_eq!(change.demoted, None);
    assert_eq!(change.model.status, ModelStatus::Champion);
    assert_eq!(change.model.updated_at, later.at);

    let change = repo
        .change_model_status(b.id, ModelStatus::Champion, audit("model.activate"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(change.demoted, Some(a.id));
    assert_eq!(status_of(&repo, a.id).await, ModelStatus::Retired);
    assert_eq!(holder(&repo, ModelStatus::Champion).await, Some(b.id));

    // One challenger at a time: a new one retires the old.
    repo.change_model_status(c.id, ModelStatus::Challenger, audit("model.challenger"))
        .await
        .unwrap();
    let d = repo
        .insert_model_version(&new_model("m"), audit("model.upload"))
        .await
        .unwrap();
    let change = repo
        .change_model_status(d.id, ModelStatus::Challenger, audit("model.challenger"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(change.demoted, Some(c.id));
    // Promoting the challenger leaves no challenger.
    let change = repo
        .change_model_status(d.id, ModelStatus::Champion, audit("model.activate"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (change.previous_status, change.demoted),
        (ModelStatus::Challenger, Some(b.id))
    );
    assert!(holder(&repo, ModelStatus::Challenger).await.is_none());
    // Rollback: a retired version can be activated again.
    let change = repo
        .change_model_status(a.id, ModelStatus::Champion, audit("model.activate"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(change.demoted, Some(d.id));

    // The audit trail records each change with what it replaced.
    let log = repo.audit_page(None, 1).await.unwrap();
    let entry = &log[0].entry;
    assert_eq!(entry.action, "model.activate");
    assert_eq!(entry.entity_id, Some(a.id.to_string()));
    assert_eq!(entry.before.as_deref(), Some(r#"{"status":"retired"}"#));
    assert_eq!(
        entry.after,
        Some(format!(
            r#"{{"status":"champion","retired_previous":{}}}"#,
            d.id
        ))
    );

    // No-ops and refusals write nothing.
    let entries = repo.audit_page(None, 100).await.unwrap().len();
    let same = repo
        .change_model_status(a.id, ModelStatus::Champion, audit("model.activate"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(same.demoted, None);
    assert!(
        repo.change_model_status(
            ModelVersionId(a.id.0 + 100),
            ModelStatus::Champion,
            audit("x")
        )
        .await
        .unwrap()
        .is_none()
    );
    assert!(matches!(
        repo.change_model_status(a.id, ModelStatus::Draft, audit("x"))
            .await,
        Err(StoreError::Conflict)
    ));
    repo.change_model_status(a.id, ModelStatus::Retired, audit("model.retire"))
        .await
        .unwrap();
    assert_eq!(repo.audit_page(None, 100).await.unwrap().len(), entries + 1);
    assert!(holder(&repo, ModelStatus::Champion).await.is_none());
}

async fn concurrent_activations_leave_one_champion(repo: Arc<dyn Repository>) {
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(
            repo.insert_model_version(&new_model("race"), audit("model.upload"))
                .await
                .unwrap()
                .id,
        );
    }
    let tasks: Vec<_> = ids
        .iter()
        .map(|&id| {
            let repo = repo.clone();
            tokio::spawn(async move {
                repo.change_model_status(id, ModelStatus::Champion, audit("model.activate"))
                    .await
            })
        })
        .collect();
    let mut activated = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(Some(_)) => activated += 1,
            // The database refused a second champion.
            Err(StoreError::Conflict) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(activated >= 1);
    let champions = repo
        .model_versions()
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.status == ModelStatus::Champion)
        .count();
    assert_eq!(champions, 1);
}

async fn scores_and_alerts_are_recorded(repo: Arc<dyn Repository>) {
    let champion = repo
        .insert_model_version(&new_model("s"), audit("model.upload"))
        .await
        .unwrap();
    let challenger = repo
        .insert_model_version(&new_model("s"), audit("model.upload"))
        .await
        .unwrap();
    let score = |application_id, model_version_id, role, score| NewModelScore {
        application_id,
        model_version_id,
        role,
        score,
        pd_units: 1_234_567_890,
        reasons: r#"[{"code":"feature:duration_in_month","points":-12}]"#.to_owned(),
        features: r#"{"duration_in_month":48}"#.to_owned(),
        scored_at: now(),
    };
    for application in 1..=3 {
        repo.record_model_scores(&[
            score(
                ApplicationId(application),
                champion.id,
                ScoreRole::Champion,
                600 + application as i32,
            ),
            score(
                ApplicationId(application),
                challenger.id,
                ScoreRole::Challenger,
                590,
            ),
        ])
        .await
        .unwrap();
    }
    let recorded = repo.model_scores(champion.id, 100).await.unwrap();
    assert_eq!(
        recorded.iter().map(|s| s.score).collect::<Vec<_>>(),
        [601, 602, 603]
    );
    assert_eq!(recorded[0].role, ScoreRole::Champion);
    assert_eq!(recorded[0].pd_units, 1_234_567_890);
    assert_eq!(recorded[0].features, r#"{"duration_in_month":48}"#);
    assert_eq!(recorded[0].scored_at, now());
    let newest = repo.model_scores(champion.id, 2).await.unwrap();
    assert_eq!(
        newest.iter().map(|s| s.application_id).collect::<Vec<_>>(),
        [ApplicationId(2), ApplicationId(3)]
    );
    assert_eq!(
        repo.model_scores(challenger.id, 100).await.unwrap().len(),
        3
    );
    let unknown_model = repo
        .record_model_scores(&[score(
            ApplicationId(9),
            ModelVersionId(champion.id.0 + 100),
            ScoreRole::Champion,
            1,
        )])
        .await;
    assert!(
        unknown_model.is_err(),
        "scores reference a registered model"
    );

    let alert = |psi, minutes| NewModelAlert {
        model_version_id: champion.id,
        metric: "score".to_owned(),
        psi,
        threshold: 0.25,
        applications: 3,
        at: now() + Duration::minutes(minutes),
    };
    let first = repo.raise_model_alert(&alert(0.31, 0)).await.unwrap();
    let again = repo.raise_model_alert(&alert(0.42, 5)).await.unwrap();
    assert_eq!(first.id, again.id, "one open alert per metric");
    assert_eq!(again.psi, 0.42);
    assert_eq!(again.first_raised_at, now());
    assert_eq!(again.last_raised_at, now() + Duration::minutes(5));
    let alerts = repo.model_alerts(champion.id).await.unwrap();
    assert_eq!(alerts, vec![again]);
    assert!(repo.model_alerts(challenger.id).await.unwrap().is_empty());
}

/// Raw SQL on `$raw` (a pool of the backend), bypassing the registry: the
/// database itself refuses a second champion or challenger (partial unique
/// indexes of `0003_models.sql`). A macro: the pools' types differ.
macro_rules! assert_one_champion_in_sql {
    ($repo:expr, $raw:expr) => {{
        let mut ids = Vec::new();
        for _ in 0..4 {
            ids.push(
                $repo
                    .insert_model_version(&new_model("sql"), audit("model.upload"))
                    .await
                    .unwrap()
                    .id,
            );
        }
        for (status, pair) in [("champion", &ids[..2]), ("challenger", &ids[2..])] {
            let sql = format!("UPDATE model_versions SET status = '{status}' WHERE id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(pair[0])
                .execute($raw)
                .await
                .unwrap();
            let second = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(pair[1])
                .execute($raw)
                .await;
            let error = second.expect_err("a second holder of the status is refused");
            assert!(
                error
                    .as_database_error()
                    .is_some_and(|e| e.is_unique_violation()),
                "{error}"
            );
        }
    }};
}

#[tokio::test]
async fn the_database_enforces_one_champion_sqlite() {
    let directory = tempfile::tempdir().unwrap();
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(directory.path().join("kredit.db"))
        .create_if_missing(true);
    let repo = kredit_store::connect_sqlite(options.clone()).await.unwrap();
    repo.migrate().await.unwrap();
    let raw = sqlx::SqlitePool::connect_with(options).await.unwrap();
    assert_one_champion_in_sql!(repo, &raw);
}

#[tokio::test]
async fn the_database_enforces_one_champion_postgres() {
    use std::str::FromStr;
    let Ok(url) = std::env::var(kredit_store::testing::POSTGRES_URL_VARIABLE) else {
        println!("skipped the_database_enforces_one_champion_postgres: no PostgreSQL URL");
        return;
    };
    let schema = format!("kredit_test_sql_{}", std::process::id());
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(&admin)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .unwrap();
    let options = sqlx::postgres::PgConnectOptions::from_str(&url)
        .unwrap()
        .options([("search_path", schema.as_str())]);
    let repo = kredit_store::connect_postgres(options.clone())
        .await
        .unwrap();
    repo.migrate().await.unwrap();
    let raw = sqlx::PgPool::connect_with(options).await.unwrap();
    assert_one_champion_in_sql!(repo, &raw);
}

kredit_store::test_on_both_backends!(
    versions_are_numbered_per_name_and_audited,
    activation_demotes_the_champion_atomically,
    concurrent_activations_leave_one_champion,
    scores_and_alerts_are_recorded,
);
