//! Which guest-agent commands send no answer when they succeed (QAPI `success-response:
//! false`: `guest-shutdown`, `guest-suspend-disk`, `-ram`, `-hybrid`). Waiting for their answer
//! would hang, so the client sends them and returns as soon as they are written.
//!
//! The agent itself says which: `guest-info` lists every command with `enabled` and
//! `success-response`, so [`NoAnswerOnSuccess::learn`] asks once, when the connection is
//! made. The agent's reference manual is no source for this: it says so only in prose, and
//! only for some of them. An agent that refuses `guest-info` (blocked with `--block-rpcs`)
//! gets the commands QEMU's schema has marked so since they exist ([`DOCUMENTED`]).

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::client::Client;
use crate::error::Error;

/// The commands QEMU's guest-agent schema (`qga/qapi-schema.json`) declares with
/// `success-response: false`, unchanged from 1.1 to 10.0.
pub const DOCUMENTED: [&str; 4] = [
    "guest-shutdown",
    "guest-suspend-disk",
    "guest-suspend-ram",
    "guest-suspend-hybrid",
];

/// The part of `guest-info`'s answer this needs.
#[derive(Deserialize)]
struct AgentInfo {
    supported_commands: Vec<CommandInfo>,
}

#[derive(Deserialize)]
struct CommandInfo {
    name: String,
    enabled: bool,
    /// Reported since agent 1.7; older agents answered every command on success.
    #[serde(rename = "success-response", default = "answers")]
    success_response: bool,
}

fn answers() -> bool {
    true
}

/// The enabled commands of one agent that do not answer on success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NoAnswerOnSuccess(BTreeSet<String>);

impl NoAnswerOnSuccess {
    /// Asks the agent (`guest-info`). A disabled command is left out: the agent answers it
    /// with an error, which is worth waiting for.
    ///
    /// # Errors
    /// [`Error::Decode`] when `guest-info`'s answer lacks `supported_commands` or has them
    /// in another shape; the connection's errors. An error answer is no error here: then
    /// the [`DOCUMENTED`] commands are used.
    pub(crate) async fn learn(client: &Client) -> Result<Self, Error> {
        let answer = match client.execute_raw("guest-info", None).await {
            Ok(answer) => answer,
            Err(Error::Qmp { class, desc, .. }) => {
                tracing::debug!(%class, %desc,
                    "guest-info refused: assuming the documented commands without an answer");
                return Ok(NoAnswerOnSuccess::documented());
            }
            Err(error) => return Err(error),
        };
        let info: AgentInfo = serde_json::from_value(answer).map_err(|source| Error::Decode {
            command: "guest-info".to_owned(),
            source,
        })?;
        Ok(NoAnswerOnSuccess(
            info.supported_commands
                .into_iter()
                .filter(|command| command.enabled && !command.success_response)
                .map(|command| command.name)
                .collect(),
        ))
    }

    fn documented() -> Self {
        NoAnswerOnSuccess(DOCUMENTED.iter().map(|name| (*name).to_owned()).collect())
    }

    /// Whether the agent answers `command` when it succeeds.
    pub(crate) fn answers(&self, command: &str) -> bool {
        !self.0.contains(command)
    }
}
