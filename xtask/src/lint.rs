//! The lint rules: spectral:oas (recommended, as they apply to 3.0) plus codegen rules.
//!
//! [`lint`]`(doc, config)` returns every finding; it never fails and never panics, whatever the
//! document.
//!
//! The `spectral:oas` rules keep Spectral's names and default severities (`warn` -> warning,
//! `error` -> error), because dbt lints its own documents with that ruleset and a finding
//! should mean the same thing in both tools. The `codegen-*` rules are the shapes that make
//! progenitor 0.15.1 fail, panic or generate a client that breaks when dbt adds a value
//! (the shapes [`crate::normalize`] removes: on the derived spec, a finding means a
//! normalization is missing or the overlay undid one). `spec/lint.yml` turns rules off or changes their severity, with a reason.

pub mod codegen_safety;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::document::escape_pointer_token;
use crate::examples;
use crate::normalize::snake_case;
use crate::openapi::{self, is_json_media_type};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub rule: String,
    /// RFC 6901 JSON pointer into the linted document.
    pub pointer: String,
    pub message: String,
}

/// Every rule: name, default severity, what it checks.
pub const RULES: &[(&str, Severity, &str)] = &[
    // spectral:oas (names and default severities as in Spectral's ruleset).
    (
        "array-items",
        Severity::Error,
        "schemas with type array have items",
    ),
    (
        "duplicated-entry-in-enum",
        Severity::Warning,
        "enum values are unique",
    ),
    (
        "info-contact",
        Severity::Warning,
        "info has a contact object",
    ),
    (
        "info-description",
        Severity::Warning,
        "info has a description",
    ),
    (
        "info-license",
        Severity::Warning,
        "info has a license object",
    ),
    ("license-url", Severity::Warning, "the license has a url"),
    (
        "no-$ref-siblings",
        Severity::Error,
        "a $ref has no sibling keys (3.0 ignores them)",
    ),
    (
        "no-eval-in-markdown",
        Severity::Warning,
        "descriptions hold no eval(",
    ),
    (
        "no-script-tags-in-markdown",
        Severity::Warning,
        "descriptions hold no <script",
    ),
    (
        "oas3-api-servers",
        Severity::Warning,
        "servers is a non-empty array",
    ),
    (
        "oas3-callbacks-in-callbacks",
        Severity::Warning,
        "no callbacks inside callbacks",
    ),
    (
        "oas3-examples-value-or-externalValue",
        Severity::Warning,
        "an example has value xor externalValue",
    ),
    (
        "oas3-links-parameters-expression",
        Severity::Error,
        "link parameters are runtime expressions",
    ),
    (
        "oas3-operation-security-defined",
        Severity::Warning,
        "security names a defined scheme",
    ),
    (
        "oas3-schema",
        Severity::Error,
        "the document is structurally valid OpenAPI 3.0",
    ),
    (
        "oas3-server-not-example.com",
        Severity::Warning,
        "no server points at example.com",
    ),
    (
        "oas3-server-trailing-slash",
        Severity::Warning,
        "server urls do not end with /",
    ),
    (
        "oas3-server-variables",
        Severity::Error,
        "server variables are defined, used and defaulted",
    ),
    (
        "oas3-unused-component",
        Severity::Warning,
        "every component is referenced",
    ),
    (
        "oas3-valid-media-example",
        Severity::Error,
        "media/parameter examples match their schema",
    ),
    (
        "oas3-valid-schema-example",
        Severity::Error,
        "schema examples and defaults match the schema",
    ),
    (
        "openapi-tags",
        Severity::Warning,
        "the document has a non-empty tags array",
    ),
    (
        "openapi-tags-uniqueness",
        Severity::Error,
        "tag names are unique",
    ),
    (
        "operation-description",
        Severity::Warning,
        "operations have a description",
    ),
    (
        "operation-operationId",
        Severity::Warning,
        "operations have an operationId",
    ),
    (
        "operation-operationId-unique",
        Severity::Error,
        "operationIds are unique",
    ),
    (
        "operation-operationId-valid-in-url",
        Severity::Warning,
        "operationIds use URL-safe characters",
    ),
    (
        "operation-parameters",
        Severity::Warning,
        "an operation's parameters are unique",
    ),
    (
        "operation-success-response",
        Severity::Warning,
        "operations have a 2xx or 3xx response",
    ),
    (
        "operation-tag-defined",
        Severity::Warning,
        "operation tags are declared in the global tags",
    ),
    (
        "operation-tags",
        Severity::Warning,
        "operations have a non-empty tags array",
    ),
    (
        "path-declarations-must-exist",
        Severity::Warning,
        "no empty {} in paths",
    ),
    (
        "path-keys-no-trailing-slash",
        Severity::Warning,
        "paths do not end with /",
    ),
    (
        "path-not-include-query",
        Severity::Warning,
        "paths hold no query string",
    ),
    (
        "path-params",
        Severity::Error,
        "path parameters are declared, used, required and unique",
    ),
    (
        "typed-enum",
        Severity::Warning,
        "enum values match the schema type",
    ),
    // What progenitor needs.
    (
        "codegen-closed-enum",
        Severity::Warning,
        "an enum makes the client reject values dbt adds",
    ),
    (
        "codegen-closed-object",
        Severity::Warning,
        "additionalProperties: false makes the client reject fields dbt adds",
    ),
    (
        "codegen-default-beside-codes",
        Severity::Error,
        "no default response beside explicit codes",
    ),
    (
        "codegen-error-types",
        Severity::Error,
        "one error response type per operation",
    ),
    (
        "codegen-json-without-schema",
        Severity::Error,
        "JSON media types have a schema",
    ),
    (
        "codegen-openapi-version",
        Severity::Error,
        "openapi is 3.0.x",
    ),
    (
        "codegen-operation-id",
        Severity::Error,
        "every operation has an operationId",
    ),
    (
        "codegen-operation-id-unique",
        Severity::Error,
        "operationIds are unique after snake_casing",
    ),
    (
        "codegen-operation-tag",
        Severity::Error,
        "every operation has a tag",
    ),
    (
        "codegen-request-media-types",
        Severity::Error,
        "at most one request media type",
    ),
    (
        "codegen-success-types",
        Severity::Error,
        "one success response type per operation",
    ),
    (
        "codegen-typed-path-parameter",
        Severity::Error,
        "path parameters have a typed schema",
    ),
    (
        "codegen-typed-success-response",
        Severity::Error,
        "a JSON 2xx response has a typed schema",
    ),
    (
        "codegen-unresolved-ref",
        Severity::Error,
        "every $ref resolves inside the document",
    ),
];

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
            if !RULES
                .iter()
                .chain(codegen_safety::RULES)
                .any(|(name, _, _)| *name == rule)
            {
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
            None => RULES
                .iter()
                .chain(codegen_safety::RULES)
                .find(|(name, _, _)| *name == rule)
                .map(|(_, severity, _)| *severity),
        }
    }
}

