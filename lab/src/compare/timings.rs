//! What one suspend + resume round trip and one create + run + destroy cost in each
//! model, every case timed in alternation with the others in one process.

use std::hint::black_box;
use std::rc::Rc;
use std::sync::mpsc;

use corobridge::{Executor, Fiber, FiberStep, fiber};
use corobridge_testkit::{fiber_scenarios as fs, scenarios as s};

use super::error::{CompareError, check};
use super::model::Model;
use crate::alternation::{Case, alternate};
use crate::stats::Spread;
use crate::yield_once::YieldOnce;

/// How many rounds and how large the batches are.
#[derive(Clone, Copy, Debug)]
pub struct TimingConfig {
    /// Alternating rounds.
    pub rounds: usize,
    /// Multiplies the operations per batch.
    pub batch_scale: f64,
}

/// One model's two costs, nanoseconds per operation.
#[derive(Clone, Debug)]
pub struct ModelTimes {
    /// The model.
    pub model: Model,
    /// Suspend + resume.
    pub round_trip_ns: Spread,
    /// Create + run + destroy.
    pub lifecycle_ns: Spread,
}

/// What a round trip of `model` is, in words.
pub fn round_trip_means(model: Model) -> &'static str {
    match model {
        Model::CppCoroutine => "co_await corobridge::yield(), the executor resumes",
        Model::RustCorobridge | Model::RustTokio => "a spawned task returns Pending once, woken",
        Model::FiberRust => "Fiber::resume + fiber::yield_value (i32 each way)",
        Model::FiberCpp => "Fiber::resume + C++ fiber::yield 10 calls deep",
        Model::Thread => "ping-pong with another thread over channels",
    }
}

/// What a create + run + destroy of `model` is, in words.
pub fn lifecycle_means(model: Model) -> &'static str {
    match model {
        Model::CppCoroutine => "a C++ task<int64_t> awaited from Rust",
        Model::RustCorobridge => "Executor::spawn + await the JoinHandle",
        Model::RustTokio => "tokio::spawn + await the JoinHandle",
        Model::FiberRust => "Fiber on a pooled stack, returns at once",
        Model::FiberCpp => "Fiber on a pooled stack, into C++ 10 calls deep, returns",
        Model::Thread => "std::thread spawn + join",
    }
}

/// Times `models` (round trips in one alternation, lifecycles in another); `tick` runs
/// after each round.
///
/// # Errors
///
/// [`CompareError`] if a unit could not be made or a case gave a wrong result.
pub fn measure(
    models: &[Model],
    config: TimingConfig,
    mut tick: impl FnMut(),
) -> Result<Vec<ModelTimes>, CompareError> {
    let executor = Executor::new();
    let tokio = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|source| CompareError::Start {
            what: "tokio runtime",
            source,
        })?;
    let scale = config.batch_scale;
    let mut trips = Vec::new();
    let mut lives = Vec::new();
    // Kept alive across both alternations; each lives in its closure.
    let mut pingpong = None;
    for &model in models {
        trips.push(round_trip(model, &executor, &tokio, scale, &mut pingpong)?);
        lives.push(lifecycle(model, &executor, &tokio, scale));
    }
    let trips = alternate(config.rounds, trips, &mut tick)?;
    let lives = alternate(config.rounds, lives, &mut tick)?;
    Ok(models
        .iter()
        .zip(trips.into_iter().zip(lives))
        .map(|(&model, (trip, life))| ModelTimes {
            model,
            round_trip_ns: trip.ns_per_op,
            lifecycle_ns: life.ns_per_op,
        })
        .collect())
}

/// A thread that answers every number it receives with the next one.
struct PingPong {
    to: mpsc::Sender<u32>,
    from: mpsc::Receiver<u32>,
}

impl PingPong {
    fn start() -> Result<Self, CompareError> {
        let (to, inbox) = mpsc::channel::<u32>();
        let (reply, from) = mpsc::channel();
        std::thread::Builder::new()
            .name("compare-pingpong".to_owned())
            .spawn(move || {
                for value in inbox {
                    if reply.send(value + 1).is_err() {
                        return;
                    }
                }
            })
            .map_err(|source| CompareError::Start {
                what: "ping-pong thread",
                source,
            })?;
        Ok(Self { to, from })
    }

    fn round_trip(&self, value: u32) -> bool {
        self.to.send(value).is_ok() && self.from.recv() == Ok(value + 1)
    }
}

