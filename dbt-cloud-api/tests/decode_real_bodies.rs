//! Bodies shaped like the ones dbt Cloud really sends (nulls everywhere, fields the spec does
//! not know, space-separated run timestamps, durations in both formats, status codes, job types
//! and plans that did not exist when the spec was written) decode through the generated types.
//! The bodies are written for these tests, after dbt-cloud-api-facts.md.

// The bodies below are large `json!` literals.
#![recursion_limit = "256"]

use dbt_cloud_api::RunStatus;
use dbt_cloud_api::types;
use serde_json::json;

fn decode<T: serde::de::DeserializeOwned>(body: serde_json::Value) -> T {
    let text = body.to_string();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e} while decoding {text}"))
}

fn ok_status() -> serde_json::Value {
    json!({"code": 200, "is_success": true, "user_message": "Success!", "developer_message": ""})
}

#[test]
fn a_run_with_related_objects_nulls_and_unknown_fields_decodes() {
    let body = json!({
        "status": ok_status(),
        "data": {
            "id": 40_000_000_123_i64,
            "trigger_id": 91,
            "account_id": 7,
            "environment_id": 12,
            "project_id": 3,
            "job_definition_id": 55,
            "job_id": 55,
            "status": 5,
            "status_humanized": "Reticulating",
            "status_message": null,
            "dbt_version": "versionless",
            "git_branch": null,
            "git_sha": "8d2f0c1",
            "owner_thread_id": null,
            "executed_by_thread_id": "scheduler-7",
            "deferring_run_id": null,
            "artifacts_saved": false,
            "artifact_s3_path": null,
            "has_docs_generated": false,
            "has_sources_generated": null,
            "notifications_sent": false,
            "blocked_by": [],
            "created_at": "2021-11-26 16:48:41.431645+00:00",
            "updated_at": "2021-11-26 16:49:02.001+00:00",
            "dequeued_at": "2021-11-26 16:48:43.100000+00:00",
            "started_at": "2021-11-26 16:48:50.000000+00:00",
            "finished_at": null,
            "last_checked_at": null,
            "last_heartbeat_at": "2021-11-26 16:49:00.5+00:00",
            "should_start_at": null,
            "duration": "10.0",
            "queued_duration": "00:00:12",
            "run_duration": null,
            "duration_humanized": "10 seconds",
            "queued_duration_humanized": null,
            "run_duration_humanized": null,
            "created_at_humanized": "1 minute ago",
            "finished_at_humanized": null,
            "retrying_run_id": null,
            "can_retry": false,
            "retry_not_supported_reason": "RETRY_UNSUPPORTED_CMD",
            "in_progress": true,
            "is_complete": false,
            "is_success": false,
            "is_error": false,
            "is_cancelled": false,
            "is_running": null,
            "href": "https://cloud.getdbt.com/deploy/7/projects/3/runs/40000000123/",
            "used_repo_cache": null,
            "audit": null,
            "trigger": {
                "id": 91,
                "cause": "Kicked off from Airflow",
                "cause_category": "a_category_from_the_future",
                "job_definition_id": 55,
                "git_branch": null,
                "git_sha": null,
                "azure_pull_request_id": null,
                "github_pull_request_id": null,
                "gitlab_merge_request_id": null,
                "schema_override": "ci_schema",
                "dbt_version_override": null,
                "threads_override": null,
                "target_name_override": null,
                "generate_docs_override": null,
                "timeout_seconds_override": null,
                "steps_override": null,
                "created_at": "2021-11-26 16:48:41.400000+00:00"
            },
            "job": {
                "id": 55,
                "name": "nightly",
                "schedule": {"cron": "0 2 * * *", "date": "every_day", "time": "every_hour"},
                "something_new": {"nested": [1, 2, 3]}
            },
            "environment": {
                "id": 12,
                "name": "Production",
                "type": "deployment",
                "deployment_type": null,
                "dbt_version": "latest",
                "repository": null,
                "connection": null,
                "jobs": null,
                "custom_environment_variables": []
            },
            "run_steps": [
                {
                    "id": 900,
                    "run_id": 40_000_000_123_i64,
                    "account_id": 7,
                    "index": 1,
                    "name": "Clone git repository",
                    "status": 10,
                    "status_humanized": "Success",
                    "status_color": "#00a699",
                    "logs": "Cloned.",
                    "debug_logs": null,
                    "log_path": null,
                    "truncated_debug_logs": null,
                    "started_at": "2021-11-26 16:48:51.000000+00:00",
                    "finished_at": "2021-11-26 16:48:52.000000+00:00",
                    "duration": "00:00:01",
                    "duration_humanized": "1 second"
                },
                {"id": 901, "run_id": null, "index": 2, "name": null, "status": 3, "logs": null}
            ],
            "a_field_from_2030": {"anything": true}
        }
    });
    let response: types::RunResponse = decode(body);
    assert_eq!(response.status.as_ref().and_then(|s| s.code), Some(200));
    let run = response.data.expect("data");
    assert_eq!(run.id, 40_000_000_123);
    assert_eq!(run.status, Some(5));
    assert_eq!(run.run_status(), Some(RunStatus::Unknown(5)));
    assert_eq!(
        run.created_at.as_deref(),
        Some("2021-11-26 16:48:41.431645+00:00")
    );
    assert_eq!(run.duration.as_deref(), Some("10.0"));
    assert_eq!(run.queued_duration.as_deref(), Some("00:00:12"));
    assert_eq!(run.finished_at, None);
    assert_eq!(run.in_progress, Some(true));
    assert_eq!(run.is_running, None);

    let trigger = run.trigger.expect("trigger");
    assert_eq!(trigger.cause.as_deref(), Some("Kicked off from Airflow"));
    assert_eq!(
        trigger.cause_category.as_deref(),
        Some("a_category_from_the_future")
    );
    assert_eq!(trigger.schema_override.as_deref(), Some("ci_schema"));
    assert_eq!(trigger.steps_override, None);

    // The related job stays free-form (dbt's run.job shape differs from the jobs endpoints').
    let job = run.job.expect("job");
    assert_eq!(job["schedule"]["date"], json!("every_day"));

    let environment = run.environment.expect("environment");
    assert_eq!(environment.id, 12);
    assert_eq!(environment.type_.as_deref(), Some("deployment"));
    assert_eq!(environment.deployment_type, None);

    let steps = run.run_steps.expect("run_steps");
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].index, Some(1));
    assert_eq!(steps[0].duration.as_deref(), Some("00:00:01"));
    assert_eq!(steps[0].run_status(), Some(RunStatus::Success));
    assert_eq!(steps[1].name, None);
    assert_eq!(steps[1].run_status(), Some(RunStatus::Running));
}

