//! The `corobridge_rs_*` functions of `include/corobridge/detail/abi.h`, implemented in Rust for C++.
//!
//! None of them may unwind (they are `extern "C"`), so none of them panics: misuse is
//! reported through return values, except the one case with no safe continuation (a timer
//! cancelled from a foreign thread), which stops the process with a clear message.

use std::ffi::{c_char, c_int, c_void};
use std::ptr::{self, NonNull};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use crate::error::ErrorSink;
use crate::executor::core::{Core, TimerWhen, thread_mark};
use crate::executor::cpp_waker::{self, CppWaker};
use crate::executor::local_driver::LocalDriver;
use crate::executor::local_timers::LOCAL_TIMER_KEY;
use crate::executor::raw_timers;
use crate::executor::registry::Lookup;
use crate::executor::run_queue::{self, KIND_FRAME};
use crate::executor::timer::TimerKey;
use crate::executor::{ClockKind, Executor, RootId};
use crate::ffi::abi::{
    COROBRIDGE_POLL_NO_DRIVER, corobridge_error_sink, corobridge_executor, corobridge_rust_await,
    corobridge_rust_poll, corobridge_sched_node, corobridge_task, corobridge_timer_id,
    corobridge_waker,
};
use crate::{CppException, executor};

/// The executor behind a C ABI pointer.
///
/// # Safety
///
/// `raw` must be null or point to a live executor core.
unsafe fn core<'a>(raw: *mut corobridge_executor) -> Option<&'a Core> {
    // SAFETY: per the caller's contract.
    unsafe { raw.cast::<Core>().as_ref() }
}

/// The executor behind a C ABI pointer, if called on its own thread.
///
/// # Safety
///
/// As [`core`].
unsafe fn own_core<'a>(raw: *mut corobridge_executor) -> Option<&'a Core> {
    // SAFETY: per the caller's contract.
    unsafe { core(raw) }.filter(|core| core.on_own_thread())
}

fn clamp_nanos(ns: i64) -> u64 {
    u64::try_from(ns).unwrap_or(0)
}

/// # Safety
///
/// None: reads this thread's driver.
#[unsafe(no_mangle)]
pub extern "C" fn corobridge_rs_current_executor() -> *mut corobridge_executor {
    executor::current()
        .and_then(Core::from_driver)
        .map_or(ptr::null_mut(), |core| core.as_ptr().cast())
}

/// # Safety
///
/// `executor` must be null or a live executor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_executor_now(executor: *mut corobridge_executor) -> i64 {
    // SAFETY: forwarded contract.
    unsafe { core(executor) }.map_or(0, |core| i64::try_from(core.now()).unwrap_or(i64::MAX))
}

/// Fills a C timer id from a key of `core`.
fn write_id(core: &Core, key: TimerKey, id: &mut corobridge_timer_id) {
    id.position = key.position;
    id.lane = key.lane;
    id.executor = core.key();
}

/// The executor current on this thread.
fn current_core<'a>() -> Option<&'a Core> {
    let core = Core::from_driver(executor::current()?)?;
    // SAFETY: the current executor is alive while current.
    Some(unsafe { core.as_ref() })
}

/// Registers a suspended frame's timer on `core` and writes its id: 0, or -1 when there is
/// no executor (or it is not this thread's), no frame or no id.
///
/// # Safety
///
/// `frame` must be a suspended frame that stays alive (or cancels) until the timer fires;
/// `hint` null or an address inside `frame`; `id` null or valid for writing.
#[inline(always)]
unsafe fn add_frame_timer(
    core: Option<&Core>,
    when: TimerWhen,
    frame: *mut c_void,
    hint: *const c_void,
    id: *mut corobridge_timer_id,
) -> c_int {
    // SAFETY: forwarded contract.
    match (core, NonNull::new(frame), unsafe { id.as_mut() }) {
        (Some(core), Some(frame), Some(id)) => {
            // SAFETY: the frame is suspended (we are in its awaiter's await_suspend, or
            // its owner schedules it); the hint is null or inside it.
            let key = unsafe { core.add_frame_timer(when, frame, hint) };
            write_id(core, key, id);
            0
        }
        _ => -1,
    }
}

