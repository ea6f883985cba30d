//! What progenitor needs of each operation: an operationId unique once snake_cased, a tag, one
//! request media type, one success and one error type, typed path parameters and responses,
//! and `openapi: 3.0.x`. On the derived spec a finding means a normalization is missing.

use super::prelude::*;
use crate::normalize::snake_case;
use crate::openapi::is_json_media_type;
use std::collections::{BTreeMap, HashMap};

pub(super) const FAMILY: Family = Family {
    rules: &[
        Rule {
            name: "codegen-default-beside-codes",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "no default response beside explicit codes",
        },
        Rule {
            name: "codegen-error-types",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "one error response type per operation",
        },
        Rule {
            name: "codegen-json-without-schema",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "JSON media types have a schema",
        },
        Rule {
            name: "codegen-openapi-version",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "openapi is 3.0.x",
        },
        Rule {
            name: "codegen-operation-id",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "every operation has an operationId",
        },
        Rule {
            name: "codegen-operation-id-unique",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "operationIds are unique after snake_casing",
        },
        Rule {
            name: "codegen-operation-tag",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "every operation has a tag",
        },
        Rule {
            name: "codegen-request-media-types",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "at most one request media type",
        },
        Rule {
            name: "codegen-success-types",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "one success response type per operation",
        },
        Rule {
            name: "codegen-typed-path-parameter",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "path parameters have a typed schema",
        },
        Rule {
            name: "codegen-typed-success-response",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "a JSON 2xx response has a typed schema",
        },
    ],
    check: codegen_operation_rules,
};

/// What progenitor would make of one response: nothing, bytes, or a JSON type.
fn response_kind(ctx: &Ctx, response: &Value) -> String {
    let response = ctx.resolve(response);
    let Some(content) = response
        .get("content")
        .and_then(Value::as_object)
        .filter(|c| !c.is_empty())
    else {
        return "no body".into();
    };
    match content.iter().find(|(media, _)| is_json_media_type(media)) {
        Some((_, media)) => match media.get("schema") {
            Some(schema) => serde_json::to_string(schema).unwrap_or_default(),
            None => "untyped JSON".into(),
        },
        None => "a byte stream".into(),
    }
}

fn typed(ctx: &Ctx, schema: &Value) -> bool {
    let schema = ctx.resolve(schema);
    [
        "type",
        "properties",
        "items",
        "allOf",
        "anyOf",
        "oneOf",
        "enum",
    ]
    .iter()
    .any(|k| schema.get(k).is_some())
}

fn codegen_operation_rules(ctx: &Ctx, out: &mut Out) {
    match ctx.doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        Some(v) => out.add(
            "codegen-openapi-version",
            "/openapi",
            format!("openapi is {v:?}; progenitor accepts only 3.0.x"),
        ),
        None => out.add(
            "codegen-openapi-version",
            "/openapi",
            "openapi version is missing; progenitor accepts only 3.0.x",
        ),
    }
    let mut snake: HashMap<String, (&str, &str)> = HashMap::new();
    for op in &ctx.ops {
        let at = &op.pointer;
        match op.op.get("operationId").and_then(Value::as_str) {
            Some(id) if !id.trim().is_empty() => {
                let name = snake_case(id);
                if let Some((other, where_)) = snake.insert(name.clone(), (id, at))
                    && other != id
                {
                    out.add("codegen-operation-id-unique", format!("{at}/operationId"), format!("operationId {id:?} and {other:?} (at {where_}) both become method {name}"));
                }
            }
            _ => out.add(
                "codegen-operation-id",
                at.clone(),
                format!(
                    "{} has no operationId: progenitor cannot name its method",
                    op.label()
                ),
            ),
        }
        let tagged = op
            .op
            .get("tags")
            .and_then(Value::as_array)
            .is_some_and(|t| t.iter().any(|x| x.as_str().is_some_and(|s| !s.is_empty())));
        if !tagged {
            out.add(
                "codegen-operation-tag",
                at.clone(),
                format!("{} has no tag", op.label()),
            );
        }
        for (ptr, p) in ctx.parameters(op) {
            if p.get("in").and_then(Value::as_str) != Some("path") {
                continue;
            }
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            if !p
                .get("schema")
                .is_some_and(|s| typed(ctx, s) && ctx.resolve(s).get("type").is_some())
            {
                out.add(
                    "codegen-typed-path-parameter",
                    ptr,
                    format!(
                        "path parameter {name:?} of {} has no typed schema",
                        op.label()
                    ),
                );
            }
        }
        if let Some(body) = op.op.get("requestBody") {
            let body_at = format!("{at}/requestBody");
            if let Some(content) = ctx.resolve(body).get("content").and_then(Value::as_object) {
                if content.len() > 1 {
                    let kinds: Vec<&String> = content.keys().collect();
                    out.add(
                        "codegen-request-media-types",
                        format!("{body_at}/content"),
                        format!(
                            "{} accepts {} media types {kinds:?}; progenitor takes one",
                            op.label(),
                            kinds.len()
                        ),
                    );
                }
                for (media, m) in content {
                    if is_json_media_type(media) && m.get("schema").is_none() {
                        out.add(
                            "codegen-json-without-schema",
                            join(&format!("{body_at}/content"), media),
                            format!("{media} request body of {} has no schema", op.label()),
                        );
                    }
                }
            }
        }
        let Some(responses) = op.op.get("responses").and_then(Value::as_object) else {
            continue;
        };
        let mut success = BTreeMap::new();
        let mut failure = BTreeMap::new();
        for (code, response) in responses {
            let rat = join(&format!("{at}/responses"), code);
            if let Some(content) = ctx
                .resolve(response)
                .get("content")
                .and_then(Value::as_object)
            {
                for (media, m) in content {
                    if is_json_media_type(media) && m.get("schema").is_none() {
                        out.add(
                            "codegen-json-without-schema",
                            join(&format!("{rat}/content"), media),
                            format!("{media} response {code} of {} has no schema", op.label()),
                        );
                    }
                }
            }
            let kind = response_kind(ctx, response);
            if code.starts_with('2') {
                if let Some(schema) = ctx
                    .resolve(response)
                    .get("content")
                    .and_then(Value::as_object)
                    .and_then(|c| c.iter().find(|(m, _)| is_json_media_type(m)))
                    .and_then(|(_, m)| m.get("schema"))
                    && !typed(ctx, schema)
                {
                    out.add(
                        "codegen-typed-success-response",
                        rat.clone(),
                        format!(
                            "JSON response {code} of {} has an untyped schema",
                            op.label()
                        ),
                    );
                }
                success.entry(kind).or_insert(code.clone());
            } else if code.starts_with('4') || code.starts_with('5') || code == "default" {
                failure.entry(kind).or_insert(code.clone());
            }
        }
        if success.len() > 1 {
            let codes: Vec<&String> = success.values().collect();
            out.add(
                "codegen-success-types",
                format!("{at}/responses"),
                format!(
                    "{} has different success types in responses {codes:?}; progenitor takes one",
                    op.label()
                ),
            );
        }
        if failure.len() > 1 {
            let codes: Vec<&String> = failure.values().collect();
            out.add(
                "codegen-error-types",
                format!("{at}/responses"),
                format!(
                    "{} has different error types in responses {codes:?}; progenitor takes one",
                    op.label()
                ),
            );
        }
        if responses.contains_key("default") && responses.len() > 1 {
            out.add("codegen-default-beside-codes", format!("{at}/responses/default"), format!("{} has a default response beside explicit codes: an unreachable match arm in the client", op.label()));
        }
    }
}
