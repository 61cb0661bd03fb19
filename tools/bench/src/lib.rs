//! Shared pieces of the benchmarks: running a command and measuring its wall time and
//! peak memory (from the kernel's rusage of the finished child), and file-tree helpers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Wall time and peak resident memory of one finished process.
#[derive(Clone, Copy, Debug)]
pub struct Measure {
    pub wall: Duration,
    /// User + system CPU time of the process (and the children it waited for).
    pub cpu: Duration,
    pub peak_kib: u64,
    pub success: bool,
}

/// Set (to anything) in the environment of a bench binary re-executed as a launcher.
const LAUNCHER_ENV: &str = "HANDOVER_MIGRATE_BENCH_LAUNCHER";

/// Run `command` to completion and measure it.
///
/// The kernel's peak-memory figure for a process (`ru_maxrss`) starts from the resident
/// size of the process it was spawned from, so a bench that has grown would inflate every
/// figure. The command is therefore spawned by a fresh copy of this bench binary (see
/// [`serve_as_launcher`]), which stays small and reports the child's figures.
pub fn measure(command: &mut Command) -> Measure {
    let mut launcher = Command::new(std::env::current_exe().expect("current exe"));
    launcher.env(LAUNCHER_ENV, "1").arg(command.get_program()).args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => launcher.env(key, value),
            None => launcher.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        launcher.current_dir(dir);
    }
    let out = launcher.stderr(std::process::Stdio::inherit()).output().expect("run the bench launcher");
    let report = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<u64> = report.split_whitespace().filter_map(|f| f.parse().ok()).collect();
    match fields.as_slice() {
        [wall_ns, cpu_ns, peak_kib, success] => Measure {
            wall: Duration::from_nanos(*wall_ns),
            cpu: Duration::from_nanos(*cpu_ns),
            peak_kib: *peak_kib,
            success: *success == 1,
        },
        _ => panic!("the bench launcher reported {report:?}"),
    }
}

/// Call first in a bench's `main`: when this process is a launcher started by [`measure`],
/// run the command given as arguments, print `wall_ns cpu_ns peak_kib success` and exit.
pub fn serve_as_launcher() {
    if std::env::var_os(LAUNCHER_ENV).is_none() {
        return;
    }
    let mut args = std::env::args_os().skip(1);
    let program = args.next().expect("launcher: a command to run");
    let mut command = Command::new(program);
    command.args(args).env_remove(LAUNCHER_ENV);
    let Measure { wall, cpu, peak_kib, success } = spawn_and_wait(&mut command);
    println!("{} {} {peak_kib} {}", wall.as_nanos(), cpu.as_nanos(), u8::from(success));
    std::process::exit(0);
}

fn spawn_and_wait(command: &mut Command) -> Measure {
    command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let start = Instant::now();
    let child = command.spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is a plain C struct; zeroed is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting on our own child with valid pointers.
    unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    std::mem::forget(child);
    let seconds = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Measure {
        wall,
        cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        peak_kib: usage.ru_maxrss as u64,
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
    }
}

pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// Every `*.json` file under `root` (the state directory excluded).
pub fn json_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_name() == ".handover-migrate" {
                continue;
            }
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() && path.extension().is_some_and(|e| e == "json") => out.push(path),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
