//! An environment, by project and name (v3 `createProjectEnvironment` /
//! `updateProjectEnvironment`).

use serde::Serialize;
use serde_json::{Map, Value};

use super::{DesiredState, answer, create_body, existing, update_body};
use crate::DbtCloud;
use crate::error::Error;
use crate::types::{CreateEnvironmentRequest, Environment, UpdateEnvironmentRequest};

/// The desired state of an environment. Its natural key is (project, name).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvironmentSpec {
    project_id: i64,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    deployment_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dbt_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credentials_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connection_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    use_custom_branch: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_branch: Option<String>,
    /// Any other field of the environment, in the API's JSON shape.
    #[serde(flatten)]
    other: Map<String, Value>,
}

impl EnvironmentSpec {
    /// A deployment environment (where jobs run) named `name` in project `project_id`.
    pub fn deployment(project_id: i64, name: impl Into<String>) -> Self {
        Self::of_kind(project_id, name, "deployment")
    }

    /// A development environment (the IDE's) named `name` in project `project_id`.
    pub fn development(project_id: i64, name: impl Into<String>) -> Self {
        Self::of_kind(project_id, name, "development")
    }

    fn of_kind(project_id: i64, name: impl Into<String>, kind: &str) -> Self {
        EnvironmentSpec {
            project_id,
            name: name.into(),
            kind: kind.to_string(),
            deployment_type: None,
            dbt_version: None,
            credentials_id: None,
            connection_id: None,
            use_custom_branch: None,
            custom_branch: None,
            other: Map::new(),
        }
    }

    /// `production`, `staging` (or none: a general deployment environment).
    pub fn deployment_type(mut self, deployment_type: impl Into<String>) -> Self {
        self.deployment_type = Some(deployment_type.into());
        self
    }

    /// The dbt version (`latest`, `compatible`, `1.9.0-latest`...).
    pub fn dbt_version(mut self, version: impl Into<String>) -> Self {
        self.dbt_version = Some(version.into());
        self
    }

    /// The warehouse credentials.
    pub fn credentials_id(mut self, id: i64) -> Self {
        self.credentials_id = Some(id);
        self
    }

    /// The warehouse connection.
    pub fn connection_id(mut self, id: i64) -> Self {
        self.connection_id = Some(id);
        self
    }

    /// Runs from this git branch instead of the repository's default.
    pub fn custom_branch(mut self, branch: impl Into<String>) -> Self {
        self.use_custom_branch = Some(true);
        self.custom_branch = Some(branch.into());
        self
    }

    /// Any other field of the environment, in the API's JSON shape.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.other.insert(name.into(), value.into());
        self
    }
}

impl DesiredState for EnvironmentSpec {
    type Resource = Environment;
    const OPERATION: &'static str = "ensure_environment";

    fn natural_key(&self) -> String {
        format!("environment {:?} of project {}", self.name, self.project_id)
    }

    async fn find(&self, dbt: &DbtCloud) -> Result<Option<Environment>, Error> {
        let request = dbt
            .list_environments()
            .account_id(dbt.account_id()?)
            .project_id(self.project_id)
            .name_icontains(self.name.trim().to_string());
        existing::unique_by_name(dbt, Self::OPERATION, "environment", &self.name, request).await
    }

    async fn create(&self, dbt: &DbtCloud) -> Result<Environment, Error> {
        let account_id = dbt.account_id()?;
        let body: CreateEnvironmentRequest = create_body(self, account_id)?;
        let sent = dbt
            .create_project_environment()
            .account_id(account_id)
            .project_id(self.project_id)
            .body(body)
            .send()
            .await;
        answer("create_project_environment", sent, |envelope| envelope.data).await
    }

    async fn update(
        &self,
        dbt: &DbtCloud,
        current: Environment,
        _changed: &[String],
    ) -> Result<Environment, Error> {
        let account_id = dbt.account_id()?;
        let environment_id = current.id;
        let body: UpdateEnvironmentRequest = update_body(self, &current)?;
        let sent = dbt
            .update_project_environment()
            .account_id(account_id)
            .project_id(self.project_id)
            .environment_id(environment_id)
            .body(body)
            .send()
            .await;
        answer("update_project_environment", sent, |envelope| envelope.data).await
    }
}
