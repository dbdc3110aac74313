#!/usr/bin/env python3
"""Run a test guest under `isolab vm run` (or QEMU) and check what it did.

    vm_check.py --isolab PATH [checks] -- [isolab vm run arguments]

Checks: --rc N (the exit status), --expect LINE (a whole line of stdout,
repeatable), --range REGEX LO HI (the regex's first group, an integer in
stdout, lies in [LO, HI]), --stderr TEXT (stderr contains it), --repeat N
(N runs give byte-identical stdout: the run is deterministic).
QEMU: --compare-qemu-kernel runs the --image under qemu-system-i386
-kernel as well and requires the same transcript and status;
--compare-qemu-rom does the same for a --rom under -bios, reading
QEMU's port 0xE9 (-debugcon) instead of its serial port;
--qemu-only --qemu-disk IMG runs only QEMU, booting IMG. Either exits 77
(skipped) if QEMU is missing. --input TEXT is typed (with \\n, \\xHH
escapes); for QEMU it is sent once --input-after TEXT has been printed.
"""
import argparse
import os
import re
import select
import subprocess
import sys
import time

QEMU_ARGS = ["-nographic", "-serial", "stdio", "-monitor", "none", "-display", "none",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot"]
QEMU_DEBUGCON_ARGS = ["-nographic", "-serial", "none", "-debugcon", "stdio", "-monitor", "none",
                      "-display", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot"]


def unescape(text):
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def run_isolab(opts, vm_args):
    cmd = [opts.isolab, "vm", "run"] + vm_args
    if opts.input is not None:
        cmd += ["--input", opts.input]
    p = subprocess.run(cmd, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("latin-1"), p.stderr.decode("latin-1")


def run_qemu(opts, qemu_args, console=QEMU_ARGS):
    """QEMU with the serial console (or what `console` puts on stdio) on a
    pipe; input is written once the guest prints --input-after. Returns
    (status, stdout, stderr)."""
    cmd = [opts.qemu] + qemu_args + console
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = b""
    sent = opts.input is None
    deadline = time.time() + 30
    while time.time() < deadline:
        ready, _, _ = select.select([p.stdout], [], [], 0.2)
        if ready:
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            out += chunk
        if not sent and (opts.input_after is None or opts.input_after.encode() in out):
            p.stdin.write(unescape(opts.input))
            p.stdin.flush()
            sent = True
    else:
        p.kill()
    p.wait()
    err = p.stderr.read()
    return p.returncode, out.decode("latin-1"), err.decode("latin-1")


def guest_transcript(text):
    """QEMU's firmware (SeaBIOS) prints a banner on the same serial port,
    ending with "Booting from ROM.." or "Booting from Hard Disk..": keep
    what the guest printed after it."""
    text = text.replace("\r\n", "\n")
    m = list(re.finditer(r"Booting from [^\n]*?\.\.", text))
    return text[m[-1].end():] if m else text


def check(opts, rc, out, err, label):
    ok = True
    if opts.rc is not None and rc != opts.rc:
        print(f"{label}: exit status {rc}, expected {opts.rc}")
        ok = False
    lines = out.replace("\r\n", "\n").split("\n")
    for want in opts.expect:
        if want not in lines:
            print(f"{label}: no line {want!r} in the output")
            ok = False
    for regex, lo, hi in opts.range:
        m = re.search(regex, out)
        if not m:
            print(f"{label}: nothing matches {regex!r}")
            ok = False
        elif not lo <= int(m.group(1)) <= hi:
            print(f"{label}: {m.group(0)!r}: {m.group(1)} is outside [{lo}, {hi}]")
            ok = False
    for want in opts.stderr:
        if want not in err:
            print(f"{label}: stderr lacks {want!r}")
            ok = False
    if not ok:
        print(f"--- {label} stdout ---\n{out}--- {label} stderr ---\n{err}")
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--isolab", required=True)
    ap.add_argument("--rc", type=int)
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--range", nargs=3, action="append", default=[])
    ap.add_argument("--stderr", action="append", default=[])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--input")
    ap.add_argument("--input-after")
    ap.add_argument("--qemu", default="")
    ap.add_argument("--compare-qemu-kernel", action="store_true")
    ap.add_argument("--compare-qemu-rom", action="store_true")
    ap.add_argument("--qemu-only", action="store_true")
    ap.add_argument("--qemu-disk")
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    opts = ap.parse_args(argv[:split])
    opts.range = [(r, int(lo), int(hi)) for r, lo, hi in opts.range]
    vm_args = argv[split + 1:]

    wants_qemu = opts.compare_qemu_kernel or opts.compare_qemu_rom or opts.qemu_only
    if wants_qemu and not (opts.qemu and os.access(opts.qemu, os.X_OK)):
        print("SKIP: qemu-system-i386 not found (scripts/setup installs qemu-system-x86)")
        return 77

    if opts.qemu_only:
        rc, out, err = run_qemu(opts, ["-drive", f"file={opts.qemu_disk},format=raw,snapshot=on"])
        out = guest_transcript(out)
        return 0 if check(opts, rc, out, err, "qemu") else 1

    ok = True
    first = None
    for k in range(opts.repeat):
        rc, out, err = run_isolab(opts, vm_args)
        ok &= check(opts, rc, out, err, "isolab")
        if first is not None and out != first:
            print(f"run {k + 1} printed something else than run 1:\n{first}---\n{out}")
            ok = False
        first = out

    if opts.compare_qemu_kernel or opts.compare_qemu_rom:
        if opts.compare_qemu_kernel:
            image = vm_args[vm_args.index("--image") + 1]
            qrc, qout, qerr = run_qemu(opts, ["-kernel", image])
        else:
            rom = vm_args[vm_args.index("--rom") + 1]
            qrc, qout, qerr = run_qemu(opts, ["-bios", rom], QEMU_DEBUGCON_ARGS)
        qout = guest_transcript(qout)
        ok &= check(opts, qrc, qout, qerr, "qemu")
        if qout != first:
            print("isolab and QEMU printed different transcripts:")
            import difflib
            sys.stdout.writelines(difflib.unified_diff(first.splitlines(True), qout.splitlines(True),
                                                       "isolab", "qemu"))
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
