//! Requests the derived spec calls valid are answered, not refused with a 400: the mock side of
//! "schemathesis finds no schema-valid request refused" (tests/real-clients/schemathesis.sh).
//! Where the answer depends on what is stored (a name taken, a run that did not fail, an id
//! that names nothing), it is a 409 or a 404 that still names the field; malformed values
//! stay 400s.

mod common;

use common::{call, get_url, post_url, start, trigger, v3};
use dbt_cloud_mock::demo_ids;
use serde_json::json;

const BEYOND_I64: &str = "229892389208035182053639061504";

#[tokio::test]
async fn an_offset_beyond_i64_is_an_empty_page_and_a_word_is_still_a_400() {
    let mock = start().await;
    for list in ["/runs/", "/projects/", "/jobs/", "/users/"] {
        let (status, full) = get_url(common::url(&mock, list)).await;
        assert_eq!(status, 200, "{list}: {full}");
        let (status, page) =
            get_url(common::url(&mock, &format!("{list}?offset={BEYOND_I64}"))).await;
        assert_eq!(status, 200, "{list}: {page}");
        assert_eq!(page["data"], json!([]), "{list}");
        assert_eq!(
            page["extra"]["pagination"]["total_count"], full["extra"]["pagination"]["total_count"],
            "{list}"
        );
        let (status, bad) = get_url(common::url(&mock, &format!("{list}?offset=ten"))).await;
        assert_eq!(status, 400, "{list}: {bad}");
        assert!(bad["data"]["offset"].is_string(), "{list}: {bad}");
    }
    let (status, page) = get_url(v3(
        &mock,
        &format!("/groups/?offset={BEYOND_I64}&limit=100"),
    ))
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["data"], json!([]));
}

