// National Semiconductor PC16550D UART with 16-byte FIFOs, as COM1.
// Reference: PC16550D datasheet (National Semiconductor, June 1995),
// tables "Register Summary" and "Interrupt Control Functions". Behaviour
// the design relies on follows QEMU's hw/char/serial.c (DESIGN §4).
// Lesson: devices and interrupts.
//
// The hardware. Eight registers at base+0..7. Offset 0 is the receive
// buffer (read) and transmit holding register (write); offset 1 the
// interrupt enable register; when LCR bit 7 (DLAB) is set, offsets 0 and 1
// are instead the 16-bit baud divisor (115200 / divisor baud). Offset 2
// reads the Interrupt Identification Register and writes the FIFO Control
// Register; 3 is line control (word length, stop bits, parity, DLAB);
// 4 modem control (DTR, RTS, OUT1, OUT2, LOOP); 5 line status (data ready,
// overrun, THR empty, transmitter empty); 6 modem status; 7 scratch.
//
// Interrupts, in the chip's priority order, each enabled by an IER bit:
//   IIR 0x06 receiver line status (overrun)     IER bit 2
//   IIR 0x04 received data at the FIFO trigger  IER bit 0
//   IIR 0x0C character timeout: data below the trigger and the line
//            quiet for four character times     IER bit 0
//   IIR 0x02 transmitter holding register empty IER bit 1
//   IIR 0x00 modem status change                IER bit 3
// IIR bit 0 is 0 while an interrupt is pending; bits 7-6 are set when the
// FIFOs are on. Reading the IIR clears a THRE interrupt, reading RBR the
// data ones, reading LSR the line status, reading MSR the modem status.
//
// Modelled as QEMU does: the transmitter sends at once (THRE and TEMT are
// always set and every THR write re-arms the THRE interrupt), and the
// interrupt output is not gated by MCR.OUT2. In loopback (MCR bit 4) the
// transmitter feeds the receiver and the modem inputs follow the outputs.
#include "emulator/devices/uart.h"

#include <algorithm>

