//! What the UI shows: the core's values in the shapes of the UI contract (camelCase, times in
//! Unix milliseconds, names resolved from the account).

use serde::Serialize;
use signet_core::history::{HistoryEntry, Outcome};
use signet_core::{Account, AccountId, EnrollmentLink};
use ts_rs::TS;

/// An account's connection to its server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Connection {
    /// The server answers.
    Connected,
    /// Not known yet (just started).
    Connecting,
    /// The server does not answer, or refuses the account for a passing reason.
    Offline,
    /// The server no longer knows this device's credential (removed there, or its lease
    /// ended): the account must be enrolled again, with a new link.
    NeedsEnrollment,
}

/// An enrolled account, as the accounts screen shows it.
#[derive(Debug, Clone, Serialize, TS)]
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
    /// Until when its server refuses new sign-ins after "it wasn't me" (Unix ms).
    pub paused_until: Option<u64>,
}

/// The server's `host[:port]` of a URL.
fn host_of(url: &tauri::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => url.as_str().to_owned(),
    }
}

/// Who an account is with and for which user, as the UI names them (issuer falls back to the
/// server's host, user label to the user id).
fn names(account: &Account) -> (String, String) {
    let issuer = account
        .issuer
        .clone()
        .unwrap_or_else(|| host_of(&account.base_url));
    let user_label = account
        .user_label
        .clone()
        .unwrap_or_else(|| account.user_id.clone());
    (issuer, user_label)
}

impl AccountView {
    /// The view of `account` with its connection state and pause.
    pub fn new(account: &Account, connection: Connection, paused_until: Option<u64>) -> Self {
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
            paused_until: paused_until.map(|at| at.saturating_mul(1000)),
        }
    }
}

/// What an enrollment link will enroll, shown before anything is sent.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentPreview {
    /// Who the account is with, when the link names it.
    pub issuer: Option<String>,
    /// The user at the issuer, when the link names them.
    pub user_label: Option<String>,
    /// The server's host (and port).
    pub server_host: String,
    /// Whether the server uses https.
    pub secure: bool,
    /// The account of the same user on the same server already on this device, which
    /// enrolling again would replace.
    pub existing_account_id: Option<AccountId>,
}

impl EnrollmentPreview {
    /// The preview of a parsed link, with the account it would replace.
    pub fn new(link: &EnrollmentLink, existing: Option<&Account>) -> Self {
        Self {
            issuer: link.issuer.clone(),
            user_label: link.user.clone(),
            server_host: host_of(&link.base_url),
            secure: link.base_url.scheme() == "https",
            existing_account_id: existing.map(|account| account.id.clone()),
        }
    }
}

/// A pending challenge, as the approval sheet shows it.
#[derive(Debug, Clone, Serialize, TS)]
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
    #[ts(type = "Record<string, unknown> | null")]
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
        let (issuer, user_label) = account.map(names).unwrap_or_default();
        Self {
            id: challenge.id.clone(),
            account_id: challenge.account_id.clone(),
            issuer,
            user_label,
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
#[derive(Debug, Clone, Serialize, TS)]
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
    /// The relying party's details (amount, merchant, note) as they were shown.
    #[ts(type = "Record<string, unknown> | null")]
    pub custom: Option<serde_json::Value>,
    /// How it ended.
    pub outcome: Outcome,
    /// When (Unix ms).
    pub at: u64,
}

impl HistoryView {
    /// The view of `entry`, named after `account` when it still exists.
    pub fn new(entry: &HistoryEntry, account: Option<&Account>) -> Self {
        let (issuer, user_label) =
            account.map_or_else(|| ("Removed account".to_owned(), String::new()), names);
        Self {
            challenge_id: entry.challenge_id.clone(),
            account_id: entry.account_id.clone(),
            issuer,
            user_label,
            action_code: entry.action_code.clone(),
            ip_address: entry.ip_address.clone(),
            user_agent: entry.user_agent.clone(),
            custom: entry.custom.clone(),
            outcome: entry.outcome,
            at: entry.at.saturating_mul(1000),
        }
    }
}

