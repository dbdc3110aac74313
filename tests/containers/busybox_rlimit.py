#!/usr/bin/env python3
"""busybox sh's ulimit in a container: `ulimit -n 3` leaves no descriptor
for cat beyond stdin, stdout and stderr, so its open fails with EMFILE
("Too many open files"); the limit is inherited by the shell's children
and read back by `ulimit -n` and `ulimit -Hn`. Skips (exit 77, said on
stdout) when scripts/fetch-busybox could not fetch busybox on this machine."""
import subprocess
import sys

import busybox_cache


def main():
    isolab = sys.argv[1]
    why = busybox_cache.missing()
    if why:
        print(f"SKIPPED: {why}")
        return 77
    script = ("ulimit -n; cat /proc/self/stat > /dev/null; echo before=$?; ulimit -n 3; ulimit -n; ulimit -Hn; "
              "cat /proc/self/stat; echo after=$?")
    p = subprocess.run([isolab, "ctr", "run", "busybox", "--", "sh", "-c", script],
                       capture_output=True, text=True, timeout=120)
    want_out = "1024\nbefore=0\n3\n3\nafter=1\n"
    failures = []
    if p.returncode != 0:
        failures.append(f"exit status {p.returncode}: {p.stderr.strip()}")
    if p.stdout != want_out:
        failures.append(f"stdout {p.stdout!r}, expected {want_out!r}")
    if "cat: can't open '/proc/self/stat': Too many open files" not in p.stderr:
        failures.append(f"stderr has no EMFILE message from cat: {p.stderr!r}")
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("ok: ulimit -n 3 makes cat's open fail with EMFILE")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
