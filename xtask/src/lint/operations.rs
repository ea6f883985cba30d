//! Operations: descriptions, operationIds, tags, parameters, success responses, callbacks and
//! security requirements (spectral:oas).

use super::prelude::*;
use std::collections::HashMap;

pub(super) const FAMILY: Family = Family {
    rules: &[
        Rule {
            name: "oas3-callbacks-in-callbacks",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "no callbacks inside callbacks",
        },
        Rule {
            name: "oas3-operation-security-defined",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "security names a defined scheme",
        },
        Rule {
            name: "operation-description",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "operations have a description",
        },
        Rule {
            name: "operation-operationId",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "operations have an operationId",
        },
        Rule {
            name: "operation-operationId-unique",
            ruleset: Ruleset::Spectral,
            severity: Severity::Error,
            summary: "operationIds are unique",
        },
        Rule {
            name: "operation-operationId-valid-in-url",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "operationIds use URL-safe characters",
        },
        Rule {
            name: "operation-parameters",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "an operation's parameters are unique",
        },
        Rule {
            name: "operation-success-response",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "operations have a 2xx or 3xx response",
        },
        Rule {
            name: "operation-tags",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "operations have a non-empty tags array",
        },
    ],
    check: operation_rules,
};

fn operation_rules(ctx: &Ctx, out: &mut Out) {
    let mut ids: HashMap<&str, &str> = HashMap::new();
    for op in &ctx.ops {
        let at = &op.pointer;
        if !non_empty_str(op.op.get("description")) {
            out.add(
                "operation-description",
                at.clone(),
                format!("{} has no description", op.label()),
            );
        }
        match op.op.get("operationId").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => {
                if let Some(first) = ids.insert(id, at) {
                    out.add(
                        "operation-operationId-unique",
                        format!("{at}/operationId"),
                        format!("operationId {id:?} is also used at {first}"),
                    );
                }
                if !id.chars().all(url_safe) {
                    out.add(
                        "operation-operationId-valid-in-url",
                        format!("{at}/operationId"),
                        format!("operationId {id:?} holds characters that are not valid in a URL"),
                    );
                }
            }
            _ => out.add(
                "operation-operationId",
                at.clone(),
                format!("{} has no operationId", op.label()),
            ),
        }
        if op
            .op
            .get("tags")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
        {
            out.add(
                "operation-tags",
                at.clone(),
                format!("{} has no tags", op.label()),
            );
        }
        match op.op.get("responses").and_then(Value::as_object) {
            Some(responses)
                if responses
                    .keys()
                    .any(|k| k.starts_with('2') || k.starts_with('3')) => {}
            _ => out.add(
                "operation-success-response",
                format!("{at}/responses"),
                format!("{} has no 2xx or 3xx response", op.label()),
            ),
        }
        if let Some(list) = op.op.get("parameters").and_then(Value::as_array) {
            let mut seen: HashMap<(String, String), usize> = HashMap::new();
            for (i, p) in list.iter().enumerate() {
                let p = ctx.resolve(p);
                let (Some(name), Some(location)) = (
                    p.get("name").and_then(Value::as_str),
                    p.get("in").and_then(Value::as_str),
                ) else {
                    continue;
                };
                if let Some(first) = seen.insert((name.to_string(), location.to_string()), i) {
                    out.add(
                        "operation-parameters",
                        format!("{at}/parameters/{i}"),
                        format!("{location} parameter {name:?} repeats parameters/{first}"),
                    );
                }
            }
        }
        let security = op.op.get("security").map(|s| (format!("{at}/security"), s));
        security_defined(ctx, security, out);
        if let Some(callbacks) = op.op.get("callbacks").and_then(Value::as_object) {
            for (name, callback) in callbacks {
                for (expr, item) in callback.as_object().into_iter().flatten() {
                    for (method, cop) in item.as_object().into_iter().flatten() {
                        if cop.get("callbacks").is_some() {
                            let p = join(
                                &join(&join(&join(&format!("{at}/callbacks"), name), expr), method),
                                "callbacks",
                            );
                            out.add(
                                "oas3-callbacks-in-callbacks",
                                p,
                                "callbacks must not be defined inside a callback",
                            );
                        }
                    }
                }
            }
        }
    }
    security_defined(
        ctx,
        ctx.doc
            .get("security")
            .map(|s| ("/security".to_string(), s)),
        out,
    );
}

fn url_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=".contains(c)
}

fn security_defined(ctx: &Ctx, security: Option<(String, &Value)>, out: &mut Out) {
    let Some((at, Value::Array(list))) = security else {
        return;
    };
    let schemes = ctx
        .doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    for (i, requirement) in list.iter().enumerate() {
        for name in requirement.as_object().into_iter().flat_map(Map::keys) {
            if !schemes.is_some_and(|s| s.contains_key(name)) {
                out.add(
                    "oas3-operation-security-defined",
                    join(&format!("{at}/{i}"), name),
                    format!(
                        "security scheme {name:?} is not defined in components.securitySchemes"
                    ),
                );
            }
        }
    }
}
