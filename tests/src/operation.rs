//! The operations the mock serves, named by the derived spec's operationIds, with their
//! method and path (trailing slashes as dbt has them). Faults and recorded requests refer to
//! operations by this enum. One table (`operations!` below) is the only place an operation's
//! id, method and path are written.

use std::fmt;

use axum::http::Method;

/// Where an operation's path starts; the table gives the rest.
#[derive(Clone, Copy)]
enum Base {
    /// The path is complete (`/api/v2/accounts/`).
    Root,
    /// `/api/v2/accounts/{account_id}`
    V2,
    /// `/api/v3/accounts/{account_id}`
    V3,
    /// `/api/v3/accounts/{account_id}/projects/{project_id}`
    V3Project,
}

impl Base {
    fn prefix(self) -> &'static str {
        match self {
            Base::Root => "",
            Base::V2 => "/api/v2/accounts/{account_id}",
            Base::V3 => "/api/v3/accounts/{account_id}",
            Base::V3Project => "/api/v3/accounts/{account_id}/projects/{project_id}",
        }
    }
}

macro_rules! operations {
    ($($variant:ident = $id:literal, $method:ident, $base:ident $tail:literal;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Operation {
            $($variant,)*
        }

        impl Operation {
            /// Every operation, in the table's order.
            pub const ALL: [Operation; [$($id),*].len()] = [$(Operation::$variant),*];

            /// The spec's operationId.
            pub fn id(self) -> &'static str {
                match self {
                    $(Operation::$variant => $id,)*
                }
            }

            pub fn method(self) -> Method {
                match self {
                    $(Operation::$variant => Method::$method,)*
                }
            }

            fn parts(self) -> (Base, &'static str) {
                match self {
                    $(Operation::$variant => (Base::$base, $tail),)*
                }
            }
        }
    };
}

