// Exceptions that Rust raises in C++: a future's Err, and a panic.
#pragma once

#include "corobridge/detail/config.hpp"  // first: stops a non-C++20 build with one message

#include <stdexcept>
#include <string>

namespace corobridge {

/// A Rust future or stream produced `Err(e)`; `what()` is `e.to_string()`.
class rust_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Rust code panicked while C++ awaited it; `what()` is the panic message. The panic was
/// caught at the language boundary: it never unwinds through C++ frames or aborts.
class rust_panic : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace corobridge
