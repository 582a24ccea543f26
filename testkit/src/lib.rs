//! Test support shared by the workspace's live tests: locating the QEMU releases installed by
//! `.ci/install-qemu.sh` and running them on private unix sockets.
//!
//! Every process started here lives in a [`QemuProcess`] guard that kills and reaps it on drop,
//! so a failing (panicking) test leaves nothing running. Missing binaries are a test failure
//! with a hint, never a silent skip: a skipped live test is not a pass. So is a program of
//! another version than the release it stands for (checked with `--version` on first use), so
//! that a test named after QEMU 10.0.2 never quietly runs another QEMU.

#![warn(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The programs whose `--version` already matched a release's version (checked once per
/// process and release).
static VERIFIED: Mutex<Vec<(PathBuf, &'static str)>> = Mutex::new(Vec::new());

/// A QEMU release the live tests run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// QEMU 7.2 (Debian bookworm), unpacked side by side under `/opt/qemu-7.2`.
    V7_2,
    /// QEMU 10.0.2 (Debian bookworm-backports), installed system-wide.
    V10_0,
}

impl Release {
    /// Both releases, oldest first.
    pub const ALL: [Release; 2] = [Release::V7_2, Release::V10_0];

    /// The `major.minor.micro` version the release reports.
    pub fn version(self) -> &'static str {
        match self {
            Release::V7_2 => "7.2.22",
            Release::V10_0 => "10.0.2",
        }
    }

    /// The root under which the release's `usr/bin` lives (`/` for the system install).
    /// Overridable with `QMP_QEMU72_DIR` / `QMP_QEMU10_DIR`.
    pub fn root(self) -> PathBuf {
        let default = match self {
            Release::V7_2 => "/opt/qemu-7.2",
            Release::V10_0 => "/",
        };
        PathBuf::from(std::env::var(self.root_var()).unwrap_or_else(|_| default.to_owned()))
    }

    /// The environment variable that overrides [`Release::root`].
    fn root_var(self) -> &'static str {
        match self {
            Release::V7_2 => "QMP_QEMU72_DIR",
            Release::V10_0 => "QMP_QEMU10_DIR",
        }
    }

    /// Path of one of the release's programs, e.g. `"qemu-system-x86_64"`, `"qemu-ga"`,
    /// checked (once) to report the release's version.
    ///
    /// # Panics
    /// When the program is missing or reports another version, with a hint to run
    /// `.ci/install-qemu.sh`.
    pub fn binary(self, program: &str) -> PathBuf {
        let root = self.root();
        for dir in ["usr/bin", "usr/sbin"] {
            let path = root.join(dir).join(program);
            if path.is_file() {
                self.verify(&path);
                return path;
            }
        }
        panic!(
            "{program} of QEMU {} not found under {}: run `bash .ci/install-qemu.sh` first",
            self.version(),
            root.display()
        );
    }

    /// Panics unless `program --version` reports this release's version.
    fn verify(self, program: &Path) {
        let mut verified = VERIFIED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if verified
            .iter()
            .any(|(done, version)| done == program && *version == self.version())
        {
            return;
        }
        let output = Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run `{} --version`: {e}", program.display()));
        let text = String::from_utf8_lossy(&output.stdout);
        let first = text.lines().next().unwrap_or("").trim();
        assert!(
            reports_version(first, self.version()),
            "{} reports \"{first}\", but the tests of QEMU {} need that release: install both \
             releases with `bash .ci/install-qemu.sh` (7.2.22 under /opt/qemu-7.2, 10.0.2 \
             system-wide), or point {} at a tree holding QEMU {}",
            program.display(),
            self.version(),
            self.root_var(),
            self.version()
        );
        verified.push((program.to_owned(), self.version()));
    }

    /// The data directory of the release (keymaps, option ROMs).
    pub fn data_dir(self) -> PathBuf {
        self.root().join("usr/share/qemu")
    }

    /// Every firmware directory of the release that exists, each to pass as `-L`: the data
    /// directory, SeaBIOS and the iPXE ROMs (Debian splits them into their own packages, and a
    /// QEMU given `-L` for an unpacked tree searches only what it is given).
    pub fn firmware_dirs(self) -> Vec<PathBuf> {
        let root = self.root();
        ["usr/share/qemu", "usr/share/seabios", "usr/lib/ipxe/qemu"]
            .iter()
            .map(|dir| root.join(dir))
            .filter(|dir| dir.is_dir())
            .collect()
    }
}

