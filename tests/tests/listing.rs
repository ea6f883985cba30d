//! offset/limit pagination, extra.filters/pagination, filters and order_by on lists.

mod common;

use common::{get, start};
use dbt_cloud_mock::demo_ids;
use serde_json::{Value, json};

fn ids(body: &Value) -> Vec<i64> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn paginating_thousands_of_seeded_runs_visits_each_once() {
    let mock = start().await;
    let seeded = mock.seed_runs(demo_ids::DAILY_JOB, 2_345);
    assert_eq!(seeded.len(), 2_345);
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let (status, body) = get(&mock, &format!("/runs/?offset={offset}&limit=100")).await;
        assert_eq!(status, 200);
        let pagination = &body["extra"]["pagination"];
        assert_eq!(pagination["total_count"], json!(2_345));
        let count = pagination["count"].as_u64().unwrap() as usize;
        if count == 0 {
            break;
        }
        assert_eq!(count, body["data"].as_array().unwrap().len());
        seen.extend(ids(&body));
        offset += count;
    }
    assert_eq!(seen, seeded);
}

#[tokio::test]
async fn limit_defaults_to_and_is_capped_at_100() {
    let mock = start().await;
    mock.seed_runs(demo_ids::DAILY_JOB, 250);
    let (_, body) = get(&mock, "/runs/").await;
    assert_eq!(body["extra"]["pagination"]["count"], json!(100));
    let (_, body) = get(&mock, "/runs/?limit=500&offset=200").await;
    assert_eq!(
        body["extra"]["pagination"],
        json!({"count": 50, "total_count": 250})
    );
    assert_eq!(body["extra"]["filters"]["limit"], json!(100));
    assert_eq!(body["extra"]["filters"]["offset"], json!(200));
    assert_eq!(
        body["extra"]["filters"]["account_id"],
        json!(demo_ids::ACCOUNT)
    );
}

