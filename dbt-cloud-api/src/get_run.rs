//! getRun, the request a wait repeats: [`DbtCloud::fetch_run`] and
//! [`DbtCloud::fetch_run_including`].
//!
//! These two build the request themselves rather than through the generated `GetRun`
//! builder, and send it through the same `pre` hook and the same transport as the `exec`
//! hook (retries, the rate limit, redaction, tracing); the answer is then decoded as the
//! transport read it, instead of being wrapped in a `reqwest::Response` to be read again.
//! Why: a wait polls getRun once per interval for every run it watches, and the builder
//! spends about 3% of a call against a local server (`cargo bench -p dbt-cloud-api --bench
//! layer_overhead`) on work that is the same for every run: an error `String` per required
//! parameter, percent-encoding two integers (digits need none), a header map for one static
//! header, and an empty query.
//!
//! The request is the builder's, header for header: `tests/get_run.rs` sends both to the
//! mock and to a hostile server and compares what they received, and compares the answers
//! and errors the two give.

use progenitor_client::{
    ClientHooks, ClientInfo, Error as Generated, OperationInfo, ResponseValue,
};
use reqwest::header::{ACCEPT, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;

use crate::client::{DbtCloud, missing_data};
use crate::error::Error;
use crate::transport::{Answer, Transport};
use crate::types::{ErrorResponse, Run, RunResponse};

/// The generated operation this module stands in for; errors and spans carry its id.
const OPERATION: &str = "get_run";

impl DbtCloud {
    /// One run, without its related objects.
    pub async fn fetch_run(&self, run_id: i64) -> Result<Run, Error> {
        let answer = self.request_run(self.account_id()?, run_id, None).await;
        run_of(answer)
    }

    /// One run, with the related objects named in `include_related` (comma-separated:
    /// `trigger`, `job`, `environment`, `run_steps`, `debug_logs`).
    pub async fn fetch_run_including(
        &self,
        run_id: i64,
        include_related: Option<&str>,
    ) -> Result<Run, Error> {
        let answer = self
            .request_run(self.account_id()?, run_id, include_related)
            .await;
        run_of(answer)
    }

    /// getRun as the generated `GetRun::send` makes and answers it, built directly.
    async fn request_run(
        &self,
        account_id: i64,
        run_id: i64,
        include_related: Option<&str>,
    ) -> Result<ResponseValue<RunResponse>, Generated<ErrorResponse>> {
        let client = self.raw();
        let url = format!(
            "{}/api/v2/accounts/{account_id}/runs/{run_id}/",
            client.baseurl()
        );
        let mut builder = client
            .client()
            .get(url)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(
                HeaderName::from_static("api-version"),
                HeaderValue::from_static(<crate::Client as ClientInfo<Transport>>::api_version()),
            );
        if let Some(include) = include_related {
            builder = builder.query(&[("include_related", include)]);
        }
        let mut request = builder.build()?;
        let info = OperationInfo {
            operation_id: OPERATION,
        };
        client.pre(&mut request, &info).await?;
        // What the `exec` hook does, short of wrapping the body in a `reqwest::Response` to be
        // read again: the transport's answer is decoded as it is. (The `post` hook, which the
        // generated code calls next, is progenitor's default and does nothing.)
        let answer = client
            .inner()
            .answer(client.client(), request, OPERATION)
            .await?;
        // The generated operation's mapping: its spec answers 200 and `4XX`.
        match answer.status.as_u16() {
            200 => decode(answer),
            400..=499 => Err(Generated::ErrorResponse(decode(answer)?)),
            _ => Err(Generated::UnexpectedResponse(answer.into_response())),
        }
    }
}

/// What the generated code's decoding does (progenitor's `ResponseValue::from_response`,
/// which its docs hide, so it is not relied on here), on the body the transport read.
// The error is progenitor's own type, as the generated code returns it, for
// `Error::from_generated_now` to map the same way.
#[allow(clippy::result_large_err)]
fn decode<T: DeserializeOwned, E>(answer: Answer) -> Result<ResponseValue<T>, Generated<E>> {
    match serde_json::from_slice(&answer.body) {
        Ok(inner) => Ok(ResponseValue::new(inner, answer.status, answer.headers)),
        Err(e) => Err(Generated::InvalidResponsePayload(answer.body, e)),
    }
}

/// The run of a getRun answer. Synchronous, and called by both helpers rather than one
/// awaiting the other: a run is a large value, copied once more per async layer it leaves.
#[inline]
fn run_of(
    answer: Result<ResponseValue<RunResponse>, Generated<ErrorResponse>>,
) -> Result<Run, Error> {
    match answer {
        Ok(v) => v.into_inner().data.ok_or_else(|| missing_data(OPERATION)),
        Err(e) => Err(Error::from_generated_now(OPERATION, e)),
    }
}
