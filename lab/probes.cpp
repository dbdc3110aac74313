// Probes by dotted name (probes.h): a table for each kind of object, so a
// new probe is one line.
#include "lab/probes.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <unistd.h>

#include "containers/cgroup/cgroup.h"
#include "containers/net/net.h"
#include "containers/ns/nsproxy.h"
#include "containers/vfs/overlay.h"
#include "mmu/counters.h"
#include "mmu/walker.h"

namespace isolab::lab {

namespace {

using emulator::Vm;

struct VmProbe {
  const char* name;
  std::function<Value(Lab&, const Vm&)> read;
};

// A field of VM v's migration report, 0 when it has not migrated.
Value migration_value(Lab& l, const Vm& v, double (*field)(const emulator::MigrationReport&)) {
  const auto& m = l.extra(v.name).migration;
  return Value::of(m ? field(*m) : 0.0);
}

const std::vector<VmProbe>& vm_probes() {
  static const std::vector<VmProbe> probes = {
      {"state", [](Lab&, const Vm& v) { return Value::of(std::string(emulator::vm_state_name(v.state))); }},
      {"backend", [](Lab&, const Vm& v) {
         return Value::of(std::string(v.backend ? emulator::kBackendNames[size_t(v.backend->kind())] : "interp"));
       }},
      {"exits", [](Lab&, const Vm& v) { return Value::of(double(v.machine->exits.exits)); }},
      {"insns", [](Lab&, const Vm& v) { return Value::of(double(v.machine->cpu.s.insns)); }},
      {"time_ns", [](Lab&, const Vm& v) { return Value::of(double(v.machine->now_ns())); }},
      {"weight", [](Lab&, const Vm& v) { return Value::of(double(v.weight)); }},
      {"mem", [](Lab&, const Vm& v) { return Value::of(double(v.machine->config.ram_bytes)); }},
      {"exit_code", [](Lab&, const Vm& v) { return Value::of(double(v.exit_code)); }},
      {"console", [](Lab&, const Vm& v) { return Value::of(v.console); }},
      {"cr3", [](Lab&, const Vm& v) { return Value::of(double(v.machine->cpu.s.cr3)); }},
      {"boot_insns", [](Lab& l, const Vm& v) { return Value::of(double(l.extra(v.name).boot_insns)); }},
      {"boot_ns", [](Lab& l, const Vm& v) { return Value::of(double(l.extra(v.name).boot_ns)); }},
      // Live migration (emulator/migration.h): its last migration's report,
      // all 0 before one; and the process that runs the guest now.
      {"host_pid", [](Lab& l, const Vm& v) {
         int pid = l.extra(v.name).host_pid;
         return Value::of(double(pid ? pid : getpid()));
       }},
      {"migration.rounds", [](Lab& l, const Vm& v) { return migration_value(l, v, [](const emulator::MigrationReport& r) { return double(r.rounds()); }); }},
      {"migration.pages_sent", [](Lab& l, const Vm& v) { return migration_value(l, v, [](const emulator::MigrationReport& r) { return double(r.pages_sent); }); }},
      {"migration.bytes_sent", [](Lab& l, const Vm& v) { return migration_value(l, v, [](const emulator::MigrationReport& r) { return double(r.bytes_sent); }); }},
      {"migration.dirty_at_stop", [](Lab& l, const Vm& v) { return migration_value(l, v, [](const emulator::MigrationReport& r) { return double(r.dirty_at_stop); }); }},
      {"migration.downtime_ns", [](Lab& l, const Vm& v) { return migration_value(l, v, [](const emulator::MigrationReport& r) { return double(r.downtime_ns); }); }},
      {"migration.downtime_us", [](Lab& l, const Vm& v) { return migration_value(l, v, [](const emulator::MigrationReport& r) { return double(r.downtime_us); }); }},
      {"migration.total_ns", [](Lab& l, const Vm& v) { return migration_value(l, v, [](const emulator::MigrationReport& r) { return double(r.total_ns); }); }},
      {"migration.insns_at_stop", [](Lab& l, const Vm& v) { return migration_value(l, v, [](const emulator::MigrationReport& r) { return double(r.insns_at_stop); }); }},
      {"migration.wp_faults", [](Lab& l, const Vm& v) { return migration_value(l, v, [](const emulator::MigrationReport& r) { return double(r.wp_faults); }); }},
  };
  return probes;
}

struct CtrProbe {
  const char* name;
  std::function<Value(const LabContainer&)> read;
};

const std::vector<CtrProbe>& ctr_probes() {
  static const std::vector<CtrProbe> probes = {
      {"state", [](const LabContainer& c) { return Value::of(std::string(containers::state_name(c.state))); }},
      {"exit_code", [](const LabContainer& c) { return Value::of(double(c.c.exit_code)); }},
      {"pid", [](const LabContainer& c) { return Value::of(double(c.c.init_host_pid)); }},
      {"logs", [](const LabContainer& c) { return Value::of(c.logs); }},
      {"error", [](const LabContainer& c) { return Value::of(c.error); }},
      {"start_insns", [](const LabContainer& c) { return Value::of(double(c.start_insns)); }},
      {"start_ns", [](const LabContainer& c) { return Value::of(double(c.start_ns)); }},
      // Its overlay root (lesson 8): the bytes of its own upper layer, and
      // what it copied up from the image's layers or whited out in them.
      {"upper_bytes", [](const LabContainer& c) {
         return Value::of(c.c.rootfs.overlay ? double(containers::vfs::tree_bytes(*c.c.rootfs.overlay->upper)) : 0.0);
       }},
      {"copy_ups", [](const LabContainer& c) { return Value::of(c.c.rootfs.overlay ? double(c.c.rootfs.overlay->copy_ups) : 0.0); }},
      {"whiteouts", [](const LabContainer& c) { return Value::of(c.c.rootfs.overlay ? double(c.c.rootfs.overlay->whiteouts) : 0.0); }},
  };
  return probes;
}

struct HostProbe {
  const char* name;
  std::function<Value(const Lab&)> read;
};

const std::vector<HostProbe>& host_probes() {
  static const std::vector<HostProbe> probes = {
      {"vms", [](const Lab& l) { return Value::of(double(l.host.vms().size())); }},
      {"vms.running", [](const Lab& l) { return Value::of(double(l.vms_running())); }},
      {"containers", [](const Lab& l) { return Value::of(double(l.containers().size())); }},
      {"containers.running", [](const Lab& l) { return Value::of(double(l.containers_running())); }},
      {"time_ns", [](const Lab& l) { return Value::of(double(l.now_ns())); }},
      // The one container kernel every container shares.
      {"kernel.insns", [](const Lab& l) { return Value::of(double(l.kernel.cpu.s.insns)); }},
      {"kernel.processes", [](const Lab& l) { return Value::of(double(l.kernel.processes().size())); }},
      {"cgroups", [](const Lab& l) {
         double n = 0;
         for (const auto& cg : l.kernel.cgroups.all) n += !cg->removed;
         return Value::of(n);
       }},
      // The layer store (lesson 8): each layer counted once, however many
      // images and containers use it; the images loaded or committed.
      {"layers", [](const Lab& l) { return Value::of(double(l.kernel.layers.layers().size())); }},
      {"layers.bytes", [](const Lab& l) { return Value::of(double(l.kernel.layers.bytes())); }},
      {"images", [](const Lab& l) { return Value::of(double(l.images().size())); }},
      // The bytes of every container's read-only layers counted once per
      // container: what the host would hold if each had its own copy.
      {"containers.lower_bytes", [](const Lab& l) {
         double n = 0;
         for (const auto& c : l.containers())
           for (const auto& layer : c->c.rootfs.layers) n += double(layer->bytes);
         return Value::of(n);
       }},
      // Injected faults (lesson 10, containers/fault.h): 1 or 0.
      {"kernel.dead", [](const Lab& l) { return Value::of(l.kernel.faults.dead ? 1.0 : 0.0); }},
      {"kernel.tainted", [](const Lab& l) { return Value::of(l.kernel.faults.tainted ? 1.0 : 0.0); }},
      {"kernel.cow_bug", [](const Lab& l) { return Value::of(l.kernel.faults.cow_bug ? 1.0 : 0.0); }},
  };
  return probes;
}

// "vm.a.exits.HLT" -> object "vm", id "a", field "exits.HLT". Object names
// hold no dots, so the id is the second part.
struct ProbeName {
  std::string object, id, field;
};

std::optional<ProbeName> split(const std::string& name) {
  size_t d1 = name.find('.');
  if (d1 == std::string::npos) return std::nullopt;
  ProbeName p;
  p.object = name.substr(0, d1);
  if (p.object == "host") {
    p.field = name.substr(d1 + 1);
    return p;
  }
  size_t d2 = name.find('.', d1 + 1);
  if (d2 == std::string::npos) return std::nullopt;
  p.id = name.substr(d1 + 1, d2 - d1 - 1);
  p.field = name.substr(d2 + 1);
  return p;
}

// For `vm.<name>.exits.<REASON>` and `vm.<name>.mmu.<counter>`: the index
// into the table, or -1.
int exit_reason_index(const std::string& reason) {
  for (size_t r = 0; r < emulator::kExitReasonNames.size(); r++)
    if (reason == emulator::kExitReasonNames[r]) return int(r);
  return -1;
}
int mmu_counter_index(const std::string& counter) {
  for (size_t k = 0; k < mmu::kMmuCounterFields.size(); k++)
    if (counter == mmu::kMmuCounterFields[k].name) return int(k);
  return -1;
}

// `ctr.<name>.<file>` and `ctr.<name>.<file>.<key>`: the container's
// cgroup interface files (containers/cgroup/cgroup.h), by the kernel's
// names, as `cat /sys/fs/cgroup/<name>/<file>` shows them. The names are
// those of a cgroup whose parent enables every controller, so a controller
// added to the kernel's tables brings its files here with no change.
std::vector<std::string> cgroup_file_names() {
  static const std::vector<std::string> names = [] {
    containers::Cgroup parent, child;
    parent.subtree_control = containers::CGROUP_ALL_CONTROLLERS;
    child.parent = &parent;
    std::vector<std::string> out;
    for (const containers::CgroupFile* f : containers::cgroup_files(child)) out.push_back(f->name);
    return out;
  }();
  return names;
}

// Split "memory.events.oom_kill" into the file "memory.events" and the key
// "oom_kill" (the longest known file name that starts the field); false if
// no file name does.
bool split_cgroup_field(const std::string& field, std::string& file, std::string& key) {
  file.clear();
  for (const std::string& f : cgroup_file_names()) {
    bool whole = field == f;
    bool keyed = field.size() > f.size() + 1 && field.compare(0, f.size(), f) == 0 && field[f.size()] == '.';
    if ((whole || keyed) && f.size() > file.size()) {
      file = f;
      key = whole ? "" : field.substr(f.size() + 1);
    }
  }
  return !file.empty();
}

// A file's text as a value: a number when it is one, else the text
// trimmed ("max", "max 100000").
Value file_value(const std::string& text) {
  std::string t = containers::cgroup_trim(text);
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (!t.empty() && end && *end == 0 && (std::isdigit(uint8_t(t[0])) || t[0] == '-')) return Value::of(v);
  return Value::of(t);
}

// The value of `key` in a flat keyed file ("oom 1\noom_kill 1\n").
std::optional<Value> keyed_value(const std::string& text, const std::string& key, std::vector<std::string>& keys) {
  size_t at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    std::string line = text.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    at = nl == std::string::npos ? text.size() : nl + 1;
    size_t sp = line.find(' ');
    if (sp == std::string::npos) continue;
    keys.push_back(line.substr(0, sp));
    if (line.substr(0, sp) == key) return file_value(line.substr(sp + 1));
  }
  return std::nullopt;
}

// `vm.<name>.translate.<ADDR>`: the address, hex with 0x or decimal.
bool parse_address(const std::string& text, uint32_t& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0 ? 16 : 10);
  if (!end || *end || v > 0xFFFFFFFFull) return false;
  out = uint32_t(v);
  return true;
}

