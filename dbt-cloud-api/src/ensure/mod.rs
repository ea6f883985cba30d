//! Configuration as code: converge a resource to a desired state, found by its natural key.
//!
//! [`DbtCloud::ensure`] takes a desired state ([`ProjectSpec`], [`EnvironmentSpec`],
//! [`EnvironmentVariableSpec`], [`JobSpec`]), looks the resource up by its natural key (a
//! project by name, an environment by project and name, a variable by project and name, a job
//! by project, environment and name), and then creates it when it is missing, updates only the
//! fields that differ, or does nothing. Only the fields the desired state sets are compared,
//! so settings made elsewhere (in the dbt Cloud UI) are left alone. Running the same
//! configuration twice therefore sends no write the second time, like `terraform apply` or
//! Kubernetes' server-side apply.
//!
//! Every resource is one implementation of [`DesiredState`] (its key, how to find, create and
//! update it); the comparison and the reporting are shared.

mod environment;
mod environment_variable;
mod existing;
mod fields;
mod job;
mod project;

use std::fmt;
use std::future::Future;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::DbtCloud;
use crate::error::Error;

pub use environment::EnvironmentSpec;
pub use environment_variable::{
    EnvironmentVariableSpec, EnvironmentVariableState, PROJECT_DEFAULT, SECRET_PREFIX,
};
pub use job::{JobSpec, JobTriggersSpec};
pub use project::ProjectSpec;

/// What [`DbtCloud::ensure`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Nothing had this natural key: the resource was created.
    Created,
    /// The resource existed and these fields (dotted paths, e.g. `settings.threads`) differed;
    /// one update set them.
    Updated {
        /// The fields that were changed.
        fields: Vec<String>,
    },
    /// The resource already matched: nothing was written.
    Unchanged,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Created => f.write_str("created"),
            Change::Updated { fields } => write!(f, "updated ({})", fields.join(", ")),
            Change::Unchanged => f.write_str("unchanged"),
        }
    }
}

/// The outcome of [`DbtCloud::ensure`]: what happened and the resource as dbt now has it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ensured<R> {
    /// Created, updated (which fields) or unchanged.
    pub change: Change,
    /// The resource after the operation.
    pub resource: R,
}

/// A desired state with a natural key: what [`DbtCloud::ensure`] converges.
///
/// The type serializes to the fields it sets, in the resource's own JSON shape (`None` skipped),
/// which is what the default [`DesiredState::changed_fields`] compares.
pub trait DesiredState: Serialize + Sync {
    /// The resource as the generated client returns it.
    type Resource: Serialize + Send;

    /// Names the operation in errors, e.g. `ensure_job`.
    const OPERATION: &'static str;

    /// The natural key in words, for errors: `job "Nightly" in environment 3 of project 1`.
    fn natural_key(&self) -> String;

    /// The resource with this natural key, `None` when there is none. Several matches are an
    /// error: converging one of them at random would be a surprise.
    fn find(
        &self,
        dbt: &DbtCloud,
    ) -> impl Future<Output = Result<Option<Self::Resource>, Error>> + Send;

    /// Creates the resource from the desired state.
    fn create(&self, dbt: &DbtCloud) -> impl Future<Output = Result<Self::Resource, Error>> + Send;

    /// Updates `current` so that the `changed` fields take their desired values (and no
    /// other field changes).
    fn update(
        &self,
        dbt: &DbtCloud,
        current: Self::Resource,
        changed: &[String],
    ) -> impl Future<Output = Result<Self::Resource, Error>> + Send;

    /// The fields of the desired state whose value differs from `current`.
    fn changed_fields(&self, current: &Self::Resource) -> Result<Vec<String>, Error> {
        let desired = self.desired_fields()?;
        let current = fields::to_json(Self::OPERATION, current)?;
        Ok(fields::changed_fields(&desired, &current))
    }

    /// The fields the desired state sets, as JSON in the resource's shape.
    fn desired_fields(&self) -> Result<Map<String, Value>, Error> {
        fields::desired_object(Self::OPERATION, self)
    }
}

impl DbtCloud {
    /// Converges one resource to `desired`: creates it, updates the fields that differ, or
    /// leaves it alone, and says which. One look-up, then at most one write.
    ///
    /// ```no_run
    /// use dbt_cloud_api::ensure::{Change, JobSpec};
    ///
    /// # async fn f(dbt: dbt_cloud_api::DbtCloud) -> Result<(), dbt_cloud_api::Error> {
    /// let nightly = JobSpec::new(1, 2, "Nightly build")
    ///     .execute_steps(["dbt build"])
    ///     .threads(8)
    ///     .schedule_cron("0 5 * * *");
    /// let job = dbt.ensure(&nightly).await?;
    /// if let Change::Updated { fields } = &job.change {
    ///     println!("job {} updated: {}", job.resource.id, fields.join(", "));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn ensure<D: DesiredState>(
        &self,
        desired: &D,
    ) -> Result<Ensured<D::Resource>, Error> {
        let Some(current) = desired.find(self).await? else {
            let resource = desired.create(self).await?;
            return Ok(Ensured {
                change: Change::Created,
                resource,
            });
        };
        let changed = desired.changed_fields(&current)?;
        if changed.is_empty() {
            return Ok(Ensured {
                change: Change::Unchanged,
                resource: current,
            });
        }
        let resource = desired.update(self, current, &changed).await?;
        Ok(Ensured {
            change: Change::Updated { fields: changed },
            resource,
        })
    }
}

/// The create body of a resource created from its fields: the desired fields and the account.
pub(crate) fn create_body<D: DesiredState, Body: serde::de::DeserializeOwned>(
    desired: &D,
    account_id: i64,
) -> Result<Body, Error> {
    let mut fields = desired.desired_fields()?;
    fields.insert("account_id".into(), account_id.into());
    fields::body(D::OPERATION, Value::Object(fields))
}

/// The body of a whole-object update (dbt replaces the resource with it): the current
/// resource with the desired fields written over it, so no other field changes.
pub(crate) fn update_body<D: DesiredState, Body: serde::de::DeserializeOwned>(
    desired: &D,
    current: &D::Resource,
) -> Result<Body, Error> {
    let current = fields::to_json(D::OPERATION, current)?;
    fields::body(
        D::OPERATION,
        fields::merged(current, &desired.desired_fields()?),
    )
}

/// The generated call's answer, unwrapped from dbt's envelope.
pub(crate) async fn answer<T, E, Envelope>(
    operation: &'static str,
    sent: Result<progenitor_client::ResponseValue<Envelope>, progenitor_client::Error<E>>,
    data: impl FnOnce(Envelope) -> Option<T>,
) -> Result<T, Error>
where
    E: Serialize,
{
    match sent {
        Ok(value) => data(value.into_inner()).ok_or_else(|| crate::client::missing_data(operation)),
        Err(e) => Err(Error::from_generated(operation, e).await),
    }
}
