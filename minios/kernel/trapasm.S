// Trap entry and exit. Every interrupt, exception and int 0x80 lands in a
// per-vector stub that makes the stack look the same (an error code, real
// or 0, and the vector number), then in alltraps, which saves the rest of
// the user registers as a struct trapframe (proc.h) and calls trap().
// trapret restores them and IRETs back to where the trap came from.
// Intel SDM vol. 3, 6.12 "Exception and interrupt handling".
// Lesson: "system calls" and "interrupts".

#define SEG_KDATA 2

// Vectors where the CPU pushes an error code itself.
.macro VEC_ERR n
vector\n:
    pushl $\n
    jmp alltraps
.endm
.macro VEC_NOERR n
vector\n:
    pushl $0
    pushl $\n
    jmp alltraps
.endm

.text
.irp n, 8,10,11,12,13,14,17
VEC_ERR \n
.endr
.irp n, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,21,22,23,24,25,26,27,28,29,30,31
VEC_NOERR \n
.endr
.irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,128
VEC_NOERR \n
.endr

alltraps:
    pushl %ds
    pushl %es
    pushl %fs
    pushl %gs
    pushal
    movw $(SEG_KDATA << 3), %ax
    movw %ax, %ds
    movw %ax, %es
    pushl %esp                 // struct trapframe *
    call trap
    addl $4, %esp

.globl trapret
trapret:
    popal
    popl %gs
    popl %fs
    popl %es
    popl %ds
    addl $8, %esp              // vector number and error code
    iret

// Entry points by vector, for idt_init(); 0 where no stub exists.
.data
.globl trap_vectors
trap_vectors:
.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .long vector\n
.endr
.irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
    .long vector\n
.endr
.globl trap_vector_syscall
trap_vector_syscall:
    .long vector128

.section .note.GNU-stack, "", @progbits
