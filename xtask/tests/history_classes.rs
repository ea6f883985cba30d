//! Each shape of dbt's published history that broke `regen` or the generated client (issue 11),
//! through the whole pipeline: `regen --from tests/fixtures/history/every-class.yml --out DIR`
//! must succeed, and the derived spec must hold the normalized shape of each class. CI
//! (`.ci/run`) also runs `compile-client` on that derived spec, so every class is shown to
//! compile (one compile for all of them: it is the slow part).

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use xtask::lint::{LintConfig, Severity, lint};

struct Derived {
    spec: Value,
    /// What regen printed: its notes, findings and summary.
    stderr: String,
}

fn regen_every_class() -> Derived {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/history/every-class.yml");
    let out = tempfile::tempdir().expect("temporary directory");
    let run = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["regen", "--from"])
        .arg(&fixture)
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("xtask runs");
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "regen failed:\n{stderr}");
    let text = std::fs::read_to_string(out.path().join("dbt-cloud-administrative-api-openapi.yml"))
        .expect("regen wrote the derived spec");
    let spec = serde_norway::from_str(&text).expect("the derived spec is YAML");
    Derived { spec, stderr }
}

fn schema<'a>(spec: &'a Value, name: &str) -> &'a Value {
    &spec["components"]["schemas"][name]
}

#[test]
fn every_class_regenerates_and_the_result_lints_clean() {
    let derived = regen_every_class();
    let config = LintConfig::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/lint.yml"))
        .expect("spec/lint.yml loads");
    let errors: Vec<_> = lint(&derived.spec, &config)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let spec = &derived.spec;
    let stderr = &derived.stderr;

    // `info.contact` as a string: a Contact object with the address as its email.
    assert_eq!(
        spec["info"]["contact"],
        json!({"email": "support@example.org"})
    );

    // `required: []`: nothing is required, so there is no `required`.
    let widget = schema(spec, "Widget");
    assert!(widget.get("required").is_none(), "{widget:#}");

    // Python patterns: named groups and back-references translated...
    assert_eq!(
        widget["properties"]["repo"]["pattern"],
        r"^(?<owner>[a-z]+)/(?<name>[a-z]+)\k<name>?$"
    );
    // ... an inline flag the client cannot check dropped, with a warning naming the pointer.
    assert!(widget["properties"]["slug"].get("pattern").is_none());
    assert!(
        stderr.contains("warning: /components/schemas/Widget/properties/slug/pattern dropped"),
        "{stderr}"
    );

    // A null example: kept where the schema is nullable, dropped with a note where not.
    assert_eq!(widget["properties"]["note"]["example"], Value::Null);
    assert!(widget["properties"]["note"].get("example").is_some());
    assert!(widget["properties"]["count"].get("example").is_none());
    assert!(
        stderr.contains("removed invalid /components/schemas/Widget/properties/count/example"),
        "{stderr}"
    );

    // An upstream example the overlay's `Job` rejects (its id is an integer there): dropped
    // after the overlay, with a note.
    assert!(schema(spec, "Job").get("example").is_none());
    assert!(
        stderr.contains("after the overlay: removed invalid /components/schemas/Job/example"),
        "{stderr}"
    );

    // Upstream's inline `Job.schedule`, merged with the overlay's `allOf: [JobSchedule]`, would
    // be typed `JobSchedule` like the component: it moves to a component of its own.
    assert_eq!(
        schema(spec, "Job")["properties"]["schedule"]["allOf"],
        json!([{"$ref": "#/components/schemas/JobSchedule2"}])
    );
    assert_eq!(
        schema(spec, "JobSchedule2")["allOf"],
        json!([{"$ref": "#/components/schemas/JobSchedule"}])
    );
    assert!(
        schema(spec, "JobSchedule")["properties"]
            .get("cron")
            .is_some()
    );
}
