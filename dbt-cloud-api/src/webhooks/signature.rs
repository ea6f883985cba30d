//! The signature: hex HMAC-SHA256 of the raw body, keyed with the subscription's secret.

use super::WebhookError;
use crate::crypto::{HMAC_SHA256_BYTES as SIGNATURE_BYTES, hmac_sha256, hmac_sha256_verify};

/// The `Authorization` value dbt sends with `body` for a subscription keyed with `secret`
/// (lowercase hex). For tests of a receiver, and for mocks that deliver webhooks.
pub fn sign(body: &[u8], secret: &str) -> String {
    let tag = hmac_sha256(secret.as_bytes(), body);
    let mut hex = String::with_capacity(SIGNATURE_BYTES * 2);
    for byte in tag.iter() {
        hex.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(HEX_DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}

/// Ok when `authorization` is the signature of `body`; the comparison is constant time.
pub(super) fn check(body: &[u8], authorization: &str, secret: &str) -> Result<(), WebhookError> {
    let header = authorization.trim();
    if header.is_empty() {
        return Err(WebhookError::MissingSignature);
    }
    let expected = decode_hex(header)?;
    if hmac_sha256_verify(secret.as_bytes(), body, &expected) {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// 64 hex digits (either case) to 32 bytes. The messages say what is wrong, never the value.
fn decode_hex(header: &str) -> Result<[u8; SIGNATURE_BYTES], WebhookError> {
    let digits = header.as_bytes();
    if digits.len() != SIGNATURE_BYTES * 2 {
        return Err(WebhookError::MalformedSignature {
            reason: format!(
                "expected {} hexadecimal digits, got {} characters",
                SIGNATURE_BYTES * 2,
                header.chars().count()
            ),
        });
    }
    let mut out = [0u8; SIGNATURE_BYTES];
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        let (Some(high), Some(low)) = (hex_value(pair[0]), hex_value(pair[1])) else {
            return Err(WebhookError::MalformedSignature {
                reason: format!(
                    "it is not hexadecimal (first bad character at position {})",
                    i * 2 + usize::from(hex_value(pair[0]).is_some())
                ),
            });
        };
        out[i] = (high << 4) | low;
    }
    Ok(out)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
    const RFC4231_SIGNATURE: &str =
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

    #[test]
    fn sign_matches_the_rfc_4231_vector() {
        assert_eq!(
            sign(b"what do ya want for nothing?", "Jefe"),
            RFC4231_SIGNATURE
        );
    }

    #[test]
    fn check_accepts_either_case_and_surrounding_whitespace() {
        let body = b"what do ya want for nothing?";
        check(body, RFC4231_SIGNATURE, "Jefe").unwrap();
        check(body, &RFC4231_SIGNATURE.to_uppercase(), "Jefe").unwrap();
        check(body, &format!(" {RFC4231_SIGNATURE}\r\n"), "Jefe").unwrap();
    }

    #[test]
    fn check_rejects_a_signature_off_by_one_digit() {
        let mut wrong = RFC4231_SIGNATURE.to_string();
        wrong.replace_range(63..64, "4");
        assert_eq!(
            check(b"what do ya want for nothing?", &wrong, "Jefe"),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn decode_hex_names_the_problem() {
        let short = decode_hex("abcd").unwrap_err();
        assert!(
            short
                .to_string()
                .contains("expected 64 hexadecimal digits, got 4"),
            "{short}"
        );
        let mut bad = "0".repeat(64);
        bad.replace_range(9..10, "g");
        let e = decode_hex(&bad).unwrap_err();
        assert!(e.to_string().contains("position 9"), "{e}");
        // Multi-byte characters count as characters, and never panic on a char boundary.
        let e = decode_hex(&"é".repeat(32)).unwrap_err();
        assert!(matches!(e, WebhookError::MalformedSignature { .. }), "{e}");
    }
}
