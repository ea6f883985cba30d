//! The `ClientHooks` the generated client calls on every request, and the one fix-up a
//! request needs before it leaves: real slashes in an artifact path.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::Response;

use super::Transport;

impl ClientHooks<Transport> for crate::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        if is_artifact_operation(info.operation_id) {
            restore_artifact_path(request.url_mut());
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<Response> {
        self.inner()
            .execute(self.client(), request, info.operation_id)
            .await
    }
}

/// The operations whose last path parameter is an artifact path such as `compiled/a/b.sql`.
fn is_artifact_operation(operation_id: &str) -> bool {
    matches!(operation_id, "get_run_artifact" | "get_job_artifact")
}

/// progenitor percent-encodes `/` inside a path parameter, but dbt expects an artifact path
/// (`compiled/my_project/models/a.sql`) with real slashes; put them back after `/artifacts/`.
pub(crate) fn restore_artifact_path(url: &mut reqwest::Url) {
    let path = url.path();
    let Some(at) = path.rfind("/artifacts/") else {
        return;
    };
    let (head, tail) = path.split_at(at + "/artifacts/".len());
    if !tail.contains("%2F") && !tail.contains("%2f") {
        return;
    }
    let fixed = format!("{head}{}", tail.replace("%2F", "/").replace("%2f", "/"));
    url.set_path(&fixed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_path_slashes_are_restored() {
        let mut url = reqwest::Url::parse(
            "https://x/api/v2/accounts/1/runs/2/artifacts/compiled%2Fproj%2Fa%20b.sql?step=2",
        )
        .unwrap();
        restore_artifact_path(&mut url);
        assert_eq!(
            url.path(),
            "/api/v2/accounts/1/runs/2/artifacts/compiled/proj/a%20b.sql"
        );
        assert_eq!(url.query(), Some("step=2"));
    }
}
