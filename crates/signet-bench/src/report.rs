//! The results table (Markdown), and writing it into `docs/benchmarks.md`.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::app::{AppFigures, Comparison};
use crate::scenarios::{Capacity, IdleCost, Latency};
use crate::stats::{Summary, ms};

/// The marker lines between which the table goes in the docs file.
pub const BEGIN: &str = "<!-- bench-results:begin -->";
/// See [`BEGIN`].
pub const END: &str = "<!-- bench-results:end -->";

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// The part (1 to 6).
    pub part: u8,
    /// What was measured.
    pub what: String,
    /// The figure.
    pub result: String,
    /// The target, if the issue sets one.
    pub target: String,
    /// Whether the target was met (`None`: no target).
    pub met: Option<bool>,
}

fn row(part: u8, what: impl Into<String>, result: impl Into<String>) -> Row {
    Row {
        part,
        what: what.into(),
        result: result.into(),
        target: "—".to_owned(),
        met: None,
    }
}

fn with_target(mut row: Row, target: &str, met: bool) -> Row {
    target.clone_into(&mut row.target);
    row.met = Some(met);
    row
}

fn percentiles(summary: Option<&Summary>) -> String {
    summary.map_or_else(
        || "no samples".to_owned(),
        |s| {
            format!(
                "p50 {} · p99 {} · max {} (n={})",
                ms(s.p50),
                ms(s.p99),
                ms(s.max),
                s.count
            )
        },
    )
}

fn under(summary: Option<&Summary>, limit: Duration) -> bool {
    summary.is_some_and(|s| s.p99 < limit)
}

fn mib(kib: Option<u64>) -> String {
    #[allow(clippy::cast_precision_loss)]
    kib.map_or_else(
        || "n/a".to_owned(),
        |kib| format!("{:.1} MiB", kib as f64 / 1024.0),
    )
}

/// Rows of parts 1 and 2.
pub fn latency_rows(latency: &Latency) -> Vec<Row> {
    let mut rows = vec![
        with_target(
            row(
                1,
                "challenge created → seen by device, long-poll",
                percentiles(latency.long_poll.as_ref()),
            ),
            "p99 < 50 ms",
            under(latency.long_poll.as_ref(), Duration::from_millis(50)),
        ),
        row(
            1,
            "challenge created → seen by device, interval polling 3 s (seed)",
            percentiles(latency.polling.as_ref()),
        ),
    ];
    if let (Some(long_poll), Some(polling)) = (&latency.long_poll, &latency.polling) {
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
        rows.push(row(
            1,
            "ratio polling / long-poll",
            format!(
                "p50 ×{:.0} · p99 ×{:.0}",
                ratio(polling.p50, long_poll.p50),
                ratio(polling.p99, long_poll.p99)
            ),
        ));
    }
    rows.push(with_target(
        row(
            2,
            "sign-in round trip (track → challenge → device approves → verify/push wait → validate)",
            percentiles(latency.round_trip.as_ref()),
        ),
        "p99 < 150 ms",
        under(latency.round_trip.as_ref(), Duration::from_millis(150)),
    ));
    rows
}

/// Rows of part 3.
pub fn idle_rows(costs: &[IdleCost]) -> Vec<Row> {
    costs
        .iter()
        .map(|cost| {
            let line = row(
                3,
                format!("requests per idle device per hour, {}", cost.label),
                format!(
                    "{:.0} ({} requests, {} devices)",
                    cost.per_hour, cost.requests, cost.devices
                ),
            );
            if cost.label.starts_with("long-poll") {
                with_target(line, "≤ 60", cost.per_hour <= 60.0)
            } else {
                line
            }
        })
        .collect()
}

