//! YAML (or JSON) text to a JSON value in bounded time and memory, tolerating duplicate keys.
//!
//! A hostile or broken document must get a clear error quickly, not a 71 s parse or a 2 GB
//! expansion. So, before parsing: a size limit, and a nesting depth read off the text by
//! [`nesting`] (the YAML reader is quadratic in flow nesting, and only checks its own depth
//! limit after reading every event). While parsing: the value is built by our own serde
//! visitor, which counts every node and every scalar byte it creates, so aliases that expand a
//! small text into millions of nodes (a "billion laughs" document) stop at a budget
//! proportional to the text.
//!
//! Duplicate mapping keys are not an error: like PyYAML (which dbt's tools use), the last
//! value wins, at the position of the first; each duplicate is reported as a warning naming
//! the key, where it is, and its lines ([`nesting::key_lines`]).

pub mod build;
pub mod nesting;

use serde_json::Value;

/// How big and how deep a document may be.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Text size in bytes. dbt's largest published document is under 1 MB.
    pub max_bytes: usize,
    /// Nesting of collections. The YAML reader refuses more than 128 anyway (after reading
    /// the whole text); refusing earlier keeps the time linear and the message clear.
    pub max_depth: usize,
    /// Nodes built, as a multiple of the text size plus a floor: a document without aliases
    /// has fewer nodes than bytes, so only alias expansion reaches this.
    pub nodes_per_byte: usize,
    /// Scalar bytes built, as a multiple of the text size plus a floor (aliases of long
    /// strings).
    pub scalar_bytes_per_byte: usize,
    pub floor: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 32 << 20,
            max_depth: 100,
            nodes_per_byte: 4,
            scalar_bytes_per_byte: 4,
            floor: 1 << 18,
        }
    }
}

/// The value, and one warning per duplicate key.
#[derive(Debug)]
pub struct Parsed {
    pub value: Value,
    pub warnings: Vec<String>,
}

/// Parses `text` (named `origin` in messages) within `limits`.
pub fn parse(text: &str, origin: &str, limits: &Limits) -> anyhow::Result<Parsed> {
    if text.len() > limits.max_bytes {
        anyhow::bail!(
            "{origin} is {} bytes; documents over {} bytes are refused",
            text.len(),
            limits.max_bytes
        );
    }
    if let Some(deep) = nesting::first_too_deep(text, limits.max_depth) {
        anyhow::bail!(
            "{origin} nests collections more than {} levels deep (line {}); refused before parsing",
            limits.max_depth,
            deep.line
        );
    }
    let budget = build::Budget::new(
        limits.floor + text.len().saturating_mul(limits.nodes_per_byte),
        limits.floor + text.len().saturating_mul(limits.scalar_bytes_per_byte),
        limits.max_depth,
    );
    let built = build::from_str(text, &budget)
        .map_err(|e| anyhow::anyhow!("{origin} is not valid YAML or JSON: {e}"))?;
    let warnings = built
        .duplicates
        .iter()
        .map(|dup| {
            let lines = nesting::key_lines(text, &dup.parent, &dup.key);
            let at = match lines.as_slice() {
                [] => String::new(),
                [one] => format!(" (line {one})"),
                many => format!(
                    " (lines {})",
                    many.iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            format!(
                "{origin}: duplicate key {:?} in the mapping at {}{at}: the last value is kept, as PyYAML does",
                dup.key,
                crate::document::display_pointer(&crate::document::pointer_of(&dup.parent)),
            )
        })
        .collect();
    Ok(Parsed {
        value: built.value,
        warnings,
    })
}
