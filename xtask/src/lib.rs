//! The spec pipeline as a library, so that its steps are unit-tested and the contract tests
//! (`tests/`) can reuse the OpenAPI-to-JSON-Schema conversion. `main.rs` is only the CLI.

pub mod changelog;
pub mod commands;
pub mod document;
pub mod downconvert;
pub mod examples;
pub mod lint;
pub mod normalize;
pub mod overlay;
pub mod pipeline;
pub mod schema;
pub mod upstream_compare;
