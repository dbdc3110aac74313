// rtnetlink (rtnetlink(7), netlink(7)): the NETLINK_ROUTE socket through
// which `ip link`, `ip addr` and `ip route` ask the kernel for its devices,
// addresses and routes. A request is a struct nlmsghdr; a dump request
// (NLM_F_DUMP) of RTM_GETLINK, RTM_GETADDR or RTM_GETROUTE is answered with
// one RTM_NEWLINK / RTM_NEWADDR / RTM_NEWROUTE message for each object of
// the caller's network namespace, flagged NLM_F_MULTI, then NLMSG_DONE
// (net/core/rtnetlink.c rtnl_dump_ifinfo(), net/ipv4/devinet.c
// inet_dump_ifaddr(), net/ipv4/fib_frontend.c inet_dump_fib()). Every
// other request is answered with NLMSG_ERROR: EPERM for changes (the
// runtime configures the network, as Docker does), EOPNOTSUPP otherwise.
// Lesson: 06-namespaces (`ip addr` inside a container).
#include <cstring>

#include "containers/linux_abi.h"
#include "containers/net/socket.h"
#include "containers/ns/namespaces.h"

namespace isolab::containers::net {

namespace {

enum : uint16_t { NLMSG_ERROR = 2, NLMSG_DONE = 3, RTM_NEWLINK = 16, RTM_GETLINK = 18, RTM_NEWADDR = 20,
                  RTM_GETADDR = 22, RTM_NEWROUTE = 24, RTM_GETROUTE = 26 };
enum : uint16_t { NLM_F_REQUEST = 1, NLM_F_MULTI = 2, NLM_F_ACK = 4, NLM_F_DUMP = 0x300 };
enum : uint16_t { IFLA_ADDRESS = 1, IFLA_BROADCAST = 2, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_LINK = 5, IFLA_QDISC = 6,
                  IFLA_MASTER = 10, IFLA_TXQLEN = 13, IFLA_OPERSTATE = 16 };
enum : uint16_t { IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3, IFA_BROADCAST = 4 };
enum : uint16_t { RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PREFSRC = 7, RTA_TABLE = 15 };
constexpr uint32_t IFF_UP = 0x1, IFF_BROADCAST = 0x2, IFF_LOOPBACK = 0x8, IFF_RUNNING = 0x40, IFF_MULTICAST = 0x1000,
                   IFF_LOWER_UP = 0x10000;
constexpr uint8_t RT_TABLE_MAIN = 254, RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253, RT_SCOPE_HOST = 254;

// One netlink message being built: header, fixed part, attributes.
struct Message {
  std::vector<uint8_t> b;
  Message(uint16_t type, uint16_t flags, uint32_t seq, uint32_t pid) {
    b.resize(16);
    std::memcpy(&b[4], &type, 2);
    std::memcpy(&b[6], &flags, 2);
    std::memcpy(&b[8], &seq, 4);
    std::memcpy(&b[12], &pid, 4);
  }
  void raw(const void* p, size_t n) {
    b.insert(b.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
    b.resize((b.size() + 3) & ~size_t(3));
  }
  void attr(uint16_t type, const void* p, size_t n) {
    uint16_t len = uint16_t(4 + n);
    uint8_t h[4];
    std::memcpy(h, &len, 2);
    std::memcpy(h + 2, &type, 2);
    b.insert(b.end(), h, h + 4);
    raw(p, n);
  }
  void attr_u32(uint16_t type, uint32_t v) { attr(type, &v, 4); }
  void attr_ip(uint16_t type, Ipv4 a) {
    uint8_t w[4] = {uint8_t(a >> 24), uint8_t(a >> 16), uint8_t(a >> 8), uint8_t(a)};
    attr(type, w, 4);
  }
  void attr_str(uint16_t type, const std::string& s) { attr(type, s.c_str(), s.size() + 1); }
  std::vector<uint8_t> done() {
    uint32_t len = uint32_t(b.size());
    std::memcpy(&b[0], &len, 4);
    return std::move(b);
  }
};

void link_message(std::vector<uint8_t>& out, const NetDevice& d, uint32_t seq, uint32_t pid) {
  Message m(RTM_NEWLINK, NLM_F_MULTI, seq, pid);
  bool lo = d.kind == DeviceKind::Loopback;
  uint32_t flags = lo ? IFF_LOOPBACK : IFF_BROADCAST | IFF_MULTICAST;
  if (d.up) flags |= IFF_UP | IFF_RUNNING | IFF_LOWER_UP;
  uint8_t ifi[16] = {};
  uint16_t type = lo ? 772 : 1;  // ARPHRD_LOOPBACK, ARPHRD_ETHER
  int32_t index = d.ifindex;
  std::memcpy(ifi + 2, &type, 2);
  std::memcpy(ifi + 4, &index, 4);
  std::memcpy(ifi + 8, &flags, 4);
  m.raw(ifi, sizeof ifi);
  m.attr_str(IFLA_IFNAME, d.name);
  m.attr_u32(IFLA_TXQLEN, 1000);
  uint8_t oper = lo ? 0 : d.up ? 6 : 2;  // IF_OPER_UNKNOWN, IF_OPER_UP, IF_OPER_DOWN
  m.attr(IFLA_OPERSTATE, &oper, 1);
  m.attr_u32(IFLA_MTU, d.mtu);
  m.attr_str(IFLA_QDISC, "noqueue");
  if (d.master) m.attr_u32(IFLA_MASTER, uint32_t(d.master->ifindex));
  if (d.peer) m.attr_u32(IFLA_LINK, uint32_t(d.peer->ifindex));  // "eth0@if7": the peer's index
  m.attr(IFLA_ADDRESS, d.mac.b, 6);
  uint8_t bcast[6];
  std::memset(bcast, lo ? 0 : 0xFF, 6);
  m.attr(IFLA_BROADCAST, bcast, 6);
  auto msg = m.done();
  out.insert(out.end(), msg.begin(), msg.end());
}

void addr_message(std::vector<uint8_t>& out, const NetDevice& d, uint32_t seq, uint32_t pid) {
  Message m(RTM_NEWADDR, NLM_F_MULTI, seq, pid);
  bool lo = d.kind == DeviceKind::Loopback;
  uint8_t ifa[8] = {uint8_t(AF_INET), uint8_t(d.prefix), 0x80 /* IFA_F_PERMANENT */, lo ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE};
  int32_t index = d.ifindex;
  std::memcpy(ifa + 4, &index, 4);
  m.raw(ifa, sizeof ifa);
  m.attr_ip(IFA_ADDRESS, d.addr);
  m.attr_ip(IFA_LOCAL, d.addr);
  if (!lo) m.attr_ip(IFA_BROADCAST, d.addr | ~prefix_mask(d.prefix));
  m.attr_str(IFA_LABEL, d.name);
  auto msg = m.done();
  out.insert(out.end(), msg.begin(), msg.end());
}

void route_message(std::vector<uint8_t>& out, const Route& r, uint32_t seq, uint32_t pid) {
  Message m(RTM_NEWROUTE, NLM_F_MULTI, seq, pid);
  uint8_t rtm[12] = {uint8_t(AF_INET), uint8_t(r.prefix), 0, 0, RT_TABLE_MAIN,
                     uint8_t(r.gateway ? 3 : 2) /* RTPROT_BOOT, RTPROT_KERNEL */,
                     r.gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK, 1 /* RTN_UNICAST */};
  m.raw(rtm, sizeof rtm);
  m.attr_u32(RTA_TABLE, RT_TABLE_MAIN);
  if (r.prefix) m.attr_ip(RTA_DST, r.dst);
  if (r.gateway) m.attr_ip(RTA_GATEWAY, r.gateway);
  else m.attr_ip(RTA_PREFSRC, r.dev->addr);
  m.attr_u32(RTA_OIF, uint32_t(r.dev->ifindex));
  auto msg = m.done();
  out.insert(out.end(), msg.begin(), msg.end());
}

std::vector<uint8_t> error_message(int32_t err, const uint8_t* req, uint32_t seq, uint32_t pid) {
  Message m(NLMSG_ERROR, 0, seq, pid);
  m.raw(&err, 4);
  m.raw(req, 16);  // the request's header
  return m.done();
}

}  // namespace

int32_t netlink_request(Socket& s, const std::vector<uint8_t>& req) {
  if (req.size() < 16) return -linux_abi::LINUX_EINVAL;
  size_t at = 0;
  while (at + 16 <= req.size()) {
    uint32_t len, seq;
    uint16_t type, flags;
    std::memcpy(&len, &req[at], 4);
    std::memcpy(&type, &req[at + 4], 2);
    std::memcpy(&flags, &req[at + 6], 2);
    std::memcpy(&seq, &req[at + 8], 4);
    if (len < 16 || at + len > req.size()) return -linux_abi::LINUX_EINVAL;
    std::vector<uint8_t> out;
    bool dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;
    if (dump && type == RTM_GETLINK) {
      for (const auto& d : s.ns->devices) link_message(out, *d, seq, s.nl_pid);
    } else if (dump && type == RTM_GETADDR) {
      for (const auto& d : s.ns->devices)
        if (d->addr && (d->up || d->kind != DeviceKind::Loopback)) addr_message(out, *d, seq, s.nl_pid);
    } else if (dump && type == RTM_GETROUTE) {
      for (const Route& r : s.ns->routes)
        if (r.dev->kind != DeviceKind::Loopback) route_message(out, r, seq, s.nl_pid);
    } else {
      // A change (RTM_NEW*, RTM_DEL*, RTM_SET*: odd types are not GETs) or anything else.
      bool change = type >= RTM_NEWLINK && (type & 3) != 2;
      out = error_message(change ? -linux_abi::LINUX_EPERM : -linux_abi::LINUX_EOPNOTSUPP, &req[at], seq, s.nl_pid);
      s.datagrams.push_back(Datagram{0, 0, std::move(out)});
      at += (len + 3) & ~3u;
      continue;
    }
    Message done(NLMSG_DONE, NLM_F_MULTI, seq, s.nl_pid);
    int32_t zero = 0;
    done.raw(&zero, 4);
    auto d = done.done();
    out.insert(out.end(), d.begin(), d.end());
    s.datagrams.push_back(Datagram{0, 0, std::move(out)});
    at += (len + 3) & ~3u;
  }
  return int32_t(req.size());
}

}  // namespace isolab::containers::net
