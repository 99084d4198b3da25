//! Memory at scale: a population of one model's units, grown to each requested size while
//! every unit stays alive and suspended, with the resident-memory growth per unit, and
//! then grown on until something stops it (or a cap). Runs in a child process of its own
//! (`corobridge memory-probe`), so that one model's memory and failures cannot touch
//! another's.

use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use corobridge::{Executor, Fiber, FiberStep, fiber};
use corobridge_testkit::{fiber_scenarios as fs, scenarios as s};

use super::error::{CompareError, check};
use super::format::count;
use super::model::Model;
use crate::process_memory::rss_bytes;

/// What a population probe measured for one model.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Population {
    /// One point per requested size, in increasing order, up to the first not reached.
    pub points: Vec<MemoryPoint>,
    /// The most units alive at once.
    pub max_alive: u64,
    /// What bounded `max_alive`.
    pub limit: Limit,
}

/// Resident memory per unit with a number of units alive and suspended.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MemoryPoint {
    /// Units asked for.
    pub requested: u64,
    /// Units alive when measured (fewer than requested when a limit stopped the growth).
    pub reached: u64,
    /// Growth of the process's resident set since the population was empty, per unit.
    pub resident_bytes_per_unit: f64,
}

/// What stopped a population from growing.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Limit {
    /// Creating one more unit failed: the error, with the system limits that bear on it.
    Failed {
        /// The error and the relevant system limits.
        what: String,
    },
    /// The probe stopped at its cap without a failure.
    Cap {
        /// The cap.
        cap: u64,
    },
    /// Not probed to failure (a stackless unit is bounded by memory alone): how many
    /// would fit in the memory available when the probe started, at the measured size.
    MemoryBound {
        /// `MemAvailable` / bytes per unit at the largest size.
        estimate: u64,
    },
}

impl Limit {
    /// The limit in words.
    pub fn text(&self) -> String {
        match self {
            Limit::Failed { what } => what.clone(),
            Limit::Cap { cap } => format!("probe cap {} reached, no failure", count(*cap)),
            Limit::MemoryBound { estimate } => {
                format!(
                    "memory-bound: about {} would fit in available memory",
                    count(*estimate)
                )
            }
        }
    }
}

/// Why no further unit was added.
enum Stop {
    /// Creating it failed: the error.
    Failed(String),
    /// The probe declined, to stay clear of a limit that would kill the process: why.
    Declined(String),
}

impl From<String> for Stop {
    fn from(error: String) -> Self {
        Stop::Failed(error)
    }
}

/// Units of one model, kept alive and suspended.
trait Units {
    /// Creates one more unit; `Err` says why it could not be.
    fn add(&mut self) -> Result<(), Stop>;
    /// Lets every unit reach its suspension point.
    fn settle(&mut self) -> Result<(), CompareError>;
    /// Units alive.
    fn len(&self) -> usize;
}

/// Grows a population of `model` through `sizes`, then (models with a stack) on to `cap`.
///
/// # Errors
///
/// [`CompareError`] if the model's machinery itself failed (not when a unit could not be
/// created: that ends the growth and is reported as the [`Limit`]).
pub fn probe(
    model: Model,
    sizes: &[usize],
    cap: usize,
    mut measured: impl FnMut(&MemoryPoint),
) -> Result<Population, CompareError> {
    let mut sizes = sizes.to_vec();
    sizes.sort_unstable();
    sizes.dedup();
    let largest = sizes.last().copied().unwrap_or(1);
    let capacity = if model.has_stack() {
        cap.max(largest)
    } else {
        largest
    };
    let available = available_memory_bytes();
    let mut units = units(model, capacity)?;
    units.settle()?;
    let base = rss_bytes().unwrap_or(0);
    let mut points = Vec::new();
    let mut failure = None;
    for &size in &sizes {
        failure = grow(units.as_mut(), size);
        units.settle()?;
        let reached = units.len();
        if reached > 0 {
            let rss = rss_bytes().unwrap_or(0);
            let point = MemoryPoint {
                requested: size as u64,
                reached: reached as u64,
                resident_bytes_per_unit: rss.saturating_sub(base) as f64 / reached as f64,
            };
            measured(&point);
            points.push(point);
        }
        if failure.is_some() {
            break;
        }
    }
    if failure.is_none() && model.has_stack() && cap > units.len() {
        failure = grow(units.as_mut(), cap);
        units.settle()?;
    }
    let max_alive = units.len() as u64;
    let limit = match failure {
        Some(Stop::Failed(error)) => Limit::Failed {
            what: format!(
                "creation #{} failed: {error}; {}",
                count(max_alive + 1),
                limits()
            ),
        },
        Some(Stop::Declined(why)) => Limit::Failed {
            what: format!("stopped at {}: {why}", count(max_alive)),
        },
        None if model.has_stack() => Limit::Cap { cap: max_alive },
        None => {
            let per_unit = points.last().map_or(0.0, |p| p.resident_bytes_per_unit);
            Limit::MemoryBound {
                estimate: available
                    .filter(|_| per_unit > 0.0)
                    .map_or(0, |bytes| (bytes as f64 / per_unit) as u64),
            }
        }
    };
    drop(units);
    Ok(Population {
        points,
        max_alive,
        limit,
    })
}

