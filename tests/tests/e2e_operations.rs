//! End-to-end: every operation of the derived spec, called through the raw generated client
//! against the mock, its realistic answer decoded; each error status decoded into the typed
//! error body. One test per step of the scenario in `common/e2e.rs`, each on a fresh mock.

#[path = "common/e2e.rs"]
mod e2e;

use e2e::start;

#[tokio::test]
async fn list_and_get_accounts() {
    e2e::accounts(&start().await).await;
}

#[tokio::test]
async fn list_and_get_projects_with_filters_and_ordering() {
    e2e::projects(&start().await).await;
}

#[tokio::test]
async fn list_and_get_environments() {
    e2e::environments(&start().await).await;
}

#[tokio::test]
async fn list_and_get_repositories() {
    e2e::repositories(&start().await).await;
}

#[tokio::test]
async fn list_jobs_pages_and_get_job() {
    e2e::jobs(&start().await).await;
}

#[tokio::test]
async fn create_update_delete_job() {
    e2e::job_crud(&start().await).await;
}

#[tokio::test]
async fn triggered_run_moves_with_the_manual_clock() {
    e2e::run_lifecycle(&start().await).await;
}

#[tokio::test]
async fn cancel_run_and_cancel_a_finished_run() {
    e2e::cancel(&start().await).await;
}

#[tokio::test]
async fn rerun_job_retries_the_failed_run() {
    e2e::rerun(&start().await).await;
}

#[tokio::test]
async fn list_runs_paginates_filters_and_orders() {
    e2e::list_runs(&start().await).await;
}

#[tokio::test]
async fn run_artifacts_list_and_raw_files_per_step() {
    e2e::artifacts(&start().await).await;
}

#[tokio::test]
async fn error_statuses_decode_into_the_typed_error_body() {
    e2e::errors(&start().await).await;
}

#[tokio::test]
async fn v3_accounts_and_project_crud() {
    e2e::v3_accounts_and_projects(&start().await).await;
}

#[tokio::test]
async fn v3_environment_and_repository_crud() {
    e2e::v3_environments_and_repositories(&start().await).await;
}

#[tokio::test]
async fn connections_and_credentials() {
    e2e::connections_and_credentials(&start().await).await;
}

#[tokio::test]
async fn environment_variables_single_bulk_and_listings() {
    e2e::environment_variables(&start().await).await;
}

#[tokio::test]
async fn service_tokens_groups_and_users() {
    e2e::tokens_groups_and_users(&start().await).await;
}

#[tokio::test]
async fn webhook_subscriptions_test_events_receipts() {
    e2e::webhooks(&start().await).await;
}

#[tokio::test]
async fn notifications_crud() {
    e2e::notifications(&start().await).await;
}

#[tokio::test]
async fn run_failure_details_step_and_retry() {
    e2e::run_failure_and_retry(&start().await).await;
}
