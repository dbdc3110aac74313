// System call dispatch. A user program puts the Linux i386 call number in
// eax and up to six arguments in ebx, ecx, edx, esi, edi, ebp, then runs
// int 0x80; the result (or -errno) comes back in eax. The table below maps
// numbers to handlers; an unknown number gets -ENOSYS and a console line,
// so a student sees which call a foreign program needed.
// Linux arch/x86/entry/syscalls/syscall_32.tbl. Lesson: "system calls".
#include "defs.h"
#include "proc.h"
#include "linux_syscall.h"
#include "linux_errno.h"

syscall_fn syscall_table[] = {
    [SYS_exit] = sys_exit,
    [SYS_fork] = sys_fork,
    [SYS_read] = sys_read,
    [SYS_write] = sys_write,
    [SYS_open] = sys_open,
    [SYS_close] = sys_close,
    [SYS_waitpid] = sys_waitpid,
    [SYS_unlink] = sys_unlink,
    [SYS_execve] = sys_execve,
    [SYS_chdir] = sys_chdir,
    [SYS_getpid] = sys_getpid,
    [SYS_kill] = sys_kill,
    [SYS_mkdir] = sys_mkdir,
    [SYS_dup] = sys_dup,
    [SYS_pipe] = sys_pipe,
    [SYS_brk] = sys_brk,
    [SYS_ioctl] = sys_ioctl,
    [SYS_dup2] = sys_dup2,
    [SYS_getppid] = sys_getppid,
    [SYS_sethostname] = sys_sethostname,
    [SYS_gettimeofday] = sys_gettimeofday,
    [SYS_reboot] = sys_reboot,
    [SYS_wait4] = sys_wait4,
    [SYS_uname] = sys_uname,
    [SYS_sched_yield] = sys_sched_yield,
    [SYS_nanosleep] = sys_nanosleep,
    [SYS_getcwd] = sys_getcwd,
    [SYS_getuid32] = sys_getuid,
    [SYS_getdents64] = sys_getdents64,
    [SYS_gettid] = sys_getpid,
    [SYS_exit_group] = sys_exit,
    [SYS_clock_gettime] = sys_clock_gettime,
    [SYS_minios_kwrite] = sys_minios_kwrite,
};

void syscall(struct trapframe *tf) {
    uint32_t nr = tf->eax;
    uint32_t arg[6] = {tf->ebx, tf->ecx, tf->edx, tf->esi, tf->edi, tf->ebp};
    if (nr < NELEM(syscall_table) && syscall_table[nr]) {
        tf->eax = (uint32_t)syscall_table[nr](arg);
    } else {
        kprintf("miniOS: %s[%d]: unknown system call %u, returning -ENOSYS\n",
                current->name, current->pid, nr);
        tf->eax = (uint32_t)-ENOSYS;
    }
}
