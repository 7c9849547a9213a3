//! Servers sharing one PostgreSQL database, as a deployment runs replicas: `signet-server`
//! processes (which a test may `kill -9`), or servers in this process (whose parked
//! long-polls a test can count). The database is a fresh schema on the PostgreSQL server of
//! `SIGNET_TEST_POSTGRES_URL` (scripts/with-postgres).

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use signet_server::{Config, Database, RunningServer, TenantSeed, TokenKey};
use signet_testkit::{Answer, Api, Device, Rp, SignIn};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

/// The token key every server of the database shares (64 hex digits).
pub const TOKEN_KEY: &str = "5e7e75e7e75e7e75e7e75e7e75e7e75e7e75e7e75e7e75e7e75e7e75e7e75e7e";
/// The tenant every server serves.
pub const TENANT_ID: &str = "replicated";
/// Its secret key.
pub const SECRET_KEY: &str = "sk_replicated_tenant_secret_key_for_tests";

/// A fresh schema on the test PostgreSQL server, as a `postgres://` URL.
pub async fn shared_database() -> String {
    match signet_server::temporary_database().await {
        Ok((Database::Postgres(url), _)) => url,
        Ok((Database::Sqlite(_), _)) => {
            panic!("SIGNET_TEST_POSTGRES_URL is not set: run this test with scripts/with-postgres")
        }
        Err(error) => panic!("the test PostgreSQL server cannot be reached: {error}"),
    }
}

/// A client of a server's API at `base`, and the tenant's relying party through it.
fn clients(base: &str, secret_key: &str) -> (Api, Rp) {
    let api = Api::new(base, Duration::from_secs(60)).expect("client");
    let rp = Rp::on(api.clone(), TENANT_ID, secret_key);
    (api, rp)
}

/// A `signet-server` process on the database `db`, on a free loopback port, killed when
/// dropped.
pub struct Replica {
    child: Child,
    /// Its API.
    pub api: Api,
    /// The tenant's relying party, through it.
    pub rp: Rp,
}

impl Replica {
    /// Starts one serving [`TENANT_ID`] with `secret_key`, and waits until it is ready.
    pub async fn start(db: &str, secret_key: &str) -> Self {
        Self::start_with(db, secret_key, &[]).await
    }

    /// Starts one under load from one address: no per-address nonce limit, room for many
    /// challenges per user.
    pub async fn for_load(db: &str) -> Self {
        let args = [
            "--nonces-per-address-per-second",
            "1000000",
            "--max-open-challenges",
            "1000",
            "--max-recent-challenges",
            "100000",
        ];
        Self::start_with(db, SECRET_KEY, &args).await
    }

    /// Starts one with these extra arguments.
    pub async fn start_with(db: &str, secret_key: &str, args: &[&str]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_signet-server"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(args)
            .env("SIGNET_DB", db)
            .env("SIGNET_TOKEN_KEY", TOKEN_KEY)
            .env("SIGNET_TENANT_ID", TENANT_ID)
            .env("SIGNET_SECRET_KEY", secret_key)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.expect("stdout line") {
                if line.starts_with("Press Ctrl-C") {
                    return;
                }
            }
            panic!("the server stopped before it was ready");
        })
        .await
        .expect("the server starts");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let (api, rp) = clients(&format!("http://127.0.0.1:{port}/v1"), secret_key);
        Self { child, api, rp }
    }

    /// `kill -9`, and waits until the process is gone.
    pub async fn kill(&mut self) {
        self.child.kill().await.expect("killed");
    }
}

/// A server in this process on the database `db`, serving [`TENANT_ID`], whose only
/// re-reads are those the other servers' notifications (and a re-subscription) cause: its
/// periodic re-read is ten minutes apart, longer than any test.
pub struct InProcess {
    /// The server.
    pub server: RunningServer,
    /// Its API.
    pub api: Api,
    /// The tenant's relying party, through it.
    pub rp: Rp,
}

impl InProcess {
    /// Starts one.
    pub async fn start(db: &str) -> Self {
        let server = signet_server::spawn(Config {
            db: Some(Database::Postgres(db.to_owned())),
            tenant: TenantSeed {
                id: Some(TENANT_ID.to_owned()),
                secret_key: Some(SECRET_KEY.to_owned()),
            },
            token_key: Some(TokenKey::from_hex(TOKEN_KEY).expect("a token key")),
            recheck_interval: Duration::from_secs(600),
            ..Config::default()
        })
        .await
        .expect("the server starts");
        let (api, rp) = clients(&server.base_url, SECRET_KEY);
        Self { server, api, rp }
    }

    /// Waits until `count` requests are parked in a long-poll here.
    pub async fn until_parked(&self, count: usize) {
        tokio::time::timeout(Duration::from_secs(20), async {
            while self.server.long_polls_waiting() < count {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("the long-poll parks");
    }
}

/// How a sign-in of [`sign_in`] ended.
#[derive(Debug)]
pub enum Outcome {
    /// Approved, and verify said so: the relying party saw it approved.
    Approved(SignIn),
    /// A call was answered with an error: the sign-in is abandoned there.
    Refused(Answer),
    /// A call got no answer (the server is gone): the sign-in is abandoned there.
    Unanswered(String),
}

/// One whole sign-in of `user`: tracked and challenged through `front` (the relying party's
/// server), fetched and approved by `device` through `back`, verified through `front`.
pub async fn sign_in(front: &Rp, back: &Api, device: &Device, user: &str) -> Outcome {
    macro_rules! answered {
        ($call:expr) => {
            match $call {
                Ok(answer) if answer.status.is_success() => answer.body,
                Ok(answer) => return Outcome::Refused(answer),
                Err(error) => return Outcome::Unanswered(error.to_string()),
            }
        };
    }
    let tracked = answered!(front.track_answer(user, "signIn", &json!({})).await);
    let token = tracked["token"].as_str().unwrap_or_default().to_owned();
    let started = answered!(
        front
            .start_challenge_answer(&token, &json!({"action": "signIn"}))
            .await
    );
    let challenge_id = started["challengeId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let nonce = answered!(device.try_nonce(back).await);
    let signature = device.sign(nonce["message"].as_str().unwrap_or_default());
    // The oldest pending challenge: one of an abandoned sign-in may come first.
    answered!(device.try_fetch_signed(back, &signature, None).await);
    answered!(
        device
            .try_answer(back, &challenge_id, true, json!({}))
            .await
    );
    let verified = answered!(front.verify_answer(&token, &challenge_id, None).await);
    assert_eq!(
        verified["isVerified"], true,
        "an approved challenge: {verified}"
    );
    Outcome::Approved(SignIn {
        user_id: user.to_owned(),
        token,
        idempotency_key: tracked["idempotencyKey"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        challenge_id,
        verification_code: None,
    })
}