/// Runs every rule that `config` leaves on. Sorted: errors first, then by rule and pointer.
pub fn lint(doc: &Value, config: &LintConfig) -> Vec<Finding> {
    let mut raw = Vec::new();
    {
        let mut out = Out { raw: &mut raw };
        let ctx = Ctx::new(doc);
        info_rules(&ctx, &mut out);
        server_rules(&ctx, &mut out);
        tag_rules(&ctx, &mut out);
        path_rules(&ctx, &mut out);
        operation_rules(&ctx, &mut out);
        codegen_operation_rules(&ctx, &mut out);
        schema_rules(&ctx, &mut out);
        walk_rules(&ctx, &mut out);
        component_rules(&ctx, &mut out);
        structure::check(doc, &mut out);
        for invalid in examples::invalid_examples(doc) {
            let rule = if invalid.in_media {
                "oas3-valid-media-example"
            } else {
                "oas3-valid-schema-example"
            };
            out.add(rule, invalid.pointer, invalid.reason);
        }
    }
    raw.extend(codegen_safety::check(doc));
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

struct Out<'a> {
    raw: &'a mut Vec<(&'static str, String, String)>,
}

impl Out<'_> {
    fn add(&mut self, rule: &'static str, pointer: impl Into<String>, message: impl Into<String>) {
        self.raw.push((rule, pointer.into(), message.into()));
    }
}

fn join(base: &str, token: &str) -> String {
    format!("{base}/{}", escape_pointer_token(token))
}

struct Operation<'a> {
    path: &'a str,
    method: &'a str,
    op: &'a Map<String, Value>,
    pointer: String,
    path_item: &'a Map<String, Value>,
}

impl Operation<'_> {
    fn label(&self) -> String {
        let id = self.op.get("operationId").and_then(Value::as_str);
        let route = format!("{} {}", self.method.to_uppercase(), self.path);
        match id {
            Some(id) => format!("{id} ({route})"),
            None => route,
        }
    }
}

struct Ctx<'a> {
    doc: &'a Value,
    ops: Vec<Operation<'a>>,
}

impl<'a> Ctx<'a> {
    fn new(doc: &'a Value) -> Self {
        let ops = openapi::operations(doc)
            .into_iter()
            .map(|o| Operation {
                path: o.path,
                method: o.method,
                op: o.op,
                pointer: join(&join("/paths", o.path), o.method),
                path_item: o.item,
            })
            .collect();
        Self { doc, ops }
    }

    /// Follows local `$ref`s (bounded, so a reference cycle ends).
    fn resolve(&self, mut value: &'a Value) -> &'a Value {
        for _ in 0..32 {
            match value.get("$ref").and_then(Value::as_str) {
                Some(r) => match r.strip_prefix('#').and_then(|p| self.doc.pointer(p)) {
                    Some(target) => value = target,
                    None => return value,
                },
                None => return value,
            }
        }
        value
    }

    /// An operation's parameters with the path item's, resolved, keyed by (name, in); the
    /// operation's win, as OpenAPI specifies.
    fn parameters(&self, op: &Operation<'a>) -> Vec<(String, &'a Map<String, Value>)> {
        let mut out: Vec<(String, &'a Map<String, Value>)> = Vec::new();
        let sources = [
            (
                op.path_item.get("parameters"),
                join(&join("/paths", op.path), "parameters"),
            ),
            (
                op.op.get("parameters"),
                format!("{}/parameters", op.pointer),
            ),
        ];
        for (list, base) in sources {
            let Some(list) = list.and_then(Value::as_array) else {
                continue;
            };
            for (i, p) in list.iter().enumerate() {
                let Some(p) = self.resolve(p).as_object() else {
                    continue;
                };
                let key = |p: &Map<String, Value>| {
                    (
                        p.get("name").and_then(Value::as_str).map(str::to_string),
                        p.get("in").and_then(Value::as_str).map(str::to_string),
                    )
                };
                out.retain(|(_, q)| key(q) != key(p));
                out.push((format!("{base}/{i}"), p));
            }
        }
        out
    }
}

fn non_empty_str(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty())
}

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

/// The `{name}` placeholders of a path or URL template, in order.
fn template_names(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        names.push(after[..close].to_string());
        rest = &after[close + 1..];
    }
    names
}

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

