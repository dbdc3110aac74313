// A learning Ethernet bridge (Linux's net/bridge, bridge(8); IEEE 802.1D
// transparent bridging without spanning tree): a device with ports.
// A frame that comes in on a port teaches the bridge where its source MAC
// address lives (the forwarding database, `bridge fdb show`); a frame for a
// known address goes out of that one port, a frame for an unknown or the
// broadcast address is flooded out of every other port, and a frame for
// the bridge's own address goes up to the host's IPv4 stack on the bridge
// device (docker0 is the containers' gateway, 172.17.0.1).
// As on Linux, the bridge device's own counters count only what its host
// stack sends and receives; frames passed between two ports are counted on
// the ports (the host ends of the containers' veth pairs) and in
// `forwarded`, and each one is a `net` trace event.
// Lesson: 06-namespaces (traffic container veth -> docker0 -> other veth).
#include <algorithm>

#include "containers/kernel.h"
#include "containers/net/net.h"

namespace isolab::containers::net {

void bridge_add_port(NetDevice& bridge, NetDevice& port) {
  port.master = &bridge;
  bridge.ports.push_back(&port);
}

void bridge_remove_port(NetDevice& port) {
  NetDevice* br = port.master;
  if (!br) return;
  std::erase(br->ports, &port);
  std::erase_if(br->fdb, [&](const auto& e) { return e.second == &port; });
  port.master = nullptr;
}

// Out of one port (a veth: counted there, received by its peer).
static void port_xmit(NetDevice& bridge, NetDevice& port, const Packet& p) {
  bridge.forwarded++;
  trace_packet(*bridge.ns, "bridge forward", p);
  dev_xmit(port, p);
}

void bridge_input(NetDevice& bridge, NetDevice* in, const Packet& p) {
  if (in) bridge.fdb[p.src_mac] = in;  // learn where the sender is
  if (in && (p.dst_mac == bridge.mac || p.dst_mac.broadcast())) {
    bridge.rx_packets++;
    bridge.rx_bytes += p.wire_bytes();
    ip_receive(*bridge.ns, bridge, p);
    if (!p.dst_mac.broadcast()) return;
  }
  auto known = bridge.fdb.find(p.dst_mac);
  if (known != bridge.fdb.end()) {
    if (known->second != in) port_xmit(bridge, *known->second, p);
    return;
  }
  // Unknown destination: flood. Copy the list, since delivering may
  // change the bridge (a reply that ends a container).
  std::vector<NetDevice*> ports = bridge.ports;
  for (NetDevice* port : ports)
    if (port != in && std::find(bridge.ports.begin(), bridge.ports.end(), port) != bridge.ports.end())
      port_xmit(bridge, *port, p);
}

// detail[0..1]: source and destination IPv4 addresses, detail[2]: bytes on the wire.
void trace_packet(NetNamespace& ns, const char* what, const Packet& p) {
  Kernel* k = ns.kernel;
  if (!k || !k->trace) return;
  trace::Event e;
  e.kind = trace::Kind::Net;
  e.time_ns = k->now_ns();
  e.insns = k->cpu.s.insns;
  e.set_source("host");
  e.what = what;
  e.code = p.protocol;
  e.detail[0] = p.src;
  e.detail[1] = p.dst;
  e.detail[2] = p.wire_bytes();
  k->trace->record(e);
}

}  // namespace isolab::containers::net
