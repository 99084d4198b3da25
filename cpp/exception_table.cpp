// The side table of task exceptions (see exception_table.hpp).
#include "corobridge/detail/exception_table.hpp"

#include <mutex>
#include <new>
#include <unordered_map>
#include <utility>

namespace corobridge::detail::exception_table {
namespace {

struct table {
  std::mutex mutex;
  std::unordered_map<const void*, std::exception_ptr> entries;
};

table& instance() {
  static table t;
  return t;
}

}  // namespace

void put(const void* key, std::exception_ptr error) noexcept {
  try {
    table& t = instance();
    std::lock_guard lock(t.mutex);
    t.entries.insert_or_assign(key, std::move(error));
  } catch (...) {
    // Out of memory: get() reports std::bad_alloc for this task instead.
  }
}

std::exception_ptr get(const void* key) noexcept {
  table& t = instance();
  std::lock_guard lock(t.mutex);
  const auto it = t.entries.find(key);
  if (it != t.entries.end()) return it->second;
  return std::make_exception_ptr(std::bad_alloc());
}

void erase(const void* key) noexcept {
  table& t = instance();
  std::lock_guard lock(t.mutex);
  t.entries.erase(key);
}

}  // namespace corobridge::detail::exception_table
