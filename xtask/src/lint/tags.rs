//! Global `tags`: present and unique, and every operation tag declared there (spectral:oas).

use super::prelude::*;
use std::collections::{BTreeSet, HashMap};

pub(super) const FAMILY: Family = Family {
    rules: &[
        Rule {
            name: "openapi-tags",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "the document has a non-empty tags array",
        },
        Rule {
            name: "openapi-tags-uniqueness",
            ruleset: Ruleset::Spectral,
            severity: Severity::Error,
            summary: "tag names are unique",
        },
        Rule {
            name: "operation-tag-defined",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "operation tags are declared in the global tags",
        },
    ],
    check: tag_rules,
};

fn tag_rules(ctx: &Ctx, out: &mut Out) {
    let tags = ctx.doc.get("tags");
    if tags.and_then(Value::as_array).is_none_or(Vec::is_empty) {
        out.add("openapi-tags", "/tags", "the document has no tags array");
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut declared = BTreeSet::new();
    for (i, tag) in tags
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(name) = tag.get("name").and_then(Value::as_str) else {
            continue;
        };
        declared.insert(name);
        if let Some(first) = seen.insert(name, i) {
            out.add(
                "openapi-tags-uniqueness",
                format!("/tags/{i}/name"),
                format!("tag {name:?} is already declared at /tags/{first}"),
            );
        }
    }
    for op in &ctx.ops {
        let Some(list) = op.op.get("tags").and_then(Value::as_array) else {
            continue;
        };
        for (i, tag) in list.iter().enumerate() {
            if let Some(tag) = tag.as_str()
                && !declared.contains(tag)
            {
                out.add(
                    "operation-tag-defined",
                    format!("{}/tags/{i}", op.pointer),
                    format!("tag {tag:?} is not declared in the global tags"),
                );
            }
        }
    }
}
