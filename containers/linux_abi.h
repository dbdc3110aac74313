// The Linux i386 user ABI as the container kernel speaks it: errno values
// (include/uapi/asm-generic/errno-base.h, errno.h), flag bits and constants
// (fcntl.h, mman.h, signal.h, auxvec.h), in one place so every syscall
// handler names them the way the man pages do. Structure layouts that are
// copied to user memory are written next to the handler that fills them.
// Every name carries a LINUX_ prefix: the host's own headers define the
// same names as macros, and these are the guest's values, not the host's.
#pragma once
#include <cstdint>

namespace isolab::containers::linux_abi {

// errno values, returned negated by system calls.
enum Errno : int32_t {
  LINUX_EPERM = 1, LINUX_ENOENT = 2, LINUX_ESRCH = 3, LINUX_EINTR = 4, LINUX_EIO = 5, LINUX_ENXIO = 6, LINUX_E2BIG = 7, LINUX_ENOEXEC = 8,
  LINUX_EBADF = 9, LINUX_ECHILD = 10, LINUX_EAGAIN = 11, LINUX_ENOMEM = 12, LINUX_EACCES = 13, LINUX_EFAULT = 14, LINUX_EBUSY = 16,
  LINUX_EEXIST = 17, LINUX_EXDEV = 18, LINUX_ENODEV = 19, LINUX_ENOTDIR = 20, LINUX_EISDIR = 21, LINUX_EINVAL = 22, LINUX_ENFILE = 23,
  LINUX_EMFILE = 24, LINUX_ENOTTY = 25, LINUX_EFBIG = 27, LINUX_ENOSPC = 28, LINUX_ESPIPE = 29, LINUX_EROFS = 30, LINUX_EMLINK = 31,
  LINUX_EPIPE = 32, LINUX_ERANGE = 34, LINUX_ENAMETOOLONG = 36, LINUX_ENOSYS = 38, LINUX_ENOTEMPTY = 39, LINUX_ELOOP = 40,
  LINUX_EUSERS = 87, LINUX_EOPNOTSUPP = 95,  // ENOTSUP
};

// open(2) flags (asm-generic/fcntl.h).
constexpr uint32_t LINUX_O_RDONLY = 0, LINUX_O_WRONLY = 1, LINUX_O_RDWR = 2, LINUX_O_ACCMODE = 3, LINUX_O_CREAT = 0100,
                   LINUX_O_EXCL = 0200, LINUX_O_NOCTTY = 0400, LINUX_O_TRUNC = 01000, LINUX_O_APPEND = 02000,
                   LINUX_O_NONBLOCK = 04000, LINUX_O_DIRECTORY = 0200000, LINUX_O_NOFOLLOW = 0400000,
                   LINUX_O_CLOEXEC = 02000000;
constexpr int32_t LINUX_AT_FDCWD = -100;
constexpr uint32_t LINUX_AT_SYMLINK_NOFOLLOW = 0x100, LINUX_AT_EMPTY_PATH = 0x1000;

// File types in st_mode (include/uapi/linux/stat.h) and d_type values.
constexpr uint32_t LINUX_S_IFMT = 0170000, LINUX_S_IFDIR = 0040000, LINUX_S_IFCHR = 0020000, LINUX_S_IFREG = 0100000,
                   LINUX_S_IFLNK = 0120000, LINUX_S_IFIFO = 0010000;
constexpr uint8_t LINUX_DT_FIFO = 1, LINUX_DT_CHR = 2, LINUX_DT_DIR = 4, LINUX_DT_REG = 8, LINUX_DT_LNK = 10;

// mmap(2) (asm-generic/mman-common.h).
constexpr uint32_t LINUX_PROT_READ = 1, LINUX_PROT_WRITE = 2, LINUX_PROT_EXEC = 4;
constexpr uint32_t LINUX_MAP_SHARED = 0x01, LINUX_MAP_PRIVATE = 0x02, LINUX_MAP_FIXED = 0x10, LINUX_MAP_ANONYMOUS = 0x20;

// Signals (arch/x86/include/uapi/asm/signal.h).
enum Signal : int {
  LINUX_SIGHUP = 1, LINUX_SIGINT = 2, LINUX_SIGQUIT = 3, LINUX_SIGILL = 4, LINUX_SIGTRAP = 5, LINUX_SIGABRT = 6, LINUX_SIGBUS = 7,
  LINUX_SIGFPE = 8, LINUX_SIGKILL = 9, LINUX_SIGUSR1 = 10, LINUX_SIGSEGV = 11, LINUX_SIGUSR2 = 12, LINUX_SIGPIPE = 13,
  LINUX_SIGALRM = 14, LINUX_SIGTERM = 15, LINUX_SIGCHLD = 17, LINUX_SIGCONT = 18, LINUX_SIGSTOP = 19, LINUX_SIGTSTP = 20,
  LINUX_SIGTTIN = 21, LINUX_SIGTTOU = 22, LINUX_SIGURG = 23, LINUX_SIGWINCH = 28, LINUX_NSIG = 64,
};
constexpr uint32_t LINUX_SIG_DFL = 0, LINUX_SIG_IGN = 1;

// wait4(2) options.
constexpr uint32_t LINUX_WNOHANG = 1, LINUX_WUNTRACED = 2;

// clone(2) flags (include/uapi/linux/sched.h).
constexpr uint32_t LINUX_CLONE_VM = 0x100, LINUX_CLONE_FS = 0x200, LINUX_CLONE_FILES = 0x400,
                   LINUX_CLONE_SIGHAND = 0x800, LINUX_CLONE_VFORK = 0x4000, LINUX_CLONE_THREAD = 0x10000,
                   LINUX_CLONE_SYSVSEM = 0x40000, LINUX_CSIGNAL = 0xff,
                   LINUX_CLONE_NEWTIME = 0x80,  // clone3 and unshare only: it shares CSIGNAL's bits in clone()
                   LINUX_CLONE_NEWNS = 0x00020000, LINUX_CLONE_NEWCGROUP = 0x02000000,
                   LINUX_CLONE_NEWUTS = 0x04000000, LINUX_CLONE_NEWIPC = 0x08000000,
                   LINUX_CLONE_NEWUSER = 0x10000000, LINUX_CLONE_NEWPID = 0x20000000,
                   LINUX_CLONE_NEWNET = 0x40000000;

// ioctl requests (asm-generic/ioctls.h).
constexpr uint32_t LINUX_TCGETS = 0x5401, LINUX_TIOCGPGRP = 0x540F, LINUX_TIOCSPGRP = 0x5410, LINUX_TIOCGWINSZ = 0x5413;

// Clocks (include/uapi/linux/time.h).
constexpr uint32_t LINUX_CLOCK_REALTIME = 0, LINUX_CLOCK_MONOTONIC = 1, LINUX_CLOCK_PROCESS_CPUTIME_ID = 2,
                   LINUX_CLOCK_THREAD_CPUTIME_ID = 3, LINUX_CLOCK_MONOTONIC_RAW = 4, LINUX_CLOCK_REALTIME_COARSE = 5,
                   LINUX_CLOCK_MONOTONIC_COARSE = 6, LINUX_CLOCK_BOOTTIME = 7;

// Auxiliary vector tags (include/uapi/linux/auxvec.h).
enum AuxTag : uint32_t {
  AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7,
  AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14,
  AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25,
  AT_HWCAP2 = 26, AT_EXECFN = 31,
};

// The i386 segment selectors Linux gives user space (arch/x86/include/asm/segment.h):
// GDT entries 6..8 are the thread-local storage slots of set_thread_area(2).
constexpr uint16_t USER_CS = 0x73, USER_DS = 0x7b;
constexpr int GDT_ENTRY_TLS_MIN = 6, GDT_ENTRY_TLS_ENTRIES = 3;
constexpr int GDT_ENTRY_KERNEL_CS = 12, GDT_ENTRY_KERNEL_DS = 13;
constexpr int GDT_ENTRY_USER_CS = 14, GDT_ENTRY_USER_DS = 15;

constexpr uint32_t PAGE_SIZE = 4096;
// The 3 GiB / 1 GiB split: user space below, the kernel's map of RAM above.
constexpr uint32_t PAGE_OFFSET = 0xC0000000u;
// RLIMIT_STACK's default, and the size of the stack area below PAGE_OFFSET.
constexpr uint32_t STACK_SIZE = 8u << 20;
// Where mmap places mappings without an address: top-down from here.
constexpr uint32_t MMAP_BASE = PAGE_OFFSET - STACK_SIZE - (1u << 20);

}  // namespace isolab::containers::linux_abi
