// The container kernel's IPv4 network stack: the shared types and the
// entry points of each part (one concept a file):
//   device.cpp   network devices: loopback and veth pairs, their counters
//                (what /proc/net/dev shows), /proc/net/dev itself
//   bridge.cpp   a learning Ethernet bridge (Linux's net/bridge): frames
//                between its ports by the source MAC addresses it has seen
//   route.cpp    routes and neighbours (the FIB and the ARP table):
//                /proc/net/route, /proc/net/arp
//   ip.cpp       IPv4 send and receive, ICMP echo answered by the kernel
//   socket.h     sockets (UDP, TCP, raw and ping ICMP) as open files
//   tcp.cpp      TCP connections inside one simulated kernel
//   ifreq.cpp    the netdevice(7) ioctls ifconfig uses
//   netlink.cpp  rtnetlink dumps of links, addresses, routes (busybox ip)
//   docker.cpp   Docker's default bridge network: docker0 and a veth pair
//                for each container on it
// A packet is a record, not bytes on a wire: its IPv4 and transport
// header fields are members, and its length on the wire (Ethernet header
// included, as Linux's device counters count it) is computed from them.
// Lesson: "namespaces: a container's own network stack" (06-namespaces).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace isolab::containers {
class Kernel;
struct NetNamespace;
}  // namespace isolab::containers

