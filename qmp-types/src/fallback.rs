//! Reports of fallback variants, for `strict`: the `Serialize` code of every fallback (an open
//! enum's unknown value, a union's unknown tag) calls [`note`], and a strict check that
//! serialises a typed value inside [`collect`] learns which fallbacks it holds. Outside
//! [`collect`], [`note`] does nothing.

use std::cell::RefCell;

thread_local! {
    /// The fallbacks seen by the innermost running [`collect`] on this thread, if any.
    static SEEN: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Records a fallback variant being serialised; `describe` renders it (only called when a
/// [`collect`] is running).
pub fn note(describe: impl FnOnce() -> String) {
    SEEN.with(|seen| {
        if let Some(seen) = seen.borrow_mut().as_mut() {
            seen.push(describe());
        }
    });
}

/// Runs `serialise` and returns its result with the fallbacks it serialised, in order.
#[cfg(feature = "strict")]
pub(crate) fn collect<R>(serialise: impl FnOnce() -> R) -> (R, Vec<String>) {
    /// Restores the enclosing collection, even when `serialise` panics.
    struct Restore(Option<Vec<String>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            SEEN.with(|seen| *seen.borrow_mut() = outer);
        }
    }
    let outer = SEEN.with(|seen| seen.borrow_mut().replace(Vec::new()));
    let restore = Restore(outer);
    let result = serialise();
    let found = SEEN
        .with(|seen| seen.borrow_mut().take())
        .unwrap_or_default();
    drop(restore);
    (result, found)
}
