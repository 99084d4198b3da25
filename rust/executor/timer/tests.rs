//! The timer queue's tests: ordering, cancellation, stale keys, raw frames, the chunk
//! ring, and a comparison against a sorted reference model.

use super::slots::CHUNK;
use super::*;
use std::ffi::c_void;
use std::ptr::NonNull;

/// What [`TimerQueue::fire_next`] took: [`Fire`] with the target taken out.
pub(super) enum Fired {
    End,
    Skip,
    Target(Target),
}

fn frame(n: usize) -> Target {
    Target::Frame(NonNull::new(std::ptr::without_provenance_mut(n * 16)).expect("non-null"))
}

fn fire_all(q: &mut TimerQueue, now: u64) -> Vec<usize> {
    let mut out = Vec::new();
    while let Some((lane, end)) = q.pop_due(now) {
        loop {
            match q.fire_next(lane, end) {
                Fired::End => break,
                Fired::Skip => {}
                Fired::Target(Target::Frame(f)) => out.push(f.as_ptr().addr() / 16),
                Fired::Target(_) => unreachable!(),
            }
        }
        q.finish_run(lane);
    }
    out
}

#[test]
fn equal_deadlines_fire_in_registration_order_across_lanes() {
    let mut q = TimerQueue::new();
    q.insert(0, 100, frame(1)); // lane 100
    q.insert(0, 30, frame(9)); // another lane, earlier deadline
    q.insert(0, 100, frame(3)); // lane 100 again: same run as 1
    q.insert(50, 50, frame(2)); // lane 50, same deadline 100, registered later
    q.insert(60, 40, frame(4));
    assert_eq!(q.len(), 5);
    assert_eq!(fire_all(&mut q, 99), vec![9]);
    assert_eq!(fire_all(&mut q, 100), vec![1, 3, 2, 4]);
    assert_eq!(q.len(), 0);
}

#[test]
fn cancelled_timers_do_not_fire_and_stale_keys_touch_nothing() {
    let mut q = TimerQueue::new();
    let a = q.insert(0, 10, frame(1));
    let b = q.insert(0, 10, frame(2));
    assert!(q.cancel(a).is_some());
    assert!(q.cancel(a).is_none());
    assert_eq!(q.len(), 1);
    assert_eq!(fire_all(&mut q, 10), vec![2]);
    assert!(q.cancel(b).is_none(), "a fired key is stale");
    let c = q.insert(10, 10, frame(3));
    assert_ne!(c, b, "positions are never reused");
    assert!(q.cancel(b).is_none());
    assert_eq!(fire_all(&mut q, 20), vec![3]);
}

#[test]
fn raw_frames_keep_their_kind_and_pending_state() {
    let mut q = TimerQueue::new();
    let address = NonNull::new(std::ptr::without_provenance_mut::<c_void>(48)).expect("non-null");
    let raw = q.insert(0, 10, Target::RawFrame(address));
    let plain = q.insert(0, 10, frame(5));
    assert!(q.is_pending(raw) && q.is_pending(plain));
    let (lane, end) = q.pop_due(10).expect("due");
    match q.fire_next(lane, end) {
        Fired::Target(Target::RawFrame(f)) => assert_eq!(f, address),
        _ => panic!("expected the raw frame"),
    }
    assert!(!q.is_pending(raw), "a fired key is not pending");
    assert!(q.is_pending(plain));
    assert!(matches!(q.cancel(plain), Some(Target::Frame(_))));
    assert!(!q.is_pending(plain), "a cancelled key is not pending");
    assert!(!q.is_pending(TimerKey {
        lane: 9,
        position: 0
    }));
}

#[test]
fn lanes_span_many_chunks_and_release_them() {
    let mut q = TimerQueue::new();
    let n = 3 * CHUNK + 17;
    let keys: Vec<TimerKey> = (1..=n).map(|i| q.insert(0, 16, frame(i))).collect();
    for key in keys.iter().step_by(1000) {
        assert!(q.cancel(*key).is_some());
    }
    let expected: Vec<usize> = (1..=n).filter(|i| (i - 1) % 1000 != 0).collect();
    assert_eq!(fire_all(&mut q, 16), expected);
    assert_eq!(q.len(), 0);
    assert!(
        q.lanes.iter().all(|lane| lane.slots.chunks_held() <= 2),
        "a drained lane keeps at most its current chunk and a spare"
    );
    // The lane keeps working (and growing again) afterwards.
    for i in 1..=CHUNK + 1 {
        q.insert(16, 16, frame(i));
    }
    assert_eq!(fire_all(&mut q, 32).len(), CHUNK + 1);
}

