//! Staff views of a borrower's unmasked personal data, on SQLite and
//! PostgreSQL: shown only with a purpose, a case reference and the fields
//! needed; recorded and audited before it is shown; refused to auditors and
//! borrowers; read back by the auditor (who viewed whom) and by the
//! borrower (who viewed me); bad requests record nothing.

#[allow(dead_code)] // helpers shared with the other test binaries
mod support;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use kredit_store::{Repository, Role};
use serde_json::{Value, json};
use support::{TestApp, id_number_aged, identity};

async fn reveal(app: &TestApp, token: &str, borrower: i64, body: Value) -> support::Reply {
    app.call(
        Method::POST,
        &format!("/api/v1/admin/borrowers/{borrower}/personal-data"),
        Some(token),
        Some(body),
    )
    .await
}

async fn accesses(app: &TestApp, token: &str, query: &str) -> support::Reply {
    let reply = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/personal-data-access{query}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply
}

async fn views_are_stated_recorded_and_visible(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let alice_id = app.register("13812345611").await;
    let alice = app.token("13812345611").await;
    let bob_id = app.register("13812345612").await;
    let bob = app.token("13812345612").await;
    let id_number = id_number_aged(30, 11);
    let verified = app
        .call(
            Method::POST,
            "/api/v1/me/identity",
            Some(&alice),
            Some(identity(&id_number, "0123")),
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
    let underwriter = app.staff("13900000012", Role::Underwriter).await;
    let auditor = app.staff("13900000014", Role::Auditor).await;
    let underwriter_id = app
        .call(Method::GET, "/api/v1/me", Some(&underwriter), None)
        .await
        .json["user_id"]
        .as_i64()
        .unwrap();

    // The fields asked for, whole; nothing else.
    let shown = reveal(
        &app,
        &underwriter,
        alice_id,
        json!({"purpose": "underwriting", "reference": "APP-1042", "fields": ["id_number", "phone", "id_number"]}),
    )
    .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    assert_eq!(
        shown.json["values"],
        json!({"phone": "13812345611", "id_number": id_number})
    );
    assert_eq!(
        shown.json["access"]["fields"],
        json!(["phone", "id_number"])
    );
    assert_eq!(shown.json["access"]["purpose"], "underwriting");
    assert_eq!(shown.json["access"]["staff_id"], underwriter_id);

    // A borrower who has not verified their identity has only a phone.
    let no_identity = reveal(
        &app,
        &underwriter,
        bob_id,
        json!({"purpose": "collections", "reference": "COL 7", "fields": ["real_name"]}),
    )
    .await;
    no_identity.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(no_identity.json["errors"][0]["code"], "not_on_record");
    let bob_phone = reveal(
        &app,
        &underwriter,
        bob_id,
        json!({"purpose": "collections", "reference": "COL 7", "fields": ["real_name", "phone"]}),
    )
    .await;
    assert_eq!(bob_phone.json["values"], json!({"phone": "13812345612"}));
    assert_eq!(bob_phone.json["access"]["fields"], json!(["phone"]));

    // The auditor sees who viewed whom, newest first, and may filter.
    let all = accesses(&app, &auditor, "").await;
    let items = all.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["borrower_id"], bob_id);
    assert_eq!(items[1]["borrower_id"], alice_id);
    assert_eq!(items[1]["reference"], "APP-1042");
    assert_eq!(items[1]["staff_role"], "underwriter");
    assert!(all.json["next_before"].is_null());
    let of_alice = accesses(&app, &auditor, &format!("?borrower_id={alice_id}")).await;
    assert_eq!(of_alice.json["items"].as_array().unwrap().len(), 1);
    let by_nobody = accesses(&app, &auditor, "?staff_id=999999").await;
    assert_eq!(by_nobody.json["items"], json!([]));
    // The record itself holds no personal data.
    assert!(!all.text.contains(&id_number) && !all.text.contains("13812345611"));

    // Each view is in the audit log too, with its purpose.
    let audit = app
        .call(
            Method::GET,
            "/api/v1/admin/audit?limit=5",
            Some(&auditor),
            None,
        )
        .await;
    let views: Vec<&Value> = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"] == "personal_data.view")
        .collect();
    assert_eq!(views.len(), 2);
    assert_eq!(views[1]["actor_id"], underwriter_id);
    assert_eq!(views[1]["entity_id"], alice_id.to_string());
    assert_eq!(views[1]["after"]["purpose"], "underwriting");
    assert!(!audit.text.contains(&id_number));

    // The borrower sees that, when and why, but not who.
    let mine = app
        .call(
            Method::GET,
            "/api/v1/me/personal-data-access",
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    let own = mine.json["items"].as_array().unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["purpose"], "underwriting");
    assert_eq!(own[0]["staff_role"], "underwriter");
    assert_eq!(own[0]["fields"], json!(["phone", "id_number"]));
    assert!(own[0].get("staff_id").is_none() && own[0].get("reference").is_none());
    let bobs = app
        .call(
            Method::GET,
            "/api/v1/me/personal-data-access",
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(bobs.json["items"].as_array().unwrap().len(), 1);
}

async fn unjustified_views_are_refused_and_record_nothing(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository).await;
    let alice_id = app.register("13812345621").await;
    let alice = app.token("13812345621").await;
    let underwriter = app.staff("13900000022", Role::Underwriter).await;
    let auditor = app.staff("13900000024", Role::Auditor).await;
    let admin = app.staff("13900000025", Role::Admin).await;
    let good = json!({"purpose": "customer_request", "reference": "T-1", "fields": ["phone"]});

    // Roles: auditors and borrowers never see data whole; borrowers do not
    // read the staff's record.
    reveal(&app, &auditor, alice_id, good.clone())
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    reveal(&app, &alice, alice_id, good.clone())
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    app.call(
        Method::GET,
        "/api/v1/admin/personal-data-access",
        Some(&alice),
        None,
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    app.call(
        Method::GET,
        "/api/v1/admin/personal-data-access",
        Some(&underwriter),
        None,
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    app.call(
        Method::GET,
        "/api/v1/me/personal-data-access",
        Some(&underwriter),
        None,
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    app.call(
        Method::POST,
        &format!("/api/v1/admin/borrowers/{alice_id}/personal-data"),
        None,
        Some(good.clone()),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");

    // Staff members and unknown users are not borrowers.
    let admin_id = app
        .call(Method::GET, "/api/v1/me", Some(&admin), None)
        .await
        .json["user_id"]
        .as_i64()
        .unwrap();
    for who in [admin_id, 999_999] {
        reveal(&app, &underwriter, who, good.clone())
            .await
            .assert_problem(StatusCode::NOT_FOUND, "not_found");
    }

    let field_problem = |body: Value, field: &'static str, code: &'static str| {
        let app = &app;
        let underwriter = &underwriter;
        async move {
            let reply = reveal(app, underwriter, alice_id, body).await;
            reply.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
            assert_eq!(reply.json["errors"][0]["field"], field, "{}", reply.text);
            assert_eq!(reply.json["errors"][0]["code"], code, "{}", reply.text);
        }
    };
    field_problem(
        json!({"purpose": "customer_request", "reference": "", "fields": ["phone"]}),
        "reference",
        "invalid_reference",
    )
    .await;
    field_problem(
        json!({"purpose": "customer_request", "reference": "she called, 13812345621", "fields": ["phone"]}),
        "reference",
        "invalid_reference",
    )
    .await;
    field_problem(
        json!({"purpose": "customer_request", "reference": "T-1", "fields": []}),
        "fields",
        "invalid_fields",
    )
    .await;
    // An unknown purpose or field is not one of the schema's values.
    for body in [
        json!({"purpose": "curiosity", "reference": "T-1", "fields": ["phone"]}),
        json!({"purpose": "customer_request", "reference": "T-1", "fields": ["salary"]}),
        json!({"reference": "T-1", "fields": ["phone"]}),
    ] {
        let reply = reveal(&app, &underwriter, alice_id, body).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.text
        );
        assert!(!reply.text.contains("13812345621"));
    }

    let none = accesses(&app, &auditor, "").await;
    assert_eq!(
        none.json["items"],
        json!([]),
        "refused views leave no record"
    );
    let mine = app
        .call(
            Method::GET,
            "/api/v1/me/personal-data-access",
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(mine.json["items"], json!([]));
}

kredit_store::test_on_both_backends!(
    views_are_stated_recorded_and_visible,
    unjustified_views_are_refused_and_record_nothing,
);
