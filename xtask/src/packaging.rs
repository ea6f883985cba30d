//! `cargo xtask package-check`: prove that users can depend on the published crates.
//!
//! A `path` dependency on the repository hides every packaging mistake (a build script that
//! reads outside its package, a file left out of `include`, a dependency on something
//! unpublished), so this check uses the packaged files alone:
//!
//! 1. `cargo package` for `dbt-cloud-api` and `dbt-cloud-mock`, with cargo's own verification
//!    build (each crate compiled from its extracted `.crate`);
//! 2. `cargo publish --dry-run` for both (what a registry upload would check);
//! 3. the `.crate` archives extracted into a scratch directory outside the workspace, and a
//!    scratch crate depending on those extracted copies (never on the repository) built, its
//!    program run and its test run: both talk to the in-process mock on 127.0.0.1.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::commands::Repo;

/// The crates users depend on, in publication order (the SDK does not need the mock).
const PUBLISHED: [&str; 2] = ["dbt-cloud-api", "dbt-cloud-mock"];

#[derive(clap::Args)]
pub struct PackageCheckArgs {
    /// Allow uncommitted changes (cargo refuses to package a dirty tree otherwise).
    #[arg(long)]
    pub allow_dirty: bool,
    /// Where to build the scratch crate (default: a new directory under the system temp dir).
    #[arg(long, value_name = "DIR")]
    pub scratch: Option<PathBuf>,
}

pub fn package_check(args: PackageCheckArgs) -> anyhow::Result<ExitCode> {
    let repo = Repo::locate();
    let dirty: &[&str] = if args.allow_dirty {
        &["--allow-dirty"]
    } else {
        &[]
    };
    let packages: Vec<&str> = PUBLISHED.iter().flat_map(|p| ["-p", *p]).collect();

    step("cargo package (with verification)");
    cargo(
        &repo.root,
        &[&["package"], packages.as_slice(), dirty].concat(),
    )?;
    for crate_name in PUBLISHED {
        step(&format!("cargo publish --dry-run -p {crate_name}"));
        cargo(
            &repo.root,
            &[&["publish", "--dry-run", "-p", crate_name], dirty].concat(),
        )?;
    }

    let scratch = match args.scratch {
        Some(dir) => dir,
        None => std::env::temp_dir().join(format!("dbt-cloud-api-scratch-{}", std::process::id())),
    };
    if scratch.starts_with(&repo.root) {
        bail!(
            "the scratch directory {} is inside the workspace: cargo would treat it as a member; pick one outside",
            scratch.display()
        );
    }
    let extracted = scratch.join("packages");
    std::fs::create_dir_all(&extracted)
        .with_context(|| format!("cannot create {}", extracted.display()))?;
    let mut dirs = Vec::new();
    for crate_name in PUBLISHED {
        let archive = find_archive(&repo.root.join("target/package"), crate_name)?;
        dirs.push(extract(&archive, &extracted)?);
    }

    step("scratch crate outside the workspace, on the extracted packages only");
    let user = scratch.join("user-crate");
    write_scratch_crate(&user, &dirs[0], &dirs[1])?;
    // The workspace's lock file pins the same dependency versions, so the dependencies the
    // verification builds compiled are reused instead of resolving (and compiling) newer ones.
    std::fs::copy(repo.root.join("Cargo.lock"), user.join("Cargo.lock"))
        .context("cannot copy Cargo.lock into the scratch crate")?;
    // cargo's verification builds compiled the packages' dependencies into the workspace's
    // target directory; building the scratch crate there reuses them (same lock, same features).
    let target = repo.root.join("target");
    let target_arg = target.display().to_string();
    cargo(
        &user,
        &[
            "run",
            "--quiet",
            "--example",
            "against_mock",
            "--target-dir",
            &target_arg,
        ],
    )?;
    cargo(&user, &["test", "--quiet", "--target-dir", &target_arg])?;
    println!(
        "package-check: both crates packaged, verified, dry-run published, and used from {}",
        extracted.display()
    );
    if std::fs::remove_dir_all(&scratch).is_err() {
        eprintln!("note: could not remove {}", scratch.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn step(what: &str) {
    println!("== {what}");
}

fn cargo(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    run(Command::new(cargo).args(args).current_dir(dir))
        .with_context(|| format!("`cargo {}` in {} failed", args.join(" "), dir.display()))
}

pub(crate) fn run(command: &mut Command) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("cannot start {:?}", command.get_program()))?;
    if !status.success() {
        bail!("{:?} exited with {status}", command.get_program());
    }
    Ok(())
}

/// Extracts a `.crate` archive (a gzipped tar) under `into`; returns the package's directory.
pub(crate) fn extract(archive: &Path, into: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(into).with_context(|| format!("cannot create {}", into.display()))?;
    run(Command::new("tar")
        .arg("xzf")
        .arg(archive)
        .arg("-C")
        .arg(into))
    .with_context(|| format!("cannot extract {}", archive.display()))?;
    let stem = archive
        .file_stem()
        .and_then(|s| s.to_str())
        .context("archive name is not UTF-8")?;
    Ok(into.join(stem))
}

/// The newest `.crate` of `crate_name` under `target/package` (there is one per version).
pub(crate) fn find_archive(dir: &Path, crate_name: &str) -> anyhow::Result<PathBuf> {
    let prefix = format!("{crate_name}-");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension().is_some_and(|e| e == "crate")
                && path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_prefix(&prefix))
                    // `dbt-cloud-api-` must not also match `dbt-cloud-api-extras-0.1.0`.
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .collect();
    found.sort();
    found
        .pop()
        .with_context(|| format!("no {crate_name}-*.crate in {}", dir.display()))
}