std::string join_names(const char* prefix, const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + std::string(prefix) + n;
  return out;
}

std::string unknown(const std::string& name) {
  return "unknown probe '" + name + "' (probes: " + join_names("", probe_patterns()) + ")";
}

// --- Namespace views (lesson 6) ------------------------------------------------------
//   ctr.<name>.ns.<kind>   the identity (inode number) of its init's namespace of <kind>,
//   host.ns.<kind>         and of the host's initial one, as /proc/<pid>/ns/<kind> shows
//                          it: "uts:[4026531838]" reads 4026531838. Kinds: ns/nsproxy.h kKinds.
//   ctr.<name>.hostname    the host name in its init's UTS namespace; host.hostname the host's
//   ctr.<name>.mounts      /proc/<init>/mounts: its init's mount table; host.mounts the host's
//   ctr.<name>.net.devices the network devices in its init's network namespace (a number);
//   host.net.devices       the host's
// A container's probes read its init as it is now: an error once the init has exited.

// The namespaces a namespace probe reads, after "ns.<kind>" or one of these names.
struct NsView {
  const char* name;
  std::function<Value(const containers::Namespaces&)> read;
};

const std::vector<NsView>& ns_views() {
  static const std::vector<NsView> views = {
      {"hostname", [](const containers::Namespaces& n) { return Value::of(n.uts->hostname); }},
      {"mounts", [](const containers::Namespaces& n) { return Value::of(containers::ns::proc_mounts(*n.mnt)); }},
      {"net.devices", [](const containers::Namespaces& n) { return Value::of(double(n.net->devices.size())); }},
  };
  return views;
}

