//! Headless devices on `signet-core` with memory keys.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use signet_core::{
    AccountId, Answer, Client, Engine, EngineConfig, EnrollOptions, Event, MemoryKeyStore,
    WatchOptions, Watcher,
};
use signet_protocol::{
    AddCredentialRequest, AnswerChallengeRequest, PendingChallengeResponse, PublicKey,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::Error;
use crate::signer::BenchKey;
use signet_testkit::Rp;

/// A challenge a device has just seen, and when.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The challenge.
    pub challenge_id: String,
    /// When the watch step that fetched it returned.
    pub at: Instant,
}

/// The app's device: signet-core's [`Engine`] with one account, driven by its
/// [`Watcher`] exactly as the app's watch loop drives it.
#[derive(Debug)]
pub struct EngineDevice {
    /// The engine.
    pub engine: Arc<Engine>,
    /// Its one account.
    pub account: AccountId,
    /// The user it is enrolled for.
    pub user_id: String,
    _dir: tempfile::TempDir,
}

impl EngineDevice {
    /// A new engine in a fresh folder under `root`, enrolled for `user_id` through `rp`.
    pub async fn enroll(
        rp: &Rp,
        user_id: String,
        watch: WatchOptions,
        root: &Path,
    ) -> Result<Self, Error> {
        let dir = tempfile::Builder::new()
            .prefix("device-")
            .tempdir_in(root)?;
        let mut config = EngineConfig::new(dir.path(), Arc::new(MemoryKeyStore::new()));
        config.device_name = Some("bench device".to_owned());
        config.watch = watch;
        let engine = Arc::new(Engine::open(config)?);
        let link = rp.enrollment_link(&user_id).await?;
        let account = engine.enroll(&link, EnrollOptions::default()).await?;
        Ok(Self {
            engine,
            account: account.id,
            user_id,
            _dir: dir,
        })
    }

    /// Watches the account in a task, as the app does: one [`Watcher::step`] after another,
    /// sleeping as the step says. Each challenge seen is sent to `seen` and, with `approve`,
    /// approved at once. The first step starts after `start_after`.
    pub fn watch(
        &self,
        approve: bool,
        seen: mpsc::UnboundedSender<Seen>,
        start_after: Duration,
    ) -> JoinHandle<()> {
        let engine = Arc::clone(&self.engine);
        let mut watcher = Watcher::new(self.account.clone());
        tokio::spawn(async move {
            tokio::time::sleep(start_after).await;
            loop {
                let step = watcher.step(&engine).await;
                for event in step.events {
                    if let Event::ChallengeReceived { challenge } = event {
                        let at = Instant::now();
                        if approve {
                            // A failed answer shows up as a sign-in that never verifies.
                            let _ = engine.answer(&challenge.id, Answer::approve()).await;
                        }
                        let _ = seen.send(Seen {
                            challenge_id: challenge.id,
                            at,
                        });
                    }
                }
                if step.stop {
                    return;
                }
                tokio::time::sleep(step.next_delay).await;
            }
        })
    }
}

/// A bare device: signet-core's [`Client`] and a key in memory signing with `ring` (see
/// [`BenchKey`]), without the engine's files; for runs with thousands of devices.
#[derive(Debug, Clone)]
pub struct KeyDevice {
    client: Client,
    signer: Arc<BenchKey>,
    /// The device's public key.
    pub key: PublicKey,
    /// The user it is enrolled for.
    pub user_id: String,
}

impl KeyDevice {
    /// A new key, enrolled for `user_id` (3.1) through `client`.
    pub async fn enroll(rp: &Rp, client: Client, user_id: String) -> Result<Self, Error> {
        let signer = BenchKey::generate()?;
        let key = signer.public_key()?;
        let token = rp.enrollment_token(&user_id).await?;
        let request = AddCredentialRequest {
            public_key: key.to_spki_base64(),
            device_name: Some("bench device".to_owned()),
            device_platform: Some("linux".to_owned()),
            push_token: None,
        };
        client.add_credential(&token, &request).await?;
        Ok(Self {
            client,
            signer: Arc::new(signer),
            key,
            user_id,
        })
    }

    /// The same device (key and user) talking through another client.
    #[must_use]
    pub fn with_client(&self, client: Client) -> Self {
        Self {
            client,
            ..self.clone()
        }
    }

    /// 3.4a, the nonce signed, 3.4b (8.2 with `wait`).
    pub async fn fetch(&self, wait: Option<Duration>) -> Result<PendingChallengeResponse, Error> {
        Ok(self.fetch_with_pause(wait, Duration::ZERO).await?.0)
    }

    /// [`KeyDevice::fetch`] with a pause between 3.4a and 3.4b (a phone's network round
    /// trip): the answer, and how long the pause really took (to leave it out of a timing).
    pub async fn fetch_with_pause(
        &self,
        wait: Option<Duration>,
        pause: Duration,
    ) -> Result<(PendingChallengeResponse, Duration), Error> {
        let nonce = self.client.challenge_nonce(&self.key).await?;
        let paused = Instant::now();
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        let paused = paused.elapsed();
        let signature = self.signer.sign(nonce.message.as_bytes())?;
        let fetched = self
            .client
            .pending_challenge(&self.key, Some(&signature), wait)
            .await?;
        Ok((fetched, paused))
    }

    /// 3.5: approves `challenge_id`; the server's `isVerified`.
    pub async fn approve(&self, challenge_id: &str) -> Result<bool, Error> {
        let signature = self.signer.sign(challenge_id.as_bytes())?;
        let request = AnswerChallengeRequest {
            challenge_id: challenge_id.to_owned(),
            public_key: self.key.to_spki_base64(),
            approved: true,
            signature: signature.to_base64(),
            verification_code: None,
            decline_reason: None,
        };
        Ok(self.client.answer_challenge(&request).await?.is_verified)
    }
}
