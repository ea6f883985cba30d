//! HTTPS for the mock: a given certificate and key (PEM), or a self-signed certificate for
//! 127.0.0.1 and localhost generated at start, whose PEM clients trust via REQUESTS_CA_BUNDLE
//! or SSL_CERT_FILE. rustls with ring, the SDK's default provider.
//!
//! Behind the `tls` feature (on by default). Without it [`Tls`] still exists, so code that
//! names it compiles either way, and starting a mock with it is an error saying which feature
//! to turn on.

#[cfg(feature = "tls")]
use std::sync::Arc;

#[cfg(feature = "tls")]
use rustls::ServerConfig;
#[cfg(feature = "tls")]
use rustls::pki_types::pem::PemObject;
#[cfg(feature = "tls")]
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// What accepts TLS connections: rustls' acceptor, or (without the `tls` feature) a type with
/// no values, so the server's TLS branch exists but can never be taken.
#[cfg(feature = "tls")]
pub(crate) type Acceptor = tokio_rustls::TlsAcceptor;
#[cfg(not(feature = "tls"))]
#[derive(Clone)]
pub(crate) enum Acceptor {}

/// How the server gets its certificate.
#[derive(Clone, Debug)]
pub enum Tls {
    /// A certificate chain and private key, both PEM.
    Pem {
        cert_chain: String,
        private_key: String,
    },
    /// Generate a self-signed certificate for `127.0.0.1`, `::1` and `localhost`.
    SelfSigned,
}

/// The acceptor and the certificate (PEM) clients should trust.
pub(crate) struct Prepared {
    pub acceptor: Acceptor,
    pub cert_pem: String,
}

#[cfg(not(feature = "tls"))]
pub(crate) fn prepare(_tls: &Tls) -> Result<Prepared, String> {
    Err("HTTPS needs dbt-cloud-mock's `tls` feature (on by default): this build has it off".into())
}

#[cfg(feature = "tls")]
pub(crate) fn prepare(tls: &Tls) -> Result<Prepared, String> {
    let (cert_pem, key_pem) = match tls {
        Tls::Pem {
            cert_chain,
            private_key,
        } => (cert_chain.clone(), private_key.clone()),
        Tls::SelfSigned => self_signed()?,
    };
    let certs = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("TLS certificate PEM: {e}"))?;
    if certs.is_empty() {
        return Err("TLS certificate PEM holds no certificate".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| format!("TLS private key PEM: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS protocol versions: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("TLS certificate and key do not fit together: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Prepared {
        acceptor: Acceptor::from(Arc::new(config)),
        cert_pem,
    })
}

/// A fresh self-signed certificate (PEM) and its key (PEM).
#[cfg(feature = "tls")]
fn self_signed() -> Result<(String, String), String> {
    let names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    let certified = rcgen::generate_simple_self_signed(names)
        .map_err(|e| format!("generating a certificate: {e}"))?;
    Ok((certified.cert.pem(), certified.signing_key.serialize_pem()))
}
