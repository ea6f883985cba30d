//! The contract "a document that `regen` writes compiles", checked cheaply in-process.
//!
//! [`regen`] runs the steps `cargo xtask regen` runs, in memory: parse (with the YAML limits),
//! check, derive (downconvert, normalize, examples, lint; no overlay, so that a test document
//! stays what it says), and serialize with the read-back check. [`generate`] then runs
//! progenitor exactly as the build script does (`dbt-cloud-api/codegen.rs`, included below),
//! on a thread with the build script's 8 MiB stack and a time limit, and checks the Rust it
//! returns for what would stop `rustc` early: duplicate type names and types that contain
//! themselves by value (infinite size). Only `compile-client` is the real compiler; the tests
//! run it on a sample.

#![allow(dead_code)]

#[path = "../../../dbt-cloud-api/codegen.rs"]
#[allow(dead_code)]
mod codegen;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use xtask::lint::{LintConfig, Severity};

/// What `regen` does with a document.
#[derive(Debug)]
pub enum Regen {
    /// It stops with an error (a load, derive or serialize failure: the message).
    Failed(String),
    /// Lint refuses it: `(rule, pointer, message)` of each error.
    Refused(Vec<(String, String, String)>),
    /// It would write this text.
    Written(String),
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ is in the workspace")
        .to_path_buf()
}

pub fn lint_config() -> LintConfig {
    LintConfig::load(&repo_root().join("spec/lint.yml")).expect("spec/lint.yml is valid")
}

/// `regen` on `text`, in memory.
pub fn regen(text: &str, origin: &str, config: &LintConfig) -> Regen {
    let doc = match xtask::document::parse_text(text, origin) {
        Ok(doc) => doc,
        Err(e) => return Regen::Failed(format!("{e:#}")),
    };
    if let Err(e) = xtask::document::check_openapi(&doc) {
        return Regen::Failed(format!("{e:#}"));
    }
    let derived = match xtask::pipeline::derive(doc, origin, None, config) {
        Ok(derived) => derived,
        Err(e) => return Regen::Failed(format!("{e:#}")),
    };
    let errors: Vec<_> = derived
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.rule.clone(), f.pointer.clone(), f.message.clone()))
        .collect();
    if !errors.is_empty() {
        return Regen::Refused(errors);
    }
    match xtask::document::to_yaml(&derived.spec, "") {
        Ok(text) => Regen::Written(text),
        Err(e) => Regen::Failed(format!("{e:#}")),
    }
}

/// progenitor on `text` as the build script runs it, then the checks `rustc` would fail
/// first. `scratch` is where the document is written (the generator reads a file); it is
/// left behind, so a crash leaves the document that caused it.
pub fn generate(text: &str, scratch: &Path) -> Result<String, String> {
    std::fs::write(scratch, text)
        .map_err(|e| format!("cannot write {}: {e}", scratch.display()))?;
    let path = scratch.to_path_buf();
    let (send, receive) = mpsc::channel();
    std::thread::Builder::new()
        .name("progenitor".into())
        // A build script runs on the main thread: 8 MiB of stack on Linux.
        .stack_size(8 << 20)
        .spawn(move || {
            let _ = send.send(codegen::generate_client_source(
                &path,
                codegen::InnerType::Unit,
                |text| serde_norway::from_str(text).map_err(|e| e.to_string()),
            ));
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    let source = match receive.recv_timeout(Duration::from_secs(30)) {
        Ok(result) => result?,
        Err(_) => return Err("progenitor did not finish within 30 s (a hang)".into()),
    };
    check_source(&source)?;
    Ok(source)
}

/// Duplicate type names (E0428), types that hold themselves by value (E0072), and a type that
/// is only a box of itself, whose generated `From<T> for Box<T>` conflicts with std's (E0119).
pub fn check_source(source: &str) -> Result<(), String> {
    let file: syn::File = syn::parse_str(source).map_err(|e| format!("unparsable: {e}"))?;
    if let Some(name) = boxes_itself(&file) {
        return Err(format!(
            "the type {name} is only a box of itself: `impl From<{name}> for Box<{name}>` (E0119)"
        ));
    }
    let mut names = BTreeSet::new();
    let mut by_value: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // Generated types live in `pub mod types` (its own submodules, such as `builder`, are
    // separate namespaces).
    let mut items: Vec<&syn::Item> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref(),
            _ => None,
        })
        .flat_map(|(_, inner)| inner.iter())
        .collect();
    while let Some(item) = items.pop() {
        let (name, fields) = match item {
            syn::Item::Struct(s) => (s.ident.to_string(), field_types(&s.fields)),
            syn::Item::Enum(e) => (
                e.ident.to_string(),
                e.variants
                    .iter()
                    .flat_map(|v| field_types(&v.fields))
                    .collect(),
            ),
            syn::Item::Type(t) => (t.ident.to_string(), vec![(*t.ty).clone()]),
            _ => continue,
        };
        if !names.insert(name.clone()) {
            return Err(format!("the type name {name} is defined twice (E0428)"));
        }
        let held = by_value.entry(name).or_default();
        for ty in fields {
            held_by_value(&ty, held);
        }
    }
    for start in by_value.keys() {
        let mut stack: Vec<&String> = by_value[start].iter().collect();
        let mut seen = BTreeSet::new();
        while let Some(name) = stack.pop() {
            if name == start {
                return Err(format!("the type {start} contains itself by value (E0072)"));
            }
            if seen.insert(name) {
                stack.extend(by_value.get(name).into_iter().flatten());
            }
        }
    }
    Ok(())
}

