// TCP inside one simulated kernel (RFC 9293's states, cut down; Linux's
// net/ipv4/tcp_ipv4.c for the errors). Both ends of every connection run
// in the same kernel and no packet is ever lost, so TCP here is reliable by
// construction: the three-way handshake (SYN, SYN+ACK, ACK), data segments
// of at most one MSS in order, FIN for each direction's end of stream, and
// RST for a connection nobody accepts. There are no retransmissions and no
// acknowledgements of data: a sender looks at its peer's receive buffer
// directly (Packet::sender) and waits while it is full, which is what the
// receive window achieves on a real network.
//   connect to a port nobody listens on: RST -> ECONNREFUSED
//   a listener whose accept queue is full drops the SYN (as Linux does);
//   nothing retries here, so connect reports ETIMEDOUT at once
// Lesson: 06-namespaces (nc between two containers).
#include <algorithm>

#include "containers/kernel.h"
#include "containers/linux_abi.h"
#include "containers/net/socket.h"
#include "containers/ns/namespaces.h"

namespace isolab::containers::net {

namespace {

constexpr size_t MSS = 1448;         // 1500 - IPv4 20 - TCP 20 - timestamps 12
constexpr size_t RCVBUF = 131072;    // net.ipv4.tcp_rmem's default
constexpr uint32_t ISS = 1000;       // initial sequence numbers (deterministic runs)

Packet segment(const Socket& s, uint8_t flags) {
  Packet p;
  p.protocol = IPPROTO_TCP;
  p.src = s.local_addr;
  p.dst = s.remote_addr;
  p.src_port = s.local_port;
  p.dst_port = s.remote_port;
  p.tcp_flags = flags;
  p.seq = s.snd_next;
  return p;
}

void wake(NetNamespace& ns) {
  if (ns.kernel) ns.kernel->wake_blocked();
}

void unregister(Socket& s) {
  auto& conns = s.ns->sockets.connections;
  auto it = conns.find({s.local_port, s.remote_addr, s.remote_port});
  if (it != conns.end() && (it->second.expired() || it->second.lock().get() == &s)) conns.erase(it);
}

// The source address for a connection to `dst`: dst itself for one of our
// own addresses, else the outgoing device's.
int32_t source_for(NetNamespace& ns, Ipv4 dst, Ipv4& src) {
  if (is_local_address(ns, dst)) {
    src = dst;
    return 0;
  }
  const Route* r = route_lookup(ns, dst);
  if (!r || r->dev->kind == DeviceKind::Loopback) return -LINUX_ENETUNREACH;
  src = r->dev->addr;
  return 0;
}

void send_reset(NetNamespace& ns, const Packet& to) {
  Packet rst;
  rst.protocol = IPPROTO_TCP;
  rst.src = to.dst;
  rst.dst = to.src;
  rst.src_port = to.dst_port;
  rst.dst_port = to.src_port;
  rst.tcp_flags = TCP_RST | TCP_ACK;
  ip_send(ns, std::move(rst));
}

// A SYN for a listening socket: a new connection, queued for accept().
void passive_open(NetNamespace& ns, Socket& listener, const Packet& syn) {
  if (listener.accept_queue.size() > size_t(listener.backlog)) return;  // full: the SYN is dropped
  auto child = std::make_shared<Socket>();
  child->ns = listener.ns;
  child->type = SOCK_STREAM;
  child->protocol = IPPROTO_TCP;
  child->local_addr = syn.dst;
  child->local_port = syn.dst_port;
  child->remote_addr = syn.src;
  child->remote_port = syn.src_port;
  child->connected = true;
  child->state = TcpState::Established;
  child->rcv_next = syn.seq + 1;
  child->snd_next = ISS;
  child->peer = syn.sender;
  ns.sockets.connections[{child->local_port, child->remote_addr, child->remote_port}] = child;
  listener.accept_queue.push_back(child);
  Packet synack = segment(*child, TCP_SYN | TCP_ACK);
  synack.sender = child;
  child->snd_next++;
  ip_send(ns, std::move(synack));
  wake(ns);
}

}  // namespace

int32_t tcp_connect(Socket& s, Ipv4 addr, uint16_t port) {
  if (s.state == TcpState::Established) return -LINUX_EISCONN;
  if (s.state == TcpState::Listen) return -linux_abi::LINUX_EINVAL;
  if (s.state == TcpState::SynSent) return -LINUX_EALREADY;
  if (s.reset || s.peer_fin || s.shut_wr) return -LINUX_EISCONN;  // a used socket does not connect again
  Ipv4 src;
  if (int32_t r = source_for(*s.ns, addr, src)) return r;
  if (!s.bound)
    if (int32_t r = socket_bind(s, 0, 0)) return r;
  if (!s.local_addr) s.local_addr = src;
  s.remote_addr = addr;
  s.remote_port = port;
  s.state = TcpState::SynSent;
  s.snd_next = ISS;
  s.error = 0;
  s.ns->sockets.connections[{s.local_port, addr, port}] = s.weak_from_this();
  Packet syn = segment(s, TCP_SYN);
  syn.sender = s.weak_from_this();
  s.snd_next++;
  int32_t r = ip_send(*s.ns, std::move(syn));
  if (r == 0 && s.state == TcpState::SynSent) r = -LINUX_ETIMEDOUT;  // no answer, and nothing would retry
  if (r == 0 && s.error) r = -s.error;
  if (r < 0) {
    unregister(s);
    s.state = TcpState::Closed;
    s.error = 0;
    s.remote_addr = 0;
    s.remote_port = 0;
    return r;
  }
  s.connected = true;
  return 0;
}

int32_t tcp_send(Socket& s, const vfs::Bytes& data) {
  if (s.reset) return -LINUX_ECONNRESET;
  if (s.state != TcpState::Established) return s.state == TcpState::Closed && !s.connected ? -LINUX_ENOTCONN : -linux_abi::LINUX_EPIPE;
  if (s.shut_wr) return -linux_abi::LINUX_EPIPE;
  SocketPtr other = s.peer.lock();
  size_t room = other ? (other->stream.size() < RCVBUF ? RCVBUF - other->stream.size() : 0) : data.size();
  size_t n = std::min(room, data.size());
  if (n == 0 && !data.empty()) return -linux_abi::LINUX_EAGAIN;
  for (size_t at = 0; at < n; at += MSS) {
    Packet p = segment(s, TCP_ACK | TCP_PSH);
    p.payload.assign(data.begin() + long(at), data.begin() + long(std::min(n, at + MSS)));
    p.sender = s.weak_from_this();
    s.snd_next += uint32_t(p.payload.size());
    int32_t r = ip_send(*s.ns, std::move(p));
    if (r < 0) return at ? int32_t(at) : r;
  }
  return int32_t(n);
}

void tcp_receive(NetNamespace& ns, const Packet& p) {
  auto& conns = ns.sockets.connections;
  auto it = conns.find({p.dst_port, p.src, p.src_port});
  SocketPtr s = it == conns.end() ? nullptr : it->second.lock();
  if (s) {
    if (p.tcp_flags & TCP_RST) {
      if (s->state == TcpState::SynSent) s->error = LINUX_ECONNREFUSED;
      else s->reset = true;
      s->state = TcpState::Closed;
      unregister(*s);
    } else if (s->state == TcpState::SynSent && (p.tcp_flags & TCP_SYN) && (p.tcp_flags & TCP_ACK)) {
      s->state = TcpState::Established;
      s->rcv_next = p.seq + 1;
      s->peer = p.sender;
      Packet ack = segment(*s, TCP_ACK);
      ack.sender = s;
      ip_send(ns, std::move(ack));
    } else if (s->state == TcpState::Established) {
      if (!p.payload.empty() && !s->peer_fin) {
        s->stream.insert(s->stream.end(), p.payload.begin(), p.payload.end());
        s->rcv_next += uint32_t(p.payload.size());
      }
      if (p.tcp_flags & TCP_FIN) {
        s->peer_fin = true;
        s->rcv_next++;
      }
    }
    wake(ns);
    return;
  }
  if (p.tcp_flags & TCP_RST) return;
  auto lt = ns.sockets.bound.find({IPPROTO_TCP, p.dst_port});
  SocketPtr listener = lt == ns.sockets.bound.end() ? nullptr : lt->second.lock();
  if ((p.tcp_flags & TCP_SYN) && !(p.tcp_flags & TCP_ACK) && listener && listener->state == TcpState::Listen &&
      (!listener->local_addr || listener->local_addr == p.dst)) {
    passive_open(ns, *listener, p);
    return;
  }
  send_reset(ns, p);  // nobody has this connection or listens on the port
}

void tcp_close(Socket& s) {
  if (s.state == TcpState::Listen) {
    std::deque<SocketPtr> pending = std::move(s.accept_queue);
    s.accept_queue.clear();
    for (SocketPtr& c : pending) {
      // Never accepted: reset, as Linux does for a closed listener's queue.
      Packet rst = segment(*c, TCP_RST | TCP_ACK);
      c->reset = true;
      c->state = TcpState::Closed;
      unregister(*c);
      ip_send(*c->ns, std::move(rst));
    }
    s.state = TcpState::Closed;
    return;
  }
  if (s.state == TcpState::Established && !s.shut_wr) {
    Packet fin = segment(s, TCP_FIN | TCP_ACK);
    s.shut_wr = true;
    s.snd_next++;
    ip_send(*s.ns, std::move(fin));
  }
  unregister(s);
  s.state = TcpState::Closed;
  wake(*s.ns);
}

}  // namespace isolab::containers::net
