// Entry of the multiboot test guests: the multiboot v1 header, a flat GDT
// of our own (the specification leaves GDTR undefined), a stack, then
// guest_main(magic, info). Reference: Multiboot Specification 0.6.96,
// sections 3.1 (header) and 3.2 (machine state).
        .set MB_MAGIC, 0x1BADB002
        .set MB_FLAGS, 0x00000003          // page-align modules, give memory info
        .section .multiboot, "a"
        .balign 4
        .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

        .text
        .globl _start
_start:
        cli
        lgdt gdt_desc
        ljmp $0x08, $1f
1:      movw $0x10, %cx
        movw %cx, %ds
        movw %cx, %es
        movw %cx, %fs
        movw %cx, %gs
        movw %cx, %ss
        movl $stack_top, %esp
        pushl %ebx                          // multiboot information
        pushl %eax                          // 0x2BADB002 from a multiboot loader
        call guest_main
        pushl $0x7F                         // guest_main returned: fail loudly
        call debug_exit

        .section .rodata
        .balign 8
gdt:    .quad 0
        .quad 0x00CF9A000000FFFF            // 0x08: code, flat 4 GiB, 32-bit
        .quad 0x00CF92000000FFFF            // 0x10: data, flat 4 GiB
gdt_desc:
        .word gdt_desc - gdt - 1
        .long gdt

        .bss
        .balign 16
        .space 16384
stack_top:

// Interrupt entry stubs, one per vector: push a dummy error code where the
// CPU pushes none, then the vector, and share one path to C.
        .text
        .altmacro
        .macro stub v
        .balign 8
stub_\v:
        .if (\v == 8) || (\v >= 10 && \v <= 14) || (\v == 17)
        .else
        pushl $0
        .endif
        pushl $\v
        jmp interrupt_common
        .endm

        .set v, 0
        .rept 256
        stub %v
        .set v, v + 1
        .endr

interrupt_common:
        pushal
        cld
        pushl 32(%esp)                      // the vector
        call interrupt_dispatch
        addl $4, %esp
        popal
        addl $8, %esp                       // vector and error code
        iretl

        .section .rodata
        .balign 4
        .globl interrupt_stubs
interrupt_stubs:
        .macro stub_address v
        .long stub_\v
        .endm
        .set v, 0
        .rept 256
        stub_address %v
        .set v, v + 1
        .endr
