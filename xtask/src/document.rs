//! Reading and writing OpenAPI (and Overlay) documents as `serde_json::Value`.
//!
//! Every step of the pipeline works on plain JSON values: they are easy to rewrite, and
//! `serde_json`'s `preserve_order` keeps the author's key order, so the derived file reads like
//! its source and diffs stay small.

use anyhow::{Context, bail};
use serde_json::Value;
use std::path::Path;

/// Where a document comes from: a file or an http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(std::path::PathBuf),
    Url(String),
}

impl Source {
    pub fn parse(text: &str) -> Self {
        if text.starts_with("http://") || text.starts_with("https://") {
            Source::Url(text.to_owned())
        } else {
            Source::File(text.into())
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Url(url) => f.write_str(url),
        }
    }
}

/// Fetches the raw text of `source`, refusing more than [`crate::yaml::Limits::max_bytes`]
/// before reading it (a file's size, an HTTP `Content-Length`) or while reading (a body
/// without a length).
pub fn read_text(source: &Source) -> anyhow::Result<String> {
    let max = crate::yaml::Limits::default().max_bytes;
    let too_big = |size: u64| {
        anyhow::anyhow!("{source} is {size} bytes or more; documents over {max} bytes are refused")
    };
    match source {
        Source::File(path) => {
            let size = std::fs::metadata(path)
                .with_context(|| format!("cannot read {}", path.display()))?
                .len();
            if size > max as u64 {
                return Err(too_big(size));
            }
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
        }
        Source::Url(url) => {
            let client = reqwest::blocking::Client::builder()
                .timeout(std::time::Duration::from_secs(60))
                .build()
                .context("cannot build an HTTP client")?;
            let response = client
                .get(url)
                .send()
                .with_context(|| format!("cannot fetch {url}"))?;
            let status = response.status();
            if !status.is_success() {
                bail!("cannot fetch {url}: HTTP {status}");
            }
            if let Some(size) = response.content_length().filter(|&n| n > max as u64) {
                return Err(too_big(size));
            }
            let mut body = Vec::new();
            std::io::Read::read_to_end(
                &mut std::io::Read::take(response, max as u64 + 1),
                &mut body,
            )
            .with_context(|| format!("cannot read the body of {url}"))?;
            if body.len() > max {
                return Err(too_big(body.len() as u64));
            }
            String::from_utf8(body).with_context(|| format!("the body of {url} is not UTF-8"))
        }
    }
}

/// Parses YAML or JSON text (YAML is a superset of JSON) into a JSON value, within
/// [`crate::yaml::Limits::default`] (size, depth, alias expansion).
///
/// YAML allows non-string keys (`200:` for a response code); JSON does not, so keys are turned
/// into their string form here rather than rejected. A duplicate key keeps its last value, as
/// PyYAML does, with a warning on stderr naming the key and its lines.
pub fn parse_text(text: &str, origin: &str) -> anyhow::Result<Value> {
    let parsed = crate::yaml::parse(text, origin, &crate::yaml::Limits::default())?;
    // The warnings go straight to stderr: every command that reads a document wants them,
    // and none of them can do anything else with them.
    for warning in &parsed.warnings {
        eprintln!("warning[yaml-duplicate-key] {warning}");
    }
    Ok(parsed.value)
}

/// Reads an OpenAPI 3.0.x or 3.1.x document and checks that it is one.
pub fn load_openapi(source: &Source) -> anyhow::Result<Value> {
    load_openapi_with_text(source).map(|(_, doc)| doc)
}

/// [`load_openapi`], also returning the text exactly as read (what `regen` keeps as the
/// upstream snapshot).
pub fn load_openapi_with_text(source: &Source) -> anyhow::Result<(String, Value)> {
    let text = read_text(source)?;
    let doc = parse_text(&text, &source.to_string())?;
    check_openapi(&doc).with_context(|| format!("{source} is not an OpenAPI 3.0/3.1 document"))?;
    Ok((text, doc))
}

/// The minimum that makes a value an OpenAPI 3.x document the pipeline can work on.
pub fn check_openapi(doc: &Value) -> anyhow::Result<()> {
    let Some(object) = doc.as_object() else {
        bail!("the top level is not a mapping");
    };
    match object.get("openapi") {
        Some(Value::String(version))
            if version.starts_with("3.0.") || version.starts_with("3.1.") => {}
        Some(Value::String(version)) => {
            bail!("/openapi is {version:?}; only 3.0.x and 3.1.x are supported")
        }
        Some(other) => bail!("/openapi must be a string such as \"3.0.3\", found {other}"),
        None if object.contains_key("swagger") => {
            bail!("it is Swagger 2.0; convert it to OpenAPI 3 first")
        }
        None => bail!("it has no /openapi version field"),
    }
    if !object.get("info").is_some_and(Value::is_object) {
        bail!("/info is missing or not a mapping");
    }
    match object.get("paths") {
        Some(Value::Object(_)) => {}
        Some(_) => bail!("/paths is not a mapping"),
        // 3.1 allows a document of webhooks or components only; we need operations.
        None => bail!("/paths is missing"),
    }
    Ok(())
}

/// Reads a YAML/JSON file without checking what it describes (overlays, configuration).
pub fn load_file(path: &Path) -> anyhow::Result<Value> {
    let text = read_text(&Source::File(path.to_path_buf()))?;
    parse_text(&text, &path.display().to_string())
}

