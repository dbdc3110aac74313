// ATA PIO disk controller: the PC/AT primary channel with two drives.
// Reference: ATA/ATAPI-6 (ANSI INCITS 361-2002): section 6 (registers),
// 8 (commands: IDENTIFY DEVICE 8.15, READ SECTORS 8.27, WRITE SECTORS
// 8.48, READ/WRITE MULTIPLE, SET MULTIPLE MODE, INITIALIZE DEVICE
// PARAMETERS), 9.7-9.8 (PIO data-in and data-out protocols). Behaviour the
// design relies on (DESIGN §4) follows QEMU's hw/ide/core.c.
// Lesson: devices, interrupts and the boot sector.
//
// The hardware. The "task file" is eight byte registers at 0x1F0-0x1F7:
// data (16 bits wide), error/features, sector count, LBA low/mid/high (in
// CHS mode: sector, cylinder low, cylinder high), device (bit 4 selects
// the slave, bit 6 chooses LBA, bits 3-0 are LBA 27-24 or the head) and
// status/command. 0x3F6 reads the same status without side effects
// ("alternate status") and writes device control: nIEN (bit 1) holds the
// interrupt line off, SRST (bit 2) resets both drives.
//
// Status bits: BSY 0x80, DRDY 0x40 (ready for a command), DF 0x20, DSC
// 0x10, DRQ 0x08 (the data port wants a transfer), ERR 0x01 (see the error
// register: ABRT 0x04 an unsupported command, IDNF 0x10 no such sector).
//
// A PIO read: write the address and count, write command 0x20; for each
// sector the drive fills its buffer, sets DRQ and raises IRQ14; the host
// reads status (which acknowledges the interrupt) and 256 words from the
// data port. A PIO write: command 0x30; the drive sets DRQ at once without
// an interrupt; the host writes 256 words; the drive stores the sector
// and raises IRQ14, with DRQ again if more sectors follow. So every
// command ends with an interrupt, writes included. Two drives share the
// channel and the task file; only the selected drive answers, and an
// absent drive reads as 0 everywhere (no BSY, no DRDY: nothing there).
//
// The model completes every command at once, so BSY is never seen. It
// does 28-bit LBA and CHS (geometry 16 heads x 63 sectors unless the
// guest sets one with INITIALIZE DEVICE PARAMETERS); no LBA48, no DMA.
#include "emulator/devices/ata.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace isolab::emulator {

namespace {

constexpr uint8_t kBsy = 0x80, kDrdy = 0x40, kDsc = 0x10, kDrq = 0x08, kErr = 0x01;
constexpr uint8_t kAbrt = 0x04, kIdnf = 0x10;
constexpr uint8_t kNien = 0x02, kSrst = 0x04;
constexpr uint32_t kMaxLba28 = 0x0FFFFFFF;

constexpr uint8_t kCmdReadSectors = 0x20, kCmdReadSectorsNoRetry = 0x21, kCmdWriteSectors = 0x30,
                  kCmdWriteSectorsNoRetry = 0x31, kCmdReadVerify = 0x40, kCmdReadVerifyNoRetry = 0x41,
                  kCmdSeek = 0x70, kCmdExecuteDiagnostic = 0x90, kCmdInitializeParameters = 0x91,
                  kCmdReadMultiple = 0xC4, kCmdWriteMultiple = 0xC5, kCmdSetMultiple = 0xC6,
                  kCmdStandbyImmediate = 0xE0, kCmdIdleImmediate = 0xE1, kCmdStandby = 0xE2,
                  kCmdIdle = 0xE3, kCmdCheckPowerMode = 0xE5, kCmdFlushCache = 0xE7,
                  kCmdIdentify = 0xEC, kCmdFlushCacheExt = 0xEA, kCmdSetFeatures = 0xEF;

bool is_write(uint8_t command) {
  return command == kCmdWriteSectors || command == kCmdWriteSectorsNoRetry || command == kCmdWriteMultiple;
}

// ATA strings: two characters a word, the first in the high byte, padded with spaces.
void put_string(std::array<uint16_t, 256>& words, int first, int count, const std::string& s) {
  for (int i = 0; i < count; ++i) {
    char hi = 2 * i < int(s.size()) ? s[2 * i] : ' ';
    char lo = 2 * i + 1 < int(s.size()) ? s[2 * i + 1] : ' ';
    words[first + i] = uint16_t(uint8_t(hi) << 8 | uint8_t(lo));
  }
}

}  // namespace

std::optional<std::string> check_disk_image(const std::string& what, uint64_t size) {
  if (size == 0) return fmt::format("{}: disk image is empty", what);
  if (size % kSectorSize)
    return fmt::format("{}: disk image size {} is not a multiple of {} bytes", what, size, kSectorSize);
  if (size / kSectorSize > kMaxLba28)
    return fmt::format("{}: disk image of {} bytes is larger than 28-bit LBA can address", what, size);
  return std::nullopt;
}

