// mp_boot: the boot sector of the APIC test disk. Like a classic teaching
// OS's boot block (xv6's bootasm.S) it needs no BIOS:
//   1. the A20 gate: turn it off through port 0x92 and see addresses
//      wrap at 1 MiB, then on through the 8042 (command 0xD1, output port
//      0xDF) and see the wrap gone; the results go to mp_loader at 0x500;
//   2. read the loader (sectors 1-7) to 0x7E00 through the ATA ports,
//      polling with the drive's interrupt off;
//   3. enter 32-bit protected mode and call mp_loader_main, which loads
//      the ELF kernel from the disk.
        .code16
        .section .boot, "ax"
        .globl start
start:
        cli
        cld
        xorw %ax, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        movw $0x7C00, %sp

        // A20 off (port 0x92 bit 1), then test: does 0xFFFF:0x0510 (linear
        // 0x100500) alias 0x0000:0x0500?
        inb $0x92, %al
        andb $0xFC, %al                     // bit 0 would reset the machine
        outb %al, $0x92
        call a20_wraps
        movb %al, 0x500

        // A20 on through the 8042's output port.
        call kbc_wait
        movb $0xD1, %al                     // write output port
        outb %al, $0x64
        call kbc_wait
        movb $0xDF, %al                     // A20 on, not in reset
        outb %al, $0x60
        call kbc_wait
        call a20_wraps
        movb %al, 0x501

        // Read the loader: LBA 1, LOADER_SECTORS sectors, to 0x7E00, by
        // polling, with the drive's interrupt off (device control nIEN).
        movw $0x3F6, %dx
        movb $0x02, %al
        outb %al, %dx
        movw $0x1F6, %dx
        movb $0xE0, %al
        outb %al, %dx
        movw $0x1F2, %dx
        movb $LOADER_SECTORS, %al
        outb %al, %dx
        incw %dx
        movb $1, %al
        outb %al, %dx
        incw %dx
        xorb %al, %al
        outb %al, %dx
        incw %dx
        outb %al, %dx
        movw $0x1F7, %dx
        movb $0x20, %al
        outb %al, %dx
        movw $0x7E00, %di
        movw $LOADER_SECTORS, %bx
1:      movw $0x1F7, %dx
2:      inb %dx, %al
        testb $0x80, %al
        jnz 2b
        testb $0x08, %al
        jz 2b
        movw $0x1F0, %dx
        movw $256, %cx
        rep insw
        decw %bx
        jnz 1b

        // Protected mode, flat segments.
        lgdt gdt_desc
        movl %cr0, %eax
        orl $1, %eax
        movl %eax, %cr0
        ljmp $0x08, $pm32

// AL = 1 if linear 0x100500 aliases 0x500 (A20 off), else 0.
a20_wraps:
        pushw %ds
        movw $0xFFFF, %ax
        movw %ax, %ds
        movb $0x5A, %es:0x0502              // es = 0: linear 0x502
        movb $0xA5, 0x0512                  // ds = 0xFFFF: linear 0x100502
        xorb %al, %al
        cmpb $0xA5, %es:0x0502
        jne 1f
        movb $1, %al
1:      popw %ds
        ret

// Wait for the 8042's input buffer to be empty (status bit 1).
kbc_wait:
        inb $0x64, %al
        testb $0x02, %al
        jnz kbc_wait
        ret

        .code32
pm32:
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        movw %ax, %fs
        movw %ax, %gs
        movl $0x7C00, %esp
        call mp_loader_main
        movb $0x7D, %al                     // the loader returned: failed
        outb %al, $0xF4
3:      hlt
        jmp 3b

        .balign 8
gdt:    .quad 0
        .quad 0x00CF9A000000FFFF
        .quad 0x00CF92000000FFFF
gdt_desc:
        .word gdt_desc - gdt - 1
        .long gdt

        .org 510
        .word 0xAA55
        .set LOADER_SECTORS, 7
