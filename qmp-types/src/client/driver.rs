//! The connection driver: the one task that owns the socket after the handshake.
//!
//! Handles send [`Call`]s over an unbounded channel, each with a oneshot for its answer. The
//! driver gives each request a fresh integer id *when it writes it*, so ids also record the
//! order in which the server received requests (the id-less error recovery below relies on
//! that). Answers are matched by id, so out-of-band answers that overtake in-band ones reach
//! the right caller; answers with unknown ids (for example to a call that timed out and was
//! dropped) are discarded.
//!
//! Everything happens in one `poll` function instead of a `select!` over awaits: reading,
//! writing and accepting calls progress independently, so a server that stops reading (its
//! in-band queue is full) never stops us from reading its answers, which would deadlock.
//!
//! Subscriptions and the close request travel on the same channel as calls, so their order
//! is kept: a subscription made before a command is sent is registered before the command is
//! written, and so sees every event the command causes.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::os::fd::OwnedFd;
use std::pin::Pin;
#[cfg(feature = "internals")]
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, BufMut, BytesMut};
use serde_json::{Map, Value};
use tokio::io::AsyncWrite;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Sleep;
use tokio_stream::Stream;
use tokio_util::codec::FramedRead;

use crate::client::events::{Subscriber, WireEvent};
use crate::client::handshake::wire_bytes;
use crate::client::stream::Io;
use crate::codec::{encode_line, JsonCodec, SENTINEL};
use crate::error::{Error, ProtocolError};
use crate::wire::{ErrorBody, ErrorClass, ExecMode, Request, ServerMessage};

/// The answer channel of one call.
pub(crate) type Reply = oneshot::Sender<Result<Value, Error>>;

/// A request from a handle to the driver.
pub(crate) struct Call {
    /// The command's wire name.
    pub(crate) command: Cow<'static, str>,
    /// In band or out of band.
    pub(crate) mode: ExecMode,
    /// The `arguments` object, if any.
    pub(crate) arguments: Option<Map<String, Value>>,
    /// Where the answer goes.
    pub(crate) reply: Reply,
    /// File descriptors sent with the request's bytes (`SCM_RIGHTS`), closed here once sent.
    pub(crate) fds: Vec<OwnedFd>,
    /// Sent even when nobody waits for the answer (the removal of a dropped fd guard).
    pub(crate) detached: bool,
    /// Whether the server answers when the command succeeds. A command that does not (the
    /// guest agent's `guest-shutdown`, `guest-suspend-*`) completes with `{}` as soon as its
    /// request is written; an error the server sends later is logged.
    pub(crate) answers_on_success: bool,
}

impl Call {
    /// Whether the call should still be sent.
    fn wanted(&self) -> bool {
        self.detached || !self.reply.is_closed()
    }
}

/// What handles send to the driver, in one channel so that their order is kept.
pub(crate) enum ToDriver {
    /// A command.
    Call(Call),
    /// A new event subscription.
    Subscribe(Subscriber),
    /// Stop taking calls, wait up to `wait` for the answers due, then close; `done` gets the
    /// number of callers that were still waiting when the connection closed.
    Close {
        wait: Duration,
        done: oneshot::Sender<usize>,
    },
}

/// A close in progress.
struct Closing {
    wait: Duration,
    deadline: Pin<Box<Sleep>>,
    done: oneshot::Sender<usize>,
}

/// Why the connection was closed by the client, for calls made after [`ToDriver::Close`].
pub(crate) const CLOSED_BY_CLIENT: &str = "the client closed the connection";

/// A request written to the server and not answered yet.
enum Pending {
    /// A caller's request.
    Call {
        command: Cow<'static, str>,
        in_band: bool,
        reply: Reply,
    },
    /// The in-band marker request sent after an id-less error (see [`Recovery`]).
    Fence,
}