/// # Safety
///
/// As [`add_frame_timer`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_timer_add_after(
    delay_ns: i64,
    frame: *mut c_void,
    hint: *const c_void,
    id: *mut corobridge_timer_id,
) -> c_int {
    if let Some(driver) = executor::current().and_then(LocalDriver::from_driver) {
        // SAFETY: forwarded contract.
        return unsafe { add_local_timer(driver, clamp_nanos(delay_ns), frame, id) };
    }
    let when = TimerWhen::After(clamp_nanos(delay_ns));
    // SAFETY: forwarded contract.
    unsafe { add_frame_timer(current_core(), when, frame, hint, id) }
}

/// A timer of a frame driven by a C++ task's future under a foreign executor: `driver`
/// resumes it (see `executor::local_timers`). The id names the driver by address, which
/// outlives every frame it drives.
///
/// # Safety
///
/// `driver` must be the current driver; `frame` and `id` as for [`add_frame_timer`].
unsafe fn add_local_timer(
    driver: NonNull<LocalDriver>,
    delay_ns: u64,
    frame: *mut c_void,
    id: *mut corobridge_timer_id,
) -> c_int {
    // SAFETY: forwarded contract.
    let (Some(frame), Some(id)) = (NonNull::new(frame), unsafe { id.as_mut() }) else {
        return -1;
    };
    // SAFETY: the current driver is alive while current.
    let slot = unsafe { driver.as_ref() }.add_timer(Duration::from_nanos(delay_ns), frame);
    id.executor = LOCAL_TIMER_KEY;
    id.lane = slot;
    id.position = driver.as_ptr().expose_provenance() as u64;
    0
}

/// # Safety
///
/// As [`add_frame_timer`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_timer_add_at(
    deadline_ns: i64,
    frame: *mut c_void,
    hint: *const c_void,
    id: *mut corobridge_timer_id,
) -> c_int {
    if executor::current()
        .and_then(LocalDriver::from_driver)
        .is_some()
    {
        // An absolute deadline is on an executor's clock: a foreign executor has none.
        return -2;
    }
    let when = TimerWhen::At(clamp_nanos(deadline_ns));
    // SAFETY: forwarded contract.
    unsafe { add_frame_timer(current_core(), when, frame, hint, id) }
}

/// A bare coroutine handle's timer (`GameEngine::schedule_resume`): indexed by frame, so
/// that freeing a frame from corobridge's frame pool cancels it.
///
/// # Safety
///
/// `executor` must be null or a live executor; `frame` a suspended coroutine frame; `id`
/// null or valid for writing. A frame not allocated by corobridge's frame pool must stay
/// alive until the timer fires or is cancelled.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_executor_timer_at(
    executor: *mut corobridge_executor,
    deadline_ns: i64,
    frame: *mut c_void,
    id: *mut corobridge_timer_id,
) -> c_int {
    // SAFETY: forwarded contract.
    match (unsafe { own_core(executor) }, NonNull::new(frame), unsafe {
        id.as_mut()
    }) {
        (Some(core), Some(frame), Some(id)) => {
            let key = core.add_raw_frame_timer(clamp_nanos(deadline_ns), frame);
            write_id(core, key, id);
            0
        }
        _ => -1,
    }
}

/// Cancels the bare-handle timers of a frame being freed (called by the frame pool while
/// any are pending), on whichever executor of this thread holds them.
///
/// # Safety
///
/// None beyond the ABI: `frame` is only compared as an address.
#[unsafe(no_mangle)]
pub extern "C" fn corobridge_rs_frame_freed(frame: *mut c_void) {
    for (executor, key) in raw_timers::take(frame.addr()) {
        if let Some(core) = current_core().filter(|core| core.key() == executor) {
            core.cancel_freed_frame_timer(key);
            continue;
        }
        match Core::with_registered(executor, thread_mark(), |core| {
            core.cancel_freed_frame_timer(key)
        }) {
            Lookup::Ran(()) | Lookup::Gone => {}
            Lookup::OtherThread => {
                eprintln!(
                    "corobridge: a coroutine frame with a pending GameEngine::schedule_resume was \
                     destroyed on another thread than its engine's; destroy it on the engine's \
                     thread (or cancel_resume first)"
                );
                std::process::abort();
            }
        }
    }
}

