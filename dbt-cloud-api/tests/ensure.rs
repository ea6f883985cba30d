//! "Ensure" converges against the mock: the same desired state applied twice is created then
//! unchanged, one changed field is exactly one update of that field, and the mock's recorded
//! requests show no other write. Jobs go through v2; projects, environments and environment
//! variables through v3.

mod common;

use common::{bounded, client, start_mock};
use dbt_cloud_api::ensure::{
    Change, EnvironmentSpec, EnvironmentVariableSpec, JobSpec, JobTriggersSpec, ProjectSpec,
};
use dbt_cloud_mock::{MockServer, demo_ids};

/// The requests that changed something (anything but GET), as `METHOD path`.
fn writes(mock: &MockServer) -> Vec<String> {
    mock.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn nightly() -> JobSpec {
    JobSpec::new(
        demo_ids::PROJECT,
        demo_ids::PROD_ENVIRONMENT,
        "Nightly build (ensure)",
    )
    .description("Built by configuration as code")
    .execute_steps(["dbt build", "dbt test"])
    .threads(8)
    .schedule_cron("0 5 * * *")
}

#[tokio::test]
async fn a_job_is_created_then_unchanged_then_updated_in_one_field() {
    bounded("ensure job", async {
        let mock = start_mock("t").await;
        let dbt = client(&mock);

        let first = dbt.ensure(&nightly()).await.unwrap();
        assert_eq!(first.change, Change::Created);
        let job_id = first.resource.id;
        assert_eq!(
            first.resource.name.as_deref(),
            Some("Nightly build (ensure)")
        );
        assert_eq!(first.resource.project_id, Some(demo_ids::PROJECT));
        assert_eq!(
            writes(&mock),
            [format!("POST /api/v2/accounts/{}/jobs/", mock.account_id())]
        );

        mock.clear_requests();
        let second = dbt.ensure(&nightly()).await.unwrap();
        assert_eq!(second.change, Change::Unchanged);
        assert_eq!(second.resource.id, job_id);
        assert!(writes(&mock).is_empty(), "{:?}", writes(&mock));

        mock.clear_requests();
        let third = dbt.ensure(&nightly().threads(4)).await.unwrap();
        assert_eq!(
            third.change,
            Change::Updated {
                fields: vec!["settings.threads".to_string()]
            }
        );
        assert_eq!(third.resource.id, job_id);
        assert_eq!(
            writes(&mock),
            [format!(
                "POST /api/v2/accounts/{}/jobs/{job_id}/",
                mock.account_id()
            )]
        );
        // The update changed that field and kept the others as they were.
        let job = dbt
            .get_job()
            .account_id(mock.account_id())
            .job_id(job_id)
            .send()
            .await
            .unwrap()
            .into_inner()
            .data
            .unwrap();
        let settings = job.settings.unwrap();
        assert_eq!(settings.threads, Some(4));
        assert_eq!(
            job.execute_steps.as_deref(),
            Some(&["dbt build".to_string(), "dbt test".to_string()][..])
        );
        assert_eq!(
            job.description.as_deref(),
            Some("Built by configuration as code")
        );
        assert_eq!(
            job.schedule.and_then(|s| s.cron).as_deref(),
            Some("0 5 * * *")
        );

        // And converged: applying the new state again writes nothing.
        mock.clear_requests();
        let fourth = dbt.ensure(&nightly().threads(4)).await.unwrap();
        assert_eq!(fourth.change, Change::Unchanged);
        assert!(writes(&mock).is_empty(), "{:?}", writes(&mock));
    })
    .await;
}

#[tokio::test]
async fn fields_the_desired_state_leaves_out_are_neither_compared_nor_changed() {
    bounded("ensure existing job", async {
        let mock = start_mock("t").await;
        let dbt = client(&mock);
        let daily = dbt
            .get_job()
            .account_id(mock.account_id())
            .job_id(demo_ids::DAILY_JOB)
            .send()
            .await
            .unwrap()
            .into_inner()
            .data
            .unwrap();
        let name = daily.name.clone().unwrap();
        let environment = daily.environment_id.unwrap();

        // Only the name (the key): the fixture job matches as it is.
        let same = dbt
            .ensure(&JobSpec::new(demo_ids::PROJECT, environment, name.clone()))
            .await
            .unwrap();
        assert_eq!(same.change, Change::Unchanged);
        assert_eq!(same.resource.id, demo_ids::DAILY_JOB);

        // Two fields at once, one of them nested: one update naming both.
        mock.clear_requests();
        let spec = JobSpec::new(demo_ids::PROJECT, environment, name)
            .generate_docs(!daily.generate_docs.unwrap_or(false))
            .triggers(JobTriggersSpec {
                github_webhook: Some(true),
                ..JobTriggersSpec::default()
            });
        let updated = dbt.ensure(&spec).await.unwrap();
        assert_eq!(
            updated.change,
            Change::Updated {
                fields: vec![
                    "generate_docs".to_string(),
                    "triggers.github_webhook".to_string()
                ]
            }
        );
        assert_eq!(writes(&mock).len(), 1, "{:?}", writes(&mock));
        assert_eq!(updated.resource.execute_steps, daily.execute_steps);
        // Compared as JSON: generated types derive PartialEq only with the `partial-eq` feature.
        assert_eq!(
            serde_json::to_value(&updated.resource.settings).unwrap(),
            serde_json::to_value(&daily.settings).unwrap(),
            "settings were not part of the desired state"
        );
    })
    .await;
}

#[tokio::test]
async fn the_natural_key_includes_the_environment() {
    bounded("ensure job per environment", async {
        let mock = start_mock("t").await;
        let dbt = client(&mock);
        let prod = dbt.ensure(&nightly()).await.unwrap();
        let dev_spec = JobSpec::new(
            demo_ids::PROJECT,
            demo_ids::DEV_ENVIRONMENT,
            "Nightly build (ensure)",
        )
        .execute_steps(["dbt build"]);
        let dev = dbt.ensure(&dev_spec).await.unwrap();
        assert_eq!(dev.change, Change::Created);
        assert_ne!(dev.resource.id, prod.resource.id);
        assert_eq!(dev.resource.environment_id, Some(demo_ids::DEV_ENVIRONMENT));
    })
    .await;
}

#[tokio::test]
async fn two_jobs_with_the_key_are_an_error_naming_both() {
    bounded("ensure ambiguous job", async {
        let mock = start_mock("t").await;
        let dbt = client(&mock);
        let spec = nightly();
        let first = dbt.ensure(&spec).await.unwrap().resource.id;
        // A second job with the same name, made outside of "ensure".
        let body =
            serde_json::from_value::<dbt_cloud_api::types::CreateJobRequest>(serde_json::json!({
                "account_id": mock.account_id(),
                "project_id": demo_ids::PROJECT,
                "environment_id": demo_ids::PROD_ENVIRONMENT,
                "name": "Nightly build (ensure)",
                "execute_steps": ["dbt run"],
            }))
            .unwrap();
        let second = dbt
            .create_job()
            .account_id(mock.account_id())
            .body(body)
            .send()
            .await
            .unwrap()
            .into_inner()
            .data
            .unwrap()
            .id;
        mock.clear_requests();
        let e = dbt.ensure(&spec).await.unwrap_err();
        let message = e.to_string();
        assert!(message.starts_with("ensure_job:"), "{message}");
        assert!(
            message.contains(&format!("ids {first}, {second}")),
            "{message}"
        );
        assert!(writes(&mock).is_empty(), "{:?}", writes(&mock));
    })
    .await;
}

#[tokio::test]
async fn a_project_then_an_environment_converge_by_natural_key() {
    bounded("ensure project and environment", async {
        let mock = start_mock("t").await;
        let dbt = client(&mock);
        let account = mock.account_id();
        let spec = ProjectSpec::new("Configured analytics").description("managed by ensure");

        let created = dbt.ensure(&spec).await.unwrap();
        assert_eq!(created.change, Change::Created);
        let project_id = created.resource.id;
        assert_eq!(
            writes(&mock),
            [format!("POST /api/v3/accounts/{account}/projects/")]
        );
        mock.clear_requests();
        let again = dbt.ensure(&spec).await.unwrap();
        assert_eq!(again.change, Change::Unchanged);
        assert_eq!(again.resource.id, project_id);
        assert!(writes(&mock).is_empty(), "{:?}", writes(&mock));
        mock.clear_requests();
        let changed = dbt
            .ensure(&spec.clone().description("managed by ensure, v2"))
            .await
            .unwrap();
        assert_eq!(
            changed.change,
            Change::Updated {
                fields: vec!["description".to_string()]
            }
        );
        assert_eq!(
            changed.resource.description.as_deref(),
            Some("managed by ensure, v2")
        );
        assert_eq!(
            writes(&mock),
            [format!("POST /api/v3/accounts/{account}/projects/{project_id}/")]
        );

        let prod = EnvironmentSpec::deployment(project_id, "Production")
            .deployment_type("production")
            .dbt_version("latest");
        let created = dbt.ensure(&prod).await.unwrap();
        assert_eq!(created.change, Change::Created);
        let environment_id = created.resource.id;
        assert_eq!(created.resource.project_id, Some(project_id));
        mock.clear_requests();
        assert_eq!(dbt.ensure(&prod).await.unwrap().change, Change::Unchanged);
        assert!(writes(&mock).is_empty(), "{:?}", writes(&mock));
        let updated = dbt
            .ensure(&prod.clone().custom_branch("release"))
            .await
            .unwrap();
        assert_eq!(
            updated.change,
            Change::Updated {
                fields: vec!["use_custom_branch".to_string(), "custom_branch".to_string()]
            }
        );
        assert_eq!(updated.resource.id, environment_id);
        assert_eq!(
            writes(&mock),
            [format!(
                "POST /api/v3/accounts/{account}/projects/{project_id}/environments/{environment_id}/"
            )]
        );
        // The same name in another project is another environment.
        let other = dbt
            .ensure(&EnvironmentSpec::deployment(demo_ids::OTHER_PROJECT, "Production"))
            .await
            .unwrap();
        assert_ne!(other.resource.id, environment_id);
    })
    .await;
}

#[tokio::test]
async fn an_environment_variable_converges_per_environment() {
    bounded("ensure environment variable", async {
        let mock = start_mock("t").await;
        let dbt = client(&mock);
        let project = demo_ids::PROJECT;
        let environments = dbt
            .collect_all(
                dbt.list_environments()
                    .account_id(mock.account_id())
                    .project_id(project),
            )
            .await
            .unwrap();
        let prod_name = environments
            .iter()
            .find(|e| e.id == demo_ids::PROD_ENVIRONMENT)
            .and_then(|e| e.name.clone())
            .unwrap();
        let spec = EnvironmentVariableSpec::new(project, "DBT_ENSURED_SCHEMA")
            .project_default("analytics_dev")
            .value_in(prod_name.clone(), "analytics");

        let created = dbt.ensure(&spec).await.unwrap();
        assert_eq!(created.change, Change::Created);
        assert_eq!(writes(&mock).len(), 1, "{:?}", writes(&mock));
        let values = &created.resource.values;
        assert_eq!(values["project"].value.as_deref(), Some("analytics_dev"));
        assert_eq!(values[&prod_name].value.as_deref(), Some("analytics"));

        mock.clear_requests();
        assert_eq!(dbt.ensure(&spec).await.unwrap().change, Change::Unchanged);
        assert!(writes(&mock).is_empty(), "{:?}", writes(&mock));

        mock.clear_requests();
        let changed = dbt
            .ensure(&spec.clone().value_in(prod_name.clone(), "analytics_prod"))
            .await
            .unwrap();
        assert_eq!(
            changed.change,
            Change::Updated {
                fields: vec![format!("values.{prod_name}")]
            }
        );
        assert_eq!(writes(&mock).len(), 1, "{:?}", writes(&mock));
        assert_eq!(
            changed.resource.values[&prod_name].value.as_deref(),
            Some("analytics_prod")
        );
        assert_eq!(
            changed.resource.values["project"].value.as_deref(),
            Some("analytics_dev"),
            "the project default was not touched"
        );
        assert_eq!(
            changed.resource.values[&prod_name].id, values[&prod_name].id,
            "the value was updated in place"
        );
    })
    .await;
}

#[tokio::test]
async fn a_secret_variable_is_created_but_its_masked_values_are_not_compared() {
    bounded("ensure secret variable", async {
        let mock = start_mock("t").await;
        let dbt = client(&mock);
        let spec = EnvironmentVariableSpec::new(demo_ids::PROJECT, "DBT_ENV_SECRET_ENSURED_KEY")
            .project_default("ghp-secret-value");
        let created = dbt.ensure(&spec).await.unwrap();
        assert_eq!(created.change, Change::Created);
        let shown = created.resource.values["project"]
            .value
            .clone()
            .unwrap_or_default();
        assert_ne!(shown, "ghp-secret-value", "dbt lists secret values masked");
        mock.clear_requests();
        // Masked on read, so a different desired value cannot be told apart: no write.
        let again = dbt
            .ensure(&spec.clone().project_default("another-value"))
            .await
            .unwrap();
        assert_eq!(again.change, Change::Unchanged);
        assert!(writes(&mock).is_empty(), "{:?}", writes(&mock));
    })
    .await;
}
