//! A run's files: raw bytes, parsed JSON, and typed `run_results.json` / `manifest.json`.
//!
//! dbt serves the copy of the last step unless `step` is given, and a last `docs generate`
//! step hides the build step's `run_results.json`: pass the step you mean when it matters.
//! The artifact types keep only the fields orchestrators use, all optional, and ignore the
//! rest, so they read every dbt version's files.
//!
//! ```no_run
//! # async fn f(dbt: dbt_cloud_api::DbtCloud) -> Result<(), dbt_cloud_api::Error> {
//! let results = dbt.run_results(42, None).await?;
//! for node in results.results.iter().filter(|n| n.is_failure()) {
//!     println!("{} {}: {}", node.unique_id, node.status, node.message.as_deref().unwrap_or(""));
//! }
//! let manifest = dbt.manifest(42, Some(2)).await?;
//! println!("{} models", manifest.models().count());
//! let raw = dbt.artifact_bytes(42, "compiled/my_project/models/orders.sql", None).await?;
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;

use bytes::Bytes;
use futures::TryStreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::DbtCloud;
use crate::error::Error;

/// `null` or missing both become the default (dbt writes `null` for empty lists at times).
fn null_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The `metadata` block of every dbt artifact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArtifactMetadata {
    /// The artifact's schema URL, e.g. `https://schemas.getdbt.com/dbt/run-results/v6.json`.
    #[serde(default)]
    pub dbt_schema_version: Option<String>,
    /// dbt's version.
    #[serde(default)]
    pub dbt_version: Option<String>,
    /// When the file was written.
    #[serde(default)]
    pub generated_at: Option<String>,
    /// The invocation that wrote it.
    #[serde(default)]
    pub invocation_id: Option<String>,
}

/// `run_results.json`: what happened to each node of one dbt command.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    /// Versions and times.
    #[serde(default)]
    pub metadata: Option<ArtifactMetadata>,
    /// One entry per node executed.
    #[serde(default, deserialize_with = "null_default")]
    pub results: Vec<NodeResult>,
    /// Seconds the command took.
    #[serde(default)]
    pub elapsed_time: Option<f64>,
}

impl RunResults {
    /// The nodes that errored or failed.
    pub fn failures(&self) -> impl Iterator<Item = &NodeResult> {
        self.results.iter().filter(|n| n.is_failure())
    }

    /// How many nodes ended in each status, e.g. `{"success": 12, "error": 1}`.
    pub fn status_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for node in &self.results {
            *counts.entry(node.status.clone()).or_insert(0) += 1;
        }
        counts
    }
}

/// One node's result in `run_results.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeResult {
    /// `model.my_project.orders`, `test.my_project.not_null_orders_id.abc123`, ...
    #[serde(default, deserialize_with = "null_default")]
    pub unique_id: String,
    /// `success`, `error`, `skipped` (models); `pass`, `fail`, `warn`, `error` (tests);
    /// `runtime error`, ... kept as dbt wrote it.
    #[serde(default, deserialize_with = "null_default")]
    pub status: String,
    /// Compile and execute phases.
    #[serde(default, deserialize_with = "null_default")]
    pub timing: Vec<Timing>,
    /// The worker thread.
    #[serde(default)]
    pub thread_id: Option<String>,
    /// Seconds spent on the node.
    #[serde(default)]
    pub execution_time: Option<f64>,
    /// dbt's message (`SELECT 12`, `Got 3 results, configured to fail if != 0`, an error).
    #[serde(default)]
    pub message: Option<String>,
    /// Failing rows of a test.
    #[serde(default)]
    pub failures: Option<i64>,
    /// The adapter's answer (rows affected, query id, ...), free-form.
    #[serde(default)]
    pub adapter_response: Option<serde_json::Value>,
    /// The relation built, e.g. `"analytics"."orders"`.
    #[serde(default)]
    pub relation_name: Option<String>,
}

impl NodeResult {
    /// Whether the node errored or a test failed.
    pub fn is_failure(&self) -> bool {
        matches!(self.status.as_str(), "error" | "fail" | "runtime error")
    }

