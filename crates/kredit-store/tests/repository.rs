//! The same behaviour on SQLite and PostgreSQL: every test body below runs
//! once per backend (see `test_on_both_backends!`). PostgreSQL runs need
//! `KREDIT_TEST_DATABASE_URL`.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use kredit_store::{
    AuditEntry, IdempotencyClaim, IdentityRecord, IdentityStatus, NewSession, NewUser, Refreshed,
    Repository, Role, StoreError, StoredResponse, UserId,
};

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

fn new_user(phone_hash: &str, role: Role) -> NewUser {
    NewUser {
        phone_hash: phone_hash.to_owned(),
        phone_encrypted: vec![1, 2, 3],
        password_hash: "$argon2id$placeholder".to_owned(),
        role,
        created_at: now(),
        data_key: None,
    }
}

fn audit(action: &str) -> AuditEntry {
    AuditEntry {
        actor_id: None,
        action: action.to_owned(),
        entity_type: "user".to_owned(),
        entity_id: None,
        before: None,
        after: Some(r#"{"role":"admin"}"#.to_owned()),
        at: now(),
    }
}

async fn users_are_unique_by_phone_hash(repo: Arc<dyn Repository>) {
    let id = repo
        .create_user(&new_user("h1", Role::Admin), Some(audit("user.create")))
        .await
        .unwrap();
    let user = repo.user_by_phone_hash("h1").await.unwrap().unwrap();
    assert_eq!(
        (user.id, user.role, user.created_at),
        (id, Role::Admin, now())
    );
    assert_eq!(repo.user_by_id(id).await.unwrap().unwrap(), user);
    assert!(
        repo.user_by_id(UserId(id.0 + 1000))
            .await
            .unwrap()
            .is_none()
    );
    let duplicate = repo
        .create_user(&new_user("h1", Role::Borrower), None)
        .await;
    assert!(matches!(duplicate, Err(StoreError::Conflict)));
    let entries = repo.audit_page(None, 10).await.unwrap();
    assert_eq!(entries.len(), 1, "the failed insert wrote no audit entry");
    assert_eq!(entries[0].entry.entity_id, Some(id.to_string()));
}

fn session(user: UserId, address: &str) -> NewSession {
    NewSession {
        user_id: user,
        client_address: address.to_owned(),
        user_agent: "test".to_owned(),
        now: now(),
    }
}

async fn refresh_tokens_rotate_once_and_a_replay_ends_the_session(repo: Arc<dyn Repository>) {
    let sessions = repo.sessions();
    let user = repo
        .create_user(&new_user("h2", Role::Borrower), None)
        .await
        .unwrap();
    let expires = now() + Duration::days(30);
    let id = sessions
        .create_session(&session(user, "10.0.0.1"), "t1", expires, None)
        .await
        .unwrap();
    assert_eq!(sessions.live_session(id).await.unwrap(), Some(user));
    assert_eq!(
        sessions
            .refresh("t1", "t2", expires, "10.0.0.2", now())
            .await
            .unwrap(),
        Refreshed::Rotated { user, session: id }
    );
    let listed = sessions.live_sessions(user).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].client_address, "10.0.0.2",
        "refresh records the address"
    );
    assert_eq!(
        sessions
            .refresh("t1", "t3", expires, "10.0.0.1", now())
            .await
            .unwrap(),
        Refreshed::Replayed { user, session: id },
        "reuse"
    );
    assert_eq!(sessions.live_session(id).await.unwrap(), None);
    assert_eq!(
        sessions
            .refresh("t2", "t4", expires, "10.0.0.2", now())
            .await
            .unwrap(),
        Refreshed::Invalid,
        "the successor died with its family"
    );
    assert_eq!(
        sessions
            .refresh("nope", "t5", expires, "10.0.0.2", now())
            .await
            .unwrap(),
        Refreshed::Invalid
    );

    let short = sessions
        .create_session(
            &session(user, "10.0.0.1"),
            "t6",
            now() + Duration::seconds(1),
            None,
        )
        .await
        .unwrap();
    let later = now() + Duration::seconds(2);
    assert_eq!(
        sessions
            .refresh("t6", "t7", expires, "10.0.0.1", later)
            .await
            .unwrap(),
        Refreshed::Invalid,
        "expired"
    );
    assert_eq!(
        sessions.revoke_by_refresh_token("t6", now()).await.unwrap(),
        Some((user, short)),
        "logout"
    );
    assert_eq!(
        sessions.revoke_by_refresh_token("t6", now()).await.unwrap(),
        None
    );

    let kept = sessions
        .create_session(&session(user, "10.0.0.1"), "t8", expires, None)
        .await
        .unwrap();
    repo.change_password(user, "new-hash", audit("user.password_change"))
        .await
        .unwrap();
    assert_eq!(
        repo.user_by_id(user).await.unwrap().unwrap().password_hash,
        "new-hash"
    );
    assert_eq!(
        sessions.live_session(kept).await.unwrap(),
        None,
        "password change ended it"
    );
    assert_eq!(
        sessions
            .refresh("t8", "t9", expires, "10.0.0.1", now())
            .await
            .unwrap(),
        Refreshed::Invalid,
        "stale, not a replay"
    );
}

