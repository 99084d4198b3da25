//! corobridge's executor: one thread, one ready queue and one timer queue for Rust
//! futures and C++ coroutine handles alike.
//!
//! Wakes only queue work (deferred resume): nothing resumes a C++ frame or re-polls a
//! Rust future inside a waker, a foreign callback or on another thread. A wake from
//! another thread goes through a locked injection queue and wakes the executor if it is
//! parked. Time is either real (monotonic) or virtual (moved by [`Executor::advance`],
//! or by [`Executor::block_on`] when nothing else can happen).
//!
//! ## Where things are
//!
//! Dependencies point one way: the run queue, the remote side and the current-driver
//! context know nothing above them (a driver is known there by its queue, its remote side
//! and an erased owner; a remote item by a pointer and a vtable); nodes build on those;
//! tasks and wake tokens on nodes; the executor (`core/`) and the local driver on all of
//! them.
//!
//! - `node.rs`: the schedulable node that Rust tasks and C++ wake tokens start with, its
//!   one state machine (drawn as a table there) and its vtable: drivers run what they pop
//!   through `node::run` and know nothing else of it. Start reading here.
//! - `run_queue.rs`: the intrusive FIFO of nodes (C++ awaiters link bare nodes into it
//!   too). `remote.rs`: the thread-safe side of a driver (wakes from other threads).
//! - `task.rs`: the cell of a spawned Rust task; `join_handle.rs`: what it runs and the
//!   `JoinHandle` that awaits it. `cpp_waker.rs`: wake tokens of
//!   suspended C++ frames, and C++'s `co_await` on a Rust future.
//! - `core/`: the executor itself: its state (`mod.rs`), its timers (`timers.rs`), what it
//!   spawns (`spawning.rs`) and its run loop (`run_loop.rs`); `roots.rs` the C++ tasks it
//!   owns, `shutdown.rs` what shutting down reports.
//! - `binding.rs`: all that a C++ coroutine stepped from Rust (`cpp_step`) needs of the
//!   driver on its thread: may it resume inline here, and once bound, is the driver still
//!   there, and how its frame is destroyed on the driver's thread.
//! - `context.rs`: which driver runs on this thread. `local_driver.rs`: the driver of a
//!   C++ task polled under another executor, with its C++ timers in `local_timers.rs`,
//!   woken by tokio's timer or by the process's one thread in `timer_thread.rs`.
//! - `timer/`: the executor's timer queue: lanes per delay and a heap of lanes (`mod.rs`),
//!   a lane's ring of chunks (`slots.rs`), tagged entries and the waker slab
//!   (`targets.rs`), prefetching (`prefetch.rs`), the window through which C++ registers
//!   a timer without a call (`window.rs`), the batches in which a due run is fired
//!   without the queue borrowed (`batch.rs`), tests (`tests.rs`);
//!   `raw_timers.rs`: the `schedule_resume` timers of bare coroutine handles;
//!   `sleep.rs`: the Rust `sleep` future.
//! - `registry.rs`: live executors by key (what C++ timer ids name).
//! - `nested_runtime.rs`, `tokio_context.rs`: a tokio `block_on` nested inside the loop,
//!   refused (the `tokio` feature).

pub(crate) mod binding;
mod context;
pub(crate) mod core;
pub(crate) mod cpp_waker;
mod frame_handoff;
mod join_handle;
pub(crate) mod local_driver;
pub(crate) mod local_timers;
pub(crate) mod nested_runtime;
mod node;
pub(crate) mod raw_timers;
pub(crate) mod registry;
mod remote;
mod roots;
pub(crate) mod run_queue;
mod shutdown;
mod sleep;
mod task;
pub(crate) mod timer;
mod timer_thread;
mod tokio_context;

use std::future::IntoFuture;
use std::rc::Rc;
use std::time::Duration;

pub(crate) use self::context::current;
pub use self::join_handle::JoinHandle;
pub use self::roots::RootId;
pub use self::shutdown::Shutdown;
pub use self::sleep::{Sleep, sleep};

use self::core::{Core, LoopError};
use self::join_handle::{JoinState, Spawned};
use crate::{BridgeValue, CppException, CppTask, Error};

