//! The configuration API (v3, and the v2 additions) on its own, over plain reqwest: CRUD
//! changes later listings, v2 and v3 share projects, 404 and field-naming 400 envelopes,
//! pagination and filters on the new lists, secrets masked, env var bulk edits and listings,
//! permissions and group assignment, run step / failure details / retry.

mod common;

use std::time::Duration;

use common::{call, get_url, post_url, start, v3};
use dbt_cloud_mock::{JobScript, MockServer, demo_ids, status};
use serde_json::{Value, json};

fn v2(mock: &MockServer, tail: &str) -> String {
    common::url(mock, tail)
}

fn ids(body: &Value) -> Vec<Value> {
    body["data"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| item["id"].clone())
        .collect()
}

fn project_path(tail: &str) -> String {
    format!("/projects/{}{tail}", demo_ids::PROJECT)
}

#[tokio::test]
async fn v3_accounts_projects_and_environments_are_the_v2_objects() {
    let mock = start().await;
    let (status, accounts) = get_url(format!("{}/api/v3/accounts/", mock.base_url())).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&accounts), vec![json!(demo_ids::ACCOUNT)]);
    let (status, account) = get_url(v3(&mock, "/")).await;
    assert_eq!(
        (status, &account["data"]["name"]),
        (200, &json!("Demo Analytics"))
    );

    let (_, listed) = get_url(v3(&mock, "/projects/?order_by=-name")).await;
    assert_eq!(
        ids(&listed),
        vec![json!(demo_ids::PROJECT), json!(demo_ids::OTHER_PROJECT)]
    );
    let (_, envs) = get_url(v3(&mock, &project_path("/environments/"))).await;
    assert_eq!(
        ids(&envs),
        vec![
            json!(demo_ids::DEV_ENVIRONMENT),
            json!(demo_ids::PROD_ENVIRONMENT)
        ]
    );
    // An environment of another project is not found under this one.
    let (status, body) = get_url(v3(
        &mock,
        &project_path(&format!("/environments/{}/", demo_ids::OTHER_ENVIRONMENT)),
    ))
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        body["status"]["developer_message"],
        json!("Environment not found")
    );
}

