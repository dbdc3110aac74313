#!/usr/bin/env python3
"""`isolab vm run --backend kvm` on this host (issue #8).

Where the KVM probe refuses (no /dev/kvm, no permission, kvm-pvm, ...), the
command must exit 2 with one line on stderr: the probe's sentence, which
suggests --backend interp, and print nothing on stdout. Where the host runs
KVM guests, it must boot miniOS to its prompt and power off.

usage: vm_run_kvm.py ISOLAB
"""
import subprocess
import sys

isolab = sys.argv[1]
p = subprocess.run([isolab, "vm", "run", "--backend", "kvm", "--input", "echo kvm here\\npoweroff\\n",
                    "--timeout", "60s"], capture_output=True, text=True, timeout=120)
err = p.stderr.splitlines()
if p.returncode == 2:
    ok = (len(err) == 1 and err[0].startswith("isolab vm run: ") and "use --backend interp" in err[0]
          and p.stdout == "")
    print(f"refused, exit 2: {p.stderr.strip()}")
    if not ok:
        print("FAIL: expected exactly one stderr line with the probe's sentence and no output")
    sys.exit(0 if ok else 1)
print(p.stdout)
print(p.stderr, file=sys.stderr)
if p.returncode in (0, 1) and "$ " in p.stdout and "kvm here" in p.stdout:
    print("this host runs the kvm backend: miniOS booted and answered")
    sys.exit(0)
print(f"FAIL: exit {p.returncode}, neither a refusal nor a miniOS session")
sys.exit(1)
