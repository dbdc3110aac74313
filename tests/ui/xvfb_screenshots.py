#!/usr/bin/env python3
"""Screenshots under an X server (issue 7's acceptance): for the default
scenario and each lesson's scenario (lesson-NN for lessons/NN-*.md), run

    xvfb-run -a env SDL_VIDEODRIVER=x11 isolab gui --scenario S \
        --screenshot F.png --frames N --list-windows F.windows

and check that every required panel's window was drawn (the titles ImGui
recorded in the last frame) and that the picture is not blank: it has the
window's size, its luminance varies and it has many colours. The PNG is
decoded here (zlib and the five PNG row filters), so no imaging library
is needed. Without xvfb-run this test prints SKIPPED and exits 77.

usage: xvfb_screenshots.py ISOLAB LESSONS_DIR OUT_DIR
"""
import glob
import os
import shutil
import struct
import subprocess
import sys
import zlib

REQUIRED = ["VMs", "Controls", "VM exits", "Host overview", "Registers", "Disassembly", "Memory",
            "Console", "Page tables", "Syscall log", "Lesson", "Containers", "Comparison"]
WIDTH, HEIGHT, FRAMES = 1600, 900, 20


def read_png(path):
    """(width, height, rows of RGB bytes) of an 8-bit RGB PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat = 8, b""
    w = h = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour != 2:
                raise ValueError(f"{path}: expected 8-bit RGB, got depth {depth} colour type {colour}")
        elif kind == b"IDAT":
            idat += body
    raw, bpp, stride = zlib.decompress(idat), 3, w * 3
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, rows


def check_shot(isolab, scenario, out_dir):
    png = os.path.join(out_dir, f"xvfb-{scenario}.png")
    windows = os.path.join(out_dir, f"xvfb-{scenario}.windows")
    for f in (png, windows):
        if os.path.exists(f):
            os.remove(f)
    cmd = ["xvfb-run", "-a", "-s", f"-screen 0 {WIDTH}x{HEIGHT}x24", "env", "SDL_VIDEODRIVER=x11", isolab, "gui",
           "--scenario", scenario, "--screenshot", png, "--frames", str(FRAMES), "--list-windows", windows]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    problems = []
    if r.returncode != 0:
        return [f"{scenario}: exit status {r.returncode}: {r.stderr.strip()}"]
    drawn = set(open(windows).read().splitlines())
    missing = [t for t in REQUIRED if t not in drawn]
    if missing:
        problems.append(f"{scenario}: panels not drawn: {', '.join(missing)}")
    w, h, rows = read_png(png)
    if (w, h) != (WIDTH, HEIGHT):
        problems.append(f"{scenario}: picture is {w}x{h}, expected {WIDTH}x{HEIGHT}")
    n = s = s2 = 0
    colours = set()
    for y in range(0, h, 3):  # every third row and column is plenty
        row = rows[y]
        for x in range(0, w * 3, 9):
            r_, g, b = row[x], row[x + 1], row[x + 2]
            lum = 0.299 * r_ + 0.587 * g + 0.114 * b
            n, s, s2 = n + 1, s + lum, s2 + lum * lum
            if len(colours) < 1000:
                colours.add((r_, g, b))
    variance = s2 / n - (s / n) ** 2
    if variance < 100 or len(colours) < 16:
        problems.append(f"{scenario}: picture looks blank (luminance variance {variance:.0f}, {len(colours)} colours)")
    print(f"{scenario}: {len(drawn)} windows, {w}x{h}, luminance variance {variance:.0f}, {len(colours)}+ colours"
          + ("" if not problems else " -- FAILED"))
    return problems


def main():
    if len(sys.argv) != 4:
        print(__doc__.split("usage: ")[1], file=sys.stderr)
        return 2
    isolab, lessons_dir, out_dir = sys.argv[1:]
    if not shutil.which("xvfb-run"):
        print("SKIPPED: xvfb-run is not installed (scripts/setup installs xvfb)")
        return 77
    os.makedirs(out_dir, exist_ok=True)
    scenarios = ["default"] + [f"lesson-{os.path.basename(p)[:2]}"
                               for p in sorted(glob.glob(os.path.join(lessons_dir, "[0-9][0-9]-*.md")))]
    if len(scenarios) < 2:
        print(f"no lessons found in {lessons_dir}", file=sys.stderr)
        return 1
    problems = []
    for sc in scenarios:
        problems += check_shot(isolab, sc, out_dir)
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(scenarios)} scenarios, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
