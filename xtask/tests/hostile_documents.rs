//! Documents that once broke progenitor or the YAML reader: each is refused with an error that
//! names the shape and where, or regenerates into something progenitor generates from.
//!
//! The corpus is `tests/fixtures/hostile/*.yml`; each file says what it is and what regen must
//! do with it on its second line:
//! - `# expect: written`: regen writes it, and progenitor generates a client from it;
//! - `# expect: refused RULE POINTER`: lint refuses it with RULE at POINTER;
//! - `# expect: failed TEXT`: regen stops with an error containing TEXT.
//!
//! The YAML cases (depth, aliases, size, duplicate keys, read-back) build their documents here.

#[path = "support/contract.rs"]
mod contract;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use contract::Regen;

enum Expect {
    Written,
    Refused { rule: String, pointer: String },
    Failed(String),
}

fn corpus() -> Vec<(PathBuf, String, Expect)> {
    let dir = contract::repo_root().join("xtask/tests/fixtures/hostile");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the hostile corpus exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable");
            let line = text
                .lines()
                .find_map(|l| l.strip_prefix("# expect: "))
                .unwrap_or_else(|| panic!("{} has no `# expect:` line", path.display()));
            let expect = match line.split_once(' ') {
                None if line == "written" => Expect::Written,
                Some(("refused", rest)) => {
                    let (rule, pointer) = rest.split_once(' ').expect("RULE POINTER");
                    Expect::Refused {
                        rule: rule.into(),
                        pointer: pointer.into(),
                    }
                }
                Some(("failed", needle)) => Expect::Failed(needle.into()),
                _ => panic!("{}: unknown expectation {line:?}", path.display()),
            };
            (path, text, expect)
        })
        .collect()
}

#[test]
fn every_hostile_shape_is_refused_by_name_or_generates() {
    let config = contract::lint_config();
    let scratch = tempfile::tempdir().expect("temp dir");
    let corpus = corpus();
    assert!(corpus.len() >= 20, "the corpus lost files");
    let (mut written, mut refused) = (0, 0);
    for (path, text, expect) in &corpus {
        let name = path.file_name().unwrap().to_string_lossy();
        let outcome = contract::regen(text, &name, &config);
        match (expect, &outcome) {
            (Expect::Written, Regen::Written(derived)) => {
                let at = scratch.path().join(&*name);
                if let Err(e) = contract::generate(derived, &at) {
                    panic!("{name}: regen wrote it but progenitor fails: {e}");
                }
                written += 1;
            }
            (Expect::Refused { rule, pointer }, Regen::Refused(errors)) => {
                assert!(
                    errors
                        .iter()
                        .any(|(r, p, m)| r == rule && p == pointer && !m.is_empty()),
                    "{name}: expected {rule} at {pointer}, got {errors:#?}"
                );
                refused += 1;
            }
            (Expect::Failed(needle), Regen::Failed(message)) => {
                assert!(message.contains(needle), "{name}: {message}");
                refused += 1;
            }
            (_, other) => panic!("{name}: unexpected outcome {other:#?}"),
        }
    }
    assert!(
        written >= 5 && refused >= 5,
        "{written} written, {refused} refused"
    );
}

