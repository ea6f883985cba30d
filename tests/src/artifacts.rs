//! The files a finished run step leaves behind: manifest.json, run_results.json (one result
//! per executed node), catalog.json (docs steps only), compiled SQL. Generated on demand from
//! the run's plan, deterministic per run and step.

use serde_json::{Map, Value, json};

use crate::lifecycle::{ERROR, StepKind, StepState};
use crate::store::mix;
use crate::timestamps::{self, Style};

/// A node of the demo dbt project: (resource type, name).
const NODES: [(&str, &str); 8] = [
    ("seed", "raw_customers"),
    ("seed", "raw_orders"),
    ("model", "stg_customers"),
    ("model", "stg_orders"),
    ("model", "customers"),
    ("model", "orders"),
    ("test", "unique_customers_customer_id"),
    ("test", "not_null_orders_order_id"),
];

/// The node that fails in a failing step of each command.
fn failing_node(command: &str) -> &'static str {
    match command_word(command) {
        "test" => "not_null_orders_order_id",
        "seed" => "raw_orders",
        _ => "orders",
    }
}

fn command_word(command: &str) -> &str {
    command.split_whitespace().next().unwrap_or("build")
}

/// The nodes a dbt command executes.
fn selected(command: &str) -> Vec<(&'static str, &'static str)> {
    let types: &[&str] = match command_word(command) {
        "run" | "compile" => &["model"],
        "test" => &["test"],
        "seed" => &["seed"],
        "build" | "retry" => &["seed", "model", "test"],
        _ => &[],
    };
    NODES
        .into_iter()
        .filter(|(t, _)| types.contains(t))
        .collect()
}

fn unique_id(project: &str, kind: &str, name: &str) -> String {
    format!("{kind}.{project}.{name}")
}

/// Context shared by every file of one step.
pub(crate) struct StepFiles<'a> {
    pub run_id: i64,
    pub project: &'a str,
    pub dbt_version: &'a str,
    pub step: &'a StepState<'a>,
}

