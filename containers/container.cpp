// Starting and waiting for a container (container.h).
#include "containers/container.h"

#include "containers/linux_abi.h"
#include "containers/ns/nsproxy.h"

namespace isolab::containers {

using namespace linux_abi;

namespace {

const char* const kPath[] = {"/bin", "/usr/bin", "/sbin", "/usr/sbin"};

// The path of `cmd` in the image: itself if it has a '/', else the first
// PATH directory holding it.
std::string find_program(const Image& image, const std::string& cmd) {
  if (cmd.find('/') != std::string::npos) return cmd;
  for (const char* dir : kPath) {
    vfs::InodePtr d = image.root;
    bool ok = true;
    std::string rest = dir + 1;
    size_t at = 0;
    while (ok && at <= rest.size()) {
      size_t slash = rest.find('/', at);
      std::string part = rest.substr(at, slash == std::string::npos ? std::string::npos : slash - at);
      auto it = d->entries.find(part);
      ok = it != d->entries.end() && it->second->type == vfs::InodeType::Dir;
      if (ok) d = it->second;
      if (slash == std::string::npos) break;
      at = slash + 1;
    }
    if (ok && d->entries.count(cmd)) return std::string(dir) + "/" + cmd;
  }
  return {};
}

// /sys/fs/cgroup/<name> with the container's limits, as runc writes them.
ErrorOr<Cgroup*> make_container_cgroup(Kernel& k, const std::string& name, const ContainerSpec& spec) {
  if (Cgroup* old = k.cgroups.root->children.count(name) ? k.cgroups.root->children[name] : nullptr) {
    if (old->populated()) return make_error(LINUX_EEXIST, name + ": a container of that name is running");
    if (int err = cgroup_rmdir(k, *old)) return make_error(-err, old->path() + ": cannot remove the old cgroup");
  }
  auto cg = cgroup_mkdir(k, *k.cgroups.root, name);
  if (!cg) return make_error(cg.code(), "cgroup " + name + ": " + cg.error().message);
  if (spec.memory_max) {
    if (int err = cgroup_write(k, **cg, "memory.max", std::to_string(spec.memory_max)))
      return make_error(-err, "memory.max: cannot set " + std::to_string(spec.memory_max));
  }
  if (spec.pids_max >= 0) {
    if (int err = cgroup_write(k, **cg, "pids.max", std::to_string(spec.pids_max)))
      return make_error(-err, "pids.max: cannot set " + std::to_string(spec.pids_max));
  }
  return *cg;
}

}  // namespace

ErrorOr<Container> start_container(Kernel& k, const Image& image, const ContainerSpec& spec) {
  Container c;
  c.name = spec.name.empty() ? image.name : spec.name;
  c.hostname = spec.hostname.empty() ? c.name : spec.hostname;
  std::vector<std::string> argv = spec.cmd.empty() ? std::vector<std::string>{"sh"} : spec.cmd;
  std::string path = find_program(image, argv[0]);
  if (path.empty()) return make_error(LINUX_ENOENT, argv[0] + ": not found in the image's PATH (/bin:/usr/bin:/sbin:/usr/sbin)");
  SpawnSpec s;
  s.container = c.name;
  s.root = container_root(k, image);
  s.path = path;
  s.argv = argv;
  s.envp = {"PATH=/bin:/usr/bin:/sbin:/usr/sbin", "HOME=/root", "HOSTNAME=" + c.hostname};
  s.envp.insert(s.envp.end(), spec.env.begin(), spec.env.end());
  s.streams = spec.streams;
  s.new_pid_ns = true;
  s.new_uts_ns = true;
  // runc's default namespaces: pid, mnt, uts, ipc, net, cgroup (user and time when asked).
  s.ns_flags = ns::container_clone_flags(spec.user_ns, spec.time_ns);
  s.hostname = c.hostname;
  auto cg = make_container_cgroup(k, c.name, spec);
  if (!cg) return cg.error();
  c.cgroup = s.cgroup = *cg;
  auto init = k.spawn(s);
  if (!init) return init.error();
  c.init_host_pid = (*init)->host_pid();
  return c;
}

RunResult wait_container(Kernel& k, Container& c, uint64_t max_insns) {
  auto init_done = [&] {
    Process* p = k.find_host_pid(c.init_host_pid);
    return !p || p->state == ProcState::Zombie;
  };
  RunResult r = k.run(max_insns, init_done);
  Process* init = k.find_host_pid(c.init_host_pid);
  if (init && init->state == ProcState::Zombie) {
    c.exited = true;
    c.wait_status = init->killed_by_signal ? (init->exit_code & 0x7f) : ((init->exit_code & 0xff) << 8);
    c.exit_code = init->killed_by_signal ? 128 + init->exit_code : init->exit_code;
    k.reap(init);
  }
  return r;
}

}  // namespace isolab::containers
