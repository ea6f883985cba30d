//! Where a subscription's deliveries go. The mock only ever connects to the local machine
//! (127.0.0.0/8, localhost, [::1]) over plain HTTP: a test's receiver, never the internet.

use std::net::{IpAddr, Ipv6Addr};

/// A parsed loopback `http://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// `host:port` to connect to (brackets kept for IPv6).
    pub authority: String,
    /// Path and query, at least `/`.
    pub path: String,
}

impl Target {
    /// Parses `url`, refusing anything but a loopback `http://` URL (the error is the reason).
    pub(crate) fn parse(url: &str) -> Result<Target, String> {
        let refuse = |why: &str| {
            Err(format!(
                "{why} (the mock delivers only to http:// URLs on 127.0.0.0/8, localhost or [::1])"
            ))
        };
        let Some(rest) = url.strip_prefix("http://") else {
            return refuse("Not an http:// URL");
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.contains('@') {
            return refuse("Credentials in the URL are not accepted");
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.is_empty() && !p.contains(']') => (h, p),
            _ => (authority, "80"),
        };
        if port.parse::<u16>().is_err() {
            return refuse("Not a valid port");
        }
        let loopback = match host.trim_start_matches('[').trim_end_matches(']') {
            "localhost" => true,
            h => h
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip.is_loopback() || ip == IpAddr::V6(Ipv6Addr::LOCALHOST)),
        };
        if !loopback {
            return refuse("Not a loopback host");
        }
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        Ok(Target {
            authority: format!("{host}:{port}"),
            path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn only_loopback_http_urls_are_targets() {
        let t = Target::parse("http://127.0.0.1:8080/hooks?x=1").unwrap();
        assert_eq!(
            (t.authority.as_str(), t.path.as_str()),
            ("127.0.0.1:8080", "/hooks?x=1")
        );
        assert_eq!(
            Target::parse("http://localhost").unwrap().authority,
            "localhost:80"
        );
        assert_eq!(
            Target::parse("http://[::1]:9/").unwrap().authority,
            "[::1]:9"
        );
        assert!(Target::parse("http://127.8.9.10:1/").is_ok());
        for bad in [
            "https://127.0.0.1/",
            "http://example.com/",
            "http://10.0.0.1/",
            "http://127.0.0.1.example.com/",
            "http://user@127.0.0.1/",
            "http://127.0.0.1:99999/",
            "ftp://127.0.0.1/",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }
}
