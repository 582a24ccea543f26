//! Commands whose outcome is an event: waiting for the first event a command causes that
//! matches a predicate, and running a block job to its end through `JOB_STATUS_CHANGE`.
//!
//! Both subscribe (losslessly) before the command is sent, so the event cannot slip by
//! between the answer and the subscription; both work with generated bindings, through the
//! [`Command`] and [`EventSet`] traits, and with the raw [`UnknownEvent`].

use std::time::Duration;

use serde_json::{json, Value};
use tokio_stream::StreamExt;

use crate::client::{arguments_of, Client, EventStream, Received};
use crate::command::Command;
use crate::error::Error;
use crate::event::{EventSet, UnknownEvent};

impl Client {
    /// Executes `command` and waits for the first event, decoded as `E`, for which `matches`
    /// returns `true` (for example `device_del` and its `DEVICE_DELETED`), all within
    /// `timeout`. Events that arrive before the command's answer count too.
    ///
    /// # Errors
    /// The errors of [`Client::execute`]; [`Error::Timeout`] when the command's answer did
    /// not arrive in time; [`Error::NoEvent`] when it did but no matching event followed;
    /// [`Error::Event`] when an event cannot be decoded as `E` or the subscription
    /// overflowed; [`Error::Disconnected`] when the connection ends first.
    ///
    /// # Examples
    /// ```no_run
    /// # use qmp_types::{Command, Empty, UnknownEvent};
    /// # #[derive(serde::Serialize)] struct DeviceDel { id: String }
    /// # impl Command for DeviceDel {
    /// #     const NAME: &'static str = "device_del"; const ALLOW_OOB: bool = false; type Output = Empty;
    /// # }
    /// # async fn demo(client: qmp_types::client::Client) -> Result<(), qmp_types::client::Error> {
    /// // `DeviceDel` as generated bindings have it.
    /// let command = DeviceDel { id: "nic1".into() };
    /// let timeout = std::time::Duration::from_secs(10);
    /// client
    ///     .execute_then_event(&command, timeout, |event: &UnknownEvent| {
    ///         event.name == "DEVICE_DELETED" && event.data["device"] == "nic1"
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn execute_then_event<C, E, F>(
        &self,
        command: &C,
        timeout: Duration,
        mut matches: F,
    ) -> Result<(C::Output, Received<E>), Error>
    where
        C: Command,
        E: EventSet,
        F: FnMut(&E) -> bool,
    {
        let arguments = arguments_of(C::NAME, serde_json::to_value(command))?;
        let mut events = self.events::<E>();
        let mut answered = false;
        let work = async {
            let output = self.execute_serialised::<C>(arguments).await?;
            answered = true;
            let event = next_matching(self, &mut events, &mut matches).await?;
            Ok((output, event))
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(result) => result,
            Err(_) if answered => Err(Error::NoEvent {
                command: C::NAME.to_owned(),
                after: timeout,
            }),
            Err(_) => Err(Error::Timeout {
                command: C::NAME.to_owned(),
                after: timeout,
            }),
        }
    }

