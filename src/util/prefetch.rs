//! A memory hint: an address in, the CPU asked to start loading its cache
//! line, so that loads from scattered places overlap instead of waiting
//! one behind another.

/// Starts loading the cache line of `p` into every cache level. A hint
/// only: it never faults, whatever the address.
#[inline]
pub fn prefetch<T: ?Sized>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint; it never faults, even on a bad address.
    unsafe {
        std::arch::x86_64::_mm_prefetch(
            p as *const u8 as *const i8,
            std::arch::x86_64::_MM_HINT_T0,
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
