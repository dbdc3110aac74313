// boot_ata: a boot sector that needs no BIOS. isolab copies sector 0 to
// 0x7C00 and starts it in real mode with DL = 0x80; nothing else is set
// up and no INT 10h/13h service exists. The sector reads the rest of the
// disk (stage 2, three sectors) to 0x7E00 through the ATA ports by
// polling, and jumps to it. Stage 2 prints through port 0xE9 and the UART
// (a message kept in its last sector proves every sector arrived) and
// ends the run with isa-debug-exit.
        .code16
        .text
        .globl start
start:
        cli
        xorw %ax, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        movw $0x7C00, %sp
        movb %dl, boot_drive

        // READ SECTORS, LBA 1, STAGE2_SECTORS sectors, master.
        movw $0x1F6, %dx
        movb $0xE0, %al
        outb %al, %dx
        movw $0x1F2, %dx
        movb $STAGE2_SECTORS, %al
        outb %al, %dx
        incw %dx                            // 0x1F3 LBA 7:0
        movb $1, %al
        outb %al, %dx
        incw %dx                            // 0x1F4 LBA 15:8
        xorb %al, %al
        outb %al, %dx
        incw %dx                            // 0x1F5 LBA 23:16
        outb %al, %dx
        movw $0x1F7, %dx
        movb $0x20, %al
        outb %al, %dx

        movw $0x7E00, %di
        movw $STAGE2_SECTORS, %bx
1:      movw $0x1F7, %dx
2:      inb %dx, %al                        // wait: not busy, data requested
        testb $0x80, %al
        jnz 2b
        testb $0x01, %al
        jnz disk_error
        testb $0x08, %al
        jz 2b
        movw $0x1F0, %dx
        movw $256, %cx
        cld
        rep insw
        decw %bx
        jnz 1b
        ljmp $0, $stage2

disk_error:
        movb $'E', %al
        outb %al, $0xE9
        movb $0x7D, %al
        outb %al, $0xF4
        hlt

boot_drive:
        .byte 0
        .org 510
        .word 0xAA55

// --- stage 2, sectors 1-3, at 0x7E00 -----------------------------------------
stage2:
        movw $hello, %si                    // the first line through port 0xE9
        movw $0xE9, %dx
        call puts
        movb boot_drive, %al
        call puthex
        movw $loaded, %si                   // the rest through COM1
        movw $0x3F8, %dx
        call puts
        movw $last_sector_text, %si
        call puts
        movb $0x10, %al
        outb %al, $0xF4
        hlt

// Print the NUL-terminated string at DS:SI to port DX (0xE9 or COM1;
// isolab's UART sends at once, so no need to wait for THRE).
puts:
        lodsb
        testb %al, %al
        jz 1f
        call putc
        jmp puts
1:      ret

putc:
        outb %al, %dx
        ret

puthex:
        pushw %ax
        shrb $4, %al
        call hexdigit
        popw %ax
hexdigit:
        andb $0x0F, %al
        addb $'0', %al
        cmpb $'9', %al
        jbe 1f
        addb $'a' - '9' - 1, %al
1:      jmp putc

hello:  .asciz "boot_ata: stage 2 running, boot drive 0x"
loaded: .asciz "\nboot_ata: loaded by the boot sector through the ATA ports\n"

        .balign 512
        .space 512                          // sector 2: filler
last_sector_text:
        .asciz "boot_ata: this line comes from the last sector\n"
        .balign 512
        .set STAGE2_SECTORS, 3
