//! Which Rust values can cross between a fiber's C++ code and Rust, and how.
//!
//! A fiber's input, yield and return types can be any `'static` Rust type; these eight can
//! also be exchanged with C++ (`corobridge::fiber::yield<T>` in `fiber.hpp`): `()`, `bool`,
//! `i32`, `i64`, `u64`, `f64`, `String` (from/to `std::string`) and `Vec<u8>` (from/to
//! `std::vector<std::uint8_t>`). The match is made by [`TypeId`], so it costs nothing at
//! run time once monomorphised.

use std::any::{Any, TypeId};
use std::cell::Cell;
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

/// The 64 bits `value` crosses to C++ in (`detail/fiber_abi.h`, "Values"): a scalar's bytes at the
/// start, the rest zero; for a `String` or `Vec<u8>` the address of `view`, which is set
/// to a view of its bytes (valid while `value` is neither moved, changed nor dropped);
/// 0 for `()` and for Rust-only types.
#[inline]
pub(crate) fn bits_of<T: 'static>(value: &T, view: &Cell<corobridge_fiber_value>) -> u64 {
    let any: &dyn Any = value;
    let bytes: &[u8] = if let Some(text) = any.downcast_ref::<String>() {
        text.as_bytes()
    } else if let Some(bytes) = any.downcast_ref::<Vec<u8>>() {
        bytes
    } else {
        return scalar_bits(any);
    };
    view.set(corobridge_fiber_value {
        data: bytes.as_ptr().cast::<c_void>(),
        len: bytes.len(),
        kind: kind_of::<T>(),
    });
    view.as_ptr() as usize as u64
}

/// The bits of a scalar (0 for anything else).
#[inline]
fn scalar_bits(any: &dyn Any) -> u64 {
    let mut bits = [0u8; 8];
    if let Some(b) = any.downcast_ref::<bool>() {
        bits[0] = u8::from(*b);
    } else if let Some(v) = any.downcast_ref::<i32>() {
        bits[..4].copy_from_slice(&v.to_ne_bytes());
    } else if let Some(v) = any.downcast_ref::<i64>() {
        bits = v.to_ne_bytes();
    } else if let Some(v) = any.downcast_ref::<u64>() {
        bits = v.to_ne_bytes();
    } else if let Some(v) = any.downcast_ref::<f64>() {
        bits = v.to_ne_bytes();
    }
    u64::from_ne_bytes(bits)
}

/// Builds a `T` from the bits C++ handed over for a value of `T`'s kind (`None` if C++
/// cannot exchange `T`).
///
/// # Safety
///
/// The bits are of a value of `T`'s kind; for a string or byte vector, the address of a
/// valid view whose data is valid for `len` bytes (or null with `len == 0`).
#[inline]
pub(crate) unsafe fn from_bits<T: 'static>(bits: u64) -> Option<T> {
    let bytes = bits.to_ne_bytes();
    let mut slot: Option<T> = None;
    let any: &mut dyn Any = &mut slot;
    if let Some(slot) = any.downcast_mut::<Option<()>>() {
        *slot = Some(());
    } else if let Some(slot) = any.downcast_mut::<Option<bool>>() {
        *slot = Some(bytes[0] != 0);
    } else if let Some(slot) = any.downcast_mut::<Option<i32>>() {
        *slot = Some(i32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]));
    } else if let Some(slot) = any.downcast_mut::<Option<i64>>() {
        *slot = Some(i64::from_ne_bytes(bytes));
    } else if let Some(slot) = any.downcast_mut::<Option<u64>>() {
        *slot = Some(u64::from_ne_bytes(bytes));
    } else if let Some(slot) = any.downcast_mut::<Option<f64>>() {
        *slot = Some(f64::from_ne_bytes(bytes));
    } else if let Some(slot) = any.downcast_mut::<Option<String>>() {
        // SAFETY: forwarded contract: the bits are a view's address.
        let text = unsafe { view_bytes(bits) };
        *slot = Some(String::from_utf8_lossy(text).into_owned());
    } else if let Some(slot) = any.downcast_mut::<Option<Vec<u8>>>() {
        // SAFETY: as above.
        *slot = Some(unsafe { view_bytes(bits) }.to_vec());
    }
    slot
}

/// The bytes of the view at address `bits`.
///
/// # Safety
///
/// As [`from_bits`].
unsafe fn view_bytes<'a>(bits: u64) -> &'a [u8] {
    // SAFETY: forwarded contract.
    let view = unsafe { &*(bits as usize as *const corobridge_fiber_value) };
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