/// Resynchronisation after an id-less error response.
///
/// Such an error means the server could not parse something we sent, so some request will
/// never be answered, and we cannot tell which. The specification's remedy is to reset the
/// server's parser with a control byte (0xFF works on old QEMU too), after which we send one
/// in-band "fence" request. QEMU queues parse errors and in-band requests in arrival order and
/// executes out-of-band requests as soon as they are parsed, so when the fence's answer
/// arrives, every request written before it that has not been answered never will be: those
/// callers get [`ProtocolError::RequestLost`] instead of hanging. Further id-less errors before
/// the fence's answer (our own 0xFF provokes one) belong to the same incident.
///
/// The fence is sent even when every in-band slot is taken: lost requests hold slots that
/// never free up, so waiting for one could wait forever. That briefly puts one request (plus
/// the 0xFF's error) over the limit of eight. QEMU copes with that: it stops reading from the
/// socket (suspends the monitor) when its queue reaches `QMP_REQ_QUEUE_LEN_MAX - 1` entries, so
/// the surplus waits in the socket buffer. The only QEMU abort seen while testing recovery was
/// an assertion failure provoked by a cascade of parse errors from a message nested more than
/// 1024 levels deep, not by this surplus.
struct Recovery {
    fence: u64,
    class: ErrorClass,
    desc: String,
}

/// What the driver needs to know besides the socket.
pub(crate) struct DriverSettings {
    /// Most in-band requests in flight at the server.
    pub(crate) max_in_flight: usize,
    /// A harmless in-band command used as the resynchronisation fence.
    pub(crate) fence_command: &'static str,
    /// How many requests the driver holds (written and unanswered, or queued), published
    /// whenever it goes idle or has just delivered answers, for leak checks
    /// (`Client::pending_calls`, feature `internals`).
    #[cfg(feature = "internals")]
    pub(crate) held: Arc<AtomicUsize>,
    /// Whether an in-band call whose caller gave up (timeout, drop) frees its slot before its
    /// answer arrives. Not for QMP: the server still counts the request against its queue
    /// until it answers. For the guest agent, whose protocol has no in-flight limit and whose
    /// `guest-shutdown`/`guest-suspend-*` never answer on success, slots held by abandoned
    /// calls would otherwise block every later call once the limit is reached.
    pub(crate) release_abandoned: bool,
}

/// The task state.
pub(crate) struct Driver {
    reader: FramedRead<Io, JsonCodec>,
    calls: mpsc::UnboundedReceiver<ToDriver>,
    handles_gone: bool,
    subscribers: Vec<Subscriber>,
    /// In-band calls waiting for a free slot at the server, in submission order.
    queue: VecDeque<Call>,
    pending: HashMap<u64, Pending>,
    in_band_in_flight: usize,
    next_id: u64,
    out: BytesMut,
    /// The stream offset of `out`'s first byte.
    out_offset: u64,
    /// File descriptors to attach to the byte at a stream offset (the start of their
    /// request), in offset order.
    fd_marks: VecDeque<(u64, Vec<OwnedFd>)>,
    /// The id of the written request that carried file descriptors and is not answered yet.
    /// QEMU keeps only the descriptors of the last message that carried some, until a command
    /// takes them, so a second such request waits until the first is answered.
    fd_call: Option<u64>,
    needs_flush: bool,
    settings: DriverSettings,
    recovery: Option<Recovery>,
    closing: Option<Closing>,
    closed: Arc<OnceLock<String>>,
    /// Calls that complete once written (no answer on success): the stream offset just past
    /// each request, with its caller, in write order.
    due_on_write: VecDeque<(u64, Reply)>,
    /// Written requests that answer only when they fail, by id, for naming a late error.
    unanswered: HashMap<u64, Cow<'static, str>>,
}

impl Driver {
    /// A driver over an already negotiated stream. `next_id` continues the handshake's ids.
    /// `early_events` (received during the handshake) go to `subscribers` first.
    pub(crate) fn new(
        reader: FramedRead<Io, JsonCodec>,
        calls: mpsc::UnboundedReceiver<ToDriver>,
        subscribers: Vec<Subscriber>,
        early_events: Vec<WireEvent>,
        settings: DriverSettings,
        next_id: u64,
        closed: Arc<OnceLock<String>>,
    ) -> Self {
        let mut driver = Driver {
            reader,
            calls,
            handles_gone: false,
            subscribers,
            queue: VecDeque::new(),
            pending: HashMap::new(),
            in_band_in_flight: 0,
            next_id,
            out: BytesMut::new(),
            out_offset: 0,
            fd_marks: VecDeque::new(),
            fd_call: None,
            needs_flush: false,
            settings,
            recovery: None,
            closing: None,
            closed,
            due_on_write: VecDeque::new(),
            unanswered: HashMap::new(),
        };
        for event in early_events {
            driver.publish(event);
        }
        driver
    }

