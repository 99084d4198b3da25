//! Progress while `compare` measures: an indicatif bar on stderr when both stdout and
//! stderr are terminals, nothing otherwise (pipes, files, CI logs).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// Steps done of a known total, with what is being measured now.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar of `total` steps, shown only on a terminal.
    pub fn new(total: u64) -> Self {
        let visible = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
        Self(visible.then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) =
                ProgressStyle::with_template("{elapsed_precise:.dim} [{bar:30}] {pos}/{len} {msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        }))
    }

    /// Names the part being measured.
    pub fn stage(&self, what: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(what.to_owned());
        }
    }

    /// One step done.
    pub fn tick(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
