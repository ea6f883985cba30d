//! Path keys and path parameters (spectral:oas).

use super::prelude::*;
use std::collections::{BTreeSet, HashMap};

pub(super) const FAMILY: Family = Family {
    rules: &[
        Rule {
            name: "path-declarations-must-exist",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "no empty {} in paths",
        },
        Rule {
            name: "path-keys-no-trailing-slash",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "paths do not end with /",
        },
        Rule {
            name: "path-not-include-query",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "paths hold no query string",
        },
        Rule {
            name: "path-params",
            ruleset: Ruleset::Spectral,
            severity: Severity::Error,
            summary: "path parameters are declared, used, required and unique",
        },
    ],
    check: path_rules,
};

fn path_rules(ctx: &Ctx, out: &mut Out) {
    let Some(paths) = ctx.doc.get("paths").and_then(Value::as_object) else {
        return;
    };
    let mut shapes: HashMap<String, &str> = HashMap::new();
    for (path, item) in paths {
        let at = join("/paths", path);
        if path.contains("{}") {
            out.add(
                "path-declarations-must-exist",
                at.clone(),
                format!("path {path:?} declares an empty parameter {{}}"),
            );
        }
        if path.len() > 1 && path.ends_with('/') {
            out.add(
                "path-keys-no-trailing-slash",
                at.clone(),
                format!("path {path:?} ends with /"),
            );
        }
        if path.contains('?') {
            out.add(
                "path-not-include-query",
                at.clone(),
                format!("path {path:?} includes a query string"),
            );
        }
        let names = template_names(path);
        let mut once = BTreeSet::new();
        for name in &names {
            if !once.insert(name) {
                out.add(
                    "path-params",
                    at.clone(),
                    format!("path {path:?} uses parameter {{{name}}} more than once"),
                );
            }
        }
        // `/a/{x}` and `/a/{y}` are the same route to a server.
        let shape = names.iter().fold(path.clone(), |p, n| {
            p.replacen(&format!("{{{n}}}"), "{}", 1)
        });
        if let Some(other) = shapes.insert(shape, path) {
            out.add(
                "path-params",
                at.clone(),
                format!("paths {other:?} and {path:?} are equivalent"),
            );
        }
        if !item.is_object() {
            continue;
        }
        for op in ctx.ops.iter().filter(|o| o.path == path.as_str()) {
            let params = ctx.parameters(op);
            let declared: Vec<(&str, &String, &Map<String, Value>)> = params
                .iter()
                .filter(|(_, p)| p.get("in").and_then(Value::as_str) == Some("path"))
                .filter_map(|(ptr, p)| p.get("name").and_then(Value::as_str).map(|n| (n, ptr, *p)))
                .collect();
            for name in &names {
                if !name.is_empty() && !declared.iter().any(|(n, _, _)| n == name) {
                    out.add("path-params", op.pointer.clone(), format!("operation must define path parameter {{{name}}} as expected by path {path:?}"));
                }
            }
            for (name, ptr, p) in &declared {
                if !names.iter().any(|n| n == name) {
                    out.add(
                        "path-params",
                        (*ptr).clone(),
                        format!("path parameter {name:?} is not used in path {path:?}"),
                    );
                }
                if p.get("required") != Some(&Value::Bool(true)) {
                    out.add(
                        "path-params",
                        (*ptr).clone(),
                        format!("path parameter {name:?} must have required: true"),
                    );
                }
            }
        }
    }
}
