#!/usr/bin/env python3
"""Issue 5's applet list in a container: uname, mount, free, id, echo, cat
(sh, ps, ls and hostname are in busybox_check.py; sleep and top in
busybox_x87_check.py). Each applet's output is checked for what Linux
prints. Skips (exit 77, said on stdout) when scripts/fetch-busybox could not
fetch busybox on this machine."""
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
    script = "uname -a; echo ---; mount; echo ---; free; echo ---; id; echo ---; echo piped | cat"
    p = subprocess.run([isolab, "ctr", "run", "--hostname", "box2", "--memory", "32m", "busybox", "--", "sh", "-c", script],
                       capture_output=True, text=True, timeout=120)
    parts = p.stdout.split("---\n")
    failures = []
    if p.returncode != 0:
        failures.append(f"exit status {p.returncode}: {p.stderr.strip()}")
    if len(parts) != 5:
        failures.append(f"expected 5 sections of output, got {len(parts)}")
    else:
        uname, mounts, free, ident, piped = parts
        # The container's UTS name, the one kernel's release and machine.
        if not re.match(r"^Linux box2 \S+ .* i686 GNU/Linux$", uname.strip()):
            failures.append(f"uname -a: {uname.strip()!r}")
        # Its own mount table: the overlay root, proc, the cgroup fs.
        for want in (r"^overlay on / type overlay", r"^proc on /proc type proc", r"on /sys/fs/cgroup type cgroup2"):
            if not re.search(want, mounts, re.M):
                failures.append(f"mount: no line matching {want!r}")
        # free: a Mem line whose columns add up (total = used + free + buff/cache).
        m = re.search(r"^Mem:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", free, re.M)
        if not m:
            failures.append(f"free: no Mem line in {free!r}")
        else:
            total, used, fr, shared, cache_kib = map(int, m.groups())
            if total <= 0 or abs(total - (used + fr + cache_kib)) > 4:
                failures.append(f"free: total {total} != used {used} + free {fr} + buff/cache {cache_kib}")
        if not ident.startswith("uid=0 gid=0"):
            failures.append(f"id: {ident.strip()!r}")
        if piped.strip() != "piped":
            failures.append(f"echo | cat: {piped.strip()!r}")
    if failures:
        print("FAIL: " + "; ".join(failures) + "\n--- output ---\n" + p.stdout)
        return 1
    print("busybox: uname, mount, free, id, echo and cat as Linux prints them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
