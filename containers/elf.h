// The ELF32 program loader of execve(2): static i386 executables only.
//
// Follows the System V ABI (gABI ch. 4-5 and the i386 psABI) as Linux's
// fs/binfmt_elf.c applies it: check the header, turn each PT_LOAD segment
// into a file-backed area (pages arrive on first touch), put the break
// after the last segment, and build the initial stack: argc, argv[],
// NULL, envp[], NULL, the auxiliary vector (AT_PHDR, AT_ENTRY, AT_PAGESZ,
// AT_RANDOM...), and the strings they point to. A file that is not such a
// program is refused with ENOEXEC and a message naming what is wrong.
// Lesson: "a container needs the host's kernel ABI".
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "containers/errors.h"
#include "containers/mm.h"

namespace isolab::containers {

struct ElfSegment {
  uint32_t vaddr = 0, memsz = 0, offset = 0, filesz = 0, flags = 0;  // flags: PF_X=1 PF_W=2 PF_R=4
};

struct ElfProgram {
  uint32_t entry = 0;
  uint32_t phdr_vaddr = 0;  // where the program headers are in memory (AT_PHDR)
  uint16_t phnum = 0;
  std::vector<ElfSegment> loads;
  uint32_t end = 0;  // the highest address any segment reaches
};

// Check that `file` is a static i386 ET_EXEC program and read its layout.
// Errors are ENOEXEC, with a message that names the field.
ErrorOr<ElfProgram> parse_elf(const std::vector<uint8_t>& file);

// What the initial stack tells the program (execve's arguments and the
// kernel's auxiliary vector).
struct ExecArgs {
  std::vector<std::string> argv, envp;
  std::string execfn;           // AT_EXECFN: the path given to execve
  uint8_t random[16] = {};      // AT_RANDOM's bytes
  uint32_t uid = 0, gid = 0;
};

// Map `prog`'s segments into the empty address space `as`, add the stack
// area and build the initial stack. Returns the initial ESP.
ErrorOr<uint32_t> load_elf(AddressSpace& as, std::shared_ptr<const std::vector<uint8_t>> file,
                           const ElfProgram& prog, const ExecArgs& args);

}  // namespace isolab::containers