    /// The resource type from the unique id (`model`, `test`, `seed`, `snapshot`, ...).
    pub fn resource_type(&self) -> &str {
        self.unique_id.split('.').next().unwrap_or("")
    }

    /// The node's short name (the last part of the unique id, or the one before a test's hash).
    pub fn name(&self) -> &str {
        let parts: Vec<&str> = self.unique_id.split('.').collect();
        match parts.as_slice() {
            ["test", _, name, _hash] => name,
            [.., last] => last,
            [] => "",
        }
    }
}

/// One phase of a node (`compile`, `execute`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// The phase.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// ISO 8601 start.
    #[serde(default)]
    pub started_at: Option<String>,
    /// ISO 8601 end.
    #[serde(default)]
    pub completed_at: Option<String>,
}

/// `manifest.json`: the project's nodes and sources with their dependencies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Versions and times.
    #[serde(default)]
    pub metadata: Option<ArtifactMetadata>,
    /// Models, tests, seeds, snapshots, analyses, by unique id.
    #[serde(default, deserialize_with = "null_default")]
    pub nodes: BTreeMap<String, ManifestNode>,
    /// Sources, by unique id.
    #[serde(default, deserialize_with = "null_default")]
    pub sources: BTreeMap<String, ManifestNode>,
    /// Each node's parents.
    #[serde(default, deserialize_with = "null_default")]
    pub parent_map: BTreeMap<String, Vec<String>>,
    /// Each node's children.
    #[serde(default, deserialize_with = "null_default")]
    pub child_map: BTreeMap<String, Vec<String>>,
}

impl Manifest {
    /// The models.
    pub fn models(&self) -> impl Iterator<Item = &ManifestNode> {
        self.nodes.values().filter(|n| n.resource_type == "model")
    }

    /// A node or source by unique id.
    pub fn node(&self, unique_id: &str) -> Option<&ManifestNode> {
        self.nodes
            .get(unique_id)
            .or_else(|| self.sources.get(unique_id))
    }
}

/// A node or source of `manifest.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ManifestNode {
    /// `model.my_project.orders`.
    #[serde(default, deserialize_with = "null_default")]
    pub unique_id: String,
    /// `orders`.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// `model`, `test`, `seed`, `snapshot`, `source`, ...
    #[serde(default, deserialize_with = "null_default")]
    pub resource_type: String,
    /// The package.
    #[serde(default)]
    pub package_name: Option<String>,
    /// File path within the project.
    #[serde(default)]
    pub original_file_path: Option<String>,
    /// Database.
    #[serde(default)]
    pub database: Option<String>,
    /// Schema.
    #[serde(default)]
    pub schema: Option<String>,
    /// Relation name override.
    #[serde(default)]
    pub alias: Option<String>,
    /// Documentation.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
    /// What it depends on.
    #[serde(default)]
    pub depends_on: Option<DependsOn>,
    /// The node's config (materialized, ...), free-form.
    #[serde(default)]
    pub config: Option<serde_json::Value>,
}

impl ManifestNode {
    /// `config.materialized` (`table`, `view`, `incremental`, ...).
    pub fn materialized(&self) -> Option<&str> {
        self.config.as_ref()?.get("materialized")?.as_str()
    }
}

/// A node's dependencies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DependsOn {
    /// Unique ids of parent nodes.
    #[serde(default, deserialize_with = "null_default")]
    pub nodes: Vec<String>,
    /// Unique ids of macros.
    #[serde(default, deserialize_with = "null_default")]
    pub macros: Vec<String>,
}

fn decode<T: DeserializeOwned>(
    operation: &'static str,
    path: &str,
    bytes: &[u8],
) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Decode {
        operation,
        status: None,
        message: format!("{path} is not the expected JSON: {e}"),
    })
}

/// An artifact path as dbt lists it, without a leading `/`; empty is a caller error.
fn artifact_path<'a>(operation: &'static str, path: &'a str) -> Result<&'a str, Error> {
    let path = path.trim_start_matches('/');
    if path.is_empty() {
        return Err(Error::InvalidRequest {
            operation,
            message: "empty artifact path".to_string(),
        });
    }
    Ok(path)
}

