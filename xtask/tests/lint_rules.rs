//! Each lint rule, shown on a clean document and on the same document with one defect.

use serde_json::{Value, json};
use xtask::lint::{Finding, LintConfig, Severity, lint, rules};

const GET_RUN: &str = "/paths/~1api~1v2~1accounts~1{account_id}~1runs~1{run_id}/get";
const POST_RUNS: &str = "/paths/~1api~1v2~1accounts~1{account_id}~1runs/post";

/// A document every rule accepts.
fn clean() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "dbt Cloud", "version": "2", "description": "The API.",
            "contact": { "email": "support@example.org" },
            "license": { "name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0" }
        },
        "servers": [{ "url": "https://cloud.getdbt.com" }],
        "tags": [{ "name": "Runs" }],
        "security": [{ "token": [] }],
        "paths": {
            "/api/v2/accounts/{account_id}/runs/{run_id}": {
                "parameters": [
                    { "name": "account_id", "in": "path", "required": true, "schema": { "type": "integer" } }
                ],
                "get": {
                    "operationId": "getRun", "description": "Gets a run.", "tags": ["Runs"],
                    "parameters": [
                        { "name": "run_id", "in": "path", "required": true, "schema": { "type": "integer" } },
                        { "name": "include_related", "in": "query", "schema": { "type": "string" },
                          "examples": { "steps": { "value": "run_steps" } } }
                    ],
                    "responses": {
                        "200": { "description": "The run.", "content": { "application/json": {
                            "schema": { "$ref": "#/components/schemas/Run" },
                            "example": { "id": 1, "status": 10 }
                        }}},
                        "404": { "$ref": "#/components/responses/NotFound" }
                    }
                }
            },
            "/api/v2/accounts/{account_id}/runs": {
                "post": {
                    "operationId": "createRun", "description": "Creates a run.", "tags": ["Runs"],
                    "security": [{ "token": [] }],
                    "parameters": [
                        { "name": "account_id", "in": "path", "required": true, "schema": { "type": "integer" } }
                    ],
                    "requestBody": { "required": true, "content": { "application/json": {
                        "schema": { "$ref": "#/components/schemas/RunRequest" }
                    }}},
                    "responses": {
                        "200": { "description": "The run.", "content": { "application/json": {
                            "schema": { "$ref": "#/components/schemas/Run" }
                        }}},
                        "400": { "$ref": "#/components/responses/NotFound" }
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Run": {
                    "type": "object", "required": ["id"],
                    "properties": {
                        "id": { "type": "integer", "format": "int64", "example": 7 },
                        "status": { "type": "integer", "x-known-values": [1, 10] },
                        "job": { "allOf": [{ "$ref": "#/components/schemas/Job" }], "nullable": true },
                        "steps": { "type": "array", "items": { "type": "string" }, "default": [] }
                    }
                },
                "Job": { "type": "object", "properties": { "name": { "type": "string" } } },
                "RunRequest": { "type": "object", "properties": { "cause": { "type": "string", "minLength": 1 } } },
                "Error": { "type": "object", "properties": { "status": { "type": "object" } } }
            },
            "responses": {
                "NotFound": { "description": "Not found.", "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Error" }
                }}}
            },
            "securitySchemes": { "token": { "type": "apiKey", "in": "header", "name": "Authorization" } }
        }
    })
}

fn set(doc: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let key = key.replace("~1", "/").replace("~0", "~");
    match doc
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent}"))
    {
        Value::Object(map) => {
            map.insert(key, value);
        }
        Value::Array(list) => {
            let i: usize = key.parse().expect("index");
            if i < list.len() {
                list[i] = value;
            } else {
                list.push(value);
            }
        }
        other => panic!("{parent} is {other}"),
    }
}

fn remove(doc: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let key = key.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.shift_remove(&key)
                .unwrap_or_else(|| panic!("no {pointer}"));
        }
        Some(Value::Array(list)) => {
            list.remove(key.parse().expect("index"));
        }
        _ => panic!("no {parent}"),
    }
}

