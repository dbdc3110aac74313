// long __syscall6(long nr, long a1, ..., long a6): the one place user code
// enters the kernel. Linux i386 convention: eax = number, arguments in
// ebx, ecx, edx, esi, edi, ebp, int 0x80, result (or -errno) in eax.
// Lesson: "system calls".
.text
.globl __syscall6
__syscall6:
    pushl %ebp
    pushl %edi
    pushl %esi
    pushl %ebx
    movl 20(%esp), %eax
    movl 24(%esp), %ebx
    movl 28(%esp), %ecx
    movl 32(%esp), %edx
    movl 36(%esp), %esi
    movl 40(%esp), %edi
    movl 44(%esp), %ebp
    int $0x80
    popl %ebx
    popl %esi
    popl %edi
    popl %ebp
    ret

.section .note.GNU-stack, "", @progbits
