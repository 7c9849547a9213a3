//! Wake-ups on phones (tauri-plugin-signet-push): the platform's push token goes to every
//! account's server, and a wake-up brings its challenge on screen, or into a notification
//! with Approve and Deny when the app is not in front. The notification says no more than the
//! one raised for a long-polled challenge: no login details.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use signet_core::{Answer, Challenge, Event, PushToken, WakeUp};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::{Action, ActionType, NotificationExt};
use tauri_plugin_signet_push::SignetPushExt;

use crate::events;
use crate::state::AppState;
use crate::view::ChallengeView;

/// The notification category of a sign-in whose Approve signs at once.
const SIGN_IN: &str = "signet-sign-in";
/// The category of a sign-in that needs the app first (a biometric, or the number shown on
/// the sign-in page): Approve opens the app on the approval sheet.
const SIGN_IN_IN_APP: &str = "signet-sign-in-in-app";
const APPROVE: &str = "approve";
const DENY: &str = "deny";

/// Registers the notification actions, listens for tokens and wake-ups, and asks the platform
/// for a token. Failures are logged: the app still works by long-poll while it is open.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let notifications = app.notification();
    let actions = notifications.register_action_types(vec![
        ActionType::builder(SIGN_IN)
            .actions(vec![
                Action::builder(APPROVE, "Approve")
                    .requires_authentication(true)
                    .build(),
                Action::builder(DENY, "Deny").destructive(true).build(),
            ])
            .build(),
        ActionType::builder(SIGN_IN_IN_APP)
            .actions(vec![
                Action::builder(APPROVE, "Approve").foreground(true).build(),
                Action::builder(DENY, "Deny").destructive(true).build(),
            ])
            .build(),
    ]);
    if let Err(error) = actions {
        tracing::warn!(%error, "notifications will have no Approve and Deny");
    }
    let acted = app.clone();
    let listening = notifications.on_action(move |performed| {
        let Some(notification) = performed.notification() else {
            return;
        };
        let action = performed.action_id().to_owned();
        let id = notification.id();
        let app = acted.clone();
        tauri::async_runtime::spawn(async move { on_action(&app, &action, id).await });
    });
    if let Err(error) = listening {
        tracing::warn!(%error, "notification actions will not be heard");
    }

    let push = app.signet_push();
    let tokens = app.clone();
    let woken = app.clone();
    let registered = push
        .on_token(move |token| {
            let app = tokens.clone();
            tauri::async_runtime::spawn(async move { token_changed(&app, &token).await });
        })
        .and_then(|()| {
            push.on_wake_up(move |data| {
                let app = woken.clone();
                tauri::async_runtime::spawn(async move { wake_up(&app, &data).await });
            })
        })
        .and_then(|()| push.register());
    if let Err(error) = registered {
        tracing::warn!(%error, "no wake-ups: the app hears of sign-ins only while it is open");
    }
}

/// The platform gave a (new) token: every account's server is told, and its lease renewed.
async fn token_changed<R: Runtime>(app: &AppHandle<R>, token: &str) {
    let token = match PushToken::new(token) {
        Ok(token) => token,
        Err(error) => {
            tracing::warn!(%error, "the platform's push token was not used");
            return;
        }
    };
    let engine = Arc::clone(&app.state::<AppState>().engine);
    for renewal in engine.set_push_token(token).await {
        if let Err(error) = renewal.result
            && error.is_credential_lost()
        {
            crate::background::on_event(
                app,
                Event::NeedsEnrollment {
                    account_id: renewal.account_id,
                },
            );
        }
    }
}

/// A wake-up: the core fetches the account's challenge (signed); a new one is shown.
async fn wake_up<R: Runtime>(app: &AppHandle<R>, data: &str) {
    let wake_up = match WakeUp::from_json(data) {
        Ok(wake_up) => wake_up,
        Err(error) => {
            tracing::warn!(%error, "a wake-up was ignored");
            return;
        }
    };
    let engine = Arc::clone(&app.state::<AppState>().engine);
    match engine.wake(&wake_up).await {
        Ok(Some(challenge)) => show(app, &challenge),
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "the woken challenge could not be fetched"),
    }
}

/// On screen when the app is in front; otherwise also a notification with Approve and Deny.
fn show<R: Runtime>(app: &AppHandle<R>, challenge: &Challenge) {
    let state = app.state::<AppState>();
    let account = state.engine.account(&challenge.account_id);
    events::CHALLENGE_RECEIVED.emit(app, ChallengeView::new(challenge, account.as_ref()));
    let in_front = app
        .get_webview_window("main")
        .and_then(|window| window.is_focused().ok())
        .unwrap_or(false);
    if in_front || !state.settings().notifications {
        return;
    }
    let needs_app = challenge.verification_code_required
        || account
            .as_ref()
            .is_some_and(|account| account.require_biometric);
    static NEXT_ID: AtomicI32 = AtomicI32::new(1_000_000);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    state.remember_notification(id, challenge.id.clone());
    let shown = app
        .notification()
        .builder()
        .id(id)
        .title("Sign-in request")
        .body("Approve or deny it, or open Signet to see where it comes from.")
        .action_type_id(if needs_app { SIGN_IN_IN_APP } else { SIGN_IN })
        .auto_cancel()
        .show();
    if let Err(error) = shown {
        tracing::warn!(%error, "cannot show a notification");
    }
}

/// Approve or Deny on a notification. An Approve that needs the app (biometric, number)
/// opens the approval sheet instead of signing.
async fn on_action<R: Runtime>(app: &AppHandle<R>, action: &str, notification_id: i32) {
    let state = app.state::<AppState>();
    let Some(challenge_id) = state.notification_challenge(notification_id) else {
        return;
    };
    let engine = Arc::clone(&state.engine);
    let challenge = engine
        .pending()
        .into_iter()
        .find(|challenge| challenge.id == challenge_id);
    let answer = match (action, challenge) {
        (DENY, Some(_)) => Answer::deny(None),
        (APPROVE, Some(challenge))
            if !challenge.verification_code_required
                && !engine
                    .account(&challenge.account_id)
                    .is_some_and(|account| account.require_biometric) =>
        {
            Answer::approve()
        }
        (APPROVE, _) => {
            crate::background::on_notification_tap(app, notification_id);
            return;
        }
        _ => return,
    };
    if let Err(error) = engine.answer(&challenge_id, answer).await {
        tracing::warn!(%error, "the answer from the notification was not taken");
    }
}
