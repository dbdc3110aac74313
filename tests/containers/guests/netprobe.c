// The network test guest: sockets through the direct system calls
// (359..373) and through socketcall (102), printing "name=value" lines
// for tests/containers/test_net.cpp.
//   netprobe errors          each socket call's errno
//   netprobe lo              UDP and TCP over lo inside one container
//   netprobe unreach         what a --network none container gets
//   netprobe udp-server P    wait for one datagram on port P, answer it upper-cased
//   netprobe tcp-server P    accept one connection on port P, echo it upper-cased until EOF
//   netprobe udp-client A P  send "ping" to A:P, print the answer
//   netprobe tcp-client A P  connect to A:P, send "hello", shut down writing, read until EOF
#include "guest.h"

enum {
  NR_socketcall = 102, NR_poll = 168, NR_socket = 359, NR_bind = 361, NR_connect = 362, NR_listen = 363,
  NR_accept4 = 364, NR_getsockopt = 365, NR_getsockname = 367, NR_getpeername = 368, NR_sendto = 369,
  NR_recvfrom = 370, NR_shutdown = 373, NR_ioctl = 54,
};
enum { AF_UNIX = 1, AF_INET = 2, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_SEQPACKET = 5, SOCK_NONBLOCK = 04000 };
enum { MSG_DONTWAIT = 0x40 };

// A six-argument system call: the sixth goes in EBP, saved around the call.
static long sc6(long nr, long a, long b, long c, long d, long e, long f) {
  long args[2] = {f, nr}, r;
  __asm__ volatile("push %%ebp\n mov 0(%%eax), %%ebp\n mov 4(%%eax), %%eax\n int $0x80\n pop %%ebp"
                   : "=a"(r) : "a"(args), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e) : "memory");
  return r;
}

struct sin { unsigned short family, port; unsigned addr; char zero[8]; };

static unsigned short be16(unsigned v) { return (unsigned short)((v >> 8 & 0xFF) | (v & 0xFF) << 8); }
static unsigned be32(unsigned v) { return (v >> 24) | (v >> 8 & 0xFF00) | (v << 8 & 0xFF0000) | (v << 24); }
static struct sin addr_of(unsigned a, unsigned port) {
  struct sin s = {AF_INET, be16(port), be32(a), {0}};
  return s;
}
static unsigned parse_ip(const char* s) {
  unsigned a = 0, part = 0;
  for (; *s; s++) {
    if (*s == '.') { a = a << 8 | part; part = 0; }
    else part = part * 10 + (*s - '0');
  }
  return a << 8 | part;
}
static unsigned parse_n(const char* s) { unsigned n = 0; while (*s) n = n * 10 + (*s++ - '0'); return n; }

// socket() through socketcall, the way glibc's i386 socket() does.
static long socketcall_socket(long family, long type, long proto) {
  long args[3] = {family, type, proto};
  return SC2(NR_socketcall, 1, args);
}

static void case_errors(void) {
  struct sin a = addr_of(0x7F000001, 9);
  show("unix", SC3(NR_socket, AF_UNIX, SOCK_STREAM, 0));                  // EAFNOSUPPORT
  show("seqpacket", SC3(NR_socket, AF_INET, SOCK_SEQPACKET, 0));          // ESOCKTNOSUPPORT
  show("stream_udp", SC3(NR_socket, AF_INET, SOCK_STREAM, 17));           // EPROTONOSUPPORT
  show("notsock", SC3(NR_bind, 1, &a, sizeof a));                         // ENOTSOCK
  show("badf", SC3(NR_bind, 77, &a, sizeof a));                           // EBADF
  long t = socketcall_socket(AF_INET, SOCK_STREAM, 0);
  show("socketcall_fd", t >= 3);
  show("refused", SC3(NR_connect, t, &a, sizeof a));                      // ECONNREFUSED
  show("short_addr", SC3(NR_connect, t, &a, 8));                          // EINVAL
  long u1 = SC3(NR_socket, AF_INET, SOCK_DGRAM, 0), u2 = SC3(NR_socket, AF_INET, SOCK_DGRAM, 0);
  struct sin p = addr_of(0, 5353);
  show("bind", SC3(NR_bind, u1, &p, sizeof p));
  show("inuse", SC3(NR_bind, u2, &p, sizeof p));                          // EADDRINUSE
  show("bind_twice", SC3(NR_bind, u1, &a, sizeof a));                     // EINVAL
  struct sin far = addr_of(0x0A010203, 80);
  show("notavail", SC3(NR_bind, u2, &far, sizeof far));                   // EADDRNOTAVAIL
  show("destreq", sc6(NR_sendto, u2, (long)"x", 1, 0, 0, 0));              // EDESTADDRREQ
  struct sin out; int len = sizeof out;
  show("notconn", SC3(NR_getpeername, u1, &out, &len));                   // ENOTCONN
  char buf[8];
  show("again", sc6(NR_recvfrom, u1, (long)buf, 8, MSG_DONTWAIT, 0, 0));   // EAGAIN
  show("listen_udp", SC2(NR_listen, u1, 1));                              // EOPNOTSUPP
  show("accept_unlistened", SC3(NR_accept4, t, 0, 0));                    // EINVAL
  show("raw_tcp", SC3(NR_socket, AF_INET, SOCK_RAW, 6));                  // EPROTONOSUPPORT
  int type = 0; len = 4;
  show("getsockopt", sc6(NR_getsockopt, u1, 1, 3, (long)&type, (long)&len, 0));
  show("so_type", type);
  // SIOCGIFADDR of an interface that is not there: ENODEV.
  char ifr[32] = "nosuch0";
  show("nodev", SC3(NR_ioctl, u1, 0x8915, ifr));
}

