#!/usr/bin/env python3
"""One malformed-input case of `isolab vm run`: the command must exit 2,
print nothing on stdout, and say what is wrong in exactly one line on
stderr (DESIGN.md section 7). Bad files are made from a good multiboot
kernel (--good-kernel) in a temporary directory.

    malformed_input.py --isolab PATH --good-kernel ELF CASE
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile


def elf_first_load(data):
    """Offset of the first PT_LOAD program header."""
    phoff, = struct.unpack_from("<I", data, 28)
    phentsize, phnum = struct.unpack_from("<HH", data, 42)
    for k in range(phnum):
        off = phoff + k * phentsize
        if struct.unpack_from("<I", data, off)[0] == 1:
            return off
    raise SystemExit("good kernel has no PT_LOAD")


def multiboot_header(data):
    for off in range(0, min(len(data), 8192) - 12, 4):
        magic, flags, check = struct.unpack_from("<III", data, off)
        if magic == 0x1BADB002 and (magic + flags + check) & 0xFFFFFFFF == 0:
            return off
    raise SystemExit("good kernel has no multiboot header")


# case -> (how to build the arguments, text the one stderr line must contain)
def build(case, good, tmp):
    def write(name, data):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    if case == "elf_truncated":
        load = elf_first_load(good)
        offset, filesz = struct.unpack_from("<I", good, load + 4)[0], struct.unpack_from("<I", good, load + 16)[0]
        cut = offset + filesz // 2  # the headers survive, the segment does not
        return ["--image", write("k", good[:cut])], "truncated"
    if case == "elf_wrong_magic":
        bad = bytearray(good)
        bad[0:4] = b"\x7fELG"
        return ["--image", write("k", bytes(bad))], "bad magic"
    if case == "elf_no_multiboot_header":
        bad = bytearray(good)
        h = multiboot_header(good)
        bad[h:h + 12] = bytes(12)
        return ["--image", write("k", bytes(bad))], "no multiboot header"
    if case == "elf_segment_outside_ram":
        bad = bytearray(good)
        struct.pack_into("<I", bad, elf_first_load(good) + 12, 0x7FF00000)  # p_paddr at 2 GiB - 1 MiB
        return ["--image", write("k", bytes(bad)), "--mem", "64M"], "outside the guest's 64 MiB of RAM"
    if case == "module_outside_ram":
        return ["--image", write("k", good), "--initrd", write("initrd", bytes(3 << 20)), "--mem", "2M"], \
            "module 0"
    if case == "image_missing":
        return ["--image", os.path.join(tmp, "no-such-kernel")], "cannot open"
    if case == "disk_empty":
        return ["--disk", write("d", b"")], "disk image is empty"
    if case == "disk_odd_size":
        return ["--image", write("k", good), "--disk", write("d", bytes(1000))], "size 1000 is not a multiple of 512"
    if case == "boot_disk_no_signature":
        return ["--disk", write("d", bytes(512))], "boot signature"
    if case == "rom_oversized":
        return ["--rom", write("rom", bytes((16 << 20) + (64 << 10)))], "ROM image of 16842752 bytes is oversized"
    if case == "rom_empty":
        return ["--rom", write("rom", b"")], "ROM image is empty"
    if case == "rom_odd_size":
        return ["--rom", write("rom", bytes(5000))], "ROM image size 5000 is not a multiple of 64 KiB"
    if case == "rom_with_image":
        return ["--rom", write("rom", bytes(64 << 10)), "--image", write("k", good)], "--rom starts the guest"
    if case == "mem_zero":
        return ["--image", write("k", good), "--mem", "0"], "--mem"
    if case == "mem_bad_unit":
        return ["--image", write("k", good), "--mem", "12Q"], "--mem '12Q'"
    if case == "mem_too_large":
        return ["--image", write("k", good), "--mem", "16G"], "--mem"
    if case == "timeout_not_a_duration":
        return ["--image", write("k", good), "--timeout", "x"], "--timeout 'x'"
    if case == "timeout_nan":
        return ["--image", write("k", good), "--timeout", "nan"], "--timeout 'nan'"
    if case == "three_disks":
        d = write("d", bytes(512))
        return ["--image", write("k", good), "--disk", d, "--disk", d, "--disk", d], "at most two --disk"
    if case == "unknown_flag":
        return ["--image", write("k", good), "--frobnicate"], "--frobnicate"
    if case == "backend_unknown":
        return ["--image", write("k", good), "--backend", "foo"], "--backend 'foo'"
    raise SystemExit(f"unknown case {case}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--isolab", required=True)
    ap.add_argument("--good-kernel", required=True)
    ap.add_argument("case")
    opts = ap.parse_args()
    with open(opts.good_kernel, "rb") as f:
        good = f.read()
    with tempfile.TemporaryDirectory() as tmp:
        args, says = build(opts.case, good, tmp)
        if "--timeout" not in args:
            args += ["--timeout", "1s"]
        p = subprocess.run([opts.isolab, "vm", "run"] + args, capture_output=True, timeout=30)
    err = p.stderr.decode("latin-1")
    problems = []
    if p.returncode != 2:
        problems.append(f"exit status {p.returncode}, expected 2")
    if p.stdout:
        problems.append(f"stdout is not empty: {p.stdout[:200]!r}")
    if err.count("\n") != 1 or not err.endswith("\n"):
        problems.append(f"stderr is not exactly one line: {err!r}")
    if says not in err:
        problems.append(f"stderr does not say {says!r}: {err!r}")
    for line in problems:
        print(f"{opts.case}: {line}")
    if not problems:
        print(f"{opts.case}: exit 2, {err.strip()}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