fn rename_path(doc: &mut Value, from: &str, to: &str) {
    let paths = doc["paths"].as_object_mut().expect("paths");
    let item = paths.shift_remove(from).expect("path");
    paths.insert(to.to_string(), item);
}

fn of_rule<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

#[test]
fn the_clean_document_has_no_findings() {
    let findings = lint(&clean(), &LintConfig::default());
    assert!(findings.is_empty(), "{findings:#?}");
}

type Mutation = fn(&mut Value);

/// (rule, defect, pointer the finding must carry)
fn cases() -> Vec<(&'static str, Mutation, String)> {
    vec![
        (
            "array-items",
            |d| {
                set(
                    d,
                    "/components/schemas/Job/properties/tags",
                    json!({ "type": "array" }),
                )
            },
            "/components/schemas/Job/properties/tags".into(),
        ),
        (
            "duplicated-entry-in-enum",
            |d| {
                set(
                    d,
                    "/components/schemas/Job/properties/kind",
                    json!({ "type": "string", "enum": ["a", "b", "a"] }),
                )
            },
            "/components/schemas/Job/properties/kind/enum/2".into(),
        ),
        (
            "info-contact",
            |d| remove(d, "/info/contact"),
            "/info".into(),
        ),
        (
            "info-description",
            |d| set(d, "/info/description", json!("")),
            "/info".into(),
        ),
        (
            "info-license",
            |d| remove(d, "/info/license"),
            "/info".into(),
        ),
        (
            "license-url",
            |d| remove(d, "/info/license/url"),
            "/info/license".into(),
        ),
        (
            "no-$ref-siblings",
            |d| {
                set(
                    d,
                    "/components/schemas/Run/properties/job",
                    json!({ "$ref": "#/components/schemas/Job", "nullable": true }),
                )
            },
            "/components/schemas/Run/properties/job".into(),
        ),
        (
            "no-eval-in-markdown",
            |d| set(d, "/info/description", json!("try eval(1)")),
            "/info/description".into(),
        ),
        (
            "no-script-tags-in-markdown",
            |d| {
                set(
                    d,
                    "/components/schemas/Job/description",
                    json!("<SCRIPT>x</script>"),
                )
            },
            "/components/schemas/Job/description".into(),
        ),
        (
            "oas3-api-servers",
            |d| set(d, "/servers", json!([])),
            "/servers".into(),
        ),
        (
            "oas3-callbacks-in-callbacks",
            |d| {
                set(
                    d,
                    &format!("{GET_RUN}/callbacks"),
                    json!({ "done": { "{$request.body#/url}": { "post": {
                "responses": { "200": { "description": "ok" } }, "callbacks": {} } } } }),
                )
            },
            format!("{GET_RUN}/callbacks/done/{{$request.body#~1url}}/post/callbacks"),
        ),
        (
            "oas3-examples-value-or-externalValue",
            |d| {
                set(
                    d,
                    &format!("{GET_RUN}/parameters/1/examples/steps"),
                    json!({ "summary": "none" }),
                )
            },
            format!("{GET_RUN}/parameters/1/examples/steps"),
        ),
        (
            "oas3-links-parameters-expression",
            |d| {
                set(
                    d,
                    &format!("{GET_RUN}/responses/200/links"),
                    json!({ "job": { "operationId": "getRun", "parameters": { "id": "$response.nowhere" } } }),
                )
            },
            format!("{GET_RUN}/responses/200/links/job/parameters/id"),
        ),
        (
            "oas3-operation-security-defined",
            |d| set(d, "/security", json!([{ "oauth": [] }])),
            "/security/0/oauth".into(),
        ),
        (
            "oas3-schema",
            |d| {
                set(
                    d,
                    "/components/schemas/Job/properties/name/const",
                    json!("x"),
                )
            },
            "/components/schemas/Job/properties/name/const".into(),
        ),
        (
            "oas3-server-not-example.com",
            |d| set(d, "/servers/0/url", json!("https://api.example.com")),
            "/servers/0/url".into(),
        ),
        (
            "oas3-server-trailing-slash",
            |d| set(d, "/servers/0/url", json!("https://cloud.getdbt.com/")),
            "/servers/0/url".into(),
        ),
        (
            "oas3-server-variables",
            |d| set(d, "/servers/0/url", json!("https://{prefix}.us1.dbt.com")),
            "/servers/0/url".into(),
        ),
        (
            "oas3-unused-component",
            |d| set(d, "/components/schemas/Orphan", json!({ "type": "string" })),
            "/components/schemas/Orphan".into(),
        ),
        (
            "oas3-valid-media-example",
            |d| {
                set(
                    d,
                    &format!("{GET_RUN}/responses/200/content/application~1json/example"),
                    json!({ "id": "one" }),
                )
            },
            format!("{GET_RUN}/responses/200/content/application~1json/example"),
        ),
        (
            "oas3-valid-schema-example",
            |d| {
                set(
                    d,
                    "/components/schemas/Run/properties/id/example",
                    json!("seven"),
                )
            },
            "/components/schemas/Run/properties/id/example".into(),
        ),
        ("openapi-tags", |d| remove(d, "/tags"), "/tags".into()),
        (
            "openapi-tags-uniqueness",
            |d| set(d, "/tags/1", json!({ "name": "Runs" })),
            "/tags/1/name".into(),
        ),
        (
            "operation-description",
            |d| remove(d, &format!("{GET_RUN}/description")),
            GET_RUN.into(),
        ),
        (
            "operation-operationId",
            |d| remove(d, &format!("{GET_RUN}/operationId")),
            GET_RUN.into(),
        ),
        (
            "operation-operationId-unique",
            |d| set(d, &format!("{POST_RUNS}/operationId"), json!("getRun")),
            format!("{POST_RUNS}/operationId"),
        ),
        (
            "operation-operationId-valid-in-url",
            |d| set(d, &format!("{GET_RUN}/operationId"), json!("Retrieve Run")),
            format!("{GET_RUN}/operationId"),
        ),
        (
            "operation-parameters",
            |d| {
                set(
                    d,
                    &format!("{GET_RUN}/parameters/2"),
                    json!({ "name": "include_related", "in": "query", "schema": { "type": "string" } }),
                )
            },
            format!("{GET_RUN}/parameters/2"),
        ),
        (
            "operation-success-response",
            |d| remove(d, &format!("{GET_RUN}/responses/200")),
            format!("{GET_RUN}/responses"),
        ),
        (
            "operation-tag-defined",
            |d| set(d, &format!("{GET_RUN}/tags/0"), json!("Jobs")),
            format!("{GET_RUN}/tags/0"),
        ),
        (
            "operation-tags",
            |d| set(d, &format!("{GET_RUN}/tags"), json!([])),
            GET_RUN.into(),
        ),
        (
            "path-declarations-must-exist",
            |d| {
                rename_path(
                    d,
                    "/api/v2/accounts/{account_id}/runs",
                    "/api/v2/accounts/{account_id}/runs/{}",
                )
            },
            "/paths/~1api~1v2~1accounts~1{account_id}~1runs~1{}".into(),
        ),
        (
            "path-keys-no-trailing-slash",
            |d| {
                rename_path(
                    d,
                    "/api/v2/accounts/{account_id}/runs",
                    "/api/v2/accounts/{account_id}/runs/",
                )
            },
            "/paths/~1api~1v2~1accounts~1{account_id}~1runs~1".into(),
        ),
        (
            "path-not-include-query",
            |d| {
                rename_path(
                    d,
                    "/api/v2/accounts/{account_id}/runs",
                    "/api/v2/accounts/{account_id}/runs?x=1",
                )
            },
            "/paths/~1api~1v2~1accounts~1{account_id}~1runs?x=1".into(),
        ),
        (
            "path-params",
            |d| remove(d, &format!("{GET_RUN}/parameters/0")),
            GET_RUN.into(),
        ),
        (
            "typed-enum",
            |d| {
                set(
                    d,
                    "/components/schemas/Job/properties/kind",
                    json!({ "type": "integer", "enum": [1, "two"] }),
                )
            },
            "/components/schemas/Job/properties/kind/enum/1".into(),
        ),
        (
            "codegen-closed-enum",
            |d| {
                set(
                    d,
                    "/components/schemas/Run/properties/status/enum",
                    json!([1, 10]),
                )
            },
            "/components/schemas/Run/properties/status/enum".into(),
        ),
        (
            "codegen-closed-object",
            |d| {
                set(
                    d,
                    "/components/schemas/Job/additionalProperties",
                    json!(false),
                )
            },
            "/components/schemas/Job/additionalProperties".into(),
        ),
        (
            "codegen-default-beside-codes",
            |d| {
                set(
                    d,
                    &format!("{GET_RUN}/responses/default"),
                    json!({ "$ref": "#/components/responses/NotFound" }),
                )
            },
            format!("{GET_RUN}/responses/default"),
        ),
        (
            "codegen-error-types",
            |d| {
                set(
                    d,
                    &format!("{GET_RUN}/responses/500"),
                    json!({ "description": "boom", "content": { "text/html": {} } }),
                )
            },
            format!("{GET_RUN}/responses"),
        ),
        (
            "codegen-json-without-schema",
            |d| {
                remove(
                    d,
                    &format!("{POST_RUNS}/requestBody/content/application~1json/schema"),
                )
            },
            format!("{POST_RUNS}/requestBody/content/application~1json"),
        ),
        (
            "codegen-openapi-version",
            |d| set(d, "/openapi", json!("3.1.0")),
            "/openapi".into(),
        ),
        (
            "codegen-operation-id",
            |d| set(d, &format!("{GET_RUN}/operationId"), json!(" ")),
            GET_RUN.into(),
        ),
        (
            "codegen-operation-id-unique",
            |d| set(d, &format!("{POST_RUNS}/operationId"), json!("Get Run")),
            format!("{POST_RUNS}/operationId"),
        ),
        (
            "codegen-operation-tag",
            |d| remove(d, &format!("{GET_RUN}/tags")),
            GET_RUN.into(),
        ),
        (
            "codegen-request-media-types",
            |d| {
                set(
                    d,
                    &format!("{POST_RUNS}/requestBody/content/multipart~1form-data"),
                    json!({ "schema": { "type": "object" } }),
                )
            },
            format!("{POST_RUNS}/requestBody/content"),
        ),
        (
            "codegen-success-types",
            |d| {
                set(
                    d,
                    &format!("{POST_RUNS}/responses/201"),
                    json!({ "description": "created" }),
                )
            },
            format!("{POST_RUNS}/responses"),
        ),
        (
            "codegen-typed-path-parameter",
            |d| {
                set(
                    d,
                    &format!("{GET_RUN}/parameters/0/schema"),
                    json!({ "description": "any" }),
                )
            },
            format!("{GET_RUN}/parameters/0"),
        ),
        (
            "codegen-typed-success-response",
            |d| {
                set(
                    d,
                    &format!("{GET_RUN}/responses/200/content/application~1json/schema"),
                    json!({}),
                )
            },
            format!("{GET_RUN}/responses/200"),
        ),
        (
            "codegen-unresolved-ref",
            |d| {
                set(
                    d,
                    "/components/schemas/Run/properties/job/allOf/0/$ref",
                    json!("#/components/schemas/Nope"),
                )
            },
            "/components/schemas/Run/properties/job/allOf/0/$ref".into(),
        ),
        (
            "codegen-pattern",
            |d| {
                set(
                    d,
                    "/components/schemas/RunRequest/properties/cause/pattern",
                    json!("^(?P<word>[a-z]+)$"),
                )
            },
            "/components/schemas/RunRequest/properties/cause/pattern".into(),
        ),
        (
            "codegen-type-name-unique",
            |d| {
                // Run.job as an inline object is typed RunJob, like this component.
                set(
                    d,
                    "/components/schemas/RunJob",
                    json!({ "type": "object", "properties": { "x": { "type": "string" } } }),
                );
                set(
                    d,
                    "/components/schemas/Run/properties/job",
                    json!({ "type": "object", "properties": { "y": { "type": "string" } } }),
                );
            },
            "/components/schemas/Run/properties/job".into(),
        ),
        // The codegen-safety family: shapes progenitor panics, loops or overflows on.
        (
            "codegen-ref-target",
            |d| {
                set(
                    d,
                    "/components/schemas/Job/properties/tags",
                    json!({ "$ref": "#/info" }),
                )
            },
            "/components/schemas/Job/properties/tags/$ref".into(),
        ),
        (
            "codegen-ref-cycle",
            |d| {
                set(
                    d,
                    "/components/responses/Loop",
                    json!({ "$ref": "#/components/responses/Loop" }),
                )
            },
            "/components/responses/Loop/$ref".into(),
        ),
        (
            "codegen-recursive-schema",
            |d| {
                set(
                    d,
                    "/components/schemas/Tree",
                    json!({ "allOf": [{ "$ref": "#/components/schemas/Tree" }, { "type": "object" }] }),
                )
            },
            "/components/schemas/Tree".into(),
        ),
        (
            "codegen-openapiv3-readable",
            |d| set(d, &format!("{GET_RUN}/parameters/0/required"), json!("yes")),
            "/paths".into(),
        ),
        (
            "codegen-path-item-ref",
            |d| {
                set(
                    d,
                    "/paths/~1api~1v2~1other",
                    json!({ "$ref": "#/components/pathItems/Other" }),
                )
            },
            "/paths/~1api~1v2~1other/$ref".into(),
        ),
        (
            "codegen-parameter-schema",
            |d| {
                set(
                    d,
                    &format!("{GET_RUN}/parameters/0/schema"),
                    json!({ "type": "object", "properties": { "a": { "type": "string" } } }),
                )
            },
            format!("{GET_RUN}/parameters/0/schema"),
        ),
        (
            "codegen-security-scheme-type",
            |d| {
                set(
                    d,
                    "/components/securitySchemes/token",
                    json!({ "scheme": "bearer" }),
                )
            },
            "/components/securitySchemes/token".into(),
        ),
        (
            "codegen-required-cookie-parameter",
            |d| {
                set(
                    d,
                    &format!("{GET_RUN}/parameters/2"),
                    json!({ "name": "session", "in": "cookie", "required": true, "schema": { "type": "string" } }),
                )
            },
            format!("{GET_RUN}/parameters/2"),
        ),
    ]
}

