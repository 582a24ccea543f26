//! Schema capture (`qmp-codegen capture`): starts a QEMU program (or connects to a running
//! one), negotiates with `qmp-types`' own client, runs `query-qmp-schema` and writes the
//! answer, so that `schemas/` is refreshed with the same runtime the bindings use.
//!
//! # What is written
//!
//! - `qemu-<version>-<target>.json`: the `return` array of `query-qmp-schema` exactly as
//!   returned: every entry and member in QEMU's order (the workspace builds `serde_json` with
//!   `preserve_order`), pretty-printed with a one-space indent and no trailing newline, the
//!   layout the first captures (Python's `json.dump(..., indent=1)`) used, so a re-capture of
//!   the same QEMU is byte-identical.
//! - `qemu-<version>-<target>.version` (the *sidecar*): the `return` value of `query-version`
//!   exactly as returned (version triple and distribution package string), in the same layout.
//!
//! - `qemu-<version>-<target>.ref.7.gz` (or `.ref.7`): QEMU's reference manual for the
//!   program, copied from its installation (`<prefix>/share/man/man7` beside
//!   `<prefix>/bin`) or from `--reference FILE`, so that generating from the schema later
//!   gets QEMU's type names and documentation without QEMU installed (`--no-reference`
//!   skips it).
//!
//! `<version>` is the `major.minor.micro` that `query-version` reports; `<target>` is the
//! architecture `query-target` reports for a system emulator (`x86_64`, `aarch64`, ...), and
//! `storage-daemon` for a server without `query-target` (`qemu-storage-daemon`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use qmp_types::blocking::Client;
use qmp_types::client::{ClientConfig, Error as ClientError};
use qmp_types::wire::ErrorClass;
use serde::Serialize;
use serde_json::Value;

use crate::reference::{self, companion, Program};

/// The target name used for servers that have no `query-target` (the storage daemon).
pub const STORAGE_DAEMON_TARGET: &str = "storage-daemon";

/// Where the schema comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Start this program with a private QMP socket, capture, then stop it.
    Binary {
        /// The QEMU program (`qemu-system-*`, `qemu-storage-daemon`).
        path: PathBuf,
        /// Which kind of program it is (decides how the QMP socket is configured).
        kind: ProgramKind,
        /// Extra arguments appended to the command line.
        args: Vec<String>,
    },
    /// Connect to a QMP server already listening on this Unix socket.
    Socket(PathBuf),
}

/// How a started program is given its QMP monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgramKind {
    /// A system emulator: `-machine none -nodefaults -display none -qmp unix:...` (no
    /// `-machine none` when the extra arguments choose a machine).
    System,
    /// `qemu-storage-daemon`: `--chardev socket,... --monitor chardev=...`.
    StorageDaemon,
}

impl ProgramKind {
    /// The program whose reference manual documents this kind's QMP.
    pub fn program(self) -> Program {
        match self {
            ProgramKind::System => Program::SystemEmulator,
            ProgramKind::StorageDaemon => Program::StorageDaemon,
        }
    }

    /// The kind a program's file name suggests: `StorageDaemon` when it contains
    /// `storage-daemon`, otherwise `System`.
    pub fn guess(path: &Path) -> ProgramKind {
        let name = path.file_name().map(|n| n.to_string_lossy());
        if name.is_some_and(|n| n.contains("storage-daemon")) {
            ProgramKind::StorageDaemon
        } else {
            ProgramKind::System
        }
    }
}

/// A captured schema with the version and target it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    /// The `query-qmp-schema` answer (a JSON array), as returned.
    pub schema: Value,
    /// The `query-version` answer, as returned.
    pub version: Value,
    /// `major.minor.micro` from `query-version`.
    pub version_triple: String,
    /// The `query-target` architecture, or [`STORAGE_DAEMON_TARGET`].
    pub target: String,
    /// How many times the client closed a connection during the handshake and connected
    /// again (0 normally; QEMU 7.2 can leave a client that connects while it starts
    /// unanswered, see [`ClientConfig::negotiation_patience`]).
    pub handshake_reconnects: usize,
}

