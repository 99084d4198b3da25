//! Errors that cross the language boundary, as typed values.

use std::any::Any;

/// A C++ exception that reached Rust: its demangled type name and `what()`.
///
/// ```
/// # use corobridge::CppException;
/// let e = CppException::new("std::runtime_error", "boom");
/// assert_eq!(e.to_string(), "C++ exception std::runtime_error: boom");
/// ```
///
/// It is one pointer wide, so that `Result<T, corobridge::Error>` stays small on the hot
/// path where tasks succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("C++ exception {}: {}", .details.type_name, .details.what)]
pub struct CppException {
    details: Box<ExceptionDetails>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ExceptionDetails {
    type_name: String,
    what: String,
}

impl CppException {
    /// Builds an exception description (used by the runtime and by tests).
    pub fn new(type_name: impl Into<String>, what: impl Into<String>) -> Self {
        Self {
            details: Box::new(ExceptionDetails {
                type_name: type_name.into(),
                what: what.into(),
            }),
        }
    }

    /// The exception's demangled C++ type, e.g. `std::runtime_error`.
    pub fn type_name(&self) -> &str {
        &self.details.type_name
    }

    /// The exception's `what()`, or a note that it does not derive from `std::exception`.
    pub fn what(&self) -> &str {
        &self.details.what
    }
}

/// What can go wrong when Rust drives C++ coroutines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The C++ body threw.
    #[error(transparent)]
    Cpp(#[from] CppException),
    /// The executor that was driving the task was dropped before the task finished.
    #[error("the executor driving this C++ task was dropped before the task finished")]
    ExecutorGone,
    /// `advance` was called on an executor with a real clock.
    #[error("advance() needs an executor with a virtual clock")]
    NotVirtual,
    /// Only a task that has not started can be handed to an executor.
    #[error("this C++ task has already started; only an unstarted task can be spawned")]
    AlreadyStarted,
    /// The task object was empty (a moved-from or released C++ task).
    #[error("the C++ task object is empty (moved-from or released): there is no coroutine to run")]
    EmptyTask,
    /// A future was polled again after it had returned its result.
    #[error("this future already returned its result; a completed future must not be polled again")]
    PolledAfterCompletion,
}

/// Why a spawned task produced no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    /// It was aborted, or its executor was dropped first.
    #[error("the task was cancelled before it finished")]
    Cancelled,
    /// It panicked; the panic message is kept.
    #[error("the task panicked: {0}")]
    Panicked(String),
    /// The handle was awaited inside another executor (futures' `block_on` or `LocalPool`,
    /// or with the `tokio` feature a tokio runtime) on its executor's thread while nothing
    /// runs its corobridge executor there: the task could never make progress, so the wait
    /// would never end.
    #[error(
        "this JoinHandle was awaited inside another executor (futures' block_on or LocalPool, \
         or tokio's block_on) \
         while nothing runs its corobridge executor on this thread, so the task could never \
         finish and the wait would hang forever; await it with executor.block_on(handle), or \
         run the executor (run_until_idle, advance) on this thread while you await it"
    )]
    NotDriven,
}

/// Receives a C++ exception's description through the C ABI (`corobridge_error_sink`).
#[derive(Debug, Default)]
pub(crate) struct ErrorSink {
    pub(crate) exception: Option<CppException>,
}

impl ErrorSink {
    /// The pointer handed to C++.
    pub(crate) fn as_abi(&mut self) -> *mut crate::ffi::abi::corobridge_error_sink {
        (self as *mut Self).cast()
    }

    /// The recorded exception, or a placeholder if C++ could not describe it.
    pub(crate) fn into_exception(self) -> CppException {
        self.exception
            .unwrap_or_else(|| CppException::new("unknown", "the exception could not be described"))
    }
}

/// Describes the exception of a finished C++ task.
///
/// # Safety
///
/// `state` must be the state word of a live task frame whose state has the error flag.
pub(crate) unsafe fn describe_task_error(state: std::ptr::NonNull<u64>) -> CppException {
    let mut sink = ErrorSink::default();
    // SAFETY: valid per the caller's contract; the sink outlives the call.
    unsafe { crate::ffi::abi::corobridge_cpp_task_error(state.as_ptr(), sink.as_abi()) };
    sink.into_exception()
}

/// How futures' `block_on` and `LocalPool` panic when their thread already runs an
/// executor (they find its `futures_executor::enter()` guard, which corobridge's run loop
/// holds).
const FUTURES_NESTED: &str = "cannot execute `LocalPool` executor from within another executor";

/// What corobridge says instead (followed by futures' own message).
pub(crate) const NESTED_BLOCK_ON: &str = "corobridge: futures::executor::block_on (or a \
     LocalPool) was called inside a task of corobridge's executor (or of an executor running \
     it); blocking that thread would stop the executor, so what the future waits for (a C++ \
     task's resumption, a corobridge::sleep timer, another task) could never happen and it \
     would hang forever. .await the future instead (or spawn it and .await its JoinHandle)";

/// The message of a panic payload (`&str` or `String`), or a placeholder; futures' refusal
/// of a nested `block_on` is explained (see [`explain_panic`]).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        explain_panic((*s).to_owned())
    } else if let Some(s) = payload.downcast_ref::<String>() {
        explain_panic(s.clone())
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

/// Says what happened and what to do when `message` is futures' refusal to block a thread
/// that runs an executor; any other message is returned unchanged.
pub(crate) fn explain_panic(message: String) -> String {
    if message.starts_with(FUTURES_NESTED) {
        format!("{NESTED_BLOCK_ON} (futures: {message})")
    } else {
        message
    }
}

/// The explanation for a panic payload that is futures' refusal of a nested `block_on`.
pub(crate) fn explained_nested_block_on(payload: &(dyn Any + Send)) -> Option<String> {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))?;
    message
        .starts_with(FUTURES_NESTED)
        .then(|| explain_panic(message.to_owned()))
}
