//! A body's schema flattened into property paths (`data.run_steps[].status`), through `$ref`,
//! `allOf` and friends, each with what the client's type of it depends on.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// Bounds the flattening of a body: deep enough for any real envelope, small enough that a
/// pathological document cannot make the changelog explode.
const MAX_DEPTH: usize = 24;
const MAX_ENTRIES: usize = 20_000;

/// Follows local `$ref`s; `names` receives the component names passed through.
pub(super) fn resolve<'a>(doc: &'a Value, mut v: &'a Value, names: &mut Vec<String>) -> &'a Value {
    for _ in 0..32 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else {
            return v;
        };
        let Some(target) = r.strip_prefix('#').and_then(|p| doc.pointer(p)) else {
            return v;
        };
        names.push(r.to_string());
        v = target;
    }
    v
}

/// What one property (or the body itself) looks like, flattened.
#[derive(Debug, Default, Clone)]
pub(super) struct Prop {
    /// `integer`, `string(date-time)`, `array`, ... (empty when untyped).
    pub(super) ty: String,
    pub(super) nullable: bool,
    /// Listed in its parent's `required`.
    pub(super) required: bool,
    /// The component it is (`#/components/schemas/Run`), through `$ref` or a one-member
    /// `allOf`; `None` for an inline schema.
    pub(super) component: Option<String>,
    /// Enum values in document order, and their JSON text, for set comparisons.
    pub(super) values: Vec<Value>,
    pub(super) value_keys: BTreeSet<String>,
}

impl Prop {
    /// The type's name as a changelog line gives it.
    pub(super) fn type_name(&self) -> String {
        match (&self.component, self.ty.as_str()) {
            (Some(component), _) => component
                .rsplit('/')
                .next()
                .unwrap_or(component)
                .to_string(),
            (None, "") => "an untyped value".into(),
            (None, ty) => format!("inline {ty}"),
        }
    }
}

/// The schema type as the client's Rust type sees it: formats that change nothing are dropped.
fn client_type(ty: &str, format: Option<&str>) -> String {
    match (ty, format) {
        ("integer", Some("int64")) | ("number", Some("double")) | (_, None) => ty.to_string(),
        (ty, Some(format)) => format!("{ty}({format})"),
    }
}

pub(super) fn flatten(doc: &Value, schema: &Value) -> BTreeMap<String, Prop> {
    let mut out = BTreeMap::new();
    let mut stack = Vec::new();
    walk(doc, schema, "", true, &mut stack, &mut out, 0);
    out
}

fn walk(
    doc: &Value,
    schema: &Value,
    path: &str,
    required: bool,
    stack: &mut Vec<String>,
    out: &mut BTreeMap<String, Prop>,
    depth: usize,
) {
    if depth > MAX_DEPTH || out.len() >= MAX_ENTRIES {
        return;
    }
    let mut names = Vec::new();
    let resolved = resolve(doc, schema, &mut names);
    // The cycle guard: a component already being flattened above us is described at this
    // path but not entered again.
    let cycle = names.iter().any(|n| stack.contains(n));
    let pushed = names.len();
    let component = names.last().cloned();
    stack.extend(names);
    let entry = out.entry(path.to_string()).or_default();
    entry.required |= required;
    if schema.get("nullable") == Some(&Value::Bool(true))
        || resolved.get("nullable") == Some(&Value::Bool(true))
    {
        entry.nullable = true;
    }
    if entry.ty.is_empty()
        && let Some(t) = resolved.get("type").and_then(Value::as_str)
    {
        entry.ty = client_type(t, resolved.get("format").and_then(Value::as_str));
    }
    if entry.component.is_none() {
        entry.component = component.or_else(|| single_all_of_ref(schema));
    }
    for key in ["x-known-values", "enum"] {
        for v in resolved
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if entry.value_keys.insert(v.to_string()) {
                entry.values.push(v.clone());
            }
        }
    }
    if cycle {
        stack.truncate(stack.len() - pushed);
        return;
    }
    let required_names: Vec<&str> = resolved
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if let Some(props) = resolved.get("properties").and_then(Value::as_object) {
        for (name, sub) in props {
            let p = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            walk(
                doc,
                sub,
                &p,
                required_names.contains(&name.as_str()),
                stack,
                out,
                depth + 1,
            );
        }
    }
    if let Some(items) = resolved.get("items") {
        walk(
            doc,
            items,
            &format!("{path}[]"),
            true,
            stack,
            out,
            depth + 1,
        );
    }
    // Composition: the members describe the same value, so their properties land on this path.
    for key in ["allOf", "anyOf", "oneOf"] {
        for sub in resolved
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(doc, sub, path, required, stack, out, depth + 1);
        }
    }
    stack.truncate(stack.len() - pushed);
}

/// `allOf: [{$ref: X}]` (with siblings like `nullable`) is X: the shape normalization gives a
/// nullable reference.
fn single_all_of_ref(schema: &Value) -> Option<String> {
    match schema.get("allOf")?.as_array()?.as_slice() {
        [only] => only.get("$ref")?.as_str().map(str::to_string),
        _ => None,
    }
}

pub(super) fn display_path(path: &str) -> &str {
    if path.is_empty() { "(body)" } else { path }
}

pub(super) fn json_body<'a>(doc: &'a Value, holder: &'a Value) -> Option<&'a Value> {
    let holder = resolve(doc, holder, &mut Vec::new());
    let content = holder.get("content")?.as_object()?;
    let media = content
        .iter()
        .find(|(m, _)| {
            let m = m.to_ascii_lowercase();
            m.starts_with("application/json") || m.contains("+json")
        })
        .or_else(|| content.iter().next())?;
    media.1.get("schema")
}

pub(super) fn success_body<'a>(doc: &'a Value, op: &'a Map<String, Value>) -> Option<&'a Value> {
    let responses = op.get("responses")?.as_object()?;
    let mut codes: Vec<&String> = responses.keys().filter(|c| c.starts_with('2')).collect();
    codes.sort();
    codes
        .into_iter()
        .find_map(|c| json_body(doc, &responses[c.as_str()]))
}

/// How many properties lie under `path` in `map` (`path.x`, `path[]`, `path[].y`...).
pub(super) fn descendants(map: &BTreeMap<String, Prop>, path: &str) -> usize {
    let under = |prefix: String| {
        map.range::<str, _>((
            std::ops::Bound::Excluded(prefix.as_str()),
            std::ops::Bound::Unbounded,
        ))
        .take_while(|(k, _)| k.starts_with(&prefix))
        .filter(|(k, _)| !k.ends_with("[]"))
        .count()
    };
    // `x[]` is the items of `x`, not a property of their own; what is under them is.
    under(format!("{path}.")) + under(format!("{path}[]"))
}

/// `a.b[].c` -> `a.b[]`, `a.b`, `a` (nearest first).
pub(super) fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = path;
    std::iter::from_fn(move || {
        let cut = if let Some(stripped) = rest.strip_suffix("[]") {
            Some(stripped.len())
        } else {
            rest.rfind('.')
        }?;
        rest = &rest[..cut];
        (!rest.is_empty()).then_some(rest)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_walk_up_the_property_path() {
        let a: Vec<&str> = ancestors("data.run_steps[].status").collect();
        assert_eq!(a, vec!["data.run_steps[]", "data.run_steps", "data"]);
        assert_eq!(ancestors("data").count(), 0);
    }
}
