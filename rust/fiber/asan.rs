//! Telling AddressSanitizer about every fiber switch (the `COROBRIDGE_SANITIZE=address`
//! build mode only; in every other build these are empty inline functions).
//!
//! ASan tracks which stack the running code is on. A fiber switch moves the stack pointer
//! to memory ASan does not know as a stack, so the first C++ exception thrown there
//! (`__asan_handle_no_return` unpoisons "the stack" from the stack pointer up to the
//! thread's stack top) reports a false `stack-buffer-underflow`. The sanitizer's fiber API
//! fixes that: `__sanitizer_start_switch_fiber(save, bottom, size)` right before a switch
//! names the stack being switched to (and saves the leaving side's fake stack, or with a
//! null `save` destroys it when that side never runs again), and
//! `__sanitizer_finish_switch_fiber(saved, &bottom, &size)` right after the switch, on the
//! arriving side, restores its fake stack and reports the stack it came from.
//!
//! Per fiber that makes five points, each one call:
//!
//! | where | side | call |
//! |---|---|---|
//! | before a resume ([`AsanSwitch::entering`]) | resumer | start: to the fiber's stack |
//! | the fiber arrives (first start, or a suspend returns: [`Arrival`]) | fiber | finish: learns the resumer's stack |
//! | the fiber suspends ([`AsanSwitch::leaving`]) | fiber | start: to the resumer's stack |
//! | the fiber's body is over ([`LastSwitchOut`]) | fiber | start with no save: its fake stack dies |
//! | the resume returns ([`AsanSwitch::returned`]) | resumer | finish |

#[cfg(corobridge_asan)]
mod imp {
    use std::cell::Cell;
    use std::ffi::c_void;
    use std::ptr;

    unsafe extern "C" {
        fn __sanitizer_start_switch_fiber(
            fake_stack_save: *mut *mut c_void,
            bottom: *const c_void,
            size: usize,
        );
        fn __sanitizer_finish_switch_fiber(
            fake_stack_save: *mut c_void,
            bottom_old: *mut *const c_void,
            size_old: *mut usize,
        );
    }

    /// One fiber's switch bookkeeping: its stack, the stack of whoever resumed it, and the
    /// fake stacks each side keeps while the other runs.
    #[derive(Debug)]
    pub(crate) struct AsanSwitch {
        stack_bottom: usize,
        stack_size: usize,
        resumer_bottom: Cell<*const c_void>,
        resumer_size: Cell<usize>,
        fiber_fake: Cell<*mut c_void>,
        resumer_fake: Cell<*mut c_void>,
    }

    impl AsanSwitch {
        /// For a fiber whose usable stack is `size` bytes from `bottom` up.
        pub(crate) fn new(bottom: usize, size: usize) -> Self {
            Self {
                stack_bottom: bottom,
                stack_size: size,
                resumer_bottom: Cell::new(ptr::null()),
                resumer_size: Cell::new(0),
                fiber_fake: Cell::new(ptr::null_mut()),
                resumer_fake: Cell::new(ptr::null_mut()),
            }
        }

        /// The resumer, right before it switches into the fiber.
        pub(crate) fn entering(&self) {
            let mut save = ptr::null_mut();
            // SAFETY: the sanitizer's documented protocol; the bounds are the fiber's
            // usable stack, which stays mapped while the fiber exists.
            unsafe {
                __sanitizer_start_switch_fiber(
                    &raw mut save,
                    self.stack_bottom as *const c_void,
                    self.stack_size,
                );
            }
            self.resumer_fake.set(save);
        }

        /// The resumer, right after the fiber switched back to it.
        pub(crate) fn returned(&self) {
            // SAFETY: pairs with the start in `entering` (or the fiber's `leaving`), on the
            // resumer's stack; the fake stack handle is the one that start saved.
            unsafe {
                __sanitizer_finish_switch_fiber(
                    self.resumer_fake.get(),
                    ptr::null_mut(),
                    ptr::null_mut(),
                );
            }
        }

