//! What a fiber's coroutine yields to its resumer: only why it switched out. The value
//! itself travels through the fiber's header or yield slot, so the coroutine's yield type
//! is this one non-generic marker.

/// Why a fiber switched out (the value itself, if any, is in its yield slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Suspension {
    /// A value is in the yield slot for `resume`'s caller.
    Value,
    /// A value yielded from C++ is in the header's `yield_bits` for `resume`'s caller.
    CppValue,
    /// Waiting for a future whose waker the poll's context received.
    Pending,
}
