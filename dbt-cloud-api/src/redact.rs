//! Removing the client's secrets from text a server sent back.
//!
//! A hostile or buggy server can echo the token (in dbt's `user_message`, in an HTML error
//! page, in a redirect `Location`). Everything a server provides passes through a
//! [`Redactor`] in the transport before it can reach an [`crate::Error`] or a log line.
//! The searchers are built once per client, so a clean body costs one SIMD scan per secret.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use memchr::memmem::Finder;

/// What a secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// The secrets one client holds (its token, and any other registered with
/// [`Redactor::with_secret`]), ready to be searched for. Cheap to clone.
#[derive(Clone, Default)]
pub struct Redactor {
    finders: Arc<[Finder<'static>]>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} secrets)", self.finders.len())
    }
}

impl Redactor {
    /// A redactor for `secrets`; empty strings are ignored (they would match everywhere).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let finders: Vec<Finder<'static>> = secrets
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(|s| Finder::new(s.as_bytes()).into_owned())
            .collect();
        Redactor {
            finders: finders.into(),
        }
    }

    /// The same secrets plus `secret` (for example a password the client is about to send).
    pub fn with_secret(&self, secret: &str) -> Self {
        if secret.is_empty() {
            return self.clone();
        }
        let mut finders: Vec<Finder<'static>> = self.finders.iter().cloned().collect();
        finders.push(Finder::new(secret.as_bytes()).into_owned());
        Redactor {
            finders: finders.into(),
        }
    }

    /// Whether `data` contains any secret.
    pub fn contains_secret(&self, data: &[u8]) -> bool {
        self.finders.iter().any(|f| f.find(data).is_some())
    }

    /// `data` with every secret replaced by [`REDACTED`]; `None` when there was none (the
    /// common case, which neither copies nor allocates).
    pub fn redact_bytes(&self, data: &[u8]) -> Option<Bytes> {
        if !self.contains_secret(data) {
            return None;
        }
        let mut out = data.to_vec();
        for finder in self.finders.iter() {
            out = replace_all(&out, finder);
        }
        Some(Bytes::from(out))
    }

    /// `text` with every secret replaced by [`REDACTED`].
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self.redact_bytes(text.as_bytes()) {
            // Replacing whole UTF-8 needles with ASCII keeps the text valid UTF-8.
            Some(clean) => Cow::Owned(String::from_utf8_lossy(&clean).into_owned()),
            None => Cow::Borrowed(text),
        }
    }
}

fn replace_all(data: &[u8], finder: &Finder<'_>) -> Vec<u8> {
    let needle = finder.needle().len();
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    while let Some(at) = finder.find(rest) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(REDACTED.as_bytes());
        rest = &rest[at + needle..];
    }
    out.extend_from_slice(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_occurrence_of_every_secret_is_replaced() {
        let r = Redactor::new(["tok-123", ""]).with_secret("pw");
        assert_eq!(
            r.redact("a tok-123 b tok-123pw"),
            "a <redacted> b <redacted><redacted>"
        );
        assert!(matches!(r.redact("clean"), Cow::Borrowed("clean")));
        assert_eq!(r.redact_bytes(b"nothing here"), None);
        assert_eq!(Redactor::default().redact("tok-123"), "tok-123");
        assert!(!format!("{r:?}").contains("tok"));
    }
}
