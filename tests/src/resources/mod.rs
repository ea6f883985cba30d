//! The table-driven resources (issue 8): every kind of `kinds.rs` is served by the generic
//! handlers of `handlers.rs` from the one store of `records.rs`; the operations that are not
//! plain CRUD (env var bulk edits and listings, permissions, group assignment, v2 run
//! extras, v3 accounts) have a module each. Webhook subscriptions are a table kind too; their
//! deliveries live in `crate::webhooks`.
//!
//! | file | job |
//! |---|---|
//! | `table.rs` | what a kind is: scope, id, operations, fields, secrets, filters |
//! | `kinds.rs` | the table itself |
//! | `shapes.rs` | default objects per kind |
//! | `records.rs` | the store of every kind |
//! | `handlers.rs` | list/get/create/update/delete for any kind |
//! | `validate.rs`, `checks.rs` | body checks (types, required, blank) and per-kind rules |
//! | `present.rs` | string ids, write-only fields, masked secrets |
//! | `envvars.rs`, `access.rs`, `run_extras.rs` | the special operations |
//! | `seed.rs` | fixtures of the table kinds |

mod access;
pub(crate) mod checks;
mod envvars;
pub(crate) mod handlers;
pub(crate) mod kinds;
pub(crate) mod present;
mod records;
mod run_extras;
mod seed;
mod shapes;
pub(crate) mod table;
pub(crate) mod validate;

use axum::routing::{MethodRouter, delete, get, post, put};

use crate::app::SharedApp;
use crate::operation::Operation;

pub(crate) use records::Records;
pub(crate) use seed::{check as check_fixtures, load as load_fixtures};

/// The handler of an operation that is not one of the seed's v2 job/run operations, if the
/// table or a special module serves it.
pub(crate) fn endpoint(op: Operation) -> Option<MethodRouter<SharedApp>> {
    if let Some((resource, action)) = kinds::ALL
        .into_iter()
        .find_map(|r| r.action(op).map(|a| (r, a)))
    {
        return Some(handlers::handler(resource, action, op.method()));
    }
    Some(match op {
        Operation::BulkCreateEnvironmentVariables => post(envvars::bulk_create),
        Operation::BulkUpdateEnvironmentVariables => put(envvars::bulk_update),
        Operation::BulkDeleteEnvironmentVariables => delete(envvars::bulk_delete),
        Operation::ListEnvironmentVariables => get(envvars::by_environment),
        Operation::ListJobEnvironmentVariables => get(envvars::by_job),
        Operation::ListUserEnvironmentVariables => get(envvars::by_user),
        Operation::ListServiceTokenPermissions => get(access::token_permissions),
        Operation::AssignGroupPermissions => post(access::assign_group_permissions),
        Operation::AssignUserToGroups => post(access::assign_user_to_groups),
        Operation::TestWebhookSubscription => get(crate::webhooks::routes::test),
        Operation::ListWebhookSubscriptionEvents => get(crate::webhooks::routes::events),
        Operation::ListWebhookSubscriptionEventReceipts => get(crate::webhooks::routes::receipts),
        Operation::GetRunStep => get(run_extras::step),
        Operation::GetRunFailureDetails => get(run_extras::failure_details),
        Operation::RetryRun => post(run_extras::retry),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every v3 operation (but the accounts, which `routes` shares with v2) and every v2
    /// addition of issue 8 has a handler here.
    #[test]
    fn every_new_operation_is_served() {
        let v2_additions = [
            Operation::ListNotifications,
            Operation::GetNotification,
            Operation::CreateNotification,
            Operation::UpdateNotification,
            Operation::DeleteNotification,
            Operation::GetRunStep,
            Operation::GetRunFailureDetails,
            Operation::RetryRun,
            Operation::ListUsers,
        ];
        let accounts = [Operation::ListAccountsV3, Operation::GetAccountV3];
        for op in Operation::ALL {
            let new = (op.path().starts_with("/api/v3/") && !accounts.contains(&op))
                || v2_additions.contains(&op);
            assert_eq!(endpoint(op).is_some(), new, "{op}");
        }
    }

    /// Two kinds never claim the same operation.
    #[test]
    fn operations_belong_to_one_kind() {
        for op in Operation::ALL {
            let owners = kinds::ALL.iter().filter(|r| r.action(op).is_some()).count();
            assert!(owners <= 1, "{op} is served by {owners} kinds");
        }
    }
}
