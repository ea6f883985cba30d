//! operationIds: the generated method names. They must exist, be stable across upstreams
//! (dbt's "Retrieve Run" and the seed's `getRun` are one method) and stay unique once
//! progenitor snake_cases them (`List Runs` and `listRuns` would collide only at compile time).
//!
//! The scheme (dbt-cloud-api/README.md, "Operation names"): verb + noun in lowerCamelCase; the
//! level in the noun where a resource is served at several (`listProjectEnvironments`); a
//! version suffix only where v2 and v3 serve the same resource at the same level, which is what
//! [`operation_ids`] produces when it settles a contested name (`listProjectsV3`). The typed
//! operations get their names from spec/overlay.yml; this module names whatever else an
//! upstream document brings, by the same rules, and settles collisions the same way whichever
//! document is derived (xtask/tests/stable_names.rs holds the list of public names).

use std::collections::BTreeSet;

use serde_json::Value;

use super::{snake_case, words};
use crate::document::escape_pointer_token;
use crate::downconvert::Notes;
use crate::openapi;

/// Irregular names, matched on the words of the upstream name (case-insensitively).
const ALIASES: [(&str, &str); 4] = [
    ("retry failed job", "rerunJob"),
    ("trigger job run", "triggerJobRun"),
    ("retrieve run artifact", "getRunArtifact"),
    ("cancel run", "cancelRun"),
];

/// Leading verbs that dbt spells differently from the seed.
const VERBS: [(&str, &str); 2] = [("retrieve", "get"), ("destroy", "delete")];

/// Method names of progenitor's generated `Client` itself; an operation with one of these
/// names would not compile.
const RESERVED: [&str; 6] = [
    "new",
    "new_with_client",
    "baseurl",
    "client",
    "api_version",
    "inner",
];

/// The canonical lowerCamelCase form of an upstream operationId, or `None` when it has no
/// letters or digits at all.
pub fn canonical_operation_id(raw: &str) -> Option<String> {
    let parts = words(raw);
    let key = parts
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    if let Some((_, alias)) = ALIASES.iter().find(|(k, _)| *k == key) {
        return Some((*alias).to_string());
    }
    let mut parts = parts.into_iter();
    let first = parts.next()?.to_lowercase();
    let first = VERBS
        .iter()
        .find(|(from, _)| *from == first)
        .map_or(first.clone(), |(_, to)| (*to).to_string());
    let mut out = first;
    for word in parts {
        let mut chars = word.chars();
        if let Some(c) = chars.next() {
            out.extend(c.to_uppercase());
            out.push_str(&chars.as_str().to_lowercase());
        }
    }
    Some(out)
}

/// An operationId for an operation without one: verb from the method, nouns from the path.
pub fn synthesized_operation_id(method: &str, path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let ends_with_parameter = segments.last().is_some_and(|s| s.starts_with('{'));
    let verb = match method {
        "get" if ends_with_parameter => "get",
        "get" => "list",
        "post" => "create",
        "put" => "update",
        "patch" => "patch",
        "delete" => "delete",
        other => other,
    };
    let mut name = verb.to_string();
    for (i, segment) in segments.iter().enumerate() {
        let is_version = segment.len() > 1
            && segment.starts_with('v')
            && segment[1..].chars().all(|c| c.is_ascii_digit());
        if segment.starts_with('{') || *segment == "api" || is_version {
            continue;
        }
        let followed_by_parameter = segments.get(i + 1).is_some_and(|s| s.starts_with('{'));
        for word in words(segment) {
            let word = if followed_by_parameter {
                singular_word(&word)
            } else {
                word
            };
            let mut chars = word.chars();
            if let Some(c) = chars.next() {
                name.extend(c.to_uppercase());
                name.push_str(&chars.as_str().to_lowercase());
            }
        }
    }
    name
}

fn singular_word(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if word.ends_with('s') && !word.ends_with("ss") {
        word[..word.len() - 1].to_string()
    } else {
        word.to_string()
    }
}

/// The API version whose operations keep contested names (see `operation_ids`).
const PREFERRED_PREFIX: &str = "/api/v2/";