#[test]
fn a_freshly_triggered_run_with_almost_everything_null_decodes() {
    let body = json!({
        "status": {"code": 200, "is_success": true, "user_message": "Success!", "developer_message": null},
        "data": {
            "id": 77, "trigger_id": null, "account_id": 7, "project_id": null, "environment_id": null,
            "job_definition_id": 55, "status": 1, "status_humanized": "Queued",
            "created_at": "2024-03-01 08:00:00.000000+00:00", "updated_at": null, "dequeued_at": null,
            "started_at": null, "finished_at": null, "duration": null, "queued_duration": null,
            "run_duration": null, "trigger": null, "job": null, "environment": null, "run_steps": []
        }
    });
    let response: types::RunResponse = decode(body);
    let status = response.status.expect("status");
    assert_eq!(status.developer_message, None);
    let run = response.data.expect("data");
    assert_eq!(run.run_status(), Some(RunStatus::Queued));
    assert!(!run.run_status().expect("status").is_terminal());
    assert!(run.trigger.is_none());
    assert!(run.run_steps.as_ref().is_some_and(Vec::is_empty));
}

#[test]
fn an_envelope_with_only_an_id_decodes_with_every_other_field_absent() {
    let run: types::RunResponse = decode(json!({"data": {"id": 1}}));
    let run = run.data.expect("data");
    assert_eq!(run.id, 1);
    assert_eq!(run.status, None);
    assert_eq!(run.run_status(), None);
    let list: types::RunListResponse = decode(json!({}));
    assert!(list.data.is_none());
    assert!(list.extra.is_none());
}

#[test]
fn a_run_without_an_id_is_refused() {
    // `id` is the one field every resource must carry: without it a run cannot be polled.
    let result = serde_json::from_value::<types::RunResponse>(json!({"data": {"status": 10}}));
    assert!(result.is_err());
}