/// What this platform can do beyond the common set.
#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlatformFeatures {
    /// A camera QR scanner for enrollment codes.
    pub qr_scan: bool,
    /// A tray icon (closing the window can keep the app running there) and starting at login.
    pub tray: bool,
}

/// Whether this device can ask for a biometric, and why not.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BiometricStatus {
    /// Whether accounts may require a biometric.
    pub available: bool,
    /// Why not, in words.
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(issuer: Option<&str>, user_label: Option<&str>) -> Account {
        serde_json::from_value(serde_json::json!({
            "id": "0123456789abcdef",
            "baseUrl": "https://auth.example.com:8443/v1",
            "tenantId": "tenant",
            "userLabel": user_label,
            "issuer": issuer,
            "userId": "user-42",
            "authenticatorId": "authenticator-1",
            "keyAlias": "signet-0123456789abcdef",
            "publicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEaxfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpZP40Li/hp/m47n60p8D54WK84zV2sxXs7LtkBoN79R9Q==",
            "createdAt": 1_800_000_000_u64,
            "lastUsedAt": null,
        }))
        .expect("a valid account")
    }

    #[test]
    fn an_account_without_issuer_or_label_is_named_by_its_host_and_user_id() {
        let view = AccountView::new(&account(None, None), Connection::Offline, None);
        assert_eq!(view.issuer, "auth.example.com:8443");
        assert_eq!(view.user_label, "user-42");
        assert_eq!(view.server_host, "auth.example.com:8443");
        assert_eq!(
            view.created_at, 1_800_000_000_000,
            "milliseconds for the UI"
        );
        assert_eq!(view.last_used_at, None);
    }

    #[test]
    fn history_of_a_removed_account_says_so() {
        let entry = HistoryEntry {
            challenge_id: "c".into(),
            account_id: AccountId::new("gone"),
            action_code: None,
            ip_address: None,
            user_agent: None,
            custom: None,
            outcome: Outcome::Expired,
            at: 2,
        };
        let view = HistoryView::new(&entry, None);
        assert_eq!(view.issuer, "Removed account");
        assert_eq!(view.at, 2_000);
        let kept = HistoryView::new(&entry, Some(&account(Some("Acme"), Some("ada"))));
        assert_eq!(
            (kept.issuer.as_str(), kept.user_label.as_str()),
            ("Acme", "ada")
        );
    }

    #[test]
    fn a_preview_says_whether_the_server_uses_https() {
        let link = EnrollmentLink::parse(
            "signet://enroll?v=1&url=http%3A%2F%2F127.0.0.1%3A4000%2Fv1&tenant=t&token=x&user=ada&issuer=Acme",
        )
        .expect("a valid link");
        let preview = EnrollmentPreview::new(&link, None);
        assert!(!preview.secure);
        assert_eq!(preview.server_host, "127.0.0.1:4000");
        assert_eq!(
            (preview.issuer.as_deref(), preview.user_label.as_deref()),
            (Some("Acme"), Some("ada"))
        );
        assert_eq!(preview.existing_account_id, None);
    }

    #[test]
    fn a_preview_of_a_link_without_issuer_does_not_name_the_host_as_the_service() {
        let link = EnrollmentLink::parse(
            "signet://enroll?v=1&url=https%3A%2F%2Fauth.example.com%2Fv1&tenant=t&token=x",
        )
        .expect("a valid link");
        let existing = account(None, None);
        let preview = EnrollmentPreview::new(&link, Some(&existing));
        assert_eq!(preview.issuer, None);
        assert_eq!(preview.user_label, None);
        assert_eq!(preview.server_host, "auth.example.com");
        assert_eq!(preview.existing_account_id, Some(existing.id));
    }
}
