// Sockets of the container kernel (socket.h): creation, binding, the
// datagram protocols (UDP, raw ICMP, ping sockets) and the file
// operations every socket has. TCP's connection logic is tcp.cpp.
// References: socket(7), ip(7), udp(7), raw(7), icmp(7) (ping sockets:
// net/ipv4/ping.c), and the errno each call documents.
// Lesson: 06-namespaces.
#include "containers/net/socket.h"

#include <algorithm>

#include "containers/kernel.h"
#include "containers/linux_abi.h"
#include "containers/ns/namespaces.h"

namespace isolab::containers::net {

using linux_abi::LINUX_EAGAIN;
using linux_abi::LINUX_EINVAL;

namespace {

constexpr size_t RCVBUF = 212992;  // net.core.rmem_default: queued datagram bytes
constexpr size_t MAX_UDP_PAYLOAD = 65507;

bool is_ping(const Socket& s) { return s.type == SOCK_DGRAM && s.protocol == IPPROTO_ICMP; }

size_t queued_bytes(const Socket& s) {
  size_t n = 0;
  for (const Datagram& d : s.datagrams) n += d.data.size();
  return n;
}

void wake(NetNamespace& ns) {
  if (ns.kernel) ns.kernel->wake_blocked();
}

// An IPv4 header (RFC 791) for what a raw socket reads.
std::vector<uint8_t> ip_header(const Packet& p) {
  uint16_t total = uint16_t(20 + p.payload.size());
  std::vector<uint8_t> h = {0x45, 0, uint8_t(total >> 8), uint8_t(total), 0, 0, 0x40, 0, p.ttl, p.protocol, 0, 0,
                            uint8_t(p.src >> 24), uint8_t(p.src >> 16), uint8_t(p.src >> 8), uint8_t(p.src),
                            uint8_t(p.dst >> 24), uint8_t(p.dst >> 16), uint8_t(p.dst >> 8), uint8_t(p.dst)};
  uint16_t sum = inet_checksum(h.data(), h.size());
  h[10] = uint8_t(sum >> 8);
  h[11] = uint8_t(sum);
  return h;
}

}  // namespace

uint16_t ephemeral_port(NetNamespace& ns, uint8_t protocol) {
  constexpr uint16_t FIRST = 32768, LAST = 60999;  // net.ipv4.ip_local_port_range
  for (int tries = 0; tries <= LAST - FIRST; tries++) {
    uint16_t port = ns.sockets.next_ephemeral;
    ns.sockets.next_ephemeral = port == LAST ? FIRST : uint16_t(port + 1);
    auto it = ns.sockets.bound.find({protocol, port});
    if (it == ns.sockets.bound.end() || it->second.expired()) return port;
  }
  return 0;
}

int32_t socket_create(const std::shared_ptr<NetNamespace>& ns, int32_t family, int32_t type, int32_t protocol,
                      SocketPtr& out) {
  if (family == AF_NETLINK) {
    if (type != SOCK_RAW && type != SOCK_DGRAM) return -LINUX_ESOCKTNOSUPPORT;
    if (protocol != 0) return -LINUX_EPROTONOSUPPORT;  // NETLINK_ROUTE only
    out = std::make_shared<Socket>();
    out->ns = ns;
    out->family = AF_NETLINK;
    out->type = type;
    out->protocol = 0;
    return 0;
  }
  if (family != AF_INET) return -LINUX_EAFNOSUPPORT;
  uint8_t proto;
  switch (type) {
    case SOCK_STREAM:
      if (protocol != 0 && protocol != IPPROTO_TCP) return -LINUX_EPROTONOSUPPORT;
      proto = IPPROTO_TCP;
      break;
    case SOCK_DGRAM:
      if (protocol != 0 && protocol != IPPROTO_UDP && protocol != IPPROTO_ICMP) return -LINUX_EPROTONOSUPPORT;
      proto = protocol == IPPROTO_ICMP ? IPPROTO_ICMP : IPPROTO_UDP;
      break;
    case SOCK_RAW:
      if (protocol != IPPROTO_ICMP) return -LINUX_EPROTONOSUPPORT;  // raw ICMP only
      proto = IPPROTO_ICMP;
      break;
    default: return -LINUX_ESOCKTNOSUPPORT;
  }
  out = std::make_shared<Socket>();
  out->ns = ns;
  out->type = type;
  out->protocol = proto;
  if (proto == IPPROTO_ICMP) ns->sockets.icmp.push_back(out);
  return 0;
}

int32_t socket_bind(Socket& s, Ipv4 addr, uint16_t port) {
  if (s.bound) return -LINUX_EINVAL;
  if (addr && !is_local_address(*s.ns, addr)) return -LINUX_EADDRNOTAVAIL;
  if (s.type == SOCK_RAW) {
    s.local_addr = addr;
    s.bound = true;
    return 0;
  }
  auto& bound = s.ns->sockets.bound;
  if (port == 0) {
    port = ephemeral_port(*s.ns, s.protocol);
    if (!port) return -LINUX_EADDRINUSE;
  } else if (auto it = bound.find({s.protocol, port}); it != bound.end() && !it->second.expired()) {
    return -LINUX_EADDRINUSE;
  }
  bound[{s.protocol, port}] = s.weak_from_this();
  s.local_addr = addr;
  s.local_port = port;
  s.bound = true;
  return 0;
}

int32_t socket_connect(Socket& s, Ipv4 addr, uint16_t port) {
  if (s.type == SOCK_STREAM) return tcp_connect(s, addr, port);
  if (!route_lookup(*s.ns, addr) && !is_local_address(*s.ns, addr)) return -LINUX_ENETUNREACH;
  s.remote_addr = addr;
  s.remote_port = port;
  s.connected = true;
  return 0;
}

int32_t socket_listen(Socket& s, int backlog) {
  if (s.type != SOCK_STREAM) return -linux_abi::LINUX_EOPNOTSUPP;
  if (s.state != TcpState::Closed && s.state != TcpState::Listen) return -LINUX_EINVAL;
  if (!s.bound)
    if (int32_t r = socket_bind(s, 0, 0)) return r;
  s.state = TcpState::Listen;
  s.backlog = std::clamp(backlog, 0, 4096);  // net.core.somaxconn
  return 0;
}

int32_t socket_accept(Socket& s, SocketPtr& out) {
  if (s.type != SOCK_STREAM) return -linux_abi::LINUX_EOPNOTSUPP;
  if (s.state != TcpState::Listen) return -LINUX_EINVAL;
  if (s.accept_queue.empty()) return -LINUX_EAGAIN;
  out = s.accept_queue.front();
  s.accept_queue.pop_front();
  return 0;
}

int32_t socket_send(Socket& s, const vfs::Bytes& data, const std::pair<Ipv4, uint16_t>* to) {
  if (s.family == AF_NETLINK) return netlink_request(s, data);
  if (s.type == SOCK_STREAM) return tcp_send(s, data);  // a connected stream ignores `to`, as Linux does
  Ipv4 dst = to ? to->first : s.remote_addr;
  uint16_t dport = to ? to->second : s.remote_port;
  if (!to && !s.connected) return -LINUX_EDESTADDRREQ;
  Packet p;
  p.protocol = s.protocol;
  p.dst = dst;
  p.src = s.local_addr;
  if (s.protocol == IPPROTO_UDP) {
    if (data.size() > MAX_UDP_PAYLOAD) return -LINUX_EMSGSIZE;
    if (!s.bound)
      if (int32_t r = socket_bind(s, 0, 0)) return r;
    p.src_port = s.local_port;
    p.dst_port = dport;
    p.payload = data;
  } else {
    // ICMP: the program wrote the ICMP header and data.
    if (data.size() < 8) return -LINUX_EINVAL;
    if (data.size() > 65507) return -LINUX_EMSGSIZE;
    p.payload = data;
    if (is_ping(s)) {
      if (data[0] != ICMP_ECHO || data[1] != 0) return -LINUX_EINVAL;
      if (!s.bound)
        if (int32_t r = socket_bind(s, 0, 0)) return r;
      // A ping socket's identifier is its "port"; the kernel fills it in.
      p.payload[4] = uint8_t(s.local_port >> 8);
      p.payload[5] = uint8_t(s.local_port);
      p.payload[2] = p.payload[3] = 0;
      uint16_t sum = inet_checksum(p.payload.data(), p.payload.size());
      p.payload[2] = uint8_t(sum >> 8);
      p.payload[3] = uint8_t(sum);
    }
  }
  int32_t r = ip_send(*s.ns, std::move(p));
  return r < 0 ? r : int32_t(data.size());
}

int32_t socket_recv(Socket& s, size_t len, bool peek, vfs::Bytes& out, Ipv4& from, uint16_t& from_port) {
  if (s.type == SOCK_STREAM) {
    if (s.state == TcpState::Listen || (s.state == TcpState::Closed && !s.reset && !s.peer_fin))
      return -LINUX_ENOTCONN;
    if (s.stream.empty()) {
      if (s.reset) return -LINUX_ECONNRESET;
      if (s.peer_fin) return 0;
      return -LINUX_EAGAIN;
    }
    size_t n = std::min(len, s.stream.size());
    out.assign(s.stream.begin(), s.stream.begin() + long(n));
    if (!peek) {
      s.stream.erase(s.stream.begin(), s.stream.begin() + long(n));
      wake(*s.ns);  // the window opened: a blocked sender may go on
    }
    from = s.remote_addr;
    from_port = s.remote_port;
    return int32_t(n);
  }
  if (s.error) {
    int32_t e = s.error;
    s.error = 0;
    return -e;
  }
  if (s.datagrams.empty()) return -LINUX_EAGAIN;
  const Datagram& d = s.datagrams.front();
  size_t n = std::min(len, d.data.size());
  out.assign(d.data.begin(), d.data.begin() + long(n));
  from = d.from;
  from_port = d.port;
  if (!peek) s.datagrams.pop_front();
  return int32_t(n);
}

int32_t socket_shutdown(Socket& s, int how) {
  if (how < 0 || how > 2) return -LINUX_EINVAL;
  if (s.type != SOCK_STREAM) return s.connected ? 0 : -LINUX_ENOTCONN;
  if (s.state != TcpState::Established) return -LINUX_ENOTCONN;
  if (how != 0 && !s.shut_wr) {
    s.shut_wr = true;
    Packet fin;
    fin.protocol = IPPROTO_TCP;
    fin.src = s.local_addr;
    fin.dst = s.remote_addr;
    fin.src_port = s.local_port;
    fin.dst_port = s.remote_port;
    fin.tcp_flags = TCP_FIN | TCP_ACK;
    fin.seq = s.snd_next++;
    fin.sender = s.weak_from_this();
    ip_send(*s.ns, std::move(fin));
  }
  if (how != 1) s.peer_fin = true;  // SHUT_RD: reads see end of file
  return 0;
}

void udp_deliver(NetNamespace& ns, const Packet& p) {
  auto it = ns.sockets.bound.find({IPPROTO_UDP, p.dst_port});
  SocketPtr s = it == ns.sockets.bound.end() ? nullptr : it->second.lock();
  if (!s || (s->local_addr && s->local_addr != p.dst)) return;  // nobody listens: dropped
  if (s->connected && (s->remote_addr != p.src || s->remote_port != p.src_port)) return;
  if (queued_bytes(*s) + p.payload.size() > RCVBUF) return;  // the receive buffer is full: dropped
  s->datagrams.push_back(Datagram{p.src, p.src_port, p.payload});
  wake(ns);
}

void icmp_deliver(NetNamespace& ns, const Packet& p) {
  std::erase_if(ns.sockets.icmp, [](const std::weak_ptr<Socket>& w) { return w.expired(); });
  bool delivered = false;
  for (const auto& w : ns.sockets.icmp) {
    SocketPtr s = w.lock();
    if (queued_bytes(*s) + p.payload.size() > RCVBUF) continue;
    if (s->type == SOCK_RAW) {
      if (s->local_addr && s->local_addr != p.dst) continue;
      std::vector<uint8_t> data = ip_header(p);
      data.insert(data.end(), p.payload.begin(), p.payload.end());
      s->datagrams.push_back(Datagram{p.src, 0, std::move(data)});
      delivered = true;
    } else if (p.payload.size() >= 8 && p.payload[0] == ICMP_ECHOREPLY &&
               (uint16_t(p.payload[4] << 8 | p.payload[5])) == s->local_port) {
      s->datagrams.push_back(Datagram{p.src, 0, p.payload});
      delivered = true;
    }
  }
  if (delivered) wake(ns);
}

// --- the file operations -----------------------------------------------------------

Socket::~Socket() {
  if (type == SOCK_STREAM) tcp_close(*this);
  if (family == AF_NETLINK) return;
  auto& bound = ns->sockets.bound;
  auto it = bound.find({protocol, local_port});
  if (it != bound.end() && it->second.expired()) bound.erase(it);
}

int32_t Socket::read(Process&, vfs::OpenFile& f, vfs::Bytes& out, size_t len) {
  Ipv4 from;
  uint16_t port;
  int32_t r = socket_recv(*this, len, false, out, from, port);
  if (r == -LINUX_EAGAIN && !(f.flags & linux_abi::LINUX_O_NONBLOCK)) return SYSCALL_RESTART;
  return r;
}

int32_t Socket::write(Process&, vfs::OpenFile& f, const vfs::Bytes& in) {
  int32_t r = socket_send(*this, in, nullptr);
  if (r == -LINUX_EAGAIN && !(f.flags & linux_abi::LINUX_O_NONBLOCK)) return SYSCALL_RESTART;
  return r;
}

uint32_t Socket::poll() const {
  uint32_t m = 0;
  if (error) m |= POLLERR;
  if (type != SOCK_STREAM) return m | POLLOUT | (datagrams.empty() ? 0 : POLLIN);
  if (state == TcpState::Listen) return m | (accept_queue.empty() ? 0 : POLLIN);
  if (!stream.empty() || peer_fin || reset) m |= POLLIN;
  if (state == TcpState::Established && !shut_wr) {
    SocketPtr other = peer.lock();
    if (!other || other->stream.size() < RCVBUF) m |= POLLOUT;
  }
  if (reset || (peer_fin && shut_wr)) m |= POLLHUP;
  return m;
}

int32_t Socket::ioctl(Process& p, uint32_t request, uint32_t arg) {
  constexpr uint32_t FIONREAD = 0x541B;
  if (request == FIONREAD) {
    int32_t n = type == SOCK_STREAM ? int32_t(stream.size()) : datagrams.empty() ? 0 : int32_t(datagrams.front().data.size());
    return p.mm->copy_out(arg, &n, 4) ? 0 : -linux_abi::LINUX_EFAULT;
  }
  return netdevice_ioctl(*ns, p, request, arg);
}

}  // namespace isolab::containers::net
