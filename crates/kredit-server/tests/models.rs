//! The model registry over HTTP, on SQLite and on PostgreSQL
//! (`KREDIT_TEST_DATABASE_URL`): upload, lifecycle, roles, audit, the
//! models in service, monitoring and demo seeding.

#[allow(dead_code)] // helpers shared with tests/api.rs
mod support;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use kredit_app::scoring::score_records;
use kredit_scoring::{Applicant, DEMO_MODEL_JSON};
use kredit_store::{ApplicationId, ModelVersionId, Repository, Role};
use serde_json::{Value, json};
use support::TestApp;

fn demo_artefact() -> Value {
    serde_json::from_str(DEMO_MODEL_JSON).unwrap()
}

async fn upload(app: &TestApp, token: &str, name: &str) -> ModelVersionId {
    let reply = app
        .call(
            Method::POST,
            "/api/v1/admin/models",
            Some(token),
            Some(json!({"name": name, "artefact": demo_artefact()})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    ModelVersionId(reply.json["id"].as_i64().unwrap())
}

async fn post(app: &TestApp, token: &str, path: &str) -> support::Reply {
    app.call(Method::POST, path, Some(token), None).await
}

fn applicant(duration: f64) -> Applicant {
    Applicant::new()
        .with("duration_in_month", duration)
        .with("credit_amount", 2_500.0)
        .with("status_of_existing_checking_account", "no checking account")
        .with("credit_history", "existing credits paid back duly till now")
}

async fn upload_validates_and_registers_drafts(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let officer = app.staff("13900000003", Role::RiskOfficer).await;
    let reply = app
        .call(
            Method::POST,
            "/api/v1/admin/models",
            Some(&officer),
            Some(json!({"name": "german", "artefact": {"format": "kredit-model"}})),
        )
        .await;
    reply.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(reply.json["errors"][0]["field"], "artefact");
    assert_eq!(reply.json["errors"][0]["code"], "invalid_model");

    // A tampered artefact: a bin that does not exist.
    let mut tampered = demo_artefact();
    tampered["model"]["features"][0]["points"]
        .as_array_mut()
        .unwrap()
        .push(json!(1.0));
    let reply = app
        .call(
            Method::POST,
            "/api/v1/admin/models",
            Some(&officer),
            Some(json!({"name": "german", "artefact": tampered})),
        )
        .await;
    reply.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(reply.json["errors"][0]["code"], "invalid_model");

    let reply = app
        .call(
            Method::POST,
            "/api/v1/admin/models",
            Some(&officer),
            Some(json!({"name": "Not Plain", "artefact": demo_artefact()})),
        )
        .await;
    reply.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(reply.json["errors"][0]["code"], "invalid_name");
    let reply = app
        .call(
            Method::POST,
            "/api/v1/admin/models",
            Some(&officer),
            Some(json!({"name": "german"})),
        )
        .await;
    reply.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    let reply = app
        .call(
            Method::POST,
            "/api/v1/admin/models",
            Some(&officer),
            Some(json!({"name": "german", "artefact": demo_artefact()})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.json["version"], 1);
    assert_eq!(reply.json["status"], "draft");
    assert_eq!(reply.json["kind"], "scorecard");
    assert!(reply.json["metrics"]["auc"].as_f64().unwrap() > 0.7);
    let id = ModelVersionId(reply.json["id"].as_i64().unwrap());
    let second = upload(&app, &officer, "german").await;
    let list = app
        .call(Method::GET, "/api/v1/admin/models", Some(&officer), None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "refused uploads stored nothing");
    assert_eq!(items[0]["id"], second.0);
    assert_eq!(items[0]["version"], 2);
    assert_eq!(items[1]["id"], id.0);

    let docs = app.call(Method::GET, "/api/openapi.json", None, None).await;
    for path in [
        "/api/v1/admin/models",
        "/api/v1/admin/models/{id}/activate",
        "/api/v1/admin/models/{id}/challenger",
        "/api/v1/admin/models/{id}/retire",
        "/api/v1/admin/models/{id}/monitoring",
    ] {
        assert!(docs.json["paths"][path].is_object(), "{path} undocumented");
    }

    // The stored artefact is the model, unchanged.
    let stored = app
        .state
        .repository
        .model_version(id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.artefact, DEMO_MODEL_JSON);
    let admin = app.staff("13900000001", Role::Admin).await;
    let audit = app
        .call(Method::GET, "/api/v1/admin/audit", Some(&admin), None)
        .await;
    let uploads: Vec<&Value> = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "model.upload")
        .collect();
    assert_eq!(uploads.len(), 2);
    assert_eq!(uploads[1]["entity_id"], id.to_string());
    assert_eq!(uploads[1]["after"]["name"], "german");
    assert!(uploads[1]["actor_id"].as_i64().is_some());

    // Artefacts of large GBMs are bigger than axum's default body limit.
    let large = json!({
        "name": "large",
        "artefact": demo_artefact(),
        "note": "x".repeat(3 * 1024 * 1024),
    });
    let reply = app
        .call(
            Method::POST,
            "/api/v1/admin/models",
            Some(&officer),
            Some(large),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
}

async fn roles_are_checked_on_every_model_route(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let officer = app.staff("13900000003", Role::RiskOfficer).await;
    let id = upload(&app, &officer, "german").await;
    let auditor = app.staff("13900000004", Role::Auditor).await;
    let underwriter = app.staff("13900000002", Role::Underwriter).await;
    let borrower = app.borrower("13800000001").await;
    let upload_body = json!({"name": "german", "artefact": demo_artefact()});
    let changes =
        ["activate", "challenger", "retire"].map(|a| format!("/api/v1/admin/models/{id}/{a}"));
    let monitoring = format!("/api/v1/admin/models/{id}/monitoring");

    for token in [&borrower, &underwriter] {
        let reply = app
            .call(Method::GET, "/api/v1/admin/models", Some(token), None)
            .await;
        reply.assert_problem(StatusCode::FORBIDDEN, "forbidden");
        let reply = app.call(Method::GET, &monitoring, Some(token), None).await;
        reply.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    }
    // Auditors read but never change.
    for token in [&borrower, &underwriter, &auditor] {
        let reply = app
            .call(
                Method::POST,
                "/api/v1/admin/models",
                Some(token),
                Some(upload_body.clone()),
            )
            .await;
        reply.assert_problem(StatusCode::FORBIDDEN, "forbidden");
        for path in &changes {
            post(&app, token, path)
                .await
                .assert_problem(StatusCode::FORBIDDEN, "forbidden");
        }
    }
    let reply = app
        .call(Method::GET, "/api/v1/admin/models", Some(&auditor), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = app
        .call(Method::GET, &monitoring, Some(&auditor), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = app
        .call(Method::GET, "/api/v1/admin/models", None, None)
        .await;
    reply.assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    // Nothing was changed by the refused calls.
    assert_eq!(
        app.state
            .repository
            .model_version(id)
            .await
            .unwrap()
            .unwrap()
            .info
            .status,
        kredit_store::ModelStatus::Draft
    );
}

async fn activation_puts_models_in_service(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let officer = app.staff("13900000003", Role::RiskOfficer).await;
    let admin = app.staff("13900000001", Role::Admin).await;
    let first = upload(&app, &officer, "german").await;
    let second = upload(&app, &admin, "german").await;
    assert!(
        app.state.scorer.assess(&applicant(24.0)).is_none(),
        "no champion: the rules scorecard decides"
    );

    let reply = post(
        &app,
        &officer,
        &format!("/api/v1/admin/models/{first}/activate"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["model"]["status"], "champion");
    assert_eq!(reply.json["previous_status"], "draft");
    assert_eq!(reply.json["retired_previous"], Value::Null);
    let scored = app.state.scorer.assess(&applicant(24.0)).unwrap();
    assert_eq!(scored.champion_version_id, first);
    assert_eq!(scored.assessment.model, "german v1");
    assert!(scored.challenger.is_none());

    let reply = post(
        &app,
        &admin,
        &format!("/api/v1/admin/models/{second}/challenger"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let scored = app.state.scorer.assess(&applicant(24.0)).unwrap();
    assert_eq!(scored.challenger.as_ref().unwrap().model_version_id, second);

    let reply = post(
        &app,
        &officer,
        &format!("/api/v1/admin/models/{second}/activate"),
    )
    .await;
    assert_eq!(reply.json["previous_status"], "challenger");
    assert_eq!(reply.json["retired_previous"], first.0);
    assert_eq!(app.state.scorer.versions(), (Some(second), None));
    let list = app
        .call(Method::GET, "/api/v1/admin/models", Some(&officer), None)
        .await;
    let statuses: Vec<&str> = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["champion", "retired"]);

    // Rollback, then retiring the champion returns decisions to the rules.
    let reply = post(
        &app,
        &officer,
        &format!("/api/v1/admin/models/{first}/activate"),
    )
    .await;
    assert_eq!(reply.json["retired_previous"], second.0);
    assert_eq!(app.state.scorer.versions(), (Some(first), None));
    let reply = post(
        &app,
        &officer,
        &format!("/api/v1/admin/models/{first}/retire"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(app.state.scorer.assess(&applicant(24.0)).is_none());

    app.call(
        Method::POST,
        "/api/v1/admin/models/abc/activate",
        Some(&officer),
        None,
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, "invalid_path");
    for path in [
        "/api/v1/admin/models/999999/activate",
        "/api/v1/admin/models/999999/monitoring",
    ] {
        let method = if path.ends_with("monitoring") {
            Method::GET
        } else {
            Method::POST
        };
        app.call(method, path, Some(&officer), None)
            .await
            .assert_problem(StatusCode::NOT_FOUND, "not_found");
    }

    let audit = app
        .call(
            Method::GET,
            "/api/v1/admin/audit?limit=200",
            Some(&admin),
            None,
        )
        .await;
    let changes: Vec<(String, String)> = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity_type"] == "model_version")
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["entity_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let (a, b) = (first.to_string(), second.to_string());
    let expected = [
        ("model.retire", &a),
        ("model.activate", &a),
        ("model.activate", &b),
        ("model.challenger", &b),
        ("model.activate", &a),
        ("model.upload", &b),
        ("model.upload", &a),
    ]
    .map(|(action, id)| (action.to_owned(), id.clone()));
    assert_eq!(changes, expected);
    let latest = &audit.json["items"][0];
    assert_eq!(latest["before"]["status"], "champion");
    assert_eq!(latest["after"]["status"], "retired");
    assert!(latest["actor_id"].as_i64().is_some());
}

async fn monitoring_reports_psi_and_raises_alerts(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let officer = app.staff("13900000003", Role::RiskOfficer).await;
    let champion = upload(&app, &officer, "german").await;
    let challenger = upload(&app, &officer, "german").await;
    post(
        &app,
        &officer,
        &format!("/api/v1/admin/models/{champion}/activate"),
    )
    .await;
    post(
        &app,
        &officer,
        &format!("/api/v1/admin/models/{challenger}/challenger"),
    )
    .await;
    let path = format!("/api/v1/admin/models/{champion}/monitoring");

    let empty = app.call(Method::GET, &path, Some(&officer), None).await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.text);
    assert_eq!(empty.json["stability"]["applications"], 0);
    assert_eq!(empty.json["stability"]["score"], Value::Null);
    assert_eq!(empty.json["alerts"], json!([]));

    // Every live applicant asks for a 60-month loan: a population shift.
    for application_id in 1..=40 {
        let features = applicant(60.0);
        let scored = app.state.scorer.assess(&features).unwrap();
        app.state
            .repository
            .record_model_scores(
                &score_records(ApplicationId(application_id), &scored, &features).unwrap(),
            )
            .await
            .unwrap();
    }
    let scores = app
        .state
        .repository
        .model_scores(challenger, 100)
        .await
        .unwrap();
    assert_eq!(
        scores.len(),
        40,
        "the challenger's shadow scores are recorded"
    );
    assert_eq!(scores[0].role, kredit_store::ScoreRole::Challenger);

    let report = app.call(Method::GET, &path, Some(&officer), None).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    let stability = &report.json["stability"];
    assert_eq!(stability["applications"], 40);
    assert_eq!(stability["threshold"], 0.25);
    assert!(stability["score"]["psi"].as_f64().unwrap() > 0.25);
    let features = stability["features"].as_array().unwrap();
    let model = kredit_scoring::demo_model();
    assert_eq!(features.len(), model.features().len());
    let duration = features
        .iter()
        .find(|f| f["name"] == "duration_in_month")
        .unwrap();
    assert!(duration["psi"].as_f64().unwrap() > 0.25);
    assert_eq!(duration["alert"], true);
    let alerts = stability["alerts"].as_array().unwrap();
    assert!(alerts.contains(&json!("score")) && alerts.contains(&json!("duration_in_month")));
    let stored = report.json["alerts"].as_array().unwrap();
    assert_eq!(stored.len(), alerts.len());
    assert!(stored.iter().all(|a| a["applications"] == 40));

    // Checking again updates the same alerts instead of adding new ones.
    let again = app.call(Method::GET, &path, Some(&officer), None).await;
    let again_alerts = again.json["alerts"].as_array().unwrap();
    assert_eq!(again_alerts.len(), stored.len());
    assert_eq!(
        again_alerts[0]["first_raised_at"],
        stored[0]["first_raised_at"]
    );

    // Close of business checks the champion and the challenger every day.
    let admin = app.staff("13900000001", Role::Admin).await;
    let today = app.state.business_date().await.unwrap();
    let closed = app
        .call(
            Method::POST,
            "/api/v1/admin/business-date",
            Some(&admin),
            Some(json!({"date": today.succ_opt().unwrap()})),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    let raised: Vec<&str> = closed.json["model_alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        raised.contains(&"german v1: duration_in_month")
            && raised.contains(&"german v2: duration_in_month"),
        "{raised:?}"
    );
}

async fn demo_seeding_activates_the_german_scorecard_once(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    kredit_server::demo::seed(&app.state).await.unwrap();
    let (champion, challenger) = app.state.scorer.versions();
    assert!(champion.is_some() && challenger.is_none());
    let scored = app.state.scorer.assess(&applicant(12.0)).unwrap();
    assert_eq!(scored.assessment.model, "german-credit-scorecard v1");
    kredit_server::demo::seed(&app.state).await.unwrap();
    let versions = app.state.repository.model_versions().await.unwrap();
    assert_eq!(versions.len(), 1, "seeding again adds nothing");
    assert_eq!(app.state.scorer.versions().0, champion);
}

/// Two instances on one database: an activation through one reaches the
/// other at its next reload (the server reloads every 30 seconds).
async fn another_instance_picks_up_an_activation(repository: Arc<dyn Repository>) {
    let first = TestApp::new(repository.clone()).await;
    let second = TestApp::new(repository.clone()).await;
    let officer = first.staff("13900000003", Role::RiskOfficer).await;
    let id = upload(&first, &officer, "german").await;
    post(
        &first,
        &officer,
        &format!("/api/v1/admin/models/{id}/activate"),
    )
    .await;
    assert_eq!(first.state.scorer.versions(), (Some(id), None));
    assert_eq!(second.state.scorer.versions(), (None, None));
    second
        .state
        .scorer
        .reload(repository.as_ref())
        .await
        .unwrap();
    assert_eq!(second.state.scorer.versions(), (Some(id), None));
    post(
        &first,
        &officer,
        &format!("/api/v1/admin/models/{id}/retire"),
    )
    .await;
    second
        .state
        .scorer
        .reload(repository.as_ref())
        .await
        .unwrap();
    assert_eq!(second.state.scorer.versions(), (None, None));
}

kredit_store::test_on_both_backends!(
    another_instance_picks_up_an_activation,
    upload_validates_and_registers_drafts,
    roles_are_checked_on_every_model_route,
    activation_puts_models_in_service,
    monitoring_reports_psi_and_raises_alerts,
    demo_seeding_activates_the_german_scorecard_once,
);
