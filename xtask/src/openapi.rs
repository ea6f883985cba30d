//! OpenAPI vocabulary the pipeline's steps share: the methods of a Path Item, a document's
//! operations in a stable order, and what a media type is once its parameters are dropped.

use serde_json::{Map, Value};

/// The HTTP methods of a Path Item, in the order progenitor (and every step here) visits them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of a document, with the Path Item that holds it (for path-level parameters).
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// The key under `paths`, unescaped (`/api/v2/accounts/{account_id}/`).
    pub path: &'a str,
    /// Lower case, one of [`METHODS`].
    pub method: &'static str,
    pub item: &'a Map<String, Value>,
    pub op: &'a Map<String, Value>,
}

/// Every operation of `doc`: paths in document order, methods in [`METHODS`] order. Path items
/// and operations that are not objects are skipped (lint reports their shape).
pub fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    paths
        .iter()
        .filter_map(|(path, item)| Some((path, item.as_object()?)))
        .flat_map(|(path, item)| {
            METHODS.into_iter().filter_map(move |method| {
                Some(Operation {
                    path,
                    method,
                    item,
                    op: item.get(method)?.as_object()?,
                })
            })
        })
        .collect()
}

/// The media type without parameters, lower case: `Application/JSON; charset=utf-8` ->
/// `application/json`.
pub fn media_type_essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// `application/json` or a structured `+json` type (`application/problem+json`).
pub fn is_json_media_type(media: &str) -> bool {
    let essence = media_type_essence(media);
    essence == "application/json" || essence.ends_with("+json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operations_in_document_then_method_order_skipping_non_objects() {
        let doc = json!({"paths": {
            "/b": {"post": {"operationId": "b1"}, "get": {"operationId": "b0"}, "parameters": []},
            "/a": {"delete": {"operationId": "a0"}, "x-ext": {}, "put": "not an operation"},
            "/c": "not a path item"
        }});
        let found: Vec<(&str, &str, &Value)> = operations(&doc)
            .iter()
            .map(|o| (o.path, o.method, &o.op["operationId"]))
            .collect();
        assert_eq!(
            found,
            [
                ("/b", "get", &json!("b0")),
                ("/b", "post", &json!("b1")),
                ("/a", "delete", &json!("a0")),
            ]
        );
        assert!(operations(&json!({"openapi": "3.0.3"})).is_empty());
    }

    #[test]
    fn media_types_compare_by_essence() {
        assert_eq!(
            media_type_essence(" Application/JSON ; charset=utf-8"),
            "application/json"
        );
        assert!(is_json_media_type(
            "application/problem+json; charset=utf-8"
        ));
        assert!(!is_json_media_type("text/plain"));
    }
}