async fn sessions_are_revoked_one_by_one_all_at_once_and_by_a_role_change(
    repo: Arc<dyn Repository>,
) {
    let sessions = repo.sessions();
    let user = repo
        .create_user(&new_user("h3", Role::Underwriter), None)
        .await
        .unwrap();
    let other = repo
        .create_user(&new_user("h3b", Role::Borrower), None)
        .await
        .unwrap();
    let expires = now() + Duration::days(30);
    let a = sessions
        .create_session(&session(user, "10.0.0.1"), "a", expires, None)
        .await
        .unwrap();
    let b = sessions
        .create_session(&session(user, "10.0.0.1"), "b", expires, None)
        .await
        .unwrap();
    let theirs = sessions
        .create_session(&session(other, "10.0.0.9"), "c", expires, None)
        .await
        .unwrap();
    assert!(
        !sessions
            .revoke_session(user, theirs, now(), audit("session.revoke"))
            .await
            .unwrap(),
        "not the owner's"
    );
    assert!(
        sessions
            .revoke_session(user, a, now(), audit("session.revoke"))
            .await
            .unwrap()
    );
    let live: Vec<_> = sessions
        .live_sessions(user)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(live, [b]);
    assert!(
        sessions
            .signed_in_from(user, "10.0.0.1", now() - Duration::days(1))
            .await
            .unwrap()
    );
    assert!(
        !sessions
            .signed_in_from(user, "10.0.0.2", now() - Duration::days(1))
            .await
            .unwrap()
    );
    assert!(
        sessions
            .change_role(user, Role::Admin, now(), audit("user.role_change"))
            .await
            .unwrap()
    );
    assert_eq!(
        repo.user_by_id(user).await.unwrap().unwrap().role,
        Role::Admin
    );
    assert_eq!(sessions.live_session(b).await.unwrap(), None);
    assert_eq!(
        sessions
            .revoke_all_sessions(other, now(), audit("session.revoke_all"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(sessions.live_session(theirs).await.unwrap(), None);
    assert!(
        !sessions
            .change_role(UserId(user.0 + 1000), Role::Admin, now(), audit("x"))
            .await
            .unwrap()
    );
}

async fn throttle_buckets_hold_burst_then_refill(repo: Arc<dyn Repository>) {
    let sessions = repo.sessions();
    let t0 = 1_000_000_000_i64;
    for attempt in 0..3 {
        assert_eq!(
            sessions.take_token("ip:a", t0, 1000, 3).await.unwrap(),
            None,
            "attempt {attempt} within the burst"
        );
    }
    let wait = sessions
        .take_token("ip:a", t0, 1000, 3)
        .await
        .unwrap()
        .expect("empty");
    assert_eq!(wait, 1000);
    assert_eq!(
        sessions.take_token("ip:b", t0, 1000, 3).await.unwrap(),
        None,
        "buckets are independent"
    );
    assert!(
        sessions
            .take_token("ip:a", t0 + 999, 1000, 3)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        sessions
            .take_token("ip:a", t0 + 1000, 1000, 3)
            .await
            .unwrap(),
        None
    );
    assert!(
        sessions
            .take_token("ip:a", t0 + 1000, 1000, 3)
            .await
            .unwrap()
            .is_some()
    );
    sessions.reset_bucket("ip:a").await.unwrap();
    assert_eq!(
        sessions
            .take_token("ip:a", t0 + 1000, 1000, 3)
            .await
            .unwrap(),
        None
    );
    // Long after, every bucket is full again and may be pruned.
    assert_eq!(sessions.prune_buckets(t0 + 10_000).await.unwrap(), 2);
}

/// Whatever the attempt times, a bucket never lets through more than its
/// burst plus one token per interval elapsed.
async fn gcra_never_exceeds_its_rate(repo: Arc<dyn Repository>) {
    {
        let sessions = repo.sessions();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for round in 0..4 {
            let bucket = format!("p:{round}");
            let (interval, burst) = (100_i64, 1 + round as i64 * 2);
            let start = 5_000_000_i64;
            let mut t = start;
            let mut allowed = 0_i64;
            for _ in 0..60 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                t += (seed % 60) as i64;
                if sessions
                    .take_token(&bucket, t, interval, burst)
                    .await
                    .unwrap()
                    .is_none()
                {
                    allowed += 1;
                }
                assert!(
                    allowed <= burst + (t - start) / interval,
                    "{allowed} allowed by {t}"
                );
            }
            assert!(allowed >= burst, "the burst is available at once");
        }
    }
}

async fn identities_upsert_and_find_by_hash(repo: Arc<dyn Repository>) {
    let user = repo
        .create_user(&new_user("h4", Role::Borrower), None)
        .await
        .unwrap();
    let mut record = IdentityRecord {
        user_id: user,
        status: IdentityStatus::Pending,
        real_name_encrypted: vec![1],
        id_number_encrypted: vec![2],
        id_number_hash: "id-hash".to_owned(),
        bank_card_encrypted: vec![3],
        bank_phone_encrypted: vec![4],
        bank_phone_hash: "phone-hash".to_owned(),
        birth_date: NaiveDate::from_ymd_opt(1990, 1, 2).unwrap(),
        warnings: "[]".to_owned(),
        reasons: r#"["provider_timeout"]"#.to_owned(),
        updated_at: now(),
    };
    repo.save_identity(&record).await.unwrap();
    record.status = IdentityStatus::Verified;
    record.reasons = "[]".to_owned();
    repo.save_identity(&record).await.unwrap();
    assert_eq!(repo.identity(user).await.unwrap(), Some(record.clone()));
    assert_eq!(repo.identity_owner("id-hash").await.unwrap(), Some(user));
    assert_eq!(repo.identity_owner("other").await.unwrap(), None);

    let someone_else = repo
        .create_user(&new_user("h4b", Role::Borrower), None)
        .await
        .unwrap();
    let stolen = IdentityRecord {
        user_id: someone_else,
        ..record
    };
    let refused = repo.save_identity(&stolen).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict)),
        "one ID number, one account"
    );
    assert_eq!(repo.identity(someone_else).await.unwrap(), None);
}

