//! The nodes of every dbt step of a run, in one view.
//!
//! dbt serves one `run_results.json` per step and, without `step`, the last step's: a job of
//! `dbt run` then `dbt test` shows only the tests, and a final `dbt docs generate` hides the
//! build entirely. [`DbtCloud::run_nodes`] reads the file of each dbt step that ran and keeps
//! every node with its step; [`DbtCloud::build_results`] picks the step that holds the
//! build's results.
//!
//! ```no_run
//! # async fn f(dbt: dbt_cloud_api::DbtCloud) -> Result<(), dbt_cloud_api::Error> {
//! let nodes = dbt.run_nodes(42).await?;
//! for n in nodes.nodes() {
//!     println!("step {} {:<40} {}", n.step.index, n.node.unique_id, n.node.status);
//! }
//! println!("{:?}", nodes.status_counts());
//! let build = dbt.build_results(42).await?; // not the docs step's file
//! # let _ = build;
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;

use crate::DbtCloud;
use crate::artifacts::{NodeResult, RunResults};
use crate::error::Error;
use crate::types::{Run, RunStep};

/// The dbt command a step runs, from its name (`Invoke dbt with \`dbt build\`` -> `dbt build`).
pub fn dbt_command(step: &RunStep) -> Option<&str> {
    let name = step.name.as_deref()?;
    let start = name.find("`dbt ")? + 1;
    let end = start + name[start..].find('`')?;
    Some(name[start..end].trim())
}

/// Whether a step's command writes no build results (`dbt deps`, `dbt docs generate`, ...).
fn is_housekeeping(command: &str) -> bool {
    let words: Vec<&str> = command.split_whitespace().collect();
    matches!(
        words.get(1..).unwrap_or_default(),
        ["deps", ..] | ["docs", "generate", ..] | ["clean", ..] | ["debug", ..]
    )
}

/// Whether the step ran to an end (its artifacts exist only then).
fn finished(step: &RunStep) -> bool {
    step.run_status().is_some_and(|s| s.is_terminal())
}

/// One dbt step's `run_results.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct StepResults {
    /// The step's 1-based index (the `step` of the artifact calls).
    pub index: i64,
    /// The command, e.g. `dbt build --select orders`.
    pub command: String,
    /// The file.
    pub results: RunResults,
}

/// A node result with the step it belongs to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepNode<'a> {
    /// The step.
    pub step: &'a StepResults,
    /// The node's result in that step.
    pub node: &'a NodeResult,
}

/// The nodes of every dbt step of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunNodes {
    /// The run.
    pub run_id: i64,
    /// Each dbt step that ran and left a `run_results.json`, in step order.
    pub steps: Vec<StepResults>,
    /// dbt steps whose file could not be read: (index, command, why).
    pub unreadable: Vec<(i64, String, String)>,
}

impl RunNodes {
    /// Every node of every step, in step order.
    pub fn nodes(&self) -> impl Iterator<Item = StepNode<'_>> {
        self.steps.iter().flat_map(|step| {
            step.results
                .results
                .iter()
                .map(move |node| StepNode { step, node })
        })
    }

    /// The last result of each node (a node built by `dbt run` and tested again later keeps
    /// its latest status), by unique id.
    pub fn latest_by_node(&self) -> BTreeMap<&str, StepNode<'_>> {
        self.nodes()
            .map(|n| (n.node.unique_id.as_str(), n))
            .collect()
    }

    /// The nodes that errored or failed, with their steps.
    pub fn failures(&self) -> impl Iterator<Item = StepNode<'_>> {
        self.nodes().filter(|n| n.node.is_failure())
    }

    /// How many node results ended in each status, over every step.
    pub fn status_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for n in self.nodes() {
            *counts.entry(n.node.status.clone()).or_insert(0) += 1;
        }
        counts
    }

    /// The step holding the build's results: the last one that is not housekeeping
    /// (`dbt deps`, `dbt docs generate`), else the last step.
    pub fn build_step(&self) -> Option<&StepResults> {
        self.steps
            .iter()
            .rev()
            .find(|s| !is_housekeeping(&s.command))
            .or_else(|| self.steps.last())
    }
}

/// The index of the step whose `run_results.json` describes the build: the last finished
/// dbt step that is not housekeeping. `run` must carry its `run_steps`.
pub fn build_step_index(run: &Run) -> Option<i64> {
    run.run_steps
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|s| finished(s))
        .filter(|s| dbt_command(s).is_some_and(|c| !is_housekeeping(c)))
        .filter_map(|s| s.index)
        .next_back()
}

impl DbtCloud {
    /// The `run_results.json` of every finished dbt step of `run_id`, merged.
    pub async fn run_nodes(&self, run_id: i64) -> Result<RunNodes, Error> {
        let run = self.fetch_run_including(run_id, Some("run_steps")).await?;
        let mut nodes = RunNodes {
            run_id,
            steps: Vec::new(),
            unreadable: Vec::new(),
        };
        for step in run.run_steps.as_deref().unwrap_or_default() {
            let (Some(command), Some(index)) = (dbt_command(step), step.index) else {
                continue;
            };
            if !finished(step) || command.split_whitespace().nth(1) == Some("deps") {
                continue;
            }
            match self.run_results(run_id, Some(index)).await {
                Ok(results) => nodes.steps.push(StepResults {
                    index,
                    command: command.to_string(),
                    results,
                }),
                // A step that wrote no run_results.json (it failed early, or a command without one).
                Err(e) if e.is_not_found() || matches!(e, Error::Decode { .. }) => nodes
                    .unreadable
                    .push((index, command.to_string(), e.to_string())),
                Err(e) => return Err(e),
            }
        }
        Ok(nodes)
    }

    /// The build's `run_results.json`: the step [`build_step_index`] picks (never a last
    /// `docs generate` step), or dbt's default when the run has no such step.
    pub async fn build_results(&self, run_id: i64) -> Result<RunResults, Error> {
        let run = self.fetch_run_including(run_id, Some("run_steps")).await?;
        self.run_results(run_id, build_step_index(&run)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(index: i64, name: &str, status: i64) -> RunStep {
        serde_json::from_value(serde_json::json!({
            "id": index, "index": index, "name": name, "status": status
        }))
        .unwrap()
    }

    #[test]
    fn the_build_step_is_never_a_docs_or_deps_step() {
        let mut run: Run = serde_json::from_value(serde_json::json!({"id": 1})).unwrap();
        run.run_steps = Some(vec![
            step(1, "Clone git repository", 10),
            step(2, "Invoke dbt with `dbt deps`", 10),
            step(3, "Invoke dbt with `dbt run`", 10),
            step(4, "Invoke dbt with `dbt test --select orders`", 20),
            step(5, "Invoke dbt with `dbt docs generate`", 10),
        ]);
        assert_eq!(build_step_index(&run), Some(4));
        assert_eq!(
            dbt_command(&step(4, "Invoke dbt with `dbt test --select orders`", 1)),
            Some("dbt test --select orders")
        );
        assert_eq!(dbt_command(&step(1, "Clone git repository", 1)), None);
        // A step still queued has no artifacts yet.
        run.run_steps.as_mut().unwrap()[3].status = Some(1);
        assert_eq!(build_step_index(&run), Some(3));
        assert!(is_housekeeping("dbt docs generate"));
        assert!(!is_housekeeping("dbt docs"));
        assert!(!is_housekeeping("dbt"));
    }
}
