//! `signet-bench`: the benchmark harness of docs/benchmarks.md. `signet-bench --smoke` runs
//! every part for a few seconds with tiny counts (CI: it keeps building and running, no
//! timing is asserted); `signet-bench` gives the figures. `scripts/bench` runs it in full with
//! criterion and writes the table into `docs/benchmarks.md`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use signet_bench::report::{self, Row};
use signet_bench::scenarios::{self, Sizes};

/// Latency, idle cost and capacity of signet-server with signet-core devices, on loopback.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Every part for a few seconds with tiny counts (for CI); the figures mean nothing.
    #[arg(long)]
    smoke: bool,
    /// Also write the table into this Markdown file, between its result markers.
    #[arg(long, value_name = "FILE")]
    write: Option<PathBuf>,
    /// Run only these parts of docs/benchmarks.md (1 to 4, and 6 with `--app`; 1 and 2 run
    /// together), e.g. `--only 4`.
    #[arg(long, value_delimiter = ',', value_name = "PARTS")]
    only: Vec<u8>,
    /// Part 6: measure this build of the app as shipped (`target/app/signet`); needs a
    /// display and a D-Bus session (`scripts/bench` provides both).
    #[arg(long, value_name = "BINARY")]
    app: Option<PathBuf>,
    /// Part 6: measure this build of the floor (`target/app/signet-floor`, a minimal Tauri
    /// app built with the same profile) in the same run, and Signet against it.
    #[arg(long, value_name = "BINARY", requires = "app")]
    floor: Option<PathBuf>,
    /// criterion's output folder (`$CARGO_TARGET_DIR/criterion`) for the P-256 rows.
    #[arg(long, value_name = "DIR")]
    criterion_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Internal: be the server child of the capacity part.
    #[command(hide = true, name = "serve")]
    Serve,
    /// The attack check: this server binary (a release build) under `ulimit -n 1024`, with
    /// 1,100 half-open connections and then a flood of 500 nonces a second for one key, while
    /// a device keeps signing in. Exits non-zero when a sign-in or signed fetch fails.
    Attack {
        /// The `signet-server` binary, e.g. `target/release/signet-server`.
        #[arg(long, value_name = "BINARY")]
        server: PathBuf,
        /// A pause between the device's nonce and its signed fetch (a phone's round trip),
        /// for realism; it is left out of the sign-in times.
        #[arg(long, value_name = "MS", default_value_t = 0)]
        phone_round_trip_ms: u64,
    },
    /// The throughput half of part 4 alone: a server child and `--workers` loops of complete
    /// sign-ins for `--seconds`; prints flows per second and the server's CPU per flow.
    Flows {
        /// How long the sign-ins run.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Concurrent sign-in loops.
        #[arg(long, default_value_t = 64)]
        workers: usize,
    },
    /// The track flood: this server binary under a steady flood of track calls (secret-key
    /// backend calls) for a bounded time, printing the size of its database file and WAL
    /// every 30 s. Exits non-zero when a call fails other than with 429.
    Flood {
        /// The `signet-server` binary, e.g. `target/release/signet-server`.
        #[arg(long, value_name = "BINARY")]
        server: PathBuf,
        /// How long the flood lasts.
        #[arg(long, default_value_t = 600)]
        seconds: u64,
        /// Track calls a second.
        #[arg(long, default_value_t = 500)]
        per_second: u32,
        /// The server's retention in seconds (`--retention-seconds`); without it, the
        /// server's default (30 days).
        #[arg(long, value_name = "SECONDS")]
        retention_seconds: Option<u64>,
    },
    /// Wake-up delivery (docs/protocol.md 8.6) to a Web Push receiver on loopback: challenge
    /// created → wake-up received, wake-ups per second to one provider, and challenge-push
    /// with and without delivery. `--smoke` for tiny counts.
    #[command(name = "wake-ups")]
    WakeUps,
    /// Servers on one PostgreSQL database (run under scripts/with-postgres): complete
    /// sign-ins per second with one server and with two, and the cross-server wake-up
    /// latency (challenge made through B → long-poll on A answered). Exits non-zero when a
    /// sign-in fails; `--smoke` for tiny counts.
    Replicas {
        /// How long the sign-ins run, for each server count.
        #[arg(long, default_value_t = 15)]
        seconds: u64,
        /// Concurrent sign-in loops.
        #[arg(long, default_value_t = 32)]
        workers: usize,
        /// Wake-ups measured each way (through the other server, through the same).
        #[arg(long, default_value_t = 300)]
        wakes: usize,
    },
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "n/a".to_owned(),
        |text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        },
    )
}