/// Adds units until there are `to`; why the first that was not added was not.
fn grow(units: &mut dyn Units, to: usize) -> Option<Stop> {
    while units.len() < to {
        if let Err(error) = units.add() {
            return Some(error);
        }
    }
    None
}

/// The system limits that bound stacks and threads, as read from /proc.
fn limits() -> String {
    let read = |path: &str| {
        std::fs::read_to_string(path).map_or_else(|_| "unknown".to_owned(), |s| s.trim().to_owned())
    };
    format!(
        "vm.max_map_count = {} (a guarded stack of its own takes two mappings; a slab of \
         stacks, one), kernel.threads-max = {}",
        read("/proc/sys/vm/max_map_count"),
        read("/proc/sys/kernel/threads-max")
    )
}

/// `MemAvailable` from /proc/meminfo, in bytes.
fn available_memory_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// An empty population of `model` with room for `capacity` units (reserved up front: at
/// the mapping limit, growing a vector could fail).
fn units(model: Model, capacity: usize) -> Result<Box<dyn Units>, CompareError> {
    Ok(match model {
        Model::CppCoroutine => Box::new(CppTasks::new()),
        Model::RustCorobridge => Box::new(RustTasks::new()),
        Model::RustTokio => Box::new(TokioTasks::new()?),
        Model::FiberRust => Box::new(rust_fibers(capacity)),
        Model::FiberCpp => Box::new(cpp_fibers(capacity)),
        Model::Thread => Box::new(Threads::new(capacity)),
    })
}

/// An hour: longer than any probe, so that every waiter stays suspended.
const WAIT: Duration = Duration::from_secs(3600);

/// C++ `task<int32_t>`s suspended in `co_await sleep_for` on a virtual clock.
struct CppTasks {
    executor: Executor,
    count: usize,
}

impl CppTasks {
    fn new() -> Self {
        Self {
            executor: Executor::new_virtual(),
            count: 0,
        }
    }
}

impl Units for CppTasks {
    fn add(&mut self) -> Result<(), Stop> {
        self.executor
            .spawn_cpp(s::add_after(1, 2, 3_600_000))
            .map_err(|e| e.to_string())?;
        self.count += 1;
        Ok(())
    }
    fn settle(&mut self) -> Result<(), CompareError> {
        self.executor.run_until_idle();
        check(self.executor.take_failures().is_empty(), "cpp-coroutine")
    }
    fn len(&self) -> usize {
        self.count
    }
}

/// Rust tasks suspended in `corobridge::sleep` on a virtual clock.
struct RustTasks {
    executor: Executor,
    count: usize,
}

impl RustTasks {
    fn new() -> Self {
        Self {
            executor: Executor::new_virtual(),
            count: 0,
        }
    }
}

