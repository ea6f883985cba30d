//! [`DbtCloud`]: the generated [`Client`] plus a default account, the handle every helper
//! hangs off. It dereferences to the generated client, so every raw operation stays one
//! method call away (`dbt.get_job().account_id(..)...`), with the same retries and tracing.

use std::ops::Deref;

use crate::Client;
use crate::config::{Config, ConfigError};
use crate::error::Error;
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
}

impl Deref for DbtCloud {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl DbtCloud {
    /// Wraps a generated client (built by [`Config::client`] or by hand).
    pub fn from_parts(client: Client, account_id: Option<i64>) -> Self {
        DbtCloud { client, account_id }
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

    /// One run, without its related objects.
    pub async fn fetch_run(&self, run_id: i64) -> Result<Run, Error> {
        self.fetch_run_including(run_id, None).await
    }

    /// One run, with the related objects named in `include_related` (comma-separated:
    /// `trigger`, `job`, `environment`, `run_steps`, `debug_logs`).
    pub async fn fetch_run_including(
        &self,
        run_id: i64,
        include_related: Option<&str>,
    ) -> Result<Run, Error> {
        let mut request = self
            .client
            .get_run()
            .account_id(self.account_id()?)
            .run_id(run_id);
        if let Some(include) = include_related {
            request = request.include_related(include.to_string());
        }
        let envelope = match request.send().await {
            Ok(v) => v.into_inner(),
            Err(e) => return Err(Error::from_generated("get_run", e).await),
        };
        envelope.data.ok_or_else(|| missing_data("get_run"))
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
