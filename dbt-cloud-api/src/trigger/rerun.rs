//! Rerunning a job from its failed step, and reusing a run in progress.
//!
//! dbt's `/rerun/` restarts the job's latest run from the step that failed (Airflow's
//! `retry_from_failure`, dbtc's `trigger_job_from_failure`). It takes no cause, so the
//! exactly-once rule works on what a rerun leaves instead of a marker: after an unknown
//! outcome, a run of the job newer than the failed one whose `retrying_run_id` names it is
//! the rerun; with none after `settle`, the `POST` created nothing and may be sent again.
//!
//! ```no_run
//! # async fn f(dbt: dbt_cloud_api::DbtCloud) -> Result<(), dbt_cloud_api::Error> {
//! use dbt_cloud_api::{TriggerOptions, WaitOptions};
//!
//! // Reruns the failed steps if the latest run failed, else starts the job normally.
//! let run = dbt
//!     .rerun_and_wait(7, TriggerOptions::new("Retry from the scheduler"), WaitOptions::default())
//!     .await?;
//! println!("run {} succeeded", run.id);
//! # Ok(()) }
//! ```

use std::time::Duration;

use tokio::time::Instant;

use super::{Outcome, TriggerOptions, classify, new_marker, resend_delay};
use crate::DbtCloud;
use crate::error::Error;
use crate::run_status::RunStatus;
use crate::types::Run;

/// dbt's codes of a run not yet finished: queued, starting, running.
const ACTIVE_STATUSES: &str = "[1,2,3]";

impl DbtCloud {
    /// The job's newest run that is queued, starting or running, if any.
    pub async fn active_run(&self, job_id: i64) -> Result<Option<Run>, Error> {
        let request = self
            .raw()
            .list_runs()
            .account_id(self.account_id()?)
            .job_definition_id(job_id)
            .status_in(ACTIVE_STATUSES)
            .order_by("-id")
            .limit(1);
        match request.send().await {
            Ok(v) => Ok(v.into_inner().data.unwrap_or_default().into_iter().next()),
            Err(e) => Err(Error::from_generated("list_runs", e).await),
        }
    }

    /// The job's newest run, if it has any.
    pub async fn latest_run(&self, job_id: i64) -> Result<Option<Run>, Error> {
        self.newest_runs(job_id, 1)
            .await
            .map(|runs| runs.into_iter().next())
    }

    async fn newest_runs(&self, job_id: i64, count: i64) -> Result<Vec<Run>, Error> {
        let request = self
            .raw()
            .list_runs()
            .account_id(self.account_id()?)
            .job_definition_id(job_id)
            .order_by("-id")
            .limit(count);
        match request.send().await {
            Ok(v) => Ok(v.into_inner().data.unwrap_or_default()),
            Err(e) => Err(Error::from_generated("list_runs", e).await),
        }
    }

    /// If the job's latest run failed, reruns it from the failed step (`/rerun/`); otherwise
    /// triggers the job like [`DbtCloud::trigger_run`] with `options` (whose cause is then
    /// used; `reuse_active_run` applies too). Never creates more than one run per call.
    pub async fn rerun_from_failure(
        &self,
        job_id: i64,
        options: TriggerOptions,
    ) -> Result<Run, Error> {
        self.rerun_marked(job_id, &options, &new_marker(), None)
            .await
    }

    pub(crate) async fn rerun_marked(
        &self,
        job_id: i64,
        options: &TriggerOptions,
        marker: &str,
        deadline: Option<Instant>,
    ) -> Result<Run, Error> {
        let failed = match self.latest_run(job_id).await? {
            Some(run) if run.run_status() == Some(RunStatus::Error) => run,
            _ => return self.trigger_marked(job_id, options, marker, deadline).await,
        };
        let account_id = self.account_id()?;
        let span = tracing::info_span!("dbt_cloud.rerun", job_id, failed_run_id = failed.id);
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let sent = self
                .raw()
                .rerun_job()
                .account_id(account_id)
                .job_id(job_id)
                .send()
                .await;
            let error = match self.started_run("rerun_job", sent).await {
                Ok(run) => {
                    tracing::info!(parent: &span, run_id = run.id, attempt, "failed run rerun");
                    return Ok(run);
                }
                Err(error) => error,
            };
            let outcome = classify(&error);
            tracing::warn!(parent: &span, attempt, error = %error, outcome = ?outcome, "rerun POST failed");
            let unknown = |message: String| Error::TriggerOutcomeUnknown {
                job_id,
                marker: format!("a run whose retrying_run_id is {}", failed.id),
                message,
            };
            match outcome {
                Outcome::Refused => return Err(error),
                Outcome::NotCreated => {}
                Outcome::Created | Outcome::Unknown => {
                    match self.find_rerun(job_id, failed.id, options.settle).await {
                        Ok(Some(run)) => {
                            self.remember_trigger(run.id);
                            return Ok(run);
                        }
                        Ok(None) if outcome == Outcome::Unknown => {}
                        Ok(None) => {
                            return Err(unknown(format!(
                                "{error}; dbt accepted the request but the run is not listed yet"
                            )));
                        }
                        Err(why) => return Err(unknown(format!("{error}; {why}"))),
                    }
                }
            }
            if attempt >= options.max_attempts {
                return Err(error);
            }
            let delay = resend_delay(options.backoff, attempt, &error);
            if deadline.is_some_and(|d| Instant::now() + delay >= d) {
                return Err(error);
            }
            tokio::time::sleep(delay).await;
        }
    }

    /// The rerun of `failed_id`, looked for until `settle` has passed. `Err` when the
    /// outcome cannot be established: the look-up keeps failing, or another run of the job
    /// started meanwhile (a second `/rerun/` would then restart that one).
    async fn find_rerun(
        &self,
        job_id: i64,
        failed_id: i64,
        settle: Duration,
    ) -> Result<Option<Run>, String> {
        let deadline = Instant::now() + settle;
        let mut delay = Duration::from_millis(100)
            .min(settle / 4)
            .max(Duration::from_millis(10));
        let mut looked_up = false;
        let mut last_error = String::from("no look-up completed");
        loop {
            match self.newest_runs(job_id, 100).await {
                Ok(runs) => {
                    looked_up = true;
                    let newer: Vec<&Run> = runs.iter().filter(|r| r.id > failed_id).collect();
                    if let Some(rerun) = newer.iter().find(|r| r.retrying_run_id == Some(failed_id))
                    {
                        return Ok(Some((*rerun).clone()));
                    }
                    if !newer.is_empty() {
                        return Err(format!(
                            "run {} of the job started after the failed run {failed_id}; not sending /rerun/ again",
                            newer[0].id
                        ));
                    }
                }
                Err(e) => last_error = e.to_string(),
            }
            let now = Instant::now();
            if now >= deadline {
                return if looked_up {
                    Ok(None)
                } else {
                    Err(format!("look-up failed: {last_error}"))
                };
            }
            tokio::time::sleep(delay.min(deadline - now)).await;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }
}
