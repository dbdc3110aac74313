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

// How `docker run` reports the errno of a failed exec: strerror's words.
std::string errno_words(int code) {
  switch (code) {
    case LINUX_ENOEXEC: return "exec format error";
    case LINUX_EACCES: return "permission denied";
    case LINUX_ENOENT: return "no such file or directory";
    case LINUX_E2BIG: return "argument list too long";
    case LINUX_ENOMEM: return "cannot allocate memory";
    default: return "error " + std::to_string(code);
  }
}

Error no_such_container(const std::string& name) { return make_error(LINUX_ENOENT, "no container named '" + name + "'"); }

uint64_t read_number(Kernel& k, Cgroup& cg, const char* file) {
  auto text = cgroup_read(k, cg, file);
  if (!text || text->empty() || !std::isdigit(static_cast<unsigned char>((*text)[0]))) return 0;
  return std::stoull(*text);
}

}  // namespace

const char* state_name(ContainerState state) {
  switch (state) {
    case ContainerState::Running: return "running";
    case ContainerState::Exited: return "exited";
    case ContainerState::Failed: return "failed";
  }
  return "?";
}

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
  if (!rc) return no_such_container(container);
  if (rc->state == ContainerState::Failed || !rc->c.rootfs.overlay)
    return make_error(LINUX_EINVAL, "container " + container + " has no root file system (it never started)");
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
  if (k_.faults.dead)
    return make_error(LINUX_EIO, "the container kernel is dead (" + k_.faults.oops_reason + "): nothing starts on it any more");
  if (!find_image(image_name) && image_source) {
    // Loaded once and kept: its layers are in the layer store, each once,
    // however many containers use it.
    auto pulled = image_source(image_name);
    if (!pulled) return pulled.error();
    pulled->name = image_name;
    add_image(std::move(*pulled));
  }
  const Image* image = find_image(image_name);
  if (!image) {
    std::string known;
    for (const auto& [name, img] : images_) known += (known.empty() ? "" : ", ") + name;
    return make_error(LINUX_ENOENT, "unknown image '" + image_name + "' (images: " + (known.empty() ? "none" : known) + ")");
  }
  if (spec.network != "none" && spec.network != "bridge" && spec.network != "host")
    return make_error(LINUX_EINVAL, "--network '" + spec.network + "': expected bridge, none or host");
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
  rc->input = options.input;
  rc->streams = std::make_shared<vfs::HostStreams>();
  auto on_output = options.on_output;
  Kernel* k = &k_;
  rc->streams->write = [raw, k, on_output](int stream, const char* data, size_t len) {
    if (!raw->started_output && len > 0) {
      raw->started_output = true;
      raw->start_insns = k->cpu.s.insns - raw->started_insns;
      raw->start_ns = k->now_ns() - raw->started_ns;
    }
    raw->logs.append(data, len);
    if (on_output) on_output(stream, std::string(data, len));
  };
  auto stdin_read = options.stdin_read;
  rc->streams->read = [raw, stdin_read](char* buf, size_t len) -> long {
    if (stdin_read) return stdin_read(buf, len);
    size_t n = std::min(len, raw->input.size());
    std::copy_n(raw->input.data(), n, buf);
    raw->input.erase(0, n);
    return long(n);
  };
  spec.streams = rc->streams;
  rc->spec = spec;
  rc->cmd = spec.cmd.empty() ? std::vector<std::string>{"sh"} : spec.cmd;
  rc->started_ns = k_.now_ns();
  rc->started_insns = k_.cpu.s.insns;
  // The cgroup files of the spec's limits are written before the first
  // instruction runs (start_container), as runc writes them.
  auto c = start_container(k_, *image, spec);
  if (!c) {
    // A command missing from the image is a mistake in the command line;
    // a program the kernel will not execute is what the container does.
    if (c.code() == LINUX_ENOENT || c.code() == LINUX_EEXIST) return c.error();
    rc->state = ContainerState::Failed;
    rc->error = errno_words(c.code()) + ": " + c.error().message;
    rc->c.name = spec.name;
    rc->c.hostname = spec.hostname.empty() ? spec.name : spec.hostname;
    rc->c.image = image->name;
    rc->c.exited = true;
    rc->c.exit_code = 126;  // Docker's "command cannot be invoked"
    rc->c.cgroup = cgroup_find(k_, "/" + spec.name);
  } else {
    rc->c = std::move(*c);
  }
  containers_.push_back(std::move(rc));
  if (options.attach && raw->state == ContainerState::Running) wait(raw->c.name, options.max_insns);
  return raw;
}

ErrorOr<int> Runtime::exec(const std::string& name, const std::vector<std::string>& cmd) {
  RuntimeContainer* rc = find(name);
  if (!rc) return no_such_container(name);
  collect(true);
  if (rc->state != ContainerState::Running) return make_error(LINUX_EINVAL, "container " + name + " is not running");
  if (cmd.empty() || cmd[0].empty()) return make_error(LINUX_EINVAL, "no command to run");
  if (k_.faults.dead) return make_error(LINUX_EIO, "the container kernel is dead (" + k_.faults.oops_reason + ")");
  Process* init = k_.find_host_pid(rc->c.init_host_pid);
  if (!init) return make_error(LINUX_EINVAL, "container " + name + " is not running");
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
  if (!rc) return no_such_container(name);
  if (signal < 1 || signal > LINUX_NSIG) return make_error(LINUX_EINVAL, "invalid signal " + std::to_string(signal));
  collect(true);
  if (init_gone(*rc)) return make_error(LINUX_EINVAL, "container " + name + " is not running");
  signal_init(*rc, signal);
  collect(true);
  return {};
}

