// How C++ receives a value produced in Rust: the Rust representation is moved into
// storage, then converted to the C++ type the awaiter asked for.
#pragma once

#include <cstdint>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "rust/cxx.h"

namespace corobridge {

/// Customisation point: `rust_value<T>::storage` is the layout Rust writes for a C++ `T`,
/// and `take` turns it into a `T`. The primary template takes `T` as is (scalars, cxx
/// shared structs); `std::string` arrives as `rust::String`, `std::vector<std::uint8_t>`
/// as `rust::Vec<std::uint8_t>`. Specialise it for a C++ type of your own whose Rust
/// counterpart has another layout.
template <typename T, typename = void>
struct rust_value {
  using storage = T;
  static T take(storage& value) { return std::move(value); }
};

/// A Rust `()` (nothing to store).
struct rust_unit {};

template <>
struct rust_value<void> {
  using storage = rust_unit;
  static void take(storage&) noexcept {}
};

template <>
struct rust_value<std::string> {
  using storage = rust::String;
  static std::string take(storage& value) { return std::string(value); }
};

template <>
struct rust_value<std::vector<std::uint8_t>> {
  using storage = rust::Vec<std::uint8_t>;
  static std::vector<std::uint8_t> take(storage& value) {
    return std::vector<std::uint8_t>(value.begin(), value.end());
  }
};

namespace detail {

/// Storage for one Rust value and one Rust error message, filled by the Rust side.
template <typename T>
class rust_slot {
 public:
  using storage = typename rust_value<T>::storage;

  rust_slot() noexcept = default;
  rust_slot(const rust_slot&) = delete;
  rust_slot& operator=(const rust_slot&) = delete;
  ~rust_slot() { clear(); }

  void* value_address() noexcept { return &value_; }
  void* message_address() noexcept { return &message_; }

  /// Marks what the Rust side wrote (so that it is destroyed if never taken).
  void filled_value() noexcept { state_ = holds::value; }
  void filled_message() noexcept { state_ = holds::message; }

  /// Converts and destroys the stored value.
  decltype(auto) take_value() {
    storage& stored = *std::launder(reinterpret_cast<storage*>(&value_));
    struct destroy_after {
      rust_slot* slot;
      ~destroy_after() { slot->clear(); }
    } guard{this};
    return rust_value<T>::take(stored);
  }
  /// The stored message, as a std::string (the Rust String is destroyed).
  std::string take_message() {
    rust::String& stored = *std::launder(reinterpret_cast<rust::String*>(&message_));
    std::string text(stored);
    clear();
    return text;
  }

 private:
  enum class holds : unsigned char { nothing, value, message };
  void clear() noexcept {
    if (state_ == holds::value) {
      std::launder(reinterpret_cast<storage*>(&value_))->~storage();
    } else if (state_ == holds::message) {
      std::launder(reinterpret_cast<rust::String*>(&message_))->~String();
    }
    state_ = holds::nothing;
  }

  alignas(storage) unsigned char value_[sizeof(storage)];
  alignas(rust::String) unsigned char message_[sizeof(rust::String)];
  holds state_ = holds::nothing;
};

}  // namespace detail
}  // namespace corobridge
