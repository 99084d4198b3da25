//! Stackful against stackless, measured side by side in one process: what a suspend +
//! resume round trip, a create + run + destroy, and a suspended waiter cost on C++20
//! coroutines and Rust futures (stackless) and on corobridge fibers and bare corosensei
//! (stackful). `corobridge switches` prints it, and `cargo run --release` ends with it.
//!
//! Timings alternate: every round times one batch of every case in turn, and a case's
//! figure is the median over the rounds of its time per operation, so that the slow
//! spells of a shared machine hit all cases alike. Ratios between rows of one report are
//! what to compare; absolute figures move with the machine.
//!
//! ```
//! use corobridge_lab::switch_report::{SwitchConfig, measure};
//!
//! // A quick, coarse run (the command uses `SwitchConfig::default()`).
//! let report = measure(&SwitchConfig::quick()).unwrap();
//! assert!(report.round_trips.iter().all(|row| row.ns_per_op > 0.0));
//! println!("{report}");
//! ```

use std::fmt;
use std::hint::black_box;
use std::time::Duration;

use corosensei::{Coroutine, CoroutineResult};

use corobridge::{Error, Executor, Fiber, FiberError, FiberStep, fiber};
use corobridge_testkit::{fiber_scenarios as fs, scenarios as s};

use crate::alternation::{self, Case};
use crate::process_memory::rss_bytes;
use crate::switch_shape;
use crate::yield_once::YieldOnce;

/// How long and how large a [`measure`] run is.
#[derive(Clone, Debug)]
pub struct SwitchConfig {
    /// Alternating rounds; every case's figure is its median over them.
    pub rounds: usize,
    /// Multiplies every case's operations per batch (at least one operation each).
    pub batch_scale: f64,
    /// Suspended waiters of each kind for the memory comparison.
    pub waiters: usize,
}

impl Default for SwitchConfig {
    /// 21 rounds of full batches and 5,000 waiters: under a second here.
    fn default() -> Self {
        Self {
            rounds: 21,
            batch_scale: 1.0,
            waiters: 5_000,
        }
    }
}

impl SwitchConfig {
    /// A coarse run for tests and examples: 3 rounds of 1% batches, 200 waiters.
    pub fn quick() -> Self {
        Self {
            rounds: 3,
            batch_scale: 0.01,
            waiters: 200,
        }
    }
}

/// Which side of the comparison a row is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// C++20 coroutines and Rust futures: a frame of their own, no stack.
    Stackless,
    /// corobridge fibers and bare corosensei: a stack of their own.
    Stackful,
    /// An OS thread, for scale.
    Thread,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Stackless => "stackless",
            Kind::Stackful => "stackful",
            Kind::Thread => "thread",
        })
    }
}

/// One timed case.
#[derive(Clone, Debug)]
pub struct TimedRow {
    /// Stackless, stackful or a thread.
    pub kind: Kind,
    /// What was timed.
    pub name: &'static str,
    /// Median nanoseconds per operation.
    pub ns_per_op: f64,
}

/// One population of suspended waiters.
#[derive(Clone, Debug)]
pub struct MemoryRow {
    /// Stackless or stackful.
    pub kind: Kind,
    /// What waits.
    pub name: &'static str,
    /// Resident bytes per waiter (growth of the process's resident set while they were
    /// created and suspended, divided by their number); `None` where the resident set is
    /// not readable (not Linux).
    pub resident_bytes: Option<f64>,
    /// Address space reserved per waiter beyond its resident bytes (a fiber's stack).
    pub reserved_bytes: usize,
}

/// The comparison [`measure`] returns; `Display` prints it as tables.
#[derive(Clone, Debug)]
pub struct SwitchReport {
    /// Rounds the medians are over.
    pub rounds: usize,
    /// Suspend + resume round trips.
    pub round_trips: Vec<TimedRow>,
    /// Create + run + destroy.
    pub lifecycles: Vec<TimedRow>,
    /// Suspended waiters, each waiting on a 1 s timer of a virtual clock.
    pub waiters: Vec<MemoryRow>,
    /// How many waiters of each kind.
    pub waiter_count: usize,
}

impl SwitchReport {
    /// The round trip or lifecycle row named `name`.
    pub fn row(&self, name: &str) -> Option<&TimedRow> {
        self.round_trips
            .iter()
            .chain(&self.lifecycles)
            .find(|row| row.name == name)
    }
}