/// Whether a `--version` line (`QEMU emulator version 10.0.2 (Debian ...)`,
/// `QEMU Guest Agent 7.2.22`) names `version` as a whole word: `7.2.2` is not `7.2.22`.
fn reports_version(line: &str, version: &str) -> bool {
    line.split(|c: char| c.is_whitespace() || c == '(' || c == ',')
        .any(|word| word == version)
}

/// A running QEMU process (any program: system emulator, storage daemon, guest agent) with its
/// private temporary directory. Dropping it kills and reaps the process and removes the
/// directory.
#[derive(Debug)]
pub struct QemuProcess {
    child: Child,
    dir: tempfile::TempDir,
    socket: PathBuf,
}

impl QemuProcess {
    /// Starts `qemu-system-x86_64 -machine none` of `release` with a QMP server on a private
    /// unix socket, and waits until the socket exists.
    pub fn system_none(release: Release) -> QemuProcess {
        Self::system(release, &["-machine", "none"], "")
    }

    /// Starts the system emulator `program` (`qemu-system-aarch64`, …) of `release` with
    /// `-machine none`, as [`QemuProcess::system_none`] starts `qemu-system-x86_64`.
    pub fn emulator_none(release: Release, program: &str) -> QemuProcess {
        Self::emulator_with_monitor(release, program, &["-machine", "none"], |socket| {
            qmp_monitor(socket, "")
        })
    }

    /// Starts `qemu-system-x86_64` of `release` with `args` (plus `-nodefaults -display none`,
    /// `-L` for each of [`Release::firmware_dirs`] and a QMP server on a private unix socket),
    /// and waits until the socket exists. `qmp_options` is appended to the
    /// `-qmp unix:PATH,server=on,wait=off` option (usually `""`). For pretty-printed QMP output
    /// use [`QemuProcess::system_pretty`]: QEMU 7.2's `-qmp` refuses `,pretty=on`.
    pub fn system(release: Release, args: &[&str], qmp_options: &str) -> QemuProcess {
        Self::emulator_with_monitor(release, X86_64, args, |socket| {
            qmp_monitor(socket, qmp_options)
        })
    }

    /// Starts `qemu-system-x86_64 -machine none` of `release` whose QMP monitor pretty-prints
    /// its output (`-chardev socket,... -mon ...,mode=control,pretty=on`, which every release
    /// accepts), and waits until the socket exists.
    pub fn system_pretty(release: Release) -> QemuProcess {
        Self::emulator_with_monitor(release, X86_64, &["-machine", "none"], |socket| {
            vec![
                "-chardev".into(),
                format!(
                    "socket,id=qmp0,path={},server=on,wait=off",
                    socket.display()
                ),
                "-mon".into(),
                "chardev=qmp0,mode=control,pretty=on".into(),
            ]
        })
    }

    /// Starts `program` of `release` with `args`, `monitor(socket)`'s monitor options,
    /// `-nodefaults -display none` and `-L` for each firmware directory.
    fn emulator_with_monitor(
        release: Release,
        program: &str,
        args: &[&str],
        monitor: impl FnOnce(&Path) -> Vec<String>,
    ) -> QemuProcess {
        let binary = release.binary(program);
        Self::spawn(&binary, |socket| {
            let mut full: Vec<String> =
                vec!["-nodefaults".into(), "-display".into(), "none".into()];
            for dir in release.firmware_dirs() {
                full.push("-L".into());
                full.push(dir.display().to_string());
            }
            full.extend(monitor(socket));
            full.extend(args.iter().map(|a| a.to_string()));
            full
        })
    }

    /// Starts `qemu-ga` of `release` listening on a private unix socket.
    pub fn guest_agent(release: Release) -> QemuProcess {
        let binary = release.binary("qemu-ga");
        Self::spawn(&binary, |socket| {
            vec![
                "-m".into(),
                "unix-listen".into(),
                "-p".into(),
                socket.display().to_string(),
                // The state directory must exist: the private directory holding the socket.
                "-t".into(),
                socket.parent().unwrap_or(socket).display().to_string(),
            ]
        })
    }

