//! dbt's delivery signature: the hex HMAC-SHA256 of the raw body, keyed by the
//! subscription's `hmac_secret`, sent as the `Authorization` header.

use aws_lc_rs::hmac;

/// Lower-case hex HMAC-SHA256 of `body` keyed by `secret` (what a receiver recomputes).
pub fn signature(secret: &str, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    hmac::sign(&key, body)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::signature;

    /// RFC 4231 test case 2.
    #[test]
    fn matches_the_rfc_4231_vector() {
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
