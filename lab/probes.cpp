// Probes by dotted name (probes.h): a table for each kind of object, so a
// new probe is one line.
#include "lab/probes.h"

#include <functional>

#include "mmu/counters.h"

namespace isolab::lab {

namespace {

using emulator::Vm;

struct VmProbe {
  const char* name;
  std::function<Value(const Vm&)> read;
};

const std::vector<VmProbe>& vm_probes() {
  static const std::vector<VmProbe> probes = {
      {"state", [](const Vm& v) { return Value::of(std::string(emulator::vm_state_name(v.state))); }},
      {"exits", [](const Vm& v) { return Value::of(double(v.machine->exits.exits)); }},
      {"insns", [](const Vm& v) { return Value::of(double(v.machine->cpu.s.insns)); }},
      {"time_ns", [](const Vm& v) { return Value::of(double(v.machine->now_ns())); }},
      {"weight", [](const Vm& v) { return Value::of(double(v.weight)); }},
      {"mem", [](const Vm& v) { return Value::of(double(v.machine->config.ram_bytes)); }},
      {"exit_code", [](const Vm& v) { return Value::of(double(v.exit_code)); }},
      {"console", [](const Vm& v) { return Value::of(v.console); }},
  };
  return probes;
}

struct CtrProbe {
  const char* name;
  std::function<Value(const LabContainer&)> read;
};

const std::vector<CtrProbe>& ctr_probes() {
  static const std::vector<CtrProbe> probes = {
      {"state", [](const LabContainer& c) { return Value::of(std::string(c.c.exited ? "exited" : "running")); }},
      {"exit_code", [](const LabContainer& c) { return Value::of(double(c.c.exit_code)); }},
      {"pid", [](const LabContainer& c) { return Value::of(double(c.c.init_host_pid)); }},
      {"logs", [](const LabContainer& c) { return Value::of(c.logs); }},
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

std::string join_names(const char* prefix, const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + std::string(prefix) + n;
  return out;
}

std::string unknown(const std::string& name) {
  return "unknown probe '" + name + "' (probes: " + join_names("", probe_patterns()) + ")";
}

// Shape only: which table entry `p` names, or an error.
std::optional<std::string> check_field(const std::string& name, const ProbeName& p) {
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
    return unknown(name);
  }
  if (p.object == "ctr") {
    for (const auto& c : ctr_probes())
      if (p.field == c.name) return std::nullopt;
    return unknown(name);
  }
  return unknown(name);
}

}  // namespace

std::vector<std::string> probe_patterns() {
  std::vector<std::string> out;
  for (const auto& v : vm_probes()) out.push_back(std::string("vm.<name>.") + v.name);
  out.push_back("vm.<name>.exits.<REASON>");
  out.push_back("vm.<name>.mmu.<counter>");
  for (const auto& c : ctr_probes()) out.push_back(std::string("ctr.<name>.") + c.name);
  for (const auto& h : host_probes()) out.push_back(std::string("host.") + h.name);
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
  if (p->object == "host") {
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
      if (p->field == v.name) return v.read(*vm);
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
  error = unknown(name);
  return std::nullopt;
}

ProbeReader probe_reader(Lab& lab) {
  return [&lab](const std::string& name, std::string& error) { return read_probe(lab, name, error); };
}

}  // namespace isolab::lab
