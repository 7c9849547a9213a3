//! iOS and Android: the Swift and Kotlin halves (`ios/`, `android/`), reached through Tauri's
//! mobile plugin bridge. Events come back over channels made here, so Rust receives them
//! whether or not the web view is listening.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tauri::ipc::{Channel, InvokeResponseBody};
use tauri::plugin::{PluginApi, PluginHandle};
use tauri::{AppHandle, Runtime};

use crate::Result;

#[cfg(target_os = "android")]
const PLUGIN_IDENTIFIER: &str = "dev.signet.push";

#[cfg(target_os = "ios")]
tauri::ios_plugin_binding!(init_plugin_signet_push);

/// Registers the native half.
pub(crate) fn init<R: Runtime, C: DeserializeOwned>(
    _app: &AppHandle<R>,
    api: PluginApi<R, C>,
) -> Result<SignetPush<R>> {
    #[cfg(target_os = "android")]
    let handle = api.register_android_plugin(PLUGIN_IDENTIFIER, "SignetPushPlugin")?;
    #[cfg(target_os = "ios")]
    let handle = api.register_ios_plugin(init_plugin_signet_push)?;
    Ok(SignetPush(handle))
}

/// The wake-up API on a phone.
pub struct SignetPush<R: Runtime>(PluginHandle<R>);

/// The argument of the native `registerListener`: an event name and the channel to call.
#[derive(Serialize)]
struct Listener {
    event: &'static str,
    handler: Channel,
}

/// The `token` event's payload.
#[derive(Deserialize)]
struct TokenEvent {
    token: String,
}

impl<R: Runtime> SignetPush<R> {
    /// Asks the platform for a push token: iOS registers with APNs (the notification
    /// permission is asked by tauri-plugin-notification), Android asks FCM. The token arrives
    /// through [`SignetPush::on_token`], now and whenever the platform replaces it.
    pub fn register(&self) -> Result<()> {
        self.0.run_mobile_plugin::<()>("register", ())?;
        Ok(())
    }

    /// Calls `handler` with every push token the platform gives (an APNs device token as
    /// hex, or an FCM registration token).
    pub fn on_token<F: Fn(String) + Send + Sync + 'static>(&self, handler: F) -> Result<()> {
        self.listen("token", move |payload| {
            if let Ok(event) = serde_json::from_str::<TokenEvent>(payload) {
                handler(event.token);
            }
        })
    }

    /// Calls `handler` with the data of every wake-up, as a JSON object
    /// (`{challengeId, userAuthenticatorId}` from Signet's server, beside the platform's own
    /// keys). Wake-ups that arrived before this was called are delivered once it is.
    pub fn on_wake_up<F: Fn(String) + Send + Sync + 'static>(&self, handler: F) -> Result<()> {
        self.listen("wakeUp", move |payload| handler(payload.to_owned()))
    }

    fn listen(
        &self,
        event: &'static str,
        handler: impl Fn(&str) + Send + Sync + 'static,
    ) -> Result<()> {
        let handler = Channel::new(move |body| {
            if let InvokeResponseBody::Json(payload) = body {
                handler(&payload);
            }
            Ok(())
        });
        self.0
            .run_mobile_plugin::<()>("registerListener", Listener { event, handler })?;
        Ok(())
    }
}
