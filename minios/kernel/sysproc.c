// Process, memory, time and system system calls: the thin layer that
// checks user arguments and calls proc.c, vm.c and exec.c. Also the
// deliberate bug of the isolation lesson (sys_minios_kwrite).
// Lessons: "system calls", "processes", "isolation: a kernel bug".
#include "defs.h"
#include "mmu.h"
#include "proc.h"
#include "x86.h"
#include "linux_abi.h"
#include "linux_errno.h"

int kernel_bug_enabled;

struct utsname utsname_kernel = {
    .sysname = "miniOS",
    .nodename = "minios",
    .release = "0.1.0",
    .version = "#1 isolab",
    .machine = "i686",
    .domainname = "(none)",
};

int sys_exit(const uint32_t *arg) {
    proc_exit(W_EXITCODE(arg[0]));
}

int sys_fork(const uint32_t *arg) {
    return proc_fork();
}

int sys_waitpid(const uint32_t *arg) {
    return proc_wait((int)arg[0], arg[1], (int)arg[2]);
}

int sys_wait4(const uint32_t *arg) {
    return proc_wait((int)arg[0], arg[1], (int)arg[2]);   // rusage is not filled
}

// Copy a NULL-terminated user array of strings into the kernel block buf
// (size bytes), with pointers in out[max]. Return the count or -errno.
static int copyin_strings(uint32_t uva, char **out, int max, char **buf, char *limit) {
    int n = 0;
    for (; uva; n++, uva += 4) {
        uint32_t s;
        if (copyin(current->pgdir, &s, uva, 4) < 0)
            return -EFAULT;
        if (!s)
            break;
        if (n >= max)
            return -E2BIG;
        int len = copyin_str(current->pgdir, *buf, s, limit - *buf);
        if (len < 0)
            return len == -ENAMETOOLONG ? -E2BIG : len;
        out[n] = *buf;
        *buf += len + 1;
    }
    out[n] = 0;
    return n;
}

int sys_execve(const uint32_t *arg) {
    char *block = kmalloc(2 * PGSIZE);       // path, argument and environment strings
    if (!block)
        return -ENOMEM;
    char *argv[MAXARG + 1], *envp[MAXARG + 1];
    char *buf = block, *limit = block + 2 * PGSIZE;
    int r = copyin_str(current->pgdir, buf, arg[0], MAXPATH);
    char *path = buf;
    if (r >= 0) {
        buf += r + 1;
        r = copyin_strings(arg[1], argv, MAXARG, &buf, limit);
    }
    if (r >= 0)
        r = copyin_strings(arg[2], envp, MAXARG, &buf, limit);
    if (r >= 0)
        r = exec(path, argv, envp);
    kmfree(block);
    return r;
}

int sys_getpid(const uint32_t *arg) {
    return current->pid;
}

int sys_getppid(const uint32_t *arg) {
    return current->parent ? current->parent->pid : 0;
}

int sys_getuid(const uint32_t *arg) {
    return 0;   // everyone is root in miniOS
}

int sys_kill(const uint32_t *arg) {
    return proc_kill((int)arg[0], (int)arg[1]);
}

// brk(addr): move the program break. Pages are allocated now, not on first
// touch, so running out of memory shows up here as a failed brk (malloc
// returns NULL) rather than as a kill later. Returns the new break, or
// the old one on failure, as Linux does.
int sys_brk(const uint32_t *arg) {
    struct proc *p = current;
    uint32_t want = arg[0];
    if (want < p->brk_start || want > USERTOP - USTACKSIZE - PGSIZE)
        return (int)p->brk;
    uint32_t old_top = PGROUNDUP(p->brk), new_top = PGROUNDUP(want);
    if (new_top > old_top) {
        if (vm_alloc_user(p->pgdir, old_top, new_top) < 0)
            return (int)p->brk;
    } else if (new_top < old_top) {
        vm_dealloc_user(p->pgdir, new_top, old_top);
    }
    p->brk = want;
    return (int)want;
}

