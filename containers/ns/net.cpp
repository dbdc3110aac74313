// Network namespaces (network_namespaces(7)): each has its own network
// devices, and a new one has only the loopback device `lo`, down until
// configured, so a container starts with no way out until the runtime
// gives it one. /proc/net/dev lists the devices of the reader's namespace
// in Linux's format (net/core/net-procfs.c dev_seq_show()).
// Not yet modelled: veth pairs and bridges between namespaces, sockets.
// Lesson: "namespaces: a container's own network stack".
#include <cstdio>

#include "containers/kernel.h"
#include "containers/ns/nsproxy.h"

namespace isolab::containers::ns {

std::shared_ptr<NetNamespace> new_net_ns(Kernel& k) {
  auto n = std::make_shared<NetNamespace>();
  n->id = k.alloc_ns_id();
  n->devices.push_back(NetDevice{"lo"});
  return n;
}

std::string proc_net_dev(const NetNamespace& ns) {
  std::string s =
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls "
      "carrier compressed\n";
  char line[256];
  for (const NetDevice& d : ns.devices) {
    std::snprintf(line, sizeof line, "%6s: %7llu %7llu    0    0    0     0          0         0 %8llu %7llu    0    0    0     0       0          0\n",
                  d.name.c_str(), (unsigned long long)d.rx_bytes, (unsigned long long)d.rx_packets,
                  (unsigned long long)d.tx_bytes, (unsigned long long)d.tx_packets);
    s += line;
  }
  return s;
}

}  // namespace isolab::containers::ns
