// A VM run by another isolab process, driven in lockstep. See remote_vm.h.
#include "emulator/remote_vm.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>
#include <chrono>
#include <cstring>
#include <thread>

namespace isolab::emulator {

namespace {

constexpr uint64_t kMaxSliceNs = 10'000'000'000ull;
constexpr uint32_t kMaxInput = 1 << 20;
constexpr uint32_t kMaxConsole = 16 << 20;

}  // namespace

pid_t start_target(const std::string& exe, uint16_t& port, std::string& error) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return -1;
  }
  // Everything the child needs is built before fork (it only execs).
  const std::string port_file = fmt::format("/dev/fd/{}", fds[1]);
  std::vector<std::string> args = {exe, "vm", "receive", "--listen", "127.0.0.1:0", "--port-file", port_file, "--quiet"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    // The target dies with the lab: no orphan keeps a VM running.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    fcntl(fds[1], F_SETFD, 0);  // the port file stays open across exec
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  char buf[16] = {};
  size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got < sizeof buf - 1) {
    int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    pollfd pfd{fds[0], POLLIN, 0};
    if (left <= 0 || poll(&pfd, 1, left) <= 0) break;
    ssize_t n = read(fds[0], buf + got, sizeof buf - 1 - got);
    if (n <= 0) break;
    got += size_t(n);
    if (std::memchr(buf, '\n', got)) break;
  }
  close(fds[0]);
  unsigned long p = 0;
  char* end = nullptr;
  p = std::strtoul(buf, &end, 10);
  if (got == 0 || end == buf || *end != '\n' || p == 0 || p > 65535) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    error = exe + " did not say which port it listens on (is it an isolab command with `vm receive`? ISOLAB_EXE names one)";
    return -1;
  }
  port = uint16_t(p);
  return pid;
}

// --- the lab's end ----------------------------------------------------------------

RemoteBackend::RemoteBackend(Machine& local, std::unique_ptr<Link> link, pid_t pid)
    : local_(local), link_(std::move(link)), pid_(pid) {}

RemoteBackend::~RemoteBackend() {
  if (link_) {
    try {
      link_->put_u8('Q');
      link_->flush();
    } catch (const MigrationError&) {
      // Gone already: reaped below all the same.
    }
    link_.reset();  // closing the socket ends a target that missed the 'Q'
  }
  if (pid_ > 0) {
    for (int i = 0; i < 100; i++) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

MachineStop RemoteBackend::run(uint64_t max_ns) {
  if (!link_) return MachineStop::TripleFault;
  try {
    std::string input = take_input ? take_input() : std::string();
    link_->put_u8('X');
    link_->put_u64(max_ns);
    link_->put_u32(uint32_t(input.size()));
    link_->put(input.data(), input.size());
    link_->flush();
    const uint8_t stop = link_->get_u8("the slice's result");
    if (stop > uint8_t(MachineStop::Exited)) throw MigrationError("the target answered nonsense");
    local_.set_exit_code(link_->get_u32("the exit code"));
    local_.set_idle_ns(link_->get_u64("the idle time"));
    link_->get(&local_.cpu.s, sizeof local_.cpu.s, "the CPU state");
    link_->get(&local_.exits, sizeof local_.exits, "the exit counters");
    mmu::MmuCounters counters;
    link_->get(&counters, sizeof counters, "the MMU counters");
    if (local_.config.paging == PagingMode::Nested) local_.nested.counters = counters;
    else local_.shadow.counters = counters;
    const uint32_t n = link_->get_u32("the console's length");
    if (n > kMaxConsole) throw MigrationError("the target answered nonsense");
    std::string console(n, '\0');
    link_->get(console.data(), n, "the console bytes");
    // The VGA device's state when the text on screen changed, so the
    // visualizer's screen of the VM stays live.
    const uint32_t vga = link_->get_u32("the VGA state's length");
    if (vga > kMaxConsole) throw MigrationError("the target answered nonsense");
    if (vga) {
      std::vector<uint8_t> bytes(vga);
      link_->get(bytes.data(), vga, "the VGA state");
      if (!local_.vga.restore(bytes)) throw MigrationError("the target sent a VGA state of another size");
    }
    if (local_.on_console)
      for (char ch : console) local_.on_console(uint8_t(ch));
    return MachineStop(stop);
  } catch (const MigrationError& e) {
    failure_ = fmt::format("the process running the VM (pid {}) went away: {}", pid_, e.what());
    link_.reset();
    return MachineStop::TripleFault;
  }
}

// --- the target's end -------------------------------------------------------------

void serve_lockstep(Machine& m, Link& link) {
  std::string console, pending;
  VgaState shown;  // the text screen as the source last got it
  bool sent_vga = false;
  m.on_console = [&](uint8_t b) { console += char(b); };
  m.on_idle = [&]() {
    if (pending.empty()) return false;
    size_t nl = pending.find('\n');
    size_t end = nl == std::string::npos ? pending.size() : nl + 1;
    m.uart.receive(std::string_view(pending).substr(0, end));
    pending.erase(0, end);
    return true;
  };
  // The lab sends the next slice when its clock moves: with every VM
  // paused that may be never, so wait as long as the connection lasts.
  link.set_timeout(-1);
  try {
    while (true) {
      const uint8_t verb = link.get_u8("a command");
      if (verb == 'Q') return;
      if (verb != 'X') throw MigrationError("an unknown command");
      const uint64_t slice = link.get_u64("a slice length");
      const uint32_t n = link.get_u32("the typed text's length");
      if (slice > kMaxSliceNs || n > kMaxInput) throw MigrationError("a malformed command");
      std::string typed(n, '\0');
      link.get(typed.data(), n, "the typed text");
      pending += typed;
      const MachineStop stop = m.run(slice);
      link.put_u8(uint8_t(stop));
      link.put_u32(m.exit_code());
      link.put_u64(m.idle_ns());
      link.put(&m.cpu.s, sizeof m.cpu.s);
      link.put(&m.exits, sizeof m.exits);
      const mmu::MmuCounters counters = m.mmu_counters();
      link.put(&counters, sizeof counters);
      link.put_u32(uint32_t(console.size()));
      link.put(console.data(), console.size());
      if (!sent_vga || m.vga.state.text != shown.text) {
        std::vector<uint8_t> bytes = m.vga.save();
        link.put_u32(uint32_t(bytes.size()));
        link.put(bytes.data(), bytes.size());
        shown = m.vga.state;
        sent_vga = true;
      } else {
        link.put_u32(0);
      }
      link.flush();
      console.clear();
    }
  } catch (const MigrationError&) {
    // The lab went away or spoke nonsense: this process has nobody to serve.
  }
}

}  // namespace isolab::emulator
