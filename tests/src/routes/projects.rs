//! listProjects, getProject.

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
        Kind::Project,
        Some(account_id),
        &query,
        &[],
        &["id", "name", "created_at", "updated_at"],
    )
}

pub(super) async fn get(State(app): State<SharedApp>, path: PathParams) -> Reply {
    get_resource(
        &app,
        Kind::Project,
        path.id("account_id")?,
        path.id("project_id")?,
    )
}
