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
        // Another component in place of Environment: once, nothing under it.
        (
            "response-property-retyped",
            true,
            format!("{op} response data.environment"),
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
        // Removed with its 4 properties: one line.
        (
            "response-property-removed",
            true,
            format!("{op} response data.trigger"),
        ),
    ]
}

#[test]
fn every_category_is_reported_with_its_breaking_flag_in_a_stable_order() {
    let mut expected: Vec<(&str, bool, String)> = vec![
        (
            "response-body-added",
            false,
            "getHealth (GET /health/) response body".into(),
        ),
        ("operation-removed", true, "listJobs (GET /jobs/)".into()),
        // JobEnvelope (gone) replaced by JobEnvelopeV2 (new): once, no property lines.
        (
            "response-body-changed",
            true,
            "getJob (GET /jobs/{job_id}/) response body".into(),
        ),
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
        (
            "response-body-removed",
            true,
            "getStatus (GET /status/) response body".into(),
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
    assert_eq!(
        message(
            "response-body-changed",
            "getJob (GET /jobs/{job_id}/) response body"
        ),
        "type changed from JobEnvelope to JobEnvelopeV2"
    );
    assert_eq!(
        message(
            "response-property-retyped",
            "getRun (GET /runs/{run_id}/) response data.environment"
        ),
        "type changed from Environment to EnvironmentV2"
    );
    assert_eq!(
        message(
            "response-property-removed",
            "getRun (GET /runs/{run_id}/) response data.trigger"
        ),
        "property removed, with 4 properties under it"
    );
    // integer -> integer(int64) is i64 both times: not a change.
    assert!(!changes.iter().any(|c| c.location.ends_with("data.job.id")));
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
fn text_starts_with_a_summary_then_groups_by_operation() {
    let changes = diff(&fixture("old.yaml"), &fixture("new.yaml"));
    let text = render_text(&changes);
    let breaking = changes.iter().filter(|c| c.breaking).count();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            format!(
                "{} change(s), {breaking} breaking, {} not",
                changes.len(),
                changes.len() - breaking
            )
            .as_str()
        )
    );
    // One summary line per category with its counts, before any detail.
    let summary: Vec<&str> = lines.by_ref().take_while(|l| !l.is_empty()).collect();
    let kinds: std::collections::BTreeSet<&str> = changes.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(summary.len(), kinds.len(), "{text}");
    let removed = summary
        .iter()
        .find(|l| l.trim_start().starts_with("response-property-removed "))
        .expect("a summary line");
    let words: Vec<&str> = removed.split_whitespace().collect();
    assert_eq!(
        words,
        [
            "response-property-removed",
            "4",
            "breaking",
            "0",
            "not",
            "breaking"
        ]
    );
    // Then each operation once, as a heading, with its changes indented under it.
    assert!(
        text.contains(
            "\nlistJobs (GET /jobs/)\n  BREAKING operation-removed — operation removed\n"
        ),
        "{text}"
    );
    assert_eq!(text.matches("\ngetRun (GET /runs/{run_id}/)\n").count(), 1);
    assert!(
        text.contains(
            "  BREAKING parameter-removed: query parameter include_related — parameter removed\n"
        ),
        "{text}"
    );
    let added = text
        .lines()
        .find(|l| l.contains("operation-added"))
        .expect("line");
    assert!(!added.contains("BREAKING"), "{added}");

    let value = serde_json::to_value(&changes[1]).expect("serializes");
    assert_eq!(
        value,
        json!({ "kind": "operation-removed", "breaking": true, "operation": "listJobs (GET /jobs/)",
                "location": "listJobs (GET /jobs/)", "message": "operation removed" })
    );
}

/// Many enum values compare as sets: 20,000 values used to take 21 s (issue 13). Timed as a
/// ratio within one run, so a loaded machine does not matter: quadratic comparison makes 8x
/// the values cost 64x the time, near-linear about 8-10x.
#[test]
fn enum_comparison_grows_near_linearly() {
    fn doc(values: usize, offset: usize) -> Value {
        let values: Vec<String> = (offset..offset + values).map(|i| format!("v{i}")).collect();
        json!({ "paths": { "/a/": { "get": { "operationId": "a", "responses": { "200": {
            "description": "ok", "content": { "application/json": { "schema": {
                "type": "string", "x-known-values": values } } } } } } } } })
    }
    fn best_of_three(n: usize) -> (std::time::Duration, usize) {
        let (old, new) = (doc(n, 0), doc(n, n / 2));
        let mut best = std::time::Duration::MAX;
        let mut count = 0;
        for _ in 0..3 {
            let start = std::time::Instant::now();
            count = diff(&old, &new).len();
            best = best.min(start.elapsed());
        }
        (best, count)
    }
    let (small, small_count) = best_of_three(2_500);
    let (large, large_count) = best_of_three(20_000);
    // Half the values are new and half are gone on each side.
    assert_eq!(small_count, 2_500);
    assert_eq!(large_count, 20_000);
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    assert!(
        ratio < 30.0,
        "8x the enum values took {ratio:.1}x the time ({small:?} -> {large:?})"
    );
}
