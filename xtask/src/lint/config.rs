//! `spec/lint.yml`: rules turned off or given another severity, each with its reason.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use serde_json::{Map, Value};

use super::{Ruleset, Severity, find_rule};
use crate::document::escape_pointer_token;

/// A rule's configured level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Off,
    Warning,
    Error,
}

/// One entry of spec/lint.yml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSetting {
    pub level: Level,
    pub reason: Option<String>,
}

/// Rules turned off or down, each with the reason (spec/lint.yml).
#[derive(Debug, Clone, Default)]
pub struct LintConfig {
    pub rules: BTreeMap<String, RuleSetting>,
}

impl LintConfig {
    /// Spectral's `spectral:oas` defaults alone: every codegen rule off, every Spectral rule at
    /// its default severity (`cargo xtask lint --ruleset spectral`, to compare with Spectral).
    pub fn spectral() -> Self {
        let rules = super::rules()
            .filter(|rule| rule.ruleset == Ruleset::Codegen)
            .map(|rule| {
                let setting = RuleSetting {
                    level: Level::Off,
                    reason: Some("not a spectral:oas rule".into()),
                };
                (rule.name.to_string(), setting)
            })
            .collect();
        Self { rules }
    }

    /// Reads spec/lint.yml: a map `rule -> {severity: off|warning|error, reason: "..."}`.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read lint config {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("invalid lint config {}", path.display()))
    }

    /// Parses the YAML text of a lint config; unknown rules and reasonless `off` are errors.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let value: Value = serde_norway::from_str(text).map_err(|e| anyhow!("not YAML: {e}"))?;
        let entries = match value {
            Value::Null => Map::new(),
            Value::Object(map) => map,
            other => bail!("expected a map of rule -> {{severity, reason}}, found {other}"),
        };
        let mut rules = BTreeMap::new();
        for (rule, entry) in entries {
            if find_rule(&rule).is_none() {
                bail!("/{}: unknown rule {rule:?}", escape_pointer_token(&rule));
            }
            let at = format!("/{}", escape_pointer_token(&rule));
            let Value::Object(entry) = entry else {
                bail!("{at}: expected {{severity: off|warning|error, reason: ...}}");
            };
            if let Some(key) = entry
                .keys()
                .find(|k| !matches!(k.as_str(), "severity" | "reason"))
            {
                bail!("{at}: unknown key {key:?} (expected severity, reason)");
            }
            let level = match entry.get("severity") {
                Some(Value::String(s)) if s == "off" => Level::Off,
                // YAML 1.1 readers turn a bare `off` into false.
                Some(Value::Bool(false)) => Level::Off,
                Some(Value::String(s)) if s == "warning" => Level::Warning,
                Some(Value::String(s)) if s == "error" => Level::Error,
                Some(other) => bail!("{at}/severity: {other} is not off, warning or error"),
                None => bail!("{at}: missing severity (off, warning or error)"),
            };
            let reason = match entry.get("reason") {
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
                None => None,
                Some(_) => bail!("{at}/reason: must be a non-empty string"),
            };
            if level == Level::Off && reason.is_none() {
                bail!("{at}: a rule turned off must say why (reason: ...)");
            }
            rules.insert(rule, RuleSetting { level, reason });
        }
        Ok(Self { rules })
    }

    /// The severity `rule` reports with, `None` when it is off.
    pub fn severity(&self, rule: &str) -> Option<Severity> {
        match self.rules.get(rule).map(|s| s.level) {
            Some(Level::Off) => None,
            Some(Level::Warning) => Some(Severity::Warning),
            Some(Level::Error) => Some(Severity::Error),
            None => find_rule(rule).map(|r| r.severity),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_uses_spectral_severities() {
        let c = LintConfig::default();
        assert_eq!(c.severity("path-params"), Some(Severity::Error));
        assert_eq!(c.severity("operation-description"), Some(Severity::Warning));
        assert_eq!(c.severity("no-such-rule"), None);
    }

    #[test]
    fn spectral_defaults_turn_codegen_rules_off_and_nothing_else() {
        let c = LintConfig::spectral();
        assert_eq!(c.severity("codegen-pattern"), None);
        assert_eq!(c.severity("codegen-operation-id"), None);
        assert_eq!(
            c.severity("path-keys-no-trailing-slash"),
            Some(Severity::Warning)
        );
        assert_eq!(c.severity("oas3-schema"), Some(Severity::Error));
    }
}
