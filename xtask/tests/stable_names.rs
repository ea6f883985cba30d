//! Stable names: the same operation keeps its method name and parameter names whichever
//! upstream it came from. The seed (`spec/upstream/`) and dbt's published openapi-v2.yaml and
//! openapi-v3.yaml are derived exactly as `cargo xtask regen --from` derives them (the whole
//! pipeline, overlay included). The ten seed operations must come out of dbt's v2 document with
//! identical operationIds (hence method names), path templates and path parameter names; and
//! every operation of the typed surface (the lists below: the names are public API) must come out
//! of the seed and of both of dbt's documents identically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

const SEED_OPERATIONS: [&str; 10] = [
    "listAccounts",
    "listProjects",
    "getProject",
    "listJobs",
    "createJob",
    "triggerJobRun",
    "listRuns",
    "getRun",
    "listRunArtifacts",
    "listEnvironments",
];

/// The typed surface before the configuration API: these names never change.
const TYPED_V2_OPERATIONS: [&str; 21] = [
    "listAccounts",
    "getAccount",
    "listProjects",
    "getProject",
    "listEnvironments",
    "getEnvironment",
    "listRepositories",
    "getRepository",
    "listJobs",
    "createJob",
    "getJob",
    "updateJob",
    "deleteJob",
    "triggerJobRun",
    "rerunJob",
    "listRuns",
    "getRun",
    "cancelRun",
    "listRunArtifacts",
    "getRunArtifact",
    "getJobArtifact",
];

/// The configuration (v3) surface and the rest of v2 (issue 8), named by the scheme in
/// dbt-cloud-api/README.md ("Operation names").
const CONFIGURATION_OPERATIONS: [&str; 70] = [
    "listAccountsV3",
    "getAccountV3",
    "listProjectsV3",
    "getProjectV3",
    "createProject",
    "updateProject",
    "deleteProject",
    "listProjectEnvironments",
    "getProjectEnvironment",
    "createProjectEnvironment",
    "updateProjectEnvironment",
    "deleteProjectEnvironment",
    "listProjectRepositories",
    "getProjectRepository",
    "createProjectRepository",
    "updateProjectRepository",
    "deleteProjectRepository",
    "listAccountConnections",
    "getAccountConnection",
    "createAccountConnection",
    "updateAccountConnection",
    "deleteAccountConnection",
    "listProjectConnections",
    "getProjectConnection",
    "listProjectCredentials",
    "getProjectCredential",
    "createProjectCredential",
    "updateProjectCredential",
    "partialUpdateProjectCredential",
    "deleteProjectCredential",
    "createEnvironmentVariable",
    "updateEnvironmentVariable",
    "deleteEnvironmentVariable",
    "bulkCreateEnvironmentVariables",
    "bulkUpdateEnvironmentVariables",
    "bulkDeleteEnvironmentVariables",
    "listEnvironmentVariables",
    "listJobEnvironmentVariables",
    "listUserEnvironmentVariables",
    "listServiceTokens",
    "getServiceToken",
    "createServiceToken",
    "updateServiceToken",
    "deleteServiceToken",
    "listServiceTokenPermissions",
    "listGroups",
    "getGroup",
    "createGroup",
    "updateGroup",
    "assignGroupPermissions",
    "listUsersV3",
    "getUserV3",
    "assignUserToGroups",
    "listWebhookSubscriptions",
    "createWebhookSubscription",
    "getWebhookSubscription",
    "updateWebhookSubscription",
    "deleteWebhookSubscription",
    "testWebhookSubscription",
    "listWebhookSubscriptionEvents",
    "listWebhookSubscriptionEventReceipts",
    "listNotifications",
    "getNotification",
    "createNotification",
    "updateNotification",
    "deleteNotification",
    "getRunStep",
    "getRunFailureDetails",
    "retryRun",
    "listUsers",
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn derive(path: &Path) -> Value {
    let fail = |e: anyhow::Error| -> ! { panic!("{}: {e:#}", path.display()) };
    let doc = xtask::document::load_file(path).unwrap_or_else(|e| fail(e));
    let overlay_path = repo_root().join("spec/overlay.yml");
    let overlay = xtask::document::load_file(&overlay_path).unwrap_or_else(|e| fail(e));
    let lint_config = xtask::lint::LintConfig::load(&repo_root().join("spec/lint.yml"))
        .unwrap_or_else(|e| fail(e));
    let derived = xtask::pipeline::derive(
        doc,
        &path.display().to_string(),
        Some(xtask::pipeline::Overlay {
            document: &overlay,
            origin: "spec/overlay.yml",
        }),
        &lint_config,
    )
    .unwrap_or_else(|e| fail(e));
    let errors: Vec<_> = derived.errors().collect();
    assert!(
        errors.is_empty(),
        "{}: lint errors {errors:?}",
        path.display()
    );
    derived.spec
}

/// What a generated method's identity is made of.
#[derive(Debug, PartialEq)]
struct Operation {
    method: String,
    path: String,
    /// Path parameter names in template order, as declared.
    path_parameters: Vec<String>,
    /// Every declared parameter name (path, query, header), sorted.
    parameters: Vec<String>,
}

fn parameter_names(list: Option<&Value>, doc: &Value, location: Option<&str>) -> Vec<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|entry| match entry.get("$ref").and_then(Value::as_str) {
            Some(reference) => doc.pointer(reference.trim_start_matches('#')),
            None => Some(entry),
        })
        .filter(|p| location.is_none_or(|l| p.get("in").and_then(Value::as_str) == Some(l)))
        .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

