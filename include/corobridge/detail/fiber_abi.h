/*
 * corobridge/detail/fiber_abi.h: the plain C ABI of corobridge's stackful fibers (Rust
 * `corobridge::Fiber`, C++ `corobridge::fiber::yield`/`await`/`sleep_for` in
 * corobridge/fiber.hpp).
 *
 * Functions named corobridge_rs_fiber_* are implemented in Rust and called from C++;
 * functions named corobridge_cpp_* are implemented in C++ and called from Rust.
 * Every function a fiber's stack can be unwound through (a yield or wait made from C++,
 * the C++ frame at the base of every fiber, and the body callback) is declared
 * `extern "C-unwind"` on the Rust side: bindgen generates rust/ffi/fiber_abi.rs with that
 * ABI for the names matched by tools/bindings, and the file is committed
 * (`cargo run -p corobridge-bindings -- --bless` regenerates it; without --bless the
 * check fails if it drifted). On the C++ side none of them is noexcept.
 *
 * Application code includes corobridge/fiber.hpp instead of this header.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "corobridge/detail/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Values ---------------------------------------------------------------------------
 *
 * A value crossing a fiber switch travels as its kind and 64 bits, passed in registers:
 * for a scalar (bool, int32_t, int64_t, uint64_t, double) its bytes, copied (memcpy) to the
 * start of a uint64_t, the rest zero; for a string or byte vector the address of a
 * corobridge_fiber_value view of its bytes; for unit 0. The receiving side copies what it
 * needs before the owner of a view moves on, so a view never outlives the call it is
 * passed to.
 */

#define COROBRIDGE_FIBER_VALUE_UNIT 0u   /* ()        / void                       */
#define COROBRIDGE_FIBER_VALUE_BOOL 1u   /* bool      / bool                       */
#define COROBRIDGE_FIBER_VALUE_I32 2u    /* i32       / std::int32_t               */
#define COROBRIDGE_FIBER_VALUE_I64 3u    /* i64       / std::int64_t               */
#define COROBRIDGE_FIBER_VALUE_U64 4u    /* u64       / std::uint64_t              */
#define COROBRIDGE_FIBER_VALUE_F64 5u    /* f64       / double                     */
#define COROBRIDGE_FIBER_VALUE_STRING 6u /* String    / std::string (UTF-8, lossy) */
#define COROBRIDGE_FIBER_VALUE_BYTES 7u  /* Vec<u8>   / std::vector<std::uint8_t>  */
#define COROBRIDGE_FIBER_VALUE_RUST 8u   /* a Rust type C++ cannot exchange        */

/** A borrowed view of one value. */
typedef struct corobridge_fiber_value {
  const void *data; /* the scalar, or the first byte of the string / vector (may be NULL) */
  size_t len;       /* size of the scalar, or number of bytes */
  uint32_t kind;    /* COROBRIDGE_FIBER_VALUE_* */
} corobridge_fiber_value;

/** What a yield made from C++ gets back: a status and, on COROBRIDGE_FIBER_OK, the resume
 * input's 64 bits (see "Values"). 16 bytes, so returned in registers. */
typedef struct corobridge_fiber_resumed {
  int32_t status; /* COROBRIDGE_FIBER_OK or an error (see corobridge_rs_fiber_yield) */
  uint64_t input; /* the resume input's bits, valid on COROBRIDGE_FIBER_OK */
} corobridge_fiber_resumed;

/** The value kinds of the running fiber's resume input, yielded value and return value. */
typedef struct corobridge_fiber_kinds {
  uint32_t input;
  uint32_t yielded;
  uint32_t returned;
} corobridge_fiber_kinds;

/* ---- Status codes ---------------------------------------------------------------------- */

#define COROBRIDGE_FIBER_OK 0
#define COROBRIDGE_FIBER_NOT_IN_FIBER 1 /* called outside any fiber */
#define COROBRIDGE_FIBER_YIELD_TYPE 2   /* the yielded value's kind is not the fiber's */
#define COROBRIDGE_FIBER_RESUME_TYPE 3  /* the requested resume kind is not the fiber's */
#define COROBRIDGE_FIBER_UNWIND 4       /* the fiber is being destroyed: unwind (forced_unwind) */
#define COROBRIDGE_FIBER_NOT_POLLED 5   /* a wait in a fiber driven by resume(), not polled */
#define COROBRIDGE_FIBER_NO_EXECUTOR 6  /* a timer wait without a corobridge executor */
#define COROBRIDGE_FIBER_CPP_EXCEPTION 7 /* a C++ exception was described into the sink */
#define COROBRIDGE_FIBER_EXECUTOR_GONE 8 /* the executor driving an awaited task was dropped */