#[tokio::test]
async fn run_filters_combine_and_are_echoed_in_extra_filters() {
    let mock = start().await;
    mock.seed_runs(demo_ids::DAILY_JOB, 77);
    mock.seed_runs(demo_ids::OTHER_JOB, 10);
    let (_, body) = get(
        &mock,
        &format!("/runs/?job_definition_id={}", demo_ids::OTHER_JOB),
    )
    .await;
    assert_eq!(body["extra"]["pagination"]["total_count"], json!(10));
    assert_eq!(
        body["extra"]["filters"]["job_definition_id"],
        json!(demo_ids::OTHER_JOB)
    );
    let (_, body) = get(&mock, &format!("/runs/?project_id={}", demo_ids::PROJECT)).await;
    assert_eq!(body["extra"]["pagination"]["total_count"], json!(77));
    let (_, body) = get(
        &mock,
        &format!("/runs/?environment_id={}", demo_ids::OTHER_ENVIRONMENT),
    )
    .await;
    assert_eq!(body["extra"]["pagination"]["total_count"], json!(10));
    // Seeding: every 7th errors, every 11th is cancelled.
    let (_, errors) = get(
        &mock,
        &format!("/runs/?status=20&job_definition_id={}", demo_ids::DAILY_JOB),
    )
    .await;
    let error_count = errors["extra"]["pagination"]["total_count"]
        .as_u64()
        .unwrap();
    assert!(error_count > 0);
    assert!(
        errors["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == json!(20))
    );
    let (_, failed) = get(
        &mock,
        &format!(
            "/runs/?status__in=[20,30]&job_definition_id={}",
            demo_ids::DAILY_JOB
        ),
    )
    .await;
    let failed_count = failed["extra"]["pagination"]["total_count"]
        .as_u64()
        .unwrap();
    assert!(failed_count > error_count);
    assert_eq!(failed["extra"]["filters"]["status__in"], json!([20, 30]));
    let (_, unfinished) = get(&mock, "/runs/?status__in=[1,2,3]").await;
    assert_eq!(unfinished["extra"]["pagination"]["total_count"], json!(0));
}

#[tokio::test]
async fn order_by_with_a_minus_sorts_descending() {
    let mock = start().await;
    let seeded = mock.seed_runs(demo_ids::DAILY_JOB, 30);
    let (_, body) = get(&mock, "/runs/?order_by=-id&limit=5").await;
    let expected: Vec<i64> = seeded.iter().rev().take(5).copied().collect();
    assert_eq!(ids(&body), expected);
    assert_eq!(body["extra"]["order_by"], json!("-id"));
    let (_, body) = get(&mock, "/runs/?order_by=-finished_at&limit=1").await;
    assert_eq!(ids(&body), vec![*seeded.last().unwrap()]);
    let (status, body) = get(&mock, "/runs/?order_by=name").await;
    assert_eq!(status, 400);
    assert!(body["data"]["order_by"].is_string());
}

#[tokio::test]
async fn resource_lists_filter_by_project_state_and_name() {
    let mock = start().await;
    let (_, body) = get(&mock, &format!("/jobs/?project_id={}", demo_ids::PROJECT)).await;
    assert_eq!(
        ids(&body),
        vec![demo_ids::DAILY_JOB, demo_ids::HOURLY_JOB, demo_ids::CI_JOB]
    );
    let (_, body) = get(&mock, "/jobs/?name__icontains=NIGHT").await;
    assert_eq!(ids(&body), vec![demo_ids::OTHER_JOB]);
    let (_, body) = get(
        &mock,
        &format!(
            "/environments/?project_id={}&order_by=-id",
            demo_ids::PROJECT
        ),
    )
    .await;
    assert_eq!(
        ids(&body),
        vec![demo_ids::PROD_ENVIRONMENT, demo_ids::DEV_ENVIRONMENT]
    );
    let (_, body) = get(&mock, "/projects/?limit=1&offset=1").await;
    assert_eq!(
        body["extra"]["pagination"],
        json!({"count": 1, "total_count": 2})
    );
    let (_, body) = get(&mock, "/repositories/").await;
    assert_eq!(body["extra"]["pagination"]["total_count"], json!(2));
    let response = common::client()
        .get(format!("{}/api/v2/accounts/", mock.base_url()))
        .header("Authorization", format!("Token {}", common::TOKEN))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(ids(&body), vec![demo_ids::ACCOUNT]);
    // A deleted job leaves the default list but shows with state=deleted.
    let response = common::client()
        .delete(common::url(&mock, &format!("/jobs/{}/", demo_ids::CI_JOB)))
        .header("Authorization", format!("Token {}", common::TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let deleted: Value = response.json().await.unwrap();
    assert_eq!(deleted["data"]["id"], json!(demo_ids::CI_JOB));
    assert_eq!(deleted["data"]["state"], json!(2));
    let (_, body) = get(&mock, "/jobs/").await;
    assert!(!ids(&body).contains(&demo_ids::CI_JOB));
    let (_, body) = get(&mock, "/jobs/?state=deleted").await;
    assert_eq!(ids(&body), vec![demo_ids::CI_JOB]);
    let (status, _) = get(&mock, &format!("/jobs/{}/", demo_ids::CI_JOB)).await;
    assert_eq!(status, 404);
}

/// `__in` filters, as dbt documents them for listJobs and listRuns, in every spelling
/// clients send (repeated keys, commas, a bracketed list), and `pk`/`pk__in` for the id.
#[tokio::test]
async fn in_filters_select_by_several_values_on_jobs_and_runs() {
    use demo_ids::{CI_JOB, DAILY_JOB, HOURLY_JOB, OTHER_JOB, OTHER_PROJECT, PROJECT};
    let mock = start().await;
    let (_, body) = get(&mock, &format!("/jobs/?project_id__in={OTHER_PROJECT}")).await;
    assert_eq!(ids(&body), vec![OTHER_JOB]);
    assert_eq!(
        body["extra"]["filters"]["project_id__in"],
        json!([OTHER_PROJECT])
    );
    for query in [
        format!("project_id__in={PROJECT}&project_id__in={OTHER_PROJECT}"),
        format!("project_id__in={PROJECT},{OTHER_PROJECT}"),
        format!("project_id__in=[{PROJECT},{OTHER_PROJECT}]"),
    ] {
        let (_, body) = get(&mock, &format!("/jobs/?{query}")).await;
        assert_eq!(
            ids(&body),
            vec![DAILY_JOB, HOURLY_JOB, CI_JOB, OTHER_JOB],
            "{query}"
        );
    }
    let (_, body) = get(&mock, &format!("/jobs/?pk__in={HOURLY_JOB},{OTHER_JOB}")).await;
    assert_eq!(ids(&body), vec![HOURLY_JOB, OTHER_JOB]);
    let (_, body) = get(&mock, &format!("/jobs/?pk={CI_JOB}")).await;
    assert_eq!(ids(&body), vec![CI_JOB]);
    let (_, body) = get(&mock, "/environments/?id__in=[]").await;
    assert_eq!(
        ids(&body),
        Vec::<i64>::new(),
        "an empty list matches nothing"
    );

    let daily = mock.seed_runs(DAILY_JOB, 5);
    let other = mock.seed_runs(OTHER_JOB, 3);
    let (_, body) = get(&mock, &format!("/runs/?project_id__in={OTHER_PROJECT}")).await;
    assert_eq!(ids(&body), other);
    let wanted = [daily[1], other[2]];
    let (_, body) = get(&mock, &format!("/runs/?pk__in={},{}", wanted[0], wanted[1])).await;
    assert_eq!(ids(&body), wanted.to_vec());
    let (_, body) = get(
        &mock,
        &format!(
            "/runs/?job_definition_id__in={OTHER_JOB}&id__gt={}",
            other[0]
        ),
    )
    .await;
    assert_eq!(ids(&body), other[1..].to_vec());
    let (_, body) = get(
        &mock,
        &format!("/runs/?environment_id__in={}", demo_ids::OTHER_ENVIRONMENT),
    )
    .await;
    assert_eq!(ids(&body), other);
}

#[tokio::test]
async fn a_malformed_filter_value_is_a_400_naming_the_parameter() {
    let mock = start().await;
    for (tail, parameter) in [
        ("/jobs/?project_id__in=1,two", "project_id__in"),
        ("/jobs/?pk=x", "pk"),
        ("/runs/?status__in=[10,done]", "status__in"),
        ("/runs/?id__gt=first", "id__gt"),
        ("/environments/?project_id__in=1.5", "project_id__in"),
    ] {
        let (status, body) = get(&mock, tail).await;
        assert_eq!(status, 400, "{tail}: {body}");
        assert!(body["data"][parameter].is_string(), "{tail}: {body}");
    }
}
