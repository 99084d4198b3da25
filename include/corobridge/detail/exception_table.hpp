// Where task exceptions wait to be rethrown. A task's promise is a single state word, so
// the (rare) exception is kept on the side, keyed by the address of that word.
#pragma once

#include <exception>

namespace corobridge::detail::exception_table {

/// Stores the exception of the task whose state word is at `key`.
void put(const void* key, std::exception_ptr error) noexcept;
/// The stored exception (std::bad_alloc if it could not be stored).
std::exception_ptr get(const void* key) noexcept;
/// Forgets the exception (when the task's frame is destroyed).
void erase(const void* key) noexcept;

}  // namespace corobridge::detail::exception_table