/// Why a capture failed; each variant names the program, socket or file involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// No private directory for the QMP socket could be made.
    #[error("cannot create a private directory for the QMP socket: {0}")]
    TempDir(#[source] std::io::Error),
    /// The program could not be started.
    #[error("cannot start {binary}: {source}")]
    Spawn {
        /// The program.
        binary: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The program exited before its QMP socket appeared.
    #[error("{binary} exited with {status} before creating its QMP socket; its stderr:\n{stderr}")]
    Exited {
        /// The program.
        binary: PathBuf,
        /// Its exit status.
        status: ExitStatus,
        /// What it wrote to stderr.
        stderr: String,
    },
    /// The program did not create its QMP socket in time.
    #[error("{binary} did not create its QMP socket {socket} within {after:?}")]
    NoSocket {
        /// The program.
        binary: PathBuf,
        /// The socket path it was given.
        socket: PathBuf,
        /// How long we waited.
        after: Duration,
    },
    /// Connecting, negotiating or a command failed.
    #[error("{stage} on {socket}: {source}")]
    Client {
        /// What was being done (`connecting`, `query-version`, ...).
        stage: &'static str,
        /// The QMP socket.
        socket: PathBuf,
        /// The client error.
        source: Box<ClientError>,
    },
    /// An answer does not have the shape the protocol defines.
    #[error("unexpected answer to `{command}` on {socket}: {reason}")]
    Answer {
        /// The command.
        command: &'static str,
        /// The QMP socket.
        socket: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Neither a program nor a socket was given.
    #[error("nothing to capture from: give --binary PATH or --socket PATH")]
    NoSource,
    /// The reference manual given with `--reference` cannot be used.
    #[error("reference manual: {0}")]
    Reference(#[source] Box<crate::error::Error>),
    /// The reference manual documents another program than the one captured.
    #[error(
        "reference manual {path} documents {found:?}, but the captured program is {expected:?}; \
         give the right one with --reference FILE, or --no-reference"
    )]
    WrongReference {
        /// The manual.
        path: PathBuf,
        /// The program it documents.
        found: Program,
        /// The program captured.
        expected: Program,
    },
    /// The guest agent's schema could not be made from its manual or written.
    #[error("guest agent: {0}")]
    Agent(#[source] Box<crate::error::Error>),
    /// Progress could not be reported on standard error.
    #[error("cannot write to stderr: {0}")]
    Progress(#[source] std::io::Error),
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Arguments of `qmp-codegen capture`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["binary", "socket"])))]
pub struct CaptureArgs {
    /// Start this QEMU program (`qemu-system-*`, `qemu-storage-daemon`) on a private socket.
    #[arg(long, value_name = "PATH")]
    pub binary: Option<PathBuf>,
    /// Connect to a QMP server already listening on this Unix socket.
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// How the program gets its QMP monitor (default: guessed from its file name).
    #[arg(long, value_enum, requires = "binary")]
    pub kind: Option<ProgramKind>,
    /// Write the schema to FILE (the `.version` sidecar next to it) instead of
    /// `DIR/qemu-<version>-<target>.json`.
    #[arg(short, long, value_name = "FILE", conflicts_with = "dir")]
    pub output: Option<PathBuf>,
    /// The directory for the default file name (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The target in the default file name, instead of the one the server reports.
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// QEMU's reference manual to store beside the schema (default: the one the program's
    /// installation ships, `<prefix>/share/man/man7/qemu-qmp-ref.7.gz` or
    /// `qemu-storage-daemon-qmp-ref.7.gz`; none with `--socket`).
    #[arg(long, value_name = "FILE", conflicts_with = "no_reference")]
    pub reference: Option<PathBuf>,
    /// Store no reference manual.
    #[arg(long)]
    pub no_reference: bool,
    /// Seconds to wait for the socket, the handshake and each command.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// The guest agent only: its reference manual, instead of the one installed with it
    /// (see [`crate::agent_schema`]).
    #[arg(long, value_name = "MANUAL", requires = "binary")]
    pub agent_manual: Option<PathBuf>,
    /// The guest agent only: a later release's agent manual to take return types from,
    /// for a QEMU 7 manual that states them only in prose.
    #[arg(long, value_name = "MANUAL", requires = "binary")]
    pub returns_from: Option<PathBuf>,
    /// Extra arguments for the started program (after `--`).
    #[arg(last = true, value_name = "ARGS", requires = "binary")]
    pub args: Vec<String>,
}

