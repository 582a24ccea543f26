//! Starting a QEMU program for the shell on a private Unix socket, and stopping it when the
//! shell ends (the guard kills and reaps it on drop, also when the shell fails).
//!
//! `qmp-codegen capture` starts programs the same way (`qmp_build_tools::capture`), but keeps
//! that code private; the command lines here follow it (`-machine none` unless the user picks
//! a machine, the storage daemon recognised by its file name).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Why a QEMU program could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LaunchError {
    /// The private directory (socket, stderr) could not be made.
    #[error("cannot create a private directory for the QMP socket: {0}")]
    TempDir(#[source] std::io::Error),
    /// The program did not start.
    #[error("cannot start {binary}: {source}")]
    Spawn {
        /// The program.
        binary: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The program exited before creating its socket.
    #[error("{binary} exited with {status} before creating its QMP socket: {stderr}")]
    Exited {
        /// The program.
        binary: PathBuf,
        /// Its exit status.
        status: ExitStatus,
        /// The last line it wrote to stderr.
        stderr: String,
    },
    /// The socket did not appear in time.
    #[error("{binary} did not create its QMP socket {socket} within {after:?}")]
    NoSocket {
        /// The program.
        binary: PathBuf,
        /// The socket it was given.
        socket: PathBuf,
        /// How long the shell waited.
        after: Duration,
    },
}

/// A QEMU program started by the shell, with its private directory. Dropping it kills and
/// reaps the program and removes the directory.
#[derive(Debug)]
pub struct LaunchedQemu {
    child: Child,
    socket: PathBuf,
    // Dropped after `child` is killed (see `Drop`), removing the socket and stderr file.
    _dir: tempfile::TempDir,
}

impl LaunchedQemu {
    /// Starts `binary` with a QMP monitor on a private socket (plus `extra` arguments) and
    /// waits up to `timeout` for the socket to appear.
    ///
    /// # Errors
    /// [`LaunchError`] naming the program and what went wrong (with its stderr if it exited).
    pub fn start(binary: &Path, extra: &[String], timeout: Duration) -> Result<Self, LaunchError> {
        let dir = tempfile::Builder::new()
            .prefix("qmp-shell-")
            .tempdir()
            .map_err(LaunchError::TempDir)?;
        let socket = dir.path().join("qmp.sock");
        let stderr_path = dir.path().join("stderr");
        let stderr = File::create(&stderr_path).map_err(LaunchError::TempDir)?;
        let child = Command::new(binary)
            .args(command_line(binary, &socket, extra))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|source| LaunchError::Spawn {
                binary: binary.to_owned(),
                source,
            })?;
        let mut launched = LaunchedQemu {
            child,
            socket,
            _dir: dir,
        };
        let deadline = Instant::now() + timeout;
        while !launched.socket.exists() {
            if let Ok(Some(status)) = launched.child.try_wait() {
                let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                return Err(LaunchError::Exited {
                    binary: binary.to_owned(),
                    status,
                    stderr: stderr.trim_end().lines().last().unwrap_or("").to_owned(),
                });
            }
            if Instant::now() >= deadline {
                return Err(LaunchError::NoSocket {
                    binary: binary.to_owned(),
                    socket: launched.socket.clone(),
                    after: timeout,
                });
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(launched)
    }

    /// The QMP socket the program listens on.
    pub fn socket(&self) -> &Path {
        &self.socket
    }
}

impl Drop for LaunchedQemu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The arguments that give `binary` its QMP monitor on `socket`, then `extra`.
fn command_line(binary: &Path, socket: &Path, extra: &[String]) -> Vec<String> {
    let socket = socket.display();
    let storage_daemon = binary
        .file_name()
        .is_some_and(|name| name.to_string_lossy().contains("storage-daemon"));
    let mut args: Vec<String> = if storage_daemon {
        vec![
            "--chardev".into(),
            format!("socket,path={socket},server=on,wait=off,id=qmp-shell"),
            "--monitor".into(),
            "chardev=qmp-shell".into(),
        ]
    } else {
        let mut args = Vec::new();
        if !extra.iter().any(|arg| arg == "-machine" || arg == "-M") {
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
    };
    args.extend(extra.iter().cloned());
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_per_program() {
        let socket = Path::new("/d/qmp.sock");
        let system = command_line(
            Path::new("/usr/bin/qemu-system-x86_64"),
            socket,
            &["-S".into()],
        );
        assert_eq!(system[..2], ["-machine", "none"]);
        assert!(system.contains(&"unix:/d/qmp.sock,server=on,wait=off".to_owned()));
        assert_eq!(system.last().map(String::as_str), Some("-S"));
        let chosen = command_line(
            Path::new("qemu-system-x86_64"),
            socket,
            &["-M".into(), "q35".into()],
        );
        assert!(!chosen.windows(2).any(|pair| pair == ["-machine", "none"]));
        let daemon = command_line(Path::new("/usr/bin/qemu-storage-daemon"), socket, &[]);
        assert_eq!(daemon[0], "--chardev");
        assert!(daemon[1].starts_with("socket,path=/d/qmp.sock,"));
    }
}
