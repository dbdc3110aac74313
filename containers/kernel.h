// The simulated host kernel: one kernel, many processes, shared by every
// container on the host (DESIGN.md section 6).
//
// It owns guest RAM (a Bus the CPU core reads through), the frame
// allocator and the page cache, the process table and the PID and UTS
// namespaces, and it runs the processes on one CPU core in ring 3, in
// quanta of instructions chosen by the fair scheduler (sched.h). The CPU
// reports two events to it (CpuHooks): INT 0x80, a system call
// (syscalls/), and exceptions: #PF is demand paging or
// copy-on-write (mm.h), anything else kills the process with the signal
// Linux would send. System calls that must wait (wait4, a read from an
// empty pipe) rewind EIP to the INT 0x80 and block; the call runs again
// when something in the kernel changed, as Linux restarts a call after
// -ERESTARTSYS. A thread (clone with CLONE_THREAD) is a process-table entry
// of its own, scheduled like any other, that shares its group's address
// space; exit_process ends a whole group, exit_thread one task.
// The host may set timers (add_host_timer) so that run() wakes at a
// moment in simulated time even when every process sleeps.
// Lesson: "containers share one kernel".
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "containers/cgroup/cgroup.h"
#include "containers/errors.h"
#include "containers/fault.h"
#include "containers/frames.h"
#include "containers/pagecache.h"
#include "containers/layer.h"
#include "containers/process.h"
#include "containers/sched.h"
#include "cpu/bus.h"
#include "cpu/cpu.h"
#include "trace/trace.h"

namespace isolab::containers {

struct KernelConfig {
  uint32_t ram_bytes = 64u << 20;
  uint64_t quantum = 20000;  // instructions per time slice (cut shorter by cpu.max)
  bool page_cache = true;    // share file pages between processes (pagecache.h); off: a copy each
  uint64_t ns_per_insn = 1;  // simulated time: 1 GHz, one instruction a cycle
  uint64_t seed = 1;         // getrandom(2) and AT_RANDOM are a PRNG from this seed
  std::string hostname = "isolab";  // the host's UTS name
};

// Counters a student can read.
struct KernelStats {
  uint64_t syscalls = 0;
  uint64_t unknown_syscalls = 0;
  uint64_t page_faults = 0;      // #PF handled (demand paging and COW)
  uint64_t context_switches = 0;
  uint64_t forks = 0;
};

// How to start a process from the host (the runtime's container init).
struct SpawnSpec {
  std::string container;  // the container's name, for trace and messages
  vfs::InodePtr root;     // its file system tree
  std::string path;       // the program, looked up in `root`
  std::vector<std::string> argv, envp;
  std::shared_ptr<vfs::HostStreams> streams;  // fds 0, 1, 2
  bool new_pid_ns = true;  // be PID 1 of a new PID namespace
  bool new_uts_ns = true;  // have a UTS namespace of its own, named `hostname`
  // More CLONE_NEW* namespaces of its own (ns::container_clone_flags():
  // mnt, ipc, net, cgroup, and user and time when asked).
  uint32_t ns_flags = 0;
  std::string hostname;
  Cgroup* cgroup = nullptr;  // the cgroup it starts in; null: the root
  // Join this process's namespaces instead (docker exec, as setns(2) into
  // each of them): new_pid_ns, new_uts_ns and hostname are then unused.
  const Process* join = nullptr;
};

enum class RunResult : uint8_t {
  Done,      // the caller's condition holds
  Idle,      // no process is left that could run
  Deadlock,  // processes remain, all blocked, none can be woken
  Budget,    // the instruction budget ran out
};

// What a system call returns to the dispatcher besides a value or -errno.
constexpr int32_t SYSCALL_RESTART = INT32_MIN;      // block; run the call again later
constexpr int32_t SYSCALL_NO_RETURN = INT32_MIN + 1;  // the caller is gone (exit)

class Kernel : public cpu::CpuHooks {
 public:
  explicit Kernel(KernelConfig config = {});
  ~Kernel() override;
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  // Start a process from the host. ENOENT, EACCES or ENOEXEC (with the
  // loader's message) if the program cannot run.
  ErrorOr<Process*> spawn(const SpawnSpec& spec);
  // Run processes until `done()` holds (checked between quanta), nothing
  // can run, or `max_insns` instructions have run.
  RunResult run(uint64_t max_insns, const std::function<bool()>& done = {});

  uint64_t now_ns() const { return cpu.s.insns * config.ns_per_insn + idle_ns_; }
  Process* current() const { return current_; }
  Process* find_host_pid(int pid) const;
  // The process with PID `pid` in namespace `ns`, or null.
  Process* find(const PidNamespace& ns, int pid) const;
  const std::map<int, std::unique_ptr<Process>>& processes() const { return procs_; }
  // Remove a zombie from the tables (wait4, or the runtime for a container init).
  void reap(Process* zombie);

