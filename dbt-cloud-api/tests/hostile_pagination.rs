//! Listing against servers that lie about their pages: each must end, quickly, with
//! `Error::Pagination` saying why, instead of paging forever. The servers are a few lines of
//! tokio on 127.0.0.1 answering listRuns with whatever page the test's rule builds.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dbt_cloud_api::{DbtCloud, Error};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What a hostile server answers for the page at `offset`: run ids and total_count.
type PageRule = fn(offset: i64, limit: i64) -> (Vec<i64>, i64);

struct HostileServer {
    base_url: String,
    requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn query_int(target: &str, name: &str) -> Option<i64> {
    let query = target.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| v.parse().ok()).flatten()
    })
}

async fn serve(rule: PageRule) -> HostileServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    // One request at a time on a kept-alive connection.
                    let head_end = loop {
                        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                            break at + 4;
                        }
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
                    buffer.drain(..head_end);
                    counter.fetch_add(1, Ordering::SeqCst);
                    let target = head.split_whitespace().nth(1).unwrap_or("/");
                    let offset = query_int(target, "offset").unwrap_or(0);
                    let limit = query_int(target, "limit").unwrap_or(100);
                    let (ids, total) = rule(offset, limit);
                    let data: Vec<_> = ids.iter().map(|id| serde_json::json!({"id": id})).collect();
                    let body = serde_json::json!({
                        "status": {"code": 200, "is_success": true, "user_message": "Success!", "developer_message": ""},
                        "data": data,
                        "extra": {"filters": {}, "order_by": null, "pagination": {"count": ids.len(), "total_count": total}},
                    })
                    .to_string();
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    HostileServer {
        base_url,
        requests,
        task,
    }
}

fn client(server: &HostileServer) -> DbtCloud {
    common::client_for(&server.base_url, common::TOKEN, 1, Duration::from_secs(5))
}

/// Lists runs with `concurrency` pages at once; returns the items read and the final error.
async fn list(dbt: &DbtCloud, concurrency: usize) -> (usize, Option<Error>) {
    let request = dbt.list_runs().account_id(1);
    let mut stream = std::pin::pin!(dbt.paginate_with_concurrency(request, concurrency));
    let mut items = 0;
    let listed = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(next) = stream.next().await {
            match next {
                Ok(_) => items += 1,
                Err(e) => return Some(e),
            }
        }
        None
    })
    .await;
    (items, listed.expect("the listing ended within 30 s"))
}

fn assert_pagination_error(error: Option<Error>, says: &str) {
    match error {
        Some(Error::Pagination { operation, reason }) => {
            assert_eq!(operation, "list_runs");
            assert!(reason.contains(says), "{reason}");
        }
        other => panic!("expected Error::Pagination ({says}), got {other:?}"),
    }
}

#[tokio::test]
async fn a_huge_total_with_one_item_per_page_stops_at_once() {
    let server = serve(|offset, _| (vec![offset + 1], 1_000_000_000_000)).await;
    let dbt = client(&server);
    for concurrency in [1, 8] {
        let before = server.requests.load(Ordering::SeqCst);
        let (items, error) = list(&dbt, concurrency).await;
        let sent = server.requests.load(Ordering::SeqCst) - before;
        assert_eq!(items, 1, "concurrency {concurrency}");
        assert_pagination_error(
            error,
            "held 1 of 100 items while total_count is 1000000000000",
        );
        assert_eq!(
            sent, 1,
            "concurrency {concurrency}: no page requested past the lie"
        );
    }
}

#[tokio::test]
async fn a_server_ignoring_offset_stops_on_the_first_repeated_page() {
    let server = serve(|_, _| ((1..=100).collect(), 100_000)).await;
    let dbt = client(&server);
    for concurrency in [1, 8] {
        let before = server.requests.load(Ordering::SeqCst);
        let (items, error) = list(&dbt, concurrency).await;
        let sent = server.requests.load(Ordering::SeqCst) - before;
        assert_eq!(items, 100, "each item once (concurrency {concurrency})");
        assert_pagination_error(error, "held only items already read");
        assert!(
            sent <= 1 + concurrency,
            "concurrency {concurrency}: {sent} requests"
        );
    }
}

#[tokio::test]
async fn more_items_than_the_announced_total_stop_past_the_margin() {
    // Fresh ids forever, full pages, but a total of 250: the list cannot be that long.
    let server = serve(|offset, limit| ((offset..offset + limit).collect(), 250)).await;
    let dbt = client(&server);
    // Page by page, the third full page already reaches the total: the list ends there.
    let (items, error) = list(&dbt, 1).await;
    assert_eq!((items, error.is_none()), (300, true));
    // A server whose total grows with every page is held to the first page's total.
    let growing = serve(|offset, limit| ((offset..offset + limit).collect(), offset + 1000)).await;
    let dbt = client(&growing);
    let (items, error) = list(&dbt, 1).await;
    assert_pagination_error(error, "more than the total_count of 1000 allows");
    assert_eq!(items, 1100, "read up to the first total plus its margin");
    assert!(growing.requests.load(Ordering::SeqCst) <= 12);
}
