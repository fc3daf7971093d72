//! Room reserved for a vector read at random, backed by huge pages where
//! the kernel allows it.

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