/// # Safety
///
/// `id` must be null or valid for reading.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_timer_cancel(id: *const corobridge_timer_id) {
    // SAFETY: forwarded contract.
    let Some(id) = (unsafe { id.as_ref() }) else {
        return;
    };
    if id.executor == 0 {
        return;
    }
    if id.executor == LOCAL_TIMER_KEY {
        let driver = ptr::with_exposed_provenance::<LocalDriver>(id.position as usize);
        // SAFETY: a registered local timer names the driver of its frame, which outlives
        // the frame (it destroys its frames before it goes) and is used only by whoever
        // drives the frame now, here.
        if let Some(driver) = unsafe { driver.as_ref() } {
            driver.cancel_timer(id.lane);
        }
        return;
    }
    let key = TimerKey {
        lane: id.lane,
        position: id.position,
    };
    if let Some(core) = current_core().filter(|core| core.key() == id.executor) {
        drop(core.cancel_timer(key));
        return;
    }
    match Core::with_registered(id.executor, thread_mark(), |core| {
        drop(core.cancel_timer(key))
    }) {
        Lookup::Ran(()) | Lookup::Gone => {}
        Lookup::OtherThread => {
            eprintln!(
                "corobridge: a C++ coroutine waiting on an executor's timer was destroyed on \
                 another thread than the executor's; destroy suspended tasks on their executor's \
                 thread (dropping a corobridge::CppTask elsewhere is fine: it hands the frame back)"
            );
            std::process::abort();
        }
    }
}

/// # Safety
///
/// `executor` must be null or a live executor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_executor_pending_timers(
    executor: *mut corobridge_executor,
) -> usize {
    // SAFETY: forwarded contract.
    unsafe { own_core(executor) }.map_or(0, Core::pending_timers)
}

/// # Safety
///
/// None: reads this thread's driver.
#[unsafe(no_mangle)]
pub extern "C" fn corobridge_rs_has_driver() -> c_int {
    c_int::from(executor::current().is_some())
}

/// # Safety
///
/// `node` must be valid, unlinked, of kind `COROBRIDGE_NODE_FRAME`, and stay valid until
/// popped or unlinked (its awaiter unlinks it in its destructor).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_schedule(node: *mut corobridge_sched_node) -> c_int {
    let (Some(driver), Some(node)) = (executor::current(), NonNull::new(node)) else {
        return -1;
    };
    // SAFETY: forwarded contract; the current driver is alive while current.
    unsafe {
        (*node.as_ptr()).kind = KIND_FRAME;
        driver.queue().push_back(node);
    }
    0
}

/// # Safety
///
/// `node` must be valid; if linked, its queue is driven by this thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_unschedule(node: *mut corobridge_sched_node) {
    if let Some(node) = NonNull::new(node) {
        // SAFETY: forwarded contract.
        unsafe { run_queue::unlink_anywhere(node) };
    }
}

/// # Safety
///
/// `frame` must be a coroutine frame that stays alive until the token is cancelled or
/// its wake is consumed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_waker_new(frame: *mut c_void) -> *mut corobridge_waker {
    match executor::current() {
        // SAFETY: the current driver is alive while current.
        Some(driver) if !frame.is_null() => {
            CppWaker::into_raw(unsafe { CppWaker::for_frame(frame, driver) })
        }
        _ => ptr::null_mut(),
    }
}

/// # Safety
///
/// `waker` must hold a reference obtained from `corobridge_rs_waker_new`/`_retain`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_waker_retain(
    waker: *mut corobridge_waker,
) -> *mut corobridge_waker {
    if !waker.is_null() {
        // SAFETY: forwarded contract.
        unsafe { Arc::increment_strong_count(waker.cast::<CppWaker>()) };
    }
    waker
}

/// # Safety
///
/// As [`corobridge_rs_waker_retain`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_waker_wake(waker: *mut corobridge_waker) {
    if !waker.is_null() {
        // SAFETY: forwarded contract.
        unsafe { CppWaker::with_raw(waker, CppWaker::wake) };
    }
}

