// The container kernel's network (containers/net/): docker0 and veth
// pairs, the learning bridge, routes, device counters, and the socket
// calls with the errno each rule returns, checked on the stack directly
// and with the netprobe guest (guests/netprobe.c) in containers.
#include <doctest/doctest.h>

#include <cstring>

#include "containers/net/socket.h"
#include "containers/ns/namespaces.h"
#include "containers/ns/nsproxy.h"
#include "tests/containers/harness.h"

using namespace isolab::containers;
using namespace isolab::containers::test;
namespace net = isolab::containers::net;

namespace {

Image net_image() {
  Image img = test_image();
  auto bin = vfs::make_dir(0755);
  bin->entries["netprobe"] = vfs::make_file(read_file(std::string(ISOLAB_TEST_GUEST_DIR) + "/netprobe"), 0755);
  auto root = vfs::make_dir(0755);
  root->entries["bin"] = bin;
  img.layers.push_back(make_layer(root, "COPY netprobe /bin"));
  return img;
}

RunOutput netprobe(std::vector<std::string> args, const std::string& network = "bridge") {
  Kernel k;
  ContainerSpec spec;
  spec.cmd = {"netprobe"};
  spec.cmd.insert(spec.cmd.end(), args.begin(), args.end());
  spec.network = network;
  return run_spec(k, net_image(), spec);
}

// An ICMP echo request from `from` to `to`, as ping sends it.
net::Packet echo_request(net::Ipv4 to) {
  net::Packet p;
  p.protocol = net::IPPROTO_ICMP;
  p.dst = to;
  p.payload.assign(64, 0xAB);  // 8 bytes of header, 56 of data: ping's default
  p.payload[0] = net::ICMP_ECHO;
  p.payload[1] = p.payload[2] = p.payload[3] = 0;  // code, checksum (the kernel does not check it)
  return p;
}

// A container started on `k` with output captured, for two-container runs.
struct Started {
  Container c;
  std::shared_ptr<std::string> out = std::make_shared<std::string>();
};

Started start(Kernel& k, const Image& img, const std::string& name, std::vector<std::string> cmd) {
  Started s;
  ContainerSpec spec;
  spec.name = name;
  spec.cmd = std::move(cmd);
  auto out = s.out;
  spec.streams = std::make_shared<vfs::HostStreams>();
  spec.streams->write = [out](int, const char* d, size_t n) { out->append(d, n); };
  spec.streams->read = [](char*, size_t) -> long { return 0; };
  auto c = start_container(k, img, spec);
  REQUIRE(c);
  s.c = *c;
  return s;
}

}  // namespace

TEST_CASE("net: --network bridge gives eth0 with the next free 172.17.0.N/16 and a default route via docker0") {
  Kernel k;
  auto a = ns::new_net_ns(k), b = ns::new_net_ns(k);
  net::NetDevice& ea = net::connect_to_bridge(k, *a);
  net::NetDevice& eb = net::connect_to_bridge(k, *b);
  CHECK(ea.name == "eth0");
  CHECK(net::ip_text(ea.addr) == "172.17.0.2");
  CHECK(net::ip_text(eb.addr) == "172.17.0.3");
  CHECK(ea.mac.text() == "02:42:ac:11:00:02");  // Docker derives the MAC from the address
  CHECK(ea.prefix == 16);
  const net::Route* r = net::route_lookup(*a, 0x08080808);
  REQUIRE(r);
  CHECK(net::ip_text(r->gateway) == "172.17.0.1");
  net::NetDevice* br = net::find_device(*k.host_ns.net, "docker0");
  REQUIRE(br);
  CHECK(net::ip_text(br->addr) == "172.17.0.1");
  CHECK(br->ports.size() == 2);
  CHECK(ea.peer->ns == k.host_ns.net.get());
  CHECK(ea.peer->name.rfind("veth", 0) == 0);
  CHECK(ea.peer->master == br);
  // A namespace that goes takes its veth pair with it, out of docker0;
  // its address is handed out again (the lowest free one).
  std::string host_end = ea.peer->name;
  a.reset();
  CHECK(br->ports.size() == 1);
  CHECK(!net::find_device(*k.host_ns.net, host_end));
  auto c = ns::new_net_ns(k);
  CHECK(net::ip_text(net::connect_to_bridge(k, *c).addr) == "172.17.0.2");
}

