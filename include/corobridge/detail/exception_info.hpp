// Describing a C++ exception to Rust: its (demangled) type name and what().
#pragma once

#include <exception>

#include "corobridge/detail/abi.h"

namespace corobridge::detail {

/// Describes the exception currently being handled; call it inside a `catch` block.
/// A null sink is allowed (nothing is recorded).
void describe_current_exception(corobridge_error_sink* sink) noexcept;

/// Describes a stored exception (nothing happens if `error` is null).
void describe_exception(const std::exception_ptr& error, corobridge_error_sink* sink) noexcept;

}  // namespace corobridge::detail
