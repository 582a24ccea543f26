//! `guest-exec` made usable: [`GuestAgent::exec`] starts a program in the guest, polls
//! `guest-exec-status` until it has exited (or a timeout passes), and returns its exit code
//! or signal with its standard output and error decoded from base64.
//!
//! The agent keeps a finished process's status until it is read once, so the status answer
//! that reports the exit is the only one with the output: it is decoded in full, never
//! dropped. Polling starts at a few milliseconds (short commands finish at once) and backs
//! off to [`MAX_POLL_INTERVAL`].

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::error::Error;
use crate::qga::GuestAgent;

/// The longest wait between two `guest-exec-status` polls.
pub const MAX_POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The first wait between polls.
const FIRST_POLL_INTERVAL: Duration = Duration::from_millis(2);

/// A program to run in the guest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct GuestCommand {
    /// The program's path in the guest.
    pub path: String,
    /// Its arguments (without the program name).
    #[serde(rename = "arg", skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Its environment, `NAME=value` each (the agent's environment otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    /// What it reads on standard input (base64-encoded on the wire).
    #[serde(
        rename = "input-data",
        serialize_with = "encode_input",
        skip_serializing_if = "Option::is_none"
    )]
    pub input: Option<Vec<u8>>,
    /// Whether to collect standard output and error (default: yes).
    pub capture_output: bool,
}

impl GuestCommand {
    /// Runs `path` without arguments, capturing its output.
    pub fn new(path: impl Into<String>) -> Self {
        GuestCommand {
            path: path.into(),
            args: Vec::new(),
            env: Vec::new(),
            input: None,
            capture_output: true,
        }
    }

    /// Adds an argument.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Sets what the program reads on standard input.
    pub fn input(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.input = Some(input.into());
        self
    }
}

/// How a guest program ended, with its output.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct GuestOutput {
    /// Its exit code, if it exited normally.
    #[serde(rename = "exitcode")]
    pub exit_code: Option<i64>,
    /// The signal that ended it, if one did.
    pub signal: Option<i64>,
    /// Its standard output (empty when not captured).
    #[serde(rename = "out-data", default, deserialize_with = "decode_output")]
    pub stdout: Vec<u8>,
    /// Its standard error (empty when not captured).
    #[serde(rename = "err-data", default, deserialize_with = "decode_output")]
    pub stderr: Vec<u8>,
    /// Whether the agent cut standard output short (it keeps at most 16 MiB).
    #[serde(rename = "out-truncated", default)]
    pub stdout_truncated: bool,
    /// Whether the agent cut standard error short.
    #[serde(rename = "err-truncated", default)]
    pub stderr_truncated: bool,
}

impl GuestOutput {
    /// Whether the program exited with code 0.
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// `guest-exec`'s answer.
#[derive(Deserialize)]
struct Started {
    pid: i64,
}

/// `guest-exec-status`'s answer: `exited` and, once it is true, the outcome.
#[derive(Deserialize)]
struct Status {
    exited: bool,
    #[serde(flatten)]
    output: GuestOutput,
}

impl GuestAgent {
    /// Runs `command` in the guest and waits for it to exit, polling `guest-exec-status`.
    ///
    /// # Errors
    /// [`Error::Timeout`] (for `guest-exec-status`) when the program is still running after
    /// `timeout` (it keeps running in the guest); [`Error::Qmp`] when the agent refuses to
    /// start it (no such file, `guest-exec` disabled); [`Error::Decode`] for an answer that
    /// does not have the documented shape (including output that is not base64); the
    /// connection's errors.
    pub async fn exec(
        &self,
        command: &GuestCommand,
        timeout: Duration,
    ) -> Result<GuestOutput, Error> {
        let deadline = Instant::now() + timeout;
        let pid = self.exec_start(command).await?;
        let mut interval = FIRST_POLL_INTERVAL;
        loop {
            if let Some(output) = self.exec_status(pid).await? {
                return Ok(output);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Timeout {
                    command: "guest-exec-status".to_owned(),
                    after: timeout,
                });
            }
            tokio::time::sleep(interval.min(deadline - now)).await;
            interval = (interval * 2).min(MAX_POLL_INTERVAL);
        }
    }

    /// Starts `command` in the guest (`guest-exec`) and returns its process id.
    ///
    /// # Errors
    /// As [`GuestAgent::exec`].
    pub async fn exec_start(&self, command: &GuestCommand) -> Result<i64, Error> {
        let arguments = serde_json::to_value(command).map_err(|error| Error::Arguments {
            command: "guest-exec".to_owned(),
            reason: error.to_string(),
        })?;
        let answer = self.execute_raw("guest-exec", Some(arguments)).await?;
        decode::<Started>("guest-exec", answer).map(|started| started.pid)
    }

    /// Asks once whether process `pid` has exited (`guest-exec-status`): `None` while it
    /// runs. The agent forgets a process once its exit has been reported.
    ///
    /// # Errors
    /// As [`GuestAgent::exec`].
    pub async fn exec_status(&self, pid: i64) -> Result<Option<GuestOutput>, Error> {
        let answer = self
            .execute_raw("guest-exec-status", Some(serde_json::json!({ "pid": pid })))
            .await?;
        let status = decode::<Status>("guest-exec-status", answer)?;
        Ok(status.exited.then_some(status.output))
    }
}

fn decode<T: for<'de> Deserialize<'de>>(command: &str, answer: Value) -> Result<T, Error> {
    serde_json::from_value(answer).map_err(|source| Error::Decode {
        command: command.to_owned(),
        source,
    })
}

fn encode_input<S: serde::Serializer>(
    input: &Option<Vec<u8>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let encoded = input
        .as_deref()
        .map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes));
    encoded.serialize(serializer)
}

fn decode_output<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    let text = String::deserialize(deserializer)?;
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|error| serde::de::Error::custom(format!("not base64: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_serialises_as_guest_exec_arguments() {
        let command = GuestCommand::new("/bin/cat").arg("-").input(&b"hi"[..]);
        assert_eq!(
            serde_json::to_value(&command).unwrap(),
            serde_json::json!({
                "path": "/bin/cat", "arg": ["-"], "input-data": "aGk=", "capture-output": true
            })
        );
    }

    #[test]
    fn status_decodes_base64_output() {
        let status: Status = serde_json::from_value(serde_json::json!({
            "exited": true, "exitcode": 0, "out-data": "aGVsbG8K", "err-data": ""
        }))
        .unwrap();
        assert!(status.exited && status.output.success());
        assert_eq!(status.output.stdout, b"hello\n");
        let bad = serde_json::from_value::<Status>(serde_json::json!({
            "exited": true, "out-data": "%%%"
        }));
        assert!(bad.is_err_and(|e| e.to_string().contains("not base64")));
    }
}
