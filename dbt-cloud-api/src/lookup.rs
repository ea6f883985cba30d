//! Finding a project, an environment or a job by name, as orchestrators configure them
//! (Airflow's `get_job_by_name`: project name, environment name, job name).
//!
//! Names are matched exactly (after trimming) against active resources. dbt does not make
//! names unique, so none and several matches are both errors ([`Error::NameLookup`]) that
//! name what was searched, where, and the ids of the matches or the names that do exist.
//!
//! ```no_run
//! # async fn f(dbt: dbt_cloud_api::DbtCloud) -> Result<(), dbt_cloud_api::Error> {
//! let job = dbt.find_job_by_names("Analytics", "Production", "Nightly build").await?;
//! println!("job {}", job.id);
//! let project = dbt.find_project("Analytics").await?;
//! let env = dbt.find_environment(project.id, "Production").await?;
//! let same = dbt.find_job(project.id, Some(env.id), "Nightly build").await?;
//! assert_eq!(same.id, job.id);
//! # Ok(()) }
//! ```

use futures::{StreamExt, TryStreamExt};

use crate::DbtCloud;
use crate::error::Error;
use crate::paginate::ListRequest;
use crate::types::{Environment, Job, Project};

/// How many candidate names an error shows.
const SHOWN_CANDIDATES: usize = 10;
/// dbt's `state` of a soft-deleted resource.
const DELETED: i64 = 2;

/// The message of [`Error::NameLookup`].
pub(crate) fn describe(
    kind: &str,
    name: &str,
    scope: &str,
    matches: &[(i64, String)],
    candidates: &[(i64, String)],
) -> String {
    let list = |items: &[(i64, String)]| {
        items
            .iter()
            .map(|(id, name)| format!("{name:?} (id {id})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if matches.is_empty() {
        let there = if candidates.is_empty() {
            format!("there is no {kind} {scope}")
        } else {
            format!("{kind}s {scope} include {}", list(candidates))
        };
        format!("no {kind} named {name:?} {scope}; {there}")
    } else {
        format!(
            "{} {kind}s named {name:?} {scope}: {}; pick one by id",
            matches.len(),
            list(matches)
        )
    }
}

/// A listed resource with a name and a soft-deletion state.
trait Named {
    fn id(&self) -> i64;
    fn name(&self) -> &str;
    fn is_deleted(&self) -> bool;
}

macro_rules! named {
    ($($ty:ty),*) => {
        $(impl Named for $ty {
            fn id(&self) -> i64 {
                self.id
            }
            fn name(&self) -> &str {
                self.name.as_deref().unwrap_or("").trim()
            }
            fn is_deleted(&self) -> bool {
                self.state == Some(DELETED)
            }
        })*
    };
}
named!(Project, Environment, Job);

impl DbtCloud {
    /// The one active item named `name` among those `filtered` lists (narrowed on the server
    /// by `name__icontains`); `everything` lists the scope for an error's candidates.
    async fn only_named<R>(
        &self,
        kind: &'static str,
        name: &str,
        scope: String,
        filtered: R,
        everything: R,
    ) -> Result<R::Item, Error>
    where
        R: ListRequest,
        R::Item: Named,
    {
        let wanted = name.trim();
        let listed = self.collect_all(filtered).await?;
        let mut found: Vec<R::Item> = listed
            .into_iter()
            .filter(|item| !item.is_deleted() && item.name() == wanted)
            .collect();
        if found.len() == 1
            && let Some(item) = found.pop()
        {
            return Ok(item);
        }
        let matches: Vec<(i64, String)> = found
            .iter()
            .map(|i| (i.id(), i.name().to_string()))
            .collect();
        let mut candidates = Vec::new();
        if matches.is_empty() {
            // The first page is enough to show what exists.
            let first = std::pin::pin!(self.paginate_with_concurrency(everything, 1));
            candidates = first
                .try_filter(|item| futures::future::ready(!item.is_deleted()))
                .take(SHOWN_CANDIDATES)
                .map_ok(|item| (item.id(), item.name().to_string()))
                .try_collect()
                .await?;
        }
        Err(Error::NameLookup {
            kind,
            name: wanted.to_string(),
            scope,
            matches,
            candidates,
        })
    }

    /// The active project named `name` in the account.
    pub async fn find_project(&self, name: &str) -> Result<Project, Error> {
        let account_id = self.account_id()?;
        let all = self.raw().list_projects().account_id(account_id);
        let filtered = all.clone().name_icontains(name.trim().to_string());
        let scope = format!("in account {account_id}");
        self.only_named("project", name, scope, filtered, all).await
    }

    /// The active environment named `name` in project `project_id`.
    pub async fn find_environment(
        &self,
        project_id: i64,
        name: &str,
    ) -> Result<Environment, Error> {
        let all = self
            .raw()
            .list_environments()
            .account_id(self.account_id()?)
            .project_id(project_id);
        let filtered = all.clone().name_icontains(name.trim().to_string());
        let scope = format!("in project {project_id}");
        self.only_named("environment", name, scope, filtered, all)
            .await
    }

    /// The active job named `name` in project `project_id` (and environment
    /// `environment_id`, if given).
    pub async fn find_job(
        &self,
        project_id: i64,
        environment_id: Option<i64>,
        name: &str,
    ) -> Result<Job, Error> {
        let mut all = self
            .raw()
            .list_jobs()
            .account_id(self.account_id()?)
            .project_id(project_id);
        let mut scope = format!("in project {project_id}");
        if let Some(environment_id) = environment_id {
            all = all.environment_id(environment_id);
            scope.push_str(&format!(", environment {environment_id}"));
        }
        let filtered = all.clone().name_icontains(name.trim().to_string());
        self.only_named("job", name, scope, filtered, all).await
    }

    /// The job found by its project's, environment's and own names.
    pub async fn find_job_by_names(
        &self,
        project_name: &str,
        environment_name: &str,
        job_name: &str,
    ) -> Result<Job, Error> {
        let project = self.find_project(project_name).await?;
        let environment = self.find_environment(project.id, environment_name).await?;
        self.find_job(project.id, Some(environment.id), job_name)
            .await
    }
}
