//! The fault matrix: every fault the mock can inject x (trigger_and_wait, a full pagination,
//! an artifact download). Each cell must end in success or in the expected typed error,
//! never a panic or a hang (each cell is bounded by a timeout).
//!
//! Transient faults fire twice and must be ridden out; persistent ones must surface as the
//! right typed error.

mod common;

use std::fmt;
use std::time::Duration;

use common::{bounded, client, start_mock, trigger_options, wait_options};
use dbt_cloud_api::{DbtCloud, Error};
use dbt_cloud_mock::{Fault, FaultRule, Operation, demo_ids};

#[derive(Clone, Copy, Debug)]
enum Column {
    TriggerAndWait,
    Pagination,
    Artifact,
}

/// What a cell must end in.
#[derive(Debug, PartialEq)]
enum Expect {
    Success,
    /// An [`Error::Api`] with this status, retryable or not as the status says.
    ApiError(u16),
}

#[derive(Clone)]
struct Row {
    name: &'static str,
    fault: Option<Fault>,
    /// None = every request of the column's operations.
    times: Option<u32>,
    hide_new_runs: u32,
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

fn rows() -> Vec<Row> {
    let transient = |name, fault| Row {
        name,
        fault: Some(fault),
        times: Some(2),
        hide_new_runs: 0,
    };
    let persistent = |name, fault| Row {
        name,
        fault: Some(fault),
        times: None,
        hide_new_runs: 0,
    };
    vec![
        transient(
            "429 + Retry-After",
            Fault::RateLimited {
                retry_after_secs: 1,
            },
        ),
        transient("500", Fault::Status(500)),
        transient("502", Fault::Status(502)),
        transient("503", Fault::Status(503)),
        transient("504", Fault::Status(504)),
        // Longer than the client's 500 ms request timeout.
        transient(
            "latency > timeout",
            Fault::Latency(Duration::from_millis(900)),
        ),
        transient(
            "latency < timeout",
            Fault::Latency(Duration::from_millis(100)),
        ),
        transient("closed before answer", Fault::CloseBeforeResponse),
        transient("closed after state change", Fault::CloseAfterProcessing),
        transient("truncated body", Fault::TruncatedBody),
        transient("HTML 502 page", Fault::HtmlPage(502)),
        transient(
            "Django detail 503",
            Fault::DjangoDetail {
                status: 503,
                detail: "Service unavailable.".into(),
            },
        ),
        Row {
            name: "404 for first 3 reads",
            fault: None,
            times: None,
            hide_new_runs: 3,
        },
        persistent("persistent 503", Fault::Status(503)),
        persistent("persistent HTML 504", Fault::HtmlPage(504)),
        persistent(
            "Django detail 403",
            Fault::DjangoDetail {
                status: 403,
                detail: "Permission denied.".into(),
            },
        ),
        persistent("404 envelope", Fault::Status(404)),
    ]
}

fn expected(row: &Row, column: Column) -> Expect {
    let Some(fault) = &row.fault else {
        return Expect::Success;
    };
    if row.times.is_some() {
        return Expect::Success;
    }
    let status = match fault {
        Fault::Status(s) | Fault::HtmlPage(s) => *s,
        Fault::DjangoDetail { status, .. } => *status,
        other => unreachable!("no persistent row for {other:?}"),
    };
    // A trigger whose POST keeps failing reports the last POST's error.
    let _ = column;
    Expect::ApiError(status)
}

fn operations(column: Column) -> &'static [Operation] {
    match column {
        Column::TriggerAndWait => &[Operation::TriggerJobRun, Operation::GetRun],
        Column::Pagination => &[Operation::ListRuns],
        Column::Artifact => &[Operation::GetRunArtifact],
    }
}

/// A finished, successful run to download artifacts from, and its `dbt build` step (the last
/// step, docs generation, has a run_results.json without model nodes).
async fn finished_run(dbt: &DbtCloud) -> (i64, Option<i64>) {
    let run = dbt
        .trigger_and_wait(
            demo_ids::DAILY_JOB,
            trigger_options(),
            wait_options().include_related("run_steps"),
        )
        .await
        .expect("clean run");
    let step = common::build_step(&run);
    assert!(step.is_some(), "the demo job has a `dbt build` step");
    (run.id, step)
}

async fn cell(row: &Row, column: Column) -> Result<(), Error> {
    let mock = start_mock(common::TOKEN).await;
    let dbt = client(&mock);
    // Set-up happens before the faults are armed.
    let artifact_run = match column {
        Column::Artifact => Some(finished_run(&dbt).await),
        Column::Pagination => {
            mock.seed_runs(demo_ids::HOURLY_JOB, 250);
            None
        }
        Column::TriggerAndWait => None,
    };
    if let Some(fault) = &row.fault {
        for op in operations(column) {
            // Paginating: let the first page through so the fault hits mid-stream.
            let mut rule = FaultRule::on(*op, fault.clone());
            if matches!(column, Column::Pagination) {
                rule = rule.after(1);
            }
            if let Some(times) = row.times {
                rule = rule.times(times);
            }
            mock.inject_fault(rule);
        }
    }
    if row.hide_new_runs > 0 {
        mock.hide_new_runs(row.hide_new_runs);
    }
    let account_id = mock.account_id();
    match column {
        Column::TriggerAndWait => {
            let before = mock.run_ids().len();
            let result = dbt
                .trigger_and_wait(demo_ids::DAILY_JOB, trigger_options(), wait_options())
                .await;
            let created = mock.run_ids().len() - before;
            assert!(
                created <= 1,
                "{row:?}: one trigger call created {created} runs"
            );
            let run = result?;
            assert_eq!(run.run_status(), Some(dbt_cloud_api::RunStatus::Success));
        }
        Column::Pagination => {
            let request = dbt
                .list_runs()
                .account_id(account_id)
                .job_definition_id(demo_ids::HOURLY_JOB);
            let runs = dbt.collect_all(request).await?;
            let mut ids: Vec<i64> = runs.iter().map(|r| r.id).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), 250, "{row:?}: every run exactly once");
        }
        Column::Artifact => {
            let (run_id, step) = artifact_run.unwrap_or_default();
            let results = dbt.run_results(run_id, step).await?;
            assert!(
                !results.results.is_empty(),
                "{row:?}: run_results.json has nodes"
            );
        }
    }
    Ok(())
}

async fn column(column: Column) {
    let mut failures = Vec::new();
    for row in rows() {
        let want = expected(&row, column);
        let started = std::time::Instant::now();
        let got = bounded(&format!("{column:?} x {row:?}"), cell(&row, column)).await;
        let ok = match (&want, &got) {
            (Expect::Success, Ok(())) => true,
            (Expect::ApiError(code), Err(e @ Error::Api { status, .. })) => {
                status.as_u16() == *code
                    && e.is_retryable() == matches!(code, 408 | 429 | 500 | 502 | 503 | 504)
            }
            _ => false,
        };
        println!(
            "{:<28} {:<16} {:>6.2}s  {}",
            row.name,
            format!("{column:?}"),
            started.elapsed().as_secs_f64(),
            match &got {
                Ok(()) => "ok".to_string(),
                Err(e) => format!("typed error: {e}"),
            }
        );
        if !ok {
            failures.push(format!("{row:?}: expected {want:?}, got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "cells that did not end as expected:\n{}",
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_x_trigger_and_wait() {
    column(Column::TriggerAndWait).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_x_full_pagination() {
    column(Column::Pagination).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_x_artifact_download() {
    column(Column::Artifact).await;
}
