/*
 * corobridge-lab/fiber_seed.h: the seed's stackful example (seed/coroutine.md, "Stackful
 * Coroutines") as C++ that runs inside a corobridge fiber.
 *
 * The function suspends the fiber it runs in, so Rust calls it through `extern "C-unwind"`
 * (bindgen: lab/src/fiber_seed_abi.rs, committed): dropping the fiber mid-way unwinds its
 * C++ frames. Implemented in lab/cpp/fiber_seed.cpp.
 */
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The seed's stackful example ------------------------------------------------------ */

/** What the seed's coroutine_function observed. */
typedef struct corobridge_seed_stackful_report {
  int32_t local_var;    /* local_var, read after both yields (42) */
  int32_t array_intact; /* 1 if local_array[1024] kept its contents across the yields */
  int32_t yields;       /* yields made (one in deep_function_call, one in coroutine_function) */
  char message[64];     /* "local_var is still 42" */
} corobridge_seed_stackful_report;

/**
 * The seed's `void coroutine_function(void* arg)`: keeps `int local_var = 42` and a 1 KiB
 * local array, calls deep_function_call() (which yields from an ordinary C++ call), yields
 * itself, then writes "local_var is still 42" into the report `arg` points to.
 */
void corobridge_seed_coroutine_function(void *arg);

#ifdef __cplusplus
}
#endif
