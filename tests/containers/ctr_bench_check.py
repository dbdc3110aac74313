#!/usr/bin/env python3
"""`isolab-bench-ctr` prints its figures one a line as `ctr.<name> <value> [unit]`,
and the page cache makes an idle container cheaper than a kernel without it.
Usage: ctr_bench_check.py BENCH_BINARY"""
import re
import subprocess
import sys

bench = sys.argv[1]
run = subprocess.run([bench, "--starts", "3", "--idle", "20"], capture_output=True, text=True, timeout=300)
if run.returncode != 0:
    print(f"FAIL: exit {run.returncode}\n{run.stdout}{run.stderr}")
    sys.exit(1)
figures = {}
for line in run.stdout.splitlines():
    m = re.fullmatch(r"ctr\.([a-z_.]+) (-?[0-9.]+)( [A-Za-z]+)?", line)
    if not m:
        print(f"FAIL: not a figure line: {line!r}")
        sys.exit(1)
    figures[m.group(1)] = float(m.group(2))
wanted = ["start_wall_us", "start_insns", "first_output_insns", "first_output_wall_us", "idle_containers",
          "idle_frames_per_container", "idle_kib_per_container", "idle_page_cache_kib",
          "idle_host_rss_kib_per_container", "idle_start_all_s", "idle_kib_per_container.no_page_cache"]
missing = [w for w in wanted if w not in figures]
if missing:
    print(f"FAIL: missing figures {missing}\n{run.stdout}")
    sys.exit(1)
checks = [
    (figures["idle_containers"] == 20, "20 idle containers held"),
    (figures["first_output_insns"] > 0, "the shell ran instructions before its first output"),
    (figures["idle_page_cache_kib"] > 0, "the shared page cache holds the program's pages"),
    (0 < figures["idle_kib_per_container"] < figures["idle_kib_per_container.no_page_cache"],
     "an idle container costs less with the page cache than without"),
]
for ok, what in checks:
    if not ok:
        print(f"FAIL: {what}\n{run.stdout}")
        sys.exit(1)
print(run.stdout, end="")
print("PASS")
