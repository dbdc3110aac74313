// Program entry. The kernel starts a program at _start with the stack
// holding argc, argv[], NULL, envp[], NULL, auxv (System V i386 ABI).
// _start passes them to __libc_start, which calls main and exits with
// its return value. Lesson: "exec".
.text
.globl _start
_start:
    xorl %ebp, %ebp            // outermost frame
    movl (%esp), %eax          // argc
    leal 4(%esp), %ecx         // argv
    leal 4(%ecx,%eax,4), %edx  // envp = argv + argc + 1
    andl $-16, %esp
    subl $4, %esp
    pushl %edx
    pushl %ecx
    pushl %eax
    call __libc_start
    hlt                        // not reached: a fault if it ever is

.section .note.GNU-stack, "", @progbits