/// Runs `qmp-codegen capture` for a QEMU program or socket (the guest agent is
/// [`crate::agent_schema::run`]): captures, writes the schema and its sidecar, and reports
/// progress on `stderr`.
///
/// # Errors
/// [`CaptureError`] when the capture, a write or the progress report on `stderr` fails.
pub fn run(args: CaptureArgs, stderr: &mut dyn Write) -> Result<(), CaptureError> {
    let source = match (args.binary, args.socket) {
        (Some(path), _) => Source::Binary {
            kind: args.kind.unwrap_or_else(|| ProgramKind::guess(&path)),
            path,
            args: args.args,
        },
        (None, Some(socket)) => Source::Socket(socket),
        // clap's `source` group requires one of the two.
        (None, None) => return Err(CaptureError::NoSource),
    };
    let from = match &source {
        Source::Binary { path, .. } => format!("starting {}", path.display()),
        Source::Socket(socket) => format!("connecting to {}", socket.display()),
    };
    progress(stderr, &format!("capture: {from}\n"))?;
    let mut capture = capture(&source, Duration::from_secs(args.timeout))?;
    if capture.handshake_reconnects > 0 {
        let line = format!(
            "capture: the server left the handshake unanswered or closed it; connected again \
             {} time(s)\n",
            capture.handshake_reconnects
        );
        progress(stderr, &line)?;
    }
    if let Some(target) = args.target {
        capture.target = target;
    }
    let path = match args.output {
        Some(path) => path,
        None => args
            .dir
            .unwrap_or_else(|| PathBuf::from("."))
            .join(capture.file_name()),
    };
    let sidecar = capture.write(&path)?;
    let entries = capture.schema.as_array().map_or(0, Vec::len);
    let line = format!(
        "capture: QEMU {} ({}): {entries} schema entries -> {} (version in {})\n",
        capture.version_triple,
        capture.target,
        path.display(),
        sidecar.display()
    );
    progress(stderr, &line)?;
    let program = match (&source, capture.target.as_str()) {
        (Source::Binary { kind, .. }, _) => kind.program(),
        (Source::Socket(_), STORAGE_DAEMON_TARGET) => Program::StorageDaemon,
        (Source::Socket(_), _) => Program::SystemEmulator,
    };
    let manual = match (args.no_reference, args.reference, &source) {
        (true, _, _) => None,
        (false, Some(file), _) => Some((file, true)),
        (false, None, Source::Binary { path, .. }) => {
            companion::installed_manual(path, program).map(|file| (file, false))
        }
        (false, None, Source::Socket(_)) => None,
    };
    match manual {
        Some((file, explicit)) => {
            store_reference(&file, explicit, program, &capture, &path, stderr)
        }
        None if !args.no_reference => progress(
            stderr,
            "capture: no reference manual found (give one with --reference FILE); \
             bindings will use names from use sites\n",
        ),
        None => Ok(()),
    }
}

/// Copies the manual `file` beside the schema at `schema` (`X.ref.7.gz` or `X.ref.7`,
/// as the manual is compressed or not) after checking it reads as a manual of `program`;
/// a manual of another QEMU release is stored with a warning. A discovered (not
/// `explicit`) manual of another program is skipped with a warning.
fn store_reference(
    file: &Path,
    explicit: bool,
    program: Program,
    capture: &Capture,
    schema: &Path,
    stderr: &mut dyn Write,
) -> Result<(), CaptureError> {
    let manual = reference::read(file).map_err(|e| CaptureError::Reference(Box::new(e)))?;
    if manual.program != program {
        let error = CaptureError::WrongReference {
            path: file.to_owned(),
            found: manual.program,
            expected: program,
        };
        if explicit {
            return Err(error);
        }
        return progress(stderr, &format!("capture: warning: {error}; not stored\n"));
    }
    if let Some(warning) = companion::release_mismatch(&manual, Some(&capture.version_triple)) {
        progress(stderr, &format!("capture: warning: {warning}\n"))?;
    }
    let bytes = std::fs::read(file).map_err(|source| {
        CaptureError::Reference(Box::new(crate::error::Error::ReadReference {
            path: file.to_owned(),
            source,
        }))
    })?;
    let ending = if companion::is_gzip(&bytes) {
        ".ref.7.gz"
    } else {
        ".ref.7"
    };
    let target = companion::companion_path(schema, ending);
    for other in companion::COMPANION_ENDINGS {
        let stale = companion::companion_path(schema, other);
        if other != ending && stale.is_file() {
            std::fs::remove_file(&stale).map_err(|source| CaptureError::Write {
                path: stale.clone(),
                source,
            })?;
        }
    }
    std::fs::write(&target, &bytes).map_err(|source| CaptureError::Write {
        path: target.clone(),
        source,
    })?;
    let line = format!(
        "capture: reference manual {} ({} definitions) -> {}\n",
        file.display(),
        manual.definitions.len(),
        target.display()
    );
    progress(stderr, &line)
}

/// Writes one progress line to `stderr`.
pub(crate) fn progress(stderr: &mut dyn Write, line: &str) -> Result<(), CaptureError> {
    stderr
        .write_all(line.as_bytes())
        .and_then(|()| stderr.flush())
        .map_err(CaptureError::Progress)
}