/// # Safety
///
/// As [`corobridge_rs_waker_retain`], called on the thread driving the frame.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_waker_cancel(waker: *mut corobridge_waker) {
    if !waker.is_null() {
        // SAFETY: forwarded contract.
        unsafe { CppWaker::with_raw(waker, CppWaker::cancel) };
    }
}

/// # Safety
///
/// As [`corobridge_rs_waker_retain`]; the reference is consumed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_waker_release(waker: *mut corobridge_waker) {
    if !waker.is_null() {
        // SAFETY: forwarded contract.
        drop(unsafe { Arc::from_raw(waker.cast::<CppWaker>()) });
    }
}

/// # Safety
///
/// None.
#[unsafe(no_mangle)]
pub extern "C" fn corobridge_rs_executor_new(virtual_clock: c_int) -> *mut corobridge_executor {
    let clock = if virtual_clock != 0 {
        ClockKind::Virtual
    } else {
        ClockKind::Real
    };
    Rc::into_raw(Executor::with_clock(clock).into_core())
        .cast_mut()
        .cast()
}

/// # Safety
///
/// `executor` must come from `corobridge_rs_executor_new` and not be used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_executor_free(executor: *mut corobridge_executor) {
    if executor.is_null() {
        return;
    }
    // SAFETY: forwarded contract: this is the reference created by `_new`.
    let core = unsafe { Rc::from_raw(executor.cast::<Core>().cast_const()) };
    if !core.on_own_thread() {
        eprintln!("corobridge: an executor was destroyed on another thread than its own");
        std::process::abort();
    }
    drop(Executor::from_core(core));
}

/// # Safety
///
/// `executor` must be null or a live executor (a pointer from `Rc::as_ptr` of its core:
/// `Executor::raw_handle` or `corobridge_rs_executor_new`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_executor_retain(
    executor: *mut corobridge_executor,
) -> c_int {
    // SAFETY: forwarded contract; own_core checks the thread, so the non-atomic count
    // is touched only by the executor's thread.
    match unsafe { own_core(executor) } {
        Some(core) => {
            // SAFETY: `core` points into a live Rc<Core> allocation (the contract), and
            // this reference is released by corobridge_rs_executor_free.
            unsafe { Rc::increment_strong_count(ptr::from_ref(core)) };
            1
        }
        None => 0,
    }
}

/// # Safety
///
/// `executor` must be null or a live executor; `task` an unstarted task whose ownership
/// passes to the executor (it is destroyed if it cannot be spawned).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_executor_spawn(
    executor: *mut corobridge_executor,
    task: corobridge_task,
) -> u64 {
    let Some(frame) = NonNull::new(task.frame) else {
        return 0;
    };
    // SAFETY: forwarded contract.
    let spawned = match (unsafe { own_core(executor) }, NonNull::new(task.state)) {
        // SAFETY: forwarded contract.
        (Some(core), Some(state)) => unsafe { core.spawn_root(frame, state) }.ok(),
        _ => None,
    };
    match spawned {
        Some(id) => id.to_raw(),
        None => {
            // SAFETY: refused: we own the unstarted task and nobody can run it.
            unsafe { crate::ffi::destroy(frame.as_ptr()) };
            0
        }
    }
}

/// # Safety
///
/// Called by a root's final suspend with its slot and state word, on its executor's thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_root_finished(slot: u32, state: *mut u64) {
    if let (Some(core), Some(state)) = (current_core(), NonNull::new(state)) {
        // SAFETY: forwarded contract.
        unsafe { core.root_finished(slot, state) };
    }
}

/// # Safety
///
/// `executor` must be null or a live executor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_executor_run_until_finished(
    executor: *mut corobridge_executor,
    root_id: u64,
) -> c_int {
    // SAFETY: forwarded contract.
    match unsafe { core(executor) }.map(|core| core.run_until_finished(RootId::from_raw(root_id))) {
        Some(Ok(())) => 0,
        _ => -1,
    }
}

/// # Safety
///
/// `executor` must be null or a live executor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_executor_cancel(
    executor: *mut corobridge_executor,
    root_id: u64,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { own_core(executor) }.map_or(0, |core| {
        c_int::from(core.cancel_root(RootId::from_raw(root_id)))
    })
}