TEST_CASE("net: an echo request crosses eth0 -> veth -> docker0 -> veth -> eth0 and every device counts it") {
  Kernel k;
  auto a = ns::new_net_ns(k), b = ns::new_net_ns(k);
  net::NetDevice& ea = net::connect_to_bridge(k, *a);
  net::NetDevice& eb = net::connect_to_bridge(k, *b);
  net::NetDevice& br = net::docker_bridge(k);
  REQUIRE(net::ip_send(*a, echo_request(eb.addr)) == 0);
  const uint64_t wire = 14 + 20 + 64;  // Ethernet, IPv4, ICMP header and ping's 56 bytes
  // The request out of a's eth0 and in at b's, the reply (b's kernel answers) back.
  CHECK(ea.tx_packets == 1);
  CHECK(ea.rx_packets == 1);
  CHECK(ea.tx_bytes == wire);
  CHECK(eb.rx_packets == 1);
  CHECK(eb.tx_packets == 1);
  // The host ends (docker0's ports) count the same frames the other way round.
  CHECK(ea.peer->rx_packets == 1);
  CHECK(ea.peer->tx_packets == 1);
  CHECK(eb.peer->tx_packets == 1);
  CHECK(eb.peer->rx_packets == 1);
  CHECK(eb.peer->rx_bytes == wire);
  // Frames passed between ports are not the bridge device's own traffic.
  CHECK(br.forwarded == 2);
  CHECK(br.rx_packets == 0);
  CHECK(br.tx_packets == 0);
  // The bridge learned where both MAC addresses are.
  CHECK(br.fdb.at(ea.mac) == ea.peer);
  CHECK(br.fdb.at(eb.mac) == eb.peer);
  // a's ARP table has b; /proc/net/arp shows it.
  CHECK(net::proc_net_arp(*a).find("172.17.0.3       0x1         0x2         02:42:ac:11:00:03     *        eth0") !=
        std::string::npos);
  // The gateway is the host's stack on docker0: its counters grow then.
  REQUIRE(net::ip_send(*a, echo_request(net::DOCKER_GATEWAY)) == 0);
  CHECK(br.rx_packets == 1);
  CHECK(br.tx_packets == 1);
  CHECK(ea.rx_packets == 2);
}

TEST_CASE("net: every frame the bridge passes between two ports is a net trace event") {
  Kernel k;
  isolab::trace::Trace trace;
  k.trace = &trace;
  auto a = ns::new_net_ns(k), b = ns::new_net_ns(k);
  net::connect_to_bridge(k, *a);
  net::NetDevice& eb = net::connect_to_bridge(k, *b);
  REQUIRE(net::ip_send(*a, echo_request(eb.addr)) == 0);
  std::vector<isolab::trace::Event> net_events;
  for (const auto& e : trace.recent())
    if (e.kind == isolab::trace::Kind::Net) net_events.push_back(e);
  REQUIRE(net_events.size() == 2);  // the request and the reply
  CHECK(std::string(net_events[0].what) == "bridge forward");
  CHECK(net_events[0].code == net::IPPROTO_ICMP);
  CHECK(net::ip_text(net_events[0].detail[0]) == "172.17.0.2");
  CHECK(net::ip_text(net_events[0].detail[1]) == "172.17.0.3");
  CHECK(net_events[0].detail[2] == 98);
  CHECK(net::ip_text(net_events[1].detail[0]) == "172.17.0.3");
  CHECK(std::string(isolab::trace::kind_name(isolab::trace::Kind::Net)) == "net");
}

TEST_CASE("net: no route is ENETUNREACH, nobody on the link is EHOSTUNREACH, lo must be up") {
  Kernel k;
  auto none = ns::new_net_ns(k);
  CHECK(net::ip_send(*none, echo_request(0xAC110002)) == -net::LINUX_ENETUNREACH);
  CHECK(net::ip_send(*none, echo_request(0x7F000001)) == -net::LINUX_ENETUNREACH);  // lo is down in a new namespace
  net::bring_up_loopback(*none);
  CHECK(net::ip_send(*none, echo_request(0x7F000001)) == 0);
  CHECK(net::find_device(*none, "lo")->rx_packets == 2);  // the request and the kernel's reply
  auto a = ns::new_net_ns(k);
  net::connect_to_bridge(k, *a);
  CHECK(net::ip_send(*a, echo_request(0xAC110063)) == -net::LINUX_EHOSTUNREACH);  // 172.17.0.99: nobody
}

TEST_CASE("net: /proc/net/route and /proc/net/dev in Linux's format") {
  Kernel k;
  auto a = ns::new_net_ns(k);
  net::connect_to_bridge(k, *a);
  std::string route = net::proc_net_route(*a);
  CHECK(route.rfind("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT", 0) == 0);
  CHECK(route.find("\neth0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0") != std::string::npos);
  CHECK(route.find("\neth0\t00000000\t010011AC\t0003\t0\t0\t0\t00000000\t0\t0\t0") != std::string::npos);
  std::string dev = net::proc_net_dev(*a);
  CHECK(dev.find("    lo:") != std::string::npos);
  CHECK(dev.find("  eth0:") != std::string::npos);
  CHECK(net::proc_net_dev(*k.host_ns.net).find("docker0:") != std::string::npos);
}

