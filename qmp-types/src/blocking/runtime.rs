//! The small tokio runtime each blocking handle family owns, and the one way blocking calls
//! run on it (refused inside an async runtime, where blocking would stall a worker thread).
//!
//! The runtime is a current-thread one, driven by the threads that block on it: a caller runs
//! the connection's driver itself while it waits, so its answer needs no hand-over from
//! another thread. (With the driver on a worker thread of its own, every call crossed threads
//! twice, which cost 15–21 µs of CPU per call and up to 13 % of the round trips at one
//! caller.) Several callers at once share it as tokio documents: one drives, the others' calls
//! are polled on their own threads, and another takes over when the first returns.
//!
//! Between calls the connection must still be served: events read, a dropped fd guard's
//! request written. So a thread of the runtime's own drives it once no call has started for
//! [`IDLE_AFTER`], and gives it back as soon as a caller comes.

use std::future::Future;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::runtime::{Handle, Runtime};
use tokio::sync::Notify;

use crate::error::Error;

/// How long no call must have started before the idle thread drives the runtime. Short
/// enough that events and late requests wait no longer than a moment; long enough that a
/// program calling in a loop never has to take the runtime back from the idle thread.
const IDLE_AFTER: Duration = Duration::from_millis(10);

/// A blocking connection's runtime and its idle thread.
#[derive(Debug)]
pub(crate) struct OwnedRuntime {
    /// `None` only while being dropped.
    runtime: Option<Arc<Runtime>>,
    shared: Arc<Shared>,
    idle_thread: Option<JoinHandle<()>>,
}

/// What the callers and the idle thread share. Callers only touch atomics, so that many caller
/// threads do not queue on a lock; the mutex only serves the idle thread's waits.
#[derive(Debug, Default)]
struct Shared {
    /// Callers blocked on the runtime now.
    callers: AtomicUsize,
    /// Calls started so far (to tell an idle spell from a busy one with short gaps).
    calls_started: AtomicU64,
    /// Whether the idle thread drives the runtime (so a caller must tell it to stop).
    idle_driving: AtomicBool,
    /// Set when the runtime is dropped (under `stopping_lock`, for the idle thread's waits).
    stopped: AtomicBool,
    stopping_lock: Mutex<()>,
    /// Signalled when the runtime is dropped.
    stopping: Condvar,
    /// Tells the idle thread, while it drives, that a caller came (or the end).
    caller_came: Notify,
}

impl Shared {
    /// Completes once a caller is blocked on the runtime, or the runtime is being dropped.
    async fn caller_or_stop(&self) {
        loop {
            let notified = self.caller_came.notified();
            tokio::pin!(notified);
            // Registered before the check, so a caller that comes after it wakes us.
            notified.as_mut().enable();
            if self.callers.load(SeqCst) > 0 || self.stopped.load(SeqCst) {
                return;
            }
            notified.await;
        }
    }
}

/// Counts a caller as blocked on the runtime until dropped (also when its future panics).
struct Caller<'a>(&'a Shared);

impl<'a> Caller<'a> {
    fn enter(shared: &'a Shared) -> Caller<'a> {
        shared.calls_started.fetch_add(1, SeqCst);
        shared.callers.fetch_add(1, SeqCst);
        // The idle thread sets its flag before it checks `callers`, and we count ourselves
        // before we read the flag, so one of us sees the other.
        if shared.idle_driving.load(SeqCst) {
            shared.caller_came.notify_waiters();
        }
        Caller(shared)
    }
}

impl Drop for Caller<'_> {
    fn drop(&mut self) {
        self.0.callers.fetch_sub(1, SeqCst);
    }
}

impl OwnedRuntime {
    /// A current-thread runtime with its idle thread.
    pub(crate) fn start() -> Result<Arc<OwnedRuntime>, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(Arc::new)
            .map_err(|error| Error::Runtime(format!("cannot start the runtime: {error}")))?;
        let shared = Arc::new(Shared::default());
        let idle_thread = std::thread::Builder::new()
            .name("qmp-blocking".into())
            .spawn({
                let runtime = runtime.clone();
                let shared = shared.clone();
                move || drive_while_idle(&runtime, &shared)
            })
            .map_err(|error| Error::Runtime(format!("cannot start the idle thread: {error}")))?;
        Ok(Arc::new(OwnedRuntime {
            runtime: Some(runtime),
            shared,
            idle_thread: Some(idle_thread),
        }))
    }

    /// Runs `future` to completion on this runtime, blocking the calling thread (which drives
    /// the runtime meanwhile, unless another caller already does).
    ///
    /// # Errors
    /// [`Error::Runtime`] when called inside an async runtime.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        if Handle::try_current().is_ok() {
            return Err(Error::Runtime(
                "blocking calls cannot be made from inside an async runtime (tokio cannot tell \
                 spawn_blocking threads apart); use the async client (`as_async`), there with \
                 `Handle::current().block_on`"
                    .into(),
            ));
        }
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| Error::Runtime("the runtime was shut down".into()))?;
        let _caller = Caller::enter(&self.shared);
        Ok(runtime.block_on(future))
    }
}

/// The idle thread: drives the runtime whenever no call has started for [`IDLE_AFTER`] and
/// none is running, until a caller comes; ends when the runtime is dropped.
fn drive_while_idle(runtime: &Runtime, shared: &Shared) {
    let mut seen = None;
    let mut lock = shared
        .stopping_lock
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    while !shared.stopped.load(SeqCst) {
        let started = shared.calls_started.load(SeqCst);
        if shared.callers.load(SeqCst) == 0 && seen == Some(started) {
            drop(lock);
            shared.idle_driving.store(true, SeqCst);
            runtime.block_on(shared.caller_or_stop());
            shared.idle_driving.store(false, SeqCst);
            lock = shared
                .stopping_lock
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
        } else {
            seen = Some(started);
            lock = shared
                .stopping
                .wait_timeout(lock, IDLE_AFTER)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        {
            let _lock = self.shared.stopping_lock.lock();
            self.shared.stopped.store(true, SeqCst);
        }
        self.shared.stopping.notify_all();
        self.shared.caller_came.notify_waiters();
        // Inside an async context, joining would block it: the idle thread then ends (and
        // drops the runtime, if it holds it last) on its own, moments later.
        let in_async_context = Handle::try_current().is_ok();
        if let Some(thread) = self.idle_thread.take() {
            if !in_async_context {
                let _ = thread.join();
            }
        }
        // A plain drop of the last handle would panic inside an async context.
        if let Some(runtime) = self.runtime.take().and_then(|r| Arc::try_unwrap(r).ok()) {
            runtime.shutdown_background();
        }
    }
}
