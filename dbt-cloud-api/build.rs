//! Generates the raw client from the derived spec (`cargo xtask regen` derives it; never edited
//! by hand) into `$OUT_DIR/generated_client.rs`.
//!
//! It reads the crate's own copy, `spec/dbt-cloud-administrative-api-openapi.json`, never a file
//! outside the package, so the crate builds the same from a registry as from this repository.
//! `cargo xtask regen` writes that copy from the workspace's
//! `spec/dbt-cloud-administrative-api-openapi.yml` (the same document, as JSON) and
//! `regen --check` verifies it. JSON because serde_json is already among progenitor's
//! dependencies: a user's first build compiles no YAML parser.

#[path = "codegen.rs"]
mod codegen;

fn main() {
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("spec/dbt-cloud-administrative-api-openapi.json");
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
            // `partial-eq` feature: PartialEq on every generated type.
            partial_eq: std::env::var_os("CARGO_FEATURE_PARTIAL_EQ").is_some(),
            parse: |text| serde_json::from_str(text).map_err(|e| e.to_string()),
        },
    );
}