/// Which clock an executor reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ClockKind {
    /// Monotonic real time.
    #[default]
    Real,
    /// Time that moves only when advanced: deterministic tests and simulation.
    Virtual,
}

/// Counters of an executor, for tests and reports. Nothing is global: every executor
/// has its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// C++ coroutine frames resumed by the executor.
    pub resumes: u64,
    /// Rust futures polled by the executor (spawned tasks and `block_on`'s future).
    pub polls: u64,
    /// Timers fired.
    pub timers_fired: u64,
    /// Wakes that arrived from other threads (or from outside the run loop).
    pub remote_wakes: u64,
    /// Timers registered and not yet fired.
    pub pending_timers: usize,
    /// Work queued to run now.
    pub ready: usize,
    /// C++ tasks owned by the executor that have not finished.
    pub live_cpp_tasks: usize,
    /// Spawned Rust tasks that have not finished.
    pub live_rust_tasks: usize,
    /// The executor's clock.
    pub now: Duration,
}

/// A spawned task that failed without anyone awaiting it, as recorded by the executor.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskFailure {
    /// A C++ task owned by the executor finished by throwing.
    Cpp {
        /// Which task.
        root: RootId,
        /// What it threw.
        exception: CppException,
    },
    /// A Rust task whose `JoinHandle` had been dropped panicked.
    Panic {
        /// The panic message.
        message: String,
    },
    /// A coroutine of a foreign type (not a corobridge task) let an exception escape.
    Foreign {
        /// What escaped.
        exception: CppException,
    },
}

/// corobridge's single-threaded executor.
///
/// ```
/// use corobridge::{Executor, sleep};
/// use std::time::Duration;
///
/// let executor = Executor::new_virtual();
/// let handle = executor.spawn(async {
///     sleep(Duration::from_millis(16)).await;
///     42
/// });
/// executor.advance(Duration::from_millis(16)).unwrap();
/// assert_eq!(executor.block_on(handle), Ok(42));
/// ```
///
/// It is not `Send`: it runs on the thread that created it. Wakers of its tasks are
/// `Send + Sync` and may be woken from anywhere. Dropping it destroys the C++ tasks and
/// drops the Rust tasks it owns.
pub struct Executor {
    core: Rc<Core>,
}

impl Default for Executor {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("virtual", &self.core.is_virtual())
            .field("stats", &self.stats())
            .finish()
    }
}

const REENTRANT: &str = "corobridge: an executor's run loop was entered from inside itself (block_on, \
     run_until_idle or advance called from a task it is running)";
const WRONG_THREAD: &str =
    "corobridge: an executor was run from another thread than the one that created it";

fn loop_result<T>(result: Result<T, LoopError>) -> T {
    match result {
        Ok(value) => value,
        Err(LoopError::Reentrant) => panic!("{REENTRANT}"),
        Err(LoopError::WrongThread) => panic!("{WRONG_THREAD}"),
    }
}

impl Executor {
    /// An executor on the real (monotonic) clock.
    pub fn new() -> Self {
        Self::with_clock(ClockKind::Real)
    }

    /// An executor on a virtual clock, which moves only when advanced.
    pub fn new_virtual() -> Self {
        Self::with_clock(ClockKind::Virtual)
    }

    /// An executor on the given clock.
    pub fn with_clock(clock: ClockKind) -> Self {
        Self {
            core: Core::new(clock),
        }
    }

    pub(crate) fn from_core(core: Rc<Core>) -> Self {
        Self { core }
    }

    pub(crate) fn into_core(self) -> Rc<Core> {
        self.core
    }

    /// True if the clock is virtual.
    pub fn is_virtual(&self) -> bool {
        self.core.is_virtual()
    }

    /// The executor's time since it was created (as of its latest turn).
    pub fn now(&self) -> Duration {
        Duration::from_nanos(self.core.now())
    }

