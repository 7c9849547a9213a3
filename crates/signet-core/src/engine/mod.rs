//! The challenge engine: enrollment, watching for challenges, answers, removal, keep-alive.
//!
//! One [`Engine`] per app. It owns the accounts, the key store, the pending challenges and
//! one HTTP client per server. The shell calls its methods from commands and runs
//! [`Engine::run`] in a background task to receive [`Event`]s.

mod account_list;
mod challenge;
mod lease;
mod verify;
mod watch;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use signet_protocol::clock::{Clock, SystemClock};
use signet_protocol::{
    AddCredentialRequest, AnswerChallengeRequest, DeclineReason, DevicePlatform, EnrollmentLink,
    ErrorCode, PendingChallengeResponse, RemoveCredentialRequest, UpdateCredentialRequest,
    UpdateCredentialResponse, time_window_message,
};
use tokio::sync::{Notify, broadcast, mpsc};
use tokio::task::{AbortHandle, JoinSet};

use account_list::AccountList;
use challenge::PendingSet;
pub use challenge::{Answer, Challenge, DEFAULT_CHALLENGE_LIFETIME_SECS, Decision};
pub use lease::{Renewal, WakeUp, next_renewal};
pub use verify::{NoUserVerification, UserVerifier, VerificationFailed};
use watch::Fetched;
pub use watch::{Delivery, Event, Resolution, Step, WatchOptions, Watcher, backoff};

use crate::accounts::{Account, AccountId, AccountStore, PushToken};
use crate::client::{Client, ClientOptions};
use crate::enrollment::{self, TokenClaims};
use crate::history::{History, HistoryEntry, Outcome};
use crate::keys::{DeviceKeyStore, KeyAlias, KeyStoreDescription};
use crate::{Error, LinkProblem};

/// How often a signed 3.4b (nonce, signature, fetch) is tried before the unsigned answer
/// is used.
const SIGNED_FETCH_ATTEMPTS: u32 = 3;

/// Everything an [`Engine`] is built from.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The app's data folder (the accounts file lives there).
    pub data_dir: PathBuf,
    /// Where the keys are.
    pub keys: Arc<dyn DeviceKeyStore>,
    /// The user-verification hook (biometric).
    pub verifier: Arc<dyn UserVerifier>,
    /// "Now", for expiries and timestamps.
    pub clock: Arc<dyn Clock>,
    /// The `deviceName` sent at enrollment.
    pub device_name: Option<String>,
    /// The `devicePlatform` sent at enrollment.
    pub device_platform: DevicePlatform,
    /// Limits of the HTTP clients.
    pub client: ClientOptions,
    /// Timing of the watch loop.
    pub watch: WatchOptions,
}

impl EngineConfig {
    /// Defaults: system clock, no user verification, this OS's platform name, default limits.
    pub fn new(data_dir: impl Into<PathBuf>, keys: Arc<dyn DeviceKeyStore>) -> Self {
        Self {
            data_dir: data_dir.into(),
            keys,
            verifier: Arc::new(NoUserVerification),
            clock: Arc::new(SystemClock),
            device_name: None,
            device_platform: this_platform(),
            client: ClientOptions::default(),
            watch: WatchOptions::default(),
        }
    }
}

/// The `devicePlatform` of the OS this is built for.
pub fn this_platform() -> DevicePlatform {
    if cfg!(target_os = "ios") {
        DevicePlatform::Ios
    } else if cfg!(target_os = "android") {
        DevicePlatform::Android
    } else if cfg!(target_os = "macos") {
        DevicePlatform::Macos
    } else if cfg!(target_os = "windows") {
        DevicePlatform::Windows
    } else {
        DevicePlatform::Linux
    }
}

/// Options of an enrollment.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnrollOptions {
    /// Ask for user verification (biometric) before every approval with this account.
    pub require_biometric: bool,
}

