// exit_codes: how a run ends, chosen by the last word of the multiboot
// command line (isolab vm run --cmdline WORD):
//   exit=N   write N to isa-debug-exit (port 0xF4): status N*2+1
//   exitw=N  the same with a 16-bit OUT
//   halt     CLI; HLT: a clean halt, status 0
//   triple   an exception with an empty IDT: a triple fault, status 1
//   spin     loop forever: the run times out, status 124
#include "guest.h"

static uint32_t parse_number(const char* s) {
  uint32_t v = 0;
  int base = 10;
  if (s[0] == '0' && s[1] == 'x') base = 16, s += 2;
  for (; *s; s++) {
    uint32_t d = *s >= '0' && *s <= '9' ? (uint32_t)(*s - '0') : (uint32_t)((*s | 0x20) - 'a' + 10);
    v = v * base + d;
  }
  return v;
}

static int starts_with(const char* s, const char* prefix) {
  while (*prefix)
    if (*s++ != *prefix++) return 0;
  return 1;
}

void guest_main(uint32_t magic, struct multiboot_info* mbi) {
  serial_init();
  if (magic != MULTIBOOT_BOOTLOADER_MAGIC || !(mbi->flags & 0x4)) fail("no multiboot command line");
  const char* word = (const char*)mbi->cmdline;
  for (const char* p = word; *p; p++)
    if (*p == ' ' && p[1]) word = p + 1;
  print("exit_codes: %s\n", word);
  if (starts_with(word, "exit=")) {
    outb(0xF4, (uint8_t)parse_number(word + 5));
  } else if (starts_with(word, "exitw=")) {
    outw(0xF4, (uint16_t)parse_number(word + 6));
  } else if (str_eq(word, "halt")) {
    __asm__ volatile("cli; hlt");
  } else if (str_eq(word, "triple")) {
    struct {
      uint16_t limit;
      uint32_t base;
    } __attribute__((packed)) empty = {0, 0};
    __asm__ volatile("lidt %0; int3" : : "m"(empty));
  } else if (str_eq(word, "spin")) {
    for (;;) __asm__ volatile("pause");
  }
  fail("still running after '%s'", word);
}
