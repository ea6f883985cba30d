//! Examples and defaults match their schema (spectral:oas); the checking itself is
//! [`crate::examples`], which the pipeline also uses to drop them.

use super::prelude::*;

pub(super) const FAMILY: Family = Family {
    rules: &[
        Rule {
            name: "oas3-valid-media-example",
            ruleset: Ruleset::Spectral,
            severity: Severity::Error,
            summary: "media/parameter examples match their schema",
        },
        Rule {
            name: "oas3-valid-schema-example",
            ruleset: Ruleset::Spectral,
            severity: Severity::Error,
            summary: "schema examples and defaults match the schema",
        },
    ],
    check,
};

fn check(ctx: &Ctx, out: &mut Out) {
    for invalid in crate::examples::invalid_examples(ctx.doc) {
        let rule = if invalid.in_media {
            "oas3-valid-media-example"
        } else {
            "oas3-valid-schema-example"
        };
        out.add(rule, invalid.pointer, invalid.reason);
    }
}
