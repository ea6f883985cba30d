//! The mock under abuse: bodies are refused before they are read (no token, too large),
//! and idle, slow-header and slow-body connections are closed. Every test is bounded in time.

mod common;

use std::time::{Duration, Instant};

use common::TOKEN;
use dbt_cloud_mock::{MockDbtCloud, MockServer, demo_ids};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Upper bound for anything a test waits on, so a regression fails instead of hanging.
const BOUND: Duration = Duration::from_secs(10);

async fn start_with(
    limits: impl FnOnce(dbt_cloud_mock::Builder) -> dbt_cloud_mock::Builder,
) -> MockServer {
    limits(MockDbtCloud::builder().token(TOKEN))
        .start()
        .await
        .unwrap()
}

/// Reads until the server closes the connection; the bytes read (panics past `BOUND`).
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let read = tokio::time::timeout(BOUND, stream.read_to_end(&mut out)).await;
    assert!(
        read.is_ok(),
        "the mock kept the connection open for {BOUND:?}"
    );
    String::from_utf8_lossy(&out).into_owned()
}

fn trigger_path(mock: &MockServer) -> String {
    format!(
        "/api/v2/accounts/{}/jobs/{}/run/",
        mock.account_id(),
        demo_ids::DAILY_JOB
    )
}

/// A request that announces a 3 MB body but sends only a few bytes of it is answered at once
/// when it has no token: the mock never waits for (or keeps) the body.
#[tokio::test]
async fn an_unauthenticated_body_is_never_read_or_recorded() {
    let mock = start_with(|b| b).await;
    for (path, expected) in [
        (trigger_path(&mock), "401"),
        ("/api/v2/unknown/".to_string(), "404"),
    ] {
        let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 3000000\r\n\r\n{{\"cause\": "
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let started = Instant::now();
        let answer = read_until_closed(&mut stream).await;
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {expected}")),
            "{answer}"
        );
        assert!(started.elapsed() < BOUND);
    }
    let recorded = mock.requests();
    assert_eq!(recorded.len(), 2);
    assert!(
        recorded.iter().all(|r| r.body.is_empty()),
        "an unauthenticated body was kept"
    );
    assert!(mock.run_ids().is_empty());
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_whether_declared_or_streamed() {
    let mock = start_with(|b| b.max_body_bytes(64 * 1024)).await;
    let url = format!("{}{}", mock.base_url(), trigger_path(&mock));
    let big = format!("{{\"cause\": \"{}\"}}", "x".repeat(100 * 1024));
    let declared = common::client()
        .post(&url)
        .header("Authorization", format!("Token {TOKEN}"))
        .header("Content-Type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(declared.status(), 413);
    let body: Value = declared.json().await.unwrap();
    assert_eq!(body["status"]["code"], 413);
    // Chunked: no Content-Length to refuse up front, so the limit applies while reading.
    let chunks = futures::stream::iter(
        big.into_bytes()
            .chunks(8 * 1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let streamed = common::client()
        .post(&url)
        .header("Authorization", format!("Token {TOKEN}"))
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), 413);
    assert!(mock.run_ids().is_empty());
    // Under the limit, the same request works.
    let (status, _) = common::post(
        &mock,
        &format!("/jobs/{}/run/", demo_ids::DAILY_JOB),
        serde_json::json!({"cause": "small"}),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_connection_that_sends_nothing_or_idles_is_closed() {
    let timeout = Duration::from_millis(300);
    let mock = start_with(|b| b.header_read_timeout(timeout)).await;
    // Nothing at all (not even enough to tell HTTP/1 from HTTP/2).
    let mut silent = TcpStream::connect(mock.addr()).await.unwrap();
    let started = Instant::now();
    assert_eq!(read_until_closed(&mut silent).await, "");
    assert!(started.elapsed() >= timeout, "closed before the timeout");
    // Half a request line, then silence.
    let mut slow = TcpStream::connect(mock.addr()).await.unwrap();
    slow.write_all(b"GET /api/v2/acc").await.unwrap();
    read_until_closed(&mut slow).await;
    // A keep-alive connection, idle after its first answer.
    let mut idle = TcpStream::connect(mock.addr()).await.unwrap();
    idle.write_all(b"GET /api/v2/unknown/ HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut idle).await;
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
}

#[tokio::test]
async fn a_body_that_stops_arriving_gets_408_and_the_connection_is_closed() {
    let timeout = Duration::from_millis(300);
    let mock = start_with(|b| b.body_read_timeout(timeout)).await;
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nAuthorization: Token {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"cause\"",
        trigger_path(&mock)
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() >= timeout);
    assert!(mock.run_ids().is_empty());
}