namespace isolab::containers::net {

// errno values of the network (include/uapi/asm-generic/errno.h).
enum : int32_t {
  LINUX_ENOTSOCK = 88, LINUX_EDESTADDRREQ = 89, LINUX_EMSGSIZE = 90, LINUX_EPROTOTYPE = 91, LINUX_ENOPROTOOPT = 92,
  LINUX_EPROTONOSUPPORT = 93, LINUX_ESOCKTNOSUPPORT = 94, LINUX_EAFNOSUPPORT = 97, LINUX_EADDRINUSE = 98,
  LINUX_EADDRNOTAVAIL = 99, LINUX_ENETDOWN = 100, LINUX_ENETUNREACH = 101, LINUX_ECONNABORTED = 103,
  LINUX_ECONNRESET = 104, LINUX_EISCONN = 106, LINUX_ENOTCONN = 107, LINUX_ETIMEDOUT = 110,
  LINUX_ECONNREFUSED = 111, LINUX_EHOSTUNREACH = 113, LINUX_EALREADY = 114, LINUX_EINPROGRESS = 115,
};

// IP protocol numbers (include/uapi/linux/in.h).
enum : uint8_t { IPPROTO_ICMP = 1, IPPROTO_TCP = 6, IPPROTO_UDP = 17 };
// ICMP message types (include/uapi/linux/icmp.h).
enum : uint8_t { ICMP_ECHOREPLY = 0, ICMP_DEST_UNREACH = 3, ICMP_ECHO = 8 };
// TCP header flags.
enum : uint8_t { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10 };

using Ipv4 = uint32_t;  // host byte order: 172.17.0.1 is 0xAC110001
std::string ip_text(Ipv4 a);  // "172.17.0.1"
Ipv4 prefix_mask(int prefix);  // 16 -> 0xFFFF0000

struct MacAddress {
  uint8_t b[6] = {};
  bool operator==(const MacAddress&) const = default;
  auto operator<=>(const MacAddress&) const = default;
  bool broadcast() const { return b[0] == 0xFF && b[1] == 0xFF && b[2] == 0xFF && b[3] == 0xFF && b[4] == 0xFF && b[5] == 0xFF; }
  std::string text() const;  // "02:42:ac:11:00:02"
};

struct Socket;

// An Ethernet frame carrying one IPv4 packet.
struct Packet {
  MacAddress src_mac, dst_mac;
  Ipv4 src = 0, dst = 0;
  uint8_t protocol = 0;  // IPPROTO_*
  uint8_t ttl = 64;
  uint16_t src_port = 0, dst_port = 0;  // UDP and TCP
  uint8_t tcp_flags = 0;
  uint32_t seq = 0;  // TCP: the first payload byte's sequence number
  // ICMP: the whole ICMP message (type, code, checksum, id, sequence, data);
  // UDP and TCP: the data after the transport header.
  std::vector<uint8_t> payload;
  // TCP: the sending socket. Both ends live in one kernel, so the receiver
  // learns its peer at connection setup and honours its receive buffer
  // (the window) directly instead of by acknowledgements.
  std::weak_ptr<Socket> sender;
  // Bytes on the wire: Ethernet 14 + IPv4 20 + UDP 8 / TCP 20 + payload.
  uint32_t wire_bytes() const;
};

enum class DeviceKind : uint8_t { Loopback, Veth, Bridge };

// A network device (Linux's struct net_device) in one namespace.
struct NetDevice {
  std::string name;
  int ifindex = 0;
  DeviceKind kind = DeviceKind::Loopback;
  MacAddress mac;
  Ipv4 addr = 0;   // its IPv4 address (0: none) and prefix length
  int prefix = 0;
  bool up = false;
  uint32_t mtu = 1500;
  uint64_t rx_bytes = 0, rx_packets = 0, tx_bytes = 0, tx_packets = 0, rx_dropped = 0, tx_dropped = 0;
  NetNamespace* ns = nullptr;     // where it is
  NetDevice* peer = nullptr;      // Veth: the other end (in another namespace, usually)
  NetDevice* master = nullptr;    // a bridge port: its bridge
  std::vector<NetDevice*> ports;  // Bridge: its ports
  std::map<MacAddress, NetDevice*> fdb;  // Bridge: the forwarding database (MAC -> port)
  uint64_t forwarded = 0;         // Bridge: frames passed from one port to another
};

// A route (the FIB, as /proc/net/route lists it): packets for dst/prefix
// leave by `dev`, to `gateway` (0: the destination itself is on the link).
struct Route {
  Ipv4 dst = 0;
  int prefix = 0;
  Ipv4 gateway = 0;
  NetDevice* dev = nullptr;
};

// A neighbour (the ARP table): the MAC address of an IPv4 address on a link.
struct Neighbour {
  Ipv4 addr = 0;
  MacAddress mac;
  NetDevice* dev = nullptr;
};

// The sockets of a namespace that packets are delivered to, by port.
struct SocketTable {
  std::map<std::pair<uint8_t, uint16_t>, std::weak_ptr<Socket>> bound;  // (protocol, local port)
  // TCP connections by (local port, remote address, remote port).
  std::map<std::tuple<uint16_t, Ipv4, uint16_t>, std::weak_ptr<Socket>> connections;
  std::vector<std::weak_ptr<Socket>> icmp;  // raw and ping ICMP sockets: each sees ICMP packets
  uint16_t next_ephemeral = 32768;  // ip_local_port_range's start
};

// --- device.cpp ------------------------------------------------------------------
// Add a device to `ns` (its ifindex is the namespace's next).
NetDevice& add_device(NetNamespace& ns, const std::string& name, DeviceKind kind);
NetDevice* find_device(NetNamespace& ns, const std::string& name);
NetDevice* find_device(NetNamespace& ns, int ifindex);
// A veth pair: `name_a` in `a`, `name_b` in `b`, each the other's peer.
std::pair<NetDevice*, NetDevice*> make_veth_pair(NetNamespace& a, const std::string& name_a, NetNamespace& b,
                                                 const std::string& name_b);
// Remove a device (a veth takes its peer with it, as on Linux).
void remove_device(NetNamespace& ns, NetDevice& dev);
// Send a frame out of `dev`: counted as transmitted there, then received
// by whatever is at the other end (lo itself, a veth's peer, a bridge's ports).
void dev_xmit(NetDevice& dev, const Packet& p);
// A frame arrives at `dev`: counted, then bridged or handed to IPv4.
void dev_receive(NetDevice& dev, const Packet& p);
std::string proc_net_dev(const NetNamespace& ns);  // /proc/net/dev

// --- bridge.cpp -----------------------------------------------------------------
void bridge_add_port(NetDevice& bridge, NetDevice& port);
void bridge_remove_port(NetDevice& port);
// A frame that came in on `port` (null: sent by the bridge device's own stack).
void bridge_input(NetDevice& bridge, NetDevice* port, const Packet& p);

// --- route.cpp ------------------------------------------------------------------
// Assign `addr`/`prefix` to `dev` and add its connected route.
void set_address(NetDevice& dev, Ipv4 addr, int prefix);
void add_route(NetNamespace& ns, Ipv4 dst, int prefix, Ipv4 gateway, NetDevice& dev);
// The route for `dst` (longest prefix; only devices that are up), or null.
const Route* route_lookup(const NetNamespace& ns, Ipv4 dst);
// Is `a` one of `ns`'s own addresses (on any device, or 127.0.0.0/8 with lo up)?
bool is_local_address(const NetNamespace& ns, Ipv4 a);
// The MAC address of `addr` on `dev`'s link: the ARP table, else the link is
// asked directly (see route.cpp: no ARP frames) and the answer remembered.
const MacAddress* neighbour_resolve(NetNamespace& ns, NetDevice& dev, Ipv4 addr);
std::string proc_net_route(const NetNamespace& ns);  // /proc/net/route
std::string proc_net_arp(const NetNamespace& ns);    // /proc/net/arp

// --- ip.cpp ---------------------------------------------------------------------
// Send an IPv4 packet from `ns`: routed, source address chosen if 0,
// neighbour resolved, out of a device. 0, or -ENETUNREACH (no route),
// -EHOSTUNREACH (nobody on the link has that address), -ENETDOWN.
int32_t ip_send(NetNamespace& ns, Packet p);
// A packet for `ns` arrived on `dev`: delivered to a socket, or answered
// (ICMP echo), or dropped.
void ip_receive(NetNamespace& ns, NetDevice& dev, const Packet& p);
uint16_t inet_checksum(const uint8_t* data, size_t len);

// --- docker.cpp -----------------------------------------------------------------
constexpr const char* DOCKER_BRIDGE = "docker0";
constexpr Ipv4 DOCKER_GATEWAY = 0xAC110001;  // 172.17.0.1/16
// docker0 in the host's namespace (made at the first call, as dockerd does at start).
NetDevice& docker_bridge(Kernel& k);
// `docker run --network bridge`: a veth pair, eth0 in `ns` with the next
// free 172.17.0.N/16 and a default route via 172.17.0.1, its peer vethXXXXXXX
// a port of docker0; lo up. Returns eth0.
NetDevice& connect_to_bridge(Kernel& k, NetNamespace& ns);
// `--network none`: lo up, nothing else.
void bring_up_loopback(NetNamespace& ns);

// A `net` trace event (a frame crossing the bridge), if the kernel traces.
void trace_packet(NetNamespace& ns, const char* what, const Packet& p);

}  // namespace isolab::containers::net
