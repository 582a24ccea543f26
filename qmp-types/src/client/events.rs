//! Event subscriptions: a typed stream per subscriber over the driver's broadcast channel.
//!
//! Policy when a subscriber lags: the driver never waits for subscribers (a slow subscriber
//! that awaits a command answer while the driver waits for it to drain events would deadlock
//! the connection). Each subscriber has a bounded buffer of [`ClientConfig::event_buffer`]
//! events; when it falls further behind, the oldest events it has not read are dropped *for
//! that subscriber only*, and it receives one [`EventError::Lagged`] item saying how many it
//! missed before continuing with the oldest event still buffered.
//!
//! [`ClientConfig::event_buffer`]: crate::client::ClientConfig::event_buffer

use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::{Stream, StreamExt};
use tokio::sync::broadcast;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;

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

/// A per-subscriber problem; the stream goes on after it.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The subscriber fell behind by more than its buffer; this many events were dropped for it.
    #[error("event subscriber fell behind and missed {missed} events")]
    Lagged {
        /// How many events were dropped.
        missed: u64,
    },
    /// A known event whose `data` does not match its type.
    #[error("cannot decode event `{event}`: {source}")]
    Decode {
        /// The event's wire name.
        event: String,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
    },
}

/// The events of one connection, decoded as `E`, from the moment of subscription. Ends when
/// the connection ends. See the module documentation for the lag policy.
pub struct EventStream<E> {
    inner: BroadcastStream<Arc<EventMessage>>,
    _event: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for EventStream<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream").finish_non_exhaustive()
    }
}

impl<E: EventSet> EventStream<E> {
    pub(crate) fn new(receiver: broadcast::Receiver<Arc<EventMessage>>) -> Self {
        EventStream {
            inner: BroadcastStream::new(receiver),
            _event: PhantomData,
        }
    }

    /// The next event; `None` once the connection has ended.
    pub async fn recv(&mut self) -> Option<Result<Received<E>, EventError>> {
        self.next().await
    }
}

impl<E: EventSet> Stream for EventStream<E> {
    type Item = Result<Received<E>, EventError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let item = match self.inner.poll_next_unpin(cx) {
            Poll::Ready(Some(item)) => item,
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => return Poll::Pending,
        };
        Poll::Ready(Some(match item {
            Ok(message) => E::from_event(&message.event, message.data.clone())
                .map(|event| Received {
                    event,
                    timestamp: message.timestamp,
                })
                .map_err(|source| EventError::Decode {
                    event: message.event.clone(),
                    source,
                }),
            Err(BroadcastStreamRecvError::Lagged(missed)) => Err(EventError::Lagged { missed }),
        }))
    }
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
