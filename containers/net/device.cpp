// Network devices (Linux's struct net_device, Documentation/networking/):
// the loopback device `lo`, whose frames come straight back in, and veth
// pairs (veth(4)): two devices, usually in two namespaces, where a frame
// sent out of one end is received by the other. Every frame a device sends
// or receives is counted in its tx/rx packets and bytes (Ethernet header
// included), which is what /proc/net/dev shows, in the format of
// net/core/net-procfs.c dev_seq_show(). A veth whose peer is gone or down
// counts the frame as tx_dropped, as veth_xmit() does.
// Lesson: 06-namespaces (two containers ping each other through docker0).
#include <algorithm>
#include <cstdio>

#include "containers/kernel.h"
#include "containers/net/net.h"

namespace isolab::containers {

// A namespace takes its devices with it; a veth's peer in another
// namespace goes too, and a bridge lets go of its ports.
NetNamespace::~NetNamespace() {
  while (!devices.empty()) net::remove_device(*this, *devices.back());
}

}  // namespace isolab::containers

namespace isolab::containers::net {

std::string ip_text(Ipv4 a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." +
         std::to_string(a & 255);
}

Ipv4 prefix_mask(int prefix) { return prefix <= 0 ? 0 : prefix >= 32 ? 0xFFFFFFFFu : ~0u << (32 - prefix); }

std::string MacAddress::text() const {
  char s[18];
  std::snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
  return s;
}

uint32_t Packet::wire_bytes() const {
  uint32_t l4 = protocol == IPPROTO_UDP ? 8 : protocol == IPPROTO_TCP ? 20 : 0;
  return 14 + 20 + l4 + uint32_t(payload.size());
}

NetDevice& add_device(NetNamespace& ns, const std::string& name, DeviceKind kind) {
  auto d = std::make_unique<NetDevice>();
  d->name = name;
  d->kind = kind;
  d->ifindex = ns.next_ifindex++;
  d->ns = &ns;
  if (kind == DeviceKind::Loopback) d->mtu = 65536;
  ns.devices.push_back(std::move(d));
  return *ns.devices.back();
}

NetDevice* find_device(NetNamespace& ns, const std::string& name) {
  for (auto& d : ns.devices)
    if (d->name == name) return d.get();
  return nullptr;
}

NetDevice* find_device(NetNamespace& ns, int ifindex) {
  for (auto& d : ns.devices)
    if (d->ifindex == ifindex) return d.get();
  return nullptr;
}

std::pair<NetDevice*, NetDevice*> make_veth_pair(NetNamespace& a, const std::string& name_a, NetNamespace& b,
                                                 const std::string& name_b) {
  NetDevice& x = add_device(a, name_a, DeviceKind::Veth);
  NetDevice& y = add_device(b, name_b, DeviceKind::Veth);
  x.peer = &y;
  y.peer = &x;
  return {&x, &y};
}

// Take `dev` out of its namespace's tables (routes and neighbours through it).
static void unlink_device(NetNamespace& ns, NetDevice& dev) {
  std::erase_if(ns.routes, [&](const Route& r) { return r.dev == &dev; });
  std::erase_if(ns.neighbours, [&](const Neighbour& n) { return n.dev == &dev; });
  if (dev.master) bridge_remove_port(dev);
  for (NetDevice* port : dev.ports) port->master = nullptr;
  dev.ports.clear();
  std::erase_if(ns.devices, [&](const std::unique_ptr<NetDevice>& d) { return d.get() == &dev; });
}

void remove_device(NetNamespace& ns, NetDevice& dev) {
  if (NetDevice* peer = dev.peer) {
    peer->peer = nullptr;
    dev.peer = nullptr;
    unlink_device(*peer->ns, *peer);
  }
  unlink_device(ns, dev);
}

void dev_xmit(NetDevice& dev, const Packet& p) {
  if (!dev.up) {
    dev.tx_dropped++;
    return;
  }
  dev.tx_packets++;
  dev.tx_bytes += p.wire_bytes();
  switch (dev.kind) {
    case DeviceKind::Loopback: dev_receive(dev, p); return;
    case DeviceKind::Bridge: bridge_input(dev, nullptr, p); return;
    case DeviceKind::Veth:
      if (!dev.peer || !dev.peer->up) {
        dev.tx_dropped++;
        return;
      }
      dev_receive(*dev.peer, p);
      return;
  }
}

void dev_receive(NetDevice& dev, const Packet& p) {
  dev.rx_packets++;
  dev.rx_bytes += p.wire_bytes();
  if (dev.master) {  // a bridge port: the bridge decides where it goes
    bridge_input(*dev.master, &dev, p);
    return;
  }
  // Not for this device's address: a NIC would not take it up (a frame
  // flooded by a bridge reaches every port).
  if (dev.kind != DeviceKind::Loopback && !(p.dst_mac == dev.mac) && !p.dst_mac.broadcast()) {
    dev.rx_dropped++;
    return;
  }
  ip_receive(*dev.ns, dev, p);
}

std::string proc_net_dev(const NetNamespace& ns) {
  std::string s =
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls "
      "carrier compressed\n";
  char line[256];
  for (const auto& d : ns.devices) {
    std::snprintf(line, sizeof line,
                  "%6s: %7llu %7llu    0 %4llu    0     0          0         0 %8llu %7llu    0 %4llu    0     0       0          0\n",
                  d->name.c_str(), (unsigned long long)d->rx_bytes, (unsigned long long)d->rx_packets,
                  (unsigned long long)d->rx_dropped, (unsigned long long)d->tx_bytes,
                  (unsigned long long)d->tx_packets, (unsigned long long)d->tx_dropped);
    s += line;
  }
  return s;
}

}  // namespace isolab::containers::net
