//! A table of text cells, printed aligned for the terminal or as Markdown.

/// Headers and rows of cells; numeric columns are right-aligned.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// The title above the table.
    pub title: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows, each as many cells as headers.
    pub rows: Vec<Vec<String>>,
    /// Lines printed under the table.
    pub notes: Vec<String>,
}

impl Table {
    /// An empty table with these headers.
    pub fn new(title: impl Into<String>, headers: &[&str]) -> Self {
        Self {
            title: title.into(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            ..Self::default()
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Whether column `c` holds numbers (its first cell starts with a digit).
    fn numeric(&self, c: usize) -> bool {
        self.rows.iter().all(|r| {
            r.get(c)
                .and_then(|cell| cell.chars().next())
                .is_some_and(|ch| ch.is_ascii_digit() || ch == '≥' || ch == '-')
        })
    }

    /// Aligned columns for a terminal.
    pub fn text(&self) -> String {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|c| {
                std::iter::once(&self.headers[c])
                    .chain(self.rows.iter().filter_map(|r| r.get(c)))
                    .map(|cell| cell.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let render = |cells: &[String]| {
            cells
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    let pad = widths[c].saturating_sub(cell.chars().count());
                    if self.numeric(c) {
                        format!("{}{cell}", " ".repeat(pad))
                    } else {
                        format!("{cell}{}", " ".repeat(pad))
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        };
        let mut out = format!("{}\n  {}\n", self.title, render(&self.headers));
        for row in &self.rows {
            out.push_str(&format!("  {}\n", render(row)));
        }
        for note in &self.notes {
            out.push_str(&format!("  {note}\n"));
        }
        out
    }

    /// A Markdown section: the title as a heading, the table, the notes as a paragraph.
    pub fn markdown(&self) -> String {
        let escape = |cell: &str| cell.replace('|', "\\|");
        let mut out = format!("## {}\n\n| {} |\n|", self.title, self.headers.join(" | "));
        for c in 0..self.headers.len() {
            out.push_str(if self.numeric(c) { "---:|" } else { "---|" });
        }
        out.push('\n');
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        if !self.notes.is_empty() {
            out.push('\n');
            out.push_str(&self.notes.join("\n"));
            out.push('\n');
        }
        out
    }
}
