//! Every `pattern` compiles in the regex engine of the generated client (`regress`, ECMAScript
//! syntax): typify rejects the document at generation time otherwise, or the client panics on
//! first use. [`crate::normalize::patterns`] translates or drops the ones dbt writes in Python
//! syntax; on the derived spec a finding means that normalization is missing.

use super::prelude::*;
use crate::normalize::patterns::client_rejects;

pub(super) const FAMILY: Family = Family {
    rules: &[Rule {
        name: "codegen-pattern",
        ruleset: Ruleset::Codegen,
        severity: Severity::Error,
        summary: "every pattern compiles as the client's ECMAScript regex",
    }],
    check,
};

fn check(ctx: &Ctx, out: &mut Out) {
    for_each_schema(ctx.doc, &mut |at, schema| {
        if let Some(Value::String(pattern)) = schema.get("pattern")
            && let Some(reason) = client_rejects(pattern)
        {
            out.add(
                "codegen-pattern",
                join(at, "pattern"),
                format!("pattern {pattern:?} does not compile in the client: {reason}"),
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn findings(pattern: &str) -> Vec<(&'static str, String, String)> {
        let doc = json!({"openapi": "3.0.3", "components": {"schemas": {"S": {
            "type": "object", "properties": {"p": {"type": "string", "pattern": pattern}}
        }}}});
        let mut raw = Vec::new();
        check(&Ctx::new(&doc), &mut Out { raw: &mut raw });
        raw
    }

    #[test]
    fn python_syntax_is_reported_at_its_pointer_ecmascript_is_not() {
        let raw = findings("^(?P<id>[0-9]+)$");
        assert_eq!(raw.len(), 1, "{raw:?}");
        assert_eq!(raw[0].1, "/components/schemas/S/properties/p/pattern");
        assert!(raw[0].2.contains("Invalid group modifier"), "{}", raw[0].2);
        assert!(findings("^(?<id>[0-9]+)\\k<id>$").is_empty());
    }
}