#[test]
fn each_rule_reports_its_defect_at_its_pointer() {
    let config = LintConfig::default();
    for (rule, mutate, pointer) in cases() {
        let clean_findings = lint(&clean(), &config);
        assert!(
            of_rule(&clean_findings, rule).is_empty(),
            "{rule} fires on the clean document"
        );
        let mut doc = clean();
        mutate(&mut doc);
        let findings = lint(&doc, &config);
        let hits = of_rule(&findings, rule);
        assert!(
            hits.iter().any(|f| f.pointer == pointer),
            "{rule}: expected a finding at {pointer}, got {hits:#?}"
        );
        let default = xtask::lint::find_rule(rule).expect("listed").severity;
        assert!(
            hits.iter()
                .all(|f| f.severity == default && !f.message.is_empty())
        );
    }
}

#[test]
fn every_rule_has_a_case() {
    let covered: Vec<&str> = cases().iter().map(|(rule, _, _)| *rule).collect();
    for rule in rules() {
        assert!(
            covered.contains(&rule.name),
            "no test case for {}",
            rule.name
        );
    }
}

#[test]
fn returning_a_file_or_nothing_is_not_an_untyped_response() {
    let mut doc = clean();
    set(
        &mut doc,
        &format!("{GET_RUN}/responses/200/content"),
        json!({ "application/octet-stream": {} }),
    );
    let findings = lint(&doc, &LintConfig::default());
    assert!(
        of_rule(&findings, "codegen-typed-success-response").is_empty(),
        "{findings:#?}"
    );
    assert!(
        of_rule(&findings, "codegen-json-without-schema").is_empty(),
        "{findings:#?}"
    );
}

