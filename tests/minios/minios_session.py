#!/usr/bin/env python3
"""Boot miniOS under QEMU, type a scripted session into its serial console
and check the transcript. One named case per run, so ctest lists each.

    minios_session.py --kernel minios.elf --initrd initrd.cpio CASE

Input is paced: each command is typed only after the shell's "$ " prompt
has appeared, so nothing is lost while the kernel boots (its UART init
clears the receive FIFO). miniOS powers off through ACPI (QEMU exits 0)
and reports a kernel panic by writing 0 to isa-debug-exit (status 0*2+1).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
import time

QEMU = os.environ.get("QEMU", "qemu-system-i386")
STATUS_POWEROFF = 0   # ACPI power-off
STATUS_PANIC = 1      # debug-exit value 0


class Failure(Exception):
    pass


class Session:
    def __init__(self, kernel, initrd, append="", mem="128", timeout=25):
        cmd = [QEMU, "-kernel", kernel, "-initrd", initrd, "-m", mem,
               "-nographic", "-no-reboot", "-net", "none",
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               "-serial", "stdio", "-display", "none", "-monitor", "none"]
        if append:
            cmd += ["-append", append]
        self.deadline = time.monotonic() + timeout
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.out = b""
        self.cond = threading.Condition()
        self.mark = 0       # transcript position after the last command sent
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            data = os.read(self.proc.stdout.fileno(), 4096)
            with self.cond:
                if not data:
                    self.closed = True
                    self.cond.notify_all()
                    return
                self.out += data
                self.cond.notify_all()

    def text(self, start=0):
        return self.out[start:].decode("latin-1").replace("\r\n", "\n")

    def wait_for(self, pattern, start=None, timeout=10):
        """Wait until regex pattern matches the transcript after start."""
        start = self.mark if start is None else start
        end = min(self.deadline, time.monotonic() + timeout)
        rx = re.compile(pattern, re.M)
        with self.cond:
            while True:
                m = rx.search(self.text(start))
                if m:
                    return m
                left = end - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not self.reader.is_alive():
                    raise Failure(f"timed out waiting for {pattern!r}")
                self.cond.wait(min(left, 0.2))

    def prompt(self, timeout=10):
        self.wait_for(r"^\$ $", timeout=timeout)

    def run(self, line, timeout=10):
        """Type line at the prompt; wait for the next prompt; return the output."""
        start = len(self.out)
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        self.mark = start
        self.wait_for(r"^\$ $", start=start, timeout=timeout)
        out = self.text(start)
        self.mark = len(self.out)
        return out

    def send(self, line, end="\n"):
        """Type line without waiting for a prompt (poweroff, panics)."""
        self.mark = len(self.out)
        self.proc.stdin.write(line.encode() + end.encode())
        self.proc.stdin.flush()

    def exit_status(self, timeout=10):
        try:
            return self.proc.wait(timeout=min(timeout, max(0.1, self.deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            raise Failure("QEMU did not exit")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def expect(cond, what):
    if not cond:
        raise Failure(what)


def expect_in(needle, text, what=None):
    if needle not in text:
        raise Failure(what or f"expected {needle!r} in output:\n{text}")


# --- cases ------------------------------------------------------------------

def case_boot(s):
    """Acceptance session: ls /bin, ps, a pipe, uname, poweroff."""
    s.prompt(timeout=15)
    out = s.run("ls /bin")
    for prog in ["sh", "ls", "cat", "echo", "ps", "kill", "uname", "hostname", "free", "sleep",
                 "true", "false", "poweroff", "spin", "memhog", "forkbomb", "fault", "bench"]:
        expect(re.search(rf"^{prog}$", out, re.M), f"ls /bin does not list {prog}:\n{out}")
    out = s.run("ps")
    expect(re.search(r"^\s+PID\s+PPID\s+S\s+TIME\s+CMD$", out, re.M), f"ps header:\n{out}")
    expect(re.search(r"^\s+1\s+0\s+S\s.*init$", out, re.M), f"ps shows init:\n{out}")
    expect(re.search(r"^\s+\d+\s+1\s+S\s.*sh$", out, re.M), f"ps shows a sleeping sh:\n{out}")
    expect(re.search(r"^\s+\d+\s+\d+\s+R\s.*ps$", out, re.M), f"ps shows itself running:\n{out}")
    out = s.run("echo a | cat")
    expect(re.search(r"^a$", out, re.M), f"echo a | cat:\n{out}")
    out = s.run("uname -a")
    expect_in("miniOS minios", out)
    out = s.run("bench 50000")
    expect(re.search(r"bench: 5133 primes below 50000, crc32 [0-9a-f]{8}, \d+\.\d{3} ms", out),
           f"bench:\n{out}")
    out = s.run("true; echo status-ok; false")
    expect_in("status-ok", out)
    s.send("poweroff")
    status = s.exit_status()
    expect(status == STATUS_POWEROFF, f"poweroff: QEMU exit status {status}, want {STATUS_POWEROFF}")
    expect_in("miniOS: power down", s.text())


def case_fork_exec_wait(s):
    """fork/exec/wait, copy-on-write and unknown system calls (forktest)."""
    s.prompt(timeout=15)
    out = s.run("forktest", timeout=15)
    expect("FAIL" not in out, f"forktest failed:\n{out}")
    for check in ["fork-wait-status", "cow-child-sees-own-write", "cow-parent-unchanged",
                  "exec-wait", "twenty-children", "no-children-left", "enosys"]:
        expect_in(f"forktest: {check} ok", out)
    expect_in("forktest: exec-echo", out)
    expect_in("unknown system call 9999, returning -ENOSYS", out)
    expect_in("forktest: passed", out)


def case_pipes(s):
    """Pipes, including more than a pipe buffer of data, and redirection."""
    s.prompt(timeout=15)
    out = s.run("echo hello world | cat | wc")
    expect(re.search(r"^1 2 12$", out, re.M), f"echo | cat | wc:\n{out}")
    direct = re.search(r"^(\d+) (\d+) (\d+)$", s.run("wc /bin/sh"), re.M)
    piped = re.search(r"^(\d+) (\d+) (\d+)$", s.run("cat /bin/sh | cat | wc"), re.M)
    expect(direct and piped, "wc printed no counts")
    expect(int(direct.group(3)) > 8192, "/bin/sh should be larger than two pipe buffers")
    expect(direct.groups() == piped.groups(),
           f"pipe changed the data: {direct.groups()} vs {piped.groups()}")
    s.run("echo first > /tmp/f; echo second >> /tmp/f")
    out = s.run("cat < /tmp/f")
    expect(re.search(r"^first\nsecond$", out, re.M), f"redirection:\n{out}")
    out = s.run("ls /tmp")
    expect(re.search(r"^f$", out, re.M), f"ls /tmp:\n{out}")


def case_preemption(s):
    """Two CPU-bound processes on one CPU both make progress."""
    s.prompt(timeout=15)
    s.run("spin 1 a & spin 1 b", timeout=15)
    s.run("sleep 2")  # generous: QEMU runs in host time, and CI machines are loaded
    out = s.text()
    a = [m.start() for m in re.finditer(r"^a \d+$", out, re.M)]
    b = [m.start() for m in re.finditer(r"^b \d+$", out, re.M)]
    expect(len(a) >= 3 and len(b) >= 3, f"each spinner should print 5 lines:\n{out}")
    expect(b[0] < a[-1] and a[0] < b[-1], f"spinners did not interleave (no preemption):\n{out}")


def case_kill(s):
    """kill terminates a background process (SIGTERM), a sleeping one (SIGKILL);
    Ctrl-C a foreground one (SIGINT)."""
    s.prompt(timeout=15)
    pid = re.search(r"\[(\d+)\]", s.run("spin &")).group(1)
    # Under QEMU the shell's prompt may come back before the forked child has
    # run its exec (ps then lists it as sh): ask again, as a user would.
    for _ in range(10):
        out = s.run("ps")
        if re.search(rf"^\s+{pid}\s+\d+\s+R\s.*spin$", out, re.M):
            break
    expect(re.search(rf"^\s+{pid}\s+\d+\s+R\s.*spin$", out, re.M), f"spin in ps:\n{out}")
    s.run(f"kill {pid}")
    out = s.run("ps")   # spin may still be a zombie here: sh reaps before its next prompt
    expect(not re.search(rf"^\s+{pid}\s+\d+\s+[RS]\s", out, re.M), f"spin survived kill:\n{out}")
    expect_in(f"[{pid}] done", s.text(0))
    out = s.run("ps")
    expect(not re.search(r"spin$", out, re.M), f"spin not reaped:\n{out}")
    pid = re.search(r"\[(\d+)\]", s.run("sleep 100 &")).group(1)
    s.run(f"kill -9 {pid}")
    out = s.run("ps")
    expect(not re.search(rf"^\s+{pid}\s+\d+\s+[RS]\s", out, re.M), f"sleep survived kill -9:\n{out}")
    expect_in(f"[{pid}] done", s.text(0))
    out = s.run("kill 999")
    expect_in("No such process", out)
    s.send("spin")                     # a foreground CPU hog...
    time.sleep(0.5)
    s.send("\x03", end="")             # ...stopped by Ctrl-C
    s.prompt()
    expect_in("^C", s.text(s.mark))
    out = s.run("ps")
    expect(not re.search(r"spin$", out, re.M), f"Ctrl-C did not stop spin:\n{out}")


def case_user_fault(s):
    """A NULL dereference and a kernel-address access kill only that process."""
    s.prompt(timeout=15)
    out = s.run("fault")
    expect_in("fault[", out)
    expect(re.search(r"segfault at 0 ip", out), f"kernel message for NULL:\n{out}")
    expect_in("Segmentation fault", out)
    out = s.run("fault kernel")
    expect(re.search(r"segfault at c0100000 ip .* error 5", out), f"kernel-address read:\n{out}")
    out = s.run("fault kwrite")
    expect(re.search(r"segfault at c0100000 ip .* error 7", out), f"kernel-address write:\n{out}")
    out = s.run("echo alive; uname")
    expect_in("alive", out)
    expect_in("miniOS", out)


def case_memhog(s):
    """memhog beyond RAM fails cleanly and the memory comes back."""
    s.prompt(timeout=15)
    free_before = int(re.search(r"^Mem:\s+\d+\s+\d+\s+(\d+)", s.run("free"), re.M).group(1))
    out = s.run("memhog 8")
    expect_in("memhog: touched 8 MiB", out)
    out = s.run("memhog 200", timeout=15)
    expect(re.search(r"memhog: out of memory after \d+ MiB", out), f"memhog 200:\n{out}")
    free_after = int(re.search(r"^Mem:\s+\d+\s+\d+\s+(\d+)", s.run("free"), re.M).group(1))
    expect(abs(free_after - free_before) < 1024,
           f"memory not returned: {free_before} kB free before, {free_after} kB after")
    expect_in("alive", s.run("echo alive"))


def case_forkbomb(s):
    """A fork bomb fills the process table; the kernel and shell survive."""
    s.prompt(timeout=15)
    out = s.run("forkbomb 1", timeout=20)
    m = re.search(r"forkbomb: (\d+) forks, (\d+) failed \((\w+)\)", out)
    expect(m, f"forkbomb report:\n{out}")
    expect(int(m.group(2)) > 0 and m.group(3) == "EAGAIN", f"fork should fail with EAGAIN:\n{out}")
    s.run("sleep 1")
    out = s.run("ps")
    expect("forkbomb" not in out, f"forkbomb processes left over:\n{out}")
    expect_in("alive", s.run("echo alive"))


def case_panic(s):
    """A kernel panic prints registers and a backtrace and exits with value 1."""
    s.prompt(timeout=15)
    s.send("kbug crash")
    status = s.exit_status()
    out = s.text()
    expect_in("KERNEL PANIC: page fault (vector 14) in kernel mode", out)
    expect(re.search(r"eip 00000010 ", out), f"panic registers:\n{out}")
    expect_in("backtrace:", out)
    expect_in("miniOS: kernel panic, stopping the machine", out)
    expect(status == STATUS_PANIC, f"panic: QEMU exit status {status}, want {STATUS_PANIC}")


def case_bug(s):
    """With bug=1, a user process rewrites kernel memory (the host name)."""
    s.prompt(timeout=15)
    expect_in("WARNING: bug=1", s.text(0))
    expect(re.search(r"^minios$", s.run("hostname"), re.M), "default host name")
    out = s.run("kbug hostname pwned")
    expect_in("kwrite: kbug", out)
    expect(re.search(r"^pwned$", s.run("hostname"), re.M), "host name was not overwritten")


def case_nobug(s):
    """Without bug=1 the bug system call does not exist."""
    s.prompt(timeout=15)
    out = s.run("kbug hostname pwned")
    expect_in("kbug: kernel write failed: Function not implemented", out)
    expect(re.search(r"^minios$", s.run("hostname"), re.M), "host name changed without bug=1")


CASES = {
    "boot": (case_boot, {}),
    "fork_exec_wait": (case_fork_exec_wait, {}),
    "pipes": (case_pipes, {}),
    "preemption": (case_preemption, {}),
    "kill": (case_kill, {}),
    "user_fault": (case_user_fault, {}),
    "memhog": (case_memhog, {"mem": "64"}),
    "forkbomb": (case_forkbomb, {}),
    "panic": (case_panic, {"append": "bug=1"}),
    "bug": (case_bug, {"append": "bug=1"}),
    "nobug": (case_nobug, {}),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--verbose", action="store_true", help="print the transcript")
    ap.add_argument("case", choices=sorted(CASES))
    args = ap.parse_args()
    if not shutil.which(QEMU):
        print(f"SKIPPED: {QEMU} not found (scripts/setup installs qemu-system-x86)")
        return 77
    fn, opts = CASES[args.case]
    s = Session(args.kernel, args.initrd, **opts)
    try:
        fn(s)
        ok = True
    except Failure as e:
        print(f"FAIL {args.case}: {e}")
        ok = False
    finally:
        s.close()
    if args.verbose or not ok:
        print("--- transcript ---")
        print(s.text(0))
    print(f"{'PASS' if ok else 'FAIL'} {args.case}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