static void case_lo(void) {
  // UDP: a datagram to ourselves through lo, with its source address.
  long r = SC3(NR_socket, AF_INET, SOCK_DGRAM, 0), s = SC3(NR_socket, AF_INET, SOCK_DGRAM, 0);
  struct sin at = addr_of(0x7F000001, 6000);
  show("udp_bind", SC3(NR_bind, r, &at, sizeof at));
  show("udp_sent", sc6(NR_sendto, s, (long)"datagram", 8, 0, (long)&at, sizeof at));
  char buf[64] = {0};
  struct sin from; int len = sizeof from;
  show("udp_got", sc6(NR_recvfrom, r, (long)buf, sizeof buf - 1, 0, (long)&from, (long)&len));
  show_s("udp_data", buf);
  struct sin mine; int mlen = sizeof mine;
  SC3(NR_getsockname, s, &mine, &mlen);
  show("udp_from_port_matches", from.port == mine.port && be16(mine.port) >= 32768);
  show("udp_from_addr", be32(from.addr) == 0x7F000001);
  // poll with a timeout and nothing to read: 0 after that much simulated time.
  int t0[2], t1[2];
  struct { int fd; short events, revents; } pu = {(int)r, 1, 0};
  SC2(NR_clock_gettime, 1, t0);
  show("poll_timeout", SC3(NR_poll, &pu, 1, 1500));
  SC2(NR_clock_gettime, 1, t1);
  long ms = (t1[0] - t0[0]) * 1000L + (t1[1] - t0[1]) / 1000000L;
  show("poll_waited_ms_ok", ms >= 1500 && ms < 1600);
  // TCP: listen, connect, accept, a byte stream each way, EOF after close.
  long l = SC3(NR_socket, AF_INET, SOCK_STREAM, 0);
  struct sin port = addr_of(0, 7000);
  show("tcp_bind", SC3(NR_bind, l, &port, sizeof port));
  show("tcp_listen", SC2(NR_listen, l, 4));
  long c = SC3(NR_socket, AF_INET, SOCK_STREAM, 0);
  struct sin to = addr_of(0x7F000001, 7000);
  show("tcp_connect", SC3(NR_connect, c, &to, sizeof to));
  show("tcp_connect_again", SC3(NR_connect, c, &to, sizeof to));         // EISCONN
  struct sin peer; int plen = sizeof peer;
  long a = SC3(NR_accept4, l, &peer, &plen);
  show("tcp_accepted", a >= 0);
  show("tcp_peer_is_client", be32(peer.addr) == 0x7F000001 && plen == 16);
  show("tcp_write", SC3(NR_write, c, "hello, stream", 13));
  for (int i = 0; i < 64; i++) buf[i] = 0;
  show("tcp_read", SC3(NR_read, a, buf, 63));
  show_s("tcp_data", buf);
  show("tcp_close", SC1(NR_close, c));
  show("tcp_eof", SC3(NR_read, a, buf, 63));
  // A second connection while nobody accepts: it waits in the backlog; poll sees it.
  long c2 = SC3(NR_socket, AF_INET, SOCK_STREAM, 0);
  show("tcp_connect2", SC3(NR_connect, c2, &to, sizeof to));
  struct { int fd; short events, revents; } pfd = {(int)l, 1, 0};
  show("poll_listener", SC3(NR_poll, &pfd, 1, 0));
  show("poll_revents", pfd.revents);
  SC1(NR_close, l);
  show("reset_read", SC3(NR_read, c2, buf, 8));                          // ECONNRESET: never accepted
}

