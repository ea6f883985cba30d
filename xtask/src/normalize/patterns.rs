//! `pattern`s the generated client can compile.
//!
//! progenitor (through typify) compiles every `pattern` with the `regress` crate, which speaks
//! ECMAScript syntax: at generation time (typify's regress, where a rejected pattern fails the
//! build) and again in the generated code at run time (the client's regress, the same version,
//! where a rejected pattern panics on first use). dbt has written some patterns in Python syntax
//! (Django validators), e.g. `(?P<repo>...)`. What has an exact ECMAScript equivalent is
//! translated: `(?P<name>` -> `(?<name>`, `(?P=name)` -> `\k<name>`, `\A` -> `^`, `\Z` -> `$`
//! (without the `m` flag, ECMAScript's `^`/`$` anchor at the ends of the whole input, as
//! Python's `\A`/`\Z` do). What still does not compile (inline flags like `(?i)`, possessive
//! quantifiers...) cannot be checked by the client, so the `pattern` is dropped, with a note
//! naming its pointer: the client then accepts any string there, which is what dbt's server
//! decides anyway.

use serde_json::Value;

use crate::downconvert::{Notes, walk_document_schemas};

pub fn ecmascript_patterns(doc: &mut Value, notes: &mut Notes) -> anyhow::Result<()> {
    walk_document_schemas(doc, &mut |schema, pointer| {
        let Some(obj) = schema.as_object_mut() else {
            return Ok(());
        };
        let Some(Value::String(pattern)) = obj.get("pattern") else {
            return Ok(());
        };
        if client_rejects(pattern).is_none() {
            return Ok(());
        }
        let translated = translate_python(pattern);
        match client_rejects(&translated) {
            None => {
                obj.insert("pattern".into(), Value::String(translated));
                notes.add("Python regex syntax in `pattern` translated to ECMAScript");
            }
            Some(reason) => {
                obj.shift_remove("pattern");
                notes.add(format!(
                    "warning: {pointer}/pattern dropped: the client cannot compile it ({reason})"
                ));
            }
        }
        Ok(())
    })
}

/// Why the generated client cannot compile `pattern`, `None` when regress (the one version
/// typify and the client share) accepts it.
pub fn client_rejects(pattern: &str) -> Option<String> {
    regress::Regex::new(pattern)
        .err()
        .map(|e| format!("regress, at generation and in the client: {e}"))
}

/// Rewrites the Python-only constructs that have an exact ECMAScript equivalent; everything
/// else, escapes and character classes included, is copied as it is.
pub fn translate_python(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    let mut in_class = false;
    while let Some(c) = rest.chars().next() {
        if c == '\\' {
            let mut chars = rest.chars();
            chars.next();
            match chars.next() {
                Some('A') if !in_class => out.push('^'),
                Some('Z') if !in_class => out.push('$'),
                Some(escaped) => {
                    out.push('\\');
                    out.push(escaped);
                }
                None => out.push('\\'),
            }
            rest = chars.as_str();
            continue;
        }
        if !in_class {
            if let Some(after) = rest.strip_prefix("(?P<") {
                out.push_str("(?<");
                rest = after;
                continue;
            }
            if let Some(after) = rest.strip_prefix("(?P=")
                && let Some((name, tail)) = after.split_once(')')
            {
                out.push_str("\\k<");
                out.push_str(name);
                out.push('>');
                rest = tail;
                continue;
            }
        }
        match c {
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            _ => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_constructs_translate_and_compile() {
        let translated = translate_python(r"\A(?P<owner>[a-z]+)/(?P<repo>\w+)(?P=repo)?\Z");
        assert_eq!(translated, r"^(?<owner>[a-z]+)/(?<repo>\w+)\k<repo>?$");
        assert!(client_rejects(r"^(?P<a>x)$").is_some());
        assert_eq!(client_rejects(&translated), None);
        // Escaped backslashes and character classes are left alone.
        assert_eq!(translate_python(r"\\A[\Z(?P<]"), r"\\A[\Z(?P<]");
    }

    fn run(pattern: &str) -> (Value, Vec<String>) {
        let mut doc =
            json!({"components": {"schemas": {"S": {"type": "string", "pattern": pattern}}}});
        let mut notes = Notes::default();
        ecmascript_patterns(&mut doc, &mut notes).unwrap();
        (
            doc["components"]["schemas"]["S"].clone(),
            notes.into_lines(),
        )
    }

    #[test]
    fn valid_patterns_stay_translatable_ones_change_the_rest_go() {
        let (s, notes) = run("^[a-z]+$");
        assert_eq!(s["pattern"], "^[a-z]+$");
        assert!(notes.is_empty());

        let (s, notes) = run("^(?P<id>[0-9]+)$");
        assert_eq!(s["pattern"], "^(?<id>[0-9]+)$");
        assert_eq!(
            notes,
            ["Python regex syntax in `pattern` translated to ECMAScript"]
        );

        let (s, notes) = run("(?i)^[a-z]+$");
        assert_eq!(s, json!({"type": "string"}));
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].starts_with("warning: /components/schemas/S/pattern dropped"),
            "{notes:?}"
        );
    }
}
