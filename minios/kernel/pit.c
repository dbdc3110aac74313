// The 8254 programmable interval timer, channel 0, as the scheduler's
// clock: mode 2 (rate generator) at HZ interrupts per second on IRQ 0.
// Its input clock runs at 1.193182 MHz. Reading the counter between
// interrupts gives time finer than a tick for clock_gettime.
// Intel 8254 data sheet. Lesson: "preemptive scheduling".
#include "defs.h"
#include "param.h"
#include "x86.h"

#define PIT_HZ 1193182
#define PIT_DIVISOR ((PIT_HZ + HZ / 2) / HZ)

void pit_init(void) {
    outb(0x43, 0x34);                       // channel 0, lobyte/hibyte, mode 2
    outb(0x40, PIT_DIVISOR & 0xFF);
    outb(0x40, PIT_DIVISOR >> 8);
    pic_unmask(0);
}

// Nanoseconds elapsed since the last timer interrupt, from the counter.
uint32_t pit_ns_since_tick(void) {
    outb(0x43, 0x00);                       // latch channel 0
    uint32_t lo = inb(0x40);
    uint32_t hi = inb(0x40);
    uint32_t count = (hi << 8) | lo;
    if (count == 0 || count > PIT_DIVISOR)
        return 0;
    return (PIT_DIVISOR - count) * 838;     // one input clock is 838.1 ns
}
