//! Envelope encryption over a real store, on SQLite and PostgreSQL: legacy
//! values still open and are migrated by a rotation, a rotation resumes
//! after an interrupted batch, a data key created while it runs is under
//! the new KEK, and destroying a user's data key leaves nothing of theirs
//! readable.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use kredit_app::keys::rotation::{self, RotateOptions};
use kredit_app::keys::{KekEntry, LocalKeyring, Opened, Vault};
use kredit_store::keys::Rewrap;
use kredit_store::pii::{PiiCipher, PiiKey};
use kredit_store::{IdentityRecord, IdentityStatus, NewUser, Repository, Role, UserId};

struct Install {
    repository: Arc<dyn Repository>,
    master: PiiKey,
    keyring: Arc<LocalKeyring>,
    first_kek: KekEntry,
}

impl Install {
    fn new(repository: Arc<dyn Repository>) -> Self {
        let first_kek = kek("kek-1", 0);
        Self {
            repository,
            master: PiiKey::generate(),
            keyring: Arc::new(LocalKeyring::new(vec![first_kek.clone()])),
            first_kek,
        }
    }

    /// A process's vault: its own, empty, cache.
    fn vault(&self) -> Vault {
        self.vault_with(self.keyring.clone())
    }

    fn vault_with(&self, keyring: Arc<LocalKeyring>) -> Vault {
        Vault::new(
            PiiCipher::new(&self.master),
            keyring,
            self.repository.clone(),
        )
    }

    /// A borrower as registration stores one: the phone sealed under their
    /// own new data key.
    async fn borrower(&self, vault: &Vault, phone: &str) -> UserId {
        let (key, data_key) = vault.new_user_key().await.unwrap();
        self.insert(vault, phone, key.seal(phone), Some(data_key))
            .await
    }

    /// A borrower registered before envelope encryption: the phone in the
    /// legacy format, no data key.
    async fn legacy_borrower(&self, vault: &Vault, phone: &str) -> UserId {
        let sealed = vault.master().encrypt_legacy(phone);
        self.insert(vault, phone, sealed, None).await
    }

    async fn insert(
        &self,
        vault: &Vault,
        phone: &str,
        phone_encrypted: Vec<u8>,
        data_key: Option<kredit_store::keys::NewDataKey>,
    ) -> UserId {
        self.repository
            .create_user(
                &NewUser {
                    phone_hash: vault.lookup_hash(phone),
                    phone_encrypted,
                    password_hash: "$argon2id$placeholder".into(),
                    role: Role::Borrower,
                    created_at: kredit_store::now(),
                    data_key,
                },
                None,
            )
            .await
            .unwrap()
    }

    async fn phone(&self, vault: &Vault, user: UserId) -> Opened {
        let user = self.repository.user_by_id(user).await.unwrap().unwrap();
        vault.open_detailed(&user.phone_encrypted).await.unwrap()
    }
}

fn kek(id: &str, minutes: i64) -> KekEntry {
    KekEntry {
        id: id.into(),
        created_at: Utc::now() + Duration::minutes(minutes),
        key: PiiKey::generate(),
    }
}

async fn rotation_migrates_legacy_values_and_resumes_after_an_interruption(
    repository: Arc<dyn Repository>,
) {
    let install = Install::new(repository.clone());
    let vault = install.vault();
    let mut borrowers = Vec::new();
    for n in 0..12u32 {
        let phone = format!("1390000{n:04}");
        let id = if n % 3 == 0 {
            install.legacy_borrower(&vault, &phone).await
        } else {
            install.borrower(&vault, &phone).await
        };
        borrowers.push((id, phone));
    }
    // Legacy values open as such, before any rotation.
    assert!(matches!(
        install.phone(&vault, borrowers[0].0).await,
        Opened::Legacy(ref phone) if *phone == borrowers[0].1
    ));
    let before = rotation::check(&vault, repository.as_ref(), 5)
        .await
        .unwrap();
    assert!(before.passed());
    assert_eq!(before.legacy_values, 4);

    // A second KEK in the key file; the rotation is interrupted after two
    // batches of three keys.
    let second_kek = kek("kek-2", 1);
    install.keyring.add(second_kek.clone());
    let options = RotateOptions {
        batch_size: 3,
        max_batches: Some(2),
    };
    let stopped = rotation::rotate(&vault, repository.as_ref(), None, options)
        .await
        .unwrap();
    assert!(!stopped.finished);
    assert_eq!(stopped.rewrapped, 6);
    assert_eq!(stopped.rotation.target_kek, "kek-2");
    let status = rotation::status(&vault, repository.as_ref()).await.unwrap();
    assert_eq!(status.data_keys.get("kek-1"), Some(&2), "{status:?}");
    assert_eq!(status.data_keys.get("kek-2"), Some(&6));
    assert_eq!(status.latest_rotation.unwrap().finished_at, None);

    // A re-wrap read before someone else moved the key writes nothing.
    let store = repository.keys();
    let moved = store.data_keys_page("", 1).await.unwrap().remove(0);
    assert_eq!(moved.kek_id.as_deref(), Some("kek-2"));
    let stale = Rewrap {
        id: moved.id.clone(),
        old_kek: "kek-1".into(),
        wrapped: vec![0; 60],
    };
    let written = store
        .rewrap_batch(
            stopped.rotation.id,
            "kek-2",
            &[stale],
            &moved.id,
            kredit_store::now(),
        )
        .await
        .unwrap();
    assert_eq!(written, 0);

    // Registration while the rotation is under way, in another process
    // (its own vault): the new key is under the new KEK already.
    let other_process = install.vault();
    let during = install.borrower(&other_process, "13900009999").await;
    let during_key = store
        .live_data_key(&kredit_store::keys::user_owner(during))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(during_key.kek_id.as_deref(), Some("kek-2"));

    // Rerunning finishes where it stopped.
    let resumed = rotation::rotate(&vault, repository.as_ref(), None, RotateOptions::default())
        .await
        .unwrap();
    assert!(resumed.resumed && resumed.finished, "{resumed:?}");
    assert_eq!(resumed.rewrapped, 2);
    assert_eq!(resumed.migrated, 4);
    assert_eq!(resumed.rotation.phase, "done");
    let status = rotation::status(&vault, repository.as_ref()).await.unwrap();
    // 8 original keys + 1 registered + 4 made for legacy borrowers.
    assert_eq!(status.data_keys.get("kek-2"), Some(&13));
    assert_eq!(status.data_keys.get("kek-1"), None);
    let first = status.keks.iter().find(|k| k.id == "kek-1").unwrap();
    assert_eq!(first.status, "retired");

    // The old KEK can leave the key file: everything opens without it,
    // and every value is in the envelope format now.
    let without_old = Arc::new(LocalKeyring::new(vec![second_kek]));
    let fresh = install.vault_with(without_old);
    for (id, phone) in &borrowers {
        assert_eq!(
            install.phone(&fresh, *id).await,
            Opened::Envelope(phone.clone())
        );
    }
    let after = rotation::check(&fresh, repository.as_ref(), 5)
        .await
        .unwrap();
    assert!(after.passed(), "{after:?}");
    assert_eq!((after.values, after.legacy_values), (13, 0));

    // And check fails when a KEK in use is missing.
    let only_old = Arc::new(LocalKeyring::new(vec![install.first_kek.clone()]));
    let failing = rotation::check(&install.vault_with(only_old), repository.as_ref(), 5)
        .await
        .unwrap();
    assert!(!failing.passed());
    assert_eq!(failing.data_key_failures.len(), 13);
    assert_eq!(failing.value_failures.len(), 13);
}