#[tokio::test]
async fn a_project_created_through_v3_is_listed_by_v2_then_deleted_everywhere() {
    let mock = start().await;
    let (status, created) = post_url(
        v3(&mock, "/projects/"),
        json!({"name": "marketing", "description": "Marketing marts"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let project = &created["data"];
    let id = project["id"].as_i64().expect("integer id");
    assert_eq!(project["account_id"], json!(demo_ids::ACCOUNT));
    assert_eq!(project["state"], json!(1));
    assert!(project["created_at"].as_str().unwrap().contains('T'));

    let (_, v2_list) = get_url(v2(&mock, "/projects/?name__icontains=MARK")).await;
    assert_eq!(ids(&v2_list), vec![json!(id)]);

    let (status, updated) = post_url(
        v3(&mock, &format!("/projects/{id}/")),
        json!({"name": "marketing-renamed"}),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["data"]["description"], json!("Marketing marts"));
    let (_, fetched) = get_url(v2(&mock, &format!("/projects/{id}/"))).await;
    assert_eq!(fetched["data"]["name"], json!("marketing-renamed"));

    // An environment under the new project, listed by v2's account-level list too.
    let (status, env) = post_url(
        v3(&mock, &format!("/projects/{id}/environments/")),
        json!({"name": "Production", "type": "deployment", "deployment_type": "production"}),
    )
    .await;
    assert_eq!(status, 201, "{env}");
    let env_id = env["data"]["id"].clone();
    assert_eq!(env["data"]["project_id"], json!(id));
    let (_, v2_envs) = get_url(v2(&mock, &format!("/environments/?project_id={id}"))).await;
    assert_eq!(ids(&v2_envs), vec![env_id]);

    let (status, body) = call(
        reqwest::Method::DELETE,
        v3(&mock, &format!("/projects/{id}/")),
        None,
    )
    .await;
    assert_eq!((status, body), (204, Value::Null));
    let (status, _) = get_url(v3(&mock, &format!("/projects/{id}/"))).await;
    assert_eq!(status, 404);
    let (_, remaining) = get_url(v2(&mock, "/projects/")).await;
    assert!(!ids(&remaining).contains(&json!(id)));
    let (_, deleted) = get_url(v3(&mock, "/projects/?state=deleted")).await;
    assert_eq!(ids(&deleted), vec![json!(id)]);
    // Its children are out of reach with it.
    let (status, _) = get_url(v3(&mock, &format!("/projects/{id}/environments/"))).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn invalid_bodies_get_400s_naming_the_field() {
    let mock = start().await;
    let cases = [
        ("/projects/", json!({}), "name", "This field is required."),
        (
            "/projects/",
            json!({"name": "  "}),
            "name",
            "This field may not be blank.",
        ),
        (
            "/projects/",
            json!({"name": 7}),
            "name",
            "Not a valid string.",
        ),
        (
            "/groups/",
            json!({"name": "g", "assign_by_default": "yes"}),
            "assign_by_default",
            "Must be a valid boolean.",
        ),
        (
            "/webhooks/subscriptions",
            json!({"name": "w", "client_url": "hooks.example.com/x",
                   "event_types": ["job.run.completed"], "active": true}),
            "client_url",
            "",
        ),
    ];
    for (tail, body, field, message) in cases {
        let (status, answer) = post_url(v3(&mock, tail), body.clone()).await;
        assert_eq!(status, 400, "{tail} {body}: {answer}");
        assert_eq!(answer["status"]["is_success"], json!(false));
        let got = answer["data"][field]
            .as_str()
            .unwrap_or_else(|| panic!("{answer}"));
        assert!(got.starts_with(message), "{tail} {body}: {got}");
    }
    let (status, answer) = post_url(
        v3(&mock, &project_path("/environment-variables/")),
        json!({"name": "lower_case", "type": "project"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(answer["data"]["name"].as_str().unwrap().contains("DBT_"));
    let (status, answer) = post_url(
        v3(&mock, &project_path("/environments/")),
        json!({"name": "QA", "type": "sandbox"}),
    )
    .await;
    assert_eq!(
        (status, &answer["data"]["type"]),
        (400, &json!("\"sandbox\" is not a valid choice."))
    );
    // Nothing was created by the refused bodies.
    let (_, projects) = get_url(v3(&mock, "/projects/")).await;
    assert_eq!(projects["extra"]["pagination"]["total_count"], json!(2));
}

#[tokio::test]
async fn unknown_ids_and_unknown_parents_are_404_envelopes() {
    let mock = start().await;
    for (tail, what) in [
        ("/groups/424242/", "Group not found"),
        ("/service-tokens/424242/", "Service token not found"),
        ("/connections/424242/", "Connection not found"),
        (
            "/webhooks/subscription/wsu_424242",
            "Webhook subscription not found",
        ),
        ("/projects/424242/credentials/", "Project not found"),
        ("/users/424242/", "User not found"),
    ] {
        let (status, body) = get_url(v3(&mock, tail)).await;
        assert_eq!(status, 404, "{tail}");
        assert_eq!(body["status"]["developer_message"], json!(what), "{tail}");
        assert_eq!(body["data"], Value::Null);
    }
    let (status, _) = get_url(v2(&mock, "/notifications/424242/")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn new_lists_paginate_filter_and_order() {
    let mock = start().await;
    for i in 0..7 {
        let (status, body) = post_url(
            v2(&mock, "/notifications/"),
            json!({"user_id": if i % 2 == 0 { demo_ids::ADMIN_USER } else { demo_ids::ANALYST_USER },
                   "type": 1, "on_failure": [demo_ids::DAILY_JOB]}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    // 1 seeded + 4 created for the admin.
    let (_, page) = get_url(v2(
        &mock,
        &format!(
            "/notifications/?user_id={}&limit=2&offset=2&order_by=-id",
            demo_ids::ADMIN_USER
        ),
    ))
    .await;
    assert_eq!(
        page["extra"]["pagination"],
        json!({"count": 2, "total_count": 5})
    );
    assert_eq!(
        page["extra"]["filters"]["user_id"],
        json!(demo_ids::ADMIN_USER)
    );
    assert_eq!(page["extra"]["order_by"], json!("-id"));
    let listed = ids(&page);
    assert!(listed[0].as_i64() > listed[1].as_i64());

    let (status, body) = get_url(v2(&mock, "/notifications/?order_by=colour")).await;
    assert_eq!(status, 400);
    assert!(body["data"]["order_by"].is_string());
    let (status, body) = get_url(v3(&mock, "/groups/?limit=x")).await;
    assert_eq!(
        (status, &body["data"]["limit"]),
        (400, &json!("A valid integer is required."))
    );
    let (_, groups) = get_url(v3(&mock, "/groups/?name__icontains=own")).await;
    assert_eq!(ids(&groups), vec![json!(demo_ids::OWNER_GROUP)]);
}

#[tokio::test]
async fn secrets_are_masked_or_shown_only_at_creation() {
    let mock = start().await;
    // Credentials: the password is write-only.
    let (status, created) = post_url(
        v3(&mock, &project_path("/credentials/")),
        json!({"type": "postgres", "username": "dbt", "password": "hunter2-canary", "threads": 4}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert!(!created.to_string().contains("hunter2-canary"));
    let id = created["data"]["id"].as_i64().unwrap();
    let (_, read) = get_url(v3(&mock, &project_path(&format!("/credentials/{id}/")))).await;
    assert_eq!(read["data"]["username"], json!("dbt"));
    assert!(!read.to_string().contains("hunter2-canary"));
    let (_, seeded) = get_url(v3(&mock, &project_path("/credentials/"))).await;
    assert!(!seeded.to_string().contains("fixture-password-not-shown"));

    // Service tokens: the value once, at creation.
    let (status, token) = post_url(
        v3(&mock, "/service-tokens/"),
        json!({"name": "ci", "permission_grants": [{"permission_set": "job_runner", "all_projects": true}]}),
    )
    .await;
    assert_eq!(status, 201, "{token}");
    let value = token["data"]["token_string"]
        .as_str()
        .expect("token at creation")
        .to_string();
    assert!(value.starts_with("dbtc_") && value.len() > 20, "{value}");
    let token_id = token["data"]["id"].as_i64().unwrap();
    let (_, read) = get_url(v3(&mock, &format!("/service-tokens/{token_id}/"))).await;
    assert!(read["data"].get("token_string").is_none(), "{read}");
    let (_, all) = get_url(v3(&mock, "/service-tokens/")).await;
    assert!(!all.to_string().contains(&value));

    // Secret env vars: masked on every read.
    let (status, var) = post_url(
        v3(&mock, &project_path("/environment-variables/")),
        json!({"name": "DBT_ENV_SECRET_API_KEY", "type": "project", "raw_value": "s3cr3t-canary"}),
    )
    .await;
    assert_eq!(status, 201, "{var}");
    assert_eq!(var["data"]["display_value"], json!("**********"));
    assert!(!var.to_string().contains("s3cr3t-canary"));
    let (_, listing) = get_url(v3(
        &mock,
        &project_path("/environment-variables/environment/"),
    ))
    .await;
    let text = listing.to_string();
    assert!(!text.contains("s3cr3t-canary") && !text.contains("fixture-secret-not-shown"));
    assert_eq!(
        listing["data"]["variables"]["DBT_ENV_SECRET_API_KEY"]["project"]["value"],
        json!("**********")
    );

    // Webhook subscriptions: the hmac secret once.
    let (status, sub) = post_url(
        v3(&mock, "/webhooks/subscriptions"),
        json!({"name": "h", "client_url": "http://127.0.0.1:9/h",
               "event_types": ["job.run.completed"], "active": false}),
    )
    .await;
    assert_eq!(status, 200, "{sub}");
    let secret = sub["data"]["hmac_secret"]
        .as_str()
        .expect("secret at creation")
        .to_string();
    let sub_id = sub["data"]["id"].as_str().expect("string id").to_string();
    assert!(sub_id.starts_with("wsu_"));
    let (_, read) = get_url(v3(&mock, &format!("/webhooks/subscription/{sub_id}"))).await;
    assert!(!read.to_string().contains(&secret));
}

#[tokio::test]
async fn environment_variables_bulk_edits_and_listings() {
    let mock = start().await;
    let base = project_path("/environment-variables");
    let (status, created) = post_url(
        v3(&mock, &format!("{base}/bulk/")),
        json!({"env_var": {"new_name": "DBT_WAREHOUSE", "project": "XS", "Production": "XL"}}),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["data"]["new_var_ids"].as_array().unwrap().len(), 2);

    let (_, by_env) = get_url(v3(&mock, &format!("{base}/environment/"))).await;
    let data = &by_env["data"];
    assert_eq!(
        data["environments"],
        json!(["project", "Development", "Production"])
    );
    assert_eq!(
        data["variables"]["DBT_WAREHOUSE"]["project"]["value"],
        json!("XS")
    );
    assert_eq!(
        data["variables"]["DBT_WAREHOUSE"]["Production"]["value"],
        json!("XL")
    );
    assert_eq!(
        data["variables"]["DBT_TARGET_SCHEMA"]["Production"]["value"],
        json!("analytics")
    );

    // A job in production sees the production override; a user the project default.
    let (_, job) = get_url(v3(
        &mock,
        &format!("{base}/job/?job_definition_id={}", demo_ids::DAILY_JOB),
    ))
    .await;
    assert_eq!(
        job["data"]["DBT_WAREHOUSE"]["environment"]["value"],
        json!("XL")
    );
    let (status, body) = get_url(v3(&mock, &format!("{base}/job/"))).await;
    assert_eq!(
        (status, &body["data"]["job_definition_id"]),
        (400, &json!("This field is required."))
    );

    let (status, one) = post_url(
        v3(&mock, &format!("{base}/")),
        json!({"name": "DBT_WAREHOUSE", "type": "user", "user_id": demo_ids::ANALYST_USER, "raw_value": "M"}),
    )
    .await;
    assert_eq!(status, 201, "{one}");
    let (_, user) = get_url(v3(
        &mock,
        &format!("{base}/user/?user_id={}", demo_ids::ANALYST_USER),
    ))
    .await;
    assert_eq!(user["data"]["DBT_WAREHOUSE"]["user"]["value"], json!("M"));
    assert_eq!(
        user["data"]["DBT_WAREHOUSE"]["project"]["value"],
        json!("XS")
    );

    // Bulk update: change the default, drop the production override, rename.
    let override_id = data["variables"]["DBT_WAREHOUSE"]["Production"]["id"].to_string();
    let (status, updated) = call(
        reqwest::Method::PUT,
        v3(&mock, &format!("{base}/bulk/")),
        Some(
            json!({"env_vars": {"name": "DBT_WAREHOUSE", "new_name": "DBT_WH",
                                  "project": "S", override_id.as_str(): null}}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        updated["data"]["deleted_var_ids"].as_array().unwrap().len(),
        1
    );
    let (_, by_env) = get_url(v3(&mock, &format!("{base}/environment/"))).await;
    let vars = &by_env["data"]["variables"];
    assert!(vars.get("DBT_WAREHOUSE").is_none());
    assert_eq!(
        vars["DBT_WH"],
        json!({"project": {"id": vars["DBT_WH"]["project"]["id"], "value": "S"}})
    );

    let (status, _) = call(
        reqwest::Method::DELETE,
        v3(&mock, &format!("{base}/bulk/")),
        Some(json!({"name": "DBT_WH"})),
    )
    .await;
    assert_eq!(status, 204);
    let (_, by_env) = get_url(v3(&mock, &format!("{base}/environment/"))).await;
    assert!(by_env["data"]["variables"].get("DBT_WH").is_none());
}

#[tokio::test]
async fn permissions_and_group_membership() {
    let mock = start().await;
    let (_, perms) = get_url(v3(
        &mock,
        &format!("/service-tokens/{}/permissions/", demo_ids::SERVICE_TOKEN),
    ))
    .await;
    assert_eq!(perms["data"][0]["permission_set"], json!("job_admin"));
    assert_eq!(perms["data"][0]["project_id"], json!(demo_ids::PROJECT));

    let (status, assigned) = post_url(
        v3(&mock, &format!("/group-permissions/{}/", demo_ids::MEMBER_GROUP)),
        json!([{"permission_set": "analyst", "project_id": demo_ids::PROJECT, "all_projects": false}]),
    )
    .await;
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(
        assigned["data"][0]["group_id"],
        json!(demo_ids::MEMBER_GROUP)
    );
    let (_, group) = get_url(v3(&mock, &format!("/groups/{}/", demo_ids::MEMBER_GROUP))).await;
    assert_eq!(
        group["data"]["group_permissions"][0]["permission_set"],
        json!("analyst")
    );

    let (status, groups) = post_url(
        v3(&mock, "/assign-groups/"),
        json!({"user_id": demo_ids::ANALYST_USER, "desired_group_ids": [demo_ids::OWNER_GROUP]}),
    )
    .await;
    assert_eq!(status, 200, "{groups}");
    assert_eq!(ids(&groups), vec![json!(demo_ids::OWNER_GROUP)]);
    let (_, user) = get_url(v3(&mock, &format!("/users/{}/", demo_ids::ANALYST_USER))).await;
    assert_eq!(user["data"]["group_ids"], json!([demo_ids::OWNER_GROUP]));
    let (status, bad) = post_url(
        v3(&mock, "/assign-groups/"),
        json!({"user_id": demo_ids::ANALYST_USER, "desired_group_ids": [77]}),
    )
    .await;
    // A well-formed request naming a group that does not exist: a 404 naming the field.
    assert_eq!(status, 404, "{bad}");
    assert!(
        bad["data"]["desired_group_ids"]
            .as_str()
            .unwrap()
            .contains("77")
    );
    // v2 lists the same users.
    let (_, v2_users) = get_url(v2(&mock, "/users/")).await;
    assert_eq!(
        ids(&v2_users),
        vec![json!(demo_ids::ADMIN_USER), json!(demo_ids::ANALYST_USER)]
    );
}

#[tokio::test]
async fn run_steps_failure_details_and_retry() {
    let mock = start().await;
    mock.script_next_run(demo_ids::HOURLY_JOB, JobScript::error().failing_command(1));
    let run = common::trigger(&mock, demo_ids::HOURLY_JOB).await;
    // Not failed (yet): no failure details, no retry (a conflict with the run's state).
    let (status, body) = get_url(v2(&mock, &format!("/runs/{run}/retry/"))).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["data"]["run_id"].is_string(), "{body}");
    mock.advance(Duration::from_secs(3600));
    assert_eq!(mock.run_status(run), Some(status::ERROR));

    let (status, details) = get_url(v2(&mock, &format!("/runs/{run}/retry/"))).await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(
        details["data"]["failed_step"],
        json!("Invoke dbt with `dbt run`")
    );
    assert_eq!(
        details["data"]["skipped_steps"],
        json!(["Invoke dbt with `dbt test`"])
    );

    let (_, with_steps) = get_url(v2(
        &mock,
        &format!("/runs/{run}/?include_related=run_steps"),
    ))
    .await;
    let failed = with_steps["data"]["run_steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == json!(status::ERROR))
        .expect("a failed step")
        .clone();
    let step_id = failed["id"].as_i64().unwrap();
    let (status, step) = get_url(v2(&mock, &format!("/steps/{step_id}/"))).await;
    assert_eq!(status, 200);
    assert_eq!(step["data"], failed);
    let (status, _) = get_url(v2(&mock, "/steps/1/")).await;
    assert_eq!(status, 404);

    let (status, retry) = post_url(v2(&mock, &format!("/runs/{run}/retry/")), json!({})).await;
    assert_eq!(status, 200, "{retry}");
    assert_eq!(retry["data"]["retrying_run_id"], json!(run));
    assert_eq!(retry["data"]["status"], json!(status::QUEUED));
    assert!(
        mock.run_ids()
            .contains(&retry["data"]["id"].as_i64().unwrap())
    );
}

#[tokio::test]
async fn fixtures_seed_the_configuration_kinds_and_refuse_unknown_ones() {
    let mock = start().await;
    let (_, connections) = get_url(v3(&mock, "/connections/")).await;
    assert_eq!(ids(&connections), vec![json!(demo_ids::CONNECTION)]);
    // The project-level view shows the account's connections too.
    let (_, scoped) = get_url(v3(&mock, &project_path("/connections/"))).await;
    assert_eq!(ids(&scoped), vec![json!(demo_ids::CONNECTION)]);
    let err = dbt_cloud_mock::Fixtures::from_json(
        r#"{"accounts": [{"id": 1}], "resources": {"widgets": [{"id": 1}]}}"#,
    )
    .unwrap_err();
    assert!(err.contains("/resources/widgets"), "{err}");
    let err = dbt_cloud_mock::Fixtures::from_json(
        r#"{"accounts": [{"id": 1}], "resources": {"groups": [{"name": "x"}]}}"#,
    )
    .unwrap_err();
    assert!(err.contains("/resources/groups/0"), "{err}");
}
