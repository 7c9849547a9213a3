//! Secrets at rest: what the database holds of a tenant's secret key (its hash), and the
//! server's token key, which the database never holds (docs/security.md 3.7).
//!
//! - A tenant's secret key is stored as its SHA-256 hash, and a request's key is found by
//!   the hash of what it presents. A plain hash, not a slow password hash: the keys the
//!   server makes are 32 random bytes (256 bits), which no dictionary or brute force reaches,
//!   and every backend call checks one, so the check must cost microseconds. An operator who
//!   chooses a key (`--secret-key`) must choose a long random one for the same reason.
//! - Track and access tokens are signed with a key derived, per tenant, from the server's
//!   [`TokenKey`]: a file (`--token-key-file`, or `<database>.token-key` made at the first
//!   start) or an environment variable (`SIGNET_TOKEN_KEY`). A copy of the database alone
//!   can neither mint a token nor call the backend API.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac as _};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::Error;

/// The SHA-256 hash of a tenant's secret key: all the database keeps of it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretKeyHash([u8; 32]);

impl SecretKeyHash {
    /// The hash of `secret_key`.
    pub fn of(secret_key: &str) -> Self {
        Self(Sha256::digest(secret_key.as_bytes()).into())
    }

    /// A stored hash; `None` unless it is 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Whether `other` is the same hash, compared in constant time.
    pub fn matches(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for SecretKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKeyHash(<redacted>)")
    }
}

/// The server's token key (32 random bytes): each tenant's tokens are signed with a key
/// derived from it ([`TokenKey::tenant_key`]). Every server of one database needs the same
/// one. Zeroized when dropped; `Debug` shows no byte of it.
#[derive(Clone)]
pub struct TokenKey(Zeroizing<[u8; 32]>);

/// What the derivation of a tenant's key starts with (so the key is used for nothing else).
const TENANT_KEY_LABEL: &[u8] = b"signet token key v1\0";

impl TokenKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0_u8; 32]);
        rand::rngs::OsRng.fill_bytes(bytes.as_mut());
        Self(bytes)
    }

    /// A key from its text form: 64 hex digits (`openssl rand -hex 32`), surrounding
    /// whitespace ignored.
    pub fn from_hex(text: &str) -> Result<Self, Error> {
        let text = text.trim().as_bytes();
        let mut bytes = Zeroizing::new([0_u8; 32]);
        if text.len() != 64 {
            return Err(bad_key("it is not 64 hex digits"));
        }
        for (byte, pair) in bytes.iter_mut().zip(text.chunks_exact(2)) {
            let (Some(high), Some(low)) = (hex_digit(pair[0]), hex_digit(pair[1])) else {
                return Err(bad_key("it is not 64 hex digits"));
            };
            *byte = high << 4 | low;
        }
        Ok(Self(bytes))
    }

    /// The key's text form (64 lowercase hex digits).
    fn to_hex(&self) -> Zeroizing<String> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = Zeroizing::new(String::with_capacity(64));
        for byte in self.0.iter() {
            text.push(char::from(DIGITS[usize::from(byte >> 4)]));
            text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
        }
        text
    }

    /// The key that signs the tokens of `tenant_id`: HMAC-SHA256 of the tenant id under this
    /// key, so a token of one tenant never verifies for another.
    pub fn tenant_key(&self, tenant_id: &str) -> Zeroizing<[u8; 32]> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.0.as_slice())
            .expect("HMAC takes a key of any length");
        mac.update(TENANT_KEY_LABEL);
        mac.update(tenant_id.as_bytes());
        Zeroizing::new(mac.finalize().into_bytes().into())
    }

    /// Reads the key from `path` (its first line, 64 hex digits). The file must exist.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text =
            Zeroizing::new(
                std::fs::read_to_string(path).map_err(|error| Error::TokenKey {
                    reason: format!("cannot read the token key file {}: {error}", path.display()),
                })?,
            );
        let first = text.lines().next().unwrap_or_default();
        Self::from_hex(first).map_err(|_| Error::TokenKey {
            reason: format!(
                "the token key file {} does not hold a token key (64 hex digits, e.g. from \
                 `openssl rand -hex 32`)",
                path.display()
            ),
        })
    }

    /// Reads the key from `path`, or, when there is no such file, makes a new one there
    /// (owner-only, 0600): what a server on the embedded default does at its first start.
    pub fn read_or_create(path: &Path) -> Result<Self, Error> {
        if path.exists() {
            return Self::read(path);
        }
        let key = Self::generate();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(path).and_then(|mut file| {
            file.write_all(key.to_hex().as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_all()
        });
        match written {
            Ok(()) => Ok(key),
            // Another server on the same database made it first: use that one.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Self::read(path),
            Err(error) => Err(Error::TokenKey {
                reason: format!(
                    "cannot write the token key file {}: {error}",
                    path.display()
                ),
            }),
        }
    }

    /// Where a database's token key is kept unless another file is given: beside it, named
    /// `<database file>.token-key`.
    pub fn default_path(db: &Path) -> PathBuf {
        let mut name = db.as_os_str().to_owned();
        name.push(".token-key");
        PathBuf::from(name)
    }
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey(<redacted>)")
    }
}

