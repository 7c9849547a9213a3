//! Signet's Tauri shell: wires plugins and thin commands around `signet-core`.
//!
//! The shell holds no logic of its own. [`run`] builds the real app; [`run_app`] takes any
//! builder, so tests can pass Tauri's mock builder.

// The mobile entry macro generates an undocumented platform entry symbol beside `run`.
#![cfg_attr(mobile, allow(missing_docs))]

mod background;
mod biometric;
mod commands;
#[cfg(test)]
mod contract;
mod error;
mod events;
mod startup;
mod state;
mod view;

#[cfg(desktop)]
mod desktop;
#[cfg(mobile)]
mod mobile;
#[cfg(mobile)]
mod push;
#[cfg(desktop)]
use desktop::Platform;
#[cfg(mobile)]
use mobile::Platform;

use std::sync::Arc;

use tauri::{Manager, Runtime};
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_notification::NotificationExt;

/// Starts Signet with the platform's default runtime. Mobile entry point as well.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    startup::started();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SIGNET_LOG")
                .unwrap_or_else(|_| "signet=info,signet_core=info".into()),
        )
        .try_init();
    run_app(tauri::Builder::default());
}

/// Configures `builder` with Signet's plugins, state and commands, and runs the app.
pub fn run_app<R: Runtime>(builder: tauri::Builder<R>) {
    let builder = Platform::plugins(builder)
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_biometric::init())
        .plugin(tauri_plugin_deep_link::init())
        .setup(|app| {
            setup(app)?;
            Ok(())
        });
    match commands(builder).build(tauri::generate_context!()) {
        Ok(app) => app.run(|app, event| Platform::on_run_event(app, &event)),
        Err(error) => {
            eprintln!("signet: cannot start the app: {error}");
            std::process::exit(1);
        }
    }
}

/// Opens the core, starts watching, and connects notifications and deep links to the UI.
fn setup<R: Runtime>(app: &mut tauri::App<R>) -> Result<(), Box<dyn std::error::Error>> {
    let handle = app.handle().clone();
    let verifier = Arc::new(biometric::BiometricVerifier::new(handle.clone()));
    let state = state::AppState::open(
        &app.path().app_data_dir()?,
        verifier,
        Platform::device_name(),
    )
    .map_err(|error| format!("cannot open Signet's data: {error}"))?;
    app.manage(state);
    app.manage(events::EventChannel::default());
    Platform::setup(app);
    background::start(&handle);

    let tapped = handle.clone();
    let taps = app.notification().on_action(move |action| {
        // Only a tap on the notification itself: its Approve and Deny are heard in `push.rs`.
        if let Some(notification) = action
            .notification()
            .filter(|_| action.action_id() == "tap")
        {
            background::on_notification_tap(&tapped, notification.id());
        }
    });
    if let Err(error) = taps {
        tracing::warn!(%error, "notification taps will not open the app");
    }
    let linked = handle.clone();
    let forward_links = move |urls: Vec<tauri::Url>| {
        for url in urls.into_iter().filter(|url| url.scheme() == "signet") {
            events::ENROLL_LINK.emit(
                &linked,
                events::EnrollLink {
                    link: url.as_str().to_owned(),
                },
            );
        }
    };
    app.deep_link()
        .on_open_url(move |event| forward_links(event.urls()));
    Ok(())
}

/// Every command the UI may call, once: `$then!` receives their names (the handler below, and
/// the contract test that checks its list of signatures names the same commands).
macro_rules! with_commands {
    ($then:ident) => {
        $then! {
            app_version,
            watch_events,
            list_accounts,
            preview_enrollment,
            enroll,
            replace_account,
            remove_account,
            set_require_biometric,
            biometric_status,
            platform_features,
            pending_challenges,
            approve,
            deny,
            history,
            settings,
            update_settings,
            launch_link,
            start_at_login,
            set_start_at_login,
        }
    };
}
#[cfg(test)]
pub(crate) use with_commands;

/// Registers the command handler; shared by [`run_app`] and the tests.
fn commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    macro_rules! handler {
        ($($command:ident,)*) => {
            builder.invoke_handler(tauri::generate_handler![$(commands::$command),*])
        };
    }
    with_commands!(handler)
}

#[cfg(test)]
mod tests {
    use super::commands;
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
    use tauri::webview::InvokeRequest;

    #[test]
    fn app_version_command_answers_the_package_version() {
        let app = commands(mock_builder())
            .build(mock_context(noop_assets()))
            .expect("mock app builds");
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", tauri::WebviewUrl::default())
            .build()
            .expect("mock window builds");
        let response = get_ipc_response(
            &webview,
            InvokeRequest {
                cmd: "app_version".into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().expect("static url"),
                body: InvokeBody::default(),
                headers: tauri::http::HeaderMap::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .expect("command succeeds");
        let version: String = response.deserialize().expect("a string");
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
    }
}
