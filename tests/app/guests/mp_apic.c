// mp_apic: a kernel for the APIC machine, booted from disk by mp_boot.
// As an SMP-aware teaching OS (xv6's mp.c, lapic.c, ioapic.c) does it:
//   - find the Intel MultiProcessor 1.4 floating pointer (EBDA, top of
//     base memory, then the BIOS area 0xF0000-0xFFFFF) and walk its
//     configuration table: processors, buses, I/O APICs, interrupt
//     entries; check them against the APIC registers;
//   - mask the 8259 pair and route the UART (IRQ4) and the disk (IRQ14)
//     through the I/O APIC pins the table names;
//   - run the local APIC timer in periodic mode;
//   - echo a typed line through the UART's receive interrupt and read a
//     sector with IRQ14, both arriving through the I/O APIC.
#include "guest.h"

#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_EOI 0x0B0
#define LAPIC_SVR 0x0F0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_DIVIDE 0x3E0

#define VEC_TIMER 0x40
#define VEC_IRQ_BASE 0x50  // ISA IRQ n arrives as 0x50 + n through the I/O APIC

struct mp_floating {
  char signature[4];  // "_MP_"
  uint32_t config;
  uint8_t length, spec_rev, checksum, feature[5];
};
struct mp_config {
  char signature[4];  // "PCMP"
  uint16_t length;
  uint8_t spec_rev, checksum;
  char oem[8], product[12];
  uint32_t oem_table;
  uint16_t oem_size, entries;
  uint32_t lapic_address;
  uint16_t ext_length;
  uint8_t ext_checksum, reserved;
};
struct mp_processor {
  uint8_t type, apic_id, apic_version, flags;
  uint32_t signature, features, reserved[2];
};
struct mp_bus {
  uint8_t type, id;
  char name[6];
};
struct mp_ioapic {
  uint8_t type, id, version, flags;
  uint32_t address;
};
struct mp_interrupt {
  uint8_t type, irq_type;
  uint16_t flags;
  uint8_t bus, bus_irq, apic_id, pin;
};

static volatile uint32_t* lapic;
static volatile uint32_t* ioapic;

static uint32_t lapic_read(uint32_t reg) { return lapic[reg / 4]; }
static void lapic_write(uint32_t reg, uint32_t v) {
  lapic[reg / 4] = v;
  (void)lapic[LAPIC_ID / 4];  // wait for the write, as xv6 does
}
static uint32_t ioapic_read(uint32_t reg) {
  ioapic[0] = reg;
  return ioapic[4];
}
static void ioapic_write(uint32_t reg, uint32_t v) {
  ioapic[0] = reg;
  ioapic[4] = v;
}

static uint8_t sum(const void* p, uint32_t n) {
  uint8_t s = 0;
  for (uint32_t i = 0; i < n; i++) s += ((const uint8_t*)p)[i];
  return s;
}

static struct mp_floating* search(uint32_t base, uint32_t len) {
  for (uint32_t a = base; a + 16 <= base + len; a += 16) {
    struct mp_floating* f = (struct mp_floating*)a;
    if (mem_eq(f->signature, "_MP_", 4) && sum(f, 16u * f->length) == 0) return f;
  }
  return 0;
}

// The MP spec's search order (section 4): the first KiB of the EBDA, the
// last KiB of base memory, then the BIOS ROM area.
static struct mp_floating* find_mp(void) {
  volatile uint8_t* bda = (volatile uint8_t*)0x400;
  struct mp_floating* f = 0;
  uint32_t ebda = (uint32_t)(bda[0x0F] << 8 | bda[0x0E]) << 4;
  if (ebda) f = search(ebda, 1024);
  uint32_t base_kib = (uint32_t)(bda[0x14] << 8 | bda[0x13]);
  if (!f && base_kib >= 1) f = search(base_kib * 1024 - 1024, 1024);
  if (!f) f = search(0xF0000, 0x10000);
  return f;
}

static int isa_pin[16];
static int isa_bus = -1;