/// What [`Engine::remove`] did. The local key and account are gone in every case.
#[derive(Debug)]
pub struct Removal {
    /// The account removed.
    pub account: Account,
    /// Why the server did not confirm the removal, if it did not (the local key is deleted
    /// anyway, as Authsignal's SDKs do).
    pub server_error: Option<Error>,
}

/// The device: accounts, keys, pending challenges. Share it in an `Arc`.
#[derive(Debug)]
pub struct Engine {
    keys: Arc<dyn DeviceKeyStore>,
    verifier: Arc<dyn UserVerifier>,
    clock: Arc<dyn Clock>,
    accounts: Arc<AccountList>,
    pending: Mutex<PendingSet>,
    clients: Mutex<HashMap<(String, String), Client>>,
    device_name: Option<String>,
    device_platform: DevicePlatform,
    client_options: ClientOptions,
    watch: Mutex<WatchOptions>,
    history: Arc<History>,
    accounts_changed: Notify,
    resolutions: broadcast::Sender<Resolution>,
    /// Accounts whose server refuses new challenges after "it wasn't me", until when (Unix
    /// seconds; docs/protocol.md 8.4). Kept in memory only.
    paused: Mutex<HashMap<AccountId, u64>>,
    /// The push token the platform gave last (none on platforms without wake-ups).
    push_token: Mutex<Option<PushToken>>,
    /// Woken after an enrollment, so the lease loop learns the new credential's lease.
    leases_due: Notify,
}

/// How many resolutions a slow subscriber may fall behind before it misses some.
const RESOLUTIONS_BUFFER: usize = 256;

/// Locks a mutex, ignoring poisoning (every critical section leaves data consistent).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs a blocking call (key store, user verification) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| Error::TaskFailed)?
}

impl Engine {
    /// Opens the engine: reads the accounts file (see [`AccountStore::load`] for what a
    /// damaged file does).
    pub fn open(config: EngineConfig) -> Result<Self, Error> {
        let accounts = AccountList::load(AccountStore::in_folder(&config.data_dir))?;
        let history = History::open(&config.data_dir)?;
        Ok(Self {
            keys: config.keys,
            verifier: config.verifier,
            clock: config.clock,
            accounts: Arc::new(accounts),
            pending: Mutex::new(PendingSet::default()),
            clients: Mutex::new(HashMap::new()),
            device_name: config.device_name,
            device_platform: config.device_platform,
            client_options: config.client,
            watch: Mutex::new(config.watch),
            history: Arc::new(history),
            accounts_changed: Notify::new(),
            resolutions: broadcast::channel(RESOLUTIONS_BUFFER).0,
            paused: Mutex::new(HashMap::new()),
            push_token: Mutex::new(None),
            leases_due: Notify::new(),
        })
    }

    /// The enrolled accounts, oldest first.
    pub fn accounts(&self) -> Vec<Account> {
        self.accounts.all()
    }

    /// One account.
    pub fn account(&self, id: &AccountId) -> Option<Account> {
        self.accounts.get(id)
    }

    /// The pending challenges, oldest first (expired ones dropped first).
    pub fn pending(&self) -> Vec<Challenge> {
        self.prune_expired();
        lock(&self.pending).list()
    }

    /// What the key store is.
    pub fn key_store(&self) -> KeyStoreDescription {
        self.keys.describe()
    }

    /// Whether this device can verify the user (so accounts may require it).
    pub fn user_verification_available(&self) -> bool {
        self.verifier.is_available()
    }

    /// The watch loop's timing.
    pub fn watch_options(&self) -> WatchOptions {
        lock(&self.watch).clone()
    }

    /// Changes how often accounts are polled when their server does not hold requests; the
    /// watch loops use it from their next step.
    pub fn set_poll_interval(&self, interval: Duration) {
        lock(&self.watch).poll_interval = interval;
    }

    /// How past challenges ended, newest first.
    pub fn history(&self) -> Vec<HistoryEntry> {
        self.history.list()
    }

