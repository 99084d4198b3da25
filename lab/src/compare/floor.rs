//! The memory floor of a game frame, measured beside the game: one pass that reads and
//! writes the bytes a frame touches per NPC (the cache lines of its patrol coroutine's
//! frame and its entity record) over as many separately allocated frames as NPCs.

use super::error::CompareError;
use crate::stats::Spread;

#[cxx::bridge(namespace = "corobridge::lab")]
mod ffi {
    unsafe extern "C++" {
        include!("corobridge-lab/cpp/memory_floor.hpp");

        fn patrol_frame_bytes() -> usize;
        fn entity_record_bytes() -> usize;
        fn memory_floor_pass_ms(
            objects: usize,
            object_bytes: usize,
            passes: usize,
        ) -> Result<Vec<f64>>;
    }
}

/// The floor probe's result.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Floor {
    /// NPCs (frames and records) touched per pass.
    pub npcs: u64,
    /// Bytes of one patrol coroutine frame (its pooled block).
    pub frame_bytes: u64,
    /// Bytes of one entity record.
    pub record_bytes: u64,
    /// Milliseconds per pass.
    pub pass_ms: Spread,
    /// Every pass, milliseconds.
    pub pass_ms_samples: Vec<f64>,
}

/// Measures `passes` floor passes over `npcs` NPCs.
///
/// # Errors
///
/// [`CompareError::Child`] if the patrol frame's size cannot be told (frame pooling turned
/// off with `COROBRIDGE_FRAME_POOL=off`) or the C++ side throws (out of memory).
pub fn measure(npcs: usize, passes: usize) -> Result<Floor, CompareError> {
    let frame_bytes = ffi::patrol_frame_bytes();
    if frame_bytes == 0 {
        return Err(CompareError::Child {
            what: "memory floor".to_owned(),
            message: "the patrol frame's size is unknown (is COROBRIDGE_FRAME_POOL=off?)"
                .to_owned(),
        });
    }
    let samples = ffi::memory_floor_pass_ms(npcs, frame_bytes, passes.max(1)).map_err(|e| {
        CompareError::Child {
            what: "memory floor".to_owned(),
            message: e.what().to_owned(),
        }
    })?;
    let pass_ms = Spread::of(&samples).ok_or_else(|| CompareError::Child {
        what: "memory floor".to_owned(),
        message: "no passes".to_owned(),
    })?;
    Ok(Floor {
        npcs: npcs as u64,
        frame_bytes: frame_bytes as u64,
        record_bytes: ffi::entity_record_bytes() as u64,
        pass_ms,
        pass_ms_samples: samples,
    })
}
