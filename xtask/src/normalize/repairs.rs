//! Shapes OpenAPI 3.0 forbids that have exactly one meaning, rewritten to the form it allows.
//!
//! dbt's published history holds both: `required: []` (JSON Schema draft 4, which 3.0 follows,
//! asks for at least one name; an empty list means "nothing is required", the same as no
//! `required` at all) and `info.contact` given as a plain string instead of a Contact object
//! (it is an e-mail address, a URL or a name, and the object has a field for each).

use serde_json::{Map, Value, json};

use crate::downconvert::{Notes, walk_document_schemas};

pub fn repair_forbidden_shapes(doc: &mut Value, notes: &mut Notes) -> anyhow::Result<()> {
    contact_object(doc, notes);
    walk_document_schemas(doc, &mut |schema, _pointer| {
        if let Some(obj) = schema.as_object_mut() {
            empty_required(obj, notes);
        }
        Ok(())
    })
}

fn empty_required(obj: &mut Map<String, Value>, notes: &mut Notes) {
    if obj
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        obj.shift_remove("required");
        notes.add("empty `required: []` removed (it means nothing is required)");
    }
}

fn contact_object(doc: &mut Value, notes: &mut Notes) {
    let Some(info) = doc.get_mut("info").and_then(Value::as_object_mut) else {
        return;
    };
    let Some(Value::String(text)) = info.get("contact") else {
        return;
    };
    let text = text.trim().to_string();
    let contact = if text.is_empty() {
        None
    } else if text.starts_with("http://") || text.starts_with("https://") {
        Some(json!({"url": text}))
    } else if let Some(address) = text.strip_prefix("mailto:") {
        Some(json!({"email": address}))
    } else if text.contains('@') && !text.contains(char::is_whitespace) {
        Some(json!({"email": text}))
    } else {
        Some(json!({"name": text}))
    };
    match contact {
        Some(contact) => {
            info.insert("contact".into(), contact);
            notes.add("`info.contact` string turned into a Contact object");
        }
        None => {
            info.shift_remove("contact");
            notes.add("empty `info.contact` string removed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mut doc: Value) -> (Value, Vec<String>) {
        let mut notes = Notes::default();
        repair_forbidden_shapes(&mut doc, &mut notes).unwrap();
        (doc, notes.into_lines())
    }

    #[test]
    fn empty_required_goes_a_non_empty_one_stays() {
        let (doc, notes) = run(json!({"components": {"schemas": {
            "A": {"type": "object", "required": [], "properties": {
                "b": {"type": "object", "required": []},
                "c": {"type": "object", "required": ["x"]}
            }}
        }}}));
        let a = &doc["components"]["schemas"]["A"];
        assert!(a.get("required").is_none());
        assert!(a["properties"]["b"].get("required").is_none());
        assert_eq!(a["properties"]["c"]["required"], json!(["x"]));
        assert_eq!(
            notes,
            ["empty `required: []` removed (it means nothing is required) (2x)"]
        );
    }

    #[test]
    fn contact_strings_become_objects_by_what_they_hold() {
        let contact = |s: &str| {
            run(json!({"info": {"contact": s}})).0["info"]
                .get("contact")
                .cloned()
        };
        assert_eq!(
            contact("help@example.org"),
            Some(json!({"email": "help@example.org"}))
        );
        assert_eq!(
            contact("mailto:help@example.org"),
            Some(json!({"email": "help@example.org"}))
        );
        assert_eq!(
            contact("https://example.org/help"),
            Some(json!({"url": "https://example.org/help"}))
        );
        assert_eq!(
            contact("The API team"),
            Some(json!({"name": "The API team"}))
        );
        assert_eq!(contact("  "), None);
        // An object stays as it is.
        let (doc, notes) = run(json!({"info": {"contact": {"name": "x"}}}));
        assert_eq!(doc["info"]["contact"], json!({"name": "x"}));
        assert!(notes.is_empty());
    }
}
