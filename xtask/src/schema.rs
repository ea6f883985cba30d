//! OpenAPI 3.0 Schema Objects as JSON Schema, so that `jsonschema` can validate instances
//! against them: examples and defaults (`examples`, `lint`) and the mock's response bodies (the
//! contract tests in `tests/`).
//!
//! An OpenAPI 3.0 Schema Object is "an extended subset" of JSON Schema draft 4/5, and a plain
//! validator misreads it in a few places. The conversion targets draft 7 and rewrites:
//! - `nullable: true`: `null` is added to `type` (and to `enum`); when the nullability must hold
//!   across `$ref`/`allOf`/`anyOf`/`oneOf`/`not`, those move into `anyOf: [{type: null}, {...}]`,
//!   which is what the canonical nullable reference `allOf: [{$ref}]` + `nullable` means.
//! - `$ref: '#/components/schemas/X'`: the referenced components (transitively) are embedded as
//!   `definitions` and the reference becomes `#/definitions/X`. Any other reference is an error,
//!   because nothing outside the document may be fetched.
//! - boolean `exclusiveMinimum`/`exclusiveMaximum` (draft 4 style) become draft 7's numeric form.
//! - OpenAPI-only annotations (`example`, `externalDocs`, `xml`, `discriminator`, `readOnly`,
//!   `writeOnly`, `deprecated`, every `x-*` such as `x-known-values`) are dropped: they do not
//!   constrain the value.
//!
//! `format` is not asserted: OpenAPI formats are open-ended hints (`int64`, `date-time`), and
//! dbt's run timestamps (`2021-11-26 16:48:41+00:00`) would fail a strict RFC 3339 check while
//! being exactly what the API returns.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use anyhow::{Context, anyhow, bail};
use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, ValidationError, Validator};
use serde_json::{Map, Value, json};

use crate::document::{display_pointer, escape_pointer_token, unescape_pointer_token};

const COMPONENT_SCHEMAS: &str = "#/components/schemas/";
const DEFINITIONS: &str = "#/definitions/";
/// Long enough to show what was wrong, short enough that a whole response body never floods a
/// test failure or a lint report.
const MAX_MESSAGE_CHARS: usize = 300;
/// Errors shown per failing `anyOf`/`oneOf` branch: the first few say what is wrong; a wrong
/// body can fail a branch in hundreds of places.
const MAX_BRANCH_ERRORS: usize = 3;

/// One reason an instance does not match a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceError {
    /// RFC 6901 pointer into the validated instance (`""` is the instance itself).
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for InstanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", display_pointer(&self.pointer), self.message)
    }
}

/// The JSON Schema (draft 7) equivalent of `schema`, an OpenAPI 3.0 Schema Object of `doc`,
/// with every component it references embedded under `definitions`.
pub fn to_json_schema(doc: &Value, schema: &Value) -> anyhow::Result<Value> {
    let mut refs = BTreeSet::new();
    let root = convert(schema, &mut refs)?;
    let mut definitions = BTreeMap::new();
    let mut pending: Vec<String> = refs.into_iter().collect();
    while let Some(name) = pending.pop() {
        if definitions.contains_key(&name) {
            continue;
        }
        let component = doc
            .pointer("/components/schemas")
            .and_then(|schemas| schemas.get(&name))
            .ok_or_else(|| {
                anyhow!("unresolved $ref: no schema {name:?} in #/components/schemas")
            })?;
        let mut more = BTreeSet::new();
        let converted = convert(component, &mut more)
            .with_context(|| format!("in #/components/schemas/{}", escape_pointer_token(&name)))?;
        definitions.insert(name, converted);
        pending.extend(more.into_iter().filter(|n| !definitions.contains_key(n)));
    }
    // Wrapped rather than merged: in draft 7 a root `$ref` would hide a sibling `definitions`.
    Ok(json!({ "allOf": [root], "definitions": definitions }))
}

/// A validator for `schema` (an OpenAPI 3.0 Schema Object inside `doc`).
pub fn validator_for(doc: &Value, schema: &Value) -> anyhow::Result<Validator> {
    let converted = to_json_schema(doc, schema)?;
    jsonschema::options()
        .with_draft(Draft::Draft7)
        .should_validate_formats(false)
        .build(&converted)
        .map_err(|e| anyhow!("schema cannot be compiled: {}", truncate(&e.to_string())))
}

