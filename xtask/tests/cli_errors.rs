//! Malformed input gives a one-line error naming the problem and where, a non-zero exit, no
//! panic, and leaves the checked-in files untouched.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs")
}

/// The checked-in pipeline files, to prove a failed run did not touch them.
fn checked_in_files() -> Vec<(PathBuf, Vec<u8>)> {
    let root = repo_root();
    [
        "spec/upstream/dbt-cloud-administrative-api-openapi.yml",
        "spec/dbt-cloud-administrative-api-openapi.yml",
        "spec/overlay.yml",
    ]
    .iter()
    .map(|p| {
        let path = root.join(p);
        let bytes = std::fs::read(&path).unwrap_or_default();
        (path, bytes)
    })
    .collect()
}

/// Runs `regen --from <input>` (writing into the repository on success!) and checks it failed
/// cleanly: non-zero exit, no panic, one `error:` line that contains `expected`, files untouched.
fn assert_regen_fails_cleanly(from: &str, expected: &[&str]) {
    assert_fails_cleanly(&["regen", "--from", from], expected);
}

fn assert_fails_cleanly(args: &[&str], expected: &[&str]) {
    let before = checked_in_files();
    let out = xtask(args);
    let from = args.join(" ");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "xtask {from} succeeded:\n{stderr}");
    assert!(!stderr.contains("panicked"), "regen panicked:\n{stderr}");
    let error_lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        error_lines.len(),
        1,
        "expected one error line, got:\n{stderr}"
    );
    for needle in expected {
        assert!(
            stderr.contains(needle),
            "stderr lacks {needle:?}:\n{stderr}"
        );
    }
    for (path, bytes) in before {
        assert_eq!(
            std::fs::read(&path).unwrap_or_default(),
            bytes,
            "{} was modified",
            path.display()
        );
    }
}

fn write_temp(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn not_yaml_is_rejected_with_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_temp(&dir, "broken.yml", "openapi: 3.1.0\npaths: [unclosed\n");
    assert_regen_fails_cleanly(&file, &["broken.yml", "not valid YAML"]);
}

#[test]
fn not_openapi_is_rejected_naming_the_missing_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_temp(&dir, "pets.yml", "name: pets\nversion: 1\n");
    assert_regen_fails_cleanly(&file, &["pets.yml", "/openapi"]);
}

#[test]
fn dangling_ref_is_rejected_naming_the_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_temp(
        &dir,
        "dangling.yml",
        r##"openapi: 3.0.3
info: {title: t, version: "1", description: d, contact: {name: n}}
tags: [{name: Runs, description: runs}]
paths:
  /api/v2/runs/:
    get:
      operationId: listRuns
      description: d
      tags: [Runs]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Nowhere"}
"##,
    );
    assert_regen_fails_cleanly(&file, &["#/components/schemas/Nowhere"]);
}

#[test]
fn missing_file_is_rejected_with_its_path() {
    assert_regen_fails_cleanly("/nonexistent/dir/spec.yml", &["/nonexistent/dir/spec.yml"]);
}

#[test]
fn unreachable_url_is_rejected_with_the_url() {
    // Port 9 (discard) on loopback: nothing listens there, so the connection is refused at once.
    assert_regen_fails_cleanly(
        "http://127.0.0.1:9/openapi.yml",
        &["http://127.0.0.1:9/openapi.yml"],
    );
}

#[test]
fn lint_of_a_missing_file_names_it() {
    let out = xtask(&["lint", "/nonexistent/x.yml"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: cannot read /nonexistent/x.yml"),
        "{stderr}"
    );
}

#[test]
fn overlay_with_a_bad_jsonpath_names_the_action() {
    let dir = tempfile::tempdir().unwrap();
    let overlay = write_temp(
        &dir,
        "bad-overlay.yml",
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: \"$.paths[\"\n    remove: true\n",
    );
    let out_dir = dir.path().join("out").display().to_string();
    assert_fails_cleanly(
        &["regen", "--overlay", &overlay, "--out", &out_dir],
        &["bad-overlay.yml", "/actions/0", "JSONPath"],
    );
    assert!(
        !dir.path().join("out").exists(),
        "a failed regen wrote into --out"
    );
}
