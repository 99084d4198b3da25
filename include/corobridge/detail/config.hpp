// Stops a translation unit that is not compiled as C++20 with coroutines, with one message
// saying what to do, before any header could fail in a less helpful way. Every public
// corobridge header includes this first.
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L || !defined(__cpp_impl_coroutine)
#error "corobridge needs C++20 coroutines: compile this file as C++20 (-std=c++20; CMake: CXX_STANDARD 20; the cc crate: .std(c++20))"
// Nothing after the message could compile: stop here instead of listing every failure.
#include "corobridge/detail/compile-as-c++20-or-later"
#endif