fn operations(doc: &Value) -> BTreeMap<String, Operation> {
    let mut out = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let template: Vec<String> = path
                .split('{')
                .skip(1)
                .filter_map(|s| s.split('}').next())
                .map(str::to_string)
                .collect();
            let mut declared = parameter_names(item.get("parameters"), doc, Some("path"));
            declared.extend(parameter_names(op.get("parameters"), doc, Some("path")));
            assert!(
                template.iter().all(|t| declared.contains(t)),
                "{id}: path {path} declares {declared:?}"
            );
            let mut parameters = parameter_names(item.get("parameters"), doc, None);
            parameters.extend(parameter_names(op.get("parameters"), doc, None));
            parameters.sort();
            parameters.dedup();
            out.insert(
                id.to_string(),
                Operation {
                    method: method.clone(),
                    path: path.clone(),
                    path_parameters: template,
                    parameters,
                },
            );
        }
    }
    out
}

#[test]
fn seed_operations_keep_their_names_in_dbts_v2_document() {
    let shared = repo_root().join("../shared");
    let v2_path = shared.join("upstream/openapi-v2.yaml");
    if !v2_path.exists() {
        eprintln!(
            "skipped: {} is absent (dbt's documents live outside the repository)",
            v2_path.display()
        );
        return;
    }
    let seed = operations(&derive(
        &repo_root().join("spec/upstream/dbt-cloud-administrative-api-openapi.yml"),
    ));
    let v2 = operations(&derive(&v2_path));
    for id in SEED_OPERATIONS {
        let ours = seed
            .get(id)
            .unwrap_or_else(|| panic!("the seed has no {id}"));
        let theirs = v2
            .get(id)
            .unwrap_or_else(|| panic!("dbt's openapi-v2.yaml derives no {id}"));
        assert_eq!(ours.method, theirs.method, "{id}");
        assert_eq!(ours.path, theirs.path, "{id}");
        assert_eq!(ours.path_parameters, theirs.path_parameters, "{id}");
        // dbt may add query parameters; none of ours may change name.
        for name in &ours.parameters {
            assert!(
                theirs.parameters.contains(name),
                "{id}: parameter {name} missing from {:?}",
                theirs.parameters
            );
        }
    }
    assert_eq!(
        seed["getRun"].path,
        "/api/v2/accounts/{account_id}/runs/{run_id}/"
    );
    assert_eq!(seed["getRun"].path_parameters, ["account_id", "run_id"]);
}

#[test]
fn the_seed_derives_exactly_the_typed_surface() {
    let seed = operations(&derive(
        &repo_root().join("spec/upstream/dbt-cloud-administrative-api-openapi.yml"),
    ));
    let mut expected: Vec<&str> = TYPED_V2_OPERATIONS
        .iter()
        .chain(CONFIGURATION_OPERATIONS.iter())
        .copied()
        .collect();
    expected.sort_unstable();
    let derived: Vec<&str> = seed.keys().map(String::as_str).collect();
    assert_eq!(derived, expected);
    // No version suffix but where v2 and v3 serve the same resource at the same level.
    let suffixed: Vec<&str> = derived
        .iter()
        .copied()
        .filter(|id| id.ends_with("V3"))
        .collect();
    assert_eq!(
        suffixed,
        [
            "getAccountV3",
            "getProjectV3",
            "getUserV3",
            "listAccountsV3",
            "listProjectsV3",
            "listUsersV3"
        ]
    );
    assert_eq!(
        seed["listProjectEnvironments"].path,
        "/api/v3/accounts/{account_id}/projects/{project_id}/environments/"
    );
    assert_eq!(
        seed["getWebhookSubscription"].path_parameters,
        ["account_id", "subscription_id"]
    );
}

#[test]
fn every_typed_operation_derives_identically_from_the_seed_and_dbt_s_documents() {
    let shared = repo_root().join("../shared/upstream");
    let documents = [
        shared.join("openapi-v2.yaml"),
        shared.join("openapi-v3.yaml"),
    ];
    if documents.iter().any(|d| !d.exists()) {
        eprintln!(
            "skipped: dbt's documents are absent from {}",
            shared.display()
        );
        return;
    }
    let seed = operations(&derive(
        &repo_root().join("spec/upstream/dbt-cloud-administrative-api-openapi.yml"),
    ));
    for document in &documents {
        let theirs = operations(&derive(document));
        for (id, ours) in &seed {
            let derived = theirs
                .get(id)
                .unwrap_or_else(|| panic!("{} derives no {id}", document.display()));
            // The overlay replaces these operations whole, so even the query parameters match.
            assert_eq!(ours, derived, "{id} from {}", document.display());
        }
    }
}

#[test]
fn every_upstream_derives_unique_snake_case_names() {
    let shared = repo_root().join("../shared/upstream");
    let Ok(history) = std::fs::read_dir(shared.join("history")) else {
        eprintln!("skipped: {} is absent", shared.display());
        return;
    };
    let mut files: Vec<PathBuf> = history.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.push(shared.join("openapi-v2.yaml"));
    files.push(shared.join("openapi-v3.yaml"));
    files.sort();
    for file in files {
        let doc = derive(&file);
        let mut seen = BTreeMap::new();
        for (id, op) in operations(&doc) {
            let snake: String = id
                .chars()
                .flat_map(|c| {
                    if c.is_uppercase() {
                        vec!['_', c.to_ascii_lowercase()]
                    } else {
                        vec![c]
                    }
                })
                .collect();
            if let Some(other) = seen.insert(snake, id.clone()) {
                panic!(
                    "{}: {id} and {other} collide once snake_cased",
                    file.display()
                );
            }
            for name in &op.path_parameters {
                assert!(
                    name.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                    "{}: {id} has path parameter {name}",
                    file.display()
                );
            }
        }
        // Deterministic: deriving twice gives the same document.
        assert_eq!(doc, derive(&file), "{}", file.display());
    }
}
