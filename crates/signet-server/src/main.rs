//! The `signet-server` binary: starts the push server and prints what a tester needs; with
//! `--demo`, also serves the relying-party demo page (crate `signet-demo`) on the same port.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use clap::builder::FalseyValueParser;
use signet_demo::{DemoConfig, RateLimit};
use signet_protocol::clock::{Clock, SystemClock};
use signet_server::push::{
    self, DeliveryConfig, WebPush, Webhook, platform::PlatformArgs, web_push,
};
use signet_server::{
    Config, ConnectionLimits, Database, RateLimits, ServerInfo, TenantSeed, TenantSettings,
    TokenKey,
};
use url::Url;

/// Signet's push server: an Authsignal-compatible API over SQLite or PostgreSQL.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The database: an SQLite file (created with its folder if missing), or a PostgreSQL
    /// URL (`postgres://user:password@host:5432/signet`) that several servers may share.
    #[arg(
        long,
        env = "SIGNET_DB",
        default_value = ".data/signet.db",
        hide_env_values = true
    )]
    db: Database,
    /// The address to listen on.
    #[arg(long, env = "SIGNET_LISTEN", default_value = "127.0.0.1:4000")]
    listen: SocketAddr,
    /// The tenant id (default: the stored tenant, or a new random one).
    #[arg(long, env = "SIGNET_TENANT_ID")]
    tenant_id: Option<String>,
    /// The tenant's secret key (default: the stored one, or a new random one). For tests: a
    /// key on the command line is visible to every user of the host (`ps`); use
    /// `SIGNET_SECRET_KEY` or `--secret-key-file` instead.
    #[arg(long, env = "SIGNET_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// A file holding the tenant's secret key (its first line).
    #[arg(long, env = "SIGNET_SECRET_KEY_FILE", conflicts_with = "secret_key")]
    secret_key_file: Option<PathBuf>,
    /// A file holding the token key that signs track and access tokens (64 hex digits, e.g.
    /// from `openssl rand -hex 32`); every server of one database needs the same. Default:
    /// `<db>.token-key`, made (owner-only) at the first start. Keep it out of database backups.
    #[arg(long, env = "SIGNET_TOKEN_KEY_FILE")]
    token_key_file: Option<PathBuf>,
    /// The token key itself (64 hex digits), instead of --token-key-file. Set it in the
    /// environment: a key on the command line is visible to every user of the host (`ps`).
    #[arg(
        long,
        env = "SIGNET_TOKEN_KEY",
        hide_env_values = true,
        conflicts_with = "token_key_file"
    )]
    token_key: Option<String>,
    /// The public base URL to print (default: http://<listen>/v1).
    #[arg(long, env = "SIGNET_BASE_URL")]
    base_url: Option<String>,
    /// Seconds a push challenge can be answered.
    #[arg(long, env = "SIGNET_CHALLENGE_SECONDS", default_value_t = 120)]
    challenge_seconds: u64,
    /// Number matching for every action of the tenant.
    #[arg(long, env = "SIGNET_NUMBER_MATCHING")]
    number_matching: bool,
    /// Credential lease in seconds (default: credentials do not expire).
    #[arg(long, env = "SIGNET_CREDENTIAL_LEASE_SECONDS")]
    credential_lease_seconds: Option<u64>,
    /// Ignore `wait=` (no long-poll), like a plain Authsignal server.
    #[arg(long, env = "SIGNET_NO_LONG_POLL")]
    no_long_poll: bool,
    /// Most open challenges per user.
    #[arg(long, env = "SIGNET_MAX_OPEN_CHALLENGES", default_value_t = 5)]
    max_open_challenges: u32,
    /// Most challenges per user in 10 minutes.
    #[arg(long, env = "SIGNET_MAX_RECENT_CHALLENGES", default_value_t = 20)]
    max_recent_challenges: u32,
    /// Seconds without new challenges after an "it wasn't me" decline.
    #[arg(long, env = "SIGNET_NOT_ME_COOLDOWN_SECONDS", default_value_t = 300)]
    not_me_cooldown_seconds: u64,
    /// Seconds a client has to send a whole request head.
    #[arg(long, env = "SIGNET_HEADER_TIMEOUT_SECONDS", default_value_t = 10)]
    header_timeout_seconds: u64,
    /// Seconds a keep-alive connection may wait for its next request.
    #[arg(long, env = "SIGNET_IDLE_TIMEOUT_SECONDS", default_value_t = 75)]
    idle_timeout_seconds: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, env = "SIGNET_BODY_TIMEOUT_SECONDS", default_value_t = 30)]
    body_timeout_seconds: u64,
    /// Most connections held at once (default: the open-files limit less an eighth).
    #[arg(long, env = "SIGNET_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Days actions (and their challenges) are kept (at least 1).
    #[arg(
        long,
        env = "SIGNET_RETENTION_DAYS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    retention_days: u64,
    /// Seconds actions (and their challenges) are kept, instead of --retention-days (for a
    /// short retention, e.g. in a test or a flood benchmark; at least 1: an action must live
    /// long enough to be validated).
    #[arg(
        long,
        env = "SIGNET_RETENTION_SECONDS",
        conflicts_with = "retention_days",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    retention_seconds: Option<u64>,
    /// On PostgreSQL, how often (in seconds) every long-poll re-reads the database even
    /// without a notification from another server: the safety net behind cross-server
    /// wake-ups (1 to 3600).
    #[arg(
        long,
        env = "SIGNET_RECHECK_SECONDS",
        default_value_t = 5,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    recheck_seconds: u64,
    /// Nonces (3.4a, 3.6a) one client address may ask for per second (bursts of twice that).
    #[arg(
        long,
        env = "SIGNET_NONCES_PER_ADDRESS_PER_SECOND",
        default_value_t = 20
    )]
    nonces_per_address_per_second: u32,
    /// Most open actions (tracked in the last 10 minutes, waiting for a challenge) per tenant.
    #[arg(long, env = "SIGNET_MAX_OPEN_ACTIONS", default_value_t = 10_000)]
    max_open_actions: u32,
    /// Most connections held at once from one IP address.
    #[arg(
        long,
        env = "SIGNET_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 512
    )]
    max_connections_per_address: usize,
    /// APNs, FCM and the push gateway (docs/protocol.md 8.6).
    #[command(flatten)]
    platforms: PlatformArgs,
    /// The relying-party demo page.
    #[command(flatten)]
    demo: DemoArgs,
    /// Wake-ups (docs/protocol.md 8.6).
    #[command(flatten)]
    delivery: DeliveryArgs,
    /// Something else than serving.
    #[command(subcommand)]
    command: Option<Command>,
}

