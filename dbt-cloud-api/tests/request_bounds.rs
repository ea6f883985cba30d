//! The bounds dbt enforces on requests are in the spec (issue 12), so the generated builders
//! refuse what dbt would refuse before anything is sent: a negative `offset`, a blank or
//! over-long trigger `cause`, a blank job name or step, a blank environment variable name.
//! progenitor checks a query parameter only through its Rust type (an `offset` is a `u64`), and
//! a body field through the validated newtype typify makes of a bounded string.

mod common;

use std::time::Duration;

use dbt_cloud_api::types;

/// A client whose every request would fail to connect: a refusal must come from the builder.
fn offline_client() -> dbt_cloud_api::DbtCloud {
    common::client_for(
        "http://127.0.0.1:9",
        common::TOKEN,
        1,
        Duration::from_millis(200),
    )
}

fn trigger_body(cause: &str) -> Result<types::TriggerJobRunRequest, String> {
    types::TriggerJobRunRequest::builder()
        .cause(cause)
        .try_into()
        .map_err(|e: types::error::ConversionError| e.to_string())
}

#[tokio::test]
async fn a_negative_offset_is_refused_before_sending() {
    let dbt = offline_client();
    let refused = dbt.list_runs().account_id(1).offset(-1).send().await;
    match refused {
        Err(progenitor_client::Error::InvalidRequest(message)) => {
            assert!(message.contains("offset"), "{message}")
        }
        other => panic!("expected the builder to refuse offset -1, got {other:?}"),
    }
    // offset 0 passes the builder: the request is sent, and fails to connect instead.
    let sent = dbt.list_runs().account_id(1).offset(0).send().await;
    assert!(
        !matches!(
            sent,
            Err(progenitor_client::Error::InvalidRequest(_)) | Ok(_)
        ),
        "{sent:?}"
    );
}

#[test]
fn a_trigger_cause_must_have_1_to_255_characters_and_not_be_blank() {
    for refused in ["", "   ", "\t\n"] {
        assert!(trigger_body(refused).is_err(), "{refused:?} was accepted");
    }
    let too_long = "x".repeat(256);
    assert!(trigger_body(&too_long).is_err());
    let longest = "é".repeat(255);
    assert_eq!(
        trigger_body(&longest)
            .expect("255 characters")
            .cause
            .as_str(),
        longest
    );
    assert!(trigger_body(" nightly ").is_ok());
}

#[test]
fn a_job_needs_a_name_and_steps_that_are_not_blank() {
    let job = |name: &str, steps: &[&str]| -> Result<types::CreateJobRequest, String> {
        serde_json::from_value(serde_json::json!({
            "account_id": 1, "project_id": 2, "environment_id": 3,
            "name": name, "execute_steps": steps,
        }))
        .map_err(|e| e.to_string())
    };
    assert!(job("Nightly", &["dbt build"]).is_ok());
    assert!(job(" ", &["dbt build"]).is_err());
    assert!(job("", &["dbt build"]).is_err());
    assert!(job("Nightly", &["dbt build", "  "]).is_err());
    let update: Result<types::UpdateJobRequest, _> = serde_json::from_value(serde_json::json!({
        "account_id": 1, "project_id": 2, "environment_id": 3, "name": "\t"
    }));
    assert!(update.is_err());
}

#[test]
fn configuration_names_are_not_blank_either() {
    assert!(
        types::CreateProjectRequest::builder()
            .name("  ")
            .try_into()
            .map(|_: types::CreateProjectRequest| ())
            .is_err()
    );
    let project: types::CreateProjectRequest = types::CreateProjectRequest::builder()
        .name("analytics")
        .try_into()
        .expect("a named project");
    assert_eq!(
        serde_json::to_value(&project).expect("serializes")["name"],
        "analytics"
    );
    assert!(
        types::BulkDeleteEnvironmentVariablesRequest::builder()
            .name("")
            .try_into()
            .map(|_: types::BulkDeleteEnvironmentVariablesRequest| ())
            .is_err()
    );
}