#[test]
fn path_params_reports_undeclared_unused_and_optional_parameters() {
    let mut doc = clean();
    set(
        &mut doc,
        &format!("{GET_RUN}/parameters/0/required"),
        json!(false),
    );
    set(
        &mut doc,
        &format!("{GET_RUN}/parameters/2"),
        json!({ "name": "step_id", "in": "path", "required": true, "schema": { "type": "integer" } }),
    );
    let findings = lint(&doc, &LintConfig::default());
    let messages: Vec<&str> = of_rule(&findings, "path-params")
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("\"run_id\" must have required: true")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("\"step_id\" is not used")),
        "{messages:?}"
    );
}

#[test]
fn config_turns_rules_off_and_changes_severity() {
    let config = LintConfig::parse(
        "operation-description: {severity: \"off\", reason: dbt omits some}\noperation-tags: {severity: error}\n",
    )
    .expect("valid config");
    let mut doc = clean();
    remove(&mut doc, &format!("{GET_RUN}/description"));
    set(&mut doc, &format!("{GET_RUN}/tags"), json!([]));
    let findings = lint(&doc, &config);
    assert!(of_rule(&findings, "operation-description").is_empty());
    let tags = of_rule(&findings, "operation-tags");
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].severity, Severity::Error);
    // Errors sort before warnings.
    assert_eq!(findings[0].severity, Severity::Error);
}

