// The ELF32 loader for execve(2) (elf.h).
#include "containers/elf.h"

#include <cstring>
#include <string>

#include "containers/linux_abi.h"

namespace isolab::containers {

using namespace linux_abi;

namespace {

// ELF constants (gABI figure 4-3 and 5-2).
constexpr uint8_t ELFCLASS32 = 1, ELFCLASS64 = 2, ELFDATA2LSB = 1;
constexpr uint16_t ET_EXEC = 2, ET_DYN = 3, EM_386 = 3, EM_X86_64 = 62;
constexpr uint32_t PT_LOAD = 1, PT_INTERP = 3, PT_PHDR = 6;
constexpr uint32_t PF_X = 1, PF_W = 2, PF_R = 4;

uint16_t le16(const uint8_t* p) { return uint16_t(p[0] | p[1] << 8); }
uint32_t le32(const uint8_t* p) { return uint32_t(p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24); }

Error noexec(const std::string& why) { return make_error(LINUX_ENOEXEC, why); }

}  // namespace

ErrorOr<ElfProgram> parse_elf(const std::vector<uint8_t>& f) {
  if (f.size() < 4 || std::memcmp(f.data(), "\x7f" "ELF", 4) != 0)
    return noexec("not an ELF file (no \\x7fELF magic at offset 0)");
  if (f.size() < 52) return noexec("truncated ELF header (" + std::to_string(f.size()) + " bytes, need 52)");
  const uint8_t* h = f.data();
  if (h[4] == ELFCLASS64)
    return noexec("a 64-bit ELF (ELFCLASS64): this kernel runs i386 programs only; a container needs the host's ABI");
  if (h[4] != ELFCLASS32) return noexec("bad EI_CLASS " + std::to_string(h[4]));
  if (h[5] != ELFDATA2LSB) return noexec("not little-endian (EI_DATA " + std::to_string(h[5]) + ")");
  uint16_t type = le16(h + 16), machine = le16(h + 18);
  if (machine == EM_X86_64) return noexec("e_machine is x86-64: this kernel runs i386 programs only");
  if (machine != EM_386) return noexec("e_machine " + std::to_string(machine) + " is not EM_386");
  if (type == ET_DYN) return noexec("e_type ET_DYN (a shared object or PIE): only static ET_EXEC programs run here");
  if (type != ET_EXEC) return noexec("e_type " + std::to_string(type) + " is not ET_EXEC");
  ElfProgram p;
  p.entry = le32(h + 24);
  uint32_t phoff = le32(h + 28);
  uint16_t phentsize = le16(h + 42), phnum = le16(h + 44);
  if (phentsize != 32) return noexec("e_phentsize " + std::to_string(phentsize) + " is not 32");
  if (phnum == 0 || phnum > 64) return noexec("e_phnum " + std::to_string(phnum) + " out of range (1..64)");
  if (uint64_t(phoff) + uint64_t(phnum) * 32 > f.size()) return noexec("program headers run past the end of the file");
  p.phnum = phnum;
  bool have_phdr = false;
  for (uint16_t i = 0; i < phnum; i++) {
    const uint8_t* ph = h + phoff + i * 32u;
    uint32_t type_i = le32(ph);
    std::string where = "program header " + std::to_string(i);
    if (type_i == PT_INTERP) return noexec("dynamically linked (PT_INTERP): only static programs run here");
    if (type_i == PT_PHDR) {
      p.phdr_vaddr = le32(ph + 8);
      have_phdr = true;
    }
    if (type_i != PT_LOAD) continue;
    ElfSegment s{le32(ph + 8), le32(ph + 20), le32(ph + 4), le32(ph + 16), le32(ph + 24)};
    if (s.filesz > s.memsz) return noexec(where + ": p_filesz > p_memsz");
    if (uint64_t(s.offset) + s.filesz > f.size()) return noexec(where + ": segment runs past the end of the file");
    if (uint64_t(s.vaddr) + s.memsz > PAGE_OFFSET) return noexec(where + ": segment reaches into kernel space");
    if ((s.vaddr & 0xFFF) != (s.offset & 0xFFF)) return noexec(where + ": p_vaddr and p_offset differ modulo the page size");
    if (s.vaddr < 0x1000) return noexec(where + ": segment maps page 0");
    p.loads.push_back(s);
    p.end = std::max(p.end, s.vaddr + s.memsz);
    if (!have_phdr && phoff >= s.offset && phoff + phnum * 32u <= s.offset + s.filesz)
      p.phdr_vaddr = s.vaddr + (phoff - s.offset);
  }
  if (p.loads.empty()) return noexec("no PT_LOAD segment");
  for (size_t i = 0; i < p.loads.size(); i++)
    for (size_t j = i + 1; j < p.loads.size(); j++) {
      const ElfSegment &a = p.loads[i], &b = p.loads[j];
      if (page_down(a.vaddr) < page_up(b.vaddr + b.memsz) && page_down(b.vaddr) < page_up(a.vaddr + a.memsz))
        return noexec("PT_LOAD segments " + std::to_string(i) + " and " + std::to_string(j) + " share a page");
    }
  bool entry_mapped = false;
  for (const ElfSegment& s : p.loads)
    if (p.entry >= s.vaddr && p.entry < s.vaddr + s.memsz && (s.flags & PF_X)) entry_mapped = true;
  if (!entry_mapped) return noexec("e_entry is not in an executable segment");
  return p;
}

namespace {

// Builds the initial stack downward from the top of the stack area.
class StackBuilder {
 public:
  StackBuilder(AddressSpace& as, uint32_t top) : as_(as), sp_(top) {}
  uint32_t push_bytes(const void* p, uint32_t n) {
    sp_ -= n;
    ok_ &= as_.copy_out(sp_, p, n);
    return sp_;
  }
  uint32_t push_string(const std::string& s) { return push_bytes(s.c_str(), uint32_t(s.size() + 1)); }
  void align(uint32_t a) { sp_ &= ~(a - 1); }
  uint32_t sp() const { return sp_; }
  bool ok() const { return ok_; }

