// cgroup v2 core: the hierarchy, moving processes, and the cgroup.* files
// with the kernel's rules and errors (cgroup.h; kernel/cgroup/cgroup.c:
// cgroup_mkdir, cgroup_rmdir, cgroup_procs_write, cgroup_subtree_control_write,
// cgroup_vet_subtree_control_enable).
// Lesson: "cgroups: limits a container cannot escape".
#include <algorithm>
#include <cctype>
#include <sstream>

#include "containers/cgroup/cgroup.h"
#include "containers/kernel.h"
#include "containers/linux_abi.h"

namespace isolab::containers {

using namespace linux_abi;

namespace {

// Controller names in cgroup.controllers order, and the ones Linux has that
// this kernel does not (enabling those is ENOENT: not in cgroup.controllers).
struct ControllerName {
  const char* name;
  uint32_t bit;
};
constexpr ControllerName kControllers[] = {{"cpu", CGROUP_CPU}, {"memory", CGROUP_MEMORY}, {"pids", CGROUP_PIDS}};
constexpr const char* kLinuxOnlyControllers[] = {"cpuset", "io", "hugetlb", "rdma", "misc"};

std::string controller_list(uint32_t mask) {
  std::string s;
  for (const ControllerName& c : kControllers)
    if (mask & c.bit) s += (s.empty() ? "" : " ") + std::string(c.name);
  return s + "\n";
}

// A controller switched off for a cgroup forgets its limits (the css goes offline).
void reset_controller(Cgroup& cg, uint32_t bit) {
  if (bit & CGROUP_PIDS) cg.pids.max = PidsState::UNLIMITED;
  if (bit & CGROUP_CPU) {
    cg.cpu.shares = CpuState::DEFAULT_SHARES;
    cg.cpu.quota_ns = CpuState::NO_QUOTA;
    cg.cpu.period_ns = CpuState{}.period_ns;
    cg.cpu.throttled = false;
  }
  if (bit & CGROUP_MEMORY) {
    cg.memory.counter.max = PageCounter::UNLIMITED;
    cg.memory.counter.high = PageCounter::UNLIMITED;
  }
}

std::string show_controllers(Kernel&, Cgroup& cg, const Process*) { return controller_list(cg.controllers()); }
std::string show_subtree_control(Kernel&, Cgroup& cg, const Process*) { return controller_list(cg.subtree_control); }

// "+memory -pids": enable and disable controllers for the children.
int write_subtree_control(Kernel&, Cgroup& cg, const Process*, const std::string& text) {
  uint32_t enable = 0, disable = 0;
  std::istringstream in(text);
  std::string tok;
  while (in >> tok) {
    if (tok.size() < 2 || (tok[0] != '+' && tok[0] != '-')) return -LINUX_EINVAL;
    std::string name = tok.substr(1);
    uint32_t bit = 0;
    for (const ControllerName& c : kControllers)
      if (name == c.name) bit = c.bit;
    if (!bit) {
      bool known = std::any_of(std::begin(kLinuxOnlyControllers), std::end(kLinuxOnlyControllers),
                               [&](const char* n) { return name == n; });
      if (known) return -LINUX_ENOENT;  // a real controller this kernel does not offer
      return -LINUX_EINVAL;
    }
    if (tok[0] == '+') {
      enable |= bit;
      disable &= ~bit;
    } else {
      disable |= bit;
      enable &= ~bit;
    }
  }
  // Top-down: only what the parent offers can be enabled; nothing a child
  // still passes on can be disabled.
  enable &= ~cg.subtree_control;
  disable &= cg.subtree_control;
  if (enable & ~cg.controllers()) return -LINUX_ENOENT;
  for (auto& [name, child] : cg.children)
    if (child->subtree_control & disable) return -LINUX_EBUSY;
  // No internal processes: a non-root cgroup with processes cannot hand
  // controllers to children.
  if (enable && !cg.is_root() && !cg.procs.empty()) return -LINUX_EBUSY;
  cg.subtree_control = (cg.subtree_control | enable) & ~disable;
  for (auto& [name, child] : cg.children) reset_controller(*child, disable);
  return 0;
}

std::string show_procs(Kernel& k, Cgroup& cg, const Process* viewer) {
  std::string s;
  for (int host_pid : cg.procs) {
    const Process* q = k.find_host_pid(host_pid);
    int pid = !q ? 0 : viewer ? q->pid_in(*viewer->ns.pid) : q->host_pid();
    if (pid) s += std::to_string(pid) + "\n";
  }
  return s;
}

// Move the process with this PID (in the writer's PID namespace; 0: the writer).
int write_procs(Kernel& k, Cgroup& cg, const Process* writer, const std::string& text) {
  std::string t = cgroup_trim(text);
  if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos) return -LINUX_EINVAL;
  int pid = std::stoi(t);
  Process* p = nullptr;
  if (pid == 0) p = writer ? k.find_host_pid(writer->host_pid()) : nullptr;
  else p = writer ? k.find(*writer->ns.pid, pid) : k.find_host_pid(pid);
  if (!p || p->state == ProcState::Zombie) return -LINUX_ESRCH;
  return cgroup_attach(k, cg, *p);
}

std::string show_events(Kernel&, Cgroup& cg, const Process*) {
  return "populated " + std::to_string(cg.populated() ? 1 : 0) + "\nfrozen 0\n";
}

std::string show_type(Kernel&, Cgroup&, const Process*) { return "domain\n"; }

// Only "threaded" may be written, and this kernel has no threaded cgroups.
int write_type(Kernel&, Cgroup&, const Process*, const std::string& text) {
  return cgroup_trim(text) == "threaded" ? -LINUX_EOPNOTSUPP : -LINUX_EINVAL;
}

std::string show_stat(Kernel& k, Cgroup& cg, const Process*) {
  int live = 0, dying = 0;
  for (const auto& c : k.cgroups.all) {
    if (c.get() == &cg || !c->within(cg)) continue;
    (c->removed ? dying : live)++;
  }
  return "nr_descendants " + std::to_string(live) + "\nnr_dying_descendants " + std::to_string(dying) + "\n";
}

}  // namespace

