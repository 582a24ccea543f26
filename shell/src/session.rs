//! One shell session: the connection (to a socket, or to a QEMU the shell started), the
//! live schema fetched and indexed at start, and what one line of input does: parse, check
//! against the schema, send, and render the answer or error.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use qmp_types::client::{Client, ClientConfig, Error as ClientError, EventStream};
use qmp_types::introspection::SchemaError;
use qmp_types::introspection::SchemaInfo;
use qmp_types::{OpenEnum, UnknownEvent};

use crate::arguments::{build, check};
use crate::docs::Docs;
use crate::help::{help, USAGE};
use crate::input::{parse_line, Input};
use crate::launch::{LaunchError, LaunchedQemu};
use crate::log::{LogError, SessionLog};
use crate::output::{call_error, Layout};
use crate::schema::Schema;

/// Where the QMP server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A server listening on a Unix socket.
    Unix(PathBuf),
    /// A server listening on TCP (`HOST:PORT`).
    Tcp(String),
    /// A QEMU program to start on a private socket (stopped when the session ends).
    Binary {
        /// The program.
        path: PathBuf,
        /// Extra arguments for it.
        args: Vec<String>,
    },
}

impl Target {
    /// Reads a server address: `HOST:PORT` (a port number after the last `:`, and no `/`) is
    /// TCP, anything else a Unix socket path.
    pub fn parse_address(address: &str) -> Target {
        match address.rsplit_once(':') {
            Some((host, port))
                if !address.contains('/') && !host.is_empty() && port.parse::<u16>().is_ok() =>
            {
                Target::Tcp(address.to_owned())
            }
            _ => Target::Unix(PathBuf::from(address)),
        }
    }
}

/// Settings of a session.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long starting QEMU, the handshake and each command may take (`None`: commands
    /// wait for ever; starting and the handshake then take at most 10 s).
    pub timeout: Option<Duration>,
    /// How answers are printed.
    pub layout: Layout,
    /// The `--log` file, if any.
    pub log: Option<PathBuf>,
    /// QEMU's documentation for `help` (filled from `reference` when that is set).
    pub docs: Docs,
    /// QEMU's reference manual: read while connecting, matched against the live schema.
    pub reference: Option<PathBuf>,
}