/* ---- Opaque Rust objects --------------------------------------------------------------- */

/** A fiber (Rust). Only valid on the thread running it, while it exists. */
typedef struct corobridge_fiber corobridge_fiber;

/** The body of a fiber, run by corobridge_cpp_fiber_run on the fiber's own stack. */
typedef void (*corobridge_fiber_body_fn)(void *context);

/* ---- Implemented in Rust ----------------------------------------------------------------- */

/** The fiber running on this thread, or NULL. */
corobridge_fiber *corobridge_rs_fiber_current(void);
/** The value kinds of the running fiber: 0, or COROBRIDGE_FIBER_NOT_IN_FIBER. */
int corobridge_rs_fiber_kinds(corobridge_fiber_kinds *out);
/**
 * Suspends the running fiber, handing the value of `yielded_kind` whose bits are `yielded`
 * to whoever resumed it, and returns the resume input of `resume_kind`. Nothing is copied
 * on the way: the resumer converts the bits to its Rust type while the fiber is suspended,
 * so a view they point to (strings, byte vectors) and its bytes must stay alive and
 * unchanged until this call returns. A view the returned bits point to is valid until the
 * fiber next suspends or returns: copy it out first. Both kinds are checked before
 * anything happens. The status is OK, or NOT_IN_FIBER / YIELD_TYPE / RESUME_TYPE (nothing
 * happened) or UNWIND (the fiber is being destroyed: throw corobridge::fiber::forced_unwind
 * and let it reach the fiber's base).
 */
corobridge_fiber_resumed corobridge_rs_fiber_yield(uint32_t yielded_kind, uint64_t yielded,
                                                   uint32_t resume_kind);
/**
 * Suspends only the running fiber for `ns` nanoseconds on the clock of the corobridge
 * executor polling it (the clock of GameTimer). Returns OK, NOT_IN_FIBER, NOT_POLLED,
 * NO_EXECUTOR or UNWIND.
 */
int corobridge_rs_fiber_sleep(int64_t ns);
/**
 * Runs an unstarted C++ task<void> to completion from inside the running fiber, suspending
 * only the fiber while it waits. The task is owned (and destroyed) by Rust in every case.
 * Returns OK (the task finished; an exception it threw is described into `sink` and the
 * result is CPP_EXCEPTION), NOT_IN_FIBER, NOT_POLLED, EXECUTOR_GONE or UNWIND.
 */
int corobridge_rs_fiber_await_task(corobridge_task task, corobridge_error_sink *sink);
/**
 * Called by the destructor of a corobridge::fiber::forced_unwind that no fiber base
 * received: a C++ `catch (...)` swallowed the unwinding of the fiber being destroyed.
 */
void corobridge_rs_fiber_unwind_swallowed(corobridge_fiber *fiber);

/* ---- Implemented in C++ ------------------------------------------------------------------ */

/**
 * The base frame of every fiber: calls `body(context)`, catching what must not reach
 * Rust's frames as a foreign exception. Returns OK, UNWIND (a forced_unwind arrived: the
 * fiber is being destroyed) or CPP_EXCEPTION (a C++ exception escaped the body; it was
 * described into `sink`). A Rust panic passes through unchanged.
 */
int corobridge_cpp_fiber_run(corobridge_fiber_body_fn body, void *context,
                             corobridge_error_sink *sink);

/** The first two fields of the C++ runtime's per-thread exception state
 * (`__cxa_get_globals()`: the caught-exception stack and std::uncaught_exceptions()). */
typedef struct corobridge_eh_globals {
  void *caught_exceptions;
  unsigned int uncaught_exceptions;
} corobridge_eh_globals;

/** This thread's C++ exception state (its address never changes for a thread). */
corobridge_eh_globals *corobridge_cpp_eh_globals(void);

#ifdef __cplusplus
}
#endif
