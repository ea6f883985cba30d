//! Triggering a job exactly once.
//!
//! The Airflow, Dagster and Prefect integrations retry a trigger `POST` that timed out or
//! whose connection dropped, and so start the job twice whenever dbt had in fact received the
//! first request. dbt has no idempotency key, so [`DbtCloud::trigger_run`] puts a unique marker
//! in the run's `cause`; when a `POST`'s outcome is unknown (timeout, connection closed,
//! a 5xx, an unreadable 2xx) it looks for that marker through every run of the job created
//! since the trigger began, however many other runs started meanwhile, for a while (a
//! request still in flight at dbt may land late), and sends again only if no run carries
//! it. If the look-up itself cannot be done, it gives up with
//! [`Error::TriggerOutcomeUnknown`] rather than risk a second run.
//!
//! [`TriggerOptions::reuse_active_run`] returns the job's run in progress instead of starting
//! another, and [`DbtCloud::rerun_from_failure`] reruns a failed run from its failed step.
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

mod marker_lookup;
mod rerun;

use std::time::Duration;

use tokio::time::Instant;

use crate::DbtCloud;
use crate::error::Error;
use crate::types::{Run, TriggerJobRunRequest};

use marker_lookup::Lookup;

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
    clock_margin: Duration,
    backoff: Duration,
    reuse_active_run: bool,
}