#[test]
fn a_page_of_runs_with_pagination_and_echoed_filters_decodes() {
    let body = json!({
        "status": ok_status(),
        "data": [
            {"id": 3, "status": 10, "finished_at": "2024-05-01 10:00:00+00:00", "duration": "00:01:40"},
            {"id": 2, "status": 20, "status_message": "Database Error", "is_error": true},
            {"id": 1, "status": 30, "is_cancelled": true, "run_steps": null}
        ],
        "extra": {
            "filters": {"limit": 3, "offset": 0, "account_id": 7, "job_definition_id": 55, "status__in": "[10,20,30]"},
            "order_by": "-id",
            "pagination": {"count": 3, "total_count": 41}
        }
    });
    let page: types::RunListResponse = decode(body);
    let runs = page.data.expect("data");
    let statuses: Vec<_> = runs.iter().map(|r| r.run_status()).collect();
    assert_eq!(
        statuses,
        vec![
            Some(RunStatus::Success),
            Some(RunStatus::Error),
            Some(RunStatus::Cancelled)
        ]
    );
    assert!(
        runs.iter()
            .all(|r| r.run_status().is_some_and(RunStatus::is_terminal))
    );
    let extra = page.extra.expect("extra");
    assert_eq!(extra.order_by.as_deref(), Some("-id"));
    let pagination = extra.pagination.expect("pagination");
    assert_eq!(
        (pagination.count, pagination.total_count),
        (Some(3), Some(41))
    );
    let filters = extra.filters.expect("filters");
    assert_eq!(filters.get("job_definition_id"), Some(&json!(55)));
}

#[test]
fn a_job_with_an_unknown_job_type_and_null_schedule_parts_decodes() {
    let body = json!({
        "status": ok_status(),
        "data": [{
            "id": 55,
            "account_id": 7,
            "project_id": 3,
            "environment_id": 12,
            "name": "nightly",
            "description": "",
            "dbt_version": null,
            "raw_dbt_version": "1.9.0",
            "execute_steps": ["dbt seed", "dbt build"],
            "settings": {"threads": 8, "target_name": "prod"},
            "execution": {"timeout_seconds": 0},
            "triggers": {"github_webhook": false, "schedule": true, "git_provider_webhook": null,
                         "on_merge": null, "custom_branch_only": null},
            "schedule": {
                "cron": "0 */2 * * *",
                "date": {"type": "every_day", "days": null, "cron": null},
                "time": {"type": "every_hour", "interval": 2, "hours": null}
            },
            "job_type": "semantic_sync",
            "state": 1,
            "generate_docs": true,
            "run_generate_sources": false,
            "deferring_environment_id": null,
            "deferring_job_definition_id": null,
            "job_completion_trigger_condition": {"condition": {"job_id": 54, "project_id": 3, "statuses": [10, 20]}},
            "triggers_on_draft_pr": false,
            "run_lint": null,
            "errors_on_lint_failure": true,
            "cron_humanized": "Every 2 hours",
            "next_run": "2024-05-01T12:00:00Z",
            "next_run_humanized": "in 1 hour",
            "is_deferrable": false,
            "lifecycle_webhooks": false,
            "cost_optimization_features": [],
            "created_at": "2023-01-10T09:00:00.123456Z",
            "updated_at": "2024-04-30T09:00:00.123456Z",
            "environment": null
        }],
        "extra": {"filters": {}, "order_by": null, "pagination": {"count": 1, "total_count": 1}}
    });
    let page: types::JobListResponse = decode(body);
    let job = page.data.expect("data").remove(0);
    assert_eq!(job.job_type.as_deref(), Some("semantic_sync"));
    assert_eq!(job.dbt_version, None);
    assert_eq!(
        job.execute_steps,
        Some(vec!["dbt seed".to_string(), "dbt build".to_string()])
    );
    assert_eq!(job.settings.as_ref().and_then(|s| s.threads), Some(8));
    let schedule = job.schedule.expect("schedule");
    assert_eq!(schedule.cron.as_deref(), Some("0 */2 * * *"));
    assert_eq!(schedule.date.as_ref().and_then(|d| d.days.clone()), None);
    assert_eq!(schedule.time.as_ref().and_then(|t| t.interval), Some(2));
    let condition = job
        .job_completion_trigger_condition
        .and_then(|c| c.condition)
        .expect("condition");
    assert_eq!(condition.statuses, Some(vec![10, 20]));
    assert_eq!(job.triggers.and_then(|t| t.git_provider_webhook), None);
    assert_eq!(
        job.created_at.as_deref(),
        Some("2023-01-10T09:00:00.123456Z")
    );
    assert_eq!(page.extra.and_then(|e| e.order_by), None);
}