/// `/api/v3/...` -> `V3`.
fn version_suffix(path: &str) -> Option<String> {
    path.split('/').find_map(|segment| {
        let digits = segment.strip_prefix('v')?;
        (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
            .then(|| format!("V{digits}"))
    })
}

/// Gives every operation a canonical, unique operationId. When two operations want the same
/// name, the one under the preferred API version (`/api/v2`, which this SDK is built around)
/// keeps it, whichever document order or overlay brought them in; the others get a suffix, which
/// is noted. Within one version, document order decides. Running this twice changes nothing.
pub fn operation_ids(doc: &mut Value, notes: &mut Notes) -> anyhow::Result<()> {
    let mut order: Vec<(String, &str)> = openapi::operations(doc)
        .into_iter()
        .map(|o| (o.path.to_string(), o.method))
        .collect();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    // A stable sort keeps document order within each group.
    order.sort_by_key(|(path, _)| !path.starts_with(PREFERRED_PREFIX));

    let mut taken: BTreeSet<String> = RESERVED.iter().map(|s| (*s).to_string()).collect();
    for (path, method) in order {
        let Some(op) = paths
            .get_mut(&path)
            .and_then(|item| item.get_mut(method))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let raw = op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_string);
        let canonical = raw.as_deref().and_then(canonical_operation_id);
        let mut id = match &canonical {
            Some(id) => id.clone(),
            None => {
                notes.add("missing operationId synthesized from method and path");
                synthesized_operation_id(method, &path)
            }
        };
        if taken.contains(&snake_case(&id)) {
            let base = id.clone();
            let mut candidates = Vec::new();
            if let Some(version) = version_suffix(&path) {
                candidates.push(format!("{base}{version}"));
            }
            let mut method_title = method.to_string();
            method_title[..1].make_ascii_uppercase();
            candidates.push(format!("{base}{method_title}"));
            id = candidates
                .into_iter()
                .find(|c| !taken.contains(&snake_case(c)))
                .unwrap_or_else(|| {
                    (2..)
                        .map(|n| format!("{base}{n}"))
                        .find(|c| !taken.contains(&snake_case(c)))
                        .unwrap_or_else(|| base.clone())
                });
            notes.add(format!(
                "operationId {base} at /paths/{}/{method} is taken, renamed {id}",
                escape_pointer_token(&path)
            ));
        }
        taken.insert(snake_case(&id));
        if raw.as_deref() != Some(id.as_str()) {
            if canonical.is_some() {
                notes.add("operationIds rewritten as lowerCamelCase");
            }
            op.insert("operationId".into(), Value::String(id));
        }
    }
    Ok(())
}

