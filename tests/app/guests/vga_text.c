// vga_text: the colour text buffer at 0xB8000 and the CRT controller.
// Writes a line of text with 8-, 16- and 32-bit stores, reads it back,
// sets the cursor through CRTC registers 14 and 15 (ports 0x3D4/0x3D5)
// and reads those back, and checks that the part of the VGA window that
// text mode leaves unmapped (0xA0000) reads as an open bus.
#include "guest.h"

#define TEXT ((volatile uint16_t*)0xB8000)

static uint8_t crtc_read(uint8_t index) {
  outb(0x3D4, index);
  return inb(0x3D5);
}
static void crtc_write(uint8_t index, uint8_t value) {
  outb(0x3D4, index);
  outb(0x3D5, value);
}

void guest_main(uint32_t magic, struct multiboot_info* mbi) {
  serial_init();
  const char* msg = "isolab VGA text mode";
  int n = str_len(msg);
  volatile uint16_t* row = TEXT + 3 * 80;
  for (int i = 0; i < n; i++) row[i] = (uint16_t)(0x1F00 | (uint8_t)msg[i]);  // white on blue
  ((volatile uint8_t*)row)[2 * n] = '!';                                      // a byte store
  ((volatile uint8_t*)row)[2 * n + 1] = 0x4E;
  *(volatile uint32_t*)(row + n + 1) = 0x2F3F2F3F;  // a dword store: "??" green

  char back[64];
  int k = 0;
  for (int i = 0; i < n + 3; i++) back[k++] = (char)(row[i] & 0xFF);
  back[k] = 0;
  print("vga: row 3 reads back \"%s\"\n", back);
  print("vga: attributes %x %x %x\n", row[0] >> 8, row[n] >> 8, row[n + 2] >> 8);

  uint16_t cursor = 3 * 80 + (uint16_t)n + 3;
  crtc_write(0x0E, (uint8_t)(cursor >> 8));
  crtc_write(0x0F, (uint8_t)cursor);
  crtc_write(0x0A, 0x0D);  // cursor shape: scanlines 13-14, visible
  crtc_write(0x0B, 0x0E);
  uint16_t read = (uint16_t)(crtc_read(0x0E) << 8 | crtc_read(0x0F));
  print("vga: cursor at %u (row %u col %u), shape %x-%x\n", read, read / 80, read % 80, crtc_read(0x0A),
        crtc_read(0x0B));
  print("vga: 0xa0000 reads %x\n", *(volatile uint8_t*)0xA0000);
  if (read != cursor) fail("cursor location read back as %u, wrote %u", read, cursor);
  debug_exit(0x10);
}
