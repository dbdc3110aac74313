// The lab: VMs and containers on one host, advanced in rounds (lab.h).
#include "lab/lab.h"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <utility>
#include <sys/wait.h>

#include "containers/image.h"
#include "emulator/loader.h"
#include "emulator/remote_vm.h"
#if __has_include("minios_paths.h")
#include "minios_paths.h"
#endif

namespace isolab::lab {


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

// The runtime's error message, or nullopt.
std::optional<std::string> problem(const containers::Error& e) {
  if (!e.code) return std::nullopt;
  return e.message;
}

}  // namespace

Lab::Lab() {
  runtime.image_source = find_image;
  runtime.set_host_clock({[this] { return now_ns_; }, [this] { return run_round(); }});
}

std::optional<std::string> Lab::run_container(const std::string& image_name, containers::ContainerSpec spec,
                                              const std::string& input) {
  containers::RunOptions options;
  options.input = input;
  auto c = runtime.run(image_name, std::move(spec), options);
  if (!c) return c.error().message;
  return std::nullopt;
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
  if (!idle_until_round_end()) runtime.run_kernel(kRoundNs / kernel.config.ns_per_insn, idle_until_round_end);
  // Collect containers whose init exited, and exec'd processes that ended.
  runtime.collect_exits();
  now_ns_ = round_end;
  return vms > 0 || busy;
}

// --- Docker's verbs: the runtime's ---------------------------------------------------

std::optional<std::string> Lab::exec_container(const std::string& name, const std::vector<std::string>& cmd) {
  auto pid = runtime.exec(name, cmd);
  if (!pid) return pid.error().message;
  return std::nullopt;
}

std::optional<std::string> Lab::kill_container(const std::string& name, int signal) {
  return problem(runtime.kill(name, signal));
}

std::optional<std::string> Lab::stop_container(const std::string& name, uint64_t timeout_ns) {
  return problem(runtime.stop(name, timeout_ns));
}

std::optional<std::string> Lab::rm_container(const std::string& name, bool force) {
  return problem(runtime.rm(name, force));
}

std::optional<std::string> Lab::commit_container(const std::string& name, const std::string& image_name) {
  auto image = runtime.commit(name, image_name);
  if (!image) return image.error().message;
  return std::nullopt;
}

size_t Lab::vms_running() const {
  size_t n = 0;
  for (const auto& vm : host.vms()) n += vm->state == emulator::VmState::Running;
  return n;
}

size_t Lab::containers_running() const { return runtime.ps().size(); }

}  // namespace isolab::lab
