//! getJob with `include_related`: the job's environment, its most recent run and its most
//! recent finished run embedded the way dbt embeds them (`null` when there is none), and
//! `custom_environment_variables` (the mock keeps none).

use axum::extract::State;
use serde_json::{Value, json};

use super::runs::{Related, run_value, snapshot_of};
use super::{get_resource_value, require_account};
use crate::app::SharedApp;
use crate::envelope::{self, Reply};
use crate::params::{PathParams, QueryParams};
use crate::store::{Kind, Store};

/// Which related objects a getJob request asked for.
#[derive(Default)]
struct JobRelated {
    environment: bool,
    most_recent_run: bool,
    most_recent_completed_run: bool,
    custom_environment_variables: bool,
}

impl JobRelated {
    fn from_query(query: &QueryParams) -> Self {
        let words = query.word_list("include_related");
        let has = |w: &str| words.iter().any(|x| x == w);
        JobRelated {
            environment: has("environment"),
            most_recent_run: has("most_recent_run"),
            most_recent_completed_run: has("most_recent_completed_run"),
            custom_environment_variables: has("custom_environment_variables"),
        }
    }
}

pub(super) async fn get(
    State(app): State<SharedApp>,
    path: PathParams,
    query: QueryParams,
) -> Reply {
    let account_id = path.id("account_id")?;
    let job_id = path.id("job_id")?;
    let related = JobRelated::from_query(&query);
    let store = app.store();
    require_account(&store, account_id)?;
    let mut job = get_resource_value(&store, Kind::Job, account_id, job_id)?;
    let now = app.clock.now_ms();
    if let Value::Object(fields) = &mut job {
        if related.environment {
            let environment = fields
                .get("environment_id")
                .and_then(Value::as_i64)
                .and_then(|id| store.environments.get(&id))
                .cloned()
                .unwrap_or(Value::Null);
            fields.insert("environment".into(), environment);
        }
        if related.most_recent_run {
            let run = latest_run(&store, job_id, now, false).map_or(Value::Null, |id| {
                run_value(&app, &store, id, now, Related::default())
            });
            fields.insert("most_recent_run".into(), run);
        }
        if related.most_recent_completed_run {
            let run = latest_run(&store, job_id, now, true).map_or(Value::Null, |id| {
                run_value(&app, &store, id, now, Related::default())
            });
            fields.insert("most_recent_completed_run".into(), run);
        }
        if related.custom_environment_variables {
            fields.insert("custom_environment_variables".into(), json!([]));
        }
    }
    Ok(envelope::ok(job))
}

/// The newest run of the job (the newest finished one when `finished`).
fn latest_run(store: &Store, job_id: i64, now: i64, finished: bool) -> Option<i64> {
    store
        .runs
        .values()
        .rev()
        .filter(|run| run.job_id == job_id)
        .find(|run| !finished || snapshot_of(run, now).is_finished())
        .map(|run| run.id)
}
