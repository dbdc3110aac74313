// The lab: VMs and containers on one host, advanced in rounds (lab.h).
#include "lab/lab.h"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <utility>
#include <sys/wait.h>

#include "containers/image.h"
#include "containers/linux_abi.h"
#include "emulator/loader.h"
#include "emulator/remote_vm.h"
#if __has_include("minios_paths.h")
#include "minios_paths.h"
#endif

namespace isolab::lab {

Lab::Lab() = default;

void Lab::hook(emulator::Vm& vm) {
  emulator::Vm* v = &vm;
  VmExtra* x = extras_[vm.name].get();
  v->machine->on_console = [v, x](uint8_t b) {
    v->console += char(b);
    // The first shell prompt ends the boot (lab.h, VmExtra).
    if (x->boot_insns == 0 && b == ' ' && v->console.size() >= 2 && v->console[v->console.size() - 2] == '$') {
      x->boot_insns = v->machine->cpu.s.insns;
      x->boot_ns = v->machine->now_ns();
    }
  };
  // Typed text goes in a line at a time, each when the guest is idle
  // waiting for it, as a person types after the prompt.
  v->machine->on_idle = [v, x]() {
    if (x->pending_input.empty()) return false;
    size_t nl = x->pending_input.find('\n');
    size_t end = nl == std::string::npos ? x->pending_input.size() : nl + 1;
    v->machine->uart.receive(std::string_view(x->pending_input).substr(0, end));
    x->pending_input.erase(0, end);
    return true;
  };
}

std::optional<std::string> Lab::create_vm(const VmSpec& spec) {
  if (host.find(spec.name)) return "a VM named '" + spec.name + "' exists already";
  std::string kernel_file = spec.image, initrd;
  if (spec.image == "minios") {
    kernel_file = emulator::minios_kernel_path();
    initrd = emulator::minios_initrd_path();
    if (kernel_file.empty()) return "this build has no miniOS image";
  }
  emulator::MachineConfig cfg;
  cfg.ram_bytes = spec.mem_bytes;
  cfg.paging = spec.paging;
  // Load into a machine of our own first, so a bad image leaves no VM behind.
  auto m = std::make_unique<emulator::Machine>(cfg);
  try {
    std::vector<emulator::Module> mods;
    if (!initrd.empty()) mods.push_back({emulator::read_file(initrd), initrd});
    // The command line starts with the kernel's path, as GRUB and QEMU's -kernel pass it.
    std::string cmdline = spec.cmdline.empty() ? kernel_file : kernel_file + " " + spec.cmdline;
    emulator::load_multiboot(m->cpu, emulator::read_file(kernel_file), cmdline, mods);
  } catch (const emulator::LoadError& e) {
    return std::string(e.what());
  }
  std::unique_ptr<emulator::Backend> backend;
  if (spec.backend == emulator::BackendKind::Kvm) {
    std::string refusal;
    backend = emulator::make_backend(spec.backend, *m, refusal);
    if (!backend) return refusal;
  }
  if (auto problem = add_vm_with_machine(spec.name, std::move(m), spec.weight, spec.image)) return problem;
  host.find(spec.name)->backend = std::move(backend);  // it refers to the machine, which stays where it is
  return std::nullopt;
}

std::optional<std::string> Lab::add_vm_with_machine(const std::string& name, std::unique_ptr<emulator::Machine> m,
                                                    uint32_t weight, const std::string& image) {
  if (host.find(name)) return "a VM named '" + name + "' exists already";
  emulator::Vm* vm = host.add(name, m->config, weight);
  extras_[name] = std::make_unique<VmExtra>();
  extras_[name]->image = image;
  replace_machine(*vm, std::move(m));
  return std::nullopt;
}

void Lab::replace_machine(emulator::Vm& vm, std::unique_ptr<emulator::Machine> m) {
  m->name = vm.name;
  vm.machine = std::move(m);
  hook(vm);
}

// --- live migration (the VM side) ------------------------------------------------

std::optional<std::string> Lab::migrate_vm(const std::string& name, const MigrateSpec& spec) {
  emulator::Vm* vm = host.find(name);
  if (!vm) return "no VM named '" + name + "'";
  VmExtra& x = extra(name);
  using emulator::VmState;
  if (vm->state != VmState::Created && vm->state != VmState::Running && vm->state != VmState::Paused)
    return name + " is " + emulator::vm_state_name(vm->state) + ": only a created, running or paused VM migrates";
  if (x.host_pid) return name + " runs in process " + std::to_string(x.host_pid) + " since its migration already";
  if (vm->backend)
    return name + ": the kvm backend keeps the CPU state in the kernel; live migration needs --backend interp";
  std::string host_addr = "127.0.0.1", error;
  uint16_t port = 0;
  if (!spec.to.empty() && !emulator::parse_endpoint(spec.to, host_addr, port))
    return "--to '" + spec.to + "': expected ADDR:PORT such as 127.0.0.1:7000";
  pid_t child = -1;
  if (spec.to.empty()) {
    child = emulator::start_target(target_exe, port, error);
    if (child < 0) return "cannot start the target process: " + error;
  }
  auto end_child = [&] {
    if (child > 0) {
      kill(child, SIGKILL);
      waitpid(child, nullptr, 0);
    }
  };
  int fd = emulator::connect_to(host_addr, port, error);
  if (fd < 0) {
    end_child();
    return error;
  }
  auto link = std::make_unique<emulator::Link>(fd);
  emulator::MigrationOptions options = spec.options;
  options.lockstep = spec.to.empty();
  emulator::MigrationReport report;
  try {
    report = emulator::migrate_out(*vm->machine, *link, options, vm->state == VmState::Running);
  } catch (const emulator::MigrationError& e) {
    end_child();
    return std::string("the migration failed: ") + e.what();
  }
  x.migration = report;
  x.host_pid = report.target_pid;
  switch (report.guest_stop) {  // the guest stopped by itself during pre-copy
    case emulator::MachineStop::Halted: vm->state = VmState::Halted; break;
    case emulator::MachineStop::TripleFault: vm->state = VmState::Crashed; break;
    case emulator::MachineStop::DebugExit:
      vm->exit_code = vm->machine->exit_code();
      vm->state = vm->exit_code == 1 ? VmState::Crashed : VmState::Exited;
      break;
    default: break;
  }
  if (!spec.to.empty()) {
    vm->state = VmState::Migrated;  // the other host runs it now
    return std::nullopt;
  }
  auto remote = std::make_unique<emulator::RemoteBackend>(*vm->machine, std::move(link), child);
  remote->take_input = [&x] { return std::exchange(x.pending_input, std::string()); };
  vm->backend = std::move(remote);
  return std::nullopt;
}

void Lab::end_remote_vm(emulator::Vm& vm) {
  if (!extra(vm.name).host_pid || !vm.backend) return;
  vm.backend.reset();  // says quit, closes the socket, reaps the process
}

namespace {

// The image called `name`, as containers/image.h builds it.
containers::ErrorOr<containers::Image> find_image(const std::string& name) {
#ifdef ISOLAB_MINIOS_BIN_DIR
  if (name == "minios") {
    auto image = containers::image_from_bin_dir("minios", ISOLAB_MINIOS_BIN_DIR);
    if (!image) return image;
    // The kernel file a VM of the image boots, so that a lesson can try to
    // run it in a container too (lesson 11: it is not a Linux program).
    std::string kernel = emulator::minios_kernel_path();
    if (!kernel.empty()) {
      try {
        auto bytes = std::make_shared<containers::vfs::Bytes>(emulator::read_file(kernel));
        auto boot = containers::vfs::make_dir(0755);
        boot->entries["minios.elf"] = containers::vfs::make_file(std::move(bytes), 0755);
        auto root = containers::vfs::make_dir(0755);
        root->entries["boot"] = boot;
        image->layers.push_back(containers::make_layer(std::move(root), "COPY minios.elf /boot"));
      } catch (const emulator::LoadError&) {
        // No kernel file: the image is the programs alone.
      }
    }
    return image;
  }
#endif
  if (name == "busybox") return containers::image_busybox(containers::busybox_cache_dir());
#ifdef ISOLAB_AMD64_IMAGE_DIR
  // An image for another platform: /bin/hello is an x86-64 program (lessons/programs/).
  if (name == "hello-amd64") return containers::image_from_bin_dir("hello-amd64", ISOLAB_AMD64_IMAGE_DIR);
#endif
  return containers::make_error(2, "unknown image '" + name + "' (images: minios, busybox, hello-amd64)");
}

// How `docker run` reports the errno of a failed exec: strerror's words.
std::string errno_words(int code) {
  switch (code) {
    case containers::linux_abi::LINUX_ENOEXEC: return "exec format error";
    case containers::linux_abi::LINUX_EACCES: return "permission denied";
    case containers::linux_abi::LINUX_ENOENT: return "no such file or directory";
    case containers::linux_abi::LINUX_E2BIG: return "argument list too long";
    case containers::linux_abi::LINUX_ENOMEM: return "cannot allocate memory";
    default: return "error " + std::to_string(code);
  }
}

}  // namespace

std::optional<std::string> Lab::run_container(const std::string& image_name, containers::ContainerSpec spec,
                                              const CtrOptions& options) {
  if (kernel.faults.dead)
    return "the container kernel is dead (" + kernel.faults.oops_reason + "): nothing starts on it any more";
  // An image is loaded once and kept (its layers are in the kernel's layer
  // store, each once, however many containers use it).
  if (!images_.count(image_name)) {
    auto loaded = find_image(image_name);
    if (!loaded) return loaded.error().message;
    images_[image_name] = std::move(*loaded);
  }
  const containers::Image* image = &images_.at(image_name);
  std::string name = spec.name.empty() ? image->name : spec.name;
  if (find_container(name)) return "a container named '" + name + "' exists already";
  spec.name = name;
  for (const auto& [file, text] : options.cgroup_writes) {
    containers::Cgroup parent, child;  // a cgroup whose parent enables every controller
    parent.subtree_control = containers::CGROUP_ALL_CONTROLLERS;
    child.parent = &parent;
    if (!containers::cgroup_file(child, file))
      return "this kernel's cgroups have no " + file + " file (its controller is not part of this build)";
  }
  auto lc = std::make_unique<LabContainer>();
  LabContainer* raw = lc.get();
  lc->input = options.input;
  containers::Kernel* k = &kernel;
  auto streams = std::make_shared<containers::vfs::HostStreams>();
  streams->write = [raw, k](int, const char* data, size_t len) {
    if (!raw->started_output && len > 0) {
      raw->started_output = true;
      raw->start_insns = k->cpu.s.insns - raw->run_insns;
      raw->start_ns = k->now_ns() - raw->run_ns;
    }
    raw->logs.append(data, len);
  };
  // stdin: what --input gave, then end of file (empty: at once, as with `docker run -d`).
  streams->read = [raw](char* buf, size_t len) -> long {
    size_t n = std::min(len, raw->input.size());
    std::copy_n(raw->input.data(), n, buf);
    raw->input.erase(0, n);
    return long(n);
  };
  streams->tty = false;
  spec.streams = streams;
  lc->streams = streams;
  lc->image = image_name;
  lc->cmd = spec.cmd.empty() ? std::vector<std::string>{"sh"} : spec.cmd;
  lc->run_insns = kernel.cpu.s.insns;
  lc->run_ns = kernel.now_ns();
  auto c = containers::start_container(kernel, *image, spec);
  if (!c) {
    // A command missing from the image is a mistake in the command line;
    // a program the kernel will not execute is what the container does.
    if (c.code() == containers::linux_abi::LINUX_ENOENT || c.code() == containers::linux_abi::LINUX_EEXIST)
      return c.error().message;
    lc->failed = true;
    lc->error = errno_words(c.code()) + ": " + c.error().message;
    lc->c.name = name;
    lc->c.exited = true;
    lc->c.exit_code = 126;  // Docker's "cannot invoke the command"
    lc->c.cgroup = containers::cgroup_find(kernel, "/" + name);
  } else {
    lc->c = *c;
  }
  containers_.push_back(std::move(lc));
  // Nothing of the container has run yet (the kernel runs in rounds).
  if (!raw->failed)
    for (const auto& [file, text] : options.cgroup_writes)
      if (int err = containers::cgroup_write(kernel, *raw->c.cgroup, file, text))
        return file + ": writing '" + text + "' failed: " + errno_words(-err);
  return std::nullopt;
}

LabContainer* Lab::find_container(const std::string& name) {
  for (auto& c : containers_)
    if (c->c.name == name) return c.get();
  return nullptr;
}

bool Lab::run_round() {
  size_t vms = host.run_round();
  // The container kernel skips idle time to its next sleeper's wake-up
  // (kernel.h). Run it only while something can run within this round, and
  // stop it when nothing can, so that a container's sleep(1) lasts about a
  // second of lab time rather than an instant. (A process blocked in a
  // system call may be retried at any time, so with one about the kernel
  // runs on and may still skip ahead: the kernel does not say when a
  // blocked call can make progress.)
  const uint64_t round_end = now_ns_ + kRoundNs;
  auto idle_until_round_end = [&] {
    for (const auto& [pid, p] : kernel.processes()) {
      if (p->state == containers::ProcState::Runnable || p->state == containers::ProcState::Blocked) return false;
      if (p->state == containers::ProcState::Sleeping && p->wake_ns <= round_end) return false;
    }
    return true;
  };
  bool busy = false;
  for (const auto& [pid, p] : kernel.processes()) busy |= p->state != containers::ProcState::Zombie;
  if (!idle_until_round_end()) kernel.run(kRoundNs / kernel.config.ns_per_insn, idle_until_round_end);
  // Collect containers whose init exited (a zero budget only looks), and
  // exec'd processes that ended.
  for (auto& c : containers_) {
    if (!c->c.exited) containers::wait_container(kernel, c->c, 0);
    reap_execs(*c);
  }
  now_ns_ = round_end;
  return vms > 0 || busy;
}

// --- Docker's verbs ------------------------------------------------------------------

namespace {

using namespace containers::linux_abi;

// A copy of a tree that shares the files' bytes (each side copies them
// before its first write): a snapshot of an upper layer for commit.
containers::vfs::InodePtr snapshot_tree(const containers::vfs::InodePtr& in) {
  auto copy = std::make_shared<containers::vfs::Inode>(*in);
  copy->frozen = false;
  for (auto& [name, child] : copy->entries) child = snapshot_tree(child);
  return copy;
}

// Docker's reference grammar, cut down: lower-case letters, digits, . _ -
// and an optional :tag.
bool valid_image_name(const std::string& name) {
  size_t colon = name.find(':');
  std::string repo = name.substr(0, colon), tag = colon == std::string::npos ? "x" : name.substr(colon + 1);
  if (repo.empty() || tag.empty() || name.size() > 128 || !std::isalnum(uint8_t(repo[0]))) return false;
  for (char ch : repo)
    if (!(std::islower(uint8_t(ch)) || std::isdigit(uint8_t(ch)) || ch == '.' || ch == '_' || ch == '-')) return false;
  for (char ch : tag)
    if (!(std::isalnum(uint8_t(ch)) || ch == '.' || ch == '_' || ch == '-')) return false;
  return true;
}

}  // namespace

void Lab::reap_execs(LabContainer& lc) {
  for (auto it = lc.exec_pids.begin(); it != lc.exec_pids.end();) {
    containers::Process* p = kernel.find_host_pid(*it);
    if (p && p->state != containers::ProcState::Zombie) {
      ++it;
      continue;
    }
    if (p) kernel.reap(p);
    it = lc.exec_pids.erase(it);
  }
}

std::optional<std::string> Lab::exec_container(const std::string& name, const std::vector<std::string>& cmd) {
  LabContainer* lc = find_container(name);
  if (!lc) return "no container named '" + name + "'";
  if (lc->c.exited) return "container " + name + " is not running";
  if (cmd.empty() || cmd[0].empty()) return "no command to run";
  if (kernel.faults.dead) return "the container kernel is dead (" + kernel.faults.oops_reason + ")";
  containers::Process* init = kernel.find_host_pid(lc->c.init_host_pid);
  if (!init) return "container " + name + " is not running";
  std::string path = containers::find_program(init->root, cmd[0]);
  if (path.empty()) return cmd[0] + ": not found in the container's PATH (/bin:/usr/bin:/sbin:/usr/sbin)";
  containers::SpawnSpec s;
  s.container = lc->c.name;
  s.root = init->root;
  s.path = path;
  s.argv = cmd;
  s.envp = {"PATH=/bin:/usr/bin:/sbin:/usr/sbin", "HOME=/root", "HOSTNAME=" + lc->c.hostname};
  s.streams = lc->streams;
  s.cgroup = lc->c.cgroup;
  s.join = init;
  auto p = kernel.spawn(s);
  if (!p) return containers::exec_failure(s.root, path, p.error()).message;
  lc->exec_pids.push_back((*p)->host_pid());
  return std::nullopt;
}

std::optional<std::string> Lab::kill_container(const std::string& name, int signal) {
  LabContainer* lc = find_container(name);
  if (!lc) return "no container named '" + name + "'";
  if (signal < 1 || signal > LINUX_NSIG) return "invalid signal " + std::to_string(signal);
  containers::Process* init = lc->c.exited ? nullptr : kernel.find_host_pid(lc->c.init_host_pid);
  if (!init || init->state == containers::ProcState::Zombie) return "container " + name + " is not running";
  kernel.send_signal(*init, signal, nullptr);
  return std::nullopt;
}

std::optional<std::string> Lab::stop_container(const std::string& name, uint64_t timeout_ns) {
  LabContainer* lc = find_container(name);
  if (!lc) return "no container named '" + name + "'";
  if (lc->c.exited) return std::nullopt;  // docker stop of a stopped container succeeds
  kill_container(name, LINUX_SIGTERM);
  const uint64_t deadline = now_ns_ + timeout_ns;
  // The lab runs while the init may handle SIGTERM; when nothing can run,
  // time stands still and the timeout is over at once.
  while (!lc->c.exited && now_ns_ < deadline && run_round()) {}
  if (!lc->c.exited) {
    kill_container(name, LINUX_SIGKILL);
    for (int round = 0; !lc->c.exited && round < 1000; round++) run_round();
  }
  if (!lc->c.exited) return "container " + name + " did not stop";
  return std::nullopt;
}

std::optional<std::string> Lab::rm_container(const std::string& name, bool force) {
  LabContainer* lc = find_container(name);
  if (!lc) return "no container named '" + name + "'";
  if (!lc->c.exited) {
    if (!force) return "cannot remove the running container " + name + ": stop it first, or rm -f";
    if (auto problem = stop_container(name, 0)) return problem;
  }
  // Whatever is left in its cgroup (an exec'd process, an orphan) goes too.
  if (containers::Cgroup* cg = lc->c.cgroup) {
    for (int pid : std::vector<int>(cg->procs.begin(), cg->procs.end()))
      if (containers::Process* p = kernel.find_host_pid(pid); p && p->state != containers::ProcState::Zombie)
        kernel.send_signal(*p, LINUX_SIGKILL, nullptr);
    for (int round = 0; !cg->procs.empty() && round < 1000 && run_round(); round++) {}
    reap_execs(*lc);
    if (int err = containers::cgroup_rmdir(kernel, *cg))
      return cg->path() + ": cannot remove the container's cgroup (errno " + std::to_string(-err) + ")";
  }
  containers_.erase(std::find_if(containers_.begin(), containers_.end(), [lc](const auto& c) { return c.get() == lc; }));
  kernel.layers.prune();
  return std::nullopt;
}

std::optional<std::string> Lab::commit_container(const std::string& name, const std::string& image_name) {
  LabContainer* lc = find_container(name);
  if (!lc) return "no container named '" + name + "'";
  if (lc->failed || !lc->c.rootfs.overlay) return "container " + name + " has no root file system (it never started)";
  if (!valid_image_name(image_name))
    return "invalid reference format: '" + image_name + "' (lower-case letters, digits, . _ -, and an optional :tag)";
  containers::Image image;
  image.name = image_name;
  // The container's lower layers without the init layer on top of them,
  // then its upper layer, frozen, as the new top layer.
  const auto& lowers = lc->c.rootfs.layers;
  image.layers.assign(lowers.begin(), lowers.end() - 1);
  image.layers.push_back(kernel.layers.intern(
      containers::make_layer(snapshot_tree(lc->c.rootfs.overlay->upper), "commit " + name)));
  images_[image_name] = std::move(image);
  return std::nullopt;
}

size_t Lab::vms_running() const {
  size_t n = 0;
  for (const auto& vm : host.vms()) n += vm->state == emulator::VmState::Running;
  return n;
}

size_t Lab::containers_running() const {
  size_t n = 0;
  for (const auto& c : containers_) n += !c->c.exited;  // a failed one never ran
  return n;
}

}  // namespace isolab::lab