/// The `T` of an `impl From<T> for Box<T>` anywhere in the file.
fn boxes_itself(file: &syn::File) -> Option<String> {
    let last_ident = |ty: &syn::Type| match ty {
        syn::Type::Path(p) => p.path.segments.last().cloned(),
        _ => None,
    };
    let mut items: Vec<&syn::Item> = file.items.iter().collect();
    while let Some(item) = items.pop() {
        match item {
            syn::Item::Mod(m) => items.extend(m.content.iter().flat_map(|(_, inner)| inner)),
            syn::Item::Impl(imp) => {
                let Some((trait_path, _)) = &imp.trait_ else {
                    continue;
                };
                let Some(from) = trait_path.segments.last().filter(|s| s.ident == "From") else {
                    continue;
                };
                let Some(boxed) = last_ident(&imp.self_ty).filter(|s| s.ident == "Box") else {
                    continue;
                };
                let first_arg = |args: &syn::PathArguments| match args {
                    syn::PathArguments::AngleBracketed(a) => a.args.first().and_then(|g| match g {
                        syn::GenericArgument::Type(t) => last_ident(t).map(|s| s.ident.to_string()),
                        _ => None,
                    }),
                    _ => None,
                };
                if let (Some(a), Some(b)) =
                    (first_arg(&from.arguments), first_arg(&boxed.arguments))
                    && a == b
                {
                    return Some(a);
                }
            }
            _ => {}
        }
    }
    None
}

fn field_types(fields: &syn::Fields) -> Vec<syn::Type> {
    fields.iter().map(|f| f.ty.clone()).collect()
}

/// The type names `ty` stores inline: through `Option` and tuples, not through `Box`, `Vec`
/// or maps (which hold their contents behind a pointer).
fn held_by_value(ty: &syn::Type, out: &mut BTreeSet<String>) {
    match ty {
        syn::Type::Path(p) => {
            let Some(last) = p.path.segments.last() else {
                return;
            };
            let name = last.ident.to_string();
            match name.as_str() {
                "Box" | "Vec" | "HashMap" | "BTreeMap" | "HashSet" | "BTreeSet" | "Arc" | "Rc" => {}
                "Option" => {
                    if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                        for arg in &args.args {
                            if let syn::GenericArgument::Type(inner) = arg {
                                held_by_value(inner, out);
                            }
                        }
                    }
                }
                _ => {
                    out.insert(name);
                }
            }
        }
        syn::Type::Tuple(t) => t.elems.iter().for_each(|e| held_by_value(e, out)),
        syn::Type::Paren(p) => held_by_value(&p.elem, out),
        _ => {}
    }
}

/// `cargo xtask compile-client` on `text`: the real compiler.
pub fn compile_client(text: &str, scratch: &Path) -> Result<(), String> {
    std::fs::write(scratch, text)
        .map_err(|e| format!("cannot write {}: {e}", scratch.display()))?;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["compile-client"])
        .arg(scratch)
        .output()
        .map_err(|e| format!("cannot run xtask: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
