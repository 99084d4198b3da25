#[cxx::bridge(namespace = "corobridge::game")]
mod ffi {}
