//! Every component is referenced (spectral:oas).

use super::prelude::*;
use crate::document::escape_pointer_token;
use std::collections::BTreeSet;

pub(super) const FAMILY: Family = Family {
    rules: &[Rule {
        name: "oas3-unused-component",
        ruleset: Ruleset::Spectral,
        severity: Severity::Warning,
        summary: "every component is referenced",
    }],
    check: component_rules,
};

fn component_rules(ctx: &Ctx, out: &mut Out) {
    let Some(components) = ctx.doc.get("components").and_then(Value::as_object) else {
        return;
    };
    let mut refs = BTreeSet::new();
    collect_refs(ctx.doc, &mut refs);
    let kinds = [
        "schemas",
        "responses",
        "parameters",
        "examples",
        "requestBodies",
        "headers",
        "links",
        "callbacks",
    ];
    for kind in kinds {
        for name in components
            .get(kind)
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(Map::keys)
        {
            let target = format!("#/components/{kind}/{}", escape_pointer_token(name));
            let used = refs.iter().any(|r: &String| {
                let r = percent_decode(r);
                r == target || r.starts_with(&format!("{target}/"))
            });
            if !used {
                out.add(
                    "oas3-unused-component",
                    join(&format!("/components/{kind}"), name),
                    format!("components.{kind}.{name} is never referenced"),
                );
            }
        }
    }
}
