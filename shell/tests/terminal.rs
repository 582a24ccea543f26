//! Drives `qmp-shell` in a real terminal (a private tmux server: `send-keys`, `capture-pane`)
//! against real QEMU 10.0.2 and 7.2, and asserts what the screen shows: completion, help, a
//! failing command, an event between prompts, refused input, a dead server, and exit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use qmp_testkit::{QemuProcess, Release};

/// How long the screen may take to show what a step expects.
const WAIT: Duration = Duration::from_secs(15);

/// A private tmux server (its socket in a temporary directory) with one window running the
/// shell; killed on drop, and its directory removed.
struct Terminal {
    server: PathBuf,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Terminal {
    /// Starts `qmp-shell ARGS` in a 200x50 window, with its own history and log files.
    fn start(args: &[&str]) -> Terminal {
        Terminal::start_with_history(None, args)
    }

    /// [`Terminal::start`] with the history in `history` instead of a file of its own.
    fn start_with_history(history: Option<&Path>, args: &[&str]) -> Terminal {
        let dir = tempfile::tempdir().expect("temporary directory");
        let server = dir.path().join("tmux.sock");
        let log = dir.path().join("session.log");
        let history = history.map_or_else(|| dir.path().join("history"), Path::to_owned);
        let mut command = vec![
            env!("CARGO_BIN_EXE_qmp-shell").to_owned(),
            "--history".into(),
            history.display().to_string(),
            "--log".into(),
            log.display().to_string(),
        ];
        command.extend(args.iter().map(|arg| arg.to_string()));
        let terminal = Terminal {
            server,
            log,
            _dir: dir,
        };
        terminal.tmux(&["new-session", "-d", "-x", "200", "-y", "50", "-s", "shell"]);
        // The window stays after the shell exits, so its exit status can be read.
        terminal.tmux(&["set-option", "-t", "shell", "remain-on-exit", "on"]);
        // A wrapper shell reports the exit status on the screen (tmux 3.3's
        // `pane_dead_status` is not always set when the pane is seen dead).
        let mut respawn = vec![
            "respawn-pane",
            "-k",
            "-t",
            "shell",
            "sh",
            "-c",
            "\"$0\" \"$@\"; echo \"[qmp-shell exited with $?]\"",
        ];
        respawn.extend(command.iter().map(String::as_str));
        terminal.tmux(&respawn);
        terminal
    }

    fn tmux(&self, args: &[&str]) -> Output {
        let output = Command::new("tmux")
            .arg("-S")
            .arg(&self.server)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux ({e}): run `bash .ci/install-tools.sh`"));
        assert!(
            output.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// Types keys (tmux key names such as `Tab`, `Enter`, `C-u`, or literal text).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "shell", "--"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// The whole screen and scroll-back, wrapped lines joined.
    fn screen(&self) -> String {
        let output = self.tmux(&["capture-pane", "-p", "-J", "-S", "-1000", "-t", "shell"]);
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits until the screen satisfies `test`, and returns it; panics with the screen after
    /// [`WAIT`].
    fn wait_for(&self, what: &str, test: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            if test(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {what}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen contains `text`.
    fn wait_for_text(&self, text: &str) -> String {
        self.wait_for(&format!("{text:?}"), |screen| screen.contains(text))
    }

    /// Waits until the screen ends with `error` in one line and the prompt after it.
    fn wait_for_one_line_error(&self, error: &str) {
        let screen = self.wait_for(&format!("{error:?} and the prompt"), |screen| {
            screen
                .rfind(error)
                .is_some_and(|at| last_line(&screen[at..]) == "(QEMU)")
        });
        let after = &screen[screen.rfind(error).unwrap_or(0)..];
        assert_eq!(
            lines(after).len(),
            2,
            "one error line, then the prompt:\n{screen}"
        );
    }

    /// Waits until the shell has exited, and returns its exit status.
    fn wait_for_exit(&self) -> String {
        const EXITED: &str = "[qmp-shell exited with ";
        let screen = self.wait_for("the shell's exit", |screen| screen.contains(EXITED));
        let after = &screen[screen.find(EXITED).unwrap_or(0) + EXITED.len()..];
        after.split(']').next().unwrap_or("").to_owned()
    }

    /// The process id of the shell (the child of the wrapper running in the window).
    fn shell_pid(&self) -> u32 {
        let output = self.tmux(&["display-message", "-p", "-t", "shell", "#{pane_pid}"]);
        let wrapper = String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .expect("pane pid");
        let shell = children(wrapper);
        assert_eq!(shell.len(), 1, "the wrapper runs one shell: {shell:?}");
        shell[0]
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.server)
            .arg("kill-server")
            .output();
    }
}

/// The lines of the screen that are not blank, without trailing spaces.
fn lines(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.is_empty())
        .collect()
}

/// The last line of the screen that is not blank.
fn last_line(screen: &str) -> &str {
    lines(screen).last().copied().unwrap_or("")
}

/// The session every release must get through, on an already started QEMU.
fn session_against(release: Release) {
    let qemu = QemuProcess::system_none(release);
    let socket = qemu.socket().display().to_string();
    // QEMU's manual as that release installed it, for `help`.
    let manual = release
        .root()
        .join("usr/share/man/man7/qemu-qmp-ref.7.gz")
        .display()
        .to_string();
    let terminal = Terminal::start(&["--reference", &manual, &socket]);

    let screen = terminal.wait_for_text("(QEMU) ");
    assert!(
        screen.contains(&format!("Connected to QEMU {} (", release.version())),
        "{screen}"
    );
    assert!(screen.contains("capabilities: [oob]"), "{screen}");

    // Command name completion.
    terminal.keys(&["blockdev-a", "Tab"]);
    terminal.wait_for_text("(QEMU) blockdev-add ");

    // The union tag's enum values, listed at once (all ambiguous candidates shown).
    terminal.keys(&["driver=q", "Tab"]);
    let screen = terminal.wait_for("the drivers starting with q", |screen| {
        screen
            .lines()
            .any(|line| line.contains("qcow2") && line.contains("qed"))
    });
    let candidates = screen
        .lines()
        .find(|line| line.contains("qcow2"))
        .unwrap_or("");
    let offered: Vec<&str> = candidates.split_whitespace().collect();
    assert_eq!(offered, ["qcow", "qcow2", "qed", "quorum"], "{screen}");

    // The members of the variant the tag selects.
    terminal.keys(&["cow2 ", "Tab"]);
    terminal.wait_for("qcow2's own members", |screen| {
        screen.contains("lazy-refcounts=") && screen.contains("node-name=")
    });
    terminal.keys(&["C-u"]);

    terminal.keys(&["help query-block", "Enter"]);
    let screen = terminal.wait_for_text("Members of BlockInfo:");
    // QEMU's names and text from the release's own manual.
    assert!(screen.contains("Returns: [BlockInfo]\n"), "{screen}");
    assert!(
        screen.contains("describing each virtual block device"),
        "{screen}"
    );
    assert!(
        screen.contains("\n  device                 str\n      The device name associated"),
        "{screen}"
    );
    assert!(
        screen.contains("\n  qdev                   str  (optional)\n"),
        "{screen}"
    );

    // QEMU's error class and text.
    terminal.keys(&["device_del id=nope", "Enter"]);
    terminal.wait_for_text("error: DeviceNotFound: Device 'nope' not found");

    // The event between the command and the next prompt.
    terminal.keys(&["stop", "Enter"]);
    let screen = terminal.wait_for("the STOP event", |screen| {
        screen
            .lines()
            .any(|line| line.starts_with('[') && line.ends_with("] STOP"))
    });
    assert!(screen.contains("(QEMU) stop\n"), "{screen}");

    // Refused before sending, each in one line, the prompt back each time.
    for (line, error) in [
        (
            r#"query-status {"a""#,
            "error: unbalanced JSON: `{` at byte 13 is never closed",
        ),
        (
            "query-status x=1",
            "error: `query-status` has no argument `x`; it takes none here",
        ),
        ("query-nothing", "error: unknown command `query-nothing`"),
        (
            "blockdev-add driver=raw file.filenme=x",
            "did you mean `filename`?",
        ),
        (
            "-o stop",
            "error: `stop` cannot run out of band (the schema says allow-oob: false)",
        ),
        // Sent with exec-oob; QEMU refuses it outside postcopy.
        (
            "-o migrate-pause",
            "error: GenericError: migrate-pause is currently only supported",
        ),
    ] {
        terminal.keys(&[line, "Enter"]);
        terminal.wait_for_one_line_error(error);
    }

    // Raw JSON input; the VM is paused by `stop`.
    terminal.keys(&[r#"{"execute": "query-status"}"#, "Enter"]);
    terminal.wait_for_text("\"status\": \"paused\"");

    terminal.keys(&["exit", "Enter"]);
    assert_eq!(terminal.wait_for_exit(), "0");

    let log = terminal.log();
    assert!(log.contains("-> {\"execute\":\"stop\"}\n"), "{log}");
    assert!(
        log.contains("<- {\"event\":\"STOP\",\"timestamp\":{"),
        "{log}"
    );
    assert!(log.contains("# refused: query-status x=1: "), "{log}");
    assert!(
        log.contains("-> {\"exec-oob\":\"migrate-pause\"}\n"),
        "{log}"
    );
}

#[test]
fn session_against_qemu_10_0() {
    session_against(Release::V10_0);
}

#[test]
fn session_against_qemu_7_2() {
    session_against(Release::V7_2);
}

#[test]
fn a_dead_server_gives_one_line_errors_and_the_prompt_back() {
    let mut qemu = QemuProcess::system_none(Release::V10_0);
    let socket = qemu.socket().display().to_string();
    let terminal = Terminal::start(&[&socket]);
    terminal.wait_for_text("(QEMU) ");
    qemu.kill();
    terminal.wait_for_text("The connection to the server has ended");
    terminal.keys(&["query-status", "Enter"]);
    terminal.wait_for_one_line_error("error: disconnected from the server: ");
    terminal.keys(&["C-d"]);
    assert_eq!(terminal.wait_for_exit(), "0");
}

#[test]
fn a_started_qemu_is_stopped_on_exit() {
    let binary = Release::V10_0.binary("qemu-system-x86_64");
    let terminal = Terminal::start(&["--binary", &binary.display().to_string()]);
    terminal.wait_for_text("(QEMU) ");
    let qemu = children(terminal.shell_pid());
    assert_eq!(qemu.len(), 1, "one QEMU child: {qemu:?}");
    terminal.keys(&["query-status", "Enter"]);
    terminal.wait_for_text("\"status\": \"running\"");
    terminal.keys(&["exit", "Enter"]);
    assert_eq!(terminal.wait_for_exit(), "0");
    assert!(
        !Path::new(&format!("/proc/{}", qemu[0])).exists(),
        "QEMU {} still exists",
        qemu[0]
    );
}

#[test]
fn an_unreachable_server_is_one_line_on_stderr() {
    let output = Command::new(env!("CARGO_BIN_EXE_qmp-shell"))
        .arg("/nonexistent/qmp.sock")
        .output()
        .expect("qmp-shell runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The client retries a socket that does not exist yet, then names it and the OS error.
    assert!(
        stderr.starts_with("qmp-shell: cannot connect to /nonexistent/qmp.sock"),
        "{stderr}"
    );
    assert!(stderr.contains("No such file or directory"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// The process ids of `pid`'s children.
fn children(pid: u32) -> Vec<u32> {
    let path = format!("/proc/{pid}/task/{pid}/children");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .split_whitespace()
        .filter_map(|child| child.parse().ok())
        .collect()
}

#[test]
fn history_is_kept_across_runs_and_tcp_works() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let address = format!("127.0.0.1:{port}");
    let tcp_monitor = format!("tcp:{address},server=on,wait=off");
    let qemu = QemuProcess::system(
        Release::V10_0,
        &["-machine", "none", "-qmp", &tcp_monitor],
        "",
    );
    let dir = tempfile::tempdir().expect("temporary directory");
    let history = dir.path().join("history");

    let first =
        Terminal::start_with_history(Some(&history), &[&qemu.socket().display().to_string()]);
    first.wait_for_text("(QEMU) ");
    first.keys(&["query-name", "Enter"]);
    first.wait_for_text("{}");
    first.keys(&["exit", "Enter"]);
    assert_eq!(first.wait_for_exit(), "0");

    let second = Terminal::start_with_history(Some(&history), &["--compact", &address]);
    second.wait_for_text("(QEMU) ");
    // Up: the last line of the previous run (`exit`), Up again: the command before it.
    second.keys(&["Up", "Up"]);
    second.wait_for("the previous run's command", |screen| {
        last_line(screen) == "(QEMU) query-name"
    });
    second.keys(&["Enter"]);
    let screen = second.wait_for_text("{}");
    assert!(screen.contains("Connected to QEMU 10.0.2 ("), "{screen}");
    second.keys(&["query-status", "Enter"]);
    // In QEMU's member order.
    second.wait_for_text("\n{\"status\":\"running\",\"running\":true}\n");
    second.keys(&["exit", "Enter"]);
    assert_eq!(second.wait_for_exit(), "0");
}

#[test]
fn an_event_prints_above_the_line_being_edited() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let second = dir.path().join("second.sock");
    let monitor = format!("unix:{},server=on,wait=off", second.display());
    let qemu = QemuProcess::system(Release::V10_0, &["-machine", "none", "-qmp", &monitor], "");
    let terminal = Terminal::start(&[&qemu.socket().display().to_string()]);
    terminal.wait_for_text("(QEMU) ");
    terminal.keys(&["query-sta"]);
    terminal.wait_for("the half-typed line", |screen| {
        last_line(screen) == "(QEMU) query-sta"
    });

    // Another client stops the VM while the line is being edited.
    let mut other = std::os::unix::net::UnixStream::connect(&second).expect("second monitor");
    let mut answers = std::io::BufReader::new(other.try_clone().expect("clone"));
    let mut line = String::new();
    for request in [
        "{\"execute\": \"qmp_capabilities\"}\n",
        "{\"execute\": \"stop\"}\n",
    ] {
        std::io::Write::write_all(&mut other, request.as_bytes()).expect("request");
        loop {
            line.clear();
            std::io::BufRead::read_line(&mut answers, &mut line).expect("answer");
            if line.contains("\"return\"") {
                break;
            }
        }
    }

    let screen = terminal.wait_for("the STOP event", |screen| screen.contains("] STOP"));
    let lines = lines(&screen);
    let stop = lines
        .iter()
        .position(|line| line.ends_with("] STOP"))
        .unwrap_or(0);
    assert_eq!(lines[stop + 1..], ["(QEMU) query-sta"], "{screen}");
    // The edited line is intact: completing and running it shows the paused VM.
    terminal.keys(&["tus", "Enter"]);
    terminal.wait_for_text("\"status\": \"paused\"");
    terminal.keys(&["exit", "Enter"]);
    assert_eq!(terminal.wait_for_exit(), "0");
}
