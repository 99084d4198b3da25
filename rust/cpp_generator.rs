//! Rust iterates a C++ `corobridge::generator<T>`.

use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use crate::error::ErrorSink;
use crate::ffi::abi::{COROBRIDGE_GEN_ERROR, COROBRIDGE_GEN_VALUE};
use crate::ffi::{self, GeneratorHeader};
use crate::{BridgeValue, Error};

/// A C++ `corobridge::generator<T>` that crossed into Rust: an [`Iterator`] of
/// `Result<T, Error>`. An exception thrown by the body ends the sequence with one `Err`
/// item. Dropping it destroys the suspended body (its locals' destructors run).
///
/// Like [`CppTask`](crate::CppTask), it has the C++ object's layout: a `#[cxx::bridge]`
/// returns it by value as `type generator_u64 = corobridge::CppGenerator<u64>;`.
///
/// ```
/// // C++: corobridge::generator<std::string> words() { co_yield "alpha"; ... }
/// // (the C++ side of this example is one of the test suite's scenarios)
/// use corobridge_testkit::scenarios::words;
///
/// let all: Vec<String> = words().map(Result::unwrap).collect();
/// assert_eq!(all, ["alpha", "beta", "gamma"]);
/// ```
#[repr(transparent)]
pub struct CppGenerator<T: BridgeValue> {
    header: Option<NonNull<GeneratorHeader>>,
    _value: PhantomData<fn() -> T>,
}

// SAFETY: a generator body runs synchronously inside `next`, on the calling thread; it
// holds no registration with any driver, so moving it between threads is sound as long as
// the body itself does not depend on thread identity (documented for C++ authors).
unsafe impl<T: BridgeValue + Send> Send for CppGenerator<T> {}

impl<T: BridgeValue> CppGenerator<T> {
    /// True once the sequence has ended (or for a moved-from C++ generator).
    pub fn is_finished(&self) -> bool {
        self.header.is_none()
    }

    fn close(&mut self) {
        if let Some(header) = self.header.take() {
            // SAFETY: we own the suspended generator frame.
            unsafe { ffi::destroy((*header.as_ptr()).frame) };
        }
    }
}

impl<T: BridgeValue> Iterator for CppGenerator<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let header = self.header?;
        let mut out = MaybeUninit::<T>::uninit();
        let mut sink = ErrorSink::default();
        // SAFETY: we own the frame; `next` is set by every corobridge generator promise and
        // writes a valid T into `out` exactly when it returns GEN_VALUE.
        let status = unsafe {
            let next = (*header.as_ptr())
                .next
                .expect("corobridge generators set next");
            next(header.as_ptr(), out.as_mut_ptr().cast(), sink.as_abi())
        };
        match u32::from(status) {
            // SAFETY: GEN_VALUE means `out` was initialised.
            COROBRIDGE_GEN_VALUE => Some(Ok(unsafe { out.assume_init() })),
            COROBRIDGE_GEN_ERROR => {
                self.close();
                Some(Err(Error::Cpp(sink.into_exception())))
            }
            _ => {
                self.close();
                None
            }
        }
    }
}

impl<T: BridgeValue> std::iter::FusedIterator for CppGenerator<T> {}

impl<T: BridgeValue> Drop for CppGenerator<T> {
    fn drop(&mut self) {
        self.close();
    }
}

impl<T: BridgeValue> std::fmt::Debug for CppGenerator<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CppGenerator")
            .field("type", &std::any::type_name::<T>())
            .field("finished", &self.is_finished())
            .finish()
    }
}
