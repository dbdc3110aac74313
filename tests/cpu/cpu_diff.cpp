// The differential test against Unicorn (DESIGN.md section 9, issue 2):
// random instruction sequences run on isolab's interpreter and on Unicorn
// (QEMU's TCG), and after every sequence the eight general registers,
// EIP, EFLAGS and the low 128 KiB of memory must agree, except for the
// flags the SDM leaves undefined (undefined_flags.h).
//
//   cpu_diff --mode flat32|real16|x87 --insns N --seed S [--verbose] [--trace]
//
// --verbose prints every case; --trace also isolab's registers after each
// instruction.
//
// flat32 is ring-0 protected mode with flat 4 GiB segments (Unicorn's
// UC_MODE_32 starts that way: CR0.PE set, 32-bit CS and SS, bases 0);
// real16 is real mode with random segment bases (UC_MODE_16). A test case
// is a few random instructions (cpu_diff_gen.h) from a random register
// state, with random bytes in the data region. x87 is flat32 running
// random x87 sequences (cpu_diff_x87.h); after each case the FPU's status,
// control and tag words and its full registers are compared too.
//
// Where Unicorn and the SDM disagree, the generator avoids the case and
// says why at the place it does so.
#include <capstone/capstone.h>
#include <unicorn/unicorn.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu_diff_gen.h"
#include "cpu_diff_x87.h"

using namespace isolab::cpu;
using namespace isolab::cpu::test;

