#!/usr/bin/env python3
"""Check that every miniOS user program is a plain static i386 Linux
executable, so the container kernel (or Linux) runs it unchanged:
ELFCLASS32, little-endian, ET_EXEC, EM_386, no PT_INTERP or PT_DYNAMIC,
entry inside a PT_LOAD segment, nothing loaded at or above 0xC0000000.

    check_user_elf.py BIN_DIR
"""
import os
import struct
import sys

PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3


def check(path):
    data = open(path, "rb").read()
    if data[:4] != b"\x7fELF":
        return "not an ELF file"
    if data[4] != 1 or data[5] != 1:
        return "not ELFCLASS32 little-endian"
    e_type, e_machine, _, e_entry, e_phoff = struct.unpack_from("<HHIII", data, 16)
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 42)
    if e_type != 2:
        return f"e_type {e_type}, want ET_EXEC (2)"
    if e_machine != 3:
        return f"e_machine {e_machine}, want EM_386 (3)"
    entry_ok = False
    for i in range(e_phnum):
        p_type, p_off, p_vaddr, _, p_filesz, p_memsz = struct.unpack_from(
            "<IIIIII", data, e_phoff + i * e_phentsize)
        if p_type in (PT_DYNAMIC, PT_INTERP):
            return "dynamically linked"
        if p_type == PT_LOAD:
            if p_vaddr + p_memsz > 0xC0000000:
                return f"segment at {p_vaddr:#x} reaches the kernel half"
            entry_ok |= p_vaddr <= e_entry < p_vaddr + p_memsz
    return None if entry_ok else f"entry {e_entry:#x} outside every PT_LOAD"


def main():
    bin_dir = sys.argv[1]
    names = sorted(os.listdir(bin_dir))
    required = {"sh", "ls", "cat", "echo", "ps", "kill", "uname", "hostname", "free", "sleep",
                "true", "false", "poweroff", "spin", "memhog", "forkbomb", "fault", "bench"}
    failures = [f"{n}: missing" for n in sorted(required - set(names))]
    for name in names:
        problem = check(os.path.join(bin_dir, name))
        if problem:
            failures.append(f"{name}: {problem}")
    for f in failures:
        print("FAIL", f)
    print(f"{len(names)} programs checked, {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