#[test]
fn config_refuses_a_reasonless_off_an_unknown_rule_and_a_bad_severity() {
    let err = LintConfig::parse("operation-tags: {severity: \"off\"}")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("/operation-tags") && err.contains("reason"),
        "{err}"
    );
    let err = LintConfig::parse("no-such-rule: {severity: error}")
        .unwrap_err()
        .to_string();
    assert!(err.contains("no-such-rule"), "{err}");
    let err = LintConfig::parse("operation-tags: {severity: loud}")
        .unwrap_err()
        .to_string();
    assert!(err.contains("/operation-tags/severity"), "{err}");
    let err = LintConfig::parse("[1, 2]").unwrap_err().to_string();
    assert!(err.contains("expected a map"), "{err}");
}

#[test]
fn the_project_config_loads_and_keeps_trailing_slashes() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/lint.yml");
    let config = LintConfig::load(&path).expect("spec/lint.yml loads");
    assert_eq!(config.severity("path-keys-no-trailing-slash"), None);
    let missing = LintConfig::load(std::path::Path::new("/nonexistent/lint.yml")).unwrap_err();
    assert!(format!("{missing:#}").contains("/nonexistent/lint.yml"));
}

#[test]
fn arbitrary_json_never_panics() {
    let junk = [
        json!(null),
        json!(42),
        json!("openapi"),
        json!([{ "paths": {} }]),
        json!({ "openapi": 3, "info": [], "paths": [], "servers": {}, "tags": "x", "components": 1 }),
        json!({ "paths": { "": null, "{": { "get": { "responses": [], "parameters": {} } },
            "/a/{b}": { "parameters": [1, null, { "$ref": 5 }], "get": { "tags": [1], "responses": {
                "2": null, "200": { "content": { "application/json": 1 } } } } } } }),
        json!({ "components": { "schemas": { "A": { "$ref": "#/components/schemas/A" }, "B": [],
            "C": { "type": ["string", "null"], "enum": "x", "properties": 1, "items": [1], "required": [] } } } }),
        json!({ "servers": [{ "url": "{", "variables": { "x": { "enum": [] } } }, 3], "security": [1, { "a": 1 }] }),
    ];
    for doc in junk {
        let _ = lint(&doc, &LintConfig::default());
    }
}