#[test]
fn an_account_on_a_plan_that_does_not_exist_yet_decodes() {
    let body = json!({
        "status": ok_status(),
        "data": [{
            "id": 7, "name": "Acme", "plan": "galactic_2031", "state": 1, "run_slots": 5,
            "developer_seats": 10, "read_only_seats": 0, "it_seats": 1, "locked": false,
            "lock_reason": null, "lock_cause": null, "unlocked_at": null, "pending_cancel": false,
            "billing_email_address": null, "identifier": "act_1a2b", "docs_job_id": null,
            "freshness_job_id": null, "groups": [{"id": 1, "name": "Owner"}],
            "created_at": "2020-01-01T00:00:00Z", "updated_at": null
        }],
        "extra": {"filters": {"limit": 100, "offset": 0}, "order_by": "id", "pagination": {"count": 1, "total_count": 1}}
    });
    let page: types::AccountListResponse = decode(body);
    let account = page.data.expect("data").remove(0);
    assert_eq!(account.plan.as_deref(), Some("galactic_2031"));
    assert_eq!(account.lock_reason, None);
    assert_eq!(account.run_slots, Some(5));
}

#[test]
fn projects_environments_and_repositories_decode_with_nulls_and_related_objects() {
    let project: types::ProjectResponse = decode(json!({
        "status": ok_status(),
        "data": {
            "id": 3, "account_id": 7, "name": "analytics", "description": null, "connection_id": null,
            "repository_id": 4, "semantic_layer_config_id": null, "state": 1, "type": 0,
            "dbt_project_subdirectory": null, "docs_job_id": null, "freshness_job_id": null,
            "created_at": "2022-02-02T02:02:02Z", "updated_at": "2022-02-02T02:02:02Z",
            "connection": {"id": 8, "type": "snowflake", "details": {"account": "xy"}},
            "repository": {"id": 4, "remote_url": "git@github.com:acme/analytics.git",
                           "git_clone_strategy": "a_new_strategy", "remote_backend": "github"},
            "environments": [{"id": 12, "type": "development", "supports_docs": false}],
            "group_permissions": null
        }
    }));
    let project = project.data.expect("data");
    assert_eq!(project.type_, Some(0));
    assert_eq!(project.description, None);
    assert_eq!(
        project
            .repository
            .as_ref()
            .and_then(|r| r.git_clone_strategy.as_deref()),
        Some("a_new_strategy")
    );
    assert_eq!(project.environments.as_ref().map(Vec::len), Some(1));
    assert!(
        project
            .connection
            .is_some_and(|c| c.contains_key("details"))
    );

    let environments: types::EnvironmentListResponse = decode(json!({
        "status": ok_status(),
        "data": [{"id": 12, "account_id": 7, "project_id": 3, "name": "Prod", "type": "deployment",
                  "deployment_type": "production", "dbt_version": "latest", "raw_dbt_version": "1.9.1",
                  "custom_branch": null, "use_custom_branch": false, "credentials_id": null,
                  "enable_model_query_history": true}],
        "extra": {"filters": {"project_id": 3}, "order_by": "id", "pagination": {"count": 1, "total_count": 1}}
    }));
    let environment = environments.data.expect("data").remove(0);
    assert_eq!(environment.deployment_type.as_deref(), Some("production"));
    assert_eq!(environment.custom_branch, None);

    let repository: types::RepositoryResponse = decode(json!({
        "status": ok_status(),
        "data": {"id": 4, "account_id": 7, "project_id": 3, "full_name": "acme/analytics",
                 "remote_url": "git://github.com/acme/analytics.git", "remote_backend": "github",
                 "git_clone_strategy": "github_app", "github_installation_id": 123456,
                 "pull_request_url_template": null, "deploy_key": null, "state": 1,
                 "created_at": "2022-02-02T02:02:02Z", "updated_at": null}
    }));
    let repository = repository.data.expect("data");
    assert_eq!(repository.full_name.as_deref(), Some("acme/analytics"));
    assert_eq!(repository.github_installation_id, Some(123_456));
    assert_eq!(repository.pull_request_url_template, None);
}

