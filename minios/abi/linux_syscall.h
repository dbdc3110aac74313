// Linux i386 system call numbers that miniOS implements (arch/x86/entry/
// syscalls/syscall_32.tbl). Shared by the kernel's dispatch table and the
// libc wrappers so there is one list. Lesson: "system calls".
#ifndef MINIOS_ABI_LINUX_SYSCALL_H
#define MINIOS_ABI_LINUX_SYSCALL_H

#define SYS_exit            1
#define SYS_fork            2
#define SYS_read            3
#define SYS_write           4
#define SYS_open            5
#define SYS_close           6
#define SYS_waitpid         7
#define SYS_unlink         10
#define SYS_execve         11
#define SYS_chdir          12
#define SYS_getpid         20
#define SYS_kill           37
#define SYS_mkdir          39
#define SYS_dup            41
#define SYS_pipe           42
#define SYS_brk            45
#define SYS_ioctl          54
#define SYS_dup2           63
#define SYS_getppid        64
#define SYS_sethostname    74
#define SYS_gettimeofday   78
#define SYS_reboot         88
#define SYS_wait4         114
#define SYS_uname         122
#define SYS_sched_yield   158
#define SYS_nanosleep     162
#define SYS_getcwd        183
#define SYS_getuid32      199
#define SYS_getdents64    220
#define SYS_gettid        224
#define SYS_exit_group    252
#define SYS_clock_gettime 265

// Not a Linux call: the deliberate kernel bug of the isolation lesson.
// Enabled only by the kernel command-line option bug=1; a Linux kernel
// answers -ENOSYS. kwrite(kernel_addr, user_buf, len) copies user bytes
// into kernel memory without any check.
#define SYS_minios_kwrite 500

#endif