Error Runtime::stop(const std::string& name, uint64_t timeout_ns) {
  RuntimeContainer* rc = find(name);
  if (!rc) return no_such_container(name);
  collect(true);
  if (rc->state != ContainerState::Running) return {};  // docker stop on a stopped container succeeds
  if (host_.run_round) return stop_on_host(*rc, timeout_ns);
  rc->stop_deadline_ns = std::max<uint64_t>(k_.now_ns() + timeout_ns, 1);  // 0 means none
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

Error Runtime::stop_on_host(RuntimeContainer& rc, uint64_t timeout_ns) {
  signal_init(rc, LINUX_SIGTERM);
  const uint64_t deadline = host_.now_ns() + timeout_ns;
  // The host runs while the init may handle SIGTERM; when nothing can run,
  // time stands still and the timeout is over at once.
  while (rc.state == ContainerState::Running && host_.now_ns() < deadline && host_.run_round()) {}
  if (rc.state == ContainerState::Running) {
    signal_init(rc, LINUX_SIGKILL);
    for (int round = 0; rc.state == ContainerState::Running && round < 1000; round++) host_.run_round();
  }
  if (rc.state == ContainerState::Running) return make_error(LINUX_EBUSY, "container " + rc.c.name + " did not stop");
  return {};
}

Error Runtime::rm(const std::string& name, bool force) {
  RuntimeContainer* rc = find(name);
  if (!rc) return no_such_container(name);
  collect(true);
  if (rc->state == ContainerState::Running) {
    if (!force)
      return make_error(LINUX_EBUSY, "cannot remove the running container " + name + ": stop it first, or rm -f");
    if (Error e = stop(name, 0); e.code) return e;
  }
  // Whatever is left in its cgroup (an exec'd process, an orphan) goes too.
  if (Cgroup* cg = rc->c.cgroup) {
    for (int pid : std::vector<int>(cg->procs.begin(), cg->procs.end()))
      if (Process* p = k_.find_host_pid(pid); p && p->state != ProcState::Zombie) k_.send_signal(*p, LINUX_SIGKILL, nullptr);
    if (host_.run_round)
      for (int round = 0; !cg->procs.empty() && round < 1000 && host_.run_round(); round++) {}
    else
      run_kernel(UINT64_MAX, [cg] { return cg->procs.empty(); });
    collect(true);
    if (int err = cgroup_rmdir(k_, *cg))
      return make_error(-err, cg->path() + ": cannot remove the container's cgroup (errno " + std::to_string(-err) + ")");
  }
  containers_.erase(std::find_if(containers_.begin(), containers_.end(), [rc](const auto& c) { return c.get() == rc; }));
  k_.layers.prune();
  return {};
}

ErrorOr<std::string> Runtime::logs(const std::string& name) const {
  for (const auto& c : containers_)
    if (c->c.name == name) return c->logs;
  return no_such_container(name);
}

ErrorOr<ContainerStats> Runtime::stats(const std::string& name) {
  RuntimeContainer* rc = find(name);
  if (!rc) return no_such_container(name);
  collect(true);
  ContainerStats s;
  s.name = name;
  for (const auto& [pid, n] : rc->insns_by_pid) s.cpu_insns += n;
  if (Cgroup* cg = rc->c.cgroup) {
    s.memory_current = read_number(k_, *cg, "memory.current");
    s.memory_max = read_number(k_, *cg, "memory.max");
    s.pids_current = int64_t(read_number(k_, *cg, "pids.current"));
  }
  if (const auto& ov = rc->c.rootfs.overlay) {  // a Failed container has none
    s.upper_bytes = vfs::tree_bytes(*ov->upper);
    s.copy_ups = ov->copy_ups;
    s.whiteouts = ov->whiteouts;
  }
  return s;
}

uint64_t Runtime::uppers_bytes() const {
  uint64_t n = 0;
  for (const auto& c : containers_)
    if (c->c.rootfs.overlay) n += vfs::tree_bytes(*c->c.rootfs.overlay->upper);
  return n;
}

// --- running ---------------------------------------------------------------------

bool Runtime::init_gone(const RuntimeContainer& rc) const {
  if (rc.state != ContainerState::Running) return true;
  const Process* init = k_.find_host_pid(rc.c.init_host_pid);
  return !init || init->state == ProcState::Zombie;
}

void Runtime::signal_init(const RuntimeContainer& rc, int signal) {
  if (!init_gone(rc)) k_.send_signal(*k_.find_host_pid(rc.c.init_host_pid), signal, nullptr);
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
    // Reaping changes the process table: only between runs of the kernel.
    // (A zero budget only looks, fires the alarms that are due, and reaps
    // the init if it has exited.)
    if (reap) wait_container(k_, rc->c, 0);
    if (init_gone(*rc)) {
      if (!reap) continue;
      rc->c.exited = true;
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
