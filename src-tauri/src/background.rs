//! The background task: runs the core's watch loop and turns its events into UI events and
//! notifications.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use signet_core::Event;
use signet_core::history::Outcome;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::events;
use crate::state::AppState;
use crate::view::{ChallengeView, Connection};

/// Starts watching every account, for as long as the app runs.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let engine = Arc::clone(&app.state::<AppState>().engine);
    let (sender, mut receiver) = tokio::sync::mpsc::channel(64);
    tauri::async_runtime::spawn(engine.run(sender));
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        while let Some(event) = receiver.recv().await {
            on_event(&app, event);
        }
    });
}

fn connection<R: Runtime>(
    app: &AppHandle<R>,
    account_id: &signet_core::AccountId,
    state: Connection,
) {
    if app.state::<AppState>().set_connection(account_id, state) {
        events::CONNECTION_CHANGED.emit(
            app,
            events::ConnectionChanged {
                account_id: account_id.clone(),
                connection: state,
            },
        );
    }
}

pub(crate) fn on_event<R: Runtime>(app: &AppHandle<R>, event: Event) {
    let state = app.state::<AppState>();
    match event {
        Event::ChallengeReceived { challenge } => {
            connection(app, &challenge.account_id, Connection::Connected);
            let account = state.engine.account(&challenge.account_id);
            let view = ChallengeView::new(&challenge, account.as_ref());
            events::CHALLENGE_RECEIVED.emit(app, view);
            crate::Platform::pending_changed(app, state.engine.pending().len());
            if state.settings().notifications && !crate::Platform::notifications_paused(app) {
                notify(app, &state, &challenge.id);
            }
        }
        Event::ChallengeResolved { resolution } => {
            // An answer reaches the server only when it is connected.
            if resolution.outcome != Outcome::Expired {
                connection(app, &resolution.account_id, Connection::Connected);
            }
            events::CHALLENGE_RESOLVED.emit(
                app,
                events::ChallengeResolved {
                    challenge_id: resolution.challenge_id,
                    account_id: resolution.account_id,
                    outcome: resolution.outcome,
                    at: resolution.at.saturating_mul(1000),
                },
            );
            crate::Platform::pending_changed(app, state.engine.pending().len());
        }
        Event::ConnectionRestored { account_id } | Event::DeliveryChanged { account_id, .. } => {
            connection(app, &account_id, Connection::Connected);
        }
        Event::ConnectionLost { account_id, .. } | Event::AccountProblem { account_id, .. } => {
            connection(app, &account_id, Connection::Offline);
        }
        Event::NeedsEnrollment { account_id } => {
            connection(app, &account_id, Connection::NeedsEnrollment);
        }
    }
}

/// Raises a notification for a new challenge. Its text carries no login details: those are
/// shown only inside the app.
fn notify<R: Runtime>(app: &AppHandle<R>, state: &AppState, challenge_id: &str) {
    static NEXT_ID: AtomicI32 = AtomicI32::new(1);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    state.remember_notification(id, challenge_id.to_owned());
    let shown = app
        .notification()
        .builder()
        .id(id)
        .title("Sign-in request")
        .body("Open Signet to approve or deny it.")
        .auto_cancel()
        .show();
    if let Err(error) = shown {
        tracing::warn!(%error, "cannot show a notification");
    }
}

/// A tap on a notification: bring the window forward and open that challenge's sheet.
pub fn on_notification_tap<R: Runtime>(app: &AppHandle<R>, notification_id: i32) {
    if let Some(window) = app.get_webview_window("main") {
        crate::Platform::bring_to_front(&window);
    }
    if let Some(challenge_id) = app
        .state::<AppState>()
        .notification_challenge(notification_id)
    {
        events::OPEN_CHALLENGE.emit(app, events::OpenChallenge { challenge_id });
    }
}