impl StepFiles<'_> {
    fn command(&self) -> &str {
        match &self.step.plan.kind {
            StepKind::Command(c) => c,
            StepKind::Docs => "docs generate",
            _ => "",
        }
    }

    fn nodes(&self) -> Vec<(&'static str, &'static str)> {
        match self.step.plan.kind {
            StepKind::Command(_) => selected(self.command()),
            // `docs generate` compiles every node and writes a result for each.
            StepKind::Docs => NODES.to_vec(),
            _ => Vec::new(),
        }
    }

    /// Whether this step wrote artifacts at all (setup steps and `dbt deps` do not).
    pub(crate) fn has_artifacts(&self) -> bool {
        matches!(self.step.plan.kind, StepKind::Command(_) | StepKind::Docs)
    }

    /// The artifact paths of this step, as listRunArtifacts shows them.
    pub(crate) fn paths(&self) -> Vec<String> {
        if !self.has_artifacts() {
            return Vec::new();
        }
        let mut paths = vec!["manifest.json".to_string(), "run_results.json".to_string()];
        if self.step.plan.kind == StepKind::Docs {
            paths.push("catalog.json".into());
        }
        for (kind, name) in self.nodes() {
            if kind == "model" {
                paths.push(format!("compiled/{}/models/{name}.sql", self.project));
                paths.push(format!("run/{}/models/{name}.sql", self.project));
            }
        }
        paths
    }

    /// The file at `path` and its content type, if this step wrote it.
    pub(crate) fn file(&self, path: &str) -> Option<(&'static str, Vec<u8>)> {
        if !self.has_artifacts() {
            return None;
        }
        let json = |v: Value| {
            Some((
                "application/json",
                serde_json::to_vec(&v).unwrap_or_default(),
            ))
        };
        match path {
            "manifest.json" => json(self.manifest()),
            "run_results.json" => json(self.run_results()),
            "catalog.json" if self.step.plan.kind == StepKind::Docs => json(self.catalog()),
            _ => {
                let (_, name) = path
                    .strip_prefix(&format!("compiled/{}/models/", self.project))
                    .or_else(|| path.strip_prefix(&format!("run/{}/models/", self.project)))
                    .and_then(|rest| rest.strip_suffix(".sql"))
                    .and_then(|name| {
                        self.nodes()
                            .into_iter()
                            .find(|(k, n)| *k == "model" && *n == name)
                    })?;
                Some(("text/plain; charset=utf-8", sql(name).into_bytes()))
            }
        }
    }

    fn invocation_id(&self) -> String {
        let h = mix((self.run_id as u64) << 8 | self.step.index as u64);
        let g = mix(h);
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            h >> 32,
            (h >> 16) & 0xffff,
            h & 0xfff,
            g & 0xfff,
            g >> 16
        )
    }

    fn generated_at(&self) -> String {
        let at = self.step.finished_at.unwrap_or(self.step.started_at);
        timestamps::format(at, Style::T).replace("+00:00", "Z")
    }

    fn metadata(&self, schema: &str) -> Value {
        json!({
            "dbt_schema_version": format!("https://schemas.getdbt.com/dbt/{schema}.json"),
            "dbt_version": self.dbt_version.trim_end_matches("-latest"),
            "generated_at": self.generated_at(),
            "invocation_id": self.invocation_id(),
            "env": {},
        })
    }

    fn run_results(&self) -> Value {
        let command = self.command().to_string();
        let failing = (self.step.status == ERROR).then(|| failing_node(&command));
        // Nodes of a `docs generate` step are compiled, not executed: no message, no adapter answer.
        let compile_only = self.step.plan.kind == StepKind::Docs;
        let mut clock = self.step.started_at;
        let mut failed_before = false;
        let mut results = Vec::new();
        let mut elapsed = 0.0;
        for (i, (kind, name)) in self.nodes().into_iter().enumerate() {
            let seconds = 0.2 + (mix(self.run_id as u64 ^ (i as u64) << 20) % 1800) as f64 / 1000.0;
            let fails = failing == Some(name);
            // After the failure, nodes downstream of `orders` are skipped.
            let skipped = failed_before && name.contains("orders");
            let status = match (kind, fails, skipped) {
                (_, _, true) => "skipped",
                _ if compile_only => "success",
                ("test", true, _) => "fail",
                ("test", false, _) => "pass",
                (_, true, _) => "error",
                _ => "success",
            };
            let message = match status {
                _ if compile_only => Value::Null,
                "error" => json!(format!(
                    "Database Error in {kind} {name} (models/{name}.sql)\n  column \"amount\" does not exist"
                )),
                "fail" => json!("Got 3 results, configured to fail if != 0"),
                "skipped" => Value::Null,
                "pass" => json!(null),
                _ => json!(if kind == "seed" {
                    "INSERT 100"
                } else {
                    "SUCCESS 1"
                }),
            };
            let ms = (seconds * 1000.0) as i64;
            let stamp = |m: i64| timestamps::format(m, Style::T).replace("+00:00", "Z");
            results.push(json!({
                "status": status,
                "timing": if skipped { json!([]) } else { json!([
                    {"name": "compile", "started_at": stamp(clock), "completed_at": stamp(clock + 15)},
                    {"name": "execute", "started_at": stamp(clock + 15), "completed_at": stamp(clock + ms)},
                ]) },
                "thread_id": format!("Thread-{}", i % 4 + 1),
                "execution_time": if skipped { 0.0 } else { seconds },
                "adapter_response": if skipped || compile_only { json!({}) } else {
                    json!({"_message": "SUCCESS 1", "code": "SUCCESS", "rows_affected": 1})
                },
                "message": message,
                "failures": if kind == "test" && !compile_only { json!(if status == "fail" { 3 } else { 0 }) } else { Value::Null },
                "unique_id": unique_id(self.project, kind, name),
                "compiled": kind != "seed",
                "compiled_code": if kind == "seed" { Value::Null } else { json!(sql(name)) },
                "relation_name": if kind == "test" { Value::Null } else { json!(format!("\"analytics\".\"dbt_prod\".\"{name}\"")) },
                "batch_results": null,
            }));
            if !skipped {
                clock += ms;
                elapsed += seconds;
            }
            failed_before |= fails;
        }
        json!({
            "metadata": self.metadata("run-results/v6"),
            "results": results,
            "elapsed_time": elapsed,
            "args": {
                "which": command_word(&command).replace("docs", "generate"),
                "invocation_command": format!("dbt {command}"),
                "target": "default",
                "threads": 4,
            },
        })
    }

    fn manifest(&self) -> Value {
        let mut nodes = Map::new();
        for (kind, name) in NODES {
            let id = unique_id(self.project, kind, name);
            let folder = match kind {
                "seed" => "seeds",
                "test" => "tests",
                _ => "models",
            };
            nodes.insert(
                id.clone(),
                json!({
                    "database": "analytics", "schema": "dbt_prod", "name": name,
                    "resource_type": kind, "package_name": self.project,
                    "path": format!("{name}.sql"), "original_file_path": format!("{folder}/{name}.sql"),
                    "unique_id": id, "fqn": [self.project, name], "alias": name,
                    "checksum": {"name": "sha256", "checksum": format!("{:016x}", mix(name.len() as u64))},
                    "config": {"enabled": true, "materialized": if kind == "model" { "table" } else { kind }},
                    "tags": [], "description": "", "columns": {}, "meta": {},
                    "depends_on": {"macros": [], "nodes": []},
                    "raw_code": if kind == "seed" { String::new() } else { sql(name) },
                    "language": "sql",
                }),
            );
        }
        json!({
            "metadata": {
                "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
                "dbt_version": self.dbt_version.trim_end_matches("-latest"),
                "generated_at": self.generated_at(),
                "invocation_id": self.invocation_id(),
                "env": {},
                "project_name": self.project,
                "adapter_type": "snowflake",
            },
            "nodes": nodes, "sources": {}, "macros": {}, "docs": {}, "exposures": {},
            "metrics": {}, "groups": {}, "selectors": {}, "disabled": {}, "parent_map": {},
            "child_map": {}, "group_map": {}, "saved_queries": {}, "semantic_models": {},
            "unit_tests": {},
        })
    }

    fn catalog(&self) -> Value {
        let mut nodes = Map::new();
        for (kind, name) in NODES.into_iter().filter(|(k, _)| *k != "test") {
            let id = unique_id(self.project, kind, name);
            nodes.insert(
                id.clone(),
                json!({
                    "metadata": {"type": "BASE TABLE", "schema": "DBT_PROD", "name": name.to_uppercase(),
                                  "database": "ANALYTICS", "comment": null, "owner": "TRANSFORMER"},
                    "columns": {"ID": {"type": "NUMBER", "index": 1, "name": "ID", "comment": null}},
                    "stats": {"has_stats": {"id": "has_stats", "label": "Has Stats?", "value": false,
                                            "include": false, "description": "Indicates whether there are statistics for this table"}},
                    "unique_id": id,
                }),
            );
        }
        json!({"metadata": self.metadata("catalog/v1"), "nodes": nodes, "sources": {}, "errors": null})
    }
}

fn sql(name: &str) -> String {
    format!(
        "select *\nfrom \"analytics\".\"dbt_prod\".\"{}\"\n",
        name.replacen("stg_", "raw_", 1)
    )
}