    /// Until when (Unix seconds) the account's server refuses new sign-ins after this
    /// device's "it wasn't me" (its cool-down, when the server tells it); `None` when it does not.
    pub fn paused_until(&self, id: &AccountId) -> Option<u64> {
        let now = self.clock.now_seconds();
        lock(&self.paused)
            .get(id)
            .copied()
            .filter(|until| *until > now)
    }

    /// Every challenge that leaves the pending set from now on, once, with how it ended:
    /// answered here, answered on another device (or cancelled), expired, refused by the
    /// server. [`Engine::run`] forwards them as [`Event::ChallengeResolved`].
    pub fn resolutions(&self) -> broadcast::Receiver<Resolution> {
        self.resolutions.subscribe()
    }

    /// A challenge left the pending set: marks it done, records it in history and tells the
    /// subscribers.
    fn resolve(&self, challenge: &Challenge, outcome: Outcome) {
        lock(&self.pending).finish(&challenge.id);
        let at = self.clock.now_seconds();
        record(&self.history, HistoryEntry::new(challenge, outcome, at));
        // Nobody listening is fine: history has it.
        let _ = self.resolutions.send(Resolution {
            challenge_id: challenge.id.clone(),
            account_id: challenge.account_id.clone(),
            outcome,
            at,
        });
    }

    /// The client of a server and tenant (one per pair, reused).
    fn client(&self, base_url: &url::Url, tenant_id: &str) -> Result<Client, Error> {
        let key = (base_url.as_str().to_owned(), tenant_id.to_owned());
        if let Some(client) = lock(&self.clients).get(&key) {
            return Ok(client.clone());
        }
        let client = Client::with_options(base_url, tenant_id, self.client_options.clone())?;
        lock(&self.clients).insert(key, client.clone());
        Ok(client)
    }

    fn account_or_err(&self, id: &AccountId) -> Result<Account, Error> {
        self.account(id)
            .ok_or_else(|| Error::UnknownAccount { id: id.clone() })
    }

    /// Signs `message` with an account's key, on a blocking thread.
    async fn sign(&self, alias: &KeyAlias, message: String) -> Result<String, Error> {
        let keys = Arc::clone(&self.keys);
        let alias = alias.clone();
        blocking(move || keys.sign(&alias, message.as_bytes()))
            .await
            .map(|signature| signature.to_base64())
    }

    /// Applies `change` to the accounts and saves them; on a save error nothing changes.
    fn update_accounts(&self, change: impl FnOnce(&mut Vec<Account>)) -> Result<(), Error> {
        self.accounts.update(change)
    }

    /// What enrolling with `link` would run into, found without using its token (nothing is
    /// sent): a server without https ([`Error::InsecureUrl`]), a token whose `exp` has passed
    /// ([`Error::EnrollmentLink`] with [`LinkProblem::Expired`]). Otherwise the account of the
    /// same user on the same server already on this device, if there is one (see
    /// [`enrollment::same_user`]), so the shell can offer to replace it.
    pub fn check_link(&self, link: &EnrollmentLink) -> Result<Option<Account>, Error> {
        crate::client::check_url(&link.base_url)?;
        let claims = TokenClaims::peek(&link.token);
        if claims.expired_at(self.clock.now_seconds()) {
            return Err(Error::EnrollmentLink {
                problem: LinkProblem::Expired,
            });
        }
        Ok(self
            .accounts()
            .into_iter()
            .find(|account| enrollment::same_user(account, link, &claims)))
    }

