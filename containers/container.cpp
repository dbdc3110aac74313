// Starting and waiting for a container (container.h).
#include "containers/container.h"

#include <algorithm>

#include "containers/linux_abi.h"
#include "containers/net/net.h"
#include "containers/ns/nsproxy.h"

namespace isolab::containers {

using namespace linux_abi;

namespace {

const char* const kPath[] = {"/bin", "/usr/bin", "/sbin", "/usr/sbin"};

// /sys/fs/cgroup/<name> with the container's limits, as runc writes them.
ErrorOr<Cgroup*> make_container_cgroup(Kernel& k, const std::string& name, const ContainerSpec& spec) {
  if (Cgroup* old = k.cgroups.root->children.count(name) ? k.cgroups.root->children[name] : nullptr) {
    if (old->populated()) return make_error(LINUX_EEXIST, name + ": a container of that name is running");
    if (int err = cgroup_rmdir(k, *old)) return make_error(-err, old->path() + ": cannot remove the old cgroup");
  }
  auto cg = cgroup_mkdir(k, *k.cgroups.root, name);
  if (!cg) return make_error(cg.code(), "cgroup " + name + ": " + cg.error().message);
  // The interface files runc writes for docker run's flags, in order.
  std::vector<std::pair<const char*, std::string>> writes;
  if (spec.memory_max) writes.emplace_back("memory.max", std::to_string(spec.memory_max));
  if (spec.pids_max >= 0) writes.emplace_back("pids.max", std::to_string(spec.pids_max));
  if (spec.cpu_weight) writes.emplace_back("cpu.weight", std::to_string(spec.cpu_weight));
  if (spec.cpus > 0) writes.emplace_back("cpu.max", std::to_string(uint64_t(spec.cpus * 100000 + 0.5)) + " 100000");
  for (const auto& [file, value] : writes) {
    int err = cgroup_write(k, **cg, file, value);
    if (!err) continue;
    std::string why = err == -LINUX_ENOENT ? "ENOENT: no such interface file (is its controller in this kernel?)"
                                           : "errno " + std::to_string(-err);
    std::string where = (**cg).path() + "/" + file;
    cgroup_rmdir(k, **cg);
    return make_error(-err, where + ": cannot write \"" + value + "\" (" + why + ")");
  }
  return *cg;
}

}  // namespace

// The words of exec's "exec format error", with what the loader found; for
// a 64-bit program, the lesson that a container needs the host's ABI.
Error exec_failure(const vfs::InodePtr& root, const std::string& path, const Error& e) {
  if (e.code != LINUX_ENOEXEC) return e;
  std::string why = e.message;
  Process viewer;
  viewer.root = root;
  viewer.cwd.stack = {{"", root}};
  viewer.cwd.inode = root;
  auto loc = vfs::walk(viewer, path, true);
  const vfs::Bytes* data = loc && loc->inode ? loc->inode->data.get() : nullptr;
  if (data && data->size() > 4 && std::equal(data->begin(), data->begin() + 4, "\x7f" "ELF") && (*data)[4] == 2)
    why += " (the kernel cannot execute that format: x86-64 code needs a 64-bit kernel, and containers share the host's)";
  return make_error(LINUX_ENOEXEC, why);
}

std::string find_program(const vfs::InodePtr& root, const std::string& cmd) {
  if (cmd.find('/') != std::string::npos) return cmd;
  Process viewer;  // walks as a process rooted there would
  viewer.root = root;
  viewer.cwd.stack = {{"", root}};
  viewer.cwd.inode = root;
  for (const char* dir : kPath) {
    std::string path = std::string(dir) + "/" + cmd;
    auto loc = vfs::walk(viewer, path, true);
    if (loc && loc->inode && loc->inode->type == vfs::InodeType::File) return path;
  }
  return {};
}

ErrorOr<Container> start_container(Kernel& k, const Image& image, const ContainerSpec& spec) {
  Container c;
  c.name = spec.name.empty() ? image.name : spec.name;
  c.hostname = spec.hostname.empty() ? c.name : spec.hostname;
  c.image = image.name;
  std::vector<std::string> argv = spec.cmd.empty() ? std::vector<std::string>{"sh"} : spec.cmd;
  if (argv[0].empty()) return make_error(LINUX_ENOENT, "an empty command");
  c.rootfs = container_root(k, image);
  std::string path = find_program(c.rootfs.root, argv[0]);
  if (path.empty()) return make_error(LINUX_ENOENT, argv[0] + ": not found in the image's PATH (/bin:/usr/bin:/sbin:/usr/sbin)");
  SpawnSpec s;
  s.container = c.name;
  s.root = c.rootfs.root;
  s.path = path;
  s.argv = argv;
  s.envp = {"PATH=/bin:/usr/bin:/sbin:/usr/sbin", "HOME=/root", "HOSTNAME=" + c.hostname};
  s.envp.insert(s.envp.end(), spec.env.begin(), spec.env.end());
  s.streams = spec.streams;
  s.new_pid_ns = true;
  s.new_uts_ns = true;
  // runc's default namespaces: pid, mnt, uts, ipc, net, cgroup (user and time when asked).
  s.ns_flags = ns::container_clone_flags(spec.user_ns, spec.time_ns);
  // --network host: the host's network namespace (no CLONE_NEWNET).
  if (spec.network == "host") s.ns_flags &= ~uint32_t(LINUX_CLONE_NEWNET);
  s.hostname = c.hostname;
  auto cg = make_container_cgroup(k, c.name, spec);
  if (!cg) return cg.error();
  c.cgroup = s.cgroup = *cg;
  auto init = k.spawn(s);
  if (!init) return exec_failure(s.root, path, init.error());
  c.init_host_pid = (*init)->host_pid();
  // The network Docker gives it (net/docker.cpp), before its first instruction runs.
  if (spec.network == "bridge") net::connect_to_bridge(k, *(*init)->ns.net);
  else if (spec.network == "none") net::bring_up_loopback(*(*init)->ns.net);
  else net::docker_bridge(k);  // host: dockerd has made docker0 all the same
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
