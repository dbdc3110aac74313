// Stopping the machine. panic() prints a message, the registers of the
// trap that caused it (if any) and a backtrace of return addresses found
// by following the saved frame pointers; then it leaves the VM through
// the isa-debug-exit device. Look addresses up with
//   addr2line -f -e build/minios/minios.elf ADDR
// How the machine stops (isolab's `vm run` exit codes, DESIGN.md section 7):
//   poweroff: ACPI power-off (QEMU's PIIX4 PM control at 0x604: QEMU exits
//             0); where that port does nothing, halt with interrupts off,
//             which isolab reports as a clean halt (exit 0).
//   panic:    write 0 to isa-debug-exit at 0xF4: status 0*2+1 = 1, the
//             exit code of a guest failure, under QEMU and isolab alike.
// Lesson: "a VM's crash stays inside the VM".
#include "defs.h"
#include "proc.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0xF4

// Leave the VM: code 0 powers off cleanly, anything else is a failure.
void machine_exit(int code) {
    cli();
    if (code == 0)
        outw(0x604, 0x2000);
    else
        outb(DEBUG_EXIT_PORT, 0);
    for (;;)
        hlt();
}

static void backtrace(uint32_t ebp) {
    kprintf("backtrace:\n");
    for (int depth = 0; depth < 16 && ebp >= KERNBASE && ebp < 0xFFFFF000; depth++) {
        uint32_t *frame = (uint32_t *)ebp;
        kprintf("  #%d %p\n", depth, frame[1]);
        ebp = frame[0];
    }
}

static void panic_stop(void) {
    if (current)
        kprintf("current process: pid %d (%s)\n", current->pid, current->name);
    kprintf("miniOS: kernel panic, stopping the machine\n");
    machine_exit(1);
}

void panic(const char *fmt, ...) {
    cli();
    kprintf("\nKERNEL PANIC: ");
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    backtrace(read_ebp());
    panic_stop();
    for (;;)
        ;
}

// A CPU exception in kernel mode: print the trap frame, then stop.
void panic_trap(struct trapframe *tf, const char *what) {
    cli();
    kprintf("\nKERNEL PANIC: %s (vector %d) in kernel mode\n", what, tf->trapno);
    kprintf("eip %p  cs %x  eflags %p  err %x  cr2 %p\n",
            tf->eip, tf->cs, tf->eflags, tf->err, read_cr2());
    kprintf("eax %p  ebx %p  ecx %p  edx %p\n", tf->eax, tf->ebx, tf->ecx, tf->edx);
    kprintf("esi %p  edi %p  ebp %p  esp %p\n", tf->esi, tf->edi, tf->ebp,
            (uint32_t)&tf->esp);
    kprintf("  #- %p (faulting instruction)\n", tf->eip);
    backtrace(tf->ebp);
    panic_stop();
    for (;;)
        ;
}
