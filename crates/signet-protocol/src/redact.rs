//! Helpers for `Debug` impls that hide secrets.

use std::fmt;

/// Shows `<redacted>` in place of a secret.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Shows whether an optional secret is there, never its value.
pub(crate) fn redacted_option<T>(value: Option<&T>) -> Option<Redacted> {
    value.map(|_| Redacted)
}