/// The clean document written as OpenAPI 3.1, using what 3.1 adds.
fn clean_31() -> Value {
    let mut doc = clean();
    set(&mut doc, "/openapi", json!("3.1.0"));
    set(&mut doc, "/info/summary", json!("Runs."));
    set(&mut doc, "/info/license/identifier", json!("Apache-2.0"));
    set(
        &mut doc,
        "/components/schemas/Run/properties/kind",
        json!({ "const": "run", "type": ["string", "null"] }),
    );
    set(
        &mut doc,
        "/components/schemas/Run/properties/pair",
        json!({ "type": "array", "prefixItems": [{ "type": "integer" }, true], "items": false }),
    );
    set(
        &mut doc,
        "/components/schemas/Run/properties/anything",
        json!(true),
    );
    set(
        &mut doc,
        "/components/schemas/Run/properties/job",
        json!({ "$ref": "#/components/schemas/Job", "description": "The job." }),
    );
    set(
        &mut doc,
        "/webhooks",
        json!({ "runFinished": { "post": {
            "operationId": "runFinished", "description": "A run ended.", "tags": ["Runs"],
            "requestBody": { "content": { "application/json": {
                "schema": { "$ref": "#/components/schemas/Run" } } } },
            "responses": { "200": { "description": "Received." } }
        } } }),
    );
    doc
}

