//! Which Rust values can cross between a fiber's C++ code and Rust, and how.
//!
//! A fiber's input, yield and return types can be any `'static` Rust type; these eight can
//! also be exchanged with C++ (`corobridge::fiber::yield<T>` in `fiber.hpp`): `()`, `bool`,
//! `i32`, `i64`, `u64`, `f64`, `String` (from/to `std::string`) and `Vec<u8>` (from/to
//! `std::vector<std::uint8_t>`). The match is made by [`TypeId`], so it costs nothing at
//! run time once monomorphised.

use std::any::{Any, TypeId};
use std::ffi::c_void;
use std::ptr;

use crate::ffi::fiber_abi::{
    COROBRIDGE_FIBER_VALUE_BOOL, COROBRIDGE_FIBER_VALUE_BYTES, COROBRIDGE_FIBER_VALUE_F64,
    COROBRIDGE_FIBER_VALUE_I32, COROBRIDGE_FIBER_VALUE_I64, COROBRIDGE_FIBER_VALUE_RUST,
    COROBRIDGE_FIBER_VALUE_STRING, COROBRIDGE_FIBER_VALUE_U64, COROBRIDGE_FIBER_VALUE_UNIT,
    corobridge_fiber_value,
};

/// No value that C++ can read (the input view of a fiber before its first resume).
pub(crate) const NO_VIEW: corobridge_fiber_value = corobridge_fiber_value {
    data: ptr::null(),
    len: 0,
    kind: COROBRIDGE_FIBER_VALUE_RUST,
};

/// The C ABI kind of `T` (`COROBRIDGE_FIBER_VALUE_RUST` for a type C++ cannot exchange).
pub(crate) fn kind_of<T: 'static>() -> u32 {
    let id = TypeId::of::<T>();
    if id == TypeId::of::<()>() {
        COROBRIDGE_FIBER_VALUE_UNIT
    } else if id == TypeId::of::<bool>() {
        COROBRIDGE_FIBER_VALUE_BOOL
    } else if id == TypeId::of::<i32>() {
        COROBRIDGE_FIBER_VALUE_I32
    } else if id == TypeId::of::<i64>() {
        COROBRIDGE_FIBER_VALUE_I64
    } else if id == TypeId::of::<u64>() {
        COROBRIDGE_FIBER_VALUE_U64
    } else if id == TypeId::of::<f64>() {
        COROBRIDGE_FIBER_VALUE_F64
    } else if id == TypeId::of::<String>() {
        COROBRIDGE_FIBER_VALUE_STRING
    } else if id == TypeId::of::<Vec<u8>>() {
        COROBRIDGE_FIBER_VALUE_BYTES
    } else {
        COROBRIDGE_FIBER_VALUE_RUST
    }
}

/// A view of `value` for C++ (valid while `value` is neither moved nor dropped).
pub(crate) fn view_of<T: 'static>(value: &T) -> corobridge_fiber_value {
    let any: &dyn Any = value;
    let kind = kind_of::<T>();
    if let Some(text) = any.downcast_ref::<String>() {
        corobridge_fiber_value {
            data: text.as_ptr().cast(),
            len: text.len(),
            kind,
        }
    } else if let Some(bytes) = any.downcast_ref::<Vec<u8>>() {
        corobridge_fiber_value {
            data: bytes.as_ptr().cast(),
            len: bytes.len(),
            kind,
        }
    } else if kind == COROBRIDGE_FIBER_VALUE_UNIT || kind == COROBRIDGE_FIBER_VALUE_RUST {
        corobridge_fiber_value {
            data: ptr::null(),
            len: 0,
            kind,
        }
    } else {
        // A scalar: C++ copies its bytes (same layout on both sides).
        corobridge_fiber_value {
            data: ptr::from_ref(value).cast::<c_void>(),
            len: size_of::<T>(),
            kind,
        }
    }
}

/// Reads a `T` out of a C++ view, or `None` if the view is not of `T`'s kind.
///
/// # Safety
///
/// `view.data` must be valid for `view.len` bytes (or null with `len == 0`).
pub(crate) unsafe fn from_view<T: 'static>(view: &corobridge_fiber_value) -> Option<T> {
    if view.kind != kind_of::<T>() || view.kind == COROBRIDGE_FIBER_VALUE_RUST {
        return None;
    }
    // SAFETY: forwarded contract.
    let bytes = unsafe { bytes(view) };
    let mut slot: Option<T> = None;
    let any: &mut dyn Any = &mut slot;
    if let Some(slot) = any.downcast_mut::<Option<()>>() {
        *slot = Some(());
    } else if let Some(slot) = any.downcast_mut::<Option<bool>>() {
        *slot = bytes.first().map(|b| *b != 0);
    } else if let Some(slot) = any.downcast_mut::<Option<i32>>() {
        *slot = bytes.try_into().ok().map(i32::from_ne_bytes);
    } else if let Some(slot) = any.downcast_mut::<Option<i64>>() {
        *slot = bytes.try_into().ok().map(i64::from_ne_bytes);
    } else if let Some(slot) = any.downcast_mut::<Option<u64>>() {
        *slot = bytes.try_into().ok().map(u64::from_ne_bytes);
    } else if let Some(slot) = any.downcast_mut::<Option<f64>>() {
        *slot = bytes.try_into().ok().map(f64::from_ne_bytes);
    } else if let Some(slot) = any.downcast_mut::<Option<String>>() {
        *slot = Some(String::from_utf8_lossy(bytes).into_owned());
    } else if let Some(slot) = any.downcast_mut::<Option<Vec<u8>>>() {
        *slot = Some(bytes.to_vec());
    }
    slot
}

/// The bytes of a view.
///
/// # Safety
///
/// As [`from_view`].
unsafe fn bytes(view: &corobridge_fiber_value) -> &[u8] {
    if view.data.is_null() || view.len == 0 {
        &[]
    } else {
        // SAFETY: forwarded contract.
        unsafe { std::slice::from_raw_parts(view.data.cast::<u8>(), view.len) }
    }
}

/// A readable name of `T` for error messages.
pub(crate) fn name_of<T: 'static>() -> &'static str {
    std::any::type_name::<T>()
}
