//! The resources the mock starts with (accounts, projects, environments, repositories, jobs),
//! as dbt-shaped JSON. A fixtures file may give only some fields of each object: the rest is
//! filled from realistic defaults, including nulls and fields dbt's spec does not declare.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::clock::MANUAL_CLOCK_START_MS;
use crate::timestamps::{self, Style};

/// Seeded resources. Every object needs an integer `id`; children name their parents with
/// `account_id`, `project_id`, `environment_id` (defaulting to the first account/project).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Fixtures {
    #[serde(default)]
    pub accounts: Vec<Value>,
    #[serde(default)]
    pub projects: Vec<Value>,
    #[serde(default)]
    pub environments: Vec<Value>,
    #[serde(default)]
    pub repositories: Vec<Value>,
    #[serde(default)]
    pub jobs: Vec<Value>,
    /// Finished runs to create at start: `[{"job_id": 401, "count": 250}]`.
    #[serde(default)]
    pub seed_runs: Vec<SeedRuns>,
    /// Objects of the configuration kinds, by collection (`"connections"`, `"credentials"`,
    /// `"environment_variables"`, `"service_tokens"`, `"groups"`, `"users"`,
    /// `"notifications"`, `"webhook_subscriptions"`); see [`demo_resources`].
    #[serde(default)]
    pub resources: BTreeMap<String, Vec<Value>>,
}

/// A request to create `count` finished runs of a job (mixed outcomes, deterministic).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SeedRuns {
    pub job_id: i64,
    pub count: usize,
}

/// Ids of the demo fixtures, so tests and scripts can refer to them by name.
pub mod demo_ids {
    pub const ACCOUNT: i64 = 43;
    pub const PROJECT: i64 = 101;
    pub const OTHER_PROJECT: i64 = 102;
    pub const REPOSITORY: i64 = 301;
    pub const DEV_ENVIRONMENT: i64 = 201;
    pub const PROD_ENVIRONMENT: i64 = 202;
    pub const OTHER_ENVIRONMENT: i64 = 203;
    /// `dbt build` then `dbt docs generate`.
    pub const DAILY_JOB: i64 = 401;
    /// `dbt run`, `dbt test`, no docs.
    pub const HOURLY_JOB: i64 = 402;
    /// A CI job.
    pub const CI_JOB: i64 = 403;
    /// A job in the other project.
    pub const OTHER_JOB: i64 = 404;
    /// The warehouse connection the projects and environments name.
    pub const CONNECTION: i64 = 501;
    /// The production credentials of the first project (password set, never shown).
    pub const CREDENTIALS: i64 = 601;
    /// `DBT_TARGET_SCHEMA`: a project default and a production override.
    pub const TARGET_SCHEMA_VARIABLE: i64 = 701;
    pub const TARGET_SCHEMA_PRODUCTION_VALUE: i64 = 702;
    /// `DBT_ENV_SECRET_GIT_TOKEN`: a secret project default (shown masked).
    pub const SECRET_VARIABLE: i64 = 703;
    pub const SERVICE_TOKEN: i64 = 801;
    pub const OWNER_GROUP: i64 = 901;
    pub const MEMBER_GROUP: i64 = 902;
    pub const ADMIN_USER: i64 = 1001;
    pub const ANALYST_USER: i64 = 1002;
    pub const NOTIFICATION: i64 = 1101;
    /// An inactive subscription (its URL is a loopback port nobody listens on).
    pub const WEBHOOK_SUBSCRIPTION: i64 = 1201;
}

