#!/usr/bin/env python3
"""Live migration between isolab processes (emulator/migration.h), one case
per run:

  cross_process  `isolab vm receive` in one process, an `isolab console`
                 script migrating a booted miniOS into it with `vm migrate
                 --to`: the receiver's console continues the VM's session
                 (no second boot) and the lab's VM is "migrated"
  lockstep       `vm migrate` without --to: the lab's own target process
                 runs the VM on under its name (typed commands answer, its
                 instructions grow), `vm kill` ends that process
  no_orphan      the lab killed with SIGKILL takes its target with it
  bad_streams    garbage and a truncated stream: exit 2, one line
  bad_flags      bad flags of `vm receive` and `vm migrate`: exit 2, one line

    vm_migrate.py --isolab PATH CASE
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time

BOOT = """vm create a --mem 32M
vm start a
wait until vm.a.console contains "$ " --timeout 10s
"""


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def start_receiver(isolab, *extra):
    p = subprocess.Popen([isolab, "vm", "receive", "--listen", "127.0.0.1:0", *extra],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
    if not m:
        p.kill()
        fail("vm receive did not say its port: %r" % line)
    return p, int(m.group(1))


def console(isolab, script, timeout=120):
    return subprocess.run([isolab, "console"], input=script, capture_output=True, text=True, timeout=timeout)


def one_line_error(r, must_contain, what):
    lines = r.stderr.strip().splitlines()
    if r.returncode != 2 or len(lines) != 1 or must_contain not in lines[0]:
        fail("%s: expected exit 2 and one stderr line with %r, got %d and %r" % (what, must_contain, r.returncode, r.stderr))


def cross_process(isolab):
    recv, port = start_receiver(isolab, "--input", "echo after-move\\nuname -a\\npoweroff\\n", "--timeout", "30s")
    script = BOOT + """vm type a "echo before-move\\n"
wait 200ms
vm migrate a --to 127.0.0.1:%d
expect vm.a.state == "migrated"
expect vm.a.migration.rounds >= 2
expect vm.a.migration.pages_sent > 0 && vm.a.migration.bytes_sent > 4096
show vm.a.host_pid
""" % port
    r = console(isolab, script)
    out, err = recv.communicate(timeout=120)
    if r.returncode != 0:
        fail("console script: %d\n%s\n%s" % (r.returncode, r.stdout, r.stderr))
    m = re.search(r"vm\.a\.host_pid = (\d+)", r.stdout)
    if not m or int(m.group(1)) != recv.pid:
        fail("host_pid should be the receiver's pid %d: %r" % (recv.pid, r.stdout))
    if "after-move" not in out or "i686" not in out:
        fail("the receiver's console should answer the commands typed after the move: %r" % out)
    if "before-move" in out or "miniOS" in out.split("uname")[0]:
        fail("the receiver should continue the session, not boot again: %r" % out[:400])
    # poweroff: a clean halt of the OS, exit 0 as `vm run` gives it.
    if recv.returncode != 0:
        fail("receiver exit status %d (stderr %r)" % (recv.returncode, err))
    print("ok: migrated into pid %d; its console continued with %d bytes" % (recv.pid, len(out)))


def lockstep(isolab):
    script = BOOT + """vm migrate a --bandwidth 500M --max-rounds 5 --downtime-target 2ms
