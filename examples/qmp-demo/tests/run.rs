//! Builds and runs the demo program against both QEMU releases and checks what it prints.

use std::process::Command;

use qmp_testkit::Release;

fn run(release: Release) -> String {
    let binary = release.binary("qemu-system-x86_64");
    let output = Command::new(env!("CARGO_BIN_EXE_qmp-demo"))
        .arg(&binary)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    stdout
}

/// The lines of `text` that start with one of `prefixes`, in order.
fn lines_starting<'a>(text: &'a str, prefixes: &[&str]) -> Vec<&'a str> {
    text.lines()
        .filter(|l| prefixes.iter().any(|p| l.starts_with(p)))
        .collect()
}

#[test]
fn demo_drives_both_releases_through_one_module() {
    for (release, audiodevs) in [(Release::V7_2, false), (Release::V10_0, true)] {
        let out = run(release);
        println!("{out}");
        let version = release.version();
        assert!(out.starts_with(&format!("QEMU {version} at ")), "{out}");
        assert!(out
            .lines()
            .next()
            .unwrap()
            .ends_with("bindings qmp (7.2.22 + 10.0.2)"));
        assert!(
            out.contains(&format!(
                "supports query-audiodevs: {audiodevs} (bindings: available in 10.0.2)"
            )),
            "{out}"
        );
        assert!(
            out.contains(&format!("query-version: {version} (Debian")),
            "{out}"
        );
        assert_eq!(
            lines_starting(&out, &["query-status", "stop", "cont", "quit", "event"]),
            [
                "query-status: running=true status=running",
                "stop",
                "event STOP: Stop(StopEvent)",
                "query-status: running=false status=paused",
                "cont",
                "event RESUME: Resume(Resume)",
                "quit",
                "event SHUTDOWN: Shutdown(Shutdown { guest: false, reason: HostQmpQuit })",
            ],
            "{out}"
        );
    }
}
