#!/usr/bin/env python3
"""Debian's busybox on a container's overlay root: the applets students type
(rm, mv, cp, mkdir, touch, ln, ls) change the upper layer only. Deleting an
image file hides it (a whiteout), mv of an image directory falls back to
copy and delete (overlayfs's EXDEV), and the image's files are unchanged
for the next container. Skips (exit 77, said on stdout) when
scripts/fetch-busybox could not fetch busybox on this machine."""
import os
import subprocess
import sys

import busybox_cache


def run(isolab, script):
    p = subprocess.run([isolab, "ctr", "run", "busybox", "--", "sh", "-c", script],
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def main():
    isolab = sys.argv[1]
    why = busybox_cache.missing()
    if why:
        print(f"SKIPPED: {why}")
        return 77
    failures = []
    script = ("rm /bin/cat; ls /bin | grep -c '^cat$'; "
              "mv /usr /usr2 && ls /usr2; ls / | tr '\\n' ' '; echo; "
              "mkdir -p /work/a; echo hi > /work/a/f; cp /work/a/f /work/g; ln -s /work/g /work/l; cat /work/l; "
              "echo more >> /bin/busybox; ls -l /bin/busybox | tr -s ' ' | cut -d' ' -f5; "
              "rmdir /tmp; mkdir /tmp; ls -a /tmp | tr '\\n' ' '; echo")
    rc, out, err = run(isolab, script)
    # The image's busybox, as a fresh container sees it: its size, for the append below.
    _, fresh, _ = run(isolab, "ls -l /bin/busybox | tr -s ' ' | cut -d' ' -f5")
    size = int(fresh.strip() or 0)
    want = ["0", "share", "bin dev proc sys tmp usr2 ", "hi", str(size + 5), ". .. "]
    got = out.splitlines()
    if rc != 0:
        failures.append(f"exit {rc}: {err.strip()}")
    for i, w in enumerate(want):
        if i >= len(got) or got[i] != w:
            failures.append(f"line {i + 1}: expected {w!r}, got {got[i] if i < len(got) else None!r}")
    # A second container (a fresh kernel, the same image) sees the image as it was.
    rc, out, err = run(isolab, "ls /bin | grep -c '^cat$'; ls /usr; ls -l /bin/busybox | tr -s ' ' | cut -d' ' -f5")
    if out.splitlines() != ["1", "share", str(size)]:
        failures.append(f"the next container does not see the image unchanged: {out!r} {err!r}")
    if failures:
        print("FAIL: " + "; ".join(failures) + "\n--- output ---\n" + out)
        return 1
    print("ok: busybox's changes stay in the container's upper layer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
