//! Track and access tokens: compact JWTs signed with HMAC-SHA256 under a per-tenant key
//! derived from the server's [`TokenKey`], which is never in the database (see `secrets`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::Error;
use crate::secrets::TokenKey;

/// A track token's lifetime (protocol section 6): 10 minutes.
pub const TRACK_TOKEN_LIFETIME_MS: i64 = 10 * 60 * 1000;

/// The scope that lets a token enroll a device (3.1).
pub const SCOPE_ADD_AUTHENTICATORS: &str = "add:authenticators";

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// From `track`: the initiator's and the enrolling device's token.
    Track,
    /// From an approved `verify/push`: the token the RP backend validates.
    Access,
}

/// The claims Signet puts in its tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The tenant.
    pub tid: String,
    /// The user.
    pub sub: String,
    /// The action code.
    pub act: String,
    /// The action's idempotency key.
    pub idk: String,
    /// Space-separated scopes.
    #[serde(default)]
    pub scope: String,
    /// Track or access.
    pub kind: TokenKind,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expires at, Unix seconds.
    pub exp: i64,
    /// Expiry in milliseconds (the server's own clock resolution).
    pub exp_ms: i64,
    /// Unique id of the token.
    pub jti: String,
}

impl Claims {
    /// Whether the scope list holds `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split_whitespace().any(|s| s == scope)
    }
}

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// Signs `claims` with the key of their tenant (`tid`), derived from `key`.
pub fn issue(claims: &Claims, key: &TokenKey) -> Result<String, Error> {
    let payload = serde_json::to_vec(claims)
        .map_err(|_| Error::invalid_request("the token could not be built"))?;
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(HEADER),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let tag = mac(key, &claims.tid, signing_input.as_bytes())?
        .finalize()
        .into_bytes();
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(tag)))
}

/// Reads the claims without checking the signature: only to find the tenant whose key
/// then checks it with [`verify`].
pub fn peek(token: &str) -> Result<Claims, Error> {
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(forged());
    };
    let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| forged())?;
    serde_json::from_slice(&bytes).map_err(|_| forged())
}

/// Checks the signature (under the key of `tenant_id`, derived from `key`) and the expiry
/// (`now_ms`), and returns the claims. A token of another tenant does not verify.
pub fn verify(token: &str, key: &TokenKey, tenant_id: &str, now_ms: i64) -> Result<Claims, Error> {
    // 1. Three parts, our header, a valid HMAC over the first two.
    let (signing_input, tag) = token.rsplit_once('.').ok_or_else(forged)?;
    let (header, _) = signing_input.split_once('.').ok_or_else(forged)?;
    let header = URL_SAFE_NO_PAD.decode(header).map_err(|_| forged())?;
    if header != HEADER.as_bytes() {
        return Err(forged());
    }
    let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| forged())?;
    mac(key, tenant_id, signing_input.as_bytes())?
        .verify_slice(&tag)
        .map_err(|_| forged())?;
    // 2. The claims (of this tenant), then the lifetime.
    let claims = peek(token)?;
    if claims.tid != tenant_id {
        return Err(forged());
    }
    if now_ms >= claims.exp_ms {
        return Err(Error::ExpiredToken);
    }
    Ok(claims)
}

fn mac(key: &TokenKey, tenant_id: &str, input: &[u8]) -> Result<Hmac<Sha256>, Error> {
    let tenant_key = key.tenant_key(tenant_id);
    let mut mac = Hmac::<Sha256>::new_from_slice(tenant_key.as_slice()).map_err(|_| forged())?;
    mac.update(input);
    Ok(mac)
}

fn forged() -> Error {
    Error::Unauthorized {
        reason: "the token is not valid",
    }
}
