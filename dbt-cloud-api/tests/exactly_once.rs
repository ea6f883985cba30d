//! Exactly-once triggering: with faults on the trigger POST that leave its outcome unknown
//! (the connection closed after the run was created, a 502 after the run was created, a
//! time-out while dbt is still working), one `trigger_run` call must never create two runs.

mod common;

use std::time::Duration;

use common::{SeededRng, bounded, client_for, start_mock};
use dbt_cloud_api::TriggerOptions;
use dbt_cloud_mock::{Fault, FaultRule, Operation, demo_ids};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum TriggerFault {
    ClosedAfterCreate,
    BadGatewayAfterCreate,
    TimeoutWhileProcessing,
}

/// The two load tests take turns: the 500 concurrent triggers would otherwise starve the
/// trials, whose 100 ms request time-out is part of what they test.
static LOAD_TESTS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const TRIALS: usize = 240;
const SEED: u64 = 0x00db_7c10_0d00_0001;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_trigger_outcomes_never_create_a_second_run() {
    let _turn = LOAD_TESTS.lock().await;
    let bound = Duration::from_secs(400);
    let trials = tokio::time::timeout(bound, async {
        let mock = start_mock(common::TOKEN).await;
        // A request time-out shorter than the injected latency, so the POST times out while
        // the mock is still going to create the run.
        let dbt = client_for(
            &mock.base_url(),
            mock.token(),
            mock.account_id(),
            Duration::from_millis(100),
        );
        let mut rng = SeededRng::new(SEED);
        let kinds = [
            TriggerFault::ClosedAfterCreate,
            TriggerFault::BadGatewayAfterCreate,
            TriggerFault::TimeoutWhileProcessing,
        ];

        let mut duplicates = 0;
        let mut succeeded = 0;
        let mut per_kind = std::collections::BTreeMap::new();
        for trial in 0..TRIALS {
            let kind = kinds[trial % kinds.len()];
            // 1 or 2 consecutive faulty POSTs: the second also hits the re-sent request, if any.
            let times = rng.in_range(1, 2) as u32;
            mock.clear_faults();
            let fault = match kind {
                TriggerFault::ClosedAfterCreate => Fault::CloseAfterProcessing,
                TriggerFault::BadGatewayAfterCreate => Fault::StatusAfterProcessing(502),
                TriggerFault::TimeoutWhileProcessing => {
                    Fault::Latency(Duration::from_millis(rng.in_range(150, 300)))
                }
            };
            mock.inject_fault(FaultRule::on(Operation::TriggerJobRun, fault).times(times));
            let before = mock.run_ids().len();
            let started = std::time::Instant::now();
            let options = TriggerOptions::new(format!("exactly-once trial {trial}"))
                .settle(Duration::from_millis(600))
                .backoff(Duration::from_millis(10));
            let result = dbt.trigger_run(demo_ids::CI_JOB, options).await;
            // Give a POST that dbt is still processing the time to land before counting.
            if kind == TriggerFault::TimeoutWhileProcessing {
                let landed = Duration::from_millis(350);
                tokio::time::sleep(landed.saturating_sub(started.elapsed())).await;
            }
            let created = mock.run_ids().len() - before;
            if created > 1 {
                duplicates += 1;
            }
            match &result {
                Ok(run) => {
                    succeeded += 1;
                    assert_eq!(
                        created, 1,
                        "trial {trial} ({kind:?}): Ok but {created} runs created"
                    );
                    assert!(
                        mock.run_ids().contains(&run.id),
                        "trial {trial}: the returned run exists"
                    );
                }
                Err(e) => {
                    eprintln!("trial {trial} ({kind:?}, {times} faulty POSTs): {e}");
                    assert!(created <= 1, "trial {trial} ({kind:?}): {e}")
                }
            }
            let entry = per_kind.entry(kind).or_insert((0, 0));
            entry.0 += 1;
            entry.1 += created;
        }
        println!(
            "exactly-once: {TRIALS} trials (seed {SEED:#x}), {succeeded} returned a run, {duplicates} duplicate runs"
        );
        for (kind, (trials, runs)) in &per_kind {
            println!("  {kind:?}: {trials} trials, {runs} runs created");
        }
        assert_eq!(duplicates, 0, "some trigger calls created two runs");
        assert_eq!(
            succeeded, TRIALS,
            "every trial should find or create its run"
        );
    });
    assert!(
        trials.await.is_ok(),
        "the trials did not finish within {bound:?}"
    );
}

#[tokio::test]
async fn a_refused_trigger_is_not_sent_again() {
    let mock = start_mock(common::TOKEN).await;
    let dbt = common::client(&mock);
    mock.inject_fault(FaultRule::on(
        Operation::TriggerJobRun,
        Fault::DjangoDetail {
            status: 400,
            detail: "cause is required".into(),
        },
    ));
    let e = bounded(
        "refused trigger",
        dbt.trigger_run(demo_ids::CI_JOB, common::trigger_options()),
    )
    .await
    .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(e.user_message(), Some("cause is required"));
    assert_eq!(mock.request_count(Operation::TriggerJobRun), 1);
    assert_eq!(
        mock.request_count(Operation::ListRuns),
        0,
        "no look-up for a definite refusal"
    );
}

