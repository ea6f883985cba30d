//! Contract: every body the mock sends during the end-to-end scenario matches the derived
//! spec. Each recorded answer is routed to its operation (method + path template of the spec)
//! and its response (exact code, else the `4XX` range), and a declared `application/json`
//! body is validated against that response's schema (OpenAPI 3.0 -> JSON Schema by
//! `xtask::schema`). The mock is written without the client's types, so this is where the two
//! could disagree. A deliberately wrong body must fail the same check.

#[path = "common/e2e.rs"]
mod e2e;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use bytes::Bytes;
use dbt_cloud_mock::RecordedRequest;
use jsonschema::Validator;
use serde_json::{Value, json};

/// The derived spec's operations, with one validator per (operation, response key).
struct Contract {
    doc: Value,
    operations: Vec<SpecOperation>,
    validators: HashMap<(String, String), Validator>,
}

struct SpecOperation {
    id: String,
    method: String,
    template: String,
    responses: serde_json::Map<String, Value>,
}

/// What the check did with one answer.
#[derive(Debug, PartialEq)]
enum Checked {
    /// A JSON body validated against this operation's schema for this response key.
    Validated { operation: String, response: String },
    /// A declared non-JSON body (a raw artifact): nothing to validate.
    Raw { operation: String },
    /// A response the spec declares without content, and the mock sent none.
    Empty { operation: String },
}

impl Contract {
    fn load() -> Self {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../spec/dbt-cloud-administrative-api-openapi.yml");
        let doc = xtask::document::load_file(&path).expect("the derived spec loads");
        let mut operations = Vec::new();
        for (template, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                    continue;
                };
                operations.push(SpecOperation {
                    id: id.to_string(),
                    method: method.to_ascii_uppercase(),
                    template: template.clone(),
                    responses: op["responses"].as_object().cloned().unwrap_or_default(),
                });
            }
        }
        Contract {
            doc,
            operations,
            validators: HashMap::new(),
        }
    }

    /// The one spec operation serving `method` + `path`.
    fn route(&self, method: &str, path: &str) -> Result<&SpecOperation, String> {
        let found: Vec<&SpecOperation> = self
            .operations
            .iter()
            .filter(|op| op.method == method && path_matches(&op.template, path))
            .collect();
        // Like a real router, a literal segment beats a parameter (`.../bulk/` is not the
        // value `{environment_variable_id}` = "bulk"): keep the most literal matches.
        let literal = |op: &SpecOperation| {
            op.template
                .split('/')
                .filter(|p| !p.starts_with('{'))
                .count()
        };
        let best = found.iter().map(|op| literal(op)).max().unwrap_or(0);
        let found: Vec<&SpecOperation> =
            found.into_iter().filter(|op| literal(op) == best).collect();
        match found.as_slice() {
            [one] => Ok(one),
            [] => Err(format!(
                "{method} {path}: no operation of the spec serves it"
            )),
            many => Err(format!(
                "{method} {path}: ambiguous, matches {:?}",
                many.iter().map(|o| &o.id).collect::<Vec<_>>()
            )),
        }
    }

    /// Checks one recorded exchange against the spec.
    fn check(&mut self, exchange: &RecordedRequest) -> Result<Checked, String> {
        let what = format!("{} {}", exchange.method, exchange.path);
        let response = exchange
            .response
            .as_ref()
            .ok_or_else(|| format!("{what}: the mock sent no complete answer"))?;
        let operation = self.route(&exchange.method, &exchange.path)?;
        let id = operation.id.clone();
        // The mock's own routing must agree with the spec's.
        let routed = exchange.operation.map(|o| o.id().to_string());
        if routed.as_deref() != Some(id.as_str()) {
            return Err(format!(
                "{what}: the spec says {id}, the mock routed it to {routed:?}"
            ));
        }
        let code = response.status.to_string();
        let range = format!("{}XX", response.status / 100);
        let key = [code.as_str(), range.as_str(), "default"]
            .into_iter()
            .find(|k| operation.responses.contains_key(*k))
            .ok_or_else(|| format!("{what} ({id}): status {code} is not declared by the spec"))?
            .to_string();
        let declared = &operation.responses[&key];
        let Some(content) = declared.get("content").and_then(Value::as_object) else {
            if response.body.is_empty() {
                return Ok(Checked::Empty { operation: id });
            }
            return Err(format!(
                "{what} ({id}): response {key} declares no body, the mock sent {} bytes",
                response.body.len()
            ));
        };
        let Some(schema) = content.get("application/json").map(|m| &m["schema"]) else {
            return Ok(Checked::Raw { operation: id });
        };
        if !response.is_json() {
            return Err(format!(
                "{what} ({id}): response {key} is JSON, the mock sent Content-Type {:?}",
                response.content_type
            ));
        }
        let body: Value = serde_json::from_slice(&response.body)
            .map_err(|e| format!("{what} ({id}): response {key} is not JSON: {e}"))?;
        let cache_key = (id.clone(), key.clone());
        if !self.validators.contains_key(&cache_key) {
            let validator = xtask::schema::validator_for(&self.doc, schema)
                .map_err(|e| format!("{id} {key}: schema unusable: {e}"))?;
            self.validators.insert(cache_key.clone(), validator);
        }
        let found = xtask::schema::errors(&self.validators[&cache_key], &body);
        if !found.is_empty() {
            let reasons: Vec<String> = found.iter().map(ToString::to_string).collect();
            return Err(format!(
                "{what} ({id}) response {key}: {}",
                reasons.join("; ")
            ));
        }
        Ok(Checked::Validated {
            operation: id,
            response: key,
        })
    }
}