    /// Enrolls a new account from a link (protocol 8.1, then 3.1): a new key, its public
    /// half posted with the link's token, the account saved. A link the server refuses is
    /// [`Error::EnrollmentLink`] saying why (used, expired, not for this server).
    pub async fn enroll(
        &self,
        link: &EnrollmentLink,
        options: EnrollOptions,
    ) -> Result<Account, Error> {
        // 1. The link's server must be https (or loopback), its token not expired, and
        //    verification possible if asked for.
        self.check_link(link)?;
        let client = self.client(&link.base_url, &link.tenant_id)?;
        if options.require_biometric && !self.verifier.is_available() {
            return Err(Error::UserVerificationUnavailable);
        }
        // 2. A new key in the store; only its public half comes back.
        let alias = KeyAlias::generate();
        let keys = Arc::clone(&self.keys);
        let create_alias = alias.clone();
        let public_key = blocking(move || keys.create(&create_alias)).await?;
        // 3. 3.1 add credential, with the track token as Bearer, and the push token when
        //    the platform gave one (docs/protocol.md 8.6).
        let push_token = self.current_push_token();
        let request = AddCredentialRequest {
            public_key: public_key.to_spki_base64(),
            device_name: self.device_name.clone(),
            device_platform: Some(self.device_platform.as_str().to_owned()),
            push_token: push_token.as_ref().map(|token| token.as_str().to_owned()),
        };
        let credential = match client.add_credential(&link.token, &request).await {
            Ok(credential) => credential,
            Err(error) => {
                // The key was never enrolled anywhere: delete it.
                let keys = Arc::clone(&self.keys);
                let _ = blocking(move || keys.delete(&alias)).await;
                return Err(enrollment::refusal(error));
            }
        };
        // 4. The account, saved. (If saving fails the key is kept: the server knows it.)
        let account = Account {
            id: AccountId::generate(),
            base_url: link.base_url.clone(),
            tenant_id: link.tenant_id.clone(),
            user_label: link.user.clone(),
            issuer: link.issuer.clone(),
            user_id: credential.user_id,
            authenticator_id: credential.user_authenticator_id,
            key_alias: alias,
            public_key,
            require_biometric: options.require_biometric,
            created_at: self.clock.now_seconds(),
            last_used_at: None,
            push_token,
        };
        self.update_accounts(|accounts| accounts.push(account.clone()))?;
        self.accounts_changed.notify_one();
        self.leases_due.notify_one();
        Ok(account)
    }

    /// Enrolls an existing account's key again with a new link's token (3.1 is idempotent
    /// for the same key): e.g. after the credential was removed on the server.
    pub async fn reenroll(&self, id: &AccountId, link: &EnrollmentLink) -> Result<Account, Error> {
        let account = self.account_or_err(id)?;
        let client = self.client(&link.base_url, &link.tenant_id)?;
        let push_token = self.current_push_token();
        let request = AddCredentialRequest {
            public_key: account.public_key.to_spki_base64(),
            device_name: self.device_name.clone(),
            device_platform: Some(self.device_platform.as_str().to_owned()),
            push_token: push_token.as_ref().map(|token| token.as_str().to_owned()),
        };
        let credential = client
            .add_credential(&link.token, &request)
            .await
            .map_err(enrollment::refusal)?;
        let mut updated = account;
        updated.base_url = link.base_url.clone();
        updated.tenant_id.clone_from(&link.tenant_id);
        updated.user_id = credential.user_id;
        updated.authenticator_id = credential.user_authenticator_id;
        updated.push_token = push_token;
        let saved = updated.clone();
        self.update_accounts(|accounts| {
            if let Some(slot) = accounts.iter_mut().find(|a| a.id == saved.id) {
                *slot = saved;
            }
        })?;
        self.accounts_changed.notify_one();
        self.leases_due.notify_one();
        Ok(updated)
    }

    /// Enrolls a new account from `link` in place of `old` (the same user enrolled again,
    /// found by [`Engine::check_link`]): the new key is enrolled first, then `old` is removed
    /// as [`Engine::remove`] does. If the enrollment fails, `old` is left as it was.
    pub async fn replace(
        &self,
        old: &AccountId,
        link: &EnrollmentLink,
        options: EnrollOptions,
    ) -> Result<Account, Error> {
        self.account_or_err(old)?;
        let account = self.enroll(link, options).await?;
        if let Err(error) = self.remove(old).await {
            tracing::warn!(%error, "the replaced account could not be removed");
        }
        Ok(account)
    }

