//! Part 6: the app itself, against a floor. The floor (`crates/signet-bench/floor`) is the
//! smallest Tauri app of the same Tauri version, built with the same release profile: one
//! window, an empty page. Both are measured in the same run, the same way:
//!
//! - the release binary's size;
//! - the time from starting the process to its first screen (each logs "first screen shown"
//!   when its first screen's script calls into it), starts of the two alternating;
//! - the memory once idle: the proportional set size (PSS) summed over the app and every
//!   process it started (WebKit's web and network processes). Each app is measured **alone**:
//!   PSS splits a shared page between every process that maps it, so with another WebKit app
//!   running (the other one of the pair, or a start not yet gone) each app would be charged
//!   only part of WebKit's and GTK's library pages, and look smaller than it is. Before each
//!   start, every process of the previous one has exited.
//!
//! Needs a display and a D-Bus session: `scripts/bench` runs it under `xvfb-run` and
//! `dbus-run-session` with a throwaway Secret Service.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

use crate::Error;
use crate::child::proc_status_kib;
use crate::stats::Summary;

/// The line each app logs once its first screen is up.
pub const FIRST_SCREEN_LOG: &str = "first screen shown";

/// The longest a start may take before it counts as failed.
const START_LIMIT: Duration = Duration::from_secs(60);

/// The longest the processes of a stopped app may take to exit.
const EXIT_LIMIT: Duration = Duration::from_secs(10);

/// What part 6 measured of one app.
#[derive(Debug, Clone)]
pub struct AppFigures {
    /// The binary measured.
    pub binary: PathBuf,
    /// Its size in bytes.
    pub binary_bytes: u64,
    /// Start → first screen, one sample per start (each on a fresh data folder).
    pub first_screen: Option<Summary>,
    /// PSS of the app and its processes after idling (KiB).
    pub idle_pss_kib: Option<u64>,
    /// How many processes that is.
    pub idle_processes: usize,
    /// The same memory process by process (the app first, then WebKit's).
    pub idle_by_process: Vec<ProcessMemory>,
    /// How long it idled before the memory was read.
    pub idled: Duration,
}

/// One process's share of an idle app's memory, from `/proc/<pid>/smaps_rollup`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessMemory {
    /// Its command name (`/proc/<pid>/comm`), e.g. `WebKitWebProces`.
    pub name: String,
    /// Its PSS (KiB).
    pub pss_kib: u64,
    /// The part of it in anonymous memory: heaps, stacks, the JavaScript heap (KiB).
    pub anon_kib: u64,
    /// The part of it in mapped files: libraries and the binary (KiB).
    pub file_kib: u64,
}

impl ProcessMemory {
    /// Reads process `pid`'s memory; `None` once it has gone.
    fn of(pid: u32) -> Option<Self> {
        let rollup = format!("/proc/{pid}/smaps_rollup");
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        Some(Self {
            name: name.trim().to_owned(),
            pss_kib: proc_status_kib(&rollup, "Pss:")?,
            anon_kib: proc_status_kib(&rollup, "Pss_Anon:").unwrap_or(0),
            file_kib: proc_status_kib(&rollup, "Pss_File:").unwrap_or(0),
        })
    }
}

/// Signet and the floor, measured in the same run.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The floor: a minimal Tauri app.
    pub floor: AppFigures,
    /// Signet.
    pub app: AppFigures,
}

/// One started app: its process, the time to its first screen, its data folder.
struct Started {
    child: Child,
    elapsed: Duration,
    drain: tokio::task::JoinHandle<()>,
    _home: tempfile::TempDir,
}

/// Starts `binary` on a fresh data folder and waits for its first screen.
async fn start(binary: &Path) -> Result<Started, Error> {
    let home = tempfile::tempdir()?;
    let mut child = Command::new(binary)
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("SIGNET_LOG", "signet=info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let started = Instant::now();
    let stdout = child.stdout.take().ok_or(Error::Unexpected {
        what: "the app's output is not readable",
    })?;
    let mut lines = BufReader::new(stdout).lines();
    let shown = tokio::time::timeout(START_LIMIT, async {
        while let Some(line) = lines.next_line().await? {
            if line.contains(FIRST_SCREEN_LOG) {
                return Ok(true);
            }
        }
        Ok::<_, std::io::Error>(false)
    })
    .await
    .map_err(|_| Error::TimedOut {
        what: "the app's first screen",
    })??;
    if !shown {
        return Err(Error::Unexpected {
            what: "the app exited before its first screen",
        });
    }
    let elapsed = started.elapsed();
    // Keep reading its log so it never blocks on a full pipe while idling.
    let drain = tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Started {
        child,
        elapsed,
        drain,
        _home: home,
    })
}