fn operation_rules(ctx: &Ctx, out: &mut Out) {
    let mut ids: HashMap<&str, &str> = HashMap::new();
    for op in &ctx.ops {
        let at = &op.pointer;
        if !non_empty_str(op.op.get("description")) {
            out.add(
                "operation-description",
                at.clone(),
                format!("{} has no description", op.label()),
            );
        }
        match op.op.get("operationId").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => {
                if let Some(first) = ids.insert(id, at) {
                    out.add(
                        "operation-operationId-unique",
                        format!("{at}/operationId"),
                        format!("operationId {id:?} is also used at {first}"),
                    );
                }
                if !id.chars().all(url_safe) {
                    out.add(
                        "operation-operationId-valid-in-url",
                        format!("{at}/operationId"),
                        format!("operationId {id:?} holds characters that are not valid in a URL"),
                    );
                }
            }
            _ => out.add(
                "operation-operationId",
                at.clone(),
                format!("{} has no operationId", op.label()),
            ),
        }
        if op
            .op
            .get("tags")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
        {
            out.add(
                "operation-tags",
                at.clone(),
                format!("{} has no tags", op.label()),
            );
        }
        match op.op.get("responses").and_then(Value::as_object) {
            Some(responses)
                if responses
                    .keys()
                    .any(|k| k.starts_with('2') || k.starts_with('3')) => {}
            _ => out.add(
                "operation-success-response",
                format!("{at}/responses"),
                format!("{} has no 2xx or 3xx response", op.label()),
            ),
        }
        if let Some(list) = op.op.get("parameters").and_then(Value::as_array) {
            let mut seen: HashMap<(String, String), usize> = HashMap::new();
            for (i, p) in list.iter().enumerate() {
                let p = ctx.resolve(p);
                let (Some(name), Some(location)) = (
                    p.get("name").and_then(Value::as_str),
                    p.get("in").and_then(Value::as_str),
                ) else {
                    continue;
                };
                if let Some(first) = seen.insert((name.to_string(), location.to_string()), i) {
                    out.add(
                        "operation-parameters",
                        format!("{at}/parameters/{i}"),
                        format!("{location} parameter {name:?} repeats parameters/{first}"),
                    );
                }
            }
        }
        let security = op.op.get("security").map(|s| (format!("{at}/security"), s));
        security_defined(ctx, security, out);
        if let Some(callbacks) = op.op.get("callbacks").and_then(Value::as_object) {
            for (name, callback) in callbacks {
                for (expr, item) in callback.as_object().into_iter().flatten() {
                    for (method, cop) in item.as_object().into_iter().flatten() {
                        if cop.get("callbacks").is_some() {
                            let p = join(
                                &join(&join(&join(&format!("{at}/callbacks"), name), expr), method),
                                "callbacks",
                            );
                            out.add(
                                "oas3-callbacks-in-callbacks",
                                p,
                                "callbacks must not be defined inside a callback",
                            );
                        }
                    }
                }
            }
        }
    }
    security_defined(
        ctx,
        ctx.doc
            .get("security")
            .map(|s| ("/security".to_string(), s)),
        out,
    );
}

fn url_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=".contains(c)
}

fn security_defined(ctx: &Ctx, security: Option<(String, &Value)>, out: &mut Out) {
    let Some((at, Value::Array(list))) = security else {
        return;
    };
    let schemes = ctx
        .doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    for (i, requirement) in list.iter().enumerate() {
        for name in requirement.as_object().into_iter().flat_map(Map::keys) {
            if !schemes.is_some_and(|s| s.contains_key(name)) {
                out.add(
                    "oas3-operation-security-defined",
                    join(&format!("{at}/{i}"), name),
                    format!(
                        "security scheme {name:?} is not defined in components.securitySchemes"
                    ),
                );
            }
        }
    }
}

/// What progenitor would make of one response: nothing, bytes, or a JSON type.
fn response_kind(ctx: &Ctx, response: &Value) -> String {
    let response = ctx.resolve(response);
    let Some(content) = response
        .get("content")
        .and_then(Value::as_object)
        .filter(|c| !c.is_empty())
    else {
        return "no body".into();
    };
    match content.iter().find(|(media, _)| is_json_media_type(media)) {
        Some((_, media)) => match media.get("schema") {
            Some(schema) => serde_json::to_string(schema).unwrap_or_default(),
            None => "untyped JSON".into(),
        },
        None => "a byte stream".into(),
    }
}

fn typed(ctx: &Ctx, schema: &Value) -> bool {
    let schema = ctx.resolve(schema);
    [
        "type",
        "properties",
        "items",
        "allOf",
        "anyOf",
        "oneOf",
        "enum",
    ]
    .iter()
    .any(|k| schema.get(k).is_some())
}

