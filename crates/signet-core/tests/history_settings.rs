//! History and settings files in a real temporary data folder: round trips, limits, bad
//! values refused, damaged files kept aside.

use signet_core::history::{FILE_NAME as HISTORY_FILE, History, HistoryEntry, Outcome};
use signet_core::settings::{FILE_NAME as SETTINGS_FILE, Settings, SettingsStore};
use signet_core::{AccountId, Error};

fn entry(n: usize, outcome: Outcome) -> HistoryEntry {
    HistoryEntry {
        challenge_id: format!("challenge-{n}"),
        account_id: AccountId::new("0123456789abcdef"),
        action_code: Some("signIn".into()),
        ip_address: Some("203.0.113.7".into()),
        user_agent: None,
        custom: None,
        outcome,
        at: 1_800_000_000 + n as u64,
    }
}

fn corrupt_files_in(dir: &std::path::Path, name: &str) -> usize {
    std::fs::read_dir(dir)
        .expect("the data folder reads")
        .filter(|e| {
            let file = e.as_ref().expect("an entry").file_name();
            file.to_string_lossy()
                .starts_with(&format!("{name}.corrupt-"))
        })
        .count()
}

#[test]
fn history_is_newest_first_survives_a_restart_and_ignores_a_second_entry_for_a_challenge() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path()).unwrap();
    history.record(entry(1, Outcome::Approved)).unwrap();
    history.record(entry(2, Outcome::Expired)).unwrap();
    history.record(entry(1, Outcome::Denied)).unwrap();

    let reopened = History::open(dir.path()).unwrap().list();
    assert_eq!(
        reopened,
        vec![entry(2, Outcome::Expired), entry(1, Outcome::Approved)]
    );
}

#[test]
fn a_payment_keeps_its_amount_and_merchant_in_history_and_older_entries_still_read() {
    let dir = tempfile::tempdir().unwrap();
    // An entry as an older version wrote it, without `custom`.
    std::fs::write(
        dir.path().join(HISTORY_FILE),
        br#"{"version":1,"entries":[{"challengeId":"old","accountId":"0123456789abcdef","actionCode":"signIn","ipAddress":null,"userAgent":null,"outcome":"approved","at":1}]}"#,
    )
    .unwrap();
    let history = History::open(dir.path()).unwrap();
    assert_eq!(history.list()[0].custom, None);
    let mut payment = entry(2, Outcome::Approved);
    payment.action_code = Some("approvePayment".into());
    payment.custom = Some(serde_json::json!({"amount": "120.00 EUR", "merchant": "Corner Coffee"}));
    history.record(payment.clone()).unwrap();

    let reopened = History::open(dir.path()).unwrap().list();
    assert_eq!(reopened.len(), 2);
    assert_eq!(reopened[0], payment);
    assert_eq!(corrupt_files_in(dir.path(), HISTORY_FILE), 0);
}

#[test]
fn history_keeps_only_the_newest_entries() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path()).unwrap();
    for n in 0..History::LIMIT + 5 {
        history.record(entry(n, Outcome::Denied)).unwrap();
    }
    let list = History::open(dir.path()).unwrap().list();
    assert_eq!(list.len(), History::LIMIT);
    assert_eq!(
        list[0].challenge_id,
        format!("challenge-{}", History::LIMIT + 4)
    );
}

#[test]
fn a_damaged_history_file_is_kept_aside_and_history_starts_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(HISTORY_FILE), b"{not json").unwrap();
    let history = History::open(dir.path()).unwrap();
    assert!(history.list().is_empty());
    assert_eq!(corrupt_files_in(dir.path(), HISTORY_FILE), 1);
}

#[test]
fn settings_default_to_notifications_on_and_a_three_second_poll() {
    let dir = tempfile::tempdir().unwrap();
    let settings = SettingsStore::in_folder(dir.path()).load().unwrap();
    assert_eq!(settings, Settings::default());
    assert!(settings.notifications);
    assert_eq!(settings.poll_interval_seconds, 3);
    assert!(settings.keep_in_tray);
}

#[test]
fn saved_settings_are_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = SettingsStore::in_folder(dir.path());
    let wanted = Settings {
        notifications: false,
        poll_interval_seconds: 10,
        keep_in_tray: false,
    };
    store.save(&wanted).unwrap();
    assert_eq!(SettingsStore::in_folder(dir.path()).load().unwrap(), wanted);
}

#[test]
fn an_out_of_range_poll_interval_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = SettingsStore::in_folder(dir.path());
    for bad in [0, 61, u64::MAX] {
        let result = store.save(&Settings {
            poll_interval_seconds: bad,
            ..Settings::default()
        });
        assert!(
            matches!(result, Err(Error::InvalidSettings { .. })),
            "{result:?}"
        );
    }
    assert!(!dir.path().join(SETTINGS_FILE).exists());
}

#[test]
fn a_settings_file_from_before_the_tray_setting_keeps_its_values_and_keeps_the_app_in_the_tray() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(SETTINGS_FILE),
        br#"{"notifications": false, "pollIntervalSeconds": 7}"#,
    )
    .unwrap();
    let settings = SettingsStore::in_folder(dir.path()).load().unwrap();
    assert!(!settings.notifications);
    assert_eq!(settings.poll_interval_seconds, 7);
    assert!(settings.keep_in_tray);
    assert_eq!(corrupt_files_in(dir.path(), SETTINGS_FILE), 0);
}

#[test]
fn a_damaged_settings_file_is_kept_aside_and_the_defaults_apply() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(SETTINGS_FILE), b"\xff\xfe garbage").unwrap();
    let settings = SettingsStore::in_folder(dir.path()).load().unwrap();
    assert_eq!(settings, Settings::default());
    assert_eq!(corrupt_files_in(dir.path(), SETTINGS_FILE), 1);
}
