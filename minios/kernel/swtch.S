// swtch(struct context **old, struct context *new): save the current
// kernel thread's callee-saved registers on its stack, store the stack
// pointer in *old, load new as the stack and pop its registers. The ret at
// the end returns into whichever thread now owns the stack. This is the
// whole of a context switch; the scheduler (proc.c) decides whom to run.
// Lesson: "scheduling".
.globl swtch
swtch:
    movl 4(%esp), %eax
    movl 8(%esp), %edx
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl %esp, (%eax)
    movl %edx, %esp
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret

.section .note.GNU-stack, "", @progbits
