// rom: a 64 KiB firmware image for `isolab vm run --rom` (and
// `qemu-system-i386 -bios`). The file's first byte is F000:0000 of the copy
// below 1 MiB; its last 16 bytes hold the reset vector. The CPU starts at
// F000:FFF0 with CS base 0xFFFF0000, so the first instructions run from
// the copy at the top of 4 GiB; a far jump then reloads CS with 0xF000
// (base 0xF0000) and the rest runs from the low copy, as a PC BIOS does.
// Nothing but the ROM is set up: no BIOS services, RAM not cleared. Output
// goes to port 0xE9; the run ends through isa-debug-exit.
        .code16
        .text
        .globl start
start:

// Print the NUL-terminated string at CS:SI to port 0xE9. Reading through
// CS reaches whichever copy the code runs from.
print:
        cld
1:      lodsb %cs:(%si), %al
        testb %al, %al
        jz 2f
        outb %al, $0xE9
        jmp 1b
2:      ret

// Stop with isa-debug-exit value AL (exit status AL*2+1).
exit:
        outb %al, $0xF4
        cli
        hlt

fail:
        call print
        movb $1, %al
        jmp exit

// Entered from the reset vector with CS = F000, base 0xFFFF0000: still in
// the copy at the top of 4 GiB.
high_entry:
        cli
        xorw %ax, %ax
        movw %ax, %ss
        movw $0x7000, %sp               // RAM below 1 MiB for the stack
        movw $msg_reset, %si
        call print

        // Every byte read through CS (the top of 4 GiB) equals the byte
        // at the same offset through DS = F000 (below 1 MiB).
        movw $0xF000, %ax
        movw %ax, %ds
        xorw %si, %si
        xorw %cx, %cx                   // 0: LOOP runs 65536 times
1:      movb %cs:(%si), %al
        cmpb (%si), %al
        jne 2f
        incw %si
        loop 1b
        movw $msg_same, %si
        call print

        // A write through CS reaches the top of 4 GiB, and is dropped.
        movb $0x55, %cs:rom_byte
        cmpb $0xAA, %cs:rom_byte
        jne written
        ljmp $0xF000, $low_entry
2:      movw $msg_differ, %si
        jmp fail
written:
        movw $msg_written, %si
        jmp fail

// Now CS = F000 with base 0xF0000: the copy below 1 MiB.
low_entry:
        movw $msg_low, %si
        call print

        // A write through DS = F000 reaches the copy below 1 MiB, and is
        // dropped too.
        movb $0x55, rom_byte
        cmpb $0xAA, rom_byte
        jne written
        movw $msg_readonly, %si
        call print

        movw $msg_done, %si
        call print
        movb $0x10, %al                 // exit status 0x10*2+1 = 33
        jmp exit

rom_byte:       .byte 0xAA
msg_reset:      .asciz "rom: running from the reset vector at F000:FFF0\n"
msg_same:       .asciz "rom: the copy below 1 MiB equals the top of 4 GiB (65536 bytes)\n"
msg_differ:     .asciz "rom: the copy below 1 MiB differs from the top of 4 GiB\n"
msg_low:        .asciz "rom: far jump to F000: running below 1 MiB\n"
msg_written:    .asciz "rom: a write changed the ROM\n"
msg_readonly:   .asciz "rom: writes to the ROM are ignored\n"
msg_done:       .asciz "rom: done\n"

// The reset vector: the CPU's first instruction, 16 bytes below 4 GiB.
        .org 0xFFF0
reset:
        jmp high_entry
        .org 0x10000
