//! Request extractors whose every rejection is a section-7 error body: JSON bodies, query
//! strings, path segments, and the three kinds of credentials.

use std::net::IpAddr;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use signet_protocol::parse_basic_user;

use crate::Error;
use crate::app::AppState;
use crate::store::Tenant;
use crate::token::{self, Claims};

/// The network address of the TCP peer, put into each request's extensions by the accept
/// loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PeerAddress(pub IpAddr);

/// The client's network address: `None` for a request that did not come over a socket
/// (the router driven in process).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddress(pub Option<IpAddr>);

impl ClientAddress {
    /// The address as stored with a nonce (empty when unknown).
    pub(crate) fn as_text(self) -> String {
        self.0.map(|ip| ip.to_string()).unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts.extensions.get::<PeerAddress>().map(|peer| peer.0),
        ))
    }
}

/// The most bytes a request body may have.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON body. Unlike axum's `Json`, it ignores the content type and rejects with the
/// protocol's error shape; the description names fields, never echoes values.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::invalid_request("a JSON body is required"));
        }
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body that may be absent (empty): then `T::default()`.
#[derive(Debug, Clone)]
pub struct ApiJsonOrDefault<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for ApiJsonOrDefault<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        parse_json(&bytes).map(ApiJsonOrDefault)
    }
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, Error> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge { limit: BODY_LIMIT }
        } else {
            Error::invalid_request("the request body could not be read")
        }
    })
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes)
        .map_err(|error| Error::invalid_request(describe_json_error(&error)))
}

/// Describes a JSON error by its kind and place, without the values it saw.
fn describe_json_error(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let place = format!("line {}, column {}", error.line(), error.column());
    match error.classify() {
        Category::Syntax | Category::Eof => format!("the body is not valid JSON ({place})"),
        Category::Data => {
            let text = error.to_string();
            let missing = text
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split_once('`'))
                .map(|(field, _)| field);
            match missing {
                Some(field) => format!("the body lacks the field `{field}`"),
                None => format!("a field of the body has the wrong type or value ({place})"),
            }
        }
        Category::Io => "the request body could not be read".to_owned(),
    }
}

/// A query string, rejected with the protocol's error shape.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(value)| ApiQuery(value))
            .map_err(|_| {
                Error::invalid_request("the query string is malformed or lacks `publicKey`")
            })
    }
}

/// Path segments, rejected with the protocol's error shape.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| ApiPath(value))
            .map_err(|_| Error::invalid_request("the path is malformed"))
    }
}

/// The `Authorization` header's text, if any.
fn authorization(parts: &Parts) -> Result<&str, Error> {
    parts
        .headers
        .get(AUTHORIZATION)
        .ok_or(Error::Unauthorized {
            reason: "the Authorization header is missing",
        })?
        .to_str()
        .map_err(|_| Error::Unauthorized {
            reason: "the Authorization header is malformed",
        })
}

/// Tenant Basic auth (device calls): the tenant named by `Basic base64("<tenantId>:")`.
#[derive(Debug, Clone)]
pub struct TenantAuth(pub Tenant);

impl FromRequestParts<AppState> for TenantAuth {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let tenant_id =
            parse_basic_user(authorization(parts)?).map_err(|_| Error::Unauthorized {
                reason: "expected Basic authorization with the tenant id",
            })?;
        state
            .store
            .tenant(&tenant_id)
            .await?
            .map(TenantAuth)
            .ok_or(Error::Unauthorized {
                reason: "unknown tenant",
            })
    }
}

/// Secret-key Basic auth (RP backend calls): the tenant whose secret key is the user part.
#[derive(Debug, Clone)]
pub struct SecretAuth(pub Tenant);

impl FromRequestParts<AppState> for SecretAuth {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let secret = parse_basic_user(authorization(parts)?).map_err(|_| Error::Unauthorized {
            reason: "expected Basic authorization with the secret key",
        })?;
        state
            .store
            .tenant_by_secret(&secret)
            .await?
            .map(SecretAuth)
            .ok_or(Error::Unauthorized {
                reason: "the secret key is not valid",
            })
    }
}

/// Bearer track token: checked signature and lifetime, and its tenant.
#[derive(Debug, Clone)]
pub struct BearerToken {
    /// The tenant that issued it.
    pub tenant: Tenant,
    /// Its claims.
    pub claims: Claims,
}

impl FromRequestParts<AppState> for BearerToken {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = authorization(parts)?;
        let token = header
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or(Error::Unauthorized {
                reason: "expected Bearer authorization with a track token",
            })?;
        let (tenant, claims) = state.check_token(token).await?;
        Ok(Self { tenant, claims })
    }
}

impl AppState {
    /// Checks a token issued by any tenant of this server: its tenant, signature and lifetime.
    pub(crate) async fn check_token(&self, token: &str) -> Result<(Tenant, Claims), Error> {
        let unverified = token::peek(token)?;
        let tenant = self
            .store
            .tenant(&unverified.tid)
            .await?
            .ok_or(Error::Unauthorized {
                reason: "the token is not valid",
            })?;
        let claims = token::verify(token, &self.token_key, &tenant.id, self.now())?;
        Ok((tenant, claims))
    }
}
