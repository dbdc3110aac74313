// A process of the simulated host kernel (Linux's task_struct, cut down).
//
// What a process owns is plain data: its saved CPU context, its address
// space, its file descriptors, its working directory and root, its
// namespaces, its identity in every PID namespace it is visible in, and
// the bookkeeping of wait(2): parent, children, exit status.
// Namespaces follow Linux's nsproxy: a process points at one namespace of
// each kind and shares it with the processes it forks (clone without
// CLONE_NEW* flags). A PID namespace is nested: a process has a PID in its
// own namespace and in every ancestor, as struct pid's numbers[] does
// (include/linux/pid.h); getpid() returns the innermost.
// Threads are tasks too (clone(2) with CLONE_THREAD): each has its own
// PID (its TID), CPU context, signal mask and pending signals, and shares
// with its thread group's leader what the clone flags say: the address
// space (CLONE_VM), the file descriptor table (CLONE_FILES) and the signal
// handlers (CLONE_SIGHAND). getpid() returns the leader's PID (the TGID).
// Lesson: "processes", "namespaces: what ps sees".
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "containers/mm.h"
#include "containers/ns/namespaces.h"
#include "containers/vfs/vfs.h"
#include "cpu/state.h"

namespace isolab::containers {

struct Process;
struct Cgroup;

// The user-visible CPU state saved while another process runs.
struct Context {
  uint32_t reg[8] = {};
  uint32_t eip = 0;
  uint32_t eflags = 0x202;
  cpu::LazyFlags lazy;
  cpu::SegmentCache seg[6];
  cpu::FpuState fpu;  // the x87: saved and restored with the rest, copied on fork
};

// rt_sigaction(2): what a signal does (signal.h has the delivery).
struct SigAction {
  uint32_t handler = 0;  // SIG_DFL, SIG_IGN or a user address
  uint32_t flags = 0, restorer = 0;  // SA_* flags; SA_RESTORER's return trampoline
  uint64_t mask = 0;     // blocked while the handler runs
};

// What the sender of a pending signal said (siginfo_t's fields for kill,
// tkill and SIGCHLD). One per signal: standard signals do not queue.
struct SigInfo {
  int32_t code = 0;        // si_code: SI_USER 0, SI_KERNEL 0x80, SI_TKILL -6, CLD_EXITED 1...
  int sender_host_pid = 0;  // si_pid, translated for the receiver when delivered
  uint32_t sender_uid = 0;  // si_uid (a kernel uid)
  int32_t status = 0;       // SIGCHLD: exit code or signal
};

enum class ProcState : uint8_t {
  Runnable,  // R: may be picked by the scheduler
  Blocked,   // S: a system call will be retried when something changes
  Sleeping,  // S: nanosleep until wake_ns
  Zombie,    // Z: exited, waiting for its parent's wait4
  Stopped,   // T: stopped by SIGSTOP, SIGTSTP, SIGTTIN or SIGTTOU until SIGCONT
};

// The file descriptor table (files_struct), shared by threads (CLONE_FILES).
struct FdTable {
  std::vector<vfs::FilePtr> fds;  // index = fd; null = closed
  std::vector<bool> cloexec;
  int users = 1;  // live tasks using it: the files close when the last of them exits
};
// The signal handlers (sighand_struct), shared by threads (CLONE_SIGHAND).
using SigHandlers = std::array<SigAction, 65>;

// Resource limits (getrlimit(2)): soft and hard, RLIM_INFINITY = ~0.
struct RLimit {
  uint64_t cur = ~0ull, max = ~0ull;
};
// Their numbers (asm-generic/resource.h); a trailing _ keeps clear of the host's macros.
enum RLimitResource : int {
  RLIMIT_CPU_ = 0, RLIMIT_FSIZE_ = 1, RLIMIT_DATA_ = 2, RLIMIT_STACK_ = 3, RLIMIT_CORE_ = 4, RLIMIT_RSS_ = 5,
  RLIMIT_NPROC_ = 6, RLIMIT_NOFILE_ = 7, RLIMIT_MEMLOCK_ = 8, RLIMIT_AS_ = 9, RLIMIT_NLIMITS = 16,
};

struct Process {
  // A process with a table and handlers of its own; fork_process passes a
  // thread its leader's.
  Process() : Process(std::make_shared<FdTable>(), std::make_shared<SigHandlers>()) {}
  Process(std::shared_ptr<FdTable> table, std::shared_ptr<SigHandlers> handlers)
      : files(std::move(table)), fds(files->fds), cloexec(files->cloexec), sighand(std::move(handlers)),
        sigactions(*sighand) {}
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Identity. pids[i] is the PID in namespace level i (0 = host).
  std::vector<int> pids;
  std::string comm;  // the program's name, as /proc/<pid>/stat shows (max 15 chars)
  std::string exe;   // the path execve ran
  std::vector<std::string> argv;  // for /proc/<pid>/cmdline
  int pgid = 0, sid = 0;         // in the process's own namespace
  uint32_t uid = 0, gid = 0;
  uint32_t umask = 022;

