//! Configuration and authentication: a builder, and `from_env()` with the variable names the
//! other dbt Cloud tools already use, so an existing CI setup works unchanged.
//!
//! ```no_run
//! # fn main() -> Result<(), dbt_cloud_api::ConfigError> {
//! use dbt_cloud_api::{AuthScheme, Config};
//! use std::time::Duration;
//!
//! // From DBT_CLOUD_API_TOKEN, DBT_CLOUD_ACCOUNT_ID, DBT_CLOUD_HOST, ...
//! let from_env = Config::from_env()?;
//!
//! // Or explicitly, for example an EMEA account with a service token:
//! let config = Config::builder()
//!     .token("dbtc_...")
//!     .host("emea.dbt.com")
//!     .account_id(12345)
//!     .scheme(AuthScheme::Bearer)
//!     .timeout(Duration::from_secs(30))
//!     .build()?;
//! let dbt = config.client()?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::retry::RetryPolicy;

/// The variables a token is read from, in order of precedence: dbt-cloud-cli's name first,
/// then dbtc's two, then Terraform's.
pub const TOKEN_VARS: [&str; 4] = [
    "DBT_CLOUD_API_TOKEN",
    "DBT_CLOUD_API_KEY",
    "DBT_CLOUD_SERVICE_TOKEN",
    "DBT_CLOUD_TOKEN",
];
/// The account id variable.
pub const ACCOUNT_ID_VAR: &str = "DBT_CLOUD_ACCOUNT_ID";
/// A host name (`cloud.getdbt.com`, `emea.dbt.com`, `ab123.us1.dbt.com`) or a full URL.
pub const HOST_VAR: &str = "DBT_CLOUD_HOST";
/// Terraform's variable: a URL ending in `/api`.
pub const HOST_URL_VAR: &str = "DBT_CLOUD_HOST_URL";
/// `token` (default) or `bearer`.
pub const AUTH_SCHEME_VAR: &str = "DBT_CLOUD_AUTH_SCHEME";
/// Per-request timeout in seconds.
pub const TIMEOUT_VAR: &str = "DBT_CLOUD_TIMEOUT_SECONDS";
/// A PEM file of extra trusted root certificates (a corporate proxy, the mock's self-signed one).
pub const CA_BUNDLE_VAR: &str = "DBT_CLOUD_CA_BUNDLE";

/// The US multi-tenant host, used when no host is configured.
pub const DEFAULT_HOST: &str = "cloud.getdbt.com";
/// Per-request timeout when none is configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A misconfiguration, naming the variable (or builder setting) to fix. Never holds the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No token in any of the token variables.
    #[error(
        "no dbt Cloud API token: set DBT_CLOUD_API_TOKEN (or DBT_CLOUD_API_KEY, DBT_CLOUD_SERVICE_TOKEN, DBT_CLOUD_TOKEN)"
    )]
    MissingToken,
    /// A setting is present but unusable.
    #[error("{name} is invalid: {reason}")]
    Invalid {
        /// The variable or builder setting, e.g. `DBT_CLOUD_ACCOUNT_ID`.
        name: String,
        /// What is wrong and what is expected; never the token's value.
        reason: String,
    },
    /// A helper needs an account id and none was configured.
    #[error(
        "no dbt Cloud account id: set DBT_CLOUD_ACCOUNT_ID or Config::builder().account_id(..)"
    )]
    MissingAccountId,
}

impl ConfigError {
    fn invalid(name: &str, reason: impl Into<String>) -> Self {
        ConfigError::Invalid {
            name: name.to_string(),
            reason: reason.into(),
        }
    }
}

/// An API token. Its `Debug` is redacted and it has no `Display`, so it cannot leak through
/// logging or error messages by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

impl SecretToken {
    /// Wraps a token; surrounding whitespace and a pasted `Token `/`Bearer ` prefix are removed.
    pub fn new(token: impl Into<String>) -> Self {
        let token = token.into();
        let trimmed = token.trim();
        let bare = ["Token ", "Bearer ", "token ", "bearer "]
            .iter()
            .find_map(|p| trimmed.strip_prefix(p))
            .unwrap_or(trimmed)
            .trim();
        SecretToken(bare.to_string())
    }

    /// The token itself, for code that must send it somewhere else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn check(&self, name: &str) -> Result<(), ConfigError> {
        if self.0.is_empty() {
            return Err(ConfigError::invalid(name, "the token is empty"));
        }
        // Say what is wrong without echoing any part of the secret.
        if self
            .0
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
        {
            return Err(ConfigError::invalid(
                name,
                "the token contains whitespace or non-ASCII characters (it must be sent in an HTTP header)",
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(<redacted>)")
    }
}

/// The `Authorization` scheme. dbt Cloud accepts both for every token kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthScheme {
    /// `Authorization: Token <t>` (what dbt's docs show).
    #[default]
    Token,
    /// `Authorization: Bearer <t>`.
    Bearer,
}

impl AuthScheme {
    fn prefix(self) -> &'static str {
        match self {
            AuthScheme::Token => "Token",
            AuthScheme::Bearer => "Bearer",
        }
    }
}

