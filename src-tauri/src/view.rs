//! What the UI shows: the core's values in the shapes of the UI contract (camelCase, times in
//! Unix milliseconds, names resolved from the account).

use serde::Serialize;
use signet_core::history::{HistoryEntry, Outcome};
use signet_core::{Account, AccountId, EnrollmentLink};

/// An account's connection to its server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Connection {
    /// The server answers.
    Connected,
    /// Not known yet (just started).
    Connecting,
    /// The server does not answer, or refuses the account.
    Offline,
}

/// An enrolled account, as the accounts screen shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    /// Local id.
    pub id: AccountId,
    /// Who the account is with.
    pub issuer: String,
    /// The user at the issuer.
    pub user_label: String,
    /// The server's host (and port).
    pub server_host: String,
    /// Whether approving asks for a biometric.
    pub require_biometric: bool,
    /// When it was enrolled (Unix ms).
    pub created_at: u64,
    /// When it last answered (Unix ms).
    pub last_used_at: Option<u64>,
    /// The connection to its server.
    pub connection: Connection,
}

/// The server's `host[:port]` of a URL.
fn host_of(url: &tauri::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => url.as_str().to_owned(),
    }
}

impl AccountView {
    /// The view of `account` with its connection state.
    pub fn new(account: &Account, connection: Connection) -> Self {
        let server_host = host_of(&account.base_url);
        Self {
            id: account.id.clone(),
            issuer: account
                .issuer
                .clone()
                .unwrap_or_else(|| server_host.clone()),
            user_label: account
                .user_label
                .clone()
                .unwrap_or_else(|| account.user_id.clone()),
            server_host,
            require_biometric: account.require_biometric,
            created_at: account.created_at.saturating_mul(1000),
            last_used_at: account.last_used_at.map(|at| at.saturating_mul(1000)),
            connection,
        }
    }
}

/// What an enrollment link will enroll, shown before anything is sent.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentPreview {
    /// Who the account is with.
    pub issuer: String,
    /// The user at the issuer.
    pub user_label: String,
    /// The server's host (and port).
    pub server_host: String,
    /// Whether the server uses https.
    pub secure: bool,
}

impl EnrollmentPreview {
    /// The preview of a parsed link.
    pub fn new(link: &EnrollmentLink) -> Self {
        let server_host = host_of(&link.base_url);
        Self {
            issuer: link.issuer.clone().unwrap_or_else(|| server_host.clone()),
            user_label: link.user.clone().unwrap_or_default(),
            server_host,
            secure: link.base_url.scheme() == "https",
        }
    }
}

/// A pending challenge, as the approval sheet shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeView {
    /// The challenge's id.
    pub id: String,
    /// Its account.
    pub account_id: AccountId,
    /// Who asks.
    pub issuer: String,
    /// For which user.
    pub user_label: String,
    /// The action, e.g. `signIn`.
    pub action_code: Option<String>,
    /// Where the sign-in comes from.
    pub ip_address: Option<String>,
    /// The browser that started it.
    pub user_agent: Option<String>,
    /// The relying party's details (amount, merchant, note).
    pub custom: Option<serde_json::Value>,
    /// When it expires (Unix ms).
    pub expires_at: u64,
    /// When this device saw it (Unix ms).
    pub received_at: u64,
    /// Whether the user must type the number shown on the sign-in page.
    pub verification_code_required: bool,
}

impl ChallengeView {
    /// The view of `challenge`, named after `account` when it is known.
    pub fn new(challenge: &signet_core::Challenge, account: Option<&Account>) -> Self {
        let names = account.map(|a| AccountView::new(a, Connection::Connected));
        Self {
            id: challenge.id.clone(),
            account_id: challenge.account_id.clone(),
            issuer: names.as_ref().map(|n| n.issuer.clone()).unwrap_or_default(),
            user_label: names.map(|n| n.user_label).unwrap_or_default(),
            action_code: challenge.action_code.clone(),
            ip_address: challenge.ip_address.clone(),
            user_agent: challenge.user_agent.clone(),
            custom: challenge.custom.clone(),
            expires_at: challenge.expires_at.saturating_mul(1000),
            received_at: challenge.received_at.saturating_mul(1000),
            verification_code_required: challenge.verification_code_required,
        }
    }
}

/// A past challenge, as the history screen shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryView {
    /// The challenge's id.
    pub challenge_id: String,
    /// Its account.
    pub account_id: AccountId,
    /// Who asked.
    pub issuer: String,
    /// For which user.
    pub user_label: String,
    /// The action.
    pub action_code: Option<String>,
    /// Where from.
    pub ip_address: Option<String>,
    /// Which browser.
    pub user_agent: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// When (Unix ms).
    pub at: u64,
}

impl HistoryView {
    /// The view of `entry`, named after `account` when it still exists.
    pub fn new(entry: &HistoryEntry, account: Option<&Account>) -> Self {
        let names = account.map(|a| AccountView::new(a, Connection::Connected));
        Self {
            challenge_id: entry.challenge_id.clone(),
            account_id: entry.account_id.clone(),
            issuer: names
                .as_ref()
                .map_or_else(|| "Removed account".to_owned(), |n| n.issuer.clone()),
            user_label: names.map(|n| n.user_label).unwrap_or_default(),
            action_code: entry.action_code.clone(),
            ip_address: entry.ip_address.clone(),
            user_agent: entry.user_agent.clone(),
            outcome: entry.outcome,
            at: entry.at.saturating_mul(1000),
        }
    }
}

/// Whether this device can ask for a biometric, and why not.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BiometricStatus {
    /// Whether accounts may require a biometric.
    pub available: bool,
    /// Why not, in words.
    pub reason: Option<String>,
}