#[test]
fn the_artifact_list_decodes() {
    let list: types::ArtifactListResponse = decode(json!({
        "status": ok_status(),
        "data": ["manifest.json", "run_results.json", "compiled/analytics/models/orders.sql"]
    }));
    assert_eq!(
        list.data.expect("data")[2],
        "compiled/analytics/models/orders.sql"
    );
}

#[test]
fn error_bodies_decode_and_carry_dbt_s_user_message() {
    let unauthorized: types::ErrorResponse = decode(json!({
        "status": {"code": 401, "is_success": false, "user_message": "Invalid token.", "developer_message": null},
        "data": null
    }));
    assert_eq!(
        unauthorized.status.and_then(|s| s.user_message).as_deref(),
        Some("Invalid token.")
    );
    assert_eq!(unauthorized.data, None);

    let forbidden: types::ErrorResponse = decode(json!({
        "status": {"code": 403, "is_success": false, "user_message": "Forbidden: Access denied", "developer_message": null},
        "data": {"account_id": 7, "user_id": 99, "is_service_token": true, "account_access_denied": true}
    }));
    assert_eq!(
        forbidden.data.expect("data")["is_service_token"],
        json!(true)
    );

    let invalid: types::ErrorResponse = decode(json!({
        "status": {"code": 400, "is_success": false,
                   "user_message": "The request was invalid. Please double check the provided data and try again.",
                   "developer_message": ""},
        "data": {"cause": ["This field may not be blank."]},
        "extra": {}
    }));
    assert_eq!(
        invalid.data.expect("data")["cause"][0],
        json!("This field may not be blank.")
    );

    // Not enveloped: dbt's web framework answers some errors itself.
    let bare: types::ErrorResponse = decode(json!({"detail": "Not found."}));
    assert_eq!(bare.detail.as_deref(), Some("Not found."));
    assert!(bare.status.is_none());
}

#[test]
fn a_trigger_request_sends_only_what_was_set() {
    let request: types::TriggerJobRunRequest = types::TriggerJobRunRequest::builder()
        .cause("Triggered from CI")
        .git_branch(Some("feature/x".to_string()))
        .steps_override(vec!["dbt build -s orders".to_string()])
        .try_into()
        .expect("valid request");
    assert_eq!(
        serde_json::to_value(&request).expect("serializes"),
        json!({"cause": "Triggered from CI", "git_branch": "feature/x", "steps_override": ["dbt build -s orders"]})
    );
    let missing_cause: Result<types::TriggerJobRunRequest, _> =
        types::TriggerJobRunRequest::builder().try_into();
    assert!(missing_cause.is_err(), "cause is required");
}

#[test]
fn run_status_maps_every_known_code_both_ways() {
    let known = [
        (1, RunStatus::Queued, false),
        (2, RunStatus::Starting, false),
        (3, RunStatus::Running, false),
        (10, RunStatus::Success, true),
        (20, RunStatus::Error, true),
        (30, RunStatus::Cancelled, true),
    ];
    for (code, status, terminal) in known {
        assert_eq!(RunStatus::from(code), status);
        assert_eq!(status.code(), code);
        assert_eq!(i64::from(status), code);
        assert_eq!(status.is_terminal(), terminal, "{status}");
    }
    assert!(RunStatus::Success.is_success());
    assert!(!RunStatus::Error.is_success());
}

#[test]
fn an_unknown_run_status_is_kept_and_not_terminal() {
    for code in [0, 4, 5, 25, 99, -1] {
        let status = RunStatus::from(code);
        assert_eq!(status, RunStatus::Unknown(code));
        assert_eq!(status.code(), code);
        assert!(!status.is_terminal());
    }
}

#[test]
fn run_status_displays_like_dbt_s_status_humanized() {
    assert_eq!(RunStatus::Queued.to_string(), "Queued");
    assert_eq!(RunStatus::Starting.to_string(), "Starting");
    assert_eq!(RunStatus::Running.to_string(), "Running");
    assert_eq!(RunStatus::Success.to_string(), "Success");
    assert_eq!(RunStatus::Error.to_string(), "Error");
    assert_eq!(RunStatus::Cancelled.to_string(), "Cancelled");
    assert_eq!(RunStatus::Unknown(5).to_string(), "Unknown status 5");
}

/// The generated source, to check the signature of every operation.
const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/generated_client.rs"));