/// Everything needed to talk to one dbt Cloud account. Build it with [`Config::builder`] or
/// [`Config::from_env`], then call [`Config::client`].
#[derive(Clone, Debug)]
pub struct Config {
    token: SecretToken,
    scheme: AuthScheme,
    account_id: Option<i64>,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    root_certs_pem: Vec<Vec<u8>>,
    retry: RetryPolicy,
}

impl Config {
    /// A builder with defaults: `cloud.getdbt.com`, `Token` scheme, 30 s timeout.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Reads the process environment; see [`Config::from_lookup`].
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (a variable name to its value), so tests and
    /// embedding programs need not touch the process environment.
    ///
    /// Token: [`TOKEN_VARS`] (first non-empty wins). Account: [`ACCOUNT_ID_VAR`] (optional).
    /// Host: [`HOST_VAR`] (a host name or URL), else [`HOST_URL_VAR`] (Terraform's, ending in
    /// `/api`), else `cloud.getdbt.com`. Optional: [`AUTH_SCHEME_VAR`], [`TIMEOUT_VAR`],
    /// [`CA_BUNDLE_VAR`].
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut builder = Config::builder();

        let (token_var, token) = TOKEN_VARS
            .iter()
            .find_map(|var| get(var).map(|t| (*var, t)))
            .ok_or(ConfigError::MissingToken)?;
        let token = SecretToken::new(token);
        token.check(token_var)?;
        builder.token = Some((token_var.to_string(), token));

        if let Some(raw) = get(ACCOUNT_ID_VAR) {
            builder.account_id = Some(parse_account_id(ACCOUNT_ID_VAR, &raw)?);
        }
        if let Some(host) = get(HOST_VAR) {
            builder.host = Some((HOST_VAR.to_string(), host));
        } else if let Some(url) = get(HOST_URL_VAR) {
            builder.host = Some((HOST_URL_VAR.to_string(), url));
        }
        if let Some(raw) = get(AUTH_SCHEME_VAR) {
            builder.scheme = match raw.trim().to_ascii_lowercase().as_str() {
                "token" => AuthScheme::Token,
                "bearer" => AuthScheme::Bearer,
                _ => {
                    return Err(ConfigError::invalid(
                        AUTH_SCHEME_VAR,
                        format!("expected `token` or `bearer`, got {:?}", raw.trim()),
                    ));
                }
            };
        }
        if let Some(raw) = get(TIMEOUT_VAR) {
            let secs: f64 = raw
                .trim()
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && *s > 0.0)
                .ok_or_else(|| {
                    ConfigError::invalid(
                        TIMEOUT_VAR,
                        format!(
                            "expected a positive number of seconds, got {:?}",
                            raw.trim()
                        ),
                    )
                })?;
            builder.timeout = Duration::from_secs_f64(secs);
        }
        if let Some(path) = get(CA_BUNDLE_VAR) {
            builder = builder.root_certificates_pem_file_named(CA_BUNDLE_VAR, path.trim());
        }
        builder.build()
    }

    /// Builds the client: the generated [`crate::Client`] (reachable through `Deref`) with auth,
    /// retries and tracing installed, wrapped in [`crate::DbtCloud`].
    pub fn client(&self) -> Result<crate::DbtCloud, ConfigError> {
        let mut headers = HeaderMap::new();
        let mut auth =
            HeaderValue::try_from(format!("{} {}", self.scheme.prefix(), self.token.expose()))
                .map_err(|_| ConfigError::invalid("token", "not a valid HTTP header value"))?;
        // reqwest and http print sensitive values as `Sensitive` in Debug output.
        auth.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, auth);
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );

        crate::crypto::ensure_crypto_provider();
        let redactor = crate::redact::Redactor::new([self.token.expose()]);
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(self.user_agent.clone())
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            // dbt redirects `/runs/1` to `/runs/1/`; anything leaving the origin is refused.
            .redirect(crate::redirect::same_origin_policy(redactor.clone()));
        let mut certs = Vec::new();
        for pem in &self.root_certs_pem {
            certs.extend(reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                ConfigError::invalid("root certificates", format!("not a PEM bundle: {e}"))
            })?);
        }
        if !certs.is_empty() {
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| ConfigError::invalid("HTTP client", e.to_string()))?;
        let transport = crate::transport::Transport::new(self.retry.clone(), redactor);
        let client = crate::Client::new_with_client(&self.base_url, http, transport);
        Ok(crate::DbtCloud::from_parts(client, self.account_id))
    }

    /// The account id, if configured.
    pub fn account_id(&self) -> Option<i64> {
        self.account_id
    }

    /// The origin requests go to, e.g. `https://cloud.getdbt.com` (paths carry `/api/v2`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The token.
    pub fn token(&self) -> &SecretToken {
        &self.token
    }

    /// The `Authorization` scheme.
    pub fn scheme(&self) -> AuthScheme {
        self.scheme
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The `User-Agent` sent with every request.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The retry policy for idempotent requests.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }
}