TEST_CASE("net: each socket call's errno") {
  auto r = netprobe({"errors"});
  CHECK(field(r.out, "unix") == "-97");           // EAFNOSUPPORT
  CHECK(field(r.out, "seqpacket") == "-94");      // ESOCKTNOSUPPORT
  CHECK(field(r.out, "stream_udp") == "-93");     // EPROTONOSUPPORT
  CHECK(field(r.out, "notsock") == "-88");        // ENOTSOCK
  CHECK(field(r.out, "badf") == "-9");            // EBADF
  CHECK(field(r.out, "socketcall_fd") == "1");    // socketcall(SYS_SOCKET) makes a socket too
  CHECK(field(r.out, "refused") == "-111");       // ECONNREFUSED: nobody listens on 127.0.0.1:9
  CHECK(field(r.out, "short_addr") == "-22");     // EINVAL
  CHECK(field(r.out, "bind") == "0");
  CHECK(field(r.out, "inuse") == "-98");          // EADDRINUSE
  CHECK(field(r.out, "bind_twice") == "-22");     // EINVAL
  CHECK(field(r.out, "notavail") == "-99");       // EADDRNOTAVAIL
  CHECK(field(r.out, "destreq") == "-89");        // EDESTADDRREQ
  CHECK(field(r.out, "notconn") == "-107");       // ENOTCONN
  CHECK(field(r.out, "again") == "-11");          // EAGAIN
  CHECK(field(r.out, "listen_udp") == "-95");     // EOPNOTSUPP
  CHECK(field(r.out, "accept_unlistened") == "-22");
  CHECK(field(r.out, "raw_tcp") == "-93");
  CHECK(field(r.out, "getsockopt") == "0");
  CHECK(field(r.out, "so_type") == "2");          // SOCK_DGRAM
  CHECK(field(r.out, "nodev") == "-19");          // ENODEV
  CHECK(r.exit_code == 0);
}

TEST_CASE("net: UDP and TCP over lo inside one container, EOF after close, reset of a never-accepted connection") {
  auto r = netprobe({"lo"});
  CHECK(field(r.out, "udp_bind") == "0");
  CHECK(field(r.out, "udp_sent") == "8");
  CHECK(field(r.out, "udp_got") == "8");
  CHECK(field(r.out, "udp_data") == "datagram");
  CHECK(field(r.out, "udp_from_port_matches") == "1");  // an ephemeral port from 32768
  CHECK(field(r.out, "udp_from_addr") == "1");
  CHECK(field(r.out, "poll_timeout") == "0");       // nothing arrived: timed out
  CHECK(field(r.out, "poll_waited_ms_ok") == "1");  // after 1.5 s of simulated time, not at once
  CHECK(field(r.out, "tcp_listen") == "0");
  CHECK(field(r.out, "tcp_connect") == "0");
  CHECK(field(r.out, "tcp_connect_again") == "-106");  // EISCONN
  CHECK(field(r.out, "tcp_accepted") == "1");
  CHECK(field(r.out, "tcp_peer_is_client") == "1");
  CHECK(field(r.out, "tcp_read") == "13");
  CHECK(field(r.out, "tcp_data") == "hello, stream");
  CHECK(field(r.out, "tcp_eof") == "0");
  CHECK(field(r.out, "tcp_connect2") == "0");  // queued in the backlog
  CHECK(field(r.out, "poll_listener") == "1");
  CHECK(field(r.out, "poll_revents") == "1");  // POLLIN: a connection to accept
  CHECK(field(r.out, "reset_read") == "-104");  // ECONNRESET: the listener closed with it queued
  CHECK(r.exit_code == 0);
}

TEST_CASE("net: a --network none container has only lo: ENETUNREACH for anything else") {
  auto r = netprobe({"unreach"}, "none");
  CHECK(field(r.out, "tcp") == "-101");
  CHECK(field(r.out, "udp") == "-101");
  CHECK(field(r.out, "lo_refused") == "-111");
}

