// The process: its address space, kernel stack, saved registers, open
// files and state in the scheduler. Lesson: "processes".
#ifndef MINIOS_PROC_H
#define MINIOS_PROC_H

#include "types.h"
#include "param.h"

// What the trap entry code leaves on the kernel stack (trapasm.S):
// general registers (pushal), data segments, vector number and error code,
// then what the CPU pushed. esp and ss are there only for traps from ring 3.
struct trapframe {
    uint32_t edi, esi, ebp, oesp, ebx, edx, ecx, eax;
    uint32_t gs, fs, es, ds;
    uint32_t trapno;
    uint32_t err;
    uint32_t eip, cs, eflags;
    uint32_t esp, ss;
};

// Callee-saved registers of a kernel thread, saved by swtch() on its own
// stack; eip is swtch's return address.
struct context {
    uint32_t edi, esi, ebx, ebp, eip;
};

enum procstate { UNUSED, EMBRYO, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

struct proc {
    enum procstate state;
    int pid;
    struct proc *parent;
    pde_t *pgdir;              // page directory (kernel virtual address)
    uint32_t brk_start;        // end of the loaded program, page aligned
    uint32_t brk;              // current program break
    char *kstack;              // bottom of the kernel stack
    struct trapframe *tf;      // user registers, at the top of kstack
    struct context *context;   // kernel registers saved by swtch()
    void *chan;                // what a SLEEPING process waits for
    int killed;                // pending fatal signal, 0 if none
    int xstatus;               // wait status once ZOMBIE
    uint32_t sleep_until;      // tick that ends nanosleep
    uint32_t start_tick;       // tick the process was created
    uint32_t ticks_user, ticks_sys;
    struct file *ofile[NOFILE];
    struct inode *cwd;
    char name[16];
};

extern struct proc proc_table[NPROC];
extern struct proc *current;   // the running process, or 0 in the scheduler
extern uint32_t ticks;         // timer interrupts since boot

#endif
