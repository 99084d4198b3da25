//! Which Rust types C++ coroutine results can be written into, and the cxx names of the
//! task and generator types that carry them.

use crate::{CppGenerator, CppTask};

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

/// Makes a Rust type usable as a C++ coroutine result: one line per type.
///
/// ```ignore
/// // Rust (a cxx shared struct `Point` from your bridge):
/// corobridge::bridge_value!(ffi::Point, task = "app::task_point", generator = "app::points");
/// // C++ header:
/// //   using task_point = corobridge::task<Point>;  using points = corobridge::generator<Point>;
/// // cxx bridge:
/// //   type task_point = corobridge::CppTask<Point>;
/// //   fn make_point() -> task_point;
/// ```
///
/// Both `task` and `generator` are optional; give the ones you declare in a bridge.
#[macro_export]
macro_rules! bridge_value {
    ($ty:ty $(, task = $task:literal)? $(, generator = $generator:literal)? $(,)?) => {
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
    };
}

bridge_value!((), task = "corobridge::task_unit");
bridge_value!(
    bool,
    task = "corobridge::task_bool",
    generator = "corobridge::generator_bool"
);
bridge_value!(
    i32,
    task = "corobridge::task_i32",
    generator = "corobridge::generator_i32"
);
bridge_value!(
    i64,
    task = "corobridge::task_i64",
    generator = "corobridge::generator_i64"
);
bridge_value!(
    u64,
    task = "corobridge::task_u64",
    generator = "corobridge::generator_u64"
);
bridge_value!(
    f64,
    task = "corobridge::task_f64",
    generator = "corobridge::generator_f64"
);
bridge_value!(
    String,
    task = "corobridge::task_string",
    generator = "corobridge::generator_string"
);
bridge_value!(
    Vec<u8>,
    task = "corobridge::task_bytes",
    generator = "corobridge::generator_bytes"
);