fn shell_line(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map_or_else(|| "n/a".to_owned(), |text| text.trim().to_owned())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let memory = signet_bench::child::proc_status_kib("/proc/meminfo", "MemTotal:").map_or_else(
        || "?".to_owned(),
        |kib| format!("{} GiB", kib / 1024 / 1024),
    );
    format!(
        "{cores} cores ({cpu}), {memory} RAM, {}",
        shell_line("uname", &["-sr"])
    )
}

/// Runs one part, noting the load average before and after.
async fn part<T>(
    name: &str,
    loads: &mut Vec<String>,
    run: impl Future<Output = Result<T, signet_bench::Error>>,
) -> anyhow::Result<T> {
    let before = load_average();
    let started = Instant::now();
    eprintln!("signet-bench: {name} (load {before}) ...");
    let result = run.await.with_context(|| format!("part {name}"))?;
    let after = load_average();
    eprintln!(
        "signet-bench: {name} done in {:.1} s (load {after})",
        started.elapsed().as_secs_f64()
    );
    loads.push(format!(
        "- {name}: load average {before} → {after} ({:.0} s)",
        started.elapsed().as_secs_f64()
    ));
    Ok(result)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let sizes = if args.smoke {
        Sizes::smoke()
    } else {
        Sizes::full()
    };
    let root = scenarios::device_root().context("temporary folder for the devices")?;
    let mut loads = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let started = Instant::now();
    let when = shell_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);

    let wanted = |n: u8| args.only.is_empty() || args.only.contains(&n);
    if wanted(1) || wanted(2) {
        let latency = part(
            "parts 1-2 (delivery latency, round trip)",
            &mut loads,
            scenarios::latency(&sizes, root.path()),
        )
        .await?;
        rows.extend(report::latency_rows(&latency));
    }
    if wanted(3) {
        let idle = part(
            "part 3 (idle requests)",
            &mut loads,
            scenarios::idle(&sizes, root.path()),
        )
        .await?;
        rows.extend(report::idle_rows(&idle));
    }
    if wanted(4) {
        let capacity = part("part 4 (capacity)", &mut loads, scenarios::capacity(&sizes)).await?;
        rows.extend(report::capacity_rows(&capacity));
    }
    if let Some(binary) = args.app.as_ref().filter(|_| wanted(6)) {
        let starts = if args.smoke { 1 } else { 5 };
        let idle = std::time::Duration::from_secs(if args.smoke { 1 } else { 10 });
        if let Some(floor) = &args.floor {
            let comparison = part(
                "part 6 (the app against the floor)",
                &mut loads,
                signet_bench::app::compare(floor, binary, starts, idle),
            )
            .await?;
            rows.extend(report::comparison_rows(&comparison));
        } else {
            let app = part(
                "part 6 (the app)",
                &mut loads,
                signet_bench::app::measure(binary, starts, idle),
            )
            .await?;
            rows.extend(report::app_rows(&app));
        }
    }
    if let Some(dir) = &args.criterion_dir {
        rows.extend(report::criterion_rows(dir));
    }

    rows.sort_by_key(|row| row.part);
    let mode = if args.smoke {
        "smoke (tiny counts: the figures mean nothing)"
    } else {
        "full"
    };
    let text = format!(
        "Run {when}, mode {mode}, {:.0} s. Machine: {}.\n\n{}\nLoad averages (1, 5, 15 min) before → after each part:\n\n{}\n",
        started.elapsed().as_secs_f64(),
        machine(),
        report::markdown(&rows),
        loads.join("\n"),
    );
    println!("{text}");
    if let Some(path) = &args.write {
        let doc = std::fs::read_to_string(path).unwrap_or_default();
        std::fs::write(path, report::replace_between_markers(&doc, &text))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// `signet-bench replicas`: the PostgreSQL figures, a few lines.
async fn replicas(seconds: u64, workers: usize, wakes: usize) -> anyhow::Result<()> {
    use signet_bench::stats::{Summary, ms};
    let before = load_average();
    let figures =
        signet_bench::replicas::measure(Duration::from_secs(seconds), workers, wakes).await?;
    let after = load_average();
    let rate = |name: &str, rate: &signet_bench::replicas::Rate| {
        format!(
            "PostgreSQL, {name}: {:.0} flows/s ({} in {:.1} s, {} failed; servers' CPU {})",
            rate.per_second(),
            rate.flows,
            rate.window.as_secs_f64(),
            rate.failed,
            rate.server_cores
                .map_or_else(|| "n/a".to_owned(), |cores| format!("{cores:.2} cores")),
        )
    };
    let wake = |name: &str, summary: Option<Summary>| {
        summary.map_or_else(
            || format!("{name}: no samples"),
            |s| {
                format!(
                    "{name}: p50 {}, p99 {}, max {} ({} wake-ups)",
                    ms(s.p50),
                    ms(s.p99),
                    ms(s.max),
                    s.count
                )
            },
        )
    };
    println!("{}", rate("one server", &figures.one));
    println!("{}", rate("two servers", &figures.two));
    println!(
        "{}",
        wake(
            "challenge through B → long-poll on A answered",
            figures.cross_server_wake
        )
    );
    println!(
        "{}",
        wake(
            "challenge through A → long-poll on A answered",
            figures.same_server_wake
        )
    );
    println!("{workers} sign-in loops, {seconds} s each; load average {before} → {after}");
    let rates = [&figures.one, &figures.two];
    anyhow::ensure!(
        rates.iter().all(|rate| rate.flows > 0 && rate.failed == 0),
        "a sign-in failed, or none completed, on one server or two"
    );
    anyhow::ensure!(
        figures.cross_server_wake.is_some() && figures.same_server_wake.is_some(),
        "no wake-up was measured"
    );
    Ok(())
}

/// `signet-bench flows`: the throughput half of part 4 alone, printed on one line.
async fn flows(seconds: u64, workers: usize) -> anyhow::Result<()> {
    let sizes = Sizes {
        flow_workers: workers,
        flow_window: std::time::Duration::from_secs(seconds),
        ..Sizes::full()
    };
    let before = load_average();
    let (flows, failed, window, latency, _, cores) = scenarios::throughput(&sizes).await?;
    #[allow(clippy::cast_precision_loss)]
    let per_second = flows as f64 / window.as_secs_f64().max(f64::EPSILON);
    #[allow(clippy::cast_precision_loss)]
    let cpu_per_flow = cores.map_or_else(
        || "n/a".to_owned(),
        |cores| {
            format!(
                "{:.2} ms",
                cores * window.as_secs_f64() * 1000.0 / (flows.max(1) as f64)
            )
        },
    );
    println!(
        "{per_second:.0} flows/s ({flows} in {:.1} s, {failed} failed; each {}); server \
         {} cores, {cpu_per_flow} CPU per flow; load {before} → {}",
        window.as_secs_f64(),
        signet_bench::stats::Summary::of(&latency).map_or_else(
            || "n/a".to_owned(),
            |s| format!(
                "p50 {} · p99 {}",
                signet_bench::stats::ms(s.p50),
                signet_bench::stats::ms(s.p99)
            )
        ),
        cores.map_or_else(|| "n/a".to_owned(), |cores| format!("{cores:.2}")),
        load_average(),
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    match &args.command {
        Some(Command::Serve) => return Ok(signet_bench::child::serve().await?),
        Some(Command::Attack {
            server,
            phone_round_trip_ms,
        }) => {
            let figures = signet_bench::attack::run(
                server,
                std::time::Duration::from_millis(*phone_round_trip_ms),
            )
            .await?;
            println!("{}", figures.text());
            anyhow::ensure!(
                figures.passed(),
                "the attack check failed: a sign-in or a signed fetch did not succeed"
            );
            return Ok(());
        }
        Some(Command::Flows { seconds, workers }) => return flows(*seconds, *workers).await,
        Some(Command::Replicas {
            seconds,
            workers,
            wakes,
        }) => {
            // `--smoke`: a second of sign-ins on two loops and a few wake-ups (CI runs it in
            // its PostgreSQL step); the checks at the end are the same.
            return if args.smoke {
                replicas(1, 2, 5).await
            } else {
                replicas(*seconds, *workers, *wakes).await
            };
        }
        Some(Command::Flood {
            server,
            seconds,
            per_second,
            retention_seconds,
        }) => {
            let retention = retention_seconds.map(|s| s.to_string());
            let mut server_args = vec![];
            if let Some(retention) = &retention {
                server_args.extend(["--retention-seconds", retention.as_str()]);
            }
            println!(
                "track flood: {per_second}/s for {seconds} s, retention {}",
                retention
                    .as_deref()
                    .map_or("30 days (default)".to_owned(), |s| format!("{s} s"))
            );
            let samples = signet_bench::flood::run(
                server,
                &server_args,
                *per_second,
                std::time::Duration::from_secs(*seconds),
            )
            .await?;
            let failed = samples.last().map_or(0, |sample| sample.failed);
            anyhow::ensure!(failed == 0, "{failed} track calls failed (not 429)");
            return Ok(());
        }
        Some(Command::WakeUps) => {
            let sizes = if args.smoke {
                signet_bench::wakeups::WakeUpSizes::smoke()
            } else {
                signet_bench::wakeups::WakeUpSizes::full()
            };
            let figures = signet_bench::wakeups::run(sizes).await?;
            println!(
                "Wake-ups, run {}, machine: {}, load {}\n\n{}",
                shell_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
                machine(),
                load_average(),
                figures.text()
            );
            return Ok(());
        }
        None => {}
    }
    run(args).await
}
