//! The public C++ headers as a user's compiler sees them: each compiles on its own as
//! C++20 with `-Wall -Wextra -Werror`, and a translation unit compiled as C++17 stops at
//! corobridge's one `#error` that says to compile as C++20 (instead of a cascade).
//! The compiler is `$CXX` (default `c++`), so CI runs this with g++ and clang++.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn compiler() -> String {
    std::env::var("CXX").unwrap_or_else(|_| "c++".to_owned())
}

fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include")
}

/// Compiles `source` (syntax only) with `std`; returns the compiler's output.
fn compile(source: &str, std: &str, name: &str) -> Output {
    let file = std::env::temp_dir().join(format!(
        "corobridge-header-{}-{name}.cpp",
        std::process::id()
    ));
    std::fs::write(&file, source).expect("write the translation unit");
    let output = Command::new(compiler())
        .arg(format!("-std={std}"))
        .args(["-fsyntax-only", "-Wall", "-Wextra", "-Werror"])
        .arg("-I")
        .arg(include_dir())
        .arg("-I")
        .arg(env!("COROBRIDGE_CXXBRIDGE_INCLUDE"))
        .arg(&file)
        .output()
        .expect("run the C++ compiler ($CXX or c++)");
    let _ = std::fs::remove_file(&file);
    output
}

fn public_headers() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(include_dir().join("corobridge"))
        .expect("include/corobridge")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".hpp"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_public_header_compiles_on_its_own_as_cpp20_without_warnings() {
    let headers = public_headers();
    assert!(headers.len() >= 15, "found only {headers:?}");
    let failures: Vec<String> = std::thread::scope(|scope| {
        let jobs: Vec<_> = headers
            .iter()
            .map(|header| {
                scope.spawn(move || {
                    let source = format!("#include \"corobridge/{header}\"\nint main() {{}}\n");
                    let output = compile(&source, "c++20", header.trim_end_matches(".hpp"));
                    (!output.status.success())
                        .then(|| format!("{header}:\n{}", String::from_utf8_lossy(&output.stderr)))
                })
            })
            .collect();
        jobs.into_iter()
            .filter_map(|job| job.join().expect("compile thread"))
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_header_compiled_as_cpp17_stops_with_one_message_saying_to_compile_as_cpp20() {
    let output = compile(
        "#include \"corobridge/task.hpp\"\nint main() {}\n",
        "c++17",
        "cpp17",
    );
    assert!(!output.status.success(), "C++17 must not compile");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("corobridge needs C++20 coroutines: compile this file as C++20"),
        "{stderr}"
    );
    // The #error, then the compiler stops (one fatal line): nothing from task.hpp or
    // <coroutine> follows.
    let errors = stderr
        .lines()
        .filter(|line| line.contains("error:"))
        .count();
    assert!(errors <= 2, "a cascade of {errors} errors:\n{stderr}");
}
