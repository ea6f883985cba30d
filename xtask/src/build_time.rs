//! `cargo xtask build-time`: what a user's first build of the SDK costs, against its floor.
//!
//! The floor is the SDK's runtime dependencies alone: the packaged crate's own manifest with
//! an empty `lib.rs`, no build script and so no build-dependencies. The SDK is the packaged
//! crate exactly as a registry user gets it (no dev-dependencies). Both are built cold, each in
//! a target directory of its own, with the workspace's `Cargo.lock` so both resolve the same
//! versions; the ratio SDK / floor is what our code (generation included) adds to the price of
//! the dependencies, and the floor is what the dependencies we chose cost.
//!
//! A third build, "generator", is the floor plus the build-dependencies (progenitor and what it
//! needs) with a build script that generates nothing: it splits the SDK's cost into the code
//! generator's own build, which any progenitor-at-build-time crate pays, and what generating and
//! compiling this client adds on top.

use anyhow::Context;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::commands::Repo;
use crate::packaging::{extract, find_archive, run};

#[derive(clap::Args)]
pub struct BuildTimeArgs {
    /// Build with `--release` (default: the debug profile a first `cargo build` uses).
    #[arg(long)]
    pub release: bool,
    /// Fail when SDK / floor is above this ratio.
    #[arg(long, value_name = "RATIO")]
    pub max_ratio: Option<f64>,
}

pub fn build_time(args: BuildTimeArgs) -> anyhow::Result<ExitCode> {
    let repo = Repo::locate();
    let work =
        std::env::temp_dir().join(format!("dbt-cloud-api-build-time-{}", std::process::id()));
    let result = measure(&repo, &work, &args);
    if std::fs::remove_dir_all(&work).is_err() {
        eprintln!("note: could not remove {}", work.display());
    }
    let Timings {
        floor,
        generator,
        sdk,
    } = result?;
    let over_floor = |t: Duration| t.as_secs_f64() / floor.as_secs_f64().max(f64::EPSILON);
    let ratio = over_floor(sdk);
    println!(
        "floor     (runtime dependencies, empty lib.rs)         : {:.1} s",
        floor.as_secs_f64()
    );
    println!(
        "generator (floor + build-dependencies, nothing generated): {:.1} s",
        generator.as_secs_f64()
    );
    println!(
        "sdk       (dbt-cloud-api as packaged)                   : {:.1} s",
        sdk.as_secs_f64()
    );
    println!(
        "ratio generator / floor                                 : {:.2}x",
        over_floor(generator)
    );
    println!("ratio sdk / floor                                       : {ratio:.2}x");
    match args.max_ratio {
        Some(max) if ratio > max => {
            eprintln!("error: the SDK's build costs {ratio:.2}x its floor, above {max:.2}x");
            Ok(ExitCode::FAILURE)
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Cold build times of the three crates.
struct Timings {
    floor: Duration,
    generator: Duration,
    sdk: Duration,
}

fn measure(repo: &Repo, work: &Path, args: &BuildTimeArgs) -> anyhow::Result<Timings> {
    println!("== packaging dbt-cloud-api (no verification: only its files are needed)");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    run(Command::new(&cargo)
        .args([
            "package",
            "--quiet",
            "--no-verify",
            "--allow-dirty",
            "-p",
            "dbt-cloud-api",
        ])
        .current_dir(&repo.root))?;
    let archive = find_archive(&repo.root.join("target/package"), "dbt-cloud-api")?;

    let sdk_dir = extract(&archive, &work.join("sdk"))?;
    let floor_dir = extract(&archive, &work.join("floor"))?;
    let generator_dir = extract(&archive, &work.join("generator"))?;
    make_floor(&floor_dir, BuildDependencies::Drop)?;
    make_floor(&generator_dir, BuildDependencies::Keep)?;
    for dir in [&sdk_dir, &floor_dir, &generator_dir] {
        std::fs::copy(repo.root.join("Cargo.lock"), dir.join("Cargo.lock"))
            .context("cannot copy the workspace's Cargo.lock")?;
    }

    let build = |dir: &Path, what: &str| -> anyhow::Result<Duration> {
        println!("== cold build: {what}");
        let mut command = Command::new(&cargo);
        command
            .args(["build", "--quiet", "--target-dir"])
            .arg(dir.join("target"))
            .current_dir(dir)
            .stdout(Stdio::null());
        if args.release {
            command.arg("--release");
        }
        let started = Instant::now();
        run(&mut command)?;
        Ok(started.elapsed())
    };
    let floor = build(&floor_dir, "floor")?;
    let generator = build(&generator_dir, "generator")?;
    let sdk = build(&sdk_dir, "sdk")?;
    Ok(Timings {
        floor,
        generator,
        sdk,
    })
}

/// Whether a floor keeps the SDK's build-dependencies (with a build script that uses none).
#[derive(Clone, Copy, PartialEq)]
enum BuildDependencies {
    Drop,
    Keep,
}

/// Turns an extracted copy of the SDK into a floor: same `[dependencies]` and features, empty
/// `lib.rs`; without build-dependencies and build script, or with both but a build script that
/// does nothing (cargo still builds every build-dependency before running it).
fn make_floor(dir: &Path, build_dependencies: BuildDependencies) -> anyhow::Result<()> {
    let manifest_path = dir.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    let mut kept = Vec::new();
    let mut in_build_dependencies = false;
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_build_dependencies = trimmed.starts_with("[build-dependencies");
        }
        let build_part = in_build_dependencies || trimmed.starts_with("build =");
        if build_part && build_dependencies == BuildDependencies::Drop {
            continue;
        }
        kept.push(line);
    }
    std::fs::write(&manifest_path, kept.join("\n") + "\n")?;
    match build_dependencies {
        BuildDependencies::Drop => {
            std::fs::remove_file(dir.join("build.rs")).ok();
        }
        BuildDependencies::Keep => std::fs::write(
            dir.join("build.rs"),
            "//! Builds the build-dependencies, generates nothing.\nfn main() {}\n",
        )?,
    }
    std::fs::remove_dir_all(dir.join("src")).context("cannot clear the floor's src/")?;
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("src/lib.rs"),
        "//! The floor: dependencies only.\n",
    )?;
    Ok(())
}