// True if `field` names a namespace probe: a view above or "ns.<kind>".
bool is_ns_field(const std::string& field, std::string& error) {
  for (const auto& v : ns_views())
    if (field == v.name) return true;
  if (field.rfind("ns.", 0) != 0) return false;
  if (containers::ns::find_kind(field.substr(3))) return true;
  std::string kinds;
  for (const auto& k : containers::ns::kKinds) kinds += (kinds.empty() ? "" : ", ") + std::string(k.name);
  error = "unknown namespace kind '" + field.substr(3) + "' (kinds: " + kinds + ")";
  return true;
}

// The identity of `kind` in `n` (the host's, or a process's own: "pid" is
// the process's PID namespace, "pid_for_children" where its children go).
uint32_t ns_identity(const containers::Namespaces& n, const std::string& kind) {
  if (kind == "pid") return n.pid ? n.pid->id : 0;
  if (kind == "time") return n.time ? n.time->id : 0;
  return containers::ns::identity_of_flag(n, containers::ns::find_kind(kind)->flag);
}

Value read_ns_field(const containers::Namespaces& n, const std::string& field) {
  for (const auto& v : ns_views())
    if (field == v.name) return v.read(n);
  return Value::of(double(ns_identity(n, field.substr(3))));
}

// A container's namespace probe: its live init's namespaces.
std::optional<Value> read_ctr_ns(Lab& lab, const LabContainer& c, const std::string& name, const std::string& field,
                                 std::string& error) {
  const containers::Process* init = c.c.exited ? nullptr : lab.kernel.find_host_pid(c.c.init_host_pid);
  if (!init || init->state == containers::ProcState::Zombie) {
    error = "container '" + c.c.name + "' has no live init to read its namespaces from (in '" + name + "')";
    return std::nullopt;
  }
  return read_ns_field(init->ns, field);
}

