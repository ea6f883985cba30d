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

/// Secrets shorter than this are not searched for. dbt's tokens and generated secrets are
/// dozens of characters long; a two-letter "token" (as in a test) would match inside
/// unrelated words and keys, so replacing it would corrupt every JSON body it appears in.
pub const MIN_SECRET_LEN: usize = 8;

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
    /// A redactor for `secrets`; those shorter than [`MIN_SECRET_LEN`] are ignored (they
    /// would match inside ordinary text).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let finders: Vec<Finder<'static>> = secrets
            .into_iter()
            .filter(|s| s.len() >= MIN_SECRET_LEN)
            .map(|s| Finder::new(s.as_bytes()).into_owned())
            .collect();
        Redactor {
            finders: finders.into(),
        }
    }

    /// The same secrets plus `secret` (for example a password the client is about to send).
    pub fn with_secret(&self, secret: &str) -> Self {
        if secret.len() < MIN_SECRET_LEN {
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
    fn secrets_too_short_to_be_real_are_not_searched_for() {
        // A test token like "t" must not turn `{"status": ...}` into broken JSON.
        let r = Redactor::new(["t"]).with_secret("pw");
        let body = br#"{"status": {"is_success": true}}"#;
        assert_eq!(r.redact_bytes(body), None);
    }

    #[test]
    fn every_occurrence_of_every_secret_is_replaced() {
        let r = Redactor::new(["token-123", ""]).with_secret("password");
        assert_eq!(
            r.redact("a token-123 b token-123password"),
            "a <redacted> b <redacted><redacted>"
        );
        assert!(matches!(r.redact("clean"), Cow::Borrowed("clean")));
        assert_eq!(r.redact_bytes(b"nothing here"), None);
        assert_eq!(Redactor::default().redact("tok-123"), "tok-123");
        assert!(!format!("{r:?}").contains("tok"));
    }
}