/// Rows of part 4.
pub fn capacity_rows(capacity: &Capacity) -> Vec<Row> {
    vec![
        with_target(
            row(
                4,
                "concurrent waiting long-polls (server's own count)",
                format!(
                    "{} of {} parked in {:.1} s",
                    capacity.long_polls_parked,
                    capacity.long_polls_asked,
                    capacity.park_time.as_secs_f64()
                ),
            ),
            "10,000",
            capacity.long_polls_parked >= 10_000,
        ),
        with_target(
            row(
                4,
                "server peak RSS (VmHWM, server in its own process) with them parked",
                format!(
                    "peak {} (RSS {} before parking, {} while parked)",
                    mib(capacity.peak_rss_kib),
                    mib(capacity.rss_before_kib),
                    mib(capacity.parked_rss_kib)
                ),
            ),
            "< 300 MB",
            capacity
                .peak_rss_kib
                .is_some_and(|kib| kib * 1024 < 300_000_000),
        ),
        row(
            4,
            "challenge created → seen, while those long-polls are parked",
            percentiles(capacity.delivery_under_load.as_ref()),
        ),
        with_target(
            row(
                4,
                "complete sign-in flows per second (SQLite)",
                format!(
                    "{:.0}/s ({} flows in {:.1} s, {} failed; each {}; server used {} cores, peak {})",
                    capacity.flows_per_second(),
                    capacity.flows,
                    capacity.flow_window.as_secs_f64(),
                    capacity.flow_errors,
                    percentiles(capacity.flow_latency.as_ref()),
                    capacity
                        .flow_server_cores
                        .map_or_else(|| "n/a".to_owned(), |cores| format!("{cores:.2}")),
                    mib(capacity.flow_peak_rss_kib)
                ),
            ),
            "≥ 1,000/s",
            capacity.flows_per_second() >= 1000.0,
        ),
    ]
}

/// `…/target/app/signet` → `app/signet`: which build, without the machine's paths.
fn last_two(path: &Path) -> String {
    let mut parts: Vec<_> = path
        .iter()
        .rev()
        .take(2)
        .map(|p| p.to_string_lossy())
        .collect();
    parts.reverse();
    parts.join("/")
}

/// Rows of part 6.
pub fn app_rows(app: &AppFigures) -> Vec<Row> {
    #[allow(clippy::cast_precision_loss)]
    let size_mib = app.binary_bytes as f64 / 1024.0 / 1024.0;
    vec![
        row(
            6,
            "app: binary size (UI embedded)",
            format!("{size_mib:.1} MiB (`{}`)", last_two(&app.binary)),
        ),
        row(
            6,
            "app: start → first screen under Xvfb (fresh data folder each start)",
            percentiles(app.first_screen.as_ref()),
        ),
        row(
            6,
            "app: memory when idle (PSS of the app and its WebKit processes)",
            format!(
                "{} over {} processes, after {} s idle with no account ({})",
                mib(app.idle_pss_kib),
                app.idle_processes,
                app.idled.as_secs(),
                by_process(app)
            ),
        ),
    ]
}

