//! Compiles the lab's C++ (the seed's examples, its game world and behaviours, the
//! seed-style engine and the seed's stackful example) as C++20 against corobridge's
//! exported headers.

/// Rust files that contain a `#[cxx::bridge]`.
const BRIDGES: &[&str] = &["src/seed.rs", "src/game/world.rs", "src/compare/floor.rs"];
/// The lab's C++ translation units.
const SOURCES: &[&str] = &[
    "cpp/fiber_seed.cpp",
    "cpp/game_behaviors.cpp",
    "cpp/game_bridge.cpp",
    "cpp/game_engine_trace.cpp",
    "cpp/game_world.cpp",
    "cpp/memory_floor.cpp",
    "cpp/seed_examples.cpp",
    "cpp/seed_style_engine.cpp",
];
/// Headers the sources include.
const HEADERS: &[&str] = &[
    "cpp/game_bridge.hpp",
    "cpp/memory_floor.hpp",
    "cpp/seed_style_engine.hpp",
    "include/corobridge-lab/fiber_seed.h",
    "include/corobridge-lab/game_behaviors.hpp",
    "include/corobridge-lab/game_world.hpp",
    "include/corobridge-lab/seed.hpp",
];

fn main() {
    let mut build = cxx_build::bridges(BRIDGES);
    build
        .files(SOURCES)
        .include("include")
        .std("c++20")
        .flag("-Wall")
        .flag("-Wextra")
        .flag("-fno-strict-aliasing")
        .flag_if_supported("-fstack-clash-protection")
        // As the library's runtime: no frame pointers (cc's default with debug info).
        .force_frame_pointer(false);
    // The compilers, for the report's machine facts.
    let cxx = build.get_compiler();
    let cxx_version = first_line(cxx.path(), "--version");
    println!(
        "cargo:rustc-env=COROBRIDGE_LAB_CXX={cxx_version} [{}]",
        cxx.path().display()
    );
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    println!(
        "cargo:rustc-env=COROBRIDGE_LAB_RUSTC={}",
        first_line(std::path::Path::new(&rustc), "--version")
    );
    build.compile("corobridge-lab");
    for path in BRIDGES.iter().chain(SOURCES).chain(HEADERS) {
        println!("cargo:rerun-if-changed={path}");
    }
}

/// The first line `program flag` prints ("unknown" if it cannot run).
fn first_line(program: &std::path::Path, flag: &str) -> String {
    std::process::Command::new(program)
        .arg(flag)
        .output()
        .ok()
        .and_then(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
