// Interrupt descriptor table and the C side of every trap: exceptions,
// hardware interrupts and the int 0x80 system call all arrive in trap().
// A fault in user mode becomes a signal that kills only that process
// (after copy-on-write has had its chance); a fault in kernel mode is a
// kernel bug and panics. On the way back to user mode the timer interrupt
// preempts the process. Intel SDM vol. 3, chapter 6.
// Lessons: "interrupts", "a user fault kills one process", "preemption".
#include "defs.h"
#include "proc.h"
#include "mmu.h"
#include "x86.h"
#include "linux_abi.h"

#define T_PGFLT 14
#define T_IRQ0 32
#define T_SYSCALL 0x80

struct gatedesc {
    uint16_t off_lo, sel;
    uint8_t zero, type_attr;
    uint16_t off_hi;
} __attribute__((packed));

static struct gatedesc idt[256];
extern uint32_t trap_vectors[48];
extern uint32_t trap_vector_syscall;

// Interrupt gates clear EFLAGS.IF, so the kernel always runs with
// interrupts off: on one CPU that is all the locking miniOS needs. Only
// the idle loop in scheduler() lets interrupts in.
static void set_gate(int vec, uint32_t handler, int dpl) {
    idt[vec].off_lo = handler & 0xFFFF;
    idt[vec].off_hi = handler >> 16;
    idt[vec].sel = SEG_KCODE << 3;
    idt[vec].zero = 0;
    idt[vec].type_attr = (uint8_t)(0x8E | (dpl << 5));   // P, 32-bit interrupt gate
}

void idt_init(void) {
    for (int i = 0; i < 48; i++)
        set_gate(i, trap_vectors[i], 0);
    set_gate(T_SYSCALL, trap_vector_syscall, DPL_USER);  // int 0x80 from ring 3
    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint32_t)idt};
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

static const char *const exception_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
    "invalid opcode", "device not available", "double fault", "coprocessor overrun",
    "invalid TSS", "segment not present", "stack fault", "general protection",
    "page fault", "reserved", "x87 error", "alignment check", "machine check",
    "SIMD error",
};

// The signal Linux sends for each exception taken in user mode.
static int exception_signal(int trapno) {
    switch (trapno) {
    case 0: case 16: case 19: return SIGFPE;
    case 6: return SIGILL;
    default: return SIGSEGV;
    }
}

static void user_fault(struct trapframe *tf) {
    uint32_t cr2 = read_cr2();
    if (tf->trapno == T_PGFLT && (tf->err & (PF_P | PF_W)) == (PF_P | PF_W)) {
        int r = vm_cow_fault(current->pgdir, cr2);
        if (r == 0)
            return;                      // copied: retry the write
        if (r == -2) {
            kprintf("%s[%d]: out of memory copying page %p, killed\n",
                    current->name, current->pid, PGROUNDDOWN(cr2));
            current->killed = SIGKILL;
            return;
        }
    }
    const char *what = tf->trapno < 32 && exception_names[tf->trapno]
                           ? exception_names[tf->trapno] : "exception";
    if (tf->trapno == T_PGFLT)
        kprintf("%s[%d]: segfault at %x ip %p sp %p error %x\n",
                current->name, current->pid, cr2, tf->eip, tf->esp, tf->err);
    else
        kprintf("%s[%d]: %s (trap %d) ip %p sp %p\n",
                current->name, current->pid, what, tf->trapno, tf->eip, tf->esp);
    current->killed = exception_signal(tf->trapno);
}

void trap(struct trapframe *tf) {
    int from_user = (tf->cs & 3) == DPL_USER;
    int timer = 0;

    if (tf->trapno == T_SYSCALL) {
        syscall(tf);
    } else if (tf->trapno >= T_IRQ0 && tf->trapno < T_IRQ0 + 16) {
        int irq = tf->trapno - T_IRQ0;
        if (irq == 0) {
            timer = 1;
            ticks++;
            proc_tick(from_user);
            console_intr();              // poll, in case a UART IRQ was lost
            wakeup(&ticks);
        } else if (irq == 4) {
            console_intr();
        }
        if (irq != 7 && irq != 15)       // 7 and 15 may be spurious: no EOI
            pic_eoi(irq);
    } else if (!from_user || !current) {
        const char *what = tf->trapno < 32 && exception_names[tf->trapno]
                               ? exception_names[tf->trapno] : "unknown trap";
        panic_trap(tf, what);
    } else {
        user_fault(tf);
    }

    if (!from_user || !current)
        return;
    if (current->killed)
        proc_exit(current->killed);
    if (timer)
        yield();                         // preemption: the time slice is one tick
    if (current->killed)
        proc_exit(current->killed);
}
