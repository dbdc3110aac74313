// hello-amd64: the one program of the "hello-amd64" image, an image built
// for another architecture (lesson 11, "the same kernel is required"). A
// static x86-64 Linux program: 64-bit code that asks the kernel for
// write(2) and exit(2) with the `syscall` instruction and the x86-64
// system call numbers (1 and 60, arch/x86/entry/syscalls/syscall_64.tbl).
// The container kernel runs i386 programs only (ELF32, int 0x80), so it
// must refuse this ELF64 file at execve with ENOEXEC: Docker's "exec
// format error" for an image of the wrong platform.
    .text
    .globl _start
_start:
    mov $1, %eax            // write
    mov $1, %edi            // stdout
    lea message(%rip), %rsi
    mov $length, %edx
    syscall
    mov $60, %eax           // exit
    xor %edi, %edi
    syscall

    .section .rodata
message:
    .ascii "hello from x86-64\n"
    .set length, . - message