namespace isolab::emulator {

namespace {

constexpr uint8_t kIerRx = 0x01, kIerThre = 0x02, kIerLineStatus = 0x04, kIerModem = 0x08;
constexpr uint8_t kLsrDataReady = 0x01, kLsrOverrun = 0x02, kLsrThre = 0x20, kLsrTemt = 0x40;
constexpr uint8_t kMcrLoop = 0x10;
constexpr uint64_t kUartClockHz = 115200;  // 1.8432 MHz / 16
constexpr int kTriggerLevels[4] = {1, 4, 8, 14};

// Modem status inputs (MSR bits 7-4) as the outputs in MCR drive them in loopback.
uint8_t loopback_modem_inputs(uint8_t mcr) {
  return ((mcr & 0x02) << 3)     // RTS  -> CTS
         | ((mcr & 0x01) << 5)   // DTR  -> DSR
         | ((mcr & 0x04) << 4)   // OUT1 -> RI
         | ((mcr & 0x08) << 4);  // OUT2 -> DCD
}

}  // namespace

Uart::Uart(IrqSink& irq, uint16_t base, int irq_line) : irq_(irq), base_(base), irq_line_(irq_line) {
  reset();
}

void Uart::reset() {
  uint64_t now = state.now_ns;
  state = UartState{};
  state.now_ns = now;
  input_.clear();
  update_irq();
}

int Uart::rx_trigger() const { return kTriggerLevels[state.fcr >> 6]; }

uint64_t Uart::char_time_ns() const {
  int bits = 1 + 5 + (state.lcr & 3) + ((state.lcr & 0x08) ? 1 : 0) + ((state.lcr & 0x04) ? 2 : 1);
  uint64_t divisor = state.divisor ? state.divisor : 1;
  return bits * divisor * 1'000'000'000ull / kUartClockHz;
}

uint8_t Uart::lsr() const {
  uint8_t v = kLsrThre | kLsrTemt | state.lsr_errors;
  if (state.rx_count) v |= kLsrDataReady;
  return v;
}

uint8_t Uart::iir() const {
  uint8_t id = 0x01;
  bool rx_ready = state.rx_count && (!fifo_enabled() || state.rx_count >= rx_trigger());
  if ((state.ier & kIerLineStatus) && (state.lsr_errors & kLsrOverrun)) id = 0x06;
  else if ((state.ier & kIerRx) && rx_ready) id = 0x04;
  else if ((state.ier & kIerRx) && state.timeout_pending) id = 0x0C;
  else if ((state.ier & kIerThre) && state.thr_ipending) id = 0x02;
  else if ((state.ier & kIerModem) && (state.msr & 0x0F)) id = 0x00;
  return id | (fifo_enabled() ? 0xC0 : 0);
}

void Uart::update_irq() {
  bool level = !(iir() & 0x01);
  if (level == state.irq_level) return;
  state.irq_level = level;
  irq_.set_irq(irq_line_, level);
}

void Uart::push_rx(uint8_t byte) {
  if (state.rx_count >= rx_capacity()) {
    state.lsr_errors |= kLsrOverrun;  // the byte is lost
    return;
  }
  state.rx_fifo[(state.rx_head + state.rx_count) % 16] = byte;
  state.rx_count++;
}

uint8_t Uart::pop_rx() {
  if (!state.rx_count) return 0;
  uint8_t byte = state.rx_fifo[state.rx_head];
  state.rx_head = (state.rx_head + 1) % 16;
  state.rx_count--;
  return byte;
}

void Uart::receive(uint8_t byte) {
  if (input_.empty()) state.rx_next_ns = std::max(state.rx_next_ns, state.now_ns + char_time_ns());
  input_.push_back(byte);
}

void Uart::receive(std::string_view text) {
  for (char ch : text) receive(uint8_t(ch));
}

// Move bytes whose arrival time has come from the line into the FIFO.
void Uart::deliver_input() {
  if (state.mcr & kMcrLoop) return;  // the receiver listens to the transmitter
  while (!input_.empty() && state.rx_next_ns <= state.now_ns && state.rx_count < rx_capacity()) {
    push_rx(input_.front());
    input_.pop_front();
    state.last_rx_ns = state.rx_next_ns;
    state.timeout_pending = false;
    state.rx_next_ns += char_time_ns();
  }
}

void Uart::advance(uint64_t now_ns) {
  if (now_ns < state.now_ns) return;
  state.now_ns = now_ns;
  deliver_input();
  if (fifo_enabled() && state.rx_count && now_ns >= state.last_rx_ns + 4 * char_time_ns())
    state.timeout_pending = true;
  update_irq();
}

uint64_t Uart::next_event_ns() const {
  uint64_t next = kNoEvent;
  if (!input_.empty() && !(state.mcr & kMcrLoop) && state.rx_count < rx_capacity())
    next = std::max(state.rx_next_ns, state.now_ns);
  if (fifo_enabled() && state.rx_count && !state.timeout_pending)
    next = std::min(next, state.last_rx_ns + 4 * char_time_ns());
  return next;
}

void Uart::write_mcr(uint8_t value) {
  uint8_t old_inputs = state.msr & 0xF0;
  state.mcr = value & 0x1F;
  uint8_t inputs = (state.mcr & kMcrLoop) ? loopback_modem_inputs(state.mcr) : 0xB0;
  uint8_t changed = old_inputs ^ inputs;
  uint8_t deltas = ((changed & 0x10) ? 0x01 : 0) | ((changed & 0x20) ? 0x02 : 0) |
                   ((old_inputs & 0x40) && !(inputs & 0x40) ? 0x04 : 0) |  // RI trailing edge
                   ((changed & 0x80) ? 0x08 : 0);
  state.msr = inputs | (state.msr & 0x0F) | deltas;
}

bool Uart::io_read(uint16_t port, int size, uint32_t& value) {
  if (port < base_ || port > base_ + 7) return false;
  bool dlab = state.lcr & 0x80;
  switch (port - base_) {
    case 0:
      if (dlab) {
        value = state.divisor & 0xFF;
      } else {
        bool was_full = state.rx_count >= rx_capacity();
        value = pop_rx();
        state.timeout_pending = false;
        state.last_rx_ns = state.now_ns;
        if (was_full && !input_.empty())  // the sender resumes now that there is room
          state.rx_next_ns = std::max(state.rx_next_ns, state.now_ns + char_time_ns());
      }
      break;
    case 1: value = dlab ? state.divisor >> 8 : state.ier; break;
    case 2:
      value = iir();
      if ((value & 0x0F) == 0x02) state.thr_ipending = false;
      break;
    case 3: value = state.lcr; break;
    case 4: value = state.mcr; break;
    case 5:
      value = lsr();
      state.lsr_errors = 0;
      break;
    case 6:
      value = state.msr;
      state.msr &= 0xF0;
      break;
    default: value = state.scr; break;
  }
  update_irq();
  return true;
}

bool Uart::io_write(uint16_t port, int size, uint32_t value) {
  if (port < base_ || port > base_ + 7) return false;
  uint8_t v = value;
  bool dlab = state.lcr & 0x80;
  switch (port - base_) {
    case 0:
      if (dlab) {
        state.divisor = (state.divisor & 0xFF00) | v;
      } else {
        if (state.mcr & kMcrLoop) push_rx(v);
        else if (on_transmit) on_transmit(v);
        state.thr_ipending = true;  // sent at once: THR is empty again
      }
      break;
    case 1:
      if (dlab) {
        state.divisor = (state.divisor & 0x00FF) | (v << 8);
      } else {
        // Enabling the THRE interrupt while THR is empty raises it at once.
        if ((v & kIerThre) && !(state.ier & kIerThre)) state.thr_ipending = true;
        state.ier = v & 0x0F;
      }
      break;
    case 2:
      if ((v ^ state.fcr) & 0x01) state.rx_count = 0;  // toggling FIFO mode clears them
      if (v & 0x02) {
        state.rx_count = 0;
        state.timeout_pending = false;
      }
      state.fcr = v & 0xC9;
      break;
    case 3: state.lcr = v; break;
    case 4: write_mcr(v); break;
    case 5: break;  // LSR is read-only here (factory test writes ignored)
    case 6: break;
    default: state.scr = v; break;
  }
  update_irq();
  return true;
}

std::vector<uint8_t> Uart::save() const {
  std::vector<uint8_t> out = save_pod(state);
  out.insert(out.end(), input_.begin(), input_.end());
  return out;
}

bool Uart::restore(std::span<const uint8_t> bytes) {
  if (bytes.size() < sizeof(UartState)) return false;
  if (!restore_pod(bytes.first(sizeof(UartState)), state)) return false;
  input_.assign(bytes.begin() + sizeof(UartState), bytes.end());
  return true;
}

}  // namespace isolab::emulator