/// The demo's configuration objects (see [`demo_ids`]); their other fields are defaults.
pub fn demo_resources() -> BTreeMap<String, Vec<Value>> {
    use demo_ids::*;
    let mut resources = BTreeMap::new();
    let mut add = |collection: &str, items: Vec<Value>| {
        resources.insert(collection.to_string(), items);
    };
    add(
        "connections",
        vec![json!({"id": CONNECTION, "name": "Demo Warehouse",
        "adapter_version": "snowflake_v0", "type": "snowflake",
        "config": {"account": "demo", "database": "ANALYTICS", "warehouse": "TRANSFORMING",
                   "role": "TRANSFORMER", "client_session_keep_alive": false}})],
    );
    add(
        "credentials",
        vec![
            json!({"id": CREDENTIALS, "project_id": PROJECT, "type": "snowflake",
        "schema": "analytics", "user": "dbt_cloud", "password": "fixture-password-not-shown",
        "auth_type": "password", "threads": 8}),
        ],
    );
    add(
        "environment_variables",
        vec![
            json!({"id": TARGET_SCHEMA_VARIABLE, "project_id": PROJECT, "name": "DBT_TARGET_SCHEMA",
               "type": "project", "raw_value": "dev_schema"}),
            json!({"id": TARGET_SCHEMA_PRODUCTION_VALUE, "project_id": PROJECT,
               "name": "DBT_TARGET_SCHEMA", "type": "environment",
               "environment_id": PROD_ENVIRONMENT, "raw_value": "analytics"}),
            json!({"id": SECRET_VARIABLE, "project_id": PROJECT, "name": "DBT_ENV_SECRET_GIT_TOKEN",
               "type": "project", "raw_value": "fixture-secret-not-shown"}),
        ],
    );
    add(
        "service_tokens",
        vec![json!({"id": SERVICE_TOKEN, "name": "Airflow",
        "permission_grants": [{"permission_set": "job_admin", "project_id": PROJECT,
                               "all_projects": false}]})],
    );
    add(
        "groups",
        vec![
            json!({"id": OWNER_GROUP, "name": "Owner", "group_permissions": [
            {"id": 9011, "account_id": ACCOUNT, "group_id": OWNER_GROUP,
             "permission_set": "owner", "all_projects": true, "project_id": null, "state": 1}]}),
            json!({"id": MEMBER_GROUP, "name": "Everyone", "assign_by_default": true}),
        ],
    );
    add(
        "users",
        vec![
            json!({"id": ADMIN_USER, "first_name": "Ada", "last_name": "Admin",
               "email": "ada@example.com", "group_ids": [OWNER_GROUP, MEMBER_GROUP]}),
            json!({"id": ANALYST_USER, "first_name": "Ann", "last_name": "Analyst",
               "email": "ann@example.com", "group_ids": [MEMBER_GROUP]}),
        ],
    );
    add(
        "notifications",
        vec![json!({"id": NOTIFICATION, "user_id": ADMIN_USER, "type": 1,
        "on_failure": [DAILY_JOB], "on_success": []})],
    );
    add(
        "webhook_subscriptions",
        vec![json!({"id": WEBHOOK_SUBSCRIPTION, "name": "Ops alerts",
        "client_url": "http://127.0.0.1:9/dbt", "event_types": ["job.run.errored"],
        "job_ids": [], "active": false})],
    );
    resources
}

impl Fixtures {
    /// One account (43) with two projects, three environments, two repositories and four jobs.
    pub fn demo() -> Self {
        use demo_ids::*;
        Fixtures {
            accounts: vec![json!({"id": ACCOUNT, "name": "Demo Analytics"})],
            projects: vec![
                json!({"id": PROJECT, "name": "jaffle_shop", "repository_id": REPOSITORY}),
                json!({"id": OTHER_PROJECT, "name": "finance", "repository_id": 302,
                       "description": "Finance marts"}),
            ],
            repositories: vec![
                json!({"id": REPOSITORY, "project_id": PROJECT,
                       "full_name": "demo/jaffle_shop",
                       "remote_url": "git@github.com:demo/jaffle_shop.git"}),
                json!({"id": 302, "project_id": OTHER_PROJECT, "full_name": "demo/finance",
                       "remote_url": "git@github.com:demo/finance.git"}),
            ],
            environments: vec![
                json!({"id": DEV_ENVIRONMENT, "project_id": PROJECT, "name": "Development",
                       "type": "development", "deployment_type": null}),
                json!({"id": PROD_ENVIRONMENT, "project_id": PROJECT, "name": "Production",
                       "type": "deployment", "deployment_type": "production"}),
                json!({"id": OTHER_ENVIRONMENT, "project_id": OTHER_PROJECT, "name": "Production",
                       "type": "deployment", "deployment_type": "production",
                       "dbt_version": "1.8.0-latest"}),
            ],
            jobs: vec![
                json!({"id": DAILY_JOB, "project_id": PROJECT, "environment_id": PROD_ENVIRONMENT,
                       "name": "Daily build", "execute_steps": ["dbt build"], "generate_docs": true,
                       "job_type": "scheduled"}),
                json!({"id": HOURLY_JOB, "project_id": PROJECT, "environment_id": PROD_ENVIRONMENT,
                       "name": "Hourly run", "execute_steps": ["dbt run", "dbt test"],
                       "generate_docs": false, "job_type": "scheduled"}),
                json!({"id": CI_JOB, "project_id": PROJECT, "environment_id": PROD_ENVIRONMENT,
                       "name": "CI", "execute_steps": ["dbt build --select state:modified+"],
                       "job_type": "ci", "deferring_environment_id": PROD_ENVIRONMENT}),
                json!({"id": OTHER_JOB, "project_id": OTHER_PROJECT,
                       "environment_id": OTHER_ENVIRONMENT, "name": "Finance nightly",
                       "execute_steps": ["dbt build"], "job_type": "scheduled"}),
            ],
            seed_runs: Vec::new(),
            resources: demo_resources(),
        }
    }

    /// Reads fixtures from JSON; the error names what is wrong.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let fixtures: Fixtures =
            serde_json::from_str(text).map_err(|e| format!("invalid fixtures JSON: {e}"))?;
        for (kind, list) in [
            ("accounts", &fixtures.accounts),
            ("projects", &fixtures.projects),
            ("environments", &fixtures.environments),
            ("repositories", &fixtures.repositories),
            ("jobs", &fixtures.jobs),
        ] {
            for (i, item) in list.iter().enumerate() {
                if item.get("id").and_then(Value::as_i64).is_none() {
                    return Err(format!("fixtures: /{kind}/{i} needs an integer `id`"));
                }
            }
        }
        if fixtures.accounts.is_empty() {
            return Err("fixtures: at least one account is needed".into());
        }
        crate::resources::check_fixtures(&fixtures.resources)?;
        Ok(fixtures)
    }
}

