//! The small tokio runtime each blocking handle family owns, and the one way blocking calls
//! run on it (refused inside an async runtime, where blocking would stall a worker thread).

use std::future::Future;
use std::sync::Arc;

use tokio::runtime::Runtime;

use crate::error::Error;

/// A blocking connection's runtime. Dropped with `shutdown_background`, because a plain drop
/// panics when the last handle happens to be dropped inside an async context.
#[derive(Debug)]
pub(crate) struct OwnedRuntime(Option<Runtime>);

impl OwnedRuntime {
    /// A runtime with one worker thread, so the connection driver keeps reading between calls.
    pub(crate) fn start() -> Result<Arc<OwnedRuntime>, Error> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("qmp-blocking")
            .enable_all()
            .build()
            .map(|runtime| Arc::new(OwnedRuntime(Some(runtime))))
            .map_err(|error| Error::Runtime(format!("cannot start the runtime: {error}")))
    }

    /// Runs `future` to completion on this runtime, blocking the calling thread.
    ///
    /// # Errors
    /// [`Error::Runtime`] when called inside an async runtime (or after shutdown).
    pub(crate) fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        let runtime = self
            .0
            .as_ref()
            .ok_or_else(|| Error::Runtime("the runtime was shut down".into()))?;
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::Runtime(
                "blocking calls cannot be made from inside an async runtime (tokio cannot tell \
                 spawn_blocking threads apart); use the async client (`as_async`), there with \
                 `Handle::current().block_on`"
                    .into(),
            ));
        }
        Ok(runtime.block_on(future))
    }
}

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}
