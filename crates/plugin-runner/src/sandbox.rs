//! The runner's sandbox, applied to itself before the plugin library is opened.
//!
//! - Resource limits: data (the memory limit) and address space, open files, no core dumps (a core
//!   file would hold the secrets a plugin was sent), no file growth.
//! - Landlock (best effort): read and map the library and what the dynamic loader needs
//!   (`/etc/ld.so.cache`, the system library directories); every other file access is
//!   denied, writes included. Where the kernel has them, Landlock's TCP rules (no bind, no
//!   connect) and scopes (no abstract UNIX sockets or signals outside the sandbox).
//! - seccomp: `socket` and `io_uring_setup` fail with EPERM (this covers the socket
//!   families Landlock does not: UDP, raw, UNIX, netlink…); so does every system call of a
//!   foreign architecture (32-bit `int 0x80`, x32).
//!
//! Each part reports what the kernel actually enforced ([`SandboxState`]).

use std::path::Path;

use handover_migrate_plugins::isolated::{Enforcement, SandboxState};

/// Files and directories the dynamic loader reads to open a library and its dependencies.
const LOADER_PATHS: &[&str] = &[
    "/etc/ld.so.cache",
    "/etc/ld.so.preload",
    "/lib",
    "/lib64",
    "/lib32",
    "/usr/lib",
    "/usr/lib64",
    "/usr/lib32",
    "/usr/local/lib",
];

/// Address space allowed beyond the memory limit: the runner's code, libraries, stacks.
const ADDRESS_SPACE_ROOM_MIB: u64 = 1024;

/// Whether the kernel is to be asked for `feature` (`landlock`, `seccomp`) at all: yes,
/// except in a test build told to act as on a kernel without it
/// (`HANDOVER_MIGRATE_FAILPOINT=sandbox:landlock:error`; failpoints exist only in builds
/// with the `failpoints` feature, never in a release binary). This is how the tests reach
/// the code for a missing feature on a kernel that has them all.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn kernel_offers(feature: &str) -> bool {
    handover_migrate_io::failpoint::hit(&format!("sandbox:{feature}")).is_ok()
}

/// Apply every part of the sandbox this kernel supports and say what holds.
pub fn apply(library: &Path, memory_limit_mib: u64) -> SandboxState {
    let mut missing = Vec::new();
    let limits = limits(memory_limit_mib, &mut missing);
    let (filesystem, landlock_network) = landlock(library, &mut missing);
    let seccomp = seccomp(&mut missing);
    // seccomp alone refuses every socket; Landlock's TCP rules alone leave UDP and the rest.
    let network = match (seccomp, landlock_network) {
        (true, _) => Enforcement::Full,
        (false, true) => Enforcement::Partial,
        (false, false) => Enforcement::None,
    };
    SandboxState { filesystem, network, limits, missing }
}

fn limits(memory_limit_mib: u64, missing: &mut Vec<String>) -> Enforcement {
    let set = |resource, value: u64| {
        let limit = libc::rlimit { rlim_cur: value as libc::rlim_t, rlim_max: value as libc::rlim_t };
        // SAFETY: a valid rlimit for this process's own limit.
        unsafe { libc::setrlimit(resource, &limit) == 0 }
    };
    let mut all = true;
    if memory_limit_mib > 0 {
        // The limit is on data (heap and anonymous memory), which is what a plugin grows;
        // the address space gets room on top for the runner's own code and mappings.
        let mib = 1024 * 1024;
        all &= set(libc::RLIMIT_DATA, memory_limit_mib.saturating_mul(mib));
        all &= set(libc::RLIMIT_AS, memory_limit_mib.saturating_add(ADDRESS_SPACE_ROOM_MIB).saturating_mul(mib));
    }
    all &= set(libc::RLIMIT_NOFILE, 64);
    all &= set(libc::RLIMIT_CORE, 0);
    all &= set(libc::RLIMIT_FSIZE, 0);
    if all {
        Enforcement::Full
    } else {
        missing.push("some resource limits could not be set".into());
        Enforcement::Partial
    }
}

