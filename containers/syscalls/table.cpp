// The system call table: Linux i386 number, name, handler
// (arch/x86/entry/syscalls/syscall_32.tbl). A number not listed returns
// -ENOSYS, as Linux does for a call it does not have.
#include <array>

#include "containers/syscalls/syscalls.h"

namespace isolab::containers::syscalls {

namespace {

constexpr Syscall kTable[] = {
    {1, "exit", sys_exit},
    {2, "fork", sys_fork},
    {3, "read", sys_read},
    {4, "write", sys_write},
    {5, "open", sys_open},
    {6, "close", sys_close},
    {7, "waitpid", sys_waitpid},
    {9, "link", sys_link},
    {10, "unlink", sys_unlink},
    {11, "execve", sys_execve},
    {12, "chdir", sys_chdir},
    {13, "time", sys_time},
    {15, "chmod", sys_chmod},
    {16, "lchown", sys_lchown},
    {19, "lseek", sys_lseek},
    {20, "getpid", sys_getpid},
    {21, "mount", sys_mount},
    {22, "umount", sys_umount},
    {23, "setuid", sys_setuid},
    {24, "getuid", sys_getuid},
    {27, "alarm", sys_alarm},
    {29, "pause", sys_pause},
    {33, "access", sys_access},
    {37, "kill", sys_kill},
    {38, "rename", sys_rename},
    {39, "mkdir", sys_mkdir},
    {40, "rmdir", sys_rmdir},
    {41, "dup", sys_dup},
    {42, "pipe", sys_pipe},
    {45, "brk", sys_brk},
    {46, "setgid", sys_setgid},
    {47, "getgid", sys_getgid},
    {48, "signal", sys_signal},
    {49, "geteuid", sys_getuid},
    {50, "getegid", sys_getgid},
    {52, "umount2", sys_umount2},
    {54, "ioctl", sys_ioctl},
    {57, "setpgid", sys_setpgid},
    {60, "umask", sys_umask},
    {63, "dup2", sys_dup2},
    {64, "getppid", sys_getppid},
    {65, "getpgrp", sys_getpgrp},
    {66, "setsid", sys_setsid},
    {67, "sigaction", sys_sigaction},
    {72, "sigsuspend", sys_sigsuspend},
    {73, "sigpending", sys_sigpending},
    {74, "sethostname", sys_sethostname},
    {75, "setrlimit", sys_setrlimit},
    {76, "getrlimit", sys_old_getrlimit},
    {78, "gettimeofday", sys_gettimeofday},
    {80, "getgroups", sys_getgroups},
    {83, "symlink", sys_symlink},
    {85, "readlink", sys_readlink},
    {90, "mmap", sys_old_mmap},
    {91, "munmap", sys_munmap},
    {92, "truncate", sys_truncate},
    {93, "ftruncate", sys_ftruncate},
    {94, "fchmod", sys_fchmod},
    {102, "socketcall", sys_socketcall},
    {104, "setitimer", sys_setitimer},
    {105, "getitimer", sys_getitimer},
    {114, "wait4", sys_wait4},
    {116, "sysinfo", sys_sysinfo},
    {117, "ipc", sys_ipc},
    {119, "sigreturn", sys_sigreturn},
    {120, "clone", sys_clone},
    {122, "uname", sys_uname},
    {125, "mprotect", sys_mprotect},
    {126, "sigprocmask", sys_sigprocmask},
    {132, "getpgid", sys_getpgid},
    {133, "fchdir", sys_fchdir},
    {140, "_llseek", sys_llseek},
    {145, "readv", sys_readv},
    {146, "writev", sys_writev},
    {147, "getsid", sys_getsid},
    {158, "sched_yield", sys_sched_yield},
    {162, "nanosleep", sys_nanosleep},
    {168, "poll", sys_poll},
    {173, "rt_sigreturn", sys_rt_sigreturn},
    {174, "rt_sigaction", sys_rt_sigaction},
    {175, "rt_sigprocmask", sys_rt_sigprocmask},
    {176, "rt_sigpending", sys_rt_sigpending},
    {179, "rt_sigsuspend", sys_rt_sigsuspend},
    {182, "chown", sys_chown},
    {183, "getcwd", sys_getcwd},
    {186, "sigaltstack", sys_sigaltstack},
    {190, "vfork", sys_vfork},
    {191, "ugetrlimit", sys_ugetrlimit},
    {192, "mmap2", sys_mmap2},
    {193, "truncate64", sys_truncate64},
    {194, "ftruncate64", sys_ftruncate64},
    {195, "stat64", sys_stat64},
    {196, "lstat64", sys_lstat64},
    {197, "fstat64", sys_fstat64},
    {198, "lchown32", sys_lchown32},
    {199, "getuid32", sys_getuid},
    {200, "getgid32", sys_getgid},
    {201, "geteuid32", sys_getuid},
    {202, "getegid32", sys_getgid},
    {205, "getgroups32", sys_getgroups},
    {207, "fchown32", sys_fchown32},
    {212, "chown32", sys_chown32},
    {213, "setuid32", sys_setuid},
    {214, "setgid32", sys_setgid},
    {217, "pivot_root", sys_pivot_root},
    {220, "getdents64", sys_getdents64},
    {221, "fcntl64", sys_fcntl64},
    {224, "gettid", sys_gettid},
    {238, "tkill", sys_tkill},
    {240, "futex", sys_futex},
    {243, "set_thread_area", sys_set_thread_area},
    {252, "exit_group", sys_exit_group},
    {258, "set_tid_address", sys_set_tid_address},
    {265, "clock_gettime", sys_clock_gettime},
    {267, "clock_nanosleep", sys_clock_nanosleep},
    {270, "tgkill", sys_tgkill},
    {295, "openat", sys_openat},
    {296, "mkdirat", sys_mkdirat},
    {298, "fchownat", sys_fchownat},
    {300, "fstatat64", sys_fstatat64},
    {301, "unlinkat", sys_unlinkat},
    {302, "renameat", sys_renameat},
    {303, "linkat", sys_linkat},
    {304, "symlinkat", sys_symlinkat},
    {305, "readlinkat", sys_readlinkat},
    {306, "fchmodat", sys_fchmodat},
    {307, "faccessat", sys_faccessat},
    {310, "unshare", sys_unshare},
    {311, "set_robust_list", sys_set_robust_list},
    {320, "utimensat", sys_utimensat},
    {330, "dup3", sys_dup3},
    {331, "pipe2", sys_pipe2},
    {340, "prlimit64", sys_prlimit64},
    {346, "setns", sys_setns},
    {353, "renameat2", sys_renameat2},
    {355, "getrandom", sys_getrandom},
    {359, "socket", sys_socket},
    {360, "socketpair", sys_socketpair},
    {361, "bind", sys_bind},
    {362, "connect", sys_connect},
    {363, "listen", sys_listen},
    {364, "accept4", sys_accept4},
    {365, "getsockopt", sys_getsockopt},
    {366, "setsockopt", sys_setsockopt},
    {367, "getsockname", sys_getsockname},
    {368, "getpeername", sys_getpeername},
    {369, "sendto", sys_sendto},
    {370, "recvfrom", sys_recvfrom},
    {371, "sendmsg", sys_sendmsg},
    {372, "recvmsg", sys_recvmsg},
    {373, "shutdown", sys_shutdown},
    {383, "statx", sys_statx},
    {393, "semget", sys_semget},
    {394, "semctl", sys_semctl},
    {395, "shmget", sys_shmget},
    {396, "shmctl", sys_shmctl},
    {397, "shmat", sys_shmat},
    {398, "shmdt", sys_shmdt},
    {399, "msgget", sys_msgget},
    {400, "msgsnd", sys_msgsnd},
    {401, "msgrcv", sys_msgrcv},
    {402, "msgctl", sys_msgctl},
    {403, "clock_gettime64", sys_clock_gettime64},
    {407, "clock_nanosleep_time64", sys_clock_nanosleep_time64},
    {412, "utimensat_time64", sys_utimensat_time64},
    {420, "semtimedop_time64", sys_semtimedop_time64},
    {422, "futex_time64", sys_futex_time64},
};

constexpr uint32_t MAX_NR = 512;

// Index by number, built once from kTable.
const std::array<const Syscall*, MAX_NR>& by_number() {
  static const auto index = [] {
    std::array<const Syscall*, MAX_NR> t{};
    for (const Syscall& s : kTable) t[s.nr] = &s;
    return t;
  }();
  return index;
}

}  // namespace

const Syscall* lookup(uint32_t nr) { return nr < MAX_NR ? by_number()[nr] : nullptr; }

bool read_string_array(Process& p, uint32_t va, std::vector<std::string>& out, int32_t& error) {
  constexpr size_t MAX_TOTAL = 128 * 1024;  // keeps far below ARG_MAX; E2BIG beyond
  size_t total = 0;
  out.clear();
  if (!va) return true;
  for (uint32_t i = 0;; i++) {
    uint32_t ptr;
    if (!p.mm->copy_in(va + 4 * i, &ptr, 4)) {
      error = -linux_abi::LINUX_EFAULT;
      return false;
    }
    if (!ptr) return true;
    std::string s;
    if (!p.mm->read_string(ptr, s, 32 * 1024)) {
      error = -linux_abi::LINUX_EFAULT;
      return false;
    }
    total += s.size() + 1 + 4;
    if (total > MAX_TOTAL) {
      error = -linux_abi::LINUX_E2BIG;
      return false;
    }
    out.push_back(std::move(s));
  }
}

}  // namespace isolab::containers::syscalls
