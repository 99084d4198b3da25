//! Generates the bridge's C++ (`lib.rs.h`/`lib.rs.cc`) and compiles it into this static
//! library. cxx-build also links the header into `$CARGO_TARGET_DIR/cxxbridge/`, where
//! CMake finds it (`cmake-app-core/src/lib.rs.h`, and `rust/cxx.h`).

fn main() {
    cxx_build::bridge("src/lib.rs")
        .std("c++20")
        .flag("-Wall")
        .flag("-Wextra")
        .compile("cmake-app-bridge");
    println!("cargo:rerun-if-changed=src/lib.rs");
}
