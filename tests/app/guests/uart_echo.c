// uart_echo: the 16550's receive and transmit interrupts through the 8259.
// Every byte typed (isolab vm run --input) raises IRQ4 as it arrives; the
// handler upper-cases it into a ring, and the transmitter-empty interrupt
// sends the ring out a byte at a time. EOT (0x04) ends the run once all
// is sent, with a count of what each interrupt did.
#include "guest.h"

#define IER_RX 0x01
#define IER_THRE 0x02

static volatile uint8_t ring[256];
static volatile uint8_t ring_head, ring_tail;
static volatile uint32_t rx_bytes, tx_bytes, rx_irqs, thre_irqs, irqs;
static volatile int seen_eot;

static void uart_irq(uint32_t vector) {
  irqs++;
  for (;;) {
    uint8_t iir = inb(COM1 + 2);
    if (iir & 0x01) break;  // nothing (more) pending
    switch (iir & 0x0E) {
      case 0x04:  // received data
      case 0x0C:  // character timeout
        rx_irqs++;
        while (inb(COM1 + 5) & 0x01) {
          uint8_t c = inb(COM1);
          rx_bytes++;
          if (c == 0x04) {
            seen_eot = 1;
            continue;
          }
          if (c >= 'a' && c <= 'z') c -= 'a' - 'A';
          ring[ring_head++] = c;
        }
        outb(COM1 + 1, IER_RX | IER_THRE);  // something to send
        break;
      case 0x02:  // transmitter holding register empty
        thre_irqs++;
        if (ring_tail != ring_head) {
          outb(COM1, ring[ring_tail++]);
          tx_bytes++;
        } else {
          outb(COM1 + 1, IER_RX);
        }
        break;
      default:
        inb(COM1 + 5);
        inb(COM1 + 6);
        break;
    }
  }
  pic_eoi(4);
}

void guest_main(uint32_t magic, struct multiboot_info* mbi) {
  serial_init();
  idt_init();
  set_handler(PIC_VECTOR_BASE + 4, uart_irq);
  pic_init((uint16_t) ~(1u << 4));
  while (inb(COM1 + 5) & 0x01) inb(COM1);
  outb(COM1 + 1, IER_RX);
  print("uart_echo: type; EOT ends\n");
  cli();
  while (!seen_eot || ring_tail != ring_head) sti_hlt(), cli();
  while (!(inb(COM1 + 5) & 0x40)) {
  }
  outb(COM1 + 1, 0);
  print("uart_echo: %u bytes in by %u receive interrupts, %u out by %u transmit interrupts\n", rx_bytes,
        rx_irqs, tx_bytes, thre_irqs);
  if (rx_irqs == 0 || thre_irqs < tx_bytes) fail("interrupts missing");
  debug_exit(0x10);
}
