//! One timer thread per process: wakes a `Waker` at a deadline. It serves the C++ timers
//! (`sleep_for`, `GameTimer::wait_for`) of C++ tasks driven by an executor other than
//! corobridge's when no tokio runtime is current (see `local_timers`). The thread starts
//! with the first alarm and then waits on a condition variable for the earliest one; an
//! alarm costs an ordered-map insert under a lock, not a thread.

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::task::Waker;
use std::time::Instant;

/// A registered alarm (what [`cancel`] takes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Alarm {
    deadline: Instant,
    id: u64,
}

impl Alarm {
    /// When it rings.
    pub(crate) fn deadline(self) -> Instant {
        self.deadline
    }
}

#[derive(Default)]
struct State {
    alarms: BTreeMap<Alarm, Waker>,
    next_id: u64,
    started: bool,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| Shared {
        state: Mutex::new(State::default()),
        changed: Condvar::new(),
    })
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Plain map operations: a panic while holding the lock leaves it consistent.
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// The thread's loop: rings every due alarm (outside the lock), then sleeps until the
    /// earliest one or a change.
    fn run(&self) {
        let mut due = Vec::new();
        let mut state = self.lock();
        loop {
            let now = Instant::now();
            while let Some(entry) = state.alarms.first_entry() {
                if entry.key().deadline > now {
                    break;
                }
                due.push(entry.remove());
            }
            if !due.is_empty() {
                drop(state);
                due.drain(..).for_each(Waker::wake);
                state = self.lock();
                continue;
            }
            state = match state.alarms.first_key_value() {
                Some((alarm, _)) => {
                    let wait = alarm.deadline.saturating_duration_since(now);
                    self.changed
                        .wait_timeout(state, wait)
                        .unwrap_or_else(|poison| poison.into_inner())
                        .0
                }
                None => self
                    .changed
                    .wait(state)
                    .unwrap_or_else(|poison| poison.into_inner()),
            };
        }
    }
}

/// Wakes `waker` at `deadline` (at once if it has passed), from the timer thread.
pub(crate) fn set(deadline: Instant, waker: &Waker) -> Alarm {
    let shared = shared();
    let mut state = shared.lock();
    let alarm = Alarm {
        deadline,
        id: state.next_id,
    };
    state.next_id += 1;
    let earliest = state
        .alarms
        .first_key_value()
        .is_none_or(|(first, _)| alarm < *first);
    state.alarms.insert(alarm, waker.clone());
    if !state.started {
        state.started = true;
        let spawned = std::thread::Builder::new()
            .name("corobridge-timer".into())
            .spawn(|| self::shared().run());
        if spawned.is_err() {
            // No thread: ring now rather than never (the task polls again and re-arms).
            state.started = false;
            if let Some(waker) = state.alarms.remove(&alarm) {
                drop(state);
                waker.wake();
            }
            return alarm;
        }
    }
    drop(state);
    if earliest {
        shared.changed.notify_one();
    }
    alarm
}

/// Removes an alarm that has not rung (a no-op if it has).
pub(crate) fn cancel(alarm: Alarm) {
    let removed = shared().lock().alarms.remove(&alarm);
    drop(removed); // the waker is dropped outside the lock
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;
    use std::time::Duration;

    struct Count(AtomicUsize, std::thread::Thread);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
            self.1.unpark();
        }
    }

    #[test]
    fn alarms_ring_once_at_their_deadline_and_cancelled_ones_never() {
        let count = Arc::new(Count(AtomicUsize::new(0), std::thread::current()));
        let waker = Waker::from(count.clone());
        let start = Instant::now();
        // Cancelled at once, long before it is due (even under valgrind).
        cancel(set(start + Duration::from_millis(60), &waker));
        set(start + Duration::from_millis(20), &waker);
        set(start + Duration::from_millis(10), &waker);
        while count.0.load(Ordering::SeqCst) < 2 {
            std::thread::park_timeout(Duration::from_millis(50));
        }
        assert!(start.elapsed() >= Duration::from_millis(20));
        // Past the cancelled alarm's deadline: it never rang.
        std::thread::sleep(Duration::from_millis(90).saturating_sub(start.elapsed()));
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
    }
}