    /// Starts a job with `command` (one with a `job-id` argument: `blockdev-mirror`,
    /// `blockdev-backup`, `block-commit`, `block-stream`, `blockdev-create`, ...) and follows
    /// its `JOB_STATUS_CHANGE` events until it has concluded: a job that becomes `ready`
    /// (mirror, active commit) is completed (`job-complete`), one started with
    /// `auto-finalize: false` is finalized when `pending`, and a concluded job that is still
    /// listed (not auto-dismissed) is dismissed. `timeout` (`None`: none) covers all of it; on
    /// timeout the job keeps running.
    ///
    /// The outcome comes from `query-jobs` when the job concluded; for an auto-dismissed block
    /// job (the default of the block job commands), which is gone by then, from its
    /// `BLOCK_JOB_COMPLETED` or `BLOCK_JOB_CANCELLED` event.
    ///
    /// # Errors
    /// [`Error::Arguments`] when the command has no `job-id`; [`Error::Job`] with QEMU's
    /// error text when the job failed or was cancelled; [`Error::Timeout`] naming the
    /// command; the errors of [`Client::execute`] for the command and the job commands.
    pub async fn run_job<C: Command>(
        &self,
        command: &C,
        timeout: Option<Duration>,
    ) -> Result<C::Output, Error> {
        let arguments = arguments_of(C::NAME, serde_json::to_value(command))?;
        let finalize = arguments
            .as_ref()
            .and_then(|arguments| arguments.get("auto-finalize"))
            .and_then(Value::as_bool)
            == Some(false);
        let job = arguments
            .as_ref()
            .and_then(|arguments| arguments.get("job-id"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Error::Arguments {
                command: C::NAME.to_owned(),
                reason: "a job is followed by its `job-id`, and the arguments have none".into(),
            })?;
        let mut events = self.events::<UnknownEvent>();
        let work = async {
            let output = self.execute_serialised::<C>(arguments).await?;
            let mut completed = false;
            let mut block_outcome = None;
            loop {
                let received =
                    next_matching(self, &mut events, &mut |event: &UnknownEvent| match event
                        .name
                        .as_str()
                    {
                        "JOB_STATUS_CHANGE" => event.data["id"] == job.as_str(),
                        BLOCK_JOB_COMPLETED | BLOCK_JOB_CANCELLED => {
                            event.data["device"] == job.as_str()
                        }
                        _ => false,
                    })
                    .await?;
                let data = &received.event.data;
                let status = match received.event.name.as_str() {
                    BLOCK_JOB_CANCELLED => {
                        block_outcome = Some(Some("the job was cancelled".to_owned()));
                        continue;
                    }
                    BLOCK_JOB_COMPLETED => {
                        let error = data["error"].as_str().map(str::to_owned);
                        block_outcome = Some(error);
                        continue;
                    }
                    _ => data["status"].as_str(),
                };
                match status {
                    Some("ready") if !completed => {
                        completed = true;
                        self.execute_raw("job-complete", Some(json!({ "id": job })))
                            .await?;
                    }
                    Some("pending") if finalize => {
                        self.execute_raw("job-finalize", Some(json!({ "id": job })))
                            .await?;
                    }
                    Some("concluded") => {
                        let failure = match concluded_job(self, &job).await? {
                            Some(failure) => {
                                self.execute_raw("job-dismiss", Some(json!({ "id": job })))
                                    .await?;
                                failure
                            }
                            // Auto-dismissed already; a job that is not a block job has no
                            // other record of its outcome.
                            None => block_outcome.take().flatten(),
                        };
                        return match failure {
                            None => Ok(output),
                            Some(desc) => Err(Error::Job { job, desc }),
                        };
                    }
                    _ => {}
                }
            }
        };
        match timeout {
            None => work.await,
            Some(after) => tokio::time::timeout(after, work).await.unwrap_or_else(|_| {
                Err(Error::Timeout {
                    command: C::NAME.to_owned(),
                    after,
                })
            }),
        }
    }
}

/// The event that reports a block job's end (with `error` when it failed).
const BLOCK_JOB_COMPLETED: &str = "BLOCK_JOB_COMPLETED";
/// The event that reports a cancelled block job.
const BLOCK_JOB_CANCELLED: &str = "BLOCK_JOB_CANCELLED";

/// The next event of `events` that `matches`, skipping the others.
async fn next_matching<E: EventSet>(
    client: &Client,
    events: &mut EventStream<E>,
    matches: &mut impl FnMut(&E) -> bool,
) -> Result<Received<E>, Error> {
    loop {
        match events.next().await {
            Some(Ok(received)) if matches(&received.event) => return Ok(received),
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(Error::Event(error)),
            None => return Err(client.disconnected()),
        }
    }
}

/// The concluded job `job` as `query-jobs` lists it: `None` when it is not listed (it was
/// dismissed automatically), else its error text (`None` inside: it succeeded).
async fn concluded_job(client: &Client, job: &str) -> Result<Option<Option<String>>, Error> {
    let jobs = client.execute_raw("query-jobs", None).await?;
    let info = jobs
        .as_array()
        .and_then(|jobs| jobs.iter().find(|info| info["id"] == job));
    Ok(info.map(|info| info.get("error").and_then(Value::as_str).map(str::to_owned)))
}
