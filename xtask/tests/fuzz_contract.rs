//! Fuzz test of the pipeline's contract: whatever document comes in, `regen` never panics, and
//! either refuses it with an error or writes a document progenitor generates a client from.
//!
//! Seeded and bounded: `FUZZ_CASES` documents (default 2,000) from seed `FUZZ_SEED` (default
//! fixed, so a failure reproduces), each a small valid document with one to four mutations
//! from [`MUTATIONS`] (the shapes that broke progenitor, and generic damage). Generation runs
//! in-process (`support/contract.rs`); `compile-client` runs on a sample in the ignored test.
//! A document that fails is left at `target/fuzz-contract-failure.yml`.

#[path = "support/contract.rs"]
mod contract;

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use contract::Regen;
use serde_json::{Value, json};

/// SplitMix64: tiny, seedable, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// One of `items`, `None` when there is none (damage can remove every site).
    fn choose(&mut self, items: Vec<String>) -> Option<String> {
        (!items.is_empty()).then(|| items[self.below(items.len())].clone())
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Small valid documents to mutate.
fn seeds() -> Vec<Value> {
    let hostile_base = std::fs::read_to_string(
        contract::repo_root().join("xtask/tests/fixtures/hostile/base.yml"),
    )
    .expect("base fixture");
    let base = xtask::document::parse_text(&hostile_base, "base.yml").expect("base parses");
    let shop = json!({
        "openapi": "3.0.3",
        "info": {"title": "Shop", "version": "1", "description": "A made-up shop.",
                 "contact": {"name": "Shop", "url": "https://api.shop.test"}},
        "servers": [{"url": "https://api.shop.test/api/v2"}],
        "tags": [{"name": "Orders", "description": "Orders."}],
        "paths": {
            "/accounts/{accountId}/orders/": {
                "get": {
                    "operationId": "List Orders", "tags": ["Orders"], "description": "Lists.",
                    "parameters": [
                        {"name": "accountId", "in": "path", "required": true, "schema": {"type": "integer"}},
                        {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["new", "paid"]}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}
                    ],
                    "responses": {"200": {"description": "Orders.", "content": {"application/json": {
                        "schema": {"type": "object", "properties": {
                            "data": {"type": "array", "items": {"$ref": "#/components/schemas/Order"}}}}}}}}
                },
                "post": {
                    "operationId": "Create Order", "tags": ["Orders"], "description": "Creates.",
                    "parameters": [
                        {"name": "accountId", "in": "path", "required": true, "schema": {"type": "integer"}}
                    ],
                    "requestBody": {"required": true, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/NewOrder"}}}},
                    "responses": {
                        "201": {"description": "Created.", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Order"}}}},
                        "400": {"$ref": "#/components/responses/Problem"}
                    }
                }
            },
            "/accounts/{accountId}/orders/{id}/": {
                "delete": {
                    "operationId": "Destroy Order", "tags": ["Orders"], "description": "Deletes.",
                    "parameters": [
                        {"name": "accountId", "in": "path", "required": true, "schema": {"type": "integer"}},
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}
                    ],
                    "responses": {"204": {"description": "Deleted."}}
                }
            }
        },
        "components": {
            "schemas": {
                "Order": {"type": "object", "required": ["id"], "properties": {
                    "id": {"type": "integer", "format": "int64"},
                    "state": {"type": "string", "enum": ["new", "paid", "sent"]},
                    "created_at": {"type": "string", "format": "date-time", "nullable": true},
                    "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}},
                    "note": {"type": "string", "maxLength": 200, "example": "fragile"},
                    "tags": {"type": "object", "additionalProperties": {"type": "string"}}
                }},
                "Line": {"type": "object", "properties": {
                    "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"},
                    "quantity": {"type": "integer", "minimum": 1},
                    "parent": {"$ref": "#/components/schemas/Line"}
                }},
                "NewOrder": {"type": "object", "properties": {
                    "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}, "minItems": 1}
                }},
                "Problem": {"type": "object", "properties": {"message": {"type": "string"}}}
            },
            "responses": {"Problem": {"description": "A problem.", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}}}},
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}
        },
        "security": [{"token": []}]
    });
    vec![base, shop]
}

