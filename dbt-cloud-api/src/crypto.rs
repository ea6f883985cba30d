//! The one crypto library of the SDK, chosen by its features: ring (default) or aws-lc-rs.
//!
//! It serves three needs, so that a user's build compiles a single crypto library:
//! - the TLS provider behind reqwest's rustls (reqwest is built without one: its default,
//!   aws-lc-rs, compiles a large C library into every user's first build). It is installed as
//!   rustls' process default only when the program has not installed one itself: an
//!   application's own choice wins;
//! - HMAC-SHA256 for webhook signatures (verified in constant time);
//! - random bytes for trigger markers and retry jitter (the operating system's generator).
//!
//! ring and aws-lc-rs share one API for HMAC and randomness (aws-lc-rs mirrors ring's), so
//! only the `use` differs. With both features on, aws-lc-rs wins, as for TLS.

#[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
compile_error!(
    "dbt-cloud-api needs a crypto library: enable the `ring` (default) or `aws-lc-rs` feature"
);

#[cfg(feature = "aws-lc-rs")]
use aws_lc_rs as backend;
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
use ring as backend;

use backend::rand::SecureRandom;

/// Makes sure rustls has a process-wide crypto provider before a client is built.
pub(crate) fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may install one between the check and here; either provider is fine,
        // so losing that race is not an error.
        let _ = provider().install_default();
    }
}

#[cfg(feature = "aws-lc-rs")]
fn provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::aws_lc_rs::default_provider()
}

#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
fn provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// HMAC-SHA256 output, in bytes.
pub(crate) const HMAC_SHA256_BYTES: usize = 32;

/// HMAC-SHA256 of `message` keyed with `key` (keys of any length: long ones are hashed).
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; HMAC_SHA256_BYTES] {
    let key = backend::hmac::Key::new(backend::hmac::HMAC_SHA256, key);
    let tag = backend::hmac::sign(&key, message);
    let mut out = [0u8; HMAC_SHA256_BYTES];
    // The tag of HMAC_SHA256 is always 32 bytes; copying what is there keeps this panic-free.
    for (slot, byte) in out.iter_mut().zip(tag.as_ref()) {
        *slot = *byte;
    }
    out
}

/// Whether `tag` is the HMAC-SHA256 of `message` under `key`, compared in constant time.
pub(crate) fn hmac_sha256_verify(key: &[u8], message: &[u8], tag: &[u8]) -> bool {
    let key = backend::hmac::Key::new(backend::hmac::HMAC_SHA256, key);
    backend::hmac::verify(&key, message, tag).is_ok()
}

/// `N` bytes from the operating system's random generator.
///
/// That generator does not fail on the platforms the SDK supports; should it ever, the bytes
/// come from std's per-process random hash keys mixed with the clock and a counter instead, which
/// still never repeat within a process (all the callers need: unique markers, varied jitter).
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    if backend::rand::SystemRandom::new().fill(&mut out).is_err() {
        fallback_fill(&mut out);
    }
    out
}

fn fallback_fill(out: &mut [u8]) {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let keys = std::collections::hash_map::RandomState::new();
    for chunk in out.chunks_mut(8) {
        let mut hasher = keys.build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        hasher.write_u128(now);
        for (slot, byte) in chunk.iter_mut().zip(hasher.finish().to_le_bytes()) {
            *slot = byte;
        }
    }
}

/// A random `u128` (trigger markers).
pub(crate) fn random_u128() -> u128 {
    u128::from_le_bytes(random_bytes())
}

/// A random fraction in `[0, 1)` (retry jitter), with 53 bits of precision like `f64` has.
pub(crate) fn random_fraction() -> f64 {
    let bits = u64::from_le_bytes(random_bytes()) >> 11;
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
    const RFC4231_TAG: [u8; 32] = [
        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75,
        0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec,
        0x38, 0x43,
    ];

    #[test]
    fn hmac_matches_rfc_4231_and_verifies_only_its_own_tag() {
        let message = b"what do ya want for nothing?";
        assert_eq!(hmac_sha256(b"Jefe", message), RFC4231_TAG);
        assert!(hmac_sha256_verify(b"Jefe", message, &RFC4231_TAG));
        let mut wrong = RFC4231_TAG;
        wrong[31] ^= 1;
        assert!(!hmac_sha256_verify(b"Jefe", message, &wrong));
        assert!(!hmac_sha256_verify(b"jefe", message, &RFC4231_TAG));
        assert!(!hmac_sha256_verify(b"Jefe", message, &RFC4231_TAG[..31]));
    }

    #[test]
    fn random_values_vary_and_fractions_stay_below_one() {
        let markers: std::collections::HashSet<u128> = (0..1000).map(|_| random_u128()).collect();
        assert_eq!(
            markers.len(),
            1000,
            "1000 random u128 values must not repeat"
        );
        let fractions: Vec<f64> = (0..1000).map(|_| random_fraction()).collect();
        assert!(fractions.iter().all(|f| (0.0..1.0).contains(f)));
        let mean = fractions.iter().sum::<f64>() / fractions.len() as f64;
        assert!(
            (0.4..0.6).contains(&mean),
            "mean of uniform fractions: {mean}"
        );
    }

    #[test]
    fn the_fallback_generator_never_repeats_within_a_process() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let mut bytes = [0u8; 16];
            fallback_fill(&mut bytes);
            assert!(seen.insert(bytes), "fallback bytes repeated");
        }
    }
}
