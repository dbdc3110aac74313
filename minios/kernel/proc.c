// Processes and the scheduler. The process table has NPROC slots; each
// process has a kernel stack holding its trap frame and, while it is not
// running, the registers swtch() saved. scheduler() runs on the boot
// stack and picks RUNNABLE processes round robin; a process gives up the
// CPU by sleeping, exiting, or being preempted by the timer (trap.c).
// fork copies the address space copy-on-write; exit leaves a ZOMBIE that
// the parent collects with wait4; orphans go to init (pid 1).
// Lessons: "processes", "fork and copy-on-write", "preemptive scheduling".
#include "defs.h"
#include "proc.h"
#include "fs.h"
#include "mmu.h"
#include "x86.h"
#include "linux_abi.h"
#include "linux_errno.h"

struct proc proc_table[NPROC];
struct proc *current;
uint32_t ticks;

static struct context *scheduler_context;
static int next_pid = 1;
static struct proc *init_proc;
static const char *init_path;
extern void trapret(void);

void proc_init(void) {
    memset(proc_table, 0, sizeof(proc_table));
}

struct proc *proc_find(int pid) {
    for (struct proc *p = proc_table; p < &proc_table[NPROC]; p++)
        if (p->state != UNUSED && p->pid == pid)
            return p;
    return 0;
}

static void forkret(void);

// Claim a free slot and give it a kernel stack arranged so that the first
// swtch() to it "returns" into forkret() and then trapret, which enters
// user mode with the registers in p->tf. Return 0 if the table is full or
// memory is short.
struct proc *proc_alloc(void) {
    struct proc *p;
    for (p = proc_table; p < &proc_table[NPROC]; p++)
        if (p->state == UNUSED)
            break;
    if (p == &proc_table[NPROC])
        return 0;
    char *kstack = kmalloc(KSTACKSIZE);
    if (!kstack)
        return 0;
    memset(p, 0, sizeof(*p));
    p->kstack = kstack;
    p->state = EMBRYO;
    p->pid = next_pid++;
    p->start_tick = ticks;

    char *sp = kstack + KSTACKSIZE;
    sp -= sizeof(struct trapframe);
    p->tf = (struct trapframe *)sp;
    memset(p->tf, 0, sizeof(*p->tf));
    sp -= 4;
    *(uint32_t *)sp = (uint32_t)trapret;
    sp -= sizeof(struct context);
    p->context = (struct context *)sp;
    memset(p->context, 0, sizeof(*p->context));
    p->context->eip = (uint32_t)forkret;
    return p;
}

// Create pid 1: an empty address space that forkret() fills by executing
// path, with the console open as file descriptors 0, 1 and 2.
void user_init(const char *path) {
    struct proc *p = proc_alloc();
    if (!p || !(p->pgdir = vm_new_pgdir()))
        panic("user_init: out of memory");
    init_proc = p;
    p->tf->cs = (SEG_UCODE << 3) | DPL_USER;
    p->tf->ds = p->tf->es = p->tf->fs = p->tf->gs = p->tf->ss = (SEG_UDATA << 3) | DPL_USER;
    p->tf->eflags = FL_IF;
    p->cwd = ramfs_root();
    strncpy_z(p->name, "init", sizeof(p->name));
    struct inode *console = namei("/dev/console");
    for (int fd = 0; fd < 3; fd++) {
        struct file *f = file_alloc();
        if (!console || !f)
            panic("user_init: no /dev/console");
        f->type = FD_INODE;
        f->ip = console;
        f->readable = f->writable = 1;
        p->ofile[fd] = f;
    }
    init_path = path;
    p->state = RUNNABLE;
}

// A new process's first kernel code. The very first process executes init
// here, where it has a process context to exec into.
static void forkret(void) {
    static int first = 1;
    if (first) {
        first = 0;
        char *argv[] = {(char *)init_path, 0};
        char *envp[] = {"PATH=/bin", 0};
        int r = exec(init_path, argv, envp);
        if (r < 0)
            panic("cannot run %s (error %d)", init_path, -r);
    }
}

// Switch to the scheduler. The caller has set current->state.
static void sched(void) {
    swtch(&current->context, scheduler_context);
}

// Round-robin over the process table, forever. With nothing to run, halt
// with interrupts on until the next one arrives (a HLT exit, cheap for the
// hypervisor).
void scheduler(void) {
    for (;;) {
        int ran = 0;
        for (struct proc *p = proc_table; p < &proc_table[NPROC]; p++) {
            if (p->state != RUNNABLE)
                continue;
            ran = 1;
            current = p;
            vm_switch(p);
            p->state = RUNNING;
            swtch(&scheduler_context, p->context);
            vm_switch_kernel();
            current = 0;
        }
        if (!ran) {
            sti_hlt();
            cli();
        }
    }
}

void yield(void) {
    current->state = RUNNABLE;
    sched();
}

// Sleep until wakeup(chan). Callers re-check their condition in a loop,
// and also current->killed, since kill() wakes sleepers.
void sleep_on(void *chan) {
    current->chan = chan;
    current->state = SLEEPING;
    sched();
    current->chan = 0;
}