/// Why a measurement could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SwitchReportError {
    /// A fiber could not be created or failed.
    #[error("fiber: {0}")]
    Fiber(#[from] FiberError),
    /// A C++ task failed or the executor refused it.
    #[error("C++ task: {0}")]
    Task(#[from] Error),
    /// A case did not produce the value it must (the measurement would be meaningless).
    #[error("the case {0:?} produced a wrong result")]
    WrongResult(&'static str),
    /// A thread could not be spawned or joined.
    #[error("thread: {0}")]
    Thread(String),
}

/// Row names, shared by [`measure`] and the tests.
pub mod names {
    /// A C++ coroutine's `co_await corobridge::yield()`, resumed by the executor.
    pub const CPP_COROUTINE_YIELD: &str = "C++ coroutine: co_await yield(), executor resumes";
    /// A Rust future returning `Pending` once per turn, polled again by the executor.
    pub const RUST_FUTURE_YIELD: &str = "Rust future: yield, executor polls again";
    /// A fiber polled by the executor whose C++ code yields unit each turn.
    pub const FIBER_POLLED_YIELD: &str = "Fiber as a future: C++ fiber::yield(), executor polls";
    /// `Fiber::resume` with a Rust `fiber::yield_value`.
    pub const FIBER_RUST_YIELD: &str = "Fiber::resume + Rust yield_value (i32 each way)";
    /// `Fiber::resume` with a C++ `corobridge::fiber::yield` ten calls deep.
    pub const FIBER_CPP_YIELD: &str = "Fiber::resume + C++ fiber::yield, 10 calls deep";
    /// Bare corosensei, suspended from C++ ten calls deep.
    pub const RAW_FROM_CPP: &str = "bare corosensei, suspended from C++ 10 calls deep";
    /// Bare corosensei switched through as many frames as a fiber poll returns through.
    pub const RAW_POLL_SHAPE: &str = "bare corosensei in that poll's call shape (3 + 2 frames)";
    /// Bare corosensei with the yield inlined into the loop.
    pub const RAW_INLINED: &str = "bare corosensei, yield inlined into the loop";
    /// A C++ `task<int64_t>` awaited from Rust.
    pub const CPP_TASK: &str = "C++ task<int64_t> awaited from Rust";
    /// A fiber on a pooled stack.
    pub const FIBER_POOLED: &str = "Fiber, pooled stack";
    /// A fiber on a freshly mapped stack.
    pub const FIBER_FRESH: &str = "Fiber, fresh stack";
    /// `std::thread::spawn` + `join`.
    pub const THREAD: &str = "std::thread spawn + join";
    /// C++ tasks waiting on a timer.
    pub const CPP_WAITER: &str = "C++ task<int32_t> in co_await sleep_for";
    /// Rust futures (`corobridge::sleep`) waiting on a timer.
    pub const RUST_WAITER: &str = "Rust future: corobridge::sleep";
    /// Fibers waiting on a timer.
    pub const FIBER_WAITER: &str = "Fiber in fiber::sleep";
}

/// Times `cases` in alternation ([`crate::alternation`]); the rows in the order given.
fn alternate(
    rounds: usize,
    cases: Vec<(Kind, Case<'_, SwitchReportError>)>,
) -> Result<Vec<TimedRow>, SwitchReportError> {
    let (kinds, cases): (Vec<Kind>, Vec<_>) = cases.into_iter().unzip();
    let timed = alternation::alternate(rounds, cases, || ())?;
    Ok(kinds
        .into_iter()
        .zip(timed)
        .map(|(kind, t)| TimedRow {
            kind,
            name: t.name,
            ns_per_op: t.ns_per_op.median,
        })
        .collect())
}

fn check(ok: bool, name: &'static str) -> Result<(), SwitchReportError> {
    if ok {
        Ok(())
    } else {
        Err(SwitchReportError::WrongResult(name))
    }
}

/// Runs `step` `n` times; returns how many times it returned true.
#[inline]
fn count(n: u32, mut step: impl FnMut() -> bool) -> u32 {
    let mut good = 0;
    for _ in 0..n {
        good += u32::from(black_box(step()));
    }
    good
}

fn round_trips(config: &SwitchConfig) -> Result<Vec<TimedRow>, SwitchReportError> {
    use names::*;
    let scale = config.batch_scale;
    let executor = Executor::new();

    let rust_fiber = Fiber::<i32, i32, ()>::new(|mut value| {
        loop {
            match fiber::yield_value::<i32, i32>(value + 1) {
                Ok(next) => value = next,
                Err(_) => return,
            }
        }
    })?;
    let counters = fs::Counters::new();
    let fiber_counters = counters.clone();
    let cpp_fiber = Fiber::<i32, i32, i32>::new(move |start| {
        fs::yield_at_depth(10, start, -1, &fiber_counters).unwrap_or(-1)
    })?;
    check(
        cpp_fiber.resume(0)? == FiberStep::Yielded(1),
        FIBER_CPP_YIELD,
    )?;
    let raw_counters = counters.clone();
    let mut raw_from_cpp = Coroutine::<i32, i32, ()>::new(move |yielder, value| {
        let _ = fs::switch_at_depth(10, value, -1, &mut |v| yielder.suspend(v), &raw_counters);
    });
    // The fiber poll's call shape: between switches, the executor's side returns through
    // `Fiber::poll`, `Spawned::poll` and `TaskCell::run`, the fiber's through
    // `corobridge_rs_fiber_yield` and the C++ function that yields (`switch_shape`).
    let mut raw_poll_shape = Coroutine::<u32, u32, ()>::new(|yielder, mut value| {
        // Ends on a zero.
        while value != 0 {
            value = switch_shape::suspend_through(yielder, 2, value + 1);
        }
    });
    let mut raw_inlined = Coroutine::<i32, i32, ()>::new(|yielder, mut value| {
        // Ends on a negative value, like the C++ loop above.
        while value >= 0 {
            value = yielder.suspend(value + 1);
        }
    });

    let cases = vec![
        (
            Kind::Stackless,
            Case::new(CPP_COROUTINE_YIELD, 20_000, scale, |n| {
                let n = i32::try_from(n).unwrap_or(i32::MAX);
                check(
                    executor.block_on(s::yield_many(n))? == n,
                    CPP_COROUTINE_YIELD,
                )
            }),
        ),
        (
            Kind::Stackless,
            Case::new(RUST_FUTURE_YIELD, 20_000, scale, |n| {
                executor.block_on(async {
                    for _ in 0..n {
                        YieldOnce::new().await;
                    }
                });
                Ok(())
            }),
        ),
        (
            Kind::Stackful,
            Case::new(FIBER_POLLED_YIELD, 20_000, scale, |n| {
                let n = i32::try_from(n).unwrap_or(i32::MAX);
                let fiber =
                    Fiber::<(), (), Result<i32, FiberError>>::new(move |()| fs::echo_unit(n))?;
                check(executor.block_on(fiber)?? == n, FIBER_POLLED_YIELD)
            }),
        ),
        (
            Kind::Stackful,
            Case::new(RAW_POLL_SHAPE, 20_000, scale, |n| {
                let good = count(n, || {
                    switch_shape::resume_through(&mut raw_poll_shape, 3, black_box(1)) == Some(2)
                });
                check(good == n, RAW_POLL_SHAPE)
            }),
        ),
        // The loops below only count the steps that yielded the expected value and check
        // the count afterwards, so that every switch case runs the same loop shape.
        (
            Kind::Stackful,
            Case::new(FIBER_RUST_YIELD, 50_000, scale, |n| {
                let good = count(n, || {
                    matches!(rust_fiber.resume(black_box(1)), Ok(FiberStep::Yielded(2)))
                });
                check(good == n, FIBER_RUST_YIELD)
            }),
        ),
        (
            Kind::Stackful,
            Case::new(FIBER_CPP_YIELD, 50_000, scale, |n| {
                let good = count(n, || {
                    matches!(cpp_fiber.resume(black_box(1)), Ok(FiberStep::Yielded(2)))
                });
                check(good == n, FIBER_CPP_YIELD)
            }),
        ),
        (
            Kind::Stackful,
            Case::new(RAW_FROM_CPP, 50_000, scale, |n| {
                let good = count(n, || {
                    matches!(raw_from_cpp.resume(black_box(1)), CoroutineResult::Yield(2))
                });
                check(good == n, RAW_FROM_CPP)
            }),
        ),
        (
            Kind::Stackful,
            Case::new(RAW_INLINED, 200_000, scale, |n| {
                let good = count(n, || {
                    matches!(raw_inlined.resume(black_box(1)), CoroutineResult::Yield(2))
                });
                check(good == n, RAW_INLINED)
            }),
        ),
    ];
    let rows = alternate(config.rounds, cases);
    // Ends the raw coroutines' endless loops (a negative value), so that they return
    // instead of being unwound when dropped: an unwind on a stack that AddressSanitizer was
    // not told of would give false reports in that build mode.
    check(
        matches!(raw_from_cpp.resume(-1), CoroutineResult::Return(())),
        RAW_FROM_CPP,
    )?;
    check(
        matches!(raw_inlined.resume(-1), CoroutineResult::Return(())),
        RAW_INLINED,
    )?;
    check(
        switch_shape::resume_through(&mut raw_poll_shape, 1, 0).is_none(),
        RAW_POLL_SHAPE,
    )?;
    rows
}

fn lifecycles(config: &SwitchConfig) -> Result<Vec<TimedRow>, SwitchReportError> {
    use names::*;
    let scale = config.batch_scale;
    let executor = Executor::new();
    let cases = vec![
        (
            Kind::Stackless,
            Case::new(CPP_TASK, 20_000, scale, |n| {
                executor.block_on(async {
                    for i in 0..i64::from(n) {
                        check(s::negate_i64(black_box(i)).await? == -i, CPP_TASK)?;
                    }
                    Ok(())
                })
            }),
        ),
        (
            Kind::Stackful,
            Case::new(FIBER_POOLED, 20_000, scale, |n| {
                for i in 0..n {
                    let fiber = Fiber::<u32, (), u32>::new(|i| black_box(i) + 1)?;
                    check(fiber.resume(i)? == FiberStep::Returned(i + 1), FIBER_POOLED)?;
                }
                Ok(())
            }),
        ),
        (
            Kind::Stackful,
            Case::new(FIBER_FRESH, 200, scale, |n| {
                for i in 0..n {
                    let fiber = Fiber::<u32, (), u32>::builder()
                        .fresh_stack()
                        .build(|i| black_box(i) + 1)?;
                    check(fiber.resume(i)? == FiberStep::Returned(i + 1), FIBER_FRESH)?;
                }
                Ok(())
            }),
        ),
        (
            Kind::Thread,
            Case::new(THREAD, 50, scale, |n| {
                for i in 0..n {
                    let joined = std::thread::Builder::new()
                        .spawn(move || black_box(i) + 1)
                        .map_err(|e| SwitchReportError::Thread(e.to_string()))?
                        .join()
                        .map_err(|_| SwitchReportError::Thread("the thread panicked".to_owned()))?;
                    check(joined == i + 1, THREAD)?;
                }
                Ok(())
            }),
        ),
    ];
    alternate(config.rounds, cases)
}

/// Grows the population by `count` waiters with `spawn`, runs the executor until all
/// wait, and returns the resident bytes per waiter.
fn per_waiter(
    executor: &Executor,
    count: usize,
    mut spawn: impl FnMut() -> Result<(), SwitchReportError>,
) -> Result<Option<f64>, SwitchReportError> {
    let before = rss_bytes();
    for _ in 0..count {
        spawn()?;
    }
    executor.run_until_idle();
    let after = rss_bytes();
    Ok(before
        .zip(after)
        .map(|(b, a)| a.saturating_sub(b) as f64 / count.max(1) as f64))
}

/// Every population stays alive until all are measured, so none reuses memory another
/// one freed.
fn waiters(config: &SwitchConfig) -> Result<Vec<MemoryRow>, SwitchReportError> {
    use names::*;
    let executor = Executor::new_virtual();
    let count = config.waiters.max(1);
    let wait = Duration::from_secs(1);

    let mut fiber_handles = Vec::with_capacity(count);
    let fibers = per_waiter(&executor, count, || {
        let fiber = Fiber::<(), (), Result<(), FiberError>>::new(move |()| fiber::sleep(wait))?;
        fiber_handles.push(executor.spawn(fiber));
        Ok(())
    })?;
    let cpp = per_waiter(&executor, count, || {
        executor.spawn_cpp(s::add_after(1, 2, 1_000))?;
        Ok(())
    })?;
    let mut rust_handles = Vec::with_capacity(count);
    let rust = per_waiter(&executor, count, || {
        rust_handles.push(executor.spawn(corobridge::sleep(wait)));
        Ok(())
    })?;
    let stack = corobridge::fiber::DEFAULT_STACK_SIZE;
    let rows = vec![
        MemoryRow {
            kind: Kind::Stackless,
            name: CPP_WAITER,
            resident_bytes: cpp,
            reserved_bytes: 0,
        },
        MemoryRow {
            kind: Kind::Stackless,
            name: RUST_WAITER,
            resident_bytes: rust,
            reserved_bytes: 0,
        },
        MemoryRow {
            kind: Kind::Stackful,
            name: FIBER_WAITER,
            resident_bytes: fibers,
            reserved_bytes: stack,
        },
    ];
    // Let every waiter finish: each must have waited, and none failed.
    executor.advance(wait)?;
    check(
        fiber_handles
            .iter_mut()
            .all(|handle| matches!(handle.try_take(), Some(Ok(Ok(Ok(())))))),
        FIBER_WAITER,
    )?;
    check(executor.take_failures().is_empty(), CPP_WAITER)?;
    check(rust_handles.iter().all(|h| h.is_finished()), RUST_WAITER)?;
    Ok(rows)
}

/// Measures everything, in one process on this thread: round trips, lifecycles, then the
/// suspended waiters.
///
/// # Errors
///
/// [`SwitchReportError`] if a fiber, task or thread could not be made, or a case did not
/// produce its expected value.
pub fn measure(config: &SwitchConfig) -> Result<SwitchReport, SwitchReportError> {
    let waiters = waiters(config)?;
    Ok(SwitchReport {
        rounds: config.rounds.max(1),
        round_trips: round_trips(config)?,
        lifecycles: lifecycles(config)?,
        waiters,
        waiter_count: config.waiters.max(1),
    })
}

fn write_timed(
    f: &mut fmt::Formatter<'_>,
    width: usize,
    title: &str,
    rows: &[TimedRow],
    note: impl Fn(&TimedRow) -> String,
) -> fmt::Result {
    writeln!(f, "{title:<w$} {:>10}", "ns/op", w = width + 13)?;
    for row in rows {
        let note = note(row);
        writeln!(
            f,
            "  {:<10} {:<width$} {:>10.1}{}{note}",
            row.kind.to_string(),
            row.name,
            row.ns_per_op,
            if note.is_empty() { "" } else { "  " },
        )?;
    }
    Ok(())
}

impl fmt::Display for SwitchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use names::*;
        writeln!(
            f,
            "stackful vs stackless (medians of {} alternating rounds; compare ratios)",
            self.rounds
        )?;
        let ratio = |a: &str, b: &str| -> Option<f64> {
            let (a, b) = (self.row(a)?, self.row(b)?);
            (b.ns_per_op > 0.0).then(|| a.ns_per_op / b.ns_per_op)
        };
        let width = self
            .round_trips
            .iter()
            .chain(&self.lifecycles)
            .map(|row| row.name.len())
            .chain(self.waiters.iter().map(|row| row.name.len()))
            .max()
            .unwrap_or(0);
        write_timed(
            f,
            width,
            "suspend + resume round trip",
            &self.round_trips,
            |row| match row.name {
                FIBER_CPP_YIELD => ratio(FIBER_CPP_YIELD, RAW_FROM_CPP)
                    .map(|r| format!("{r:.2}x bare corosensei from C++"))
                    .unwrap_or_default(),
                FIBER_POLLED_YIELD => [
                    ratio(FIBER_POLLED_YIELD, CPP_COROUTINE_YIELD)
                        .map(|r| format!("{r:.2}x the C++ coroutine")),
                    ratio(FIBER_POLLED_YIELD, RAW_POLL_SHAPE)
                        .map(|r| format!("{r:.2}x bare corosensei in its shape")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
                _ => String::new(),
            },
        )?;
        write_timed(
            f,
            width,
            "create + run + destroy",
            &self.lifecycles,
            |row| match row.name {
                FIBER_POOLED => ratio(THREAD, FIBER_POOLED)
                    .map(|r| format!("{r:.0}x cheaper than a thread"))
                    .unwrap_or_default(),
                _ => String::new(),
            },
        )?;
        writeln!(
            f,
            "{:<w$} {:>10}",
            format!(
                "suspended waiters ({} of each, on a 1 s timer)",
                self.waiter_count
            ),
            "bytes each",
            w = width + 13
        )?;
        for row in &self.waiters {
            let resident = row
                .resident_bytes
                .map_or_else(|| "unknown".to_owned(), |b| format!("{b:.0}"));
            let reserved = if row.reserved_bytes > 0 {
                format!(
                    "resident, + {} KiB stack reserved",
                    row.reserved_bytes / 1024
                )
            } else {
                "resident".to_owned()
            };
            writeln!(
                f,
                "  {:<10} {:<width$} {:>10}  {reserved}",
                row.kind.to_string(),
                row.name,
                resident,
            )?;
        }
        Ok(())
    }
}
