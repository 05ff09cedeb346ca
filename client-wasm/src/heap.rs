//! The wasm module's allocator: power-of-two size classes, one free list per class, blocks carved
//! from memory grown on demand. Allocation and free are O(1) and the code is a few hundred bytes
//! (a general-purpose allocator is several KB of the module). Freed blocks are reused only by the
//! same class and memory is never returned, which suits a client whose heap is a few buffers and
//! short-lived strings: a block costs at most twice its size.
//!
//! [`Classes`] is the logic over an abstract linear memory, so it is tested natively.

use core::alloc::Layout;

/// Bytes per wasm page.
pub const PAGE: usize = 65_536;
/// Largest alignment served (no type in this crate asks for more); larger requests fail.
const MAX_ALIGN: usize = 64;
/// Size classes: 2^0 … 2^(CLASSES-1) bytes (the smallest used is one `usize`).
const CLASSES: usize = usize::BITS as usize;

/// Free lists and the carving cursor.
pub struct Classes {
    /// Head block address of each class's free list (0: empty); a free block's first word links
    /// to the next.
    free: [usize; CLASSES],
    /// Next address to carve from, and the end of memory we own.
    next: usize,
    end: usize,
}

impl Classes {
    /// Nothing carved yet.
    pub const fn new() -> Classes {
        Classes { free: [0; CLASSES], next: 0, end: 0 }
    }

    /// The class serving `layout`, `None` when it cannot be served.
    fn class(layout: Layout) -> Option<usize> {
        if layout.align() > MAX_ALIGN {
            return None;
        }
        let size = layout.size().max(layout.align()).max(core::mem::size_of::<usize>());
        let class = (usize::BITS - (size - 1).leading_zeros()) as usize;
        (class < CLASSES).then_some(class)
    }

