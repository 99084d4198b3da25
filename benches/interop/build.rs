//! Compiles the C++ side of both contenders: corobridge's tasks and cxx-async's futures.

fn main() {
    let cxx_async_include =
        std::env::var("DEP_CXX_ASYNC_INCLUDE").expect("cxx-async exports its headers");
    cxx_build::bridge("src/lib.rs")
        .file("src/peers.cc")
        .include(cxx_async_include)
        .std("c++20")
        .flag("-Wall")
        .flag("-Wextra")
        .compile("interop-bench");
    println!("cargo:rerun-if-changed=src/lib.rs");
    println!("cargo:rerun-if-changed=src/peers.cc");
    println!("cargo:rerun-if-changed=src/peers.h");
}
