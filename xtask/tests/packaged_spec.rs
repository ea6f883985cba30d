//! The client crate's packaged copy of the derived spec (`dbt-cloud-api/spec/*.json`, what its
//! build script reads) is the derived YAML's document, as JSON, and stays so.

use std::path::{Path, PathBuf};

use xtask::commands::{PACKAGED_SPEC_FILE, SPEC_FILE};
use xtask::document::to_packaged_json;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_checked_in_copy_is_the_derived_spec_as_json() {
    let root = repo_root();
    let yaml = read(&root.join("spec").join(SPEC_FILE));
    let json = read(&root.join("dbt-cloud-api/spec").join(PACKAGED_SPEC_FILE));
    assert!(
        json == to_packaged_json(&yaml).unwrap(),
        "dbt-cloud-api/spec/{PACKAGED_SPEC_FILE} is stale: run `cargo xtask regen`"
    );
    // The same document either way, down to what progenitor reads.
    let from_yaml: openapiv3::OpenAPI = serde_norway::from_str(&yaml).unwrap();
    let from_json: openapiv3::OpenAPI = serde_json::from_str(&json).unwrap();
    assert_eq!(from_yaml, from_json);
    assert!(
        from_json.operations().count() >= 90,
        "the copy has only {} operations",
        from_json.operations().count()
    );
}

#[test]
fn the_json_keeps_key_order_and_status_codes_as_keys() {
    let yaml = "# header comment\nopenapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /b:\n    get:\n      responses:\n        200: {description: ok}\n        '404': {description: missing}\n  /a: {}\n";
    let json = to_packaged_json(yaml).unwrap();
    assert!(json.ends_with("}\n"), "{json}");
    let b = json.find("\"/b\"").unwrap();
    let a = json.find("\"/a\"").unwrap();
    assert!(b < a, "paths keep the YAML's order: {json}");
    assert!(
        json.contains("\"200\""),
        "an integer key becomes a string key: {json}"
    );
    assert!(!json.contains("header comment"));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["info"]["version"], "1");
}

#[test]
fn a_document_that_does_not_read_back_is_an_error_not_a_copy() {
    let error = to_packaged_json("openapi: [unclosed").unwrap_err();
    assert!(
        format!("{error:#}").contains("does not read back"),
        "{error:#}"
    );
}
