//! The key store conformance suite: one generic function over `DeviceKeyStore`, run on the
//! memory store, on the keyring store over keyring-core's mock store, and on the real
//! platform keystore (ignored by default; `scripts/test` runs it inside a D-Bus session with
//! an unlocked gnome-keyring).

use std::sync::Arc;

use keyring_core::CredentialStore;
use signet_core::{DeviceKeyStore, Error, KeyAlias, KeyringKeyStore, MemoryKeyStore};

/// Everything a store must do, checked on `store`.
fn conformance<S: DeviceKeyStore>(store: &S) {
    let alias = KeyAlias::generate();
    let other = KeyAlias::generate();

    // A created key signs exact bytes that verify under the returned public key.
    let public = store.create(&alias).expect("create");
    assert!(
        public
            .to_spki_base64()
            .starts_with("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE")
    );
    let signature = store.sign(&alias, b"challenge-123").expect("sign");
    public
        .verify("challenge-123", &signature)
        .expect("verifies");
    assert!(public.verify("challenge-124", &signature).is_err());
    assert_eq!(signature.as_der()[0], 0x30, "signatures are DER sequences");

    // The public key reads back the same.
    assert_eq!(store.public_key(&alias).expect("public key"), public);

    // A second key under another alias is a different key.
    let public_other = store.create(&other).expect("create other");
    assert_ne!(public_other, public);

    // An alias is never overwritten.
    assert!(matches!(store.create(&alias), Err(Error::KeyExists { .. })));
    assert_eq!(store.public_key(&alias).expect("still there"), public);

    // Delete removes one key, and is idempotent.
    store.delete(&alias).expect("delete");
    assert!(matches!(
        store.sign(&alias, b"x"),
        Err(Error::KeyNotFound { .. })
    ));
    assert!(matches!(
        store.public_key(&alias),
        Err(Error::KeyNotFound { .. })
    ));
    store.delete(&alias).expect("deleting twice succeeds");
    let signature = store
        .sign(&other, b"still here")
        .expect("other key survives");
    public_other
        .verify("still here", &signature)
        .expect("verifies");
    store.delete(&other).expect("delete other");

    // After a delete the alias can hold a new key.
    let again = store.create(&alias).expect("create again");
    assert_ne!(again, public);
    store.delete(&alias).expect("clean up");

    // Debug never shows a secret: it is short and names no scalar.
    let debug = format!("{store:?}");
    assert!(!debug.contains("signet-p256-v1"), "{debug}");
}

#[test]
fn the_memory_store_conforms() {
    conformance(&MemoryKeyStore::new());
}

#[test]
fn the_keyring_store_conforms_over_keyring_cores_mock_store() {
    let mock: Arc<CredentialStore> = keyring_core::mock::Store::new().expect("mock store");
    conformance(&KeyringKeyStore::with_store(mock, "signet-test", "mock"));
}

#[test]
fn an_injected_failure_fails_one_call_and_changes_nothing() {
    let store = MemoryKeyStore::new();
    let alias = KeyAlias::generate();
    store.fail_next_call();
    assert!(matches!(store.create(&alias), Err(Error::InjectedFailure)));
    assert!(store.is_empty());
    let public = store.create(&alias).expect("works again");
    store.fail_next_call();
    assert!(matches!(store.delete(&alias), Err(Error::InjectedFailure)));
    assert_eq!(store.public_key(&alias).expect("still there"), public);
}

#[test]
fn the_memory_stores_debug_shows_aliases_only() {
    let store = MemoryKeyStore::new();
    let alias = KeyAlias::generate();
    store.create(&alias).expect("create");
    let debug = format!("{store:?}");
    assert!(debug.contains(alias.as_str()));
    assert!(!debug.contains("SigningKey"), "{debug}");
}

#[test]
fn a_keyring_entry_that_is_not_a_signet_key_is_reported_corrupt_and_kept() {
    let mock: Arc<CredentialStore> = keyring_core::mock::Store::new().expect("mock store");
    let alias = KeyAlias::generate();
    keyring_core::Entry::new_in_store(&mock, "signet-test", alias.as_str())
        .expect("entry")
        .set_password("hunter2")
        .expect("set");
    let store = KeyringKeyStore::with_store(mock.clone(), "signet-test", "mock");
    assert!(matches!(
        store.sign(&alias, b"x"),
        Err(Error::KeyCorrupt { .. })
    ));
    assert!(matches!(store.create(&alias), Err(Error::KeyExists { .. })));
    let kept = keyring_core::Entry::new_in_store(&mock, "signet-test", alias.as_str())
        .expect("entry")
        .get_password()
        .expect("kept");
    assert_eq!(kept, "hunter2");
}

#[test]
#[ignore = "needs a Secret Service; scripts/test runs it"]
fn the_platform_keystore_conforms() {
    let store = KeyringKeyStore::platform_with_service("signet-conformance-test")
        .expect("the platform keystore opens");
    assert!(store.describe().persistent);
    conformance(&store);
}
