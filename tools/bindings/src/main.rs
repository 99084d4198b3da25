//! `cargo run -p corobridge-bindings [-- --bless]`: regenerates every committed bindgen
//! output of the workspace from its plain C header and fails if a committed file differs
//! (`--bless` overwrites them instead). Needs libclang at run time.
//!
//! The outputs are committed so that building corobridge needs no libclang; this tool,
//! which `.ci/run` runs where libclang is installed, keeps them honest. Functions that a
//! fiber's stack can be unwound through get the `"C-unwind"` ABI (cxx and bindgen's
//! default, `"C"`, would turn that unwinding into an abort).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One committed bindgen output: which header it declares, what it keeps, and which of its
/// functions (and function-pointer types) are `extern "C-unwind"`.
struct Bindings {
    /// The header, relative to the workspace root.
    header: &'static str,
    /// Include directories the header needs, relative to the workspace root.
    includes: &'static [&'static str],
    /// The committed output, relative to the workspace root.
    output: &'static str,
    allowlist: &'static str,
    /// Types declared by another output, imported instead of generated again.
    imported: &'static [&'static str],
    unwind: &'static str,
}

const BINDINGS: &[Bindings] = &[
    Bindings {
        header: "include/corobridge/detail/abi.h",
        includes: &["include"],
        output: "rust/ffi/abi.rs",
        allowlist: "corobridge_.*|COROBRIDGE_.*",
        imported: &[],
        unwind: "corobridge_.*_unwind",
    },
    Bindings {
        header: "include/corobridge/detail/fiber_abi.h",
        includes: &["include"],
        output: "rust/ffi/fiber_abi.rs",
        allowlist: "corobridge_.*fiber.*|COROBRIDGE_FIBER_.*|corobridge_.*eh_globals",
        imported: &["corobridge_task", "corobridge_error_sink"],
        unwind: "corobridge_rs_fiber_(yield|sleep|await_task)|corobridge_cpp_fiber_run|corobridge_fiber_body_fn",
    },
    Bindings {
        header: "tests/support/include/corobridge-testkit/fiber_scenarios.h",
        includes: &["include", "tests/support/include"],
        output: "tests/support/src/fiber_scenarios_abi.rs",
        allowlist: "corobridge_fiber_scn_.*|corobridge_fiber_(counters|callback|switch_fn)",
        imported: &[],
        unwind: "corobridge_fiber_scn_.*|corobridge_fiber_(callback|switch_fn)",
    },
    Bindings {
        header: "lab/include/corobridge-lab/fiber_seed.h",
        includes: &["include", "lab/include"],
        output: "lab/src/fiber_seed_abi.rs",
        allowlist: "corobridge_seed_.*",
        imported: &[],
        unwind: "corobridge_seed_.*",
    },
];

/// What generated code needs allowed; the module declaring an output adds only
/// `#[rustfmt::skip]`.
const GENERATED_LINTS: &str = "#![allow(non_camel_case_types, non_upper_case_globals, dead_code, \
     unnecessary_transmutes, missing_docs, clippy::all, clippy::pedantic)]";

fn main() -> ExitCode {
    let bless = std::env::args().skip(1).any(|a| a == "--bless");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut failed = false;
    for bindings in BINDINGS {
        match check(&root, bindings, bless) {
            Ok(Outcome::Same) => println!("{}: up to date", bindings.output),
            Ok(Outcome::Written) => println!("{}: regenerated", bindings.output),
            Err(message) => {
                eprintln!("corobridge-bindings: {message}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

enum Outcome {
    Same,
    Written,
}

fn check(root: &Path, bindings: &Bindings, bless: bool) -> Result<Outcome, String> {
    let generated = generate(root, bindings)?;
    let committed = root.join(bindings.output);
    let current = fs::read_to_string(&committed).unwrap_or_default();
    if current == generated {
        Ok(Outcome::Same)
    } else if bless {
        fs::write(&committed, generated)
            .map_err(|e| format!("cannot write {}: {e}", bindings.output))?;
        Ok(Outcome::Written)
    } else {
        Err(format!(
            "{} is out of date with {}; regenerate it with \
             `cargo run -p corobridge-bindings -- --bless`",
            bindings.output, bindings.header
        ))
    }
}

fn generate(root: &Path, bindings: &Bindings) -> Result<String, String> {
    let Bindings {
        header,
        includes,
        allowlist,
        imported,
        unwind,
        ..
    } = *bindings;
    let mut builder = bindgen::Builder::default()
        .header(root.join(header).to_string_lossy())
        .rust_target(bindgen::RustTarget::stable(85, 0).map_err(|e| e.to_string())?)
        .rust_edition(bindgen::RustEdition::Edition2024)
        .allowlist_item(allowlist)
        .override_abi(bindgen::Abi::CUnwind, unwind)
        .derive_default(true)
        .layout_tests(true)
        .formatter(bindgen::Formatter::Prettyplease)
        .raw_line(format!(
            "// Generated by bindgen from {header}; do not edit."
        ))
        .raw_line("// Regenerate: cargo run -p corobridge-bindings -- --bless")
        .raw_line(GENERATED_LINTS);
    for include in includes {
        builder = builder.clang_arg(format!("-I{}", root.join(include).display()));
    }
    if !imported.is_empty() {
        builder = builder.raw_line(format!("use super::abi::{{{}}};", imported.join(", ")));
        for name in imported {
            builder = builder.blocklist_type(name);
        }
    }
    builder
        .generate()
        .map(|b| b.to_string())
        .map_err(|e| format!("bindgen failed on {header}: {e}"))
}