/// The body of a generated raw-file call (getRunArtifact, getJobArtifact) as one buffer.
async fn collect_body(
    operation: &'static str,
    sent: Result<
        progenitor_client::ResponseValue<progenitor_client::ByteStream>,
        progenitor_client::Error<crate::types::ErrorResponse>,
    >,
) -> Result<Bytes, Error> {
    let stream = match sent {
        Ok(v) => v.into_inner_stream(),
        Err(e) => return Err(Error::from_generated(operation, e).await),
    };
    // The transport already holds the whole body; this only joins its chunks.
    let chunks: Vec<Bytes> = stream
        .try_collect()
        .await
        .map_err(|e| Error::from_reqwest(operation, &e))?;
    Ok(match chunks.len() {
        1 => chunks.into_iter().next().unwrap_or_default(),
        _ => Bytes::from(chunks.concat()),
    })
}

impl DbtCloud {
    /// The paths of a run's artifacts (`manifest.json`, `run_results.json`, `compiled/...`).
    pub async fn list_artifacts(&self, run_id: i64) -> Result<Vec<String>, Error> {
        let request = self
            .raw()
            .list_run_artifacts()
            .account_id(self.account_id()?)
            .run_id(run_id);
        match request.send().await {
            Ok(v) => Ok(v.into_inner().data.unwrap_or_default()),
            Err(e) => Err(Error::from_generated("list_run_artifacts", e).await),
        }
    }

    /// A run's artifact as bytes. `path` as listed (`compiled/a/b.sql` keeps its slashes);
    /// `step` is 1-based, `None` for dbt's default (the last step).
    pub async fn artifact_bytes(
        &self,
        run_id: i64,
        path: &str,
        step: Option<i64>,
    ) -> Result<Bytes, Error> {
        const OP: &str = "get_run_artifact";
        let path = artifact_path(OP, path)?;
        let mut request = self
            .raw()
            .get_run_artifact()
            .account_id(self.account_id()?)
            .run_id(run_id)
            .path(path);
        if let Some(step) = step {
            let number = u64::try_from(step)
                .ok()
                .and_then(std::num::NonZeroU64::new)
                .ok_or_else(|| Error::InvalidRequest {
                    operation: OP,
                    message: format!("step {step} is not a step number: steps count from 1"),
                })?;
            request = request.step(number);
        }
        collect_body(OP, request.send().await).await
    }

    /// A run's artifact parsed as JSON into `T` (`serde_json::Value` for anything).
    pub async fn artifact_json<T: DeserializeOwned>(
        &self,
        run_id: i64,
        path: &str,
        step: Option<i64>,
    ) -> Result<T, Error> {
        let bytes = self.artifact_bytes(run_id, path, step).await?;
        decode("get_run_artifact", path, &bytes)
    }

    /// A run's `run_results.json`.
    pub async fn run_results(&self, run_id: i64, step: Option<i64>) -> Result<RunResults, Error> {
        self.artifact_json(run_id, "run_results.json", step).await
    }

    /// A run's `manifest.json`.
    pub async fn manifest(&self, run_id: i64, step: Option<i64>) -> Result<Manifest, Error> {
        self.artifact_json(run_id, "manifest.json", step).await
    }

    /// An artifact of the job's latest run that saved artifacts
    /// (`GET .../jobs/{job}/artifacts/{path}`), e.g. the `manifest.json` to defer to.
    pub async fn job_artifact_bytes(&self, job_id: i64, path: &str) -> Result<Bytes, Error> {
        const OP: &str = "get_job_artifact";
        let path = artifact_path(OP, path)?;
        let request = self
            .raw()
            .get_job_artifact()
            .account_id(self.account_id()?)
            .job_id(job_id)
            .path(path);
        collect_body(OP, request.send().await).await
    }

    /// [`DbtCloud::job_artifact_bytes`] parsed as JSON.
    pub async fn job_artifact_json<T: DeserializeOwned>(
        &self,
        job_id: i64,
        path: &str,
    ) -> Result<T, Error> {
        let bytes = self.job_artifact_bytes(job_id, path).await?;
        decode("get_job_artifact", path, &bytes)
    }
}
