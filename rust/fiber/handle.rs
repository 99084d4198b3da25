//! [`Fiber`]: a stackful coroutine on corosensei that Rust and C++ code can suspend from
//! any call depth.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr;
use std::task::{Context, Poll};

use corosensei::{Coroutine, CoroutineResult, Yielder};

use super::current::{self, Destroying, Header, State, Types};
use super::stack::FiberStack;
use super::stack_pool::StackPool;
use super::suspend;
use super::suspension::Suspension;
use super::{FiberBuilder, FiberError, base, value};
use crate::error::panic_message;
use crate::ffi::fiber_abi::COROBRIDGE_FIBER_VALUE_RUST;
use crate::pooled::PoolBox;

/// What [`Fiber::resume`] returns when the fiber stops running.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FiberStep<Y, R> {
    /// The fiber suspended itself, handing over this value; resume it again to continue.
    Yielded(Y),
    /// The fiber's body returned this value; the fiber is finished.
    Returned(R),
}

impl<Y, R> FiberStep<Y, R> {
    /// The yielded value, if the fiber yielded.
    pub fn yielded(self) -> Option<Y> {
        match self {
            FiberStep::Yielded(value) => Some(value),
            FiberStep::Returned(_) => None,
        }
    }

    /// The returned value, if the fiber finished.
    pub fn returned(self) -> Option<R> {
        match self {
            FiberStep::Returned(value) => Some(value),
            FiberStep::Yielded(_) => None,
        }
    }
}

/// The coroutine under a fiber: it yields only a [`Suspension`] marker and returns nothing
/// (values travel through the cell's slots), so a switch moves no more than a byte.
type Coro = Coroutine<(), Suspension, (), FiberStack>;

/// How a switch into the fiber ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Switched {
    /// It suspended.
    Suspended(Suspension),
    /// It returned: its result is in the output slot.
    Returned,
}

struct FiberCell<I, Y, R> {
    header: Header,
    /// The resume input on its way in, and the yielded value on its way out.
    input: UnsafeCell<Option<I>>,
    yielded: UnsafeCell<Option<Y>>,
    /// What the body returned (or how it failed), once it has.
    output: UnsafeCell<Option<Result<R, FiberError>>>,
    /// `None` once finished (its stack went back to the pool). Touched only while the
    /// header's state is not `Running`, or by the resume that set it to `Running`.
    coroutine: UnsafeCell<Option<Coro>>,
    pool: Option<StackPool>,
}

/// A stackful coroutine: a body running on a stack of its own (from a [`StackPool`]),
/// which Rust code ([`fiber::yield_value`](crate::fiber::yield_value)) and C++ code
/// (`corobridge::fiber::yield(v)`, `fiber.hpp`) can suspend from any depth of ordinary
/// calls, suspending every Rust and C++ frame in between.
///
/// `I` is the resume input (the body's argument on the first resume, then what each
/// yield returns), `Y` what each yield hands out, `R` the body's return value. Any
/// `'static` types work in Rust; `()`, `bool`, `i32`, `i64`, `u64`, `f64`, `String` and
/// `Vec<u8>` also cross to and from C++.
///
/// ```
/// use corobridge::{Fiber, FiberStep, fiber};
///
/// let counter = Fiber::<i32, i32, &str>::new(|mut step| {
///     let mut total = 0;
///     while step != 0 {
///         total += step;
///         step = fiber::yield_value(total).unwrap(); // suspends the whole stack
///     }
///     "done"
/// })
/// .unwrap();
/// assert_eq!(counter.resume(5).unwrap(), FiberStep::Yielded(5));
/// assert_eq!(counter.resume(2).unwrap(), FiberStep::Yielded(7));
/// assert_eq!(counter.resume(0).unwrap(), FiberStep::Returned("done"));
/// assert_eq!(counter.resume(1), Err(corobridge::FiberError::Finished));
/// ```
///
/// A `Fiber<(), (), R>` is also a [`Future`] of `Result<R, FiberError>`: spawn it on an
/// executor or `.await` it, and inside it wait for futures in blocking style
/// ([`fiber::await_future`](crate::fiber::await_future), [`fiber::sleep`](crate::fiber::sleep),
/// C++ `fiber::await(task)`/`fiber::sleep_for`): only the fiber is suspended.
///
/// Failures are values: a panic in the fiber unwinds its stack (C++ destructors run) and
/// comes back as [`FiberError::Panicked`]; a C++ exception escaping its C++ code as
/// [`FiberError::Cpp`]. Dropping a suspended fiber unwinds its stack through Rust and C++
/// frames, running their destructors ([`Fiber::cancel`] does it and reports problems).
///
/// Threads: a fiber is neither `Send` nor `Sync`. It is created, resumed and dropped on
/// one thread (its stack holds that thread's frames, thread-local addresses and C++
/// exception state); thread-locals read inside a fiber are that thread's.
///
/// ```compile_fail
/// fn send<T: Send>(_: T) {}
/// send(corobridge::Fiber::<(), (), ()>::new(|()| ()).unwrap()); // fibers never migrate
/// ```
pub struct Fiber<I: 'static = (), Y: 'static = (), R: 'static = ()> {
    cell: PoolBox<FiberCell<I, Y, R>>,
}