/// JSON pointers of every object in `doc` (mutation sites).
fn objects(doc: &Value) -> Vec<String> {
    fn walk(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                out.push(at.clone());
                for (k, child) in map {
                    walk(
                        child,
                        format!("{at}/{}", xtask::document::escape_pointer_token(k)),
                        out,
                    );
                }
            }
            Value::Array(list) => {
                for (i, child) in list.iter().enumerate() {
                    walk(child, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, String::new(), &mut out);
    out
}

/// Objects that are schemas: under `properties`, `items`, `schema`, `components/schemas`...
fn schema_sites(doc: &Value) -> Vec<String> {
    objects(doc)
        .into_iter()
        .filter(|p| {
            let mut parts = p.rsplit('/');
            let last = parts.next().unwrap_or("");
            let parent = parts.next().unwrap_or("");
            last == "schema"
                || last == "items"
                || last == "additionalProperties"
                || parent == "properties"
                || parent == "schemas"
                || parent == "allOf"
                || parent == "oneOf"
                || parent == "anyOf"
        })
        .collect()
}

fn operations(doc: &Value) -> Vec<String> {
    objects(doc)
        .into_iter()
        .filter(|p| {
            let last = p.rsplit('/').next().unwrap_or("");
            p.starts_with("/paths/")
                && p.matches('/').count() == 3
                && ["get", "post", "put", "patch", "delete"].contains(&last)
        })
        .collect()
}

fn component_names(doc: &Value, kind: &str) -> Vec<String> {
    doc.pointer(&format!("/components/{kind}"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn merge_into(doc: &mut Value, pointer: &str, patch: Value) {
    if let (Some(Value::Object(target)), Value::Object(patch)) = (doc.pointer_mut(pointer), patch) {
        for (k, v) in patch {
            target.insert(k, v);
        }
    }
}

fn add_component(doc: &mut Value, kind: &str, name: &str, value: Value) {
    let Some(root) = doc.as_object_mut() else {
        return;
    };
    let components = root.entry("components").or_insert_with(|| json!({}));
    if let Some(components) = components.as_object_mut() {
        let section = components.entry(kind).or_insert_with(|| json!({}));
        if let Some(section) = section.as_object_mut() {
            section.insert(name.to_owned(), value);
        }
    }
}

fn push_parameter(doc: &mut Value, op: &str, parameter: Value) {
    if let Some(Value::Object(op)) = doc.pointer_mut(op) {
        let list = op.entry("parameters").or_insert_with(|| json!([]));
        if let Some(list) = list.as_array_mut() {
            list.push(parameter);
        }
    }
}

type Mutation = fn(&mut Rng, &mut Value);

/// Harmless growth (listed twice in [`MUTATIONS`], so that plenty of documents get written):
/// a new property or query parameter of some ordinary type.
fn grow(rng: &mut Rng, doc: &mut Value) {
    let schema = rng
        .pick(&[
            json!({"type": "string"}),
            json!({"type": "integer", "format": "int64", "nullable": true}),
            json!({"type": "number", "minimum": 0}),
            json!({"type": "boolean", "default": false}),
            json!({"type": "string", "enum": ["a", "b"]}),
            json!({"type": "array", "items": {"type": "string"}}),
            json!({"type": "object", "properties": {"inner": {"type": "string"}}}),
            json!({"type": "object", "additionalProperties": {"type": "integer"}}),
            json!({"$ref": "#/components/schemas/Thing"}),
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
        ])
        .clone();
    let name = format!("extra_{}", rng.below(1000));
    if rng.below(3) == 0
        && let Some(op) = rng.choose(operations(doc))
    {
        if schema.get("type").and_then(Value::as_str) != Some("object")
            && schema.get("oneOf").is_none()
        {
            push_parameter(
                doc,
                &op,
                json!({"name": name, "in": "query", "schema": schema}),
            );
        }
        return;
    }
    let Some(component) = rng.choose(component_names(doc, "schemas")) else {
        return;
    };
    let at = format!(
        "/components/schemas/{}",
        xtask::document::escape_pointer_token(&component)
    );
    if let Some(Value::Object(target)) = doc.pointer_mut(&at) {
        let properties = target.entry("properties").or_insert_with(|| json!({}));
        if let Some(properties) = properties.as_object_mut() {
            properties.insert(name, schema);
        }
    }
}

/// One mutation each: the hostile shapes of issue 13, then generic damage.
const MUTATIONS: &[Mutation] = &[
    grow,
    grow,
    // Schema keywords progenitor panicked or failed on.
    |rng, doc| {
        let Some(site) = rng.choose(schema_sites(doc)) else {
            return;
        };
        let patch = rng
            .pick(&[
                json!({"not": {"type": "string"}}),
                json!({"format": "date-time", "type": null}),
                json!({"allOf": []}),
                json!({"oneOf": []}),
                json!({"anyOf": []}),
                json!({"minLength": -1}),
                json!({"maxItems": -3, "type": "array", "items": {}}),
                json!({"minProperties": -2}),
                json!({"required": []}),
                json!({"enum": [1, "a", null]}),
                json!({"nullable": true}),
                json!({"type": "array"}),
                json!({"additionalProperties": false}),
                json!({"title": "Order"}),
            ])
            .clone();
        merge_into(doc, &site, patch);
        // `type: null` above stands for "no type".
        if let Some(Value::Object(o)) = doc.pointer_mut(&site)
            && o.get("type") == Some(&Value::Null)
        {
            o.shift_remove("type");
        }
    },
    // $ref to something that is not a component schema.
    |rng, doc| {
        let Some(site) = rng.choose(schema_sites(doc)) else {
            return;
        };
        let names = component_names(doc, "schemas");
        let target = match rng.below(5) {
            0 => "#/tags".to_owned(),
            1 => "#/info".to_owned(),
            2 => "#".to_owned(),
            3 => match names.first() {
                Some(n) => format!("#/components/schemas/{n}/properties/id"),
                None => "#/paths".to_owned(),
            },
            _ => "#/components/responses/Problem".to_owned(),
        };
        if let Some(slot) = doc.pointer_mut(&site) {
            *slot = json!({"$ref": target});
        }
    },
    // Schemas that contain themselves through composition, maps, arrays or a bare $ref.
    |rng, doc| {
        let me = "#/components/schemas/Knot";
        let other = "#/components/schemas/Other";
        let knot = rng
            .pick(&[
                json!({"oneOf": [{"$ref": me}, {"type": "string"}]}),
                json!({"anyOf": [{"$ref": me}, {"type": "integer"}]}),
                json!({"allOf": [{"$ref": me}]}),
                json!({"type": "object", "additionalProperties": {"$ref": me}}),
                json!({"type": "array", "items": {"$ref": me}}),
                json!({"$ref": me}),
                json!({"oneOf": [{"$ref": other}, {"type": "string"}]}),
                json!({"type": "object", "properties": {"next": {"$ref": me}}}),
            ])
            .clone();
        add_component(doc, "schemas", "Knot", knot);
        add_component(
            doc,
            "schemas",
            "Other",
            json!({"anyOf": [{"$ref": me}, {"type": "boolean"}]}),
        );
        let Some(site) = rng.choose(schema_sites(doc)) else {
            return;
        };
        if let Some(slot) = doc.pointer_mut(&site) {
            *slot = json!({"$ref": me});
        }
    },
    // Responses, bodies and parameters whose $ref loops.
    |rng, doc| {
        let Some(op) = rng.choose(operations(doc)) else {
            return;
        };
        match rng.below(3) {
            0 => {
                add_component(
                    doc,
                    "responses",
                    "Loop",
                    json!({"$ref": "#/components/responses/Loop"}),
                );
                merge_into(
                    doc,
                    &format!("{op}/responses"),
                    json!({"202": {"$ref": "#/components/responses/Loop"}}),
                );
            }
            1 => {
                add_component(
                    doc,
                    "requestBodies",
                    "Loop",
                    json!({"$ref": "#/components/requestBodies/Loop"}),
                );
                merge_into(
                    doc,
                    &op,
                    json!({"requestBody": {"$ref": "#/components/requestBodies/Loop"}}),
                );
            }
            _ => {
                add_component(
                    doc,
                    "parameters",
                    "A",
                    json!({"$ref": "#/components/parameters/B"}),
                );
                add_component(
                    doc,
                    "parameters",
                    "B",
                    json!({"$ref": "#/components/parameters/A"}),
                );
                push_parameter(doc, &op, json!({"$ref": "#/components/parameters/A"}));
            }
        }
    },
    // Cookie parameters, optional or required.
    |rng, doc| {
        let Some(op) = rng.choose(operations(doc)) else {
            return;
        };
        let required = rng.below(2) == 0;
        push_parameter(
            doc,
            &op,
            json!({"name": "session", "in": "cookie", "required": required, "schema": {"type": "string"}}),
        );
    },
    // A security scheme without a type; a path item that is a $ref.
    |rng, doc| {
        if rng.below(2) == 0 {
            add_component(
                doc,
                "securitySchemes",
                "bare",
                json!({"name": "X-Key", "in": "header"}),
            );
        } else {
            let paths: Vec<String> = doc["paths"]
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            let Some(target) = rng.choose(paths) else {
                return;
            };
            let reference = format!("#/paths/{}", xtask::document::escape_pointer_token(&target));
            if let Some(Value::Object(p)) = doc.get_mut("paths") {
                p.insert("/api/v2/alias/".into(), json!({"$ref": reference}));
            }
        }
    },
    // Operation-level damage: ids, tags, responses, media types.
    |rng, doc| {
        let Some(op) = rng.choose(operations(doc)) else {
            return;
        };
        let patch = rng
            .pick(&[
                json!({"operationId": "getThing"}),
                json!({"operationId": "List Orders"}),
                json!({"operationId": null}),
                json!({"tags": []}),
                json!({"responses": {}}),
                json!({"responses": {"default": {"description": "Any."}, "200": {"description": "Ok."}}}),
                json!({"responses": {"200": {"description": "A", "content": {"application/json": {"schema": {"type": "string"}}}},
                                     "201": {"description": "B", "content": {"application/json": {"schema": {"type": "integer"}}}}}}),
                json!({"requestBody": {"content": {"text/plain": {"schema": {"type": "string"}},
                                                   "application/xml": {"schema": {"type": "string"}}}}}),
                json!({"parameters": [{"name": "q", "in": "query"}]}),
            ])
            .clone();
        merge_into(doc, &op, patch);
        if let Some(Value::Object(o)) = doc.pointer_mut(&op) {
            o.retain(|_, v| !v.is_null());
        }
    },
    // Generic: delete any member.
    |rng, doc| {
        let Some(site) = rng.choose(objects(doc)) else {
            return;
        };
        let keys: Vec<String> = doc
            .pointer(&site)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        if keys.is_empty() || site.is_empty() && rng.below(4) != 0 {
            return;
        }
        let Some(key) = rng.choose(keys) else {
            return;
        };
        if let Some(Value::Object(m)) = doc.pointer_mut(&site) {
            m.shift_remove(&key);
        }
    },
    // Generic: copy a subtree over another object.
    |rng, doc| {
        let (Some(from), Some(to)) = (rng.choose(objects(doc)), rng.choose(objects(doc))) else {
            return;
        };
        if to.is_empty() || to.starts_with(&from) {
            return;
        }
        if let Some(value) = doc.pointer(&from).cloned()
            && let Some(slot) = doc.pointer_mut(&to)
        {
            *slot = value;
        }
    },
    // Generic: a scalar where an object was, or a wrong-typed value.
    |rng, doc| {
        let Some(site) = rng.choose(objects(doc)) else {
            return;
        };
        if site.is_empty() {
            return;
        }
        let value = rng
            .pick(&[
                json!("text"),
                json!(7),
                json!(true),
                json!(null),
                json!([]),
                json!({}),
            ])
            .clone();
        if let Some(slot) = doc.pointer_mut(&site) {
            *slot = value;
        }
    },
];

/// A seed with one to four mutations, and which mutations (indices into [`MUTATIONS`]).
fn mutate(rng: &mut Rng, seeds: &[Value]) -> (Value, Vec<usize>) {
    let mut doc = rng.pick(seeds).clone();
    let mut applied = Vec::new();
    for _ in 0..1 + rng.below(4) {
        let index = rng.below(MUTATIONS.len());
        MUTATIONS[index](rng, &mut doc);
        applied.push(index);
    }
    (doc, applied)
}

fn failure_path() -> PathBuf {
    contract::repo_root().join("target/fuzz-contract-failure.yml")
}

fn keep_failure(text: &str, why: &str) -> String {
    let path = failure_path();
    let _ = std::fs::write(&path, text);
    format!("{why}\n(the document is at {})", path.display())
}

struct Run {
    written: Vec<String>,
    refused: usize,
    failed: usize,
    /// How often each lint rule refused a document.
    rules: std::collections::BTreeMap<String, usize>,
}

fn run(cases: u64, seed: u64) -> Run {
    let config = contract::lint_config();
    let seeds = seeds();
    let mut rng = Rng(seed);
    let scratch = contract::repo_root().join("target/fuzz-contract-current.yml");
    let mut generated = HashSet::new();
    let mut out = Run {
        written: Vec::new(),
        refused: 0,
        failed: 0,
        rules: Default::default(),
    };
    // progenitor panics are caught by codegen.rs; ours must not happen at all.
    for case in 0..cases {
        let (doc, applied) = mutate(&mut rng, &seeds);
        let text = serde_norway::to_string(&doc).expect("a JSON value serializes");
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            contract::regen(&text, "fuzz.yml", &config)
        }));
        match outcome {
            Err(_) => panic!(
                "{}",
                keep_failure(&text, &format!("case {case}: regen panicked"))
            ),
            Ok(Regen::Failed(message)) => {
                assert!(!message.is_empty(), "case {case}: an empty error");
                out.failed += 1;
            }
            Ok(Regen::Refused(errors)) => {
                assert!(
                    errors
                        .iter()
                        .all(|(r, _, m)| !r.is_empty() && !m.is_empty())
                );
                let rules: std::collections::BTreeSet<&String> =
                    errors.iter().map(|(r, _, _)| r).collect();
                for rule in rules {
                    *out.rules.entry(rule.clone()).or_default() += 1;
                }
                out.refused += 1;
            }
            Ok(Regen::Written(derived)) => {
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                derived.hash(&mut hasher);
                if generated.insert(hasher.finish()) {
                    if let Err(e) = contract::generate(&derived, &scratch) {
                        panic!(
                            "{}",
                            keep_failure(
                                &text,
                                &format!(
                                    "case {case} (seed {seed}, mutations {applied:?}): regen wrote a document progenitor fails on: {e}"
                                )
                            )
                        );
                    }
                    out.written.push(derived);
                }
            }
        }
    }
    out
}

#[test]
fn regen_writes_only_what_progenitor_generates() {
    let cases = env_or("FUZZ_CASES", 2_000);
    let seed = env_or("FUZZ_SEED", 0x13_2026);
    let started = std::time::Instant::now();
    let run = run(cases, seed);
    eprintln!(
        "fuzz contract: {cases} documents (seed {seed}): {} distinct written and generated, {} refused by lint, {} refused with an error, in {:.1?}",
        run.written.len(),
        run.refused,
        run.failed,
        started.elapsed()
    );
    eprintln!("refusals by rule: {:?}", run.rules);
    // Not vacuous: both sides of the contract are exercised.
    assert!(
        run.written.len() as u64 >= cases / 10,
        "too few documents written"
    );
    assert!(
        run.refused as u64 >= cases / 10,
        "too few documents refused"
    );
}

/// The real compiler on a sample of what the fuzzer got written.
#[test]
#[ignore = "runs cargo build once per document; CI runs it with --ignored"]
fn a_sample_of_written_fuzz_documents_compiles() {
    let run = run(300, env_or("FUZZ_SEED", 0x13_2026));
    let scratch = tempfile::tempdir().expect("temp dir");
    let step = (run.written.len() / 10).max(1);
    for (i, derived) in run.written.iter().step_by(step).take(10).enumerate() {
        let at = scratch.path().join(format!("sample-{i}.yml"));
        if let Err(e) = contract::compile_client(derived, &at) {
            panic!(
                "{}",
                keep_failure(derived, &format!("sample {i} does not compile:\n{e}"))
            );
        }
    }
}
