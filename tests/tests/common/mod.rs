//! Shared setup for the behaviour tests: a mock on 127.0.0.1 and a plain reqwest client.
#![allow(dead_code)]

use dbt_cloud_mock::{Fixtures, MockDbtCloud, MockServer};
use serde_json::Value;

pub const TOKEN: &str = "test-token";

pub async fn start() -> MockServer {
    MockDbtCloud::builder()
        .token(TOKEN)
        .fixtures(Fixtures::demo())
        .start()
        .await
        .expect("mock starts")
}

/// A client without redirects, so tests see the mock's 301s as they are.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("client builds")
}

/// `{base}/api/v2/accounts/{account}{tail}`.
pub fn url(mock: &MockServer, tail: &str) -> String {
    format!(
        "{}/api/v2/accounts/{}{tail}",
        mock.base_url(),
        mock.account_id()
    )
}

/// `{base}/api/v3/accounts/{account}{tail}`.
#[allow(dead_code)]
pub fn v3(mock: &MockServer, tail: &str) -> String {
    format!(
        "{}/api/v3/accounts/{}{tail}",
        mock.base_url(),
        mock.account_id()
    )
}

pub async fn get(mock: &MockServer, tail: &str) -> (u16, Value) {
    answer(
        client()
            .get(url(mock, tail))
            .header("Authorization", format!("Token {TOKEN}")),
    )
    .await
}

pub async fn post(mock: &MockServer, tail: &str, body: Value) -> (u16, Value) {
    answer(
        client()
            .post(url(mock, tail))
            .header("Authorization", format!("Bearer {TOKEN}"))
            .json(&body),
    )
    .await
}

/// Sends the request; its status and JSON body.
pub async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("request succeeds");
    let status = response.status().as_u16();
    let body = response.json().await.expect("JSON body");
    (status, body)
}

/// Triggers a run of `job` and returns its id.
pub async fn trigger(mock: &MockServer, job: i64) -> i64 {
    let (status, body) = post(
        mock,
        &format!("/jobs/{job}/run/"),
        serde_json::json!({"cause": "test"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["data"]["id"].as_i64().expect("run id")
}

/// One authorized request with an optional JSON body: the status and the body (`null` when
/// empty, the text as a JSON string when it is not JSON).
#[allow(dead_code)]
pub async fn call(
    method: reqwest::Method,
    url: String,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut request = client()
        .request(method, url)
        .header("Authorization", format!("Token {TOKEN}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request succeeds");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
    };
    (status, body)
}

/// An authorized GET of a whole URL: see [`call`].
#[allow(dead_code)]
pub async fn get_url(url: String) -> (u16, Value) {
    call(reqwest::Method::GET, url, None).await
}

/// An authorized POST of a JSON body to a whole URL: see [`call`].
#[allow(dead_code)]
pub async fn post_url(url: String, body: Value) -> (u16, Value) {
    call(reqwest::Method::POST, url, Some(body)).await
}