/// The frame number a batch's entry at `index` fires (None if cancelled).
fn take_frame(q: &mut TimerQueue, batch: &Batch, index: usize) -> Option<usize> {
    // SAFETY: the batch is out (not finished) and no queue method runs during the call.
    let due = unsafe { batch.take(index) }?;
    match q.take_due(due) {
        Target::Frame(f) => Some(f.as_ptr().addr() / 16),
        _ => panic!("expected a frame"),
    }
}

#[test]
fn a_batch_is_taken_in_place_while_the_queue_is_used() {
    let mut q = TimerQueue::new();
    let keys: Vec<TimerKey> = (1..=4).map(|n| q.insert(0, 10, frame(n))).collect();
    let (lane, end) = q.pop_due(10).expect("due");
    let batch = q.batch(lane, end).expect("a batch");
    assert_eq!(batch.len(), 4);
    assert_eq!(take_frame(&mut q, &batch, 0), Some(1));
    // What a resumed frame may do meanwhile: a taken key is no longer pending (nor
    // cancellable); a later one is, and cancelling it empties its entry in place.
    assert!(!q.is_pending(keys[0]));
    assert!(q.cancel(keys[0]).is_none());
    assert!(q.is_pending(keys[1]));
    assert!(q.cancel(keys[2]).is_some());
    // The lane still counts the taken entry (the executor leaves it out).
    assert_eq!(q.len(), 3);
    // Registering in the same lane meanwhile starts a later run.
    let later = q.insert(5, 10, frame(9));
    assert_eq!(take_frame(&mut q, &batch, 1), Some(2));
    assert_eq!(take_frame(&mut q, &batch, 2), None, "cancelled meanwhile");
    assert_eq!(take_frame(&mut q, &batch, 3), Some(4));
    q.finish_batch(lane, batch.len(), 1);
    assert_eq!(q.len(), 1);
    assert!(q.batch(lane, end).is_none(), "the run is exhausted");
    q.finish_run(lane);
    assert!(q.is_pending(later));
    assert_eq!(fire_all(&mut q, 15), vec![9]);
}

#[test]
fn batches_end_at_chunk_boundaries() {
    let mut q = TimerQueue::new();
    let n = CHUNK + 10;
    for i in 1..=n {
        q.insert(0, 16, frame(i));
    }
    let (lane, end) = q.pop_due(16).expect("due");
    let mut lengths = Vec::new();
    let mut fired = Vec::new();
    while let Some(batch) = q.batch(lane, end) {
        lengths.push(batch.len());
        for index in 0..batch.len() {
            fired.extend(take_frame(&mut q, &batch, index));
        }
        q.finish_batch(lane, batch.len(), 0);
    }
    q.finish_run(lane);
    assert_eq!(lengths, [CHUNK, 10]);
    assert_eq!(fired, (1..=n).collect::<Vec<_>>());
    assert_eq!(q.len(), 0);
    assert!(q.lanes.iter().all(|lane| lane.slots.chunks_held() <= 2));
}

#[test]
fn a_batch_looks_ahead_past_its_chunk_into_empty_entries() {
    // Real memory behind the frames: the look ahead reads a frame's first word.
    let frames: Vec<[usize; 4]> = vec![[0; 4]; CHUNK];
    let mut q = TimerQueue::new();
    for slot in &frames {
        let address = NonNull::from(slot).cast::<c_void>();
        q.insert(0, 16, Target::Frame(address));
    }
    let (lane, end) = q.pop_due(16).expect("due");
    let batch = q.batch(lane, end).expect("a batch");
    assert_eq!(batch.len(), CHUNK);
    for index in 0..batch.len() {
        // SAFETY: the batch is out and no queue method runs during these calls; the
        // frames are live. Near the chunk's end the look ahead reads its EMPTY tail
        // (valgrind and ASan check that it stays in the allocation).
        unsafe {
            let _ = batch.prefetch(index, 8, 16);
            assert!(batch.take(index).is_some());
        }
    }
    q.finish_batch(lane, batch.len(), 0);
    q.finish_run(lane);
    assert_eq!(q.len(), 0);
}

