#!/usr/bin/env python3
"""Busybox applets that compute with the x87 FPU (glibc's i386 strtod and
printf of floats, top's percentages) run in a container, and sleep sleeps
in simulated time: `sleep 0.5` and `sleep 1` advance /proc/uptime by 0.5 s
and 1 s, and `sleep 30` takes far less than 30 s of wall time; a pipeline of two
float-computing processes sums correctly (each process keeps its own FPU
state across context switches). Without the
x87 these died with SIGILL (exit 132). Skips (exit 77, said on stdout)
when scripts/fetch-busybox could not fetch busybox on this machine."""
import os
import re
import subprocess
import sys

import busybox_cache
import time


def run(isolab, script):
    cmd = [isolab, "ctr", "run", "busybox", "--", "sh", "-c", script]
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p, time.monotonic() - start


def uptimes(out):
    return [float(m.group(1)) for m in re.finditer(r"^(\d+\.\d\d) \d+\.\d\d$", out, re.M)]


def main():
    isolab = sys.argv[1]
    why = busybox_cache.missing()
    if why:
        print(f"SKIPPED: {why}")
        return 77
    failures = []

    p, _ = run(isolab, "cat /proc/uptime; sleep 0.5; cat /proc/uptime; sleep 1; cat /proc/uptime; "
                       "top -b -n 1; printf '%.3f\\n' 3.14159; seq 0.5 0.25 1.5")
    out = p.stdout
    if p.returncode != 0:
        failures.append(f"exit status {p.returncode} (132 is SIGILL): {p.stderr.strip()}")
    t = uptimes(out)
    if len(t) != 3:
        failures.append(f"expected three /proc/uptime readings, got {t}")
    else:
        if not 0.5 <= t[1] - t[0] < 0.6:
            failures.append(f"sleep 0.5 advanced simulated time by {t[1] - t[0]:.2f} s")
        if not 1.0 <= t[2] - t[1] < 1.1:
            failures.append(f"sleep 1 advanced simulated time by {t[2] - t[1]:.2f} s")
    if not re.search(r"^Mem: \d+K used, \d+K free", out, re.M):
        failures.append("top printed no Mem: line")
    if not re.search(r"^CPU:\s+\d+% usr", out, re.M):
        failures.append("top printed no CPU: line")
    if not re.search(r"^\s*\d+\s+1\s+\S+\s+R\s+\d+\s+\d+%\s+\d+%\s+.*top -b -n 1", out, re.M):
        failures.append("top did not list itself, running, a child of PID 1, with %VSZ and %CPU")
    if not re.search(r"^3\.142$", out, re.M):
        failures.append("printf %.3f 3.14159 did not print 3.142")
    if "0.50\n0.75\n1.00\n1.25\n1.50\n" not in out:
        failures.append("seq 0.5 0.25 1.5 did not count in quarters")

    # Two processes computing with floats at once (a pipeline, preempted
    # in the middle): each keeps its own FPU state across context switches.
    p, _ = run(isolab, "seq 1 0.5 3000 | awk '{s+=$1} END {printf \"%.1f\\n\", s}'")
    if p.returncode != 0 or p.stdout.strip() != "9001499.5":
        failures.append(f"seq 1 0.5 3000 | awk sum: exit {p.returncode}, printed {p.stdout.strip()!r}, not 9001499.5")

    p, wall = run(isolab, "cat /proc/uptime; sleep 30; cat /proc/uptime")
    t = uptimes(p.stdout)
    if p.returncode != 0 or len(t) != 2 or not 30.0 <= t[1] - t[0] < 30.1:
        failures.append(f"sleep 30: exit {p.returncode}, uptimes {t}")
    if wall >= 20:
        failures.append(f"sleep 30 took {wall:.1f} s of wall time: it should take simulated time only")

    if failures:
        print("FAIL: " + "; ".join(failures) + "\n--- output ---\n" + out)
        return 1
    print(f"busybox x87: sleep 0.5 and 1 in simulated time, top, printf and seq of floats; sleep 30 took {wall:.1f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