operations! {
    ListAccounts = "listAccounts", GET, Root "/api/v2/accounts/";
    GetAccount = "getAccount", GET, V2 "/";
    ListProjects = "listProjects", GET, V2 "/projects/";
    GetProject = "getProject", GET, V2 "/projects/{project_id}/";
    ListEnvironments = "listEnvironments", GET, V2 "/environments/";
    GetEnvironment = "getEnvironment", GET, V2 "/environments/{environment_id}/";
    ListRepositories = "listRepositories", GET, V2 "/repositories/";
    GetRepository = "getRepository", GET, V2 "/repositories/{repository_id}/";
    ListJobs = "listJobs", GET, V2 "/jobs/";
    CreateJob = "createJob", POST, V2 "/jobs/";
    GetJob = "getJob", GET, V2 "/jobs/{job_id}/";
    UpdateJob = "updateJob", POST, V2 "/jobs/{job_id}/";
    DeleteJob = "deleteJob", DELETE, V2 "/jobs/{job_id}/";
    TriggerJobRun = "triggerJobRun", POST, V2 "/jobs/{job_id}/run/";
    RerunJob = "rerunJob", POST, V2 "/jobs/{job_id}/rerun/";
    GetJobArtifact = "getJobArtifact", GET, V2 "/jobs/{job_id}/artifacts/{*path}";
    ListRuns = "listRuns", GET, V2 "/runs/";
    GetRun = "getRun", GET, V2 "/runs/{run_id}/";
    CancelRun = "cancelRun", POST, V2 "/runs/{run_id}/cancel/";
    ListRunArtifacts = "listRunArtifacts", GET, V2 "/runs/{run_id}/artifacts/";
    GetRunArtifact = "getRunArtifact", GET, V2 "/runs/{run_id}/artifacts/{*path}";
    // v3: configuration (issue 8).
    ListAccountsV3 = "listAccountsV3", GET, Root "/api/v3/accounts/";
    GetAccountV3 = "getAccountV3", GET, V3 "/";
    ListProjectsV3 = "listProjectsV3", GET, V3 "/projects/";
    GetProjectV3 = "getProjectV3", GET, V3 "/projects/{project_id}/";
    CreateProject = "createProject", POST, V3 "/projects/";
    UpdateProject = "updateProject", POST, V3 "/projects/{project_id}/";
    DeleteProject = "deleteProject", DELETE, V3 "/projects/{project_id}/";
    ListProjectEnvironments = "listProjectEnvironments", GET, V3Project "/environments/";
    GetProjectEnvironment = "getProjectEnvironment", GET, V3Project "/environments/{environment_id}/";
    CreateProjectEnvironment = "createProjectEnvironment", POST, V3Project "/environments/";
    UpdateProjectEnvironment = "updateProjectEnvironment", POST, V3Project "/environments/{environment_id}/";
    DeleteProjectEnvironment = "deleteProjectEnvironment", DELETE, V3Project "/environments/{environment_id}/";
    ListProjectRepositories = "listProjectRepositories", GET, V3Project "/repositories/";
    GetProjectRepository = "getProjectRepository", GET, V3Project "/repositories/{repository_id}/";
    CreateProjectRepository = "createProjectRepository", POST, V3Project "/repositories/";
    UpdateProjectRepository = "updateProjectRepository", POST, V3Project "/repositories/{repository_id}/";
    DeleteProjectRepository = "deleteProjectRepository", DELETE, V3Project "/repositories/{repository_id}/";
    ListAccountConnections = "listAccountConnections", GET, V3 "/connections/";
    GetAccountConnection = "getAccountConnection", GET, V3 "/connections/{connection_id}/";
    CreateAccountConnection = "createAccountConnection", POST, V3 "/connections/";
    UpdateAccountConnection = "updateAccountConnection", PATCH, V3 "/connections/{connection_id}/";
    DeleteAccountConnection = "deleteAccountConnection", DELETE, V3 "/connections/{connection_id}/";
    ListProjectConnections = "listProjectConnections", GET, V3Project "/connections/";
    GetProjectConnection = "getProjectConnection", GET, V3Project "/connections/{connection_id}/";
    ListProjectCredentials = "listProjectCredentials", GET, V3Project "/credentials/";
    GetProjectCredential = "getProjectCredential", GET, V3Project "/credentials/{credential_id}/";
    CreateProjectCredential = "createProjectCredential", POST, V3Project "/credentials/";
    UpdateProjectCredential = "updateProjectCredential", POST, V3Project "/credentials/{credential_id}/";
    PartialUpdateProjectCredential = "partialUpdateProjectCredential", PATCH, V3Project "/credentials/{credential_id}/";
    DeleteProjectCredential = "deleteProjectCredential", DELETE, V3Project "/credentials/{credential_id}/";
    CreateEnvironmentVariable = "createEnvironmentVariable", POST, V3Project "/environment-variables/";
    UpdateEnvironmentVariable = "updateEnvironmentVariable", POST, V3Project "/environment-variables/{environment_variable_id}/";
    DeleteEnvironmentVariable = "deleteEnvironmentVariable", DELETE, V3Project "/environment-variables/{environment_variable_id}/";
    BulkCreateEnvironmentVariables = "bulkCreateEnvironmentVariables", POST, V3Project "/environment-variables/bulk/";
    BulkUpdateEnvironmentVariables = "bulkUpdateEnvironmentVariables", PUT, V3Project "/environment-variables/bulk/";
    BulkDeleteEnvironmentVariables = "bulkDeleteEnvironmentVariables", DELETE, V3Project "/environment-variables/bulk/";
    ListEnvironmentVariables = "listEnvironmentVariables", GET, V3Project "/environment-variables/environment/";
    ListJobEnvironmentVariables = "listJobEnvironmentVariables", GET, V3Project "/environment-variables/job/";
    ListUserEnvironmentVariables = "listUserEnvironmentVariables", GET, V3Project "/environment-variables/user/";
    ListServiceTokens = "listServiceTokens", GET, V3 "/service-tokens/";
    GetServiceToken = "getServiceToken", GET, V3 "/service-tokens/{service_token_id}/";
    CreateServiceToken = "createServiceToken", POST, V3 "/service-tokens/";
    UpdateServiceToken = "updateServiceToken", PUT, V3 "/service-tokens/{service_token_id}/";
    DeleteServiceToken = "deleteServiceToken", DELETE, V3 "/service-tokens/{service_token_id}/";
    ListServiceTokenPermissions = "listServiceTokenPermissions", GET, V3 "/service-tokens/{service_token_id}/permissions/";
    ListGroups = "listGroups", GET, V3 "/groups/";
    GetGroup = "getGroup", GET, V3 "/groups/{group_id}/";
    CreateGroup = "createGroup", POST, V3 "/groups/";
    UpdateGroup = "updateGroup", POST, V3 "/groups/{group_id}/";
    AssignGroupPermissions = "assignGroupPermissions", POST, V3 "/group-permissions/{group_id}/";
    ListUsersV3 = "listUsersV3", GET, V3 "/users/";
    GetUserV3 = "getUserV3", GET, V3 "/users/{user_id}/";
    AssignUserToGroups = "assignUserToGroups", POST, V3 "/assign-groups/";
    // dbt serves webhook paths without the trailing slash.
    ListWebhookSubscriptions = "listWebhookSubscriptions", GET, V3 "/webhooks/subscriptions";
    CreateWebhookSubscription = "createWebhookSubscription", POST, V3 "/webhooks/subscriptions";
    GetWebhookSubscription = "getWebhookSubscription", GET, V3 "/webhooks/subscription/{subscription_id}";
    UpdateWebhookSubscription = "updateWebhookSubscription", PUT, V3 "/webhooks/subscription/{subscription_id}";
    DeleteWebhookSubscription = "deleteWebhookSubscription", DELETE, V3 "/webhooks/subscription/{subscription_id}";
    TestWebhookSubscription = "testWebhookSubscription", GET, V3 "/webhooks/subscription/{subscription_id}/test";
    ListWebhookSubscriptionEvents = "listWebhookSubscriptionEvents", GET, V3 "/webhooks/subscription/{subscription_id}/events";
    ListWebhookSubscriptionEventReceipts = "listWebhookSubscriptionEventReceipts", GET, V3 "/webhooks/subscription/{subscription_id}/event/{event_id}/receipt";
    // v2 additions (issue 8).
    ListNotifications = "listNotifications", GET, V2 "/notifications/";
    GetNotification = "getNotification", GET, V2 "/notifications/{notification_id}/";
    CreateNotification = "createNotification", POST, V2 "/notifications/";
    UpdateNotification = "updateNotification", POST, V2 "/notifications/{notification_id}/";
    DeleteNotification = "deleteNotification", DELETE, V2 "/notifications/{notification_id}/";
    GetRunStep = "getRunStep", GET, V2 "/steps/{step_id}/";
    GetRunFailureDetails = "getRunFailureDetails", GET, V2 "/runs/{run_id}/retry/";
    RetryRun = "retryRun", POST, V2 "/runs/{run_id}/retry/";
    ListUsers = "listUsers", GET, V2 "/users/";
}

impl Operation {
    /// The route template (axum syntax; `{*path}` captures an artifact path with slashes).
    pub fn path(self) -> String {
        let (base, tail) = self.parts();
        format!("{}{tail}", base.prefix())
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
