//! The allocator of Partita's binaries (the `partita` command and the db-benchmark
//! runner, which includes this file): mimalloc, with freed memory kept mapped for
//! reuse instead of going back to the OS (as a database's buffer pool keeps it).
//!
//! Large column buffers are allocated and freed all through a query. mimalloc's
//! default hands freed pages back to the OS after 10 ms, so the next buffer of the
//! same query faults them in and the kernel zeroes them again: on q10 of the
//! db-benchmark (1e7 rows) that was a third of the time, in `clear_page`.
//! `docs/performance.md` has the measurement.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long freed memory stays mapped before it is returned to the OS, in ms: never.
/// (A finite delay of 1 or 5 s still re-faulted much of q10's memory.)
const PURGE_DELAY_MS: std::ffi::c_long = -1;

/// `mi_option_purge_delay` in mimalloc v3's `mi_option_t` (mimalloc.h), which
/// libmimalloc-sys does not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets the allocator's options; call first thing in `main`.
pub fn configure() {
    // SAFETY: mi_option_set only stores an integer in mimalloc's option table; any
    // value is valid for this option.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
}
