// How a C++ value is handed to Rust: written into an uninitialised Rust slot in the
// layout of the Rust type it corresponds to.
#pragma once

#include <cstdint>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "corobridge/detail/abi.h"

namespace corobridge {

/// Customisation point: `bridge_traits<T>::write(out, value)` constructs the Rust
/// representation of `value` at `out`. The primary template moves `T` as is, which is
/// right for scalars and for cxx shared structs (identical layout on both sides).
/// Specialise it for a C++ type whose Rust counterpart has a different layout.
template <typename T, typename = void>
struct bridge_traits {
  static void write(void* out, T&& value) noexcept(std::is_nothrow_move_constructible_v<T>) {
    ::new (out) T(std::move(value));
  }
};

/// `std::string` crosses as a Rust `String` (invalid UTF-8 is replaced, never rejected).
template <>
struct bridge_traits<std::string> {
  static void write(void* out, std::string&& value) noexcept {
    corobridge_rs_string_write(out, value.data(), value.size());
  }
};

/// `std::vector<std::uint8_t>` crosses as a Rust `Vec<u8>`.
template <>
struct bridge_traits<std::vector<std::uint8_t>> {
  static void write(void* out, std::vector<std::uint8_t>&& value) noexcept {
    corobridge_rs_bytes_write(out, value.data(), value.size());
  }
};

}  // namespace corobridge
