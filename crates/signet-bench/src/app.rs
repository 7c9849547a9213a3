//! Part 6: the app itself. Its release binary's size, the time from starting the process to
//! its first screen (the app logs "first screen shown" when the first screen's script asks
//! for the version), and its memory once idle: the proportional set size (PSS) summed over
//! the app and every process it started (WebKit's web and network processes), so shared
//! pages are counted once. Needs a display and a D-Bus session: `scripts/bench` runs it
//! under `xvfb-run` and `dbus-run-session` with a throwaway Secret Service.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::Command;

use crate::Error;
use crate::child::proc_status_kib;
use crate::stats::Summary;

/// The line the app logs once its first screen is up.
pub const FIRST_SCREEN_LOG: &str = "first screen shown";

/// The longest a start may take before it counts as failed.
const START_LIMIT: Duration = Duration::from_secs(60);

/// What part 6 measured.
#[derive(Debug, Clone)]
pub struct AppFigures {
    /// The binary measured.
    pub binary: std::path::PathBuf,
    /// Its size in bytes.
    pub binary_bytes: u64,
    /// Start → first screen, one sample per start (each on a fresh data folder).
    pub first_screen: Option<Summary>,
    /// PSS of the app and its processes after idling (KiB).
    pub idle_pss_kib: Option<u64>,
    /// How many processes that is.
    pub idle_processes: usize,
    /// How long it idled before the memory was read.
    pub idled: Duration,
}

/// Starts `binary` `starts` times, each on a fresh data folder with no account, and after
/// the last start lets it idle for `idle` before reading its memory.
pub async fn measure(binary: &Path, starts: usize, idle: Duration) -> Result<AppFigures, Error> {
    let binary_bytes = std::fs::metadata(binary)?.len();
    let mut samples = Vec::with_capacity(starts);
    let mut idle_pss_kib = None;
    let mut idle_processes = 0;
    for n in 0..starts {
        let home = tempfile::tempdir()?;
        let mut app = Command::new(binary)
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
        let stdout = app.stdout.take().ok_or(Error::Unexpected {
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
        samples.push(started.elapsed());
        // Keep reading its log so it never blocks on a full pipe while idling.
        let drain = tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        if n + 1 == starts {
            tokio::time::sleep(idle).await;
            if let Some(pid) = app.id() {
                let tree = process_tree(pid);
                idle_processes = tree.len();
                idle_pss_kib = Some(
                    tree.iter()
                        .filter_map(|pid| {
                            proc_status_kib(&format!("/proc/{pid}/smaps_rollup"), "Pss:")
                        })
                        .sum(),
                );
            }
        }
        app.kill().await?;
        drain.abort();
    }
    Ok(AppFigures {
        binary: binary.to_path_buf(),
        binary_bytes,
        first_screen: Summary::of(&samples),
        idle_pss_kib,
        idle_processes,
        idled: idle,
    })
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
}