std::optional<std::vector<uint8_t>> load_disk_image(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("{}: cannot open disk image: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (auto problem = check_disk_image(path, bytes.size())) {
    error = *problem;
    return std::nullopt;
  }
  return bytes;
}

Ata::Ata(IrqSink& irq, uint16_t base, uint16_t control, int irq_line)
    : irq_(irq), base_(base), control_(control), irq_line_(irq_line) {
  reset();
}

void Ata::attach(int unit, std::vector<uint8_t> image) {
  disks_[unit] = std::move(image);
  state.drive[unit] = AtaDrive{};
  state.drive[unit].status = present(unit) ? kDrdy | kDsc : 0;
  state.drive[unit].error = 0x01;
}

// Power-on: both drives have run their diagnostics and show the ATA signature.
void Ata::reset() {
  state = AtaState{};
  for (int unit = 0; unit < 2; ++unit) {
    state.drive[unit].status = present(unit) ? kDrdy | kDsc : 0;
    state.drive[unit].error = 0x01;
  }
  set_signature();
  update_irq();
}

void Ata::set_signature() {
  state.sector_count = 1;
  state.lba_low = 1;
  state.lba_mid = 0;
  state.lba_high = 0;
  state.device = 0;
}

void Ata::software_reset() {
  for (int unit = 0; unit < 2; ++unit) {
    AtaDrive& d = state.drive[unit];
    d.status = present(unit) ? kDrdy | kDsc : 0;
    d.error = 0x01;  // diagnostics passed
    d.command = 0;
    d.irq_pending = false;  // no interrupt after a software reset
  }
  set_signature();
}

std::array<uint16_t, 256> Ata::identify(int unit) const {
  std::array<uint16_t, 256> w{};
  const AtaDrive& d = state.drive[unit];
  uint32_t total = total_sectors(unit);
  uint32_t default_cylinders = std::clamp<uint32_t>(total / (16 * 63), 1, 16383);
  uint32_t cylinders = std::clamp<uint32_t>(total / (d.heads * d.sectors_per_track), 1, 65535);
  uint32_t chs_capacity = cylinders * d.heads * d.sectors_per_track;
  uint32_t lba_capacity = std::min(total, kMaxLba28);

  w[0] = 0x0040;  // fixed (non-removable) ATA device
  w[1] = uint16_t(default_cylinders);
  w[3] = 16;
  w[6] = 63;
  put_string(w, 10, 10, fmt::format("ISOLAB{:014}", unit + 1));  // serial number
  put_string(w, 23, 4, "1.0");                                   // firmware revision
  put_string(w, 27, 20, "ISOLAB HARDDISK");                       // model number
  w[47] = 0x8000 | kMaxMultiple;  // READ/WRITE MULTIPLE: up to 16 sectors a block
  w[49] = 0x0200;                 // LBA supported (no DMA)
  w[51] = 0x0200;                 // PIO timing mode 2
  w[53] = 0x0003;                 // words 54-58 and 64-70 are valid
  w[54] = uint16_t(cylinders);    // current logical CHS geometry
  w[55] = d.heads;
  w[56] = d.sectors_per_track;
  w[57] = uint16_t(chs_capacity);
  w[58] = uint16_t(chs_capacity >> 16);
  w[59] = d.multiple ? 0x0100 | d.multiple : 0;
  w[60] = uint16_t(lba_capacity);  // LBA28 addressable sectors
  w[61] = uint16_t(lba_capacity >> 16);
  w[64] = 0x0003;  // PIO modes 3 and 4
  w[65] = w[66] = w[67] = w[68] = 120;
  w[80] = 0x007E;  // ATA-1 to ATA-6
  w[83] = 0x4000 | 0x1000;  // FLUSH CACHE supported
  w[84] = 0x4000;
  w[86] = 0x1000;  // FLUSH CACHE enabled
  w[87] = 0x4000;
  // Word 255: signature 0xA5 and a checksum making all 512 bytes sum to 0.
  uint8_t sum = 0xA5;
  for (int i = 0; i < 255; ++i) sum += uint8_t(w[i]) + uint8_t(w[i] >> 8);
  w[255] = uint16_t((uint8_t(-sum) << 8) | 0xA5);
  return w;
}

void Ata::update_irq() {
  int unit = selected();
  bool level = present(unit) && state.drive[unit].irq_pending && !(state.device_control & kNien);
  if (level == state.irq_level) return;
  state.irq_level = level;
  irq_.set_irq(irq_line_, level);
}

void Ata::raise_irq() {
  drive().irq_pending = true;
  update_irq();
}