#[cfg(target_os = "linux")]
fn landlock(library: &Path, missing: &mut Vec<String>) -> (Enforcement, bool) {
    use landlock::{
        path_beneath_rules, Access, AccessFs, AccessNet, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
        Scope, ABI,
    };
    // The kernel's ABI, asked directly, to say which parts it has.
    let abi = if kernel_offers("landlock") {
        // SAFETY: landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) only returns a number.
        unsafe { libc::syscall(libc::SYS_landlock_create_ruleset, std::ptr::null::<u8>(), 0usize, 1u32) }
    } else {
        0
    };
    if abi < 1 {
        missing.push("this kernel has no Landlock: the plugin can read and write every file you can".into());
        return (Enforcement::None, false);
    }
    let target = ABI::V6;
    let attempt = || -> Result<RulesetStatus, landlock::RulesetError> {
        let read = AccessFs::from_read(target);
        let status = Ruleset::default()
            .handle_access(AccessFs::from_all(target))?
            .handle_access(AccessNet::from_all(target))?
            .scope(Scope::from_all(target))?
            .create()?
            .add_rules(path_beneath_rules([library], read))?
            .add_rules(path_beneath_rules(LOADER_PATHS, read))?
            .restrict_self()?;
        Ok(status.ruleset)
    };
    let status = match attempt() {
        Ok(status) => status,
        Err(error) => {
            missing.push(format!("Landlock could not be applied ({error})"));
            return (Enforcement::None, false);
        }
    };
    let network = abi >= 4 && status != RulesetStatus::NotEnforced;
    if abi < 4 {
        missing.push(format!("Landlock ABI {abi} has no TCP rules (seccomp still refuses sockets)"));
    }
    if abi < 3 {
        missing.push(format!("Landlock ABI {abi} cannot deny truncating files"));
    }
    let filesystem = match status {
        RulesetStatus::FullyEnforced => Enforcement::Full,
        // ABI 1–2 lack rename-across-directories and truncate control; reads and writes
        // of files outside the library are still denied.
        RulesetStatus::PartiallyEnforced if abi >= 3 => Enforcement::Full,
        RulesetStatus::PartiallyEnforced => Enforcement::Partial,
        RulesetStatus::NotEnforced => {
            missing.push("Landlock is not enforced on this kernel".into());
            Enforcement::None
        }
    };
    (filesystem, network)
}

#[cfg(not(target_os = "linux"))]
fn landlock(_library: &Path, missing: &mut Vec<String>) -> (Enforcement, bool) {
    missing.push("file system sandboxing is only available on Linux".into());
    (Enforcement::None, false)
}

#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
fn seccomp(missing: &mut Vec<String>) -> bool {
    // Classic BPF over `struct seccomp_data` { int nr; u32 arch; u64 ip; u64 args[6]; }.
    const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
    const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    const JGE_K: u16 = 0x35; // BPF_JMP | BPF_JGE | BPF_K
    const RET_K: u16 = 0x06; // BPF_RET | BPF_K
    const RET_ALLOW: u32 = 0x7fff_0000;
    const RET_EPERM: u32 = 0x0005_0000 | libc::EPERM as u32;
    #[cfg(target_arch = "x86_64")]
    const ARCH: u32 = 0xc000_003e; // AUDIT_ARCH_X86_64
    #[cfg(target_arch = "aarch64")]
    const ARCH: u32 = 0xc000_00b7; // AUDIT_ARCH_AARCH64
                                   // x32 system calls carry this bit on x86_64; aarch64 has no such alias (no number reaches it).
    const X32_BIT: u32 = 0x4000_0000;
    let op = |code, jt, jf, k| libc::sock_filter { code, jt, jf, k };
    let filter = [
        op(LD_W_ABS, 0, 0, 4),                            // arch
        op(JEQ_K, 1, 0, ARCH),                            // native: go on
        op(RET_K, 0, 0, RET_EPERM),                       // foreign architecture: refuse
        op(LD_W_ABS, 0, 0, 0),                            // nr
        op(JGE_K, 3, 0, X32_BIT),                         // x32: refuse
        op(JEQ_K, 2, 0, libc::SYS_socket as u32),         // socket: refuse
        op(JEQ_K, 1, 0, libc::SYS_io_uring_setup as u32), // io_uring (could connect): refuse
        op(RET_K, 0, 0, RET_ALLOW),
        op(RET_K, 0, 0, RET_EPERM),
    ];
    if !kernel_offers("seccomp") {
        missing.push("seccomp is not available (this kernel lacks it): the plugin can open network sockets".into());
        return false;
    }
    let program = libc::sock_fprog { len: filter.len() as u16, filter: filter.as_ptr() as *mut libc::sock_filter };
    // SAFETY: no_new_privs takes plain integers; the filter program outlives the prctl call,
    // which copies it into the kernel.
    let installed = unsafe {
        libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
            && libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_FILTER, &program as *const libc::sock_fprog) == 0
    };
    if !installed {
        missing.push(format!(
            "seccomp is not available ({}): the plugin can open network sockets",
            std::io::Error::last_os_error()
        ));
    }
    installed
}

#[cfg(not(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64"))))]
fn seccomp(missing: &mut Vec<String>) -> bool {
    missing.push("network sandboxing (seccomp) is only available on Linux x86_64 and aarch64".into());
    false
}
