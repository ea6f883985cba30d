//! listEnvironments, getEnvironment.

use axum::extract::State;

use super::{get_resource, list_resources};
use crate::app::SharedApp;
use crate::envelope::Reply;
use crate::params::{PathParams, QueryParams};
use crate::store::Kind;

pub(super) async fn list(
    State(app): State<SharedApp>,
    path: PathParams,
    query: QueryParams,
) -> Reply {
    let account_id = path.id("account_id")?;
    list_resources(
        &app,
        Kind::Environment,
        Some(account_id),
        &query,
        &["project_id"],
        &["id", "name", "project_id", "created_at", "updated_at"],
    )
}

pub(super) async fn get(State(app): State<SharedApp>, path: PathParams) -> Reply {
    get_resource(
        &app,
        Kind::Environment,
        path.id("account_id")?,
        path.id("environment_id")?,
    )
}
