// Tests for the ATA PIO channel: emulator/devices/ata.cpp.
#include "emulator/devices/ata.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/emulator/devices/irq_recorder.h"

using namespace isolab::emulator;
using isolab::emulator::test::IrqRecorder;

namespace {

// A disk whose every byte names its sector: byte i of sector s is (s + i) & 0xFF.
std::vector<uint8_t> patterned_disk(uint32_t sectors) {
  std::vector<uint8_t> d(sectors * kSectorSize);
  for (size_t i = 0; i < d.size(); ++i) d[i] = uint8_t(i / kSectorSize + i % kSectorSize);
  return d;
}
void out(Ata& a, uint16_t port, uint8_t v) { CHECK(a.io_write(port, 1, v)); }
uint8_t in(Ata& a, uint16_t port) {
  uint32_t v = 0;
  CHECK(a.io_read(port, 1, v));
  return uint8_t(v);
}
uint16_t in16(Ata& a) {
  uint32_t v = 0;
  CHECK(a.io_read(0x1F0, 2, v));
  return uint16_t(v);
}
void select_lba(Ata& a, int unit, uint32_t lba, uint8_t count) {
  out(a, 0x1F6, uint8_t(0xE0 | unit << 4 | (lba >> 24 & 0x0F)));
  out(a, 0x1F2, count);
  out(a, 0x1F3, uint8_t(lba));
  out(a, 0x1F4, uint8_t(lba >> 8));
  out(a, 0x1F5, uint8_t(lba >> 16));
}
std::vector<uint8_t> read_sector_data(Ata& a) {
  std::vector<uint8_t> data;
  for (int i = 0; i < 256; ++i) {
    uint16_t w = in16(a);
    data.push_back(uint8_t(w));
    data.push_back(uint8_t(w >> 8));
  }
  return data;
}

}  // namespace

TEST_CASE("ata: IDENTIFY DEVICE returns a proper block and raises IRQ14") {
  IrqRecorder irq;
  Ata ata(irq);
  ata.attach(0, patterned_disk(20160));  // 20 cylinders of 16 x 63
  out(ata, 0x1F6, 0xA0);
  out(ata, 0x1F7, 0xEC);
  CHECK(irq.level[14]);
  CHECK(in(ata, 0x3F6) == 0x58);  // DRDY DSC DRQ; alternate status keeps the IRQ
  CHECK(irq.level[14]);
  CHECK(in(ata, 0x1F7) == 0x58);
  CHECK_FALSE(irq.level[14]);  // reading status acknowledges it
  std::vector<uint16_t> w;
  for (int i = 0; i < 256; ++i) w.push_back(in16(ata));
  CHECK(in(ata, 0x1F7) == 0x50);
  CHECK(w[0] == 0x0040);
  CHECK(w[1] == 20);
  CHECK(w[3] == 16);
  CHECK(w[6] == 63);
  uint32_t sectors = w[60] | uint32_t(w[61]) << 16;
  CHECK(sectors == 20160);
  CHECK((w[49] & 0x0200) != 0);
  std::string model;
  for (int i = 27; i < 47; ++i) {
    model += char(w[i] >> 8);
    model += char(w[i] & 0xFF);
  }
  CHECK(model.substr(0, 16) == "ISOLAB HARDDISK ");
  uint8_t sum = 0;
  for (uint16_t x : w) sum += uint8_t(x) + uint8_t(x >> 8);
  CHECK(sum == 0);
  CHECK((w[255] & 0xFF) == 0xA5);
}

TEST_CASE("ata: READ SECTORS in LBA mode raises IRQ14 for every sector") {
  IrqRecorder irq;
  Ata ata(irq);
  ata.attach(0, patterned_disk(100));
  select_lba(ata, 0, 5, 2);
  out(ata, 0x1F7, 0x20);
  for (int s = 0; s < 2; ++s) {
    CHECK(irq.level[14]);
    CHECK(in(ata, 0x1F7) == 0x58);
    auto data = read_sector_data(ata);
    CHECK(data[0] == uint8_t(5 + s));
    CHECK(data[511] == uint8_t(5 + s + 511));
  }
  CHECK(irq.rising[14] == 2);
  CHECK(in(ata, 0x1F7) == 0x50);
}

