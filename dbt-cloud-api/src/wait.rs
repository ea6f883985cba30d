//! Waiting for a run to finish.
//!
//! `wait_for_run` polls getRun with an interval that grows to a maximum, stops at an overall
//! time limit (optionally cancelling the run), and rides out what real dbt Cloud does in the
//! meantime: transient failures (already retried per request by the transport, then
//! tolerated here for a while) and the 404 a run answers for a moment after it was triggered
//! (for a minute after this client triggered it, for a few seconds for any other run id, so
//! a mistyped id fails fast). It returns `Ok(run)` only for a successful run; an errored or
//! cancelled run is [`Error::RunFailed`] and a time-out [`Error::WaitTimeout`], both carrying
//! the run, so a failure cannot be mistaken for success.
//!
//! In [`DbtCloud::trigger_and_wait`] the time-out bounds the whole call, the trigger and
//! every wait the server asks for included, and every error after the trigger carries the
//! run's id ([`Error::run_id`]), so the caller can cancel the run or wait on it again.
//!
//! ```no_run
//! # async fn f(dbt: dbt_cloud_api::DbtCloud) -> Result<(), dbt_cloud_api::Error> {
//! use dbt_cloud_api::{TriggerOptions, WaitOptions};
//! use std::time::Duration;
//!
//! let wait = WaitOptions::default()
//!     .timeout(Duration::from_secs(3600))
//!     .cancel_on_timeout(true)
//!     .on_update(|update| {
//!         if update.status_changed {
//!             println!("run {} is now {}", update.run.id, update.status_label());
//!         }
//!     });
//! match dbt.trigger_and_wait(7, TriggerOptions::new("CI"), wait).await {
//!     Ok(run) => println!("run {} succeeded", run.id),
//!     Err(dbt_cloud_api::Error::RunFailed { run_id, status, .. }) => eprintln!("run {run_id} ended {status}"),
//!     Err(e) => eprintln!("{e}"),
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::DbtCloud;
use crate::error::Error;
use crate::run_status::RunStatus;
use crate::trigger::TriggerOptions;
use crate::types::Run;

/// What a progress callback receives after every successful poll.
#[derive(Debug)]
pub struct RunUpdate<'a> {
    /// The run as just read.
    pub run: &'a Run,
    /// Its status (`None` if dbt sent none).
    pub status: Option<RunStatus>,
    /// The status at the previous successful poll.
    pub previous: Option<RunStatus>,
    /// Whether the status differs from the previous poll (always true for the first).
    pub status_changed: bool,
    /// Time since the wait started.
    pub elapsed: Duration,
}

impl RunUpdate<'_> {
    /// The status in words, as dbt's UI shows it.
    pub fn status_label(&self) -> String {
        self.status
            .map(|s| s.to_string())
            .or_else(|| self.run.status_humanized.clone())
            .unwrap_or_else(|| "Unknown".to_string())
    }
}

type UpdateCallback = Arc<dyn Fn(&RunUpdate<'_>) + Send + Sync>;

/// How to wait.
#[derive(Clone)]
pub struct WaitOptions {
    poll_interval: Duration,
    max_poll_interval: Duration,
    timeout: Option<Duration>,
    cancel_on_timeout: bool,
    not_found_grace: Duration,
    unknown_run_grace: Duration,
    error_budget: Duration,
    include_related: Option<String>,
    on_update: Option<UpdateCallback>,
}

/// How long a cancel after a time-out may take, past the time limit.
const CANCEL_BOUND: Duration = Duration::from_secs(10);

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("poll_interval", &self.poll_interval)
            .field("max_poll_interval", &self.max_poll_interval)
            .field("timeout", &self.timeout)
            .field("cancel_on_timeout", &self.cancel_on_timeout)
            .field("not_found_grace", &self.not_found_grace)
            .field("unknown_run_grace", &self.unknown_run_grace)
            .field("error_budget", &self.error_budget)
            .field("include_related", &self.include_related)
            .field("on_update", &self.on_update.as_ref().map(|_| "<callback>"))
            .finish()
    }
}

impl Default for WaitOptions {
    /// Polls after 2 s, backing off by half each time to 30 s; gives up after 24 h; tolerates
    /// 404 for 60 s after this client triggered the run (3 s for a run it did not trigger)
    /// and transient failures for 10 minutes in a row.
    fn default() -> Self {
        WaitOptions {
            poll_interval: Duration::from_secs(2),
            max_poll_interval: Duration::from_secs(30),
            timeout: Some(Duration::from_secs(24 * 3600)),
            cancel_on_timeout: false,
            not_found_grace: Duration::from_secs(60),
            unknown_run_grace: Duration::from_secs(3),
            error_budget: Duration::from_secs(600),
            include_related: None,
            on_update: None,
        }
    }
}

