//! An environment variable with its per-environment values, by project and name (v3's bulk
//! operations, which address a variable by name and its values by environment name).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Map;

use super::{DesiredState, answer, fields};
use crate::error::Error;
use crate::types::{
    BulkCreateEnvironmentVariablesRequest, BulkUpdateEnvironmentVariablesRequest,
    EnvironmentVariableValue,
};
use crate::{DbtCloud, SecretString};

/// The scope key of the project-wide default, beside the environments' names.
pub const PROJECT_DEFAULT: &str = "project";

/// dbt never shows the values of variables named with this prefix.
pub const SECRET_PREFIX: &str = "DBT_ENV_SECRET";

/// The desired state of an environment variable: its project default and its values in
/// named environments. Its natural key is (project, name). Scopes the desired state does not
/// mention are left as they are.
///
/// dbt masks the values of `DBT_ENV_SECRET_*` variables when it lists them, so for those
/// only a missing value counts as a difference: an existing secret value is never compared
/// (nor rewritten) by "ensure".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvironmentVariableSpec {
    project_id: i64,
    name: String,
    /// [`PROJECT_DEFAULT`] or an environment name -> value. Values print redacted.
    values: BTreeMap<String, SecretString>,
}

/// An environment variable as the project's listing shows it.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentVariableState {
    /// The project.
    pub project_id: i64,
    /// The variable's name.
    pub name: String,
    /// [`PROJECT_DEFAULT`] or an environment name -> the value's id and (masked for
    /// secrets) value.
    pub values: BTreeMap<String, EnvironmentVariableValue>,
}

impl EnvironmentVariableSpec {
    /// The variable `name` (upper case, starting with `DBT_`) of project `project_id`.
    pub fn new(project_id: i64, name: impl Into<String>) -> Self {
        EnvironmentVariableSpec {
            project_id,
            name: name.into(),
            values: BTreeMap::new(),
        }
    }

    /// The project-wide default.
    pub fn project_default(self, value: impl Into<SecretString>) -> Self {
        self.value_in(PROJECT_DEFAULT, value)
    }

    /// The value in the environment named `environment`.
    pub fn value_in(
        mut self,
        environment: impl Into<String>,
        value: impl Into<SecretString>,
    ) -> Self {
        self.values.insert(environment.into(), value.into());
        self
    }

    fn is_secret(&self) -> bool {
        self.name.starts_with(SECRET_PREFIX)
    }

    /// The variable as listed, or `None`.
    async fn read(&self, dbt: &DbtCloud) -> Result<Option<EnvironmentVariableState>, Error> {
        const OPERATION: &str = "list_environment_variables";
        let sent = dbt
            .list_environment_variables()
            .account_id(dbt.account_id()?)
            .project_id(self.project_id)
            .send()
            .await;
        let listing = answer(OPERATION, sent, |envelope| envelope.data).await?;
        let Some(values) = listing
            .variables
            .and_then(|mut variables| variables.remove(&self.name))
        else {
            return Ok(None);
        };
        Ok(Some(EnvironmentVariableState {
            project_id: self.project_id,
            name: self.name.clone(),
            values: values.into_iter().collect(),
        }))
    }

    /// After a write, the variable as dbt now lists it.
    async fn read_back(&self, dbt: &DbtCloud) -> Result<EnvironmentVariableState, Error> {
        self.read(dbt).await?.ok_or_else(|| Error::Decode {
            operation: "list_environment_variables",
            status: None,
            message: format!(
                "{} was written but is not in the project's listing",
                self.natural_key()
            ),
        })
    }
}

impl DesiredState for EnvironmentVariableSpec {
    type Resource = EnvironmentVariableState;
    const OPERATION: &'static str = "ensure_environment_variable";

    fn natural_key(&self) -> String {
        format!(
            "environment variable {} of project {}",
            self.name, self.project_id
        )
    }

    async fn find(&self, dbt: &DbtCloud) -> Result<Option<EnvironmentVariableState>, Error> {
        self.read(dbt).await
    }