    /// Runs until the connection ends, or every handle is gone and everything written is
    /// flushed (answers still due have nobody to go to), or a requested close completes;
    /// then fails whatever is still waiting.
    pub(crate) async fn run(mut self) {
        let reason = std::future::poll_fn(|cx| self.poll_drive(cx)).await;
        tracing::debug!(%reason, "QMP connection closed");
        let done = self.closing.take().map(|closing| closing.done);
        let unanswered = self.shutdown(reason);
        if let Some(done) = done {
            let _ = done.send(unanswered);
        }
    }

    fn poll_drive(&mut self, cx: &mut Context<'_>) -> Poll<String> {
        loop {
            let mut progress = false;

            if !self.handles_gone && self.closing.is_none() {
                match self.calls.poll_recv(cx) {
                    Poll::Ready(Some(message)) => {
                        self.accept(message);
                        progress = true;
                    }
                    Poll::Ready(None) => {
                        self.handles_gone = true;
                        progress = true;
                    }
                    Poll::Pending => {}
                }
            }
            self.dispatch_queue();

            if !self.out.is_empty() {
                match self.poll_write_out(cx) {
                    Poll::Ready(Ok(0)) => return Poll::Ready("the server stopped reading".into()),
                    Poll::Ready(Ok(written)) => {
                        self.out.advance(written);
                        self.out_offset += written as u64;
                        self.needs_flush = true;
                        self.complete_written();
                        progress = true;
                    }
                    Poll::Ready(Err(error)) => {
                        return Poll::Ready(format!("write failed: {error}"))
                    }
                    Poll::Pending => {}
                }
            }
            if self.out.is_empty() && self.needs_flush {
                match Pin::new(self.reader.get_mut()).poll_flush(cx) {
                    Poll::Ready(Ok(())) => self.needs_flush = false,
                    Poll::Ready(Err(error)) => {
                        return Poll::Ready(format!("flush failed: {error}"))
                    }
                    Poll::Pending => {}
                }
            }

            let mut answered = false;
            let before = self.reader.decoder().stream_offset();
            match Pin::new(&mut self.reader).poll_next(cx) {
                Poll::Ready(Some(Ok(value))) => {
                    let bytes = wire_bytes(before, self.reader.decoder().stream_offset());
                    answered = self.on_message(value, bytes);
                    progress = true;
                }
                Poll::Ready(Some(Err(error))) => {
                    return Poll::Ready(ProtocolError::Stream(error).to_string())
                }
                Poll::Ready(None) => return Poll::Ready("the server closed the connection".into()),
                Poll::Pending => {}
            }

            if self.handles_gone && self.out.is_empty() && !self.needs_flush && !self.has_waiters()
            {
                // Answers still due would only be discarded; a hung command (or a guest agent
                // told to shut down) would keep the socket open forever.
                return Poll::Ready("every client handle was dropped".into());
            }
            if let Some(reason) = self.poll_closing(cx) {
                return Poll::Ready(reason);
            }
            // Latency: once the buffered answers are delivered, let the woken callers run
            // before we try another read, so their next requests are written a few
            // microseconds sooner. That matters more than it seems: a request that arrives
            // while QEMU's threads are still awake is served without a wake-up.
            if answered && self.reader.read_buffer().is_empty() && self.out.is_empty() {
                #[cfg(feature = "internals")]
                self.publish_held();
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if !progress {
                #[cfg(feature = "internals")]
                self.publish_held();
                return Poll::Pending;
            }
        }
    }

    #[cfg(feature = "internals")]
    fn publish_held(&self) {
        let held = self.pending.len() + self.queue.len();
        self.settings.held.store(held, Ordering::Relaxed);
    }

    /// When a close was requested: the reason to end now (every answer due has arrived, or
    /// the wait is over), else `None`.
    fn poll_closing(&mut self, cx: &mut Context<'_>) -> Option<String> {
        self.closing.as_ref()?;
        if self.out.is_empty() && !self.needs_flush && !self.has_waiters() {
            return Some(CLOSED_BY_CLIENT.into());
        }
        let closing = self.closing.as_mut()?;
        let expired = closing.deadline.as_mut().poll(cx).is_ready();
        expired.then(|| {
            format!(
                "{CLOSED_BY_CLIENT} after waiting {:?} for the answers due",
                closing.wait
            )
        })
    }

    /// Writes from `out`: up to the next request that carries file descriptors, or that
    /// request (with its descriptors) up to the one after it.
    fn poll_write_out(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<usize>> {
        let offset = self.out_offset;
        let relative = |at: u64| usize::try_from(at - offset).unwrap_or(usize::MAX);
        match self.fd_marks.front() {
            None => Pin::new(self.reader.get_mut()).poll_write(cx, &self.out),
            Some((at, _)) if *at > offset => {
                let end = relative(*at).min(self.out.len());
                Pin::new(self.reader.get_mut()).poll_write(cx, &self.out[..end])
            }
            Some((_, fds)) => {
                let end = self.fd_marks.get(1).map_or(self.out.len(), |(next, _)| {
                    relative(*next).min(self.out.len())
                });
                let written = self
                    .reader
                    .get_mut()
                    .poll_write_with_fds(cx, &self.out[..end], fds);
                if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
                    // The kernel now holds duplicates for the server: ours close here.
                    self.fd_marks.pop_front();
                }
                written
            }
        }
    }

    /// Delivers an event to every subscriber, forgetting those that are gone.
    fn publish(&mut self, event: WireEvent) {
        self.subscribers
            .retain(|subscriber| subscriber.deliver(&event));
    }

    /// Whether some caller still waits for an answer (written or queued request), or a
    /// detached request still has to be written.
    fn has_waiters(&self) -> bool {
        let pending = self.pending.values().any(|pending| match pending {
            Pending::Call { reply, .. } => !reply.is_closed(),
            Pending::Fence => false,
        });
        pending || self.queue.iter().any(Call::wanted)
    }

    fn accept(&mut self, message: ToDriver) {
        let call = match message {
            ToDriver::Call(call) => call,
            ToDriver::Subscribe(subscriber) => return self.subscribers.push(subscriber),
            ToDriver::Close { wait, done } => return self.start_closing(wait, done),
        };
        if !call.wanted() {
            return; // cancelled before we saw it
        }
        match call.mode {
            // Out-of-band requests jump the client-side queue: the point of OOB is to get
            // through while in-band commands are stuck.
            ExecMode::OutOfBand => self.send(call),
            ExecMode::InBand => self.queue.push_back(call),
        }
    }

    fn dispatch_queue(&mut self) {
        if self.settings.release_abandoned
            && self.in_band_in_flight >= self.settings.max_in_flight
            && !self.queue.is_empty()
        {
            self.release_abandoned();
        }
        while self.in_band_in_flight < self.settings.max_in_flight {
            let Some(call) = self.queue.pop_front() else {
                break;
            };
            // A caller that gave up while queued is skipped, so the server never runs it.
            if !call.wanted() {
                continue;
            }
            if !call.fds.is_empty() && self.fd_call.is_some() {
                self.queue.push_front(call);
                break;
            }
            self.send(call);
        }
    }

    /// Stops taking calls: those sent after the close request fail now, with the reason
    /// later callers also get; the ones before it are still sent and answered.
    fn start_closing(&mut self, wait: Duration, done: oneshot::Sender<usize>) {
        let _ = self.closed.set(CLOSED_BY_CLIENT.into());
        self.calls.close();
        while let Ok(message) = self.calls.try_recv() {
            match message {
                ToDriver::Call(call) => {
                    let _ = call.reply.send(Err(Error::Disconnected {
                        reason: CLOSED_BY_CLIENT.into(),
                    }));
                }
                ToDriver::Subscribe(_) => {}
                ToDriver::Close { done, .. } => {
                    let _ = done.send(0);
                }
            }
        }
        self.closing = Some(Closing {
            wait,
            deadline: Box::pin(tokio::time::sleep(wait)),
            done,
        });
    }

    /// Forgets written calls whose callers gave up, freeing their slots; their late answers
    /// are then dropped as unknown ids.
    fn release_abandoned(&mut self) {
        self.pending.retain(|id, pending| match pending {
            Pending::Call { reply, command, .. } if reply.is_closed() => {
                tracing::debug!(id, %command, "releasing the slot of an abandoned call");
                false
            }
            _ => true,
        });
        self.in_band_in_flight = self
            .pending
            .values()
            .filter(|pending| {
                matches!(
                    pending,
                    Pending::Fence | Pending::Call { in_band: true, .. }
                )
            })
            .count();
        if self
            .fd_call
            .is_some_and(|id| !self.pending.contains_key(&id))
        {
            self.fd_call = None;
        }
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn send(&mut self, call: Call) {
        let id = self.take_id();
        let request = Request {
            mode: call.mode,
            command: &call.command,
            arguments: call.arguments.as_ref(),
            id: Some(id),
        };
        let start = self.out_offset + self.out.len() as u64;
        if let Err(error) = encode_line(&request, &mut self.out) {
            let _ = call.reply.send(Err(Error::Arguments {
                command: call.command.into_owned(),
                reason: error.to_string(),
            }));
            return;
        }
        if !call.answers_on_success {
            // Nothing will come back on success, so the call neither holds a slot nor blocks
            // later descriptor-carrying calls.
            if !call.fds.is_empty() {
                self.fd_marks.push_back((start, call.fds));
            }
            let end = self.out_offset + self.out.len() as u64;
            self.due_on_write.push_back((end, call.reply));
            self.unanswered.insert(id, call.command);
            return;
        }
        if !call.fds.is_empty() {
            self.fd_marks.push_back((start, call.fds));
            self.fd_call = Some(id);
        }
        let in_band = call.mode == ExecMode::InBand;
        if in_band {
            self.in_band_in_flight += 1;
        }
        self.pending.insert(
            id,
            Pending::Call {
                command: call.command,
                in_band,
                reply: call.reply,
            },
        );
    }

    /// Completes the calls without an answer on success whose requests are now written.
    fn complete_written(&mut self) {
        while let Some((end, _)) = self.due_on_write.front() {
            if *end > self.out_offset {
                break;
            }
            if let Some((_, reply)) = self.due_on_write.pop_front() {
                let _ = reply.send(Ok(Value::Object(Map::new())));
            }
        }
    }

    /// An answer to a request that answers only on failure: its caller has already returned,
    /// so an error is logged, naming the command.
    fn on_late_answer(&mut self, id: u64, result: Result<Value, String>) {
        let Some(command) = self.unanswered.remove(&id) else {
            tracing::debug!(id, "dropping a response with an unknown id");
            return;
        };
        match result {
            Err(error) => tracing::warn!(id, %command, %error,
                "a command sent without waiting (it answers only on failure) failed"),
            Ok(value) => tracing::debug!(id, %command, %value,
                "a command documented as not answering on success answered"),
        }
    }

    /// Handles one server message; returns whether it answered a waiting caller.
    fn on_message(&mut self, value: Value, bytes: usize) -> bool {
        let known_id = value.get("id").and_then(Value::as_u64);
        match ServerMessage::from_value(value) {
            Ok(ServerMessage::Response(response)) => match response.id {
                Some(id) => match id.as_u64() {
                    Some(id) => return self.on_response(id, response.result),
                    None => tracing::warn!(%id, "dropping a response with an id we never sent"),
                },
                None => match response.result {
                    Err(body) => self.on_idless_error(body),
                    Ok(value) => tracing::warn!(%value, "dropping a success response without id"),
                },
            },
            Ok(ServerMessage::Event(event)) => {
                // Nobody subscribed: the event is dropped, as documented for `events()`.
                if !self.subscribers.is_empty() {
                    let message = Arc::new(event);
                    self.publish(WireEvent { message, bytes });
                }
            }
            Ok(ServerMessage::Greeting(_)) => {
                tracing::warn!("ignoring a second greeting");
            }
            Err(error) => match known_id.and_then(|id| self.take_pending(id)) {
                Some(Pending::Call { command, reply, .. }) => {
                    let _ = reply.send(Err(ProtocolError::MalformedResponse {
                        command: command.into_owned(),
                        source: error,
                    }
                    .into()));
                    return true;
                }
                // Any answer to the fence, even a malformed one, means the server has dealt
                // with everything sent before it.
                Some(Pending::Fence) => {
                    tracing::warn!(%error, "malformed answer to the recovery fence");
                    self.finish_recovery();
                    return true;
                }
                None => match known_id {
                    Some(id) if self.unanswered.contains_key(&id) => {
                        self.on_late_answer(id, Err(error.to_string()));
                    }
                    _ => {
                        tracing::warn!(%error, "ignoring a message the client does not understand")
                    }
                },
            },
        }
        false
    }

    fn take_pending(&mut self, id: u64) -> Option<Pending> {
        let pending = self.pending.remove(&id)?;
        if self.fd_call == Some(id) {
            self.fd_call = None;
        }
        if matches!(
            pending,
            Pending::Fence | Pending::Call { in_band: true, .. }
        ) {
            self.in_band_in_flight = self.in_band_in_flight.saturating_sub(1);
        }
        Some(pending)
    }

    /// Delivers an answer; returns whether a caller was waiting for it.
    fn on_response(&mut self, id: u64, result: Result<Value, ErrorBody>) -> bool {
        match self.take_pending(id) {
            None => {
                let result = result.map_err(|body| format!("{}: {}", body.class, body.desc));
                self.on_late_answer(id, result);
                false
            }
            Some(Pending::Fence) => {
                self.finish_recovery();
                true
            }
            Some(Pending::Call { command, reply, .. }) => {
                let result = result.map_err(|body| Error::Qmp {
                    command: command.into_owned(),
                    class: body.class,
                    desc: body.desc,
                });
                let delivered = reply.send(result).is_ok();
                if !delivered {
                    tracing::debug!(id, "discarding the late answer of a cancelled call");
                }
                delivered
            }
        }
    }

    fn on_idless_error(&mut self, body: ErrorBody) {
        tracing::warn!(class = %body.class, desc = %body.desc,
            "error response without id: the server could not parse a request");
        if self.recovery.is_some() {
            return;
        }
        self.out.put_u8(SENTINEL);
        let fence = self.take_id();
        let request = Request {
            mode: ExecMode::InBand,
            command: self.settings.fence_command,
            arguments: None,
            id: Some(fence),
        };
        // A request of two strings and an integer always serialises.
        if encode_line(&request, &mut self.out).is_ok() {
            // Counted as in flight (it occupies a server slot) but sent even when all slots
            // are taken: it is the one request that must not wait behind lost ones.
            self.in_band_in_flight += 1;
            self.pending.insert(fence, Pending::Fence);
            self.recovery = Some(Recovery {
                fence,
                class: body.class,
                desc: body.desc,
            });
        }
    }

    fn finish_recovery(&mut self) {
        let Some(recovery) = self.recovery.take() else {
            return;
        };
        let fence = recovery.fence;
        // Those written before the fence either ran or were lost: no answer is due any more.
        self.unanswered.retain(|id, _| *id > fence);
        let mut lost: Vec<u64> = self
            .pending
            .keys()
            .copied()
            .filter(|id| *id < fence)
            .collect();
        lost.sort_unstable();
        for id in lost {
            if let Some(Pending::Call { command, reply, .. }) = self.take_pending(id) {
                tracing::warn!(id, %command, "request lost to a server parse error");
                let _ = reply.send(Err(ProtocolError::RequestLost {
                    command: command.into_owned(),
                    class: recovery.class.clone(),
                    desc: recovery.desc.clone(),
                }
                .into()));
            }
        }
    }

    /// Fails every call still waiting and returns how many callers were told so.
    fn shutdown(mut self, reason: String) -> usize {
        let _ = self.closed.set(reason.clone());
        // Closing first means no handle can add a call after the drain below.
        self.calls.close();
        let mut unanswered = 0;
        let mut fail = |reply: Reply| {
            let failed = reply
                .send(Err(Error::Disconnected {
                    reason: reason.clone(),
                }))
                .is_ok();
            unanswered += usize::from(failed);
        };
        for (_, pending) in self.pending.drain() {
            if let Pending::Call { reply, .. } = pending {
                fail(reply);
            }
        }
        for call in self.queue.drain(..) {
            fail(call.reply);
        }
        for (_, reply) in self.due_on_write.drain(..) {
            fail(reply);
        }
        while let Ok(message) = self.calls.try_recv() {
            match message {
                ToDriver::Call(call) => fail(call.reply),
                ToDriver::Subscribe(_) => {}
                ToDriver::Close { done, .. } => {
                    let _ = done.send(0);
                }
            }
        }
        #[cfg(feature = "internals")]
        self.settings.held.store(0, Ordering::Relaxed);
        // Dropping `self.subscribers` ends every event stream; dropping `self.fd_marks`
        // closes descriptors that were never sent.
        unanswered
    }
}