impl WaitOptions {
    /// The first poll interval; each next one is 1.5 times longer, up to `max_poll_interval`.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// The longest poll interval.
    pub fn max_poll_interval(mut self, interval: Duration) -> Self {
        self.max_poll_interval = interval;
        self
    }

    /// Gives up after this long ([`Error::WaitTimeout`]). In [`DbtCloud::trigger_and_wait`]
    /// it bounds the whole call, trigger included (plus at most 10 s for a cancel requested
    /// by [`WaitOptions::cancel_on_timeout`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Waits for as long as it takes.
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// On time-out, ask dbt to cancel the run before returning.
    pub fn cancel_on_timeout(mut self, cancel: bool) -> Self {
        self.cancel_on_timeout = cancel;
        self
    }

    /// How long after this client triggered the run a 404 for it is taken for "not visible
    /// yet" (default 60 s).
    pub fn not_found_grace(mut self, grace: Duration) -> Self {
        self.not_found_grace = grace;
        self
    }

    /// How long after the wait starts a 404 is taken for "not visible yet" for a run this
    /// client did not trigger (default 3 s; a run triggered by another process can lag too).
    pub fn unknown_run_grace(mut self, grace: Duration) -> Self {
        self.unknown_run_grace = grace;
        self
    }

    /// How long transient failures (after the transport's own retries) are tolerated in a row
    /// before the last one is returned.
    pub fn error_budget(mut self, budget: Duration) -> Self {
        self.error_budget = budget;
        self
    }

    /// Related objects to read with every poll, e.g. `"run_steps"` to follow the steps.
    pub fn include_related(mut self, include: impl Into<String>) -> Self {
        self.include_related = Some(include.into());
        self
    }

    /// Called after every successful poll; `update.status_changed` marks status changes.
    pub fn on_update(mut self, callback: impl Fn(&RunUpdate<'_>) + Send + Sync + 'static) -> Self {
        self.on_update = Some(Arc::new(callback));
        self
    }
}

/// Whether a run is over, and if so whether it succeeded.
fn verdict(run: &Run) -> Option<bool> {
    match run.run_status() {
        Some(status) if status.is_terminal() => Some(status.is_success()),
        // A status code newer than this crate: trust dbt's own flags.
        _ if run.is_complete == Some(true) => Some(run.is_success == Some(true)),
        _ => None,
    }
}

impl DbtCloud {
    /// Polls `run_id` until it ends. `Ok` only for a successful run; see the
    /// [module documentation](crate::wait) for the failure cases.
    pub async fn wait_for_run(&self, run_id: i64, options: WaitOptions) -> Result<Run, Error> {
        let started = Instant::now();
        let deadline = options.timeout.map(|t| started + t);
        self.wait_until(run_id, &options, started, deadline).await
    }

