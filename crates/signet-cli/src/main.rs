//! `signet-cli`: a headless Signet device for testers, scripts and benchmarks.
//!
//! Output for scripts goes to stdout as JSON (one object per line); messages for people go to
//! stderr. Exit codes: 0 done, 1 failed (the message says why), 2 wrong usage.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use serde_json::json;
use signet_core::{
    Account, AccountId, Answer, Challenge, DeclineReason, DeviceKeyStore, Engine, EngineConfig,
    EnrollOptions, EnrollmentLink, Event, KeyringKeyStore, MemoryKeyStore,
};

/// A headless Signet device: enroll with a link, watch for sign-ins, approve or deny them.
#[derive(Debug, Parser)]
#[command(name = "signet-cli", version, about)]
struct Cli {
    /// The folder of the accounts file (default: `SIGNET_DATA_DIR`, else the user's data
    /// folder + `/signet-cli`; with --memory-keys, a temporary folder).
    #[arg(long, global = true, env = "SIGNET_DATA_DIR")]
    data_dir: Option<PathBuf>,

    /// Keep keys in memory only: nothing outlives this run, so enroll and answer in the same
    /// run (`watch --enroll LINK --auto-approve`).
    #[arg(long, global = true)]
    memory_keys: bool,

    /// The platform keystore's service name keys are filed under.
    #[arg(long, global = true, default_value = "signet", hide = true)]
    keyring_service: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Enroll this device with a `signet://enroll?...` link; prints the account.
    Enroll {
        /// The enrollment link (from the QR code or the sign-up page).
        link: String,
    },
    /// List the enrolled accounts, one JSON object per line.
    Accounts,
    /// Watch every account for sign-ins; prints events as JSON lines.
    Watch(WatchArgs),
    /// Approve a pending sign-in.
    Approve {
        /// The challenge id (from `watch`).
        challenge_id: String,
        /// The number shown on the sign-in page, when it shows one.
        #[arg(long)]
        code: Option<String>,
    },
    /// Deny a pending sign-in.
    Deny {
        /// The challenge id (from `watch`).
        challenge_id: String,
        /// Report that the sign-in was not you (counts towards push-fatigue protection).
        #[arg(long)]
        not_me: bool,
    },
    /// Remove an account: from the server, then the local key and account.
    Remove {
        /// The account's id or user label (from `accounts`).
        account: String,
    },
}

