#!/usr/bin/env python3
"""Assemble a test disk image: each PART is FILE or FILE@LBA (placed at
that sector, the gap zero-filled); the result is padded to whole sectors
(and to --sectors if given). `pattern:N` makes N sectors whose sector k
begins with "sector k"; `text:STRING` is one sector starting with STRING."""
import sys

SECTOR = 512


def part_bytes(spec):
    if spec.startswith("pattern:"):
        n = int(spec[8:])
        out = bytearray()
        for k in range(n):
            s = bytearray(f"sector {k}".encode().ljust(SECTOR, b"\0"))
            for i in range(16, SECTOR):
                s[i] = (k * 7 + i) & 0xFF
            out += s
        return bytes(out)
    if spec.startswith("text:"):
        return spec[5:].encode().ljust(SECTOR, b"\0")
    with open(spec, "rb") as f:
        return f.read()


def main():
    args = sys.argv[1:]
    sectors = 0
    if "--sectors" in args:
        k = args.index("--sectors")
        sectors = int(args[k + 1])
        del args[k:k + 2]
    out_path, parts = args[0], args[1:]
    image = bytearray()
    for spec in parts:
        lba = None
        if "@" in spec and not spec.startswith(("pattern:", "text:")):
            spec, lba = spec.rsplit("@", 1)
            lba = int(lba)
        data = part_bytes(spec)
        if lba is not None:
            if len(image) > lba * SECTOR:
                sys.exit(f"make_disk: {spec} at LBA {lba} overlaps the {len(image)} bytes before it")
            image += bytes(lba * SECTOR - len(image))
        image += data
    image += bytes(-len(image) % SECTOR)
    if len(image) < sectors * SECTOR:
        image += bytes(sectors * SECTOR - len(image))
    with open(out_path, "wb") as f:
        f.write(image)


if __name__ == "__main__":
    main()
