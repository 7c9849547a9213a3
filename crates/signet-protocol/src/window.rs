//! The time-window message signed to remove a credential (docs/protocol.md section 2).

/// Length of one window in seconds.
pub const WINDOW_SECONDS: u64 = 600;

/// `floor(unix_seconds / 600)` printed as a float with `.0`, e.g. `"2993113.0"`.
pub fn time_window_message(unix_seconds: u64) -> String {
    format!("{}.0", unix_seconds / WINDOW_SECONDS)
}

/// The messages of the previous, current and next windows, which a server accepts
/// (Signet's choice). Before the first window, "previous" is the first window again.
pub fn time_window_messages_around(unix_seconds: u64) -> [String; 3] {
    let window = unix_seconds / WINDOW_SECONDS;
    [
        format!("{}.0", window.saturating_sub(1)),
        format!("{window}.0"),
        format!("{}.0", window.saturating_add(1)),
    ]
}
