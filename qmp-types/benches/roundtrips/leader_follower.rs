//! A sketch of the other blocking design, measured beside the real clients: callers on their
//! own threads do the socket I/O themselves (leader/follower). The caller whose turn it is
//! blocks in `read` (no event loop, no runtime thread), hands the answers it reads to their
//! callers and passes the reader on when its own answer has come. Only what a round trip
//! needs is here (no events, fds or errors): if even this does not reach the raw client, a
//! full client of this design would not either.

use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::thread::{self, Thread};

use bytes::BytesMut;
use qmp_types::codec::JsonCodec;
use serde_json::Value;
use tokio_util::codec::Decoder;

use super::{request_with_id, MAX_IN_FLIGHT, NEGOTIATE};

/// The read side, held by one caller at a time.
struct Reader {
    stream: UnixStream,
    buffer: BytesMut,
    codec: JsonCodec,
}

impl Reader {
    /// The next message, blocking in `read` until it is complete.
    fn next(&mut self) -> Value {
        loop {
            if let Some(message) = self.codec.decode(&mut self.buffer).expect("framing") {
                return message;
            }
            let mut chunk = [0u8; 4096];
            let read = self.stream.read(&mut chunk).expect("read");
            assert!(read > 0, "QEMU closed the monitor");
            self.buffer.extend_from_slice(&chunk[..read]);
        }
    }
}

/// A caller waiting for its answer.
struct Waiter {
    thread: Thread,
    answer: Option<Value>,
}

struct State {
    /// `None` while a caller reads.
    reader: Option<Reader>,
    waiting: HashMap<usize, Waiter>,
    next_id: usize,
    in_flight: usize,
    /// Callers waiting for a free in-flight slot.
    queued: VecDeque<Thread>,
}

/// One QMP connection shared by caller threads.
pub struct LeaderFollower {
    state: Mutex<State>,
    writer: UnixStream,
}

impl LeaderFollower {
    /// Connects and negotiates OOB, as the other clients do.
    pub fn open(socket: &Path) -> LeaderFollower {
        let writer = UnixStream::connect(socket).expect("connect");
        let mut reader = Reader {
            stream: writer.try_clone().expect("clone"),
            buffer: BytesMut::new(),
            codec: JsonCodec::default(),
        };
        reader.next();
        (&writer).write_all(NEGOTIATE).expect("negotiate");
        reader.next();
        LeaderFollower {
            state: Mutex::new(State {
                reader: Some(reader),
                waiting: HashMap::new(),
                next_id: 0,
                in_flight: 0,
                queued: VecDeque::new(),
            }),
            writer,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("state")
    }

    /// Sends `query-status`, in the same bytes as the other clients, and returns its answer.
    pub fn call(&self) -> Value {
        let mut state = self.lock();
        while state.in_flight >= MAX_IN_FLIGHT {
            state.queued.push_back(thread::current());
            drop(state);
            thread::park();
            state = self.lock();
        }
        let id = state.next_id;
        state.next_id += 1;
        state.in_flight += 1;
        let waiter = Waiter {
            thread: thread::current(),
            answer: None,
        };
        state.waiting.insert(id, waiter);
        (&self.writer)
            .write_all(request_with_id(id).as_bytes())
            .expect("write");
        loop {
            let answer = state.waiting.get_mut(&id).and_then(|w| w.answer.take());
            if let Some(answer) = answer {
                return finish(state, id, answer);
            }
            let Some(reader) = state.reader.take() else {
                drop(state);
                thread::park();
                state = self.lock();
                continue;
            };
            drop(state);
            return self.lead(reader, id);
        }
    }

    /// Reads until the answer to `id` comes, delivering the others on the way.
    fn lead(&self, mut reader: Reader, id: usize) -> Value {
        loop {
            let message = reader.next();
            let answers = message
                .get("id")
                .and_then(Value::as_u64)
                .and_then(|id| usize::try_from(id).ok());
            let mut state = self.lock();
            if answers == Some(id) {
                state.reader = Some(reader);
                let next = state
                    .waiting
                    .iter()
                    .find(|(other, waiter)| **other != id && waiter.answer.is_none());
                if let Some((_, waiter)) = next {
                    waiter.thread.unpark();
                }
                return finish(state, id, message);
            }
            if let Some(waiter) = answers.and_then(|other| state.waiting.get_mut(&other)) {
                waiter.answer = Some(message);
                waiter.thread.unpark();
            }
        }
    }
}

/// Frees the call's slot (waking a caller queued for one) and returns its answer.
fn finish(mut state: MutexGuard<'_, State>, id: usize, answer: Value) -> Value {
    state.waiting.remove(&id);
    state.in_flight -= 1;
    if let Some(queued) = state.queued.pop_front() {
        queued.unpark();
    }
    answer
}