#[test]
fn a_run_fired_while_the_same_lane_grows_keeps_order() {
    let mut q = TimerQueue::new();
    for n in 1..=3 {
        q.insert(0, 16, frame(n));
    }
    let (lane, end) = q.pop_due(16).expect("due");
    // While firing, the resumed coroutines register again (next frame).
    let mut fired = Vec::new();
    loop {
        match q.fire_next(lane, end) {
            Fired::Target(Target::Frame(f)) => {
                let n = f.as_ptr().addr() / 16;
                fired.push(n);
                q.insert(16, 16, frame(n + 10));
            }
            Fired::End => break,
            _ => {}
        }
    }
    q.finish_run(lane);
    assert_eq!(fired, vec![1, 2, 3]);
    assert_eq!(fire_all(&mut q, 32), vec![11, 12, 13]);
}
/// Compares the lanes against a reference model (a sorted map keyed by deadline and
/// registration order) under a pseudo-random mix of delays, firings and cancellations.
#[test]
fn matches_a_sorted_reference_model() {
    let mut q = TimerQueue::new();
    let mut model = std::collections::BTreeMap::new();
    let mut keys = Vec::new();
    let mut seq = 0u64;
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut now = 0u64;
    for round in 0..2000 {
        for _ in 0..(next() % 8) {
            let delay = [16, 16, 16, 2000, 48, 0][(next() % 6) as usize];
            let id = (seq as usize + 1) * 16;
            let key = q.insert(
                now,
                delay,
                Target::Frame(NonNull::new(std::ptr::without_provenance_mut(id)).unwrap()),
            );
            model.insert((now + delay, seq), id);
            keys.push((key, (now + delay, seq)));
            seq += 1;
        }
        if round % 7 == 0 && !keys.is_empty() {
            let (key, model_key) = keys.swap_remove((next() as usize) % keys.len());
            assert_eq!(q.cancel(key).is_some(), model.remove(&model_key).is_some());
        }
        now += 1 + next() % 20;
        // Fire what is due; each firing may register again (as a resumed coroutine does),
        // and the model fires in (deadline, registration) order, including those.
        let mut fired = Vec::new();
        let mut expected = Vec::new();
        while let Some((lane, end)) = q.pop_due(now) {
            loop {
                match q.fire_next(lane, end) {
                    Fired::End => break,
                    Fired::Skip => {}
                    Fired::Target(Target::Frame(f)) => {
                        let id = f.as_ptr().addr();
                        fired.push(id);
                        let (&model_key, &model_id) = model.iter().next().expect("model has it");
                        assert!(model_key.0 <= now);
                        model.remove(&model_key);
                        expected.push(model_id);
                        if next() % 3 == 0 {
                            let delay = [16, 2000, 0][(next() % 3) as usize];
                            let id = (seq as usize + 1) * 16;
                            let key = q.insert(
                                now,
                                delay,
                                Target::Frame(
                                    NonNull::new(std::ptr::without_provenance_mut(id)).unwrap(),
                                ),
                            );
                            model.insert((now + delay, seq), id);
                            keys.push((key, (now + delay, seq)));
                            seq += 1;
                        }
                    }
                    Fired::Target(_) => unreachable!(),
                }
            }
            q.finish_run(lane);
        }
        assert!(
            model.range(..(now + 1, 0)).next().is_none(),
            "round {round}: due timers left"
        );
        assert_eq!(fired, expected, "round {round} at {now}");
        assert_eq!(q.len(), model.len());
    }
}

#[test]
fn a_timer_cancelled_while_its_run_fires_is_skipped_and_no_longer_counted() {
    let mut q = TimerQueue::new();
    let keys: Vec<TimerKey> = (1..=4).map(|n| q.insert(0, 16, frame(n))).collect();
    let (lane, end) = q.pop_due(16).expect("due");
    assert!(matches!(
        q.fire_next(lane, end),
        Fired::Target(Target::Frame(_))
    ));
    assert_eq!(q.len(), 3, "the detached run's unfired entries are pending");
    // The first resumed coroutine cancels the third's timer (say, it destroyed it).
    assert!(q.cancel(keys[2]).is_some());
    assert_eq!(q.len(), 2);
    let mut rest = Vec::new();
    loop {
        match q.fire_next(lane, end) {
            Fired::End => break,
            Fired::Skip => rest.push(0),
            Fired::Target(Target::Frame(f)) => rest.push(f.as_ptr().addr() / 16),
            Fired::Target(_) => unreachable!(),
        }
    }
    q.finish_run(lane);
    assert_eq!(rest, vec![2, 0, 4]);
    assert_eq!(q.len(), 0);
    assert!(q.cancel(keys[2]).is_none() && q.cancel(keys[3]).is_none());
    assert_eq!(q.len(), 0, "stale keys change no count");
}
