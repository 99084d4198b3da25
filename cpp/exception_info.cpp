// Turning C++ exceptions into (type name, what()) pairs for Rust.
#include "corobridge/detail/exception_info.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <typeinfo>

namespace corobridge::detail {
namespace {

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(mangled);
}

void record(corobridge_error_sink* sink, const std::string& type_name, const char* what) {
  if (sink == nullptr) return;
  corobridge_rs_error_sink_set(sink, type_name.data(), type_name.size(), what, std::strlen(what));
}

}  // namespace

void describe_current_exception(corobridge_error_sink* sink) noexcept {
  try {
    const std::type_info* type = abi::__cxa_current_exception_type();
    std::string type_name = type != nullptr ? demangle(type->name()) : std::string("unknown");
    try {
      throw;
    } catch (const std::exception& e) {
      record(sink, type_name, e.what());
    } catch (...) {
      record(sink, type_name, "(not derived from std::exception)");
    }
  } catch (...) {
    // Describing failed (out of memory): leave the sink as it is.
  }
}

void describe_exception(const std::exception_ptr& error, corobridge_error_sink* sink) noexcept {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (...) {
    describe_current_exception(sink);
  }
}

}  // namespace corobridge::detail