/// What the binary can do besides serving.
#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Copies an SQLite deployment (every tenant, key, action, challenge) into an empty
    /// PostgreSQL database, then exits. Stop the server first; start the servers on the
    /// PostgreSQL database afterwards with the same token key (the `.token-key` file beside
    /// the SQLite file, given as `--token-key-file` or `SIGNET_TOKEN_KEY`).
    Migrate {
        /// The SQLite database file.
        #[arg(long)]
        from: PathBuf,
        /// The PostgreSQL URL (`postgres://user:password@host:5432/signet`).
        #[arg(long)]
        to: String,
    },
}

impl Args {
    /// The server's configuration from the command line (`secret_key` read already, from
    /// the flag or its file; `token_key` parsed already; `delivery` built from
    /// [`DeliveryArgs`]).
    fn config(
        &self,
        secret_key: Option<String>,
        token_key: Option<TokenKey>,
        delivery: DeliveryConfig,
    ) -> Config {
        Config {
            delivery,
            db: Some(self.db.clone()),
            token_key,
            token_key_file: self.token_key_file.clone(),
            tenant: TenantSeed {
                id: self.tenant_id.clone(),
                secret_key,
            },
            tenant_settings: TenantSettings {
                number_matching: self.number_matching,
                challenge_lifetime: Duration::from_secs(self.challenge_seconds),
                credential_lease: self.credential_lease_seconds.map(Duration::from_secs),
            },
            long_poll: !self.no_long_poll,
            rate_limits: RateLimits {
                max_open_challenges: self.max_open_challenges,
                max_recent_challenges: self.max_recent_challenges,
                not_me_cooldown: Duration::from_secs(self.not_me_cooldown_seconds),
                max_open_actions: self.max_open_actions,
                nonces_per_address_per_second: self.nonces_per_address_per_second,
                ..RateLimits::default()
            },
            public_base_url: self.base_url.clone(),
            retention: Duration::from_secs(
                self.retention_seconds
                    .unwrap_or_else(|| self.retention_days.saturating_mul(24 * 3600)),
            ),
            recheck_interval: Duration::from_secs(self.recheck_seconds),
            connection_limits: ConnectionLimits {
                header_timeout: Duration::from_secs(self.header_timeout_seconds),
                idle_timeout: Duration::from_secs(self.idle_timeout_seconds),
                body_timeout: Duration::from_secs(self.body_timeout_seconds),
                max_connections: self.max_connections,
                max_connections_per_address: self.max_connections_per_address,
            },
            ..Config::default()
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        // A log that cannot be written never fails a request or the server.
        .with_writer(signet_server::log_sink::SafeStderr)
        .log_internal_errors(false)
        .init();
    let args = Args::parse();
    if let Some(Command::Migrate { from, to }) = &args.command {
        return migrate(from, to).await;
    }
    if args.platforms.gateway.gateway {
        return run_gateway(&args).await;
    }
    let delivery = delivery_config(&args)?;
    let secret_key = match (&args.secret_key, &args.secret_key_file) {
        (Some(key), _) => Some(key.clone()),
        (None, Some(file)) => Some(read_secret_key(file)?),
        (None, None) => None,
    };
    let key_given = secret_key.is_some();
    let token_key = args
        .token_key
        .as_deref()
        .map(TokenKey::from_hex)
        .transpose()
        .context("the token key given by SIGNET_TOKEN_KEY or --token-key")?;
    // 1. The demo hands out enrollment links for any user: never on an open port by accident.
    if args.demo.demo && !args.demo.demo_public && !args.listen.ip().to_canonical().is_loopback() {
        anyhow::bail!(
            "refusing to serve the demo on {listen}: it is not a loopback address, and anyone \
             who can reach the demo can enroll a device for any user of the tenant. Listen on \
             127.0.0.1 (or ::1), or add --demo-public (SIGNET_DEMO_PUBLIC=1) if everyone who \
             can reach this port may do that.",
            listen = args.listen
        );
    }
    let demo = args.demo.demo.then(|| DemoSettings {
        dist_dir: args.demo.demo_dir.clone(),
        rate_limit: RateLimit {
            requests: args.demo.demo_requests_per_minute,
            window: Duration::from_secs(60),
        },
    });
    let config = args.config(secret_key, token_key, delivery);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    // 2. The server, with the demo's routes beside the API when asked for.
    let server = signet_server::spawn_with_routes(listener, config, |info| match &demo {
        Some(settings) => signet_demo::router(settings.config(info)),
        None => axum::Router::new(),
    })
    .await
    .with_context(|| format!("cannot start with database {}", args.db))?;
    // The demo calls the backend API with the secret key, which the database keeps only as a
    // hash: a later start must be given it.
    if demo.is_some() && server.secret_key.is_empty() {
        server.shutdown().await?;
        anyhow::bail!(
            "the demo needs the tenant's secret key, and the database keeps only its hash: \
             give it with SIGNET_SECRET_KEY or --secret-key-file"
        );
    }
    let demo_page = if demo.is_some() {
        if args.demo.demo_public {
            tracing::warn!(
                listen = %args.listen,
                "the demo is public: anyone who can reach this port can enroll a device for any \
                 user of this tenant and send push prompts to that user's devices"
            );
        }
        listener_url(server.addr, "/demo/").to_string()
    } else {
        "off (start with --demo to serve it)".to_owned()
    };
    // The whole secret key is shown once, when this start made it; a key given is shown by
    // its first characters (enough to tell keys apart); otherwise the server does not know
    // it (the database keeps only its hash). A failing stdout does not stop the server.
    let key_shown = if server.tenant_created && !key_given {
        server.secret_key.clone()
    } else if key_given {
        key_prefix(&server.secret_key)
    } else {
        "(stored only as a hash; shown in full only when created)".to_owned()
    };
    let _ = writeln!(
        std::io::stdout(),
        "signet-server is running{}\n  base URL:   {}\n  tenant id:  {}\n  secret key: {}\n  database:   {}\n  demo page:  {}\nPress Ctrl-C to stop.",
        if server.tenant_created {
            " (new tenant created; keep the secret key, it is not shown in full again)"
        } else {
            ""
        },
        server.base_url,
        server.tenant_id,
        key_shown,
        server.database,
        demo_page,
    );
    let _ = std::io::stdout().flush();
    stop_signal().await?;
    server.shutdown().await?;
    Ok(())
}

/// The wake-up delivery from the flags: the webhook and Web Push, and the APNs and FCM
/// channels (or the push gateway's), each checked now so a wrong set-up stops the start.
fn delivery_config(args: &Args) -> anyhow::Result<DeliveryConfig> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let platform_channels = args
        .platforms
        .channels(&clock)
        .context("cannot set up APNs/FCM wake-ups")?;
    let mut delivery = args
        .delivery
        .config()
        .context("cannot set up wake-up delivery")?;
    delivery.channels.apns = platform_channels.apns;
    delivery.channels.fcm = platform_channels.fcm;
    tracing::info!(channels = ?delivery.channels, "wake-up channels");
    Ok(delivery)
}

/// `signet-server --gateway`: a push gateway, no database and no API.
async fn run_gateway(args: &Args) -> anyhow::Result<()> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let config = args
        .platforms
        .gateway_config(&clock)
        .context("cannot start the push gateway")?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let gateway = push::gateway::spawn_gateway(listener, config)?;
    let _ = writeln!(
        std::io::stdout(),
        "signet-server is running as a push gateway\n  wake-ups:   {}\nPress Ctrl-C to stop.",
        listener_url(gateway.addr, push::gateway::WAKE_UP_PATH),
    );
    let _ = std::io::stdout().flush();
    stop_signal().await?;
    gateway.shutdown().await?;
    Ok(())
}