#[tokio::test]
async fn a_step_beyond_i64_is_a_missing_step() {
    let mock = start().await;
    let run = trigger(&mock, demo_ids::DAILY_JOB).await;
    mock.advance(std::time::Duration::from_secs(3600));
    let path = format!("/runs/{run}/artifacts/manifest.json");
    let (status, _) = get_url(common::url(&mock, &path)).await;
    assert_eq!(status, 200);
    let (status, body) = get_url(common::url(&mock, &format!("{path}?step={BEYOND_I64}"))).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = get_url(common::url(&mock, &format!("{path}?step=0"))).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn the_path_names_the_account_of_a_new_job_whatever_the_body_says() {
    let mock = start().await;
    let (status, job) = post_url(
        common::url(&mock, "/jobs/"),
        json!({"account_id": 0, "project_id": demo_ids::PROJECT,
               "environment_id": demo_ids::PROD_ENVIRONMENT, "name": "from elsewhere",
               "execute_steps": ["dbt build"]}),
    )
    .await;
    assert!(status == 200 || status == 201, "{status}: {job}");
    assert_eq!(job["data"]["account_id"], json!(demo_ids::ACCOUNT));
}

#[tokio::test]
async fn ids_naming_nothing_are_404s_naming_the_field() {
    let mock = start().await;
    for (field, project, environment) in [
        ("project_id", 9_999, demo_ids::PROD_ENVIRONMENT),
        ("environment_id", demo_ids::PROJECT, 0),
    ] {
        let (status, body) = post_url(
            common::url(&mock, "/jobs/"),
            json!({"account_id": demo_ids::ACCOUNT, "project_id": project,
                   "environment_id": environment, "name": "j", "execute_steps": ["dbt build"]}),
        )
        .await;
        assert_eq!(status, 404, "{field}: {body}");
        assert!(body["data"][field].is_string(), "{field}: {body}");
    }
    let (status, body) = call(
        reqwest::Method::DELETE,
        v3(
            &mock,
            &format!(
                "/projects/{}/environment-variables/bulk/",
                demo_ids::PROJECT
            ),
        ),
        Some(json!({"name": "DBT_NOT_THERE"})),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(body["data"]["name"].is_string(), "{body}");
    let (status, body) = post_url(
        v3(
            &mock,
            &format!(
                "/projects/{}/environment-variables/bulk/",
                demo_ids::PROJECT
            ),
        ),
        json!({"env_var": {"new_name": "DBT_NEW", "project": "x", "No such env": "y"}}),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(body["data"]["No such env"].is_string(), "{body}");
}

#[tokio::test]
async fn a_taken_name_is_a_409_naming_the_field() {
    let mock = start().await;
    let (status, body) = post_url(v3(&mock, "/projects/"), json!({"name": "jaffle_shop"})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        body["data"]["name"],
        json!("Project with this name already exists.")
    );
    let (status, _) = post_url(v3(&mock, "/projects/"), json!({"name": "another"})).await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn a_permission_without_project_id_is_taken_and_a_blank_set_is_not() {
    let mock = start().await;
    let url = v3(
        &mock,
        &format!("/group-permissions/{}/", demo_ids::MEMBER_GROUP),
    );
    let (status, body) = post_url(url.clone(), json!([{"permission_set": "analyst"}])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"][0]["permission_set"], json!("analyst"));
    let (status, body) =
        post_url(url, json!([{"permission_set": " ", "all_projects": true}])).await;
    assert_eq!(status, 400, "{body}");
}

/// The spec says which id each level of an environment variable value needs (a `oneOf` on
/// `type`); the generated type must keep every field of the level it picked (an untagged enum
/// that picked the wrong variant would drop the id), and refuse a level without its id.
#[test]
fn environment_variable_levels_keep_their_ids_through_the_generated_type() {
    use dbt_cloud_api::types::CreateEnvironmentVariableRequest;
    for (kind, id_field) in [
        ("environment", "environment_id"),
        ("job", "job_definition_id"),
        ("user", "user_id"),
    ] {
        let body = json!({"name": "DBT_X", "type": kind, id_field: 7, "raw_value": "v"});
        let typed: CreateEnvironmentVariableRequest =
            serde_json::from_value(body.clone()).expect(kind);
        let sent = serde_json::to_value(&typed).expect(kind);
        assert_eq!(sent["type"], json!(kind));
        assert_eq!(sent[id_field], json!(7), "{kind}: {sent}");
        let without_id = json!({"name": "DBT_X", "type": kind});
        assert!(
            serde_json::from_value::<CreateEnvironmentVariableRequest>(without_id).is_err(),
            "{kind} without {id_field}"
        );
    }
    let project: CreateEnvironmentVariableRequest =
        serde_json::from_value(json!({"name": "DBT_X", "type": "project"})).expect("project");
    assert_eq!(
        serde_json::to_value(&project).expect("json")["type"],
        json!("project")
    );
}

#[tokio::test]
async fn every_notification_type_dbt_documents_is_taken() {
    let mock = start().await;
    let user = demo_ids::ADMIN_USER;
    for body in [
        json!({"user_id": user, "type": 3}),
        json!({"user_id": user, "type": 5, "slack_channel_id": "C1", "slack_channel_name": "ops"}),
    ] {
        let (status, answer) = post_url(common::url(&mock, "/notifications/"), body.clone()).await;
        assert!(status == 200 || status == 201, "{body}: {answer}");
    }
    for (body, field) in [
        (json!({"user_id": user, "type": 6}), "type"),
        (json!({"user_id": user, "type": 5}), "slack_channel_id"),
    ] {
        let (status, answer) = post_url(common::url(&mock, "/notifications/"), body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer["data"][field].is_string(), "{body}: {answer}");
    }
}

/// The derived spec's notification request (one `oneOf` branch per kind) and the mock's check
/// of type-dependent fields agree: every body the spec calls valid is created, and each body it
/// refuses for a missing destination gets the mock's 400 naming that field. The spec is
/// stricter in two places, both taken by the mock: type 3 (a deprecated webhook) is not
/// offered, and Slack kinds need the channel name, which dbt documents as required.
#[tokio::test]
async fn a_notification_body_the_spec_calls_valid_is_taken_and_one_it_refuses_names_the_field() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../spec/dbt-cloud-administrative-api-openapi.yml");
    let doc = xtask::document::load_file(&path).expect("the derived spec loads");
    let schema = json!({"$ref": "#/components/schemas/CreateNotificationRequest"});
    let validator = xtask::schema::validator_for(&doc, &schema).expect("the schema compiles");
    let mock = start().await;
    let user = demo_ids::ADMIN_USER;
    let slack = |kind: i64| json!({"user_id": user, "type": kind, "slack_channel_id": "C1", "slack_channel_name": "ops"});
    // (body, None: valid and created | Some(field): refused by both, the mock naming `field`)
    let cases = [
        (
            json!({"user_id": user, "type": 1, "on_failure": [demo_ids::DAILY_JOB]}),
            None,
        ),
        (slack(2), None),
        (slack(5), None),
        (
            json!({"user_id": user, "type": 4, "external_email": "a@example.com"}),
            None,
        ),
        (
            json!({"user_id": user, "type": 2}),
            Some("slack_channel_id"),
        ),
        (
            json!({"user_id": user, "type": 5, "slack_channel_name": "ops"}),
            Some("slack_channel_id"),
        ),
        (json!({"user_id": user, "type": 4}), Some("external_email")),
        (
            json!({"user_id": user, "type": 4, "slack_channel_id": "C1", "slack_channel_name": "ops"}),
            Some("external_email"),
        ),
        (
            json!({"user_id": user, "type": 2, "external_email": "a@example.com"}),
            Some("slack_channel_id"),
        ),
        (json!({"user_id": user, "type": 6}), Some("type")),
    ];
    for (body, refused_field) in cases {
        let spec_errors = xtask::schema::errors(&validator, &body);
        let (status, answer) = post_url(common::url(&mock, "/notifications/"), body.clone()).await;
        match refused_field {
            None => {
                assert!(spec_errors.is_empty(), "{body}: {spec_errors:?}");
                assert_eq!(status, 201, "{body}: {answer}");
            }
            Some(field) => {
                assert!(!spec_errors.is_empty(), "the spec takes {body}");
                assert_eq!(status, 400, "{body}: {answer}");
                assert!(answer["data"][field].is_string(), "{body}: {answer}");
            }
        }
    }
    for taken_by_the_mock_only in [
        json!({"user_id": user, "type": 3}),
        json!({"user_id": user, "type": 5, "slack_channel_id": "C1"}),
    ] {
        assert!(!xtask::schema::errors(&validator, &taken_by_the_mock_only).is_empty());
        let (status, answer) = post_url(
            common::url(&mock, "/notifications/"),
            taken_by_the_mock_only.clone(),
        )
        .await;
        assert_eq!(status, 201, "{taken_by_the_mock_only}: {answer}");
    }
}
