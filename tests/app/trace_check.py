#!/usr/bin/env python3
"""`isolab vm run --trace FILE`: every VM exit is one JSON line, and two runs
of the same guest with the same input give the same trace, except for
handling_ns, the one field measured on the host."""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile


def run(isolab, out, extra):
    cmd = [isolab, "vm", "run", "--input", "echo traced\\npoweroff\\n", "--trace", out] + extra
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}: {p.stderr}")
    with open(out) as f:
        return [json.loads(line) for line in f]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--isolab", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        a = run(args.isolab, os.path.join(d, "a.jsonl"), [])
        b = run(args.isolab, os.path.join(d, "b.jsonl"), [])
        stats = subprocess.run([args.isolab, "vm", "run", "--input", "echo traced\\npoweroff\\n", "--stats"],
                               capture_output=True, text=True, timeout=60).stderr
    if not a:
        sys.exit("FAIL: the trace is empty")
    for e in a + b:
        e.pop("handling_ns")
    if a != b:
        first = next(i for i, (x, y) in enumerate(zip(a, b)) if x != y) if len(a) == len(b) else min(len(a), len(b))
        sys.exit(f"FAIL: two runs differ at event {first} ({len(a)} vs {len(b)} events)")
    # The trace holds exactly the exits that --stats counts.
    counted = {line.split()[0][len("vm.exits."):]: int(line.split()[1])
               for line in stats.splitlines() if line.startswith("vm.exits.")}
    traced = collections.Counter(e["what"] for e in a)
    if dict(traced) != counted:
        sys.exit(f"FAIL: trace counts {dict(traced)} != --stats counts {counted}")
    if any("state" not in e or "eip" not in e["state"] for e in a):
        sys.exit("FAIL: an exit without its guest state")
    print(f"trace: {len(a)} exits, identical in two runs, matching --stats: {dict(traced)}")


if __name__ == "__main__":
    main()