    /// Spawns a Rust future. It starts on the next turn; the returned handle awaits its
    /// output (dropping the handle detaches the task). A panic is caught and delivered to
    /// the handle (or recorded as a [`TaskFailure`] if the handle was dropped).
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: IntoFuture + 'static,
        F::IntoFuture: 'static,
        F::Output: 'static,
    {
        let future = future.into_future();
        let weak = self.core.weak();
        let join = JoinState::new(weak.clone());
        let on_orphan_panic: join_handle::PanicSink = Rc::new(move |message| {
            if let Some(core) = weak.upgrade() {
                core.record_failure(TaskFailure::Panic { message });
            }
        });
        let task = self.core.spawn_task(Box::pin(Spawned::new(
            future,
            join.clone(),
            on_orphan_panic,
        )));
        join.set_task(&task);
        JoinHandle::new(join)
    }

    /// Hands an unstarted C++ task to the executor, which starts it on the next turn and
    /// destroys its frame when it finishes. An exception it throws is recorded as a
    /// [`TaskFailure::Cpp`]. This costs no Rust allocation: use it for many small C++
    /// behaviours (a million NPCs); use [`Executor::spawn`] with `task.into_future()` to
    /// get the value back instead.
    pub fn spawn_cpp<T: BridgeValue>(&self, task: CppTask<T>) -> Result<RootId, Error> {
        let (frame, state) = task.into_raw().ok_or(Error::EmptyTask)?;
        // SAFETY: a CppTask owns its unstarted frame; ownership passes to the executor
        // (or back to the destroy below on error).
        match unsafe { self.core.spawn_root(frame, state) } {
            Ok(id) => Ok(id),
            Err(e) => {
                // SAFETY: spawning failed, so we still own the frame.
                unsafe { crate::ffi::destroy(frame.as_ptr()) };
                Err(e)
            }
        }
    }

    /// Destroys a C++ task owned by the executor that has not finished (its locals'
    /// destructors run and its timers are removed). Returns false if it already finished.
    pub fn cancel_cpp(&self, id: RootId) -> bool {
        self.core.cancel_root(id)
    }

    /// Runs the executor until `future` completes (anything [`IntoFuture`], such as a
    /// [`CppTask`]). On a virtual clock, time jumps to the
    /// next timer whenever nothing else can happen; on a real clock the thread sleeps until
    /// the next timer or a wake from another thread.
    ///
    /// # Panics
    ///
    /// If called from inside a task this executor is running, or from another thread.
    pub fn block_on<F: IntoFuture>(&self, future: F) -> F::Output {
        loop_result(self.core.block_on(future.into_future()))
    }

    /// Runs ready work and due timers until nothing is left that can run now (never waits,
    /// never moves a virtual clock). Returns the number of resumes and polls done.
    ///
    /// # Panics
    ///
    /// As [`Executor::block_on`].
    pub fn run_until_idle(&self) -> u64 {
        loop_result(self.core.run_until_idle())
    }

    /// Virtual clock: moves time forward by `by`, stopping at each deadline on the way to
    /// fire its timers (in deadline order, then registration order) and run what they wake.
    /// Returns the number of resumes and polls done, or [`Error::NotVirtual`].
    ///
    /// # Panics
    ///
    /// As [`Executor::block_on`].
    pub fn advance(&self, by: Duration) -> Result<u64, Error> {
        self.core.advance(by).map(loop_result)
    }

    /// Current counters.
    pub fn stats(&self) -> Stats {
        self.core.stats()
    }

    /// Failures of tasks nobody awaited (C++ exceptions of spawned C++ tasks, panics of
    /// detached Rust tasks), oldest first; the list is emptied.
    pub fn take_failures(&self) -> Vec<TaskFailure> {
        self.core.take_failures()
    }

    /// Shuts the executor down: destroys every C++ task and drops every Rust task it still
    /// owns (as dropping it does), and says how many there were. Handles of those tasks
    /// then resolve to [`JoinError::Cancelled`](crate::JoinError::Cancelled); Rust awaiting
    /// a C++ task bound to this executor gets [`Error::ExecutorGone`].
    pub fn shutdown(self) -> Shutdown {
        self.core.cancel_all()
    }

    /// The `corobridge_executor*` for C++ (`corobridge::executor_ref`), as an integer so it
    /// can cross a cxx bridge. Valid while this executor lives; use it on its thread only.
    pub fn raw_handle(&self) -> usize {
        Rc::as_ptr(&self.core).expose_provenance()
    }
}
