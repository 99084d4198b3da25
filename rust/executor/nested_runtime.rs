//! A foreign runtime's `block_on` nested inside corobridge's run loop: refused at once.
//!
//! A task of corobridge's executor (or its `block_on` future) that calls tokio's
//! `Runtime::block_on` blocks the executor's thread; whatever the blocked future waits for
//! that only the executor's loop can deliver (a C++ task's resumption, a
//! `corobridge::sleep`, another task) would never come. futures' `block_on` refuses itself
//! through futures' `enter()` guard, which the loop holds; tokio does not consult it, so
//! corobridge's futures check on their way to `Pending` instead: a tokio runtime is current
//! now, none was when the running loop was entered (so it was entered inside it), and the
//! waker is not one of the executor's (so something other than the loop polls). A tokio
//! context entered before the loop (`runtime.enter()` in `main`, a corobridge executor run
//! inside a tokio task) does not count.

use std::task::Context;

use super::context;
use super::core::Core;
use super::tokio_context::tokio_current;

/// What the refusal says; `{what}` names the waiting future.
pub(crate) fn message(what: &str) -> String {
    format!(
        "corobridge: tokio's block_on (Runtime::block_on or Handle::block_on) was called \
         inside a task of corobridge's executor (or its block_on future) and waits on {what}, \
         which only that executor's run loop can finish; the loop is blocked under tokio's \
         block_on, so the wait would hang forever. .await it instead (or spawn it and .await \
         its JoinHandle); tokio futures may be awaited directly inside corobridge tasks"
    )
}

/// Panics (see the module documentation) if this poll of `what`, about to return
/// `Pending`, runs under a tokio `block_on` nested inside the current corobridge loop.
#[inline]
pub(crate) fn refuse_if_nested(cx: &Context<'_>, what: &str) {
    if !cfg!(feature = "tokio") {
        return;
    }
    let Some(core) = context::current().and_then(Core::from_driver) else {
        return;
    };
    // SAFETY: the current executor is alive while current.
    let core = unsafe { core.as_ref() };
    if core.is_running()
        && !core.tokio_at_entry()
        && !core.owns_waker(cx.waker())
        && tokio_current()
    {
        panic!("{}", message(what));
    }
}
