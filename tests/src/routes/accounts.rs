//! listAccounts, getAccount.

use axum::extract::State;

use super::{get_resource, list_resources};
use crate::app::SharedApp;
use crate::envelope::Reply;
use crate::params::{PathParams, QueryParams};
use crate::store::Kind;

pub(super) async fn list(State(app): State<SharedApp>, query: QueryParams) -> Reply {
    list_resources(
        &app,
        Kind::Account,
        None,
        &query,
        &[],
        &["id", "name", "created_at"],
    )
}

pub(super) async fn get(State(app): State<SharedApp>, path: PathParams) -> Reply {
    let account_id = path.id("account_id")?;
    get_resource(&app, Kind::Account, account_id, account_id)
}
