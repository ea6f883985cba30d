//! Which redirects the client follows: only those that stay on the origin (scheme, host and
//! port) the request was sent to.
//!
//! dbt answers `/runs/1` with a 308 to `/runs/1/`, which must keep working (307 and 308 keep
//! the method and body, so a trigger POST is re-sent to the same place). Anything that
//! leaves the origin is refused before a byte is sent there: following it would send the
//! request (and, for 307/308, its body) to a host the user never configured, and return that
//! host's data as if dbt Cloud had answered.

use std::fmt;

use reqwest::redirect::{Attempt, Policy};
use reqwest::{StatusCode, Url};

use crate::redact::Redactor;

/// More same-origin hops than this is a loop.
pub const MAX_REDIRECTS: usize = 5;

/// Why a redirect was not followed; the source of the `reqwest` error, turned into
/// [`crate::Error::RedirectRefused`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedRedirect {
    /// The redirect status (301, 302, 303, 307, 308).
    pub status: StatusCode,
    /// The origin the request was sent to, e.g. `https://cloud.getdbt.com`.
    pub from: String,
    /// The origin of the `Location` (scheme, host, port; never its path, query or
    /// credentials), with any secret removed.
    pub target: String,
    /// Whether it was refused for leaving the origin (else: too many hops).
    pub cross_origin: bool,
}

impl fmt::Display for RefusedRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.cross_origin {
            write!(
                f,
                "refused a {} redirect from {} to another origin, {} (only same-origin redirects are followed; check the configured host)",
                self.status.as_u16(),
                self.from,
                self.target
            )
        } else {
            write!(
                f,
                "more than {MAX_REDIRECTS} redirects, the last to {}",
                self.target
            )
        }
    }
}

impl std::error::Error for RefusedRedirect {}

/// The policy: follow same-origin redirects up to [`MAX_REDIRECTS`], refuse the rest.
pub fn same_origin_policy(redactor: Redactor) -> Policy {
    Policy::custom(move |attempt: Attempt<'_>| {
        // `previous` ends with the URL that answered with this redirect.
        let Some(from) = attempt.previous().last() else {
            return attempt.stop();
        };
        let same = same_origin(from, attempt.url());
        if same && attempt.previous().len() <= MAX_REDIRECTS {
            return attempt.follow();
        }
        let refused = RefusedRedirect {
            status: attempt.status(),
            from: origin(from),
            target: redactor.redact(&origin(attempt.url())).into_owned(),
            cross_origin: !same,
        };
        attempt.error(refused)
    })
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// `scheme://host[:port]`, without credentials, path or query.
fn origin(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(same_origin(&u("https://h/a"), &u("https://h:443/a/?x=1")));
        assert!(!same_origin(&u("https://h/a"), &u("http://h/a")));
        assert!(!same_origin(&u("http://h:1/a"), &u("http://h:2/a")));
        assert!(!same_origin(&u("https://h/a"), &u("https://g/a")));
        assert_eq!(
            origin(&u("https://user:pw@h:8443/p?token=x")),
            "https://h:8443"
        );
    }
}
