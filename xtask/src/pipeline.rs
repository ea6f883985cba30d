//! The derivation itself, in memory: upstream document in, derived document out.
//!
//! Nothing here touches the file system, so `regen`, `regen --check` and the tests all run
//! exactly the same steps.

use crate::lint::{Finding, LintConfig, Severity};
use crate::overlay::OverlayReport;
use crate::{downconvert, lint, normalize, overlay};
use anyhow::Context;
use serde_json::Value;

/// The overlay to apply, with the name used in messages.
pub struct Overlay<'a> {
    pub document: &'a Value,
    pub origin: &'a str,
}

/// The result of deriving one document.
pub struct Derived {
    pub spec: Value,
    /// What downconvert and normalize rewrote, one line per kind of rewrite.
    pub notes: Vec<String>,
    pub overlay: OverlayReport,
    pub findings: Vec<Finding>,
}

impl Derived {
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }
}

/// Turns any OpenAPI 3.0/3.1 document into the 3.0.3 shape progenitor compiles, without an
/// overlay: what `changelog` compares and what the stable-name tests derive.
pub fn normalize_upstream(mut doc: Value, origin: &str) -> anyhow::Result<(Value, Vec<String>)> {
    let mut notes = downconvert::to_openapi_30(&mut doc)
        .with_context(|| format!("cannot convert {origin} to OpenAPI 3.0.3"))?;
    notes.extend(
        normalize::normalize(&mut doc).with_context(|| format!("cannot normalize {origin}"))?,
    );
    notes.extend(crate::examples::drop_invalid_examples(&mut doc));
    Ok((doc, notes))
}

/// downconvert -> normalize -> overlay -> normalize again -> lint. Lint errors are returned in
/// `findings`; the caller decides to stop (regen does).
///
/// Examples are checked again after the overlay, since its schemas may reject upstream ones.
/// Normalizing again after the overlay (normalize is idempotent) keeps the overlay small and
/// safe on any upstream: an update merged into dbt's `{$ref}` becomes `allOf` + siblings, tags
/// the overlay's operations use are declared, and when the overlay adds a v2 operation whose
/// name an upstream v3 operation already had, the v2 one keeps it.
pub fn derive(
    upstream: Value,
    origin: &str,
    overlay: Option<Overlay<'_>>,
    lint_config: &LintConfig,
) -> anyhow::Result<Derived> {
    let (mut spec, notes) = normalize_upstream(upstream, origin)?;
    let mut notes = notes;
    let overlay_report = match overlay {
        Some(o) => {
            let report = overlay::apply(&mut spec, o.document, o.origin)?;
            let after = normalize::normalize(&mut spec).with_context(|| {
                format!("cannot normalize {origin} after applying {}", o.origin)
            })?;
            notes.extend(after.into_iter().map(|n| format!("after the overlay: {n}")));
            // An upstream example the overlay's schema no longer accepts (dbt's `Job` example
            // merged with our `Job`) is dropped like any other invalid example.
            let dropped = crate::examples::drop_invalid_examples(&mut spec);
            notes.extend(
                dropped
                    .into_iter()
                    .map(|n| format!("after the overlay: {n}")),
            );
            report
        }
        None => OverlayReport::default(),
    };
    let findings = lint::lint(&spec, lint_config);
    Ok(Derived {
        spec,
        notes,
        overlay: overlay_report,
        findings,
    })
}