/// Captures the schema from `source`; calls and the handshake time out after `timeout`, as
/// does waiting for a started program's socket.
///
/// # Errors
/// [`CaptureError`] naming the program, socket or command that failed.
pub fn capture(source: &Source, timeout: Duration) -> Result<Capture, CaptureError> {
    match source {
        Source::Socket(socket) => capture_from(socket, timeout),
        Source::Binary { path, kind, args } => {
            let dir = tempfile::Builder::new()
                .prefix("qmp-capture-")
                .tempdir()
                .map_err(CaptureError::TempDir)?;
            let socket = dir.path().join("qmp.sock");
            let mut process = Started::spawn(path, &launch_args(*kind, &socket, args))?;
            process.wait_for(&socket, timeout)?;
            capture_from(&socket, timeout)
        }
    }
}

/// The command line that gives a program of `kind` its QMP monitor on `socket`.
fn launch_args(kind: ProgramKind, socket: &Path, extra: &[String]) -> Vec<String> {
    let socket = socket.display();
    let mut args: Vec<String> = match kind {
        ProgramKind::System => {
            let mut args = Vec::new();
            if !extra.iter().any(|a| a == "-machine" || a == "-M") {
                args.extend(["-machine".into(), "none".into()]);
            }
            args.extend([
                "-nodefaults".into(),
                "-display".into(),
                "none".into(),
                "-qmp".into(),
                format!("unix:{socket},server=on,wait=off"),
            ]);
            args
        }
        ProgramKind::StorageDaemon => vec![
            "--chardev".into(),
            format!("socket,path={socket},server=on,wait=off,id=qmp-capture"),
            "--monitor".into(),
            "chardev=qmp-capture".into(),
        ],
    };
    args.extend(extra.iter().cloned());
    args
}

/// Talks to the server on `socket`: version, target, schema.
fn capture_from(socket: &Path, timeout: Duration) -> Result<Capture, CaptureError> {
    let failed = |stage: &'static str| {
        move |source| CaptureError::Client {
            stage,
            socket: socket.to_owned(),
            source: Box::new(source),
        }
    };
    let config = ClientConfig::default()
        .handshake_timeout(Some(timeout))
        .command_timeout(Some(timeout));
    let client = Client::connect_unix(socket, config).map_err(failed("connecting"))?;
    let version = client
        .execute_raw("query-version", None)
        .map_err(failed("query-version"))?;
    let version_triple = version_triple(&version).ok_or_else(|| CaptureError::Answer {
        command: "query-version",
        socket: socket.to_owned(),
        reason: format!("no `qemu` version triple in {version}"),
    })?;
    let target = match client.execute_raw("query-target", None) {
        Ok(answer) => answer
            .get("arch")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| CaptureError::Answer {
                command: "query-target",
                socket: socket.to_owned(),
                reason: format!("no `arch` string in {answer}"),
            })?,
        Err(ClientError::Qmp {
            class: ErrorClass::CommandNotFound,
            ..
        }) => STORAGE_DAEMON_TARGET.to_owned(),
        Err(error) => return Err(failed("query-target")(error)),
    };
    let schema = client
        .execute_raw("query-qmp-schema", None)
        .map_err(failed("query-qmp-schema"))?;
    if !schema.is_array() {
        return Err(CaptureError::Answer {
            command: "query-qmp-schema",
            socket: socket.to_owned(),
            reason: "the answer is not a JSON array".into(),
        });
    }
    Ok(Capture {
        schema,
        version,
        version_triple,
        target,
        handshake_reconnects: client.handshake_reconnects(),
    })
}

/// `major.minor.micro` of a `query-version` answer.
fn version_triple(version: &Value) -> Option<String> {
    let qemu = version.get("qemu")?;
    let part = |key: &str| qemu.get(key).and_then(Value::as_i64);
    Some(format!(
        "{}.{}.{}",
        part("major")?,
        part("minor")?,
        part("micro")?
    ))
}

impl Capture {
    /// The default schema file name, `qemu-<version>-<target>.json`.
    pub fn file_name(&self) -> String {
        format!("qemu-{}-{}.json", self.version_triple, self.target)
    }

    /// The schema file's text (see the module documentation for the layout).
    pub fn schema_text(&self) -> String {
        to_text(&self.schema)
    }

    /// The sidecar's text: the `query-version` answer.
    pub fn version_text(&self) -> String {
        to_text(&self.version)
    }

