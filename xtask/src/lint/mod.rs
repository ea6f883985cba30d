//! The lint rules: spectral:oas (recommended, as they apply to the document's OpenAPI version)
//! plus the codegen rules, as a registry of rule families.
//!
//! [`lint`]`(doc, config)` returns every finding; it never fails and never panics, whatever the
//! document.
//!
//! The `spectral:oas` rules keep Spectral's names and default severities (`warn` -> warning,
//! `error` -> error), because dbt lints its own documents with that ruleset and a finding
//! should mean the same thing in both tools; a 3.1 document is checked by 3.1's rules
//! (`const`, `prefixItems`, type arrays, `webhooks`, boolean schemas are valid there). The
//! `codegen-*` rules are the shapes that make progenitor 0.15.1 fail, panic or generate a
//! client that breaks when dbt adds a value (the shapes [`crate::normalize`] removes: on the
//! derived spec, a finding means a normalization is missing or the overlay undid one).
//! `spec/lint.yml` turns rules off or changes their severity, with a reason;
//! [`LintConfig::spectral`] is Spectral's defaults alone.
//!
//! # The registry
//!
//! A family is one file: a `pub(super) const FAMILY: Family` listing its rules (name, ruleset,
//! default severity, one-line summary) and its `check`, the code that reports them, with its
//! unit tests below. [`FAMILIES`] lists every family. To add a rule, add a [`Rule`] row to the
//! family that checks it and report it from its `check`; to add a family, add its file, then
//! `mod that_family;` and a `that_family::FAMILY,` row in [`FAMILIES`]. `tests/lint_rules.rs`
//! fails until every rule has a test case.

mod codegen_operations;
mod codegen_patterns;
mod codegen_safety;
mod codegen_type_names;
mod components;
mod config;
mod context;
mod examples;
mod info;
mod nodes;
mod operations;
mod paths;
mod schemas;
mod servers;
mod structure;
mod tags;

use serde::Serialize;
use serde_json::Value;

pub use config::{Level, LintConfig, RuleSetting};
use context::{Ctx, Out};

/// Every rule family, in the order they run (the order of findings is sorted afterwards).
const FAMILIES: &[Family] = &[
    info::FAMILY,
    servers::FAMILY,
    tags::FAMILY,
    paths::FAMILY,
    operations::FAMILY,
    codegen_operations::FAMILY,
    schemas::FAMILY,
    codegen_patterns::FAMILY,
    codegen_type_names::FAMILY,
    codegen_safety::FAMILY,
    nodes::FAMILY,
    components::FAMILY,
    structure::FAMILY,
    examples::FAMILY,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Where a rule comes from: Spectral's `spectral:oas` ruleset, or this pipeline's codegen needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ruleset {
    Spectral,
    Codegen,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub rule: String,
    /// RFC 6901 JSON pointer into the linted document.
    pub pointer: String,
    pub message: String,
}

/// One rule: its name (Spectral's for `spectral:oas` rules), default severity, and what it checks.
#[derive(Debug)]
pub struct Rule {
    pub name: &'static str,
    pub ruleset: Ruleset,
    pub severity: Severity,
    pub summary: &'static str,
}

/// Rules checked by one function over the document: one file of this folder.
pub struct Family {
    pub rules: &'static [Rule],
    /// Reports findings of `rules` (and only those) into `out`.
    check: fn(&Ctx, &mut Out),
}

/// Every rule of every family.
pub fn rules() -> impl Iterator<Item = &'static Rule> {
    FAMILIES.iter().flat_map(|family| family.rules.iter())
}

/// The rule called `name`.
pub fn find_rule(name: &str) -> Option<&'static Rule> {
    rules().find(|rule| rule.name == name)
}

/// What the family files share.
mod prelude {
    pub(super) use super::context::{
        Ctx, Out, collect_refs, for_each_schema, join, non_empty_str, percent_decode,
        template_names,
    };
    pub(super) use super::{Family, Rule, Ruleset, Severity};
    pub(super) use serde_json::{Map, Value};
}

/// Runs every rule that `config` leaves on. Sorted: errors first, then by rule and pointer.
pub fn lint(doc: &Value, config: &LintConfig) -> Vec<Finding> {
    let mut raw = Vec::new();
    {
        let mut out = Out { raw: &mut raw };
        let ctx = Ctx::new(doc);
        for family in FAMILIES {
            (family.check)(&ctx, &mut out);
        }
    }
    let mut findings: Vec<Finding> = raw
        .into_iter()
        .filter_map(|(rule, pointer, message)| {
            config.severity(rule).map(|severity| Finding {
                severity,
                rule: rule.to_string(),
                pointer,
                message,
            })
        })
        .collect();
    findings.sort_by(|a, b| {
        (a.severity, &a.rule, &a.pointer, &a.message)
            .cmp(&(b.severity, &b.rule, &b.pointer, &b.message))
    });
    findings.dedup_by(|a, b| a.rule == b.rule && a.pointer == b.pointer && a.message == b.message);
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_unique_and_codegen_rules_say_so() {
        let mut names: Vec<&str> = rules().map(|r| r.name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a rule is registered twice");
        for rule in rules() {
            assert_eq!(
                rule.name.starts_with("codegen-"),
                rule.ruleset == Ruleset::Codegen,
                "{}",
                rule.name
            );
        }
    }
}