/// # Safety
///
/// `executor` must be null or a live executor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_executor_live_tasks(
    executor: *mut corobridge_executor,
) -> usize {
    // SAFETY: forwarded contract.
    unsafe { own_core(executor) }.map_or(0, Core::live_roots)
}

/// Returns `u64::MAX` if the executor cannot run here (wrong thread or reentrant call).
///
/// # Safety
///
/// `executor` must be null or a live executor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_executor_run_until_idle(
    executor: *mut corobridge_executor,
) -> u64 {
    // SAFETY: forwarded contract.
    match unsafe { core(executor) }.map(Core::run_until_idle) {
        Some(Ok(work)) => work,
        _ => u64::MAX,
    }
}

/// # Safety
///
/// `executor` must be null or a live executor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_executor_advance(
    executor: *mut corobridge_executor,
    ns: i64,
) -> i64 {
    // SAFETY: forwarded contract.
    let Some(core) = (unsafe { core(executor) }) else {
        return -1;
    };
    match core.advance(std::time::Duration::from_nanos(clamp_nanos(ns))) {
        Ok(Ok(work)) => i64::try_from(work).unwrap_or(i64::MAX),
        Ok(Err(_)) => -2,
        Err(_) => -1,
    }
}

/// # Safety
///
/// `executor` must be null or a live executor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_executor_is_virtual(
    executor: *mut corobridge_executor,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { core(executor) }.map_or(0, |core| c_int::from(core.is_virtual()))
}

/// # Safety
///
/// `executor` must be null or a live executor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_executor_resumes(executor: *mut corobridge_executor) -> u64 {
    // SAFETY: forwarded contract.
    unsafe { core(executor) }.map_or(0, Core::resumes)
}

/// # Safety
///
/// `out` must be valid for writing a `String`; `data` valid for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_string_write(
    out: *mut c_void,
    data: *const c_char,
    len: usize,
) {
    // SAFETY: forwarded contract.
    let bytes = unsafe { bytes(data.cast(), len) };
    let value = String::from_utf8_lossy(bytes).into_owned();
    // SAFETY: forwarded contract.
    unsafe { out.cast::<String>().write(value) };
}

/// # Safety
///
/// `out` must be valid for writing a `Vec<u8>`; `data` valid for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_bytes_write(out: *mut c_void, data: *const u8, len: usize) {
    // SAFETY: forwarded contract.
    let value = unsafe { bytes(data, len) }.to_vec();
    // SAFETY: forwarded contract.
    unsafe { out.cast::<Vec<u8>>().write(value) };
}

/// # Safety
///
/// See `detail/abi.h`: `poll` is an erased Rust future or stream owned by the caller,
/// `frame` the suspending coroutine and `await_state` its live await state (out/message
/// set), all alive until the awaiter is destroyed (which cancels first).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_await_poll(
    poll: *mut corobridge_rust_poll,
    frame: *mut c_void,
    await_state: *mut corobridge_rust_await,
) -> u8 {
    let (Some(poll), Some(await_state)) = (NonNull::new(poll), NonNull::new(await_state)) else {
        return COROBRIDGE_POLL_NO_DRIVER as u8;
    };
    // SAFETY: forwarded contract.
    unsafe { cpp_waker::await_poll(poll.cast(), frame, await_state) }
}

/// # Safety
///
/// `await_state` must be null or a live await state; call on the driving thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_await_cancel(await_state: *mut corobridge_rust_await) {
    if let Some(await_state) = NonNull::new(await_state) {
        // SAFETY: forwarded contract.
        unsafe { cpp_waker::await_cancel(await_state) };
    }
}

/// # Safety
///
/// `poll` must be null or an erased Rust future or stream whose ownership C++ holds.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_poll_drop(poll: *mut corobridge_rust_poll) {
    if let Some(poll) = NonNull::new(poll) {
        // SAFETY: forwarded contract.
        unsafe { crate::erased_poll::drop_erased(poll.cast()) };
    }
}

