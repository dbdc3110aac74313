#!/usr/bin/env python3
"""The same miniOS kernel and initrd give the same transcript for a scripted
session under `isolab vm run` and under qemu-system-i386 -kernel -initrd
(issue 4). Exits 77 (skipped) when QEMU is missing.

    minios_same_transcript.py --isolab PATH --kernel ELF --initrd CPIO [--verbose]

The two are typed to differently, each as it allows: isolab types --input a
line at a time whenever the guest idles waiting for it; QEMU runs in host
time, so the QEMU session (minios_session.py) types each line after the
shell's prompt appears. So the script holds no command that idles without
reading the console (sleep): isolab would type the next line during it,
and the tty would echo it early. Both machines get 64 MiB. Before comparing, what
legitimately differs is normalised:
  - QEMU's firmware (SeaBIOS) writes a banner to the serial port before the
    kernel runs: everything before miniOS's first line is dropped;
  - line ends: CRLF and LF;
  - memory sizes: SeaBIOS reserves a little RAM at the top of its memory
    map, isolab's loader does not, so KiB counts are replaced by "N";
  - times: ps's TIME column and bench's elapsed milliseconds, which QEMU
    takes from host time and isolab from simulated time, become "T".
Everything else (echo, command output, PIDs, error messages, fault reports
with their addresses, the power-down line, the exit status) must match.
"""
import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import minios_session  # noqa: E402  (the QEMU session driver)

MEM_MIB = 64
SCRIPT = [
    "ls /bin",
    "ps",
    "echo a | cat",
    "uname -a",
    "hostname",
    "echo first > /tmp/f; echo second >> /tmp/f",
    "cat < /tmp/f",
    "ls /tmp",
    "wc /bin/sh",
    "echo hello world | cat | wc",
    "true; echo status-ok; false",
    "kill 999",
    "fault",
    "free",
    "bench 20000",
    "ps",
    "poweroff",
]


def normalise(text):
    text = text.replace("\r\n", "\n")
    start = text.find("miniOS ")
    text = text[start:] if start >= 0 else text
    out = []
    for line in text.split("\n"):
        line = re.sub(r"\b\d+ KiB\b", "N KiB", line)                     # memory: ... KiB
        if re.match(r"^(Mem|Swap):", line):                              # free's figures
            line = re.sub(r"\d+", "N", line)
        line = re.sub(r"^(\s*\d+\s+\d+\s+[A-Z]\s+)\S+", r"\1T", line)    # ps's TIME column
        line = re.sub(r"\b\d+\.\d{3} ms\b", "T ms", line)               # bench's elapsed time
        out.append(line)
    return "\n".join(out)


def run_isolab(opts):
    session = "".join(line + "\\n" for line in SCRIPT)
    p = subprocess.run([opts.isolab, "vm", "run", "--image", opts.kernel, "--initrd", opts.initrd,
                        "--mem", f"{MEM_MIB}M", "--timeout", "120s", "--input", session],
                       capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("latin-1"), p.stderr.decode("latin-1")


def run_qemu(opts):
    s = minios_session.Session(opts.kernel, opts.initrd, mem=str(MEM_MIB), timeout=60)
    try:
        s.prompt(timeout=20)
        for line in SCRIPT[:-1]:
            s.run(line, timeout=20)
        s.send(SCRIPT[-1])
        status = s.exit_status(timeout=20)
        return status, s.text(0), ""
    except minios_session.Failure as e:
        return None, s.text(0), str(e)
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--isolab", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--verbose", action="store_true", help="print both transcripts")
    opts = ap.parse_args()
    if not shutil.which(minios_session.QEMU):
        print(f"SKIP: {minios_session.QEMU} not found (scripts/setup installs qemu-system-x86)")
        return 77

    rc, iso_out, iso_err = run_isolab(opts)
    qrc, qemu_out, qemu_err = run_qemu(opts)
    iso, qemu = normalise(iso_out), normalise(qemu_out)
    problems = []
    if rc != 0:
        problems.append(f"isolab: exit status {rc}, expected 0 (poweroff): {iso_err.strip()}")
    if qrc != minios_session.STATUS_POWEROFF:
        problems.append(f"qemu: exit status {qrc}, expected {minios_session.STATUS_POWEROFF} (poweroff) {qemu_err}")
    if "miniOS: power down" not in iso:
        problems.append("isolab: the session did not reach poweroff")
    if iso != qemu:
        problems.append("the transcripts differ (after normalising):")
        problems.extend(l.rstrip("\n") for l in difflib.unified_diff(
            iso.splitlines(True), qemu.splitlines(True), "isolab", "qemu"))
    for p in problems:
        print(p)
    if opts.verbose or problems:
        print(f"--- isolab (normalised) ---\n{iso}\n--- qemu (normalised) ---\n{qemu}")
    if not problems:
        print(f"PASS: {len(SCRIPT)} commands, {len(iso.splitlines())} lines, the same under isolab and QEMU")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