/// Serializes `doc` as YAML after `header` (comment lines). Same value, same bytes.
/// The client crate's packaged copy of a derived spec: the document that `derived_yaml` says,
/// read back from that very text (so it cannot drift from the YAML) and written as JSON, one
/// key per line so a change shows as a small diff.
pub fn to_packaged_json(derived_yaml: &str) -> anyhow::Result<String> {
    let parsed = crate::yaml::parse(
        derived_yaml,
        "the derived spec",
        &crate::yaml::Limits::default(),
    )
    .context("the derived spec does not read back as YAML")?;
    let mut text = serde_json::to_string_pretty(&parsed.value)
        .context("cannot serialize the derived spec as JSON")?;
    text.push('\n');
    Ok(text)
}

pub fn to_yaml(doc: &Value, header: &str) -> anyhow::Result<String> {
    let body = serde_norway::to_string(doc).context("cannot serialize the document as YAML")?;
    // What is written must read back (lint, progenitor): normalization can deepen a document
    // past what the YAML reader accepts, so the text is read again before anyone writes it.
    crate::yaml::parse(
        &body,
        "the serialized document",
        &crate::yaml::Limits::default(),
    )
    .context("the document would not read back as YAML, so it is not written")?;
    Ok(format!("{header}{body}"))
}

/// RFC 6901: `~` -> `~0`, `/` -> `~1`, so that a name (a path, a media type, a component
/// name) is one reference token of a JSON pointer.
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The inverse of [`escape_pointer_token`]. `~1` is decoded first, so `~01` is `~1`, not `/`.
pub fn unescape_pointer_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Removes the member or array element `pointer` designates. `Ok(false)` when it is not there;
/// an error for the whole document (`""`) or a non-numeric token under an array.
pub fn remove_pointer(doc: &mut Value, pointer: &str) -> anyhow::Result<bool> {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        bail!("the whole document cannot be removed");
    };
    let key = unescape_pointer_token(last);
    Ok(match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => map.shift_remove(&key).is_some(),
        Some(Value::Array(items)) => {
            let i: usize = key
                .parse()
                .with_context(|| format!("{key:?} is not an array index"))?;
            i < items.len() && {
                items.remove(i);
                true
            }
        }
        _ => false,
    })
}

/// The JSON pointer of a path of unescaped tokens (`["paths", "/a"]` -> `/paths/~1a`).
pub fn pointer_of(tokens: &[String]) -> String {
    tokens
        .iter()
        .map(|t| format!("/{}", escape_pointer_token(t)))
        .collect()
}

/// `""` (the whole document) reads better as `/` in messages.
pub fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_integer_keys_become_strings() {
        let doc = parse_text("responses:\n  200:\n    description: ok\n", "t").unwrap();
        assert_eq!(doc["responses"]["200"]["description"], "ok");
    }

    #[test]
    fn invalid_yaml_is_an_error_naming_the_origin() {
        let err = parse_text("a: [1, 2\n", "broken.yml").unwrap_err();
        assert!(
            format!("{err:#}").starts_with("broken.yml is not valid YAML or JSON"),
            "{err:#}"
        );
    }

    #[test]
    fn check_openapi_names_what_is_wrong() {
        let not_openapi = parse_text("name: x\n", "t").unwrap();
        assert!(
            check_openapi(&not_openapi)
                .unwrap_err()
                .to_string()
                .contains("/openapi")
        );
        let v2 = parse_text("openapi: '2.0'\ninfo: {}\npaths: {}\n", "t").unwrap();
        assert!(
            check_openapi(&v2)
                .unwrap_err()
                .to_string()
                .contains("3.0.x and 3.1.x")
        );
        let no_paths = parse_text("openapi: 3.0.3\ninfo: {}\n", "t").unwrap();
        assert!(
            check_openapi(&no_paths)
                .unwrap_err()
                .to_string()
                .contains("/paths")
        );
        let fine = parse_text("openapi: 3.1.0\ninfo: {}\npaths: {}\n", "t").unwrap();
        check_openapi(&fine).unwrap();
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = load_openapi(&Source::parse("/nonexistent/spec.yml")).unwrap_err();
        assert!(
            format!("{err:#}").contains("/nonexistent/spec.yml"),
            "{err:#}"
        );
    }

    #[test]
    fn pointer_tokens_round_trip() {
        for name in ["/api/v2/runs/{id}/", "a~b", "~1", "plain"] {
            assert_eq!(unescape_pointer_token(&escape_pointer_token(name)), name);
        }
        assert_eq!(escape_pointer_token("a/b~c"), "a~1b~0c");
        assert_eq!(unescape_pointer_token("~01"), "~1");
    }

    #[test]
    fn remove_pointer_removes_members_and_elements() {
        let mut doc = serde_json::json!({"a/b": {"x": 1}, "list": [0, 1, 2]});
        assert!(remove_pointer(&mut doc, "/a~1b/x").unwrap());
        assert!(!remove_pointer(&mut doc, "/a~1b/x").unwrap());
        assert!(remove_pointer(&mut doc, "/list/1").unwrap());
        assert!(!remove_pointer(&mut doc, "/list/7").unwrap());
        assert_eq!(doc, serde_json::json!({"a/b": {}, "list": [0, 2]}));
        assert!(remove_pointer(&mut doc, "/list/x").is_err());
        assert!(remove_pointer(&mut doc, "").is_err());
    }

    #[test]
    fn yaml_output_is_deterministic_and_keeps_key_order() {
        let doc = parse_text("b: 1\na: 2\n", "t").unwrap();
        let first = to_yaml(&doc, "# h\n").unwrap();
        assert_eq!(first, to_yaml(&doc, "# h\n").unwrap());
        assert_eq!(first, "# h\nb: 1\na: 2\n");
    }
}
