//! The command line of `qmp-shell` and the program around a session: start it, print the
//! greeting, read lines with completion and history, print events between prompts.

use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use futures::StreamExt;
use rustyline::config::{CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Editor, ExternalPrinter};

use qmp_types::client::EventStream;
use qmp_types::UnknownEvent;

use crate::docs::Docs;
use crate::editor::{default_history, SchemaHelper};
use crate::log::SessionLog;
use crate::output::{event_line, Layout};
use crate::session::{Reply, Session, Settings, StartError, Target};

/// The prompt, as `qemu.qmp`'s shell shows it.
pub const PROMPT: &str = "(QEMU) ";

/// `qmp-shell`: an interactive QMP shell that completes and checks against the live schema.
#[derive(Debug, clap::Parser)]
#[command(name = "qmp-shell", version)]
pub struct Arguments {
    /// The QMP server: a Unix socket path, or HOST:PORT for TCP.
    #[arg(required_unless_present = "binary", conflicts_with = "binary")]
    pub address: Option<String>,
    /// Start this QEMU program on a private socket instead (stopped when the shell ends).
    #[arg(long, value_name = "PATH")]
    pub binary: Option<PathBuf>,
    /// Print answers on one line instead of indented.
    #[arg(long)]
    pub compact: bool,
    /// Append every request, answer and event (QMP JSON) to FILE.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// The history file (default: ~/.qmp-rs-shell_history).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// QEMU's reference manual for `help` (`qemu-qmp-ref.7.gz`; default with --binary: the
    /// one its installation ships, `<prefix>/share/man/man7`).
    #[arg(long, value_name = "FILE", conflicts_with = "no_reference")]
    pub reference: Option<PathBuf>,
    /// Show no QEMU docs in `help`, even with --binary.
    #[arg(long)]
    pub no_reference: bool,
    /// Seconds that starting QEMU, the handshake and each command may take (default:
    /// 10 s to start, commands without limit).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Extra arguments for the program started with --binary (after `--`).
    #[arg(last = true, value_name = "QEMU-ARGS", requires = "binary")]
    pub qemu_args: Vec<String>,
}

/// Why the shell stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShellError {
    /// The tokio runtime could not be created.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The session could not start.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The terminal could not be used.
    #[error("terminal: {0}")]
    Terminal(#[source] ReadlineError),
}