  Process* parent = nullptr;
  std::vector<Process*> children;
  std::string container;  // the container it belongs to (for messages and trace)
  Cgroup* cgroup = nullptr;  // its cgroup (cgroup/cgroup.h), from spawn or fork until reaped

  ProcState state = ProcState::Runnable;
  uint64_t block_generation = 0;  // Blocked: the kernel's generation when it blocked
  uint64_t wake_ns = 0;           // Sleeping: when to wake
  uint64_t block_until_ns = 0;    // Blocked: wake at this time too (poll's timeout); 0: on a change only
  int exit_code = 0;              // Zombie: the exit code or the killing signal
  bool killed_by_signal = false;
  uint32_t exit_signal = 17;      // what the parent is sent when this exits (SIGCHLD)

  Context ctx;
  std::shared_ptr<AddressSpace> mm;  // shared by threads (CLONE_VM)
  uint64_t tls[3] = {};  // GDT entries 6..8 (set_thread_area), as descriptors
  uint32_t clear_child_tid = 0;

  std::shared_ptr<FdTable> files;
  std::vector<vfs::FilePtr>& fds;  // files->fds: index = fd; null = closed
  std::vector<bool>& cloexec;      // files->cloexec
  vfs::InodePtr root;
  vfs::Location cwd;

  Namespaces ns;
  std::shared_ptr<SigHandlers> sighand;
  SigHandlers& sigactions;  // *sighand
  std::array<SigInfo, 65> siginfo{};
  uint64_t sigmask = 0;      // blocked signals, bit sig-1
  uint64_t sigpending = 0;   // sent, not yet delivered
  uint64_t saved_sigmask = 0;  // sigsuspend's mask to restore after the handler
  bool restore_sigmask = false;
  ProcState stopped_from = ProcState::Runnable;  // Stopped: the state SIGCONT returns to
  int stop_unreported = 0;  // the signal that stopped it, until wait4(WUNTRACED) reports it
  uint64_t alarm_ns = 0;     // alarm(2): when SIGALRM is due (0: none)
  uint32_t sleep_rem_va = 0;  // nanosleep's `rem`, written when a signal interrupts it

  // Thread group (CLONE_THREAD). A thread has no parent of its own: its
  // leader's parent is the group's, and is told when the whole group is gone.
  Process* group_leader = this;
  std::vector<Process*> threads;  // the leader's: its other live threads
  bool reap_deferred = false;     // the leader was reaped while threads lived: reap when the last ends
  // futex(2) FUTEX_WAIT: the word this task sleeps on, as (address space, address).
  bool futex_waiting = false;
  const void* futex_space = nullptr;
  uint32_t futex_addr = 0, futex_bitset = ~0u;
  uint64_t futex_seq = 0;  // wake order: first come, first woken
  uint32_t robust_list = 0;  // set_robust_list(2)'s head, recorded
  // sigaltstack(2): the alternate signal stack (size 0: none, SS_DISABLE);
  // flags: SS_AUTODISARM or 0.
  uint32_t altstack_sp = 0, altstack_size = 0, altstack_flags = 0;
  std::array<RLimit, RLIMIT_NLIMITS> rlimits = default_rlimits();

  // Accounting for /proc: instructions run and when it started.
  uint64_t user_insns = 0;
  uint64_t start_ns = 0;
  uint64_t min_faults = 0;

  static std::array<RLimit, RLIMIT_NLIMITS> default_rlimits();
  int pid() const { return pids.back(); }        // in its own namespace
  int tgid() const { return group_leader->pid(); }  // getpid(): the thread group's
  bool is_thread() const { return group_leader != this; }  // a thread other than the leader
  int host_pid() const { return pids.front(); }  // in the host's
  // This process's PID as seen from namespace `ns`, or 0 if it is not visible there.
  int pid_in(const PidNamespace& ns) const;
  // The parent's PID as this process sees it (the thread group's parent):
  // 0 for a namespace's init.
  int ppid() const;

  // The lowest free descriptor >= `lowest` below RLIMIT_NOFILE, or -1 (EMFILE).
  int alloc_fd(vfs::FilePtr f, int lowest = 0, bool close_on_exec = false);
  size_t fd_limit() const;  // RLIMIT_NOFILE's soft limit: descriptors are below it
  vfs::OpenFile* file(int fd) const {
    return fd >= 0 && size_t(fd) < fds.size() ? fds[size_t(fd)].get() : nullptr;
  }
  char state_letter() const;
};

// Is namespace `ns` `ancestor` or inside it?
bool pid_ns_within(const PidNamespace& ns, const PidNamespace& ancestor);

}  // namespace isolab::containers
