#!/usr/bin/env python3
"""The terminal tour (DESIGN.md section 7, issue 7): `isolab` with no display.

- stdout a pipe: one line saying there is no display, then a bounded number
  of dashboard frames (VMs, exits by reason, containers with their cgroups,
  the first lesson's steps with their checks), exit 0; the same text twice.
- stdout a terminal (a pty): the dashboard redraws in place on the
  alternate screen; typing q ends it with exit 0, and so does Ctrl-C.

usage: tour_test.py ISOLAB
"""
import os
import pty
import select
import signal
import subprocess
import sys
import time


def env_without_display():
    env = dict(os.environ)
    for k in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        env.pop(k, None)
    return env


def piped(isolab):
    r = subprocess.run([isolab], env=env_without_display(), capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout, r.stderr


def on_a_terminal(isolab, stop):
    """Run isolab on a pty; after the dashboard has drawn twice, stop it by
    typing q or sending SIGINT. Returns (exit status, output)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(isolab, [isolab], env_without_display())
    out, deadline, stopped = b"", time.time() + 240, False
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        if not stopped and out.count(b"\x1b[H\x1b[J") >= 2:
            if stop == "q":
                os.write(fd, b"q")
            else:
                os.kill(pid, signal.SIGINT)
            stopped = True
    else:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return (os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1), out.decode(errors="replace")


def main():
    isolab = sys.argv[1]
    problems = []
    rc, out, err = piped(isolab)
    lines = out.splitlines()
    if rc != 0:
        problems.append(f"piped: exit status {rc}: {err.strip()}")
    if not lines or not lines[0].startswith("isolab: no display for the visualizer"):
        problems.append(f"piped: the first line does not say there is no display: {lines[:1]}")
    for want in ("VMs (each with its own kernel, miniOS)", "VM exits by reason", "Containers (one shared kernel",
                 "memory.current", "Lesson: ", "[ok] ", "--- frame 8 of 8 ---"):
        if want not in out:
            problems.append(f"piped: no '{want}' in the output")
    if out.count("--- frame ") != 8:
        problems.append(f"piped: {out.count('--- frame ')} frames, expected 8")
    rc2, out2, _ = piped(isolab)
    if (rc2, out2) != (rc, out):
        problems.append("piped: a second run printed something else")
    for stop in ("q", "SIGINT"):
        rc, out = on_a_terminal(isolab, stop)
        if rc != 0:
            problems.append(f"terminal, stopped by {stop}: exit status {rc}")
        if "\x1b[?1049h" not in out or "\x1b[?1049l" not in out:
            problems.append(f"terminal, stopped by {stop}: the alternate screen was not entered and left")
        if "isolab tour: ended after" not in out:
            problems.append(f"terminal, stopped by {stop}: no closing line")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"tour: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