/// `(builder name, success type)` of every generated operation, read from the signature of each
/// builder's `send` (prettyplease wraps long signatures over several lines).
fn operation_success_types() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut builder: Option<String> = None;
    let mut signature: Option<String> = None;
    for line in GENERATED.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("impl<'a> ") {
            builder = rest.split('<').next().map(str::to_string);
        }
        if line.starts_with("pub async fn send(") {
            signature = Some(String::new());
        }
        if let Some(text) = signature.as_mut() {
            text.push_str(line);
            if line.ends_with('{') {
                let success = text
                    .split("ResponseValue<")
                    .nth(1)
                    .and_then(|rest| rest.split(">,").next())
                    .unwrap_or_default()
                    .to_string();
                out.push((builder.clone().unwrap_or_default(), success));
                signature = None;
            }
        }
    }
    out
}

/// The derived spec's operations as `(METHOD, operationId)`, read from its text (the file is
/// written with a fixed layout: methods at four spaces, operationId right below).
fn spec_operations() -> Vec<(String, String)> {
    let spec = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/dbt-cloud-administrative-api-openapi.yml"
    ))
    .expect("the derived spec");
    let mut out = Vec::new();
    let mut method: Option<String> = None;
    for line in spec.lines() {
        let trimmed = line.trim_end();
        if let Some(m) = trimmed
            .strip_prefix("    ")
            .and_then(|rest| rest.strip_suffix(':'))
            .filter(|m| ["get", "put", "post", "delete", "patch"].contains(m))
        {
            method = Some(m.to_uppercase());
        } else if let Some(id) = trimmed.trim_start().strip_prefix("operationId: ")
            && let Some(m) = method.take()
        {
            out.push((m, id.trim_matches('\'').to_string()));
        }
    }
    out
}

#[test]
fn only_deletes_throw_their_response_body_away_and_no_body_is_untyped_json() {
    let operations = operation_success_types();
    let declared = spec_operations();
    assert!(
        declared.len() >= 91,
        "the typed surface has at least 91 operations, found {}",
        declared.len()
    );
    // One generated method per operation of the derived spec.
    assert_eq!(
        operations.len(),
        declared.len(),
        "expected one method per operation, found {operations:?}"
    );
    let pascal = |id: &str| {
        let mut chars = id.chars();
        chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default()
    };
    let mut deletes: Vec<String> = declared
        .iter()
        .filter(|(m, _)| m == "DELETE")
        .map(|(_, id)| pascal(id))
        .collect();
    deletes.sort();
    let mut unit: Vec<String> = operations
        .iter()
        .filter(|(_, t)| t == "()")
        .map(|(n, _)| n.clone())
        .collect();
    unit.sort();
    assert_eq!(unit, deletes);
    assert!(deletes.contains(&"DeleteJob".to_string()), "{deletes:?}");
    assert!(
        deletes.contains(&"BulkDeleteEnvironmentVariables".to_string()),
        "{deletes:?}"
    );
    let untyped: Vec<_> = operations
        .iter()
        .filter(|(_, t)| t.contains("serde_json") || t.is_empty())
        .collect();
    assert!(
        untyped.is_empty(),
        "operations without a typed body: {untyped:?}"
    );
}

#[test]
fn artifact_downloads_return_the_raw_bytes() {
    let operations = operation_success_types();
    for name in ["GetRunArtifact", "GetJobArtifact"] {
        let artifact = operations
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} is generated"));
        assert_eq!(artifact.1, "ByteStream", "{name}");
    }
}

/// Never run: it compiles only if the generated methods have the types the tests above assume.
#[allow(dead_code)]
async fn signatures(client: &dbt_cloud_api::Client) {
    // progenitor's own types: the crate root's `Error` is the hand-written one.
    use progenitor_client::{ByteStream, Error, ResponseValue};
    let _: Result<ResponseValue<ByteStream>, Error<types::ErrorResponse>> = client
        .get_run_artifact()
        .account_id(1)
        .run_id(2)
        .path("run_results.json")
        .step(std::num::NonZeroU64::MIN)
        .send()
        .await;
    let _: Result<ResponseValue<()>, Error<types::ErrorResponse>> =
        client.delete_job().account_id(1).job_id(2).send().await;
    let _: Result<ResponseValue<types::RunListResponse>, Error<types::ErrorResponse>> = client
        .list_runs()
        .account_id(1)
        .job_definition_id(55)
        .status_in("[10,20]")
        .include_related("trigger,run_steps")
        .order_by("-id")
        .offset(0)
        .limit(100)
        .send()
        .await;
}

