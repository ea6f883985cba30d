//! The TLS crypto provider behind reqwest's rustls.
//!
//! reqwest is built without a provider of its own (its default, aws-lc-rs, compiles a large C
//! library into every user's first build), so the SDK installs the one its features chose —
//! ring by default, aws-lc-rs with the `aws-lc-rs` feature — as rustls' process default, but
//! only when the program has not installed one itself: an application's own choice wins.

#[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
compile_error!(
    "dbt-cloud-api needs a TLS crypto provider: enable the `ring` (default) or `aws-lc-rs` feature"
);

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
