// The container runtime: Docker's verbs over one kernel (runtime.h).
#include "containers/runtime.h"

#include <algorithm>
#include <cctype>

#include "containers/linux_abi.h"

namespace isolab::containers {

using namespace linux_abi;

namespace {

// Signal names as kill -l lists them (signal(7)).
struct SignalName {
  const char* name;
  int number;
};
constexpr SignalName kSignals[] = {
    {"HUP", LINUX_SIGHUP},   {"INT", LINUX_SIGINT},   {"QUIT", LINUX_SIGQUIT}, {"ILL", LINUX_SIGILL},
    {"TRAP", LINUX_SIGTRAP}, {"ABRT", LINUX_SIGABRT}, {"BUS", LINUX_SIGBUS},   {"FPE", LINUX_SIGFPE},
    {"KILL", LINUX_SIGKILL}, {"USR1", LINUX_SIGUSR1}, {"SEGV", LINUX_SIGSEGV}, {"USR2", LINUX_SIGUSR2},
    {"PIPE", LINUX_SIGPIPE}, {"ALRM", LINUX_SIGALRM}, {"TERM", LINUX_SIGTERM}, {"CHLD", LINUX_SIGCHLD},
    {"CONT", LINUX_SIGCONT}, {"STOP", LINUX_SIGSTOP}, {"TSTP", LINUX_SIGTSTP}, {"TTIN", LINUX_SIGTTIN},
    {"TTOU", LINUX_SIGTTOU}, {"URG", LINUX_SIGURG},   {"WINCH", LINUX_SIGWINCH},
};

// A copy of a plain tree that shares the files' bytes (each side copies
// them before its first write): a snapshot of an upper layer for commit.
vfs::InodePtr snapshot_tree(const vfs::InodePtr& in) {
  auto copy = std::make_shared<vfs::Inode>(*in);
  copy->frozen = false;
  for (auto& [name, child] : copy->entries) child = snapshot_tree(child);
  return copy;
}

// Docker's reference grammar, cut down: lower-case letters, digits and
// . _ - / separators, an optional :tag.
bool valid_image_name(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  size_t colon = name.rfind(':');
  std::string repo = colon == std::string::npos ? name : name.substr(0, colon);
  std::string tag = colon == std::string::npos ? "" : name.substr(colon + 1);
  if (repo.empty() || (colon != std::string::npos && tag.empty())) return false;
  if (!std::isalnum(static_cast<unsigned char>(repo.front()))) return false;
  for (char ch : repo)
    if (!(std::islower(static_cast<unsigned char>(ch)) || std::isdigit(static_cast<unsigned char>(ch)) ||
          ch == '.' || ch == '_' || ch == '-' || ch == '/'))
      return false;
  for (char ch : tag)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-')) return false;
  return true;
}

uint64_t read_number(Kernel& k, Cgroup& cg, const char* file) {
  auto text = cgroup_read(k, cg, file);
  if (!text || text->empty() || !std::isdigit(static_cast<unsigned char>((*text)[0]))) return 0;
  return std::stoull(*text);
}

}  // namespace

int signal_number(const std::string& name) {
  if (!name.empty() && std::all_of(name.begin(), name.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); })) {
    if (name.size() > 2) return 0;
    int n = std::stoi(name);
    return n >= 1 && n <= LINUX_NSIG ? n : 0;
  }
  std::string upper;
  for (char ch : name) upper += char(std::toupper(static_cast<unsigned char>(ch)));
  if (upper.rfind("SIG", 0) == 0) upper.erase(0, 3);
  for (const SignalName& s : kSignals)
    if (upper == s.name) return s.number;
  return 0;
}

// --- images --------------------------------------------------------------------

void Runtime::add_image(Image image) {
  for (LayerPtr& l : image.layers) l = k_.layers.intern(l);
  std::string name = image.name;
  images_[name] = std::move(image);
}

const Image* Runtime::find_image(const std::string& name) const {
  auto it = images_.find(name);
  return it == images_.end() ? nullptr : &it->second;
}

