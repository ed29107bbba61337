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
                return AllocatorStats {
                    allocated: allocated as u64,
                    active: active as u64,
                    resident: resident as u64,
                };
            }
        }
    }
    let rss = rss_bytes();
    AllocatorStats { allocated: rss, active: rss, resident: rss }
}

/// Bytes the allocator handed out: Redis's `used_memory`.
pub fn used_memory() -> u64 {
    allocator_stats().allocated
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
