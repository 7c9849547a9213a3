//! [`CapturedLogs`]: a tracing writer that keeps everything written to it.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use tracing_subscriber::fmt::MakeWriter;

/// Everything a tracing subscriber writes, kept in memory; clones share the same buffer.
/// Pass it to `tracing_subscriber::fmt().with_writer(..)`.
#[derive(Debug, Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// Installs, once per process, a global subscriber that writes every event of every
    /// target at TRACE level (without colours) into one buffer, and returns that buffer.
    /// Later calls return the same buffer.
    pub fn everything() -> Self {
        static CAPTURED: OnceLock<CapturedLogs> = OnceLock::new();
        CAPTURED
            .get_or_init(|| {
                let captured = Self::default();
                tracing_subscriber::fmt()
                    .with_env_filter("trace")
                    .with_ansi(false)
                    .with_writer(captured.clone())
                    .init();
                captured
            })
            .clone()
    }

    /// What was written so far.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for CapturedLogs {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
