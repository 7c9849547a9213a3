//! Tauri commands: each one is a single call into the core, its result in the UI's shape.
//! Their names, arguments and results are the UI contract: `contract.rs` lists them and
//! generates `ui/src/lib/bindings.ts`, which `ui/src/lib/api.ts` calls through.

// Tauri hands commands their arguments and state by value.
#![allow(clippy::needless_pass_by_value)]

use signet_core::history::Outcome;
use signet_core::settings::Settings;
use signet_core::{AccountId, Answer, DeclineReason, EnrollOptions, EnrollmentLink};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_deep_link::DeepLinkExt;

use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::events;
use crate::state::AppState;
use crate::view::{
    AccountView, BiometricStatus, ChallengeView, Connection, EnrollmentPreview, HistoryView,
    PlatformFeatures,
};

/// The app's version, as built (the workspace version in `Cargo.toml`). The first screen asks
/// for it as it is mounted: its first call logs the start-up time.
#[tauri::command]
pub fn app_version() -> String {
    crate::startup::first_screen_shown();
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Sends the shell's events (`events.rs`) to the page through `channel` from now on.
#[tauri::command]
pub fn watch_events<R: Runtime>(
    webview: tauri::Webview<R>,
    watcher: State<'_, events::EventChannel>,
    channel: events::EventStream,
) {
    watcher.watch(channel.on(webview));
}

/// The enrolled accounts, newest first.
#[tauri::command]
pub fn list_accounts(state: State<'_, AppState>) -> Vec<AccountView> {
    state.account_views()
}

/// What a link would enroll, and what is wrong with it that can be told without using its
/// token (plain http, expired, the same user already here); nothing is sent.
#[tauri::command]
pub fn preview_enrollment(
    state: State<'_, AppState>,
    link: String,
) -> CommandResult<EnrollmentPreview> {
    let link = parse_link(&link)?;
    let existing = state.engine.check_link(&link)?;
    Ok(EnrollmentPreview::new(&link, existing.as_ref()))
}

/// Enrolls this device from a link: a new key, its public half sent to the server.
#[tauri::command]
pub async fn enroll<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    link: String,
    require_biometric: bool,
) -> CommandResult<AccountView> {
    let link = parse_link(&link)?;
    let account = state
        .engine
        .enroll(&link, EnrollOptions { require_biometric })
        .await?;
    events::ACCOUNTS_CHANGED.emit(&app, ());
    Ok(AccountView::new(&account, Connection::Connecting, None))
}

/// Enrolls this device from a link in place of an account of the same user (the preview's
/// `existingAccountId`): the new key first, then the old account removed.
#[tauri::command]
pub async fn replace_account<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    account_id: String,
    link: String,
    require_biometric: bool,
) -> CommandResult<AccountView> {
    let link = parse_link(&link)?;
    let account = state
        .engine
        .replace(
            &AccountId::new(&account_id),
            &link,
            EnrollOptions { require_biometric },
        )
        .await?;
    events::ACCOUNTS_CHANGED.emit(&app, ());
    Ok(AccountView::new(&account, Connection::Connecting, None))
}

/// Removes an account: from the server if it answers, and its key from this device always.
#[tauri::command]
pub async fn remove_account<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    account_id: String,
) -> CommandResult<()> {
    state.engine.remove(&AccountId::new(&account_id)).await?;
    events::ACCOUNTS_CHANGED.emit(&app, ());
    Ok(())
}

/// Turns the biometric check before approvals on or off for an account.
#[tauri::command]
pub fn set_require_biometric(
    state: State<'_, AppState>,
    account_id: String,
    required: bool,
) -> CommandResult<AccountView> {
    let id = AccountId::new(&account_id);
    state.engine.set_require_biometric(&id, required)?;
    state
        .account_views()
        .into_iter()
        .find(|view| view.id == id)
        .ok_or_else(|| CommandError::new(ErrorCode::AccountNotFound, "no such account"))
}

