//! The text output: a summary per category, then the changes grouped by operation.

use std::collections::BTreeMap;

use super::Change;

/// A summary first (per category: how many changes, how many of them breaking), then the
/// changes grouped by operation, one line each, breaking ones flagged `BREAKING`.
pub fn render_text(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "No API changes.\n".into();
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    let mut text = format!(
        "{} change(s), {breaking} breaking, {} not\n",
        changes.len(),
        changes.len() - breaking
    );
    // (breaking, not breaking) per category.
    let mut per_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for c in changes {
        let counts = per_kind.entry(&c.kind).or_default();
        if c.breaking {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    }
    let width = per_kind.keys().map(|k| k.len()).max().unwrap_or(0);
    for (kind, (breaking, other)) in &per_kind {
        text.push_str(&format!(
            "  {kind:<width$}  {breaking:>5} breaking  {other:>5} not breaking\n"
        ));
    }
    // Grouped by operation, in the order the operations first appear (path, then method).
    let mut order: Vec<&str> = Vec::new();
    let mut groups: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for c in changes {
        let group = groups.entry(&c.operation).or_default();
        if group.is_empty() {
            order.push(&c.operation);
        }
        group.push(c);
    }
    for operation in order {
        text.push_str(&format!("\n{operation}\n"));
        for c in &groups[operation] {
            let flag = if c.breaking { "BREAKING" } else { "        " };
            let detail = c
                .location
                .strip_prefix(operation)
                .map(str::trim_start)
                .filter(|d| !d.is_empty())
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            text.push_str(&format!("  {flag} {}{detail} — {}\n", c.kind, c.message));
        }
    }
    text
}