fn codegen_operation_rules(ctx: &Ctx, out: &mut Out) {
    match ctx.doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        Some(v) => out.add(
            "codegen-openapi-version",
            "/openapi",
            format!("openapi is {v:?}; progenitor accepts only 3.0.x"),
        ),
        None => out.add(
            "codegen-openapi-version",
            "/openapi",
            "openapi version is missing; progenitor accepts only 3.0.x",
        ),
    }
    let mut snake: HashMap<String, (&str, &str)> = HashMap::new();
    for op in &ctx.ops {
        let at = &op.pointer;
        match op.op.get("operationId").and_then(Value::as_str) {
            Some(id) if !id.trim().is_empty() => {
                let name = snake_case(id);
                if let Some((other, where_)) = snake.insert(name.clone(), (id, at))
                    && other != id
                {
                    out.add("codegen-operation-id-unique", format!("{at}/operationId"), format!("operationId {id:?} and {other:?} (at {where_}) both become method {name}"));
                }
            }
            _ => out.add(
                "codegen-operation-id",
                at.clone(),
                format!(
                    "{} has no operationId: progenitor cannot name its method",
                    op.label()
                ),
            ),
        }
        let tagged = op
            .op
            .get("tags")
            .and_then(Value::as_array)
            .is_some_and(|t| t.iter().any(|x| x.as_str().is_some_and(|s| !s.is_empty())));
        if !tagged {
            out.add(
                "codegen-operation-tag",
                at.clone(),
                format!("{} has no tag", op.label()),
            );
        }
        for (ptr, p) in ctx.parameters(op) {
            if p.get("in").and_then(Value::as_str) != Some("path") {
                continue;
            }
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            if !p
                .get("schema")
                .is_some_and(|s| typed(ctx, s) && ctx.resolve(s).get("type").is_some())
            {
                out.add(
                    "codegen-typed-path-parameter",
                    ptr,
                    format!(
                        "path parameter {name:?} of {} has no typed schema",
                        op.label()
                    ),
                );
            }
        }
        if let Some(body) = op.op.get("requestBody") {
            let body_at = format!("{at}/requestBody");
            if let Some(content) = ctx.resolve(body).get("content").and_then(Value::as_object) {
                if content.len() > 1 {
                    let kinds: Vec<&String> = content.keys().collect();
                    out.add(
                        "codegen-request-media-types",
                        format!("{body_at}/content"),
                        format!(
                            "{} accepts {} media types {kinds:?}; progenitor takes one",
                            op.label(),
                            kinds.len()
                        ),
                    );
                }
                for (media, m) in content {
                    if is_json_media_type(media) && m.get("schema").is_none() {
                        out.add(
                            "codegen-json-without-schema",
                            join(&format!("{body_at}/content"), media),
                            format!("{media} request body of {} has no schema", op.label()),
                        );
                    }
                }
            }
        }
        let Some(responses) = op.op.get("responses").and_then(Value::as_object) else {
            continue;
        };
        let mut success = BTreeMap::new();
        let mut failure = BTreeMap::new();
        for (code, response) in responses {
            let rat = join(&format!("{at}/responses"), code);
            if let Some(content) = ctx
                .resolve(response)
                .get("content")
                .and_then(Value::as_object)
            {
                for (media, m) in content {
                    if is_json_media_type(media) && m.get("schema").is_none() {
                        out.add(
                            "codegen-json-without-schema",
                            join(&format!("{rat}/content"), media),
                            format!("{media} response {code} of {} has no schema", op.label()),
                        );
                    }
                }
            }
            let kind = response_kind(ctx, response);
            if code.starts_with('2') {
                if let Some(schema) = ctx
                    .resolve(response)
                    .get("content")
                    .and_then(Value::as_object)
                    .and_then(|c| c.iter().find(|(m, _)| is_json_media_type(m)))
                    .and_then(|(_, m)| m.get("schema"))
                    && !typed(ctx, schema)
                {
                    out.add(
                        "codegen-typed-success-response",
                        rat.clone(),
                        format!(
                            "JSON response {code} of {} has an untyped schema",
                            op.label()
                        ),
                    );
                }
                success.entry(kind).or_insert(code.clone());
            } else if code.starts_with('4') || code.starts_with('5') || code == "default" {
                failure.entry(kind).or_insert(code.clone());
            }
        }
        if success.len() > 1 {
            let codes: Vec<&String> = success.values().collect();
            out.add(
                "codegen-success-types",
                format!("{at}/responses"),
                format!(
                    "{} has different success types in responses {codes:?}; progenitor takes one",
                    op.label()
                ),
            );
        }
        if failure.len() > 1 {
            let codes: Vec<&String> = failure.values().collect();
            out.add(
                "codegen-error-types",
                format!("{at}/responses"),
                format!(
                    "{} has different error types in responses {codes:?}; progenitor takes one",
                    op.label()
                ),
            );
        }
        if responses.contains_key("default") && responses.len() > 1 {
            out.add("codegen-default-beside-codes", format!("{at}/responses/default"), format!("{} has a default response beside explicit codes: an unreachable match arm in the client", op.label()));
        }
    }
}

/// Visits every Schema Object reachable through the document's structure, with its pointer.
fn for_each_schema<'a>(doc: &'a Value, f: &mut dyn FnMut(&str, &'a Map<String, Value>)) {
    fn schema<'a>(v: &'a Value, at: &str, f: &mut dyn FnMut(&str, &'a Map<String, Value>)) {
        let Some(map) = v.as_object() else { return };
        f(at, map);
        for (key, value) in map {
            let here = join(at, key);
            match key.as_str() {
                "properties" => {
                    for (name, sub) in value.as_object().into_iter().flatten() {
                        schema(sub, &join(&here, name), f);
                    }
                }
                "items" | "additionalProperties" | "not" => match value {
                    Value::Array(list) => list
                        .iter()
                        .enumerate()
                        .for_each(|(i, s)| schema(s, &format!("{here}/{i}"), f)),
                    other => schema(other, &here, f),
                },
                "allOf" | "anyOf" | "oneOf" => {
                    for (i, s) in value.as_array().into_iter().flatten().enumerate() {
                        schema(s, &format!("{here}/{i}"), f);
                    }
                }
                _ => {}
            }
        }
    }
    fn document<'a>(v: &'a Value, at: &str, f: &mut dyn FnMut(&str, &'a Map<String, Value>)) {
        match v {
            Value::Object(map) => {
                for (key, value) in map {
                    let here = join(at, key);
                    match key.as_str() {
                        "example" | "examples" | "default" | "enum" => {}
                        _ if key.starts_with("x-") => {}
                        "schema" => schema(value, &here, f),
                        "schemas" if at == "/components" => {
                            for (name, sub) in value.as_object().into_iter().flatten() {
                                schema(sub, &join(&here, name), f);
                            }
                        }
                        _ => document(value, &here, f),
                    }
                }
            }
            Value::Array(list) => {
                for (i, item) in list.iter().enumerate() {
                    document(item, &format!("{at}/{i}"), f);
                }
            }
            _ => {}
        }
    }
    document(doc, "", f);
}

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