/// Builds a [`Config`]; every setting but the token has a default.
#[derive(Debug, Clone)]
pub struct ConfigBuilder {
    // (where it came from, value): errors name the variable the user actually set.
    token: Option<(String, SecretToken)>,
    host: Option<(String, String)>,
    scheme: AuthScheme,
    account_id: Option<i64>,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: Option<String>,
    root_certs_pem: Vec<Vec<u8>>,
    cert_errors: Vec<ConfigError>,
    retry: RetryPolicy,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        ConfigBuilder {
            token: None,
            host: None,
            scheme: AuthScheme::Token,
            account_id: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: Duration::from_secs(10),
            user_agent: None,
            root_certs_pem: Vec::new(),
            cert_errors: Vec::new(),
            retry: RetryPolicy::default(),
        }
    }
}

impl ConfigBuilder {
    /// The API token (personal access token or service token).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(("token".to_string(), SecretToken::new(token)));
        self
    }

    /// A host name (`cloud.getdbt.com`, `emea.dbt.com`, `ab123.us1.dbt.com`, `127.0.0.1:8080`)
    /// or a URL (`https://cloud.getdbt.com`, `https://cloud.getdbt.com/api`). `http://` is
    /// accepted only for loopback hosts (a local mock), never for a remote one.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(("host".to_string(), host.into()));
        self
    }

    /// `Token` (default) or `Bearer`.
    pub fn scheme(mut self, scheme: AuthScheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// The default account for the helpers (`trigger_run`, `paginate`, ...).
    pub fn account_id(mut self, account_id: i64) -> Self {
        self.account_id = Some(account_id);
        self
    }

    /// Timeout of one HTTP request (one attempt); retries have their own budget.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout for establishing a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Replaces the default `User-Agent` (`dbt-cloud-api-rust/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Trusts the certificates of a PEM bundle in addition to the system's roots.
    pub fn root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certs_pem.push(pem.into());
        self
    }

    /// Trusts the certificates of a PEM file in addition to the system's roots.
    pub fn root_certificates_pem_file(self, path: impl AsRef<Path>) -> Self {
        self.root_certificates_pem_file_named("root certificate file", path)
    }

    fn root_certificates_pem_file_named(mut self, name: &str, path: impl AsRef<Path>) -> Self {
        let path: PathBuf = path.as_ref().to_path_buf();
        match std::fs::read(&path) {
            Ok(pem) => self.root_certs_pem.push(pem),
            // Reported by build(), which is where every config error surfaces.
            Err(e) => self.cert_errors.push(ConfigError::invalid(
                name,
                format!("cannot read {}: {e}", path.display()),
            )),
        }
        self
    }

    /// How idempotent requests are retried.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Checks every setting.
    pub fn build(self) -> Result<Config, ConfigError> {
        if let Some(e) = self.cert_errors.into_iter().next() {
            return Err(e);
        }
        let (token_name, token) = self.token.ok_or(ConfigError::MissingToken)?;
        token.check(&token_name)?;
        let base_url = match &self.host {
            Some((name, host)) => parse_host(name, host)?,
            None => format!("https://{DEFAULT_HOST}"),
        };
        if let Some(id) = self.account_id
            && id <= 0
        {
            return Err(ConfigError::invalid(
                "account_id",
                format!("expected a positive integer, got {id}"),
            ));
        }
        if self.timeout.is_zero() {
            return Err(ConfigError::invalid("timeout", "must be greater than zero"));
        }
        for pem in &self.root_certs_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                ConfigError::invalid("root certificates", format!("not a PEM bundle: {e}"))
            })?;
            if certs.is_empty() {
                return Err(ConfigError::invalid(
                    "root certificates",
                    "no certificate in the PEM data",
                ));
            }
        }
        Ok(Config {
            token,
            scheme: self.scheme,
            account_id: self.account_id,
            base_url,
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            user_agent: self.user_agent.unwrap_or_else(|| {
                concat!("dbt-cloud-api-rust/", env!("CARGO_PKG_VERSION")).to_string()
            }),
            root_certs_pem: self.root_certs_pem,
            retry: self.retry,
        })
    }
}

