//! Compiles the C++ half of the test scenarios as C++20 against corobridge's headers: the
//! cxx bridges' C++ with cxx-build (which finds the headers through cxx-build's exported
//! header directories), and the fibers' plain-C-ABI scenarios with plain `cc`, the way a
//! crate that does not use cxx-build would (`DEP_COROBRIDGE_INCLUDE`,
//! `DEP_COROBRIDGE_CXX_INCLUDE`).

/// Rust files that contain a `#[cxx::bridge]`.
const BRIDGES: &[&str] = &[
    "src/scenarios.rs",
    "src/interop_scenarios.rs",
    "src/misuse_scenarios.rs",
];
/// The bridged scenarios' C++ translation units.
const BRIDGED: &[&str] = &[
    "cpp/scenarios.cpp",
    "cpp/interop_scenarios.cpp",
    "cpp/misuse_scenarios.cpp",
];
/// C++ called through the plain C ABI of `fiber_scenarios.h`.
const PLAIN: &[&str] = &["cpp/fiber_scenarios.cpp"];

fn main() {
    cxx_build::bridges(BRIDGES)
        .files(BRIDGED)
        .std("c++20")
        .flag("-Wall")
        .flag("-Wextra")
        .compile("corobridge-testkit");

    let corobridge = std::env::var("DEP_COROBRIDGE_INCLUDE").expect("corobridge exports it");
    let cxx = std::env::var("DEP_COROBRIDGE_CXX_INCLUDE").expect("corobridge exports it");
    cc::Build::new()
        .cpp(true)
        .std("c++20")
        .include(corobridge)
        .include(cxx)
        .include("include")
        .files(PLAIN)
        .flag("-Wall")
        .flag("-Wextra")
        .flag("-fno-strict-aliasing")
        .flag_if_supported("-fstack-clash-protection")
        .compile("corobridge-testkit-fibers");

    for path in BRIDGES.iter().chain(BRIDGED).chain(PLAIN) {
        println!("cargo:rerun-if-changed={path}");
    }
    for header in [
        "cpp/scenarios.hpp",
        "cpp/interop_scenarios.hpp",
        "cpp/misuse_scenarios.hpp",
        "include/corobridge-testkit/fiber_scenarios.h",
    ] {
        println!("cargo:rerun-if-changed={header}");
    }
}
