// The lab: VMs and containers on one host, advanced in rounds (lab.h).
#include "lab/lab.h"

#include <algorithm>

#include "containers/image.h"
#include "emulator/loader.h"
#if __has_include("minios_paths.h")
#include "minios_paths.h"
#endif

namespace isolab::lab {

Lab::Lab() = default;

void Lab::hook(emulator::Vm& vm) {
  emulator::Vm* v = &vm;
  VmExtra* x = extras_[vm.name].get();
  v->machine->on_console = [v](uint8_t b) { v->console += char(b); };
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
    emulator::load_multiboot(m->cpu, emulator::read_file(kernel_file), kernel_file, mods);
  } catch (const emulator::LoadError& e) {
    return std::string(e.what());
  }
  return add_vm_with_machine(spec.name, std::move(m), spec.weight, spec.image);
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

std::optional<std::string> Lab::run_container(const std::string& image_name, containers::ContainerSpec spec) {
  containers::ErrorOr<containers::Image> image = containers::make_error(2, "unknown image '" + image_name + "' (known: minios)");
#ifdef ISOLAB_MINIOS_BIN_DIR
  if (image_name == "minios") image = containers::image_from_bin_dir("minios", ISOLAB_MINIOS_BIN_DIR);
#endif
  if (!image) return image.error().message;
  std::string name = spec.name.empty() ? image->name : spec.name;
  if (find_container(name)) return "a container named '" + name + "' exists already";
  spec.name = name;
  auto lc = std::make_unique<LabContainer>();
  LabContainer* raw = lc.get();
  auto streams = std::make_shared<containers::vfs::HostStreams>();
  streams->write = [raw](int, const char* data, size_t len) { raw->logs.append(data, len); };
  streams->read = [](char*, size_t) -> long { return 0; };  // stdin is empty, as with `docker run -d`
  streams->tty = false;
  spec.streams = streams;
  auto c = containers::start_container(kernel, *image, spec);
  if (!c) return c.error().message;
  lc->c = *c;
  lc->image = image_name;
  lc->cmd = spec.cmd.empty() ? std::vector<std::string>{"sh"} : spec.cmd;
  containers_.push_back(std::move(lc));
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
  // Collect containers whose init exited (a zero budget only looks).
  for (auto& c : containers_)
    if (!c->c.exited) containers::wait_container(kernel, c->c, 0);
  now_ns_ = round_end;
  return vms > 0 || busy;
}

size_t Lab::vms_running() const {
  size_t n = 0;
  for (const auto& vm : host.vms()) n += vm->state == emulator::VmState::Running;
  return n;
}

size_t Lab::containers_running() const {
  size_t n = 0;
  for (const auto& c : containers_) n += !c->c.exited;
  return n;
}

}  // namespace isolab::lab
