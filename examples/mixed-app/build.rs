//! This crate's own C++ (src/sensors.cc) includes corobridge's headers: corobridge's build
//! exports its include/ directory to dependents, so nothing else is needed here.

fn main() {
    cxx_build::bridge("src/lib.rs")
        .file("src/sensors.cc")
        .std("c++20")
        .flag("-Wall")
        .flag("-Wextra")
        .compile("mixed-app");
    println!("cargo:rerun-if-changed=src/lib.rs");
    println!("cargo:rerun-if-changed=src/sensors.cc");
    println!("cargo:rerun-if-changed=src/sensors.h");
}
