//! `signet-server` in a child process (this binary's hidden `serve` command), so that the
//! server's peak memory (`VmHWM`) is its own and not the load generator's.

use std::process::Stdio;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use signet_server::{Config, ConnectionLimits, Database, RateLimits, TenantSeed, TokenKey};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::Error;

/// The command line argument that makes this binary the server child.
pub const SERVE_COMMAND: &str = "serve";

/// Environment variable: a command (words split on whitespace) to run the server child
/// under, for profiling, e.g. `SIGNET_BENCH_SERVE_WRAPPER="heaptrack -o /tmp/server"`. The
/// memory and CPU figures are then those of the wrapper's process, not the server's.
pub const SERVE_WRAPPER_VAR: &str = "SIGNET_BENCH_SERVE_WRAPPER";

/// Environment variable set by [`ChildServer::start_on`]: the PostgreSQL database (a
/// `postgres://` URL) the child serves, shared with the other children started on it: they
/// serve one tenant ([`SHARED_TENANT`]) with one token key.
pub const SERVE_DB_VAR: &str = "SIGNET_BENCH_SERVE_DB";

/// The tenant of children sharing a database.
pub const SHARED_TENANT: &str = "bench";
const SHARED_SECRET_KEY: &str = "sk_bench_shared_database_secret_key";
const SHARED_TOKEN_KEY: &str = "be4c4be4c4be4c4be4c4be4c4be4c4be4c4be4c4be4c4be4c4be4c4be4c4be4c";

/// What the child prints first: where it listens and the tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hello {
    /// The API's base URL (ends in `/v1`).
    pub base_url: String,
    /// The tenant id.
    pub tenant_id: String,
    /// The tenant's secret key.
    pub secret_key: String,
}

/// The child's side: a server with no rate limits on a temporary database (or the shared one
/// of [`SERVE_DB_VAR`]); reads commands (`waiting`, `quit`) on standard input, one a line, and
/// answers on standard output.
pub async fn serve() -> Result<(), Error> {
    let shared = match std::env::var(SERVE_DB_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => None,
    };
    let (db, tenant, token_key) = match shared {
        Some(url) => (
            Some(Database::Postgres(url)),
            TenantSeed {
                id: Some(SHARED_TENANT.to_owned()),
                secret_key: Some(SHARED_SECRET_KEY.to_owned()),
            },
            Some(TokenKey::from_hex(SHARED_TOKEN_KEY)?),
        ),
        None => (None, TenantSeed::default(), None),
    };
    let server = signet_server::spawn(Config {
        db,
        tenant,
        token_key,
        rate_limits: RateLimits::unlimited(),
        // Every device of the harness connects from 127.0.0.1.
        connection_limits: ConnectionLimits {
            max_connections_per_address: usize::MAX,
            ..ConnectionLimits::default()
        },
        ..Config::default()
    })
    .await?;
    let hello = Hello {
        base_url: server.base_url.clone(),
        tenant_id: server.tenant_id.clone(),
        secret_key: server.secret_key.clone(),
    };
    let mut out = tokio::io::stdout();
    let line = serde_json::to_string(&hello).map_err(|_| Error::Child {
        what: "cannot encode the greeting",
    })?;
    out.write_all(format!("{line}\n").as_bytes()).await?;
    out.flush().await?;
    let mut commands = BufReader::new(tokio::io::stdin()).lines();
    while let Some(command) = commands.next_line().await? {
        let answer = match command.trim() {
            "waiting" => server.long_polls_waiting().to_string(),
            "quit" => break,
            _ => "?".to_owned(),
        };
        out.write_all(format!("{answer}\n").as_bytes()).await?;
        out.flush().await?;
    }
    server.shutdown().await?;
    Ok(())
}

/// The parent's handle on a server child.
#[derive(Debug)]
pub struct ChildServer {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    pid: u32,
    /// Where it listens and the tenant.
    pub hello: Hello,
}

impl ChildServer {
    /// Starts this binary as a server child and reads its greeting.
    pub async fn start() -> Result<Self, Error> {
        Self::start_on(None).await
    }

    /// [`ChildServer::start`], on the PostgreSQL database `db` when given (see
    /// [`SERVE_DB_VAR`]).
    pub async fn start_on(db: Option<&str>) -> Result<Self, Error> {
        let exe = std::env::current_exe()?;
        let wrapper = std::env::var(SERVE_WRAPPER_VAR).unwrap_or_default();
        let mut words = wrapper.split_whitespace();
        let mut command = match words.next() {
            Some(program) => {
                let mut command = Command::new(program);
                command.args(words).arg(exe);
                command
            }
            None => Command::new(exe),
        };
        if let Some(db) = db {
            command.env(SERVE_DB_VAR, db);
        }
        let mut child = command
            .arg(SERVE_COMMAND)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let pid = child.id().ok_or(Error::Child {
            what: "exited at once",
        })?;
        let stdin = child
            .stdin
            .take()
            .ok_or(Error::Child { what: "no stdin" })?;
        let stdout = child
            .stdout
            .take()
            .ok_or(Error::Child { what: "no stdout" })?;
        let mut lines = BufReader::new(stdout).lines();
        // A wrapper (see `SERVE_WRAPPER_VAR`) may print lines of its own before the greeting.
        let greeting = async {
            loop {
                let line = lines.next_line().await?.ok_or(Error::Child {
                    what: "closed its output before greeting",
                })?;
                if wrapper.trim().is_empty() || line.starts_with('{') {
                    return Ok::<_, Error>(line);
                }
            }
        };
        let first = tokio::time::timeout(Duration::from_secs(30), greeting)
            .await
            .map_err(|_| Error::TimedOut {
                what: "the server child to start",
            })??;
        let hello = serde_json::from_str(&first).map_err(|_| Error::Child {
            what: "greeted with something else",
        })?;
        Ok(Self {
            child,
            stdin,
            lines,
            pid,
            hello,
        })
    }

    /// How many requests are parked in a long-poll in the child.
    pub async fn waiting(&mut self) -> Result<usize, Error> {
        self.stdin.write_all(b"waiting\n").await?;
        self.stdin.flush().await?;
        let line = self.lines.next_line().await?.ok_or(Error::Child {
            what: "closed its output",
        })?;
        line.trim().parse().map_err(|_| Error::Child {
            what: "answered `waiting` with something else",
        })
    }

    /// The child's peak resident memory so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        proc_status_kib(&format!("/proc/{}/status", self.pid), "VmHWM:")
    }

    /// The child's resident memory now (`VmRSS`), in KiB.
    pub fn rss_kib(&self) -> Option<u64> {
        proc_status_kib(&format!("/proc/{}/status", self.pid), "VmRSS:")
    }

    /// CPU time the child has used so far (user + system), in seconds.
    pub fn cpu_seconds(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
        // Fields after the command name (which ends with the last ')'): utime and stime are
        // the 12th and 13th of them, in clock ticks (100 per second on Linux).
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let utime: f64 = fields.get(11)?.parse().ok()?;
        let stime: f64 = fields.get(12)?.parse().ok()?;
        Some((utime + stime) / 100.0)
    }

    /// Asks the child to shut down (releasing long-polls) and waits for it.
    pub async fn stop(mut self) -> Result<(), Error> {
        let _ = self.stdin.write_all(b"quit\n").await;
        let _ = self.stdin.flush().await;
        if tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .is_err()
        {
            self.child.kill().await?;
        }
        Ok(())
    }
}

/// A `kB` field of a `/proc/.../status` file.
pub fn proc_status_kib(path: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(path).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
