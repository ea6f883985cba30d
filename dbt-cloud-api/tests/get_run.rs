//! `fetch_run` and `fetch_run_including` build getRun by hand instead of through the generated
//! `GetRun` builder (see `src/get_run.rs`). These tests hold them to the builder: the same
//! request on the wire, header for header, and the same answer or error for every kind of
//! answer a server can give.

mod common;
mod hostile;

use std::time::Duration;

use common::{TOKEN, bounded, client, client_for, start_mock};
use dbt_cloud_api::{DbtCloud, Error};
use dbt_cloud_mock::demo_ids;
use hostile::{Reply, Seen, serve};

/// The generated builder's answer, turned into a run as `fetch_run` does.
async fn through_builder(
    dbt: &DbtCloud,
    run_id: i64,
    include_related: Option<&str>,
) -> Result<Option<dbt_cloud_api::types::Run>, Error> {
    let mut request = dbt.get_run().account_id(dbt.account_id()?).run_id(run_id);
    if let Some(include) = include_related {
        request = request.include_related(include.to_string());
    }
    match request.send().await {
        Ok(answer) => Ok(answer.into_inner().data),
        Err(e) => Err(Error::from_generated("get_run", e).await),
    }
}

#[tokio::test]
async fn the_request_and_the_run_are_the_builders() {
    bounded("getRun against the builder", async {
        let mock = start_mock(TOKEN).await;
        let dbt = client(&mock);
        let run_id = *mock
            .seed_runs(demo_ids::DAILY_JOB, 1)
            .first()
            .expect("a run");
        // Unset, a list of related objects, and a value that needs encoding.
        for include in [None, Some("run_steps,job"), Some("a b&c=d")] {
            mock.clear_requests();
            let by_hand = dbt
                .fetch_run_including(run_id, include)
                .await
                .expect("fetch_run_including");
            let built = through_builder(&dbt, run_id, include)
                .await
                .expect("the builder")
                .expect("a run");
            assert_eq!(
                serde_json::to_value(&by_hand).unwrap(),
                serde_json::to_value(&built).unwrap(),
                "include_related {include:?}: the runs differ"
            );
            let requests = mock.requests();
            assert_eq!(requests.len(), 2, "one request each: {requests:?}");
            let (hand, gen_) = (&requests[0], &requests[1]);
            assert_eq!(hand.method, gen_.method);
            assert_eq!(hand.path, gen_.path);
            assert_eq!(hand.query, gen_.query, "include_related {include:?}");
            assert_eq!(hand.headers, gen_.headers, "include_related {include:?}");
            assert_eq!(
                hand.query.is_some(),
                include.is_some(),
                "a query only when asked: {:?}",
                hand.query
            );
        }
        // `fetch_run` is the unset case.
        mock.clear_requests();
        let run = dbt.fetch_run(run_id).await.expect("fetch_run");
        assert_eq!(run.id, run_id);
        assert_eq!(mock.requests()[0].query, None);
    })
    .await;
}

/// Every kind of answer: the run, dbt's errors, bodies that are not JSON, an envelope without
/// data, statuses the spec does not list, retried failures and a refused redirect.
#[tokio::test]
async fn every_answer_gives_what_the_builder_gives() {
    bounded("getRun answers", async {
        let server = serve(|seen: &Seen, _| {
            let case = seen.path.split('/').nth(6).unwrap_or("");
            match case {
                "1" => Reply::envelope(200, serde_json::json!({"id": 1, "status": 10})),
                "2" => Reply::envelope(404, serde_json::Value::Null),
                "3" => Reply::new(401).body("<html><title>Sign in</title></html>"),
                "4" => Reply::new(200).body("not json"),
                "5" => Reply::envelope(200, serde_json::Value::Null),
                "6" => Reply::new(503).body("busy"),
                "7" => Reply::new(302).header("location", "http://127.0.0.2:9/elsewhere/"),
                "8" => Reply::new(204),
                "9" => Reply::envelope(200, serde_json::json!({"id": "one"})),
                _ => Reply::new(0),
            }
        })
        .await;
        let dbt = client_for(&server.base_url(), TOKEN, 1, Duration::from_millis(500));
        let mut kinds: Vec<String> = Vec::new();
        for run_id in 1..=10 {
            let before = server.seen().len();
            let by_hand = dbt.fetch_run(run_id).await;
            let hand_requests: Vec<Seen> = server.seen()[before..].to_vec();
            let built = through_builder(&dbt, run_id, None).await;
            let built_requests: Vec<Seen> = server.seen()[before + hand_requests.len()..].to_vec();
            match (&by_hand, &built) {
                (Ok(run), Ok(Some(other))) => assert_eq!(
                    serde_json::to_value(run).unwrap(),
                    serde_json::to_value(other).unwrap(),
                    "case {run_id}"
                ),
                // The builder hands back the envelope; `fetch_run` wants its run.
                (Err(Error::Decode { message, .. }), Ok(None)) => {
                    assert!(
                        message.contains("`data` is null"),
                        "case {run_id}: {message}"
                    )
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string(), "case {run_id}");
                    assert_eq!(a.status(), b.status(), "case {run_id}");
                    assert_eq!(a.operation(), Some("get_run"), "case {run_id}");
                }
                _ => panic!("case {run_id}: by hand {by_hand:?}, builder {built:?}"),
            }
            // The same requests, retries included.
            let lines = |seen: &[Seen]| {
                seen.iter()
                    .map(|s| (s.method.clone(), s.path.clone(), s.headers.clone()))
                    .collect::<Vec<_>>()
            };
            assert!(!hand_requests.is_empty(), "case {run_id}: nothing sent");
            assert_eq!(
                lines(&hand_requests),
                lines(&built_requests),
                "case {run_id}"
            );
            kinds.push(match by_hand {
                Ok(_) => "run".to_string(),
                Err(Error::Api { status, .. }) => status.as_u16().to_string(),
                Err(Error::Decode { .. }) => "decode".to_string(),
                Err(Error::RedirectRefused { .. }) => "redirect".to_string(),
                Err(Error::Transport { .. }) => "transport".to_string(),
                Err(other) => format!("{other:?}"),
            });
        }
        // The kinds the cases were chosen for, so a change in one is seen here.
        assert_eq!(
            kinds,
            [
                "run",
                "404",
                "401",
                "decode",
                "decode",
                "503",
                "redirect",
                "decode",
                "decode",
                "transport"
            ]
        );
    })
    .await;
}
