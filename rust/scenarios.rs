//! placeholder
#[cxx::bridge(namespace = "corobridge::scenarios")]
mod ffi {}
