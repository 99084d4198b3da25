//! Timing cases in alternation: every round times one batch of every case in turn, so
//! that the slow spells of a shared machine hit all cases alike.

use std::time::Instant;

use crate::stats::Spread;

/// One timed case: `run(n)` performs `n` operations.
pub(crate) struct Case<'a, E> {
    pub(crate) name: &'static str,
    ops_per_batch: u32,
    run: Box<dyn FnMut(u32) -> Result<(), E> + 'a>,
    samples: Vec<f64>,
}

impl<'a, E> Case<'a, E> {
    /// A case of `ops` operations per batch, scaled by `scale` (at least one operation).
    pub(crate) fn new(
        name: &'static str,
        ops: u32,
        scale: f64,
        run: impl FnMut(u32) -> Result<(), E> + 'a,
    ) -> Self {
        let scaled = (f64::from(ops) * scale)
            .round()
            .clamp(1.0, f64::from(u32::MAX)) as u32;
        Self {
            name,
            ops_per_batch: scaled,
            run: Box::new(run),
            samples: Vec::new(),
        }
    }

    fn time_batch(&mut self) -> Result<(), E> {
        let start = Instant::now();
        (self.run)(self.ops_per_batch)?;
        let elapsed = start.elapsed();
        self.samples
            .push(elapsed.as_secs_f64() * 1e9 / f64::from(self.ops_per_batch));
        Ok(())
    }
}

/// A case's result: nanoseconds per operation over the rounds.
pub(crate) struct Timed {
    pub(crate) name: &'static str,
    pub(crate) ns_per_op: Spread,
}

/// Times every case in alternation for `rounds` rounds (at least one) after one untimed
/// warm-up batch each (stack pools, frame pools, caches); returns the cases in the order
/// given. `after_round` runs after each round (progress).
pub(crate) fn alternate<E>(
    rounds: usize,
    mut cases: Vec<Case<'_, E>>,
    mut after_round: impl FnMut(),
) -> Result<Vec<Timed>, E> {
    for case in &mut cases {
        (case.run)(case.ops_per_batch.min(64))?;
    }
    for _ in 0..rounds.max(1) {
        for case in &mut cases {
            case.time_batch()?;
        }
        after_round();
    }
    Ok(cases
        .into_iter()
        .map(|case| Timed {
            name: case.name,
            ns_per_op: Spread::of(&case.samples).unwrap_or(Spread {
                median: 0.0,
                q1: 0.0,
                q3: 0.0,
                min: 0.0,
                max: 0.0,
                samples: 0,
            }),
        })
        .collect())
}
