//! The changelog on two constructed documents whose differences are known
//! (tests/fixtures/changelog/{old,new}.yaml): every category, with its breaking flag.

use serde_json::{Value, json};
use xtask::changelog::{Change, diff, render_text};

fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/changelog")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    serde_norway::from_str(&text).expect("fixture is YAML")
}

fn summary(changes: &[Change]) -> Vec<(String, bool, String)> {
    changes
        .iter()
        .map(|c| (c.kind.clone(), c.breaking, c.location.clone()))
        .collect()
}

const TRIGGER: &str = "triggerRun (POST /runs/)";
const GET_RUN: &str = "getRun (GET /runs/{run_id}/)";

/// The response changes of Run, which both triggerRun and getRun return.
fn run_response(op: &str) -> Vec<(&'static str, bool, String)> {
    vec![
        (
            "response-property-retyped",
            true,
            format!("{op} response data.duration"),
        ),
        (
            "response-property-made-nullable",
            true,
            format!("{op} response data.finished_at"),
        ),
        (
            "response-property-made-optional",
            true,
            format!("{op} response data.git_sha"),
        ),
        (
            "response-property-removed",
            true,
            format!("{op} response data.href"),
        ),
        (
            "response-property-added",
            false,
            format!("{op} response data.is_complete"),
        ),
        // Through $ref into components: Job gained `name`.
        (
            "response-property-added",
            false,
            format!("{op} response data.job.name"),
        ),
        // `enum` (old) and `x-known-values` (new) are both read.
        (
            "enum-value-added",
            false,
            format!("{op} response data.run_steps[].status"),
        ),
        // A value dbt stops sending breaks nobody.
        (
            "enum-value-removed",
            false,
            format!("{op} response data.run_steps[].status"),
        ),
    ]
}

#[test]
fn every_category_is_reported_with_its_breaking_flag_in_a_stable_order() {
    let mut expected: Vec<(&str, bool, String)> = vec![
        ("operation-removed", true, "listJobs (GET /jobs/)".into()),
        (
            "operation-added",
            false,
            "listProjects (GET /projects/)".into(),
        ),
        (
            "request-property-added",
            false,
            format!("{TRIGGER} request comment"),
        ),
        (
            "request-property-removed",
            true,
            format!("{TRIGGER} request git_branch"),
        ),
        (
            "request-property-made-nullable",
            false,
            format!("{TRIGGER} request schema_override"),
        ),
        (
            "request-property-added",
            true,
            format!("{TRIGGER} request steps"),
        ),
        (
            "enum-value-added",
            false,
            format!("{TRIGGER} request target"),
        ),
        (
            "enum-value-removed",
            true,
            format!("{TRIGGER} request target"),
        ),
        (
            "request-property-retyped",
            true,
            format!("{TRIGGER} request threads"),
        ),
        (
            "request-property-made-required",
            true,
            format!("{TRIGGER} request timeout"),
        ),
    ];
    expected.extend(run_response(TRIGGER));
    expected.extend([
        (
            "parameter-added",
            true,
            format!("{GET_RUN} header parameter X-Region"),
        ),
        // Declared on the path item: still the operation's parameter.
        (
            "parameter-retyped",
            true,
            format!("{GET_RUN} path parameter run_id"),
        ),
        (
            "parameter-removed",
            true,
            format!("{GET_RUN} query parameter include_related"),
        ),
        (
            "parameter-made-required",
            true,
            format!("{GET_RUN} query parameter limit"),
        ),
        (
            "parameter-added",
            false,
            format!("{GET_RUN} query parameter order_by"),
        ),
        (
            "parameter-made-optional",
            false,
            format!("{GET_RUN} query parameter scope"),
        ),
        (
            "enum-value-added",
            false,
            format!("{GET_RUN} query parameter status"),
        ),
        (
            "enum-value-removed",
            true,
            format!("{GET_RUN} query parameter status"),
        ),
    ]);
    expected.extend(run_response(GET_RUN));
    expected.extend([
        (
            "request-body-added",
            true,
            "cancelRun (POST /runs/{run_id}/cancel/) request body".into(),
        ),
        (
            "request-body-removed",
            true,
            "rerunRun (POST /runs/{run_id}/retry/) request body".into(),
        ),
    ]);
    let expected: Vec<(String, bool, String)> = expected
        .into_iter()
        .map(|(k, b, l)| (k.to_string(), b, l))
        .collect();

    let changes = diff(&fixture("old.yaml"), &fixture("new.yaml"));
    assert_eq!(summary(&changes), expected);
}

