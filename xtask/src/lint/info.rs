//! `info`: a description, a contact and a license with a URL (spectral:oas).

use super::prelude::*;

pub(super) const FAMILY: Family = Family {
    rules: &[
        Rule {
            name: "info-contact",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "info has a contact object",
        },
        Rule {
            name: "info-description",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "info has a description",
        },
        Rule {
            name: "info-license",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "info has a license object",
        },
        Rule {
            name: "license-url",
            ruleset: Ruleset::Spectral,
            severity: Severity::Warning,
            summary: "the license has a url",
        },
    ],
    check: info_rules,
};

fn info_rules(ctx: &Ctx, out: &mut Out) {
    let info = ctx.doc.get("info");
    if !info
        .and_then(|i| i.get("contact"))
        .is_some_and(Value::is_object)
    {
        out.add("info-contact", "/info", "info has no contact object");
    }
    if !non_empty_str(info.and_then(|i| i.get("description"))) {
        out.add("info-description", "/info", "info has no description");
    }
    match info.and_then(|i| i.get("license")) {
        Some(license) if license.is_object() => {
            if !non_empty_str(license.get("url")) {
                out.add("license-url", "/info/license", "the license has no url");
            }
        }
        _ => {
            out.add("info-license", "/info", "info has no license object");
            out.add("license-url", "/info", "info has no license url");
        }
    }
}
