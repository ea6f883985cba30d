//! Redirects: followed only within the origin the request was sent to (dbt's own 308 adding
//! a trailing slash, for a POST too), refused with a typed error otherwise, before anything
//! (the token least of all) reaches the other origin. Two loopback servers on different ports.

mod common;
mod hostile;

use std::time::Duration;

use common::bounded;
use dbt_cloud_api::{Config, DbtCloud, Error, RetryPolicy};
use hostile::{Reply, serve};
use serde_json::json;

const TOKEN: &str = "redirect-test-token";

fn client(base_url: &str) -> DbtCloud {
    Config::builder()
        .token(TOKEN)
        .host(base_url)
        .account_id(1)
        .timeout(Duration::from_secs(2))
        .retry_policy(
            RetryPolicy::default()
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(5)),
        )
        .build()
        .expect("config")
        .client()
        .expect("client")
}

fn run(id: i64) -> Reply {
    Reply::envelope(200, json!({"id": id, "job_definition_id": 7, "status": 1}))
}

#[tokio::test]
async fn same_origin_redirects_are_followed_and_keep_a_post_body() {
    bounded("same-origin redirects", async {
        // GET: dbt's 308 adding a trailing slash, as a relative Location.
        let server = serve(|seen, _| {
            if seen.path.ends_with("/again/") {
                run(5)
            } else {
                Reply::new(308).header("location", &format!("{}again/", seen.path))
            }
        })
        .await;
        let dbt = client(&server.base_url());
        assert_eq!(dbt.fetch_run(5).await.expect("followed").id, 5);
        let seen = server.seen();
        assert_eq!(seen.len(), 2);
        assert!(
            seen.iter()
                .all(|s| s.header("authorization") == Some(&*format!("Token {TOKEN}")))
        );

        // POST: 307 and 308 keep the method and the body.
        for status in [307u16, 308] {
            let port_holder = std::sync::Arc::new(std::sync::OnceLock::<u16>::new());
            let port = port_holder.clone();
            let server = serve(move |seen, _| {
                if seen.path.ends_with("/moved/") {
                    run(9)
                } else {
                    // An absolute Location on the same origin.
                    let here = format!(
                        "http://127.0.0.1:{}{}moved/",
                        port.get().copied().unwrap_or(0),
                        seen.path
                    );
                    Reply::new(status).header("location", &here)
                }
            })
            .await;
            port_holder.set(server.port).expect("set once");
            let dbt = client(&server.base_url());
            let response = dbt
                .trigger_job_run()
                .account_id(1)
                .job_id(7)
                .body_map(|b| b.cause("redirected"))
                .send()
                .await
                .expect("followed");
            assert_eq!(response.into_inner().data.map(|r| r.id), Some(9));
            let seen = server.seen();
            assert_eq!(seen.len(), 2, "{status}");
            assert!(
                seen.iter().all(|s| s.method == "POST"),
                "{status}: {seen:?}"
            );
            assert_eq!(seen[0].body, seen[1].body, "{status}: the body is re-sent");
            assert!(String::from_utf8_lossy(&seen[1].body).contains("redirected"));
        }
    })
    .await;
}

#[tokio::test]
async fn redirects_to_another_origin_are_refused_before_anything_is_sent_there() {
    bounded("cross-origin redirects", async {
        let elsewhere = serve(|_, _| run(666)).await;
        let other_port = elsewhere.port;
        for status in [301u16, 302, 303, 307, 308] {
            // Another port, another host name, another scheme: each is another origin.
            let targets = [
                format!("http://127.0.0.1:{other_port}/api/v2/accounts/1/runs/5/?token=leak#x"),
                format!("http://user:secret@127.0.0.1:{other_port}/steal/"),
                format!("http://localhost:{other_port}/api/v2/accounts/1/runs/5/"),
            ];
            for target in targets {
                let location = target.clone();
                let origin =
                    serve(move |_, _| Reply::new(status).header("location", &location)).await;
                let dbt = client(&origin.base_url());
                let get = dbt.fetch_run(5).await.expect_err("refused");
                let post = dbt
                    .trigger_job_run()
                    .account_id(1)
                    .job_id(7)
                    .body_map(|b| b.cause("x"))
                    .send()
                    .await
                    .map_err(Error::from)
                    .expect_err("refused");
                for (error, operation) in [(&get, "get_run"), (&post, "trigger_job_run")] {
                    let text = error.to_string();
                    match error {
                        Error::RedirectRefused {
                            operation: op,
                            refused,
                        } => {
                            assert_eq!(*op, operation);
                            assert_eq!(refused.status.as_u16(), status);
                            assert!(refused.cross_origin);
                            assert_eq!(refused.from, origin.base_url());
                            assert!(
                                refused.target.ends_with(&format!(":{other_port}")),
                                "{text}"
                            );
                        }
                        other => panic!("{status} {target}: {other:?}"),
                    }
                    assert!(
                        text.contains(operation) && text.contains("another origin"),
                        "{text}"
                    );
                    for hidden in ["token=leak", "secret", "/steal/", "user:"] {
                        assert!(
                            !text.contains(hidden) && !format!("{error:?}").contains(hidden),
                            "{text}"
                        );
                    }
                    assert!(!error.is_retryable());
                }
                // One request each, not retried, and nothing reached the other server.
                assert_eq!(origin.seen().len(), 2, "{status} {target}");
            }
        }
        // Another scheme on the same host and port.
        let same_port = std::sync::Arc::new(std::sync::OnceLock::<u16>::new());
        let port = same_port.clone();
        let origin = serve(move |_, _| {
            Reply::new(302).header(
                "location",
                &format!("https://127.0.0.1:{}/x/", port.get().copied().unwrap_or(0)),
            )
        })
        .await;
        same_port.set(origin.port).expect("set once");
        let error = client(&origin.base_url())
            .fetch_run(5)
            .await
            .expect_err("refused");
        assert!(matches!(error, Error::RedirectRefused { .. }), "{error:?}");
        assert!(
            elsewhere.seen().is_empty(),
            "the other origin got {:?}",
            elsewhere.seen()
        );
    })
    .await;
}

#[tokio::test]
async fn a_redirect_loop_on_the_origin_ends() {
    bounded("redirect loop", async {
        let server =
            serve(|seen, _| Reply::new(308).header("location", &format!("{}x/", seen.path))).await;
        let error = client(&server.base_url())
            .fetch_run(5)
            .await
            .expect_err("loop");
        match &error {
            Error::RedirectRefused { refused, .. } => assert!(!refused.cross_origin),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            server.seen().len(),
            dbt_cloud_api::redirect::MAX_REDIRECTS + 1
        );
    })
    .await;
}
