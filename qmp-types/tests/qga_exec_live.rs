//! `GuestAgent::exec` against the real `qemu-ga` of both releases (on this host, private
//! socket): a program's exit code and decoded output, a failing program, standard input, a
//! missing program, and the timeout. Only harmless programs are run (`echo`, `sh -c` that
//! prints, `cat`, `sleep`).

use std::time::Duration;

use qmp_testkit::{QemuProcess, Release};
use qmp_types::client::{ClientConfig, Error};
use qmp_types::qga::GuestAgent;
use qmp_types::qga_exec::GuestCommand;

const TIMEOUT: Duration = Duration::from_secs(20);

async fn agent(process: &QemuProcess) -> GuestAgent {
    GuestAgent::connect_unix(process.socket(), ClientConfig::default())
        .await
        .expect("connect to qemu-ga")
}

#[tokio::test]
async fn echo_exits_zero_with_its_output() {
    for release in Release::ALL {
        let process = QemuProcess::guest_agent(release);
        let agent = agent(&process).await;
        let command = GuestCommand::new("/bin/echo").arg("hello").arg("agent");
        let output = agent.exec(&command, TIMEOUT).await.unwrap();
        assert!(output.success(), "{}: {output:?}", release.version());
        assert_eq!(output.stdout, b"hello agent\n");
        assert_eq!(output.stderr, b"");
        assert_eq!(output.signal, None);
        assert!(!output.stdout_truncated && !output.stderr_truncated);
    }
}

#[tokio::test]
async fn failing_program_reports_its_code_and_stderr() {
    for release in Release::ALL {
        let process = QemuProcess::guest_agent(release);
        let agent = agent(&process).await;
        let command = GuestCommand::new("/bin/sh")
            .arg("-c")
            .arg("echo out; echo oops >&2; exit 3");
        let output = agent.exec(&command, TIMEOUT).await.unwrap();
        assert_eq!(
            output.exit_code,
            Some(3),
            "{}: {output:?}",
            release.version()
        );
        assert!(!output.success());
        assert_eq!(output.stdout, b"out\n");
        assert_eq!(output.stderr, b"oops\n");
    }
}

#[tokio::test]
async fn input_reaches_standard_input() {
    for release in Release::ALL {
        let process = QemuProcess::guest_agent(release);
        let agent = agent(&process).await;
        let input: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        let command = GuestCommand::new("/bin/cat").input(input.clone());
        let output = agent.exec(&command, TIMEOUT).await.unwrap();
        assert!(output.success(), "{}: {output:?}", release.version());
        assert!(
            output.stdout == input,
            "{}: cat did not echo its input",
            release.version()
        );
    }
}

#[tokio::test]
async fn missing_program_is_refused() {
    let process = QemuProcess::guest_agent(Release::V10_0);
    let agent = agent(&process).await;
    let command = GuestCommand::new("/nonexistent/qmp-rs-test-program");
    match agent.exec(&command, TIMEOUT).await {
        // The agent refuses to start it, or starts a child that cannot exec it and fails.
        Err(Error::Qmp { command, .. }) => assert_eq!(command, "guest-exec"),
        Ok(output) => assert!(!output.success(), "{output:?}"),
        Err(other) => panic!("{other}"),
    }
}

#[tokio::test]
async fn a_program_still_running_times_out() {
    let process = QemuProcess::guest_agent(Release::V10_0);
    let agent = agent(&process).await;
    let command = GuestCommand::new("/bin/sleep").arg("3");
    let started = std::time::Instant::now();
    let error = agent
        .exec(&command, Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Timeout { command, .. } if command == "guest-exec-status"),
        "{error}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