// --- The configuration (v3) surface and the rest of v2 -------------------------------------

/// A value typed `SecretString` as JSON, whatever Rust type the client maps it to.
fn secret_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("a secret serializes")
}

#[test]
fn a_created_service_token_carries_its_value_once_and_grants_decode() {
    let body = json!({
        "status": ok_status(),
        "data": {
            "id": 11, "account_id": 7, "uid": "abc123", "name": "ci", "state": 1, "last_used": null,
            "metadata_only": false, "webhooks_only": false,
            "permission_grants": [
                {"permission_set": "job_admin", "project_id": 3, "writable_environment_categories": ["all"]},
                {"permission_set": "a_set_from_the_future", "project_id": null, "all_projects": true}
            ],
            "token_string": "dbtc_secret_value",
            "semantic_layer_credentials": [], "expires_at": null,
            "created_at": "2024-05-01 10:00:00.000000+00:00", "updated_at": "2024-05-01T10:00:00Z"
        }
    });
    let token = decode::<types::ServiceTokenResponse>(body)
        .data
        .expect("data");
    assert_eq!(token.id, 11);
    assert_eq!(
        secret_json(&token.token_string.expect("token_string")),
        json!("dbtc_secret_value")
    );
    let grants = token.permission_grants.expect("grants");
    assert_eq!(
        grants[1].permission_set.as_deref(),
        Some("a_set_from_the_future")
    );
    assert_eq!(grants[1].all_projects, Some(true));
    assert_eq!(grants[0].project_id, Some(3));

    // Listings never carry the value.
    let page: types::ServiceTokenListResponse = decode(json!({
        "status": ok_status(),
        "data": [{"id": 11, "name": "ci", "state": 1}],
        "extra": {"filters": {}, "order_by": null, "pagination": {"count": 1, "total_count": 1}}
    }));
    assert_eq!(page.data.expect("data")[0].token_string, None);
}

#[test]
fn a_webhook_subscription_has_a_string_id_and_its_secret() {
    let body = json!({
        "status": {"code": 201},
        "data": {
            "id": "wsu_2bsV9Xk1", "account_id": 7, "account_identifier": "act_x",
            "name": "runs", "description": null, "client_url": "https://hooks.example.com/dbt",
            "event_types": ["job.run.completed", "job.run.some_new_event"], "job_ids": [],
            "active": true, "hmac_secret": "whsec_abc", "http_status_code": null,
            "dispatched_at": null, "deactivate_reason": null, "a_field_from_the_future": {"x": 1}
        }
    });
    let sub = decode::<types::WebhookSubscriptionResponse>(body)
        .data
        .expect("data");
    assert_eq!(sub.id, "wsu_2bsV9Xk1");
    assert_eq!(
        secret_json(&sub.hmac_secret.expect("secret")),
        json!("whsec_abc")
    );
    assert_eq!(sub.event_types.expect("events").len(), 2);
    assert_eq!(sub.job_ids, Some(vec![]));

    let events: types::WebhookEventListResponse = decode(json!({
        "status": {"code": 200},
        "data": [{"id": "wev_1", "subscription_id": "wsu_2bsV9Xk1", "account_id": "7", "job_id": "55",
                  "trigger_event_type": "job.run.completed", "payload": "{}", "http_status_code": "200"}],
        "extra": {"filters": {"limit": 10, "offset": 0}, "pagination": {"count": 1, "total_count": 1}}
    }));
    assert_eq!(events.data.expect("data")[0].job_id.as_deref(), Some("55"));
}

#[test]
fn environment_variables_by_environment_decode_as_nested_maps() {
    let body = json!({
        "status": ok_status(),
        "data": {
            "environments": ["project", "Dev", "Prod"],
            "variables": {
                "DBT_SCHEMA": {"project": {"id": 1, "value": "analytics"}, "Prod": {"id": 2, "value": "prod"}},
                "DBT_ENV_SECRET_KEY": {"project": {"id": 3, "value": "**********"}}
            }
        }
    });
    let listing = decode::<types::EnvironmentVariablesByEnvironmentResponse>(body)
        .data
        .expect("data");
    let variables = listing.variables.expect("variables");
    assert_eq!(
        variables["DBT_SCHEMA"]["Prod"].value.as_deref(),
        Some("prod")
    );
    assert_eq!(variables["DBT_SCHEMA"]["project"].id, 1);
    assert_eq!(variables.len(), 2);

    let by_job: types::EnvironmentVariablesByScopeResponse = decode(json!({
        "status": ok_status(),
        "data": {"DBT_SCHEMA": {"project": {"id": 1, "value": "analytics"}, "environment": null,
                                "job": {"id": 9, "value": "ci"}}}
    }));
    let values = &by_job.data.expect("data")["DBT_SCHEMA"];
    assert_eq!(
        values.job.as_ref().and_then(|v| v.value.as_deref()),
        Some("ci")
    );
    assert!(values.environment.is_none());
}