    /// Sets whether approving with an account needs user verification first.
    pub fn set_require_biometric(&self, id: &AccountId, require: bool) -> Result<Account, Error> {
        if require && !self.verifier.is_available() {
            return Err(Error::UserVerificationUnavailable);
        }
        self.account_or_err(id)?;
        self.update_accounts(|accounts| {
            if let Some(account) = accounts.iter_mut().find(|a| &a.id == id) {
                account.require_biometric = require;
            }
        })?;
        self.account_or_err(id)
    }

    /// One look for an account's pending challenge, offered to the pending set: 3.4b
    /// unsigned (8.2 with `wait`), one request while nothing happens; only for a challenge
    /// not seen before, a 3.4a nonce, signed, and a signed 3.4b for the whole challenge
    /// (`custom` is returned to signed requests only).
    pub(crate) async fn fetch(
        &self,
        account: &Account,
        wait: Option<Duration>,
    ) -> Result<Fetched, Error> {
        let client = self.client(&account.base_url, &account.tenant_id)?;
        // 1. 3.4b unsigned: is anything pending?
        let wire = client
            .pending_challenge(&account.public_key, None, wait)
            .await?;
        let current = wire.challenge_id.clone().filter(|id| !id.is_empty());
        // 1b. A known challenge the server no longer returns, unexpired and not answered
        //     here, was answered on another device of the user (or cancelled).
        let gone = lock(&self.pending).take_gone(
            &account.id,
            current.as_deref(),
            self.clock.now_seconds(),
        );
        for challenge in gone {
            self.resolve(&challenge, Outcome::AnsweredElsewhere);
        }
        let Some(id) = current else {
            return Ok(Fetched::Nothing);
        };
        let unsigned = wire;
        // 2. One already shown or answered: nothing more to ask.
        if lock(&self.pending).knows(&id) {
            return Ok(Fetched::Known);
        }
        // 3. A new one: 3.4a nonce, its signature by the account's key, 3.4b signed, tried
        //    a few times; when the server keeps refusing (e.g. a flood of nonces for this key
        //    from elsewhere), the unsigned answer (without `custom`) is shown instead, as
        //    Authsignal's SDKs show what the unsigned fetch returned.
        let mut signed = None;
        for attempt in 1..=SIGNED_FETCH_ATTEMPTS {
            match self.fetch_signed(&client, account).await {
                Ok(answer) => {
                    signed = Some(answer);
                    break;
                }
                Err(error @ (Error::Server { .. } | Error::Network { .. } | Error::Timeout)) => {
                    tracing::warn!(attempt, %error, "signed challenge fetch failed");
                    if attempt < SIGNED_FETCH_ATTEMPTS {
                        tokio::time::sleep(Duration::from_millis(200) * attempt).await;
                    }
                }
                Err(error) => return Err(error),
            }
        }
        let wire = signed.unwrap_or(unsigned);
        // 4. Parsed once; new, known, or nothing (answered meanwhile).
        let now = self.clock.now_seconds();
        let Some(challenge) = Challenge::from_wire(&account.id, wire, now) else {
            return Ok(Fetched::Nothing);
        };
        let mut pending = lock(&self.pending);
        if pending.offer(&challenge, now) {
            Ok(Fetched::New(challenge))
        } else if pending.knows(&challenge.id) || challenge.is_expired(now) {
            Ok(Fetched::Known)
        } else {
            Ok(Fetched::Nothing)
        }
    }

