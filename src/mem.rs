//! Memory hints: an address in, the CPU asked to start loading its cache
//! line out, so that loads from scattered places overlap instead of
//! waiting one behind another; and room reserved for a vector read at
//! random, out, backed by huge pages where the kernel allows it.

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

/// The global allocator: mimalloc, asked for plain blocks whenever that
/// gives the alignment wanted. (The `mimalloc` crate asks for every block
/// through `mi_malloc_aligned`; mimalloc 3 serves a block over its small
/// sizes whose size is not a power of two that way by allocating more and
/// aligning inside, a slower path that also left its pages less reused:
/// 11 million blocks to index the benchmark corpus, 5% of the
/// instructions in allocating and freeing.)
pub struct MiMalloc;

/// The alignment every mimalloc block has (a machine word: its smallest
/// blocks are 8 bytes, all sizes are multiples of 8).
const MI_MIN_ALIGN: usize = 8;

// SAFETY: every block comes from mimalloc with at least `layout.align()`
// alignment (plain blocks only where `MI_MIN_ALIGN` covers it, mimalloc's
// aligned calls otherwise) and `layout.size()` bytes; mimalloc's `mi_free`
// and `mi_realloc*` take blocks from any of its allocation calls.
unsafe impl std::alloc::GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys::{mi_malloc, mi_malloc_aligned};
        // SAFETY: mimalloc's allocation calls; a null result is passed on.
        unsafe {
            if layout.align() <= MI_MIN_ALIGN {
                mi_malloc(layout.size()).cast()
            } else {
                mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys::{mi_zalloc, mi_zalloc_aligned};
        // SAFETY: as in `alloc`.
        unsafe {
            if layout.align() <= MI_MIN_ALIGN {
                mi_zalloc(layout.size()).cast()
            } else {
                mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        use libmimalloc_sys::{mi_realloc, mi_realloc_aligned};
        // SAFETY: `ptr` came from this allocator with `layout`; the new
        // block keeps the alignment asked for at first.
        unsafe {
            if layout.align() <= MI_MIN_ALIGN {
                mi_realloc(ptr.cast(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
            }
        }
    }
}

/// The size of a huge page on x86-64 and aarch64 Linux.
const HUGE_PAGE: usize = 2 << 20;

/// The whole huge pages inside `len` bytes from address `start`, as
/// (address, length), if there is one.
fn huge_interior(start: usize, len: usize) -> Option<(usize, usize)> {
    let a = start.checked_next_multiple_of(HUGE_PAGE)?;
    let b = start.checked_add(len)? / HUGE_PAGE * HUGE_PAGE;
    (b > a).then(|| (a, b - a))
}

/// Reserves room for exactly `n` more elements of `v` and asks the kernel
/// to back the whole huge pages of that room with huge pages when they are
/// first touched (Linux `madvise(MADV_HUGEPAGE)`; a plain reservation
/// elsewhere, or where transparent huge pages are off). For tables read at
/// random over megabytes, such as the tagger's weights: one TLB entry then
/// covers 2 MB instead of 4 KB, so a lookup seldom waits for a page walk.
/// Only memory not yet touched gets huge pages: reserve before filling.
pub fn reserve_huge<T>(v: &mut Vec<T>, n: usize) {
    v.reserve_exact(n);
    #[cfg(target_os = "linux")]
    {
        let room = v.spare_capacity_mut();
        if let Some((a, len)) = huge_interior(room.as_ptr() as usize, std::mem::size_of_val(room)) {
            // SAFETY: advice about memory `v` owns; it changes no contents
            // and cannot fail in a way that matters (the error is ignored:
            // the memory then keeps small pages).
            unsafe { libc::madvise(a as *mut libc::c_void, len, libc::MADV_HUGEPAGE) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allocator_gives_aligned_blocks_that_keep_their_contents() {
        use std::alloc::{GlobalAlloc, Layout};
        let a = MiMalloc;
        let mut rng = crate::testutil::Rng::new(11);
        for _ in 0..20_000 {
            let bits = 1 + rng.below(20);
            let size = 1 + rng.below(1 << bits);
            let align = 1 << rng.below(13);
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: a non-zero size; every block is freed with its layout.
            unsafe {
                let zeroed = rng.below(2) == 0;
                let p = if zeroed {
                    a.alloc_zeroed(layout)
                } else {
                    a.alloc(layout)
                };
                assert!(!p.is_null());
                assert_eq!(p as usize % align, 0, "size {size}, align {align}");
                if zeroed {
                    assert!(std::slice::from_raw_parts(p, size).iter().all(|&b| b == 0));
                }
                std::ptr::write_bytes(p, 0xA5, size);
                let new_size = 1 + rng.below(2 * size);
                let q = a.realloc(p, layout, new_size);
                assert!(!q.is_null());
                assert_eq!(
                    q as usize % align,
                    0,
                    "realloc to {new_size}, align {align}"
                );
                let kept = std::slice::from_raw_parts(q, size.min(new_size));
                assert!(kept.iter().all(|&b| b == 0xA5), "contents kept by realloc");
                a.dealloc(q, Layout::from_size_align(new_size, align).unwrap());
            }
        }
    }

    #[test]
    fn huge_interior_is_the_whole_huge_pages_inside() {
        let h = HUGE_PAGE;
        assert_eq!(huge_interior(0, 2 * h), Some((0, 2 * h)));
        assert_eq!(huge_interior(1, 2 * h), Some((h, h)));
        assert_eq!(huge_interior(h - 16, 2 * h + 16), Some((h, 2 * h)));
        assert_eq!(huge_interior(1, 2 * h - 2), None);
        assert_eq!(huge_interior(h + 1, h), None);
        assert_eq!(huge_interior(5, 0), None);
        assert_eq!(huge_interior(usize::MAX - 3, 100), None);
    }

    #[test]
    fn reserve_huge_reserves_exactly_and_keeps_contents() {
        let mut v: Vec<u64> = vec![1, 2, 3];
        reserve_huge(&mut v, 1 << 20);
        assert!(v.capacity() >= 3 + (1 << 20));
        assert_eq!(v, [1, 2, 3]);
        v.resize(3 + (1 << 20), 7);
        assert_eq!(v[3 + (1 << 19)], 7);
        let mut e: Vec<u8> = Vec::new();
        reserve_huge(&mut e, 0);
        assert!(e.is_empty());
    }
}
