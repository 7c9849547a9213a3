//! How long the app takes to show its first screen: logged once, for people reading the log
//! and for `signet-bench --app` (docs/benchmarks.md, part 6).

use std::sync::{Once, OnceLock};
use std::time::Instant;

static STARTED: OnceLock<Instant> = OnceLock::new();
static SHOWN: Once = Once::new();

/// Notes the start of the process (call first thing in `run`).
pub(crate) fn started() {
    let _ = STARTED.set(Instant::now());
}

/// Logs "first screen shown" with the time since [`started`], the first time it is called.
/// The UI asks for the app's version as its first screen is mounted, so that command calls it.
pub(crate) fn first_screen_shown() {
    SHOWN.call_once(|| {
        let elapsed_ms = STARTED.get().map(|started| started.elapsed().as_millis());
        tracing::info!(?elapsed_ms, "first screen shown");
    });
}