expect vm.a.state == "running"
show vm.a.host_pid
vm type a "uname -a\\n"
wait until vm.a.console contains "i686" --timeout 5s
wait 20ms
expect vm.a.insns > vm.a.migration.insns_at_stop
expect vm.a.migration.rounds >= 2 && vm.a.migration.wp_faults > 0
vm kill a
expect vm.a.state == "exited"
"""
    r = console(isolab, script)
    if r.returncode != 0:
        fail("console script: %d\n%s\n%s" % (r.returncode, r.stdout, r.stderr))
    m = re.search(r"vm\.a\.host_pid = (\d+)", r.stdout)
    if not m:
        fail("no host_pid in %r" % r.stdout)
    pid = int(m.group(1))
    if os.path.exists("/proc/%d" % pid) and proc_state(pid) not in ("Z", None):
        fail("the target process %d outlived vm kill and the lab" % pid)
    # Stepping needs the CPU in this process: a migrated VM says where it runs.
    r = console(isolab, BOOT + "vm migrate a\nvm step a\n")
    if r.returncode == 0 or "runs in another process since its migration" not in r.stderr:
        fail("vm step of a migrated VM should be refused, saying why: %d %r" % (r.returncode, r.stderr))
    print("ok: ran in pid %d, ended by vm kill; vm step refused after the move" % pid)


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def children_of(ppid):
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == ppid:
                kids.append(int(d))
        except OSError:
            pass
    return kids


def no_orphan(isolab):
    lab = subprocess.Popen([isolab, "console"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, text=True)
    lab.stdin.write(BOOT + "vm migrate a\nwait 600s\n")
    lab.stdin.close()
    deadline = time.time() + 60
    kids = []
    while time.time() < deadline and not kids:
        kids = children_of(lab.pid)
        time.sleep(0.05)
    if not kids:
        lab.kill()
        fail("the lab never started a target process")
    time.sleep(0.5)
    lab.send_signal(signal.SIGKILL)
    lab.wait()
    deadline = time.time() + 5
    while time.time() < deadline and any(proc_state(k) not in (None, "Z") for k in kids):
        time.sleep(0.05)
    alive = [k for k in kids if proc_state(k) not in (None, "Z")]
    if alive:
        for k in alive:
            os.kill(k, signal.SIGKILL)
        fail("target process(es) %s outlived the lab" % alive)
    print("ok: target %s died with the lab" % kids)


def bad_streams(isolab):
    cases = [(b"garbage that is no migration stream" * 100, "not a migration stream"),
             (b"ISMG\x01\x00\x00\x00", "ended early"),
             (b"ISMG\x07\x00\x00\x00", "version"),
             (b"ISMG\x01\x00\x00\x00\xff\xff\xff\x7f", "corrupt stream")]
    for data, must in cases:
        recv, port = start_receiver(isolab)
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            out, err = recv.communicate(timeout=30)
        r = subprocess.CompletedProcess(recv.args, recv.returncode, out, err)
        one_line_error(r, must, "stream %r" % data[:16])
        if out:
            fail("nothing should reach stdout: %r" % out)
    print("ok: %d bad streams refused" % len(cases))


def bad_flags(isolab):
    def run(*args):
        return subprocess.run([isolab, *args], capture_output=True, text=True, timeout=30)
    one_line_error(run("vm", "receive", "--listen", "nonsense"), "--listen", "listen nonsense")
    one_line_error(run("vm", "receive", "--listen", "127.0.0.1:70000"), "--listen", "port out of range")
    one_line_error(run("vm", "receive", "--listen", "127.0.0.1:0", "--timeout", "soon"), "--timeout", "bad timeout")
    one_line_error(run("vm", "receive"), "listen", "no --listen")
    for line, must in [("vm migrate", "missing NAME"),
                       ("vm migrate a --bandwidth fast", "--bandwidth"),
                       ("vm migrate a --max-rounds 0", "--max-rounds"),
                       ("vm migrate a --downtime-target never", "--downtime-target"),
                       ("vm migrate a --to nowhere", "--to"),
                       ("vm migrate nosuchvm", "no VM named")]:
        one_line_error(console(isolab, line + "\n"), must, line)
    # A target that is not there.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    one_line_error(console(isolab, BOOT + "vm migrate a --to 127.0.0.1:%d\n" % port), "cannot connect", "no target")
    print("ok: bad flags refused")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--isolab", required=True)
    ap.add_argument("case", choices=["cross_process", "lockstep", "no_orphan", "bad_streams", "bad_flags"])
    a = ap.parse_args()
    globals()[a.case](a.isolab)


if __name__ == "__main__":
    main()