fn hex_digit(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

fn bad_key(why: &str) -> Error {
    Error::TokenKey {
        reason: format!("the token key is not valid: {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_key_hash_is_its_sha256() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let hash = SecretKeyHash::of("abc");
        let expected = TokenKey::from_hex(expected).unwrap();
        assert_eq!(hash.as_bytes(), &*expected.0);
        assert!(hash.matches(&SecretKeyHash::of("abc")));
        assert!(!hash.matches(&SecretKeyHash::of("abd")));
    }

    #[test]
    fn a_token_key_reads_back_from_its_hex_form() {
        let key = TokenKey::generate();
        let again = TokenKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(*key.tenant_key("t"), *again.tenant_key("t"));
        assert_ne!(*key.tenant_key("t"), *key.tenant_key("u"));
        assert_ne!(*key.tenant_key("t"), *TokenKey::generate().tenant_key("t"));
    }

    #[test]
    fn a_token_key_that_is_not_64_hex_digits_is_refused() {
        for text in [
            "",
            "00",
            &"0".repeat(63),
            &"0".repeat(65),
            &"g".repeat(64),
            "é",
        ] {
            assert!(
                matches!(TokenKey::from_hex(text), Err(Error::TokenKey { .. })),
                "{text:?}"
            );
        }
        assert!(TokenKey::from_hex(&format!(" {}\n", "aB".repeat(32))).is_ok());
    }

    #[test]
    fn a_token_key_file_is_made_owner_only_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = TokenKey::default_path(&dir.path().join("signet.db"));
        assert!(path.ends_with("signet.db.token-key"));
        let created = TokenKey::read_or_create(&path).unwrap();
        let read = TokenKey::read_or_create(&path).unwrap();
        assert_eq!(*created.tenant_key("t"), *read.tenant_key("t"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let permissions = std::fs::metadata(&path).unwrap().permissions();
            assert_eq!(permissions.mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_missing_or_garbled_token_key_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none");
        let error = TokenKey::read(&missing).unwrap_err().to_string();
        assert!(error.contains("cannot read the token key file"), "{error}");
        let garbled = dir.path().join("garbled");
        std::fs::write(&garbled, "not a key\n").unwrap();
        let error = TokenKey::read_or_create(&garbled).unwrap_err().to_string();
        assert!(error.contains("does not hold a token key"), "{error}");
        assert!(!error.contains("not a key"), "{error}");
    }

    #[test]
    fn debug_shows_no_key() {
        let key = TokenKey::from_hex(&"ab".repeat(32)).unwrap();
        assert_eq!(format!("{key:?}"), "TokenKey(<redacted>)");
        assert!(!format!("{:?}", SecretKeyHash::of("x")).contains(char::is_numeric));
    }
}
