//! The accounts file: round trip, atomic writes, damaged and newer files.

use std::fs;

use signet_core::accounts::FILE_NAME;
use signet_core::{
    Account, AccountId, AccountStore, DeviceKeyStore, Error, KeyAlias, MemoryKeyStore,
};

fn account(keys: &MemoryKeyStore) -> Account {
    let key_alias = KeyAlias::generate();
    let public_key = keys.create(&key_alias).expect("key");
    Account {
        id: AccountId::generate(),
        base_url: "https://push.example.com/v1".parse().expect("url"),
        tenant_id: "tenant-1".to_owned(),
        user_label: Some("ada@example.com".to_owned()),
        issuer: Some("Example".to_owned()),
        user_id: "user-1".to_owned(),
        authenticator_id: "auth-1".to_owned(),
        key_alias,
        public_key,
        require_biometric: true,
        created_at: 1_795_000_000,
        last_used_at: None,
        push_token: None,
    }
}

#[test]
fn a_folder_without_a_file_has_no_accounts() {
    let folder = tempfile::tempdir().expect("tempdir");
    let store = AccountStore::in_folder(folder.path().join("not-yet"));
    assert!(store.load().expect("load").is_empty());
}

#[test]
fn saved_accounts_load_back_equal_and_leave_no_temporary_file() {
    let folder = tempfile::tempdir().expect("tempdir");
    let keys = MemoryKeyStore::new();
    let store = AccountStore::in_folder(folder.path());
    let accounts = vec![account(&keys), account(&keys)];
    store.save(&accounts).expect("save");
    store.save(&accounts).expect("save again over it");
    assert_eq!(store.load().expect("load"), accounts);
    let names: Vec<String> = fs::read_dir(folder.path())
        .expect("list")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, vec![FILE_NAME.to_owned()]);
    let text = fs::read_to_string(store.path()).expect("read");
    assert!(text.contains("\"version\": 1"), "{text}");
    assert!(text.contains("\"keyAlias\""), "{text}");
}

#[test]
fn a_damaged_file_is_reported_moved_aside_and_no_key_is_deleted() {
    let folder = tempfile::tempdir().expect("tempdir");
    let keys = MemoryKeyStore::new();
    let store = AccountStore::in_folder(folder.path());
    let kept = account(&keys);
    store.save(std::slice::from_ref(&kept)).expect("save");
    fs::write(
        store.path(),
        b"{\"version\": 1, \"accounts\": [{\"id\": tru",
    )
    .expect("damage");

    let error = store.load().expect_err("damaged");
    let Error::AccountsCorrupt { kept_at, .. } = &error else {
        panic!("expected AccountsCorrupt, got {error:?}");
    };
    assert!(error.to_string().contains("moved to"), "{error}");
    assert_eq!(
        fs::read(kept_at).expect("kept"),
        b"{\"version\": 1, \"accounts\": [{\"id\": tru"
    );
    assert!(!store.path().exists());
    assert!(store.load().expect("starts empty").is_empty());
    keys.sign(&kept.key_alias, b"still here")
        .expect("the key survives");
}

#[test]
fn a_file_that_is_not_text_is_moved_aside() {
    let folder = tempfile::tempdir().expect("tempdir");
    let store = AccountStore::in_folder(folder.path());
    fs::write(store.path(), [0xff, 0xfe, 0x00]).expect("write");
    assert!(matches!(store.load(), Err(Error::AccountsCorrupt { .. })));
}

#[test]
fn a_file_from_a_newer_version_is_refused_and_left_in_place() {
    let folder = tempfile::tempdir().expect("tempdir");
    let store = AccountStore::in_folder(folder.path());
    fs::write(store.path(), b"{\"version\": 7, \"accounts\": {}}").expect("write");
    assert!(matches!(
        store.load(),
        Err(Error::AccountsVersion { found: 7, .. })
    ));
    assert!(store.path().exists());
}
