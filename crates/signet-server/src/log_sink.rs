//! A log destination that never fails the program: standard error, with write errors
//! swallowed and counted. A full disk or a closed pipe under the log must not break answers
//! (tracing-subscriber reports a failed write with `eprintln!`, which panics when standard
//! error itself is what fails).

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use tracing_subscriber::fmt::MakeWriter;

/// Log lines lost so far (since the start).
static LOST: AtomicU64 = AtomicU64::new(0);
/// Lost lines already reported (a report is tried when a write succeeds again).
static REPORTED: AtomicU64 = AtomicU64::new(0);

/// Makes [`StderrSink`] writers, for `tracing_subscriber::fmt().with_writer(..)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SafeStderr;

impl<'a> MakeWriter<'a> for SafeStderr {
    type Writer = StderrSink;

    fn make_writer(&'a self) -> Self::Writer {
        StderrSink
    }
}

/// Standard error, whose write errors are counted instead of returned.
#[derive(Debug, Clone, Copy, Default)]
pub struct StderrSink;

impl StderrSink {
    /// How many log lines could not be written since the start.
    pub fn lost() -> u64 {
        LOST.load(Ordering::Relaxed)
    }
}

impl Write for StderrSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut stderr = io::stderr().lock();
        if stderr.write_all(buf).is_err() {
            LOST.fetch_add(1, Ordering::Relaxed);
            return Ok(buf.len());
        }
        // Writing works (again): say once how many lines were lost before.
        let lost = LOST.load(Ordering::Relaxed);
        if lost > REPORTED.swap(lost, Ordering::Relaxed) {
            let _ = writeln!(
                stderr,
                "signet-server: {lost} log lines could not be written (the log's destination failed)"
            );
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = io::stderr().lock().flush();
        Ok(())
    }
}