fn round_trip<'a>(
    model: Model,
    executor: &'a Executor,
    tokio: &'a tokio::runtime::Runtime,
    scale: f64,
    pingpong: &mut Option<Rc<PingPong>>,
) -> Result<Case<'a, CompareError>, CompareError> {
    let name = model.id();
    Ok(match model {
        Model::CppCoroutine => Case::new(name, 20_000, scale, move |n| {
            let n = i32::try_from(n).unwrap_or(i32::MAX);
            check(executor.block_on(s::yield_many(n))? == n, "cpp-coroutine")
        }),
        Model::RustCorobridge => Case::new(name, 20_000, scale, move |n| {
            let task = executor.spawn(async move {
                for _ in 0..n {
                    YieldOnce::new().await;
                }
            });
            check(executor.block_on(task).is_ok(), "rust-corobridge")
        }),
        Model::RustTokio => Case::new(name, 20_000, scale, move |n| {
            let task = tokio.spawn(async move {
                for _ in 0..n {
                    YieldOnce::new().await;
                }
            });
            check(tokio.block_on(task).is_ok(), "rust-tokio")
        }),
        Model::FiberRust => {
            let fiber = Fiber::<i32, i32, ()>::new(|mut value| {
                while let Ok(next) = fiber::yield_value::<i32, i32>(value + 1) {
                    value = next;
                }
            })?;
            Case::new(name, 50_000, scale, move |n| {
                let good = (0..n)
                    .filter(|_| matches!(fiber.resume(black_box(1)), Ok(FiberStep::Yielded(2))))
                    .count();
                check(good == n as usize, "fiber-rust")
            })
        }
        Model::FiberCpp => {
            let counters = fs::Counters::new();
            let fiber = Fiber::<i32, i32, i32>::new(move |start| {
                fs::yield_at_depth(10, start, -1, &counters).unwrap_or(-1)
            })?;
            check(fiber.resume(0)? == FiberStep::Yielded(1), "fiber-cpp")?;
            Case::new(name, 50_000, scale, move |n| {
                let good = (0..n)
                    .filter(|_| matches!(fiber.resume(black_box(1)), Ok(FiberStep::Yielded(2))))
                    .count();
                check(good == n as usize, "fiber-cpp")
            })
        }
        Model::Thread => {
            let link = match pingpong {
                Some(link) => Rc::clone(link),
                None => Rc::clone(pingpong.insert(Rc::new(PingPong::start()?))),
            };
            Case::new(name, 2_000, scale, move |n| {
                let good = (0..n).filter(|&i| link.round_trip(i)).count();
                check(good == n as usize, "thread")
            })
        }
    })
}

fn lifecycle<'a>(
    model: Model,
    executor: &'a Executor,
    tokio: &'a tokio::runtime::Runtime,
    scale: f64,
) -> Case<'a, CompareError> {
    let name = model.id();
    match model {
        Model::CppCoroutine => Case::new(name, 20_000, scale, move |n| {
            executor.block_on(async {
                for i in 0..i64::from(n) {
                    check(s::negate_i64(black_box(i)).await? == -i, "cpp-coroutine")?;
                }
                Ok(())
            })
        }),
        Model::RustCorobridge => Case::new(name, 20_000, scale, move |n| {
            executor.block_on(async {
                for i in 0..n {
                    let task = executor.spawn(async move { black_box(i) + 1 });
                    check(task.await.ok() == Some(i + 1), "rust-corobridge")?;
                }
                Ok(())
            })
        }),
        Model::RustTokio => Case::new(name, 20_000, scale, move |n| {
            tokio.block_on(async {
                for i in 0..n {
                    let task = tokio::spawn(async move { black_box(i) + 1 });
                    check(task.await.ok() == Some(i + 1), "rust-tokio")?;
                }
                Ok(())
            })
        }),
        Model::FiberRust => Case::new(name, 20_000, scale, move |n| {
            for i in 0..n {
                let fiber = Fiber::<u32, (), u32>::new(|i| black_box(i) + 1)?;
                check(fiber.resume(i)? == FiberStep::Returned(i + 1), "fiber-rust")?;
            }
            Ok(())
        }),
        Model::FiberCpp => {
            let counters = fs::Counters::new();
            Case::new(name, 20_000, scale, move |n| {
                for i in 0..n {
                    let start = i32::try_from(i).unwrap_or(0);
                    let counters = Rc::clone(&counters);
                    let fiber = Fiber::<i32, i32, i32>::new(move |start| {
                        fs::yield_at_depth(10, start, 0, &counters).unwrap_or(-1)
                    })?;
                    check(
                        fiber.resume(start)? == FiberStep::Returned(start),
                        "fiber-cpp",
                    )?;
                }
                Ok(())
            })
        }
        Model::Thread => Case::new(name, 50, scale, move |n| {
            for i in 0..n {
                let joined = std::thread::Builder::new()
                    .spawn(move || black_box(i) + 1)
                    .map_err(|source| CompareError::Start {
                        what: "thread",
                        source,
                    })?
                    .join();
                check(joined.ok() == Some(i + 1), "thread")?;
            }
            Ok(())
        }),
    }
}