/// Every reason `instance` fails `validator`, in the validator's order (empty = valid).
///
/// A value that matches no branch of an `anyOf`/`oneOf` (every nullable reference is one, see
/// the module docs) is reported where the alternatives start, and its message lists what failed
/// inside the branches that could have matched, each with its own pointer:
/// `at /data: matches no branch of anyOf: branch 2 [at /data/id: "x" is not of type "integer"]`.
/// Without that, the message would only repeat the (truncated) value.
pub fn errors(validator: &Validator, instance: &Value) -> Vec<InstanceError> {
    validator
        .iter_errors(instance)
        .map(|e| InstanceError {
            pointer: e.instance_path().to_string(),
            message: message(&e),
        })
        .collect()
}

/// Validates one instance: `Ok(())`, or every reason it fails as one readable message
/// (`at /data/0/id: "x" is not of type "integer"; ...`). An unusable schema is an error too.
pub fn validate(doc: &Value, schema: &Value, instance: &Value) -> anyhow::Result<()> {
    let validator = validator_for(doc, schema)?;
    let found = errors(&validator, instance);
    if found.is_empty() {
        return Ok(());
    }
    let all: Vec<String> = found.iter().map(ToString::to_string).collect();
    bail!("{}", all.join("; "))
}

/// The validator's message, except for a failed `anyOf`/`oneOf`: the errors inside its
/// branches (see [`errors`]).
fn message(error: &ValidationError<'_>) -> String {
    let (keyword, branches) = match error.kind() {
        ValidationErrorKind::AnyOf { context } => ("anyOf", context),
        ValidationErrorKind::OneOfNotValid { context } => ("oneOf", context),
        _ => return truncate(&error.to_string()),
    };
    let here = error.instance_path().to_string();
    // A branch that only fails because the value has another type (`{type: null}` against an
    // object, `object` against `null`) says nothing the value's own type does not; a branch
    // that failed deeper inside the value is the one its author meant.
    let other_type = |branch: &Vec<ValidationError<'static>>| {
        branch.iter().all(|e| {
            matches!(e.kind(), ValidationErrorKind::Type { .. })
                && e.instance_path().to_string() == here
        })
    };
    let mut shown: Vec<(usize, &Vec<ValidationError<'static>>)> = branches
        .iter()
        .enumerate()
        .filter(|(_, branch)| !branch.is_empty() && !other_type(branch))
        .collect();
    if shown.is_empty() {
        shown = branches
            .iter()
            .enumerate()
            .filter(|(_, branch)| !branch.is_empty())
            .collect();
    }
    if shown.is_empty() {
        return truncate(&error.to_string());
    }
    let parts: Vec<String> = shown
        .into_iter()
        .map(|(i, branch)| {
            let mut reasons: Vec<String> = branch
                .iter()
                .take(MAX_BRANCH_ERRORS)
                .map(|e| {
                    let at = display_pointer(&e.instance_path().to_string()).to_string();
                    format!("at {at}: {}", message(e))
                })
                .collect();
            if branch.len() > MAX_BRANCH_ERRORS {
                reasons.push(format!("{} more", branch.len() - MAX_BRANCH_ERRORS));
            }
            format!("branch {} [{}]", i + 1, reasons.join("; "))
        })
        .collect();
    format!("matches no branch of {keyword}: {}", parts.join(" "))
}

fn truncate(message: &str) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        return message.to_string();
    }
    let cut: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
    format!("{cut}...")
}

/// Keywords that only annotate in OpenAPI 3.0 (or would change how references resolve).
fn dropped(key: &str) -> bool {
    key.starts_with("x-")
        || matches!(
            key,
            "example"
                | "examples"
                | "externalDocs"
                | "xml"
                | "discriminator"
                | "readOnly"
                | "writeOnly"
                | "deprecated"
                | "nullable"
                | "$schema"
                | "$id"
                | "id"
        )
}

