// Routes and neighbours of a network namespace (ip-route(8), arp(7)).
// A device's address adds its connected route (dst/prefix on the link,
// no gateway), as the kernel does; the runtime adds a default route via
// the bridge. The lookup takes the longest matching prefix whose device
// is up. /proc/net/route and /proc/net/arp are printed as
// net/ipv4/fib_trie.c fib_route_seq_show() and net/ipv4/arp.c do.
//
// Neighbours: isolab resolves an address on a link by asking the link
// directly (the device at the other end of a veth, or behind a bridge's
// ports, that holds the address) and remembers the answer in the ARP
// table, where `arp` and /proc/net/arp show it. No ARP frames are sent, so
// the device counters show only the IPv4 packets a program caused.
// Lesson: 06-namespaces.
#include <cstdio>

#include "containers/net/net.h"
#include "containers/ns/namespaces.h"

namespace isolab::containers::net {

void set_address(NetDevice& dev, Ipv4 addr, int prefix) {
  dev.addr = addr;
  dev.prefix = prefix;
  add_route(*dev.ns, addr & prefix_mask(prefix), prefix, 0, dev);
}

void add_route(NetNamespace& ns, Ipv4 dst, int prefix, Ipv4 gateway, NetDevice& dev) {
  ns.routes.push_back(Route{dst & prefix_mask(prefix), prefix, gateway, &dev});
}

const Route* route_lookup(const NetNamespace& ns, Ipv4 dst) {
  const Route* best = nullptr;
  for (const Route& r : ns.routes)
    if (r.dev->up && (dst & prefix_mask(r.prefix)) == r.dst && (!best || r.prefix > best->prefix)) best = &r;
  return best;
}

bool is_local_address(const NetNamespace& ns, Ipv4 a) {
  for (const auto& d : ns.devices) {
    if (!d->up) continue;
    if (d->kind == DeviceKind::Loopback && (a >> 24) == 127) return true;
    if (d->addr && d->addr == a) return true;
  }
  return false;
}

// The device holding `addr` among those a frame out of `dev` can reach.
static NetDevice* on_link(NetDevice& dev, Ipv4 addr) {
  auto holds = [addr](NetDevice* d) { return d && d->up && d->addr == addr ? d : nullptr; };
  // What a bridge reaches: itself and what is behind each of its ports.
  auto behind_bridge = [&](NetDevice& br, NetDevice* except) -> NetDevice* {
    if (holds(&br)) return &br;
    for (NetDevice* port : br.ports)
      if (port != except && port->peer)
        if (NetDevice* d = holds(port->peer)) return d;
    return nullptr;
  };
  if (dev.kind == DeviceKind::Bridge) return behind_bridge(dev, nullptr);
  if (dev.kind != DeviceKind::Veth || !dev.peer) return nullptr;
  if (NetDevice* d = holds(dev.peer)) return d;
  return dev.peer->master ? behind_bridge(*dev.peer->master, dev.peer) : nullptr;
}

const MacAddress* neighbour_resolve(NetNamespace& ns, NetDevice& dev, Ipv4 addr) {
  for (const Neighbour& n : ns.neighbours)
    if (n.dev == &dev && n.addr == addr) return &n.mac;
  NetDevice* target = on_link(dev, addr);
  if (!target) return nullptr;
  ns.neighbours.push_back(Neighbour{addr, target->mac, &dev});
  return &ns.neighbours.back().mac;
}

// Addresses as the kernel prints them: the network-order word in hex.
static uint32_t wire_order(Ipv4 a) { return __builtin_bswap32(a); }

std::string proc_net_route(const NetNamespace& ns) {
  char line[160];
  std::snprintf(line, sizeof line, "%-127s\n",
                "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT");
  std::string s = line;
  constexpr unsigned RTF_UP = 0x1, RTF_GATEWAY = 0x2;
  for (const Route& r : ns.routes) {
    if (r.dev->kind == DeviceKind::Loopback) continue;  // lo's routes live in the local table
    char row[128];
    std::snprintf(row, sizeof row, "%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u", r.dev->name.c_str(),
                  wire_order(r.dst), wire_order(r.gateway), RTF_UP | (r.gateway ? RTF_GATEWAY : 0), 0, 0u, 0,
                  wire_order(prefix_mask(r.prefix)), 0, 0u, 0u);
    std::snprintf(line, sizeof line, "%-127s\n", row);
    s += line;
  }
  return s;
}

std::string proc_net_arp(const NetNamespace& ns) {
  std::string s = "IP address       HW type     Flags       HW address            Mask     Device\n";
  char line[160];
  for (const Neighbour& n : ns.neighbours) {
    std::snprintf(line, sizeof line, "%-16s 0x%-10x0x%-10x%-17s     *        %s\n", ip_text(n.addr).c_str(), 1u, 2u,
                  n.mac.text().c_str(), n.dev->name.c_str());
    s += line;
  }
  return s;
}

}  // namespace isolab::containers::net
