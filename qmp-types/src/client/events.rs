//! Event subscriptions: the driver's side of each subscriber and the typed stream it feeds.
//!
//! The driver never waits for subscribers: a subscriber that awaits a command's answer while
//! the driver waits for it to drain events would deadlock the connection. So each subscriber
//! has its own queue, in one of two modes:
//!
//! - **Lossless** ([`Client::events`]): an unbounded queue that never drops an event. Its
//!   memory is capped ([`ClientConfig::event_memory_cap`], counted in bytes of the events as
//!   received): a subscriber that falls further behind gets every event queued so far, then
//!   one [`EventError::Overflow`], and then its stream ends. Nothing is ever dropped silently.
//! - **Lagging** ([`Client::lagging_events`]): a ring of [`ClientConfig::event_buffer`] events.
//!   When the subscriber falls further behind, the oldest events it has not read are dropped
//!   *for that subscriber only*, and it receives one [`EventError::Lagged`] item saying exactly
//!   how many it missed before continuing with the oldest event still buffered.
//!
//! [`Client::events`]: crate::client::Client::events
//! [`Client::lagging_events`]: crate::client::Client::lagging_events
//! [`ClientConfig::event_memory_cap`]: crate::client::ClientConfig::event_memory_cap
//! [`ClientConfig::event_buffer`]: crate::client::ClientConfig::event_buffer

use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use serde_json::Value;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use crate::error::EventError;
use crate::event::{EventSet, UnknownEvent};
use crate::wire::{EventMessage, Timestamp};

/// An event as delivered to a subscriber: the decoded event and the server's timestamp.
#[derive(Debug, Clone, PartialEq)]
pub struct Received<E> {
    /// The decoded event.
    pub event: E,
    /// When the event happened in the server ([`Timestamp::UNKNOWN`] if it had no time).
    pub timestamp: Timestamp,
}

/// One event as the driver hands it to subscribers: shared by all of them, with its size on
/// the wire (what the lossless memory cap counts).
#[derive(Debug, Clone)]
pub(crate) struct WireEvent {
    pub(crate) message: Arc<EventMessage>,
    pub(crate) bytes: usize,
}

/// What a lossless queue carries.
#[derive(Debug)]
pub(crate) enum Delivery {
    Event(WireEvent),
    /// The last item: the cap was exceeded.
    Overflow {
        cap: usize,
    },
}

/// The driver's side of one subscription.
#[derive(Debug)]
pub(crate) enum Subscriber {
    Lossless {
        queue: mpsc::UnboundedSender<Delivery>,
        /// Bytes queued and not yet read, shared with the stream.
        queued: Arc<AtomicUsize>,
        cap: usize,
    },
    Lagging(broadcast::Sender<Arc<EventMessage>>),
}

impl Subscriber {
    /// A lossless subscription capped at `cap` bytes, and the untyped receiving end.
    pub(crate) fn lossless(cap: usize) -> (Subscriber, LosslessReceiver) {
        let (queue, receiver) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let subscriber = Subscriber::Lossless {
            queue,
            queued: queued.clone(),
            cap,
        };
        (subscriber, LosslessReceiver { receiver, queued })
    }

    /// A lagging subscription of `buffer` events and its stream.
    pub(crate) fn lagging<E: EventSet>(buffer: usize) -> (Subscriber, EventStream<E>) {
        let (sender, receiver) = broadcast::channel(buffer);
        let stream = EventStream::from_source(Source::Lagging(BroadcastStream::new(receiver)));
        (Subscriber::Lagging(sender), stream)
    }

    /// Queues `event`; returns `false` when the subscription is over (its stream was dropped,
    /// or the cap was just exceeded) and the driver should forget it.
    pub(crate) fn deliver(&self, event: &WireEvent) -> bool {
        match self {
            Subscriber::Lossless { queue, queued, cap } => {
                let now = queued.fetch_add(event.bytes, Ordering::Relaxed) + event.bytes;
                if now > *cap {
                    let _ = queue.send(Delivery::Overflow { cap: *cap });
                    return false;
                }
                queue.send(Delivery::Event(event.clone())).is_ok()
            }
            // Fails only when the stream was dropped.
            Subscriber::Lagging(sender) => sender.send(event.message.clone()).is_ok(),
        }
    }
}

/// The receiving end of a lossless subscription before it gets its event type (the
/// subscription made at connect time is typed only when taken).
#[derive(Debug)]
pub(crate) struct LosslessReceiver {
    receiver: mpsc::UnboundedReceiver<Delivery>,
    queued: Arc<AtomicUsize>,
}

impl LosslessReceiver {
    /// The typed stream.
    pub(crate) fn typed<E: EventSet>(self) -> EventStream<E> {
        EventStream::from_source(Source::Lossless(self))
    }
}

enum Source {
    Lossless(LosslessReceiver),
    Lagging(BroadcastStream<Arc<EventMessage>>),
}

/// The events of one connection, decoded as `E`, from the moment of subscription. Ends when
/// the connection ends (or, lossless, after an [`EventError::Overflow`]). See the module
/// documentation for the two delivery modes.
pub struct EventStream<E> {
    source: Source,
    _event: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for EventStream<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match self.source {
            Source::Lossless(_) => "lossless",
            Source::Lagging(_) => "lagging",
        };
        f.debug_struct("EventStream")
            .field("mode", &mode)
            .finish_non_exhaustive()
    }
}

impl<E: EventSet> EventStream<E> {
    fn from_source(source: Source) -> Self {
        EventStream {
            source,
            _event: PhantomData,
        }
    }

    /// The next event; `None` once the connection (or the subscription) has ended.
    pub async fn recv(&mut self) -> Option<Result<Received<E>, EventError>> {
        self.next().await
    }
}

impl<E: EventSet> Stream for EventStream<E> {
    type Item = Result<Received<E>, EventError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let message = match &mut self.source {
            Source::Lossless(lossless) => match lossless.receiver.poll_recv(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Delivery::Overflow { cap })) => {
                    // Nothing follows an overflow: close now, so the driver stops queueing.
                    lossless.receiver.close();
                    return Poll::Ready(Some(Err(EventError::Overflow { cap })));
                }
                Poll::Ready(Some(Delivery::Event(event))) => {
                    lossless.queued.fetch_sub(event.bytes, Ordering::Relaxed);
                    event.message
                }
            },
            Source::Lagging(stream) => match Pin::new(stream).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(BroadcastStreamRecvError::Lagged(missed)))) => {
                    return Poll::Ready(Some(Err(EventError::Lagged { missed })))
                }
                Poll::Ready(Some(Ok(message))) => message,
            },
        };
        Poll::Ready(Some(decode(&message)))
    }
}

/// Decodes one event as `E`, keeping the raw event in the error.
fn decode<E: EventSet>(message: &EventMessage) -> Result<Received<E>, EventError> {
    E::from_event(&message.event, message.data.clone())
        .map(|event| Received {
            event,
            timestamp: message.timestamp,
        })
        .map_err(|source| EventError::Decode {
            event: message.event.clone(),
            raw: serde_json::to_value(message).unwrap_or(Value::Null),
            source,
        })
}

/// Every event is "unknown" to this set, so `EventStream<UnknownEvent>` is a raw event stream
/// (name and JSON data), for programs without generated bindings.
impl EventSet for UnknownEvent {
    fn from_event(name: &str, data: serde_json::Value) -> Result<Self, serde_json::Error> {
        Ok(UnknownEvent {
            name: name.to_owned(),
            data,
        })
    }

    fn name(&self) -> &str {
        &self.name
    }
}