void wakeup(void *chan) {
    for (struct proc *p = proc_table; p < &proc_table[NPROC]; p++)
        if (p->state == SLEEPING && p->chan == chan)
            p->state = RUNNABLE;
}

// Charge the current timer tick to the running process.
void proc_tick(int from_user) {
    if (!current)
        return;
    if (from_user)
        current->ticks_user++;
    else
        current->ticks_sys++;
}

// Create a child that is a copy of the caller; return its pid to the
// parent (the child sees 0 in eax), -EAGAIN if the table is full or
// -ENOMEM.
int proc_fork(void) {
    struct proc *np = proc_alloc();
    if (!np)
        return -EAGAIN;
    np->pgdir = vm_copy_cow(current->pgdir);
    if (!np->pgdir) {
        kmfree(np->kstack);
        np->state = UNUSED;
        return -ENOMEM;
    }
    *np->tf = *current->tf;
    np->tf->eax = 0;
    np->brk_start = current->brk_start;
    np->brk = current->brk;
    np->parent = current;
    for (int fd = 0; fd < NOFILE; fd++)
        if (current->ofile[fd])
            np->ofile[fd] = file_dup(current->ofile[fd]);
    np->cwd = current->cwd;
    memcpy(np->name, current->name, sizeof(np->name));
    np->state = RUNNABLE;
    return np->pid;
}

// Terminate the current process with the given wait status. Its memory and
// files are released now; the slot and kernel stack when the parent waits.
void proc_exit(int status) {
    struct proc *p = current;
    if (p == init_proc)
        panic("init exited with status %x", status);
    for (int fd = 0; fd < NOFILE; fd++) {
        if (p->ofile[fd]) {
            file_close(p->ofile[fd]);
            p->ofile[fd] = 0;
        }
    }
    vm_switch_kernel();
    vm_free(p->pgdir);
    p->pgdir = 0;
    for (struct proc *c = proc_table; c < &proc_table[NPROC]; c++) {
        if (c->state != UNUSED && c->parent == p) {
            c->parent = init_proc;
            if (c->state == ZOMBIE)
                wakeup(init_proc);
        }
    }
    p->xstatus = status;
    p->state = ZOMBIE;
    wakeup(p->parent);
    sched();
    panic("zombie %d ran", p->pid);
}

// wait4(pid, &status, options): collect a child that has exited. pid -1
// (or 0: miniOS has no process groups) means any child. Return its pid, 0
// with WNOHANG if none is ready, -ECHILD if there is no such child.
int proc_wait(int pid, uint32_t status_va, int options) {
    for (;;) {
        int have_kids = 0;
        for (struct proc *p = proc_table; p < &proc_table[NPROC]; p++) {
            if (p->state == UNUSED || p->parent != current)
                continue;
            if (pid > 0 && p->pid != pid)
                continue;
            have_kids = 1;
            if (p->state != ZOMBIE)
                continue;
            if (status_va && copyout(current->pgdir, status_va, &p->xstatus, 4) < 0)
                return -EFAULT;
            int child = p->pid;
            kmfree(p->kstack);
            memset(p, 0, sizeof(*p));
            p->state = UNUSED;
            return child;
        }
        if (!have_kids)
            return -ECHILD;
        if (options & WNOHANG)
            return 0;
        if (current->killed)
            return -EINTR;
        sleep_on(current);
    }
}

// Deliver sig to pid. miniOS has no signal handlers, so every signal it
// supports has its default action, terminate; it takes effect the next
// time the process returns to user mode. Like Linux, init ignores signals.
int proc_kill(int pid, int sig) {
    if (sig < 0 || sig >= NSIG)
        return -EINVAL;
    struct proc *p = proc_find(pid);
    if (!p || p->state == ZOMBIE)
        return p ? 0 : -ESRCH;
    if (sig == 0 || p == init_proc)
        return 0;
    if (!p->killed)
        p->killed = sig;
    if (p->state == SLEEPING)
        p->state = RUNNABLE;
    return 0;
}

// Ctrl-C. miniOS has no process groups or sessions, so "the foreground
// job" is every child of a process blocked in wait4 (a shell waiting for
// its command); background jobs' shell is reading the console instead.
// Return how many processes were signalled.
int proc_interrupt_foreground(void) {
    int n = 0;
    for (struct proc *p = proc_table; p < &proc_table[NPROC]; p++) {
        struct proc *parent = p->parent;
        if (p->state != UNUSED && p->state != ZOMBIE && parent && parent != init_proc &&
            parent->state == SLEEPING && parent->chan == parent)
            n += proc_kill(p->pid, SIGINT) == 0;
    }
    return n;
}

// Print the process table on the console (Ctrl-P, like xv6's procdump).
void proc_dump(void) {
    static const char *const names[] = {"unused", "embryo", "sleep", "runnable", "run", "zombie"};
    for (struct proc *p = proc_table; p < &proc_table[NPROC]; p++)
        if (p->state != UNUSED)
            kprintf("%d %s %s\n", p->pid, names[p->state], p->name);
}
