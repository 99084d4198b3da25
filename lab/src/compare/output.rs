//! The report directory: checked before anything is measured, written at the end through
//! temporary names renamed into place, so that an interrupted run (Ctrl-C) leaves no
//! half-written report file.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::error::CompareError;

/// Temporary files being written now; the Ctrl-C handler removes them.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A report directory that exists and is writable.
#[derive(Debug)]
pub struct OutDir(PathBuf);

impl OutDir {
    /// Creates `path` if needed and checks that files can be written in it.
    ///
    /// # Errors
    ///
    /// [`CompareError::Out`] saying what failed.
    pub fn prepare(path: &Path) -> Result<Self, CompareError> {
        let fail = |what: &str, e: std::io::Error| CompareError::Out {
            path: path.to_owned(),
            message: format!("{what}: {e}"),
        };
        std::fs::create_dir_all(path).map_err(|e| fail("cannot create the directory", e))?;
        let probe = path.join(format!(".corobridge-write-check-{}", std::process::id()));
        std::fs::write(&probe, b"").map_err(|e| fail("cannot write in the directory", e))?;
        std::fs::remove_file(&probe).map_err(|e| fail("cannot remove a file in it", e))?;
        Ok(Self(path.to_owned()))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes every `(name, contents)` to a temporary name, then renames them all into
    /// place. Returns the paths written.
    ///
    /// # Errors
    ///
    /// [`CompareError::Out`] if a file cannot be written (its temporary files are removed).
    pub fn write_all(&self, files: &[(&str, &[u8])]) -> Result<Vec<PathBuf>, CompareError> {
        let staged: Vec<(PathBuf, PathBuf)> = files
            .iter()
            .map(|(name, _)| {
                let temp = self.0.join(format!(".{name}.{}.tmp", std::process::id()));
                (temp, self.0.join(name))
            })
            .collect();
        lock().extend(staged.iter().map(|(temp, _)| temp.clone()));
        let result = staged
            .iter()
            .zip(files)
            .try_for_each(|((temp, _), (_, contents))| std::fs::write(temp, contents))
            .and_then(|()| {
                staged
                    .iter()
                    .try_for_each(|(temp, final_path)| std::fs::rename(temp, final_path))
            });
        remove_pending();
        result.map_err(|e| CompareError::Out {
            path: self.0.clone(),
            message: format!("cannot write the report: {e}"),
        })?;
        Ok(staged.into_iter().map(|(_, path)| path).collect())
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Removes every temporary file still pending.
fn remove_pending() {
    for temp in lock().drain(..) {
        let _ = std::fs::remove_file(temp);
    }
}

/// On Ctrl-C: removes the temporary files being written and exits with status 130 (the
/// report's earlier files, if any, are whole: they were renamed into place complete).
pub fn install_interrupt_handler() {
    // A second installation (a library user calling compare twice) fails harmlessly: the
    // first handler does the same.
    let _ = ctrlc::set_handler(|| {
        remove_pending();
        eprintln!("corobridge: interrupted; no report written");
        // SAFETY: _exit ends the process at once without running exit handlers or static
        // destructors, which other threads (the measurement, C++ code) may still be
        // using; the temporary files are already removed and nothing else needs flushing.
        unsafe { libc::_exit(130) };
    });
}