static void read_mp_table(void) {
  struct mp_floating* f = find_mp();
  if (!f) fail("no MP floating pointer structure");
  print("mp: floating pointer at %x (spec 1.%u), features %x %x\n", (uint32_t)f, f->spec_rev, f->feature[0],
        f->feature[1]);
  if (!f->config || f->feature[0]) fail("no MP configuration table (default configuration %u)", f->feature[0]);
  struct mp_config* c = (struct mp_config*)f->config;
  if (!mem_eq(c->signature, "PCMP", 4) || sum(c, c->length) != 0) fail("bad MP configuration table");
  lapic = (volatile uint32_t*)c->lapic_address;
  print("mp: configuration table at %x, %u entries, local APIC at %x\n", (uint32_t)c, c->entries,
        c->lapic_address);

  uint32_t cpus = 0, ioapics = 0, interrupts = 0;
  int lint0_extint = 0, lint1_nmi = 0;
  uint8_t cpu_id = 0xFF, cpu_version = 0, ioapic_id = 0xFF, ioapic_version = 0;
  for (int i = 0; i < 16; i++) isa_pin[i] = -1;
  uint8_t* p = (uint8_t*)(c + 1);
  uint8_t* end = (uint8_t*)c + c->length;
  for (uint32_t k = 0; k < c->entries && p < end; k++) {
    switch (*p) {
      case 0: {
        struct mp_processor* e = (struct mp_processor*)p;
        if (e->flags & 1) cpus++;
        if (e->flags & 2) cpu_id = e->apic_id, cpu_version = e->apic_version;
        p += sizeof *e;
        break;
      }
      case 1: {
        struct mp_bus* e = (struct mp_bus*)p;
        if (mem_eq(e->name, "ISA   ", 6)) isa_bus = e->id;
        p += sizeof *e;
        break;
      }
      case 2: {
        struct mp_ioapic* e = (struct mp_ioapic*)p;
        ioapics++;
        ioapic = (volatile uint32_t*)e->address;
        ioapic_id = e->id;
        ioapic_version = e->version;
        p += sizeof *e;
        break;
      }
      case 3: {
        struct mp_interrupt* e = (struct mp_interrupt*)p;
        if (e->irq_type == 0 && e->bus == isa_bus && e->bus_irq < 16) isa_pin[e->bus_irq] = e->pin, interrupts++;
        p += sizeof *e;
        break;
      }
      case 4: {
        struct mp_interrupt* e = (struct mp_interrupt*)p;
        if (e->pin == 0 && e->irq_type == 3) lint0_extint = 1;
        if (e->pin == 1 && e->irq_type == 1) lint1_nmi = 1;
        p += sizeof *e;
        break;
      }
      default: fail("MP entry of unknown type %u", *p);
    }
  }
  print("mp: %u processor, bsp apic id %u version %x (LAPIC registers: id %u version %x)\n", cpus, cpu_id,
        cpu_version, lapic_read(LAPIC_ID) >> 24, lapic_read(LAPIC_VERSION) & 0xFF);
  if (isa_bus < 0) fail("no ISA bus in the MP table");
  print("mp: ISA bus %u, %u ISA interrupt entries: irq 0 -> pin %d, irq 4 -> pin %d, irq 14 -> pin %d\n",
        (uint32_t)isa_bus, interrupts, isa_pin[0], isa_pin[4], isa_pin[14]);
  if (ioapics != 1) fail("%u I/O APICs", ioapics);
  print("mp: I/O APIC id %u version %x at %x (its registers: id %u version %x)\n", ioapic_id, ioapic_version,
        (uint32_t)ioapic, (ioapic_read(0) >> 24) & 0x0F, ioapic_read(1) & 0xFF);
  print("mp: LINT0 ExtINT %s, LINT1 NMI %s\n", lint0_extint ? "yes" : "no", lint1_nmi ? "yes" : "no");
  if (cpus != 1 || cpu_id != lapic_read(LAPIC_ID) >> 24 || cpu_version != (lapic_read(LAPIC_VERSION) & 0xFF))
    fail("processor entry does not match the local APIC");
  // Only the ID must agree: QEMU's I/O APIC reports version 0x20 while
  // SeaBIOS's table says 0x11. isolab's test checks the printed versions.
  if (ioapic_id != ((ioapic_read(0) >> 24) & 0x0F)) fail("I/O APIC entry does not match the I/O APIC's ID");
  if (isa_pin[4] < 0 || isa_pin[14] < 0) fail("no I/O APIC pin for IRQ4 or IRQ14");
}

static volatile uint32_t timer_ticks, uart_irqs, ata_irqs, pic_irqs;
static char line[64];
static volatile int line_len, line_done;