int sys_nanosleep(const uint32_t *arg) {
    struct timespec ts;
    if (copyin(current->pgdir, &ts, arg[0], sizeof(ts)) < 0)
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -EINVAL;
    uint32_t delta = (uint32_t)ts.tv_sec * HZ + (uint32_t)(ts.tv_nsec + 9999999) / 10000000;
    uint32_t until = ticks + delta;
    while ((int32_t)(ticks - until) < 0) {
        if (current->killed)
            return -EINTR;
        sleep_on(&ticks);
    }
    return 0;
}

int sys_sched_yield(const uint32_t *arg) {
    yield();
    return 0;
}

// Nanoseconds since boot: ticks plus the PIT counter, never going back.
static uint64_t uptime_ns(void) {
    static uint64_t last;
    uint64_t now = (uint64_t)ticks * (1000000000 / HZ) + pit_ns_since_tick();
    if (now < last)
        now = last;
    last = now;
    return now;
}

static struct timespec ns_to_timespec(uint64_t ns) {
    // Split without 64-bit division (the kernel does not link libgcc).
    uint32_t sec = 0;
    while (ns >= 1000000000ull * 16) {
        ns -= 1000000000ull * 16;
        sec += 16;
    }
    while (ns >= 1000000000ull) {
        ns -= 1000000000ull;
        sec++;
    }
    struct timespec ts = {(int32_t)sec, (int32_t)ns};
    return ts;
}

// Both clocks count from boot: miniOS has no real-time clock driver.
int sys_clock_gettime(const uint32_t *arg) {
    if (arg[0] != CLOCK_REALTIME && arg[0] != CLOCK_MONOTONIC)
        return -EINVAL;
    struct timespec ts = ns_to_timespec(uptime_ns());
    return copyout(current->pgdir, arg[1], &ts, sizeof(ts));
}

int sys_gettimeofday(const uint32_t *arg) {
    struct timespec ts = ns_to_timespec(uptime_ns());
    struct timeval tv = {ts.tv_sec, ts.tv_nsec / 1000};
    return arg[0] ? copyout(current->pgdir, arg[0], &tv, sizeof(tv)) : 0;
}

int sys_uname(const uint32_t *arg) {
    return copyout(current->pgdir, arg[0], &utsname_kernel, sizeof(utsname_kernel));
}

int sys_sethostname(const uint32_t *arg) {
    uint32_t len = arg[1];
    if (len >= UTS_LEN)
        return -EINVAL;
    char name[UTS_LEN];
    if (copyin(current->pgdir, name, arg[0], len) < 0)
        return -EFAULT;
    name[len] = 0;
    memcpy(utsname_kernel.nodename, name, len + 1);
    return 0;
}

// reboot(magic1, magic2, cmd): power off or halt leaves the VM with
// isa-debug-exit value 0 (QEMU exit status 1), restart with value 2.
int sys_reboot(const uint32_t *arg) {
    if (arg[0] != LINUX_REBOOT_MAGIC1 || arg[1] != LINUX_REBOOT_MAGIC2)
        return -EINVAL;
    switch (arg[2]) {
    case LINUX_REBOOT_CMD_POWER_OFF:
    case LINUX_REBOOT_CMD_HALT:
        kprintf("miniOS: power down\n");
        machine_exit(0);
    case LINUX_REBOOT_CMD_RESTART:
        kprintf("miniOS: restart\n");
        machine_exit(2);
    default:
        return -EINVAL;
    }
}

// THE DELIBERATE BUG (isolation lesson). kwrite(addr, buf, len) copies
// len user bytes to any address, kernel memory included, without checking
// it. Enabled only by the boot option bug=1. Inside a VM the damage stays
// in that VM's kernel; in a container host it would reach every container.
int sys_minios_kwrite(const uint32_t *arg) {
    if (!kernel_bug_enabled)
        return -ENOSYS;
    uint32_t addr = arg[0], len = arg[2];
    if (len > PGSIZE)
        return -EINVAL;
    char buf[256];
    for (uint32_t done = 0; done < len;) {
        uint32_t chunk = len - done < sizeof(buf) ? len - done : sizeof(buf);
        if (copyin(current->pgdir, buf, arg[1] + done, chunk) < 0)
            return -EFAULT;
        memcpy((char *)addr + done, buf, chunk);
        done += chunk;
    }
    kprintf("miniOS: kwrite: %s[%d] wrote %u bytes at %p\n", current->name, current->pid,
            len, addr);
    return (int)len;
}
