#!/usr/bin/env python3
"""Issue 5's first acceptance line: Debian's busybox-static:i386 in a
container shows the shell as PID 1, its hostname, its cgroup and its root.
Skips (exit 77, said on stdout) when scripts/fetch-busybox could not fetch
busybox on this machine."""
import os
import re
import subprocess
import sys

import busybox_cache


def main():
    isolab = sys.argv[1]
    why = busybox_cache.missing()
    if why:
        print(f"SKIPPED: {why}")
        return 77
    cmd = [isolab, "ctr", "run", "--hostname", "box1", "busybox", "--",
           "sh", "-c", "echo hi; ps; hostname; cat /proc/self/cgroup; ls /; id"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    out = p.stdout
    failures = []
    if p.returncode != 0:
        failures.append(f"exit status {p.returncode}: {p.stderr.strip()}")
    if not re.search(r"^hi$", out, re.M):
        failures.append("no 'hi'")
    if not re.search(r"^\s*1\s+\S+\s+.*\bsh -c\b", out, re.M):
        failures.append("the shell is not PID 1 in ps")
    if not re.search(r"^box1$", out, re.M):
        failures.append("hostname is not box1")
    if not re.search(r"^0::/", out, re.M):
        failures.append("no cgroup v2 line in /proc/self/cgroup")
    for d in ("bin", "proc", "sys"):
        if not re.search(rf"^{d}$", out, re.M):
            failures.append(f"ls / does not show {d}")
    if not re.search(r"^uid=0 gid=0", out, re.M):
        failures.append("id did not report uid 0 (getgroups)")
    if failures:
        print("FAIL: " + "; ".join(failures) + "\n--- output ---\n" + out)
        return 1
    print("busybox: sh is PID 1, hostname, cgroup and / as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