    fn changed_fields(&self, current: &EnvironmentVariableState) -> Result<Vec<String>, Error> {
        Ok(self
            .values
            .iter()
            .filter(|(scope, wanted)| match current.values.get(*scope) {
                None => true,
                Some(_) if self.is_secret() => false,
                Some(existing) => existing.value.as_deref() != Some(wanted.expose()),
            })
            .map(|(scope, _)| format!("values.{scope}"))
            .collect())
    }

    async fn create(&self, dbt: &DbtCloud) -> Result<EnvironmentVariableState, Error> {
        let mut variable = Map::new();
        variable.insert("new_name".into(), self.name.clone().into());
        for (scope, value) in &self.values {
            variable.insert(scope.clone(), value.expose().into());
        }
        let body: BulkCreateEnvironmentVariablesRequest =
            fields::body(Self::OPERATION, serde_json::json!({ "env_var": variable }))?;
        let sent = dbt
            .bulk_create_environment_variables()
            .account_id(dbt.account_id()?)
            .project_id(self.project_id)
            .body(body)
            .send()
            .await;
        answer("bulk_create_environment_variables", sent, |envelope| {
            envelope.data
        })
        .await?;
        self.read_back(dbt).await
    }

    async fn update(
        &self,
        dbt: &DbtCloud,
        current: EnvironmentVariableState,
        changed: &[String],
    ) -> Result<EnvironmentVariableState, Error> {
        // An existing value is addressed by its id, a new one by its scope's name.
        let mut edit = Map::new();
        edit.insert("name".into(), self.name.clone().into());
        for (scope, value) in &self.values {
            if !changed
                .iter()
                .any(|c| c.strip_prefix("values.") == Some(scope))
            {
                continue;
            }
            let key = match current.values.get(scope) {
                Some(existing) => existing.id.to_string(),
                None => scope.clone(),
            };
            edit.insert(key, value.expose().into());
        }
        let body: BulkUpdateEnvironmentVariablesRequest =
            fields::body(Self::OPERATION, serde_json::json!({ "env_vars": edit }))?;
        let sent = dbt
            .bulk_update_environment_variables()
            .account_id(dbt.account_id()?)
            .project_id(self.project_id)
            .body(body)
            .send()
            .await;
        answer("bulk_update_environment_variables", sent, |envelope| {
            envelope.data
        })
        .await?;
        self.read_back(dbt).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(entries: &[(&str, i64, &str)]) -> EnvironmentVariableState {
        EnvironmentVariableState {
            project_id: 1,
            name: String::new(),
            values: entries
                .iter()
                .map(|(scope, id, value)| {
                    (
                        scope.to_string(),
                        EnvironmentVariableValue {
                            id: *id,
                            value: Some(value.to_string()),
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn only_mentioned_scopes_are_compared() {
        let spec = EnvironmentVariableSpec::new(1, "DBT_TARGET_SCHEMA")
            .project_default("analytics")
            .value_in("Production", "prod");
        let current = listed(&[
            ("project", 1, "analytics"),
            ("Production", 2, "prod"),
            ("CI", 3, "ci"),
        ]);
        assert!(spec.changed_fields(&current).unwrap().is_empty());
        let current = listed(&[("project", 1, "analytics"), ("Production", 2, "old")]);
        assert_eq!(
            spec.changed_fields(&current).unwrap(),
            ["values.Production"]
        );
        let current = listed(&[("Production", 2, "prod")]);
        assert_eq!(spec.changed_fields(&current).unwrap(), ["values.project"]);
    }

    #[test]
    fn existing_secret_values_are_not_compared_but_missing_ones_are() {
        let spec = EnvironmentVariableSpec::new(1, "DBT_ENV_SECRET_TOKEN")
            .project_default("s3cr3t")
            .value_in("Production", "s3cr3t-prod");
        let current = listed(&[("project", 1, "*****")]);
        assert_eq!(
            spec.changed_fields(&current).unwrap(),
            ["values.Production"]
        );
    }

    #[test]
    fn debug_of_a_spec_hides_its_values() {
        let spec = EnvironmentVariableSpec::new(1, "DBT_ENV_SECRET_TOKEN")
            .project_default("s3cr3t-canary");
        assert!(!format!("{spec:?}").contains("s3cr3t-canary"));
    }
}