/// Why a session could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The QEMU program could not be started.
    #[error(transparent)]
    Launch(#[from] LaunchError),
    /// Connecting or the handshake failed (the client's error names the socket or stage).
    #[error(transparent)]
    Connect(ClientError),
    /// `query-qmp-schema` failed.
    #[error("cannot fetch the schema (query-qmp-schema): {0}")]
    Schema(#[source] ClientError),
    /// The schema does not have the shape of `SchemaInfo` entries.
    #[error("the server's schema cannot be read: {0}")]
    SchemaShape(#[source] serde_json::Error),
    /// The schema cannot be indexed.
    #[error("the server's schema cannot be indexed: {0}")]
    SchemaIndex(#[source] SchemaError),
    /// The log file could not be opened.
    #[error(transparent)]
    Log(#[from] LogError),
}

/// What a line of input did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Nothing to show (an empty line).
    Nothing,
    /// An answer or help page.
    Output(String),
    /// A one-line error: input refused before sending, or the call failed.
    Error(String),
    /// The user asked to leave.
    Quit,
}

/// A connected session.
#[derive(Debug)]
pub struct Session {
    client: Client,
    schema: Arc<Schema>,
    settings: Settings,
    log: Option<Arc<SessionLog>>,
    // Dropped last: the QEMU the session started stops when the session ends.
    _launched: Option<LaunchedQemu>,
}

/// How long starting QEMU and the handshake may take without `--timeout`.
const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(10);

impl Session {
    /// Connects (starting QEMU first for [`Target::Binary`]), fetches the schema and indexes
    /// it: everything the first prompt needs.
    ///
    /// # Errors
    /// [`StartError`] naming the stage that failed.
    pub async fn open(target: &Target, mut settings: Settings) -> Result<Session, StartError> {
        // Reading the manual (a few ms of decompressing and parsing) overlaps connecting.
        let manual = settings
            .reference
            .clone()
            .map(|path| tokio::task::spawn_blocking(move || crate::manual::read(&path)));
        let start_timeout = settings.timeout.unwrap_or(DEFAULT_START_TIMEOUT);
        let config = ClientConfig::default()
            .handshake_timeout(Some(start_timeout))
            .command_timeout(settings.timeout);
        let log = match &settings.log {
            Some(path) => Some(Arc::new(SessionLog::open(path)?)),
            None => None,
        };
        let (client, launched) = match target {
            Target::Unix(path) => (Client::connect_unix(path, config).await, None),
            Target::Tcp(address) => (Client::connect_tcp(address.as_str(), config).await, None),
            Target::Binary { path, args } => {
                let launched = LaunchedQemu::start(path, args, start_timeout)?;
                let client = connect_started(launched.socket(), config, start_timeout).await;
                (client, Some(launched))
            }
        };
        let client = client.map_err(StartError::Connect)?;
        let schema = client
            .execute_raw("query-qmp-schema", None)
            .await
            .map_err(StartError::Schema)?;
        let entries: Vec<SchemaInfo> =
            serde_json::from_value(schema).map_err(StartError::SchemaShape)?;
        if let Some(task) = manual {
            match task.await {
                Ok(Ok(manual)) => settings.docs = crate::manual::docs_from(&manual, &entries),
                // Help still works from the live schema; say why QEMU's text is missing.
                Ok(Err(error)) => eprintln!("qmp-shell: warning: {error}; help shows no QEMU docs"),
                Err(error) => eprintln!("qmp-shell: warning: reading the manual failed: {error}"),
            }
        }
        let schema = Schema::new(entries).map_err(StartError::SchemaIndex)?;
        Ok(Session {
            client,
            schema: Arc::new(schema),
            settings,
            log,
            _launched: launched,
        })
    }

    /// The greeting as the shell shows it: version, package, capabilities, schema size.
    pub fn greeting(&self) -> String {
        let mut text = match self.client.greeting() {
            Some(greeting) => {
                let version = &greeting.qmp.version;
                let capabilities: Vec<&str> = greeting
                    .qmp
                    .capabilities
                    .iter()
                    .map(|capability| capability.as_str())
                    .collect();
                format!(
                    "Connected to QEMU {} ({}); capabilities: [{}]",
                    version.qemu,
                    version.package.trim(),
                    capabilities.join(", ")
                )
            }
            None => "Connected (the server sent no greeting)".to_owned(),
        };
        text.push_str(&format!(
            "\nSchema: {} commands, {} events. TAB completes, `help` explains, Ctrl-D leaves.",
            self.schema.commands().len(),
            self.schema.events().len()
        ));
        text
    }

    /// The live schema (shared with the completer).
    pub fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }

    /// The session log, if `--log` was given (shared with the event printer).
    pub fn log(&self) -> Option<Arc<SessionLog>> {
        self.log.clone()
    }

    /// The server's events from now on.
    pub fn events(&self) -> EventStream<UnknownEvent> {
        self.client.events()
    }

    /// Runs one line of input.
    pub async fn run_line(&self, line: &str) -> Reply {
        let input = match parse_line(line) {
            Ok(input) => input,
            Err(error) => return self.refuse(line, error.to_string()),
        };
        match input {
            Input::Empty => Reply::Nothing,
            Input::Quit => Reply::Quit,
            Input::Help(None) => Reply::Output(USAGE.to_owned()),
            Input::Help(Some(topic)) => match help(&self.schema, &self.settings.docs, &topic) {
                Ok(page) => Reply::Output(page),
                Err(error) => Reply::Error(error.to_string()),
            },
            Input::Command(command) => {
                match build(&self.schema, &command.command, &command.assignments) {
                    Ok(arguments) => {
                        self.send(line, &command.command, command.oob, arguments)
                            .await
                    }
                    Err(error) => self.refuse(line, error.to_string()),
                }
            }
            Input::Json {
                command,
                oob,
                arguments,
            } => match check(&self.schema, &command, &arguments) {
                Ok(()) => self.send(line, &command, oob, arguments).await,
                Err(error) => self.refuse(line, error.to_string()),
            },
        }
    }

    async fn send(
        &self,
        line: &str,
        command: &str,
        oob: bool,
        arguments: Map<String, Value>,
    ) -> Reply {
        if oob
            && !self
                .schema
                .command(command)
                .is_some_and(|info| info.allow_oob)
        {
            return self.refuse(
                line,
                format!("`{command}` cannot run out of band (the schema says allow-oob: false)"),
            );
        }
        let execute = if oob { "exec-oob" } else { "execute" };
        let mut request = json!({ execute: command });
        if !arguments.is_empty() {
            request["arguments"] = Value::Object(arguments.clone());
        }
        let mut problems = Vec::new();
        self.log_with(|log| log.sent(&request), &mut problems);
        let arguments = (!arguments.is_empty()).then_some(Value::Object(arguments));
        let result = if oob {
            self.client.execute_raw_oob(command, arguments).await
        } else {
            self.client.execute_raw(command, arguments).await
        };
        let reply = match result {
            Ok(value) => {
                self.log_with(
                    |log| log.received(&json!({ "return": value })),
                    &mut problems,
                );
                Reply::Output(self.settings.layout.render(&value))
            }
            Err(error) => {
                if let ClientError::Qmp { class, desc, .. } = &error {
                    let answer = json!({"error": {"class": class.as_str(), "desc": desc}});
                    self.log_with(|log| log.received(&answer), &mut problems);
                }
                Reply::Error(call_error(&error))
            }
        };
        match (reply, problems.is_empty()) {
            (reply, true) => reply,
            (Reply::Output(text), false) => {
                Reply::Output(format!("{text}\n{}", problems.join("\n")))
            }
            (Reply::Error(text), false) => {
                Reply::Error(format!("{text} ({})", problems.join("; ")))
            }
            (reply, false) => reply,
        }
    }

    fn refuse(&self, line: &str, reason: String) -> Reply {
        let mut problems = Vec::new();
        self.log_with(|log| log.refused(line, &reason), &mut problems);
        if problems.is_empty() {
            Reply::Error(reason)
        } else {
            Reply::Error(format!("{reason} ({})", problems.join("; ")))
        }
    }

    /// Writes to the log if there is one; a failed write is reported with the reply.
    fn log_with(
        &self,
        write: impl FnOnce(&SessionLog) -> Result<(), LogError>,
        problems: &mut Vec<String>,
    ) {
        if let Some(log) = &self.log {
            if let Err(error) = write(log) {
                problems.push(error.to_string());
            }
        }
    }
}

/// Connects to the socket of a QEMU just started: the socket file exists from `bind()` on,
/// but connections are refused until QEMU calls `listen()`, so a refusal is retried for up
/// to `timeout`.
async fn connect_started(
    socket: &Path,
    config: ClientConfig,
    timeout: Duration,
) -> Result<Client, ClientError> {
    let deadline = Instant::now() + timeout;
    loop {
        match Client::connect_unix(socket, config.clone()).await {
            Err(ClientError::Connect { source, .. })
                if source.kind() == ErrorKind::ConnectionRefused && Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            Target::parse_address("localhost:4444"),
            Target::Tcp("localhost:4444".into())
        );
        assert_eq!(
            Target::parse_address("[::1]:4444"),
            Target::Tcp("[::1]:4444".into())
        );
        assert_eq!(
            Target::parse_address("/run/qmp:1"),
            Target::Unix("/run/qmp:1".into())
        );
        assert_eq!(
            Target::parse_address("qmp.sock"),
            Target::Unix("qmp.sock".into())
        );
        assert_eq!(
            Target::parse_address("host:http"),
            Target::Unix("host:http".into())
        );
    }
}