TEST_CASE("ata: 32-bit data port reads move two words") {
  IrqRecorder irq;
  Ata ata(irq);
  ata.attach(0, patterned_disk(8));
  select_lba(ata, 0, 3, 1);
  out(ata, 0x1F7, 0x20);
  uint32_t v = 0;
  CHECK(ata.io_read(0x1F0, 4, v));
  CHECK(v == 0x06050403u);
}

TEST_CASE("ata: WRITE SECTORS stores data and raises IRQ14 after each sector, the last included") {
  IrqRecorder irq;
  Ata ata(irq);
  ata.attach(0, patterned_disk(100));
  select_lba(ata, 0, 10, 2);
  out(ata, 0x1F7, 0x30);
  CHECK(in(ata, 0x3F6) == 0x58);  // DRQ at once
  CHECK_FALSE(irq.level[14]);     // but no interrupt before the first sector
  for (int s = 0; s < 2; ++s) {
    for (int i = 0; i < 256; ++i) CHECK(ata.io_write(0x1F0, 2, uint32_t(0xAB00 + s)));
    CHECK(irq.level[14]);
    uint8_t status = in(ata, 0x1F7);
    CHECK(status == (s == 0 ? 0x58 : 0x50));
  }
  CHECK(irq.rising[14] == 2);
  CHECK(ata.disk(0)[10 * 512] == 0x00);
  CHECK(ata.disk(0)[10 * 512 + 1] == 0xAB);
  CHECK(ata.disk(0)[11 * 512 + 510] == 0x01);
  CHECK(ata.disk(0)[12 * 512] == uint8_t(12));  // untouched after the transfer
}

TEST_CASE("ata: CHS addressing uses 16 heads and 63 sectors per track") {
  IrqRecorder irq;
  Ata ata(irq);
  ata.attach(0, patterned_disk(2 * 16 * 63));
  out(ata, 0x1F6, 0xA1);  // CHS, head 1
  out(ata, 0x1F2, 1);
  out(ata, 0x1F3, 1);  // sector 1
  out(ata, 0x1F4, 1);  // cylinder 1
  out(ata, 0x1F5, 0);
  out(ata, 0x1F7, 0x20);
  CHECK(in(ata, 0x1F7) == 0x58);
  CHECK(read_sector_data(ata)[0] == uint8_t((1 * 16 + 1) * 63));
}

TEST_CASE("ata: nIEN keeps IRQ14 low") {
  IrqRecorder irq;
  Ata ata(irq);
  ata.attach(0, patterned_disk(10));
  out(ata, 0x3F6, 0x02);
  select_lba(ata, 0, 0, 1);
  out(ata, 0x1F7, 0x20);
  CHECK_FALSE(irq.level[14]);
  CHECK(in(ata, 0x3F6) == 0x58);
  out(ata, 0x3F6, 0x00);
  CHECK(irq.level[14]);  // still pending: the line follows once enabled
}

TEST_CASE("ata: a second drive answers as the slave") {
  IrqRecorder irq;
  Ata ata(irq);
  ata.attach(0, patterned_disk(10));
  std::vector<uint8_t> slave(40 * kSectorSize, 0x5A);
  ata.attach(1, slave);
  out(ata, 0x1F6, 0xB0);
  out(ata, 0x1F7, 0xEC);
  CHECK(in(ata, 0x1F7) == 0x58);
  std::vector<uint16_t> w;
  for (int i = 0; i < 256; ++i) w.push_back(in16(ata));
  CHECK(w[60] == 40);
  select_lba(ata, 1, 7, 1);
  out(ata, 0x1F7, 0x20);
  CHECK(in(ata, 0x1F7) == 0x58);
  CHECK(read_sector_data(ata)[100] == 0x5A);
}

TEST_CASE("ata: an absent slave reads as nothing present") {
  IrqRecorder irq;
  Ata ata(irq);
  ata.attach(0, patterned_disk(10));
  out(ata, 0x1F6, 0xB0);
  CHECK(in(ata, 0x1F7) == 0x00);
  CHECK(in(ata, 0x3F6) == 0x00);
  CHECK(in(ata, 0x1F2) == 0x00);
  out(ata, 0x1F7, 0xEC);
  CHECK_FALSE(irq.level[14]);
  CHECK(in(ata, 0x1F7) == 0x00);
  out(ata, 0x1F6, 0xA0);
  CHECK(in(ata, 0x1F7) == 0x50);
}