/// Runs the shell until `exit`, Ctrl-D or end of input.
///
/// # Errors
/// [`ShellError`] when the session cannot start or the terminal fails; errors of single
/// lines are shown and the prompt comes back.
pub fn run(arguments: Arguments) -> Result<(), ShellError> {
    let target = match (&arguments.binary, &arguments.address) {
        (Some(path), _) => Target::Binary {
            path: path.clone(),
            args: arguments.qemu_args.clone(),
        },
        (None, Some(address)) => Target::parse_address(address),
        // clap requires one of the two; an empty address fails to connect with a message.
        (None, None) => Target::Unix(PathBuf::new()),
    };
    let settings = Settings {
        timeout: arguments.timeout.map(Duration::from_secs),
        layout: if arguments.compact {
            Layout::Compact
        } else {
            Layout::Pretty
        },
        log: arguments.log.clone(),
        docs: Docs::default(),
        reference: match (
            &arguments.reference,
            &arguments.binary,
            arguments.no_reference,
        ) {
            (_, _, true) => None,
            (Some(file), _, false) => Some(file.clone()),
            (None, Some(binary), false) => crate::manual::installed_for(binary),
            (None, None, false) => None,
        },
    };
    // One worker: the connection driver and the event printer run while the main thread
    // blocks in the line editor.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(ShellError::Runtime)?;
    let session = runtime.block_on(Session::open(&target, settings))?;
    // Subscribed at once, so that no event sent while the editor starts is missed.
    let events = session.events();
    println!("{}", session.greeting());

    let config = Config::builder()
        .completion_type(CompletionType::List)
        .completion_show_all_if_ambiguous(true)
        .auto_add_history(true)
        .build();
    let mut editor: Editor<SchemaHelper, DefaultHistory> =
        Editor::with_config(config).map_err(ShellError::Terminal)?;
    editor.set_helper(Some(SchemaHelper::new(session.schema())));
    let history = arguments.history.clone().or_else(default_history);
    if let Some(path) = &history {
        match editor.load_history(path) {
            Ok(()) => {}
            // No history file yet: the normal first run.
            Err(ReadlineError::Io(error)) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => eprintln!(
                "qmp-shell: cannot read the history from {}: {error}",
                path.display()
            ),
        }
    }
    let mut sink = match editor.create_external_printer() {
        Ok(printer) => EventSink::Printer(Box::new(printer)),
        // Not a terminal (input piped): plain lines on stdout keep their order.
        Err(_) => EventSink::Stdout,
    };
    // The printer may block (rustyline hands a message to the editor through a one-slot
    // channel), so it gets its own thread: the runtime's worker, which drives the connection,
    // must never wait for the terminal. The thread is not joined at exit.
    let (lines, printed) = mpsc::channel::<String>();
    std::thread::spawn(move || printed.into_iter().for_each(|line| sink.print(line)));
    runtime.spawn(forward_events(events, lines, session.log()));

    loop {
        match editor.readline(PROMPT) {
            Ok(line) => match runtime.block_on(session.run_line(&line)) {
                Reply::Nothing => {}
                Reply::Output(text) => println!("{text}"),
                Reply::Error(text) => println!("error: {text}"),
                Reply::Quit => break,
            },
            // Ctrl-C abandons the line being edited, as in a shell.
            Err(ReadlineError::Interrupted) => {}
            Err(ReadlineError::Eof) => break,
            Err(error) => return Err(ShellError::Terminal(error)),
        }
    }
    if let Some(path) = &history {
        if let Err(error) = editor.save_history(path) {
            eprintln!(
                "qmp-shell: cannot save the history to {}: {error}",
                path.display()
            );
        }
    }
    // The runtime first, so that closing the connection below is not reported as an event;
    // then the session, which stops a QEMU the shell started.
    runtime.shutdown_background();
    drop(session);
    Ok(())
}

/// Where events go: above the line being edited, or plain stdout.
enum EventSink {
    Printer(Box<dyn ExternalPrinter + Send>),
    Stdout,
}

impl EventSink {
    fn print(&mut self, line: String) {
        match self {
            EventSink::Printer(printer) => {
                if printer.print(format!("{line}\n")).is_err() {
                    // The editor is gone (the shell is ending): stdout still works.
                    println!("{line}");
                }
            }
            EventSink::Stdout => println!("{line}"),
        }
    }
}

/// Logs every event and hands its line to the printer thread until the connection ends,
/// then says so once.
async fn forward_events(
    mut events: EventStream<UnknownEvent>,
    lines: mpsc::Sender<String>,
    log: Option<Arc<SessionLog>>,
) {
    // A send fails only when the printer thread is gone, at exit: nothing left to show.
    while let Some(item) = events.next().await {
        let line = match item {
            Ok(received) => {
                if let Some(log) = &log {
                    let mut message = serde_json::json!({
                        "event": received.event.name,
                        "timestamp": {"seconds": received.timestamp.seconds,
                                      "microseconds": received.timestamp.microseconds},
                    });
                    // As QEMU sent it: events without data have no `data` member.
                    if !received.event.data.is_null() {
                        message["data"] = received.event.data.clone();
                    }
                    if let Err(error) = log.received(&message) {
                        let _ = lines.send(format!("error: {error}"));
                    }
                }
                event_line(
                    &received.event.name,
                    &received.event.data,
                    received.timestamp,
                )
            }
            Err(error) => format!("error: {error}"),
        };
        let _ = lines.send(line);
    }
    let _ = lines
        .send("The connection to the server has ended; commands will fail (Ctrl-D leaves).".into());
}