#[test]
fn a_31_document_is_linted_by_31_rules() {
    let findings = lint(&clean_31(), &LintConfig::spectral());
    assert!(findings.is_empty(), "{findings:#?}");
    // The same constructs in a 3.0 document are structure errors there.
    let mut doc = clean_31();
    set(&mut doc, "/openapi", json!("3.0.3"));
    let findings = lint(&doc, &LintConfig::spectral());
    let pointers: Vec<&str> = of_rule(&findings, "oas3-schema")
        .iter()
        .map(|f| f.pointer.as_str())
        .collect();
    for expected in [
        "/webhooks",
        "/info/summary",
        "/components/schemas/Run/properties/kind/const",
        "/components/schemas/Run/properties/pair/prefixItems",
        "/components/schemas/Run/properties/anything",
    ] {
        assert!(
            pointers.contains(&expected),
            "{expected} not in {pointers:?}"
        );
    }
    assert!(!of_rule(&findings, "no-$ref-siblings").is_empty());
    // 3.1 still has rules: an unknown type is reported.
    let mut doc = clean_31();
    set(
        &mut doc,
        "/components/schemas/Run/properties/kind/type",
        json!(["string", "text"]),
    );
    let findings = lint(&doc, &LintConfig::spectral());
    assert_eq!(
        of_rule(&findings, "oas3-schema")
            .iter()
            .map(|f| f.pointer.as_str())
            .collect::<Vec<_>>(),
        ["/components/schemas/Run/properties/kind/type/1"]
    );
}

#[test]
fn the_spectral_ruleset_reports_no_codegen_rule() {
    let findings = lint(&clean_31(), &LintConfig::default());
    assert!(
        !of_rule(&findings, "codegen-openapi-version").is_empty(),
        "{findings:#?}"
    );
    let findings = lint(&clean_31(), &LintConfig::spectral());
    assert!(findings.iter().all(|f| !f.rule.starts_with("codegen-")));
}