fn long_ago() -> chrono::DateTime<chrono::Utc> {
    now() - chrono::Duration::days(1)
}

async fn idempotency_keys_claim_complete_and_release(repo: Arc<dyn Repository>) {
    let user = repo
        .create_user(&new_user("h5", Role::Borrower), None)
        .await
        .unwrap();
    let other = repo
        .create_user(&new_user("h6", Role::Borrower), None)
        .await
        .unwrap();
    assert_eq!(
        repo.claim_idempotency_key(user, "k", "r1", now(), long_ago())
            .await
            .unwrap(),
        IdempotencyClaim::Claimed
    );
    let IdempotencyClaim::Existing(pending) = repo
        .claim_idempotency_key(user, "k", "r1", now(), long_ago())
        .await
        .unwrap()
    else {
        panic!("second claim must see the first");
    };
    assert_eq!(
        (pending.request_hash.as_str(), pending.response),
        ("r1", None)
    );
    assert_eq!(
        repo.claim_idempotency_key(other, "k", "r9", now(), long_ago())
            .await
            .unwrap(),
        IdempotencyClaim::Claimed,
        "keys are per user"
    );
    let response = StoredResponse {
        status: 201,
        body: r#"{"id":1}"#.to_owned(),
    };
    repo.complete_idempotency_key(user, "k", &response)
        .await
        .unwrap();
    repo.release_idempotency_key(user, "k").await.unwrap();
    let IdempotencyClaim::Existing(done) = repo
        .claim_idempotency_key(user, "k", "r2", now(), now())
        .await
        .unwrap()
    else {
        panic!("completed keys are never released");
    };
    assert_eq!(
        (done.request_hash.as_str(), done.response),
        ("r1", Some(response.clone()))
    );
    repo.release_idempotency_key(other, "k").await.unwrap();
    assert_eq!(
        repo.claim_idempotency_key(other, "k", "r9", now(), long_ago())
            .await
            .unwrap(),
        IdempotencyClaim::Claimed
    );

    // A reservation its server never completed is taken over once
    // abandoned, with the new request's hash; a live one is not.
    let third = repo
        .create_user(&new_user("h7", Role::Borrower), None)
        .await
        .unwrap();
    let reserved_at = now() - chrono::Duration::minutes(10);
    assert_eq!(
        repo.claim_idempotency_key(third, "k", "r3", reserved_at, long_ago())
            .await
            .unwrap(),
        IdempotencyClaim::Claimed
    );
    assert!(matches!(
        repo.claim_idempotency_key(third, "k", "r3", now(), long_ago())
            .await
            .unwrap(),
        IdempotencyClaim::Existing(_)
    ));
    let abandoned_before = now() - chrono::Duration::minutes(2);
    assert_eq!(
        repo.claim_idempotency_key(third, "k", "r4", now(), abandoned_before)
            .await
            .unwrap(),
        IdempotencyClaim::Claimed
    );
    let IdempotencyClaim::Existing(taken) = repo
        .claim_idempotency_key(third, "k", "r4", now(), abandoned_before)
        .await
        .unwrap()
    else {
        panic!("the new reservation is live");
    };
    assert_eq!(taken.request_hash, "r4");
    // A completed key never expires.
    repo.complete_idempotency_key(user, "k", &response)
        .await
        .unwrap();
    assert!(matches!(
        repo.claim_idempotency_key(user, "k", "r5", now(), now())
            .await
            .unwrap(),
        IdempotencyClaim::Existing(_)
    ));
}