    /// 3.4a nonce, its signature by the account's key, 3.4b signed.
    async fn fetch_signed(
        &self,
        client: &Client,
        account: &Account,
    ) -> Result<PendingChallengeResponse, Error> {
        let nonce = client.challenge_nonce(&account.public_key).await?;
        let keys = Arc::clone(&self.keys);
        let alias = account.key_alias.clone();
        let signature = blocking(move || keys.sign(&alias, nonce.message.as_bytes())).await?;
        client
            .pending_challenge(&account.public_key, Some(&signature), None)
            .await
    }

    /// Asks the server once, without waiting, whether a challenge is pending for an account
    /// (for a one-shot device such as `signet-cli approve`). Returns it if it is pending.
    pub async fn check_now(&self, id: &AccountId) -> Result<Option<Challenge>, Error> {
        let account = self.account_or_err(id)?;
        match self.fetch(&account, None).await? {
            Fetched::New(challenge) => Ok(Some(challenge)),
            Fetched::Known | Fetched::Nothing => Ok(lock(&self.pending)
                .list()
                .into_iter()
                .find(|challenge| &challenge.account_id == id)),
        }
    }

    /// Whether a challenge of this account is waiting for the user.
    pub(crate) fn is_waiting(&self, id: &AccountId) -> bool {
        lock(&self.pending).has_account(id)
    }

    /// Drops expired challenges, resolving each as expired.
    pub(crate) fn prune_expired(&self) {
        let now = self.clock.now_seconds();
        let expired = lock(&self.pending).prune(now);
        for challenge in expired {
            self.resolve(&challenge, Outcome::Expired);
        }
    }

    /// Answers a pending challenge (3.5): approve (after user verification when the account
    /// asks for it, with the number when the challenge asks for one) or deny. Returns the
    /// server's `isVerified`: true when the answer was taken as given (an approval, or a
    /// denial), false when the server failed the sign-in instead (e.g. a wrong number).
    ///
    /// A challenge answered, expired or refused by the server leaves the pending set; after
    /// a network error it stays, so the user can try again.
    pub async fn answer(&self, challenge_id: &str, answer: Answer) -> Result<bool, Error> {
        let now = self.clock.now_seconds();
        // 1. A pending, unexpired challenge.
        let challenge = lock(&self.pending)
            .get(challenge_id)
            .cloned()
            .ok_or_else(|| Error::UnknownChallenge {
                id: challenge_id.to_owned(),
            })?;
        if challenge.is_expired(now) {
            self.resolve(&challenge, Outcome::Expired);
            return Err(Error::ChallengeExpired {
                id: challenge_id.to_owned(),
            });
        }
        let account = self.account_or_err(&challenge.account_id)?;
        let approve = answer.decision == Decision::Approve;
        // 2. Number matching (8.3): approving needs the number.
        let verification_code = answer
            .verification_code
            .map(|code| code.trim().to_owned())
            .filter(|code| !code.is_empty());
        if approve && challenge.verification_code_required && verification_code.is_none() {
            return Err(Error::VerificationCodeRequired);
        }
        // 3. User verification before the key signs an approval.
        if approve && account.require_biometric {
            if !self.verifier.is_available() {
                return Err(Error::UserVerificationUnavailable);
            }
            let verifier = Arc::clone(&self.verifier);
            let reason = format!("Approve sign-in to {}", account.display_name());
            blocking(move || {
                verifier
                    .verify(&reason)
                    .map_err(|VerificationFailed| Error::UserVerificationFailed)
            })
            .await?;
        }
        // 4. The signature over the challengeId, and 3.5.
        let signature = self.sign(&account.key_alias, challenge.id.clone()).await?;
        let decline_reason = match answer.decision {
            Decision::Approve => None,
            Decision::Deny { reason } => reason,
        };
        let request = AnswerChallengeRequest {
            challenge_id: challenge.id.clone(),
            public_key: account.public_key.to_spki_base64(),
            approved: approve,
            signature,
            verification_code: if approve { verification_code } else { None },
            decline_reason,
        };
        let client = self.client(&account.base_url, &account.tenant_id)?;
        lock(&self.pending).set_answering(&challenge.id, true);
        let sent = client.answer_challenge(&request).await;
        lock(&self.pending).set_answering(&challenge.id, false);
        match sent {
            Ok(response) => {
                // 5. The account's last use (saved off the async threads, before the
                //    resolution is announced, so a listener reading the account sees it),
                //    then history and the resolution: what the user decided, or a sign-in
                //    the server failed instead (a wrong number, 8.3).
                let outcome = match (answer.decision, response.is_verified) {
                    (Decision::Approve, true) => Outcome::Approved,
                    (Decision::Approve, false) => Outcome::WrongNumber,
                    (
                        Decision::Deny {
                            reason: Some(DeclineReason::NotMe),
                        },
                        _,
                    ) => Outcome::NotMe,
                    (Decision::Deny { .. }, _) => Outcome::Denied,
                };
                let used = self.clock.now_seconds();
                if outcome == Outcome::NotMe
                    && let Some(seconds) = response.cool_down_seconds
                {
                    lock(&self.paused).insert(account.id.clone(), used.saturating_add(seconds));
                }
                self.note_use(account.id, used).await;
                self.resolve(&challenge, outcome);
                Ok(response.is_verified)
            }
            Err(error) => {
                // The server will not take an answer any more: the challenge leaves the
                // pending set (after a network error it stays, so the user can try again).
                if let Some(outcome) = refusal_outcome(&error) {
                    self.resolve(&challenge, outcome);
                }
                Err(error)
            }
        }
    }

