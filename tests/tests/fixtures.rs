//! Fixtures from JSON: partial objects are filled with dbt's fields; errors name the problem.

mod common;

use dbt_cloud_mock::{Fixtures, MockDbtCloud, Quirks};
use serde_json::{Value, json};

#[tokio::test]
async fn a_fixtures_file_with_partial_objects_serves_full_dbt_objects() {
    let fixtures = Fixtures::from_json(
        r#"{"accounts": [{"id": 7, "name": "Seven"}],
            "projects": [{"id": 70, "name": "p"}],
            "environments": [{"id": 700, "project_id": 70}],
            "jobs": [{"id": 7000, "environment_id": 700, "project_id": 70, "name": "only job"}],
            "seed_runs": [{"job_id": 7000, "count": 3}]}"#,
    )
    .unwrap();
    let mock = MockDbtCloud::builder()
        .token(common::TOKEN)
        .fixtures(fixtures)
        .start()
        .await
        .unwrap();
    assert_eq!(mock.account_id(), 7);
    let (status, body) = common::get(&mock, "/jobs/7000/").await;
    assert_eq!(status, 200);
    let job = &body["data"];
    assert_eq!(job["account_id"], json!(7));
    assert_eq!(job["name"], json!("only job"));
    assert_eq!(job["execute_steps"], json!(["dbt build"]));
    assert_eq!(job["dbt_version"], Value::Null);
    let (_, runs) = common::get(&mock, "/runs/").await;
    assert_eq!(runs["extra"]["pagination"]["total_count"], json!(3));
}

#[test]
fn invalid_fixtures_are_reported_with_where() {
    let missing_id =
        Fixtures::from_json(r#"{"accounts": [{"id": 1}], "jobs": [{"name": "x"}]}"#).unwrap_err();
    assert!(missing_id.contains("/jobs/0"), "{missing_id}");
    let no_account = Fixtures::from_json(r#"{"projects": []}"#).unwrap_err();
    assert!(no_account.contains("account"), "{no_account}");
    assert!(
        Fixtures::from_json("{")
            .unwrap_err()
            .contains("invalid fixtures JSON")
    );
}

#[tokio::test]
async fn quirks_can_be_turned_off() {
    let mock = MockDbtCloud::builder()
        .token(common::TOKEN)
        .quirks(Quirks {
            space_separated_run_timestamps: false,
            undeclared_fields: false,
        })
        .start()
        .await
        .unwrap();
    let id = common::trigger(&mock, dbt_cloud_mock::demo_ids::DAILY_JOB).await;
    let (_, body) = common::get(&mock, &format!("/runs/{id}/")).await;
    assert_eq!(
        body["data"]["created_at"],
        json!("2024-06-01T12:00:00.000000+00:00")
    );
    assert!(body["data"].get("run_retries").is_none());
    let default = common::start().await;
    let id = common::trigger(&default, dbt_cloud_mock::demo_ids::DAILY_JOB).await;
    let (_, body) = common::get(&default, &format!("/runs/{id}/")).await;
    assert_eq!(body["data"]["run_retries"], json!([]));
}
