//! A project, by name (v3 `createProject` / `updateProject`).

use serde::Serialize;
use serde_json::{Map, Value};

use super::{DesiredState, answer, create_body, existing, update_body};
use crate::DbtCloud;
use crate::error::Error;
use crate::types::{CreateProjectRequest, Project, UpdateProjectRequest};

/// The desired state of a project. Its natural key is its name in the account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectSpec {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dbt_project_subdirectory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connection_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repository_id: Option<i64>,
    /// Any other field of the project, in the API's JSON shape.
    #[serde(flatten)]
    other: Map<String, Value>,
}

impl ProjectSpec {
    /// The project named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        ProjectSpec {
            name: name.into(),
            description: None,
            dbt_project_subdirectory: None,
            connection_id: None,
            repository_id: None,
            other: Map::new(),
        }
    }

    /// The description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Where `dbt_project.yml` is inside the repository.
    pub fn dbt_project_subdirectory(mut self, path: impl Into<String>) -> Self {
        self.dbt_project_subdirectory = Some(path.into());
        self
    }

    /// The warehouse connection.
    pub fn connection_id(mut self, id: i64) -> Self {
        self.connection_id = Some(id);
        self
    }

    /// The git repository.
    pub fn repository_id(mut self, id: i64) -> Self {
        self.repository_id = Some(id);
        self
    }

    /// Any other field of the project, in the API's JSON shape.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.other.insert(name.into(), value.into());
        self
    }
}

impl DesiredState for ProjectSpec {
    type Resource = Project;
    const OPERATION: &'static str = "ensure_project";

    fn natural_key(&self) -> String {
        format!("project {:?}", self.name)
    }

    async fn find(&self, dbt: &DbtCloud) -> Result<Option<Project>, Error> {
        // v2's listing serves the same projects as v3's and pages like every other list.
        let request = dbt
            .list_projects()
            .account_id(dbt.account_id()?)
            .name_icontains(self.name.trim().to_string());
        existing::unique_by_name(dbt, Self::OPERATION, "project", &self.name, request).await
    }

    async fn create(&self, dbt: &DbtCloud) -> Result<Project, Error> {
        let account_id = dbt.account_id()?;
        let body: CreateProjectRequest = create_body(self, account_id)?;
        let sent = dbt
            .create_project()
            .account_id(account_id)
            .body(body)
            .send()
            .await;
        answer("create_project", sent, |envelope| envelope.data).await
    }

    async fn update(
        &self,
        dbt: &DbtCloud,
        current: Project,
        _changed: &[String],
    ) -> Result<Project, Error> {
        let account_id = dbt.account_id()?;
        let project_id = current.id;
        let body: UpdateProjectRequest = update_body(self, &current)?;
        let sent = dbt
            .update_project()
            .account_id(account_id)
            .project_id(project_id)
            .body(body)
            .send()
            .await;
        answer("update_project", sent, |envelope| envelope.data).await
    }
}
