//! Wake-ups for Signet on phones: registers the app for remote notifications (APNs on iOS, FCM
//! on Android) and hands the push token, and the data of every wake-up, to the Rust side.
//!
//! The plugin shows nothing and does not touch the notification centre's delegate, so it
//! coexists with tauri-plugin-notification, which keeps local notifications and their
//! actions. On desktop it registers nothing and [`SignetPush::register`] says so.
//!
//! ```ignore
//! app.plugin(tauri_plugin_signet_push::init());
//! let push = app.signet_push();
//! push.on_token(|token| { /* give it to every account's server */ })?;
//! push.on_wake_up(|data| { /* {challengeId, userAuthenticatorId} as JSON */ })?;
//! push.register()?;
//! ```

use tauri::plugin::{Builder, TauriPlugin};
use tauri::{Manager, Runtime};

#[cfg(desktop)]
mod desktop;
mod error;
#[cfg(mobile)]
mod mobile;

#[cfg(desktop)]
pub use desktop::SignetPush;
pub use error::{Error, Result};
#[cfg(mobile)]
pub use mobile::SignetPush;

/// The plugin's name, as the native sides register it.
pub const PLUGIN_NAME: &str = "signet-push";

/// Access to the plugin from an app, a window or a handle.
pub trait SignetPushExt<R: Runtime> {
    /// The plugin's API.
    fn signet_push(&self) -> &SignetPush<R>;
}

impl<R: Runtime, T: Manager<R>> SignetPushExt<R> for T {
    fn signet_push(&self) -> &SignetPush<R> {
        self.state::<SignetPush<R>>().inner()
    }
}

/// The plugin, to pass to `tauri::Builder::plugin`.
pub fn init<R: Runtime>() -> TauriPlugin<R> {
    Builder::new(PLUGIN_NAME)
        .setup(|app, api| {
            #[cfg(mobile)]
            let push = mobile::init(app, api)?;
            #[cfg(desktop)]
            let push = desktop::init(app, api);
            app.manage(push);
            Ok(())
        })
        .build()
}
