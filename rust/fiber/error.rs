//! What can go wrong with a fiber, as a typed value.

use crate::CppException;

/// Why a fiber operation failed. Misuse gives one of these (never a crash), and so do
/// failures of the fiber's code: a Rust panic ([`FiberError::Panicked`]) and a C++
/// exception that escaped its C++ code ([`FiberError::Cpp`]).
///
/// ```
/// use corobridge::fiber::{self, FiberError};
///
/// // Yielding outside any fiber is an error, not undefined behaviour.
/// assert_eq!(fiber::yield_value::<(), i32>(1), Err(FiberError::NotInFiber));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FiberError {
    /// A yield or a wait was called outside any fiber.
    #[error(
        "not inside a fiber: yield and the fiber waits can only be called from code running \
         on a corobridge::Fiber's stack"
    )]
    NotInFiber,
    /// The fiber already returned (or failed, or was cancelled); it cannot run again.
    #[error("the fiber has finished and cannot be resumed")]
    Finished,
    /// The fiber is running: it tried to resume itself, or a fiber that is (directly or
    /// indirectly) resuming it.
    #[error(
        "the fiber is already running: a fiber cannot resume itself, nor a fiber that is \
         resuming it"
    )]
    AlreadyRunning,
    /// A yield's value or resume type is not the running fiber's.
    #[error("fiber type mismatch: the {what} type is {found}, but this fiber's is {expected}")]
    TypeMismatch {
        /// Which type: "yielded" or "resume".
        what: &'static str,
        /// The fiber's type.
        expected: &'static str,
        /// The type the caller used.
        found: &'static str,
    },
    /// A wait (`await_future`, `sleep`, C++ `fiber::await`/`sleep_for`) inside a fiber that
    /// is driven by [`Fiber::resume`](crate::Fiber::resume) rather than polled as a future.
    #[error(
        "waiting inside a fiber needs the fiber to be polled as a future (spawn it on an \
         executor or .await it); this fiber is driven by Fiber::resume"
    )]
    NotPolled,
    /// A timer wait inside a fiber that no corobridge executor polls.
    #[error("fiber::sleep needs a corobridge executor polling the fiber")]
    NoExecutor,
    /// The fiber's code panicked; its stack was unwound (C++ destructors ran) and the
    /// fiber is finished. The panic message is kept.
    #[error("the fiber panicked: {0}")]
    Panicked(String),
    /// A C++ exception escaped the fiber's C++ code; the fiber is finished.
    #[error("a C++ exception escaped the fiber: {0}")]
    Cpp(CppException),
    /// The fiber was destroyed while suspended and a C++ `catch (...)` swallowed the
    /// forced unwind (`corobridge::fiber::forced_unwind`) instead of rethrowing it. The
    /// frames above that `catch` ran on; fix the C++ code with `catch (...) { ...; throw; }`.
    #[error(
        "a C++ catch (...) swallowed the forced unwind of a fiber being destroyed; \
         corobridge::fiber::forced_unwind must be rethrown (`catch (...) {{ ...; throw; }}`)"
    )]
    UnwindSwallowed,
    /// No stack could be allocated for the fiber.
    #[error("cannot allocate a fiber stack of {size} bytes: {message}")]
    Stack {
        /// The requested usable size.
        size: usize,
        /// The operating system's error.
        message: String,
    },
}
