# Test guest "pit_ticks": timer interrupts from the 8254 PIT through the
# 8259 PIC, taken while the CPU halts, on either backend.
#
# Flat 32-bit code linked at 0x1000, entered in protected mode with flat
# segments and interrupts off. It loads its own GDT and IDT (delivering an
# interrupt reads both), remaps the master PIC to vectors 0x20-0x27 with
# only IRQ 0 unmasked, programs PIT channel 0 for 1000 Hz (mode 2, divisor
# 1193), then halts with interrupts on until TICKS interrupts have arrived,
# and writes the count to isa-debug-exit (port 0xF4): exit code TICKS*2+1.
        .code32
        .equ    TICKS, 50
        .text
        .globl _start
_start:
        lgdt    gdt_desc
        ljmp    $0x08, $reload
reload:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $0x9000, %esp
        # IDT entry 0x20 -> tick: a 32-bit interrupt gate in segment 0x08
        mov     $tick, %eax
        mov     %ax, idt + 0x20*8
        movw    $0x08, idt + 0x20*8 + 2
        movw    $0x8E00, idt + 0x20*8 + 4
        shr     $16, %eax
        mov     %ax, idt + 0x20*8 + 6
        lidt    idt_desc
        # 8259: ICW1 (edge, cascade, ICW4), ICW2 base 0x20, ICW3, ICW4 8086 mode
        mov     $0x11, %al
        out     %al, $0x20
        mov     $0x20, %al
        out     %al, $0x21
        mov     $0x04, %al
        out     %al, $0x21
        mov     $0x01, %al
        out     %al, $0x21
        mov     $0xFE, %al              # OCW1: only IRQ 0
        out     %al, $0x21
        # 8254: channel 0, lobyte/hibyte, mode 2 (rate generator), 1000 Hz
        mov     $0x34, %al
        out     %al, $0x43
        mov     $1193 & 0xFF, %al
        out     %al, $0x40
        mov     $1193 >> 8, %al
        out     %al, $0x40
wait:
        sti
        hlt
        cli
        cmpl    $TICKS, ticks
        jb      wait
        mov     ticks, %eax
        out     %al, $0xF4              # isa-debug-exit: code = TICKS*2+1
        hlt

tick:
        push    %eax
        incl    ticks
        mov     $0x20, %al              # non-specific EOI
        out     %al, $0x20
        pop     %eax
        iret

        .align 8
gdt:
        .quad   0
        .quad   0x00CF9A000000FFFF      # 0x08: flat 32-bit code
        .quad   0x00CF92000000FFFF      # 0x10: flat data
gdt_desc:
        .word   3*8 - 1
        .long   gdt
idt_desc:
        .word   256*8 - 1
        .long   idt
ticks:
        .long   0
        .align 8
idt:
        .fill   256*8, 1, 0
