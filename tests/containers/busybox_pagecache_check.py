#!/usr/bin/env python3
"""busybox sees the shared page cache and the cpu controller as Linux shows
them: free(1)'s buff/cache (/proc/meminfo Cached), VmRSS split into RssFile
and RssAnon in /proc/self/status, and cpu.stat in the container's cgroup.
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
    cmd = [isolab, "ctr", "run", "--name", "pc", "busybox", "--", "sh", "-c",
           "free; grep -E '^(VmRSS|RssAnon|RssFile):' /proc/self/status; cat /sys/fs/cgroup/pc/cpu.stat"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    out = p.stdout
    failures = []
    if p.returncode != 0:
        failures.append(f"exit status {p.returncode}: {p.stderr.strip()}")
    m = re.search(r"^Mem:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", out, re.M)
    if not m:
        failures.append("no Mem: line from free")
    elif int(m.group(5)) <= 0:
        failures.append("free shows no buff/cache")
    kib = {k: int(v) for k, v in re.findall(r"^(VmRSS|RssAnon|RssFile):\s+(\d+) kB", out, re.M)}
    if len(kib) != 3:
        failures.append("VmRSS, RssAnon, RssFile missing from /proc/self/status")
    elif kib["RssFile"] <= 0 or kib["RssAnon"] <= 0 or kib["VmRSS"] != kib["RssFile"] + kib["RssAnon"]:
        failures.append(f"RSS figures do not add up: {kib}")
    usage = re.search(r"^usage_usec (\d+)$", out, re.M)
    if not usage or int(usage.group(1)) <= 0:
        failures.append("cpu.stat shows no usage_usec")
    for key in ("nr_periods", "nr_throttled", "throttled_usec"):
        if not re.search(rf"^{key} \d+$", out, re.M):
            failures.append(f"cpu.stat has no {key}")
    if failures:
        print("FAIL: " + "; ".join(failures) + "\n--- output ---\n" + out)
        return 1
    print(out, end="")
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
