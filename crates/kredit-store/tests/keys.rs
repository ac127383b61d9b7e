//! The key store on both backends: one live data key per owner, destroying
//! clears the wrapped bytes, re-wraps and ciphertext replacements are
//! compare-and-set and move the rotation's cursor in their transaction.

use std::sync::Arc;

use kredit_store::keys::{CipherTable, CipherUpdate, NewDataKey, Rewrap, user_owner};
use kredit_store::{NewUser, Repository, Role, StoreError, now};

fn data_key(id: &str, kek: &str) -> NewDataKey {
    NewDataKey {
        id: id.into(),
        kek_id: kek.into(),
        wrapped: vec![7; 60],
        created_at: now(),
    }
}

async fn user(
    repo: &Arc<dyn Repository>,
    hash: &str,
    key: Option<NewDataKey>,
) -> kredit_store::UserId {
    repo.create_user(
        &NewUser {
            phone_hash: hash.into(),
            phone_encrypted: vec![1, 2, 3],
            password_hash: "!".into(),
            role: Role::Borrower,
            created_at: now(),
            data_key: key,
        },
        None,
    )
    .await
    .unwrap()
}

async fn one_live_key_per_owner_and_destroying_clears_it(repo: Arc<dyn Repository>) {
    let store = repo.keys();
    let alice = user(&repo, "a", Some(data_key(&"a".repeat(32), "k1"))).await;
    let owner = user_owner(alice);
    let live = store.live_data_key(&owner).await.unwrap().unwrap();
    assert_eq!(
        (live.id.as_str(), live.kek_id.as_deref()),
        ("a".repeat(32).as_str(), Some("k1"))
    );
    let second = store
        .insert_data_key(&data_key(&"b".repeat(32), "k1"), &owner)
        .await;
    assert!(matches!(second, Err(StoreError::Conflict)));
    assert_eq!(store.destroy_data_keys(&owner, now()).await.unwrap(), 1);
    let gone = store.data_key(&"a".repeat(32)).await.unwrap().unwrap();
    assert_eq!((gone.wrapped, gone.kek_id), (None, None));
    assert!(gone.destroyed_at.is_some());
    assert_eq!(store.live_data_key(&owner).await.unwrap(), None);
    assert_eq!(store.destroy_data_keys(&owner, now()).await.unwrap(), 0);
    assert_eq!(
        store.data_key_counts().await.unwrap(),
        vec![(None, 1)],
        "destroyed keys count under no KEK"
    );
}

async fn batches_are_compare_and_set_and_move_the_cursor(repo: Arc<dyn Repository>) {
    let store = repo.keys();
    store.activate_kek("k1", now()).await.unwrap();
    let bob = user(&repo, "b", Some(data_key(&"1".repeat(32), "k1"))).await;
    let carol = user(&repo, "c", Some(data_key(&"2".repeat(32), "k1"))).await;
    store.activate_kek("k2", now()).await.unwrap();
    let keks = store.keks().await.unwrap();
    assert_eq!(
        keks.iter()
            .map(|k| (k.id.as_str(), k.status.as_str()))
            .collect::<Vec<_>>(),
        vec![("k1", "retiring"), ("k2", "active")]
    );
    let rotation = store.start_rotation("k2", now()).await.unwrap();
    assert!(matches!(
        store.start_rotation("k2", now()).await,
        Err(StoreError::Conflict)
    ));
    let rewraps = [
        Rewrap {
            id: "1".repeat(32),
            old_kek: "k1".into(),
            wrapped: vec![8; 60],
        },
        // Read under a KEK it is no longer under: skipped.
        Rewrap {
            id: "2".repeat(32),
            old_kek: "k0".into(),
            wrapped: vec![9; 60],
        },
    ];
    let written = store
        .rewrap_batch(rotation.id, "k2", &rewraps, &"2".repeat(32), now())
        .await
        .unwrap();
    assert_eq!(written, 1);
    let running = store.running_rotation().await.unwrap().unwrap();
    assert_eq!((running.cursor, running.rewrapped), ("2".repeat(32), 1));
    let left = store.data_keys_not_under("k2", 10).await.unwrap();
    assert_eq!(
        left.iter().map(|k| k.id.clone()).collect::<Vec<_>>(),
        vec!["2".repeat(32)]
    );

    // Ciphertexts: only a column still holding what was read is replaced.
    let updates = [
        CipherUpdate {
            key: bob.0,
            column: 0,
            old: vec![1, 2, 3],
            new: vec![4, 5, 6],
        },
        CipherUpdate {
            key: carol.0,
            column: 0,
            old: vec![0],
            new: vec![4, 5, 6],
        },
    ];
    let replaced = store
        .replace_ciphertexts(
            rotation.id,
            CipherTable::Users,
            &updates,
            &carol.to_string(),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(replaced, 1);
    let page = store.cipher_page(CipherTable::Users, 0, 10).await.unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0].values, vec![Some(vec![4, 5, 6])]);
    assert_eq!(page[1].values, vec![Some(vec![1, 2, 3])]);
    assert_eq!(page[0].owner, Some(bob));
    let running = store.running_rotation().await.unwrap().unwrap();
    assert_eq!((running.phase.as_str(), running.migrated), ("users", 1));

    // Finishing retires k1 only once nothing is under it.
    store.finish_rotation(rotation.id, now()).await.unwrap();
    let k1 = store.keks().await.unwrap().remove(0);
    assert_eq!(k1.status, "retiring", "a key is still under k1");
    let again = store.start_rotation("k2", now()).await.unwrap();
    store
        .rewrap_batch(
            again.id,
            "k2",
            &[Rewrap {
                id: "2".repeat(32),
                old_kek: "k1".into(),
                wrapped: vec![9; 60],
            }],
            "",
            now(),
        )
        .await
        .unwrap();
    store.finish_rotation(again.id, now()).await.unwrap();
    let k1 = store.keks().await.unwrap().remove(0);
    assert_eq!(k1.status, "retired");
    assert!(store.running_rotation().await.unwrap().is_none());
    assert_eq!(
        store.latest_rotation().await.unwrap().unwrap().phase,
        "done"
    );
}

kredit_store::test_on_both_backends!(
    one_live_key_per_owner_and_destroying_clears_it,
    batches_are_compare_and_set_and_move_the_cursor,
);
