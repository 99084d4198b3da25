//! Which Rust types C++ coroutine results can be written into, and the cxx names of the
//! task and generator types that carry them.

use crate::{CppAsyncGenerator, CppGenerator, CppTask, RustFuture, RustStream};

/// A Rust type whose value a C++ coroutine can produce (values may be produced on the
/// executor's thread and consumed on another, hence `Send`).
///
/// C++ writes the value with `corobridge::bridge_traits<T>::write`, which by default
/// moves the C++ object as is: right for scalars and for cxx shared structs, whose layout
/// is the same in both languages. `std::string` becomes `String` and
/// `std::vector<std::uint8_t>` becomes `Vec<u8>`.
///
/// # Safety
///
/// The C++ type paired with `Self` (through the task or generator alias named in
/// [`TaskAlias`]/[`GeneratorAlias`]) must write a valid `Self` at the address it is given.
pub unsafe trait BridgeValue: Sized + Send + 'static {}

/// Names the C++ alias of `corobridge::task<T>` for cxx, so that a `#[cxx::bridge]` can
/// declare `type task_x = corobridge::CppTask<X>;` and return it by value.
///
/// # Safety
///
/// `Id` must be `cxx::type_id!` of a C++ alias for `corobridge::task<C>`, where `C` is the
/// C++ type paired with `Self` (see [`BridgeValue`]).
pub unsafe trait TaskAlias: BridgeValue {
    /// `cxx::type_id!("namespace::alias")`.
    type Id;
}

/// Names the C++ alias of `corobridge::generator<T>` for cxx.
///
/// # Safety
///
/// As for [`TaskAlias`], for `corobridge::generator<C>`.
pub unsafe trait GeneratorAlias: BridgeValue {
    /// `cxx::type_id!("namespace::alias")`.
    type Id;
}

/// Names the C++ alias of `corobridge::rust_future<T>` for cxx, so that an `extern "Rust"`
/// function of a `#[cxx::bridge]` can return `type rust_future_x = corobridge::RustFuture<X>;`.
///
/// # Safety
///
/// As for [`TaskAlias`], for `corobridge::rust_future<C>` (whose `rust_value<C>::storage`
/// must have the layout of `Self`).
pub unsafe trait FutureAlias: BridgeValue {
    /// `cxx::type_id!("namespace::alias")`.
    type Id;
}

/// Names the C++ alias of `corobridge::rust_stream<T>` for cxx.
///
/// # Safety
///
/// As for [`FutureAlias`], for `corobridge::rust_stream<C>`.
pub unsafe trait StreamAlias: BridgeValue {
    /// `cxx::type_id!("namespace::alias")`.
    type Id;
}

/// Names the C++ alias of `corobridge::async_generator<T>` for cxx.
///
/// # Safety
///
/// As for [`TaskAlias`], for `corobridge::async_generator<C>`.
pub unsafe trait AsyncGeneratorAlias: BridgeValue {
    /// `cxx::type_id!("namespace::alias")`.
    type Id;
}

// SAFETY: RustFuture<T> is one pointer (repr(transparent)), as is corobridge::rust_future<C>,
// which is relocatable; the alias named by T::Id is a rust_future<C> (FutureAlias).
unsafe impl<T: FutureAlias> cxx::ExternType for RustFuture<T> {
    type Id = T::Id;
    type Kind = cxx::kind::Trivial;
}

// SAFETY: as for RustFuture, for RustStream<T> and corobridge::rust_stream<C>.
unsafe impl<T: StreamAlias> cxx::ExternType for RustStream<T> {
    type Id = T::Id;
    type Kind = cxx::kind::Trivial;
}

// SAFETY: CppAsyncGenerator<T> has the layout of corobridge::async_generator<C> (frame and
// state-word pointers, repr(C)), which is relocatable; the alias is an async_generator<C>.
unsafe impl<T: AsyncGeneratorAlias> cxx::ExternType for CppAsyncGenerator<T> {
    type Id = T::Id;
    type Kind = cxx::kind::Trivial;
}

// SAFETY: CppTask<T> has exactly the layout of corobridge::task<C> (frame and state-word
// pointers, repr(C)), and task<C> declares itself relocatable (`IsRelocatable`), so cxx may
// move it by memcpy. The alias named by T::Id is a task<C> (TaskAlias's contract).
unsafe impl<T: TaskAlias> cxx::ExternType for CppTask<T> {
    type Id = T::Id;
    type Kind = cxx::kind::Trivial;
}

// SAFETY: CppGenerator<T> has the layout of corobridge::generator<C> (one pointer to its
// promise header), which is relocatable; the alias named by T::Id is a generator<C>.
unsafe impl<T: GeneratorAlias> cxx::ExternType for CppGenerator<T> {
    type Id = T::Id;
    type Kind = cxx::kind::Trivial;
}

