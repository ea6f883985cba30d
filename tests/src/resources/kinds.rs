//! The table: one `Resource` per kind the generic handlers serve. A new resource is a new
//! entry here (plus its operations in `operation.rs` and, if it has one, a default shape in
//! `shapes.rs`).

use serde_json::{Map, Value};

use super::checks;
use super::shapes;
use super::table::{Action::*, Deletion, Field::*, Resource, Scope};
use crate::operation::Operation as Op;

const TIMES: [&str; 2] = ["created_at", "updated_at"];

pub(crate) const PROJECTS: Resource = Resource {
    name: "Project",
    collection: "projects",
    scope: Scope::Account,
    id_param: "project_id",
    id_prefix: "",
    operations: &[
        (Op::ListProjectsV3, List),
        (Op::GetProjectV3, Get),
        (Op::CreateProject, Create),
        (Op::UpdateProject, Update),
        (Op::DeleteProject, Delete),
    ],
    fields: &[
        ("name", Text),
        ("description", AnyText),
        ("connection_id", Int),
        ("repository_id", Int),
        ("dbt_project_subdirectory", AnyText),
        ("state", Int),
    ],
    required: &["name"],
    unique: &["name"],
    write_only: &[],
    shown_once: &[],
    int_filters: &[],
    orderable: &["id", "name", TIMES[0], TIMES[1]],
    created_code: 201,
    deletion: Deletion::Soft,
    defaults: shapes::project,
    check: None,
    prepare: None,
    mask: None,
};

pub(crate) const ENVIRONMENTS: Resource = Resource {
    name: "Environment",
    collection: "environments",
    scope: Scope::Project,
    id_param: "environment_id",
    id_prefix: "",
    operations: &[
        (Op::ListProjectEnvironments, List),
        (Op::GetProjectEnvironment, Get),
        (Op::CreateProjectEnvironment, Create),
        (Op::UpdateProjectEnvironment, Update),
        (Op::DeleteProjectEnvironment, Delete),
    ],
    fields: &[
        ("name", Text),
        ("type", Text),
        ("deployment_type", Text),
        ("dbt_version", Text),
        ("connection_id", Int),
        ("credentials_id", Int),
        ("repository_id", Int),
        ("custom_branch", AnyText),
        ("use_custom_branch", Bool),
        ("state", Int),
    ],
    required: &["name", "type"],
    unique: &["name"],
    write_only: &[],
    shown_once: &[],
    int_filters: &["connection_id", "credentials_id"],
    orderable: &["id", "name", TIMES[0], TIMES[1]],
    created_code: 201,
    deletion: Deletion::Soft,
    defaults: shapes::environment,
    check: Some(checks::environment),
    prepare: None,
    mask: None,
};

pub(crate) const REPOSITORIES: Resource = Resource {
    name: "Repository",
    collection: "repositories",
    scope: Scope::Project,
    id_param: "repository_id",
    id_prefix: "",
    operations: &[
        (Op::ListProjectRepositories, List),
        (Op::GetProjectRepository, Get),
        (Op::CreateProjectRepository, Create),
        (Op::UpdateProjectRepository, Update),
        (Op::DeleteProjectRepository, Delete),
    ],
    fields: &[
        ("remote_url", Text),
        ("git_clone_strategy", Text),
        ("remote_backend", Text),
        ("github_installation_id", Int),
        ("pull_request_url_template", AnyText),
        ("state", Int),
    ],
    required: &["remote_url"],
    unique: &["remote_url"],
    write_only: &[],
    shown_once: &[],
    int_filters: &[],
    orderable: &["id", "full_name", TIMES[0], TIMES[1]],
    created_code: 201,
    deletion: Deletion::Soft,
    defaults: shapes::repository,
    check: None,
    prepare: Some(checks::repository_name),
    mask: None,
};

pub(crate) const GLOBAL_CONNECTIONS: Resource = Resource {
    name: "Connection",
    collection: "connections",
    scope: Scope::Account,
    id_param: "connection_id",
    id_prefix: "",
    operations: &[
        (Op::ListAccountConnections, List),
        (Op::GetAccountConnection, Get),
        (Op::CreateAccountConnection, Create),
        (Op::UpdateAccountConnection, PartialUpdate),
        (Op::DeleteAccountConnection, Delete),
    ],
    fields: &[
        ("name", Text),
        ("adapter_version", Text),
        ("config", Object),
        ("private_link_endpoint_id", AnyText),
        ("oauth_configuration_id", Int),
        ("state", Int),
    ],
    required: &["name", "adapter_version", "config"],
    unique: &["name"],
    write_only: &[],
    shown_once: &[],
    int_filters: &[],
    orderable: &["id", "name", TIMES[0], TIMES[1]],
    created_code: 201,
    deletion: Deletion::Hard,
    defaults: shapes::connection,
    check: None,
    prepare: Some(checks::connection_type),
    mask: Some(checks::mask_connection_secrets),
};

