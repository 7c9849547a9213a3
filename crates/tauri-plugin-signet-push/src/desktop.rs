//! Desktop: no remote notifications for the app (it watches with long-poll from the tray).

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use tauri::plugin::PluginApi;
use tauri::{AppHandle, Runtime};

use crate::{Error, Result};

/// The plugin's state on desktop.
pub(crate) fn init<R: Runtime, C: DeserializeOwned>(
    _app: &AppHandle<R>,
    _api: PluginApi<R, C>,
) -> SignetPush<R> {
    SignetPush(PhantomData)
}

/// The wake-up API; on desktop nothing ever arrives.
pub struct SignetPush<R: Runtime>(PhantomData<fn() -> R>);

impl<R: Runtime> SignetPush<R> {
    /// Always [`Error::NotAvailable`].
    pub fn register(&self) -> Result<()> {
        Err(Error::NotAvailable)
    }

    /// Nothing to listen to: `handler` is never called.
    pub fn on_token<F: Fn(String) + Send + Sync + 'static>(&self, _handler: F) -> Result<()> {
        Ok(())
    }

    /// Nothing to listen to: `handler` is never called.
    pub fn on_wake_up<F: Fn(String) + Send + Sync + 'static>(&self, _handler: F) -> Result<()> {
        Ok(())
    }
}
