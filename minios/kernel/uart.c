// 16550 UART on COM1 (I/O ports 0x3F8..0x3FF): the serial console.
// Output polls the Line Status Register until the transmitter holding
// register is empty; input raises IRQ 4 when a byte arrives (the timer
// also polls, in case an interrupt is lost). National Semiconductor
// PC16550D data sheet. Lesson: "devices and VM exits": every inb/outb here
// is an IO_INSTRUCTION exit under the hypervisor.
#include "defs.h"
#include "x86.h"

#define COM1 0x3F8
#define UART_RBR 0   // receive buffer (read)
#define UART_THR 0   // transmit holding (write)
#define UART_IER 1   // interrupt enable
#define UART_FCR 2   // FIFO control
#define UART_LCR 3   // line control
#define UART_MCR 4   // modem control
#define UART_LSR 5   // line status
#define LSR_DR   0x01  // data ready
#define LSR_THRE 0x20  // transmitter holding register empty

static int uart_present;

void uart_init(void) {
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x80);        // DLAB: next two ports are the divisor
    outb(COM1 + 0, 1);                  // 115200 baud
    outb(COM1 + 1, 0);
    outb(COM1 + UART_LCR, 0x03);        // 8 data bits, no parity, 1 stop bit
    outb(COM1 + UART_FCR, 0x07);        // FIFOs on and cleared, trigger at 1 byte
    outb(COM1 + UART_MCR, 0x0B);        // DTR, RTS, OUT2 (gates the IRQ on real PCs)
    uart_present = inb(COM1 + UART_LSR) != 0xFF;
    if (!uart_present)
        return;
    outb(COM1 + UART_IER, 0x01);        // interrupt when a byte is received
    inb(COM1 + UART_RBR);
    pic_unmask(4);
}

void uart_putc(char c) {
    if (!uart_present)
        return;
    for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
        ;
    outb(COM1 + UART_THR, (uint8_t)c);
}

// Return the next received byte, or -1 if none is waiting.
int uart_getc(void) {
    if (!uart_present || !(inb(COM1 + UART_LSR) & LSR_DR))
        return -1;
    return inb(COM1 + UART_RBR);
}