impl TriggerOptions {
    /// A trigger with this cause (shown in the dbt Cloud UI) and no overrides.
    pub fn new(cause: impl Into<String>) -> Self {
        TriggerOptions {
            cause: cause.into(),
            request: None,
            settle: Duration::from_secs(15),
            max_attempts: 3,
            clock_margin: Duration::from_secs(120),
            backoff: Duration::from_secs(1),
            reuse_active_run: false,
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

    /// How far before the trigger began (on dbt's `created_at` clock) the marker look-up
    /// keeps reading the job's runs (default 2 minutes): it covers runs whose `created_at`
    /// is out of order with their ids, and a dbt clock running slightly fast.
    pub fn clock_margin(mut self, margin: Duration) -> Self {
        self.clock_margin = margin;
        self
    }

    /// If the job has a run queued, starting or running, return it instead of starting
    /// another (Airflow's `reuse_existing_run`; default false). The newest such run is
    /// returned; its cause is whatever started it.
    pub fn reuse_active_run(mut self, reuse: bool) -> Self {
        self.reuse_active_run = reuse;
        self
    }

    /// The cause, before the marker is added.
    pub fn cause(&self) -> &str {
        &self.cause
    }
}

impl DbtCloud {
    /// The run a starting `POST` (trigger or rerun) answered with, remembered as started by
    /// this client (for the 404 grace of `wait`), or the error to classify.
    pub(crate) async fn started_run(
        &self,
        operation: &'static str,
        sent: Result<
            progenitor_client::ResponseValue<crate::types::RunResponse>,
            progenitor_client::Error<crate::types::ErrorResponse>,
        >,
    ) -> Result<Run, Error> {
        let run = match sent {
            Ok(value) => value
                .into_inner()
                .data
                .ok_or_else(|| crate::client::missing_data(operation))?,
            Err(e) => return Err(Error::from_generated(operation, e).await),
        };
        self.remember_trigger(run.id);
        Ok(run)
    }
}

/// A fresh marker, `dbt-cloud-api:<32 hex digits>`.
pub fn new_marker() -> String {
    format!("{MARKER_PREFIX}{:032x}", crate::crypto::random_u128())
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
pub(crate) enum Outcome {
    /// Nothing was created (connection refused, 429 rate limit): safe to send again.
    NotCreated,
    /// dbt refused it (400, 401, 403, 404, ...): sending again would fail the same way.
    Refused,
    /// A 2xx whose body we could not read: a run exists, find it.
    Created,
    /// Anything else: a run may exist.
    Unknown,
}

pub(crate) fn classify(error: &Error) -> Outcome {
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

impl DbtCloud {
    /// Triggers a run of `job_id` and returns it as dbt answered (status Queued). Never creates
    /// more than one run per call; see the [module documentation](crate::trigger).
    pub async fn trigger_run(&self, job_id: i64, options: TriggerOptions) -> Result<Run, Error> {
        self.trigger_marked(job_id, &options, &new_marker(), None)
            .await
    }

    /// [`DbtCloud::trigger_run`] with the marker chosen by the caller, giving up (with
    /// [`Error::TriggerOutcomeUnknown`] if a `POST` was sent) rather than sleeping past
    /// `deadline`.
    pub(crate) async fn trigger_marked(
        &self,
        job_id: i64,
        options: &TriggerOptions,
        marker: &str,
        deadline: Option<Instant>,
    ) -> Result<Run, Error> {
        let account_id = self.account_id()?;
        if options.reuse_active_run
            && let Some(run) = self.active_run(job_id).await?
        {
            tracing::info!(job_id, run_id = run.id, "reusing the job's run in progress");
            return Ok(run);
        }
        let cause = marked_cause(&options.cause, marker);
        let span = tracing::info_span!("dbt_cloud.trigger", job_id, marker = %marker);
        // Where the marker look-up starts reading (see `marker_lookup`).
        let began = Instant::now();

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
            let error = match self.started_run("trigger_job_run", sent).await {
                Ok(run) => {
                    tracing::info!(parent: &span, run_id = run.id, attempt, "run triggered");
                    return Ok(run);
                }
                Err(error) => error,
            };
            let outcome = classify(&error);
            tracing::warn!(parent: &span, attempt, error = %error, outcome = ?outcome, "trigger POST failed");
            let unknown = |message: String| Error::TriggerOutcomeUnknown {
                job_id,
                marker: marker.to_string(),
                message,
            };
            match outcome {
                Outcome::Refused => return Err(error),
                Outcome::NotCreated => {}
                Outcome::Created | Outcome::Unknown => {
                    match self
                        .find_marked_run(account_id, job_id, marker, began, options)
                        .await
                    {
                        Lookup::Found(run) => {
                            tracing::info!(parent: &span, run_id = run.id, attempt, "found the run of an unanswered trigger");
                            self.remember_trigger(run.id);
                            return Ok(*run);
                        }
                        Lookup::Failed(why) => {
                            return Err(unknown(format!("{error}; look-up failed: {why}")));
                        }
                        Lookup::NotFound if outcome == Outcome::Created => {
                            return Err(unknown(format!(
                                "{error}; dbt accepted the request but the run is not listed yet"
                            )));
                        }
                        Lookup::NotFound => {}
                    }
                }
            }
            if attempt >= options.max_attempts {
                return Err(error);
            }
            let delay = resend_delay(options.backoff, attempt, &error);
            if deadline.is_some_and(|d| Instant::now() + delay >= d) {
                // No run was created (we looked), so the caller gets the last refusal.
                return Err(error);
            }
            tokio::time::sleep(delay).await;
        }
    }
}

/// How long to wait before `POST` number `attempt + 1`: the backoff doubled per attempt
/// with jitter, or longer if the server asked (capped: a `Retry-After` of days is no reason
/// to hold a trigger, the caller's deadline decides).
fn resend_delay(backoff: Duration, attempt: u32, error: &Error) -> Duration {
    const MAX_ASKED: Duration = Duration::from_secs(300);
    let ceiling = backoff.saturating_mul(1 << (attempt.saturating_sub(1)).min(6));
    let mut delay = ceiling.mul_f64(0.5 + crate::crypto::random_fraction() / 2.0);
    if let Error::Api {
        retry_after: Some(asked),
        ..
    } = error
    {
        delay = delay.max((*asked).min(MAX_ASKED));
    }
    delay
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