#[derive(Debug, Args)]
struct WatchArgs {
    /// Enroll with this link first (the way to use --memory-keys).
    #[arg(long, value_name = "LINK")]
    enroll: Option<String>,
    /// Approve every sign-in as it arrives (not those that ask for a number).
    #[arg(long, conflicts_with = "auto_deny")]
    auto_approve: bool,
    /// Deny every sign-in as it arrives.
    #[arg(long)]
    auto_deny: bool,
    /// Stop after this many sign-ins.
    #[arg(long, value_name = "N")]
    exit_after: Option<u32>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SIGNET_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("signet-cli: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("signet-cli: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Prints one JSON line on stdout.
fn emit(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

/// The data folder: given, from the environment, or the user's data folder.
fn default_data_dir() -> Result<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")))
        .ok_or_else(|| anyhow!("no data folder: pass --data-dir"))?;
    Ok(base.join("signet-cli"))
}

async fn run(cli: Cli) -> Result<()> {
    // 1. Keys and data folder.
    let mut _temporary = None;
    let (keys, data_dir): (Arc<dyn DeviceKeyStore>, PathBuf) = if cli.memory_keys {
        let dir = if let Some(dir) = cli.data_dir {
            dir
        } else {
            let temp = tempfile::tempdir().context("cannot make a temporary folder")?;
            let path = temp.path().to_path_buf();
            _temporary = Some(temp);
            path
        };
        (Arc::new(MemoryKeyStore::new()), dir)
    } else {
        let keys = KeyringKeyStore::platform_with_service(&cli.keyring_service).context(
            "cannot open the platform keystore (on Linux: is a Secret Service such as \
             gnome-keyring running and unlocked?); --memory-keys runs without one",
        )?;
        let dir = match cli.data_dir {
            Some(dir) => dir,
            None => default_data_dir()?,
        };
        (Arc::new(keys), dir)
    };
    let mut config = EngineConfig::new(&data_dir, keys);
    config.device_name = Some("signet-cli".to_owned());
    let engine = Arc::new(
        Engine::open(config)
            .with_context(|| format!("cannot open the accounts in {}", data_dir.display()))?,
    );

    // 2. The command.
    match cli.command {
        Command::Enroll { link } => {
            if cli.memory_keys {
                bail!(
                    "with --memory-keys the key would vanish when this run ends; use \
                     `signet-cli --memory-keys watch --enroll LINK` instead"
                );
            }
            let account = enroll(&engine, &link).await?;
            emit(&account_json(&account))
        }
        Command::Accounts => {
            for account in engine.accounts() {
                emit(&account_json(&account))?;
            }
            Ok(())
        }
        Command::Watch(args) => watch(&engine, args).await,
        Command::Approve { challenge_id, code } => {
            let answer = match code {
                Some(code) => Answer::approve_with_code(code),
                None => Answer::approve(),
            };
            answer_one(&engine, &challenge_id, answer, "approved").await
        }
        Command::Deny {
            challenge_id,
            not_me,
        } => {
            let reason = not_me.then_some(DeclineReason::NotMe);
            answer_one(&engine, &challenge_id, Answer::deny(reason), "denied").await
        }
        Command::Remove { account } => {
            let id = find_account(&engine, &account)?;
            let removal = engine.remove(&id).await?;
            if let Some(error) = &removal.server_error {
                eprintln!(
                    "signet-cli: warning: the server did not confirm the removal ({error}); \
                     the local key and account are deleted anyway"
                );
            }
            emit(&json!({
                "type": "removed",
                "accountId": removal.account.id,
                "serverConfirmed": removal.server_error.is_none(),
            }))
        }
    }
}

/// Enrolls from a link text.
async fn enroll(engine: &Engine, link: &str) -> Result<Account> {
    let link = EnrollmentLink::parse(link).context("this is not a usable enrollment link")?;
    let account = engine
        .enroll(&link, EnrollOptions::default())
        .await
        .context("enrollment failed")?;
    eprintln!("signet-cli: enrolled {}", account.display_name());
    Ok(account)
}

/// An account as printed.
fn account_json(account: &Account) -> serde_json::Value {
    json!({
        "type": "account",
        "id": account.id,
        "user": account.user_label,
        "issuer": account.issuer,
        "userId": account.user_id,
        "authenticatorId": account.authenticator_id,
        "server": account.base_url.as_str(),
        "createdAt": account.created_at,
        "lastUsedAt": account.last_used_at,
    })
}

/// An account by id or user label.
fn find_account(engine: &Engine, wanted: &str) -> Result<AccountId> {
    let accounts = engine.accounts();
    if let Some(account) = accounts.iter().find(|a| a.id.as_str() == wanted) {
        return Ok(account.id.clone());
    }
    let matching: Vec<&Account> = accounts
        .iter()
        .filter(|a| a.user_label.as_deref() == Some(wanted))
        .collect();
    match matching.as_slice() {
        [account] => Ok(account.id.clone()),
        [] => bail!("no account {wanted:?} (see `signet-cli accounts`)"),
        _ => bail!("several accounts are labelled {wanted:?}: give the account id"),
    }
}

/// Answers one challenge: asks each account's server once, then answers.
async fn answer_one(engine: &Engine, challenge_id: &str, answer: Answer, done: &str) -> Result<()> {
    let accounts = engine.accounts();
    if accounts.is_empty() {
        bail!("no account is enrolled here (see `signet-cli enroll`)");
    }
    let mut last_error = None;
    for account in &accounts {
        match engine.check_now(&account.id).await {
            Ok(Some(challenge)) if challenge.id == challenge_id => {
                let taken = engine.answer(challenge_id, answer).await?;
                emit(&answered_json(&challenge, done, taken))?;
                if !taken {
                    bail!("the server failed the sign-in instead (wrong number?)");
                }
                return Ok(());
            }
            Ok(_) => {}
            Err(error) => last_error = Some(error),
        }
    }
    match last_error {
        Some(error) => Err(anyhow!(error).context(format!(
            "sign-in {challenge_id} was not found, and a server could not be asked"
        ))),
        None => bail!(
            "no pending sign-in {challenge_id} (already answered, expired, or for another device)"
        ),
    }
}

fn answered_json(challenge: &Challenge, done: &str, taken: bool) -> serde_json::Value {
    json!({
        "type": done,
        "challengeId": challenge.id,
        "accountId": challenge.account_id,
        "isVerified": taken,
    })
}

/// Watches all accounts, printing events; answers automatically when asked to.
async fn watch(engine: &Arc<Engine>, args: WatchArgs) -> Result<()> {
    if let Some(link) = &args.enroll {
        let account = enroll(engine, link).await?;
        emit(&account_json(&account))?;
    }
    if engine.accounts().is_empty() {
        bail!("no account is enrolled here: nothing to watch (see `signet-cli enroll`)");
    }
    let (sender, mut events) = tokio::sync::mpsc::channel(64);
    let runner = tokio::spawn(Arc::clone(engine).run(sender));
    let mut seen = 0_u32;
    let result = async {
        while let Some(event) = events.recv().await {
            emit(&event)?;
            let Event::ChallengeReceived { challenge } = event else {
                continue;
            };
            seen += 1;
            auto_answer(engine, &challenge, &args).await?;
            if args.exit_after.is_some_and(|limit| seen >= limit) {
                break;
            }
        }
        Ok(())
    }
    .await;
    runner.abort();
    result
}

/// The automatic answer of `watch --auto-approve` / `--auto-deny`.
async fn auto_answer(engine: &Engine, challenge: &Challenge, args: &WatchArgs) -> Result<()> {
    let (answer, done) = if args.auto_approve {
        if challenge.verification_code_required {
            eprintln!(
                "signet-cli: sign-in {} asks for the number on the sign-in page; answer it with \
                 `signet-cli approve {} --code N`",
                challenge.id, challenge.id
            );
            return Ok(());
        }
        (Answer::approve(), "approved")
    } else if args.auto_deny {
        (Answer::deny(None), "denied")
    } else {
        return Ok(());
    };
    match engine.answer(&challenge.id, answer).await {
        Ok(taken) => emit(&answered_json(challenge, done, taken)),
        Err(error) => {
            eprintln!("signet-cli: could not answer {}: {error}", challenge.id);
            Ok(())
        }
    }
}
