//! Document-level 3.1 fields: `jsonSchemaDialect`, `webhooks`, `info.summary`,
//! `info.license.identifier`, `mutualTLS` security schemes; `paths` made present.

use serde_json::{Map, Value, json};

use super::Notes;
use crate::openapi::METHODS;

pub(super) fn rewrite_document_level(root: &mut Map<String, Value>, notes: &mut Notes) {
    if root.shift_remove("jsonSchemaDialect").is_some() {
        notes.add("`jsonSchemaDialect` removed (3.0 has a fixed dialect)");
    }
    if root.shift_remove("webhooks").is_some() {
        notes.add("`webhooks` removed (3.0 has none; the client does not receive webhooks)");
    }
    if root.shift_remove("$schema").is_some() {
        notes.add("root `$schema` removed");
    }
    if !root.get("paths").is_some_and(Value::is_object) {
        root.insert("paths".into(), json!({}));
        notes.add("missing `paths` added (required in 3.0)");
    }
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        if let Some(summary) = info.shift_remove("summary") {
            if !info.contains_key("description")
                && let Value::String(text) = summary
            {
                info.insert("description".into(), Value::String(text));
            }
            notes.add("`info.summary` removed (kept as the description when there was none)");
        }
        if let Some(license) = info.get_mut("license").and_then(Value::as_object_mut)
            && let Some(identifier) = license.shift_remove("identifier")
        {
            if !license.contains_key("url")
                && let Value::String(id) = identifier
            {
                let url = format!("https://spdx.org/licenses/{id}.html");
                license.insert("url".into(), Value::String(url));
            }
            notes.add("`info.license.identifier` replaced by an SPDX `url`");
        }
    }
    // `mutualTLS` is a 3.1 security scheme type; 3.0 tools reject the whole document for it.
    let mut removed_schemes = Vec::new();
    if let Some(schemes) = root
        .get_mut("components")
        .and_then(|c| c.get_mut("securitySchemes"))
        .and_then(Value::as_object_mut)
    {
        schemes.retain(|name, scheme| {
            let mutual = scheme.get("type").and_then(Value::as_str) == Some("mutualTLS");
            if mutual {
                removed_schemes.push(name.clone());
            }
            !mutual
        });
    }
    if !removed_schemes.is_empty() {
        notes.add("`mutualTLS` security schemes removed");
        remove_security_requirements(root, &removed_schemes);
    }
}

fn remove_security_requirements(root: &mut Map<String, Value>, schemes: &[String]) {
    fn strip(list: &mut Value, schemes: &[String]) {
        if let Some(list) = list.as_array_mut() {
            for requirement in list.iter_mut() {
                if let Some(req) = requirement.as_object_mut() {
                    req.retain(|name, _| !schemes.contains(name));
                }
            }
            list.retain(|req| req.as_object().is_none_or(|r| !r.is_empty()));
        }
    }
    if let Some(security) = root.get_mut("security") {
        strip(security, schemes);
    }
    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for method in METHODS {
                if let Some(security) = item.get_mut(method).and_then(|op| op.get_mut("security")) {
                    strip(security, schemes);
                }
            }
        }
    }
}
