//! The engine's accounts: the list in memory and its file, changed together.

use std::sync::Mutex;

use super::lock;
use crate::Error;
use crate::accounts::{Account, AccountId, AccountStore};

/// The accounts in memory and the file they are saved to. A change is saved before it is
/// seen; readers never wait for a save (changes are serialized by their own lock).
#[derive(Debug)]
pub(super) struct AccountList {
    store: AccountStore,
    list: Mutex<Vec<Account>>,
    saving: Mutex<()>,
}

impl AccountList {
    /// The list read from `store`.
    pub(super) fn load(store: AccountStore) -> Result<Self, Error> {
        let list = store.load()?;
        Ok(Self {
            store,
            list: Mutex::new(list),
            saving: Mutex::new(()),
        })
    }

    /// Every account, oldest first.
    pub(super) fn all(&self) -> Vec<Account> {
        lock(&self.list).clone()
    }

    /// One account.
    pub(super) fn get(&self, id: &AccountId) -> Option<Account> {
        lock(&self.list).iter().find(|a| &a.id == id).cloned()
    }

    /// Applies `change` and saves; on a save error nothing changes. Blocks on the file
    /// system: call it off the async threads where it matters.
    pub(super) fn update(&self, change: impl FnOnce(&mut Vec<Account>)) -> Result<(), Error> {
        let _saving = lock(&self.saving);
        let mut next = self.all();
        change(&mut next);
        self.store.save(&next)?;
        *lock(&self.list) = next;
        Ok(())
    }
}