impl Units for RustTasks {
    fn add(&mut self) -> Result<(), Stop> {
        drop(self.executor.spawn(corobridge::sleep(WAIT)));
        self.count += 1;
        Ok(())
    }
    fn settle(&mut self) -> Result<(), CompareError> {
        self.executor.run_until_idle();
        Ok(())
    }
    fn len(&self) -> usize {
        self.count
    }
}

/// Rust tasks suspended in `tokio::time::sleep` on a current-thread runtime.
struct TokioTasks {
    runtime: tokio::runtime::Runtime,
    count: usize,
}

impl TokioTasks {
    fn new() -> Result<Self, CompareError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map_err(|source| CompareError::Start {
                what: "tokio runtime",
                source,
            })?;
        Ok(Self { runtime, count: 0 })
    }
}

impl Units for TokioTasks {
    fn add(&mut self) -> Result<(), Stop> {
        // The sleep is made inside the task, where the runtime's timer is current.
        drop(self.runtime.spawn(async { tokio::time::sleep(WAIT).await }));
        self.count += 1;
        Ok(())
    }
    fn settle(&mut self) -> Result<(), CompareError> {
        // The scheduler runs tasks in the order spawned: once a task spawned last has run,
        // every earlier one has been polled to its sleep.
        let last = self.runtime.spawn(async {});
        let ran = self.runtime.block_on(last).is_ok();
        check(ran, "rust-tokio")
    }
    fn len(&self) -> usize {
        self.count
    }
}

/// Makes one fiber of a population.
type MakeFiber<I, Y, R> = Box<dyn FnMut() -> Result<Fiber<I, Y, R>, corobridge::FiberError>>;

/// Fibers on guarded stacks from the thread's default pool (slab stacks where the kernel
/// has guard regions), resumed once to their first suspension.
struct Fibers<I: 'static, Y: 'static, R: 'static> {
    fibers: Vec<Fiber<I, Y, R>>,
    make: MakeFiber<I, Y, R>,
    /// What the first resume passes in.
    first: I,
    /// What a fiber yields when it suspends.
    suspended: Y,
}

impl<I: Clone + 'static, Y: PartialEq + std::fmt::Debug + 'static, R: std::fmt::Debug + 'static>
    Units for Fibers<I, Y, R>
{
    fn add(&mut self) -> Result<(), Stop> {
        let fiber = (self.make)().map_err(|e| e.to_string())?;
        match fiber.resume(self.first.clone()) {
            Ok(FiberStep::Yielded(y)) if y == self.suspended => {
                self.fibers.push(fiber);
                Ok(())
            }
            other => Err(Stop::Failed(format!(
                "the fiber did not suspend: {other:?}"
            ))),
        }
    }
    fn settle(&mut self) -> Result<(), CompareError> {
        Ok(())
    }
    fn len(&self) -> usize {
        self.fibers.len()
    }
}

/// Fibers suspended in a Rust `fiber::yield_value`.
fn rust_fibers(capacity: usize) -> Fibers<(), (), ()> {
    Fibers {
        fibers: Vec::with_capacity(capacity),
        make: Box::new(|| {
            Fiber::new(|()| {
                let _ = fiber::yield_value::<(), ()>(());
            })
        }),
        first: (),
        suspended: (),
    }
}

/// Fibers suspended by C++ `corobridge::fiber::yield` ten C++ calls deep.
fn cpp_fibers(capacity: usize) -> Fibers<i32, i32, i32> {
    let counters = fs::Counters::new();
    Fibers {
        fibers: Vec::with_capacity(capacity),
        make: Box::new(move || {
            let counters = Rc::clone(&counters);
            Fiber::new(move |start| fs::yield_at_depth(10, start, -1, &counters).unwrap_or(-1))
        }),
        first: 0,
        suspended: 1,
    }
}

/// Threads blocked on a lock this probe holds until it ends.
///
/// Each `std::thread` takes several memory mappings (its stack and guard page, and the
/// alternate signal stack std sets up for overflow reports, with its own guard), and std
/// aborts the whole process when a new thread's signal-stack mapping fails. So the probe
/// counts the process's mappings as it goes and stops before the next thread would pass
/// `vm.max_map_count`, reporting that limit instead of dying at it.
struct Threads {
    maps: MapBudget,
    gate: &'static RwLock<()>,
    closed: Option<std::sync::RwLockWriteGuard<'static, ()>>,
    started: Arc<AtomicUsize>,
    threads: Vec<JoinHandle<()>>,
}