impl Started {
    /// The memory of each process of the app's process tree, the app first.
    fn memory(&self) -> Vec<ProcessMemory> {
        self.child
            .id()
            .map(process_tree)
            .unwrap_or_default()
            .into_iter()
            .filter_map(ProcessMemory::of)
            .collect()
    }

    /// Kills the app and every process it started, and waits until all have exited.
    async fn stop(mut self) -> Result<(), Error> {
        let tree = self.child.id().map(process_tree).unwrap_or_default();
        self.child.kill().await?;
        for pid in tree.iter().skip(1) {
            // Its children: WebKit's processes (a failure means it has already gone).
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        self.drain.abort();
        let deadline = Instant::now() + EXIT_LIMIT;
        while tree
            .iter()
            .any(|pid| Path::new(&format!("/proc/{pid}")).exists() && !is_zombie(*pid))
        {
            if Instant::now() > deadline {
                return Err(Error::TimedOut {
                    what: "the app's processes to exit",
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }
}

/// Measures `binary` alone: `starts` starts, then one more idling for `idle` before its
/// memory is read.
pub async fn measure(binary: &Path, starts: usize, idle: Duration) -> Result<AppFigures, Error> {
    let mut samples = Vec::with_capacity(starts);
    for _ in 0..starts {
        let started = start(binary).await?;
        samples.push(started.elapsed);
        started.stop().await?;
    }
    idle_figures(binary, samples, idle).await
}

/// Starts `binary` once more, lets it idle, reads its memory, and returns its figures with
/// the start samples taken before.
async fn idle_figures(
    binary: &Path,
    samples: Vec<Duration>,
    idle: Duration,
) -> Result<AppFigures, Error> {
    let started = start(binary).await?;
    tokio::time::sleep(idle).await;
    let by_process = started.memory();
    started.stop().await?;
    Ok(AppFigures {
        binary: binary.to_path_buf(),
        binary_bytes: std::fs::metadata(binary)?.len(),
        first_screen: Summary::of(&samples),
        idle_pss_kib: (!by_process.is_empty())
            .then(|| by_process.iter().map(|process| process.pss_kib).sum()),
        idle_processes: by_process.len(),
        idle_by_process: by_process,
        idled: idle,
    })
}

/// Measures `floor` and `app` in one run: `starts` starts of each, alternating, then each
/// alone idling for `idle` before its memory is read (the floor first).
pub async fn compare(
    floor: &Path,
    app: &Path,
    starts: usize,
    idle: Duration,
) -> Result<Comparison, Error> {
    let mut floor_samples = Vec::with_capacity(starts);
    let mut app_samples = Vec::with_capacity(starts);
    for _ in 0..starts {
        for (binary, samples) in [(floor, &mut floor_samples), (app, &mut app_samples)] {
            let started = start(binary).await?;
            samples.push(started.elapsed);
            started.stop().await?;
        }
    }
    let floor = idle_figures(floor, floor_samples, idle).await?;
    let app = idle_figures(app, app_samples, idle).await?;
    Ok(Comparison { floor, app })
}

/// Whether `pid` has exited and waits only for its parent to reap it.
fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let (_, after_command) = stat.rsplit_once(')')?;
            after_command
                .split_whitespace()
                .next()
                .map(|state| state == "Z")
        })
        .unwrap_or(true)
}

/// `root` and every process descended from it (from `/proc/<pid>/stat`'s parent field).
fn process_tree(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, parent_of(pid)?)))
        .collect();
    let mut tree = vec![root];
    let mut next = 0;
    while next < tree.len() {
        let parent = tree[next];
        tree.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(pid, _)| *pid),
        );
        next += 1;
    }
    tree
}

/// The parent of `pid`: the field after the `(command)` in `/proc/<pid>/stat`.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, after_command) = stat.rsplit_once(')')?;
    after_command.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_tree_of_this_process_holds_a_child_it_started() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep starts");
        let tree = process_tree(std::process::id());
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(tree[0], std::process::id());
        assert!(tree.contains(&child.id()), "{tree:?}");
    }

    #[test]
    fn this_process_memory_has_a_name_and_splits_into_anonymous_and_file_pages() {
        let memory = ProcessMemory::of(std::process::id()).expect("this process is alive");
        assert!(!memory.name.is_empty());
        assert!(memory.pss_kib > 0, "{memory:?}");
        assert!(
            memory.anon_kib + memory.file_kib <= memory.pss_kib + 1,
            "{memory:?}"
        );
        assert!(ProcessMemory::of(u32::MAX).is_none());
    }

    #[test]
    fn a_running_process_is_not_a_zombie_and_a_gone_one_counts_as_exited() {
        assert!(!is_zombie(std::process::id()));
        assert!(is_zombie(u32::MAX));
    }
}