namespace {

constexpr uint32_t MEM_SIZE = 1u << 20;
constexpr uint32_t COMPARED = 0x20000;  // memory compared after each case: code, data, stack
constexpr uint64_t MAX_STEPS = 100000;  // a case that runs longer has lost its way

struct Options {
  bool real16 = false;
  bool x87 = false;
  uint64_t insns = 1000000;
  uint64_t seed = 1;
  bool verbose = false;
  bool trace = false;
};

// The state both sides start from and end in.
struct Regs {
  uint32_t r[8];
  uint32_t eip;
  uint32_t eflags;
  // The x87 (x87 mode): status word with TOP, control and tag words, and
  // the physical registers R0-R7 in memory format.
  uint16_t fsw = 0, fcw = 0, ftw = 0;
  uint8_t fpr[8][10] = {};
};

struct Case {
  Regs init;
  uint16_t sel[6] = {};
  uint32_t seg_base[6] = {};
  std::vector<uint8_t> code;
  uint32_t undefined = 0;  // flags to mask at the end
  uint16_t fsw_compared = 0;  // x87: status-word bits to compare at the end
  int drawn = 0;           // random instructions in it (setup moves not counted)
};

const char* const REG_NAMES[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

// --- the reference: Unicorn -------------------------------------------------------

class Reference {
 public:
  explicit Reference(bool real16) : mem(MEM_SIZE, 0) {
    check(uc_open(UC_ARCH_X86, real16 ? UC_MODE_16 : UC_MODE_32, &uc_), "uc_open");
    check(uc_mem_map_ptr(uc_, 0, MEM_SIZE, UC_PROT_ALL, mem.data()), "uc_mem_map_ptr");
  }
  ~Reference() { uc_close(uc_); }
  Reference(const Reference&) = delete;
  Reference& operator=(const Reference&) = delete;

  std::vector<uint8_t> mem;  // Unicorn's guest memory (mapped, not copied)

  // Run the case (its code already in `mem`); false with `err` on failure.
  bool run(const Case& c, bool real16, bool x87, Regs& out, std::string& err) {
    static int ids[10] = {UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX, UC_X86_REG_ESP,
                          UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI, UC_X86_REG_EIP, UC_X86_REG_EFLAGS};
    Regs in = c.init;
    void* vals[10];
    for (int i = 0; i < 8; i++) vals[i] = &in.r[i];
    vals[8] = &in.eip;
    vals[9] = &in.eflags;
    check(uc_reg_write_batch(uc_, ids, vals, 10), "uc_reg_write_batch");
    if (real16) {
      static const int seg_ids[6] = {UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS,
                                     UC_X86_REG_DS, UC_X86_REG_FS, UC_X86_REG_GS};
      for (int s = 0; s < 6; s++) {
        if (s == CS) continue;
        uint16_t sel = c.sel[s];
        check(uc_reg_write(uc_, seg_ids[s], &sel), "uc_reg_write(seg)");
      }
    }
    // The code changed under Unicorn's feet: drop its translations.
    uc_ctl_remove_cache(uc_, CODE_BASE, CODE_BASE + uint32_t(c.code.size()) + 16);
    uc_err e = uc_emu_start(uc_, CODE_BASE, CODE_BASE + c.code.size(), 0, 0);
    for (int i = 0; i < 8; i++) vals[i] = &out.r[i];
    vals[8] = &out.eip;
    vals[9] = &out.eflags;
    check(uc_reg_read_batch(uc_, ids, vals, 10), "uc_reg_read_batch");
    if (x87) {
      check(uc_reg_read(uc_, UC_X86_REG_FPSW, &out.fsw), "uc_reg_read(FPSW)");
      check(uc_reg_read(uc_, UC_X86_REG_FPCW, &out.fcw), "uc_reg_read(FPCW)");
      check(uc_reg_read(uc_, UC_X86_REG_FPTAG, &out.ftw), "uc_reg_read(FPTAG)");
      for (int k = 0; k < 8; k++) check(uc_reg_read(uc_, UC_X86_REG_FP0 + k, out.fpr[k]), "uc_reg_read(FPn)");
    }
    if (e != UC_ERR_OK) {
      err = std::string("Unicorn stopped: ") + uc_strerror(e);
      return false;
    }
    return true;
  }

 private:
  static void check(uc_err e, const char* what) {
    if (e == UC_ERR_OK) return;
    std::fprintf(stderr, "cpu_diff: %s: %s\n", what, uc_strerror(e));
    std::exit(2);
  }
  uc_engine* uc_ = nullptr;
};

// --- the subject: isolab's interpreter ----------------------------------------------

// Any exception is a test failure: note it and stop the CPU.
struct FaultCatcher : CpuHooks {
  int vector = -1;
  bool on_exception(Cpu& cpu, uint8_t v, uint32_t, bool) override {
    vector = v;
    cpu.request_stop();
    return true;
  }
};

class Subject {
 public:
  explicit Subject(bool real16) : real16_(real16) {
    cpu.hooks = &faults_;
    if (!real16) cpu.set_flat_protected_mode(0);
  }
  RamBus bus{MEM_SIZE};
  Cpu cpu{bus};
  bool trace = false;  // print the registers after every instruction

  bool run(const Case& c, Regs& out, uint64_t& executed, std::string& err) {
    // New code at the same address: drop the blocks decoded from the old.
    for (uint32_t page = CODE_BASE & ~0xFFFu; page < CODE_LIMIT; page += 0x1000) cpu.invalidate_code(page);
    CpuState& s = cpu.s;
    for (int i = 0; i < 8; i++) s.reg[i] = c.init.r[i];
    s.eip = c.init.eip;
    s.eflags = c.init.eflags | FLAG_1;
    s.lazy.op = FlagOp::Known;
    if (real16_)
      for (int i = 0; i < 6; i++) cpu.load_segment_real(i, c.sel[i]);
    faults_.vector = -1;
    const uint32_t end = CODE_BASE + uint32_t(c.code.size());
    const uint64_t start = s.insns;
    bool ok = true;
    for (uint64_t steps = 0; s.eip != end; steps++) {
      if (steps == MAX_STEPS) {
        err = "isolab did not reach the end of the code";
        ok = false;
        break;
      }
      cpu.run(1);
      if (trace) {
        std::printf("  isolab after step: eip=%08x eflags=%08x", s.eip, cpu.flags());
        for (int i = 0; i < 8; i++) std::printf(" %s=%08x", REG_NAMES[i], s.reg[i]);
        std::printf("\n");
      }
      if (faults_.vector >= 0) {
        err = "isolab raised exception " + std::to_string(faults_.vector);
        ok = false;
        break;
      }
    }
    executed += s.insns - start;
    for (int i = 0; i < 8; i++) out.r[i] = s.reg[i];
    out.eip = s.eip;
    out.eflags = cpu.flags();
    const FpuState& f = s.fpu;
    out.fsw = fpu_status_word(f);
    out.fcw = f.fcw;
    out.ftw = fpu_tag_word(f);
    for (int k = 0; k < 8; k++) {
      std::memcpy(out.fpr[k], &f.r[k].signif, 8);
      std::memcpy(out.fpr[k] + 8, &f.r[k].sign_exp, 2);
    }
    return ok;
  }

 private:
  bool real16_;
  FaultCatcher faults_;
};

// --- reporting -----------------------------------------------------------------------

void disassemble(const Case& c, bool real16) {
  csh h;
  if (cs_open(CS_ARCH_X86, real16 ? CS_MODE_16 : CS_MODE_32, &h) != CS_ERR_OK) return;
  const uint8_t* p = c.code.data();
  size_t left = c.code.size();
  uint64_t addr = CODE_BASE;
  cs_insn* in = cs_malloc(h);
  while (left) {
    const uint8_t* before = p;
    if (!cs_disasm_iter(h, &p, &left, &addr, in)) {
      std::printf("  %05x  %02x                             (not decoded by Capstone)\n", unsigned(addr), *p);
      p++, left--, addr++;
      continue;
    }
    std::string hex;
    for (const uint8_t* q = before; q < p; q++) {
      char t[4];
      std::snprintf(t, sizeof t, "%02x ", *q);
      hex += t;
    }
    std::printf("  %05x  %-30s %s %s\n", unsigned(in->address), hex.c_str(), in->mnemonic, in->op_str);
  }
  cs_free(in, 1);
  cs_close(&h);
}

std::string flag_names(uint32_t f) {
  static const struct { uint32_t bit; const char* name; } names[] = {
    {CF, "CF"}, {PF, "PF"}, {AF, "AF"}, {ZF, "ZF"}, {SF, "SF"}, {DF, "DF"}, {OF, "OF"}};
  std::string s;
  for (auto& n : names)
    if (f & n.bit) s += std::string(s.empty() ? "" : " ") + n.name;
  return s.empty() ? "-" : s;
}

void print_case(const Case& c, bool real16) {
  std::printf("initial state:");
  for (int i = 0; i < 8; i++) std::printf(" %s=%08x", REG_NAMES[i], c.init.r[i]);
  std::printf(" eflags=%08x (%s)\n", c.init.eflags, flag_names(c.init.eflags).c_str());
  if (real16)
    std::printf("segments: es=%04x cs=%04x ss=%04x ds=%04x fs=%04x gs=%04x\n", c.sel[ES], c.sel[CS], c.sel[SS],
                c.sel[DS], c.sel[FS], c.sel[GS]);
  std::printf("code (%zu bytes at %05x):\n", c.code.size(), CODE_BASE);
  disassemble(c, real16);
  std::printf("undefined flags at the end (masked): %s\n", flag_names(c.undefined).c_str());
}

// Print the differences between isolab (a) and Unicorn (b); true if none.
bool compare(const Case& c, const Regs& a, const Regs& b, const uint8_t* mem_a, const uint8_t* mem_b, bool print) {
  bool same = true;
  for (int i = 0; i < 8; i++) {
    if (a.r[i] == b.r[i]) continue;
    same = false;
    if (print) std::printf("  %s: isolab %08x  unicorn %08x\n", REG_NAMES[i], a.r[i], b.r[i]);
  }
  if (a.eip != b.eip) {
    same = false;
    if (print) std::printf("  eip: isolab %08x  unicorn %08x\n", a.eip, b.eip);
  }
  const uint32_t mask = (ARITH_FLAGS | DF) & ~c.undefined;
  if ((a.eflags ^ b.eflags) & mask) {
    same = false;
    if (print)
      std::printf("  eflags: isolab %08x  unicorn %08x  differ in %s\n", a.eflags, b.eflags,
                  flag_names((a.eflags ^ b.eflags) & mask).c_str());
  }
  if (c.fsw_compared) {
    if ((a.fsw ^ b.fsw) & c.fsw_compared) {
      same = false;
      if (print)
        std::printf("  fsw: isolab %04x  unicorn %04x  (compared bits %04x)\n", a.fsw, b.fsw, c.fsw_compared);
    }
    if (a.fcw != b.fcw || a.ftw != b.ftw) {
      same = false;
      if (print) std::printf("  fcw/ftw: isolab %04x/%04x  unicorn %04x/%04x\n", a.fcw, a.ftw, b.fcw, b.ftw);
    }
    for (int k = 0; k < 8; k++) {
      if (((a.ftw >> (2 * k)) & 3) == TAG_EMPTY || std::memcmp(a.fpr[k], b.fpr[k], 10) == 0) continue;
      same = false;
      if (print) {
        uint64_t ma, mb;
        uint16_t ea, eb;
        std::memcpy(&ma, a.fpr[k], 8), std::memcpy(&ea, a.fpr[k] + 8, 2);
        std::memcpy(&mb, b.fpr[k], 8), std::memcpy(&eb, b.fpr[k] + 8, 2);
        std::printf("  R%d: isolab %04x %016llx  unicorn %04x %016llx\n", k, ea, (unsigned long long)ma, eb,
                    (unsigned long long)mb);
      }
    }
  }
  if (std::memcmp(mem_a, mem_b, COMPARED) != 0) {
    same = false;
    int shown = 0;
    for (uint32_t k = 0; k < COMPARED && print; k++) {
      if (mem_a[k] == mem_b[k]) continue;
      if (shown++ < 32) std::printf("  mem[%05x]: isolab %02x  unicorn %02x\n", k, mem_a[k], mem_b[k]);
    }
  }
  return same;
}

// --- the test ---------------------------------------------------------------------------

Case make_case(Rng& rng, bool real16, bool x87, std::vector<uint8_t>& data) {
  Case c;
  for (uint32_t& r : c.init.r) r = rng.interesting();
  if (real16) {
    // Random bases at or below the data region, so every data address is
    // a 16-bit offset from every segment. CS stays 0.
    for (int s : {ES, SS, DS, FS, GS}) {
      c.sel[s] = uint16_t(rng.below(DATA_LO / 16 + 1));
      c.seg_base[s] = uint32_t(c.sel[s]) << 4;
    }
  }
  const uint32_t sp = STACK_LO + 64 + rng.below(STACK_HI - STACK_LO - 128) - c.seg_base[SS];
  c.init.r[ESP] = real16 ? (sp & 0xFFFF) | (rng.u32() << 16) : sp;
  if (rng.chance(50)) c.init.r[EBP] = c.init.r[ESP] + rng.below(64);
  c.init.eip = CODE_BASE;
  c.init.eflags = (rng.u32() & (ARITH_FLAGS | DF)) | FLAG_1;
  for (size_t k = 0; k < data.size(); k += 8) {
    uint64_t v = rng.next();
    std::memcpy(&data[k], &v, 8);
  }

  if (x87) {
    X87Generator g(rng);
    g.start();
    const int n = 1 + int(rng.below(8));
    while (g.random_insns < n) g.random_instruction();
    c.code = std::move(g.code);
    c.fsw_compared = g.fsw_compared();
    c.drawn = g.random_insns;
    return c;
  }
  Generator g(rng, !real16, c.seg_base);
  const int n = 1 + int(rng.below(8));
  while (g.random_insns < n) g.random_instruction();
  c.code = std::move(g.code);
  c.undefined = g.undefined;
  c.drawn = g.random_insns;
  return c;
}

int run(const Options& o) {
  const char* mode = o.real16 ? "real16" : o.x87 ? "x87" : "flat32";
  Rng rng(o.seed);
  Reference ref(o.real16);
  Subject sub(o.real16);
  sub.trace = o.trace;
  std::vector<uint8_t> data(DATA_HI - DATA_LO);
  uint64_t drawn = 0, executed = 0, cases = 0;
  auto t0 = std::chrono::steady_clock::now();
  while (drawn < o.insns) {
    const uint64_t index = cases++;
    Case c = make_case(rng, o.real16, o.x87, data);
    if (CODE_BASE + c.code.size() > CODE_LIMIT) continue;
    for (uint8_t* m : {sub.bus.ram(), ref.mem.data()}) {
      std::memcpy(m + DATA_LO, data.data(), data.size());
      std::memcpy(m + CODE_BASE, c.code.data(), c.code.size());
    }
    if (o.verbose) {
      std::printf("--- case %llu\n", (unsigned long long)index);
      print_case(c, o.real16);
    }
    Regs a{}, b{};
    std::string err_a, err_b;
    bool ok_a = sub.run(c, a, executed, err_a);
    bool ok_b = ref.run(c, o.real16, o.x87, b, err_b);
    if (!ok_a || !ok_b || !compare(c, a, b, sub.bus.ram(), ref.mem.data(), false)) {
      std::printf("cpu_diff %s: DIFFERENCE in test case %llu (seed %llu)\n", mode, (unsigned long long)index,
                  (unsigned long long)o.seed);
      if (!o.verbose) print_case(c, o.real16);
      if (!ok_a) std::printf("  %s\n", err_a.c_str());
      if (!ok_b) std::printf("  %s\n", err_b.c_str());
      compare(c, a, b, sub.bus.ram(), ref.mem.data(), true);
      return 1;
    }
    drawn += uint64_t(c.drawn);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("cpu_diff %s: %llu instructions, 0 differences (seed %llu; %llu test cases, %llu executed with setup, %.1f s)\n",
              mode, (unsigned long long)drawn, (unsigned long long)o.seed, (unsigned long long)cases,
              (unsigned long long)executed, secs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "cpu_diff: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--mode") {
      std::string m = value();
      if (m != "flat32" && m != "real16" && m != "x87") {
        std::fprintf(stderr, "cpu_diff: --mode is flat32, real16 or x87, not %s\n", m.c_str());
        return 2;
      }
      o.real16 = m == "real16";
      o.x87 = m == "x87";
    } else if (a == "--insns") {
      o.insns = std::strtoull(value().c_str(), nullptr, 0);
    } else if (a == "--seed") {
      o.seed = std::strtoull(value().c_str(), nullptr, 0);
    } else if (a == "--verbose") {
      o.verbose = true;
    } else if (a == "--trace") {
      o.verbose = o.trace = true;
    } else {
      std::fprintf(stderr, "usage: cpu_diff [--mode flat32|real16|x87] [--insns N] [--seed N] [--verbose] [--trace]\n");
      return 2;
    }
  }
  return run(o);
}