        /// The fiber, right after a switch into it: learns the resumer's stack.
        fn arrived(&self) {
            let mut bottom = ptr::null();
            let mut size = 0;
            // SAFETY: pairs with the resumer's start in `entering`, on the fiber's stack.
            unsafe {
                __sanitizer_finish_switch_fiber(
                    self.fiber_fake.get(),
                    &raw mut bottom,
                    &raw mut size,
                );
            }
            self.resumer_bottom.set(bottom);
            self.resumer_size.set(size);
        }

        /// The fiber, right before it suspends (switches back to its resumer).
        pub(crate) fn leaving(&self) {
            let mut save = ptr::null_mut();
            // SAFETY: the resumer's stack bounds as the sanitizer reported them when the
            // fiber arrived; that stack is suspended in the resume, so it is still there.
            unsafe {
                __sanitizer_start_switch_fiber(
                    &raw mut save,
                    self.resumer_bottom.get(),
                    self.resumer_size.get(),
                );
            }
            self.fiber_fake.set(save);
        }

        /// The fiber, as its body ends: its last switch out.
        fn leaving_for_good(&self) {
            // SAFETY: as in `leaving`; a null save tells the sanitizer that this stack's
            // fake frames die now (the fiber never runs again).
            unsafe {
                __sanitizer_start_switch_fiber(
                    ptr::null_mut(),
                    self.resumer_bottom.get(),
                    self.resumer_size.get(),
                );
            }
        }
    }

    /// Marks the fiber's arrival when dropped: on the way out of a suspend, whether it
    /// returns or unwinds (a forced unwind starts inside the switch).
    pub(crate) struct Arrival<'a>(&'a AsanSwitch);

    impl<'a> Arrival<'a> {
        /// Made right before the switch out.
        pub(crate) fn new(switch: &'a AsanSwitch) -> Self {
            Self(switch)
        }
    }

    impl Drop for Arrival<'_> {
        fn drop(&mut self) {
            self.0.arrived();
        }
    }

    /// Made first thing on the fiber's stack; when dropped (the body returned or unwound
    /// out of it) makes the fiber's last switch out known.
    pub(crate) struct LastSwitchOut<'a>(&'a AsanSwitch);

    impl<'a> LastSwitchOut<'a> {
        /// The fiber arrived for the first time.
        pub(crate) fn first_arrival(switch: &'a AsanSwitch) -> Self {
            switch.arrived();
            Self(switch)
        }
    }

    impl Drop for LastSwitchOut<'_> {
        fn drop(&mut self) {
            self.0.leaving_for_good();
        }
    }
}

#[cfg(not(corobridge_asan))]
mod imp {
    /// Nothing to tell outside the ASan build mode.
    #[derive(Debug)]
    pub(crate) struct AsanSwitch;

    impl AsanSwitch {
        #[inline(always)]
        pub(crate) fn new(_bottom: usize, _size: usize) -> Self {
            Self
        }
        #[inline(always)]
        pub(crate) fn entering(&self) {}
        #[inline(always)]
        pub(crate) fn returned(&self) {}
        #[inline(always)]
        pub(crate) fn leaving(&self) {}
    }

    /// See the ASan build's `Arrival`.
    pub(crate) struct Arrival;

    impl Arrival {
        #[inline(always)]
        pub(crate) fn new(_switch: &AsanSwitch) -> Self {
            Self
        }
    }

    impl Drop for Arrival {
        #[inline(always)]
        fn drop(&mut self) {}
    }

    /// See the ASan build's `LastSwitchOut`.
    pub(crate) struct LastSwitchOut;

    impl LastSwitchOut {
        #[inline(always)]
        pub(crate) fn first_arrival(_switch: &AsanSwitch) -> Self {
            Self
        }
    }
}

pub(crate) use imp::{Arrival, AsanSwitch, LastSwitchOut};
