//! Removes every shape that makes progenitor fail, panic, or generate a client that breaks when
//! dbt adds something, and gives operations and parameters stable names.
//!
//! [`normalize`] takes a 3.0.3 document (the output of `downconvert`) and rewrites it in place
//! into the canonical shape below; it returns one note per kind of rewrite. Errors name the
//! JSON pointer. Output depends only on the input (no hash-map order leaks: `serde_json` keeps
//! insertion order and every other collection here is ordered), and running it twice changes
//! nothing, which is why the pipeline can run it again after the overlay.
//!
//! The canonical shape (what the derived spec looks like, and what `spec/overlay.yml` targets):
//! - `openapi: 3.0.3`. Paths are absolute, API prefix included
//!   (`/api/v2/accounts/{account_id}/runs/{run_id}/`), and `servers` are origins only
//!   (`https://cloud.getdbt.com`). Relative paths get the path of the document's servers: the
//!   one they share, else `/api/v2` when a server has it (every operation of the seed exists
//!   only in v2), else the first server's.
//! - Path parameters are snake_case. A bare `{id}` is named after the segment before it
//!   (`runs/{id}` -> `{run_id}`, `repositories/{id}` -> `{repository_id}`), `{accountId}` is
//!   `{account_id}`, and dbt's artifact `{remainder}` is `{path}`.
//! - operationIds are lowerCamelCase and unique once snake_cased: `listRuns`, `getRun`,
//!   `triggerJobRun`... dbt's summaries map by rule ("Retrieve X" -> `getX`, "Destroy X" ->
//!   `deleteX`, "List X" -> `listX`, "Create X" -> `createX`, "Update X" -> `updateX`), with
//!   an alias table for irregular ones ("Retry Failed Job" -> `rerunJob`).
//! - Tolerant schemas: no `enum` (the values move to `x-known-values`), no
//!   `additionalProperties: false`, and a nullable `$ref` is `allOf: [{$ref}]` + `nullable: true`.
//! - One request media type (JSON when offered), one 2xx response schema and one error schema
//!   per operation, and no `default` response beside explicit codes.
//!
//! The steps, in order (later steps rely on earlier ones):
//! 1. [`paths`]: absolute `/api/vN` paths, origin-only servers.
//! 2. [`paths`]: snake_case path parameters (`{id}` -> `{run_id}`, `{remainder}` -> `{path}`),
//!    declared exactly once, required; no other parameter shadowing one.
//! 3. [`names`]: present, lowerCamelCase, unique operationIds; used tags declared.
//! 4. [`bodies`]: one request media type; one 2xx response; one error type; no `default`.
//! 5. [`schemas`]: no `enum` (-> `x-known-values`), no `additionalProperties: false`, nullable
//!    `$ref` as `allOf` + `nullable`.
//! 6. [`patterns`]: every `pattern` compiles in the client's regex engine (Python syntax
//!    translated, the rest dropped with a warning).
//! 7. [`type_names`]: no inline schema gets a Rust type name another type has.
//!
//! Between 5 and 6, [`codegen_shapes`] rewrites the shapes progenitor panics on that have a
//! safe equivalent (`not`, misplaced type keywords, empty `allOf`, negative sizes).
//!
//! Before all of them, [`repairs`] rewrites shapes 3.0 forbids that have one meaning
//! (`required: []`, `info.contact` as a string).

pub mod bodies;
pub mod codegen_shapes;
pub mod names;
pub mod paths;
pub mod patterns;
pub mod repairs;
pub mod schemas;
pub mod type_names;

use serde_json::Value;

use crate::downconvert::Notes;

/// Rewrites `doc` in place into the shape progenitor compiles.
pub fn normalize(doc: &mut Value) -> anyhow::Result<Vec<String>> {
    if !doc.is_object() {
        anyhow::bail!(
            "the document root (JSON pointer \"\") is not an object, so it is not OpenAPI"
        );
    }
    let mut notes = Notes::default();
    repairs::repair_forbidden_shapes(doc, &mut notes)?;
    paths::absolute_paths(doc, &mut notes)?;
    paths::path_parameters(doc, &mut notes)?;
    names::operation_ids(doc, &mut notes)?;
    names::declare_tags(doc, &mut notes);
    bodies::bodies_and_responses(doc, &mut notes)?;
    schemas::tolerant_schemas(doc, &mut notes)?;
    codegen_shapes::codegen_safe_shapes(doc, &mut notes)?;
    patterns::ecmascript_patterns(doc, &mut notes)?;
    type_names::unique_type_names(doc, &mut notes)?;
    Ok(notes.into_lines())
}

/// Splits an identifier into words the way `heck` (progenitor's case conversion) does: at
/// every non-alphanumeric character, at a lower-to-upper change, and before the last capital
/// of an acronym (`SSHTunnel` -> `SSH`, `Tunnel`).
pub(crate) fn words(input: &str) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in input.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = chunk.chars().collect();
        let mut word = String::new();
        for (i, &c) in chars.iter().enumerate() {
            if !word.is_empty() && c.is_uppercase() {
                let prev = chars[i - 1];
                let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
                if prev.is_lowercase() || prev.is_numeric() || (prev.is_uppercase() && next_lower) {
                    out.push(std::mem::take(&mut word));
                }
            }
            word.push(c);
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

/// `accountId` -> `account_id`, `Retrieve Run` -> `retrieve_run`: the name progenitor gives a
/// method or parameter, so two names that snake_case alike would collide in the client.
pub fn snake_case(input: &str) -> String {
    words(input)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_like_heck() {
        assert_eq!(words("listSSHTunnels"), ["list", "SSH", "Tunnels"]);
        assert_eq!(words("List Run Artifacts"), ["List", "Run", "Artifacts"]);
        assert_eq!(words("status__in"), ["status", "in"]);
        assert_eq!(words("getV2Thing"), ["get", "V2", "Thing"]);
        assert_eq!(snake_case("accountId"), "account_id");
        assert_eq!(snake_case("pl_endpoint_ksuid"), "pl_endpoint_ksuid");
        assert_eq!(snake_case("ip-restrictions"), "ip_restrictions");
        assert_eq!(snake_case("List Runs"), "list_runs");
        assert_eq!(snake_case("getHTTPRun"), "get_http_run");
        assert_eq!(snake_case("Retrieve-Run_v2"), "retrieve_run_v2");
        assert_eq!(snake_case("runV2Steps"), "run_v2_steps");
    }

    #[test]
    fn non_object_root_is_an_error() {
        assert!(normalize(&mut serde_json::json!([1])).is_err());
        assert!(normalize(&mut serde_json::json!("x")).is_err());
    }
}
