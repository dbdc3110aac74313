// The two cascaded 8259A interrupt controllers. The BIOS leaves IRQ 0..7
// on vectors 8..15, where they collide with CPU exceptions, so we remap
// IRQ 0..15 to vectors 32..47 and mask every line we do not handle.
// Intel 8259A data sheet. Lesson: "interrupts".
#include "defs.h"
#include "x86.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define PIC_EOI 0x20

static uint16_t irq_mask = 0xFFFF & ~(1 << 2);   // IRQ 2 is the cascade

static void pic_write_mask(void) {
    outb(PIC1_DATA, (uint8_t)irq_mask);
    outb(PIC2_DATA, (uint8_t)(irq_mask >> 8));
}

void pic_init(void) {
    outb(PIC1_CMD, 0x11);      // ICW1: edge triggered, cascade, ICW4 follows
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, 32);       // ICW2: vector offset
    outb(PIC2_DATA, 40);
    outb(PIC1_DATA, 1 << 2);   // ICW3: slave on IRQ 2
    outb(PIC2_DATA, 2);        // ICW3: slave identity
    outb(PIC1_DATA, 0x01);     // ICW4: 8086 mode
    outb(PIC2_DATA, 0x01);
    pic_write_mask();
}

void pic_unmask(int irq) {
    irq_mask &= ~(1 << irq);
    pic_write_mask();
}

void pic_eoi(int irq) {
    if (irq >= 8)
        outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
}