    /// A block for `layout`, or null. `grow(pages)` adds pages to memory and returns the first
    /// new byte's address, or `None`.
    ///
    /// # Safety
    /// Addresses from `grow` and every block handed back to [`Classes::free`] must be writable
    /// memory owned by this allocator.
    pub unsafe fn alloc(&mut self, layout: Layout, grow: impl FnOnce(usize) -> Option<usize>) -> *mut u8 {
        let Some((class, list)) = Self::class(layout).and_then(|c| Some((c, self.free.get_mut(c)?))) else {
            return core::ptr::null_mut();
        };
        let head = *list;
        if head != 0 {
            // SAFETY: `head` is a free block of this class; its first word links the list.
            *list = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        let size = 1usize << class;
        let align = size.min(MAX_ALIGN);
        let carve = |next: usize| next.checked_add(align - 1).map(|n| n & !(align - 1));
        let mut start = carve(self.next);
        if self.end == 0 || start.and_then(|s| s.checked_add(size)).is_none_or(|e| e > self.end) {
            let Some(pages) = size.checked_add(align).map(|n| n.div_ceil(PAGE)) else { return core::ptr::null_mut() };
            let Some(at) = grow(pages) else { return core::ptr::null_mut() };
            if at != self.end {
                self.next = at;
            }
            self.end = at + pages * PAGE;
            start = carve(self.next);
        }
        let Some(start) = start else { return core::ptr::null_mut() };
        self.next = start + size;
        start as *mut u8
    }

    /// Returns a block to its class's list.
    ///
    /// # Safety
    /// `ptr` came from [`Classes::alloc`] with the same `layout` and is not used afterwards.
    pub unsafe fn free(&mut self, ptr: *mut u8, layout: Layout) {
        if let Some(list) = Self::class(layout).and_then(|c| self.free.get_mut(c)) {
            // SAFETY: the block is ours and at least one `usize`, aligned for it.
            unsafe { *(ptr as *mut usize) = *list };
            *list = ptr as usize;
        }
    }

    /// Whether a block for `old` also serves `new_size` (same class: `realloc` keeps it).
    pub fn fits(old: Layout, new_size: usize) -> bool {
        let new = Layout::from_size_align(new_size, old.align());
        new.is_ok_and(|new| Self::class(new) == Self::class(old))
    }
}

impl Default for Classes {
    fn default() -> Classes {
        Classes::new()
    }
}

/// The global allocator of the wasm build.
#[cfg(target_arch = "wasm32")]
pub struct Heap(pub core::cell::UnsafeCell<Classes>);

// SAFETY: wasm32 without threads: one thread, and the allocator is never re-entered.
#[cfg(target_arch = "wasm32")]
unsafe impl Sync for Heap {}

#[cfg(target_arch = "wasm32")]
unsafe impl core::alloc::GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let grow = |pages| {
            let old = core::arch::wasm32::memory_grow(0, pages);
            (old != usize::MAX).then(|| old * PAGE)
        };
        // SAFETY: memory grown for us is ours; see `Sync` above for exclusivity.
        unsafe { (*self.0.get()).alloc(layout, grow) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract of `GlobalAlloc::dealloc`.
        unsafe { (*self.0.get()).free(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if Classes::fits(layout, new_size) {
            return ptr;
        }
        // SAFETY: `new_size` comes from the caller under `realloc`'s contract.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: as `GlobalAlloc::realloc`'s default: copy the smaller size, free the old block.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[cfg(test)]
mod tests {
    //! Checklist:
    //! - [x] blocks are aligned, distinct and non-overlapping across classes
    //! - [x] a freed block is reused by its class only; memory grows by whole pages on demand
    //! - [x] out of memory and unservable layouts give null
    //! - [x] realloc keeps a block whose class still fits
    use super::*;

    /// A fake linear memory: `pages` used of an arena of `cap` pages.
    struct Memory {
        arena: Vec<u64>,
        pages: usize,
        cap: usize,
    }

    impl Memory {
        fn new(cap: usize) -> Memory {
            Memory { arena: vec![0; cap * PAGE / 8], pages: 1, cap }
        }
        fn grow(&mut self, pages: usize) -> Option<usize> {
            if self.pages + pages > self.cap {
                return None;
            }
            let at = self.arena.as_mut_ptr() as usize + self.pages * PAGE;
            self.pages += pages;
            Some(at)
        }
    }

    fn alloc(classes: &mut Classes, memory: &mut Memory, size: usize, align: usize) -> usize {
        let layout = Layout::from_size_align(size, align).unwrap();
        unsafe { classes.alloc(layout, |p| memory.grow(p)) as usize }
    }

    #[test]
    fn blocks_are_aligned_distinct_and_reused_by_their_class() {
        let mut memory = Memory::new(64);
        let mut classes = Classes::new();
        let mut blocks = Vec::new();
        for (size, align) in [(1, 1), (3, 1), (8, 8), (24, 8), (100, 4), (4096, 16), (70_000, 8), (5, 1)] {
            let at = alloc(&mut classes, &mut memory, size, align);
            assert_ne!(at, 0);
            assert_eq!(at % align, 0);
            blocks.push((at, size.max(8).next_power_of_two()));
        }
        blocks.sort();
        for pair in blocks.windows(2) {
            assert!(pair[0].0 + pair[0].1 <= pair[1].0, "overlap: {pair:?}");
        }
        let layout = Layout::from_size_align(24, 8).unwrap();
        let a = alloc(&mut classes, &mut memory, 24, 8);
        unsafe { classes.free(a as *mut u8, layout) };
        assert_eq!(alloc(&mut classes, &mut memory, 20, 4), a, "same class: reused");
        unsafe { classes.free(a as *mut u8, layout) };
        assert_ne!(alloc(&mut classes, &mut memory, 40, 8), a, "other class: not reused");
        assert!(memory.pages > 2, "grew for the 70,000-byte block");
    }

    #[test]
    fn out_of_memory_and_unservable_layouts_give_null() {
        let mut memory = Memory::new(2);
        let mut classes = Classes::new();
        assert_eq!(alloc(&mut classes, &mut memory, 200_000, 8), 0);
        assert_eq!(alloc(&mut classes, &mut memory, 8, 128), 0);
        assert_ne!(alloc(&mut classes, &mut memory, 8, 8), 0, "smaller requests still served");
    }

    #[test]
    fn realloc_keeps_a_block_whose_class_still_fits() {
        let layout = Layout::from_size_align(20, 4).unwrap();
        assert!(Classes::fits(layout, 32));
        assert!(Classes::fits(layout, 17));
        assert!(!Classes::fits(layout, 33));
        assert!(!Classes::fits(layout, 16));
    }
}
