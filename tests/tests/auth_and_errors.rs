//! Token checks, 404s, malformed requests, trailing slashes, and request recording.

mod common;

use common::{TOKEN, answer, client, get, start, url};
use dbt_cloud_mock::{Operation, demo_ids};
use serde_json::{Value, json};

#[tokio::test]
async fn token_and_bearer_schemes_are_both_accepted() {
    let mock = start().await;
    for scheme in ["Token", "Bearer"] {
        let response = client()
            .get(url(&mock, "/"))
            .header("Authorization", format!("{scheme} {TOKEN}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{scheme}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["data"]["id"], json!(demo_ids::ACCOUNT));
        assert_eq!(body["status"]["is_success"], json!(true));
        assert!(body.get("extra").is_none(), "extra only on lists");
    }
}

#[tokio::test]
async fn a_missing_or_wrong_token_gets_the_401_envelope_with_null_data() {
    let mock = start().await;
    let missing = client().get(url(&mock, "/jobs/")).send().await.unwrap();
    let wrong = client()
        .get(url(&mock, "/jobs/"))
        .header("Authorization", "Token nope")
        .send()
        .await
        .unwrap();
    for response in [missing, wrong] {
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"]["code"], json!(401));
        assert_eq!(body["status"]["is_success"], json!(false));
        assert_eq!(body["status"]["user_message"], json!("Invalid token."));
        assert_eq!(body["data"], Value::Null);
    }
}

#[tokio::test]
async fn unknown_accounts_and_resources_get_404_envelopes() {
    let mock = start().await;
    let (status, body) = answer(
        client()
            .get(format!("{}/api/v2/accounts/999/jobs/", mock.base_url()))
            .header("Authorization", format!("Token {TOKEN}")),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["status"]["code"], json!(404));
    assert_eq!(body["data"], Value::Null);
    for tail in [
        "/jobs/9999/",
        "/runs/1/",
        "/projects/5/",
        "/environments/5/",
        "/repositories/5/",
    ] {
        let (status, body) = get(&mock, tail).await;
        assert_eq!(status, 404, "{tail}");
        assert_eq!(body["status"]["is_success"], json!(false), "{tail}");
    }
}

#[tokio::test]
async fn malformed_requests_get_4xx_envelopes_not_crashes() {
    let mock = start().await;
    let auth = format!("Token {TOKEN}");
    // Wrong type in the path: dbt's URL patterns only match digits.
    let (status, body) = get(&mock, "/runs/abc/").await;
    assert_eq!(status, 404);
    assert_eq!(body["status"]["code"], json!(404));
    // Wrong types in the query name the parameter.
    for (query, field) in [
        ("limit=ten", "limit"),
        ("job_definition_id=x", "job_definition_id"),
        ("status__in=[1,x]", "status__in"),
        ("offset=-1", "offset"),
    ] {
        let (status, body) = get(&mock, &format!("/runs/?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(body["data"][field].is_string(), "{query}: {body}");
    }
    // Bad JSON, a JSON array, a wrong type for cause.
    for raw in [
        "{not json",
        "[1,2]",
        r#"{"cause": 5}"#,
        r#"{"cause": "x", "threads_override": "many"}"#,
    ] {
        let (status, body) = answer(
            client()
                .post(url(&mock, &format!("/jobs/{}/run/", demo_ids::DAILY_JOB)))
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .body(raw),
        )
        .await;
        assert_eq!(status, 400, "{raw}");
        assert_eq!(body["status"]["code"], json!(400), "{raw}");
        assert!(body["data"].is_object(), "{raw}");
    }
    // Unknown method on a known path.
    let (status, body) = answer(
        client()
            .put(url(&mock, "/runs/"))
            .header("Authorization", &auth),
    )
    .await;
    assert_eq!(status, 405);
    assert_eq!(body["status"]["code"], json!(405));
    // Nothing was created by the rejected triggers.
    assert!(mock.run_ids().is_empty());
}

#[tokio::test]
async fn a_trigger_without_cause_gets_dbts_400_with_field_messages() {
    let mock = start().await;
    let path = format!("/jobs/{}/run/", demo_ids::DAILY_JOB);
    let (status, body) = common::post(&mock, &path, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(body["data"], json!({"cause": "This field is required."}));
    let (status, body) = common::post(&mock, &path, json!({"cause": "x".repeat(256)})).await;
    assert_eq!(status, 400);
    assert!(body["data"]["cause"].as_str().unwrap().contains("255"));
    let (status, _) = common::post(&mock, &path, json!({"cause": "x".repeat(255)})).await;
    assert_eq!(status, 200);
}

/// Every method without the trailing slash is answered 308 to the slashed URL (query kept),
/// the way dbt answers since 2022, before the token is checked.
#[tokio::test]
async fn every_method_without_trailing_slash_is_redirected_308_to_the_slashed_path() {
    let mock = start().await;
    let auth = format!("Token {TOKEN}");
    let job = demo_ids::DAILY_JOB;
    let account = mock.account_id();
    let cases = [
        (
            reqwest::Method::GET,
            format!("/jobs/{job}?include_related=x"),
            format!("/jobs/{job}/?include_related=x"),
        ),
        (
            reqwest::Method::POST,
            format!("/jobs/{job}/run"),
            format!("/jobs/{job}/run/"),
        ),
        (
            reqwest::Method::DELETE,
            format!("/jobs/{job}"),
            format!("/jobs/{job}/"),
        ),
        (
            reqwest::Method::POST,
            "/runs/7/cancel".to_string(),
            "/runs/7/cancel/".to_string(),
        ),
    ];
    for (method, tail, slashed) in cases {
        let response = client()
            .request(method.clone(), url(&mock, &tail))
            .header("Authorization", &auth)
            .json(&json!({"cause": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 308, "{method} {tail}");
        assert_eq!(
            response.headers()["location"],
            format!("/api/v2/accounts/{account}{slashed}").as_str(),
            "{method} {tail}"
        );
    }
    // Nothing happened at the unslashed URLs: the job is still there, no run was created.
    assert!(mock.run_ids().is_empty());
    assert_eq!(get(&mock, &format!("/jobs/{job}/")).await.0, 200);
    let response = client()
        .get(format!("{}/api/v2/nothing/", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

/// Clients that follow redirects (requests, reqwest) repeat the method and body at the
/// slashed URL, so `DELETE .../jobs/{id}` and `POST .../runs/{id}/cancel` work.
#[tokio::test]
async fn a_client_following_the_308_deletes_cancels_and_triggers_without_the_slash() {
    let mock = start().await;
    let following = reqwest::Client::builder().no_proxy().build().unwrap();
    let auth = format!("Token {TOKEN}");
    let (status, body) = answer(
        following
            .post(url(&mock, &format!("/jobs/{}/run", demo_ids::DAILY_JOB)))
            .header("Authorization", &auth)
            .json(&json!({"cause": "followed a redirect"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let run = body["data"]["id"].as_i64().unwrap();
    let (_, fetched) = get(&mock, &format!("/runs/{run}/?include_related=trigger")).await;
    assert_eq!(
        fetched["data"]["trigger"]["cause"],
        json!("followed a redirect")
    );
    let (status, body) = answer(
        following
            .post(url(&mock, &format!("/runs/{run}/cancel")))
            .header("Authorization", &auth),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["status"],
        json!(dbt_cloud_mock::status::CANCELLED)
    );
    let (status, body) = answer(
        following
            .delete(url(&mock, &format!("/jobs/{}", demo_ids::DAILY_JOB)))
            .header("Authorization", &auth),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["state"], json!(2));
    assert_eq!(
        get(&mock, &format!("/jobs/{}/", demo_ids::DAILY_JOB))
            .await
            .0,
        404
    );
    let methods: Vec<(String, String)> = mock
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert!(
        methods.contains(&(
            "DELETE".into(),
            format!(
                "/api/v2/accounts/{}/jobs/{}/",
                mock.account_id(),
                demo_ids::DAILY_JOB
            )
        )),
        "{methods:?}"
    );
}

#[tokio::test]
async fn every_request_is_recorded_with_the_token_redacted() {
    let mock = start().await;
    common::post(
        &mock,
        &format!("/jobs/{}/run/", demo_ids::HOURLY_JOB),
        json!({"cause": "recorded"}),
    )
    .await;
    get(&mock, "/runs/?status__in=[1,2]").await;
    let requests = mock.requests();
    assert_eq!(requests.len(), 2);
    let trigger = &requests[0];
    assert_eq!(trigger.method, "POST");
    assert_eq!(trigger.operation, Some(Operation::TriggerJobRun));
    assert_eq!(trigger.header("authorization"), Some("Bearer [redacted]"));
    assert_eq!(trigger.json().unwrap()["cause"], json!("recorded"));
    assert!(
        !format!("{requests:?}").contains(TOKEN),
        "token leaked into the record"
    );
    assert_eq!(
        requests[1].query_pairs(),
        vec![("status__in".to_string(), "[1,2]".to_string())]
    );
    assert_eq!(mock.request_count(Operation::ListRuns), 1);
    assert_eq!(mock.total_requests(), 2);
    mock.clear_requests();
    assert_eq!(mock.request_count(Operation::ListRuns), 0);
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    async fn refused(base: &str) -> bool {
        client()
            .get(format!("{base}/api/v2/accounts/"))
            .send()
            .await
            .is_err()
    }
    let mock = start().await;
    let base = mock.base_url();
    mock.shutdown().await;
    assert!(refused(&base).await, "after shutdown");
    let mock = start().await;
    let base = mock.base_url();
    drop(mock);
    tokio::task::yield_now().await;
    assert!(refused(&base).await, "after drop");
}
