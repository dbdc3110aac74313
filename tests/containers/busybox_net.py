#!/usr/bin/env python3
"""Docker's default bridge network with Debian's busybox, in one lab
(`isolab console`): two containers get different 172.17.0.N addresses;
ping from one to the other goes through docker0: the counters of both
eth0s grow, crosswise equal, and so do their veth ends in the host (seen by
a --network host container, which also sees docker0); nc carries TCP
between them (Debian's nc has no UDP mode: UDP between containers is
test_net.cpp's); ifconfig and ip (rtnetlink) show eth0 with its address
and the default route via docker0, and ip may not change them; a --network none
container has only lo and its ping gets "Network is unreachable".
Skips (exit 77, said on stdout) when scripts/fetch-busybox could not fetch
busybox on this machine."""
import os
import re
import subprocess
import sys
import tempfile

import busybox_cache

SCRIPT = r'''
ctr run --name a busybox sh -c "ifconfig eth0; nc -l -p 8080 > /tmp/tcp; sleep 4; echo tcp=$(cat /tmp/tcp); cat /proc/net/dev"
ctr run --name b busybox sh -c "sleep 1; ping -c 3 172.17.0.2; echo ping=$?; echo over-tcp | nc 172.17.0.2 8080; cat /proc/net/dev; cat /proc/net/arp; sleep 4"
ctr run --name h --network host busybox sh -c "sleep 5; echo host-view; cat /proc/net/dev; echo end-host-view"
ctr run --name none --network none busybox sh -c "sleep 6; ifconfig -a; ping -c 1 172.17.0.2; echo ping=$?; cat /proc/net/dev"
wait 8s
ctr logs a
ctr logs b
ctr logs h
ctr logs none
ctr ps
'''


def counters(out, dev):
    """(rx_bytes, rx_packets, tx_bytes, tx_packets) of `dev` in a /proc/net/dev listing."""
    m = re.search(rf"^\s*{dev}:\s*(\d+)\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+(\d+)\s+(\d+)", out, re.M)
    return tuple(int(x) for x in m.groups()) if m else None


def section(out, start, end):
    a = out.find(start)
    b = out.find(end, a + 1) if a >= 0 and end else -1
    return out[a:b] if a >= 0 and b >= 0 else out[a:] if a >= 0 else ""


def main():
    isolab = sys.argv[1]
    why = busybox_cache.missing()
    if why:
        print(f"SKIPPED: {why}")
        return 77
    with tempfile.NamedTemporaryFile("w", suffix=".isolab", delete=False) as f:
        f.write(SCRIPT)
        script = f.name
    try:
        p = subprocess.run([isolab, "console", script], capture_output=True, text=True, timeout=240)
    finally:
        os.unlink(script)
    out = p.stdout
    failures = []
    if p.returncode != 0:
        failures.append(f"console exit status {p.returncode}: {p.stderr.strip()}")
    a = section(out, "eth0      Link encap", "PING 172.17.0.2")
    b = section(out, "PING 172.17.0.2", "host-view")
    h = section(out, "host-view", "end-host-view")
    none = section(out, "lo        Link encap", "NAME ")
    # a's ifconfig: eth0 with Docker's first container address and MAC.
    if "inet addr:172.17.0.2  Bcast:172.17.255.255  Mask:255.255.0.0" not in a:
        failures.append("a's ifconfig eth0 does not show inet addr:172.17.0.2/16")
    if "HWaddr 02:42:AC:11:00:02" not in a:
        failures.append("a's eth0 does not have Docker's MAC 02:42:ac:11:00:02")
    # b pinged a through the bridge: three replies.
    if "3 packets transmitted, 3 packets received, 0% packet loss" not in b or "ping=0" not in b:
        failures.append("b's ping of 172.17.0.2 did not get its 3 replies")
    if not re.search(r"^172\.17\.0\.2\s+0x1\s+0x2\s+02:42:ac:11:00:02\s+\*\s+eth0$", b, re.M):
        failures.append("b's /proc/net/arp does not show a (172.17.0.2 at 02:42:ac:11:00:02)")
    if "tcp=over-tcp" not in a:
        failures.append("a's nc -l did not receive b's TCP line")
    # Counters: what one eth0 sent the other received, 3 pings of 98 bytes and the TCP exchange.
    ca, cb = counters(a, "eth0"), counters(b, "eth0")
    if not ca or not cb:
        failures.append("no eth0 line in a's or b's /proc/net/dev")
    elif ca[0] != cb[2] or ca[1] != cb[3] or ca[2] != cb[0] or ca[3] != cb[1]:
        failures.append(f"a's eth0 (rx bytes, rx packets, tx bytes, tx packets) {ca} is not b's {cb} crosswise")
    elif ca[1] < 3 + 3 or ca[0] < 3 * 98:
        failures.append(f"a's eth0 received less than 3 pings of 98 bytes and a TCP connection: {ca}")
    # The host's view: docker0 and one veth per container, counting the same frames.
    veths = re.findall(r"^\s*(veth[0-9a-f]{7}):", h, re.M)
    if len(veths) != 2 or counters(h, "docker0") is None:
        failures.append(f"the host should have docker0 and two veths, has {veths}")
    elif ca and cb:
        seen = sorted(counters(h, v) for v in veths)
        want = sorted([(ca[2], ca[3], ca[0], ca[1]), (cb[2], cb[3], cb[0], cb[1])])
        if seen != want:
            failures.append(f"the host ends of the veth pairs {seen} should count the eth0s' frames the other way round {want}")
    # --network none: lo only, and ping cannot leave.
    if "eth0" in none or "lo        Link encap:Local Loopback" not in none:
        failures.append("the --network none container should list lo only")
    if "Network is unreachable" not in p.stdout + p.stderr or "ping=1" not in none:
        failures.append("the --network none container's ping should fail with Network is unreachable")
    # `ctr run --network host`: the host's namespace, where docker0 is.
    hr = subprocess.run([isolab, "ctr", "run", "--network", "host", "busybox", "--", "sh", "-c",
                        "ifconfig docker0; cat /proc/net/dev"], capture_output=True, text=True, timeout=120)
    if "inet addr:172.17.0.1  Bcast:172.17.255.255  Mask:255.255.0.0" not in hr.stdout or "eth0" in hr.stdout:
        failures.append("--network host should see docker0 (172.17.0.1/16) and no eth0")
    # `ip` asks over rtnetlink (RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE dumps).
    ip = subprocess.run([isolab, "ctr", "run", "busybox", "--", "sh", "-c", "ip addr; ip route; ip link set eth0 down"],
                        capture_output=True, text=True, timeout=120)
    for want in ("inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0", "link/ether 02:42:ac:11:00:02",
                 "inet 127.0.0.1/8 scope host lo", "default via 172.17.0.1 dev eth0",
                 "172.17.0.0/16 dev eth0 scope link  src 172.17.0.2"):
        if want not in ip.stdout:
            failures.append(f"ip addr / ip route inside a container should show '{want}'")
    if "SIOCSIFFLAGS: Operation not permitted" not in ip.stderr:
        failures.append("ip link set inside a container should be refused (EPERM)")
    if failures:
        print("FAIL: " + "; ".join(failures) + "\n--- output ---\n" + out + p.stderr + "\n--- host ---\n" + hr.stdout + hr.stderr +
              "\n--- ip ---\n" + ip.stdout + ip.stderr)
        return 1
    print(out, end="")
    print(hr.stdout, end="")
    print(ip.stdout, end="")
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
