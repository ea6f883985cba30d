//! `cargo xtask`: the maintenance commands of this repository, in plain Rust.
//!
//! The spec pipeline turns dbt's API description (`spec/upstream/`) into the document that
//! `dbt-cloud-api/build.rs` compiles (`spec/dbt-cloud-administrative-api-openapi.yml`):
//!
//! ```text
//! upstream -> downconvert (3.1 -> 3.0.3) -> normalize -> drop invalid examples
//!          -> overlay -> normalize again -> lint -> write + changelog
//! ```
//!
//! The steps live in the `xtask` library (see its crate docs); this file only parses arguments
//! and turns an error into one line on stderr and a failing exit code.

use clap::{Parser, Subcommand};
use xtask::commands;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Maintenance tasks for dbt-cloud-api")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Derive spec/dbt-cloud-administrative-api-openapi.yml from upstream + spec/overlay.yml.
    Regen(commands::RegenArgs),
    /// Lint an OpenAPI document (default: the derived spec) with the pipeline's rules.
    Lint(commands::LintArgs),
    /// Print the changelog between consecutive upstream documents (oldest first).
    Changelog(commands::ChangelogArgs),
    /// Compile the client progenitor generates from any OpenAPI 3.0 document, alone.
    CompileClient(commands::CompileClientArgs),
    /// Check every response property of the derived spec against dbt's published document.
    CompareUpstream(commands::CompareUpstreamArgs),
    /// Package the published crates, dry-run publish them, and use them from a scratch crate.
    PackageCheck(xtask::packaging::PackageCheckArgs),
    /// Time a cold build of the SDK against the floor of its dependencies.
    BuildTime(xtask::build_time::BuildTimeArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Regen(args) => commands::regen(args),
        Command::Lint(args) => commands::lint(args),
        Command::Changelog(args) => commands::changelog(args),
        Command::CompileClient(args) => commands::compile_client(args),
        Command::CompareUpstream(args) => commands::compare_upstream(args),
        Command::PackageCheck(args) => xtask::packaging::package_check(args),
        Command::BuildTime(args) => xtask::build_time::build_time(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            // `{:#}` prints the whole context chain on one line: what failed, and where.
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
