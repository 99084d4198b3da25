//! The coroutine models `corobridge compare` puts side by side.

use std::fmt;

/// One way to run a unit of concurrent work: the rows of the comparison.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    /// A C++20 stackless coroutine (`corobridge::task`) resumed by corobridge's executor.
    CppCoroutine,
    /// A Rust `async` task on corobridge's executor.
    RustCorobridge,
    /// A Rust `async` task on tokio's current-thread runtime.
    RustTokio,
    /// A corosensei fiber (`corobridge::Fiber`) suspended from Rust.
    FiberRust,
    /// A `corobridge::Fiber` suspended from C++, ten C++ calls deep.
    FiberCpp,
    /// An OS thread (`std::thread`, Rust's default 2 MiB stack).
    Thread,
}

impl Model {
    /// Every model, in the order of the report.
    pub const ALL: [Model; 6] = [
        Model::CppCoroutine,
        Model::RustCorobridge,
        Model::RustTokio,
        Model::FiberRust,
        Model::FiberCpp,
        Model::Thread,
    ];

    /// The id used on the command line and in JSON (`cpp-coroutine`, ...).
    pub fn id(self) -> &'static str {
        match self {
            Model::CppCoroutine => "cpp-coroutine",
            Model::RustCorobridge => "rust-corobridge",
            Model::RustTokio => "rust-tokio",
            Model::FiberRust => "fiber-rust",
            Model::FiberCpp => "fiber-cpp",
            Model::Thread => "thread",
        }
    }

    /// What the row is, in words.
    pub fn label(self) -> &'static str {
        match self {
            Model::CppCoroutine => "C++20 coroutine, corobridge executor",
            Model::RustCorobridge => "Rust async task, corobridge executor",
            Model::RustTokio => "Rust async task, tokio current-thread",
            Model::FiberRust => "corosensei fiber, Rust yield",
            Model::FiberCpp => "fiber, C++ yield 10 calls deep",
            Model::Thread => "OS thread (std::thread)",
        }
    }

    /// `stackless`, `stackful` or `thread`.
    pub fn kind(self) -> &'static str {
        match self {
            Model::CppCoroutine | Model::RustCorobridge | Model::RustTokio => "stackless",
            Model::FiberRust | Model::FiberCpp => "stackful",
            Model::Thread => "thread",
        }
    }

    /// Whether a unit owns a stack (a fiber or a thread), so that its count is bounded by
    /// memory mappings rather than by memory.
    pub fn has_stack(self) -> bool {
        self.kind() != "stackless"
    }

    /// Address space a unit reserves beyond what it touches (its stack), in bytes.
    pub fn reserved_bytes(self) -> usize {
        match self {
            Model::FiberRust | Model::FiberCpp => corobridge::fiber::DEFAULT_STACK_SIZE,
            // Rust's std::thread default (RUST_MIN_STACK unset).
            Model::Thread => 2 * 1024 * 1024,
            _ => 0,
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