void Ata::finish(uint8_t status_bits) {
  drive().command = 0;
  drive().status = kDrdy | kDsc | status_bits;
  raise_irq();
}

void Ata::fail(uint8_t error_bits) {
  drive().error = error_bits;
  finish(kErr);
}

void Ata::abort_command() { fail(kAbrt); }

// The first sector the task file addresses, in LBA or CHS; false if the
// CHS address is outside the current geometry.
bool Ata::target_lba(uint32_t& lba) const {
  if (state.device & 0x40) {
    lba = uint32_t(state.device & 0x0F) << 24 | uint32_t(state.lba_high) << 16 |
          uint32_t(state.lba_mid) << 8 | state.lba_low;
    return true;
  }
  const AtaDrive& d = state.drive[selected()];
  uint32_t sector = state.lba_low, head = state.device & 0x0F;
  uint32_t cylinder = uint32_t(state.lba_high) << 8 | state.lba_mid;
  if (sector == 0 || sector > d.sectors_per_track || head >= d.heads) return false;
  lba = (cylinder * d.heads + head) * d.sectors_per_track + sector - 1;
  return true;
}

void Ata::start_read(uint32_t block) {
  AtaDrive& d = drive();
  uint32_t lba;
  if (!target_lba(lba)) return fail(kIdnf);
  d.command = kCmdReadSectors;
  d.next_lba = lba;
  d.sectors_left = state.sector_count ? state.sector_count : 256;
  d.block_sectors = block;
  load_read_block();
}

// PIO data-in: fill the buffer with the next block, set DRQ, interrupt.
void Ata::load_read_block() {
  AtaDrive& d = drive();
  uint32_t n = std::min(d.block_sectors, d.sectors_left);
  if (uint64_t(d.next_lba) + n > total_sectors(selected())) return fail(kIdnf);
  std::memcpy(d.buffer.data(), disks_[selected()].data() + uint64_t(d.next_lba) * kSectorSize, n * kSectorSize);
  d.buffer_len = uint16_t(n * kSectorSize);
  d.buffer_pos = 0;
  d.status = kDrdy | kDsc | kDrq;
  raise_irq();
}

void Ata::start_write(uint32_t block) {
  AtaDrive& d = drive();
  uint32_t lba;
  if (!target_lba(lba)) return fail(kIdnf);
  d.command = kCmdWriteSectors;
  d.next_lba = lba;
  d.sectors_left = state.sector_count ? state.sector_count : 256;
  d.block_sectors = block;
  d.buffer_len = uint16_t(std::min(block, d.sectors_left) * kSectorSize);
  d.buffer_pos = 0;
  d.status = kDrdy | kDsc | kDrq;  // PIO data-out: no interrupt before the first block
}

// PIO data-out: a block has arrived; store it and interrupt.
void Ata::data_written() {
  AtaDrive& d = drive();
  uint32_t n = d.buffer_len / kSectorSize;
  if (uint64_t(d.next_lba) + n > total_sectors(selected())) return fail(kIdnf);
  std::memcpy(disks_[selected()].data() + uint64_t(d.next_lba) * kSectorSize, d.buffer.data(), n * kSectorSize);
  d.sectors_left -= n;
  d.next_lba += n;
  if (d.sectors_left == 0) return finish(0);
  d.buffer_len = uint16_t(std::min(d.block_sectors, d.sectors_left) * kSectorSize);
  d.buffer_pos = 0;
  d.status = kDrdy | kDsc | kDrq;
  raise_irq();
}

uint16_t Ata::read_data_word() {
  AtaDrive& d = drive();
  if (!(d.status & kDrq) || is_write(d.command) || d.command == 0) return 0;
  uint16_t word = uint16_t(d.buffer[d.buffer_pos] | d.buffer[d.buffer_pos + 1] << 8);
  d.buffer_pos += 2;
  if (d.buffer_pos < d.buffer_len) return word;
  if (d.command == kCmdIdentify) {
    d.command = 0;
    d.status = kDrdy | kDsc;
    return word;
  }
  uint32_t n = d.buffer_len / kSectorSize;
  d.sectors_left -= n;
  d.next_lba += n;
  if (d.sectors_left) {
    load_read_block();
  } else {
    d.command = 0;
    d.status = kDrdy | kDsc;  // the last block's interrupt was its data-ready one
  }
  return word;
}

void Ata::write_data_word(uint16_t word) {
  AtaDrive& d = drive();
  if (!(d.status & kDrq) || !is_write(d.command)) return;
  d.buffer[d.buffer_pos] = uint8_t(word);
  d.buffer[d.buffer_pos + 1] = uint8_t(word >> 8);
  d.buffer_pos += 2;
  if (d.buffer_pos >= d.buffer_len) data_written();
}