/// Fills `object`'s missing keys from `defaults` (the fixture's own values win).
fn fill(object: &Value, defaults: Value) -> Value {
    let mut out = match defaults {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    if let Value::Object(given) = object {
        for (key, value) in given {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

fn stamp() -> String {
    timestamps::format(MANUAL_CLOCK_START_MS - 90 * 86_400_000, Style::T)
}

pub(crate) fn account(object: &Value, id: i64) -> Value {
    fill(
        object,
        json!({
            "id": id, "name": format!("Account {id}"), "state": 1, "plan": "enterprise",
            "pending_cancel": false, "run_slots": 5, "developer_seats": 10,
            "read_only_seats": 50, "it_seats": 0, "locked": false, "lock_reason": null,
            "lock_cause": null, "unlocked_at": null, "billing_email_address": null,
            "identifier": format!("act{id}"), "docs_job_id": null, "freshness_job_id": null,
            "enterprise_login_slug": null, "starter_repo_url": null,
            "created_at": stamp(), "updated_at": stamp(),
        }),
    )
}

pub(crate) fn project(object: &Value, id: i64, account_id: i64) -> Value {
    fill(
        object,
        json!({
            "id": id, "account_id": account_id, "name": format!("project_{id}"),
            "description": null, "connection_id": 501, "repository_id": null,
            "semantic_layer_config_id": null, "skipped_setup": false, "state": 1,
            "dbt_project_subdirectory": null, "docs_job_id": null, "freshness_job_id": null,
            "type": 0, "created_at": stamp(), "updated_at": stamp(),
            "connection": null, "repository": null, "group_permissions": null,
            "environments": null, "freshness_job": null, "docs_job": null,
        }),
    )
}

pub(crate) fn environment(object: &Value, id: i64, account_id: i64, project_id: i64) -> Value {
    fill(
        object,
        json!({
            "id": id, "account_id": account_id, "project_id": project_id,
            "name": format!("Environment {id}"), "type": "deployment",
            "deployment_type": "production", "dbt_version": "1.9.0-latest",
            "raw_dbt_version": "1.9.0-latest", "connection_id": 501, "credentials_id": 601,
            "repository_id": null, "extended_attributes_id": null, "custom_branch": null,
            "use_custom_branch": false, "dbt_project_subdirectory": null, "supports_docs": true,
            "state": 1, "created_by_id": null, "is_fusion_ready": false,
            "created_at": stamp(), "updated_at": stamp(),
        }),
    )
}

pub(crate) fn repository(object: &Value, id: i64, account_id: i64, project_id: i64) -> Value {
    fill(
        object,
        json!({
            "id": id, "account_id": account_id, "project_id": project_id,
            "full_name": format!("org/repo_{id}"),
            "remote_url": format!("git@github.com:org/repo_{id}.git"), "remote_backend": "github",
            "git_clone_strategy": "github_app", "deploy_key_id": null,
            "repository_credentials_id": null, "github_installation_id": 12345,
            "github_webhook_id": null, "pull_request_url_template": null,
            "private_link_endpoint_id": null, "state": 1,
            "created_at": stamp(), "updated_at": stamp(),
        }),
    )
}

/// The full job object dbt returns, filled around the given fields.
pub(crate) fn job(
    object: &Value,
    id: i64,
    account_id: i64,
    project_id: i64,
    environment_id: i64,
) -> Value {
    fill(
        object,
        json!({
            "id": id, "account_id": account_id, "project_id": project_id,
            "environment_id": environment_id, "name": format!("Job {id}"), "description": "",
            "dbt_version": null, "execute_steps": ["dbt build"],
            "settings": {"threads": 4, "target_name": "default"},
            "execution": {"timeout_seconds": 0},
            "triggers": {"github_webhook": false, "schedule": false, "git_provider_webhook": false,
                          "on_merge": false, "custom_branch_only": false},
            "schedule": {"cron": "0 6 * * *", "date": {"type": "every_day", "days": null, "cron": null},
                          "time": {"type": "at_exact_hours", "interval": null, "hours": [6]}},
            "job_type": "other", "state": 1, "generate_docs": false,
            "run_generate_sources": false, "deferring_environment_id": null,
            "deferring_job_definition_id": null, "job_completion_trigger_condition": null,
            "triggers_on_draft_pr": false, "run_lint": false, "errors_on_lint_failure": true,
            "run_compare_changes": false, "compare_changes_flags": "--select state:modified",
            "is_deferrable": false, "lifecycle_webhooks": false, "lifecycle_webhooks_url": null,
            "cron_humanized": "At 06:00 AM", "next_run": null, "next_run_humanized": null,
            "most_recent_run": null, "most_recent_completed_run": null,
            "created_at": stamp(), "updated_at": stamp(),
        }),
    )
}