impl Threads {
    fn new(capacity: usize) -> Self {
        // The gate lives as long as the process: leaking it lets the threads and the
        // guard borrow it for 'static without unsafe code (one small allocation per
        // probe process).
        let gate: &'static RwLock<()> = Box::leak(Box::new(RwLock::new(())));
        let closed = gate.write().ok();
        Self {
            maps: MapBudget::new(),
            gate,
            closed,
            started: Arc::new(AtomicUsize::new(0)),
            threads: Vec::with_capacity(capacity),
        }
    }
}

impl Units for Threads {
    fn add(&mut self) -> Result<(), Stop> {
        self.maps.admit(self.threads.len())?;
        let gate = self.gate;
        let started = Arc::clone(&self.started);
        let thread = std::thread::Builder::new()
            .spawn(move || {
                started.fetch_add(1, Ordering::Release);
                drop(gate.read());
            })
            .map_err(|e| Stop::Failed(format!("std::thread::Builder::spawn: {e}")))?;
        self.threads.push(thread);
        Ok(())
    }
    fn settle(&mut self) -> Result<(), CompareError> {
        while self.started.load(Ordering::Acquire) < self.threads.len() {
            std::thread::sleep(Duration::from_micros(200));
        }
        Ok(())
    }
    fn len(&self) -> usize {
        self.threads.len()
    }
}

impl Drop for Threads {
    fn drop(&mut self) {
        self.closed = None;
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Mappings kept free for everything else the process maps (heap arenas, the report).
const MAP_RESERVE: usize = 1024;
/// How often (in threads) the mappings are counted again.
const MAP_RECOUNT: usize = 256;

/// Tracks how close the process is to `vm.max_map_count` while threads are added.
struct MapBudget {
    /// `vm.max_map_count` (None: unknown, no guard).
    max: Option<usize>,
    /// Mappings before the first thread.
    base: usize,
    /// Mappings one thread takes (measured at each recount; 4 until the first).
    per_thread: f64,
    /// Threads allowed in all, once the headroom is short.
    stop_at: Option<usize>,
}

impl MapBudget {
    fn new() -> Self {
        Self {
            max: std::fs::read_to_string("/proc/sys/vm/max_map_count")
                .ok()
                .and_then(|s| s.trim().parse().ok()),
            base: mappings().unwrap_or(0),
            per_thread: 4.0,
            stop_at: None,
        }
    }

    /// `Ok` if thread number `alive + 1` fits under the limit.
    fn admit(&mut self, alive: usize) -> Result<(), Stop> {
        let Some(max) = self.max else {
            return Ok(());
        };
        if alive.is_multiple_of(MAP_RECOUNT) && self.stop_at.is_none() {
            let now = mappings().unwrap_or(self.base);
            if alive > 0 {
                self.per_thread = (now.saturating_sub(self.base) as f64 / alive as f64).max(1.0);
            }
            let headroom = max.saturating_sub(now + MAP_RESERVE) as f64;
            if headroom < self.per_thread * (MAP_RECOUNT * 2) as f64 {
                self.stop_at = Some(alive + (headroom / self.per_thread) as usize);
            }
        }
        match self.stop_at {
            Some(stop) if alive >= stop => Err(Stop::Declined(format!(
                "the next threads would pass vm.max_map_count = {max}: each std::thread \
                 takes {:.1} memory mappings (stack, guard page, signal stack and its \
                 guard), and std aborts the process when a thread's signal-stack mapping \
                 fails",
                self.per_thread
            ))),
            _ => Ok(()),
        }
    }
}

/// The process's memory mappings now (lines of /proc/self/maps).
fn mappings() -> Option<usize> {
    Some(
        std::fs::read_to_string("/proc/self/maps")
            .ok()?
            .lines()
            .count(),
    )
}