    /// The wait, under a time limit that may have started before it (`started`).
    async fn wait_until(
        &self,
        run_id: i64,
        options: &WaitOptions,
        started: Instant,
        deadline: Option<Instant>,
    ) -> Result<Run, Error> {
        let waiting_since = Instant::now();
        // A 404 means "not visible yet" only this long after the run was triggered.
        let not_found_until = match self.triggered_at(run_id) {
            Some(at) => at + options.not_found_grace,
            None => waiting_since + options.unknown_run_grace,
        };
        let mut interval = options.poll_interval;
        let mut last_seen: Option<Run> = None;
        let mut previous: Option<RunStatus> = None;
        let mut failing_since: Option<Instant> = None;
        let span = tracing::info_span!("dbt_cloud.wait", run_id);

        loop {
            let read = self.fetch_run_including(run_id, options.include_related.as_deref());
            let read = match deadline {
                Some(deadline) => tokio::time::timeout_at(deadline, read).await.ok(),
                None => Some(read.await),
            };
            match read {
                // The time limit ran out during the read.
                None => break,
                Some(Ok(run)) => {
                    failing_since = None;
                    let status = run.run_status();
                    let changed = last_seen.is_none() || status != previous;
                    if changed {
                        tracing::info!(
                            parent: &span,
                            status = %status.map(|s| s.to_string()).unwrap_or_else(|| "unknown".into()),
                            previous = ?previous.map(|s| s.to_string()),
                            "run status changed"
                        );
                    }
                    if let Some(callback) = &options.on_update {
                        callback(&RunUpdate {
                            run: &run,
                            status,
                            previous,
                            status_changed: changed,
                            elapsed: started.elapsed(),
                        });
                    }
                    previous = status;
                    match verdict(&run) {
                        Some(true) => return Ok(run),
                        Some(false) => {
                            return Err(Error::RunFailed {
                                run_id,
                                status: status.unwrap_or(RunStatus::Unknown(0)),
                                message: run
                                    .status_message
                                    .clone()
                                    .filter(|m| !m.trim().is_empty()),
                                run: Box::new(run),
                            });
                        }
                        None => last_seen = Some(run),
                    }
                }
                Some(Err(error)) => {
                    let early_404 = error.is_not_found()
                        && last_seen.is_none()
                        && Instant::now() < not_found_until;
                    let transient = error.is_retryable() || matches!(error, Error::Decode { .. });
                    if early_404 {
                        tracing::debug!(parent: &span, "run not visible yet (404); polling again");
                    } else if transient {
                        let since = *failing_since.get_or_insert_with(Instant::now);
                        if since.elapsed() >= options.error_budget {
                            return Err(error);
                        }
                        tracing::warn!(parent: &span, error = %error, "polling failed; will poll again");
                    } else {
                        return Err(error);
                    }
                }
            }
            let wake = Instant::now() + interval;
            if let Some(deadline) = deadline
                && wake >= deadline
            {
                tokio::time::sleep_until(deadline).await;
                break;
            }
            tokio::time::sleep_until(wake).await;
            interval = interval
                .mul_f64(1.5)
                .min(options.max_poll_interval.max(options.poll_interval));
        }

        let waited = started.elapsed();
        let mut cancel_requested = false;
        if options.cancel_on_timeout {
            // Bounded: a wait that already timed out must not hang on the cancel.
            match tokio::time::timeout(CANCEL_BOUND, self.cancel(run_id)).await {
                Ok(Ok(run)) => {
                    cancel_requested = true;
                    last_seen = Some(run);
                }
                Ok(Err(e)) => {
                    tracing::warn!(parent: &span, error = %e, "cancel after time-out failed")
                }
                Err(_) => tracing::warn!(parent: &span, "cancel after time-out timed out"),
            }
        }
        tracing::warn!(parent: &span, waited_ms = waited.as_millis() as u64, cancel_requested, "gave up waiting");
        Err(Error::WaitTimeout {
            run_id,
            waited,
            last_seen: last_seen.map(Box::new),
            cancel_requested,
        })
    }

    /// [`DbtCloud::trigger_run`] (exactly once) then [`DbtCloud::wait_for_run`], under one
    /// time limit ([`WaitOptions::timeout`]) for both. Every error after the trigger carries
    /// the run's id ([`Error::run_id`]); a time limit reached before the trigger's outcome was
    /// known is [`Error::TriggerOutcomeUnknown`] with the marker to look for.
    pub async fn trigger_and_wait(
        &self,
        job_id: i64,
        trigger: TriggerOptions,
        wait: WaitOptions,
    ) -> Result<Run, Error> {
        self.start_and_wait(job_id, &trigger, &wait, Start::Trigger)
            .await
    }

    /// [`DbtCloud::rerun_from_failure`] then [`DbtCloud::wait_for_run`], with the guarantees
    /// of [`DbtCloud::trigger_and_wait`].
    pub async fn rerun_and_wait(
        &self,
        job_id: i64,
        trigger: TriggerOptions,
        wait: WaitOptions,
    ) -> Result<Run, Error> {
        self.start_and_wait(job_id, &trigger, &wait, Start::Rerun)
            .await
    }

    async fn start_and_wait(
        &self,
        job_id: i64,
        trigger: &TriggerOptions,
        wait: &WaitOptions,
        start: Start,
    ) -> Result<Run, Error> {
        let started = Instant::now();
        let deadline = wait.timeout.map(|t| started + t);
        let marker = crate::trigger::new_marker();
        let triggered = async {
            match start {
                Start::Trigger => {
                    self.trigger_marked(job_id, trigger, &marker, deadline)
                        .await
                }
                Start::Rerun => self.rerun_marked(job_id, trigger, &marker, deadline).await,
            }
        };
        let run = match deadline {
            None => triggered.await?,
            Some(deadline) => match tokio::time::timeout_at(deadline, triggered).await {
                Ok(run) => run?,
                Err(_) => {
                    return Err(Error::TriggerOutcomeUnknown {
                        job_id,
                        marker,
                        message: format!(
                            "the time limit of {:?} ran out before the trigger's outcome was known",
                            started.elapsed()
                        ),
                    });
                }
            },
        };
        self.wait_until(run.id, wait, started, deadline)
            .await
            .map_err(|e| e.after_trigger(run.id))
    }
}

/// How [`DbtCloud::start_and_wait`] starts the run.
#[derive(Clone, Copy)]
enum Start {
    Trigger,
    Rerun,
}
