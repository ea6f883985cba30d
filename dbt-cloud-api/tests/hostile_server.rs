//! The SDK against servers that misbehave on purpose: absurd `Retry-After` values, a
//! plain-HTTP server reached through `https://`; and what errors say (request line, hints),
//! `?` on the generated builders. Every case runs under a time bound.

mod common;
mod hostile;

use std::time::{Duration, Instant};

use common::{bounded, start_mock};
use dbt_cloud_api::{Config, DbtCloud, Error, RetryPolicy, TriggerOptions};
use dbt_cloud_mock::demo_ids;
use hostile::{Reply, serve, serve_plain_http_only};

const TOKEN: &str = "hostile-test-token";
/// The longest single wait the tests' policy allows.
const MAX_DELAY: Duration = Duration::from_millis(150);

fn client(base_url: &str, attempts: u32) -> DbtCloud {
    Config::builder()
        .token(TOKEN)
        .host(base_url)
        .account_id(1)
        .timeout(Duration::from_secs(2))
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(5))
                .with_max_delay(MAX_DELAY)
                .with_max_elapsed(Duration::from_secs(30)),
        )
        .build()
        .expect("config")
        .client()
        .expect("client")
}

fn far_future_date() -> String {
    "Tue, 01 Dec 2099 10:00:00 GMT".to_string()
}

/// Every hostile delay value, in both headers.
fn hostile_delays() -> Vec<(&'static str, String)> {
    let mut cases = Vec::new();
    for value in [
        "999999",
        "1e308",
        "inf",
        "-5",
        "NaN",
        "soon",
        "18446744073709551616",
        "Sat, 01 Jan 2000 00:00:00 GMT",
    ] {
        cases.push(("retry-after", value.to_string()));
        cases.push(("x-rate-limit-retry-after-seconds", value.to_string()));
    }
    cases.push(("retry-after", far_future_date()));
    cases.push((
        "retry-after",
        "Wednesday, 01-Dec-99 10:00:00 GMT".to_string(),
    ));
    cases.push(("retry-after", "Tue Dec  1 10:00:00 2099".to_string()));
    cases
}