/// Rules that look at every node: `$ref`s, descriptions, example objects, links.
fn walk_rules(ctx: &Ctx, out: &mut Out) {
    fn walk(ctx: &Ctx, v: &Value, at: &str, parent_key: &str, out: &mut Out) {
        match v {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref") {
                    check_ref(ctx, r, &format!("{at}/$ref"), out);
                    // Inside `properties` the keys are names, not keywords.
                    if parent_key != "properties" {
                        let siblings: Vec<&String> =
                            map.keys().filter(|k| k.as_str() != "$ref").collect();
                        if !siblings.is_empty() {
                            out.add(
                                "no-$ref-siblings",
                                at,
                                format!(
                                    "$ref has siblings {siblings:?}, which OpenAPI 3.0 ignores"
                                ),
                            );
                        }
                    }
                }
                if parent_key != "properties" {
                    for key in ["description", "title"] {
                        if let Some(text) = map.get(key).and_then(Value::as_str) {
                            if text.contains("eval(") {
                                out.add(
                                    "no-eval-in-markdown",
                                    join(at, key),
                                    format!("{key} contains eval("),
                                );
                            }
                            if text.to_ascii_lowercase().contains("<script") {
                                out.add(
                                    "no-script-tags-in-markdown",
                                    join(at, key),
                                    format!("{key} contains a <script> tag"),
                                );
                            }
                        }
                    }
                }
                for (key, value) in map {
                    let here = join(at, key);
                    match key.as_str() {
                        // Data, not structure.
                        "example" | "default" | "enum" | "x-known-values" => {}
                        "examples" if parent_key != "properties" && value.is_object() => {
                            for (name, ex) in value.as_object().into_iter().flatten() {
                                let eat = join(&here, name);
                                example_object(ex, &eat, out);
                                if let Some(r) = ex.get("$ref") {
                                    check_ref(ctx, r, &format!("{eat}/$ref"), out);
                                }
                            }
                        }
                        "links" if parent_key != "properties" => {
                            for (name, link) in value.as_object().into_iter().flatten() {
                                link_parameters(link, &join(&here, name), out);
                            }
                            walk(ctx, value, &here, key, out);
                        }
                        _ => walk(ctx, value, &here, key, out),
                    }
                }
            }
            Value::Array(list) => {
                for (i, item) in list.iter().enumerate() {
                    walk(ctx, item, &format!("{at}/{i}"), parent_key, out);
                }
            }
            _ => {}
        }
    }
    walk(ctx, ctx.doc, "", "", out);
    if let Some(examples) = ctx
        .doc
        .pointer("/components/examples")
        .and_then(Value::as_object)
    {
        for (name, ex) in examples {
            example_object(ex, &join("/components/examples", name), out);
        }
    }
    if let Some(links) = ctx
        .doc
        .pointer("/components/links")
        .and_then(Value::as_object)
    {
        for (name, link) in links {
            link_parameters(link, &join("/components/links", name), out);
        }
    }
}

fn example_object(ex: &Value, at: &str, out: &mut Out) {
    let Some(map) = ex.as_object() else { return };
    if map.contains_key("$ref") {
        return;
    }
    if map.contains_key("value") == map.contains_key("externalValue") {
        out.add(
            "oas3-examples-value-or-externalValue",
            at,
            "an example must have exactly one of value and externalValue",
        );
    }
}

fn link_parameters(link: &Value, at: &str, out: &mut Out) {
    let Some(params) = link.get("parameters").and_then(Value::as_object) else {
        return;
    };
    for (name, expr) in params {
        if let Some(expr) = expr.as_str()
            && expr.starts_with('$')
            && !runtime_expression(expr)
        {
            out.add(
                "oas3-links-parameters-expression",
                join(&format!("{at}/parameters"), name),
                format!("{expr:?} is not a valid runtime expression"),
            );
        }
    }
}

/// OpenAPI 3.0 runtime expressions (`$url`, `$request.path.id`, `$response.body#/id`, ...).
fn runtime_expression(expr: &str) -> bool {
    if matches!(expr, "$url" | "$method" | "$statusCode") {
        return true;
    }
    let source = expr
        .strip_prefix("$request.")
        .or_else(|| expr.strip_prefix("$response."));
    let Some(source) = source else { return false };
    if let Some(pointer) = source.strip_prefix("body") {
        return pointer.is_empty() || pointer.starts_with("#/") || pointer == "#";
    }
    let named = source
        .strip_prefix("header.")
        .or_else(|| {
            source
                .strip_prefix("query.")
                .filter(|_| expr.starts_with("$request."))
        })
        .or_else(|| {
            source
                .strip_prefix("path.")
                .filter(|_| expr.starts_with("$request."))
        });
    named.is_some_and(|n| !n.is_empty())
}

fn check_ref(ctx: &Ctx, r: &Value, at: &str, out: &mut Out) {
    let Some(r) = r.as_str() else {
        out.add(
            "codegen-unresolved-ref",
            at,
            format!("$ref must be a string, found {r}"),
        );
        return;
    };
    let Some(fragment) = r.strip_prefix('#') else {
        out.add(
            "codegen-unresolved-ref",
            at,
            format!("$ref {r:?} points outside the document"),
        );
        return;
    };
    let decoded = percent_decode(fragment);
    if ctx.doc.pointer(&decoded).is_none() {
        out.add(
            "codegen-unresolved-ref",
            at,
            format!("$ref {r:?} resolves to nothing"),
        );
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

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

fn collect_refs(v: &Value, refs: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(r)) => {
                        refs.insert(r.clone());
                    }
                    _ => collect_refs(value, refs),
                }
            }
        }
        Value::Array(list) => list.iter().for_each(|x| collect_refs(x, refs)),
        _ => {}
    }
}

