//! Deliveries: a task that looks at the runs every few milliseconds (run states follow the
//! clock and are computed when read, so there is no event to hook into; looking is how the
//! mock notices a run reach a state) and, for each active subscription, POSTs one signed
//! delivery per run and transition it asks for: `job.run.started` (the run is running),
//! `job.run.completed` (it finished, however it ended), `job.run.errored` (it failed).
//! Only runs created after the subscription count. Each delivery is recorded as an event
//! and a receipt (`routes.rs` lists them). One attempt per delivery, 10 s timeout.

use std::collections::HashSet;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, header};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::sign::signature;
use super::target::Target;
use crate::app::SharedApp;
use crate::lifecycle;
use crate::resources::handlers::RUNS_BEFORE;
use crate::resources::kinds::{WEBHOOK_EVENTS, WEBHOOK_RECEIPTS, WEBHOOK_SUBSCRIPTIONS};
use crate::resources::present::public_id;
use crate::routes::runs::snapshot_of;
use crate::store::{Run, Store};
use crate::timestamps::{self, Style};

/// How often runs are looked at.
const TICK: Duration = Duration::from_millis(20);
/// How long a receiver has to answer (dbt gives 10 s).
const TIMEOUT: Duration = Duration::from_secs(10);

/// One signed POST to make.
pub(crate) struct Delivery {
    pub subscription_id: i64,
    pub event_id: i64,
    pub target: Target,
    pub body: Vec<u8>,
    pub signature: String,
}

/// What the receiver answered, or why there was no answer.
pub(crate) struct Outcome {
    pub status: u16,
    pub response_body: String,
    pub error: String,
}

/// Starts the delivery task; it ends when `shutdown` flips (or its sender is dropped).
pub(crate) fn spawn(app: SharedApp, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut sent: HashSet<(i64, i64, &'static str)> = HashSet::new();
        let mut tick = tokio::time::interval(TICK);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        return;
                    }
                }
            }
            let due = {
                let mut store = app.store();
                due(&mut store, app.clock.now_ms(), &mut sent)
            };
            for delivery in due {
                let outcome = post(&delivery).await;
                record(&app, &delivery, &outcome);
            }
        }
    })
}

fn int(item: &Value, key: &str) -> Option<i64> {
    item.get(key).and_then(Value::as_i64)
}

/// dbt's `runStatus` words.
fn status_word(status: i64) -> &'static str {
    match status {
        lifecycle::SUCCESS => "Success",
        lifecycle::ERROR => "Errored",
        lifecycle::CANCELLED => "Cancelled",
        lifecycle::RUNNING => "Running",
        lifecycle::STARTING => "Starting",
        _ => "Queued",
    }
}

/// The subscriptions that may receive deliveries: (id, object), with their creation time set.
fn active_subscriptions(store: &mut Store) -> Vec<(i64, Value)> {
    let last_run = store.runs.keys().next_back().copied().unwrap_or(0);
    let subs = store.records_mut(WEBHOOK_SUBSCRIPTIONS.collection);
    let mut out = Vec::new();
    for (id, sub) in subs.iter_mut() {
        // Seeded subscriptions count from the moment deliveries first look at them.
        if let Value::Object(map) = sub
            && !map.contains_key(RUNS_BEFORE)
        {
            map.insert(RUNS_BEFORE.into(), json!(last_run));
        }
        let active = sub.get("active").and_then(Value::as_bool) == Some(true)
            && int(sub, "state").unwrap_or(1) != 2;
        if active {
            out.push((*id, sub.clone()));
        }
    }
    out
}

