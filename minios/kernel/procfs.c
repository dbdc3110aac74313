// A small /proc, enough for ps and free: the text of each file is
// generated when it is opened, in Linux's formats (proc(5)):
//   /proc               one directory per pid, meminfo, uptime, kallsyms
//   /proc/<pid>/stat    "pid (comm) state ppid ..." with utime and vsize
//   /proc/meminfo       MemTotal / MemFree / MemAvailable in kB
//   /proc/uptime        seconds since boot
//   /proc/kallsyms      addresses of a few kernel objects (bug lesson)
// The same ps and free binaries read the container kernel's /proc.
// Lesson: "processes" and "what ps sees".
#include "defs.h"
#include "fs.h"
#include "mmu.h"
#include "proc.h"
#include "linux_abi.h"
#include "linux_errno.h"

#define SNAPSIZE 4096

static const char state_letter[] = {'?', 'R', 'S', 'R', 'R', 'Z'};

extern struct utsname utsname_kernel;

static int pid_dir_list(char *buf) {
    int len = ksnprintf(buf, SNAPSIZE, "fkallsyms\nfmeminfo\nfuptime\n");
    for (struct proc *p = proc_table; p < &proc_table[NPROC]; p++)
        if (p->state != UNUSED && len < SNAPSIZE - 16)
            len += ksnprintf(buf + len, SNAPSIZE - len, "d%d\n", p->pid);
    return len;
}

static int pid_stat(char *buf, struct proc *p) {
    uint32_t vsize = p->brk - (p->brk ? 0x08048000 : 0) + USTACKSIZE;
    return ksnprintf(buf, SNAPSIZE,
                     "%d (%s) %c %d %d %d 0 -1 0 0 0 0 0 %u %u 0 0 20 0 1 0 %u %u %u\n",
                     p->pid, p->name, state_letter[p->state], p->parent ? p->parent->pid : 0,
                     p->pid, p->pid, p->ticks_user, p->ticks_sys, p->start_tick,
                     p->state == ZOMBIE ? 0 : vsize, p->state == ZOMBIE ? 0 : vsize / PGSIZE);
}

// Parse a decimal pid at s; return it and set *end, or -1.
static int parse_pid(const char *s, const char **end) {
    int pid = 0;
    if (*s < '0' || *s > '9')
        return -1;
    while (*s >= '0' && *s <= '9')
        pid = pid * 10 + (*s++ - '0');
    *end = s;
    return pid;
}

// Fill f with the contents of path (which starts with "/proc").
int procfs_open(const char *path, struct file *f) {
    const char *rest = path + 5;
    while (*rest == '/')
        rest++;
    char *buf = kmalloc(SNAPSIZE);
    if (!buf)
        return -ENOMEM;
    int len = -ENOENT, dir = 0;
    if (!*rest) {
        len = pid_dir_list(buf);
        dir = 1;
    } else if (!strcmp(rest, "meminfo")) {
        uint32_t total = frames_total() * (PGSIZE / 1024), free = frames_free() * (PGSIZE / 1024);
        len = ksnprintf(buf, SNAPSIZE, "MemTotal:     %8u kB\nMemFree:      %8u kB\n"
                        "MemAvailable: %8u kB\n", total, free, free);
    } else if (!strcmp(rest, "uptime")) {
        len = ksnprintf(buf, SNAPSIZE, "%u.%02u 0.00\n", ticks / HZ, ticks % HZ);
    } else if (!strcmp(rest, "kallsyms")) {
        len = ksnprintf(buf, SNAPSIZE, "%p D utsname\n%p D sys_call_table\n%p D proc_table\n",
                        (uint32_t)&utsname_kernel, (uint32_t)syscall_table, (uint32_t)proc_table);
    } else {
        const char *after;
        int pid = !strncmp(rest, "self", 4) ? (after = rest + 4, current->pid)
                                             : parse_pid(rest, &after);
        struct proc *p = pid > 0 ? proc_find(pid) : 0;
        while (p && *after == '/')
            after++;
        if (p && !*after) {
            len = ksnprintf(buf, SNAPSIZE, "fstat\n");
            dir = 1;
        } else if (p && !strcmp(after, "stat")) {
            len = pid_stat(buf, p);
        }
    }
    if (len < 0) {
        kmfree(buf);
        return len;
    }
    f->type = FD_SNAP;
    f->snap = buf;
    f->snaplen = len < SNAPSIZE ? len : SNAPSIZE - 1;
    f->snapdir = dir;
    f->readable = 1;
    return 0;
}
