// ELF32 file and program headers, the subset execve needs
// (System V ABI, Intel386 supplement). Lesson: "exec".
#ifndef MINIOS_ELF_H
#define MINIOS_ELF_H

#include "types.h"

#define ELF_MAGIC 0x464C457Fu  // "\x7FELF" little-endian
#define ET_EXEC 2
#define EM_386  3
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2

struct elfhdr {
    uint32_t magic;
    uint8_t ident[12];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct proghdr {
    uint32_t type, off, vaddr, paddr, filesz, memsz, flags, align;
};

#endif