/// The deliveries that became due since the last look (each remembered in `sent`).
fn due(store: &mut Store, now: i64, sent: &mut HashSet<(i64, i64, &'static str)>) -> Vec<Delivery> {
    let subscriptions = active_subscriptions(store);
    let mut planned = Vec::new();
    for (sub_id, sub) in &subscriptions {
        let Some(target) = sub["client_url"]
            .as_str()
            .and_then(|u| Target::parse(u).ok())
        else {
            continue;
        };
        let after = int(sub, RUNS_BEFORE).unwrap_or(i64::MAX);
        let wanted: Vec<&str> = sub["event_types"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let jobs: Vec<i64> = sub["job_ids"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        for run in store.runs.values() {
            if Some(run.account_id) != int(sub, "account_id")
                || run.id <= after
                || (!jobs.is_empty() && !jobs.contains(&run.job_id))
            {
                continue;
            }
            let snap = snapshot_of(run, now);
            let reached = [
                ("job.run.started", snap.started_at.is_some()),
                ("job.run.completed", snap.is_finished()),
                ("job.run.errored", snap.status == lifecycle::ERROR),
            ];
            for (event_type, yes) in reached {
                if yes && wanted.contains(&event_type) && sent.insert((*sub_id, run.id, event_type))
                {
                    planned.push((*sub_id, sub.clone(), target.clone(), run.id, event_type));
                }
            }
        }
    }
    planned
        .into_iter()
        .filter_map(|(sub_id, sub, target, run_id, event_type)| {
            let run = store.runs.get(&run_id)?.clone();
            let data = run_data(store, &run, event_type, now);
            Some(prepare(
                store, sub_id, &sub, target, event_type, data, run.job_id, now,
            ))
        })
        .collect()
}

/// The `data` of a run delivery (ids as strings, as in dbt's samples). A `started` event
/// describes the run as it was when it started, even if it has finished since.
fn run_data(store: &Store, run: &Run, event_type: &str, now: i64) -> Value {
    let snap = snapshot_of(run, now);
    let (status, finished_at) = if event_type == "job.run.started" {
        (lifecycle::RUNNING, None)
    } else {
        (snap.status, snap.finished_at)
    };
    let name = |items: Option<&Value>| {
        items
            .and_then(|i| i.get("name"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let ts = |ms: Option<i64>| ms.map(|m| timestamps::format(m, Style::T));
    json!({
        "jobId": run.job_id.to_string(),
        "jobName": name(store.jobs.get(&run.job_id)),
        "runId": run.id.to_string(),
        "environmentId": run.environment_id.to_string(),
        "environmentName": name(store.environments.get(&run.environment_id)),
        "projectId": run.project_id.to_string(),
        "projectName": name(store.projects.get(&run.project_id)),
        "dbtVersion": run.dbt_version,
        "runStatus": status_word(status),
        "runStatusCode": status,
        "runStatusMessage": lifecycle::humanize(status),
        "runReason": run.trigger.get("cause").cloned().unwrap_or(Value::Null),
        "runStartedAt": ts(snap.started_at),
        "runFinishedAt": ts(finished_at),
    })
}

/// Records the event (not yet answered) and builds its signed delivery.
#[allow(clippy::too_many_arguments)]
pub(crate) fn prepare(
    store: &mut Store,
    sub_id: i64,
    sub: &Value,
    target: Target,
    event_type: &str,
    data: Value,
    job_id: i64,
    now: i64,
) -> Delivery {
    let event_id = store.allocate_id(WEBHOOK_EVENTS.collection);
    let account_id = int(sub, "account_id").unwrap_or_default();
    let body = json!({
        "accountId": account_id,
        "webhooksID": public_id(&WEBHOOK_SUBSCRIPTIONS, sub_id),
        "eventId": public_id(&WEBHOOK_EVENTS, event_id),
        "timestamp": timestamps::format(now, Style::T),
        "eventType": event_type,
        "webhookName": sub.get("name").cloned().unwrap_or(Value::Null),
        "data": data,
    });
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let secret = sub["hmac_secret"].as_str().unwrap_or_default();
    let stamp = timestamps::format(now, Style::T);
    store.records_mut(WEBHOOK_EVENTS.collection).insert(
        event_id,
        json!({
            "id": event_id, "subscription_id": public_id(&WEBHOOK_SUBSCRIPTIONS, sub_id),
            // dbt sends these two ids as strings in events.
            "account_id": account_id.to_string(), "account_identifier": sub.get("account_identifier"),
            "job_id": job_id.to_string(), "trigger_event_type": event_type,
            "payload": String::from_utf8_lossy(&bytes), "http_status_code": "0",
            "state": 1, "created_at": stamp, "updated_at": stamp,
        }),
    );
    Delivery {
        subscription_id: sub_id,
        event_id,
        signature: signature(secret, &bytes),
        target,
        body: bytes,
    }
}

/// POSTs one delivery over a fresh HTTP/1.1 connection.
pub(crate) async fn post(delivery: &Delivery) -> Outcome {
    let failed = |error: String| Outcome {
        status: 0,
        response_body: String::new(),
        error,
    };
    let exchange = async {
        let stream = TcpStream::connect(&delivery.target.authority)
            .await
            .map_err(|e| format!("connecting to {}: {e}", delivery.target.authority))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake: {e}"))?;
        let driver = tokio::spawn(connection);
        let request = Request::post(delivery.target.path.as_str())
            .header(header::HOST, delivery.target.authority.as_str())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, delivery.signature.as_str())
            .header(header::USER_AGENT, "dbt-cloud-mock-webhooks")
            .body(Body::from(delivery.body.clone()))
            .map_err(|e| format!("building the request: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("sending: {e}"))?;
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(Body::new(response.into_body()), 64 * 1024)
            .await
            .unwrap_or_default();
        driver.abort();
        Ok::<_, String>((status, String::from_utf8_lossy(&bytes).into_owned()))
    };
    match tokio::time::timeout(TIMEOUT, exchange).await {
        Ok(Ok((status, response_body))) => Outcome {
            status,
            response_body,
            error: String::new(),
        },
        Ok(Err(error)) => failed(error),
        Err(_) => failed(format!("no answer within {} s", TIMEOUT.as_secs())),
    }
}

/// Stores the receipt of a delivery and its status on the event and the subscription.
pub(crate) fn record(app: &SharedApp, delivery: &Delivery, outcome: &Outcome) {
    let now = app.clock.now_ms();
    let stamp = timestamps::format(now, Style::T);
    let code = outcome.status.to_string();
    let mut store = app.store();
    let receipt_id = store.allocate_id(WEBHOOK_RECEIPTS.collection);
    let account_id = store
        .records(WEBHOOK_SUBSCRIPTIONS.collection)
        .and_then(|s| s.get(&delivery.subscription_id))
        .and_then(|s| s.get("account_id"))
        .cloned();
    let headers = json!({
        "Content-Type": "application/json",
        "Authorization": delivery.signature,
        "User-Agent": "dbt-cloud-mock-webhooks",
    });
    store.records_mut(WEBHOOK_RECEIPTS.collection).insert(
        receipt_id,
        json!({
            "id": receipt_id,
            "event_id": public_id(&WEBHOOK_EVENTS, delivery.event_id),
            "subscription_id": public_id(&WEBHOOK_SUBSCRIPTIONS, delivery.subscription_id),
            "__event": delivery.event_id,
            "account_id": account_id,
            "dispatched_at": stamp, "http_status_code": code, "error_info": outcome.error,
            "request_body": String::from_utf8_lossy(&delivery.body),
            "request_headers": headers.to_string(),
            "response_body": outcome.response_body,
            "state": 1, "created_at": stamp, "updated_at": stamp,
        }),
    );
    if let Some(Value::Object(event)) = store
        .records_mut(WEBHOOK_EVENTS.collection)
        .get_mut(&delivery.event_id)
    {
        event.insert("http_status_code".into(), json!(code));
    }
    if let Some(Value::Object(sub)) = store
        .records_mut(WEBHOOK_SUBSCRIPTIONS.collection)
        .get_mut(&delivery.subscription_id)
    {
        sub.insert("http_status_code".into(), json!(code));
        sub.insert("dispatched_at".into(), json!(stamp));
    }
}
