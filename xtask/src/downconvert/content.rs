//! `contentEncoding`/`contentMediaType` as 3.0 string formats.

use serde_json::{Map, Value};

use super::Notes;

pub(super) fn rewrite_content_keywords(obj: &mut Map<String, Value>, notes: &mut Notes) {
    let encoding = obj.shift_remove("contentEncoding");
    let media = obj.shift_remove("contentMediaType");
    if encoding.is_none() && media.is_none() {
        return;
    }
    let is_string = matches!(
        obj.get("type").and_then(Value::as_str),
        Some("string") | None
    );
    if is_string && !obj.contains_key("format") {
        let base64 = matches!(
            encoding.as_ref().and_then(Value::as_str),
            Some("base64" | "base64url")
        );
        let textual = media
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(|m| m.starts_with("text/") || m.contains("json") || m.contains("xml"));
        let format = if base64 {
            Some("byte")
        } else if media.is_some() && encoding.is_none() && !textual {
            Some("binary")
        } else {
            None
        };
        if let Some(format) = format {
            obj.insert("type".into(), Value::String("string".into()));
            obj.insert("format".into(), Value::String(format.into()));
        }
    }
    notes.add("`contentEncoding`/`contentMediaType` replaced by `format` byte/binary");
}
