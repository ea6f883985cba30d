//! Generates the raw client from `spec/dbt-cloud-administrative-api-openapi.yml` (derived by
//! `cargo xtask regen`; never edited by hand) into `$OUT_DIR/generated_client.rs`.
//!
//! It reads the crate's own copy (`dbt-cloud-api/spec/`), never a file outside the package, so
//! the crate builds the same from a registry as from this repository; `cargo xtask regen` keeps
//! the copy byte-identical to the workspace's `spec/` and `regen --check` verifies it.

#[path = "codegen.rs"]
mod codegen;

fn main() {
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("spec/dbt-cloud-administrative-api-openapi.yml");
    codegen::run_build_script_with(
        &spec,
        "generated_client.rs",
        &codegen::Options {
            inner: codegen::InnerType::Path("crate::transport::Transport"),
            // Every secret field of the spec is a `SecretString` component: generate it as our
            // type, whose Debug and Display are redacted.
            replacements: &[codegen::Replacement {
                component: "SecretString",
                rust_type: "crate::SecretString",
            }],
            // `json-schema` feature: JsonSchema on every generated type (costly to compile).
            json_schema: std::env::var_os("CARGO_FEATURE_JSON_SCHEMA").is_some(),
        },
    );
}
