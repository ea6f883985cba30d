//! Rules that look at every node of the document: `$ref`s (resolved, without siblings),
//! descriptions (no script, no eval), Example objects and Link parameters.

use super::prelude::*;

pub(super) const FAMILY: Family = Family {
    rules: &[
        Rule {
            name: "codegen-unresolved-ref",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "every $ref resolves inside the document",
        },
        Rule {
            name: "no-$ref-siblings",
            ruleset: Ruleset::Spectral,
            severity: Severity::Error,
            summary: "a $ref has no sibling keys (3.0 ignores them)",
        },
        Rule {
            name: "no-eval-in-markdown",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "descriptions hold no eval(",
        },
        Rule {
            name: "no-script-tags-in-markdown",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "descriptions hold no <script",
        },
        Rule {
            name: "oas3-examples-value-or-externalValue",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "an example has value xor externalValue",
        },
        Rule {
            name: "oas3-links-parameters-expression",
            ruleset: Ruleset::Spectral,
            severity: Severity::Error,
            summary: "link parameters are runtime expressions",
        },
    ],
    check: walk_rules,
};

/// Rules that look at every node: `$ref`s, descriptions, example objects, links.
fn walk_rules(ctx: &Ctx, out: &mut Out) {
    fn walk(ctx: &Ctx, v: &Value, at: &str, parent_key: &str, out: &mut Out) {
        match v {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref") {
                    check_ref(ctx, r, &format!("{at}/$ref"), out);
                    // Inside `properties` the keys are names, not keywords. 3.1 (JSON Schema
                    // 2020-12) gives siblings of `$ref` their meaning, so Spectral checks 3.0 only.
                    if parent_key != "properties" && !ctx.oas31 {
                        let siblings: Vec<&String> =
                            map.keys().filter(|k| k.as_str() != "$ref").collect();
                        if !siblings.is_empty() {
                            out.add(
                                "no-$ref-siblings",
                                at,
                                format!(
                                    "$ref has siblings {siblings:?}, which OpenAPI 3.0 ignores"
                                ),
                            );
                        }
                    }
                }
                if parent_key != "properties" {
                    for key in ["description", "title"] {
                        if let Some(text) = map.get(key).and_then(Value::as_str) {
                            if text.contains("eval(") {
                                out.add(
                                    "no-eval-in-markdown",
                                    join(at, key),
                                    format!("{key} contains eval("),
                                );
                            }
                            if text.to_ascii_lowercase().contains("<script") {
                                out.add(
                                    "no-script-tags-in-markdown",
                                    join(at, key),
                                    format!("{key} contains a <script> tag"),
                                );
                            }
                        }
                    }
                }
                for (key, value) in map {
                    let here = join(at, key);
                    match key.as_str() {
                        // Data, not structure.
                        "example" | "default" | "enum" | "x-known-values" => {}
                        "examples" if parent_key != "properties" && value.is_object() => {
                            for (name, ex) in value.as_object().into_iter().flatten() {
                                let eat = join(&here, name);
                                example_object(ex, &eat, out);
                                if let Some(r) = ex.get("$ref") {
                                    check_ref(ctx, r, &format!("{eat}/$ref"), out);
                                }
                            }
                        }
                        "links" if parent_key != "properties" => {
                            for (name, link) in value.as_object().into_iter().flatten() {
                                link_parameters(link, &join(&here, name), out);
                            }
                            walk(ctx, value, &here, key, out);
                        }
                        _ => walk(ctx, value, &here, key, out),
                    }
                }
            }
            Value::Array(list) => {
                for (i, item) in list.iter().enumerate() {
                    walk(ctx, item, &format!("{at}/{i}"), parent_key, out);
                }
            }
            _ => {}
        }
    }
    walk(ctx, ctx.doc, "", "", out);
    if let Some(examples) = ctx
        .doc
        .pointer("/components/examples")
        .and_then(Value::as_object)
    {
        for (name, ex) in examples {
            example_object(ex, &join("/components/examples", name), out);
        }
    }
    if let Some(links) = ctx
        .doc
        .pointer("/components/links")
        .and_then(Value::as_object)
    {
        for (name, link) in links {
            link_parameters(link, &join("/components/links", name), out);
        }
    }
}

fn example_object(ex: &Value, at: &str, out: &mut Out) {
    let Some(map) = ex.as_object() else { return };
    if map.contains_key("$ref") {
        return;
    }
    if map.contains_key("value") == map.contains_key("externalValue") {
        out.add(
            "oas3-examples-value-or-externalValue",
            at,
            "an example must have exactly one of value and externalValue",
        );
    }
}

fn link_parameters(link: &Value, at: &str, out: &mut Out) {
    let Some(params) = link.get("parameters").and_then(Value::as_object) else {
        return;
    };
    for (name, expr) in params {
        if let Some(expr) = expr.as_str()
            && expr.starts_with('$')
            && !runtime_expression(expr)
        {
            out.add(
                "oas3-links-parameters-expression",
                join(&format!("{at}/parameters"), name),
                format!("{expr:?} is not a valid runtime expression"),
            );
        }
    }
}

/// OpenAPI 3.0 runtime expressions (`$url`, `$request.path.id`, `$response.body#/id`, ...).
fn runtime_expression(expr: &str) -> bool {
    if matches!(expr, "$url" | "$method" | "$statusCode") {
        return true;
    }
    let source = expr
        .strip_prefix("$request.")
        .or_else(|| expr.strip_prefix("$response."));
    let Some(source) = source else { return false };
    if let Some(pointer) = source.strip_prefix("body") {
        return pointer.is_empty() || pointer.starts_with("#/") || pointer == "#";
    }
    let named = source
        .strip_prefix("header.")
        .or_else(|| {
            source
                .strip_prefix("query.")
                .filter(|_| expr.starts_with("$request."))
        })
        .or_else(|| {
            source
                .strip_prefix("path.")
                .filter(|_| expr.starts_with("$request."))
        });
    named.is_some_and(|n| !n.is_empty())
}

fn check_ref(ctx: &Ctx, r: &Value, at: &str, out: &mut Out) {
    let Some(r) = r.as_str() else {
        out.add(
            "codegen-unresolved-ref",
            at,
            format!("$ref must be a string, found {r}"),
        );
        return;
    };
    let Some(fragment) = r.strip_prefix('#') else {
        out.add(
            "codegen-unresolved-ref",
            at,
            format!("$ref {r:?} points outside the document"),
        );
        return;
    };
    let decoded = percent_decode(fragment);
    if ctx.doc.pointer(&decoded).is_none() {
        out.add(
            "codegen-unresolved-ref",
            at,
            format!("$ref {r:?} resolves to nothing"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_expressions() {
        for ok in [
            "$url",
            "$request.path.id",
            "$response.body#/id",
            "$request.header.X-Id",
            "$response.body",
        ] {
            assert!(runtime_expression(ok), "{ok}");
        }
        for bad in [
            "$foo",
            "$request.cookie",
            "$response.query.id",
            "$request.path.",
        ] {
            assert!(!runtime_expression(bad), "{bad}");
        }
    }
}