// --- the tree ----------------------------------------------------------------------

CgroupHierarchy::CgroupHierarchy() {
  all.push_back(std::make_unique<Cgroup>());
  root = all.back().get();
  root->memory.counter.cgroup = root;
}

std::string Cgroup::path() const {
  if (is_root()) return "/";
  std::string s;
  for (const Cgroup* c = this; !c->is_root(); c = c->parent) s = "/" + c->name + s;
  return s;
}

bool Cgroup::populated() const {
  if (!procs.empty()) return true;
  return std::any_of(children.begin(), children.end(), [](const auto& kv) { return kv.second->populated(); });
}

bool Cgroup::within(const Cgroup& ancestor) const {
  for (const Cgroup* c = this; c; c = c->parent)
    if (c == &ancestor) return true;
  return false;
}

ErrorOr<Cgroup*> cgroup_mkdir(Kernel& k, Cgroup& parent, const std::string& name) {
  if (parent.removed) return make_error(LINUX_ENOENT, parent.path() + ": removed");
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\n') != std::string::npos)
    return make_error(LINUX_EINVAL, "'" + name + "': not a cgroup name");
  if (name.size() > 255) return make_error(LINUX_ENAMETOOLONG);
  if (parent.children.count(name) || cgroup_file(parent, name))
    return make_error(LINUX_EEXIST, parent.path() + (parent.is_root() ? "" : "/") + name + ": exists");
  auto cg = std::make_unique<Cgroup>();
  cg->name = name;
  cg->parent = &parent;
  cg->memory.counter.parent = &parent.memory.counter;
  cg->memory.counter.cgroup = cg.get();
  Cgroup* raw = cg.get();
  parent.children[name] = raw;
  k.cgroups.all.push_back(std::move(cg));
  return raw;
}

int cgroup_rmdir(Kernel&, Cgroup& cg) {
  if (cg.is_root() || !cg.procs.empty() || !cg.children.empty()) return -LINUX_EBUSY;
  cg.removed = true;
  cg.parent->children.erase(cg.name);
  return 0;
}

Cgroup* cgroup_find(Kernel& k, const std::string& path) {
  Cgroup* cg = k.cgroups.root;
  std::istringstream in(path);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (part.empty()) continue;
    auto it = cg->children.find(part);
    if (it == cg->children.end()) return nullptr;
    cg = it->second;
  }
  return cg;
}

int cgroup_attach(Kernel& k, Cgroup& dst, Process& p) {
  if (dst.removed) return -LINUX_ENOENT;
  if (!dst.is_root() && dst.subtree_control) return -LINUX_EBUSY;  // no internal processes
  Cgroup* src = p.cgroup;
  if (src == &dst) return 0;
  Cgroup* old_rq = k.sched.path(p).back();
  // Migration moves the pids charge without checking pids.max (as Linux
  // does); memory already charged stays where it was.
  if (src) {
    pids_uncharge(*src);
    src->procs.erase(p.host_pid());
  }
  pids_try_charge(dst, false);
  cgroup_post_fork(dst, p);
  k.sched.moved(p, *old_rq, *k.sched.path(p).back());
  return 0;
}

