//! Builds corobridge's C++ runtime (the translation units named in `RUNTIME`) as C++20 and
//! exports `include/` so that dependents' C++ can `#include "corobridge/task.hpp"`:
//! cxx-build's `exported_header_dirs` for crates that build with cxx-build, and
//! `DEP_COROBRIDGE_INCLUDE` (this crate `links = "corobridge"`) for any other build script.

use std::fs;
use std::path::{Path, PathBuf};

/// The runtime's C++ translation units: everything the library's static library holds.
const RUNTIME: &[&str] = &[
    "cpp/exception_info.cpp",
    "cpp/exception_table.cpp",
    "cpp/fiber_base.cpp",
    "cpp/fiber_errors.cpp",
    "cpp/fiber_exception_state.cpp",
    "cpp/frame_pool.cpp",
    "cpp/runtime.cpp",
    "cpp/timer_window.cpp",
    "cpp/waiter_pool.cpp",
];

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets this"));
    let include = root.join("include");

    cxx_build::CFG.exported_header_dirs.push(&include);
    // No bridge of its own: the library's types cross cxx as `ExternType`s that dependents'
    // bridges name; the call only sets up cxx's headers (`rust/cxx.h`) and the exports.
    let mut build = cxx_build::bridges(std::iter::empty::<&Path>());
    build
        .files(RUNTIME.iter().map(|file| root.join(file)))
        .std("c++20")
        .include(&include)
        .flag("-Wall")
        .flag("-Wextra")
        .flag("-fno-strict-aliasing")
        // Frames larger than a page touch every page, so a fiber stack overflow always hits
        // the guard page (and gets its diagnostic) instead of jumping over it.
        .flag_if_supported("-fstack-clash-protection")
        // cc keeps frame pointers whenever debug info is on (as in corobridge's release
        // profile): a register and three instructions on every resumption's frames. The
        // unwinder and debuggers read DWARF; the AddressSanitizer mode asks for them itself.
        .force_frame_pointer(false);
    for flag in sanitizer_flags() {
        build.flag(flag);
    }
    build.compile("corobridge");

    // For dependents that do not build with cxx-build: DEP_COROBRIDGE_INCLUDE (corobridge's
    // headers) and DEP_COROBRIDGE_CXX_INCLUDE (the directory holding cxx's `rust/cxx.h`).
    // This package's own tests that compile C++ (tests/headers.rs) read the latter too.
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets this"));
    let cxx_include = out_dir.join("cxxbridge/include");
    println!("cargo:include={}", include.display());
    println!("cargo:cxx_include={}", cxx_include.display());
    println!(
        "cargo:rustc-env=COROBRIDGE_CXXBRIDGE_INCLUDE={}",
        cxx_include.display()
    );

    for file in RUNTIME {
        println!("cargo:rerun-if-changed={file}");
    }
    for header in walk(&include) {
        println!("cargo:rerun-if-changed={}", header.display());
    }
    println!("cargo:rerun-if-changed=build.rs");
}

/// The build mode `COROBRIDGE_SANITIZE=address`: the runtime's C++ compiled with
/// AddressSanitizer, the ASan runtime linked into every binary that links corobridge (rustc
/// links with `-nodefaultlibs`, so `-fsanitize=address` on the C++ alone would not bring it
/// in), and `cfg(corobridge_asan)`, under which every fiber switch is announced to ASan
/// (`rust/fiber/asan.rs`). Dependents' own C++ takes the same flags through `CXXFLAGS`
/// (`.ci/asan` sets both). Any other value stops the build with a message.
fn sanitizer_flags() -> Vec<&'static str> {
    println!("cargo:rerun-if-env-changed=COROBRIDGE_SANITIZE");
    println!("cargo::rustc-check-cfg=cfg(corobridge_asan)");
    match std::env::var("COROBRIDGE_SANITIZE").as_deref() {
        Err(_) | Ok("") => Vec::new(),
        Ok("address") => {
            println!("cargo:rustc-link-lib=dylib=asan");
            println!("cargo:rustc-cfg=corobridge_asan");
            println!("cargo:sanitize=address");
            vec!["-fsanitize=address", "-fno-omit-frame-pointer"]
        }
        Ok(other) => {
            println!(
                "cargo::error=COROBRIDGE_SANITIZE={other:?} is not a build mode: use `address` \
                 (UndefinedBehaviorSanitizer needs no build mode: see .ci/ubsan)"
            );
            Vec::new()
        }
    }
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
