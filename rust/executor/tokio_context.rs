//! Whether a tokio runtime is current on this thread (the `tokio` feature).

/// True if a tokio runtime is current on this thread (always false without the `tokio`
/// feature).
pub(crate) fn tokio_current() -> bool {
    #[cfg(feature = "tokio")]
    {
        tokio::runtime::Handle::try_current().is_ok()
    }
    #[cfg(not(feature = "tokio"))]
    {
        false
    }
}
