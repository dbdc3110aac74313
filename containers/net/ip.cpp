// IPv4 send and receive (RFC 791; Linux's net/ipv4/ip_output.c and
// ip_input.c) and the kernel's ICMP echo responder (RFC 792,
// net/ipv4/icmp.c icmp_echo()).
// Sending: a packet for one of the namespace's own addresses goes through
// lo; any other is routed (route.cpp), given the outgoing device's address
// as its source when it has none, and framed for the next hop's MAC
// address. No route: ENETUNREACH (a --network none container); nobody on
// the link with the next hop's address: EHOSTUNREACH.
// Receiving: a packet for an address of the namespace goes to its
// protocol (ICMP, UDP, TCP); anything else is dropped (containers do not
// forward).
// Lesson: 06-namespaces (ping answered by the other container's kernel).
#include "containers/net/net.h"
#include "containers/net/socket.h"
#include "containers/ns/namespaces.h"

namespace isolab::containers::net {

uint16_t inet_checksum(const uint8_t* data, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += uint32_t(data[i]) << 8 | data[i + 1];
  if (len & 1) sum += uint32_t(data[len - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return uint16_t(~sum);
}

int32_t ip_send(NetNamespace& ns, Packet p) {
  if (is_local_address(ns, p.dst)) {
    NetDevice* lo = find_device(ns, "lo");
    if (!lo || !lo->up) return -LINUX_ENETUNREACH;
    if (!p.src) p.src = p.dst;
    dev_xmit(*lo, p);
    return 0;
  }
  const Route* r = route_lookup(ns, p.dst);
  if (!r) return -LINUX_ENETUNREACH;
  NetDevice& dev = *r->dev;
  if (dev.kind == DeviceKind::Loopback) return -LINUX_ENETUNREACH;  // 127/8 without lo's own address
  if (!p.src) p.src = dev.addr;
  Ipv4 next_hop = r->gateway ? r->gateway : p.dst;
  const MacAddress* mac = neighbour_resolve(ns, dev, next_hop);
  if (!mac) return -LINUX_EHOSTUNREACH;
  p.src_mac = dev.mac;
  p.dst_mac = *mac;
  dev_xmit(dev, p);
  return 0;
}

// The kernel answers an echo request itself (icmp_echo()): same
// identifier, sequence and data, type 0, checksum recomputed.
static void icmp_echo_reply(NetNamespace& ns, const Packet& req) {
  if (req.payload.size() < 8) return;
  Packet reply;
  reply.protocol = IPPROTO_ICMP;
  reply.src = req.dst;
  reply.dst = req.src;
  reply.payload = req.payload;
  reply.payload[0] = ICMP_ECHOREPLY;
  reply.payload[2] = reply.payload[3] = 0;
  uint16_t sum = inet_checksum(reply.payload.data(), reply.payload.size());
  reply.payload[2] = uint8_t(sum >> 8);
  reply.payload[3] = uint8_t(sum);
  ip_send(ns, reply);
}

void ip_receive(NetNamespace& ns, NetDevice&, const Packet& p) {
  if (!is_local_address(ns, p.dst)) return;  // not ours, and containers do not forward
  switch (p.protocol) {
    case IPPROTO_ICMP:
      icmp_deliver(ns, p);
      if (!p.payload.empty() && p.payload[0] == ICMP_ECHO) icmp_echo_reply(ns, p);
      return;
    case IPPROTO_UDP: udp_deliver(ns, p); return;
    case IPPROTO_TCP: tcp_receive(ns, p); return;
    default: return;
  }
}

}  // namespace isolab::containers::net
