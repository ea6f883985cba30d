//! testWebhookSubscription, listWebhookSubscriptionEvents, listWebhookSubscriptionEventReceipts.

use axum::extract::State;
use serde_json::{Value, json};

use super::deliver::{post, prepare, record};
use super::target::Target;
use crate::app::SharedApp;
use crate::envelope::{self, ApiError, Reply};
use crate::params::{PathParams, QueryParams};
use crate::resources::handlers::{find, list_of};
use crate::resources::kinds::{WEBHOOK_EVENTS, WEBHOOK_RECEIPTS, WEBHOOK_SUBSCRIPTIONS};
use crate::resources::present::{Moment, parse_id, present, public_id};

/// Sends a sample `job.run.completed` delivery now and answers with its event id.
pub(crate) async fn test(State(app): State<SharedApp>, path: PathParams) -> Reply {
    let delivery = {
        let now = app.clock.now_ms();
        let mut store = app.store();
        let (_, id) = find(&store, &WEBHOOK_SUBSCRIPTIONS, &path)?;
        let sub = store
            .records(WEBHOOK_SUBSCRIPTIONS.collection)
            .and_then(|s| s.get(&id))
            .cloned()
            .ok_or_else(|| ApiError::not_found(WEBHOOK_SUBSCRIPTIONS.name))?;
        let target = Target::parse(sub["client_url"].as_str().unwrap_or_default())
            // A stored URL the mock never connects to: the request is fine, the state is not.
            .map_err(|why| ApiError::conflict("client_url", why))?;
        let data = json!({
            "jobId": "0", "jobName": "Test job", "runId": "0", "environmentId": "0",
            "environmentName": "Test environment", "projectId": "0", "projectName": "Test project",
            "dbtVersion": "1.9.0-latest", "runStatus": "Success", "runStatusCode": 10,
            "runStatusMessage": "Success", "runReason": "Webhook test",
            "runStartedAt": null, "runFinishedAt": null,
        });
        prepare(
            &mut store,
            id,
            &sub,
            target,
            "job.run.completed",
            data,
            0,
            now,
        )
    };
    let outcome = post(&delivery).await;
    record(&app, &delivery, &outcome);
    Ok(envelope::ok(json!({
        "event_id": public_id(&WEBHOOK_EVENTS, delivery.event_id),
        "http_status_code": outcome.status.to_string(),
        "error_info": outcome.error,
    })))
}

fn subscription_items(
    store_items: Option<&std::collections::BTreeMap<i64, Value>>,
    sub: &Value,
) -> Vec<Value> {
    store_items
        .map(|items| {
            items
                .values()
                .filter(|e| e.get("subscription_id") == Some(sub))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) async fn events(
    State(app): State<SharedApp>,
    path: PathParams,
    query: QueryParams,
) -> Reply {
    let store = app.store();
    let (owner, id) = find(&store, &WEBHOOK_SUBSCRIPTIONS, &path)?;
    let sub = public_id(&WEBHOOK_SUBSCRIPTIONS, id);
    let events: Vec<Value> = subscription_items(store.records(WEBHOOK_EVENTS.collection), &sub)
        .iter()
        .map(|e| present(&WEBHOOK_EVENTS, e, Moment::Read))
        .collect();
    list_of(&events, &query, owner.account_id)
}

pub(crate) async fn receipts(
    State(app): State<SharedApp>,
    path: PathParams,
    query: QueryParams,
) -> Reply {
    let store = app.store();
    let (owner, id) = find(&store, &WEBHOOK_SUBSCRIPTIONS, &path)?;
    let sub = public_id(&WEBHOOK_SUBSCRIPTIONS, id);
    let event_id = path
        .text("event_id")
        .and_then(|t| parse_id(&WEBHOOK_EVENTS, t))
        .filter(|e| {
            store
                .records(WEBHOOK_EVENTS.collection)
                .and_then(|c| c.get(e))
                .is_some_and(|event| event.get("subscription_id") == Some(&sub))
        })
        .ok_or_else(|| ApiError::not_found(WEBHOOK_EVENTS.name))?;
    let receipts: Vec<Value> = subscription_items(store.records(WEBHOOK_RECEIPTS.collection), &sub)
        .iter()
        .filter(|r| r.get("__event").and_then(Value::as_i64) == Some(event_id))
        .map(|r| present(&WEBHOOK_RECEIPTS, r, Moment::Read))
        .collect();
    list_of(&receipts, &query, owner.account_id)
}