// --- Network devices (lesson 6) --------------------------------------------------------
//   ctr.<name>.net.addr               its init's eth0 address ("172.17.0.2"; "" without one)
//   ctr.<name>.net.<dev>.<counter>    a device of its init's network namespace (lo, eth0),
//   ctr.<name>.net.veth.<counter>     the host end of its eth0's veth pair (a port of docker0),
//   host.net.<dev>.<counter>          a device of the host's (docker0, lo, vethXXXXXXX)
// Counters: rx_packets tx_packets rx_bytes tx_bytes rx_dropped tx_dropped as /proc/net/dev
// shows them, and forwarded (a bridge's frames passed between its ports).
struct NetCounter {
  const char* name;
  uint64_t containers::net::NetDevice::*field;
};
constexpr NetCounter kNetCounters[] = {
    {"rx_packets", &containers::net::NetDevice::rx_packets}, {"tx_packets", &containers::net::NetDevice::tx_packets},
    {"rx_bytes", &containers::net::NetDevice::rx_bytes},     {"tx_bytes", &containers::net::NetDevice::tx_bytes},
    {"rx_dropped", &containers::net::NetDevice::rx_dropped}, {"tx_dropped", &containers::net::NetDevice::tx_dropped},
    {"forwarded", &containers::net::NetDevice::forwarded},
};

