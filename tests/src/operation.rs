//! The operations the mock serves, named by the derived spec's operationIds, with their
//! method and path (trailing slashes as dbt has them). Faults and recorded requests refer to
//! operations by this enum.

use std::fmt;

use axum::http::Method;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    ListAccounts,
    GetAccount,
    ListProjects,
    GetProject,
    ListEnvironments,
    GetEnvironment,
    ListRepositories,
    GetRepository,
    ListJobs,
    CreateJob,
    GetJob,
    UpdateJob,
    DeleteJob,
    TriggerJobRun,
    RerunJob,
    GetJobArtifact,
    ListRuns,
    GetRun,
    CancelRun,
    ListRunArtifacts,
    GetRunArtifact,
}

const ACCOUNT: &str = "/api/v2/accounts/{account_id}";

impl Operation {
    pub const ALL: [Operation; 21] = [
        Operation::ListAccounts,
        Operation::GetAccount,
        Operation::ListProjects,
        Operation::GetProject,
        Operation::ListEnvironments,
        Operation::GetEnvironment,
        Operation::ListRepositories,
        Operation::GetRepository,
        Operation::ListJobs,
        Operation::CreateJob,
        Operation::GetJob,
        Operation::UpdateJob,
        Operation::DeleteJob,
        Operation::TriggerJobRun,
        Operation::RerunJob,
        Operation::GetJobArtifact,
        Operation::ListRuns,
        Operation::GetRun,
        Operation::CancelRun,
        Operation::ListRunArtifacts,
        Operation::GetRunArtifact,
    ];

    /// The spec's operationId.
    pub fn id(self) -> &'static str {
        match self {
            Operation::ListAccounts => "listAccounts",
            Operation::GetAccount => "getAccount",
            Operation::ListProjects => "listProjects",
            Operation::GetProject => "getProject",
            Operation::ListEnvironments => "listEnvironments",
            Operation::GetEnvironment => "getEnvironment",
            Operation::ListRepositories => "listRepositories",
            Operation::GetRepository => "getRepository",
            Operation::ListJobs => "listJobs",
            Operation::CreateJob => "createJob",
            Operation::GetJob => "getJob",
            Operation::UpdateJob => "updateJob",
            Operation::DeleteJob => "deleteJob",
            Operation::TriggerJobRun => "triggerJobRun",
            Operation::RerunJob => "rerunJob",
            Operation::GetJobArtifact => "getJobArtifact",
            Operation::ListRuns => "listRuns",
            Operation::GetRun => "getRun",
            Operation::CancelRun => "cancelRun",
            Operation::ListRunArtifacts => "listRunArtifacts",
            Operation::GetRunArtifact => "getRunArtifact",
        }
    }

    pub fn method(self) -> Method {
        match self {
            Operation::CreateJob
            | Operation::UpdateJob
            | Operation::TriggerJobRun
            | Operation::RerunJob
            | Operation::CancelRun => Method::POST,
            Operation::DeleteJob => Method::DELETE,
            _ => Method::GET,
        }
    }

    /// The route template (axum syntax; `{*path}` captures an artifact path with slashes).
    pub fn path(self) -> String {
        let tail = match self {
            Operation::ListAccounts => return "/api/v2/accounts/".into(),
            Operation::GetAccount => "/",
            Operation::ListProjects => "/projects/",
            Operation::GetProject => "/projects/{project_id}/",
            Operation::ListEnvironments => "/environments/",
            Operation::GetEnvironment => "/environments/{environment_id}/",
            Operation::ListRepositories => "/repositories/",
            Operation::GetRepository => "/repositories/{repository_id}/",
            Operation::ListJobs | Operation::CreateJob => "/jobs/",
            Operation::GetJob | Operation::UpdateJob | Operation::DeleteJob => "/jobs/{job_id}/",
            Operation::TriggerJobRun => "/jobs/{job_id}/run/",
            Operation::RerunJob => "/jobs/{job_id}/rerun/",
            Operation::GetJobArtifact => "/jobs/{job_id}/artifacts/{*path}",
            Operation::ListRuns => "/runs/",
            Operation::GetRun => "/runs/{run_id}/",
            Operation::CancelRun => "/runs/{run_id}/cancel/",
            Operation::ListRunArtifacts => "/runs/{run_id}/artifacts/",
            Operation::GetRunArtifact => "/runs/{run_id}/artifacts/{*path}",
        };
        format!("{ACCOUNT}{tail}")
    }

    /// The operation served at a matched route template and method.
    pub fn from_route(method: &Method, template: &str) -> Option<Operation> {
        Operation::ALL
            .into_iter()
            .find(|op| op.method() == *method && op.path() == template)
    }

    /// Whether a concrete path (no query) matches some route template, ignoring the method.
    /// Used to redirect `/runs/1` to `/runs/1/` as dbt does.
    pub(crate) fn any_matches(path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').collect();
        Operation::ALL.into_iter().any(|op| {
            let template = op.path();
            let pattern: Vec<&str> = template.split('/').collect();
            if pattern.last().is_some_and(|p| p.starts_with("{*")) {
                return false;
            }
            pattern.len() == parts.len()
                && pattern
                    .iter()
                    .zip(&parts)
                    .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
        })
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
