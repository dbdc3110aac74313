// Docker's default bridge network (Docker's "bridge network driver"
// documentation; libnetwork's bridge driver): the daemon makes the bridge
// docker0 in the host's network namespace with the address 172.17.0.1/16;
// each container started with --network bridge gets a veth pair, one end
// renamed eth0 inside the container with the next free address
// 172.17.0.N/16 and a default route via 172.17.0.1, the other end
// vethXXXXXXX attached to docker0 in the host. A container's MAC address
// is 02:42 followed by its IPv4 address, as Docker derives it.
// --network none leaves only lo (up); --network host shares the host's
// namespace (the runtime does not make a new one).
// Lesson: 06-namespaces.
#include <cstdio>

#include "containers/kernel.h"
#include "containers/net/net.h"
#include "containers/ns/namespaces.h"

namespace isolab::containers::net {

namespace {

MacAddress docker_mac(Ipv4 a) {
  return MacAddress{{0x02, 0x42, uint8_t(a >> 24), uint8_t(a >> 16), uint8_t(a >> 8), uint8_t(a)}};
}

// The lowest 172.17.0.N not held by a container on docker0 (N >= 2).
Ipv4 next_free_address(const NetDevice& bridge) {
  for (Ipv4 a = DOCKER_GATEWAY + 1; a < (DOCKER_GATEWAY | 0xFFFF); a++) {
    bool used = false;
    for (const NetDevice* port : bridge.ports) used |= port->peer && port->peer->addr == a;
    if (!used) return a;
  }
  return 0;
}

// veth names as Docker makes them: "veth" and 7 hex digits.
std::string veth_name(Kernel& k, const NetNamespace& host) {
  for (;;) {
    char name[16];
    std::snprintf(name, sizeof name, "veth%07llx", (unsigned long long)(k.random64() & 0xFFFFFFF));
    bool taken = false;
    for (const auto& d : host.devices) taken |= d->name == name;
    if (!taken) return name;
  }
}

}  // namespace

void bring_up_loopback(NetNamespace& ns) {
  if (NetDevice* lo = find_device(ns, "lo")) lo->up = true;
}

NetDevice& docker_bridge(Kernel& k) {
  NetNamespace& host = *k.host_ns.net;
  if (NetDevice* br = find_device(host, DOCKER_BRIDGE)) return *br;
  NetDevice& br = add_device(host, DOCKER_BRIDGE, DeviceKind::Bridge);
  br.mac = docker_mac(DOCKER_GATEWAY);
  br.up = true;
  set_address(br, DOCKER_GATEWAY, 16);
  return br;
}

NetDevice& connect_to_bridge(Kernel& k, NetNamespace& ns) {
  NetDevice& br = docker_bridge(k);
  bring_up_loopback(ns);
  Ipv4 addr = next_free_address(br);
  auto [eth0, host_end] = make_veth_pair(ns, "eth0", *k.host_ns.net, veth_name(k, *k.host_ns.net));
  host_end->mac = MacAddress{{0x02, 0x42, 0xFE, uint8_t(k.random64()), uint8_t(k.random64()), uint8_t(k.random64())}};
  host_end->up = true;
  bridge_add_port(br, *host_end);
  eth0->mac = docker_mac(addr);
  eth0->up = true;
  set_address(*eth0, addr, 16);
  add_route(ns, 0, 0, DOCKER_GATEWAY, *eth0);
  return *eth0;
}

}  // namespace isolab::containers::net
