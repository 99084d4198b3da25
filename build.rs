//! Builds corobridge's C++ half (cpp/*.cpp and the cxx bridges) as C++20 and exports
//! include/ so that dependent crates' C++ can `#include "corobridge/task.hpp"`.

use std::fs;
use std::path::{Path, PathBuf};

/// Rust files that contain a `#[cxx::bridge]`.
const BRIDGES: &[&str] = &[
    "rust/seed.rs",
    "rust/scenarios.rs",
    "rust/interop_scenarios.rs",
    "rust/game/world.rs",
];

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets this"));
    let include = root.join("include");
    let cpp = root.join("cpp");

    let mut sources: Vec<PathBuf> = list_files(&cpp, "cpp");
    sources.sort();

    cxx_build::CFG.exported_header_dirs.push(&include);
    let mut build = cxx_build::bridges(BRIDGES);
    build
        .files(&sources)
        .std("c++20")
        .include(&include)
        .flag("-Wall")
        .flag("-Wextra")
        .flag("-fno-strict-aliasing")
        // Frames larger than a page touch every page, so a fiber stack overflow always hits
        // the guard page (and gets its diagnostic) instead of jumping over it.
        .flag_if_supported("-fstack-clash-protection");
    build.compile("corobridge");

    for file in BRIDGES {
        println!("cargo:rerun-if-changed={file}");
    }
    for file in sources {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    for header in walk(&include) {
        println!("cargo:rerun-if-changed={}", header.display());
    }
    println!("cargo:rerun-if-changed=build.rs");

    #[cfg(feature = "bindgen")]
    {
        for bindings in BINDINGS {
            println!("cargo:rerun-if-changed={}", bindings.output);
        }
        println!("cargo:rerun-if-env-changed=COROBRIDGE_BLESS");
        check_bindings(&root);
    }
}

fn list_files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// One committed bindgen output: which header it declares, what it keeps, and which of its
/// functions (and function-pointer types) are `extern "C-unwind"`.
#[cfg(feature = "bindgen")]
struct Bindings {
    header: &'static str,
    output: &'static str,
    allowlist: &'static str,
    /// Types declared by another output, imported instead of generated again.
    imported: &'static [&'static str],
    unwind: &'static str,
}

#[cfg(feature = "bindgen")]
const BINDINGS: &[Bindings] = &[
    Bindings {
        header: "include/corobridge/corobridge.h",
        output: "rust/ffi/abi.rs",
        allowlist: "corobridge_.*|COROBRIDGE_.*",
        imported: &[],
        unwind: "corobridge_.*_unwind",
    },
    Bindings {
        header: "include/corobridge/fiber.h",
        output: "rust/ffi/fiber_abi.rs",
        allowlist: "corobridge_.*fiber.*|COROBRIDGE_FIBER_.*|corobridge_.*eh_globals",
        imported: &["corobridge_task", "corobridge_error_sink"],
        unwind: "corobridge_rs_fiber_(yield|sleep|await_task)|corobridge_cpp_fiber_run|corobridge_fiber_body_fn",
    },
    Bindings {
        header: "include/corobridge/fiber_scenarios.h",
        output: "rust/ffi/fiber_scenarios_abi.rs",
        allowlist: "corobridge_fiber_scn_.*|corobridge_seed_.*|corobridge_fiber_(counters|callback|switch_fn)",
        imported: &[],
        unwind: "corobridge_fiber_scn_.*|corobridge_seed_.*|corobridge_fiber_(callback|switch_fn)",
    },
];

/// Regenerates the Rust declarations of the plain C headers and fails if a committed file
/// (rust/ffi/abi.rs, fiber_abi.rs, fiber_scenarios_abi.rs) differs from what bindgen makes
/// now (set COROBRIDGE_BLESS=1 to overwrite them instead).
#[cfg(feature = "bindgen")]
fn check_bindings(root: &Path) {
    for bindings in BINDINGS {
        check_one(root, bindings);
    }
}

#[cfg(feature = "bindgen")]
fn check_one(root: &Path, bindings: &Bindings) {
    let Bindings {
        header: header_name,
        output,
        allowlist,
        imported,
        unwind,
    } = *bindings;
    let header = root.join(header_name);
    let committed = root.join(output);
    let mut builder = bindgen::Builder::default()
        .header(header.to_string_lossy())
        .clang_arg(format!("-I{}", root.join("include").display()))
        .rust_target(bindgen::RustTarget::stable(85, 0).expect("valid Rust target"))
        .rust_edition(bindgen::RustEdition::Edition2024)
        .allowlist_item(allowlist)
        .override_abi(bindgen::Abi::CUnwind, unwind)
        .derive_default(true)
        .layout_tests(true)
        .formatter(bindgen::Formatter::Prettyplease)
        .raw_line(format!(
            "// Generated by bindgen from {header_name}; do not edit."
        ))
        .raw_line("// Regenerate: COROBRIDGE_BLESS=1 cargo build --features bindgen");
    if !imported.is_empty() {
        builder = builder.raw_line(format!("use super::abi::{{{}}};", imported.join(", ")));
        for name in imported {
            builder = builder.blocklist_type(name);
        }
    }
    let generated = builder
        .generate()
        .unwrap_or_else(|e| panic!("bindgen failed on {header_name}: {e}"))
        .to_string();
    let current = fs::read_to_string(&committed).unwrap_or_default();
    if current != generated {
        if std::env::var_os("COROBRIDGE_BLESS").is_some() {
            fs::write(&committed, generated)
                .unwrap_or_else(|e| panic!("cannot write {output}: {e}"));
        } else {
            panic!(
                "{output} is out of date with {header_name}; \
                 regenerate it with `COROBRIDGE_BLESS=1 cargo build --features bindgen`"
            );
        }
    }
}