/// The same connections, listed and read under a project (dbt's project-level view of the
/// account's connections: those its environments use, or all when none is pinned).
pub(crate) const PROJECT_CONNECTIONS: Resource = Resource {
    name: "Connection",
    collection: "connections",
    scope: Scope::ProjectView,
    id_param: "connection_id",
    id_prefix: "",
    operations: &[
        (Op::ListProjectConnections, List),
        (Op::GetProjectConnection, Get),
    ],
    ..GLOBAL_CONNECTIONS
};

pub(crate) const CREDENTIALS: Resource = Resource {
    name: "Credentials",
    collection: "credentials",
    scope: Scope::Project,
    id_param: "credential_id",
    id_prefix: "",
    operations: &[
        (Op::ListProjectCredentials, List),
        (Op::GetProjectCredential, Get),
        (Op::CreateProjectCredential, Create),
        (Op::UpdateProjectCredential, Update),
        (Op::PartialUpdateProjectCredential, PartialUpdate),
        (Op::DeleteProjectCredential, Delete),
    ],
    fields: &[
        ("type", Text),
        ("threads", Int),
        ("target_name", Text),
        ("schema", Text),
        ("user", AnyText),
        ("username", AnyText),
        ("password", AnyText),
        ("private_key", AnyText),
        ("private_key_passphrase", AnyText),
        ("auth_type", Text),
        ("state", Int),
    ],
    required: &["type"],
    unique: &[],
    write_only: &["password", "private_key", "private_key_passphrase", "token"],
    shown_once: &[],
    int_filters: &[],
    orderable: &["id", TIMES[0], TIMES[1]],
    created_code: 201,
    deletion: Deletion::Soft,
    defaults: shapes::credentials,
    check: None,
    prepare: None,
    mask: None,
};

pub(crate) const ENVIRONMENT_VARIABLES: Resource = Resource {
    name: "Environment variable",
    collection: "environment_variables",
    scope: Scope::Project,
    id_param: "environment_variable_id",
    id_prefix: "",
    operations: &[
        (Op::CreateEnvironmentVariable, Create),
        (Op::UpdateEnvironmentVariable, Update),
        (Op::DeleteEnvironmentVariable, Delete),
    ],
    fields: &[
        ("name", Text),
        ("type", Text),
        ("environment_id", Int),
        ("job_definition_id", Int),
        ("user_id", Int),
        ("raw_value", AnyText),
        ("display_value", AnyText),
        ("state", Int),
    ],
    required: &["name"],
    unique: &[
        "name",
        "type",
        "environment_id",
        "job_definition_id",
        "user_id",
    ],
    write_only: &["raw_value"],
    shown_once: &[],
    int_filters: &["environment_id", "job_definition_id", "user_id"],
    orderable: &["id", "name", TIMES[0], TIMES[1]],
    created_code: 201,
    deletion: Deletion::Hard,
    defaults: shapes::environment_variable,
    check: Some(checks::environment_variable),
    prepare: Some(checks::environment_variable_display),
    mask: Some(checks::mask_secret_variable),
};

pub(crate) const SERVICE_TOKENS: Resource = Resource {
    name: "Service token",
    collection: "service_tokens",
    scope: Scope::Account,
    id_param: "service_token_id",
    id_prefix: "",
    operations: &[
        (Op::ListServiceTokens, List),
        (Op::GetServiceToken, Get),
        (Op::CreateServiceToken, Create),
        (Op::UpdateServiceToken, Update),
        (Op::DeleteServiceToken, Delete),
    ],
    fields: &[
        ("name", Text),
        ("permission_grants", Array),
        ("metadata_only", Bool),
        ("webhooks_only", Bool),
        ("state", Int),
    ],
    required: &["name"],
    unique: &["name"],
    write_only: &[],
    shown_once: &[("token_string", "dbtc_")],
    int_filters: &[],
    orderable: &["id", "name", TIMES[0], TIMES[1]],
    created_code: 201,
    deletion: Deletion::Soft,
    defaults: shapes::service_token,
    check: Some(checks::permissions_field),
    prepare: None,
    mask: None,
};

pub(crate) const GROUPS: Resource = Resource {
    name: "Group",
    collection: "groups",
    scope: Scope::Account,
    id_param: "group_id",
    id_prefix: "",
    operations: &[
        (Op::ListGroups, List),
        (Op::GetGroup, Get),
        (Op::CreateGroup, Create),
        (Op::UpdateGroup, Update),
    ],
    fields: &[
        ("name", Text),
        ("assign_by_default", Bool),
        ("sso_mapping_groups", TextList),
        ("group_permissions", Array),
        ("state", Int),
    ],
    required: &["name"],
    unique: &["name"],
    write_only: &[],
    shown_once: &[],
    int_filters: &[],
    orderable: &["id", "name", TIMES[0], TIMES[1]],
    created_code: 201,
    deletion: Deletion::Soft,
    defaults: shapes::group,
    check: None,
    prepare: None,
    mask: None,
};

