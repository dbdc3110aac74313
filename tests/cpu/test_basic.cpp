// Basic execution: arithmetic, flags, branches, the stack and strings in
// flat 32-bit protected mode, and self-modifying code.
#include <doctest/doctest.h>

#include "cpu/flags.h"
#include "guest.h"

using namespace isolab::cpu;
using isolab::cpu::test::Guest;

TEST_CASE("cpu: a counting loop retires the expected instructions") {
  Guest g;
  // mov ecx, 10 ; xor eax, eax ; l: add eax, ecx ; dec ecx ; jnz l ; hlt
  g.poke(0x1000, {0xB9, 10, 0, 0, 0, 0x31, 0xC0, 0x01, 0xC8, 0x49, 0x75, 0xFB, 0xF4});
  StopReason r = g.cpu.run(2 + 3 * 10);
  CHECK(r == StopReason::Budget);
  CHECK(g.cpu.s.reg[EAX] == 55);
  CHECK(g.cpu.s.reg[ECX] == 0);
  CHECK(g.cpu.s.insns == 32);
  CHECK(g.cpu.s.eip == 0x100C);
}

TEST_CASE("cpu: flags after SUB, ADC and a signed compare") {
  Guest g;
  // mov eax, 1 ; sub eax, 2 ; (CF=1 SF=1) ; mov ebx, 0 ; adc ebx, 0 ; cmp eax, 5 ; setl cl
  g.poke(0x1000, {0xB8, 1, 0, 0, 0, 0x83, 0xE8, 0x02, 0xBB, 0, 0, 0, 0, 0x83, 0xD3, 0x00,
                  0x83, 0xF8, 0x05, 0x0F, 0x9C, 0xC1});
  g.cpu.run(3);
  CHECK(g.cpu.s.reg[EAX] == 0xFFFFFFFFu);
  CHECK((g.cpu.flags() & (CF | SF | ZF)) == (CF | SF));
  g.cpu.run(3);
  CHECK(g.cpu.s.reg[EBX] == 1);
  CHECK((g.cpu.s.reg[ECX] & 0xFF) == 1);
}

TEST_CASE("cpu: call and ret through the stack") {
  Guest g;
  // call +5 ; hlt ; ... f: mov eax, 7 ; ret
  g.poke(0x1000, {0xE8, 0x01, 0, 0, 0, 0xF4, 0xB8, 7, 0, 0, 0, 0xC3});
  g.cpu.run(3);
  CHECK(g.cpu.s.reg[EAX] == 7);
  CHECK(g.cpu.s.eip == 0x1005);
  CHECK(g.cpu.s.reg[ESP] == 0x8000);
}

TEST_CASE("cpu: rep movsb copies and counts each iteration") {
  Guest g;
  g.poke(0x3000, {'h', 'e', 'l', 'l', 'o'});
  // mov esi, 0x3000 ; mov edi, 0x4000 ; mov ecx, 5 ; cld ; rep movsb
  g.poke(0x1000, {0xBE, 0, 0x30, 0, 0, 0xBF, 0, 0x40, 0, 0, 0xB9, 5, 0, 0, 0, 0xFC, 0xF3, 0xA4});
  g.cpu.run(100);
  CHECK(std::memcmp(g.bus.ram() + 0x4000, "hello", 5) == 0);
  CHECK(g.cpu.s.reg[ECX] == 0);
}

TEST_CASE("cpu: self-modifying code executes the new bytes") {
  Guest g;
  // l: mov eax, 1 ; mov byte [l+1], 2 ; jmp l    -- second time round eax must be 2
  g.poke(0x1000, {0xB8, 1, 0, 0, 0, 0xC6, 0x05, 0x01, 0x10, 0, 0, 0x02, 0xEB, 0xF2});
  g.cpu.run(3);
  CHECK(g.cpu.s.reg[EAX] == 1);
  g.cpu.run(1);
  CHECK(g.cpu.s.reg[EAX] == 2);
  CHECK(g.cpu.stats.blocks_invalidated >= 1);
}

TEST_CASE("cpu: self-modifying code inside the running block") {
  Guest g;
  // mov byte [next+1], 9 ; next: mov eax, 1 ; hlt  -> eax = 9
  g.poke(0x1000, {0xC6, 0x05, 0x09, 0x10, 0, 0, 0x09, 0x90, 0xB8, 1, 0, 0, 0, 0xF4});
  g.cpu.run(3);
  CHECK(g.cpu.s.reg[EAX] == 9);
}