// "net.<dev>.<counter>" or "net.addr": the device and counter named, or false.
bool split_net_field(const std::string& field, std::string& dev, const NetCounter*& counter) {
  if (field == "net.addr") {
    counter = nullptr;
    return true;
  }
  size_t dot = field.rfind('.');
  if (field.rfind("net.", 0) != 0 || dot <= 4) return false;
  dev = field.substr(4, dot - 4);
  for (const NetCounter& c : kNetCounters)
    if (field.compare(dot + 1, std::string::npos, c.name) == 0) {
      counter = &c;
      return dev.find('.') == std::string::npos;
    }
  return false;
}

std::optional<Value> read_net_field(const containers::Namespaces& n, const std::string& field, const std::string& name,
                                    std::string& error) {
  std::string dev_name;
  const NetCounter* counter = nullptr;
  split_net_field(field, dev_name, counter);
  containers::net::NetDevice* eth0 = containers::net::find_device(*n.net, "eth0");
  if (!counter) return Value::of(eth0 && eth0->addr ? containers::net::ip_text(eth0->addr) : std::string());
  containers::net::NetDevice* dev = dev_name == "veth" && eth0 ? eth0->peer : containers::net::find_device(*n.net, dev_name);
  if (!dev) {
    std::string all;
    for (const auto& d : n.net->devices) all += (all.empty() ? "" : ", ") + d->name;
    error = "no network device '" + dev_name + "' (devices: " + all + ") (in '" + name + "')";
    return std::nullopt;
  }
  return Value::of(double((*dev).*(counter->field)));
}

// --- A container's age (lesson 7) ------------------------------------------------------
//   ctr.<name>.age_usec    simulated microseconds of the container kernel's clock since `ctr run`
//                          started it (still counting after it exits): what cpu.stat's
//                          usage_usec is a share of. cpu.max's quota is read against it.
constexpr const char* kAgeField = "age_usec";

Value ctr_age_usec(const Lab& lab, const LabContainer& c) {
  return Value::of(double((lab.kernel.now_ns() - c.started_ns) / 1000));
}

// Shape only: which table entry `p` names, or an error.
std::optional<std::string> check_field(const std::string& name, const ProbeName& p) {
  std::string ns_error, net_dev;
  const NetCounter* net_counter;
  if ((p.object == "ctr" && !p.id.empty()) || p.object == "host") {
    if (is_ns_field(p.field, ns_error)) return ns_error.empty() ? std::nullopt : std::optional(ns_error);
    if (split_net_field(p.field, net_dev, net_counter)) return std::nullopt;
  }
  if (p.object == "host") {
    for (const auto& h : host_probes())
      if (p.field == h.name) return std::nullopt;
    return unknown(name);
  }
  if (p.id.empty()) return unknown(name);
  if (p.object == "vm") {
    for (const auto& v : vm_probes())
      if (p.field == v.name) return std::nullopt;
    if (p.field.rfind("exits.", 0) == 0) {
      if (exit_reason_index(p.field.substr(6)) >= 0) return std::nullopt;
      std::vector<std::string> all(emulator::kExitReasonNames.begin(), emulator::kExitReasonNames.end());
      return "unknown exit reason '" + p.field.substr(6) + "' in '" + name + "' (reasons: " + join_names("", all) + ")";
    }
    if (p.field.rfind("mmu.", 0) == 0) {
      if (mmu_counter_index(p.field.substr(4)) >= 0) return std::nullopt;
      std::vector<std::string> all;
      for (const auto& f : mmu::kMmuCounterFields) all.push_back(f.name);
      return "unknown MMU counter '" + p.field.substr(4) + "' in '" + name + "' (counters: " + join_names("", all) + ")";
    }
    if (p.field.rfind("translate.", 0) == 0) {
      uint32_t addr;
      if (parse_address(p.field.substr(10), addr)) return std::nullopt;
      std::string what = p.field.substr(10);
      return "not an address: '" + what.append("' in '").append(name) + "' (write 0xC0100000 or a decimal number)";
    }
    return unknown(name);
  }
  if (p.object == "ctr") {
    if (p.field == kAgeField) return std::nullopt;
    for (const auto& c : ctr_probes())
      if (p.field == c.name) return std::nullopt;
    if (p.field.rfind("hostpid.", 0) == 0) {
      uint32_t pid;
      if (parse_address(p.field.substr(8), pid) && pid > 0) return std::nullopt;
      return "not a PID: '" + p.field.substr(8).append("' in '").append(name) + "'";
    }
    std::string file, key;
    if (split_cgroup_field(p.field, file, key)) return std::nullopt;
    return unknown(name);
  }
  return unknown(name);
}

