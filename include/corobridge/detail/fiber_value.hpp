// How C++ values cross a fiber switch: their kind (the C ABI's COROBRIDGE_FIBER_VALUE_*)
// and 64 bits (a scalar's own bytes, or the address of a borrowed view of a string's or
// vector's bytes), and how a C++ object is built back from those bits.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "corobridge/detail/fiber_abi.h"

namespace corobridge::fiber::detail {

/// The kind of a C++ type that can cross a fiber switch (with its Rust counterpart).
template <typename T>
struct value_kind;
template <>
struct value_kind<void> {
  static constexpr std::uint32_t value = COROBRIDGE_FIBER_VALUE_UNIT;
  static constexpr const char* name = "void";
};
template <>
struct value_kind<bool> {
  static constexpr std::uint32_t value = COROBRIDGE_FIBER_VALUE_BOOL;
  static constexpr const char* name = "bool";
};
template <>
struct value_kind<std::int32_t> {
  static constexpr std::uint32_t value = COROBRIDGE_FIBER_VALUE_I32;
  static constexpr const char* name = "std::int32_t";
};
template <>
struct value_kind<std::int64_t> {
  static constexpr std::uint32_t value = COROBRIDGE_FIBER_VALUE_I64;
  static constexpr const char* name = "std::int64_t";
};
template <>
struct value_kind<std::uint64_t> {
  static constexpr std::uint32_t value = COROBRIDGE_FIBER_VALUE_U64;
  static constexpr const char* name = "std::uint64_t";
};
template <>
struct value_kind<double> {
  static constexpr std::uint32_t value = COROBRIDGE_FIBER_VALUE_F64;
  static constexpr const char* name = "double";
};
template <>
struct value_kind<std::string> {
  static constexpr std::uint32_t value = COROBRIDGE_FIBER_VALUE_STRING;
  static constexpr const char* name = "std::string";
};
template <>
struct value_kind<std::vector<std::uint8_t>> {
  static constexpr std::uint32_t value = COROBRIDGE_FIBER_VALUE_BYTES;
  static constexpr const char* name = "std::vector<std::uint8_t>";
};

/// True for the types `yield` can exchange.
template <typename T>
concept fiber_value = requires { value_kind<T>::value; };

/// The name of a kind, for error messages (C++ spelling / Rust spelling).
inline const char* kind_name(std::uint32_t kind) noexcept {
  switch (kind) {
    case COROBRIDGE_FIBER_VALUE_UNIT: return "void / ()";
    case COROBRIDGE_FIBER_VALUE_BOOL: return "bool";
    case COROBRIDGE_FIBER_VALUE_I32: return "std::int32_t / i32";
    case COROBRIDGE_FIBER_VALUE_I64: return "std::int64_t / i64";
    case COROBRIDGE_FIBER_VALUE_U64: return "std::uint64_t / u64";
    case COROBRIDGE_FIBER_VALUE_F64: return "double / f64";
    case COROBRIDGE_FIBER_VALUE_STRING: return "std::string / String";
    case COROBRIDGE_FIBER_VALUE_BYTES: return "std::vector<std::uint8_t> / Vec<u8>";
    default: return "a Rust-only type";
  }
}

/// True for the kinds that cross a switch in their own bits (not through a view).
template <typename T>
inline constexpr bool is_scalar_value =
    std::is_same_v<T, bool> || std::is_same_v<T, std::int32_t> ||
    std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint64_t> ||
    std::is_same_v<T, double>;

/// The 64 bits a scalar crosses a switch in: its bytes at the start, the rest zero.
template <typename T>
  requires is_scalar_value<T>
std::uint64_t bits_of(const T& value) noexcept {
  static_assert(sizeof(T) <= sizeof(std::uint64_t));
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(T));
  return bits;
}

/// The bits that carry the address of a view.
inline std::uint64_t address_bits(const corobridge_fiber_value* view) noexcept {
  return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(view));
}

/// A view of a string's or byte vector's bytes (valid while `value` lives, unchanged).
template <typename T>
  requires(!is_scalar_value<T>)
corobridge_fiber_value view_of(const T& value) noexcept {
  return corobridge_fiber_value{value.data(), value.size(), value_kind<T>::value};
}

/// Builds a T from bits of T's kind (a copy: a view they point to is only borrowed).
template <typename T>
T from_bits(std::uint64_t bits) {
  if constexpr (std::is_same_v<T, bool>) {
    std::uint8_t byte = 0;
    std::memcpy(&byte, &bits, 1);
    return byte != 0;
  } else if constexpr (is_scalar_value<T>) {
    T scalar{};
    std::memcpy(&scalar, &bits, sizeof(T));
    return scalar;
  } else {
    const auto* view =
        reinterpret_cast<const corobridge_fiber_value*>(static_cast<std::uintptr_t>(bits));
    if constexpr (std::is_same_v<T, std::string>) {
      return T(static_cast<const char*>(view->data), view->len);
    } else {
      const auto* bytes = static_cast<const std::uint8_t*>(view->data);
      return T(bytes, bytes + view->len);
    }
  }
}

}  // namespace corobridge::fiber::detail
