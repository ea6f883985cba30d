//! `servers`: present, not example.com, no trailing slash, variables defined and used
//! (spectral:oas).

use super::prelude::*;

pub(super) const FAMILY: Family = Family {
    rules: &[
        Rule {
            name: "oas3-api-servers",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "servers is a non-empty array",
        },
        Rule {
            name: "oas3-server-not-example.com",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "no server points at example.com",
        },
        Rule {
            name: "oas3-server-trailing-slash",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "server urls do not end with /",
        },
        Rule {
            name: "oas3-server-variables",
            ruleset: Ruleset::Spectral,
            severity: Severity::Error,
            summary: "server variables are defined, used and defaulted",
        },
    ],
    check: server_rules,
};

fn server_rules(ctx: &Ctx, out: &mut Out) {
    match ctx.doc.get("servers") {
        Some(Value::Array(list)) if !list.is_empty() && list.iter().all(Value::is_object) => {}
        _ => out.add(
            "oas3-api-servers",
            "/servers",
            "servers must be a non-empty array of server objects",
        ),
    }
    // Servers may sit at the root, on path items and on operations.
    let mut lists: Vec<(String, &Value)> = Vec::new();
    if let Some(s) = ctx.doc.get("servers") {
        lists.push(("/servers".into(), s));
    }
    if let Some(paths) = ctx.doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            if let Some(s) = item.get("servers") {
                lists.push((join(&join("/paths", path), "servers"), s));
            }
        }
    }
    for op in &ctx.ops {
        if let Some(s) = op.op.get("servers") {
            lists.push((format!("{}/servers", op.pointer), s));
        }
    }
    for (base, list) in lists {
        let Some(list) = list.as_array() else {
            continue;
        };
        for (i, server) in list.iter().enumerate() {
            let at = format!("{base}/{i}");
            let Some(url) = server.get("url").and_then(Value::as_str) else {
                continue;
            };
            if url.len() > 1 && url.ends_with('/') {
                out.add(
                    "oas3-server-trailing-slash",
                    format!("{at}/url"),
                    format!("server url {url:?} ends with /"),
                );
            }
            if url.contains("example.com") {
                out.add(
                    "oas3-server-not-example.com",
                    format!("{at}/url"),
                    format!("server url {url:?} points at example.com"),
                );
            }
            server_variables(url, server.get("variables"), &at, out);
        }
    }
}

fn server_variables(url: &str, variables: Option<&Value>, at: &str, out: &mut Out) {
    let used: Vec<String> = template_names(url);
    let defined = variables.and_then(Value::as_object);
    for name in &used {
        if !defined.is_some_and(|d| d.contains_key(name)) {
            out.add(
                "oas3-server-variables",
                format!("{at}/url"),
                format!("server variable {{{name}}} is not defined in variables"),
            );
        }
    }
    let Some(defined) = defined else { return };
    for (name, var) in defined {
        let vat = join(&format!("{at}/variables"), name);
        if !used.contains(name) {
            out.add(
                "oas3-server-variables",
                vat.clone(),
                format!("server variable {name:?} is not used in the url"),
            );
        }
        let default = var.get("default");
        if default.and_then(Value::as_str).is_none() {
            out.add(
                "oas3-server-variables",
                vat.clone(),
                format!("server variable {name:?} has no default"),
            );
        }
        if let Some(values) = var.get("enum") {
            match values.as_array() {
                Some(values) if !values.is_empty() => {
                    if let Some(d) = default
                        && !values.contains(d)
                    {
                        out.add(
                            "oas3-server-variables",
                            format!("{vat}/default"),
                            format!("default of {name:?} is not one of its enum values"),
                        );
                    }
                }
                _ => out.add(
                    "oas3-server-variables",
                    format!("{vat}/enum"),
                    format!("enum of {name:?} must be a non-empty array"),
                ),
            }
        }
    }
}
