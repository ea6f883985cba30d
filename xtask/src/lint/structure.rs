//! `oas3-schema`: the structure OpenAPI 3.0.3 requires (required fields, value types, allowed
//! keys), written out rather than borrowed from the OAS JSON Schema so each finding names the
//! object and field in plain words.

use super::prelude::*;

pub(super) const FAMILY: Family = Family {
    rules: &[Rule {
        name: "oas3-schema",
        ruleset: Ruleset::Spectral,
        severity: Severity::Error,
        summary: "the document is structurally valid OpenAPI 3.0",
    }],
    check: |ctx, out| check_document(ctx.doc, Oas { v31: ctx.oas31 }, out),
};

use crate::openapi::METHODS;

const RULE: &str = "oas3-schema";

/// Which OpenAPI version's structure to check.
#[derive(Clone, Copy)]
struct Oas {
    v31: bool,
}

impl Oas {
    fn name(self) -> &'static str {
        if self.v31 {
            "OpenAPI 3.1"
        } else {
            "OpenAPI 3.0"
        }
    }

    /// Fields 3.1 adds to an object of kind `what`.
    fn added_fields(self, what: &str) -> Shape {
        if !self.v31 {
            return &[];
        }
        match what {
            "the document" => &[("webhooks", Obj, false), ("jsonSchemaDialect", Str, false)],
            "info" => &[("summary", Str, false)],
            "license" => &[("identifier", Str, false)],
            "components" => &[("pathItems", Obj, false)],
            _ => &[],
        }
    }

    /// Whether `field` of `what` must be present (3.1 documents may have only webhooks or
    /// components).
    fn required(self, what: &str, field: &str, required: bool) -> bool {
        required && !(self.v31 && what == "the document" && field == "paths")
    }

    /// Whether any value is allowed for `field` of `what`: 3.1 schemas are JSON Schema 2020-12,
    /// where `type` may be a list, `exclusiveMaximum` a number and a subschema a boolean.
    fn any_value(self, what: &str, field: &str) -> bool {
        ANY.contains(&field)
            || (self.v31
                && what == "schema"
                && matches!(
                    field,
                    "type" | "exclusiveMaximum" | "exclusiveMinimum" | "items" | "not"
                ))
    }

    /// JSON Schema 2020-12 allows keywords beyond the listed ones (`const`, `prefixItems`,
    /// `$defs`, `examples`...), and so does a 3.1 Schema Object.
    fn open_object(self, what: &str) -> bool {
        self.v31 && what == "schema"
    }
}

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
fn shape(v: &Value, at: &str, what: &str, shape: Shape, oas: Oas, out: &mut Out) -> bool {
    let Some(map) = v.as_object() else {
        out.add(RULE, at, format!("{what} must be an object"));
        return false;
    };
    if map.contains_key("$ref") && what != "path item" {
        return false;
    }
    let added = oas.added_fields(what);
    for (field, kind, required) in shape.iter().chain(added) {
        match map.get(*field) {
            None if oas.required(what, field, *required) => out.add(
                RULE,
                at,
                format!("{what} is missing required field {field:?}"),
            ),
            Some(value) if !oas.any_value(what, field) && !kind.matches(value) => out.add(
                RULE,
                join(at, field),
                format!("{field} of {what} must be {}", kind.name()),
            ),
            _ => {}
        }
    }
    if oas.open_object(what) {
        return true;
    }
    for key in map.keys() {
        if !key.starts_with("x-") && !shape.iter().chain(added).any(|(f, _, _)| f == key) {
            out.add(
                RULE,
                join(at, key),
                format!("{what} has no field {key:?} in {}", oas.name()),
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

fn check_document(doc: &Value, oas: Oas, out: &mut Out) {
    if !shape(doc, "", "the document", ROOT, oas, out) {
        return;
    }
    if oas.v31
        && ["paths", "components", "webhooks"]
            .iter()
            .all(|k| doc.get(k).is_none())
    {
        out.add(
            RULE,
            "",
            "an OpenAPI 3.1 document needs at least one of paths, components and webhooks",
        );
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
        shape(info, "/info", "info", INFO, oas, out);
        if let Some(l) = info.get("license") {
            shape(l, "/info/license", "license", LICENSE, oas, out);
        }
        if let Some(c) = info.get("contact") {
            shape(c, "/info/contact", "contact", CONTACT, oas, out);
        }
    }
    for (i, s) in each(doc.get("servers").filter(|s| s.is_array())) {
        shape(s, &format!("/servers/{i}"), "server", SERVER, oas, out);
    }
    for (i, t) in each(doc.get("tags").filter(|s| s.is_array())) {
        shape(t, &format!("/tags/{i}"), "tag", TAG, oas, out);
    }
    let webhooks = each(doc.get("webhooks").filter(|w| oas.v31 && w.is_object()))
        .map(|(name, item)| (join("/webhooks", &name), name, item));
    let paths = each(doc.get("paths").filter(|p| p.is_object()))
        .map(|(path, item)| (join("/paths", &path), path, item));
    for (at, path, item) in paths.chain(webhooks) {
        let is_webhook = at.starts_with("/webhooks/");
        if !is_webhook && !path.starts_with('/') && !path.starts_with("x-") {
            out.add(RULE, at.clone(), format!("path {path:?} must start with /"));
        }
        if path.starts_with("x-") || !shape(item, &at, "path item", PATH_ITEM, oas, out) {
            continue;
        }
        parameters(item.get("parameters"), &join(&at, "parameters"), oas, out);
        for method in METHODS {
            if let Some(op) = item.get(method) {
                operation(op, &join(&at, method), oas, out);
            }
        }
    }
    let Some(components) = doc.get("components").filter(|c| c.is_object()) else {
        return;
    };
    shape(
        components,
        "/components",
        "components",
        COMPONENTS,
        oas,
        out,
    );
    for (name, s) in each(components.get("schemas").filter(|v| v.is_object())) {
        schema(s, &join("/components/schemas", &name), oas, out);
    }
    for (name, r) in each(components.get("responses").filter(|v| v.is_object())) {
        response(r, &join("/components/responses", &name), oas, out);
    }
    for (name, p) in each(components.get("parameters").filter(|v| v.is_object())) {
        parameter(p, &join("/components/parameters", &name), oas, out);
    }
    for (name, b) in each(components.get("requestBodies").filter(|v| v.is_object())) {
        request_body(b, &join("/components/requestBodies", &name), oas, out);
    }
    for (name, h) in each(components.get("headers").filter(|v| v.is_object())) {
        header(h, &join("/components/headers", &name), oas, out);
    }
}

fn operation(op: &Value, at: &str, oas: Oas, out: &mut Out) {
    if !shape(op, at, "operation", OPERATION, oas, out) {
        return;
    }
    parameters(op.get("parameters"), &join(at, "parameters"), oas, out);
    if let Some(body) = op.get("requestBody") {
        request_body(body, &join(at, "requestBody"), oas, out);
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
                response(r, &rat, oas, out);
            }
        }
    }
    for (i, t) in each(op.get("tags")) {
        if !t.is_string() {
            out.add(RULE, join(&join(at, "tags"), &i), "tags must be strings");
        }
    }
}

fn parameters(list: Option<&Value>, at: &str, oas: Oas, out: &mut Out) {
    for (i, p) in each(list.filter(|l| l.is_array())) {
        parameter(p, &join(at, &i), oas, out);
    }
}

fn parameter(p: &Value, at: &str, oas: Oas, out: &mut Out) {
    if !shape(p, at, "parameter", PARAMETER, oas, out) {
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
    schema_or_content(p, at, "parameter", oas, out);
}

fn header(h: &Value, at: &str, oas: Oas, out: &mut Out) {
    if shape(h, at, "header", HEADER, oas, out) {
        schema_or_content(h, at, "header", oas, out);
    }
}

fn schema_or_content(v: &Value, at: &str, what: &str, oas: Oas, out: &mut Out) {
    match (v.get("schema"), v.get("content")) {
        (Some(_), Some(_)) | (None, None) => out.add(
            RULE,
            at,
            format!("a {what} must have exactly one of schema and content"),
        ),
        (Some(s), None) => schema(s, &join(at, "schema"), oas, out),
        (None, Some(c)) => content(c, &join(at, "content"), oas, out),
    }
}

fn request_body(b: &Value, at: &str, oas: Oas, out: &mut Out) {
    if shape(b, at, "request body", REQUEST_BODY, oas, out)
        && let Some(c) = b.get("content")
    {
        content(c, &join(at, "content"), oas, out);
    }
}

fn response(r: &Value, at: &str, oas: Oas, out: &mut Out) {
    if !shape(r, at, "response", RESPONSE, oas, out) {
        return;
    }
    if let Some(c) = r.get("content") {
        content(c, &join(at, "content"), oas, out);
    }
    for (name, h) in each(r.get("headers").filter(|h| h.is_object())) {
        header(h, &join(&join(at, "headers"), &name), oas, out);
    }
}

fn content(c: &Value, at: &str, oas: Oas, out: &mut Out) {
    for (media, m) in each(c.get_object()) {
        let mat = join(at, &media);
        if shape(m, &mat, "media type", MEDIA, oas, out)
            && let Some(s) = m.get("schema")
        {
            schema(s, &join(&mat, "schema"), oas, out);
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

fn schema(s: &Value, at: &str, oas: Oas, out: &mut Out) {
    if oas.v31 && s.is_boolean() {
        return;
    }
    if !shape(s, at, "schema", SCHEMA, oas, out) {
        return;
    }
    let map: &Map<String, Value> = match s.as_object() {
        Some(m) => m,
        None => return,
    };
    let types: Vec<(String, &Value)> = match map.get("type") {
        Some(Value::Array(list)) if oas.v31 => list
            .iter()
            .enumerate()
            .map(|(i, t)| (join(&join(at, "type"), &i.to_string()), t))
            .collect(),
        Some(Value::Array(_)) => Vec::new(),
        Some(t) => vec![(join(at, "type"), t)],
        None => Vec::new(),
    };
    for (type_at, t) in types {
        let known = match t.as_str() {
            Some("string" | "number" | "integer" | "boolean" | "array" | "object") => true,
            Some("null") => oas.v31,
            Some(_) => false,
            None => !oas.v31, // a non-string `type` of 3.0 is reported by `shape`.
        };
        if !known {
            out.add(
                RULE,
                type_at,
                format!("type {t} is not an {} type", oas.name()),
            );
        }
    }
    if let Some(required) = map.get("required").and_then(Value::as_array) {
        // JSON Schema 2020-12 (3.1) allows an empty list; draft 4 (3.0) does not.
        if required.is_empty() && !oas.v31 {
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
        schema(sub, &join(&join(at, "properties"), &name), oas, out);
    }
    for key in ["items", "not"] {
        if let Some(sub) = map.get(key).filter(|v| v.is_object() || oas.v31) {
            schema(sub, &join(at, key), oas, out);
        }
    }
    if let Some(sub) = map.get("additionalProperties").filter(|v| v.is_object()) {
        schema(sub, &join(at, "additionalProperties"), oas, out);
    }
    for key in ["allOf", "anyOf", "oneOf", "prefixItems"] {
        for (i, sub) in each(map.get(key).filter(|v| v.is_array())) {
            schema(sub, &join(&join(at, key), &i), oas, out);
        }
    }
}