void cgroup_record(Kernel& k, const Cgroup& cg, const char* what, uint32_t code) {
  if (!k.trace) return;
  trace::Event e;
  e.kind = trace::Kind::Cgroup;
  e.time_ns = k.now_ns();
  e.insns = k.cpu.s.insns;
  e.set_source(cg.path().c_str());
  e.what = what;
  e.code = code;
  k.trace->record(e);
}

// --- the process life cycle ------------------------------------------------------

int cgroup_can_fork(Kernel& k, Process& parent) {
  if (!parent.cgroup) return 0;
  Cgroup* over = pids_try_charge(*parent.cgroup, true);
  if (!over) return 0;
  over->pids.events_max++;
  k.record(trace::Kind::Cgroup, &parent, "pids.max: fork refused", uint32_t(over->pids.max));
  return -LINUX_EAGAIN;
}

void cgroup_cancel_fork(Process& parent) {
  if (parent.cgroup) pids_uncharge(*parent.cgroup);
}

void cgroup_post_fork(Cgroup& cg, Process& p) {
  p.cgroup = &cg;
  cg.procs.insert(p.host_pid());
  if (p.mm) p.mm->memcg = memcg_counter(cg);
}

void cgroup_exit(Process& p) {
  if (p.cgroup) p.cgroup->procs.erase(p.host_pid());
}

void cgroup_release(Process& p) {
  if (!p.cgroup) return;
  p.cgroup->procs.erase(p.host_pid());
  pids_uncharge(*p.cgroup);
  p.cgroup = nullptr;
}

// --- files ---------------------------------------------------------------------------

const std::vector<CgroupFile>& cgroup_core_files() {
  static const std::vector<CgroupFile> files = {
      {"cgroup.controllers", 0, false, show_controllers, nullptr},
      {"cgroup.events", 0, true, show_events, nullptr},
      {"cgroup.procs", 0, false, show_procs, write_procs},
      {"cgroup.stat", 0, false, show_stat, nullptr},
      {"cgroup.subtree_control", 0, false, show_subtree_control, write_subtree_control},
      {"cgroup.type", 0, true, show_type, write_type},
  };
  return files;
}

std::vector<const CgroupFile*> cgroup_files(const Cgroup& cg) {
  std::vector<const CgroupFile*> out;
  for (const auto* table : {&cgroup_core_files(), &cgroup_cpu_files(), &cgroup_memory_files(), &cgroup_pids_files()}) {
    for (const CgroupFile& f : *table) {
      if (f.not_on_root && cg.is_root()) continue;
      if (f.controller && !(cg.controllers() & f.controller)) continue;
      out.push_back(&f);
    }
  }
  return out;
}

const CgroupFile* cgroup_file(const Cgroup& cg, const std::string& name) {
  for (const CgroupFile* f : cgroup_files(cg))
    if (name == f->name) return f;
  return nullptr;
}

ErrorOr<std::string> cgroup_read(Kernel& k, Cgroup& cg, const std::string& file, const Process* viewer) {
  const CgroupFile* f = cgroup_file(cg, file);
  if (!f) return make_error(LINUX_ENOENT, cg.path() + ": no file " + file);
  return f->show(k, cg, viewer);
}

int cgroup_write(Kernel& k, Cgroup& cg, const std::string& file, const std::string& text, const Process* writer) {
  const CgroupFile* f = cgroup_file(cg, file);
  if (!f) return -LINUX_ENOENT;
  if (!f->write) return -LINUX_EACCES;
  if (cg.removed) return -LINUX_ENODEV;
  return f->write(k, cg, writer, text);
}

std::string cgroup_trim(const std::string& text) {
  size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) b++;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) e--;
  return text.substr(b, e - b);
}

bool cgroup_parse_limit(const std::string& text, bool suffixes, uint64_t& value, bool& is_max) {
  std::string t = cgroup_trim(text);
  is_max = t == "max";
  if (is_max) return true;
  if (t.empty() || !std::isdigit(static_cast<unsigned char>(t[0]))) return false;
  size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(t, &used);
  } catch (...) {
    return false;
  }
  std::string rest = t.substr(used);
  int shift = 0;
  if (suffixes && rest.size() == 1) {
    switch (std::toupper(static_cast<unsigned char>(rest[0]))) {
      case 'K': shift = 10; break;
      case 'M': shift = 20; break;
      case 'G': shift = 30; break;
      default: return false;
    }
  } else if (!rest.empty()) {
    return false;
  }
  if (shift && v > (UINT64_MAX >> shift)) return false;
  value = uint64_t(v) << shift;
  return true;
}

}  // namespace isolab::containers
