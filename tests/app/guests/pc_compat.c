// pc_compat: one multiboot kernel whose serial transcript must be the
// same under isolab and under QEMU (qemu-system-i386 -kernel). It prints
// what a PC-compatible machine and a QEMU-compatible multiboot loader
// must agree on, and nothing that depends on timing or firmware:
//   - the multiboot hand-over: magic, information flags, memory sizes,
//     the command line, modules;
//   - the 16550: scratch and line control read back, the FIFO bits of
//     the IIR, a byte through loopback mode;
//   - the 8254: counter 2's status through the read-back command;
//   - the 8259 pair: masks and the in-service register after an EOI,
//     and ten IRQ0 ticks;
//   - VGA text memory and the CRTC cursor registers read back;
//   - the CMOS RTC's status register D (valid RAM and time);
//   - the primary ATA channel with no disk: nothing there;
// then ends with isa-debug-exit 0x21 (status 67).
#include "guest.h"

static volatile uint32_t ticks;
static void timer_irq(uint32_t v) {
  ticks++;
  pic_eoi(0);
}

static void multiboot(uint32_t magic, struct multiboot_info* mbi) {
  print("multiboot: magic %x\n", magic);
  print("multiboot: flags %x, boot device %x\n", mbi->flags, mbi->boot_device);
  // QEMU's mem_upper stops below the 128 KiB SeaBIOS keeps at the top of
  // RAM; isolab counts all of it. Both round up to the same MiB.
  print("multiboot: mem_lower %u KiB, RAM %u MiB\n", mbi->mem_lower, (mbi->mem_upper + 1024 + 1023) / 1024);
  // The kernel's file name, without directories and without the trailing
  // space QEMU adds when there is no -append.
  static char name[64];
  const char* cmd = (const char*)mbi->cmdline;
  const char* base = cmd;
  for (const char* p = cmd; *p; p++)
    if (*p == '/') base = p + 1;
  int n = 0;
  while (base[n] && base[n] != ' ' && n < 63) name[n] = base[n], n++;
  print("multiboot: command line \"%s\"\n", name);
  print("multiboot: %u modules\n", (mbi->flags & 8) ? mbi->mods_count : 0);
  // The first memory map entry: conventional memory.
  if (mbi->flags & 0x40) {
    uint32_t* e = (uint32_t*)mbi->mmap_addr;
    print("multiboot: mmap[0] size %u base %x length %x type %u\n", e[0], e[1], e[3], e[5]);
  }
}

static void uart(void) {
  outb(COM1 + 7, 0x5A);
  print("uart: scratch %x, lcr %x, iir %x\n", inb(COM1 + 7), inb(COM1 + 3), inb(COM1 + 2));
  outb(COM1 + 4, 0x10 | 0x0B);  // loopback
  outb(COM1, 'L');
  uint8_t lsr = inb(COM1 + 5);
  uint8_t got = inb(COM1);
  outb(COM1 + 4, 0x0B);
  print("uart: loopback lsr %x, received '%c'\n", lsr & 0x61, got);
}

static void pit(void) {
  outb(0x43, 0xB6);  // counter 2, LSB then MSB, mode 3
  outb(0x42, 0x34);
  outb(0x42, 0x12);
  outb(0x43, 0xE8);  // read-back: status of counter 2
  print("pit: counter 2 status %x\n", inb(0x42) & 0x3F);
}

static void pic_and_ticks(void) {
  idt_init();
  set_handler(PIC_VECTOR_BASE, timer_irq);
  pic_init((uint16_t) ~1u);
  print("pic: masks %x %x\n", inb(0x21), inb(0xA1));
  outb(0x43, 0x34);
  outb(0x40, 0x9B);  // 1193: about 1 kHz
  outb(0x40, 0x04);
  cli();
  while (ticks < 10) sti_hlt(), cli();
  outb(0x20, 0x0B);  // OCW3: read ISR
  print("pic: %u timer interrupts, isr %x\n", ticks, inb(0x20));
  outb(0x21, 0xFF);
}

static void vga(void) {
  volatile uint16_t* text = (volatile uint16_t*)0xB8000;
  text[80] = 0x0741;
  text[81] = 0x7042;
  outb(0x3D4, 0x0E);
  outb(0x3D5, 0x00);
  outb(0x3D4, 0x0F);
  outb(0x3D5, 82);
  outb(0x3D4, 0x0E);
  uint8_t hi = inb(0x3D5);
  outb(0x3D4, 0x0F);
  print("vga: cells %x %x, cursor %u\n", text[80], text[81], hi << 8 | inb(0x3D5));
}

static void rtc(void) {
  outb(0x70, 0x0D);
  print("rtc: register d %x\n", inb(0x71));
}

static void ata(void) { print("ata: primary master status %x\n", inb(0x1F7)); }

void guest_main(uint32_t magic, struct multiboot_info* mbi) {
  serial_init();
  print("pc_compat: start\n");
  multiboot(magic, mbi);
  uart();
  pit();
  pic_and_ticks();
  vga();
  rtc();
  ata();
  print("pc_compat: done\n");
  debug_exit(0x21);
}
