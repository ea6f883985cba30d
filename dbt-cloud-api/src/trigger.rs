//! Triggering a job exactly once.
//!
//! The Airflow, Dagster and Prefect integrations retry a trigger `POST` that timed out or
//! whose connection dropped, and so start the job twice whenever dbt had in fact received the
//! first request. dbt has no idempotency key, so [`DbtCloud::trigger_run`] puts a unique marker
//! in the run's `cause`; when a `POST`'s outcome is unknown (timeout, connection closed,
//! a 5xx, an unreadable 2xx) it looks the job's newest runs up for that marker, for a while
//! (a request still in flight at dbt may land late), and sends again only if no run carries
//! it. If the look-up itself cannot be done, it gives up with
//! [`Error::TriggerOutcomeUnknown`] rather than risk a second run.
//!
//! ```no_run
//! # async fn f(dbt: dbt_cloud_api::DbtCloud) -> Result<(), dbt_cloud_api::Error> {
//! use dbt_cloud_api::TriggerOptions;
//!
//! let run = dbt
//!     .trigger_run(7, TriggerOptions::new("Nightly refresh from the scheduler"))
//!     .await?;
//! println!("started run {}", run.id);
//! # Ok(()) }
//! ```

use std::time::Duration;

use tokio::time::Instant;

use crate::DbtCloud;
use crate::error::Error;
use crate::types::{Run, TriggerJobRunRequest};

/// What every marker starts with, so a person reading a run's cause in the dbt Cloud UI
/// knows where it came from.
pub const MARKER_PREFIX: &str = "dbt-cloud-api:";
/// dbt's limit on `cause`.
pub const MAX_CAUSE_CHARS: usize = 255;

/// How to trigger: the request (cause and overrides) and how hard to try.
#[derive(Debug, Clone)]
pub struct TriggerOptions {
    cause: String,
    request: Option<TriggerJobRunRequest>,
    settle: Duration,
    max_attempts: u32,
    lookup_depth: i64,
    backoff: Duration,
}

impl TriggerOptions {
    /// A trigger with this cause (shown in the dbt Cloud UI) and no overrides.
    pub fn new(cause: impl Into<String>) -> Self {
        TriggerOptions {
            cause: cause.into(),
            request: None,
            settle: Duration::from_secs(15),
            max_attempts: 3,
            lookup_depth: 50,
            backoff: Duration::from_secs(1),
        }
    }

    /// A trigger with a full request (overrides of git branch, steps, threads, ...). Its
    /// `cause` gets the marker appended.
    pub fn with_request(request: TriggerJobRunRequest) -> Self {
        TriggerOptions {
            request: Some(request.clone()),
            ..TriggerOptions::new(request.cause)
        }
    }

    /// How long to keep looking for the marker after an unknown outcome before concluding that
    /// no run was created (default 15 s). Longer is safer against a request that dbt processes
    /// late; it only costs time when a `POST` really failed.
    pub fn settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }

    /// How many `POST`s one call may send, each only after making sure the previous one
    /// created nothing (default 3).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The base delay between `POST`s (doubled each time, with jitter; default 1 s).
    pub fn backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    /// How many of the job's newest runs the look-up scans (default 50, at most 100).
    pub fn lookup_depth(mut self, depth: i64) -> Self {
        self.lookup_depth = depth.clamp(1, 100);
        self
    }

    /// The cause, before the marker is added.
    pub fn cause(&self) -> &str {
        &self.cause
    }
}

/// A fresh marker, `dbt-cloud-api:<32 hex digits>`.
pub fn new_marker() -> String {
    format!("{MARKER_PREFIX}{:032x}", rand::random::<u128>())
}

/// `cause` with the marker appended, shortened so the result fits dbt's 255 characters.
pub fn marked_cause(cause: &str, marker: &str) -> String {
    let cause = cause.trim();
    let cause = if cause.is_empty() {
        "Triggered through the API"
    } else {
        cause
    };
    let room = MAX_CAUSE_CHARS.saturating_sub(marker.chars().count() + 3);
    let kept: String = cause.chars().take(room).collect();
    format!("{kept} [{marker}]")
}

