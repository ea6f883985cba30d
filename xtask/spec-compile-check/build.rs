//! Generates a client from the document named by `SPEC_COMPILE_CHECK_SPEC` with exactly the
//! settings of `dbt-cloud-api/build.rs` (the same `codegen.rs`), but without the hand-written
//! layer, so that any document can be checked. Run through `cargo xtask compile-client`.

#[path = "../../dbt-cloud-api/codegen.rs"]
mod codegen;

fn main() {
    println!("cargo::rerun-if-env-changed=SPEC_COMPILE_CHECK_SPEC");
    let spec = match std::env::var_os("SPEC_COMPILE_CHECK_SPEC") {
        Some(path) => std::path::PathBuf::from(path),
        // Default: the checked-in derived spec, so a plain `cargo build --workspace` works.
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../spec/dbt-cloud-administrative-api-openapi.yml"),
    };
    // Any document, YAML or JSON: YAML is a superset of JSON, so one parser reads both.
    codegen::run_build_script(&spec, "client.rs", codegen::InnerType::Unit, |text| {
        serde_norway::from_str(text).map_err(|e| e.to_string())
    });
}