/// `signet-server migrate`: the SQLite file at `from` copied into the PostgreSQL database
/// at `to`.
async fn migrate(from: &std::path::Path, to: &str) -> anyhow::Result<()> {
    let target: Database = to.parse()?;
    anyhow::ensure!(
        matches!(target, Database::Postgres(_)),
        "--to must be a PostgreSQL URL (postgres://...)"
    );
    let copied = signet_server::store::copy_sqlite_to_postgres(from, to)
        .await
        .with_context(|| format!("cannot migrate {} to {target}", from.display()))?;
    let _ = writeln!(
        std::io::stdout(),
        "copied {} into {target}: {copied}",
        from.display()
    );
    Ok(())
}

/// The first characters of a secret key, then an ellipsis.
fn key_prefix(key: &str) -> String {
    let shown: String = key.chars().take((key.chars().count() / 4).min(7)).collect();
    format!("{shown}… (shown in full only when created)")
}

/// The first line of a secret key file, without surrounding whitespace.
fn read_secret_key(file: &std::path::Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the secret key file {}", file.display()))?;
    let key = text.lines().next().unwrap_or_default().trim().to_owned();
    anyhow::ensure!(
        !key.is_empty(),
        "the secret key file {} is empty",
        file.display()
    );
    Ok(key)
}