std::vector<ImageInfo> Runtime::images() const {
  std::vector<ImageInfo> out;
  for (const auto& [name, image] : images_) out.push_back({name, image.layers, image.bytes()});
  return out;
}

ErrorOr<const Image*> Runtime::commit(const std::string& container, const std::string& image_name) {
  RuntimeContainer* rc = find(container);
  if (!rc) return make_error(LINUX_ENOENT, "no such container: " + container);
  if (!valid_image_name(image_name))
    return make_error(LINUX_EINVAL, "invalid reference format: '" + image_name +
                                        "' (lower-case letters, digits, . _ - /, and an optional :tag)");
  Image image;
  image.name = image_name;
  // The container's lower layers, without the init layer on top of them.
  const std::vector<LayerPtr>& lowers = rc->c.rootfs.layers;
  image.layers.assign(lowers.begin(), lowers.end() - 1);
  vfs::InodePtr upper = snapshot_tree(rc->c.rootfs.overlay->upper);
  image.layers.push_back(make_layer(std::move(upper), "commit " + container));
  add_image(std::move(image));
  return find_image(image_name);
}

// --- containers ------------------------------------------------------------------

RuntimeContainer* Runtime::find(const std::string& name) {
  for (auto& c : containers_)
    if (c->c.name == name) return c.get();
  return nullptr;
}

std::vector<const RuntimeContainer*> Runtime::ps(bool all) const {
  std::vector<const RuntimeContainer*> out;
  for (const auto& c : containers_)
    if (all || c->state == ContainerState::Running) out.push_back(c.get());
  return out;
}

ErrorOr<RuntimeContainer*> Runtime::run(const std::string& image_name, ContainerSpec spec, const RunOptions& options) {
  const Image* image = find_image(image_name);
  if (!image) {
    std::string known;
    for (const auto& [name, img] : images_) known += (known.empty() ? "" : ", ") + name;
    return make_error(LINUX_ENOENT, "unknown image '" + image_name + "' (images: " + (known.empty() ? "none" : known) + ")");
  }
  if (spec.network != "none" && spec.network != "bridge")
    return make_error(LINUX_EINVAL, "--network '" + spec.network + "': expected none or bridge");
  if (spec.name.empty()) {
    std::string base = image_name.substr(0, image_name.find(':'));
    base = base.substr(base.rfind('/') + 1);
    spec.name = base;
    for (int n = 2; find(spec.name); n++) spec.name = base + "-" + std::to_string(n);
  }
  if (find(spec.name))
    return make_error(LINUX_EEXIST, "the container name '" + spec.name + "' is already in use (rm it first)");
  auto rc = std::make_unique<RuntimeContainer>();
  RuntimeContainer* raw = rc.get();
  rc->streams = std::make_shared<vfs::HostStreams>();
  auto on_output = options.on_output;
  rc->streams->write = [raw, on_output](int stream, const char* data, size_t len) {
    raw->logs.append(data, len);
    if (on_output) on_output(stream, std::string(data, len));
  };
  auto stdin_read = options.stdin_read;
  rc->streams->read = [stdin_read](char* buf, size_t len) -> long { return stdin_read ? stdin_read(buf, len) : 0; };
  spec.streams = rc->streams;
  auto c = start_container(k_, *image, spec);
  if (!c) return c.error();
  rc->c = std::move(*c);
  rc->spec = spec;
  rc->cmd = spec.cmd.empty() ? std::vector<std::string>{"sh"} : spec.cmd;
  rc->started_ns = k_.now_ns();
  containers_.push_back(std::move(rc));
  if (options.attach) wait(raw->c.name, options.max_insns);
  return raw;
}

