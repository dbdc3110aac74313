// The test guests' runtime. See guest.h.
#include "guest.h"

void serial_init(void) {
  outb(COM1 + 1, 0x00);  // no interrupts yet
  outb(COM1 + 3, 0x80);  // DLAB: divisor follows
  outb(COM1 + 0, 0x01);  // 115200 baud
  outb(COM1 + 1, 0x00);
  outb(COM1 + 3, 0x03);  // 8N1
  outb(COM1 + 2, 0x07);  // FIFOs on and cleared, receive trigger at 1 byte
  outb(COM1 + 4, 0x0B);  // DTR, RTS, OUT2 (the IRQ gate on real boards)
}

void putch(char c) {
  while (!(inb(COM1 + 5) & 0x20)) {
  }
  outb(COM1, (uint8_t)c);
}

static void put_number(uint32_t v, unsigned base, int width, char pad) {
  char buf[12];
  int n = 0;
  do {
    buf[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  while (n < width) buf[n++] = pad;
  while (n) putch(buf[--n]);
}

void vprint(const char* fmt, va_list ap) {
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      putch(*fmt);
      continue;
    }
    char pad = ' ';
    int width = 0;
    fmt++;
    if (*fmt == '0') pad = '0';
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    switch (*fmt) {
      case 'u': put_number(va_arg(ap, uint32_t), 10, width, pad); break;
      case 'd': {
        int32_t v = va_arg(ap, int32_t);
        if (v < 0) {
          putch('-');
          v = -v;
        }
        put_number((uint32_t)v, 10, width, pad);
        break;
      }
      case 'x': put_number(va_arg(ap, uint32_t), 16, width, pad); break;
      case 'c': putch((char)va_arg(ap, int)); break;
      case 's':
        for (const char* s = va_arg(ap, const char*); *s; s++) putch(*s);
        break;
      default: putch(*fmt); break;
    }
  }
}

void print(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprint(fmt, ap);
  va_end(ap);
}

void debug_exit(uint32_t value) {
  outb(0xF4, (uint8_t)value);
  for (;;) __asm__ volatile("cli; hlt");
}

void fail(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  print("FAIL: ");
  vprint(fmt, ap);
  print("\n");
  va_end(ap);
  debug_exit(0x7E);
}

// --- interrupts -----------------------------------------------------------

struct idt_gate {
  uint16_t offset_low, selector;
  uint8_t zero, type;
  uint16_t offset_high;
} __attribute__((packed));

extern const uint32_t interrupt_stubs[256];
static struct idt_gate idt[256];
static handler_fn handlers[256];

void idt_init(void) {
  for (int v = 0; v < 256; v++) {
    idt[v].offset_low = (uint16_t)interrupt_stubs[v];
    idt[v].offset_high = (uint16_t)(interrupt_stubs[v] >> 16);
    idt[v].selector = 0x08;
    idt[v].zero = 0;
    idt[v].type = 0x8E;  // present, ring 0, 32-bit interrupt gate
  }
  struct {
    uint16_t limit;
    uint32_t base;
  } __attribute__((packed)) desc = {sizeof idt - 1, (uint32_t)idt};
  __asm__ volatile("lidt %0" : : "m"(desc));
}

void set_handler(int vector, handler_fn fn) { handlers[vector] = fn; }

void interrupt_dispatch(uint32_t vector) {
  if (handlers[vector]) {
    handlers[vector](vector);
    return;
  }
  if (vector < 32) fail("exception %u", vector);
  fail("unexpected interrupt vector %x", vector);
}

void pic_init(uint16_t mask) {
  outb(0x20, 0x11);  // ICW1: edge, cascade, ICW4 follows
  outb(0xA0, 0x11);
  outb(0x21, PIC_VECTOR_BASE);  // ICW2: vectors
  outb(0xA1, PIC_VECTOR_BASE + 8);
  outb(0x21, 0x04);  // ICW3: slave on IRQ2
  outb(0xA1, 0x02);
  outb(0x21, 0x01);  // ICW4: 8086 mode
  outb(0xA1, 0x01);
  if ((mask & 0xFF00) != 0xFF00) mask &= (uint16_t)~0x0004;  // slave IRQs need the cascade
  outb(0x21, (uint8_t)mask);
  outb(0xA1, (uint8_t)(mask >> 8));
}

void pic_eoi(int irq) {
  if (irq >= 8) outb(0xA0, 0x20);
  outb(0x20, 0x20);
}

// --- strings -----------------------------------------------------------------

int str_eq(const char* a, const char* b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}
int str_len(const char* s) {
  int n = 0;
  while (s[n]) n++;
  return n;
}
int mem_eq(const void* a, const void* b, uint32_t n) {
  const uint8_t *p = a, *q = b;
  for (uint32_t i = 0; i < n; i++)
    if (p[i] != q[i]) return 0;
  return 1;
}
void mem_set(void* p, int v, uint32_t n) {
  uint8_t* d = p;
  for (uint32_t i = 0; i < n; i++) d[i] = (uint8_t)v;
}
void mem_copy(void* d, const void* s, uint32_t n) {
  uint8_t* dd = d;
  const uint8_t* ss = s;
  for (uint32_t i = 0; i < n; i++) dd[i] = ss[i];
}

// GCC may call these for struct copies even in freestanding code.
void* memset(void* p, int v, uint32_t n) {
  mem_set(p, v, n);
  return p;
}
void* memcpy(void* d, const void* s, uint32_t n) {
  mem_copy(d, s, n);
  return d;
}