fn write_scratch_crate(dir: &Path, sdk: &Path, mock: &Path) -> anyhow::Result<()> {
    let manifest = format!(
        r#"[package]
name = "dbt-cloud-api-user"
version = "0.0.0"
edition = "2024"
publish = false

# Not part of any workspace above it.
[workspace]

[dependencies]
dbt-cloud-api = {{ path = "{sdk}" }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}

# As the README tells users: the mock is a dev-dependency of their tests and examples.
[dev-dependencies]
dbt-cloud-mock = {{ path = "{mock}" }}
"#,
        sdk = sdk.display(),
        mock = mock.display()
    );
    let files = [
        ("Cargo.toml", manifest.as_str()),
        ("src/lib.rs", SCRATCH_LIB),
        ("examples/against_mock.rs", SCRATCH_MAIN),
        ("tests/against_mock.rs", SCRATCH_TEST),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// A user's library, so the package has a target besides the example and the test.
const SCRATCH_LIB: &str = "//! A user of dbt-cloud-api.\n";

/// A user's program (an example, so it may use the mock dev-dependency): the SDK against
/// the mock, from the packaged crates.
const SCRATCH_MAIN: &str = r#"use dbt_cloud_api::{Config, TriggerOptions, WaitOptions};
use dbt_cloud_mock::{MockDbtCloud, demo_ids};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockDbtCloud::builder().token("scratch-token").real_time(50.0).start().await?;
    let dbt = Config::builder()
        .token(mock.token())
        .host(mock.base_url())
        .account_id(mock.account_id())
        .build()?
        .client()?;
    let run = dbt
        .trigger_and_wait(demo_ids::DAILY_JOB, TriggerOptions::new("scratch crate"), WaitOptions::default())
        .await?;
    println!("run {} of job {} ended with status {:?}", run.id, demo_ids::DAILY_JOB, run.status);
    mock.shutdown().await;
    Ok(())
}
"#;

/// A user's test: the mock as a dev-dependency, the SDK's typed results.
const SCRATCH_TEST: &str = r#"use dbt_cloud_api::{Config, Error, TriggerOptions, WaitOptions};
use dbt_cloud_mock::{JobScript, MockDbtCloud, demo_ids};

#[tokio::test]
async fn a_failing_job_is_an_error_with_the_run() {
    let mock = MockDbtCloud::builder().token("scratch-token").real_time(50.0).start().await.unwrap();
    mock.script_job(demo_ids::HOURLY_JOB, JobScript::error());
    let dbt = Config::builder()
        .token(mock.token())
        .host(mock.base_url())
        .account_id(mock.account_id())
        .build()
        .unwrap()
        .client()
        .unwrap();
    let outcome = dbt
        .trigger_and_wait(demo_ids::HOURLY_JOB, TriggerOptions::new("scratch test"), WaitOptions::default())
        .await;
    match outcome {
        Err(Error::RunFailed { run_id, .. }) => assert!(run_id > 0),
        other => panic!("expected RunFailed, got {other:?}"),
    }
    mock.shutdown().await;
}
"#;
