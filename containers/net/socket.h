// Sockets (socket(7), ip(7), udp(7), tcp(7), raw(7), icmp(7)'s ping
// sockets): the endpoints programs send and receive through, open files
// of their process (read, write, poll and close work on them).
//   SOCK_DGRAM/UDP      datagrams to and from a port
//   SOCK_STREAM/TCP     a connection: a reliable, in-order byte stream (tcp.cpp)
//   SOCK_RAW/ICMP       every ICMP packet the namespace receives, IPv4 header
//                       included (what busybox ping opens)
//   SOCK_DGRAM/ICMP     a ping socket: echo replies to its identifier only
//   AF_NETLINK/ROUTE    rtnetlink: dumps of devices, addresses, routes (netlink.cpp)
// A socket belongs to the network namespace it was created in; packets are
// routed by that namespace's routes (ip.cpp). A call that must wait (recv
// with nothing queued, accept with no connection) blocks the process as a
// pipe read does, unless the file is O_NONBLOCK (EAGAIN).
// Lesson: 06-namespaces.
#pragma once
#include <deque>
#include <memory>
#include <optional>

#include "containers/net/net.h"
#include "containers/vfs/vfs.h"

namespace isolab::containers::net {

// socket(2) types and address families (include/linux/net.h, socket.h).
enum : int32_t { SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3 };
enum : int32_t { AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17 };
// poll(2) events.
enum : uint32_t { POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20 };

enum class TcpState : uint8_t { Closed, Listen, SynSent, Established };

struct Datagram {
  Ipv4 from = 0;
  uint16_t port = 0;
  std::vector<uint8_t> data;
};

struct Socket : vfs::FileOps, std::enable_shared_from_this<Socket> {
  std::shared_ptr<NetNamespace> ns;
  int32_t family = AF_INET;  // AF_INET or AF_NETLINK
  uint32_t nl_pid = 0;       // AF_NETLINK: its port ID (the process's PID once bound)
  int32_t type = SOCK_DGRAM;
  uint8_t protocol = IPPROTO_UDP;
  Ipv4 local_addr = 0, remote_addr = 0;
  uint16_t local_port = 0, remote_port = 0;  // UDP/TCP ports; a ping socket's echo identifier
  bool bound = false, connected = false;
  int32_t error = 0;  // SO_ERROR: a pending error (a refused connection)
  bool broadcast = false, reuseaddr = false;  // SO_BROADCAST, SO_REUSEADDR
  std::deque<Datagram> datagrams;  // UDP and ICMP: received, not yet read
  // TCP.
  TcpState state = TcpState::Closed;
  std::deque<uint8_t> stream;       // bytes received, not yet read
  bool peer_fin = false;            // the peer closed its side: read() returns 0 once drained
  bool shut_wr = false;             // shutdown(SHUT_WR) or close: a FIN was sent
  bool reset = false;               // the connection was reset (ECONNRESET)
  uint32_t snd_next = 0, rcv_next = 0;  // sequence numbers
  std::deque<std::shared_ptr<Socket>> accept_queue;  // Listen: connections ready for accept()
  int backlog = 0;
  std::weak_ptr<Socket> peer;       // the other end of the connection (see Packet::sender)

  ~Socket() override;
  int32_t read(Process& p, vfs::OpenFile& f, vfs::Bytes& out, size_t len) override;
  int32_t write(Process& p, vfs::OpenFile& f, const vfs::Bytes& in) override;
  uint32_t poll() const override;
  int32_t ioctl(Process& p, uint32_t request, uint32_t arg) override;
};
using SocketPtr = std::shared_ptr<Socket>;

// socket(2) in namespace `ns`: EAFNOSUPPORT for families not modelled,
// ESOCKTNOSUPPORT / EPROTONOSUPPORT for types and protocols not modelled.
int32_t socket_create(const std::shared_ptr<NetNamespace>& ns, int32_t family, int32_t type, int32_t protocol,
                      SocketPtr& out);
// bind(2): EADDRINUSE, EADDRNOTAVAIL (not an address of the namespace), EINVAL (bound already).
int32_t socket_bind(Socket& s, Ipv4 addr, uint16_t port);
// connect(2): UDP remembers the peer; TCP connects (tcp.cpp).
int32_t socket_connect(Socket& s, Ipv4 addr, uint16_t port);
int32_t socket_listen(Socket& s, int backlog);
// accept(2): the next connection, or -EAGAIN (nothing yet; the caller blocks).
int32_t socket_accept(Socket& s, SocketPtr& out);
// sendto(2): `to` (null: the connected peer). The count sent or -errno.
int32_t socket_send(Socket& s, const vfs::Bytes& data, const std::pair<Ipv4, uint16_t>* to);
// recvfrom(2): up to `len` bytes (a datagram is cut, the rest dropped
// unless `peek`); -EAGAIN when nothing is there yet.
int32_t socket_recv(Socket& s, size_t len, bool peek, vfs::Bytes& out, Ipv4& from, uint16_t& from_port);
// shutdown(2): how = SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2.
int32_t socket_shutdown(Socket& s, int how);

// Packets arriving for a namespace's sockets (ip.cpp calls these).
void udp_deliver(NetNamespace& ns, const Packet& p);
void icmp_deliver(NetNamespace& ns, const Packet& p);  // to raw and ping sockets

// netdevice(7) ioctls on a socket (SIOCGIFCONF, SIOCGIFFLAGS, SIOCGIFADDR...),
// ifreq.cpp: what ifconfig asks; ENODEV for a device not in `ns`.
int32_t netdevice_ioctl(NetNamespace& ns, Process& p, uint32_t request, uint32_t arg);

// A request written to a NETLINK_ROUTE socket: its answers are queued as
// datagrams for recvmsg (netlink.cpp). The bytes taken, or -EINVAL.
int32_t netlink_request(Socket& s, const std::vector<uint8_t>& req);

// --- tcp.cpp ------------------------------------------------------------------
int32_t tcp_connect(Socket& s, Ipv4 addr, uint16_t port);
int32_t tcp_send(Socket& s, const vfs::Bytes& data);
void tcp_receive(NetNamespace& ns, const Packet& p);
// The last reference is gone: FIN to the peer, or a listener's queue dropped.
void tcp_close(Socket& s);
// Take a free ephemeral port for `protocol` in `ns` (0: none left).
uint16_t ephemeral_port(NetNamespace& ns, uint8_t protocol);

}  // namespace isolab::containers::net
