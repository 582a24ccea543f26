//! The `--log` file: every request sent (`-> {...}`), answer (`<- {...}`) and event
//! (`<- {"event": ...}`) as QMP JSON on one line, and every input refused before sending
//! (`# refused: LINE: reason`). Written through (no buffer), so a crash loses nothing.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::Value;

/// An open session log, shared by the command loop and the event printer.
#[derive(Debug)]
pub struct SessionLog {
    file: Mutex<File>,
    path: PathBuf,
}

/// The log file could not be opened or written.
#[derive(Debug, thiserror::Error)]
#[error("session log {path}: {source}")]
pub struct LogError {
    /// The log file.
    pub path: PathBuf,
    /// The I/O error.
    #[source]
    pub source: std::io::Error,
}

impl SessionLog {
    /// Opens `path` for appending (creating it).
    ///
    /// # Errors
    /// [`LogError`] naming the file.
    pub fn open(path: &Path) -> Result<SessionLog, LogError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| LogError {
                path: path.to_owned(),
                source,
            })?;
        Ok(SessionLog {
            file: Mutex::new(file),
            path: path.to_owned(),
        })
    }

    /// Logs a message sent to the server.
    ///
    /// # Errors
    /// [`LogError`] when the file cannot be written.
    pub fn sent(&self, message: &Value) -> Result<(), LogError> {
        self.line(&format!("-> {message}"))
    }

    /// Logs a message received from the server.
    ///
    /// # Errors
    /// [`LogError`] when the file cannot be written.
    pub fn received(&self, message: &Value) -> Result<(), LogError> {
        self.line(&format!("<- {message}"))
    }

    /// Logs an input line the shell refused before sending anything.
    ///
    /// # Errors
    /// [`LogError`] when the file cannot be written.
    pub fn refused(&self, input: &str, reason: &str) -> Result<(), LogError> {
        self.line(&format!("# refused: {input}: {reason}"))
    }

    fn line(&self, text: &str) -> Result<(), LogError> {
        // A writer that panicked mid-line left the file usable; keep logging.
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        writeln!(file, "{text}").map_err(|source| LogError {
            path: self.path.clone(),
            source,
        })
    }
}