#[tokio::test]
async fn server_requested_delays_are_capped_by_the_policy() {
    bounded("retry-after cases", async {
        for (name, value) in hostile_delays() {
            let header_value = value.clone();
            let server = serve(move |_, _| {
                Reply::envelope(429, serde_json::Value::Null).header(name, &header_value)
            })
            .await;
            let dbt = client(&server.base_url(), 3);
            let started = Instant::now();
            let error = dbt.fetch_run(5).await.expect_err("always 429");
            let took = started.elapsed();
            assert_eq!(server.seen().len(), 3, "{name}: {value}: three attempts");
            // Two waits of at most MAX_DELAY each, plus three loopback round trips.
            assert!(
                took < MAX_DELAY * 2 + Duration::from_millis(700),
                "{name}: {value}: took {took:?}"
            );
            match error {
                Error::Api {
                    status,
                    retry_after,
                    ..
                } => {
                    assert_eq!(status.as_u16(), 429);
                    assert!(
                        retry_after.is_none_or(|d| d <= MAX_DELAY),
                        "{name}: {value}: the error reports {retry_after:?}"
                    );
                }
                other => panic!("{name}: {value}: {other:?}"),
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_trigger_answered_429_with_a_date_in_2099_waits_at_most_the_cap() {
    bounded("trigger under 429", async {
        let server = serve(|_, _| {
            Reply::envelope(429, serde_json::Value::Null).header("retry-after", &far_future_date())
        })
        .await;
        let dbt = client(&server.base_url(), 3);
        let started = Instant::now();
        let options = TriggerOptions::new("hostile")
            .max_attempts(2)
            .backoff(Duration::from_millis(1))
            .settle(Duration::from_millis(10));
        let error = dbt.trigger_run(7, options).await.expect_err("429");
        let took = started.elapsed();
        let posts = server.seen().iter().filter(|s| s.method == "POST").count();
        assert_eq!(posts, 2, "{error}");
        assert!(
            took < MAX_DELAY + Duration::from_millis(700),
            "took {took:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_plain_http_server_behind_https_fails_fast_with_advice() {
    bounded("tls mismatch", async {
        let (port, connections, task) = serve_plain_http_only().await;
        // No scheme: https, as for a real host.
        let dbt = Config::builder()
            .token(TOKEN)
            .host(format!("127.0.0.1:{port}"))
            .account_id(1)
            .build()
            .expect("config")
            .client()
            .expect("client");
        let started = Instant::now();
        let error = dbt.fetch_run(5).await.expect_err("not TLS");
        let took = started.elapsed();
        task.abort();
        match &error {
            Error::TlsMismatch {
                operation,
                origin,
                suggestion,
                ..
            } => {
                assert_eq!(*operation, "get_run");
                assert_eq!(origin, &format!("https://127.0.0.1:{port}"));
                assert_eq!(suggestion, &format!("http://127.0.0.1:{port}"));
            }
            other => panic!("{other:?}"),
        }
        let text = error.to_string();
        assert!(text.contains("does not speak TLS"), "{text}");
        assert!(text.contains(&format!("http://127.0.0.1:{port}")), "{text}");
        assert!(!error.is_retryable());
        assert_eq!(
            *connections.lock().unwrap(),
            1,
            "a TLS mismatch is not retried"
        );
        assert!(took < Duration::from_secs(1), "took {took:?}");
    })
    .await;
}

#[tokio::test]
async fn errors_name_the_request_and_hint_at_the_cause() {
    bounded("error hints", async {
        let mock = start_mock(common::TOKEN).await;
        let account = mock.account_id();

        // A missing job in the right account.
        let dbt = common::client(&mock);
        let missing = dbt
            .get_job()
            .account_id(account)
            .job_id(999_999)
            .send()
            .await
            .map_err(Error::from)
            .expect_err("no such job");
        let text = missing.to_string();
        assert_eq!(missing.operation(), Some("get_job"), "{text}");
        assert!(
            text.contains(&format!("GET /api/v2/accounts/{account}/jobs/999999/")),
            "{text}"
        );
        assert!(text.contains("job 999999"), "{text}");
        assert!(!text.contains(common::TOKEN), "{text}");
        // dbt's own message stays available alone.
        let dbt_message = missing.user_message().expect("an API error");
        assert!(!dbt_message.contains("request:"), "{dbt_message}");

        // A wrong account id.
        let wrong_account = dbt.clone().with_account_id(424_242);
        let error = wrong_account
            .fetch_run(1)
            .await
            .expect_err("no such account");
        let text = error.to_string();
        assert!(
            text.contains("GET /api/v2/accounts/424242/runs/1/"),
            "{text}"
        );
        assert!(text.contains("account 424242"), "{text}");

        // A wrong token: the hint names the host used.
        let wrong_token = common::client_for(
            &mock.base_url(),
            "not-the-token",
            account,
            Duration::from_secs(1),
        );
        let error = wrong_token.fetch_run(1).await.expect_err("401");
        let text = error.to_string();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(401), "{text}");
        assert!(text.contains(&mock.base_url()), "{text}");
        assert!(text.contains("cell-based"), "{text}");
        assert!(!text.contains("not-the-token"), "{text}");
    })
    .await;
}

/// `?` on a generated builder, in a function returning this crate's error.
async fn job_name(dbt: &DbtCloud, job_id: u64) -> Result<Option<String>, Error> {
    let job = dbt
        .get_job()
        .account_id(dbt.account_id()?)
        .job_id(job_id)
        .send()
        .await?;
    Ok(job.into_inner().data.and_then(|j| j.name))
}

#[tokio::test]
async fn question_mark_works_on_generated_builders() {
    bounded("? on builders", async {
        let mock = start_mock(common::TOKEN).await;
        let dbt = common::client(&mock);
        let name = job_name(&dbt, demo_ids::DAILY_JOB as u64)
            .await
            .expect("the job");
        assert!(name.is_some());
        // An argument that does not convert (u64::MAX is no i64): a typed error, no request.
        let before = mock.requests().len();
        match job_name(&dbt, u64::MAX).await {
            Err(Error::InvalidRequest { message, .. }) => {
                assert!(message.contains("job_id"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(mock.requests().len(), before, "nothing was sent");
        // A body builder missing a required field converts into the same error.
        let conversion = dbt_cloud_api::types::TriggerJobRunRequest::try_from(
            dbt_cloud_api::types::builder::TriggerJobRunRequest::default(),
        );
        let error: Error = conversion
            .map(|_| ())
            .map_err(Error::from)
            .expect_err("no cause");
        assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    })
    .await;
}
