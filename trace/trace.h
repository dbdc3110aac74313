// The one record of what happened: VM exits, exceptions, interrupts,
// system calls, container and cgroup events, in simulated time.
//
// Both worlds write here (emulator/ for VMs, containers/ for the host
// kernel), and everything that shows history reads from here: the UI's
// exit log, the step-through debugger, `--trace FILE` (JSON lines), the
// lessons' probes. An Event is plain data; a Trace keeps the newest
// `capacity` events in a ring and passes each one to its sinks as it
// happens (the JSON-lines writer is one).
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace isolab::trace {

enum class Kind : uint8_t {
  VmExit,      // the CPU left the guest; `what` is the VT-x exit reason
  Exception,   // a CPU exception in a guest or a container process
  Interrupt,   // an external interrupt delivered to a guest
  Syscall,     // a system call of a container process (what = its name)
  Container,   // a container started, stopped, was killed...
  Cgroup,      // a cgroup event: OOM kill, pids.max refusal, throttling
  Vm,          // a VM started, paused, stopped, snapshotted, migrated
  Namespace,   // a container-kernel namespace created, joined, or a mount made
  Signal,      // a signal sent, delivered to a handler, returned from, stopping or continuing
  Net,         // a packet crossed the container kernel's bridge (containers/net/bridge.cpp)
};
const char* kind_name(Kind k);

// Guest register state at the moment of the event (VM exits carry it, as
// the VMCS guest-state area does).
struct GuestState {
  uint32_t eip = 0, cs = 0, eflags = 0, cr0 = 0, cr3 = 0;
  uint32_t reg[8] = {};  // EAX ECX EDX EBX ESP EBP ESI EDI
};

struct Event {
  uint64_t seq = 0;        // position in the trace, from 0
  uint64_t time_ns = 0;    // simulated time of the source
  uint64_t insns = 0;      // instructions its CPU had retired
  Kind kind = Kind::VmExit;
  char source[24] = {};    // who: a VM's or container's name (copied, truncated)
  const char* what = "";   // reason or event name, a static string (e.g. "IO_INSTRUCTION")
  uint32_t code = 0;       // a number that goes with `what`: vector, syscall number, exit code
  uint32_t detail[4] = {}; // per-kind qualification (port, size, value, direction; CR number, old, new)
  uint64_t handling_ns = 0;  // host time the VMM or kernel spent handling it
  bool has_state = false;
  GuestState state;

  void set_source(const char* name) {
    size_t k = 0;
    for (; name[k] && k + 1 < sizeof source; k++) source[k] = name[k];
    source[k] = 0;
  }
};

class Trace {
 public:
  explicit Trace(size_t capacity = 4096) : ring_(capacity ? capacity : 1) {}

  // Record an event (its seq is assigned here) and pass it to the sinks.
  void record(Event e);
  // The events still in the ring, oldest first.
  std::vector<Event> recent() const;
  uint64_t total() const { return next_seq_; }
  size_t capacity() const { return ring_.size(); }

  // A sink sees every event as it is recorded.
  void add_sink(std::function<void(const Event&)> sink) { sinks_.push_back(std::move(sink)); }

 private:
  std::vector<Event> ring_;
  uint64_t next_seq_ = 0;
  std::vector<std::function<void(const Event&)>> sinks_;
};

// One event as one line of JSON (no trailing newline).
std::string to_json(const Event& e);

// A sink that writes JSON lines to a file. Throws std::runtime_error
// naming the file if it cannot be opened.
class JsonLinesWriter {
 public:
  explicit JsonLinesWriter(const std::string& path);
  ~JsonLinesWriter();
  JsonLinesWriter(const JsonLinesWriter&) = delete;
  JsonLinesWriter& operator=(const JsonLinesWriter&) = delete;
  void write(const Event& e);

 private:
  std::FILE* f_ = nullptr;
};

}  // namespace isolab::trace
