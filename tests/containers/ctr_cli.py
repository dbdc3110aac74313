#!/usr/bin/env python3
"""isolab ctr's bad input (DESIGN.md section 7): each case exits 2 with one
line on stderr that says what was wrong; `ctr images` lists the images and
their layers. Uses the miniOS image (always built) and root file systems
made here: a non-ELF program and a 64-bit one (the host's own /bin/true)."""
import os
import shutil
import subprocess
import sys
import tempfile


def run(isolab, *args):
    return subprocess.run([isolab, "ctr", *args], capture_output=True, text=True, timeout=60)


def main():
    isolab = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        rootfs = os.path.join(tmp, "rootfs")
        os.makedirs(os.path.join(rootfs, "bin"))
        script = os.path.join(rootfs, "bin", "script")
        with open(script, "w") as f:
            f.write("echo not an ELF file\n")
        os.chmod(script, 0o755)
        shutil.copy("/bin/true", os.path.join(rootfs, "bin", "true64"))
        cases = [
            (["run", "nosuchimage"], "unknown image 'nosuchimage'"),
            (["run", "--bogus", "minios"], "unknown option '--bogus'"),
            (["run", "--memory", "lots", "minios"], "--memory 'lots'"),
            (["run", "--network", "overlay", "minios"], "--network"),
            (["run", "--cpu-weight", "0", "minios"], "--cpu-weight"),
            (["run"], "missing IMAGE"),
            (["run", "minios", "nosuchcmd"], "nosuchcmd: not found"),
            (["run", rootfs, "/bin/script"], "exec format error"),
            (["run", rootfs, "/bin/true64"], "x86-64 code needs a 64-bit kernel"),
            (["stop", "x"], "use `ctr stop` in isolab console"),
            (["frobnicate"], "unknown verb 'frobnicate'"),
            (["images", "extra"], "takes no arguments"),
        ]
        for args, expect in cases:
            p = run(isolab, *args)
            lines = p.stderr.strip().splitlines()
            what = "isolab ctr " + " ".join(a.replace(tmp, "$TMP") for a in args)
            if p.returncode != 2:
                failures.append(f"{what}: exit {p.returncode}, expected 2 (stderr: {p.stderr.strip()!r})")
            elif len(lines) != 1 or expect not in lines[0]:
                failures.append(f"{what}: stderr {p.stderr.strip()!r} is not one line with {expect!r}")
    p = run(isolab, "images")
    if p.returncode != 0 or "minios" not in p.stdout or "sha256:" not in p.stdout or "layer store:" not in p.stdout:
        failures.append(f"isolab ctr images: exit {p.returncode}, output {p.stdout!r}")
    p = run(isolab, "run", "minios", "echo", "hello")
    if p.returncode != 0 or p.stdout != "hello\n":
        failures.append(f"isolab ctr run minios echo hello: exit {p.returncode}, output {p.stdout!r}")
    if failures:
        print("FAIL:\n  " + "\n  ".join(failures))
        return 1
    print("ok: every bad input exits 2 with one clear line")
    return 0


if __name__ == "__main__":
    sys.exit(main())