/// `{name}` matches one non-empty segment; `{path}` (an artifact path) one or more.
fn path_matches(template: &str, path: &str) -> bool {
    let pattern: Vec<&str> = template.split('/').collect();
    let actual: Vec<&str> = path.split('/').collect();
    let mut i = 0;
    for (n, part) in pattern.iter().enumerate() {
        if *part == "{path}" && n == pattern.len() - 1 {
            return actual.len() > i && actual[i..].iter().all(|s| !s.is_empty());
        }
        let Some(segment) = actual.get(i) else {
            return false;
        };
        let ok = if part.starts_with('{') && part.ends_with('}') {
            !segment.is_empty()
        } else {
            part == segment
        };
        if !ok {
            return false;
        }
        i += 1;
    }
    i == actual.len()
}

/// Runs the whole scenario and returns what the mock recorded.
async fn scenario_exchanges() -> Vec<RecordedRequest> {
    let ctx = e2e::start().await;
    e2e::run_all(&ctx).await;
    ctx.mock.requests()
}

#[tokio::test]
async fn every_body_the_mock_sends_in_the_scenario_matches_the_spec() {
    let exchanges = scenario_exchanges().await;
    let mut contract = Contract::load();
    let mut failures = Vec::new();
    let mut validated: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut statuses = BTreeSet::new();
    let (mut n_validated, mut n_raw, mut n_empty) = (0, 0, 0);
    for exchange in &exchanges {
        match contract.check(exchange) {
            Ok(Checked::Validated {
                operation,
                response,
            }) => {
                n_validated += 1;
                statuses.insert(exchange.response.as_ref().map(|r| r.status));
                validated.entry(operation).or_default().insert(response);
            }
            Ok(Checked::Raw { .. }) => n_raw += 1,
            Ok(Checked::Empty { .. }) => n_empty += 1,
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} answers break the contract:\n{}",
        failures.len(),
        exchanges.len(),
        failures.join("\n")
    );
    println!(
        "contract: {} answers, {n_validated} JSON bodies validated, {n_raw} raw artifacts, {n_empty} empty; per operation: {validated:?}",
        exchanges.len()
    );
    assert!(n_validated > 0);
    assert!(n_raw > 0, "raw artifact downloads were exercised");

    // Coverage: every operation of the spec was called, and every JSON 2xx schema was used.
    let spec = Contract::load();
    for op in &spec.operations {
        let called = exchanges
            .iter()
            .any(|e| e.operation.map(|o| o.id()) == Some(op.id.as_str()));
        assert!(called, "the scenario never calls {}", op.id);
        // createJob declares 200 and 201 (dbt has answered both); one of them is enough.
        let json_2xx: Vec<&String> = op
            .responses
            .iter()
            .filter(|(key, response)| {
                key.starts_with('2') && response.pointer("/content/application~1json").is_some()
            })
            .map(|(key, _)| key)
            .collect();
        if !json_2xx.is_empty() {
            assert!(
                validated
                    .get(&op.id)
                    .is_some_and(|keys| json_2xx.iter().any(|k| keys.contains(*k))),
                "no 2xx body of {} was validated",
                op.id
            );
        }
    }
    // The error envelope was validated for each error status the scenario provokes.
    for status in [400, 401, 403, 404] {
        assert!(
            statuses.contains(&Some(status)),
            "no {status} body validated"
        );
    }
}