/// What this platform can do beyond the common set (the QR scanner on mobile).
#[tauri::command]
pub fn platform_features() -> PlatformFeatures {
    PlatformFeatures {
        qr_scan: crate::Platform::HAS_QR_SCANNER,
        tray: crate::Platform::HAS_TRAY,
    }
}

/// Whether accounts may require a biometric here, and why not.
#[tauri::command]
pub fn biometric_status<R: Runtime>(app: AppHandle<R>) -> BiometricStatus {
    let (available, reason) = crate::biometric::BiometricVerifier::new(app).status();
    BiometricStatus { available, reason }
}

/// The pending challenges, oldest first.
#[tauri::command]
pub fn pending_challenges(state: State<'_, AppState>) -> Vec<ChallengeView> {
    state
        .engine
        .pending()
        .iter()
        .map(|challenge| {
            ChallengeView::new(
                challenge,
                state.engine.account(&challenge.account_id).as_ref(),
            )
        })
        .collect()
}

/// Approves a challenge (after the biometric, when the account asks for it). A number that
/// does not match fails the sign-in on the server at once (one attempt): `wrongNumber`.
#[tauri::command]
pub async fn approve(
    state: State<'_, AppState>,
    challenge_id: String,
    verification_code: Option<String>,
) -> CommandResult<Outcome> {
    let answer = match verification_code {
        Some(code) => Answer::approve_with_code(code),
        None => Answer::approve(),
    };
    let verified = state.engine.answer(&challenge_id, answer).await?;
    Ok(if verified {
        Outcome::Approved
    } else {
        Outcome::WrongNumber
    })
}

/// Denies a challenge, optionally saying "it wasn't me".
#[tauri::command]
pub async fn deny(
    state: State<'_, AppState>,
    challenge_id: String,
    not_me: bool,
) -> CommandResult<Outcome> {
    let reason = not_me.then_some(DeclineReason::NotMe);
    state
        .engine
        .answer(&challenge_id, Answer::deny(reason))
        .await?;
    let outcome = if not_me {
        Outcome::NotMe
    } else {
        Outcome::Denied
    };
    Ok(outcome)
}

/// Past challenges, newest first.
#[tauri::command]
pub fn history(state: State<'_, AppState>) -> Vec<HistoryView> {
    state
        .engine
        .history()
        .iter()
        .map(|entry| HistoryView::new(entry, state.engine.account(&entry.account_id).as_ref()))
        .collect()
}

/// The settings in force.
#[tauri::command]
pub fn settings(state: State<'_, AppState>) -> Settings {
    state.settings()
}

/// Checks, saves and applies new settings.
#[tauri::command]
pub fn update_settings(state: State<'_, AppState>, settings: Settings) -> CommandResult<Settings> {
    Ok(state.update_settings(settings)?)
}

/// The `signet://` link the app was started with, if any: the UI opens Add account with it once
/// its first screen is up (links that arrive later come as the `enroll-link` event).
#[tauri::command]
pub fn launch_link<R: Runtime>(app: AppHandle<R>) -> Option<String> {
    app.deep_link()
        .get_current()
        .ok()
        .flatten()?
        .into_iter()
        .find(|url| url.scheme() == "signet")
        .map(String::from)
}

/// Whether the app starts (in the tray) when the user logs in; desktop only.
#[tauri::command]
pub fn start_at_login<R: Runtime>(app: AppHandle<R>) -> CommandResult<bool> {
    crate::Platform::starts_at_login(&app)
}

/// Makes the app start (in the tray) when the user logs in, or stop doing so; answers whether
/// it now does.
#[tauri::command]
pub fn set_start_at_login<R: Runtime>(app: AppHandle<R>, enabled: bool) -> CommandResult<bool> {
    crate::Platform::set_start_at_login(&app, enabled)
}

/// An enrollment link as the user pasted it (surrounding whitespace ignored).
fn parse_link(link: &str) -> CommandResult<EnrollmentLink> {
    Ok(EnrollmentLink::parse(link.trim()).map_err(signet_core::Error::from)?)
}