fn parse_account_id(name: &str, raw: &str) -> Result<i64, ConfigError> {
    match raw.trim().parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(ConfigError::invalid(
            name,
            format!("expected a positive integer, got {:?}", raw.trim()),
        )),
    }
}

/// Turns a host name or URL into the origin (plus any path prefix a proxy needs) that the
/// generated paths (`/api/v2/...`) are appended to.
fn parse_host(name: &str, raw: &str) -> Result<String, ConfigError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(ConfigError::invalid(name, "empty host"));
    }
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let url = Url::parse(&with_scheme).map_err(|e| {
        ConfigError::invalid(name, format!("{raw:?} is not a host name or URL: {e}"))
    })?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| ConfigError::invalid(name, format!("{raw:?} has no host")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::invalid(
            name,
            "credentials in the URL are not supported; use the token variables",
        ));
    }
    if let Some(advice) = ui_url_advice(name, &url) {
        return Err(ConfigError::invalid(name, advice));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::invalid(
            name,
            format!("{raw:?} must not have a query or fragment"),
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(ConfigError::invalid(
                name,
                format!(
                    "http:// is only allowed for loopback hosts (127.0.0.1, ::1, localhost), not {host:?}: use https://"
                ),
            ));
        }
        other => {
            return Err(ConfigError::invalid(
                name,
                format!("unsupported scheme {other:?}: use https://"),
            ));
        }
    }
    // Terraform's DBT_CLOUD_HOST_URL ends in `/api`; our paths already start with `/api/v2`.
    let mut path = url.path().trim_end_matches('/').to_string();
    for suffix in ["/api/v2", "/api/v3", "/api"] {
        if let Some(stripped) = path.strip_suffix(suffix) {
            path = stripped.to_string();
            break;
        }
    }
    let mut origin = url.origin().ascii_serialization();
    origin.push_str(&path);
    Ok(origin)
}

/// The first path segments of dbt Cloud's web pages (what a browser's address bar shows),
/// none of which is an API prefix.
const UI_PATH_SEGMENTS: [&str; 9] = [
    "deploy",
    "develop",
    "settings",
    "explore",
    "next",
    "dashboard",
    "ide",
    "studio",
    "accounts",
];

/// When `url` is a dbt Cloud page copied from the browser rather than an API host, what to
/// set instead: the host alone, and the account id if the page shows one.
fn ui_url_advice(name: &str, url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let dbt_host =
        host == "getdbt.com" || host.ends_with(".getdbt.com") || host.ends_with(".dbt.com");
    if matches!(
        host.as_str(),
        "getdbt.com" | "www.getdbt.com" | "docs.getdbt.com"
    ) {
        return Some(format!(
            "{host} is dbt's website, not a dbt Cloud API host: use the host of your account (cloud.getdbt.com, emea.dbt.com, au.dbt.com or ACCOUNT_PREFIX.us1.dbt.com)"
        ));
    }
    let path = url.path().trim_matches('/');
    let first = path.split('/').next().unwrap_or("");
    let api_path = first.is_empty() || first == "api";
    let ui_path = UI_PATH_SEGMENTS.contains(&first) || (dbt_host && !api_path);
    // The app's older pages live after a `#/` fragment.
    let ui_fragment = dbt_host && url.fragment().is_some_and(|f| !f.is_empty());
    if !ui_path && !ui_fragment {
        return None;
    }
    let segments: Vec<&str> = path
        .split('/')
        .chain(url.fragment().unwrap_or("").split('/'))
        .collect();
    let account = segments
        .windows(2)
        .find(|w| {
            matches!(w[0], "deploy" | "accounts" | "develop")
                && w[1].parse::<i64>().is_ok_and(|id| id > 0)
        })
        .map(|w| format!(" and {ACCOUNT_ID_VAR}={}", w[1]))
        .unwrap_or_default();
    let origin = url.origin().ascii_serialization();
    Some(format!(
        "{:?} looks like a dbt Cloud page copied from the browser, not an API host: set {name} to {origin:?} (the host alone){account}",
        url.as_str()
    ))
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.to_ascii_lowercase().ends_with(".localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_forms_become_origins() {
        let cases = [
            ("cloud.getdbt.com", "https://cloud.getdbt.com"),
            ("ab123.us1.dbt.com", "https://ab123.us1.dbt.com"),
            ("https://emea.dbt.com/", "https://emea.dbt.com"),
            ("https://cloud.getdbt.com/api", "https://cloud.getdbt.com"),
            (
                "https://cloud.getdbt.com/api/v2/",
                "https://cloud.getdbt.com",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://[::1]:9000/api", "http://[::1]:9000"),
            ("127.0.0.1:8443", "https://127.0.0.1:8443"),
            (
                "https://proxy.example.com/dbt/api",
                "https://proxy.example.com/dbt",
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_host("h", raw).unwrap(), want, "{raw}");
        }
    }
}
