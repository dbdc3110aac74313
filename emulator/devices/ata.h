// ATA (IDE) PIO disk controller: one channel with a master and a slave.
// Standard: ANSI INCITS 361-2002, AT Attachment with Packet Interface - 6
// (ATA/ATAPI-6). See ata.cpp for the hardware.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emulator/devices/device.h"

namespace isolab::emulator {

inline constexpr uint32_t kSectorSize = 512;
inline constexpr int kMaxMultiple = 16;  // sectors per block in READ/WRITE MULTIPLE

// One drive's state; its contents live in Ata's disk vectors.
struct AtaDrive {
  uint8_t status = 0;
  uint8_t error = 0;
  uint16_t heads = 16, sectors_per_track = 63;  // logical CHS geometry in use
  uint8_t multiple = 0;                         // SET MULTIPLE MODE block size, 0 = off
  bool irq_pending = false;                     // INTRQ wanted, until status is read
  uint8_t command = 0;                          // the data transfer in progress, or 0
  uint32_t next_lba = 0;
  uint32_t sectors_left = 0;
  uint32_t block_sectors = 1;                   // sectors per DRQ block
  uint16_t buffer_pos = 0, buffer_len = 0;      // bytes
  std::array<uint8_t, kSectorSize * kMaxMultiple> buffer{};
};

struct AtaState {
  // The task file. Both drives latch every write, so it is kept once.
  uint8_t features = 0, sector_count = 0, lba_low = 0, lba_mid = 0, lba_high = 0;
  uint8_t device = 0xA0;          // bit 4 selects the slave, bit 6 LBA addressing
  uint8_t device_control = 0;     // bit 1 nIEN, bit 2 SRST
  AtaDrive drive[2];
  bool irq_level = false;
};

// Check a disk image's size as the ATA model needs it: not empty and a
// whole number of sectors. Returns a one-line message naming `what`, or
// nothing when the image is usable.
std::optional<std::string> check_disk_image(const std::string& what, uint64_t size);
// Read a whole disk image file; on failure `error` says which file and why.
std::optional<std::vector<uint8_t>> load_disk_image(const std::string& path, std::string& error);

class Ata : public Device {
 public:
  // A channel at `base` (primary: 0x1F0) and `control` (0x3F6) on ISA IRQ
  // `irq_line` (14).
  Ata(IrqSink& irq, uint16_t base = 0x1F0, uint16_t control = 0x3F6, int irq_line = 14);

  const char* name() const override { return "ata"; }
  void reset() override;
  std::vector<IoRange> io_ranges() const override {
    return {{base_, uint16_t(base_ + 7)}, {control_, control_}};
  }
  bool io_read(uint16_t port, int size, uint32_t& value) override;
  bool io_write(uint16_t port, int size, uint32_t value) override;
  std::vector<uint8_t> save() const override { return save_pod(state); }
  bool restore(std::span<const uint8_t> bytes) override { return restore_pod(bytes, state); }

  // Attach a disk image as unit 0 (master) or 1 (slave); its size should
  // pass check_disk_image. Writes by the guest change the vector in place.
  void attach(int unit, std::vector<uint8_t> image);
  bool present(int unit) const { return !disks_[unit].empty(); }
  const std::vector<uint8_t>& disk(int unit) const { return disks_[unit]; }
  uint32_t total_sectors(int unit) const { return uint32_t(disks_[unit].size() / kSectorSize); }
  // The 256-word IDENTIFY DEVICE block for `unit`.
  std::array<uint16_t, 256> identify(int unit) const;

  AtaState state;

 private:
  int selected() const { return (state.device >> 4) & 1; }
  AtaDrive& drive() { return state.drive[selected()]; }
  void execute(uint8_t command);
  void finish(uint8_t status_bits);  // end a command: status DRDY|DSC|bits, interrupt
  void abort_command();
  void fail(uint8_t error_bits);
  bool target_lba(uint32_t& lba) const;
  void start_read(uint32_t block);
  void load_read_block();
  void start_write(uint32_t block);
  void data_written();
  uint16_t read_data_word();
  void write_data_word(uint16_t word);
  void set_signature();
  void software_reset();
  void raise_irq();
  void update_irq();

  IrqSink& irq_;
  uint16_t base_, control_;
  int irq_line_;
  std::vector<uint8_t> disks_[2];
};

}  // namespace isolab::emulator
