//! The tray icon: how many requests wait, and a menu to open Signet, pause its notifications
//! for an hour, or quit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};

use crate::events;
use crate::state::AppState;

/// How long "Pause notifications" lasts.
pub const PAUSE: Duration = Duration::from_secs(60 * 60);

/// The menu items' ids.
const OPEN: &str = "open";
const PAUSE_OR_RESUME: &str = "pause";
const QUIT: &str = "quit";

/// The menu item's words while notifications are on.
const PAUSE_WORDS: &str = "Pause notifications for 1 hour";
/// The menu item's words while they are paused.
const RESUME_WORDS: &str = "Resume notifications";

/// The tray icon and what it shows.
struct Tray<R: Runtime> {
    icon: TrayIcon<R>,
    pause_item: MenuItem<R>,
    pause: Mutex<Pause>,
    pending: AtomicUsize,
}

/// Until when notifications are paused.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    until: Option<Instant>,
}

impl Pause {
    /// Paused from `now` for [`PAUSE`].
    pub fn starting(now: Instant) -> Self {
        Self {
            until: now.checked_add(PAUSE),
        }
    }

    /// Whether notifications are paused at `now`.
    pub fn is_paused(self, now: Instant) -> bool {
        self.until.is_some_and(|until| now < until)
    }
}

/// The icon's tooltip for `pending` waiting requests.
pub fn tooltip(pending: usize, paused: bool) -> String {
    let waiting = match pending {
        0 => "no requests waiting".to_owned(),
        1 => "1 request waiting".to_owned(),
        n => format!("{n} requests waiting"),
    };
    if paused {
        format!("Signet: {waiting} (notifications paused)")
    } else {
        format!("Signet: {waiting}")
    }
}

/// Puts the icon in the tray, with its menu.
pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, OPEN, "Open Signet", true, None::<&str>)?;
    let pause_item = MenuItem::with_id(app, PAUSE_OR_RESUME, PAUSE_WORDS, true, None::<&str>)?;
    let quit = MenuItem::with_id(app, QUIT, "Quit Signet", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &pause_item, &separator, &quit])?;
    let mut builder = TrayIconBuilder::with_id("signet")
        .menu(&menu)
        .tooltip(tooltip(0, false))
        .on_menu_event(|app, event| on_menu_item(app, event.id().as_ref()));
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let icon = builder.build(app)?;
    app.manage(Tray {
        icon,
        pause_item,
        pause: Mutex::new(Pause::default()),
        pending: AtomicUsize::new(0),
    });
    Ok(())
}

/// A click on the menu item `id`.
fn on_menu_item<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        OPEN => open(app),
        PAUSE_OR_RESUME => {
            let paused = notifications_paused(app);
            set_paused(app, !paused);
        }
        QUIT => app.exit(0),
        _ => {}
    }
}

/// Brings the window back, with the oldest waiting request's sheet open.
fn open<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(super::window::MAIN) {
        super::window::bring_to_front(&window);
    }
    let oldest = app
        .try_state::<AppState>()
        .and_then(|state| state.engine.pending().first().map(|c| c.id.clone()));
    if let Some(challenge_id) = oldest {
        events::OPEN_CHALLENGE.emit(app, events::OpenChallenge { challenge_id });
    }
}

/// Pauses notifications for [`PAUSE`] (then they resume by themselves), or resumes them.
fn set_paused<R: Runtime>(app: &AppHandle<R>, paused: bool) {
    let Some(tray) = app.try_state::<Tray<R>>() else {
        return;
    };
    let pause = if paused {
        Pause::starting(Instant::now())
    } else {
        Pause::default()
    };
    *tray.pause.lock().unwrap_or_else(PoisonError::into_inner) = pause;
    show(&tray, paused);
    if paused {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(PAUSE).await;
            // Only the pause this timer belongs to ends here (not a later one).
            if let Some(tray) = app.try_state::<Tray<R>>()
                && *tray.pause.lock().unwrap_or_else(PoisonError::into_inner) == pause
            {
                set_paused(&app, false);
            }
        });
    }
}

/// Whether notifications are paused now.
pub fn notifications_paused<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.try_state::<Tray<R>>().is_some_and(|tray| {
        tray.pause
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_paused(Instant::now())
    })
}

/// Shows `pending` waiting requests on the icon.
pub fn show_pending<R: Runtime>(app: &AppHandle<R>, pending: usize) {
    if let Some(tray) = app.try_state::<Tray<R>>() {
        tray.pending.store(pending, Ordering::Relaxed);
        show(&tray, notifications_paused(app));
    }
}

/// Updates the tooltip, the title beside the icon (the count, where the platform shows one)
/// and the pause item's words.
fn show<R: Runtime>(tray: &Tray<R>, paused: bool) {
    let pending = tray.pending.load(Ordering::Relaxed);
    let title = (pending > 0).then(|| pending.to_string());
    let updated = tray
        .icon
        .set_tooltip(Some(tooltip(pending, paused)))
        .and_then(|()| tray.icon.set_title(title))
        .and_then(|()| {
            tray.pause_item
                .set_text(if paused { RESUME_WORDS } else { PAUSE_WORDS })
        });
    if let Err(error) = updated {
        tracing::warn!(%error, "cannot update the tray icon");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_lasts_one_hour_and_then_ends_by_itself() {
        let now = Instant::now();
        let pause = Pause::starting(now);
        assert!(pause.is_paused(now));
        assert!(pause.is_paused(now + Duration::from_secs(59 * 60 + 59)));
        assert!(!pause.is_paused(now + PAUSE));
    }

    #[test]
    fn no_pause_means_notifications_are_on() {
        assert!(!Pause::default().is_paused(Instant::now()));
    }

    #[test]
    fn the_tooltip_counts_the_waiting_requests_and_says_when_notifications_are_paused() {
        assert_eq!(tooltip(0, false), "Signet: no requests waiting");
        assert_eq!(tooltip(1, false), "Signet: 1 request waiting");
        assert_eq!(
            tooltip(3, true),
            "Signet: 3 requests waiting (notifications paused)"
        );
    }
}
