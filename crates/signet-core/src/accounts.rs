//! Enrolled accounts, persisted as one JSON file in the app's data folder.
//!
//! The file is `accounts.json`: `{"version": 1, "accounts": [...]}`. Writes are atomic (a
//! temporary file in the same folder, fsync, rename, fsync of the folder). A file that cannot
//! be parsed is moved aside (kept, never deleted) and reported as
//! [`Error::AccountsCorrupt`]; nothing here ever deletes a key.

use std::fmt;
use std::fs;
use std::io;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use signet_protocol::PublicKey;
use url::Url;

use crate::Error;
use crate::files;
use crate::keys::KeyAlias;

/// The file's format version this code reads and writes.
pub const FORMAT_VERSION: u64 = 1;

/// The file's name inside the data folder.
pub const FILE_NAME: &str = "accounts.json";

/// The local id of an enrolled account (16 hex digits), stable across restarts.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct AccountId(String);

impl AccountId {
    /// A new random id.
    pub fn generate() -> Self {
        Self(crate::random_hex::<8>())
    }

    /// Wraps an id read from elsewhere (a command line, the UI).
    pub fn new(text: &str) -> Self {
        Self(text.to_owned())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({})", self.0)
    }
}

/// One enrolled account: where it is enrolled, as whom, and which key answers for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The local id.
    pub id: AccountId,
    /// The server's base URL (ends in `/v1`).
    pub base_url: Url,
    /// The tenant id sent in the device's Basic header.
    pub tenant_id: String,
    /// A label for the user (from the enrollment link), e.g. an email address.
    #[serde(default)]
    pub user_label: Option<String>,
    /// The name of the service (from the enrollment link).
    #[serde(default)]
    pub issuer: Option<String>,
    /// The server's user id.
    pub user_id: String,
    /// The server's id of this device's credential (`userAuthenticatorId`).
    pub authenticator_id: String,
    /// The alias of the key in the key store.
    pub key_alias: KeyAlias,
    /// The key's public half, as enrolled.
    pub public_key: PublicKey,
    /// Whether answering needs user verification (biometric) first.
    #[serde(default)]
    pub require_biometric: bool,
    /// When the account was enrolled (Unix seconds).
    pub created_at: u64,
    /// When the account last answered a challenge (Unix seconds).
    #[serde(default)]
    pub last_used_at: Option<u64>,
    /// The push token this account's server was last told (3.1 or 3.6b), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_token: Option<PushToken>,
}

/// A wake-up address from the platform's push service: an APNs device token, an FCM
/// registration token or a `webpush:` subscription (docs/protocol.md 8.6). It says where to
/// wake this device, so it stays out of `Debug` output and logs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PushToken(String);

impl PushToken {
    /// The longest token the protocol accepts (docs/protocol.md 3.1), in bytes.
    pub const MAX_BYTES: usize = 1024;

    /// A token as the platform gave it: surrounding spaces removed; an empty one or one
    /// longer than [`PushToken::MAX_BYTES`] is [`Error::InvalidPushToken`].
    pub fn new(token: &str) -> Result<Self, Error> {
        let token = token.trim();
        if token.is_empty() || token.len() > Self::MAX_BYTES {
            return Err(Error::InvalidPushToken);
        }
        Ok(Self(token.to_owned()))
    }

    /// The token's text, as sent to the server.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PushToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PushToken({} bytes)", self.0.len())
    }
}

impl Account {
    /// A name for people: the user label and issuer when known, else the user id.
    pub fn display_name(&self) -> String {
        match (&self.user_label, &self.issuer) {
            (Some(user), Some(issuer)) => format!("{user} ({issuer})"),
            (Some(user), None) => user.clone(),
            (None, Some(issuer)) => format!("{} ({issuer})", self.user_id),
            (None, None) => self.user_id.clone(),
        }
    }
}

/// The file's layout.
#[derive(Serialize, Deserialize)]
struct AccountsFile {
    version: u64,
    accounts: Vec<Account>,
}

/// Only the version, read first so a newer file is recognised even if its accounts differ.
#[derive(Deserialize)]
struct VersionOnly {
    version: u64,
}

/// The accounts file in a data folder.
#[derive(Debug, Clone)]
pub struct AccountStore {
    folder: PathBuf,
}

impl AccountStore {
    /// The accounts file in `folder` (created on first save).
    pub fn in_folder(folder: impl Into<PathBuf>) -> Self {
        Self {
            folder: folder.into(),
        }
    }

    /// The file's path.
    pub fn path(&self) -> PathBuf {
        self.folder.join(FILE_NAME)
    }

    /// Reads the accounts. No file yet: no accounts.
    ///
    /// A file that is not valid accounts JSON is moved aside to `accounts.json.corrupt-<time>`
    /// and [`Error::AccountsCorrupt`] returned; the next load starts empty. A file of a newer
    /// format is left in place ([`Error::AccountsVersion`]). A read failure of the OS is
    /// [`Error::AccountsIo`] and leaves the file in place.
    pub fn load(&self) -> Result<Vec<Account>, Error> {
        let path = self.path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(Error::AccountsIo { path, source }),
        };
        // 1. The version, so a newer app's file is never moved aside or overwritten.
        if let Ok(VersionOnly { version }) = serde_json::from_slice(&bytes)
            && version > FORMAT_VERSION
        {
            return Err(Error::AccountsVersion {
                path,
                found: version,
            });
        }
        // 2. The whole file; anything wrong with it means it is damaged.
        match serde_json::from_slice::<AccountsFile>(&bytes) {
            Ok(file) if file.version == FORMAT_VERSION => Ok(file.accounts),
            Ok(file) => Err(self.move_aside(format!("unknown format version {}", file.version))),
            Err(error) => Err(self.move_aside(error.to_string())),
        }
    }

    /// Moves a damaged file aside and builds the error that says where it went.
    fn move_aside(&self, reason: String) -> Error {
        let path = self.path();
        match files::move_aside(&self.folder, FILE_NAME) {
            Ok(kept_at) => {
                tracing::warn!(path = %path.display(), kept_at = %kept_at.display(), "accounts file damaged; moved aside");
                Error::AccountsCorrupt {
                    path,
                    kept_at,
                    reason,
                }
            }
            Err(source) => Error::AccountsIo { path, source },
        }
    }

    /// Writes the accounts atomically: a temporary file beside the real one, fsync, rename over
    /// it, fsync of the folder. A crash at any point leaves the old file or the new one.
    pub fn save(&self, accounts: &[Account]) -> Result<(), Error> {
        let file = AccountsFile {
            version: FORMAT_VERSION,
            accounts: accounts.to_vec(),
        };
        let io_error = |source| Error::AccountsIo {
            path: self.path(),
            source,
        };
        let mut json =
            serde_json::to_vec_pretty(&file).map_err(|e| io_error(io::Error::other(e)))?;
        json.push(b'\n');
        files::write_atomically(&self.folder, FILE_NAME, &json).map_err(io_error)
    }
}