fn convert(schema: &Value, refs: &mut BTreeSet<String>) -> anyhow::Result<Value> {
    let Value::Object(obj) = schema else {
        // `true`/`false` are draft 7 schemas; anything else is left for the compiler to reject.
        return Ok(schema.clone());
    };
    let mut out = Map::new();
    for (key, value) in obj {
        if dropped(key) {
            continue;
        }
        let converted = match key.as_str() {
            "$ref" => Value::String(rewrite_ref(value, refs)?),
            // Maps from names to schemas: the names are data, never keywords.
            "properties" | "patternProperties" | "definitions" | "$defs" => match value {
                Value::Object(map) => {
                    let mut m = Map::new();
                    for (name, sub) in map {
                        m.insert(name.clone(), convert(sub, refs)?);
                    }
                    Value::Object(m)
                }
                other => other.clone(),
            },
            "items"
            | "additionalItems"
            | "additionalProperties"
            | "not"
            | "contains"
            | "propertyNames"
            | "if"
            | "then"
            | "else" => match value {
                Value::Array(list) => Value::Array(
                    list.iter()
                        .map(|s| convert(s, refs))
                        .collect::<anyhow::Result<_>>()?,
                ),
                other => convert(other, refs)?,
            },
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => match value {
                Value::Array(list) => Value::Array(
                    list.iter()
                        .map(|s| convert(s, refs))
                        .collect::<anyhow::Result<_>>()?,
                ),
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    bounds_to_draft7(&mut out, "exclusiveMinimum", "minimum");
    bounds_to_draft7(&mut out, "exclusiveMaximum", "maximum");
    if obj.get("nullable") == Some(&Value::Bool(true)) {
        make_nullable(&mut out);
    }
    Ok(Value::Object(out))
}

fn rewrite_ref(value: &Value, refs: &mut BTreeSet<String>) -> anyhow::Result<String> {
    let Some(reference) = value.as_str() else {
        bail!("$ref must be a string, found {value}");
    };
    let Some(rest) = reference.strip_prefix(COMPONENT_SCHEMAS) else {
        bail!("unsupported $ref {reference:?}: only #/components/schemas/... can be resolved");
    };
    let first = rest.split('/').next().unwrap_or_default();
    let name = unescape_pointer_token(&percent_decode(first));
    if name.is_empty() {
        bail!("unsupported $ref {reference:?}: no schema name");
    }
    refs.insert(name);
    Ok(format!("{DEFINITIONS}{rest}"))
}

/// `%XX` decoding of a URI fragment segment (`#/components/schemas/My%20Type`).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = segment.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Draft 4 (and OpenAPI 3.0): `exclusiveMinimum: true` qualifies `minimum`; draft 6+: the
/// bound itself. A numeric value (3.1 style, seen in dbt's "3.0.3" documents) is kept.
fn bounds_to_draft7(out: &mut Map<String, Value>, exclusive: &str, inclusive: &str) {
    match out.get(exclusive) {
        Some(Value::Bool(true)) => {
            out.remove(exclusive);
            if let Some(bound) = out.remove(inclusive) {
                out.insert(exclusive.to_string(), bound);
            }
        }
        Some(Value::Bool(false)) => {
            out.remove(exclusive);
        }
        _ => {}
    }
}

fn make_nullable(out: &mut Map<String, Value>) {
    const COMPOSITION: [&str; 5] = ["$ref", "allOf", "anyOf", "oneOf", "not"];
    match out.get_mut("type") {
        Some(Value::String(t)) if t != "null" => {
            let t = std::mem::take(t);
            out.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(types)) if !types.contains(&json!("null")) => types.push(json!("null")),
        _ => {}
    }
    if let Some(Value::Array(values)) = out.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    let mut moved = Map::new();
    for key in COMPOSITION {
        if let Some(v) = out.remove(key) {
            moved.insert(key.to_string(), v);
        }
    }
    if !moved.is_empty() {
        out.insert(
            "anyOf".into(),
            json!([{ "type": "null" }, Value::Object(moved)]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "openapi": "3.0.3",
            "components": { "schemas": {
                "Run": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {
                        "id": { "type": "integer", "example": 1 },
                        "status": { "type": "integer", "x-known-values": [1, 2] },
                        "job": { "allOf": [{ "$ref": "#/components/schemas/Job" }], "nullable": true },
                        "steps": { "type": "array", "items": { "$ref": "#/components/schemas/Step" } }
                    }
                },
                "Job": { "type": "object", "properties": { "name": { "type": "string" } } },
                "Step": {
                    "type": "object",
                    "properties": {
                        "run": { "$ref": "#/components/schemas/Run" },
                        "example": { "type": "string" }
                    }
                },
                "Unused": { "type": "bogus-type" }
            }}
        })
    }

    fn valid(schema: Value, instance: Value) -> bool {
        let v = validator_for(&doc(), &schema).expect("compiles");
        errors(&v, &instance).is_empty()
    }

    #[test]
    fn nullable_typed_schema_accepts_null_and_still_checks_type() {
        let s = json!({ "type": "string", "nullable": true });
        assert!(valid(s.clone(), json!(null)));
        assert!(valid(s.clone(), json!("x")));
        assert!(!valid(s, json!(3)));
    }

    #[test]
    fn not_nullable_schema_rejects_null() {
        assert!(!valid(json!({ "type": "string" }), json!(null)));
    }

    #[test]
    fn nullable_enum_gets_null_value() {
        let s = json!({ "type": "string", "enum": ["a"], "nullable": true });
        assert!(valid(s.clone(), json!(null)));
        assert!(!valid(s, json!("b")));
    }

    #[test]
    fn nullable_reference_accepts_null_and_checks_the_target() {
        let s = json!({ "$ref": "#/components/schemas/Run" });
        assert!(valid(s.clone(), json!({ "id": 1, "job": null })));
        assert!(valid(s.clone(), json!({ "id": 1, "job": { "name": "n" } })));
        assert!(!valid(s, json!({ "id": 1, "job": { "name": 5 } })));
    }

    #[test]
    fn references_resolve_transitively_and_recursively() {
        let s = json!({ "$ref": "#/components/schemas/Run" });
        assert!(valid(
            s.clone(),
            json!({ "id": 1, "steps": [{ "run": { "id": 2 } }] })
        ));
        assert!(!valid(
            s,
            json!({ "id": 1, "steps": [{ "run": { "id": "two" } }] })
        ));
    }

    #[test]
    fn only_referenced_components_are_embedded() {
        // `Unused` has an invalid type and would break compilation if it were embedded.
        let converted = to_json_schema(&doc(), &json!({ "$ref": "#/components/schemas/Job" }))
            .expect("converts");
        let defs = converted["definitions"].as_object().expect("definitions");
        assert_eq!(defs.keys().collect::<Vec<_>>(), vec!["Job"]);
    }

    #[test]
    fn property_named_like_a_dropped_keyword_is_kept() {
        let converted = to_json_schema(&doc(), &json!({ "$ref": "#/components/schemas/Step" }))
            .expect("converts");
        assert!(
            converted
                .pointer("/definitions/Step/properties/example")
                .is_some()
        );
        assert!(
            converted
                .pointer("/definitions/Run/properties/id/example")
                .is_none()
        );
        assert!(
            converted
                .pointer("/definitions/Run/properties/status/x-known-values")
                .is_none()
        );
    }

    #[test]
    fn boolean_exclusive_minimum_is_draft4_semantics() {
        let s = json!({ "type": "integer", "minimum": 0, "exclusiveMinimum": true });
        assert!(!valid(s.clone(), json!(0)));
        assert!(valid(s, json!(1)));
        let s = json!({ "type": "integer", "maximum": 5, "exclusiveMaximum": false });
        assert!(valid(s, json!(5)));
    }

    #[test]
    fn numeric_exclusive_minimum_is_kept() {
        let s = json!({ "type": "number", "exclusiveMinimum": 0 });
        assert!(!valid(s.clone(), json!(0)));
        assert!(valid(s, json!(0.5)));
    }

    #[test]
    fn formats_are_not_asserted() {
        let s = json!({ "type": "string", "format": "date-time" });
        assert!(valid(s, json!("2021-11-26 16:48:41.431645+00:00")));
    }

    #[test]
    fn unresolved_reference_is_an_error_naming_it() {
        let err = validator_for(&doc(), &json!({ "$ref": "#/components/schemas/Nope" }))
            .expect_err("fails");
        assert!(err.to_string().contains("Nope"), "{err}");
    }

    #[test]
    fn non_schema_reference_is_an_error() {
        let err = validator_for(&doc(), &json!({ "$ref": "other.yaml#/X" })).expect_err("fails");
        assert!(err.to_string().contains("other.yaml"), "{err}");
    }

    #[test]
    fn errors_carry_instance_pointers() {
        let v = validator_for(&doc(), &json!({ "$ref": "#/components/schemas/Run" })).unwrap();
        let found = errors(
            &v,
            &json!({ "id": 1, "steps": [{}, { "run": { "id": "x" } }] }),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].pointer, "/steps/1/run/id");
        let err = validate(&doc(), &json!({ "type": "integer" }), &json!("x")).unwrap_err();
        assert!(err.to_string().starts_with("at /: "), "{err}");
    }

    #[test]
    fn failed_nullable_reference_reports_the_reason_inside_the_reference() {
        let v = validator_for(&doc(), &json!({ "$ref": "#/components/schemas/Run" })).unwrap();
        let found = errors(&v, &json!({ "id": 1, "job": { "name": 5 } }));
        assert_eq!(found.len(), 1, "{found:?}");
        // Reported where the alternatives start, explained by the non-null branch alone.
        assert_eq!(found[0].pointer, "/job");
        assert_eq!(
            found[0].message,
            r#"matches no branch of anyOf: branch 2 [at /job/name: 5 is not of type "string"]"#
        );
        assert_eq!(
            found[0].to_string(),
            r#"at /job: matches no branch of anyOf: branch 2 [at /job/name: 5 is not of type "string"]"#
        );
    }

    #[test]
    fn nested_nullable_references_explain_every_level() {
        let d = json!({ "components": { "schemas": {
            "Outer": { "type": "object", "properties": {
                "inner": { "allOf": [{ "$ref": "#/components/schemas/Inner" }], "nullable": true }
            }},
            "Inner": { "type": "object", "properties": { "count": { "type": "integer" } } }
        }}});
        let schema =
            json!({ "allOf": [{ "$ref": "#/components/schemas/Outer" }], "nullable": true });
        let err = validate(&d, &schema, &json!({ "inner": { "count": "3" } })).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"at /: matches no branch of anyOf: branch 2 [at /inner: matches no branch of anyOf: branch 2 [at /inner/count: "3" is not of type "integer"]]"#
        );
    }

    #[test]
    fn value_of_no_branch_type_lists_every_branch() {
        let v = validator_for(&doc(), &json!({ "$ref": "#/components/schemas/Run" })).unwrap();
        let found = errors(&v, &json!({ "id": 1, "job": "x" }));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].pointer, "/job");
        assert_eq!(
            found[0].message,
            r#"matches no branch of anyOf: branch 1 [at /job: "x" is not of type "null"] branch 2 [at /job: "x" is not of type "object"]"#
        );
    }

    #[test]
    fn branch_errors_are_capped_and_the_body_is_not_repeated() {
        let d = json!({ "components": { "schemas": { "Wide": {
            "type": "object",
            "properties": {
                "a": { "type": "integer" }, "b": { "type": "integer" },
                "c": { "type": "integer" }, "d": { "type": "integer" },
                "e": { "type": "integer" }
            }
        }}}});
        let schema =
            json!({ "allOf": [{ "$ref": "#/components/schemas/Wide" }], "nullable": true });
        let body =
            json!({ "a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "pad": "z".repeat(500) });
        let err = validate(&d, &schema, &body).unwrap_err().to_string();
        assert!(err.ends_with("; 2 more]"), "{err}");
        assert_eq!(err.matches(" is not of type ").count(), 3, "{err}");
        assert!(
            !err.contains("zzz"),
            "the failing body is not echoed: {err}"
        );
    }

    #[test]
    fn one_of_failures_are_explained_like_any_of() {
        let schema = json!({ "oneOf": [
            { "type": "object", "required": ["a"] },
            { "type": "string" }
        ]});
        let err = validate(&doc(), &schema, &json!({ "b": 1 })).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"at /: matches no branch of oneOf: branch 1 [at /: "a" is a required property]"#
        );
    }

    #[test]
    fn percent_encoded_and_escaped_names_resolve() {
        let d = json!({ "components": { "schemas": { "A B/C": { "type": "integer" } } } });
        let v = validator_for(&d, &json!({ "$ref": "#/components/schemas/A%20B~1C" })).unwrap();
        assert!(errors(&v, &json!(1)).is_empty());
        assert!(!errors(&v, &json!("1")).is_empty());
    }
}