    /// Saves when an account last answered, off the async threads; a failure is logged only.
    async fn note_use(&self, id: AccountId, used: u64) {
        let accounts = Arc::clone(&self.accounts);
        let _ = blocking(move || {
            if let Err(error) = accounts.update(|accounts| {
                if let Some(account) = accounts.iter_mut().find(|a| a.id == id) {
                    account.last_used_at = Some(used);
                }
            }) {
                tracing::warn!(%error, "cannot save the account's last use");
            }
            Ok(())
        })
        .await;
    }

    /// Removes an account: 3.3 on the server (signed time window), then the local key and
    /// the account, even when the server call failed.
    pub async fn remove(&self, id: &AccountId) -> Result<Removal, Error> {
        let account = self.account_or_err(id)?;
        // 1. 3.3 remove credential, signed over the current time window.
        let message = time_window_message(self.clock.now_seconds());
        let server = async {
            let signature = self.sign(&account.key_alias, message).await?;
            let client = self.client(&account.base_url, &account.tenant_id)?;
            client
                .remove_credential(&RemoveCredentialRequest {
                    public_key: account.public_key.to_spki_base64(),
                    signature,
                })
                .await
        };
        let server_error = server.await.err();
        if let Some(error) = &server_error {
            tracing::warn!(%error, "the server did not confirm the removal; deleting locally");
        }
        // 2. The local key, whatever the server said.
        let keys = Arc::clone(&self.keys);
        let alias = account.key_alias.clone();
        blocking(move || keys.delete(&alias)).await?;
        // 3. The account and its challenges.
        self.update_accounts(|accounts| accounts.retain(|a| &a.id != id))?;
        lock(&self.pending).forget_account(id);
        self.accounts_changed.notify_one();
        Ok(Removal {
            account,
            server_error,
        })
    }