void Ata::execute(uint8_t command) {
  AtaDrive& d = drive();
  d.irq_pending = false;
  d.error = 0;
  d.command = 0;
  switch (command) {
    case kCmdIdentify: {
      auto words = identify(selected());
      for (int i = 0; i < 256; ++i) {
        d.buffer[2 * i] = uint8_t(words[i]);
        d.buffer[2 * i + 1] = uint8_t(words[i] >> 8);
      }
      d.command = kCmdIdentify;
      d.buffer_len = kSectorSize;
      d.buffer_pos = 0;
      d.status = kDrdy | kDsc | kDrq;
      raise_irq();
      break;
    }
    case kCmdReadSectors: case kCmdReadSectorsNoRetry: start_read(1); break;
    case kCmdWriteSectors: case kCmdWriteSectorsNoRetry: start_write(1); break;
    case kCmdReadMultiple:
      if (!d.multiple) return abort_command();
      start_read(d.multiple);
      break;
    case kCmdWriteMultiple:
      if (!d.multiple) return abort_command();
      start_write(d.multiple);
      break;
    case kCmdSetMultiple: {
      uint8_t n = state.sector_count;
      if (n > kMaxMultiple || (n & (n - 1))) return abort_command();
      d.multiple = n;
      finish(0);
      break;
    }
    case kCmdInitializeParameters:
      if (state.sector_count == 0) return abort_command();
      d.sectors_per_track = state.sector_count;
      d.heads = (state.device & 0x0F) + 1;
      finish(0);
      break;
    case kCmdReadVerify: case kCmdReadVerifyNoRetry: case kCmdSeek: {
      uint32_t lba;
      uint32_t count = command == kCmdSeek ? 1 : (state.sector_count ? state.sector_count : 256);
      if (!target_lba(lba) || uint64_t(lba) + count > total_sectors(selected())) return fail(kIdnf);
      finish(0);
      break;
    }
    case kCmdExecuteDiagnostic:
      software_reset();  // both drives: signature, error 0x01, master selected
      raise_irq();
      break;
    case kCmdCheckPowerMode:
      state.sector_count = 0xFF;  // active or idle
      finish(0);
      break;
    case kCmdSetFeatures: case kCmdFlushCache: case kCmdFlushCacheExt:
    case kCmdStandbyImmediate: case kCmdIdleImmediate: case kCmdStandby: case kCmdIdle:
      finish(0);
      break;
    default:
      if ((command & 0xF0) == 0x10) return finish(0);  // RECALIBRATE
      abort_command();
      break;
  }
}

bool Ata::io_read(uint16_t port, int size, uint32_t& value) {
  bool here = present(selected());
  if (port == control_) {
    value = here ? drive().status : 0;  // alternate status: no interrupt acknowledge
    return true;
  }
  if (port < base_ || port > base_ + 7) return false;
  if (!here) {
    value = 0;  // nothing present: every register reads 0
    return true;
  }
  switch (port - base_) {
    case 0:
      value = read_data_word();
      if (size == 4) value |= uint32_t(read_data_word()) << 16;
      else if (size == 1) value &= 0xFF;
      break;
    case 1: value = drive().error; break;
    case 2: value = state.sector_count; break;
    case 3: value = state.lba_low; break;
    case 4: value = state.lba_mid; break;
    case 5: value = state.lba_high; break;
    case 6: value = state.device | 0xA0; break;  // bits 7 and 5 are obsolete, read as 1
    default:
      value = drive().status;
      drive().irq_pending = false;  // reading status acknowledges the interrupt
      update_irq();
      break;
  }
  return true;
}

bool Ata::io_write(uint16_t port, int size, uint32_t value) {
  if (port == control_) {
    uint8_t old = state.device_control;
    state.device_control = uint8_t(value);
    if ((value & kSrst) && !(old & kSrst)) {
      for (int unit = 0; unit < 2; ++unit)
        if (present(unit)) state.drive[unit].status = kBsy;
    } else if (!(value & kSrst) && (old & kSrst)) {
      software_reset();
    }
    update_irq();
    return true;
  }
  if (port < base_ || port > base_ + 7) return false;
  uint8_t v = uint8_t(value);
  switch (port - base_) {
    case 0:
      if (!present(selected())) break;
      write_data_word(uint16_t(value));
      if (size == 4) write_data_word(uint16_t(value >> 16));
      break;
    case 1: state.features = v; break;
    case 2: state.sector_count = v; break;
    case 3: state.lba_low = v; break;
    case 4: state.lba_mid = v; break;
    case 5: state.lba_high = v; break;
    case 6:
      state.device = v;
      update_irq();  // INTRQ follows the selected drive
      break;
    default:
      if (present(selected()) && !(state.device_control & kSrst)) execute(v);
      break;
  }
  return true;
}

}  // namespace isolab::emulator
