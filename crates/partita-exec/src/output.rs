//! Writing a result as CSV or JSON text at engine speed: batches of rows are
//! formatted in parallel (each by [`partita_core::text`], column by column into
//! its own buffer) and written in order, a round of batches at a time while the
//! next round is formatted, so the text never needs more memory than two rounds.

use std::io::Write;

use partita_common::{Error, Result};
use partita_core::polars::DataFrame;
pub use partita_core::text::OutputFormat;
use partita_core::text::{footer, header, rows};
use rayon::prelude::*;

/// Rows of one formatted batch.
const BATCH_ROWS: usize = 1 << 16;

/// Writes `df` to `w` as `format`; the text is what the shell prints.
///
/// A formatting thread formats round after round of batches (each round in
/// parallel on rayon's pool) while this thread writes the round before: the
/// writes overlap the formatting, and at most two rounds of text wait in memory.
pub fn write_text(df: &DataFrame, format: OutputFormat, w: &mut dyn Write) -> Result<()> {
    let io = |e: std::io::Error| Error::Io(format!("cannot write the result: {e}"));
    w.write_all(&header(df, format)).map_err(io)?;
    let height = df.height();
    let batches: Vec<(usize, usize)> = (0..height)
        .step_by(BATCH_ROWS)
        .map(|at| (at, BATCH_ROWS.min(height - at)))
        .collect();
    let round = 2 * rayon::current_num_threads().max(1);
    let format_round = |chunk: &[(usize, usize)]| {
        chunk
            .par_iter()
            .map(|&(at, len)| {
                let mut out = Vec::with_capacity(len * 16);
                rows(&df.slice(at as i64, len), format, at == 0, &mut out)?;
                Ok(out)
            })
            .collect::<Result<Vec<Vec<u8>>>>()
    };
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        scope.spawn(move || {
            for chunk in batches.chunks(round) {
                // The writer has stopped (an error) when the channel is closed.
                if tx.send(format_round(chunk)).is_err() {
                    break;
                }
            }
        });
        // Dropping `rx` (on an error) stops the formatting thread.
        for texts in rx {
            for t in texts? {
                w.write_all(&t).map_err(io)?;
            }
        }
        Ok::<(), Error>(())
    })?;
    w.write_all(footer(format, height).as_bytes()).map_err(io)?;
    w.flush().map_err(io)
}
