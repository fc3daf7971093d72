//! Hints to the operating system (Linux; nothing elsewhere): start writing
//! a file's pages to disk, lower a thread's priority. Neither changes what
//! a program computes; a failure leaves things as they were.

/// Asks the kernel to start writing `len` bytes of `file` from `offset` to
/// disk now, without waiting for them (`sync_file_range`), so that a later
/// `fsync` has less left to wait for.
#[cfg(target_os = "linux")]
pub fn start_writeback(file: &std::fs::File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    // SAFETY: sync_file_range reads nothing of ours but its arguments; the
    // descriptor is open for as long as `file` is borrowed.
    unsafe {
        libc::sync_file_range(
            file.as_raw_fd(),
            offset as libc::off64_t,
            len as libc::off64_t,
            libc::SYNC_FILE_RANGE_WRITE,
        );
    }
}

#[cfg(not(target_os = "linux"))]
pub fn start_writeback(_file: &std::fs::File, _offset: u64, _len: u64) {}

/// Raises the calling thread's nice value by `by` (at most to 19): other
/// threads of the process that want its core run first. Where the
/// scheduler groups a session's processes (autogroup, cgroups: the usual
/// Linux set-up), a thread's nice value only shares out its own group's
/// time, so this does not hand the machine to other programs.
#[cfg(target_os = "linux")]
pub fn lower_thread_priority(by: i32) {
    // SAFETY: setpriority with PRIO_PROCESS and 0 changes the nice value of
    // the calling thread only (Linux keeps it per thread); it touches no
    // memory, and a failure (the value is ignored) leaves the priority as
    // it was.
    unsafe {
        let nice = libc::getpriority(libc::PRIO_PROCESS, 0);
        libc::setpriority(libc::PRIO_PROCESS, 0, (nice + by).min(19));
    }
}

#[cfg(not(target_os = "linux"))]
pub fn lower_thread_priority(_by: i32) {}
