//! Turns the derived OpenAPI document into Rust source with progenitor.
//!
//! Shared by `build.rs` (the real client) and `xtask/spec-compile-check` (which compiles the
//! generated code alone from any document), so both generate with exactly the same settings.
//! Everything clever happens earlier, in `cargo xtask regen`; this file only reads, generates
//! and pretty-prints, and turns every failure (including a progenitor panic) into a message.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// What the generated `Client` carries besides its `reqwest::Client` and base URL.
// Each includer uses one variant, so the other one is dead code in that build script.
#[allow(dead_code)]
pub enum InnerType<'a> {
    /// No inner state: `Client::new(baseurl)`.
    Unit,
    /// A path to a type of the including crate, for example `crate::transport::Transport`.
    Path(&'a str),
}

/// A component schema of the document that the generated code names as a hand-written type
/// of the including crate instead of generating one (progenitor's `with_replacement`).
// Constructed only by includers that have hand-written types (not spec-compile-check).
#[allow(dead_code)]
pub struct Replacement<'a> {
    /// The name under `components/schemas`, for example `SecretString`.
    pub component: &'a str,
    /// The Rust path the generated code uses for it, for example `crate::SecretString`.
    pub rust_type: &'a str,
}

/// How to generate: what the client carries, and which components are hand-written types.
pub struct Options<'a> {
    /// What the generated `Client` carries.
    pub inner: InnerType<'a>,
    /// Components replaced by types of the including crate. Empty for a crate that compiles
    /// the generated code alone (`xtask/spec-compile-check`), which then gets the generated
    /// types for those components, so any document still compiles without our types.
    pub replacements: &'a [Replacement<'a>],
    /// Derive `schemars::JsonSchema` on every generated type. It is a large share of the
    /// generated code's compile time, so the client crate offers it behind a feature.
    pub json_schema: bool,
    /// Derive `PartialEq` on every generated type. Also a sizeable share of the compile time
    /// (an impl per type, checked and code-generated), so the client crate offers it behind a
    /// feature too.
    pub partial_eq: bool,
    /// Reads the document's text. Each includer brings the parser of the format it reads:
    /// the client crate's packaged copy is JSON (serde_json, already among progenitor's
    /// dependencies, so a user's build compiles no YAML parser), while the pipeline's tools read
    /// any document, YAML included.
    pub parse: Parser,
}

/// Text of a document to the document, or a message saying why not (no file name: the caller
/// adds it).
pub type Parser = fn(&str) -> Result<openapiv3::OpenAPI, String>;

/// Reads `spec_path` with `parse`, generates the client with every optional derive, and
/// returns formatted Rust source.
// Each includer uses one entry point, so the other one is dead code in that build script.
#[allow(dead_code)]
pub fn generate_client_source(
    spec_path: &Path,
    inner: InnerType<'_>,
    parse: Parser,
) -> Result<String, String> {
    generate_client_source_with(
        spec_path,
        &Options {
            inner,
            replacements: &[],
            json_schema: true,
            partial_eq: true,
            parse,
        },
    )
}

/// [`generate_client_source`] with replacements. A replacement whose component is missing
/// from the document is an error: silently generating the component instead would, for
/// `SecretString`, turn every secret back into a plain, printable `String`.
pub fn generate_client_source_with(
    spec_path: &Path,
    options: &Options<'_>,
) -> Result<String, String> {
    let text = std::fs::read_to_string(spec_path).map_err(|e| {
        format!(
            "cannot read the OpenAPI document {}: {e}",
            spec_path.display()
        )
    })?;
    let spec = (options.parse)(&text).map_err(|e| {
        format!(
            "{} is not an OpenAPI 3.0 document that openapiv3 can read: {e}",
            spec_path.display()
        )
    })?;

    let mut settings = progenitor::GenerationSettings::new();
    settings
        // The Builder interface survives new optional parameters without breaking callers.
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged);
    if options.partial_eq {
        settings.with_derive("PartialEq");
    }
    if options.json_schema {
        // Users can ask any generated type for its JSON Schema.
        settings.with_derive("schemars::JsonSchema");
    }
    for replacement in options.replacements {
        let declared = spec
            .components
            .as_ref()
            .is_some_and(|c| c.schemas.contains_key(replacement.component));
        if !declared {
            return Err(format!(
                "{} has no component schema `{}` to replace with `{}`",
                spec_path.display(),
                replacement.component,
                replacement.rust_type
            ));
        }
        settings.with_replacement(
            replacement.component,
            replacement.rust_type,
            std::iter::empty(),
        );
    }
    if let InnerType::Path(path) = options.inner {
        let tokens: proc_macro2::TokenStream = path
            .parse()
            .map_err(|e| format!("inner type `{path}` is not a Rust path: {e}"))?;
        settings.with_inner_type(tokens);
    }

    // progenitor panics on some shapes (see DESIGN.md); report them as an error naming the file.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let generated = catch_unwind(AssertUnwindSafe(|| {
        let mut generator = progenitor::Generator::new(&settings);
        generator.generate_tokens(&spec).map_err(|e| e.to_string())
    }));
    std::panic::set_hook(previous_hook);

    let tokens = match generated {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => return Err(format!("progenitor rejected {}: {e}", spec_path.display())),
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic");
            return Err(format!(
                "progenitor panicked on {} (run `cargo xtask lint` on it): {why}",
                spec_path.display()
            ));
        }
    };
    let file: syn::File = syn::parse2(tokens).map_err(|e| {
        format!(
            "progenitor produced unparsable code for {}: {e}",
            spec_path.display()
        )
    })?;
    Ok(prettyplease::unparse(&file))
}

/// The build-script entry point: generate from `spec_path` into `$OUT_DIR/{file_name}`, or stop
/// the build with one clear line.
#[allow(dead_code)]
pub fn run_build_script(spec_path: &Path, file_name: &str, inner: InnerType<'_>, parse: Parser) {
    run_build_script_with(
        spec_path,
        file_name,
        &Options {
            inner,
            replacements: &[],
            json_schema: true,
            partial_eq: true,
            parse,
        },
    );
}

/// [`run_build_script`] with [`Options`].
pub fn run_build_script_with(spec_path: &Path, file_name: &str, options: &Options<'_>) {
    println!("cargo::rerun-if-changed={}", spec_path.display());
    let result = generate_client_source_with(spec_path, options).and_then(|source| {
        let out_dir =
            std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set (not run by cargo?)")?;
        let out = Path::new(&out_dir).join(file_name);
        std::fs::write(&out, source).map_err(|e| format!("cannot write {}: {e}", out.display()))
    });
    if let Err(message) = result {
        println!("cargo::error={message}");
        std::process::exit(1);
    }
}
