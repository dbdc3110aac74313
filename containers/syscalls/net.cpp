// Socket system calls (socket(2), bind(2), connect(2), listen(2),
// accept4(2), send(2)/sendto/sendmsg, recv(2)/recvfrom/recvmsg,
// shutdown(2), getsockopt(2)/setsockopt, getsockname(2)/getpeername,
// socketcall(2)) and poll(2), with Linux's i386 ABI: struct sockaddr_in
// (family, port and address in network byte order), struct msghdr of
// 32-bit fields. i386 has both the old multiplexer socketcall (102),
// which Debian's static busybox uses, and the direct calls 359-373; both
// reach the same handlers. The sockets themselves are containers/net/.
// Lesson: 06-namespaces.
#include <algorithm>
#include <cstring>

#include "containers/linux_abi.h"
#include "containers/net/socket.h"
#include "containers/syscalls/syscalls.h"

namespace isolab::containers::syscalls {

using namespace linux_abi;
using net::Ipv4;
using net::SocketPtr;

namespace {

constexpr uint32_t SOCK_NONBLOCK = 04000, SOCK_CLOEXEC = 02000000;
constexpr uint32_t MSG_PEEK = 0x2, MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000;
constexpr int32_t SOL_SOCKET = 1, SOL_IP = 0, SOL_TCP = 6;

// The socket open as `fd`: EBADF, or ENOTSOCK for any other file.
int32_t socket_of(Process& p, int32_t fd, SocketPtr& s) {
  vfs::OpenFile* f = p.file(fd);
  if (!f) return -LINUX_EBADF;
  s = std::dynamic_pointer_cast<net::Socket>(f->ops);
  return s ? 0 : -net::LINUX_ENOTSOCK;
}

bool nonblocking(Process& p, int32_t fd, uint32_t msg_flags) {
  return (msg_flags & MSG_DONTWAIT) || (p.file(fd)->flags & LINUX_O_NONBLOCK);
}

// A struct sockaddr_in from user memory.
int32_t read_sockaddr(Process& p, uint32_t va, uint32_t len, Ipv4& addr, uint16_t& port) {
  uint8_t sa[16] = {};
  if (len < 2) return -LINUX_EINVAL;
  if (!p.mm->copy_in(va, sa, std::min<uint32_t>(len, 16))) return -LINUX_EFAULT;
  if (uint16_t(sa[0] | sa[1] << 8) != net::AF_INET) return -net::LINUX_EAFNOSUPPORT;
  if (len < 16) return -LINUX_EINVAL;
  port = uint16_t(sa[2] << 8 | sa[3]);
  addr = Ipv4(sa[4]) << 24 | Ipv4(sa[5]) << 16 | Ipv4(sa[6]) << 8 | sa[7];
  return 0;
}

// Write a struct sockaddr_in to `va` (if not null), cut to *lenp, and
// store its full length in *lenp; for a netlink socket a struct
// sockaddr_nl of port ID `nl_pid` (12 bytes).
int32_t write_sockaddr(Process& p, uint32_t va, uint32_t lenp, Ipv4 addr, uint16_t port, const net::Socket* nl = nullptr,
                       uint32_t nl_pid = 0) {
  if (!va) return 0;
  int32_t len;
  if (!p.mm->copy_in(lenp, &len, 4)) return -LINUX_EFAULT;
  if (len < 0) return -LINUX_EINVAL;
  uint8_t sa[16] = {net::AF_INET, 0, uint8_t(port >> 8), uint8_t(port), uint8_t(addr >> 24), uint8_t(addr >> 16),
                    uint8_t(addr >> 8), uint8_t(addr)};
  uint32_t full = 16;
  if (nl && nl->family == net::AF_NETLINK) {
    std::memset(sa, 0, sizeof sa);
    sa[0] = net::AF_NETLINK;
    std::memcpy(sa + 4, &nl_pid, 4);
    full = 12;
  }
  if (len && !p.mm->copy_out(va, sa, std::min<uint32_t>(uint32_t(len), full))) return -LINUX_EFAULT;
  return put_user(p, lenp, int32_t(full));
}

// A netlink socket's address: struct sockaddr_nl {family, pad, pid, groups}.
int32_t read_sockaddr_nl(Process& p, uint32_t va, uint32_t len, uint32_t& pid) {
  uint8_t sa[12] = {};
  if (len < 12) return -LINUX_EINVAL;
  if (!p.mm->copy_in(va, sa, 12)) return -LINUX_EFAULT;
  if (sa[0] != net::AF_NETLINK || sa[1]) return -LINUX_EINVAL;
  std::memcpy(&pid, sa + 4, 4);
  return 0;
}

int32_t install_socket(Process& p, SocketPtr s, uint32_t flags) {
  auto f = std::make_shared<vfs::OpenFile>();
  f->flags = LINUX_O_RDWR | (flags & SOCK_NONBLOCK ? LINUX_O_NONBLOCK : 0);
  f->path = "socket:[" + std::to_string(vfs::next_ino()) + "]";
  f->ops = std::move(s);
  int fd = p.alloc_fd(std::move(f), 0, flags & SOCK_CLOEXEC);
  return fd < 0 ? -LINUX_EMFILE : fd;
}

// Gather or scatter the iovecs of a struct msghdr (i386: 7 words).
struct MsgHdr {
  uint32_t name, namelen, iov, iovlen, control, controllen, flags;
};

int32_t read_iovecs(Process& p, const MsgHdr& m, std::vector<std::pair<uint32_t, uint32_t>>& out) {
  if (m.iovlen > 1024) return -net::LINUX_EMSGSIZE;
  for (uint32_t i = 0; i < m.iovlen; i++) {
    uint32_t iov[2];
    if (!p.mm->copy_in(m.iov + 8 * i, iov, 8)) return -LINUX_EFAULT;
    out.emplace_back(iov[0], iov[1]);
  }
  return 0;
}

int32_t do_sendto(Kernel& k, Process& p, int32_t fd, const vfs::Bytes& data, uint32_t flags, uint32_t addr_va,
                  uint32_t addr_len) {
  SocketPtr s;
  if (int32_t r = socket_of(p, fd, s)) return r;
  if (s->family == net::AF_NETLINK) {
    uint32_t kernel_pid = 0;
    if (addr_va)
      if (int32_t r = read_sockaddr_nl(p, addr_va, addr_len, kernel_pid)) return r;
    if (!s->nl_pid) s->nl_pid = uint32_t(p.pid());  // autobind: the port ID is the PID
    int32_t r = net::socket_send(*s, data, nullptr);
    if (r >= 0) k.wake_blocked();
    return r;
  }
  std::pair<Ipv4, uint16_t> to;
  bool has_to = addr_va != 0;
  if (has_to)
    if (int32_t r = read_sockaddr(p, addr_va, addr_len, to.first, to.second)) return r;
  int32_t r = net::socket_send(*s, data, has_to ? &to : nullptr);
  if (r == -LINUX_EAGAIN && !nonblocking(p, fd, flags)) return SYSCALL_RESTART;
  if (r == -LINUX_EPIPE && !(flags & MSG_NOSIGNAL)) k.send_signal(p, LINUX_SIGPIPE, nullptr);
  if (r >= 0) k.wake_blocked();
  return r;
}

int32_t do_recvfrom(Kernel& k, Process& p, int32_t fd, size_t len, uint32_t flags, vfs::Bytes& out, Ipv4& from,
                    uint16_t& port) {
  SocketPtr s;
  if (int32_t r = socket_of(p, fd, s)) return r;
  int32_t r = net::socket_recv(*s, std::min<size_t>(len, 1 << 20), flags & MSG_PEEK, out, from, port);
  if (r == -LINUX_EAGAIN && !nonblocking(p, fd, flags)) return SYSCALL_RESTART;
  if (r > 0) k.wake_blocked();
  return r;
}

}  // namespace

int32_t sys_socket(Kernel&, Process& p, const Args& a) {
  uint32_t type = a[1] & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  SocketPtr s;
  if (int32_t r = net::socket_create(p.ns.net, a.s(0), int32_t(type), a.s(2), s)) return r;
  return install_socket(p, std::move(s), a[1]);
}

// socketpair(2) makes AF_UNIX pairs, which this kernel does not model.
int32_t sys_socketpair(Kernel&, Process&, const Args& a) {
  return a.s(0) == net::AF_INET ? -LINUX_EOPNOTSUPP : -net::LINUX_EAFNOSUPPORT;
}

int32_t sys_bind(Kernel&, Process& p, const Args& a) {
  SocketPtr s;
  if (int32_t r = socket_of(p, a.s(0), s)) return r;
  if (s->family == net::AF_NETLINK) {
    uint32_t pid;
    if (int32_t r = read_sockaddr_nl(p, a[1], a[2], pid)) return r;
    s->nl_pid = pid ? pid : uint32_t(p.pid());
    return 0;
  }
  Ipv4 addr;
  uint16_t port;
  if (int32_t r = read_sockaddr(p, a[1], a[2], addr, port)) return r;
  return net::socket_bind(*s, addr, port);
}

int32_t sys_connect(Kernel& k, Process& p, const Args& a) {
  SocketPtr s;
  if (int32_t r = socket_of(p, a.s(0), s)) return r;
  Ipv4 addr;
  uint16_t port;
  if (int32_t r = read_sockaddr(p, a[1], a[2], addr, port)) return r;
  int32_t r = net::socket_connect(*s, addr, port);
  k.wake_blocked();  // a listener may have a connection to accept
  return r;
}

int32_t sys_listen(Kernel&, Process& p, const Args& a) {
  SocketPtr s;
  if (int32_t r = socket_of(p, a.s(0), s)) return r;
  return net::socket_listen(*s, a.s(1));
}

int32_t sys_accept4(Kernel&, Process& p, const Args& a) {
  SocketPtr s;
  if (int32_t r = socket_of(p, a.s(0), s)) return r;
  if (a[3] & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) return -LINUX_EINVAL;
  SocketPtr c;
  int32_t r = net::socket_accept(*s, c);
  if (r == -LINUX_EAGAIN) return nonblocking(p, a.s(0), 0) ? r : SYSCALL_RESTART;
  if (r < 0) return r;
  if (int32_t w = write_sockaddr(p, a[1], a[2], c->remote_addr, c->remote_port)) return w;
  return install_socket(p, std::move(c), a[3]);
}

int32_t sys_accept(Kernel& k, Process& p, const Args& a) {
  return sys_accept4(k, p, Args{{a[0], a[1], a[2], 0, 0, 0}});
}

int32_t sys_getsockname(Kernel&, Process& p, const Args& a) {
  SocketPtr s;
  if (int32_t r = socket_of(p, a.s(0), s)) return r;
  return write_sockaddr(p, a[1], a[2], s->local_addr, s->local_port, s.get(), s->nl_pid);
}

int32_t sys_getpeername(Kernel&, Process& p, const Args& a) {
  SocketPtr s;
  if (int32_t r = socket_of(p, a.s(0), s)) return r;
  bool connected = s->type == net::SOCK_STREAM ? s->state == net::TcpState::Established : s->connected;
  if (!connected) return -net::LINUX_ENOTCONN;
  return write_sockaddr(p, a[1], a[2], s->remote_addr, s->remote_port);
}

// sendto(fd, buf, len, flags, dest_addr, addrlen)
int32_t sys_sendto(Kernel& k, Process& p, const Args& a) {
  if (a.s(2) < 0) return -LINUX_EINVAL;
  // At most 256 KiB are taken at once: more than any datagram may hold
  // (so UDP still sees EMSGSIZE) and than a stream's peer buffers, so a
  // stream send is partial, as a signal or O_NONBLOCK makes it on Linux.
  uint32_t len = std::min<uint32_t>(a[2], 256u << 10);
  vfs::Bytes data(len);
  if (len && !p.mm->copy_in(a[1], data.data(), len)) return -LINUX_EFAULT;
  return do_sendto(k, p, a.s(0), data, a[3], a[4], a[5]);
}

int32_t sys_send(Kernel& k, Process& p, const Args& a) { return sys_sendto(k, p, Args{{a[0], a[1], a[2], a[3], 0, 0}}); }

// recvfrom(fd, buf, len, flags, src_addr, addrlen)
int32_t sys_recvfrom(Kernel& k, Process& p, const Args& a) {
  vfs::Bytes out;
  Ipv4 from = 0;
  uint16_t port = 0;
  int32_t r = do_recvfrom(k, p, a.s(0), a[2], a[3], out, from, port);
  if (r < 0) return r;
  if (!out.empty() && !p.mm->copy_out(a[1], out.data(), uint32_t(out.size()))) return -LINUX_EFAULT;
  SocketPtr s;
  socket_of(p, a.s(0), s);
  if (int32_t w = write_sockaddr(p, a[4], a[5], from, port, s.get())) return w;  // netlink: from the kernel, port ID 0
  return r;
}

int32_t sys_recv(Kernel& k, Process& p, const Args& a) { return sys_recvfrom(k, p, Args{{a[0], a[1], a[2], a[3], 0, 0}}); }

int32_t sys_sendmsg(Kernel& k, Process& p, const Args& a) {
  MsgHdr m;
  if (!p.mm->copy_in(a[1], &m, sizeof m)) return -LINUX_EFAULT;
  std::vector<std::pair<uint32_t, uint32_t>> iov;
  if (int32_t r = read_iovecs(p, m, iov)) return r;
  vfs::Bytes data;
  for (auto [base, len] : iov) {
    if (data.size() + len > (1u << 20)) return -net::LINUX_EMSGSIZE;
    size_t at = data.size();
    data.resize(at + len);
    if (len && !p.mm->copy_in(base, data.data() + at, len)) return -LINUX_EFAULT;
  }
  return do_sendto(k, p, a.s(0), data, a[2], m.name, m.namelen);
}

int32_t sys_recvmsg(Kernel& k, Process& p, const Args& a) {
  MsgHdr m;
  if (!p.mm->copy_in(a[1], &m, sizeof m)) return -LINUX_EFAULT;
  std::vector<std::pair<uint32_t, uint32_t>> iov;
  if (int32_t r = read_iovecs(p, m, iov)) return r;
  size_t total = 0;
  for (auto [base, len] : iov) total += len;
  vfs::Bytes out;
  Ipv4 from = 0;
  uint16_t port = 0;
  int32_t r = do_recvfrom(k, p, a.s(0), total, a[2], out, from, port);
  if (r < 0) return r;
  size_t at = 0;
  for (auto [base, len] : iov) {
    size_t n = std::min<size_t>(len, out.size() - at);
    if (n && !p.mm->copy_out(base, out.data() + at, uint32_t(n))) return -LINUX_EFAULT;
    at += n;
  }
  if (m.name) {
    SocketPtr s;
    socket_of(p, a.s(0), s);
    uint8_t sa[16] = {net::AF_INET, 0, uint8_t(port >> 8), uint8_t(port), uint8_t(from >> 24), uint8_t(from >> 16),
                      uint8_t(from >> 8), uint8_t(from)};
    uint32_t full = 16;
    if (s->family == net::AF_NETLINK) {  // from the kernel: port ID 0
      std::memset(sa, 0, sizeof sa);
      sa[0] = net::AF_NETLINK;
      full = 12;
    }
    if (!p.mm->copy_out(m.name, sa, std::min<uint32_t>(m.namelen, full))) return -LINUX_EFAULT;
    m.namelen = full;
  }
  m.controllen = 0;
  m.flags = 0;
  return p.mm->copy_out(a[1], &m, sizeof m) ? r : -LINUX_EFAULT;
}

int32_t sys_shutdown(Kernel& k, Process& p, const Args& a) {
  SocketPtr s;
  if (int32_t r = socket_of(p, a.s(0), s)) return r;
  int32_t r = net::socket_shutdown(*s, a.s(1));
  k.wake_blocked();
  return r;
}

// setsockopt(fd, level, name, value, len): the options busybox's ping, nc
// and their like set; others are ENOPROTOOPT.
int32_t sys_setsockopt(Kernel&, Process& p, const Args& a) {
  SocketPtr s;
  if (int32_t r = socket_of(p, a.s(0), s)) return r;
  int32_t value = 0;
  if (a.s(4) < 0) return -LINUX_EINVAL;
  if (a[4] >= 4 && !p.mm->copy_in(a[3], &value, 4)) return -LINUX_EFAULT;
  static const std::pair<int32_t, int32_t> kAccepted[] = {
      {SOL_SOCKET, 1 /* SO_DEBUG */},   {SOL_SOCKET, 2 /* SO_REUSEADDR */}, {SOL_SOCKET, 6 /* SO_BROADCAST */},
      {SOL_SOCKET, 7 /* SO_SNDBUF */},  {SOL_SOCKET, 8 /* SO_RCVBUF */},    {SOL_SOCKET, 9 /* SO_KEEPALIVE */},
      {SOL_SOCKET, 15 /* SO_REUSEPORT */}, {SOL_SOCKET, 20 /* SO_RCVTIMEO */}, {SOL_SOCKET, 21 /* SO_SNDTIMEO */},
      {SOL_IP, 1 /* IP_TOS */},         {SOL_IP, 2 /* IP_TTL */},           {SOL_IP, 11 /* IP_RECVERR */},
      {SOL_IP, 33 /* IP_MULTICAST_TTL */}, {SOL_TCP, 1 /* TCP_NODELAY */},
  };
  if (std::find(std::begin(kAccepted), std::end(kAccepted), std::pair{a.s(1), a.s(2)}) == std::end(kAccepted))
    return -net::LINUX_ENOPROTOOPT;
  if (a.s(1) == SOL_SOCKET && a.s(2) == 2) s->reuseaddr = value != 0;
  if (a.s(1) == SOL_SOCKET && a.s(2) == 6) s->broadcast = value != 0;
  return 0;
}

int32_t sys_getsockopt(Kernel&, Process& p, const Args& a) {
  SocketPtr s;
  if (int32_t r = socket_of(p, a.s(0), s)) return r;
  int32_t value;
  if (a.s(1) != SOL_SOCKET) return -net::LINUX_ENOPROTOOPT;
  switch (a.s(2)) {
    case 2: value = s->reuseaddr; break;
    case 3: value = s->type; break;                        // SO_TYPE
    case 4: value = s->error; s->error = 0; break;         // SO_ERROR
    case 6: value = s->broadcast; break;
    case 7: value = 212992; break;                         // SO_SNDBUF
    case 8: value = 212992; break;                         // SO_RCVBUF
    case 30: value = s->state == net::TcpState::Listen; break;  // SO_ACCEPTCONN
    case 38: value = s->protocol; break;                   // SO_PROTOCOL
    case 39: value = net::AF_INET; break;                  // SO_DOMAIN
    default: return -net::LINUX_ENOPROTOOPT;
  }
  int32_t len;
  if (!p.mm->copy_in(a[4], &len, 4)) return -LINUX_EFAULT;
  if (len < 0) return -LINUX_EINVAL;
  uint32_t n = std::min<uint32_t>(uint32_t(len), 4);
  if (!p.mm->copy_out(a[3], &value, n)) return -LINUX_EFAULT;
  return put_user(p, a[4], int32_t(n));
}

// socketcall(call, args): the arguments are an array in user memory
// (net/socket.c SYSCALL_DEFINE2(socketcall)); calls 1..20.
int32_t sys_socketcall(Kernel& k, Process& p, const Args& a) {
  struct Call {
    uint8_t nargs;
    Handler fn;
  };
  static const Call kCalls[] = {
      {0, nullptr},         {3, sys_socket},      {3, sys_bind},        {3, sys_connect},     {2, sys_listen},
      {3, sys_accept},      {3, sys_getsockname}, {3, sys_getpeername}, {4, sys_socketpair},  {4, sys_send},
      {4, sys_recv},        {6, sys_sendto},      {6, sys_recvfrom},    {2, sys_shutdown},    {5, sys_setsockopt},
      {5, sys_getsockopt},  {3, sys_sendmsg},     {3, sys_recvmsg},     {4, sys_accept4},
  };
  if (a[0] == 0 || a[0] >= std::size(kCalls)) return -LINUX_EINVAL;  // recvmmsg, sendmmsg: not modelled
  const Call& c = kCalls[a[0]];
  Args args{};
  if (!p.mm->copy_in(a[1], args.a, 4u * c.nargs)) return -LINUX_EFAULT;
  return c.fn(k, p, args);
}

// poll(fds, nfds, timeout_ms): which descriptors are ready now. Nothing
// ready: 0 at once for timeout 0; otherwise the process blocks until
// something in the kernel changes (a file's activity; a signal: EINTR, as
// poll(2) is never restarted after a handler) and polls again, or, for a
// timeout > 0, until that much simulated time has passed (then 0). The
// deadline is the process's block_until_ns, kept across the retries of
// one call and cleared by the kernel when the call completes.
int32_t sys_poll(Kernel& k, Process& p, const Args& a) {
  struct PollFd {
    int32_t fd;
    int16_t events, revents;
  };
  if (a[1] > 1024) return -LINUX_EINVAL;
  std::vector<PollFd> fds(a[1]);
  if (a[1] && !p.mm->copy_in(a[0], fds.data(), uint32_t(fds.size() * sizeof(PollFd)))) return -LINUX_EFAULT;
  int32_t ready = 0;
  for (PollFd& pf : fds) {
    pf.revents = 0;
    if (pf.fd < 0) continue;
    vfs::OpenFile* f = p.file(pf.fd);
    uint32_t m;
    if (!f) m = net::POLLNVAL;
    else if (f->ops) m = f->ops->poll();
    else if (f->pipe && !f->pipe_writer) m = (f->pipe->buffer.empty() ? 0 : net::POLLIN) | (f->pipe->writers ? 0 : net::POLLHUP);
    else if (f->pipe) m = (f->pipe->readers ? 0 : net::POLLERR) | (f->pipe->buffer.size() < vfs::Pipe::CAPACITY ? net::POLLOUT : 0);
    else m = net::POLLIN | net::POLLOUT;  // files and the host's streams do not block
    pf.revents = int16_t(m & (uint32_t(uint16_t(pf.events)) | net::POLLERR | net::POLLHUP | net::POLLNVAL));
    if (pf.revents) ready++;
  }
  if (ready || a.s(2) == 0) {
    if (a[1] && !p.mm->copy_out(a[0], fds.data(), uint32_t(fds.size() * sizeof(PollFd)))) return -LINUX_EFAULT;
    return ready;
  }
  if (p.sigpending & ~p.sigmask) return -LINUX_EINTR;
  if (a.s(2) > 0) {
    if (!p.block_until_ns) p.block_until_ns = k.now_ns() + uint64_t(a.s(2)) * 1000000ull;
    else if (k.now_ns() >= p.block_until_ns) {
      if (a[1] && !p.mm->copy_out(a[0], fds.data(), uint32_t(fds.size() * sizeof(PollFd)))) return -LINUX_EFAULT;
      return 0;  // timed out
    }
  }
  return SYSCALL_RESTART;
}

}  // namespace isolab::containers::syscalls