impl<I: 'static, Y: 'static, R: 'static> Fiber<I, Y, R> {
    /// Creates a fiber running `body` on a [`DEFAULT_STACK_SIZE`](crate::fiber::DEFAULT_STACK_SIZE)
    /// stack from this thread's pool. It runs when first resumed (or polled).
    ///
    /// # Errors
    ///
    /// [`FiberError::Stack`] if no stack could be mapped.
    pub fn new<F>(body: F) -> Result<Self, FiberError>
    where
        F: FnOnce(I) -> R + 'static,
    {
        FiberBuilder::new().build(body)
    }

    /// A builder to choose the stack size or pool.
    pub fn builder() -> FiberBuilder<I, Y, R> {
        FiberBuilder::new()
    }

    pub(crate) fn with_stack<F>(stack: FiberStack, pool: Option<StackPool>, body: F) -> Self
    where
        F: FnOnce(I) -> R + 'static,
    {
        // Built in place in a block of corobridge's frame pool (fibers come and go as
        // often as coroutine frames; the pool recycles their cells without malloc): the
        // header is a few hundred bytes, and building the cell on the stack first would
        // copy it twice per fiber.
        // SAFETY: every field of the uninitialised cell is written exactly once, in place;
        // the slot pointers point into the same block, which never moves.
        let mut cell = unsafe {
            PoolBox::new_in_place(|raw: *mut FiberCell<I, Y, R>| {
                (&raw mut (*raw).header).write(Header::new(
                    Types::of::<I, Y, R>(),
                    stack.info(),
                    suspend::suspend_pending::<I, Y>,
                ));
                (&raw mut (*raw).input).write(UnsafeCell::new(None));
                (&raw mut (*raw).yielded).write(UnsafeCell::new(None));
                (&raw mut (*raw).output).write(UnsafeCell::new(None));
                (&raw mut (*raw).coroutine).write(UnsafeCell::new(None));
                (&raw mut (*raw).pool).write(pool);
                (*raw).header.input_slot.set((*raw).input.get().cast());
                (*raw).header.yield_slot.set((*raw).yielded.get().cast());
            })
        };
        let header: *const Header = &cell.header;
        let output = cell.output.get();
        let coroutine =
            Coroutine::with_stack(stack, move |yielder: &Yielder<(), Suspension>, ()| {
                // SAFETY: the header and the output slot live in the pooled cell, which owns
                // the coroutine and so outlives it; its input slot is the cell's
                // `Option<I>`; nothing else touches the output slot while the body runs.
                unsafe { *output = Some(base::run::<F, I, R>(header, yielder, body)) }
            });
        *cell.coroutine.get_mut() = Some(coroutine);
        Self { cell }
    }

    /// Runs the fiber until it yields or returns. The first resume passes `input` to the
    /// body; later ones make the pending yield return it.
    ///
    /// # Errors
    ///
    /// [`FiberError::Finished`] after it finished, [`FiberError::AlreadyRunning`] if it is
    /// running (a fiber resuming itself), [`FiberError::Panicked`] / [`FiberError::Cpp`] if
    /// its code panicked or a C++ exception escaped (it is finished then), and
    /// [`FiberError::NotPolled`] if the body waits on a future while driven by `resume`
    /// (waits need a poll: see [`Fiber`]'s `Future` implementation).
    #[inline]
    pub fn resume(&self, input: I) -> Result<FiberStep<Y, R>, FiberError> {
        match self.switch(input)? {
            // (A match, not `ok_or`: that would build and drop an error on every yield.)
            Switched::Suspended(suspension @ (Suspension::Value | Suspension::CppValue)) => {
                match self.take_yielded(suspension) {
                    Some(value) => Ok(FiberStep::Yielded(value)),
                    None => Err(FiberError::NotPolled),
                }
            }
            Switched::Suspended(Suspension::Pending) => Err(FiberError::NotPolled),
            Switched::Returned => self.take_output().map(FiberStep::Returned),
        }
    }

    /// The body's result, after the switch that saw it return.
    fn take_output(&self) -> Result<R, FiberError> {
        // SAFETY: the fiber finished: nothing else touches its output slot.
        match unsafe { (*self.cell.output.get()).take() } {
            Some(output) => output,
            None => Err(FiberError::Finished),
        }
    }

    /// The value the fiber yielded with `suspension`: from its yield slot, or converted
    /// from the bits a C++ yield left.
    #[inline]
    fn take_yielded(&self, suspension: Suspension) -> Option<Y> {
        if suspension == Suspension::CppValue {
            // SAFETY: a C++ yield left the bits after checking that their kind is `Y`'s; a
            // view they point to, and the value it borrows, live in that yield's frames,
            // suspended until the next resume.
            return unsafe { value::from_bits::<Y>(self.cell.header.yield_bits.get()) };
        }
        // SAFETY: the fiber is suspended: nothing else touches its slots.
        unsafe { (*self.cell.yielded.get()).take() }
    }

    /// True once the body returned, failed, or the fiber was cancelled.
    pub fn is_finished(&self) -> bool {
        self.cell.header.state.get() == State::Finished
    }

    /// True while the fiber runs (a resume of it is in progress on this thread).
    pub fn is_running(&self) -> bool {
        self.cell.header.state.get() == State::Running
    }

    /// True once it was first resumed.
    pub fn is_started(&self) -> bool {
        self.cell.header.state.get() != State::Created
    }

    /// The usable size of its stack, in bytes.
    pub fn stack_size(&self) -> usize {
        self.cell.header.stack.usable
    }

    /// Destroys the fiber now. If it is suspended, its stack is unwound (every Rust and
    /// C++ frame on it runs its destructors) before the stack goes back to its pool.
    ///
    /// # Errors
    ///
    /// [`FiberError::UnwindSwallowed`] if a C++ `catch (...)` swallowed the unwind (the
    /// code after that `catch` ran on until the fiber's base); [`FiberError::Panicked`] if
    /// a destructor panicked while unwinding.
    pub fn cancel(self) -> Result<(), FiberError> {
        self.destroy()
    }

    /// One switch into the fiber and back, with its C++ exception state and the current
    /// fiber swapped in and out around it.
    #[inline]
    fn switch(&self, input: I) -> Result<Switched, FiberError> {
        let header = &self.cell.header;
        match header.state.get() {
            State::Running => return Err(FiberError::AlreadyRunning),
            State::Finished => return Err(FiberError::Finished),
            State::Created | State::Suspended => {}
        }
        // SAFETY: not running, so no other reference to the coroutine exists; setting the
        // state to Running below keeps it so (re-entrant calls stop at the check above).
        let Some(coroutine) = (unsafe { &mut *self.cell.coroutine.get() }).as_mut() else {
            return Err(FiberError::Finished);
        };
        header.state.set(State::Running);
        // SAFETY: the fiber is not running: nothing else touches its slots. A view in the
        // input bits borrows the slot's value, which stays there until the next resume
        // replaces it.
        unsafe {
            let slot = &mut *self.cell.input.get();
            let input = slot.insert(input);
            if value::kind_of::<I>() != COROBRIDGE_FIBER_VALUE_RUST {
                header
                    .input_bits
                    .set(value::bits_of(input, &header.input_view));
            }
        }
        // The fiber swaps the thread's C++ exception state itself, on its side of each
        // switch (`Header::started` / `Header::suspend`); the resumer only takes its own
        // back once the fiber is finished.
        let previous = current::enter(header);
        header.asan.entering();
        let result = catch_unwind(AssertUnwindSafe(|| coroutine.resume(())));
        header.asan.returned();
        current::restore(previous);
        match result {
            Ok(CoroutineResult::Yield(suspension)) => {
                header.state.set(State::Suspended);
                Ok(Switched::Suspended(suspension))
            }
            Ok(CoroutineResult::Return(())) => {
                header.finished();
                self.recycle();
                Ok(Switched::Returned)
            }
            Err(payload) => {
                header.finished();
                self.recycle();
                Err(FiberError::Panicked(panic_message(&*payload)))
            }
        }
    }

    /// Marks the fiber finished and gives its (finished) stack back to its pool.
    fn recycle(&self) {
        self.cell.header.state.set(State::Finished);
        // SAFETY: the coroutine is not running (it returned, or was unwound).
        let slot = unsafe { &mut *self.cell.coroutine.get() };
        if let Some(coroutine) = slot.take() {
            if !coroutine.done() {
                // Not reachable: callers finish the coroutine first. Dropping it unwinds it.
                drop(coroutine);
                return;
            }
            let stack = coroutine.into_stack();
            if let Some(pool) = &self.cell.pool {
                pool.give_back(stack);
            }
        }
    }

    /// Unwinds a suspended fiber (or drops an unstarted body) and recycles its stack.
    fn destroy(&self) -> Result<(), FiberError> {
        let header = &self.cell.header;
        if header.state.get() == State::Running {
            // Safe code cannot get here: dropping needs ownership, resuming a borrow.
            eprintln!("corobridge: a fiber was destroyed while running on its own stack");
            std::process::abort();
        }
        // SAFETY: not running: no other reference to the coroutine exists.
        let slot = unsafe { &mut *self.cell.coroutine.get() };
        let Some(coroutine) = slot.as_mut() else {
            return Ok(());
        };
        let mut outcome = Ok(());
        if !coroutine.started() {
            // Never ran: drop the body (and what it captured) without switching.
            coroutine.force_unwind();
        }
        // Resume it once more with `destroying` set: every yield and wait on its stack
        // then unwinds instead of suspending (C++ frames with `forced_unwind`, Rust frames
        // with the `Destroying` panic), down to its root.
        header.destroying.set(true);
        while !coroutine.done() {
            header.state.set(State::Running);
            let previous = current::enter(header);
            header.asan.entering();
            let unwound = catch_unwind(AssertUnwindSafe(|| coroutine.resume(())));
            header.asan.returned();
            current::restore(previous);
            if coroutine.done() {
                header.finished();
            }
            if let Err(payload) = unwound
                && !payload.is::<Destroying>()
            {
                outcome = Err(FiberError::Panicked(panic_message(&*payload)));
            }
        }
        if outcome.is_ok() && header.swallowed.get() {
            outcome = Err(FiberError::UnwindSwallowed);
        }
        self.recycle();
        outcome
    }
}