/// The wake-up options (docs/protocol.md 8.6). Secrets come from files or the environment,
/// never from the command line.
#[derive(Debug, clap::Args)]
struct DeliveryArgs {
    /// POST a signed `push.created` event (docs/protocol.md 8.5) here for every wake-up, for
    /// the receiver to send it; https:// (http:// only on loopback). Its secret comes from
    /// --webhook-secret-file or the variable `SIGNET_WEBHOOK_SECRET`.
    #[arg(long, env = "SIGNET_WEBHOOK_URL")]
    webhook_url: Option<Url>,
    /// A file holding the webhook's secret (surrounding whitespace ignored).
    #[arg(long, env = "SIGNET_WEBHOOK_SECRET_FILE", requires = "webhook_url")]
    webhook_secret_file: Option<PathBuf>,
    /// Send Web Push wake-ups, signed with this VAPID key: a PEM P-256 private key (PKCS#8
    /// or SEC1), e.g. from `openssl ecparam -name prime256v1 -genkey -noout`.
    #[arg(long, env = "SIGNET_VAPID_KEY_FILE", requires = "vapid_subject")]
    vapid_key_file: Option<PathBuf>,
    /// The VAPID subject push services may contact: `mailto:you@example.org` or an https:// URL.
    #[arg(long, env = "SIGNET_VAPID_SUBJECT", requires = "vapid_key_file")]
    vapid_subject: Option<String>,
    /// Longest the challenge-push answer waits for delivery outcomes, in milliseconds
    /// (delivery goes on in the background after it).
    #[arg(long, env = "SIGNET_DELIVERY_DEADLINE_MS", default_value_t = 2000)]
    delivery_deadline_ms: u64,
}

/// The variable that may hold the webhook's secret.
const WEBHOOK_SECRET_VARIABLE: &str = "SIGNET_WEBHOOK_SECRET";