/// The real compiler on every written shape (slow: one cargo build each).
#[test]
#[ignore = "runs cargo build once per document; CI runs it with --ignored"]
fn every_written_hostile_shape_compiles() {
    let config = contract::lint_config();
    let scratch = tempfile::tempdir().expect("temp dir");
    for (path, text, expect) in corpus() {
        if !matches!(expect, Expect::Written) {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Regen::Written(derived) = contract::regen(&text, &name, &config) else {
            panic!("{name} was not written");
        };
        if let Err(e) = contract::compile_client(&derived, &scratch.path().join(&name)) {
            panic!("{name} does not compile:\n{e}");
        }
    }
}

fn assert_refused_quickly(text: &str, needle: &str, limit: Duration) {
    let started = Instant::now();
    let result = xtask::document::parse_text(text, "hostile.yml");
    let elapsed = started.elapsed();
    let err = format!("{:#}", result.expect_err("refused"));
    assert!(err.contains("hostile.yml") && err.contains(needle), "{err}");
    assert!(elapsed < limit, "took {elapsed:?}: {err}");
}

#[test]
fn a_hundred_thousand_nested_flow_sequences_are_refused_fast() {
    let text = format!(
        "openapi: 3.0.3\nx: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_refused_quickly(&text, "levels deep (line 2)", Duration::from_secs(2));
    let mappings = format!("x: {}1{}\n", "{a: ".repeat(50_000), "}".repeat(50_000));
    assert_refused_quickly(&mappings, "levels deep", Duration::from_secs(2));
    let compact = format!("{}x\n", "- ".repeat(100_000));
    assert_refused_quickly(&compact, "levels deep", Duration::from_secs(2));
}

/// A "billion laughs" document: 9 levels of 10 aliases each would be 10^9 nodes.
#[test]
fn an_alias_bomb_stops_at_the_expansion_budget() {
    // Padding gives serde_norway's own repetition limit (100 replays per event) room, as in a
    // real 168 KB bomb: the expansion budget must be what stops it.
    let mut text = format!("openapi: 3.0.3\npad: [{}]\n", vec!["p"; 20_000].join(", "));
    text.push_str("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let prev = format!("*l{}", level - 1);
        let list = [prev.as_str(); 10].join(", ");
        text.push_str(&format!("l{level}: &l{level} [{list}]\n"));
    }
    assert_refused_quickly(&text, "aliases repeat", Duration::from_secs(10));
    // Few nodes, long strings: the text budget stops it.
    let long = "y".repeat(100_000);
    let mut strings = format!("s0: &s0 {long}\n");
    for level in 1..6 {
        let prev = format!("*s{}", level - 1);
        let list = [prev.as_str(); 10].join(", ");
        strings.push_str(&format!("s{level}: &s{level} [{list}]\n"));
    }
    assert_refused_quickly(&strings, "too much text", Duration::from_secs(10));
}

#[test]
fn documents_over_the_size_limit_are_refused_before_reading() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("huge.yml");
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(64 << 20).expect("sparse file");
    let started = Instant::now();
    let err = xtask::document::load_file(&path).expect_err("refused");
    assert!(format!("{err:#}").contains("bytes are refused"), "{err:#}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn duplicate_keys_keep_the_last_value_and_warn_with_their_lines() {
    let text =
        "openapi: 3.0.3\npaths:\n  /old: {}\ninfo:\n  title: a\n  title: b\npaths:\n  /new: {}\n";
    let parsed = xtask::yaml::parse(text, "dup.yml", &Default::default()).expect("parses");
    assert_eq!(
        parsed.value,
        serde_json::json!({"openapi": "3.0.3", "paths": {"/new": {}}, "info": {"title": "b"}})
    );
    assert_eq!(parsed.warnings.len(), 2, "{:#?}", parsed.warnings);
    assert!(
        parsed
            .warnings
            .iter()
            .any(|w| w.contains("\"paths\"") && w.contains("lines 2, 7") && w.contains("dup.yml")),
        "{:#?}",
        parsed.warnings
    );
    assert!(
        parsed
            .warnings
            .iter()
            .any(|w| w.contains("\"title\"") && w.contains("/info") && w.contains("lines 5, 6")),
        "{:#?}",
        parsed.warnings
    );
}

/// Normalization wraps a nullable `$ref` in `allOf` (two levels deeper): on a schema already
/// at the depth limit, what regen would write could not be read back, so it is not written.
#[test]
fn regen_never_writes_what_cannot_be_read_back() {
    let config = contract::lint_config();
    let base = std::fs::read_to_string(
        contract::repo_root().join("xtask/tests/fixtures/hostile/base.yml"),
    )
    .expect("base fixture");
    // components/schemas/Thing/properties/id is at depth 5; nest objects under it.
    let mut schema = "{$ref: '#/components/schemas/Leaf', nullable: true}".to_string();
    // 5 block levels + 47 x 2 flow levels + the innermost map: exactly the limit of 100.
    for _ in 0..47 {
        schema = format!("{{type: object, properties: {{n: {schema}}}}}");
    }
    let text = base.replace(
        "        id: {type: integer}",
        &format!("        id: {schema}"),
    ) + "    Leaf: {type: string}\n";
    match contract::regen(&text, "deep.yml", &config) {
        Regen::Failed(message) => assert!(message.contains("would not read back"), "{message}"),
        Regen::Written(derived) => {
            xtask::document::parse_text(&derived, "derived").expect("what is written reads back");
        }
        Regen::Refused(errors) => panic!("{errors:#?}"),
    }
    // And the direct case: a value deeper than the reader accepts is never serialized.
    let mut deep = serde_json::json!(1);
    for _ in 0..150 {
        deep = serde_json::json!([deep]);
    }
    let err = xtask::document::to_yaml(&deep, "").expect_err("refused");
    assert!(
        format!("{err:#}").contains("would not read back"),
        "{err:#}"
    );
}