/// An idle app's memory process by process: "signet 60.1 (anon 20.3)".
fn by_process(app: &AppFigures) -> String {
    #[allow(clippy::cast_precision_loss)]
    let of = |kib: u64| kib as f64 / 1024.0;
    app.idle_by_process
        .iter()
        .map(|process| {
            format!(
                "{} {:.1} (anon {:.1})",
                process.name,
                of(process.pss_kib),
                of(process.anon_kib)
            )
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The targets of part 6, against the floor.
const SIZE_ABOVE_FLOOR_MIB: f64 = 6.0;
const PSS_RATIO: f64 = 1.15;
const START_RATIO: f64 = 1.2;

#[allow(clippy::cast_precision_loss)]
fn mib_of(bytes: u64) -> f64 {
    bytes as f64 / 1024.0 / 1024.0
}

/// Rows of part 6 with the floor: each figure of Signet beside the floor's, against its target.
pub fn comparison_rows(comparison: &Comparison) -> Vec<Row> {
    let (floor, app) = (&comparison.floor, &comparison.app);
    let mut rows = Vec::new();
    let (app_mib, floor_mib) = (mib_of(app.binary_bytes), mib_of(floor.binary_bytes));
    rows.push(with_target(
        row(
            6,
            "app: release binary size (UI embedded), against the floor",
            format!(
                "Signet {app_mib:.1} MiB · floor {floor_mib:.1} MiB (+{:.1} MiB)",
                app_mib - floor_mib
            ),
        ),
        "≤ floor + 6 MiB",
        app_mib <= floor_mib + SIZE_ABOVE_FLOOR_MIB,
    ));
    let start = row(
        6,
        "app: start → first screen under Xvfb (fresh data folder, starts alternating)",
        format!(
            "Signet {} · floor {}",
            percentiles(app.first_screen.as_ref()),
            percentiles(floor.first_screen.as_ref())
        ),
    );
    rows.push(match (&app.first_screen, &floor.first_screen) {
        (Some(a), Some(f)) if !f.p50.is_zero() => {
            let ratio = a.p50.as_secs_f64() / f.p50.as_secs_f64();
            let mut start = with_target(start, "p50 ≤ 1.2× floor", ratio <= START_RATIO);
            let _ = write!(start.result, " (p50 {ratio:.2}×)");
            start
        }
        _ => start,
    });
    let memory = row(
        6,
        "app: memory when idle (PSS summed over its processes, each app alone)",
        format!(
            "Signet {} over {} · floor {} over {} processes, after {} s idle with no account",
            mib(app.idle_pss_kib),
            app.idle_processes,
            mib(floor.idle_pss_kib),
            floor.idle_processes,
            app.idled.as_secs()
        ),
    );
    rows.push(match (app.idle_pss_kib, floor.idle_pss_kib) {
        #[allow(clippy::cast_precision_loss)]
        (Some(a), Some(f)) if f > 0 => {
            let ratio = a as f64 / f as f64;
            let mut memory = with_target(memory, "≤ 1.15× floor", ratio <= PSS_RATIO);
            let _ = write!(memory.result, " ({ratio:.2}×)");
            memory
        }
        _ => memory,
    });
    rows.push(row(
        6,
        "app: idle PSS by process, MiB (of which anonymous: heaps, JavaScript)",
        format!("Signet {} · floor {}", by_process(app), by_process(floor)),
    ));
    rows
}

/// Rows of part 5 from criterion's estimates under `criterion_dir` (`<target>/criterion`),
/// if `cargo bench -p signet-bench` ran.
pub fn criterion_rows(criterion_dir: &Path) -> Vec<Row> {
    [
        ("sign", "P-256 sign (device: SHA-256 + ECDSA, DER)"),
        (
            "verify",
            "P-256 verify (p256 crate, signet-protocol: DER signature over a message)",
        ),
        (
            "verify_server",
            "P-256 verify (server: ring, `signet_server::verifier`)",
        ),
    ]
    .iter()
    .map(|(id, what)| {
        let path = criterion_dir
            .join("p256")
            .join(id)
            .join("new")
            .join("estimates.json");
        let result = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|json| json["mean"]["point_estimate"].as_f64())
            .map_or_else(
                || "not run (cargo bench -p signet-bench)".to_owned(),
                |ns| format!("{:.1} µs (criterion mean)", ns / 1000.0),
            );
        row(5, *what, result)
    })
    .collect()
}

/// The table in Markdown.
pub fn markdown(rows: &[Row]) -> String {
    let mut out =
        String::from("| part | measurement | result | target | met |\n|---|---|---|---|---|\n");
    for r in rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "—",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.part, r.what, r.result, r.target, met
        );
    }
    out
}

/// Replaces what is between [`BEGIN`] and [`END`] in `doc` with `text` (appends both
/// markers and the text when they are missing).
pub fn replace_between_markers(doc: &str, text: &str) -> String {
    if let (Some(begin), Some(end)) = (doc.find(BEGIN), doc.find(END))
        && begin < end
    {
        let head = &doc[..begin + BEGIN.len()];
        let tail = &doc[end..];
        return format!("{head}\n{text}{tail}");
    }
    format!("{doc}\n{BEGIN}\n{text}{END}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_replace_only_what_is_between_the_markers() {
        let doc = format!("intro\n{BEGIN}\nold table\n{END}\noutro\n");
        let new = replace_between_markers(&doc, "new table\n");
        assert_eq!(new, format!("intro\n{BEGIN}\nnew table\n{END}\noutro\n"));
    }

    #[test]
    fn a_doc_without_markers_gets_them_at_the_end() {
        let new = replace_between_markers("intro\n", "table\n");
        assert_eq!(new, format!("intro\n\n{BEGIN}\ntable\n{END}\n"));
    }

    #[test]
    fn a_missed_target_is_marked_in_bold() {
        let rows = vec![with_target(row(1, "x", "y"), "z", false)];
        assert!(markdown(&rows).contains("| **no** |"));
    }
}
