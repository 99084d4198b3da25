// How C++ values cross a fiber switch: their kind (the C ABI's COROBRIDGE_FIBER_VALUE_*),
// a borrowed view of them, and how a C++ object is built back from a view.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "corobridge/fiber.h"

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

/// A view of `value` (valid while `value` lives).
template <typename T>
corobridge_fiber_value view_of(const T& value) noexcept {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<std::uint8_t>>) {
    return corobridge_fiber_value{value.data(), value.size(), value_kind<T>::value};
  } else {
    return corobridge_fiber_value{&value, sizeof(T), value_kind<T>::value};
  }
}
inline corobridge_fiber_value unit_view() noexcept {
  return corobridge_fiber_value{nullptr, 0, COROBRIDGE_FIBER_VALUE_UNIT};
}

/// Builds a T from a view of the same kind (a copy: the view is only borrowed).
template <typename T>
T from_view(const corobridge_fiber_value& value) {
  if constexpr (std::is_same_v<T, std::string>) {
    return T(static_cast<const char*>(value.data), value.len);
  } else if constexpr (std::is_same_v<T, std::vector<std::uint8_t>>) {
    const auto* bytes = static_cast<const std::uint8_t*>(value.data);
    return T(bytes, bytes + value.len);
  } else if constexpr (std::is_same_v<T, bool>) {
    std::uint8_t byte = 0;
    std::memcpy(&byte, value.data, 1);
    return byte != 0;
  } else {
    T scalar{};
    std::memcpy(&scalar, value.data, sizeof(T));
    return scalar;
  }
}

}  // namespace corobridge::fiber::detail
