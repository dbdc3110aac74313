// pit_rate: the 8254's IRQ0 arrives at the programmed rate in simulated
// time. Counter 0 in mode 2 (rate generator) with divisor N raises IRQ0
// every N/1193182 s. Measured twice:
//   - against the TSC over 100 ticks while the CPU spins (the TSC counts
//     executed cycles, so it only measures time while the CPU runs);
//   - against the CMOS RTC: IRQ0s counted over one RTC second, for two
//     rates, while the CPU halts between ticks.
#include "guest.h"

#define PIT_HZ 1193182u

static volatile uint32_t ticks;
static void timer_irq(uint32_t vector) {
  ticks++;
  pic_eoi(0);
}

static void pit_program(uint16_t divisor) {
  outb(0x43, 0x34);  // counter 0, LSB then MSB, mode 2, binary
  outb(0x40, (uint8_t)divisor);
  outb(0x40, (uint8_t)(divisor >> 8));
}

static uint8_t rtc_seconds(void) {
  for (;;) {
    outb(0x70, 0x0A);
    if (inb(0x71) & 0x80) continue;  // update in progress
    outb(0x70, 0x00);
    return inb(0x71);
  }
}

// Wait (halting between ticks) for the RTC's seconds to change.
static void wait_rtc_second(void) {
  uint8_t s = rtc_seconds();
  while (rtc_seconds() == s) sti_hlt(), cli();
}

static void count_over_rtc_second(uint16_t divisor) {
  pit_program(divisor);
  cli();
  wait_rtc_second();
  uint32_t start = ticks;
  wait_rtc_second();
  uint32_t n = ticks - start;
  // The rate in millihertz, from 64-bit-free arithmetic: PIT_HZ*1000/N.
  uint32_t mhz = (PIT_HZ / divisor) * 1000 + (PIT_HZ % divisor) * 1000 / divisor;
  print("pit: divisor %u (%u.%03u Hz): %u IRQ0s in one RTC second\n", divisor, mhz / 1000, mhz % 1000, n);
}

void guest_main(uint32_t magic, struct multiboot_info* mbi) {
  serial_init();
  idt_init();
  set_handler(PIC_VECTOR_BASE + 0, timer_irq);
  pic_init((uint16_t) ~1u);

  pit_program(1193);  // ~1000 Hz
  sti();
  while (ticks < 10) {
  }
  uint64_t t0 = rdtsc();
  while (ticks < 110) {
  }
  uint64_t t1 = rdtsc();
  cli();
  uint32_t us = (uint32_t)(t1 - t0) / 1000;  // the TSC counts at 1 GHz on isolab
  print("pit: 100 IRQ0s at divisor 1193 took %u us of TSC time\n", us);

  count_over_rtc_second(1193);
  count_over_rtc_second(23864);  // ~50 Hz
  debug_exit(0x10);
}
