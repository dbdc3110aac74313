// VGA text mode mirror of the console: 80x25 cells of (character,
// attribute) at physical 0xB8000, reached through the kernel's direct map.
// The hardware cursor is moved through CRTC registers 14 and 15 on ports
// 0x3D4/0x3D5. Lesson: "devices and VM exits" (MMIO writes vs port I/O).
#include "defs.h"
#include "x86.h"

#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR 0x0700   // light grey on black

static uint16_t *const vga = (uint16_t *)P2V(0xB8000);
static int vga_pos;

// Move the hardware cursor to where the next character goes. Called once
// per console write, not per character: each outb is a VM exit.
void vga_flush(void) {
    outb(0x3D4, 14);
    outb(0x3D5, (uint8_t)(vga_pos >> 8));
    outb(0x3D4, 15);
    outb(0x3D5, (uint8_t)vga_pos);
}

void vga_init(void) {
    for (int i = 0; i < VGA_COLS * VGA_ROWS; i++)
        vga[i] = VGA_ATTR | ' ';
    vga_pos = 0;
    vga_flush();
}

void vga_putc(char c) {
    if (c == '\n')
        vga_pos += VGA_COLS - vga_pos % VGA_COLS;
    else if (c == '\r')
        vga_pos -= vga_pos % VGA_COLS;
    else if (c == '\b') {
        if (vga_pos > 0)
            vga_pos--;
    } else
        vga[vga_pos++] = VGA_ATTR | (uint8_t)c;
    if (vga_pos >= VGA_COLS * VGA_ROWS) {
        memmove(vga, vga + VGA_COLS, sizeof(uint16_t) * VGA_COLS * (VGA_ROWS - 1));
        for (int i = 0; i < VGA_COLS; i++)
            vga[VGA_COLS * (VGA_ROWS - 1) + i] = VGA_ATTR | ' ';
        vga_pos -= VGA_COLS;
    }
}