static void timer_irq(uint32_t v) {
  timer_ticks++;
  lapic_write(LAPIC_EOI, 0);
}
static void uart_irq(uint32_t v) {
  uart_irqs++;
  while (inb(COM1 + 5) & 0x01) {
    char c = (char)inb(COM1);
    if (c == '\n') line_done = 1;
    else if (line_len < 63) line[line_len++] = c >= 'a' && c <= 'z' ? c - 32 : c;
  }
  lapic_write(LAPIC_EOI, 0);
}
static void ata_irq(uint32_t v) {
  ata_irqs++;
  lapic_write(LAPIC_EOI, 0);
}
static void pic_irq(uint32_t v) { pic_irqs++; }

static void route_isa_irq(int irq) {
  int pin = isa_pin[irq];
  uint32_t dest = lapic_read(LAPIC_ID) >> 24;
  ioapic_write(0x10 + 2 * pin + 1, dest << 24);
  ioapic_write(0x10 + 2 * pin, VEC_IRQ_BASE + irq);  // fixed, physical, edge, active high, unmasked
}

void guest_main(uint32_t magic, struct multiboot_info* mbi) {
  serial_init();
  idt_init();
  read_mp_table();

  for (int v = 0; v < 16; v++) set_handler(PIC_VECTOR_BASE + v, pic_irq);
  pic_init(0xFFFF);  // every 8259 input masked: the I/O APIC takes over
  set_handler(VEC_TIMER, timer_irq);
  set_handler(VEC_IRQ_BASE + 4, uart_irq);
  set_handler(VEC_IRQ_BASE + 14, ata_irq);
  set_handler(0xFF, pic_irq);  // spurious

  lapic_write(LAPIC_SVR, 0x100 | 0xFF);     // software enable, spurious vector 0xFF
  lapic_write(LAPIC_LVT_LINT0, 0x10000);    // the 8259's virtual wire: masked
  route_isa_irq(4);
  route_isa_irq(14);
  outb(COM1 + 1, 0x01);  // receive interrupts (bytes typed early wait in the FIFO)
  print("uart: type a line\n");
  while (!line_done) sti_hlt(), cli();
  line[line_len] = 0;
  print("uart: \"%s\" by %u interrupts through the I/O APIC\n", line, uart_irqs);

  outb(0x3F6, 0x00);  // the boot block polled with nIEN set: interrupts on again
  outb(0x1F6, 0xE0);
  outb(0x1F2, 1);
  outb(0x1F3, 0);
  outb(0x1F4, 0);
  outb(0x1F5, 0);
  outb(0x1F7, 0x20);
  while (!ata_irqs) sti_hlt(), cli();
  uint8_t st = inb(0x1F7);
  uint16_t sector[256];
  for (int i = 0; i < 256; i++) sector[i] = inw(0x1F0);
  print("ata: read the boot sector (signature %x) after %u interrupt through the I/O APIC, status %x\n",
        sector[255], ata_irqs, st);
  lapic_write(LAPIC_TIMER_DIVIDE, 0x3);     // divide by 16
  lapic_write(LAPIC_LVT_TIMER, 0x20000 | VEC_TIMER);  // periodic
  lapic_write(LAPIC_TIMER_INITIAL, 62500);  // 1 ms at a 1 GHz bus clock
  cli();
  while (timer_ticks < 20) sti_hlt(), cli();
  print("lapic: timer periodic, divide 16, count 62500: %u ticks\n", timer_ticks);
  sti();
  uint32_t t = timer_ticks;
  while (timer_ticks < t + 1) {
  }
  uint64_t t0 = rdtsc();
  while (timer_ticks < t + 11) {
  }
  uint64_t t1 = rdtsc();
  cli();
  print("lapic: 10 periods took %u us of TSC time\n", (uint32_t)(t1 - t0) / 1000);
  lapic_write(LAPIC_LVT_TIMER, 0x10000);

  print("8259: %u interrupts delivered while masked\n", pic_irqs);
  if (!uart_irqs || ata_irqs != 1 || pic_irqs || sector[255] != 0xAA55)
    fail("interrupt routing: uart %u, ata %u, 8259 %u interrupts, signature %x", uart_irqs, ata_irqs, pic_irqs,
         sector[255]);
  debug_exit(0x10);
}
