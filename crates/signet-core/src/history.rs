//! What happened to past challenges: approved, denied, "it wasn't me", expired. Kept in
//! `history.json` in the data folder, newest first, at most [`History::LIMIT`] entries.
//!
//! History is a convenience for people, not a security record: a damaged file is moved aside
//! and history starts empty again.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::accounts::AccountId;
use crate::engine::Challenge;
use crate::files;

/// The file's name inside the data folder.
pub const FILE_NAME: &str = "history.json";

/// How a challenge ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Outcome {
    /// The user approved it.
    Approved,
    /// The user denied it.
    Denied,
    /// The user denied it saying "it wasn't me".
    NotMe,
    /// Nobody answered in time.
    Expired,
    /// It stopped waiting before its expiry without an answer from this device: another
    /// device of the same user answered it, or the relying party cancelled it.
    AnsweredElsewhere,
    /// The user approved with a number that did not match the sign-in page, and the server
    /// failed the sign-in (docs/protocol.md 8.3: one attempt).
    WrongNumber,
    /// The server no longer accepted an answer (it does not know the challenge, or no longer
    /// knows this device's key).
    Refused,
}

/// One past challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// The challenge's id.
    pub challenge_id: String,
    /// Its account.
    pub account_id: AccountId,
    /// The action, e.g. `signIn`.
    pub action_code: Option<String>,
    /// Where the sign-in came from.
    pub ip_address: Option<String>,
    /// The browser that started it.
    pub user_agent: Option<String>,
    /// The relying party's details (amount, merchant, note), as the approval sheet showed
    /// them. Absent in entries written before they were kept.
    #[serde(default)]
    pub custom: Option<serde_json::Value>,
    /// How it ended.
    pub outcome: Outcome,
    /// When (Unix seconds).
    pub at: u64,
}

impl HistoryEntry {
    /// The entry for `challenge` ending with `outcome` at `at`.
    pub fn new(challenge: &Challenge, outcome: Outcome, at: u64) -> Self {
        Self {
            challenge_id: challenge.id.clone(),
            account_id: challenge.account_id.clone(),
            action_code: challenge.action_code.clone(),
            ip_address: challenge.ip_address.clone(),
            user_agent: challenge.user_agent.clone(),
            custom: challenge.custom.clone(),
            outcome,
            at,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct HistoryFile {
    version: u64,
    entries: Vec<HistoryEntry>,
}

/// The history of one data folder.
#[derive(Debug)]
pub struct History {
    folder: PathBuf,
    entries: Mutex<Vec<HistoryEntry>>,
}

impl History {
    /// The most entries kept.
    pub const LIMIT: usize = 200;

    /// Opens the history in `folder` (empty when there is none, or it was damaged).
    pub fn open(folder: impl Into<PathBuf>) -> Result<Self, Error> {
        let folder = folder.into();
        let file: Option<HistoryFile> =
            files::read_json_or_set_aside(&folder, FILE_NAME).map_err(|source| Error::DataIo {
                path: folder.join(FILE_NAME),
                source,
            })?;
        Ok(Self {
            folder,
            entries: Mutex::new(file.map(|f| f.entries).unwrap_or_default()),
        })
    }

    /// The entries, newest first.
    pub fn list(&self) -> Vec<HistoryEntry> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Records an entry (once per challenge: a second entry for the same challenge replaces
    /// nothing and is ignored) and saves.
    pub fn record(&self, entry: HistoryEntry) -> Result<(), Error> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.iter().any(|e| e.challenge_id == entry.challenge_id) {
            return Ok(());
        }
        let mut next = Vec::with_capacity(Self::LIMIT);
        next.push(entry);
        next.extend(entries.iter().take(Self::LIMIT - 1).cloned());
        let file = HistoryFile {
            version: 1,
            entries: next,
        };
        let path = self.folder.join(FILE_NAME);
        let json = serde_json::to_vec(&file).map_err(|error| Error::DataIo {
            path: path.clone(),
            source: std::io::Error::other(error),
        })?;
        files::write_atomically(&self.folder, FILE_NAME, &json)
            .map_err(|source| Error::DataIo { path, source })?;
        *entries = file.entries;
        Ok(())
    }
}
