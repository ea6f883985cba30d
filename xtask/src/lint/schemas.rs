//! Schema Objects: arrays have items, enums are typed and unique (spectral:oas); no enum and no
//! closed object, which would make the client reject what dbt adds (codegen).

use super::prelude::*;

pub(super) const FAMILY: Family = Family {
    rules: &[
        Rule {
            name: "array-items",
            ruleset: Ruleset::Spectral,
            severity: Severity::Error,
            summary: "schemas with type array have items",
        },
        Rule {
            name: "codegen-closed-enum",
            ruleset: Ruleset::Codegen,
            severity: Severity::Warning,
            summary: "an enum makes the client reject values dbt adds",
        },
        Rule {
            name: "codegen-closed-object",
            ruleset: Ruleset::Codegen,
            severity: Severity::Warning,
            summary: "additionalProperties: false makes the client reject fields dbt adds",
        },
        Rule {
            name: "duplicated-entry-in-enum",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "enum values are unique",
        },
        Rule {
            name: "typed-enum",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "enum values match the schema type",
        },
    ],
    check: schema_rules,
};

fn schema_rules(ctx: &Ctx, out: &mut Out) {
    for_each_schema(ctx.doc, &mut |at, s| {
        if s.get("type").and_then(Value::as_str) == Some("array") && s.get("items").is_none() {
            out.add(
                "array-items",
                at,
                "a schema with type array must have items",
            );
        }
        if s.get("additionalProperties") == Some(&Value::Bool(false)) {
            out.add(
                "codegen-closed-object",
                format!("{at}/additionalProperties"),
                "additionalProperties: false: the client would reject any field dbt adds",
            );
        }
        let Some(values) = s.get("enum").and_then(Value::as_array) else {
            return;
        };
        out.add(
            "codegen-closed-enum",
            format!("{at}/enum"),
            "enum: the client would reject any value dbt adds (use x-known-values)",
        );
        for (i, v) in values.iter().enumerate() {
            if values[..i].contains(v) {
                out.add(
                    "duplicated-entry-in-enum",
                    format!("{at}/enum/{i}"),
                    format!("enum value {v} is repeated"),
                );
            }
        }
        let nullable = s.get("nullable") == Some(&Value::Bool(true));
        if let Some(t) = s.get("type").and_then(Value::as_str) {
            for (i, v) in values.iter().enumerate() {
                let ok = match v {
                    Value::Null => nullable,
                    Value::Bool(_) => t == "boolean",
                    Value::String(_) => t == "string",
                    Value::Number(n) => {
                        t == "number"
                            || (t == "integer"
                                && (n.is_i64()
                                    || n.is_u64()
                                    || n.as_f64().is_some_and(|f| f.fract() == 0.0)))
                    }
                    Value::Array(_) => t == "array",
                    Value::Object(_) => t == "object",
                };
                if !ok {
                    out.add(
                        "typed-enum",
                        format!("{at}/enum/{i}"),
                        format!("enum value {v} is not of type {t}"),
                    );
                }
            }
        }
    });
}
