//! The `corobridge_rs_*` functions that C++ calls (declared in
//! `include/corobridge/detail/abi.h` and `fiber_abi.h`), implemented on top of the
//! executor and the fibers: the crate's highest layer. Nothing in the crate calls into
//! it; each function is checked against its bindgen declaration in `crate::ffi`.

mod executor;
mod fiber;
