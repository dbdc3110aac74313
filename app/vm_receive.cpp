// `isolab vm receive --listen ADDR:PORT`: wait for one incoming migration
// (emulator/migration.h), then run the VM exactly as `isolab vm run` does:
// its serial console on stdout from where the source left it, typed
// --input, and the same exit statuses. When the source asked for lockstep
// (the lab's own target, emulator/remote_vm.h), serve it instead.
#include "app/vm_receive.h"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <unistd.h>

#include "app/vm_run.h"
#include "emulator/migration.h"
#include "emulator/remote_vm.h"
#include "emulator/snapshot.h"
#include "lab/console.h"
#include "trace/trace.h"

namespace isolab::app {

namespace {
constexpr int kAcceptTimeoutMs = 120'000;

int fail(const std::string& msg) {
  std::fprintf(stderr, "isolab vm receive: %s\n", msg.c_str());
  return 2;
}
}  // namespace

int vm_receive(const VmReceiveOptions& o) {
  std::string host;
  uint16_t port = 0;
  if (!emulator::parse_endpoint(o.listen, host, port))
    return fail(fmt::format("--listen '{}': expected ADDR:PORT such as 127.0.0.1:7000 (port 0: any free port)", o.listen));
  uint64_t timeout_ns;
  if (!lab::parse_duration(o.timeout, timeout_ns))
    return fail(fmt::format("--timeout '{}': expected a duration such as 10s", o.timeout));
  VmSessionIo io;
  if (auto problem = io.open_trace(o.trace)) return fail("--trace " + *problem);

  std::string error;
  int listener = emulator::listen_on(host, port, error);
  if (listener < 0) return fail(error);
  if (!o.quiet) std::fprintf(stderr, "isolab vm receive: listening on %s:%u\n", host.c_str(), unsigned(port));
  if (!o.port_file.empty()) {
    FILE* f = std::fopen(o.port_file.c_str(), "w");
    if (!f) {
      close(listener);
      return fail(fmt::format("--port-file {}: cannot write", o.port_file));
    }
    std::fprintf(f, "%u\n", unsigned(port));
    std::fclose(f);
  }
  int fd = emulator::accept_one(listener, kAcceptTimeoutMs, error);
  close(listener);
  if (fd < 0) return fail(error);

  emulator::Link link(fd);
  std::unique_ptr<emulator::Machine> m;
  bool lockstep = false;
  try {
    m = emulator::migrate_in(link, lockstep);
  } catch (const emulator::MigrationError& e) {
    return fail(e.what());
  } catch (const emulator::SnapshotError& e) {
    return fail(e.what());
  }
  if (lockstep) {
    emulator::serve_lockstep(*m, link);
    return 0;
  }

  // Run free, as `isolab vm run` would from here.
  m->on_console = [](uint8_t b) {
    std::fputc(b, stdout);
    if (b == '\n') std::fflush(stdout);
  };
  io.attach(*m, o.input);
  emulator::MachineStop stop = m->run(timeout_ns);
  std::fflush(stdout);
  return vm_exit_status("isolab vm receive", stop, *m, "", o.timeout);
}

}  // namespace isolab::app
