//! The enrollment link and QR code of docs/protocol.md section 8.1 (extension):
//! `signet://enroll?v=1&url=<base URL>&tenant=<tenantId>&token=<track token>&user=<label>&issuer=<name>`.

use std::fmt;
use std::str::FromStr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

use crate::{Error, LinkError};

/// Everything but RFC 3986 unreserved characters is percent-encoded in a link's values.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The only link version this crate reads and writes.
pub const LINK_VERSION: &str = "1";

/// An enrollment link: where to enroll, for which tenant, with which track token.
///
/// `Display` writes the link (with the token: it is what goes into the QR code); `Debug`
/// redacts the token.
#[derive(Clone, PartialEq, Eq)]
pub struct EnrollmentLink {
    /// The server's base URL, ending in `/v1` (http or https).
    pub base_url: Url,
    /// The tenant id for the device's Basic header.
    pub tenant_id: String,
    /// The `add:authenticators` track token (a secret).
    pub token: String,
    /// A label for the user, e.g. an email address.
    pub user: Option<String>,
    /// The name of the service the account belongs to.
    pub issuer: Option<String>,
}

impl EnrollmentLink {
    /// Parses a `signet://enroll?v=1&...` link. Unknown fields are ignored; empty optional
    /// fields read as absent.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let invalid = |reason| Error::InvalidLink { reason };
        // 1. A URL with scheme `signet` and host `enroll`.
        let link = Url::parse(text.trim()).map_err(|_| invalid(LinkError::NotAUrl))?;
        if link.scheme() != "signet" {
            return Err(invalid(LinkError::NotSignetScheme));
        }
        if link.host_str() != Some("enroll") || !matches!(link.path(), "" | "/") {
            return Err(invalid(LinkError::NotEnroll));
        }
        // 2. Its percent-encoded query fields, each at most once.
        let mut fields = Fields::default();
        for (name, value) in link.query_pairs() {
            let (slot, field) = match name.as_ref() {
                "v" => (&mut fields.version, "v"),
                "url" => (&mut fields.url, "url"),
                "tenant" => (&mut fields.tenant, "tenant"),
                "token" => (&mut fields.token, "token"),
                "user" => (&mut fields.user, "user"),
                "issuer" => (&mut fields.issuer, "issuer"),
                _ => continue,
            };
            if slot.is_some() {
                return Err(invalid(LinkError::DuplicateField { field }));
            }
            *slot = Some(value.into_owned());
        }
        // 3. `v` other than 1 is refused with a clear error.
        let version = required(fields.version, "v")?;
        if version != LINK_VERSION {
            return Err(Error::UnsupportedLinkVersion { version });
        }
        // 4. The base URL must be http or https.
        let base_url = Url::parse(&required(fields.url, "url")?)
            .map_err(|_| invalid(LinkError::InvalidBaseUrl))?;
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(invalid(LinkError::BaseUrlNotHttp));
        }
        Ok(Self {
            base_url,
            tenant_id: required(fields.tenant, "tenant")?,
            token: required(fields.token, "token")?,
            user: fields.user.filter(|user| !user.is_empty()),
            issuer: fields.issuer.filter(|issuer| !issuer.is_empty()),
        })
    }
}

/// The fields of a link as found in its query.
#[derive(Default)]
struct Fields {
    version: Option<String>,
    url: Option<String>,
    tenant: Option<String>,
    token: Option<String>,
    user: Option<String>,
    issuer: Option<String>,
}

/// A required field, present and not empty.
fn required(value: Option<String>, field: &'static str) -> Result<String, Error> {
    value
        .filter(|value| !value.is_empty())
        .ok_or(Error::MissingLinkField { field })
}

impl fmt::Display for EnrollmentLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let encode = |value: &str| utf8_percent_encode(value, VALUE).to_string();
        write!(
            f,
            "signet://enroll?v={LINK_VERSION}&url={}&tenant={}&token={}",
            encode(self.base_url.as_str()),
            encode(&self.tenant_id),
            encode(&self.token),
        )?;
        if let Some(user) = &self.user {
            write!(f, "&user={}", encode(user))?;
        }
        if let Some(issuer) = &self.issuer {
            write!(f, "&issuer={}", encode(issuer))?;
        }
        Ok(())
    }
}

impl fmt::Debug for EnrollmentLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnrollmentLink")
            .field("base_url", &self.base_url.as_str())
            .field("tenant_id", &self.tenant_id)
            .field("token", &"<redacted>")
            .field("user", &self.user)
            .field("issuer", &self.issuer)
            .finish()
    }
}

impl FromStr for EnrollmentLink {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        Self::parse(text)
    }
}
