// Linux i386 user ABI structures and constants used by miniOS system calls:
// open flags, signals, wait status, utsname, dirent64, timespec, reboot magic.
// Shared by kernel and libc. Lesson: "system calls".
#ifndef MINIOS_ABI_LINUX_ABI_H
#define MINIOS_ABI_LINUX_ABI_H

#include <stdint.h>

// open(2) flags (include/uapi/asm-generic/fcntl.h).
#define O_RDONLY    0
#define O_WRONLY    1
#define O_RDWR      2
#define O_ACCMODE   3
#define O_CREAT     0100
#define O_EXCL      0200
#define O_TRUNC     01000
#define O_APPEND    02000
#define O_DIRECTORY 0200000

// Signals (arch/x86/include/uapi/asm/signal.h).
#define SIGINT   2
#define SIGILL   4
#define SIGFPE   8
#define SIGKILL  9
#define SIGSEGV 11
#define SIGPIPE 13
#define SIGTERM 15
#define NSIG    32

// wait4 options and status encoding: exit code in bits 8..15, or the
// terminating signal in bits 0..6.
#define WNOHANG 1
#define W_EXITCODE(code) (((code) & 0xff) << 8)
#define WIFEXITED(s)   (((s) & 0x7f) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define WIFSIGNALED(s) (((s) & 0x7f) != 0 && ((s) & 0x7f) != 0x7f)
#define WTERMSIG(s)    ((s) & 0x7f)

// struct new_utsname, filled by uname(2).
#define UTS_LEN 65
struct utsname {
    char sysname[UTS_LEN];
    char nodename[UTS_LEN];
    char release[UTS_LEN];
    char version[UTS_LEN];
    char machine[UTS_LEN];
    char domainname[UTS_LEN];
};

// struct linux_dirent64, returned by getdents64(2).
struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[];
} __attribute__((packed));
#define DT_CHR 2
#define DT_DIR 4
#define DT_REG 8

struct timespec {
    int32_t tv_sec;
    int32_t tv_nsec;
};
struct timeval {
    int32_t tv_sec;
    int32_t tv_usec;
};
#define CLOCK_REALTIME  0
#define CLOCK_MONOTONIC 1

// reboot(2) magic numbers and commands (include/uapi/linux/reboot.h).
#define LINUX_REBOOT_MAGIC1 0xfee1dead
#define LINUX_REBOOT_MAGIC2 672274793
#define LINUX_REBOOT_CMD_RESTART   0x01234567
#define LINUX_REBOOT_CMD_HALT      0xCDEF0123
#define LINUX_REBOOT_CMD_POWER_OFF 0x4321FEDC

// ioctl(2) request that isatty() uses.
#define TCGETS 0x5401

#endif
