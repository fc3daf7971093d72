//! The global allocator: mimalloc behind Rust's `GlobalAlloc`.

/// The global allocator: mimalloc, asked for plain blocks whenever that
/// gives the alignment wanted. (The `mimalloc` crate asks for every block
/// through `mi_malloc_aligned`; mimalloc 3 serves a block over its small
/// sizes whose size is not a power of two that way by allocating more and
/// aligning inside, a slower path that also leaves its pages less reused.)
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
}
