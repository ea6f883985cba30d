//! What a resource kind is, as data: the table entry every generic handler is driven by.
//! Adding a resource to the mock means adding a `Resource` to `kinds.rs` and its
//! operations to `operation.rs`; no handler code.

use serde_json::{Map, Value};

use crate::envelope::ApiError;
use crate::operation::Operation;

/// What a generic handler does for an operation of a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    List,
    Get,
    Create,
    /// Replaces the given fields (dbt's `POST .../{id}/` and `PUT`); types are checked and
    /// required fields may not be nulled.
    Update,
    /// `PATCH`: only the given fields change.
    PartialUpdate,
    Delete,
}

/// Where the collection lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// `/accounts/{account_id}/<collection>/`
    Account,
    /// `/accounts/{account_id}/projects/{project_id}/<collection>/`: the project must exist,
    /// and the item's `project_id` comes from the path.
    Project,
    /// Account-level items seen under `/projects/{project_id}/`: the project must exist, and
    /// items of that project or of no project are listed.
    ProjectView,
}

/// The type a body field must have (null is accepted for optional fields, as on dbt).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// A non-blank string.
    Text,
    /// A string, possibly empty.
    AnyText,
    Int,
    Bool,
    IntList,
    TextList,
    /// Any array.
    Array,
    Object,
}

/// How a delete is stored (both are answered 204 without a body, as the derived spec says).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Deletion {
    /// `state: 2`, kept: listed with `state=deleted`, 404 otherwise.
    Soft,
    /// Removed.
    Hard,
}

/// A body check beyond field types (e.g. env var names, loopback webhook URLs).
pub(crate) type Check = fn(&Map<String, Value>) -> Result<(), ApiError>;

/// Fills fields computed from others before an item is stored (e.g. an env var's display value).
pub(crate) type Prepare = fn(&mut Map<String, Value>);

/// Server-filled defaults of a new item: `(id, account_id, project_id)`.
pub(crate) type Defaults = fn(i64, i64, Option<i64>) -> Value;

/// One resource kind.
pub(crate) struct Resource {
    /// For 404 messages ("Project not found").
    pub name: &'static str,
    /// The store collection (see `records.rs`; v2 projects/environments/repositories/jobs are
    /// the same collections as their v3 forms).
    pub collection: &'static str,
    pub scope: Scope,
    /// The path parameter naming one item.
    pub id_param: &'static str,
    /// String ids are this prefix + the number (webhook subscriptions: `wsu_12`); "" = integer.
    pub id_prefix: &'static str,
    /// The operations served by the generic handlers, with what they do.
    pub operations: &'static [(Operation, Action)],
    /// Body fields and their types (fields not listed are stored as given).
    pub fields: &'static [(&'static str, Field)],
    /// Fields a create must give.
    pub required: &'static [&'static str],
    /// The natural key within the scope: a second active item with equal values is a 400.
    pub unique: &'static [&'static str],
    /// Write-only fields: stored, never shown.
    pub write_only: &'static [&'static str],
    /// Secrets generated at creation (field, prefix): shown in the create answer only.
    pub shown_once: &'static [(&'static str, &'static str)],
    /// Integer fields the list filters on by equality.
    pub int_filters: &'static [&'static str],
    /// Fields `order_by` accepts.
    pub orderable: &'static [&'static str],
    /// The HTTP status of a successful create.
    pub created_code: u16,
    pub deletion: Deletion,
    pub defaults: Defaults,
    pub check: Option<Check>,
    pub prepare: Option<Prepare>,
    /// Masks secret values in every answer (e.g. `DBT_ENV_SECRET_*` env var values).
    pub mask: Option<Prepare>,
}

impl Resource {
    /// The action of `op` if this resource serves it.
    pub(crate) fn action(&self, op: Operation) -> Option<Action> {
        self.operations
            .iter()
            .find(|(o, _)| *o == op)
            .map(|(_, a)| *a)
    }
}
