//! Compiles the C++ half of the test scenarios (cpp/*.cpp and the cxx bridges) as C++20
//! against corobridge's exported headers.

/// Rust files that contain a `#[cxx::bridge]`.
const BRIDGES: &[&str] = &["src/scenarios.rs", "src/interop_scenarios.rs"];
/// The scenarios' C++ translation units.
const SOURCES: &[&str] = &[
    "cpp/scenarios.cpp",
    "cpp/interop_scenarios.cpp",
    "cpp/fiber_scenarios.cpp",
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
        .compile("corobridge-testkit");
    for path in BRIDGES.iter().chain(SOURCES) {
        println!("cargo:rerun-if-changed={path}");
    }
    for header in [
        "cpp/scenarios.hpp",
        "cpp/interop_scenarios.hpp",
        "include/corobridge-testkit/fiber_scenarios.h",
    ] {
        println!("cargo:rerun-if-changed={header}");
    }
}