pub(crate) const USERS: Resource = Resource {
    name: "User",
    collection: "users",
    scope: Scope::Account,
    id_param: "user_id",
    id_prefix: "",
    operations: &[
        (Op::ListUsersV3, List),
        (Op::GetUserV3, Get),
        (Op::ListUsers, List),
    ],
    fields: &[],
    required: &[],
    unique: &["email"],
    write_only: &[],
    shown_once: &[],
    int_filters: &[],
    orderable: &["id", "email", "first_name", "last_name"],
    created_code: 201,
    deletion: Deletion::Soft,
    defaults: shapes::user,
    check: None,
    prepare: None,
    mask: None,
};

pub(crate) const NOTIFICATIONS: Resource = Resource {
    name: "Notification",
    collection: "notifications",
    scope: Scope::Account,
    id_param: "notification_id",
    id_prefix: "",
    operations: &[
        (Op::ListNotifications, List),
        (Op::GetNotification, Get),
        (Op::CreateNotification, Create),
        (Op::UpdateNotification, Update),
        (Op::DeleteNotification, Delete),
    ],
    fields: &[
        ("user_id", Int),
        ("type", Int),
        ("on_success", IntList),
        ("on_failure", IntList),
        ("on_cancel", IntList),
        ("on_warning", IntList),
        ("external_email", Text),
        ("slack_channel_id", Text),
        ("slack_channel_name", Text),
        ("state", Int),
    ],
    required: &["user_id", "type"],
    unique: &[],
    write_only: &[],
    shown_once: &[],
    int_filters: &["user_id", "type"],
    orderable: &["id", "user_id", TIMES[0], TIMES[1]],
    created_code: 201,
    deletion: Deletion::Soft,
    defaults: shapes::notification,
    check: Some(checks::notification),
    prepare: None,
    mask: None,
};

pub(crate) const WEBHOOK_SUBSCRIPTIONS: Resource = Resource {
    name: "Webhook subscription",
    collection: "webhook_subscriptions",
    scope: Scope::Account,
    id_param: "subscription_id",
    id_prefix: "wsu_",
    operations: &[
        (Op::ListWebhookSubscriptions, List),
        (Op::GetWebhookSubscription, Get),
        (Op::CreateWebhookSubscription, Create),
        (Op::UpdateWebhookSubscription, Update),
        (Op::DeleteWebhookSubscription, Delete),
    ],
    fields: &[
        ("name", Text),
        ("description", AnyText),
        ("client_url", Text),
        ("event_types", TextList),
        ("job_ids", IntList),
        ("active", Bool),
    ],
    required: &["name", "client_url", "event_types", "active"],
    unique: &["name"],
    write_only: &[],
    shown_once: &[("hmac_secret", "")],
    int_filters: &[],
    orderable: &["id", "name", TIMES[0], TIMES[1]],
    created_code: 200,
    deletion: Deletion::Hard,
    defaults: shapes::webhook_subscription,
    check: Some(checks::webhook_subscription),
    prepare: None,
    mask: None,
};

/// What a subscription's deliveries recorded (`crate::webhooks`); served by special routes.
pub(crate) const WEBHOOK_EVENTS: Resource = Resource {
    name: "Webhook event",
    collection: "webhook_events",
    id_param: "event_id",
    id_prefix: "wev_",
    operations: &[],
    required: &[],
    unique: &[],
    shown_once: &[],
    check: None,
    defaults: shapes::webhook_record,
    ..WEBHOOK_SUBSCRIPTIONS
};

pub(crate) const WEBHOOK_RECEIPTS: Resource = Resource {
    name: "Webhook receipt",
    collection: "webhook_receipts",
    id_param: "receipt_id",
    id_prefix: "wre_",
    ..WEBHOOK_EVENTS
};

/// Every kind, for routing and fixtures.
pub(crate) const ALL: [&Resource; 14] = [
    &PROJECTS,
    &ENVIRONMENTS,
    &REPOSITORIES,
    &GLOBAL_CONNECTIONS,
    &PROJECT_CONNECTIONS,
    &CREDENTIALS,
    &ENVIRONMENT_VARIABLES,
    &SERVICE_TOKENS,
    &GROUPS,
    &USERS,
    &NOTIFICATIONS,
    &WEBHOOK_SUBSCRIPTIONS,
    &WEBHOOK_EVENTS,
    &WEBHOOK_RECEIPTS,
];

/// The kind whose collection is named `collection` (fixtures name collections this way).
pub(crate) fn by_collection(collection: &str) -> Option<&'static Resource> {
    ALL.into_iter().find(|r| r.collection == collection)
}

/// An object given by a fixture, filled around with the kind's defaults.
pub(crate) fn filled(
    resource: &Resource,
    given: &Value,
    id: i64,
    account_id: i64,
    project_id: Option<i64>,
) -> Value {
    let mut item = match (resource.defaults)(id, account_id, project_id) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    if let Value::Object(given) = given {
        item.extend(given.clone());
    }
    if let Some(prepare) = resource.prepare {
        prepare(&mut item);
    }
    Value::Object(item)
}