#[tokio::test]
async fn the_marker_is_in_the_cause_and_within_dbt_limit() {
    let mock = start_mock(common::TOKEN).await;
    let dbt = common::client(&mock);
    let run = bounded(
        "trigger",
        dbt.trigger_run(demo_ids::CI_JOB, TriggerOptions::new("x".repeat(300))),
    )
    .await
    .unwrap();
    let listed = dbt
        .fetch_run_including(run.id, Some("trigger"))
        .await
        .unwrap();
    let cause = listed.trigger.and_then(|t| t.cause).unwrap_or_default();
    assert!(
        cause.contains(dbt_cloud_api::trigger::MARKER_PREFIX),
        "{cause}"
    );
    assert!(cause.chars().count() <= 255);
}

/// 500 calls at once on one job, with 10% of the trigger POSTs answered by a dropped
/// connection and 10% by a 502, both after the run was created. Each faulted call must find
/// its own run among hundreds started meanwhile (the look-up reads every run created since
/// its trigger began, not a fixed number of the newest), so: no duplicate, and every call
/// returns the run carrying its own cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_triggers_with_faults_create_one_run_each() {
    const CALLS: usize = 500;
    const SEED: u64 = 0x5eed_0500;
    let _turn = LOAD_TESTS.lock().await;
    let bound = Duration::from_secs(240);
    let started = std::time::Instant::now();
    let outcome = tokio::time::timeout(bound, async {
        // A manual clock: every run keeps the same `created_at`, the look-up's worst case
        // (it cannot stop early and must read the job's every run).
        let mock = dbt_cloud_mock::MockDbtCloud::builder()
            .token(common::TOKEN)
            .record_capacity(0)
            .start()
            .await
            .unwrap();
        let dbt = client_for(
            &mock.base_url(),
            mock.token(),
            mock.account_id(),
            Duration::from_secs(60),
        )
        .with_rate_limiter(dbt_cloud_api::RateLimiter::unlimited());
        mock.inject_fault(
            FaultRule::on(Operation::TriggerJobRun, Fault::CloseAfterProcessing)
                .probability(0.10, SEED),
        );
        // Checked after the first rule, so 0.1 / 0.9 of the rest is 10% of all POSTs.
        mock.inject_fault(
            FaultRule::on(Operation::TriggerJobRun, Fault::StatusAfterProcessing(502))
                .probability(0.10 / 0.90, SEED + 1),
        );
        let before: std::collections::BTreeSet<i64> = mock.run_ids().into_iter().collect();
        let calls: Vec<_> = (0..CALLS)
            .map(|i| {
                let dbt = dbt.clone();
                tokio::spawn(async move {
                    let options = TriggerOptions::new(format!("concurrent call {i}"))
                        .settle(Duration::from_secs(2))
                        .backoff(Duration::from_millis(10));
                    dbt.trigger_run(demo_ids::CI_JOB, options).await
                })
            })
            .collect();
        let mut returned = Vec::new();
        for (i, call) in calls.into_iter().enumerate() {
            match call.await.unwrap() {
                Ok(run) => returned.push((i, run.id)),
                Err(e) => panic!("call {i} failed: {e}"),
            }
        }
        let created: Vec<i64> = mock
            .run_ids()
            .into_iter()
            .filter(|id| !before.contains(id))
            .collect();
        let fired = mock.faults_fired();
        // Every run of the job with its cause, to check each call got its own.
        let listed = dbt
            .collect_all(
                dbt.list_runs()
                    .account_id(mock.account_id())
                    .job_definition_id(demo_ids::CI_JOB)
                    .include_related("trigger"),
            )
            .await
            .unwrap();
        let causes: std::collections::HashMap<i64, String> = listed
            .into_iter()
            .map(|r| (r.id, r.trigger.and_then(|t| t.cause).unwrap_or_default()))
            .collect();
        let own = returned
            .iter()
            .filter(|(i, id)| {
                causes
                    .get(id)
                    .is_some_and(|c| c.starts_with(&format!("concurrent call {i} [")))
            })
            .count();
        let distinct: std::collections::BTreeSet<i64> =
            returned.iter().map(|(_, id)| *id).collect();
        println!(
            "{CALLS} concurrent triggers of one job (seed {SEED:#x}): faults fired {fired:?} \
             (closed after create, 502 after create), {} runs created, {} duplicates, \
             {own} calls returned their own run, {} distinct runs returned, {:.1?}",
            created.len(),
            created.len().saturating_sub(CALLS),
            distinct.len(),
            started.elapsed()
        );
        assert!(
            fired.iter().all(|f| *f >= 25),
            "both faults fired often: {fired:?}"
        );
        assert_eq!(created.len(), CALLS, "one run per call, no duplicate");
        assert_eq!(distinct.len(), CALLS, "no two calls returned the same run");
        assert_eq!(
            own, CALLS,
            "every call returned the run carrying its own cause"
        );
    })
    .await;
    assert!(
        outcome.is_ok(),
        "500 triggers did not finish within {bound:?}"
    );
}