/// Declares in the global `tags` every tag an operation uses (in order of first use), so
/// each tag the generated client merges by is documented in one place.
pub fn declare_tags(doc: &mut Value, notes: &mut Notes) {
    let mut used: Vec<String> = Vec::new();
    for operation in openapi::operations(doc) {
        let tags = operation.op.get("tags").and_then(Value::as_array);
        for tag in tags.into_iter().flatten().filter_map(Value::as_str) {
            if !used.iter().any(|t| t == tag) {
                used.push(tag.to_string());
            }
        }
    }
    let Some(root) = doc.as_object_mut() else {
        return;
    };
    if used.is_empty() || !root.get("tags").is_none_or(Value::is_array) {
        return;
    }
    let Some(declared) = root
        .entry("tags")
        .or_insert(Value::Array(Vec::new()))
        .as_array_mut()
    else {
        return;
    };
    let mut added = false;
    for tag in used {
        if !declared
            .iter()
            .any(|d| d.get("name").and_then(Value::as_str) == Some(tag.as_str()))
        {
            declared.push(serde_json::json!({ "name": tag }));
            added = true;
        }
    }
    if added {
        notes.add("tags used by operations declared in the global `tags`");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dbt_names_map_to_seed_names() {
        for (dbt, seed) in [
            ("List Accounts", "listAccounts"),
            ("List Projects", "listProjects"),
            ("Retrieve Project", "getProject"),
            ("List Jobs", "listJobs"),
            ("Create Job", "createJob"),
            ("Trigger Job Run", "triggerJobRun"),
            ("List Runs", "listRuns"),
            ("Retrieve Run", "getRun"),
            ("List Run Artifacts", "listRunArtifacts"),
            ("List Environments", "listEnvironments"),
            ("Destroy Job", "deleteJob"),
            ("Update Job", "updateJob"),
            ("Retry Failed Job", "rerunJob"),
            ("Retrieve Run Artifact", "getRunArtifact"),
            ("Cancel Run", "cancelRun"),
            ("List SSH Tunnels", "listSshTunnels"),
            ("list_accounts", "listAccounts"),
            ("listAccounts", "listAccounts"),
            ("getRun", "getRun"),
        ] {
            assert_eq!(canonical_operation_id(dbt).as_deref(), Some(seed), "{dbt}");
        }
        assert_eq!(canonical_operation_id(" - "), None);
    }

    #[test]
    fn synthesized_names() {
        assert_eq!(
            synthesized_operation_id("get", "/api/v2/accounts/{account_id}/runs/{run_id}/"),
            "getAccountRun"
        );
        assert_eq!(
            synthesized_operation_id("get", "/api/v2/accounts/{account_id}/runs/"),
            "listAccountRuns"
        );
        assert_eq!(
            synthesized_operation_id("post", "/api/v3/ip-restrictions/"),
            "createIpRestrictions"
        );
    }

    #[test]
    fn ids_are_canonical_unique_and_present() {
        let mut doc = json!({"paths": {
            "/api/v2/runs/": {"get": {"operationId": "List Runs"}, "post": {}},
            "/api/v3/runs/": {"get": {"operationId": "listRuns"}},
            "/api/v3/other/": {"get": {"operationId": "list_runs"}, "put": {"operationId": "new"}}
        }});
        let mut notes = Notes::default();
        operation_ids(&mut doc, &mut notes).unwrap();
        let id = |p: &str| doc.pointer(p).cloned().unwrap();
        assert_eq!(id("/paths/~1api~1v2~1runs~1/get/operationId"), "listRuns");
        assert_eq!(
            id("/paths/~1api~1v2~1runs~1/post/operationId"),
            "createRuns"
        );
        assert_eq!(id("/paths/~1api~1v3~1runs~1/get/operationId"), "listRunsV3");
        assert_eq!(
            id("/paths/~1api~1v3~1other~1/get/operationId"),
            "listRunsGet"
        );
        assert_eq!(id("/paths/~1api~1v3~1other~1/put/operationId"), "newV3");
        let notes = notes.into_lines();
        assert!(notes.iter().any(|n| n.contains("listRunsV3")), "{notes:?}");
    }

    #[test]
    fn the_preferred_version_keeps_a_contested_name_and_a_rerun_changes_nothing() {
        // The v3 operation comes first in document order (as when an overlay appends v2 paths).
        let mut doc = json!({"paths": {
            "/api/v3/accounts/": {"get": {"operationId": "listAccounts"}},
            "/api/v2/accounts/": {"get": {"operationId": "listAccounts"}}
        }});
        operation_ids(&mut doc, &mut Notes::default()).unwrap();
        assert_eq!(
            doc.pointer("/paths/~1api~1v2~1accounts~1/get/operationId")
                .unwrap(),
            "listAccounts"
        );
        assert_eq!(
            doc.pointer("/paths/~1api~1v3~1accounts~1/get/operationId")
                .unwrap(),
            "listAccountsV3"
        );
        let once = doc.clone();
        operation_ids(&mut doc, &mut Notes::default()).unwrap();
        assert_eq!(doc, once);
    }

    #[test]
    fn used_tags_are_declared_once() {
        let mut doc = json!({
            "tags": [{"name": "Runs", "description": "d"}],
            "paths": {"/a": {"get": {"tags": ["Jobs", "Runs"]}, "post": {"tags": ["Jobs"]}}, "/b": {"get": {"tags": ["Accounts"]}}}
        });
        declare_tags(&mut doc, &mut Notes::default());
        assert_eq!(
            doc["tags"],
            json!([{"name": "Runs", "description": "d"}, {"name": "Jobs"}, {"name": "Accounts"}])
        );
    }

    #[test]
    fn deterministic() {
        let input = json!({"paths": {"/a": {"get": {"operationId": "X y"}, "put": {"operationId": "x Y"}}}});
        let (mut a, mut b) = (input.clone(), input);
        operation_ids(&mut a, &mut Notes::default()).unwrap();
        operation_ids(&mut b, &mut Notes::default()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a["paths"]["/a"]["put"]["operationId"], "xYPut");
    }
}