/// One real exchange of `operation` from the scenario, to corrupt.
fn sample(exchanges: &[RecordedRequest], operation: &str, status: u16) -> RecordedRequest {
    exchanges
        .iter()
        .find(|e| {
            e.operation.map(|o| o.id()) == Some(operation)
                && e.response.as_ref().map(|r| r.status) == Some(status)
        })
        .cloned()
        .unwrap_or_else(|| panic!("the scenario has a {status} {operation}"))
}

fn with_body(mut exchange: RecordedRequest, body: &Value) -> RecordedRequest {
    if let Some(response) = exchange.response.as_mut() {
        response.body = Bytes::from(serde_json::to_vec(body).unwrap());
    }
    exchange
}

fn body_of(exchange: &RecordedRequest) -> Value {
    exchange
        .response
        .as_ref()
        .and_then(|r| r.json())
        .expect("JSON body")
}

#[tokio::test]
async fn deliberately_wrong_bodies_are_caught_by_the_same_check() {
    let exchanges = scenario_exchanges().await;
    let mut contract = Contract::load();

    let get_run = sample(&exchanges, "getRun", 200);
    assert!(matches!(
        contract.check(&get_run),
        Ok(Checked::Validated { .. })
    ));

    // A run whose id is a string.
    let mut body = body_of(&get_run);
    body["data"]["id"] = json!("12345");
    let err = contract
        .check(&with_body(get_run.clone(), &body))
        .unwrap_err();
    // `data` is a nullable reference (`anyOf: [null, Run]`), so the failure is reported at
    // `/data`, where no branch matched, and explained by the `Run` branch (the same holds for
    // `/extra`).
    assert!(
        err.contains(
            r#"(getRun) response 200: at /data: matches no branch of anyOf: branch 2 [at /data/id: "12345" is not of type "integer"]"#
        ),
        "{err}"
    );

    // `status` that is not an object.
    let mut body = body_of(&get_run);
    body["status"] = json!("OK");
    let err = contract
        .check(&with_body(get_run.clone(), &body))
        .unwrap_err();
    assert!(err.contains("at /status"), "{err}");
    assert!(err.contains(r#""OK" is not of type "object""#), "{err}");

    // A run status as text inside a list page.
    let list = sample(&exchanges, "listRuns", 200);
    let mut body = body_of(&list);
    body["data"][0]["status"] = json!("Success");
    let err = contract.check(&with_body(list, &body)).unwrap_err();
    assert!(
        err.contains(r#"at /data/0/status: "Success" is not of types "null", "integer""#),
        "{err}"
    );

    // The pagination counts as strings.
    let jobs = sample(&exchanges, "listJobs", 200);
    let mut body = body_of(&jobs);
    body["extra"]["pagination"]["total_count"] = json!("3");
    let err = contract.check(&with_body(jobs, &body)).unwrap_err();
    assert!(err.contains("(listJobs) response 200: at /extra"), "{err}");
    assert!(
        err.contains(
            r#"[at /extra/pagination/total_count: "3" is not of types "null", "integer"]"#
        ),
        "{err}"
    );

    // An error envelope whose user_message is not a string.
    let not_found = sample(&exchanges, "getRun", 404);
    assert!(contract.check(&not_found).is_ok());
    let mut body = body_of(&not_found);
    body["status"]["user_message"] = json!(["not", "a", "string"]);
    let err = contract.check(&with_body(not_found, &body)).unwrap_err();
    assert!(err.contains("(getRun) response 4XX: at /status"), "{err}");
    assert!(
        err.contains(r#"at /status/user_message: ["not","a","string"] is not of type"#),
        "{err}"
    );

    // A status the spec does not declare, a body where none is declared, HTML for JSON.
    let mut undeclared = get_run.clone();
    if let Some(r) = undeclared.response.as_mut() {
        r.status = 500;
    }
    let err = contract.check(&undeclared).unwrap_err();
    assert!(err.contains("status 500 is not declared"), "{err}");
    let delete = sample(&exchanges, "deleteJob", 204);
    assert!(matches!(contract.check(&delete), Ok(Checked::Empty { .. })));
    let err = contract
        .check(&with_body(delete, &json!({"data": null})))
        .unwrap_err();
    assert!(err.contains("declares no body"), "{err}");
    let mut html = get_run;
    if let Some(r) = html.response.as_mut() {
        r.content_type = Some("text/html; charset=utf-8".into());
        r.body = Bytes::from_static(b"<html>502</html>");
    }
    assert!(contract.check(&html).unwrap_err().contains("Content-Type"));
}

#[test]
fn paths_route_to_one_operation_each() {
    let contract = Contract::load();
    let route = |method: &str, path: &str| contract.route(method, path).map(|o| o.id.clone());
    let a = "/api/v2/accounts/43";
    assert_eq!(route("GET", "/api/v2/accounts/").unwrap(), "listAccounts");
    assert_eq!(route("GET", &format!("{a}/")).unwrap(), "getAccount");
    assert_eq!(route("GET", &format!("{a}/runs/7/")).unwrap(), "getRun");
    assert_eq!(route("POST", &format!("{a}/jobs/1/")).unwrap(), "updateJob");
    assert_eq!(
        route("DELETE", &format!("{a}/jobs/1/")).unwrap(),
        "deleteJob"
    );
    assert_eq!(
        route("POST", &format!("{a}/jobs/1/run/")).unwrap(),
        "triggerJobRun"
    );
    assert_eq!(
        route("GET", &format!("{a}/runs/7/artifacts/")).unwrap(),
        "listRunArtifacts"
    );
    assert_eq!(
        route(
            "GET",
            &format!("{a}/runs/7/artifacts/compiled/p/models/a.sql")
        )
        .unwrap(),
        "getRunArtifact"
    );
    let p = "/api/v3/accounts/43/projects/101/environment-variables";
    assert_eq!(
        route("POST", &format!("{p}/bulk/")).unwrap(),
        "bulkCreateEnvironmentVariables"
    );
    assert_eq!(
        route("POST", &format!("{p}/7/")).unwrap(),
        "updateEnvironmentVariable"
    );
    assert_eq!(
        route("DELETE", &format!("{p}/bulk/")).unwrap(),
        "bulkDeleteEnvironmentVariables"
    );
    assert!(route("GET", &format!("{a}/runs/7")).is_err());
    assert!(route("PATCH", &format!("{a}/runs/7/")).is_err());
    assert!(route("GET", &format!("{a}/runs//")).is_err());
}

#[tokio::test]
async fn fault_error_bodies_match_the_error_schema_too() {
    use dbt_cloud_mock::{Fault, FaultRule, Operation};
    let ctx = e2e::start().await;
    ctx.mock.inject_fault(
        FaultRule::on(
            Operation::GetAccount,
            Fault::RateLimited {
                retry_after_secs: 7,
            },
        )
        .times(1),
    );
    ctx.mock.inject_fault(
        FaultRule::on(
            Operation::GetAccount,
            Fault::DjangoDetail {
                status: 403,
                detail: "You do not have permission to perform this action.".into(),
            },
        )
        .times(1),
    );
    for status in [429, 403] {
        let result = ctx
            .client
            .get_account()
            .account_id(ctx.account)
            .send()
            .await;
        e2e::error_body(result, status);
    }
    let mut contract = Contract::load();
    let checked: Vec<Checked> = ctx
        .mock
        .requests()
        .iter()
        .map(|e| contract.check(e).unwrap_or_else(|err| panic!("{err}")))
        .collect();
    let expected = Checked::Validated {
        operation: "getAccount".into(),
        response: "4XX".into(),
    };
    assert_eq!(checked.len(), 2, "{checked:?}");
    assert!(checked.iter().all(|c| *c == expected), "{checked:?}");
}
