// The netdevice(7) ioctls on a socket: what ifconfig, route and ping ask
// about the devices of the caller's network namespace. Each takes a
// struct ifreq (32 bytes on i386: ifr_name[16], then a union) naming the
// device; SIOCGIFCONF fills an array of them, one for each device with an
// IPv4 address (net/ipv4/devinet.c inet_gifconf()). A device not in the
// namespace is ENODEV; an address asked of a device without one is
// EADDRNOTAVAIL. Setting (SIOCSIF*) is refused with EPERM: the runtime
// configures the network, as Docker does.
// Lesson: 06-namespaces (ifconfig inside a container).
#include <cstring>

#include "containers/kernel.h"
#include "containers/linux_abi.h"
#include "containers/net/socket.h"
#include "containers/ns/namespaces.h"

namespace isolab::containers::net {

namespace {

enum : uint32_t {
  SIOCGIFNAME = 0x8910, SIOCGIFCONF = 0x8912, SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, SIOCGIFADDR = 0x8915,
  SIOCSIFADDR = 0x8916, SIOCGIFDSTADDR = 0x8917, SIOCGIFBRDADDR = 0x8919, SIOCGIFNETMASK = 0x891b,
  SIOCSIFNETMASK = 0x891c, SIOCGIFMETRIC = 0x891d, SIOCGIFMTU = 0x8921, SIOCSIFMTU = 0x8922,
  SIOCGIFHWADDR = 0x8927, SIOCGIFINDEX = 0x8933, SIOCGIFTXQLEN = 0x8942, SIOCGIFMAP = 0x8970,
  SIOCADDRT = 0x890B, SIOCDELRT = 0x890C,
};
// Interface flags (include/uapi/linux/if.h).
enum : uint16_t { IFF_UP = 0x1, IFF_BROADCAST = 0x2, IFF_LOOPBACK = 0x8, IFF_RUNNING = 0x40, IFF_MULTICAST = 0x1000 };
constexpr uint16_t ARPHRD_ETHER = 1, ARPHRD_LOOPBACK = 772;

struct IfReq {
  char name[16];
  uint8_t u[16];
};
static_assert(sizeof(IfReq) == 32);

// A struct sockaddr_in for `a` in the union.
void put_sockaddr_in(uint8_t* u, Ipv4 a) {
  std::memset(u, 0, 16);
  u[0] = AF_INET;
  u[4] = uint8_t(a >> 24);
  u[5] = uint8_t(a >> 16);
  u[6] = uint8_t(a >> 8);
  u[7] = uint8_t(a);
}

uint16_t flags_of(const NetDevice& d) {
  uint16_t f = d.kind == DeviceKind::Loopback ? IFF_LOOPBACK : IFF_BROADCAST | IFF_MULTICAST;
  if (d.up) f |= IFF_UP | IFF_RUNNING;
  return f;
}

template <class T>
void put(uint8_t* u, T v) {
  std::memcpy(u, &v, sizeof v);
}

}  // namespace

int32_t netdevice_ioctl(NetNamespace& ns, Process& p, uint32_t request, uint32_t arg) {
  using linux_abi::LINUX_EFAULT;
  if (request == SIOCGIFCONF) {
    int32_t conf[2];  // struct ifconf: ifc_len, ifc_buf
    if (!p.mm->copy_in(arg, conf, sizeof conf)) return -LINUX_EFAULT;
    int32_t used = 0;
    for (const auto& d : ns.devices) {
      if (!d->addr || !d->up) continue;
      if (conf[1]) {
        if (used + int32_t(sizeof(IfReq)) > conf[0]) break;
        IfReq r{};
        std::strncpy(r.name, d->name.c_str(), sizeof r.name - 1);
        put_sockaddr_in(r.u, d->addr);
        if (!p.mm->copy_out(uint32_t(conf[1]) + uint32_t(used), &r, sizeof r)) return -LINUX_EFAULT;
      }
      used += int32_t(sizeof(IfReq));
    }
    conf[0] = used;
    return p.mm->copy_out(arg, conf, 4) ? 0 : -LINUX_EFAULT;
  }
  if (request == SIOCADDRT || request == SIOCDELRT || request == SIOCSIFFLAGS || request == SIOCSIFADDR ||
      request == SIOCSIFNETMASK || request == SIOCSIFMTU)
    return -linux_abi::LINUX_EPERM;
  IfReq r;
  if (!p.mm->copy_in(arg, &r, sizeof r)) return -LINUX_EFAULT;
  NetDevice* d = nullptr;
  if (request == SIOCGIFNAME) {
    int32_t index;
    std::memcpy(&index, r.u, 4);
    d = find_device(ns, index);
    if (!d) return -linux_abi::LINUX_ENODEV;
    std::memset(r.name, 0, sizeof r.name);
    std::strncpy(r.name, d->name.c_str(), sizeof r.name - 1);
    return p.mm->copy_out(arg, &r, sizeof r) ? 0 : -LINUX_EFAULT;
  }
  r.name[15] = 0;
  d = find_device(ns, std::string(r.name));
  if (!d) return -linux_abi::LINUX_ENODEV;
  switch (request) {
    case SIOCGIFFLAGS: std::memset(r.u, 0, 16); put(r.u, flags_of(*d)); break;
    case SIOCGIFADDR:
    case SIOCGIFDSTADDR:
    case SIOCGIFBRDADDR:
    case SIOCGIFNETMASK: {
      if (!d->addr) return -LINUX_EADDRNOTAVAIL;
      Ipv4 mask = prefix_mask(d->prefix);
      Ipv4 v = request == SIOCGIFADDR ? d->addr : request == SIOCGIFNETMASK ? mask
               : request == SIOCGIFBRDADDR ? (d->kind == DeviceKind::Loopback ? 0 : (d->addr | ~mask)) : 0;
      put_sockaddr_in(r.u, v);
      break;
    }
    case SIOCGIFMETRIC: std::memset(r.u, 0, 16); break;
    case SIOCGIFMTU: std::memset(r.u, 0, 16); put(r.u, int32_t(d->mtu)); break;
    case SIOCGIFINDEX: std::memset(r.u, 0, 16); put(r.u, int32_t(d->ifindex)); break;
    case SIOCGIFTXQLEN: std::memset(r.u, 0, 16); put(r.u, int32_t(1000)); break;  // the default queue length of lo and veth
    case SIOCGIFMAP: std::memset(r.u, 0, 16); break;
    case SIOCGIFHWADDR:
      std::memset(r.u, 0, 16);
      put(r.u, uint16_t(d->kind == DeviceKind::Loopback ? ARPHRD_LOOPBACK : ARPHRD_ETHER));
      std::memcpy(r.u + 2, d->mac.b, 6);
      break;
    default: return -linux_abi::LINUX_ENOTTY;  // what Linux answers for a request it does not know
  }
  return p.mm->copy_out(arg, &r, sizeof r) ? 0 : -LINUX_EFAULT;
}

}  // namespace isolab::containers::net