async fn destroying_a_data_key_leaves_nothing_of_that_user_readable(
    repository: Arc<dyn Repository>,
) {
    let install = Install::new(repository.clone());
    let vault = install.vault();
    let erased = install.borrower(&vault, "13900000001").await;
    let kept = install.borrower(&vault, "13900000002").await;
    for user in [erased, kept] {
        let key = vault.data_key_for(user).await.unwrap();
        repository
            .save_identity(&IdentityRecord {
                user_id: user,
                status: IdentityStatus::Verified,
                real_name_encrypted: key.seal("张三"),
                id_number_encrypted: key.seal("11010519491231002X"),
                id_number_hash: vault.lookup_hash(&format!("id{user}")),
                bank_card_encrypted: key.seal("6222020200001234567"),
                bank_phone_encrypted: key.seal("13812345678"),
                bank_phone_hash: vault.lookup_hash("13812345678"),
                birth_date: NaiveDate::from_ymd_opt(1949, 12, 31).unwrap(),
                warnings: "[]".into(),
                reasons: "[]".into(),
                updated_at: kredit_store::now(),
            })
            .await
            .unwrap();
    }
    assert_eq!(vault.destroy_user_keys(erased).await.unwrap(), 1);

    // This process and a fresh one: nothing of theirs opens.
    for vault in [&vault, &install.vault()] {
        assert_eq!(install.phone(vault, erased).await, Opened::Shredded);
        let identity = repository.identity(erased).await.unwrap().unwrap();
        for sealed in [
            &identity.real_name_encrypted,
            &identity.id_number_encrypted,
            &identity.bank_card_encrypted,
            &identity.bank_phone_encrypted,
        ] {
            assert_eq!(vault.open_detailed(sealed).await.unwrap(), Opened::Shredded);
            assert!(vault.open(sealed).await.is_err());
        }
        assert_eq!(
            install.phone(vault, kept).await,
            Opened::Envelope("13900000002".into())
        );
    }
    let record = repository
        .keys()
        .live_data_key(&kredit_store::keys::user_owner(erased))
        .await
        .unwrap();
    assert_eq!(record, None);
    let report = rotation::check(&vault, repository.as_ref(), 100)
        .await
        .unwrap();
    assert!(report.passed(), "{report:?}");
    assert_eq!(report.shredded_values, 5);
    let status = rotation::status(&vault, repository.as_ref()).await.unwrap();
    assert_eq!(status.destroyed_data_keys, 1);
}

async fn two_processes_creating_a_users_first_key_agree_on_one(repository: Arc<dyn Repository>) {
    let install = Install::new(repository.clone());
    let setup = install.vault();
    let user = install.legacy_borrower(&setup, "13900000003").await;
    let (first, second) = (install.vault(), install.vault());
    let (a, b) = tokio::join!(first.data_key_for(user), second.data_key_for(user));
    assert_eq!(a.unwrap().id(), b.unwrap().id());
    let sealed = first.seal_for(user, "x").await.unwrap();
    assert_eq!(second.open(&sealed).await.unwrap(), "x");
    assert_eq!(
        setup.provider().kek_ids(),
        vec![install.first_kek.id.clone()]
    );
}

kredit_store::test_on_both_backends!(
    rotation_migrates_legacy_values_and_resumes_after_an_interruption,
    destroying_a_data_key_leaves_nothing_of_that_user_readable,
    two_processes_creating_a_users_first_key_agree_on_one,
);