ErrorOr<int> Runtime::exec(const std::string& name, const std::vector<std::string>& cmd) {
  RuntimeContainer* rc = find(name);
  if (!rc) return make_error(LINUX_ENOENT, "no such container: " + name);
  collect(true);
  if (rc->state != ContainerState::Running) return make_error(LINUX_EINVAL, "container " + name + " is not running");
  if (cmd.empty() || cmd[0].empty()) return make_error(LINUX_EINVAL, "exec: no command");
  Process* init = k_.find_host_pid(rc->c.init_host_pid);
  std::string path = find_program(init->root, cmd[0]);
  if (path.empty()) return make_error(LINUX_ENOENT, cmd[0] + ": not found in the container's PATH (/bin:/usr/bin:/sbin:/usr/sbin)");
  SpawnSpec s;
  s.container = rc->c.name;
  s.root = init->root;
  s.path = path;
  s.argv = cmd;
  s.envp = {"PATH=/bin:/usr/bin:/sbin:/usr/sbin", "HOME=/root", "HOSTNAME=" + rc->c.hostname};
  s.streams = rc->streams;
  s.cgroup = rc->c.cgroup;
  s.join = init;
  auto p = k_.spawn(s);
  if (!p) return exec_failure(s.root, path, p.error());
  rc->exec_pids.push_back((*p)->host_pid());
  return (*p)->host_pid();
}

Error Runtime::kill(const std::string& name, int signal) {
  RuntimeContainer* rc = find(name);
  if (!rc) return make_error(LINUX_ENOENT, "no such container: " + name);
  if (signal < 1 || signal > LINUX_NSIG) return make_error(LINUX_EINVAL, "invalid signal " + std::to_string(signal));
  collect(true);
  if (rc->state != ContainerState::Running) return make_error(LINUX_EINVAL, "container " + name + " is not running");
  k_.send_signal(*k_.find_host_pid(rc->c.init_host_pid), signal, nullptr);
  collect(true);
  return {};
}

Error Runtime::stop(const std::string& name, uint64_t timeout_ns) {
  RuntimeContainer* rc = find(name);
  if (!rc) return make_error(LINUX_ENOENT, "no such container: " + name);
  collect(true);
  if (rc->state != ContainerState::Running) return {};  // docker stop on a stopped container succeeds
  rc->stop_deadline_ns = k_.now_ns() + timeout_ns;
  k_.add_host_timer(rc->stop_deadline_ns);  // SIGKILL at the timeout even if every process sleeps
  k_.send_signal(*k_.find_host_pid(rc->c.init_host_pid), LINUX_SIGTERM, nullptr);
  RunResult r = wait(name);
  if (rc->state == ContainerState::Running && r != RunResult::Done) {
    // The run ended before the deadline's SIGKILL (nothing left to wait
    // for): the timeout is over at once.
    k_.send_signal(*k_.find_host_pid(rc->c.init_host_pid), LINUX_SIGKILL, nullptr);
    wait(name);
  }
  rc->stop_deadline_ns = 0;
  if (rc->state == ContainerState::Running) return make_error(LINUX_EBUSY, "container " + name + " did not stop");
  return {};
}

Error Runtime::rm(const std::string& name, bool force) {
  RuntimeContainer* rc = find(name);
  if (!rc) return make_error(LINUX_ENOENT, "no such container: " + name);
  collect(true);
  if (rc->state == ContainerState::Running) {
    if (!force)
      return make_error(LINUX_EBUSY, "cannot remove the running container " + name + ": stop it first, or rm -f");
    k_.send_signal(*k_.find_host_pid(rc->c.init_host_pid), LINUX_SIGKILL, nullptr);
    wait(name);
  }
  // Whatever is left in its cgroup (an exec'd process, an orphan) goes too.
  Cgroup* cg = rc->c.cgroup;
  for (int pid : std::vector<int>(cg->procs.begin(), cg->procs.end()))
    if (Process* p = k_.find_host_pid(pid); p && p->state != ProcState::Zombie) k_.send_signal(*p, LINUX_SIGKILL, nullptr);
  collect(true);
  for (int pid : std::vector<int>(rc->exec_pids)) {
    Process* p = k_.find_host_pid(pid);
    if (p && p->state == ProcState::Zombie) k_.reap(p);
  }
  if (int err = cgroup_rmdir(k_, *cg))
    return make_error(-err, cg->path() + ": cannot remove the container's cgroup (errno " + std::to_string(-err) + ")");
  containers_.erase(std::find_if(containers_.begin(), containers_.end(), [rc](const auto& c) { return c.get() == rc; }));
  k_.layers.prune();
  return {};
}