// The guest-physical address `addr` maps to through the guest's own page
// tables under its current CR3 (mmu/walker.h, looking only: no A/D bit is
// set), as the guest kernel would translate it; with paging off, the
// address itself.
std::optional<Value> translate(const Vm& vm, const std::string& name, const std::string& text, std::string& error) {
  uint32_t addr = 0;
  parse_address(text, addr);
  const cpu::CpuState& s = vm.machine->cpu.s;
  if (!(s.cr0 & cpu::CR0_PG)) return Value::of(double(addr));
  mmu::Translation t = mmu::walk(*vm.machine, s.cr0, s.cr3, s.cr4, addr, mmu::Access::Read, false, false);
  if (!t.ok) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "0x%08x is not mapped by the guest's page tables (CR3 0x%08x)", addr, s.cr3);
    error = std::string(buf) + " (in '" + name + "')";
    return std::nullopt;
  }
  return Value::of(double(t.phys));
}

// `ctr.<name>.hostpid.<N>`: the host PID of the live process that is PID N
// inside the container (in its init's PID namespace).
std::optional<Value> host_pid_of(Lab& lab, const LabContainer& c, const std::string& name, const std::string& text,
                                 std::string& error) {
  uint32_t pid = 0;
  parse_address(text, pid);
  const containers::Process* init = lab.kernel.find_host_pid(c.c.init_host_pid);
  if (init && !c.c.exited && init->ns.pid) {
    const containers::Process* p = lab.kernel.find(*init->ns.pid, int(pid));
    if (p && p->state != containers::ProcState::Zombie) return Value::of(double(p->host_pid()));
  }
  error = "container '" + c.c.name + "' has no live process with PID " + std::to_string(pid) + " (in '" + name + "')";
  return std::nullopt;
}

std::optional<Value> read_cgroup_file(Lab& lab, const LabContainer& c, const std::string& name, const std::string& field,
                                      std::string& error) {
  std::string file, key;
  split_cgroup_field(field, file, key);
  if (!c.c.cgroup) {
    error = "container '" + c.c.name + "' has no cgroup (in '" + name + "')";
    return std::nullopt;
  }
  auto text = containers::cgroup_read(lab.kernel, *c.c.cgroup, file);
  if (!text) {
    error = text.error().message + " (in '" + name + "')";
    return std::nullopt;
  }
  if (key.empty()) return file_value(*text);
  std::vector<std::string> keys;
  if (auto v = keyed_value(*text, key, keys)) return v;
  std::string all;
  for (const auto& k : keys) all += (all.empty() ? "" : ", ") + k;
  error = "no key '" + key + "' in " + file + (all.empty() ? "" : " (keys: " + all + ")") + " (in '" + name + "')";
  return std::nullopt;
}


}  // namespace