/// What a failed `POST` tells us about whether a run exists.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Nothing was created (connection refused, 429 rate limit): safe to send again.
    NotCreated,
    /// dbt refused it (400, 401, 403, 404, ...): sending again would fail the same way.
    Refused,
    /// A 2xx whose body we could not read: a run exists, find it.
    Created,
    /// Anything else: a run may exist.
    Unknown,
}

fn classify(error: &Error) -> Outcome {
    match error {
        Error::Transport { connect: true, .. } => Outcome::NotCreated,
        Error::Transport { .. } => Outcome::Unknown,
        Error::Api { status, .. } if status.as_u16() == 429 => Outcome::NotCreated,
        Error::Api { status, .. } if status.as_u16() == 408 || status.is_server_error() => {
            Outcome::Unknown
        }
        Error::Api { .. } => Outcome::Refused,
        Error::Decode { status, .. } if status.is_none_or(|s| s.is_success()) => Outcome::Created,
        Error::Decode { .. } => Outcome::Unknown,
        _ => Outcome::Refused,
    }
}

enum Lookup {
    Found(Box<Run>),
    NotFound,
    Failed(String),
}

impl DbtCloud {
    /// Triggers a run of `job_id` and returns it as dbt answered (status Queued). Never creates
    /// more than one run per call; see the [module documentation](crate::trigger).
    pub async fn trigger_run(&self, job_id: i64, options: TriggerOptions) -> Result<Run, Error> {
        let account_id = self.account_id()?;
        let marker = new_marker();
        let cause = marked_cause(&options.cause, &marker);
        let span = tracing::info_span!("dbt_cloud.trigger", job_id, marker = %marker);
        let _guard = span.enter();
        drop(_guard);

        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let sent = self
                .raw()
                .trigger_job_run()
                .account_id(account_id)
                .job_id(job_id)
                .body_map(|empty| {
                    let start = match &options.request {
                        Some(request) => request.clone().into(),
                        None => empty,
                    };
                    start.cause(cause.clone())
                })
                .send()
                .await;
            let error = match sent {
                Ok(value) => match value.into_inner().data {
                    Some(run) => {
                        tracing::info!(parent: &span, run_id = run.id, attempt, "run triggered");
                        return Ok(run);
                    }
                    None => crate::client::missing_data("trigger_job_run"),
                },
                Err(e) => Error::from_generated("trigger_job_run", e).await,
            };
            let outcome = classify(&error);
            tracing::warn!(parent: &span, attempt, error = %error, outcome = ?outcome, "trigger POST failed");
            match outcome {
                Outcome::Refused => return Err(error),
                Outcome::NotCreated => {}
                Outcome::Created | Outcome::Unknown => {
                    match self
                        .find_marked_run(account_id, job_id, &marker, &options)
                        .await
                    {
                        Lookup::Found(run) => {
                            tracing::info!(parent: &span, run_id = run.id, attempt, "found the run of an unanswered trigger");
                            return Ok(*run);
                        }
                        Lookup::Failed(why) => {
                            return Err(Error::TriggerOutcomeUnknown {
                                job_id,
                                marker,
                                message: format!("{error}; look-up failed: {why}"),
                            });
                        }
                        Lookup::NotFound if outcome == Outcome::Created => {
                            return Err(Error::TriggerOutcomeUnknown {
                                job_id,
                                marker,
                                message: format!(
                                    "{error}; dbt accepted the request but the run is not listed yet"
                                ),
                            });
                        }
                        Lookup::NotFound => {}
                    }
                }
            }
            if attempt >= options.max_attempts {
                return Err(error);
            }
            let ceiling = options.backoff.saturating_mul(1 << (attempt - 1).min(6));
            let mut delay = ceiling.mul_f64(0.5 + rand::random::<f64>() / 2.0);
            if let Error::Api {
                retry_after: Some(asked),
                ..
            } = &error
            {
                delay = delay.max(*asked);
            }
            tokio::time::sleep(delay).await;
        }
    }

    /// Looks for the run whose trigger cause holds `marker`, repeatedly until `settle` has
    /// passed, because a request that timed out on our side may still be processed by dbt.
    async fn find_marked_run(
        &self,
        account_id: i64,
        job_id: i64,
        marker: &str,
        options: &TriggerOptions,
    ) -> Lookup {
        let deadline = Instant::now() + options.settle;
        let mut delay = Duration::from_millis(100)
            .min(options.settle / 4)
            .max(Duration::from_millis(10));
        let mut looked_up = false;
        let mut last_error = String::from("no look-up completed");
        loop {
            match self
                .lookup_marker(account_id, job_id, marker, options.lookup_depth)
                .await
            {
                Ok(Some(run)) => return Lookup::Found(Box::new(run)),
                Ok(None) => looked_up = true,
                Err(e) => last_error = e.to_string(),
            }
            let now = Instant::now();
            if now >= deadline {
                return if looked_up {
                    Lookup::NotFound
                } else {
                    Lookup::Failed(last_error)
                };
            }
            tokio::time::sleep(delay.min(deadline - now)).await;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }

    /// One look-up: the job's newest runs with their triggers.
    async fn lookup_marker(
        &self,
        account_id: i64,
        job_id: i64,
        marker: &str,
        depth: i64,
    ) -> Result<Option<Run>, Error> {
        let listed = self
            .raw()
            .list_runs()
            .account_id(account_id)
            .job_definition_id(job_id)
            .order_by("-id")
            .include_related("trigger")
            .limit(depth)
            .send()
            .await;
        let runs = match listed {
            Ok(v) => v.into_inner().data.unwrap_or_default(),
            Err(e) => return Err(Error::from_generated("list_runs", e).await),
        };
        if let Some(run) = runs.iter().find(|run| {
            run.trigger
                .as_ref()
                .and_then(|t| t.cause.as_deref())
                .is_some_and(|c| c.contains(marker))
        }) {
            return Ok(Some(run.clone()));
        }
        // Without triggers we cannot tell our run from another: not finding the marker would
        // prove nothing, and sending again could start the job twice.
        if runs.iter().any(|run| run.trigger.is_none()) {
            return Err(Error::Decode {
                operation: "list_runs",
                status: None,
                message: "runs listed without their trigger (include_related=trigger ignored)"
                    .to_string(),
            });
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_cause_fits_dbt_limit() {
        let marker = new_marker();
        let long = "x".repeat(400);
        let cause = marked_cause(&long, &marker);
        assert_eq!(cause.chars().count(), MAX_CAUSE_CHARS);
        assert!(cause.ends_with(&format!("[{marker}]")));
        assert!(marked_cause("", &marker).starts_with("Triggered through the API ["));
    }

    #[test]
    fn outcomes_are_classified_conservatively() {
        let api = |code: u16| Error::Api {
            operation: "trigger_job_run",
            status: reqwest::StatusCode::from_u16(code).unwrap(),
            message: String::new(),
            retry_after: None,
        };
        assert_eq!(classify(&api(429)), Outcome::NotCreated);
        assert_eq!(classify(&api(400)), Outcome::Refused);
        assert_eq!(classify(&api(404)), Outcome::Refused);
        for code in [408, 500, 502, 503, 504] {
            assert_eq!(classify(&api(code)), Outcome::Unknown, "{code}");
        }
        let transport = |connect: bool| Error::Transport {
            operation: "x",
            message: String::new(),
            timed_out: !connect,
            connect,
        };
        assert_eq!(classify(&transport(true)), Outcome::NotCreated);
        assert_eq!(classify(&transport(false)), Outcome::Unknown);
        assert_eq!(
            classify(&Error::Decode {
                operation: "x",
                status: None,
                message: String::new()
            }),
            Outcome::Created
        );
    }
}