impl<I: 'static, Y: 'static, R: 'static> Drop for Fiber<I, Y, R> {
    fn drop(&mut self) {
        match self.destroy() {
            Ok(()) => {}
            Err(error) => eprintln!("corobridge: while dropping a suspended fiber: {error}"),
        }
    }
}

/// A `Fiber<(), (), R>` is a future of its body's result: each poll resumes it, and it
/// stays suspended (returning `Pending`) while its body waits on a future, or after a
/// unit `yield` (which wakes it again at once, letting the executor run other work).
///
/// ```
/// use corobridge::{Executor, Fiber, fiber};
/// use std::time::Duration;
///
/// let executor = Executor::new_virtual();
/// let a = executor.spawn(Fiber::<(), (), &str>::new(|()| {
///     fiber::sleep(Duration::from_millis(30)).unwrap();
///     "a"
/// }).unwrap());
/// let b = executor.spawn(async { corobridge::sleep(Duration::from_millis(10)).await; "b" });
/// assert_eq!(executor.block_on(b), Ok("b"));   // b finished while a's fiber slept
/// assert_eq!(executor.block_on(a), Ok(Ok("a")));
/// ```
impl<R: 'static> Future for Fiber<(), (), R> {
    type Output = Result<R, FiberError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let header = &self.cell.header;
        match header.state.get() {
            State::Running => return Poll::Ready(Err(FiberError::AlreadyRunning)),
            State::Finished => return Poll::Ready(Err(FiberError::Finished)),
            State::Created | State::Suspended => {}
        }
        header.context.set(ptr::from_mut(cx).cast());
        let result = self.switch(());
        header.context.set(ptr::null_mut());
        match result {
            Ok(Switched::Suspended(Suspension::Pending)) => Poll::Pending,
            Ok(Switched::Suspended(suspension @ (Suspension::Value | Suspension::CppValue))) => {
                let _ = self.take_yielded(suspension);
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Ok(Switched::Returned) => Poll::Ready(self.take_output()),
            Err(error) => Poll::Ready(Err(error)),
        }
    }
}

impl<I: 'static, Y: 'static, R: 'static> fmt::Debug for Fiber<I, Y, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fiber")
            .field("state", &self.cell.header.state.get())
            .field("stack_size", &self.stack_size())
            .finish()
    }
}