std::vector<std::string> probe_patterns() {
  std::vector<std::string> out;
  for (const auto& v : vm_probes()) out.push_back(std::string("vm.<name>.") + v.name);
  out.push_back("vm.<name>.exits.<REASON>");
  out.push_back("vm.<name>.mmu.<counter>");
  out.push_back("vm.<name>.translate.<ADDR>");
  for (const auto& c : ctr_probes()) out.push_back(std::string("ctr.<name>.") + c.name);
  out.push_back("ctr.<name>.hostpid.<N>");
  out.push_back("ctr.<name>.<cgroup file>[.<key>]");
  for (const auto& v : ns_views()) out.push_back(std::string("ctr.<name>.") + v.name);
  out.push_back("ctr.<name>.ns.<kind>");
  out.push_back(std::string("ctr.<name>.") + kAgeField);
  for (const auto& h : host_probes()) out.push_back(std::string("host.") + h.name);
  for (const auto& v : ns_views()) out.push_back(std::string("host.") + v.name);
  out.push_back("host.ns.<kind>");
  out.push_back("ctr.<name>.net.addr");
  out.push_back("ctr.<name>.net.<dev|veth>.<counter>");
  out.push_back("host.net.<dev>.<counter>");
  return out;
}

std::optional<std::string> check_probe_name(const std::string& name) {
  auto p = split(name);
  if (!p) return unknown(name);
  return check_field(name, *p);
}

std::optional<Value> read_probe(Lab& lab, const std::string& name, std::string& error) {
  auto p = split(name);
  if (!p) {
    error = unknown(name);
    return std::nullopt;
  }
  if (auto problem = check_field(name, *p)) {
    error = *problem;
    return std::nullopt;
  }
  std::string ns_error, net_dev;
  bool ns_field = is_ns_field(p->field, ns_error);
  const NetCounter* net_counter;
  bool net_field = !ns_field && split_net_field(p->field, net_dev, net_counter);
  if (p->object == "host") {
    if (ns_field) return read_ns_field(lab.kernel.host_ns, p->field);
    if (net_field) return read_net_field(lab.kernel.host_ns, p->field, name, error);
    for (const auto& h : host_probes())
      if (p->field == h.name) return h.read(lab);
  }
  if (p->object == "vm") {
    const Vm* vm = lab.find_vm(p->id);
    if (!vm) {
      error = "no VM named '" + p->id + "' (in '" + name + "')";
      return std::nullopt;
    }
    for (const auto& v : vm_probes())
      if (p->field == v.name) return v.read(lab, *vm);
    if (p->field.rfind("translate.", 0) == 0) return translate(*vm, name, p->field.substr(10), error);
    if (p->field.rfind("exits.", 0) == 0)
      return Value::of(double(vm->machine->exits.by_reason[size_t(exit_reason_index(p->field.substr(6)))]));
    const mmu::MmuCounters counters = vm->machine->mmu_counters();
    return Value::of(double(counters.*mmu::kMmuCounterFields[size_t(mmu_counter_index(p->field.substr(4)))].field));
  }
  const LabContainer* c = lab.find_container(p->id);
  if (!c) {
    error = "no container named '" + p->id + "' (in '" + name + "')";
    return std::nullopt;
  }
  for (const auto& cp : ctr_probes())
    if (p->field == cp.name) return cp.read(*c);
  if (ns_field) return read_ctr_ns(lab, *c, name, p->field, error);
  if (net_field) {
    const containers::Process* init = c->c.exited ? nullptr : lab.kernel.find_host_pid(c->c.init_host_pid);
    if (!init || init->state == containers::ProcState::Zombie) {
      error = "container '" + c->c.name + "' has no live init to read its network from (in '" + name + "')";
      return std::nullopt;
    }
    return read_net_field(init->ns, p->field, name, error);
  }
  if (p->field == kAgeField) return ctr_age_usec(lab, *c);
  if (p->field.rfind("hostpid.", 0) == 0) return host_pid_of(lab, *c, name, p->field.substr(8), error);
  return read_cgroup_file(lab, *c, name, p->field, error);
}

ProbeReader probe_reader(Lab& lab) {
  return [&lab](const std::string& name, std::string& error) { return read_probe(lab, name, error); };
}

}  // namespace isolab::lab