/// # Safety
///
/// `sink` must be null or an `ErrorSink`; the strings valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corobridge_rs_error_sink_set(
    sink: *mut corobridge_error_sink,
    type_name: *const c_char,
    type_name_len: usize,
    what: *const c_char,
    what_len: usize,
) {
    // SAFETY: forwarded contract.
    let Some(sink) = (unsafe { sink.cast::<ErrorSink>().as_mut() }) else {
        return;
    };
    // SAFETY: forwarded contract.
    let (type_name, what) = unsafe {
        (
            bytes(type_name.cast(), type_name_len),
            bytes(what.cast(), what_len),
        )
    };
    sink.exception = Some(CppException::new(
        String::from_utf8_lossy(type_name),
        String::from_utf8_lossy(what),
    ));
}

/// A byte slice from C (empty for a null pointer).
///
/// # Safety
///
/// `data` must be null or valid for `len` bytes.
unsafe fn bytes<'a>(data: *const u8, len: usize) -> &'a [u8] {
    if data.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: forwarded contract.
        unsafe { std::slice::from_raw_parts(data, len) }
    }
}

/// Every definition above has exactly the type of its bindgen-generated declaration.
#[allow(dead_code)]
const _: () = {
    macro_rules! same_signature {
        ($($name:ident: $($arg:ty),* => $ret:ty;)*) => {$(
            let _: unsafe extern "C" fn($($arg),*) -> $ret = crate::ffi::abi::$name;
            let _: unsafe extern "C" fn($($arg),*) -> $ret = $name;
        )*};
    }
    same_signature! {
        corobridge_rs_current_executor: => *mut corobridge_executor;
        corobridge_rs_executor_now: *mut corobridge_executor => i64;
        corobridge_rs_timer_add_after: i64, *mut c_void, *const c_void, *mut corobridge_timer_id => c_int;
        corobridge_rs_timer_add_at: i64, *mut c_void, *const c_void, *mut corobridge_timer_id => c_int;
        corobridge_rs_executor_timer_at: *mut corobridge_executor, i64, *mut c_void, *mut corobridge_timer_id => c_int;
        corobridge_rs_timer_cancel: *const corobridge_timer_id => ();
        corobridge_rs_executor_pending_timers: *mut corobridge_executor => usize;
        corobridge_rs_frame_freed: *mut c_void => ();
        corobridge_rs_has_driver: => c_int;
        corobridge_rs_schedule: *mut corobridge_sched_node => c_int;
        corobridge_rs_unschedule: *mut corobridge_sched_node => ();
        corobridge_rs_waker_new: *mut c_void => *mut corobridge_waker;
        corobridge_rs_waker_retain: *mut corobridge_waker => *mut corobridge_waker;
        corobridge_rs_waker_wake: *mut corobridge_waker => ();
        corobridge_rs_waker_cancel: *mut corobridge_waker => ();
        corobridge_rs_waker_release: *mut corobridge_waker => ();
        corobridge_rs_executor_new: c_int => *mut corobridge_executor;
        corobridge_rs_executor_free: *mut corobridge_executor => ();
        corobridge_rs_executor_retain: *mut corobridge_executor => c_int;
        corobridge_rs_executor_spawn: *mut corobridge_executor, corobridge_task => u64;
        corobridge_rs_root_finished: u32, *mut u64 => ();
        corobridge_rs_executor_cancel: *mut corobridge_executor, u64 => c_int;
        corobridge_rs_executor_run_until_finished: *mut corobridge_executor, u64 => c_int;
        corobridge_rs_executor_live_tasks: *mut corobridge_executor => usize;
        corobridge_rs_executor_run_until_idle: *mut corobridge_executor => u64;
        corobridge_rs_executor_advance: *mut corobridge_executor, i64 => i64;
        corobridge_rs_executor_is_virtual: *mut corobridge_executor => c_int;
        corobridge_rs_executor_resumes: *mut corobridge_executor => u64;
        corobridge_rs_await_poll: *mut corobridge_rust_poll, *mut c_void, *mut corobridge_rust_await => u8;
        corobridge_rs_await_cancel: *mut corobridge_rust_await => ();
        corobridge_rs_poll_drop: *mut corobridge_rust_poll => ();
        corobridge_rs_string_write: *mut c_void, *const c_char, usize => ();
        corobridge_rs_bytes_write: *mut c_void, *const u8, usize => ();
        corobridge_rs_error_sink_set: *mut corobridge_error_sink, *const c_char, usize, *const c_char, usize => ();
    }
};
