//! A job, by project, environment and name (v2 `createJob` / `updateJob`).

use serde::Serialize;
use serde_json::{Map, Value};

use super::{DesiredState, answer, create_body, existing, update_body};
use crate::DbtCloud;
use crate::error::Error;
use crate::types::{CreateJobRequest, Job, UpdateJobRequest};

/// The desired state of a job. Its natural key is (project, environment, name); every other
/// field is compared and changed only when set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobSpec {
    project_id: i64,
    environment_id: i64,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    execute_steps: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dbt_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    generate_docs: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    run_generate_sources: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    job_type: Option<String>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    settings: Map<String, Value>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    execution: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    triggers: Option<JobTriggersSpec>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    schedule: Map<String, Value>,
    /// Any other field of the job, in the API's JSON shape.
    #[serde(flatten)]
    other: Map<String, Value>,
}

/// What starts a job's runs. Fields left `None` are not compared or changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JobTriggersSpec {
    /// Runs on the schedule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<bool>,
    /// CI runs on GitHub pull requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub github_webhook: Option<bool>,
    /// CI runs on GitLab or Azure DevOps pull requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_provider_webhook: Option<bool>,
    /// Runs when a pull request is merged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_merge: Option<bool>,
}

impl JobSpec {
    /// A job named `name` in environment `environment_id` of project `project_id`.
    pub fn new(project_id: i64, environment_id: i64, name: impl Into<String>) -> Self {
        JobSpec {
            project_id,
            environment_id,
            name: name.into(),
            description: None,
            execute_steps: None,
            dbt_version: None,
            generate_docs: None,
            run_generate_sources: None,
            job_type: None,
            settings: Map::new(),
            execution: Map::new(),
            triggers: None,
            schedule: Map::new(),
            other: Map::new(),
        }
    }

    /// The description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The dbt commands, in order (dbt requires them to create a job).
    pub fn execute_steps<S: Into<String>>(mut self, steps: impl IntoIterator<Item = S>) -> Self {
        self.execute_steps = Some(steps.into_iter().map(Into::into).collect());
        self
    }

    /// A dbt version override (otherwise the environment's version runs).
    pub fn dbt_version(mut self, version: impl Into<String>) -> Self {
        self.dbt_version = Some(version.into());
        self
    }

    /// Whether to run `dbt docs generate` after the steps.
    pub fn generate_docs(mut self, generate: bool) -> Self {
        self.generate_docs = Some(generate);
        self
    }

    /// Whether to run `dbt source freshness` before the steps.
    pub fn run_generate_sources(mut self, run: bool) -> Self {
        self.run_generate_sources = Some(run);
        self
    }

    /// The kind of job (`scheduled`, `ci`, `merge`, `other`...).
    pub fn job_type(mut self, job_type: impl Into<String>) -> Self {
        self.job_type = Some(job_type.into());
        self
    }

    /// dbt's `--threads`.
    pub fn threads(mut self, threads: i64) -> Self {
        self.settings.insert("threads".into(), threads.into());
        self
    }

    /// The target name the run sees (`target.name`).
    pub fn target_name(mut self, target: impl Into<String>) -> Self {
        self.settings
            .insert("target_name".into(), target.into().into());
        self
    }

    /// The run time limit in seconds (0: none).
    pub fn timeout_seconds(mut self, seconds: i64) -> Self {
        self.execution
            .insert("timeout_seconds".into(), seconds.into());
        self
    }

    /// What starts runs.
    pub fn triggers(mut self, triggers: JobTriggersSpec) -> Self {
        self.triggers = Some(triggers);
        self
    }

    /// Runs on a cron schedule (UTC), for example `0 5 * * *`; also turns the schedule
    /// trigger on unless [`JobSpec::triggers`] says otherwise.
    pub fn schedule_cron(mut self, cron: impl Into<String>) -> Self {
        let cron = cron.into();
        self.schedule.insert("cron".into(), cron.clone().into());
        self.schedule.insert(
            "date".into(),
            serde_json::json!({"type": "custom_cron", "cron": cron}),
        );
        let triggers = self.triggers.get_or_insert_with(JobTriggersSpec::default);
        triggers.schedule.get_or_insert(true);
        self
    }

    /// Any other field of the job, in the API's JSON shape (for example
    /// `("triggers_on_draft_pr", json!(true))`). Compared and changed like the others.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.other.insert(name.into(), value.into());
        self
    }
}

impl DesiredState for JobSpec {
    type Resource = Job;
    const OPERATION: &'static str = "ensure_job";

    fn natural_key(&self) -> String {
        format!(
            "job {:?} in environment {} of project {}",
            self.name, self.environment_id, self.project_id
        )
    }

    async fn find(&self, dbt: &DbtCloud) -> Result<Option<Job>, Error> {
        let request = dbt
            .list_jobs()
            .account_id(dbt.account_id()?)
            .project_id(self.project_id)
            .environment_id(self.environment_id)
            .name_icontains(self.name.trim().to_string());
        existing::unique_by_name(dbt, Self::OPERATION, "job", &self.name, request).await
    }

    async fn create(&self, dbt: &DbtCloud) -> Result<Job, Error> {
        let account_id = dbt.account_id()?;
        let body: CreateJobRequest = create_body(self, account_id)?;
        let sent = dbt
            .create_job()
            .account_id(account_id)
            .body(body)
            .send()
            .await;
        answer("create_job", sent, |envelope| envelope.data).await
    }

    async fn update(
        &self,
        dbt: &DbtCloud,
        current: Job,
        _changed: &[String],
    ) -> Result<Job, Error> {
        // dbt replaces the whole job with the body: send the current job with the desired
        // fields written over it, so nothing else changes.
        let account_id = dbt.account_id()?;
        let job_id = current.id;
        let body: UpdateJobRequest = update_body(self, &current)?;
        let sent = dbt
            .update_job()
            .account_id(account_id)
            .job_id(job_id)
            .body(body)
            .send()
            .await;
        answer("update_job", sent, |envelope| envelope.data).await
    }
}
