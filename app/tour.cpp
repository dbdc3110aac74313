// The terminal tour: what `isolab` shows when there is no display for the
// visualizer. It boots miniOS in a VM, types a few commands, and explains
// what the hypervisor saw, with every number measured in this run.
#include "app/tour.h"

#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "emulator/loader.h"
#include "emulator/machine.h"

namespace isolab::app {

int run_tour() {
  using namespace emulator;
  std::printf(
      "isolab tour: a virtual machine, seen from the hypervisor\n"
      "=========================================================\n\n"
      "isolab's x86 interpreter is about to boot miniOS, a small teaching OS, in a VM\n"
      "with 32 MiB of RAM. Whenever the guest does something only the hypervisor may\n"
      "do (touch a device, load CR3, fault on a page the VMM has not mapped yet) the\n"
      "CPU leaves the guest: a VM exit. The guest's serial console follows.\n\n");
  MachineConfig cfg;
  cfg.ram_bytes = 32u << 20;
  Machine m(cfg);
  std::string console;
  m.on_console = [&](uint8_t b) {
    std::fputc(b, stdout);
    console += char(b);
  };
  const char* lines[] = {"uname -a\n", "ps\n", "echo hello from the guest | cat\n", "poweroff\n"};
  size_t typed = 0;
  uint64_t insns_at_prompt = 0;
  m.on_idle = [&]() {
    if (typed == 0) insns_at_prompt = m.cpu.s.insns;
    if (typed >= std::size(lines)) return false;
    m.uart.receive(lines[typed++]);
    return true;
  };
  try {
    load_minios(m.cpu);
  } catch (const LoadError& e) {
    std::fprintf(stderr, "isolab: %s\n", e.what());
    return 2;
  }
  MachineStop stop = m.run(60'000'000'000ull);
  std::fflush(stdout);
  if (stop != MachineStop::Halted) {
    std::fprintf(stderr, "isolab tour: the VM did not power off as expected\n");
    return 1;
  }
  std::printf(
      "\n---------------------------------------------------------\n"
      "What the hypervisor measured in this run:\n\n"
      "  instructions to the first prompt   %llu\n"
      "  instructions in all                %llu\n"
      "  simulated time                     %.3f ms (1 instruction = %llu ns)\n"
      "  VM exits                           %llu\n",
      (unsigned long long)insns_at_prompt, (unsigned long long)m.cpu.s.insns, double(m.now_ns()) / 1e6,
      (unsigned long long)cfg.ns_per_insn, (unsigned long long)m.exits.exits);
  for (size_t r = 0; r < size_t(ExitReason::COUNT); r++)
    if (m.exits.by_reason[r]) std::printf("    %-20s %llu\n", kExitReasonNames[r], (unsigned long long)m.exits.by_reason[r]);
  const mmu::MmuCounters& c = m.shadow.counters;
  std::printf(
      "\nUnder shadow paging the VMM keeps its own page tables for the guest's. Of the\n"
      "guest's page faults, %llu were hidden (the guest's tables allowed the access,\n"
      "the VMM filled its shadow entry: pf_fixed) and %llu were the guest's own\n"
      "(reflected to miniOS: pf_guest); the guest edited its page tables %llu times\n"
      "(mmu_pte_write), each a trap into the VMM.\n\n"
      "Next: `isolab vm run --paging nested --stats` to compare, `isolab vm run --trace\n"
      "exits.jsonl` to see every exit, and `isolab --help` for the rest.\n",
      (unsigned long long)c.pf_fixed, (unsigned long long)c.pf_guest, (unsigned long long)c.mmu_pte_write);
  return 0;
}

}  // namespace isolab::app
