//! Stack overflow in a fiber: a clear diagnostic instead of silent corruption.
//!
//! Every fiber stack has a guard page below it (and C++ is compiled with
//! `-fstack-clash-protection`, Rust probes its large frames, so a deep call touches the
//! guard page instead of jumping over it). Touching it raises SIGSEGV (or SIGBUS). A
//! handler running on an alternate signal stack checks whether the faulting address is in
//! the guard page of the fiber running on this thread; if so it prints which limit was hit
//! and how to raise it, then aborts. Any other fault goes to the handler that was there
//! before (Rust's own stack-overflow report for threads, or the default action).

use std::cell::{Cell, RefCell};
use std::ffi::{c_int, c_void};
use std::fmt::Write as _;
use std::ptr;
use std::sync::Once;

use super::current;

/// Installs the handler (once per process) and makes sure this thread has an alternate
/// signal stack (once per thread). Called when a fiber is created.
pub(crate) fn prepare_thread() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(install);
    if !ALT_CHECKED.with(Cell::get) {
        ALT_CHECKED.with(|c| c.set(true));
        ensure_altstack();
    }
}

thread_local! {
    static ALT_CHECKED: Cell<bool> = const { Cell::new(false) };
    static ALT_STACK: RefCell<Option<AltStack>> = const { RefCell::new(None) };
}

/// The previous SIGSEGV and SIGBUS handlers, written once by `install`.
struct Previous(std::cell::UnsafeCell<[libc::sigaction; 2]>);

// SAFETY: written only inside `install` (under a `Once`, before the new handlers can
// run for a fiber), read only by the signal handler afterwards.
unsafe impl Sync for Previous {}

static PREVIOUS: Previous = Previous(std::cell::UnsafeCell::new(
    // SAFETY: an all-zero sigaction is a valid "default action" record.
    unsafe { std::mem::zeroed() },
));

fn slot(signal: c_int) -> usize {
    usize::from(signal == libc::SIGBUS)
}

fn install() {
    for signal in [libc::SIGSEGV, libc::SIGBUS] {
        // SAFETY: a zeroed sigaction filled with our handler; the old one is written to
        // PREVIOUS, which nothing reads before a fault in a fiber.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_fault as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&raw mut action.sa_mask);
            let previous = PREVIOUS.0.get().cast::<libc::sigaction>().add(slot(signal));
            libc::sigaction(signal, &raw const action, previous);
        }
    }
}

/// An alternate signal stack this module mapped for a thread that had none.
struct AltStack {
    base: *mut c_void,
    len: usize,
}

impl Drop for AltStack {
    fn drop(&mut self) {
        // SAFETY: disables the alternate stack of this thread (the one we installed) and
        // unmaps it; the thread is exiting, no handler runs on it now.
        unsafe {
            let mut disable: libc::stack_t = std::mem::zeroed();
            disable.ss_flags = libc::SS_DISABLE;
            libc::sigaltstack(&raw const disable, ptr::null_mut());
            libc::munmap(self.base, self.len);
        }
    }
}

fn ensure_altstack() {
    // SAFETY: queries this thread's alternate stack.
    let mut current: libc::stack_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::sigaltstack(ptr::null(), &raw mut current) } != 0 {
        return;
    }
    if current.ss_flags & libc::SS_DISABLE == 0 {
        return; // Rust's runtime (or someone else) already gave this thread one.
    }
    let len = 64 * 1024;
    // SAFETY: a plain anonymous mapping.
    let base = unsafe {
        libc::mmap(
            ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return;
    }
    let stack = libc::stack_t {
        ss_sp: base,
        ss_flags: 0,
        ss_size: len,
    };
    // SAFETY: installs the mapping above as this thread's alternate stack; it stays
    // mapped until the thread exits (AltStack's drop).
    if unsafe { libc::sigaltstack(&raw const stack, ptr::null_mut()) } == 0 {
        ALT_STACK.with(|s| *s.borrow_mut() = Some(AltStack { base, len }));
    } else {
        // SAFETY: not installed: ours to unmap.
        unsafe { libc::munmap(base, len) };
    }
}

extern "C" fn on_fault(signal: c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    // SAFETY: the kernel passes a valid siginfo for SIGSEGV/SIGBUS.
    let address = unsafe { (*info).si_addr() } as usize;
    // SAFETY: the running fiber's header lives as long as the fiber, which is running.
    if let Some(header) = unsafe { current::current_ptr().as_ref() } {
        let stack = header.stack;
        if (stack.guard_start..stack.guard_end).contains(&address) {
            report(stack.usable, address);
        }
    }
    // SAFETY: forwards to the handler that was installed before ours, as it expects.
    unsafe { chain(signal, info, context) };
}

/// Prints the diagnostic and aborts. Async-signal-safe: formats into a buffer on the
/// (alternate) stack and writes it with write(2).
fn report(usable: usize, address: usize) -> ! {
    let mut message = Buffer::default();
    let _ = write!(
        message,
        "\ncorobridge: fiber stack overflow: the fiber running on this thread used up its \
         {} KiB stack (guard page hit at {address:#x}).\ncorobridge: give it a bigger \
         stack: Fiber::builder().stack_size(bytes) (default {} KiB), or take it from a \
         StackPool of larger stacks.\n",
        usable / 1024,
        super::DEFAULT_STACK_SIZE / 1024,
    );
    // SAFETY: write(2) and abort(3) are async-signal-safe.
    unsafe {
        libc::write(2, message.bytes.as_ptr().cast(), message.len);
        libc::abort();
    }
}

/// # Safety
///
/// Called from the signal handler with the arguments it received.
unsafe fn chain(signal: c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    // SAFETY: written once by `install` before our handler was installed.
    let previous = unsafe { *PREVIOUS.0.get().cast::<libc::sigaction>().add(slot(signal)) };
    let handler = previous.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // Back to the default action: returning re-executes the faulting access, which
        // then stops the process as it would have without us.
        // SAFETY: installs the default disposition.
        unsafe {
            let mut default: libc::sigaction = std::mem::zeroed();
            default.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(signal, &raw const default, ptr::null_mut());
        }
    } else if previous.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: an SA_SIGINFO handler has this signature.
        let handler: extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) =
            unsafe { std::mem::transmute(handler) };
        handler(signal, info, context);
    } else {
        // SAFETY: a plain handler has this signature.
        let handler: extern "C" fn(c_int) = unsafe { std::mem::transmute(handler) };
        handler(signal);
    }
}

/// A fixed buffer for the message (no allocation in a signal handler).
struct Buffer {
    bytes: [u8; 512],
    len: usize,
}

impl Default for Buffer {
    fn default() -> Self {
        Self {
            bytes: [0; 512],
            len: 0,
        }
    }
}

impl std::fmt::Write for Buffer {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let room = self.bytes.len() - self.len;
        let n = s.len().min(room);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}