    /// Writes the schema to `path` and the sidecar next to it (`path` with the extension
    /// `.version`). Returns the sidecar's path.
    ///
    /// # Errors
    /// [`CaptureError::Write`] naming the file that could not be written.
    pub fn write(&self, path: &Path) -> Result<PathBuf, CaptureError> {
        let sidecar = sidecar_path(path);
        for (file, text) in [(path, self.schema_text()), (&sidecar, self.version_text())] {
            std::fs::write(file, text).map_err(|source| CaptureError::Write {
                path: file.to_owned(),
                source,
            })?;
        }
        Ok(sidecar)
    }
}

/// The sidecar of a schema file: the same path with the extension `.version`.
pub fn sidecar_path(schema: &Path) -> PathBuf {
    schema.with_extension("version")
}

/// Pretty JSON with a one-space indent, members in their stored order, no trailing newline.
pub(crate) fn to_text(value: &Value) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Serialising a `Value` into a `Vec` cannot fail (no I/O, string keys only).
    match value.serialize(&mut serializer) {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(_) => value.to_string(),
    }
}

/// A started program, killed and reaped when dropped.
struct Started {
    child: Child,
    binary: PathBuf,
}

impl Started {
    fn spawn(binary: &Path, args: &[String]) -> Result<Started, CaptureError> {
        let child = Command::new(binary)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| CaptureError::Spawn {
                binary: binary.to_owned(),
                source,
            })?;
        Ok(Started {
            child,
            binary: binary.to_owned(),
        })
    }

    /// Waits until `socket` exists; fails when the program exits first or time runs out.
    fn wait_for(&mut self, socket: &Path, timeout: Duration) -> Result<(), CaptureError> {
        let deadline = Instant::now() + timeout;
        while !socket.exists() {
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = self.child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                return Err(CaptureError::Exited {
                    binary: self.binary.clone(),
                    status,
                    stderr,
                });
            }
            if Instant::now() >= deadline {
                return Err(CaptureError::NoSocket {
                    binary: self.binary.clone(),
                    socket: socket.to_owned(),
                    after: timeout,
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_member_order_and_uses_a_one_space_indent() {
        let value: Value = serde_json::from_str(
            r#"[{"name": "query-status", "ret-type": "1", "meta-type": "command", "arg-type": "0"},
                {"name": "0", "meta-type": "object", "members": []}]"#,
        )
        .unwrap();
        assert_eq!(
            to_text(&value),
            "[\n {\n  \"name\": \"query-status\",\n  \"ret-type\": \"1\",\n  \
             \"meta-type\": \"command\",\n  \"arg-type\": \"0\"\n },\n {\n  \"name\": \"0\",\n  \
             \"meta-type\": \"object\",\n  \"members\": []\n }\n]"
        );
    }

    #[test]
    fn file_names_and_version_triple() {
        let version = serde_json::json!({"qemu": {"micro": 2, "minor": 0, "major": 10},
            "package": "Debian"});
        let triple = version_triple(&version).unwrap();
        let capture = Capture {
            schema: Value::Array(Vec::new()),
            version,
            version_triple: triple,
            target: "aarch64".into(),
            handshake_reconnects: 0,
        };
        assert_eq!(capture.file_name(), "qemu-10.0.2-aarch64.json");
        assert_eq!(
            sidecar_path(Path::new("s/qemu-10.0.2-aarch64.json")),
            Path::new("s/qemu-10.0.2-aarch64.version")
        );
        assert_eq!(version_triple(&serde_json::json!({"qemu": {}})), None);
    }

    #[test]
    fn launch_arguments_per_kind() {
        let socket = Path::new("/d/qmp.sock");
        let system = launch_args(ProgramKind::System, socket, &["-S".into()]);
        assert_eq!(system[..2], ["-machine", "none"]);
        assert!(system.contains(&"unix:/d/qmp.sock,server=on,wait=off".to_owned()));
        assert_eq!(system.last().map(String::as_str), Some("-S"));
        let chosen = launch_args(ProgramKind::System, socket, &["-M".into(), "q35".into()]);
        assert!(!chosen.windows(2).any(|w| w == ["-machine", "none"]));
        let daemon = launch_args(ProgramKind::StorageDaemon, socket, &[]);
        assert_eq!(daemon[0], "--chardev");
        assert!(daemon[1].starts_with("socket,path=/d/qmp.sock,"));
        assert_eq!(
            ProgramKind::guess(Path::new("/usr/bin/qemu-storage-daemon")),
            ProgramKind::StorageDaemon
        );
        assert_eq!(
            ProgramKind::guess(Path::new("qemu-system-aarch64")),
            ProgramKind::System
        );
    }
}