    /// Keep-alive: renews the credential's lease on the server (3.6a, then 3.6b with
    /// `resetExpiry: true`), and tells it the platform's push token when it has not been told
    /// this one yet (the account then records it).
    pub async fn keep_alive(&self, id: &AccountId) -> Result<UpdateCredentialResponse, Error> {
        let account = self.account_or_err(id)?;
        let client = self.client(&account.base_url, &account.tenant_id)?;
        let push_token = self
            .current_push_token()
            .filter(|token| account.push_token.as_ref() != Some(token));
        // 1. 3.6a: a nonce and its challenge id.
        let nonce = client.update_nonce(&account.public_key).await?;
        // 2. Signed, and 3.6b: the lease renewed, the new push token if there is one.
        let signature = self.sign(&account.key_alias, nonce.message).await?;
        let response = client
            .update_credential(&UpdateCredentialRequest {
                challenge_id: nonce.challenge_id,
                public_key: account.public_key.to_spki_base64(),
                signature,
                push_token: push_token.as_ref().map(|token| token.as_str().to_owned()),
                reset_expiry: Some(true),
            })
            .await?;
        // 3. The server has the token now: recorded, so it is not sent again.
        if let Some(token) = push_token {
            self.update_accounts(|accounts| {
                if let Some(account) = accounts.iter_mut().find(|a| &a.id == id) {
                    account.push_token = Some(token);
                }
            })?;
        }
        Ok(response)
    }

    /// Watches every account until `events` is closed (or this future is dropped), sending
    /// [`Event`]s. Accounts enrolled or removed meanwhile are picked up. Run it in a task.
    pub async fn run(self: Arc<Self>, events: mpsc::Sender<Event>) {
        let mut tasks = JoinSet::new();
        let mut watching: HashMap<AccountId, AbortHandle> = HashMap::new();
        let mut resolutions = self.resolutions();
        // Leases and push tokens are kept up to date beside the watch loops.
        let leases = tokio::spawn(lease::lease_loop(Arc::clone(&self), events.clone()));
        loop {
            // 1. One watch loop per account; stopped ones for removed accounts.
            let ids: Vec<AccountId> = self.accounts().into_iter().map(|a| a.id).collect();
            watching.retain(|id, task| {
                let keep = ids.contains(id) && !task.is_finished();
                if !keep {
                    task.abort();
                }
                keep
            });
            for id in ids {
                if watching.contains_key(&id) {
                    continue;
                }
                let engine = Arc::clone(&self);
                let events = events.clone();
                let handle = tasks.spawn(watch_loop(engine, id.clone(), events));
                watching.insert(id, handle);
            }
            // 2. Until the accounts change or nobody listens; resolutions are passed on.
            tokio::select! {
                () = self.accounts_changed.notified() => {}
                () = events.closed() => break,
                Some(_) = tasks.join_next() => {}
                resolution = resolutions.recv() => match resolution {
                    Ok(resolution) => {
                        if events.send(Event::ChallengeResolved { resolution }).await.is_err() {
                            break;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "resolutions were not passed on");
                    }
                    Err(broadcast::error::RecvError::Closed) => {}
                },
            }
        }
        leases.abort();
    }
}

/// How a challenge ended when the server refused this device's answer to it: it expired,
/// another device answered first, or the server no longer knows it or this device's key.
/// `None` for other errors (after a network error the challenge stays, to try again).
fn refusal_outcome(error: &Error) -> Option<Outcome> {
    match error.error_code()? {
        ErrorCode::ChallengeExpired => Some(Outcome::Expired),
        ErrorCode::ChallengeAlreadyAnswered => Some(Outcome::AnsweredElsewhere),
        ErrorCode::ChallengeNotFound | ErrorCode::InvalidCredential => Some(Outcome::Refused),
        _ => None,
    }
}

/// Records an entry; history is for people, so a write error is logged only.
fn record(history: &History, entry: HistoryEntry) {
    if let Err(error) = history.record(entry) {
        tracing::warn!(%error, "cannot save history");
    }
}

/// The loop of one account: step, send, sleep.
async fn watch_loop(engine: Arc<Engine>, id: AccountId, events: mpsc::Sender<Event>) {
    let mut watcher = Watcher::new(id);
    loop {
        let step = watcher.step(&engine).await;
        for event in step.events {
            if events.send(event).await.is_err() {
                return;
            }
        }
        if step.stop {
            return;
        }
        tokio::time::sleep(step.next_delay).await;
    }
}