  // --- for the system calls --------------------------------------------------
  // fork(2)/clone(2): a copy of `parent` (the current process), or with
  // CLONE_THREAD a new thread of its group; CLONE_VM, CLONE_FILES and
  // CLONE_SIGHAND share instead of copying. Returns the child, or an error
  // (ENOMEM, EAGAIN from pids.max or RLIMIT_NPROC).
  ErrorOr<Process*> fork_process(Process& parent, uint32_t clone_flags);
  // Replace the current process's program (execve(2)); on success the CPU
  // continues at the new entry point.
  int32_t exec(Process& p, const std::string& path, std::vector<std::string> argv,
               std::vector<std::string> envp);
  // The process ends, every thread of it: exit_group(2) (signal = 0) or
  // killed by `signal` (a fatal signal kills the whole thread group).
  void exit_process(Process& p, int code, int signal = 0);
  // One task ends: exit(2). A thread goes at once (nobody waits for it);
  // the process ends when its last thread has (the leader then reports to
  // its parent). CLONE_CHILD_CLEARTID's word is cleared and futex-woken.
  void exit_thread(Process& t, int code, int signal = 0);
  // Send `sig` to `target` from `sender` (null: the kernel) with siginfo's
  // si_code `code` (SI_USER for kill). Delivery and default actions are
  // containers/signal.h.
  void send_signal(Process& target, int sig, const Process* sender, int32_t code = 0);
  // Something changed that a blocked system call may be waiting for.
  void wake_blocked() { generation_++; }
  // The host wants to look at the kernel at simulated time `at_ns` (a
  // `ctr stop` timeout): run() stops its idle clock there and asks `done`
  // again, even when every process sleeps or blocks until much later.
  void add_host_timer(uint64_t at_ns);
  // Write a TLS descriptor (set_thread_area) into the live GDT.
  void load_tls(const Process& p);
  uint64_t random64();
  // A new namespace's identity (the inode number /proc/<pid>/ns/* shows).
  uint32_t alloc_ns_id() { return next_ns_id_--; }
  void record_syscall(const Process& p, const char* name, uint32_t nr, int32_t result);
  // A trace event about process `p` (null: the host); `what` must outlive the trace.
  void record(trace::Kind kind, const Process* p, const char* what, uint32_t code);
  // Free the address spaces of processes that are gone, except the one the
  // CPU may still be using (the OOM killer needs their frames back at once).
  void free_retired();

  // --- the CPU's events (CpuHooks) -------------------------------------------
  bool on_exception(cpu::Cpu& c, uint8_t vector, uint32_t error_code, bool has_error) override;
  bool on_software_interrupt(cpu::Cpu& c, uint8_t vector) override;

  KernelConfig config;
  cpu::RamBus bus;
  cpu::Cpu cpu;
  FrameAllocator frames;
  PageCache page_cache;     // file pages shared by every process that maps them
  CgroupHierarchy cgroups;  // cgroup v2; the root enables every controller (as systemd does at boot)
  LayerStore layers;        // image layers, each stored once (layer.h)
  trace::Trace* trace = nullptr;  // where events go, if anywhere
  // The debugger's stop (lab/debugger.h): when set, called as each system
  // call completes (not when it blocks to be restarted); returning true
  // stops the CPU right after the INT 0x80, so run() returns at its next
  // check of `done`.
  std::function<bool(const Process& p, uint32_t nr, int32_t result)> stop_after_syscall;
  KernelStats stats;
  Scheduler sched;          // weighted fair, honouring cpu.weight and cpu.max
  FaultState faults;        // injected faults (fault.h): the COW bug, an oops
  Namespaces host_ns;  // the host's initial namespaces (ns/nsproxy.h)
  std::shared_ptr<PidNamespace> init_pid_ns;  // host_ns.pid
  std::shared_ptr<UtsNamespace> init_uts_ns;  // host_ns.uts

 private:
  Process* pick_next();
  uint64_t next_host_timer();
  void switch_to(Process& p);
  void save_context(Process& p);
  void retire(std::shared_ptr<AddressSpace> mm);
  void group_dead(Process& leader);
  int alloc_pids(Process& p, const std::shared_ptr<PidNamespace>& ns);

  std::map<int, std::unique_ptr<Process>> procs_;  // by host PID
  Process* current_ = nullptr;  // the process whose system call or fault is being handled
  Process* loaded_ = nullptr;   // whose CR3 and TLS are in the CPU
  uint64_t generation_ = 0;     // bumped by anything a blocked call might wait for
  uint64_t idle_ns_ = 0;        // time skipped while every process slept
  std::vector<uint64_t> host_timers_;  // add_host_timer(): times still to come
  uint64_t rng_;
  uint32_t next_ns_id_ = 0xEFFFFFF0u;  // namespace inode numbers, counting down as Linux's proc_ns do
  // Address spaces of exited or exec'd processes, freed after the CPU stops
  // (the CPU may still hold their CR3 until then).
  std::vector<std::shared_ptr<AddressSpace>> retired_;
};

// The context a new program starts with: flat user segments, EIP at the
// entry point, ESP at its initial stack.
Context initial_context(uint32_t entry, uint32_t esp);

}  // namespace isolab::containers