async fn audit_pages_newest_first(repo: Arc<dyn Repository>) {
    for n in 0..5 {
        repo.append_audit(&audit(&format!("action.{n}")))
            .await
            .unwrap();
    }
    let first = repo.audit_page(None, 2).await.unwrap();
    assert_eq!(
        first
            .iter()
            .map(|e| e.entry.action.as_str())
            .collect::<Vec<_>>(),
        ["action.4", "action.3"]
    );
    let second = repo.audit_page(Some(first[1].id), 10).await.unwrap();
    assert_eq!(
        second
            .iter()
            .map(|e| e.entry.action.as_str())
            .collect::<Vec<_>>(),
        ["action.2", "action.1", "action.0"]
    );
    assert_eq!(
        second[0].entry.after.as_deref(),
        Some(r#"{"role":"admin"}"#)
    );
    assert_eq!(second[0].entry.at, now());
}

async fn ping_answers(repo: Arc<dyn Repository>) {
    repo.ping().await.unwrap();
}

kredit_store::test_on_both_backends!(
    users_are_unique_by_phone_hash,
    refresh_tokens_rotate_once_and_a_replay_ends_the_session,
    sessions_are_revoked_one_by_one_all_at_once_and_by_a_role_change,
    throttle_buckets_hold_burst_then_refill,
    gcra_never_exceeds_its_rate,
    identities_upsert_and_find_by_hash,
    idempotency_keys_claim_complete_and_release,
    audit_pages_newest_first,
    ping_answers,
);