static void case_unreach(void) {
  long t = SC3(NR_socket, AF_INET, SOCK_STREAM, 0), u = SC3(NR_socket, AF_INET, SOCK_DGRAM, 0);
  struct sin gw = addr_of(0xAC110001, 80);
  show("tcp", SC3(NR_connect, t, &gw, sizeof gw));                        // ENETUNREACH
  show("udp", sc6(NR_sendto, u, (long)"x", 1, 0, (long)&gw, sizeof gw));  // ENETUNREACH
  struct sin lo = addr_of(0x7F000001, 9);
  show("lo_refused", SC3(NR_connect, t, &lo, sizeof lo));                // lo is up: ECONNREFUSED
}

static void upper(char* s, long n) { for (long i = 0; i < n; i++) if (s[i] >= 'a' && s[i] <= 'z') s[i] -= 32; }

static void udp_server(unsigned port) {
  long s = SC3(NR_socket, AF_INET, SOCK_DGRAM, 0);
  struct sin at = addr_of(0, port);
  SC3(NR_bind, s, &at, sizeof at);
  char buf[256];
  struct sin from; int len = sizeof from;
  long n = sc6(NR_recvfrom, s, (long)buf, sizeof buf, 0, (long)&from, (long)&len);
  upper(buf, n);
  sc6(NR_sendto, s, (long)buf, n, 0, (long)&from, sizeof from);
  buf[n > 0 ? n : 0] = 0;
  show_s("server_got", buf);
}

static void tcp_server(unsigned port) {
  long l = SC3(NR_socket, AF_INET, SOCK_STREAM, 0);
  struct sin at = addr_of(0, port);
  SC3(NR_bind, l, &at, sizeof at);
  SC2(NR_listen, l, 1);
  long a = SC3(NR_accept4, l, 0, 0);
  char buf[256];
  long n, total = 0;
  while ((n = SC3(NR_read, a, buf, sizeof buf)) > 0) {
    upper(buf, n);
    SC3(NR_write, a, buf, n);
    total += n;
  }
  show("server_bytes", total);
  SC1(NR_close, a);
}

static void udp_client(unsigned ip, unsigned port) {
  long s = SC3(NR_socket, AF_INET, SOCK_DGRAM, 0);
  struct sin to = addr_of(ip, port);
  show("sent", sc6(NR_sendto, s, (long)"ping", 4, 0, (long)&to, sizeof to));
  char buf[64] = {0};
  struct sin from; int len = sizeof from;
  show("got", sc6(NR_recvfrom, s, (long)buf, sizeof buf - 1, 0, (long)&from, (long)&len));
  show_s("answer", buf);
}

static void tcp_client(unsigned ip, unsigned port) {
  long s = SC3(NR_socket, AF_INET, SOCK_STREAM, 0);
  struct sin to = addr_of(ip, port);
  show("connect", SC3(NR_connect, s, &to, sizeof to));
  struct sin me; int len = sizeof me;
  SC3(NR_getsockname, s, &me, &len);
  show("local_is_bridge_net", (be32(me.addr) >> 16) == 0xAC11);
  show("sent", SC3(NR_write, s, "hello", 5));
  SC2(NR_shutdown, s, 1);
  char buf[64] = {0};
  long n, total = 0;
  while ((n = SC3(NR_read, s, buf + total, sizeof buf - 1 - total)) > 0) total += n;
  show("eof", n);
  show_s("answer", buf);
}

int main(int argc, char** argv, char** envp) {
  (void)envp;
  if (argc < 2) return 2;
  if (seq(argv[1], "errors")) case_errors();
  else if (seq(argv[1], "lo")) case_lo();
  else if (seq(argv[1], "unreach")) case_unreach();
  else if (seq(argv[1], "udp-server") && argc > 2) udp_server(parse_n(argv[2]));
  else if (seq(argv[1], "tcp-server") && argc > 2) tcp_server(parse_n(argv[2]));
  else if (seq(argv[1], "udp-client") && argc > 3) udp_client(parse_ip(argv[2]), parse_n(argv[3]));
  else if (seq(argv[1], "tcp-client") && argc > 3) tcp_client(parse_ip(argv[2]), parse_n(argv[3]));
  else return 2;
  return 0;
}