#[test]
fn messages_say_what_changed() {
    let changes = diff(&fixture("old.yaml"), &fixture("new.yaml"));
    let message = |kind: &str, location_end: &str| {
        changes
            .iter()
            .find(|c| c.kind == kind && c.location.ends_with(location_end))
            .map(|c| c.message.clone())
            .unwrap_or_else(|| panic!("no {kind} at {location_end}"))
    };
    assert_eq!(
        message("request-property-retyped", "threads"),
        "type changed from integer to string"
    );
    assert_eq!(
        message("enum-value-removed", "request target"),
        "enum value \"prod\" removed"
    );
    assert_eq!(
        message("enum-value-added", "parameter status"),
        "enum value 10 added"
    );
    assert_eq!(
        message("request-property-added", "steps"),
        "required property added"
    );
}

#[test]
fn the_diff_is_deterministic_and_symmetric_in_operations() {
    let (old, new) = (fixture("old.yaml"), fixture("new.yaml"));
    assert_eq!(diff(&old, &new), diff(&old, &new));
    let back = diff(&new, &old);
    assert!(
        back.iter()
            .any(|c| c.kind == "operation-added" && c.location == "listJobs (GET /jobs/)")
    );
    assert!(back.iter().any(|c| c.kind == "operation-removed"
        && c.breaking
        && c.location == "listProjects (GET /projects/)"));
    // Going back, the response property comes back (added) and the added one goes (removed).
    assert!(back.iter().any(|c| {
        c.kind == "response-property-added"
            && c.location
                .ends_with("getRun (GET /runs/{run_id}/) response data.href")
    }));
    assert!(diff(&old, &old).is_empty());
}

#[test]
fn a_renamed_operation_is_matched_by_method_and_path() {
    let old = fixture("old.yaml");
    let mut new = old.clone();
    new["paths"]["/jobs/"]["get"]["operationId"] = json!("listJobDefinitions");
    new["paths"]["/jobs/"]["get"]["parameters"] =
        json!([{ "name": "limit", "in": "query", "schema": { "type": "integer" } }]);
    let changes = diff(&old, &new);
    assert_eq!(
        summary(&changes),
        vec![(
            "parameter-added".to_string(),
            false,
            "listJobDefinitions (was listJobs) (GET /jobs/) query parameter limit".to_string()
        )]
    );
}

#[test]
fn text_flags_breaking_changes_and_json_has_every_field() {
    let changes = diff(&fixture("old.yaml"), &fixture("new.yaml"));
    let text = render_text(&changes);
    assert!(
        text.contains("BREAKING operation-removed: listJobs (GET /jobs/) — operation removed\n"),
        "{text}"
    );
    let added = text
        .lines()
        .find(|l| l.contains("operation-added"))
        .expect("line");
    assert!(!added.contains("BREAKING"), "{added}");
    let breaking = changes.iter().filter(|c| c.breaking).count();
    assert!(
        text.ends_with(&format!(
            "{} change(s), {breaking} breaking\n",
            changes.len()
        )),
        "{text}"
    );

    let value = serde_json::to_value(&changes[0]).expect("serializes");
    assert_eq!(
        value,
        json!({ "kind": "operation-removed", "breaking": true, "location": "listJobs (GET /jobs/)", "message": "operation removed" })
    );
}