#[test]
fn a_bulk_environment_variable_body_keeps_every_environment_value() {
    // The shape the Terraform provider sends: the name, the project default, one key per
    // environment. The values land in `extra`, beside the name, and serialize back flat.
    let sent = json!({"env_var": {"new_name": "DBT_ENV_SECRET_TOKEN", "project": "default", "Prod": "p", "Dev": "d"}});
    let body: types::BulkCreateEnvironmentVariablesRequest = decode(sent.clone());
    assert_eq!(body.env_var.new_name.as_str(), "DBT_ENV_SECRET_TOKEN");
    assert_eq!(body.env_var.extra.len(), 2);
    assert_eq!(secret_json(&body.env_var.extra["Prod"]), json!("p"));
    assert_eq!(serde_json::to_value(&body).expect("serializes"), sent);
    // A blank name is refused when decoding too, not only by the builder.
    let blank = serde_json::from_value::<types::BulkCreateEnvironmentVariablesRequest>(
        json!({"env_var": {"new_name": "  "}}),
    );
    assert!(blank.is_err(), "{blank:?}");
}

#[test]
fn connections_credentials_groups_and_notifications_decode_with_nulls() {
    let connections: types::ConnectionListResponse = decode(json!({
        "status": ok_status(),
        "data": [{"id": 8, "account_id": 7, "name": "Snowflake", "adapter_version": "snowflake_v0",
                  "private_link_endpoint_id": null, "is_ssh_tunnel_enabled": false,
                  "oauth_configuration_id": null, "environment__count": 2,
                  "config": {"account": "xy123", "database": "ANALYTICS", "warehouse": "WH", "role": null,
                             "a_setting_from_the_future": true}}],
        "extra": {"filters": {}, "order_by": null, "pagination": {"count": 1, "total_count": 1}}
    }));
    let connection = connections.data.expect("data").remove(0);
    assert_eq!(connection.environment_count, Some(2));
    let config = connection.config.expect("config");
    assert_eq!(config.account.as_deref(), Some("xy123"));
    assert_eq!(config.private_key, None);

    let credential: types::CredentialResponse = decode(json!({
        "status": ok_status(),
        "data": {"id": 5, "account_id": 7, "project_id": 3, "type": "snowflake", "state": 1, "threads": 4,
                 "auth_type": "keypair", "schema": "dbt_prod", "user": "DBT", "target_name": "prod",
                 "_refresh_token": null}
    }));
    let credential = credential.data.expect("data");
    assert_eq!((credential.id, credential.threads), (5, Some(4)));

    let group: types::GroupResponse = decode(json!({
        "status": ok_status(),
        "data": {"id": 2, "name": "Analysts", "assign_by_default": false, "sso_mapping_groups": null,
                 "scim_managed": false, "member_count": 12,
                 "group_permissions": [{"id": 1, "group_id": 2, "project_id": null, "all_projects": true,
                                        "permission_set": "analyst", "writable_environment_categories": []}]}
    }));
    let group = group.data.expect("data");
    assert_eq!(
        group.group_permissions.expect("permissions")[0].all_projects,
        Some(true)
    );

    let notifications: types::NotificationListResponse = decode(json!({
        "status": ok_status(),
        "data": [{"id": 4, "account_id": 7, "user_id": 9, "type": 2, "slack_channel_id": "C01",
                  "slack_channel_name": "#dbt", "on_failure": [55, 56], "on_success": [],
                  "on_cancel": null, "on_warning": null, "state": 1,
                  "user": {"first_name": "Ada", "last_name": "L"}}],
        "extra": {"filters": {}, "order_by": null, "pagination": {"count": 1, "total_count": 1}}
    }));
    assert_eq!(
        notifications.data.expect("data")[0].on_failure,
        Some(vec![55, 56])
    );
}
