//! Finding the run a trigger `POST` created when its answer was lost.
//!
//! The run carries the trigger's marker in its cause, so the look-up reads the job's runs,
//! newest first, until it finds the marker or reaches runs created before the trigger began.
//! "Before" is judged on dbt's own `created_at` clock, never on ours: the newest run listed
//! was created at or before dbt's "now", so `newest.created_at - (time since the trigger
//! began) - clock_margin` is an instant, on dbt's clock, no later than the start of the
//! trigger. However many runs of the job start meanwhile, the look-up reads all of them.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use tokio::time::Instant;

use super::TriggerOptions;
use crate::DbtCloud;
use crate::error::Error;
use crate::paginate::{ListRequest, PAGE_SIZE, Rules, paginate_with};
use crate::types::Run;

/// What the look-up established.
pub(super) enum Lookup {
    Found(Box<Run>),
    NotFound,
    Failed(String),
}

impl DbtCloud {
    /// Looks for the run whose trigger cause holds `marker`, repeatedly until `settle` has
    /// passed, because a request that timed out on our side may still be processed by dbt.
    pub(super) async fn find_marked_run(
        &self,
        account_id: i64,
        job_id: i64,
        marker: &str,
        began: Instant,
        options: &TriggerOptions,
    ) -> Lookup {
        let deadline = Instant::now() + options.settle;
        let mut delay = Duration::from_millis(100)
            .min(options.settle / 4)
            .max(Duration::from_millis(10));
        let mut looked_up = false;
        let mut last_error = String::from("no look-up completed");
        // Fixed by the first look-up that reads a run, so later ones cannot drift forward.
        let mut since: Option<DateTime<Utc>> = None;
        loop {
            match self
                .lookup_marker(
                    account_id,
                    job_id,
                    marker,
                    began,
                    options.clock_margin,
                    &mut since,
                )
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

    /// One look-up: the job's runs with their triggers, newest first, back to `since`.
    async fn lookup_marker(
        &self,
        account_id: i64,
        job_id: i64,
        marker: &str,
        began: Instant,
        margin: Duration,
        since: &mut Option<DateTime<Utc>>,
    ) -> Result<Option<Run>, Error> {
        let request = self
            .raw()
            .list_runs()
            .account_id(account_id)
            .job_definition_id(job_id)
            .order_by("-id")
            .include_related("trigger");
        let rules = Rules {
            operation: "list_runs",
            page_size: PAGE_SIZE,
            concurrency: 1,
            // New runs land at the head while we read, shifting pages: repeats are expected.
            tolerate_repeats: true,
        };
        let runs = paginate_with(rules, move |offset, limit| {
            request.clone().fetch_page(offset, limit)
        });
        let mut runs = std::pin::pin!(runs);
        let mut first = true;
        while let Some(run) = runs.try_next().await? {
            let Some(trigger) = &run.trigger else {
                // Without triggers we cannot tell our run from another: not finding the
                // marker would prove nothing, and sending again could start the job twice.
                return Err(Error::Decode {
                    operation: "list_runs",
                    status: None,
                    message: "runs listed without their trigger (include_related=trigger ignored)"
                        .to_string(),
                });
            };
            if trigger.cause.as_deref().is_some_and(|c| c.contains(marker)) {
                return Ok(Some(run));
            }
            let created = run.created_at_utc();
            if first && since.is_none() {
                *since =
                    created.and_then(|newest| start_on_dbt_clock(newest, began.elapsed(), margin));
            }
            first = false;
            if let (Some(since), Some(created)) = (*since, created)
                && created < since
            {
                return Ok(None);
            }
        }
        Ok(None)
    }
}

/// An instant on dbt's clock no later than the trigger's start: see the module documentation.
fn start_on_dbt_clock(
    newest: DateTime<Utc>,
    elapsed: Duration,
    margin: Duration,
) -> Option<DateTime<Utc>> {
    let back = chrono::Duration::from_std(elapsed.saturating_add(margin)).ok()?;
    newest.checked_sub_signed(back)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_is_taken_back_by_the_elapsed_time_and_the_margin() {
        let newest = crate::times::parse_timestamp("2024-06-01 12:00:10+00:00").unwrap();
        let start = start_on_dbt_clock(newest, Duration::from_secs(4), Duration::from_secs(6));
        assert_eq!(
            start.map(|s| s.to_rfc3339()).as_deref(),
            Some("2024-06-01T12:00:00+00:00")
        );
        assert_eq!(
            start_on_dbt_clock(newest, Duration::MAX, Duration::MAX),
            None
        );
    }
}