    /// Starts `qemu-storage-daemon` of `release` with a QMP monitor on a private unix socket.
    pub fn storage_daemon(release: Release) -> QemuProcess {
        let binary = release.binary("qemu-storage-daemon");
        Self::spawn(&binary, |socket| {
            vec![
                "--chardev".into(),
                format!(
                    "socket,path={},server=on,wait=off,id=qmp0",
                    socket.display()
                ),
                "--monitor".into(),
                "chardev=qmp0".into(),
            ]
        })
    }

    /// Starts `binary` with the arguments `args(socket_path)` builds, and waits up to 10 s for
    /// the socket to appear.
    ///
    /// # Panics
    /// When the program cannot start, exits early, or never creates its socket.
    pub fn spawn(binary: &Path, args: impl FnOnce(&Path) -> Vec<String>) -> QemuProcess {
        let dir = tempfile::Builder::new()
            .prefix("qmp-test-")
            .tempdir()
            .expect("temporary directory");
        let socket = dir.path().join("qmp.sock");
        let child = Command::new(binary)
            .args(args(&socket))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut process = QemuProcess { child, dir, socket };
        let deadline = Instant::now() + Duration::from_secs(10);
        // The socket file exists a moment before the program listens on it; a test that
        // connects in between would be refused. So wait for the listening state, without
        // connecting (a connection would be the server's first client).
        while !(process.socket.exists() && is_listening(&process.socket)) {
            if let Ok(Some(status)) = process.child.try_wait() {
                panic!("{} exited early with {status}", binary.display());
            }
            assert!(
                Instant::now() < deadline,
                "{} did not create and listen on {} within 10 s",
                binary.display(),
                process.socket.display()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        process
    }

    /// The unix socket the process listens on.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The process's private temporary directory (for disk images and the like).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGKILL and reaps the process (for tests of a server dying mid-call).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the process has exited; reaps it if so.
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }
}

impl Drop for QemuProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The system emulator the tests start unless they name another.
const X86_64: &str = "qemu-system-x86_64";

/// The `-qmp unix:SOCKET,server=on,wait=off` option, with `qmp_options` appended.
fn qmp_monitor(socket: &Path, qmp_options: &str) -> Vec<String> {
    vec![
        "-qmp".into(),
        format!("unix:{},server=on,wait=off{qmp_options}", socket.display()),
    ]
}

/// Whether a Unix socket bound to `path` is listening, as the kernel's socket table
/// (`/proc/net/unix`, flag `__SO_ACCEPTCON`) says; `true` where that table cannot be read, so
/// that callers fall back to connecting.
fn is_listening(path: &Path) -> bool {
    /// The `Flags` bit of a listening socket.
    const ACCEPTING: u32 = 0x0001_0000;
    let Ok(table) = std::fs::read_to_string("/proc/net/unix") else {
        return true;
    };
    let path = path.to_string_lossy();
    table.lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.len() >= 8
            && fields[7..].join(" ") == path
            && u32::from_str_radix(fields[3], 16).is_ok_and(|flags| flags & ACCEPTING != 0)
    })
}

#[cfg(test)]
mod tests {
    use super::{reports_version, Release};

    #[test]
    fn a_version_line_must_name_the_release_exactly() {
        let system = "QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)";
        assert!(reports_version(system, "10.0.2"));
        assert!(!reports_version(system, "10.0"));
        assert!(reports_version("QEMU Guest Agent 7.2.22", "7.2.22"));
        assert!(!reports_version("QEMU Guest Agent 7.2.22", "7.2.2"));
        assert!(!reports_version(
            "QEMU emulator version 8.2.2 (Debian 1:7.2.22)",
            "7.2.22"
        ));
        assert!(!reports_version("", "7.2.22"));
    }

    #[test]
    fn the_installed_releases_report_their_versions() {
        for release in Release::ALL {
            for program in ["qemu-system-x86_64", "qemu-storage-daemon", "qemu-ga"] {
                release.binary(program);
            }
        }
    }

    #[test]
    fn another_qemu_standing_for_a_release_is_refused_with_the_install_hint() {
        let other = Release::V7_2.binary("qemu-system-x86_64");
        let result = std::panic::catch_unwind(|| Release::V10_0.verify(&other));
        let payload = result.expect_err("7.2.22 must not pass for 10.0.2");
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(
            message.contains("reports \"QEMU emulator version 7.2.22"),
            "{message}"
        );
        assert!(message.contains("bash .ci/install-qemu.sh"), "{message}");
        assert!(message.contains("QMP_QEMU10_DIR"), "{message}");
    }
}
