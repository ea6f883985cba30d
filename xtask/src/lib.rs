//! The spec pipeline as a library, so that its steps are unit-tested and the contract tests
//! (`tests/`) can reuse the OpenAPI-to-JSON-Schema conversion. `main.rs` is only the CLI.
//!
//! `cargo xtask regen` ([`commands::regen`]) derives `spec/dbt-cloud-administrative-api-openapi.yml`
//! (what `dbt-cloud-api/build.rs` compiles) from dbt's document in `spec/upstream/` and
//! `spec/overlay.yml`. [`pipeline::derive`] runs the steps in memory, in this order:
//!
//! 1. [`document`]: load YAML or JSON (file or URL) and check it is OpenAPI 3.0/3.1.
//! 2. [`downconvert`]: every 3.1 construct rewritten as 3.0.3, whatever the version label says.
//! 3. [`normalize`]: the canonical shape progenitor compiles and dbt can extend without
//!    breaking the client (its module docs describe that shape), with stable names.
//! 4. [`examples`]: examples and defaults their own schema rejects are dropped.
//! 5. [`overlay`]: `spec/overlay.yml` (Overlay 1.0) applied, then [`normalize`] again, so the
//!    overlay can be written against the canonical shape and stay small, and [`examples`]
//!    again, for upstream examples the overlay's schemas reject.
//! 6. [`lint`]: Spectral's `oas` rules and the codegen rules, a registry of rule families;
//!    errors stop `regen`.
//!
//! `regen` then writes the derived spec (same input, same bytes; `--check` only compares) and
//! prints the [`changelog`] against the previous one. The other commands reuse these steps:
//! `lint` alone on any document, `changelog` across upstream snapshots, `compile-client`
//! (progenitor on any document, without the hand-written client), and `compare-upstream`
//! ([`upstream_compare`]: every response property of ours must be in dbt's document).
//!
//! Shared by the steps: [`document`] (JSON-pointer helpers), [`openapi`] (HTTP methods, the
//! operations of a document, media types) and [`schema`] (OpenAPI Schema Objects validated as
//! JSON Schema, for examples, lint and the contract tests).

pub mod build_time;
pub mod changelog;
pub mod commands;
pub mod document;
pub mod downconvert;
pub mod examples;
pub mod lint;
pub mod normalize;
pub mod openapi;
pub mod overlay;
pub mod packaging;
pub mod pipeline;
pub mod schema;
pub mod upstream_compare;
pub mod yaml;