impl DeliveryArgs {
    /// The delivery configuration: the webhook and the Web Push channel, if asked for.
    fn config(&self) -> anyhow::Result<DeliveryConfig> {
        let mut config = DeliveryConfig {
            deadline: Duration::from_millis(self.delivery_deadline_ms),
            ..DeliveryConfig::default()
        };
        if let Some(url) = &self.webhook_url {
            let secret = match &self.webhook_secret_file {
                Some(file) => zeroize::Zeroizing::new(
                    std::fs::read_to_string(file)
                        .with_context(|| {
                            format!("cannot read the webhook secret file {}", file.display())
                        })?
                        .trim()
                        .as_bytes()
                        .to_vec(),
                ),
                None => zeroize::Zeroizing::new(
                    std::env::var(WEBHOOK_SECRET_VARIABLE)
                        .map(|secret| secret.trim().as_bytes().to_vec())
                        .map_err(|_| {
                            anyhow::anyhow!(
                                "--webhook-url needs a secret: --webhook-secret-file or \
                                 {WEBHOOK_SECRET_VARIABLE}"
                            )
                        })?,
                ),
            };
            config.webhook = Some(Arc::new(Webhook::new(url.clone(), secret)?));
        }
        if let (Some(file), Some(subject)) = (&self.vapid_key_file, &self.vapid_subject) {
            let key = web_push::read_vapid_key(file)
                .with_context(|| format!("VAPID key file {}", file.display()))?;
            let channel = WebPush::new(&key, subject, Arc::new(signet_protocol::SystemClock))?;
            tracing::info!(
                public_key = channel.public_key(),
                "Web Push on (the VAPID public key is the applicationServerKey devices subscribe with)"
            );
            config.channels.web_push = Some(Arc::new(channel));
        }
        Ok(config)
    }
}

/// The demo's options.
#[derive(Debug, clap::Args)]
struct DemoArgs {
    /// Serve the relying-party demo page at /demo/. It lets anyone who reaches it enroll a
    /// device for any user of the tenant, so it is served on a loopback listener only
    /// (see --demo-public).
    #[arg(long, env = "SIGNET_DEMO", value_parser = FalseyValueParser::new())]
    demo: bool,
    /// Serve the demo on a listener that is not loopback too (e.g. 0.0.0.0 for real phones on
    /// your network): anyone who reaches the port can then enroll a device for any user.
    #[arg(long, env = "SIGNET_DEMO_PUBLIC", requires = "demo", value_parser = FalseyValueParser::new())]
    demo_public: bool,
    /// The built demo page (`npm ci && npm run build` in crates/signet-demo/page).
    #[arg(long, env = "SIGNET_DEMO_DIR", default_value = signet_demo::DEFAULT_DIST_DIR)]
    demo_dir: PathBuf,
    /// Most requests to the demo's backend per client address per minute.
    #[arg(long, env = "SIGNET_DEMO_REQUESTS_PER_MINUTE", default_value_t = RateLimit::default().requests)]
    demo_requests_per_minute: u32,
}

/// What the demo needs from the command line.
struct DemoSettings {
    dist_dir: PathBuf,
    rate_limit: RateLimit,
}

impl DemoSettings {
    /// The demo's configuration for a started server: the demo backend calls the API on the
    /// server's own port (loopback when it listens on all interfaces); enrollment links carry
    /// the public base URL devices use.
    fn config(&self, info: &ServerInfo) -> DemoConfig {
        let api_base_url = listener_url(info.addr, "/v1");
        DemoConfig {
            public_base_url: Url::parse(&info.base_url).unwrap_or_else(|_| api_base_url.clone()),
            challenge_lifetime: info.tenant_settings.challenge_lifetime,
            dist_dir: self.dist_dir.clone(),
            rate_limit: self.rate_limit,
            ..DemoConfig::new(api_base_url, &info.tenant_id, &info.secret_key)
        }
    }
}

/// `http://<addr><path>`, with an unspecified address (`0.0.0.0`, `::`) replaced by loopback.
fn listener_url(addr: SocketAddr, path: &str) -> Url {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let text = format!("http://{}{path}", SocketAddr::new(ip, addr.port()));
    Url::parse(&text).expect("a socket address and an absolute path make a valid http URL")
}

/// Waits for Ctrl-C, or SIGTERM on Unix (what `kill` and service managers send).
async fn stop_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("cannot wait for SIGTERM")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("cannot wait for Ctrl-C")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    Ok(())
}
