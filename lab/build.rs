//! Compiles the lab's C++ (the seed's examples, its game world and behaviours, the
//! seed-style engine and the seed's stackful example) as C++20 against corobridge's
//! exported headers.

/// Rust files that contain a `#[cxx::bridge]`.
const BRIDGES: &[&str] = &["src/seed.rs", "src/game/world.rs"];
/// The lab's C++ translation units.
const SOURCES: &[&str] = &[
    "cpp/fiber_seed.cpp",
    "cpp/game_behaviors.cpp",
    "cpp/game_bridge.cpp",
    "cpp/game_engine_trace.cpp",
    "cpp/game_world.cpp",
    "cpp/seed_examples.cpp",
    "cpp/seed_style_engine.cpp",
];
/// Headers the sources include.
const HEADERS: &[&str] = &[
    "cpp/game_bridge.hpp",
    "cpp/seed_style_engine.hpp",
    "include/corobridge-lab/fiber_seed.h",
    "include/corobridge-lab/game_behaviors.hpp",
    "include/corobridge-lab/game_world.hpp",
    "include/corobridge-lab/seed.hpp",
];

fn main() {
    cxx_build::bridges(BRIDGES)
        .files(SOURCES)
        .include("include")
        .std("c++20")
        .flag("-Wall")
        .flag("-Wextra")
        .flag("-fno-strict-aliasing")
        .flag_if_supported("-fstack-clash-protection")
        .compile("corobridge-lab");
    for path in BRIDGES.iter().chain(SOURCES).chain(HEADERS) {
        println!("cargo:rerun-if-changed={path}");
    }
}
