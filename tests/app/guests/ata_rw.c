// ata_rw: the ATA PIO disk with IRQ14 through the 8259 pair. The test
// gives a disk whose sector k starts with "sector k" (master) and
// optionally a slave whose sector 0 starts with "slave". The guest
// identifies the drive, reads two sectors, writes one and reads it back,
// reads past the end (an error, still with an interrupt), and reads from
// the slave. Every command must end with an interrupt, writes included.
#include "guest.h"

#define ATA 0x1F0
#define ST_BSY 0x80
#define ST_DRQ 0x08
#define ST_ERR 0x01

static volatile uint32_t irqs;
static void ata_irq(uint32_t vector) {
  irqs++;
  pic_eoi(14);
}

static uint16_t buffer[256 * 4];

// Wait until `n` more interrupts have come, then read status (which
// acknowledges the drive's interrupt).
static uint8_t wait_irqs(uint32_t before, uint32_t n) {
  cli();
  while (irqs < before + n) sti_hlt(), cli();
  return inb(ATA + 7);
}

static void command(int slave, uint32_t lba, uint8_t count, uint8_t cmd) {
  outb(ATA + 6, (uint8_t)(0xE0 | (slave << 4) | ((lba >> 24) & 0x0F)));
  outb(ATA + 2, count);
  outb(ATA + 3, (uint8_t)lba);
  outb(ATA + 4, (uint8_t)(lba >> 8));
  outb(ATA + 5, (uint8_t)(lba >> 16));
  outb(ATA + 7, cmd);
}

// READ SECTORS: one interrupt per sector, each followed by 256 words.
static uint8_t read_sectors(int slave, uint32_t lba, uint8_t count, uint16_t* out) {
  uint32_t before = irqs;
  command(slave, lba, count, 0x20);
  for (int s = 0; s < count; s++) {
    uint8_t st = wait_irqs(before, (uint32_t)s + 1);
    if (st & ST_ERR) return st;
    if (!(st & ST_DRQ)) fail("read lba %u: status %x without DRQ", lba + s, st);
    for (int i = 0; i < 256; i++) out[s * 256 + i] = inw(ATA);
  }
  return inb(ATA + 7);
}

static int sector_says(const uint16_t* sector, const char* text) {
  return mem_eq(sector, text, (uint32_t)str_len(text));
}

void guest_main(uint32_t magic, struct multiboot_info* mbi) {
  serial_init();
  idt_init();
  set_handler(PIC_VECTOR_BASE + 14, ata_irq);
  pic_init((uint16_t) ~(1u << 14));
  outb(0x3F6, 0x00);  // nIEN clear: the drive may interrupt

  // IDENTIFY DEVICE
  uint32_t before = irqs;
  outb(ATA + 6, 0xA0);
  outb(ATA + 7, 0xEC);
  uint8_t st = wait_irqs(before, 1);
  for (int i = 0; i < 256; i++) buffer[i] = inw(ATA);
  char model[41];
  for (int i = 0; i < 20; i++) model[2 * i] = (char)(buffer[27 + i] >> 8), model[2 * i + 1] = (char)buffer[27 + i];
  int end = 40;
  while (end > 0 && model[end - 1] == ' ') end--;
  model[end] = 0;
  uint32_t sectors = buffer[60] | (uint32_t)buffer[61] << 16;
  print("ata: identify: status %x, model \"%s\", %u sectors, %u irq\n", st, model, sectors, irqs - before);

  before = irqs;
  st = read_sectors(0, 3, 2, buffer);
  print("ata: read lba 3-4: \"%s\" \"%s\", status %x, %u irqs\n", sector_says(buffer, "sector 3") ? "sector 3" : "?",
        sector_says(buffer + 256, "sector 4") ? "sector 4" : "?", st, irqs - before);

  // WRITE SECTORS: DRQ at once, no interrupt until the data is in.
  const char* text = "written by ata_rw";
  mem_set(buffer, 0, 512);
  mem_copy(buffer, text, (uint32_t)str_len(text));
  for (int i = 16; i < 256; i++) buffer[i] = (uint16_t)(i * 0x0101);
  before = irqs;
  command(0, 10, 1, 0x30);
  while (!(inb(0x3F6) & ST_DRQ)) {
  }
  uint32_t early = irqs - before;
  for (int i = 0; i < 256; i++) outw(ATA, buffer[i]);
  st = wait_irqs(before, 1);
  print("ata: write lba 10: status %x, %u irq before the data, %u after\n", st, early, irqs - before - early);
  mem_set(buffer, 0, 512);
  st = read_sectors(0, 10, 1, buffer);
  int same = sector_says(buffer, text);
  for (int i = 16; i < 256; i++) same &= buffer[i] == (uint16_t)(i * 0x0101);
  print("ata: read lba 10 back: %s\n", same ? "same" : "DIFFERENT");

  before = irqs;
  st = read_sectors(0, sectors, 1, buffer);
  print("ata: read lba %u (past the end): status %x error %x, %u irq\n", sectors, st, inb(ATA + 1), irqs - before);

  before = irqs;
  outb(ATA + 6, 0xF0);
  uint8_t slave_status = inb(ATA + 7);
  if (slave_status == 0) {
    print("ata: no slave\n");
  } else {
    st = read_sectors(1, 0, 1, buffer);
    print("ata: slave lba 0: \"%s\", %u irq\n", sector_says(buffer, "slave") ? "slave" : "?", irqs - before);
  }
  if (!same) fail("write then read lost the data");
  debug_exit(0x10);
}