TEST_CASE("net: two containers exchange UDP and TCP through docker0, and get different addresses") {
  Kernel k;
  Image img = net_image();
  Started udp_srv = start(k, img, "usrv", {"netprobe", "udp-server", "9000"});
  Started tcp_srv = start(k, img, "tsrv", {"netprobe", "tcp-server", "8080"});
  Started udp_cli = start(k, img, "ucli", {"netprobe", "udp-client", "172.17.0.2", "9000"});
  Started tcp_cli = start(k, img, "tcli", {"netprobe", "tcp-client", "172.17.0.3", "8080"});
  for (Started* s : {&udp_srv, &tcp_srv, &udp_cli, &tcp_cli}) {
    wait_container(k, s->c, 500'000'000ull);
    CAPTURE(*s->out);
    CHECK(s->c.exited);
    CHECK(s->c.exit_code == 0);
  }
  CHECK(field(*udp_cli.out, "sent") == "4");
  CHECK(field(*udp_cli.out, "answer") == "PING");
  CHECK(field(*udp_srv.out, "server_got") == "PING");
  CHECK(field(*tcp_cli.out, "connect") == "0");
  CHECK(field(*tcp_cli.out, "local_is_bridge_net") == "1");
  CHECK(field(*tcp_cli.out, "answer") == "HELLO");
  CHECK(field(*tcp_cli.out, "eof") == "0");
  CHECK(field(*tcp_srv.out, "server_bytes") == "5");
}

TEST_CASE("net: rtnetlink dumps the namespace's links, addresses and routes, and refuses changes") {
  Kernel k;
  auto a = ns::new_net_ns(k);
  net::connect_to_bridge(k, *a);
  net::SocketPtr s;
  REQUIRE(net::socket_create(a, net::AF_NETLINK, net::SOCK_RAW, 0, s) == 0);
  CHECK(net::socket_create(a, net::AF_NETLINK, net::SOCK_RAW, 9, s) == -net::LINUX_EPROTONOSUPPORT);  // NETLINK_AUDIT...
  REQUIRE(net::socket_create(a, net::AF_NETLINK, net::SOCK_RAW, 0, s) == 0);
  s->nl_pid = 42;
  // struct nlmsghdr {len, type, flags, seq, pid} + a 16-byte struct ifinfomsg / 8-byte ifaddrmsg.
  auto request = [](uint16_t type, uint16_t flags, uint32_t seq) {
    std::vector<uint8_t> r(32, 0);
    uint32_t len = 32;
    std::memcpy(&r[0], &len, 4);
    std::memcpy(&r[4], &type, 2);
    std::memcpy(&r[6], &flags, 2);
    std::memcpy(&r[8], &seq, 4);
    return r;
  };
  // Each message of an answer: (type, seq, pid).
  auto messages = [](const std::vector<uint8_t>& d) {
    std::vector<std::tuple<uint16_t, uint32_t, uint32_t>> out;
    for (size_t at = 0; at + 16 <= d.size();) {
      uint32_t len, seq, pid;
      uint16_t type;
      std::memcpy(&len, &d[at], 4);
      std::memcpy(&type, &d[at + 4], 2);
      std::memcpy(&seq, &d[at + 8], 4);
      std::memcpy(&pid, &d[at + 12], 4);
      out.emplace_back(type, seq, pid);
      if (len < 16) break;
      at += (len + 3) & ~3u;
    }
    return out;
  };
  CHECK(net::netlink_request(*s, request(18 /* RTM_GETLINK */, 0x301 /* REQUEST|DUMP */, 7)) == 32);
  CHECK(net::netlink_request(*s, request(22 /* RTM_GETADDR */, 0x301, 8)) == 32);
  CHECK(net::netlink_request(*s, request(26 /* RTM_GETROUTE */, 0x301, 9)) == 32);
  CHECK(net::netlink_request(*s, request(16 /* RTM_NEWLINK */, 0x5 /* REQUEST|ACK */, 10)) == 32);
  REQUIRE(s->datagrams.size() == 4);
  using M = std::tuple<uint16_t, uint32_t, uint32_t>;
  // lo and eth0, then NLMSG_DONE; both have an address; two routes (connected, default).
  CHECK(messages(s->datagrams[0].data) == std::vector<M>{{16, 7, 42}, {16, 7, 42}, {3, 7, 42}});
  CHECK(messages(s->datagrams[1].data) == std::vector<M>{{20, 8, 42}, {20, 8, 42}, {3, 8, 42}});
  CHECK(messages(s->datagrams[2].data) == std::vector<M>{{24, 9, 42}, {24, 9, 42}, {3, 9, 42}});
  // A change: NLMSG_ERROR carrying -EPERM.
  CHECK(messages(s->datagrams[3].data) == std::vector<M>{{2, 10, 42}});
  int32_t err;
  std::memcpy(&err, &s->datagrams[3].data[16], 4);
  CHECK(err == -1);
}
