//! The guest agent's schema (`qmp-codegen capture --binary …/qemu-ga`): `qemu-ga` has no
//! `query-qmp-schema`, so its schema is made from the reference manual installed with it
//! (`<prefix>/share/man/man7/qemu-ga-ref.7.gz` for `<prefix>/bin/qemu-ga` or
//! `<prefix>/sbin/qemu-ga`) by [`reference::to_schema`], and written as
//! `qemu-ga-<version>.json` with the manual beside it (`qemu-ga-<version>.ref.7.gz`,
//! compressed as shipped), so the generator reads it like any captured schema.
//!
//! A QEMU 7 manual states return types only in prose; `--returns-from MANUAL` names a later
//! release's agent manual to take them from (see [`reference::to_schema`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use qmp_types::introspection::SchemaInfo;

use crate::capture::{progress, CaptureError};
use crate::error::{Error, Result};
use crate::reference::{self, Manual, Program};

/// The guest agent's program name.
pub const PROGRAM: &str = "qemu-ga";

/// Whether `binary` is the guest agent (its file name is `qemu-ga`).
pub fn is_agent(binary: &Path) -> bool {
    binary.file_name().is_some_and(|name| name == PROGRAM)
}

/// The manual installed with `binary`: `<prefix>/share/man/man7/qemu-ga-ref.7.gz`, where
/// `<prefix>` is the directory above the binary's `bin` or `sbin`.
pub fn manual_beside(binary: &Path) -> PathBuf {
    let prefix = binary
        .parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| Path::new("/usr"));
    prefix.join("share/man/man7/qemu-ga-ref.7.gz")
}

/// The agent's schema made from its manual.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentSchema {
    /// The schema entries.
    pub schema: Vec<SchemaInfo>,
    /// The QEMU version of the manual's `.TH` line.
    pub version: String,
    /// The manual, gzip-compressed, to be stored beside the schema.
    pub manual_gz: Vec<u8>,
    /// The manual's warnings, one line each (`file:line: message`).
    pub warnings: Vec<String>,
}

/// Reads the agent manual `path` (and `returns_from`, a later release's, for return types)
/// into an [`AgentSchema`].
///
/// # Errors
/// [`Error::ReadReference`] / [`Error::Reference`] when a manual cannot be read, is not the
/// guest agent's, has no version, or cannot be turned into a schema.
pub fn from_manual(path: &Path, returns_from: Option<&Path>) -> Result<AgentSchema> {
    let manual = agent_manual(path)?;
    let return_types = returns_from.map(agent_manual).transpose()?;
    let schema = reference::to_schema(&manual, return_types.as_ref())?;
    let version = manual.version.clone().ok_or_else(|| Error::Reference {
        path: path.to_owned(),
        line: 1,
        message: "the `.TH` line names no QEMU version".to_owned(),
    })?;
    let bytes = std::fs::read(path).map_err(|source| Error::ReadReference {
        path: path.to_owned(),
        source,
    })?;
    let manual_gz = if bytes.starts_with(&[0x1f, 0x8b]) {
        bytes
    } else {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder
            .write_all(&bytes)
            .and_then(|()| encoder.finish())
            .map_err(|source| Error::ReadReference {
                path: path.to_owned(),
                source,
            })?
    };
    let warnings = manual
        .warnings
        .iter()
        .map(|warning| format!("{}:{}: {}", manual.source, warning.line, warning.message))
        .collect();
    Ok(AgentSchema {
        schema,
        version,
        manual_gz,
        warnings,
    })
}

/// Reads a manual and checks that it is the guest agent's.
fn agent_manual(path: &Path) -> Result<Manual> {
    let manual = reference::read(path)?;
    if manual.program != Program::GuestAgent {
        return Err(Error::Reference {
            path: path.to_owned(),
            line: 1,
            message: format!(
                "the manual of {:?}, not of the guest agent (qemu-ga-ref.7)",
                manual.program
            ),
        });
    }
    Ok(manual)
}

impl AgentSchema {
    /// The default schema file name, `qemu-ga-<version>.json`.
    pub fn file_name(&self) -> String {
        format!("{PROGRAM}-{}.json", self.version)
    }

