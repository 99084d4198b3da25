//! The facts a report states about where it was measured: CPU, cores, memory, kernel,
//! compilers, build profile and date.

/// Where and how a report was measured.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Machine {
    /// CPU model name (/proc/cpuinfo).
    pub cpu: String,
    /// Cores this process may run on.
    pub cores: u64,
    /// Physical memory, bytes (/proc/meminfo).
    pub memory_bytes: u64,
    /// Kernel name and release.
    pub kernel: String,
    /// `rustc --version` of the compiler that built this binary.
    pub rustc: String,
    /// The C++ compiler that built the C++ side, and its version.
    pub cxx: String,
    /// `release` or `debug`.
    pub profile: String,
    /// When the report was made (UTC, RFC 3339).
    pub date: String,
    /// `vm.max_map_count`, which bounds guarded fiber stacks and threads.
    pub max_map_count: u64,
}

impl Machine {
    /// Reads the facts of this machine and this build.
    pub fn current() -> Self {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(
                || std::env::consts::ARCH.to_owned(),
                |(_, v)| v.trim().to_owned(),
            );
        let memory_bytes = read("/proc/meminfo")
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .map_or(0, |kib| kib * 1024);
        let kernel = format!(
            "{} {}",
            read("/proc/sys/kernel/ostype").trim(),
            read("/proc/sys/kernel/osrelease").trim()
        );
        Self {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u64),
            memory_bytes,
            kernel: kernel.trim().to_owned(),
            rustc: env!("COROBRIDGE_LAB_RUSTC").to_owned(),
            cxx: env!("COROBRIDGE_LAB_CXX").to_owned(),
            profile: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
            .to_owned(),
            date: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            max_map_count: read("/proc/sys/vm/max_map_count")
                .trim()
                .parse()
                .unwrap_or(0),
        }
    }
}
