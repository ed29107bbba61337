//! Memory figures for INFO memory: what the allocator handed out, what it holds, and
//! the process's resident set, read from jemalloc's statistics when it is the allocator.

/// Allocator statistics in bytes.
#[derive(Debug, Default, Clone, Copy)]
pub struct AllocatorStats {
    /// Bytes in live allocations (`used_memory`).
    pub allocated: u64,
    /// Bytes in pages the allocator uses (`allocator_active`).
    pub active: u64,
    /// Bytes the allocator keeps resident (`allocator_resident`).
    pub resident: u64,
}

/// Reads the allocator's statistics (falls back to RSS for every figure without jemalloc).
pub fn allocator_stats() -> AllocatorStats {
    #[cfg(feature = "jemalloc")]
    {
        use tikv_jemalloc_ctl::{epoch, stats};
        if epoch::advance().is_ok() {
            if let (Ok(allocated), Ok(active), Ok(resident)) =
                (stats::allocated::read(), stats::active::read(), stats::resident::read())
            {
                let allocated = counted().unwrap_or(allocated as u64);
                return AllocatorStats { allocated, active: active as u64, resident: resident as u64 };
            }
        }
    }
    let rss = rss_bytes();
    AllocatorStats { allocated: counted().unwrap_or(rss), active: rss, resident: rss }
}

/// Bytes the allocator handed out: Redis's `used_memory`, which `maxmemory` bounds.
/// Cheap enough to read before every command (one atomic load).
pub fn used_memory() -> u64 {
    counted().unwrap_or_else(|| allocator_stats().allocated)
}

/// The counting allocator's figure, when the binary installed it.
fn counted() -> Option<u64> {
    #[cfg(feature = "jemalloc")]
    if counting::ENABLED.load(std::sync::atomic::Ordering::Relaxed) {
        return Some(counting::used());
    }
    None
}

/// Moves this thread's pending count into the total; threads call it as they end so
/// nothing they allocated or freed is lost from `used_memory`.
pub fn flush_thread_count() {
    #[cfg(feature = "jemalloc")]
    counting::flush();
}

#[cfg(feature = "jemalloc")]
pub use counting::Counting;

/// Redis's `used_memory` is its allocator wrapper's running count of the usable size
/// of every live allocation, not a statistics query. This is the same: jemalloc with a
/// count of the size class (`nallocx`) of every allocation, kept per thread and added
/// to one atomic total every 16 KB, so a read is one load and stays within 16 KB per
/// thread of the exact figure.
#[cfg(feature = "jemalloc")]
mod counting {
    use std::alloc::{GlobalAlloc, Layout};
    use std::cell::Cell;
    use std::sync::atomic::{AtomicBool, AtomicI64, Ordering::Relaxed};

    /// Set by [`Counting::enable`]: the binary's global allocator counts.
    pub static ENABLED: AtomicBool = AtomicBool::new(false);
    static TOTAL: AtomicI64 = AtomicI64::new(0);
    const FLUSH_AT: i64 = 16 * 1024;

    thread_local! {
        static PENDING: Cell<i64> = const { Cell::new(0) };
    }

    /// jemalloc, counting the usable size of what it hands out.
    pub struct Counting;

    impl Counting {
        /// Marks the count as the source of `used_memory` (the binary calls it first thing).
        pub fn enable() {
            ENABLED.store(true, Relaxed);
        }
    }

    /// The size class jemalloc serves `size` bytes at `align` from (what it counts).
    fn usable(size: usize, align: usize) -> i64 {
        // tikv-jemallocator passes an alignment flag only past malloc's own alignment.
        let flags = if align <= 16 && align <= size { 0 } else { align.trailing_zeros() as i32 };
        // SAFETY: nallocx only computes a size class; size is non-zero for GlobalAlloc.
        unsafe { tikv_jemalloc_sys::nallocx(size, flags) as i64 }
    }

    fn add(n: i64) {
        let kept = PENDING.try_with(|p| {
            let v = p.get() + n;
            if v.abs() >= FLUSH_AT {
                TOTAL.fetch_add(v, Relaxed);
                p.set(0);
            } else {
                p.set(v);
            }
        });
        if kept.is_err() {
            TOTAL.fetch_add(n, Relaxed);
        }
    }

    pub fn flush() {
        let _ = PENDING.try_with(|p| TOTAL.fetch_add(p.replace(0), Relaxed));
    }

    pub fn used() -> u64 {
        let mine = PENDING.try_with(Cell::get).unwrap_or(0);
        (TOTAL.load(Relaxed) + mine).max(0) as u64
    }

    // SAFETY: every method forwards to jemalloc unchanged; the count is bookkeeping.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller upholds GlobalAlloc's contract, passed on as is.
            let p = unsafe { tikv_jemallocator::Jemalloc.alloc(layout) };
            if !p.is_null() {
                add(usable(layout.size(), layout.align()));
            }
            p
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: as for alloc.
            let p = unsafe { tikv_jemallocator::Jemalloc.alloc_zeroed(layout) };
            if !p.is_null() {
                add(usable(layout.size(), layout.align()));
            }
            p
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            add(-usable(layout.size(), layout.align()));
            // SAFETY: as for alloc.
            unsafe { tikv_jemallocator::Jemalloc.dealloc(ptr, layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: as for alloc.
            let p = unsafe { tikv_jemallocator::Jemalloc.realloc(ptr, layout, new_size) };
            if !p.is_null() {
                add(usable(new_size, layout.align()) - usable(layout.size(), layout.align()));
            }
            p
        }
    }
}

/// Resident set size of this process, in bytes.
pub fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64;
    pages * page
}

/// Total physical memory (INFO `total_system_memory`).
pub fn total_system_memory() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let (pages, page) = unsafe { (libc::sysconf(libc::_SC_PHYS_PAGES), libc::sysconf(libc::_SC_PAGESIZE)) };
    (pages.max(0) as u64).saturating_mul(page.max(0) as u64)
}

/// Redis's `bytesToHuman`: `512B`, `1.50K`, `2.00M`, `3.10G`.
pub fn human(n: u64) -> String {
    let d = n as f64;
    const K: f64 = 1024.0;
    if n < 1024 {
        format!("{n}B")
    } else if d < K * K {
        format!("{:.2}K", d / K)
    } else if d < K * K * K {
        format!("{:.2}M", d / (K * K))
    } else if d < K * K * K * K {
        format!("{:.2}G", d / (K * K * K))
    } else {
        format!("{:.2}T", d / (K * K * K * K))
    }
}