/// `oas3-schema`: the structure OpenAPI 3.0.3 requires (required fields, value types, allowed
/// keys), written out rather than borrowed from the OAS JSON Schema so each finding names the
/// object and field in plain words.
mod structure {
    use super::{Out, join};
    use crate::openapi::METHODS;
    use serde_json::{Map, Value};

    const RULE: &str = "oas3-schema";

    #[derive(Clone, Copy)]
    enum Kind {
        Str,
        Bool,
        Num,
        Obj,
        Arr,
    }

    impl Kind {
        fn matches(self, v: &Value) -> bool {
            match self {
                Kind::Str => v.is_string(),
                Kind::Bool => v.is_boolean(),
                Kind::Num => v.is_number(),
                Kind::Obj => v.is_object(),
                Kind::Arr => v.is_array(),
            }
        }
        fn name(self) -> &'static str {
            match self {
                Kind::Str => "a string",
                Kind::Bool => "a boolean",
                Kind::Num => "a number",
                Kind::Obj => "an object",
                Kind::Arr => "an array",
            }
        }
    }

    use Kind::*;

    /// (field, kind, required)
    type Shape = &'static [(&'static str, Kind, bool)];

    const ROOT: Shape = &[
        ("openapi", Str, true),
        ("info", Obj, true),
        ("paths", Obj, true),
        ("servers", Arr, false),
        ("components", Obj, false),
        ("security", Arr, false),
        ("tags", Arr, false),
        ("externalDocs", Obj, false),
    ];
    const INFO: Shape = &[
        ("title", Str, true),
        ("version", Str, true),
        ("description", Str, false),
        ("termsOfService", Str, false),
        ("contact", Obj, false),
        ("license", Obj, false),
    ];
    const LICENSE: Shape = &[("name", Str, true), ("url", Str, false)];
    const CONTACT: Shape = &[
        ("name", Str, false),
        ("url", Str, false),
        ("email", Str, false),
    ];
    const SERVER: Shape = &[
        ("url", Str, true),
        ("description", Str, false),
        ("variables", Obj, false),
    ];
    const TAG: Shape = &[
        ("name", Str, true),
        ("description", Str, false),
        ("externalDocs", Obj, false),
    ];
    const COMPONENTS: Shape = &[
        ("schemas", Obj, false),
        ("responses", Obj, false),
        ("parameters", Obj, false),
        ("examples", Obj, false),
        ("requestBodies", Obj, false),
        ("headers", Obj, false),
        ("securitySchemes", Obj, false),
        ("links", Obj, false),
        ("callbacks", Obj, false),
    ];
    const PATH_ITEM: Shape = &[
        ("$ref", Str, false),
        ("summary", Str, false),
        ("description", Str, false),
        ("get", Obj, false),
        ("put", Obj, false),
        ("post", Obj, false),
        ("delete", Obj, false),
        ("options", Obj, false),
        ("head", Obj, false),
        ("patch", Obj, false),
        ("trace", Obj, false),
        ("servers", Arr, false),
        ("parameters", Arr, false),
    ];
    const OPERATION: Shape = &[
        ("responses", Obj, true),
        ("tags", Arr, false),
        ("summary", Str, false),
        ("description", Str, false),
        ("externalDocs", Obj, false),
        ("operationId", Str, false),
        ("parameters", Arr, false),
        ("requestBody", Obj, false),
        ("callbacks", Obj, false),
        ("deprecated", Bool, false),
        ("security", Arr, false),
        ("servers", Arr, false),
    ];
    const PARAMETER: Shape = &[
        ("name", Str, true),
        ("in", Str, true),
        ("description", Str, false),
        ("required", Bool, false),
        ("deprecated", Bool, false),
        ("allowEmptyValue", Bool, false),
        ("style", Str, false),
        ("explode", Bool, false),
        ("allowReserved", Bool, false),
        ("schema", Obj, false),
        ("example", Obj, false),
        ("examples", Obj, false),
        ("content", Obj, false),
    ];
    const HEADER: Shape = &[
        ("description", Str, false),
        ("required", Bool, false),
        ("deprecated", Bool, false),
        ("allowEmptyValue", Bool, false),
        ("style", Str, false),
        ("explode", Bool, false),
        ("allowReserved", Bool, false),
        ("schema", Obj, false),
        ("example", Obj, false),
        ("examples", Obj, false),
        ("content", Obj, false),
    ];
    const REQUEST_BODY: Shape = &[
        ("content", Obj, true),
        ("description", Str, false),
        ("required", Bool, false),
    ];
    const RESPONSE: Shape = &[
        ("description", Str, true),
        ("headers", Obj, false),
        ("content", Obj, false),
        ("links", Obj, false),
    ];
    const MEDIA: Shape = &[
        ("schema", Obj, false),
        ("example", Obj, false),
        ("examples", Obj, false),
        ("encoding", Obj, false),
    ];
    const SCHEMA: Shape = &[
        ("title", Str, false),
        ("multipleOf", Num, false),
        ("maximum", Num, false),
        ("exclusiveMaximum", Bool, false),
        ("minimum", Num, false),
        ("exclusiveMinimum", Bool, false),
        ("maxLength", Num, false),
        ("minLength", Num, false),
        ("pattern", Str, false),
        ("maxItems", Num, false),
        ("minItems", Num, false),
        ("uniqueItems", Bool, false),
        ("maxProperties", Num, false),
        ("minProperties", Num, false),
        ("required", Arr, false),
        ("enum", Arr, false),
        ("type", Str, false),
        ("not", Obj, false),
        ("allOf", Arr, false),
        ("oneOf", Arr, false),
        ("anyOf", Arr, false),
        ("items", Obj, false),
        ("properties", Obj, false),
        ("description", Str, false),
        ("format", Str, false),
        ("default", Obj, false),
        ("nullable", Bool, false),
        ("discriminator", Obj, false),
        ("readOnly", Bool, false),
        ("writeOnly", Bool, false),
        ("example", Obj, false),
        ("externalDocs", Obj, false),
        ("deprecated", Bool, false),
        ("xml", Obj, false),
        ("additionalProperties", Obj, false),
    ];
    /// Fields whose value may be anything (the `Obj` above is only a placeholder for them).
    const ANY: &[&str] = &["example", "default", "additionalProperties"];

    /// Checks `v` against `shape`; false when `v` is not an object to look into (a
    /// non-object, reported, or a Reference Object, whose target is checked where it lives).
    fn shape(v: &Value, at: &str, what: &str, shape: Shape, out: &mut Out) -> bool {
        let Some(map) = v.as_object() else {
            out.add(RULE, at, format!("{what} must be an object"));
            return false;
        };
        if map.contains_key("$ref") && what != "path item" {
            return false;
        }
        for (field, kind, required) in shape {
            match map.get(*field) {
                None if *required => out.add(
                    RULE,
                    at,
                    format!("{what} is missing required field {field:?}"),
                ),
                Some(value) if !ANY.contains(field) && !kind.matches(value) => out.add(
                    RULE,
                    join(at, field),
                    format!("{field} of {what} must be {}", kind.name()),
                ),
                _ => {}
            }
        }
        for key in map.keys() {
            if !key.starts_with("x-") && !shape.iter().any(|(f, _, _)| f == key) {
                out.add(
                    RULE,
                    join(at, key),
                    format!("{what} has no field {key:?} in OpenAPI 3.0"),
                );
            }
        }
        true
    }

    fn each(v: Option<&Value>) -> impl Iterator<Item = (String, &Value)> {
        let from_map = v
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v));
        let from_list = v
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v));
        from_map.chain(from_list)
    }

    pub(super) fn check(doc: &Value, out: &mut Out) {
        if !shape(doc, "", "the document", ROOT, out) {
            return;
        }
        if let Some(v) = doc.get("openapi").and_then(Value::as_str)
            && !(v.starts_with("3.0.") || v.starts_with("3.1."))
        {
            out.add(
                RULE,
                "/openapi",
                format!("openapi {v:?} is not an OpenAPI 3 version"),
            );
        }
        if let Some(info) = doc.get("info").filter(|i| i.is_object()) {
            shape(info, "/info", "info", INFO, out);
            if let Some(l) = info.get("license") {
                shape(l, "/info/license", "license", LICENSE, out);
            }
            if let Some(c) = info.get("contact") {
                shape(c, "/info/contact", "contact", CONTACT, out);
            }
        }
        for (i, s) in each(doc.get("servers").filter(|s| s.is_array())) {
            shape(s, &format!("/servers/{i}"), "server", SERVER, out);
        }
        for (i, t) in each(doc.get("tags").filter(|s| s.is_array())) {
            shape(t, &format!("/tags/{i}"), "tag", TAG, out);
        }
        for (path, item) in each(doc.get("paths").filter(|p| p.is_object())) {
            let at = join("/paths", &path);
            if !path.starts_with('/') && !path.starts_with("x-") {
                out.add(RULE, at.clone(), format!("path {path:?} must start with /"));
            }
            if path.starts_with("x-") || !shape(item, &at, "path item", PATH_ITEM, out) {
                continue;
            }
            parameters(item.get("parameters"), &join(&at, "parameters"), out);
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    operation(op, &join(&at, method), out);
                }
            }
        }
        let Some(components) = doc.get("components").filter(|c| c.is_object()) else {
            return;
        };
        shape(components, "/components", "components", COMPONENTS, out);
        for (name, s) in each(components.get("schemas").filter(|v| v.is_object())) {
            schema(s, &join("/components/schemas", &name), out);
        }
        for (name, r) in each(components.get("responses").filter(|v| v.is_object())) {
            response(r, &join("/components/responses", &name), out);
        }
        for (name, p) in each(components.get("parameters").filter(|v| v.is_object())) {
            parameter(p, &join("/components/parameters", &name), out);
        }
        for (name, b) in each(components.get("requestBodies").filter(|v| v.is_object())) {
            request_body(b, &join("/components/requestBodies", &name), out);
        }
        for (name, h) in each(components.get("headers").filter(|v| v.is_object())) {
            header(h, &join("/components/headers", &name), out);
        }
    }

    fn operation(op: &Value, at: &str, out: &mut Out) {
        if !shape(op, at, "operation", OPERATION, out) {
            return;
        }
        parameters(op.get("parameters"), &join(at, "parameters"), out);
        if let Some(body) = op.get("requestBody") {
            request_body(body, &join(at, "requestBody"), out);
        }
        if let Some(responses) = op.get("responses").and_then(Value::as_object) {
            if responses.is_empty() {
                out.add(
                    RULE,
                    join(at, "responses"),
                    "responses must hold at least one response",
                );
            }
            for (code, r) in responses {
                let rat = join(&join(at, "responses"), code);
                let valid_code = code == "default"
                    || code.starts_with("x-")
                    || (code.len() == 3
                        && code.as_bytes()[0].is_ascii_digit()
                        && (code[1..].bytes().all(|b| b.is_ascii_digit()) || &code[1..] == "XX"));
                if !valid_code {
                    out.add(
                        RULE,
                        rat.clone(),
                        format!("{code:?} is not a response code"),
                    );
                }
                if !code.starts_with("x-") {
                    response(r, &rat, out);
                }
            }
        }
        for (i, t) in each(op.get("tags")) {
            if !t.is_string() {
                out.add(RULE, join(&join(at, "tags"), &i), "tags must be strings");
            }
        }
    }

    fn parameters(list: Option<&Value>, at: &str, out: &mut Out) {
        for (i, p) in each(list.filter(|l| l.is_array())) {
            parameter(p, &join(at, &i), out);
        }
    }

    fn parameter(p: &Value, at: &str, out: &mut Out) {
        if !shape(p, at, "parameter", PARAMETER, out) {
            return;
        }
        if let Some(location) = p.get("in").and_then(Value::as_str)
            && !matches!(location, "query" | "header" | "path" | "cookie")
        {
            out.add(
                RULE,
                join(at, "in"),
                format!("parameter location {location:?} is not query, header, path or cookie"),
            );
        }
        if p.get("in").and_then(Value::as_str) == Some("path")
            && p.get("required") != Some(&Value::Bool(true))
        {
            out.add(RULE, at, "a path parameter must have required: true");
        }
        schema_or_content(p, at, "parameter", out);
    }

    fn header(h: &Value, at: &str, out: &mut Out) {
        if shape(h, at, "header", HEADER, out) {
            schema_or_content(h, at, "header", out);
        }
    }

    fn schema_or_content(v: &Value, at: &str, what: &str, out: &mut Out) {
        match (v.get("schema"), v.get("content")) {
            (Some(_), Some(_)) | (None, None) => out.add(
                RULE,
                at,
                format!("a {what} must have exactly one of schema and content"),
            ),
            (Some(s), None) => schema(s, &join(at, "schema"), out),
            (None, Some(c)) => content(c, &join(at, "content"), out),
        }
    }

    fn request_body(b: &Value, at: &str, out: &mut Out) {
        if shape(b, at, "request body", REQUEST_BODY, out)
            && let Some(c) = b.get("content")
        {
            content(c, &join(at, "content"), out);
        }
    }

    fn response(r: &Value, at: &str, out: &mut Out) {
        if !shape(r, at, "response", RESPONSE, out) {
            return;
        }
        if let Some(c) = r.get("content") {
            content(c, &join(at, "content"), out);
        }
        for (name, h) in each(r.get("headers").filter(|h| h.is_object())) {
            header(h, &join(&join(at, "headers"), &name), out);
        }
    }

    fn content(c: &Value, at: &str, out: &mut Out) {
        for (media, m) in each(c.get_object()) {
            let mat = join(at, &media);
            if shape(m, &mat, "media type", MEDIA, out)
                && let Some(s) = m.get("schema")
            {
                schema(s, &join(&mat, "schema"), out);
            }
        }
    }

    trait GetObject {
        fn get_object(&self) -> Option<&Value>;
    }
    impl GetObject for Value {
        fn get_object(&self) -> Option<&Value> {
            self.is_object().then_some(self)
        }
    }

    fn schema(s: &Value, at: &str, out: &mut Out) {
        if !shape(s, at, "schema", SCHEMA, out) {
            return;
        }
        let map: &Map<String, Value> = match s.as_object() {
            Some(m) => m,
            None => return,
        };
        if let Some(t) = map.get("type").and_then(Value::as_str)
            && !matches!(
                t,
                "string" | "number" | "integer" | "boolean" | "array" | "object"
            )
        {
            out.add(
                RULE,
                join(at, "type"),
                format!("type {t:?} is not an OpenAPI 3.0 type"),
            );
        }
        if let Some(required) = map.get("required").and_then(Value::as_array) {
            if required.is_empty() {
                out.add(
                    RULE,
                    join(at, "required"),
                    "required must list at least one property",
                );
            }
            if required.iter().any(|r| !r.is_string()) {
                out.add(
                    RULE,
                    join(at, "required"),
                    "required must list property names",
                );
            }
        }
        if map
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            out.add(RULE, join(at, "enum"), "enum must hold at least one value");
        }
        if let Some(extra) = map.get("additionalProperties")
            && !(extra.is_boolean() || extra.is_object())
        {
            out.add(
                RULE,
                join(at, "additionalProperties"),
                "additionalProperties must be a boolean or a schema",
            );
        }
        for (name, sub) in each(map.get("properties").filter(|p| p.is_object())) {
            schema(sub, &join(&join(at, "properties"), &name), out);
        }
        for key in ["items", "not"] {
            if let Some(sub) = map.get(key).filter(|v| v.is_object()) {
                schema(sub, &join(at, key), out);
            }
        }
        if let Some(sub) = map.get("additionalProperties").filter(|v| v.is_object()) {
            schema(sub, &join(at, "additionalProperties"), out);
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            for (i, sub) in each(map.get(key).filter(|v| v.is_array())) {
                schema(sub, &join(&join(at, key), &i), out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_expressions() {
        for ok in [
            "$url",
            "$request.path.id",
            "$response.body#/id",
            "$request.header.X-Id",
            "$response.body",
        ] {
            assert!(runtime_expression(ok), "{ok}");
        }
        for bad in [
            "$foo",
            "$request.cookie",
            "$response.query.id",
            "$request.path.",
        ] {
            assert!(!runtime_expression(bad), "{bad}");
        }
    }

    #[test]
    fn default_config_uses_spectral_severities() {
        let c = LintConfig::default();
        assert_eq!(c.severity("path-params"), Some(Severity::Error));
        assert_eq!(c.severity("operation-description"), Some(Severity::Warning));
        assert_eq!(c.severity("no-such-rule"), None);
    }
}