 private:
  AddressSpace& as_;
  uint32_t sp_;
  bool ok_ = true;
};

}  // namespace

ErrorOr<uint32_t> load_elf(AddressSpace& as, std::shared_ptr<const std::vector<uint8_t>> file,
                           const ElfProgram& prog, const ExecArgs& args) {
  for (const ElfSegment& s : prog.loads) {
    Vma v;
    v.start = page_down(s.vaddr);
    v.end = page_up(s.vaddr + s.memsz);
    v.prot = ((s.flags & PF_R) ? LINUX_PROT_READ : 0) | ((s.flags & PF_W) ? LINUX_PROT_WRITE : 0) |
             ((s.flags & PF_X) ? LINUX_PROT_EXEC : 0);
    v.kind = Vma::Kind::File;
    v.file = file;
    v.file_offset = s.offset - (s.vaddr - v.start);
    v.file_size = s.filesz + (s.vaddr - v.start);
    if (!as.add(std::move(v))) return make_error(LINUX_ENOEXEC, "PT_LOAD segments overlap");
  }
  as.brk_start = as.brk = page_up(prog.end);

  Vma stack;
  stack.start = PAGE_OFFSET - STACK_SIZE;
  stack.end = PAGE_OFFSET;
  stack.prot = LINUX_PROT_READ | LINUX_PROT_WRITE;
  stack.kind = Vma::Kind::Stack;
  if (!as.add(std::move(stack))) return make_error(LINUX_ENOEXEC, "a segment overlaps the stack area");

  // Strings first, at the top, as fs/binfmt_elf.c's create_elf_tables lays them out.
  StackBuilder sb(as, PAGE_OFFSET - 4);
  uint32_t execfn = sb.push_string(args.execfn);
  std::vector<uint32_t> envp, argv;
  for (auto it = args.envp.rbegin(); it != args.envp.rend(); ++it) envp.insert(envp.begin(), sb.push_string(*it));
  for (auto it = args.argv.rbegin(); it != args.argv.rend(); ++it) argv.insert(argv.begin(), sb.push_string(*it));
  uint32_t platform = sb.push_string("i686");
  sb.align(16);
  uint32_t random = sb.push_bytes(args.random, 16);

  std::vector<uint32_t> auxv = {
      AT_PHDR, prog.phdr_vaddr, AT_PHENT, 32, AT_PHNUM, prog.phnum, AT_PAGESZ, PAGE_SIZE,
      AT_BASE, 0, AT_FLAGS, 0, AT_ENTRY, prog.entry, AT_UID, args.uid, AT_EUID, args.uid,
      AT_GID, args.gid, AT_EGID, args.gid, AT_PLATFORM, platform,
      // CPUID.1:EDX as the interpreter reports it: FPU, TSC, CX8, CMOV.
      AT_HWCAP, (1u << 0) | (1u << 4) | (1u << 8) | (1u << 15), AT_CLKTCK, 100, AT_SECURE, 0,
      AT_RANDOM, random, AT_HWCAP2, 0, AT_EXECFN, execfn, AT_NULL, 0};
  std::vector<uint32_t> words;
  words.push_back(uint32_t(argv.size()));
  words.insert(words.end(), argv.begin(), argv.end());
  words.push_back(0);
  words.insert(words.end(), envp.begin(), envp.end());
  words.push_back(0);
  words.insert(words.end(), auxv.begin(), auxv.end());
  // ESP is 16-byte aligned at _start, as the i386 psABI asks.
  uint32_t bytes = uint32_t(words.size() * 4);
  uint32_t sp = (sb.sp() - bytes) & ~15u;
  if (!sb.ok() || !as.copy_out(sp, words.data(), bytes))
    return make_error(LINUX_E2BIG, "the arguments and environment do not fit the stack");
  return sp;
}

}  // namespace isolab::containers
