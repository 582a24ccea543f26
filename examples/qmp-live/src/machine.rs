//! A q35 machine with something to report, started on a private QMP socket: a `virtio-blk`
//! disk (qcow2, made with the release's `qemu-img` in the process directory) served by an
//! iothread, a second qcow2 node to mirror to, a user-mode NIC, a serial port on a file
//! chardev and a USB controller to hot-plug into. TCG only, so it runs anywhere.

use std::path::Path;
use std::process::Command;

use qmp_testkit::{QemuProcess, Release};
use qmp_types::blocking::Client;
use qmp_types::client::ClientConfig;

/// Node name of the guest disk's qcow2 node.
pub const DISK_NODE: &str = "disk0";
/// Node name of the mirror target's qcow2 node.
pub const TARGET_NODE: &str = "target0";
/// Id of the `qemu-xhci` USB controller.
pub const USB_CONTROLLER: &str = "xhci";
/// Where the SeaBIOS `bios-256k.bin` lives when the release's own data directory lacks it
/// (QEMU 7.2 is unpacked without its `seabios` package; CI installs QEMU 10's).
const SEABIOS_DIR: &str = "/usr/share/seabios";

/// Starts the machine of `release` (running, not paused).
///
/// # Panics
/// When `qemu-img` or QEMU fails (test support).
pub fn start(release: Release) -> QemuProcess {
    start_with(release, |_| Vec::new())
}

/// Starts the machine of `release` with extra arguments, made from the process directory.
///
/// # Panics
/// When `qemu-img` or QEMU fails (test support).
pub fn start_with(release: Release, extra: impl FnOnce(&Path) -> Vec<String>) -> QemuProcess {
    let binary = release.binary("qemu-system-x86_64");
    QemuProcess::spawn(&binary, |socket| {
        let dir = socket.parent().unwrap_or(Path::new("."));
        let disk = image(release, dir, "disk.qcow2");
        let target = image(release, dir, "target.qcow2");
        let serial = dir.join("serial.log");
        let mut args: Vec<String> = vec![
            "-nodefaults".into(),
            "-display".into(),
            "none".into(),
            "-L".into(),
            release.data_dir().display().to_string(),
        ];
        if Path::new(SEABIOS_DIR).is_dir() {
            args.extend(["-L".into(), SEABIOS_DIR.into()]);
        }
        let rest = [
            "-qmp".into(),
            format!("unix:{},server=on,wait=off", socket.display()),
            "-machine".into(),
            "q35".into(),
            "-accel".into(),
            "tcg".into(),
            "-m".into(),
            "128".into(),
            "-object".into(),
            "iothread,id=io0".into(),
            "-blockdev".into(),
            format!("driver=file,filename={disk},node-name=disk0-file"),
            "-blockdev".into(),
            format!("driver=qcow2,file=disk0-file,node-name={DISK_NODE}"),
            "-device".into(),
            format!("virtio-blk-pci,drive={DISK_NODE},id=vblk0,iothread=io0"),
            "-blockdev".into(),
            format!("driver=file,filename={target},node-name=target0-file"),
            "-blockdev".into(),
            format!("driver=qcow2,file=target0-file,node-name={TARGET_NODE}"),
            "-netdev".into(),
            "user,id=net0".into(),
            // No option ROM: 7.2's data directory is unpacked without iPXE.
            "-device".into(),
            "virtio-net-pci,netdev=net0,id=nic0,romfile=".into(),
            "-chardev".into(),
            format!("file,id=serial0,path={}", serial.display()),
            "-serial".into(),
            "chardev:serial0".into(),
            "-device".into(),
            format!("qemu-xhci,id={USB_CONTROLLER}"),
        ];
        args.extend(rest);
        args.extend(extra(dir));
        args
    })
}

/// Arguments for a qtest server on `dir/qtest.sock` (see [`qtest`]) and a `pvpanic` device
/// whose guest-shutdown write pauses the machine instead of ending it.
pub fn pvpanic_args(dir: &Path) -> Vec<String> {
    vec![
        "-qtest".into(),
        format!(
            "unix:{},server=on,wait=off",
            dir.join(QTEST_SOCKET).display()
        ),
        "-qtest-log".into(),
        "/dev/null".into(),
        "-device".into(),
        "pvpanic".into(),
        "-action".into(),
        "shutdown=pause".into(),
    ]
}

/// The qtest socket's file name in the process directory.
const QTEST_SOCKET: &str = "qtest.sock";

/// Sends one qtest command (e.g. `outb 0x505 0x4`, a guest's port write) to the qtest server
/// of `process` (started with [`pvpanic_args`]) and returns its answer line.
///
/// # Panics
/// When the qtest socket cannot be used (test support).
pub fn qtest(process: &QemuProcess, command: &str) -> String {
    use std::io::{BufRead, BufReader, Write};
    let path = process.dir().join(QTEST_SOCKET);
    let mut stream = std::os::unix::net::UnixStream::connect(&path)
        .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", path.display()));
    writeln!(stream, "{command}").unwrap_or_else(|e| panic!("qtest write: {e}"));
    let mut answer = String::new();
    BufReader::new(stream)
        .read_line(&mut answer)
        .unwrap_or_else(|e| panic!("qtest read: {e}"));
    answer.trim_end().to_owned()
}

/// Creates a 64 MiB qcow2 image `name` in `dir` with the release's `qemu-img`.
fn image(release: Release, dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    let status = Command::new(release.binary("qemu-img"))
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&path)
        .arg("64M")
        .status()
        .unwrap_or_else(|e| panic!("cannot run qemu-img of QEMU {}: {e}", release.version()));
    assert!(
        status.success(),
        "qemu-img create {} failed",
        path.display()
    );
    path.display().to_string()
}

/// A blocking client connected to `process`.
///
/// # Panics
/// When connecting or negotiating fails (test support).
pub fn connect(process: &QemuProcess) -> Client {
    Client::connect_unix(process.socket(), ClientConfig::default())
        .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", process.socket().display()))
}
