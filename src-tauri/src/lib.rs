//! Signet's Tauri shell: wires plugins and thin commands around `signet-core`.
//!
//! The shell holds no logic of its own. [`run`] builds the real app; [`run_app`] takes any
//! builder, so tests can pass Tauri's mock builder.

// The mobile entry macro generates an undocumented platform entry symbol beside `run`.
#![cfg_attr(mobile, allow(missing_docs))]

mod commands;

/// Starts Signet with the platform's default runtime. Mobile entry point as well.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    run_app(tauri::Builder::default());
}

/// Configures `builder` with Signet's plugins and commands and runs the app.
pub fn run_app<R: tauri::Runtime>(builder: tauri::Builder<R>) {
    let app = configure(builder).build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(error) => {
            eprintln!("signet: cannot start the app: {error}");
            std::process::exit(1);
        }
    }
}

/// Adds plugins and the command handler; shared by [`run_app`] and the tests.
fn configure<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_biometric::init())
        .invoke_handler(tauri::generate_handler![commands::app_version])
}

#[cfg(test)]
mod tests {
    use super::configure;
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
    use tauri::webview::InvokeRequest;

    #[test]
    fn app_version_command_answers_the_package_version() {
        let app = configure(mock_builder())
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
