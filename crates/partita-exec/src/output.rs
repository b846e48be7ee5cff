//! Writing a result as CSV or JSON text at engine speed: batches of rows are
//! formatted in parallel (each by [`partita_core::text`], column by column into
//! its own buffer) and written in order, a round of batches at a time, so the
//! text never needs more memory than a round of it.

use std::io::Write;

use partita_common::{Error, Result};
use partita_core::polars::DataFrame;
pub use partita_core::text::OutputFormat;
use partita_core::text::{footer, header, rows};
use rayon::prelude::*;

/// Rows of one formatted batch.
const BATCH_ROWS: usize = 1 << 16;

/// Writes `df` to `w` as `format`; the text is what the shell prints.
pub fn write_text(df: &DataFrame, format: OutputFormat, w: &mut dyn Write) -> Result<()> {
    let io = |e: std::io::Error| Error::Io(format!("cannot write the result: {e}"));
    w.write_all(&header(df, format)).map_err(io)?;
    let height = df.height();
    let batches: Vec<(usize, usize)> = (0..height)
        .step_by(BATCH_ROWS)
        .map(|at| (at, BATCH_ROWS.min(height - at)))
        .collect();
    let round = 2 * rayon::current_num_threads().max(1);
    for chunk in batches.chunks(round) {
        let texts = chunk
            .par_iter()
            .map(|&(at, len)| {
                let mut out = Vec::with_capacity(len * 16);
                rows(&df.slice(at as i64, len), format, at == 0, &mut out)?;
                Ok(out)
            })
            .collect::<Result<Vec<Vec<u8>>>>()?;
        for t in texts {
            w.write_all(&t).map_err(io)?;
        }
    }
    w.write_all(footer(format, height).as_bytes()).map_err(io)?;
    w.flush().map_err(io)
}