/// Makes a Rust type usable across the boundary as a coroutine value: one line per type.
///
/// ```ignore
/// // Rust (a cxx shared struct `Point` declared in your bridge):
/// corobridge::bridge_value!(ffi::Point, task = "app::task_point", future = "app::future_point");
/// // C++ header:
/// //   using task_point = corobridge::task<Point>;
/// //   using future_point = corobridge::rust_future<Point>;
/// // cxx bridge:
/// //   #[namespace = "app"] type task_point = corobridge::CppTask<Point>;     // C++ -> Rust
/// //   #[namespace = "app"] type future_point = corobridge::RustFuture<Point>; // Rust -> C++
/// ```
///
/// Every key is optional (`task`, `generator`, `async_generator`, `future`, `stream`);
/// give the ones you use in a bridge, in that order. `examples/mixed-app` (`src/lib.rs`) does
/// this for a struct of its own, `Reading`, and its tests await it both ways.
#[macro_export]
macro_rules! bridge_value {
    ($ty:ty $(, task = $task:literal)? $(, generator = $generator:literal)?
        $(, async_generator = $async_generator:literal)? $(, future = $future:literal)?
        $(, stream = $stream:literal)? $(,)?) => {
        // SAFETY: the invoker pairs `$ty` with a layout-compatible C++ type.
        unsafe impl $crate::BridgeValue for $ty {}
        $(
            // SAFETY: the named alias is corobridge::task of the paired C++ type.
            unsafe impl $crate::TaskAlias for $ty {
                type Id = $crate::cxx::type_id!($task);
            }
        )?
        $(
            // SAFETY: the named alias is corobridge::generator of the paired C++ type.
            unsafe impl $crate::GeneratorAlias for $ty {
                type Id = $crate::cxx::type_id!($generator);
            }
        )?
        $(
            // SAFETY: the named alias is corobridge::async_generator of the paired C++ type.
            unsafe impl $crate::AsyncGeneratorAlias for $ty {
                type Id = $crate::cxx::type_id!($async_generator);
            }
        )?
        $(
            // SAFETY: the named alias is corobridge::rust_future of the paired C++ type.
            unsafe impl $crate::FutureAlias for $ty {
                type Id = $crate::cxx::type_id!($future);
            }
        )?
        $(
            // SAFETY: the named alias is corobridge::rust_stream of the paired C++ type.
            unsafe impl $crate::StreamAlias for $ty {
                type Id = $crate::cxx::type_id!($stream);
            }
        )?
    };
}

bridge_value!(
    (),
    task = "corobridge::task_unit",
    future = "corobridge::rust_future_unit"
);
bridge_value!(
    bool,
    task = "corobridge::task_bool",
    generator = "corobridge::generator_bool",
    async_generator = "corobridge::async_generator_bool",
    future = "corobridge::rust_future_bool",
    stream = "corobridge::rust_stream_bool"
);
bridge_value!(
    i32,
    task = "corobridge::task_i32",
    generator = "corobridge::generator_i32",
    async_generator = "corobridge::async_generator_i32",
    future = "corobridge::rust_future_i32",
    stream = "corobridge::rust_stream_i32"
);
bridge_value!(
    i64,
    task = "corobridge::task_i64",
    generator = "corobridge::generator_i64",
    async_generator = "corobridge::async_generator_i64",
    future = "corobridge::rust_future_i64",
    stream = "corobridge::rust_stream_i64"
);
bridge_value!(
    u64,
    task = "corobridge::task_u64",
    generator = "corobridge::generator_u64",
    async_generator = "corobridge::async_generator_u64",
    future = "corobridge::rust_future_u64",
    stream = "corobridge::rust_stream_u64"
);
bridge_value!(
    f64,
    task = "corobridge::task_f64",
    generator = "corobridge::generator_f64",
    async_generator = "corobridge::async_generator_f64",
    future = "corobridge::rust_future_f64",
    stream = "corobridge::rust_stream_f64"
);
bridge_value!(
    String,
    task = "corobridge::task_string",
    generator = "corobridge::generator_string",
    async_generator = "corobridge::async_generator_string",
    future = "corobridge::rust_future_string",
    stream = "corobridge::rust_stream_string"
);
bridge_value!(
    Vec<u8>,
    task = "corobridge::task_bytes",
    generator = "corobridge::generator_bytes",
    async_generator = "corobridge::async_generator_bytes",
    future = "corobridge::rust_future_bytes",
    stream = "corobridge::rust_stream_bytes"
);
