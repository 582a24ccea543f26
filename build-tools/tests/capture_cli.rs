//! `qmp-codegen capture` against real QEMU: both system emulator releases (the result must be
//! byte-identical to the bundled `schemas/`), both storage daemons, a running server's socket,
//! and the errors for programs that cannot be captured.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use qmp_testkit::{QemuProcess, Release};

fn codegen() -> Command {
    Command::cargo_bin("qmp-codegen").unwrap()
}

fn bundled(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas")
        .join(file)
}

/// Runs `capture` with `args` into a fresh directory; returns the directory and stderr.
fn capture(args: &[&str]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let output = codegen()
        .arg("capture")
        .arg("--dir")
        .arg(dir.path())
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    (dir, stderr)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The sidecar holds the `query-version` answer of `release`.
fn assert_sidecar(path: &Path, release: Release) {
    let version: serde_json::Value = serde_json::from_str(&read(path)).unwrap();
    let qemu = &version["qemu"];
    let triple = format!("{}.{}.{}", qemu["major"], qemu["minor"], qemu["micro"]);
    assert_eq!(triple, release.version());
    assert!(version["package"].is_string(), "{version}");
}

#[test]
fn system_emulators_reproduce_the_bundled_schemas_byte_for_byte() {
    for release in Release::ALL {
        let binary = release.binary("qemu-system-x86_64");
        let data = release.data_dir();
        let (dir, stderr) = capture(&[
            "--binary",
            binary.to_str().unwrap(),
            "--",
            "-L",
            data.to_str().unwrap(),
        ]);
        let name = format!("qemu-{}-x86_64", release.version());
        let file = dir.path().join(format!("{name}.json"));
        assert_eq!(read(&file), read(&bundled(&format!("{name}.json"))));
        assert_sidecar(&dir.path().join(format!("{name}.version")), release);
        assert!(
            stderr.contains(&format!("capture: starting {}", binary.display())),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!("QEMU {} (x86_64): ", release.version())),
            "{stderr}"
        );
    }
}

#[test]
fn storage_daemons_are_captured_under_their_own_target() {
    for release in Release::ALL {
        let binary = release.binary("qemu-storage-daemon");
        let (dir, stderr) = capture(&["--binary", binary.to_str().unwrap()]);
        let name = format!("qemu-{}-storage-daemon", release.version());
        let file = dir.path().join(format!("{name}.json"));
        let schema: Vec<serde_json::Value> = serde_json::from_str(&read(&file)).unwrap();
        let commands: Vec<&str> = schema
            .iter()
            .filter(|e| e["meta-type"] == "command")
            .filter_map(|e| e["name"].as_str())
            .collect();
        assert!(commands.contains(&"blockdev-add"), "{commands:?}");
        assert!(commands.contains(&"nbd-server-start"), "{commands:?}");
        assert!(!commands.contains(&"query-target"), "{commands:?}");
        assert!(!commands.contains(&"stop"), "{commands:?}");
        assert_sidecar(&dir.path().join(format!("{name}.version")), release);
        assert!(stderr.contains("(storage-daemon): "), "{stderr}");
        // The capture is a schema the generator accepts.
        let names = codegen().arg("names").arg(&file).output().unwrap();
        assert!(names.status.success(), "{names:?}");
        assert!(String::from_utf8(names.stdout)
            .unwrap()
            .contains("blockdev-add\tBlockdevAdd\n"));
    }
}

#[test]
fn a_running_server_is_captured_through_its_socket() {
    let qemu = QemuProcess::system_none(Release::V10_0);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mine.json");
    let output = codegen()
        .args(["capture", "--target", "pc"])
        .arg("--socket")
        .arg(qemu.socket())
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "capture: connecting to {}",
            qemu.socket().display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("QEMU 10.0.2 (pc): "), "{stderr}");
    assert_eq!(read(&out), read(&bundled("qemu-10.0.2-x86_64.json")));
    assert_sidecar(&dir.path().join("mine.version"), Release::V10_0);
}

#[test]
fn programs_that_cannot_be_captured_are_clear_errors() {
    let failure = |args: &[&str]| {
        let output = codegen().arg("capture").args(args).output().unwrap();
        assert!(!output.status.success(), "{output:?}");
        String::from_utf8(output.stderr).unwrap()
    };
    let stderr = failure(&["--binary", "/nonexistent/qemu-system-x86_64"]);
    assert!(
        stderr.contains("cannot start /nonexistent/qemu-system-x86_64"),
        "{stderr}"
    );

    let binary = Release::V10_0.binary("qemu-system-x86_64");
    let stderr = failure(&[
        "--binary",
        binary.to_str().unwrap(),
        "--",
        "-no-such-option",
    ]);
    assert!(stderr.contains("exited with"), "{stderr}");
    assert!(stderr.contains("-no-such-option"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("none.sock");
    let stderr = failure(&["--socket", socket.to_str().unwrap()]);
    assert!(stderr.contains("cannot connect to"), "{stderr}");

    let stderr = failure(&[]);
    assert!(stderr.contains("--binary"), "{stderr}");
}
