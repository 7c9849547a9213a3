//! What the wake-up channels share: the HTTP client they send with, the rule that a
//! provider's address is `https://` (or loopback), a secret file's contents, and how an HTTP
//! answer's `Retry-After` and a failed connection become [`Sent::Retry`].

use std::path::Path;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use url::Url;
use zeroize::Zeroizing;

use crate::Error;
use crate::push::wake::Sent;

/// How long one attempt may take to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one attempt may take in all (the delivery has its own, shorter, deadline for the
/// challenge-push answer; this only bounds an attempt that runs on after it).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);

/// The most of a provider's answer read (its error reason); the rest is dropped.
pub(crate) const ANSWER_LIMIT: usize = 16 * 1024;

/// Certificates the channels trust besides the system's roots: a relay's private CA, or a
/// test's stand-in. Empty in production.
#[derive(Clone, Default)]
pub struct ExtraRoots(pub Vec<reqwest::Certificate>);

impl std::fmt::Debug for ExtraRoots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExtraRoots({} certificates)", self.0.len())
    }
}

impl ExtraRoots {
    /// The certificates of a PEM file (one or more `CERTIFICATE` blocks).
    pub fn from_pem_file(path: &Path) -> Result<Self, Error> {
        let pem = std::fs::read(path).map_err(|error| {
            Error::push_config(
                "push-ca-file",
                format!("cannot read {}: {error}", path.display()),
            )
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|_| {
            Error::push_config(
                "push-ca-file",
                format!("{} holds no PEM certificate", path.display()),
            )
        })?;
        if certs.is_empty() {
            return Err(Error::push_config(
                "push-ca-file",
                format!("{} holds no PEM certificate", path.display()),
            ));
        }
        Ok(Self(certs))
    }
}

/// One HTTP client for a provider: its connections (HTTP/2 when `http2_only`) are kept and
/// reused by every attempt; no redirects; timeouts on connect and on the whole attempt.
pub(crate) fn client(roots: &ExtraRoots, http2_only: bool) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(ATTEMPT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(600))
        .tls_certs_merge(roots.0.iter().cloned());
    if http2_only {
        builder = builder.http2_prior_knowledge();
    }
    builder
        .build()
        .map_err(|error| Error::push_config("http-client", format!("cannot build it: {error}")))
}

/// `text` as a provider's base URL: `https://`, or `http://` on a loopback address only
/// (a local stand-in or relay); no query, no fragment. `setting` names the flag in errors.
pub fn provider_url(setting: &'static str, text: &str) -> Result<Url, Error> {
    let url = Url::parse(text)
        .map_err(|_| Error::push_config(setting, format!("{text:?} is not a URL")))?;
    if !crate::push::is_secure_url(&url) {
        return Err(Error::push_config(
            setting,
            format!("{text:?} must be https:// (http:// only on a loopback address)"),
        ));
    }
    if url.host().is_none() || url.query().is_some() || url.fragment().is_some() {
        return Err(Error::push_config(
            setting,
            format!("{text:?} must be a plain base URL (a host, no query or fragment)"),
        ));
    }
    Ok(url)
}

/// `base` joined with `path` (which starts with `/`), keeping a path prefix `base` has (a
/// relay at `https://relay.example/apple`).
pub(crate) fn endpoint(base: &Url, path: &str) -> String {
    format!("{}{path}", base.as_str().trim_end_matches('/'))
}

/// The contents of a secret file, without surrounding whitespace; refused when empty.
/// The error names the file, never its contents.
pub fn read_secret_file(setting: &'static str, path: &Path) -> Result<Zeroizing<String>, Error> {
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|error| {
        Error::push_config(setting, format!("cannot read {}: {error}", path.display()))
    })?);
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        Error::push_config(setting, format!("{} is not UTF-8 text", path.display()))
    })?;
    let trimmed = Zeroizing::new(text.trim().to_owned());
    if trimmed.is_empty() {
        return Err(Error::push_config(
            setting,
            format!("{} is empty", path.display()),
        ));
    }
    Ok(trimmed)
}

/// The `Retry-After` of an answer: delay-seconds, or an HTTP date (RFC 9110 10.2.3).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// A request that got no HTTP answer (refused, reset, timed out): worth another attempt.
pub(crate) fn unreachable(provider: &str, error: &reqwest::Error) -> Sent {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "the connection failed"
    };
    Sent::Retry {
        after: None,
        reason: format!("{provider}: {what}"),
    }
}

/// Reads at most [`ANSWER_LIMIT`] bytes of an answer's body (an error reason); `None` when it
/// cannot be read.
pub(crate) async fn answer_body(mut response: reqwest::Response) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = ANSWER_LIMIT.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= ANSWER_LIMIT {
            break;
        }
    }
    Some(body)
}

/// A provider's error word (`BadDeviceToken`, `UNREGISTERED`) fit for a log: ASCII letters,
/// digits and `_`, at most 64 of them; anything else is dropped.
pub(crate) fn reason_word(text: &str) -> Option<&str> {
    (!text.is_empty()
        && text.len() <= 64
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    .then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_url_is_https_or_loopback_http() {
        assert!(provider_url("x", "https://api.push.apple.com").is_ok());
        assert!(provider_url("x", "http://127.0.0.1:8080").is_ok());
        assert!(provider_url("x", "http://[::1]:8080").is_ok());
        assert!(provider_url("x", "http://push.example.com").is_err());
        assert!(provider_url("x", "ftp://127.0.0.1").is_err());
        assert!(provider_url("x", "https://a.example/?q=1").is_err());
        assert!(provider_url("x", "not a url").is_err());
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_ignores_garbage() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().expect("header"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().expect("header"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, "soon".parse().expect("header"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn only_plain_words_from_a_provider_reach_the_log() {
        assert_eq!(reason_word("BadDeviceToken"), Some("BadDeviceToken"));
        assert_eq!(reason_word("bad\ntoken"), None);
        assert_eq!(reason_word(&"x".repeat(65)), None);
    }

    #[test]
    fn an_endpoint_keeps_the_base_path() {
        let base = Url::parse("https://relay.example/apple/").expect("url");
        assert_eq!(
            endpoint(&base, "/3/device/ab"),
            "https://relay.example/apple/3/device/ab"
        );
    }
}
