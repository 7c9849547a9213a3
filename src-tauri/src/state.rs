//! The app's state: the core's engine and what the shell remembers about it (connection
//! states, which notification shows which challenge).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use signet_core::settings::{Settings, SettingsStore};
use signet_core::{AccountId, Engine, EngineConfig, Error, KeyringKeyStore};

use crate::view::{AccountView, Connection};

/// Everything the commands and the background task share.
pub struct AppState {
    /// The device core.
    pub engine: Arc<Engine>,
    /// Where the settings live.
    settings_store: SettingsStore,
    /// The settings in force.
    settings: Mutex<Settings>,
    /// The last known connection state of each account.
    connections: Mutex<HashMap<AccountId, Connection>>,
    /// Which challenge each shown notification is about.
    notifications: Mutex<HashMap<i32, String>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AppState {
    /// Opens the engine on the platform keystore and the data folder. A damaged accounts file
    /// is moved aside by the core (no key is deleted) and the app starts without accounts.
    pub fn open(
        data_dir: &Path,
        verifier: Arc<dyn signet_core::UserVerifier>,
        device_name: Option<String>,
    ) -> Result<Self, Error> {
        let settings_store = SettingsStore::in_folder(data_dir);
        let settings = settings_store.load()?;
        let mut config = EngineConfig::new(data_dir, Arc::new(KeyringKeyStore::platform()?));
        config.verifier = verifier;
        config.device_name = device_name;
        config.watch.poll_interval = settings.poll_interval();
        let engine = match Engine::open(config.clone()) {
            Err(error @ Error::AccountsCorrupt { .. }) => {
                tracing::error!(%error, "starting without accounts");
                Engine::open(config)?
            }
            other => other?,
        };
        Ok(Self {
            engine: Arc::new(engine),
            settings_store,
            settings: Mutex::new(settings),
            connections: Mutex::new(HashMap::new()),
            notifications: Mutex::new(HashMap::new()),
        })
    }

    /// The accounts as the UI shows them, newest first.
    pub fn account_views(&self) -> Vec<AccountView> {
        let connections = lock(&self.connections);
        let mut views: Vec<AccountView> = self
            .engine
            .accounts()
            .iter()
            .map(|account| {
                let connection = connections
                    .get(&account.id)
                    .copied()
                    .unwrap_or(Connection::Connecting);
                AccountView::new(account, connection, self.engine.paused_until(&account.id))
            })
            .collect();
        views.reverse();
        views
    }

    /// Records an account's connection state; true when it changed.
    pub fn set_connection(&self, account: &AccountId, connection: Connection) -> bool {
        lock(&self.connections).insert(account.clone(), connection) != Some(connection)
    }

    /// The settings in force.
    pub fn settings(&self) -> Settings {
        *lock(&self.settings)
    }

    /// Checks, saves and applies new settings; invalid ones change nothing.
    pub fn update_settings(&self, settings: Settings) -> Result<Settings, Error> {
        self.settings_store.save(&settings)?;
        self.engine.set_poll_interval(settings.poll_interval());
        *lock(&self.settings) = settings;
        Ok(settings)
    }

    /// Remembers that notification `id` shows `challenge_id`.
    pub fn remember_notification(&self, id: i32, challenge_id: String) {
        let mut notifications = lock(&self.notifications);
        if notifications.len() > 100 {
            notifications.clear();
        }
        notifications.insert(id, challenge_id);
    }

    /// The challenge notification `id` shows.
    pub fn notification_challenge(&self, id: i32) -> Option<String> {
        lock(&self.notifications).get(&id).cloned()
    }
}
