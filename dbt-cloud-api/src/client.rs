//! [`DbtCloud`]: the generated [`Client`] plus a default account, the handle every helper
//! hangs off. It dereferences to the generated client, so every raw operation stays one
//! method call away (`dbt.get_job().account_id(..)...`), with the same retries and tracing.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use progenitor_client::ClientInfo;
use tokio::time::Instant;

use crate::Client;
use crate::config::{Config, ConfigError};
use crate::error::Error;
use crate::paginate::DEFAULT_LIST_CONCURRENCY;
use crate::rate_limit::{RateLimit, RateLimiter};
use crate::types::Run;

/// A configured dbt Cloud client: the generated [`Client`] (through `Deref` or
/// [`DbtCloud::raw`]) and the account the helpers work on.
///
/// ```no_run
/// # async fn f() -> Result<(), dbt_cloud_api::Error> {
/// let dbt = dbt_cloud_api::DbtCloud::from_env()?;
/// // A helper:
/// let run = dbt.fetch_run(42).await?;
/// // The raw generated operation, same transport:
/// let job = dbt.get_job().account_id(dbt.account_id()?).job_id(7).send().await;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct DbtCloud {
    client: Client,
    account_id: Option<i64>,
    list_concurrency: usize,
    triggered: Arc<Mutex<RecentTriggers>>,
}

/// The runs this client triggered lately, so a wait on one of them can take a 404 for "not
/// visible yet" while a wait on any other run id fails fast.
#[derive(Debug, Default)]
struct RecentTriggers {
    at: HashMap<i64, Instant>,
}

/// How long a triggered run is remembered.
const REMEMBER_TRIGGERS: Duration = Duration::from_secs(3600);
/// How many triggered runs are remembered at most.
const MAX_REMEMBERED: usize = 10_000;

impl Deref for DbtCloud {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl DbtCloud {
    /// Wraps a generated client (built by [`Config::client`] or by hand).
    pub fn from_parts(client: Client, account_id: Option<i64>) -> Self {
        DbtCloud {
            client,
            account_id,
            list_concurrency: DEFAULT_LIST_CONCURRENCY,
            triggered: Arc::default(),
        }
    }

    /// The same client with its own rate limiter (shared by it and its clones); the default
    /// is dbt's 5,000 requests per minute. See [`crate::rate_limit`].
    pub fn with_rate_limit(self, limit: RateLimit) -> Self {
        self.with_rate_limiter(RateLimiter::new(limit))
    }

    /// The same client drawing on `limiter` (pass one limiter to several clients of one
    /// account so they share its budget, or [`RateLimiter::unlimited`]).
    pub fn with_rate_limiter(mut self, limiter: RateLimiter) -> Self {
        let transport = self.client.inner().clone().with_rate_limiter(limiter);
        self.client = Client::new_with_client(
            self.client.baseurl(),
            self.client.client().clone(),
            transport,
        );
        self
    }

    /// The limiter every request of this client waits on.
    pub fn rate_limiter(&self) -> &RateLimiter {
        self.client.inner().rate_limiter()
    }

    /// How many pages [`DbtCloud::paginate`] fetches at once (default 8; 1 = page by page).
    pub fn with_list_concurrency(mut self, pages: usize) -> Self {
        self.list_concurrency = pages.max(1);
        self
    }

    /// Pages fetched at once by [`DbtCloud::paginate`].
    pub fn list_concurrency(&self) -> usize {
        self.list_concurrency
    }

    /// The host this client talks to, e.g. `https://cloud.getdbt.com` (no trailing `/`).
    pub fn base_url(&self) -> &str {
        self.client.baseurl().trim_end_matches('/')
    }

    /// A link to the run in the dbt Cloud UI of the host actually used (dbt's `href` always
    /// names its US host).
    pub fn run_url(&self, run: &Run) -> Option<String> {
        let account = run.account_id.or(self.account_id)?;
        let project = run.project_id?;
        let host = self
            .base_url()
            .trim_end_matches("/api/v2")
            .trim_end_matches("/api");
        Some(format!(
            "{host}/deploy/{account}/projects/{project}/runs/{}/",
            run.id
        ))
    }

    pub(crate) fn remember_trigger(&self, run_id: i64) {
        let mut recent = self.triggered.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if recent.at.len() >= MAX_REMEMBERED {
            recent
                .at
                .retain(|_, at| now.duration_since(*at) < REMEMBER_TRIGGERS);
            if recent.at.len() >= MAX_REMEMBERED {
                recent.at.clear();
            }
        }
        recent.at.insert(run_id, now);
    }

    /// When this client triggered `run_id`, if it did lately.
    pub(crate) fn triggered_at(&self, run_id: i64) -> Option<Instant> {
        let recent = self.triggered.lock().unwrap_or_else(|p| p.into_inner());
        recent.at.get(&run_id).copied()
    }

    /// [`Config::from_env`] then [`Config::client`].
    pub fn from_env() -> Result<Self, ConfigError> {
        Config::from_env()?.client()
    }

    /// The generated client.
    pub fn raw(&self) -> &Client {
        &self.client
    }

    /// The default account, or an error telling how to set one.
    pub fn account_id(&self) -> Result<i64, Error> {
        self.account_id
            .ok_or(Error::Config(ConfigError::MissingAccountId))
    }

    /// The same client working on another account.
    pub fn with_account_id(mut self, account_id: i64) -> Self {
        self.account_id = Some(account_id);
        self
    }

    /// Asks dbt to cancel a run (idempotent, so it is retried like a read) and returns the
    /// run as dbt answered; poll [`DbtCloud::wait_for_run`] to see it reach Cancelled.
    pub async fn cancel(&self, run_id: i64) -> Result<Run, Error> {
        let request = self
            .client
            .cancel_run()
            .account_id(self.account_id()?)
            .run_id(run_id);
        let envelope = match request.send().await {
            Ok(v) => v.into_inner(),
            Err(e) => return Err(Error::from_generated("cancel_run", e).await),
        };
        envelope.data.ok_or_else(|| missing_data("cancel_run"))
    }
}

pub(crate) fn missing_data(operation: &'static str) -> Error {
    Error::Decode {
        operation,
        status: None,
        message: "the envelope's `data` is null".to_string(),
    }
}
