//! The device's settings, in `settings.json` in the data folder. A damaged file is moved
//! aside and the defaults apply.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::files;

/// The file's name inside the data folder.
pub const FILE_NAME: &str = "settings.json";

/// What the user can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Raise a system notification for a new challenge.
    pub notifications: bool,
    /// Seconds between polls when the server does not hold requests (1 to 60).
    pub poll_interval_seconds: u64,
    /// Desktop: closing the window keeps the app running in the tray, still watching for
    /// requests; off, closing the window quits. Ignored where there is no tray.
    pub keep_in_tray: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            notifications: true,
            poll_interval_seconds: 3,
            keep_in_tray: true,
        }
    }
}

impl Settings {
    /// The allowed poll intervals, in seconds.
    pub const POLL_INTERVAL_RANGE: std::ops::RangeInclusive<u64> = 1..=60;

    /// Checks the values: the poll interval must be within [`Self::POLL_INTERVAL_RANGE`].
    pub fn validate(&self) -> Result<(), Error> {
        if Self::POLL_INTERVAL_RANGE.contains(&self.poll_interval_seconds) {
            Ok(())
        } else {
            Err(Error::InvalidSettings {
                reason: "the poll interval must be between 1 and 60 seconds",
            })
        }
    }

    /// The poll interval as a duration.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_secs(self.poll_interval_seconds)
    }
}

/// The settings file of one data folder.
#[derive(Debug, Clone)]
pub struct SettingsStore {
    folder: PathBuf,
}

impl SettingsStore {
    /// The settings file in `folder`.
    pub fn in_folder(folder: impl Into<PathBuf>) -> Self {
        Self {
            folder: folder.into(),
        }
    }

    /// The saved settings; the defaults when there are none, or they were damaged or out of
    /// range.
    pub fn load(&self) -> Result<Settings, Error> {
        let settings: Option<Settings> = files::read_json_or_set_aside(&self.folder, FILE_NAME)
            .map_err(|source| self.io_error(source))?;
        Ok(settings
            .filter(|s| s.validate().is_ok())
            .unwrap_or_default())
    }

    /// Checks and saves `settings`; invalid ones change nothing.
    pub fn save(&self, settings: &Settings) -> Result<(), Error> {
        settings.validate()?;
        let json = serde_json::to_vec_pretty(settings)
            .map_err(|error| self.io_error(std::io::Error::other(error)))?;
        files::write_atomically(&self.folder, FILE_NAME, &json).map_err(|e| self.io_error(e))
    }

    fn io_error(&self, source: std::io::Error) -> Error {
        Error::DataIo {
            path: self.folder.join(FILE_NAME),
            source,
        }
    }
}