    /// Writes the schema to `path` (the layout of [`crate::capture`]) and the manual beside
    /// it; returns the manual's path.
    ///
    /// # Errors
    /// [`Error::Write`] naming the file that could not be written.
    pub fn write(&self, path: &Path) -> Result<PathBuf> {
        let value = serde_json::to_value(&self.schema).map_err(|error| Error::Write {
            path: path.to_owned(),
            source: std::io::Error::other(error),
        })?;
        let manual = reference_path(path);
        for (file, bytes) in [
            (path, crate::capture::to_text(&value).into_bytes()),
            (manual.as_path(), self.manual_gz.clone()),
        ] {
            std::fs::write(file, bytes).map_err(|source| Error::Write {
                path: file.to_owned(),
                source,
            })?;
        }
        Ok(manual)
    }
}

/// The reference stored beside a schema: `X.json` → `X.ref.7.gz`.
pub fn reference_path(schema: &Path) -> PathBuf {
    schema.with_extension("ref.7.gz")
}

/// The version `binary --version` prints (`QEMU Guest Agent 10.0.2`), if it runs.
fn binary_version(binary: &Path) -> Option<String> {
    let output = Command::new(binary).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let last = text.lines().next()?.split_whitespace().last()?;
    Some(last.to_owned())
}

/// `qmp-codegen capture --binary …/qemu-ga`: writes the schema made from the agent's manual
/// (`manual`, or the one installed with `binary`) to `output`, or to
/// `dir/qemu-ga-<version>.json`, with the manual beside it; reports on `stderr`.
///
/// # Errors
/// [`CaptureError::Agent`] when a manual cannot be read or the files cannot be written,
/// [`CaptureError::Progress`] when `stderr` cannot be written.
pub fn run(
    binary: &Path,
    manual: Option<&Path>,
    returns_from: Option<&Path>,
    output: Option<PathBuf>,
    dir: Option<PathBuf>,
    stderr: &mut dyn Write,
) -> std::result::Result<(), CaptureError> {
    let manual = manual.map_or_else(|| manual_beside(binary), Path::to_owned);
    let agent = from_manual(&manual, returns_from).map_err(|e| CaptureError::Agent(Box::new(e)))?;
    let mut report = String::new();
    for warning in &agent.warnings {
        report.push_str(&format!("capture: warning: {warning}\n"));
    }
    match binary_version(binary) {
        Some(version) if version == agent.version => {}
        Some(version) => report.push_str(&format!(
            "capture: warning: {} is QEMU {version}, its manual {} documents {}\n",
            binary.display(),
            manual.display(),
            agent.version
        )),
        None => report.push_str(&format!(
            "capture: warning: cannot run `{} --version` to check the manual's version\n",
            binary.display()
        )),
    }
    let path = output.unwrap_or_else(|| {
        dir.unwrap_or_else(|| PathBuf::from("."))
            .join(agent.file_name())
    });
    let written = agent
        .write(&path)
        .map_err(|e| CaptureError::Agent(Box::new(e)))?;
    report.push_str(&format!(
        "capture: QEMU guest agent {} from {}: {} schema entries -> {} (manual in {})\n",
        agent.version,
        manual.display(),
        agent.schema.len(),
        path.display(),
        written.display()
    ));
    progress(stderr, &report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_is_found_under_the_binarys_prefix() {
        assert_eq!(
            manual_beside(Path::new("/opt/qemu-7.2/usr/sbin/qemu-ga")),
            Path::new("/opt/qemu-7.2/usr/share/man/man7/qemu-ga-ref.7.gz")
        );
        assert_eq!(
            manual_beside(Path::new("/usr/bin/qemu-ga")),
            Path::new("/usr/share/man/man7/qemu-ga-ref.7.gz")
        );
        assert!(is_agent(Path::new("/usr/sbin/qemu-ga")));
        assert!(!is_agent(Path::new("/usr/bin/qemu-storage-daemon")));
        assert_eq!(
            reference_path(Path::new("s/qemu-ga-10.0.2.json")),
            Path::new("s/qemu-ga-10.0.2.ref.7.gz")
        );
    }
}
