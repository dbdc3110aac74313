// Network namespaces (network_namespaces(7)): each has its own network
// devices, addresses, routes and sockets, and a new one has only the
// loopback device `lo`, down until configured, so a container starts with
// no way out until the runtime gives it one (containers/net/docker.cpp:
// a veth pair to docker0 for --network bridge). The stack itself is
// containers/net/.
// Lesson: "namespaces: a container's own network stack".
#include "containers/kernel.h"
#include "containers/net/net.h"
#include "containers/ns/nsproxy.h"

namespace isolab::containers::ns {

std::shared_ptr<NetNamespace> new_net_ns(Kernel& k) {
  auto n = std::make_shared<NetNamespace>();
  n->id = k.alloc_ns_id();
  n->kernel = &k;
  net::NetDevice& lo = net::add_device(*n, "lo", net::DeviceKind::Loopback);
  lo.addr = 0x7F000001;  // 127.0.0.1/8, effective once lo is up
  lo.prefix = 8;
  // The host's initial namespace is being made (Kernel's constructor): its
  // lo is up, as the init system leaves it at boot.
  if (!k.host_ns.net) lo.up = true;
  return n;
}

std::string proc_net_dev(const NetNamespace& ns) { return net::proc_net_dev(ns); }

}  // namespace isolab::containers::ns
