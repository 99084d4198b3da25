//! How much memory this process holds, from `/proc/self/status` (Linux; `None` elsewhere).

/// The process's resident set size now (VmRSS).
pub(crate) fn rss_bytes() -> Option<u64> {
    status_bytes("VmRSS:")
}

/// The process's peak resident set size (VmHWM).
pub(crate) fn peak_rss_bytes() -> Option<u64> {
    status_bytes("VmHWM:")
}

/// A `<key> <n> kB` line of `/proc/self/status`, in bytes.
fn status_bytes(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
