//! Why a comparison could not be made.

use std::path::PathBuf;

use corobridge::FiberError;

/// What stopped `corobridge compare` (a model that merely reaches a limit is not an
/// error: it is reported as a figure with its limit).
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A fiber could not be created or failed.
    #[error("fiber: {0}")]
    Fiber(#[from] FiberError),
    /// A C++ task failed or the executor refused it.
    #[error("C++ task: {0}")]
    Task(#[from] corobridge::Error),
    /// A case did not produce the value it must (its timing would be meaningless).
    #[error("the case {0:?} produced a wrong result")]
    WrongResult(&'static str),
    /// A thread or a runtime could not be started.
    #[error("{what}: {source}")]
    Start {
        /// What was being started.
        what: &'static str,
        /// The system's error.
        source: std::io::Error,
    },
    /// The report directory cannot be created or written.
    #[error("--out {path}: {message}")]
    Out {
        /// The directory.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// A child process of the comparison (a game run, a population probe) failed.
    #[error("{what}: {message}")]
    Child {
        /// Which run.
        what: String,
        /// Its error output or why it could not run.
        message: String,
    },
    /// The game world failed.
    #[error(transparent)]
    Game(#[from] crate::game::GameError),
    /// A chart could not be drawn.
    #[error("chart {name}: {message}")]
    Chart {
        /// The chart's file name.
        name: &'static str,
        /// The plotting error.
        message: String,
    },
    /// The report could not be serialised.
    #[error("report JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// `check(ok, name)`: `Ok` if the case produced what it must.
pub(crate) fn check(ok: bool, name: &'static str) -> Result<(), CompareError> {
    if ok {
        Ok(())
    } else {
        Err(CompareError::WrongResult(name))
    }
}