TEST_CASE("ata: errors: a sector past the end is IDNF, an unknown command ABRT") {
  IrqRecorder irq;
  Ata ata(irq);
  ata.attach(0, patterned_disk(10));
  select_lba(ata, 0, 9, 2);
  out(ata, 0x1F7, 0x20);
  CHECK(in(ata, 0x1F7) == 0x58);  // sector 9 exists
  read_sector_data(ata);
  CHECK(in(ata, 0x1F7) == 0x51);  // sector 10 does not
  CHECK(in(ata, 0x1F1) == 0x10);
  out(ata, 0x1F7, 0xF8);
  CHECK(irq.level[14]);
  CHECK(in(ata, 0x1F7) == 0x51);
  CHECK(in(ata, 0x1F1) == 0x04);
}

TEST_CASE("ata: READ MULTIPLE interrupts once per block") {
  IrqRecorder irq;
  Ata ata(irq);
  ata.attach(0, patterned_disk(64));
  out(ata, 0x1F2, 4);
  out(ata, 0x1F7, 0xC6);  // SET MULTIPLE MODE: 4 sectors
  CHECK(in(ata, 0x1F7) == 0x50);
  int before = irq.rising[14];
  select_lba(ata, 0, 0, 8);
  out(ata, 0x1F7, 0xC4);
  for (int block = 0; block < 2; ++block) {
    CHECK(in(ata, 0x1F7) == 0x58);
    for (int s = 0; s < 4; ++s) CHECK(read_sector_data(ata)[0] == uint8_t(block * 4 + s));
  }
  CHECK(irq.rising[14] - before == 2);
  CHECK(in(ata, 0x1F7) == 0x50);
}

TEST_CASE("ata: SET FEATURES, CACHE FLUSH and INITIALIZE DEVICE PARAMETERS complete with IRQ14") {
  IrqRecorder irq;
  Ata ata(irq);
  ata.attach(0, patterned_disk(100));
  for (uint8_t command : {0xEF, 0xE7}) {
    int before = irq.rising[14];
    out(ata, 0x1F7, command);
    CHECK(irq.rising[14] - before == 1);
    CHECK(in(ata, 0x1F7) == 0x50);
  }
  out(ata, 0x1F2, 10);    // 10 sectors per track
  out(ata, 0x1F6, 0xA3);  // 4 heads
  out(ata, 0x1F7, 0x91);
  CHECK(in(ata, 0x1F7) == 0x50);
  CHECK(ata.state.drive[0].heads == 4);
  CHECK(ata.state.drive[0].sectors_per_track == 10);
}

TEST_CASE("ata: software reset restores the signature") {
  IrqRecorder irq;
  Ata ata(irq);
  ata.attach(0, patterned_disk(10));
  select_lba(ata, 0, 7, 3);
  out(ata, 0x3F6, 0x04);
  CHECK(in(ata, 0x3F6) == 0x80);
  out(ata, 0x3F6, 0x00);
  CHECK(in(ata, 0x1F7) == 0x50);
  CHECK(in(ata, 0x1F1) == 0x01);
  CHECK(in(ata, 0x1F2) == 0x01);
  CHECK(in(ata, 0x1F3) == 0x01);
  CHECK(in(ata, 0x1F4) == 0x00);
}

TEST_CASE("ata: disk images must be non-empty whole sectors") {
  CHECK(check_disk_image("a.img", 0).value() == "a.img: disk image is empty");
  CHECK(check_disk_image("a.img", 1000).value() == "a.img: disk image size 1000 is not a multiple of 512 bytes");
  CHECK_FALSE(check_disk_image("a.img", 1024).has_value());
  std::string error;
  CHECK_FALSE(load_disk_image("/nonexistent/disk.img", error).has_value());
  CHECK(error.find("/nonexistent/disk.img: cannot open disk image") == 0);
}