ErrorOr<std::string> Runtime::logs(const std::string& name) const {
  for (const auto& c : containers_)
    if (c->c.name == name) return c->logs;
  return make_error(LINUX_ENOENT, "no such container: " + name);
}

ErrorOr<ContainerStats> Runtime::stats(const std::string& name) {
  RuntimeContainer* rc = find(name);
  if (!rc) return make_error(LINUX_ENOENT, "no such container: " + name);
  collect(true);
  ContainerStats s;
  s.name = name;
  for (const auto& [pid, n] : rc->insns_by_pid) s.cpu_insns += n;
  s.memory_current = read_number(k_, *rc->c.cgroup, "memory.current");
  s.memory_max = read_number(k_, *rc->c.cgroup, "memory.max");
  s.pids_current = int64_t(read_number(k_, *rc->c.cgroup, "pids.current"));
  s.upper_bytes = vfs::tree_bytes(*rc->c.rootfs.overlay->upper);
  s.copy_ups = rc->c.rootfs.overlay->copy_ups;
  s.whiteouts = rc->c.rootfs.overlay->whiteouts;
  return s;
}

uint64_t Runtime::uppers_bytes() const {
  uint64_t n = 0;
  for (const auto& c : containers_) n += vfs::tree_bytes(*c->c.rootfs.overlay->upper);
  return n;
}

// --- running ---------------------------------------------------------------------

bool Runtime::init_gone(const RuntimeContainer& rc) const {
  if (rc.state != ContainerState::Running) return true;
  const Process* init = k_.find_host_pid(rc.c.init_host_pid);
  return !init || init->state == ProcState::Zombie;
}

void Runtime::collect(bool reap) {
  for (auto& rc : containers_) {
    if (rc->c.cgroup)
      for (int pid : rc->c.cgroup->procs)
        if (const Process* p = k_.find_host_pid(pid)) rc->insns_by_pid[pid] = p->user_insns;
    for (auto it = rc->exec_pids.begin(); it != rc->exec_pids.end();) {
      Process* p = k_.find_host_pid(*it);
      if (p && (p->state != ProcState::Zombie || !reap)) {
        ++it;
        continue;
      }
      if (p) {
        rc->insns_by_pid[*it] = p->user_insns;
        k_.reap(p);
      }
      it = rc->exec_pids.erase(it);
    }
    if (rc->state != ContainerState::Running) continue;
    if (const Process* init = k_.find_host_pid(rc->c.init_host_pid)) rc->insns_by_pid[init->host_pid()] = init->user_insns;
    if (init_gone(*rc)) {
      // Reaping changes the process table: only between runs of the kernel.
      if (!reap) continue;
      wait_container(k_, rc->c, 0);  // a zero budget only looks, and reaps the init
      rc->state = ContainerState::Exited;
      rc->stop_deadline_ns = 0;
    } else if (rc->stop_deadline_ns && k_.now_ns() >= rc->stop_deadline_ns) {
      rc->stop_deadline_ns = 0;
      k_.send_signal(*k_.find_host_pid(rc->c.init_host_pid), LINUX_SIGKILL, nullptr);
    }
  }
}

RunResult Runtime::run_kernel(uint64_t max_insns, const std::function<bool()>& done) {
  collect(true);
  if (done && done()) return RunResult::Done;
  RunResult r = k_.run(max_insns, [&] {
    collect(false);
    return done && done();
  });
  collect(true);
  return r;
}

RunResult Runtime::wait(const std::string& name, uint64_t max_insns) {
  RuntimeContainer* rc = find(name);
  if (!rc) return RunResult::Done;
  return run_kernel(max_insns, [this, rc] { return init_gone(*rc); });
}

}  // namespace isolab::containers
