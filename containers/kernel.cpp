// The simulated host kernel: process table, scheduler, the CPU's events
// (kernel.h).
#include "containers/kernel.h"

#include <algorithm>
#include <cstring>

#include "containers/elf.h"
#include "containers/linux_abi.h"
#include "containers/ns/nsproxy.h"
#include "containers/signal.h"
#include "containers/syscalls/syscalls.h"
#include "cpu/block_cache.h"
#include "mmu/walker.h"

namespace isolab::containers {

using namespace linux_abi;

namespace {

// The GDT sits in frame 1; the kernel half of every page directory maps it
// at PAGE_OFFSET + 0x1000. Entries as Linux's i386 GDT (asm/segment.h).
constexpr uint32_t GDT_PA = 0x1000;
constexpr uint32_t FIRST_FREE_PA = 0x2000;
constexpr int GDT_ENTRIES = 32;

constexpr uint64_t flat_descriptor(int dpl, bool code) {
  // base 0, limit 0xFFFFF pages, G=1, D=1, present, S=1, accessed.
  return 0x00CF00000000FFFFull | (uint64_t(0x90 | (dpl << 5) | (code ? 0x0B : 0x03)) << 40);
}

}  // namespace

Context initial_context(uint32_t entry, uint32_t esp) {
  Context c;
  c.eip = entry;
  c.reg[cpu::ESP] = esp;
  c.eflags = cpu::FLAG_1 | cpu::IF;
  cpu::fpu_init(c.fpu);  // a new program starts with FNINIT's FPU, FCW 037FH (Linux's fpstate_init)
  for (int i = 0; i < 6; i++) {
    uint16_t sel = i == cpu::CS ? USER_CS : USER_DS;
    if (i == cpu::FS || i == cpu::GS) sel = 0;  // null until set_thread_area
    cpu::SegmentCache& sc = c.seg[i];
    if (sel) {
      cpu::Cpu::cache_from_descriptor(sc, sel, flat_descriptor(3, i == cpu::CS));
    } else {
      sc = cpu::SegmentCache{};
      sc.attr = 0;  // a null selector: not usable until loaded
    }
    cpu::Cpu::update_flat(sc, true);
  }
  return c;
}

Kernel::Kernel(KernelConfig cfg)
    : config(std::move(cfg)), bus(config.ram_bytes), cpu(bus),
      frames(bus.ram(), config.ram_bytes, FIRST_FREE_PA), page_cache(frames), sched(*this),
      rng_(config.seed * 0x9E3779B97F4A7C15ull + 1) {
  if (!config.page_cache) frames.page_cache = nullptr;
  frames.host_wrote = [this](uint32_t pa) {
    if (cpu.block_cache().is_code_page(pa & ~0xFFFu)) cpu.invalidate_code(pa & ~0xFFFu);
  };
  cpu.hooks = this;
  // Ring 3, flat segments, paging with 4 MiB pages for the kernel half.
  cpu.set_flat_protected_mode(3);
  auto* gdt = reinterpret_cast<uint64_t*>(bus.ram() + GDT_PA);
  gdt[GDT_ENTRY_KERNEL_CS] = flat_descriptor(0, true);
  gdt[GDT_ENTRY_KERNEL_DS] = flat_descriptor(0, false);
  gdt[GDT_ENTRY_USER_CS] = flat_descriptor(3, true);
  gdt[GDT_ENTRY_USER_DS] = flat_descriptor(3, false);
  cpu.s.gdtr.base = PAGE_OFFSET + GDT_PA;
  cpu.s.gdtr.limit = GDT_ENTRIES * 8 - 1;
  cpu.s.idtr.limit = 0;  // no IDT: every exception comes to on_exception
  cpu.write_cr(4, cpu::CR4_PSE);
  // CR0.NE: unmasked x87 exceptions arrive as #MF (SIGFPE), as on Linux.
  cpu.write_cr(0, cpu.s.cr0 | cpu::CR0_PG | cpu::CR0_WP | cpu::CR0_NE);

  host_ns = ns::host_namespaces(*this, config.hostname);
  init_pid_ns = host_ns.pid;
  init_uts_ns = host_ns.uts;
  cgroups.root->subtree_control = CGROUP_ALL_CONTROLLERS;
}

Kernel::~Kernel() {
  // Processes point at each other; drop them before their address spaces' frames go.
  procs_.clear();
}

uint64_t Kernel::random64() {
  // xorshift64*: deterministic, so runs repeat.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  return rng_ * 0x2545F4914F6CDD1Dull;
}

void Kernel::record(trace::Kind kind, const Process* p, const char* what, uint32_t code) {
  if (!trace) return;
  trace::Event e;
  e.kind = kind;
  e.time_ns = now_ns();
  e.insns = cpu.s.insns;
  e.set_source(p && !p->container.empty() ? p->container.c_str() : "host");
  e.what = what;
  e.code = code;
  if (p && !p->pids.empty()) e.detail[0] = uint32_t(p->host_pid());  // a new init has no PID yet
  trace->record(e);
}

void Kernel::record_syscall(const Process& p, const char* name, uint32_t nr, int32_t result) {
  if (!trace) return;
  trace::Event e;
  e.kind = trace::Kind::Syscall;
  e.time_ns = now_ns();
  e.insns = cpu.s.insns;
  e.set_source(p.container.empty() ? "host" : p.container.c_str());
  e.what = name;
  e.code = nr;
  e.detail[0] = uint32_t(p.host_pid());
  e.detail[1] = uint32_t(result);
  for (int i = 0; i < 2; i++) e.detail[2 + i] = cpu.s.reg[i == 0 ? cpu::EBX : cpu::ECX];
  trace->record(e);
}

// --- processes -----------------------------------------------------------------

Process* Kernel::find_host_pid(int pid) const {
  auto it = procs_.find(pid);
  return it == procs_.end() ? nullptr : it->second.get();
}

Process* Kernel::find(const PidNamespace& ns, int pid) const {
  auto it = ns.tasks.find(pid);
  return it == ns.tasks.end() ? nullptr : it->second;
}

// Give `p` a PID in `ns` and in every namespace above it (alloc_pid()).
int Kernel::alloc_pids(Process& p, const std::shared_ptr<PidNamespace>& ns) {
  p.ns.pid = ns;
  p.pids.assign(size_t(ns->level) + 1, 0);
  for (PidNamespace* n = ns.get(); n; n = n->parent.get()) {
    int pid = ++n->last_pid;
    p.pids[size_t(n->level)] = pid;
    n->tasks[pid] = &p;
  }
  if (p.pid() == 1) ns->child_reaper = &p;
  return p.host_pid();
}

ErrorOr<Process*> Kernel::spawn(const SpawnSpec& spec) {
  if (faults.dead)
    return make_error(LINUX_EIO, "the host kernel is dead (" + faults.oops_reason + "): a kernel oops took every container down");
  auto p = std::make_unique<Process>();
  p->container = spec.container;
  p->root = spec.root;
  p->cwd.stack = {{"", spec.root}};
  p->cwd.inode = spec.root;
  Cgroup* cg = spec.cgroup ? spec.cgroup : cgroups.root;
  if (spec.join) {
    p->ns = spec.join->ns;  // docker exec: the container's namespaces, all of them
  } else {
    uint32_t ns_flags = spec.ns_flags | (spec.new_pid_ns ? LINUX_CLONE_NEWPID : 0) | (spec.new_uts_ns ? LINUX_CLONE_NEWUTS : 0);
    ns::create_container_namespaces(*this, *p, host_ns, ns_flags, spec.root, cg, spec.hostname);
  }
  auto walked = vfs::walk(*p, spec.path, true);
  if (!walked) return walked.error();
  const vfs::InodePtr& inode = walked->inode;
  if (!inode) return make_error(LINUX_ENOENT, spec.path + ": no such file in the image");
  if (inode->type != vfs::InodeType::File) return make_error(LINUX_EACCES, spec.path + ": not a regular file");
  auto prog = parse_elf(*inode->data);
  if (!prog) return make_error(LINUX_ENOEXEC, spec.path + ": " + prog.error().message);
  p->mm = std::make_unique<AddressSpace>(frames, config.ram_bytes);
  if (!p->mm->valid()) return make_error(LINUX_ENOMEM, "out of memory for a page directory");
  p->mm->memcg = memcg_counter(*cg);
  ExecArgs args;
  args.argv = spec.argv;
  args.envp = spec.envp;
  args.execfn = spec.path;
  for (int i = 0; i < 16; i += 8) {
    uint64_t r = random64();
    std::memcpy(args.random + i, &r, 8);
  }
  auto sp = load_elf(*p->mm, inode->data, *prog, args);
  if (!sp) return make_error(sp.code(), spec.path + ": " + sp.error().message);
  p->ctx = initial_context(prog->entry, *sp);
  p->exe = walked->path();
  p->argv = spec.argv;
  // comm is the name the program was run by, not where a symbolic link led
  // (kbasename(bprm->filename)): busybox's applets show as themselves.
  p->comm = spec.path.substr(spec.path.rfind('/') + 1).substr(0, 15);
  p->start_ns = now_ns();
  if (spec.streams) {
    for (int fd = 0; fd < 3; fd++) {
      auto f = std::make_shared<vfs::OpenFile>();
      f->host = spec.streams;
      f->host_stream = fd;
      f->flags = fd == 0 ? LINUX_O_RDONLY : LINUX_O_WRONLY;
      f->path = spec.streams->tty ? "/dev/pts/0" : "pipe:[host]";
      p->alloc_fd(std::move(f));
    }
  }
  if (Cgroup* over = pids_try_charge(*cg, true)) {
    over->pids.events_max++;
    return make_error(LINUX_EAGAIN, over->path() + ": pids.max reached");
  }
  alloc_pids(*p, p->ns.pid);
  cgroup_post_fork(*cg, *p);
  p->pgid = p->sid = p->pid();
  Process* raw = p.get();
  procs_[raw->host_pid()] = std::move(p);
  record(trace::Kind::Container, raw, "start", uint32_t(raw->host_pid()));
  return raw;
}

ErrorOr<Process*> Kernel::fork_process(Process& parent, uint32_t flags) {
  const bool thread = flags & LINUX_CLONE_THREAD;
  Process& group = *parent.group_leader;  // children of any thread belong to the process
  // RLIMIT_NPROC: tasks of the caller's user, for unprivileged callers (kernel/fork.c).
  if (parent.uid != 0 && parent.rlimits[RLIMIT_NPROC_].cur != ~0ull) {
    uint64_t tasks = 0;
    for (auto& [pid, q] : procs_) tasks += q->uid == parent.uid && q->state != ProcState::Zombie;
    if (tasks >= parent.rlimits[RLIMIT_NPROC_].cur) return make_error(LINUX_EAGAIN);
  }
  Namespaces child_ns;
  if (int32_t err = ns::copy_namespaces(*this, parent, child_ns, flags)) return make_error(-err);
  if (int err = cgroup_can_fork(*this, parent)) return make_error(-err);
  std::shared_ptr<FdTable> table = parent.files;
  if (flags & LINUX_CLONE_FILES) table->users++;
  else table = std::make_shared<FdTable>(FdTable{parent.fds, parent.cloexec, 1});
  auto handlers = (flags & LINUX_CLONE_SIGHAND) ? parent.sighand : std::make_shared<SigHandlers>(parent.sigactions);
  auto child = std::make_unique<Process>(std::move(table), std::move(handlers));
  if (flags & LINUX_CLONE_VM) {
    child->mm = parent.mm;  // one address space, counted by its users
  } else {
    child->mm = parent.mm->fork();
    if (!child->mm) {
      if (flags & LINUX_CLONE_FILES) parent.files->users--;
      cgroup_cancel_fork(parent);
      return make_error(LINUX_ENOMEM);
    }
    if (&parent == loaded_ && parent.mm->take_tlb_flush()) cpu.flush_tlb();
  }
  child->ns = std::move(child_ns);
  alloc_pids(*child, child->ns.pid);
  if (parent.cgroup) cgroup_post_fork(*parent.cgroup, *child);
  // The parent is running: its live registers are the child's, except EAX.
  save_context(parent);
  child->ctx = parent.ctx;
  child->ctx.reg[cpu::EAX] = 0;
  std::copy(std::begin(parent.tls), std::end(parent.tls), std::begin(child->tls));
  child->root = parent.root;
  child->cwd = parent.cwd;
  child->sigmask = parent.sigmask;
  child->comm = parent.comm;
  child->exe = parent.exe;
  child->argv = parent.argv;
  child->uid = parent.uid;
  child->gid = parent.gid;
  child->umask = parent.umask;
  child->rlimits = parent.rlimits;
  child->container = parent.container;
  child->start_ns = now_ns();
  // A new thread inherits its creator's alternate signal stack only when
  // it shares the memory it lies in (copy_sighand / sas_ss_reset).
  if (!(flags & LINUX_CLONE_VM) || (flags & LINUX_CLONE_VFORK)) {
    child->altstack_sp = parent.altstack_sp;
    child->altstack_size = parent.altstack_size;
    child->altstack_flags = parent.altstack_flags;
  }
  if (thread) {
    child->group_leader = &group;
    group.threads.push_back(child.get());
    child->exit_signal = 0;  // a thread is nobody's child to wait for
    child->pgid = parent.pgid;
    child->sid = parent.sid;
  } else {
    child->exit_signal = flags & LINUX_CSIGNAL;
    // Process groups and sessions are numbered in the child's namespace;
    // a new namespace's init starts its own.
    bool new_ns = child->ns.pid != parent.ns.pid;
    child->pgid = new_ns ? child->pid() : parent.pgid;
    child->sid = new_ns ? child->pid() : parent.sid;
    child->parent = &group;
    group.children.push_back(child.get());
  }
  stats.forks++;
  Process* raw = child.get();
  procs_[raw->host_pid()] = std::move(child);
  return raw;
}

void Kernel::retire(std::shared_ptr<AddressSpace> mm) {
  if (mm) retired_.push_back(std::move(mm));
}

void Kernel::free_retired() {
  uint32_t live_cr3 = cpu.s.cr3 & ~0xFFFu;
  std::erase_if(retired_, [live_cr3](const std::shared_ptr<AddressSpace>& mm) { return mm->cr3() != live_cr3; });
}

int32_t Kernel::exec(Process& p, const std::string& path, std::vector<std::string> argv,
                     std::vector<std::string> envp) {
  // Linux lets the exec'ing thread take over the leader's PID; isolab execs
  // from the main thread only.
  if (p.is_thread()) return -LINUX_EINVAL;
  auto walked = vfs::walk(p, path, true);
  if (!walked) return -walked.code();
  const vfs::InodePtr& inode = walked->inode;
  if (!inode) return -LINUX_ENOENT;
  if (inode->type != vfs::InodeType::File || !(inode->mode & 0111)) return -LINUX_EACCES;
  auto prog = parse_elf(*inode->data);
  if (!prog) {
    record(trace::Kind::Syscall, &p, "execve: ENOEXEC", LINUX_ENOEXEC);
    return -LINUX_ENOEXEC;
  }
  auto mm = std::make_unique<AddressSpace>(frames, config.ram_bytes);
  if (!mm->valid()) return -LINUX_ENOMEM;
  mm->memcg = p.mm->memcg;
  ExecArgs args;
  args.argv = argv;
  args.envp = std::move(envp);
  args.execfn = path;
  args.uid = p.uid;
  args.gid = p.gid;
  for (int i = 0; i < 16; i += 8) {
    uint64_t r = random64();
    std::memcpy(args.random + i, &r, 8);
  }
  mm->stack_limit = uint32_t(std::min<uint64_t>(p.rlimits[RLIMIT_STACK_].cur, STACK_SIZE));
  auto sp = load_elf(*mm, inode->data, *prog, args);
  if (!sp) return -sp.code();
  // The point of no return: the old program is gone, and with it every
  // other thread of the process (de_thread()).
  for (Process* t : std::vector<Process*>(p.threads)) exit_thread(*t, 0, LINUX_SIGKILL);
  retire(std::move(p.mm));
  p.mm = std::move(mm);
  p.ctx = initial_context(prog->entry, *sp);
  std::fill(std::begin(p.tls), std::end(p.tls), 0);
  for (size_t fd = 0; fd < p.fds.size(); fd++)
    if (p.cloexec[fd]) p.fds[fd].reset();
  for (SigAction& sa : p.sigactions)
    if (sa.handler != LINUX_SIG_IGN) sa = SigAction{};
  p.exe = walked->path();
  p.argv = std::move(argv);
  p.comm = path.substr(path.rfind('/') + 1).substr(0, 15);  // the name it was run by, as spawn()
  p.altstack_sp = p.altstack_size = p.altstack_flags = 0;  // no alternate stack in the new program
  loaded_ = nullptr;
  if (current_ == &p) switch_to(p);
  return 0;
}

void Kernel::exit_process(Process& p, int code, int signal) {
  Process& g = *p.group_leader;
  // The group's status is the one exit_group or the signal gave, even for
  // a leader that had already left with exit(2).
  if (g.state == ProcState::Zombie) {
    g.exit_code = signal ? signal : (code & 0xff);
    g.killed_by_signal = signal != 0;
  }
  for (Process* t : std::vector<Process*>(g.threads)) exit_thread(*t, code, signal);
  exit_thread(g, code, signal);
}

void Kernel::exit_thread(Process& p, int code, int signal) {
  if (p.state == ProcState::Zombie) return;
  p.state = ProcState::Zombie;
  p.exit_code = signal ? signal : (code & 0xff);
  p.killed_by_signal = signal != 0;
  p.futex_waiting = false;
  // CLONE_CHILD_CLEARTID / set_tid_address: a joiner waits on this word (mm_release()).
  if (p.clear_child_tid && p.mm) {
    uint32_t zero = 0;
    if (p.mm->copy_out(p.clear_child_tid, &zero, 4)) syscalls::futex_wake(*this, p.mm.get(), p.clear_child_tid, 1, ~0u);
  }
  if (--p.files->users == 0) {
    p.fds.clear();
    p.cloexec.clear();
  }
  cgroup_exit(p);
  retire(std::move(p.mm));
  if (loaded_ == &p) loaded_ = nullptr;
  record(trace::Kind::Container, &p, signal ? "killed" : (p.is_thread() ? "thread exit" : "exit"), uint32_t(p.exit_code));
  if (p.is_thread()) {
    // Nobody waits for a thread: it is released at once (release_task()).
    Process& g = *p.group_leader;
    std::erase(g.threads, &p);
    reap(&p);
    if (g.state == ProcState::Zombie && g.threads.empty()) group_dead(g);
    wake_blocked();
    return;
  }
  if (p.threads.empty()) group_dead(p);
  else wake_blocked();
}

// The last thread of a process is gone: its children are orphans, its
// parent is told (exit_notify()).
void Kernel::group_dead(Process& p) {
  PidNamespace& ns = *p.ns.pid;
  // The init of a PID namespace takes every process of it down with it
  // (zap_pid_ns_processes()).
  if (ns.child_reaper == &p) {
    ns.init_gone = true;  // nothing can enter any more: fork into it fails with ENOMEM
    std::vector<int> victims;
    for (auto& [pid, q] : ns.tasks)
      if (q != &p && q->state != ProcState::Zombie && !q->is_thread()) victims.push_back(q->host_pid());
    for (int pid : victims)
      if (Process* q = find_host_pid(pid)) exit_process(*q, 0, LINUX_SIGKILL);
  }
  // Orphans go to the namespace's init; with none, nobody waits for them.
  Process* reaper = ns.child_reaper != &p ? ns.child_reaper : nullptr;
  std::vector<Process*> orphans = std::move(p.children);
  p.children.clear();
  for (Process* c : orphans) {
    c->parent = reaper;
    if (reaper) reaper->children.push_back(c);
    else if (c->state == ProcState::Zombie) reap(c);
  }
  if (p.reap_deferred) {
    reap(&p);
    wake_blocked();
    return;
  }
  // A parent that ignores SIGCHLD, or asked SA_NOCLDWAIT, does not wait.
  const SigAction* chld = p.parent ? &p.parent->sigactions[LINUX_SIGCHLD] : nullptr;
  if (chld && p.exit_signal)
    signals::send(*this, *p.parent, int(p.exit_signal), nullptr,
                  SigInfo{p.killed_by_signal ? signals::CLD_KILLED : signals::CLD_EXITED, p.host_pid(), p.uid, p.exit_code});
  if (chld && (chld->handler == LINUX_SIG_IGN || (chld->flags & signals::SA_NOCLDWAIT))) {
    reap(&p);
    wake_blocked();
    return;
  }
  wake_blocked();
}

void Kernel::reap(Process* z) {
  // A leader whose threads still run stays until the last of them ends.
  if (!z->threads.empty()) {
    z->reap_deferred = true;
    return;
  }
  if (z->parent) std::erase(z->parent->children, z);
  // Children left with nobody to wait for them: the dead are reaped with
  // their parent, the living are nobody's.
  std::vector<Process*> children = std::move(z->children);
  for (Process* c : children) {
    c->parent = nullptr;
    if (c->state == ProcState::Zombie) reap(c);
  }
  for (PidNamespace* n = z->ns.pid.get(); n; n = n->parent.get()) {
    n->tasks.erase(z->pids[size_t(n->level)]);
    if (n->child_reaper == z) n->child_reaper = nullptr;
  }
  cgroup_release(*z);
  sched.forget(z->host_pid());
  if (current_ == z) current_ = nullptr;
  if (loaded_ == z) loaded_ = nullptr;
  procs_.erase(z->host_pid());
}

void Kernel::send_signal(Process& t, int sig, const Process* sender, int32_t code) {
  signals::send(*this, t, sig, sender, SigInfo{code, 0, 0, 0});
}

void Kernel::load_tls(const Process& p) {
  auto* gdt = reinterpret_cast<uint64_t*>(bus.ram() + GDT_PA);
  for (int i = 0; i < GDT_ENTRY_TLS_ENTRIES; i++) gdt[GDT_ENTRY_TLS_MIN + i] = p.tls[i];
}

// --- scheduling ------------------------------------------------------------------

void Kernel::add_host_timer(uint64_t at_ns) {
  if (at_ns > now_ns()) host_timers_.push_back(at_ns);
}

// The earliest host timer after now (dropping those passed), or UINT64_MAX.
uint64_t Kernel::next_host_timer() {
  std::erase_if(host_timers_, [now = now_ns()](uint64_t t) { return t <= now; });
  uint64_t next = UINT64_MAX;
  for (uint64_t t : host_timers_) next = std::min(next, t);
  return next;
}

void Kernel::save_context(Process& p) {
  std::memcpy(p.ctx.reg, cpu.s.reg, sizeof p.ctx.reg);
  p.ctx.eip = cpu.s.eip;
  p.ctx.eflags = cpu.s.eflags;
  p.ctx.lazy = cpu.s.lazy;
  std::copy(std::begin(cpu.s.seg), std::end(cpu.s.seg), std::begin(p.ctx.seg));
  p.ctx.fpu = cpu.s.fpu;
}

void Kernel::switch_to(Process& p) {
  std::memcpy(cpu.s.reg, p.ctx.reg, sizeof p.ctx.reg);
  cpu.s.eip = p.ctx.eip;
  cpu.s.eflags = p.ctx.eflags;
  cpu.s.lazy = p.ctx.lazy;
  std::copy(std::begin(p.ctx.seg), std::end(p.ctx.seg), std::begin(cpu.s.seg));
  cpu.s.fpu = p.ctx.fpu;
  if (loaded_ != &p) {
    load_tls(p);
    cpu.write_cr(3, p.mm->cr3());  // flushes the TLB
    loaded_ = &p;
    stats.context_switches++;
  }
  current_ = &p;
}

Process* Kernel::pick_next() {
  std::vector<Process*> runnable;
  for (auto& [pid, p] : procs_) {
    if (p->state == ProcState::Blocked &&
        (p->block_generation != generation_ || (p->block_until_ns && p->block_until_ns <= now_ns())))
      p->state = ProcState::Runnable;
    if (p->state == ProcState::Sleeping && p->wake_ns <= now_ns()) {
      p->state = ProcState::Runnable;
      p->futex_waiting = false;  // FUTEX_WAIT timed out: its -ETIMEDOUT is in EAX
    }
    if (p->state == ProcState::Runnable) runnable.push_back(p.get());
  }
  return runnable.empty() ? nullptr : sched.pick(runnable);
}

RunResult Kernel::run(uint64_t max_insns, const std::function<bool()>& done) {
  const uint64_t start = cpu.s.insns;
  for (;;) {
    retired_.clear();
    signals::fire_alarms(*this);
    if (done && done()) return RunResult::Done;
    uint64_t used = cpu.s.insns - start;
    if (used >= max_insns) return RunResult::Budget;
    Process* p = pick_next();
    if (!p) {
      // Nobody can run: jump the clock to the earliest sleeper or the end
      // of a throttled cgroup's period, as an idle CPU waits for the timer.
      uint64_t wake = sched.next_unthrottle_ns();
      bool blocked = false, waiting = false;
      for (auto& [pid, q] : procs_) {
        waiting |= q->state == ProcState::Sleeping || q->state == ProcState::Blocked;
        if (q->state == ProcState::Sleeping) wake = std::min(wake, q->wake_ns);
        if (q->state == ProcState::Blocked && q->block_until_ns) wake = std::min(wake, q->block_until_ns);
        // A FUTEX_WAIT without a timeout sleeps until woken: blocked.
        blocked |= q->state == ProcState::Blocked || (q->state == ProcState::Sleeping && q->wake_ns == UINT64_MAX);
      }
      uint64_t alarm = signals::next_alarm_ns(*this);
      if (alarm) wake = std::min(wake, alarm);
      if (waiting) wake = std::min(wake, next_host_timer());  // with nobody left, a timer has nothing to wait for
      if (wake != UINT64_MAX) {
        if (wake > now_ns()) idle_ns_ += wake - now_ns();
        continue;
      }
      return blocked ? RunResult::Deadlock : RunResult::Idle;
    }
    switch_to(*p);
    // Signals sent while it waited are delivered on its way back to user mode.
    if (!signals::deliver_pending(*this, *p)) {
      if (current_ == p && p->state != ProcState::Zombie) save_context(*p);
      current_ = nullptr;
      continue;
    }
    // Whoever it is charged to, even if it exits during its slice.
    int host_pid = p->host_pid();
    Cgroup* cg = p->cgroup;
    std::vector<Cgroup*> through = sched.path(*p);
    uint64_t before = cpu.s.insns;
    uint64_t slice = std::min(sched.slice(through, config.quantum), max_insns - used);
    // A host timer due within the slice cuts it short, so a stop's SIGKILL comes on time.
    if (uint64_t timer = next_host_timer(); timer != UINT64_MAX)
      slice = std::max<uint64_t>(1, std::min(slice, (timer - now_ns() + config.ns_per_insn - 1) / config.ns_per_insn));
    cpu::StopReason why = cpu.run(slice);
    uint64_t ran = cpu.s.insns - before;
    sched.account(host_pid, cg, through, ran);
    // `p` may be gone (reaped at its exit); current_ is null then.
    if (current_ == p) {
      p->user_insns += ran;
      if (p->state != ProcState::Zombie) {
        save_context(*p);
        if (why == cpu::StopReason::TripleFault || why == cpu::StopReason::Halted) exit_process(*p, 0, LINUX_SIGSEGV);
      }
    }
    current_ = nullptr;
  }
}

// --- the CPU's events --------------------------------------------------------------

bool Kernel::on_software_interrupt(cpu::Cpu& c, uint8_t vector) {
  Process* p = current_;
  if (vector != 0x80 || !p) return false;  // other INT n: #GP without an IDT entry, as on Linux
  uint32_t nr = c.s.reg[cpu::EAX];
  syscalls::Args args{{c.s.reg[cpu::EBX], c.s.reg[cpu::ECX], c.s.reg[cpu::EDX], c.s.reg[cpu::ESI],
                       c.s.reg[cpu::EDI], c.s.reg[cpu::EBP]}};
  stats.syscalls++;
  const syscalls::Syscall* sc = syscalls::lookup(nr);
  int32_t r;
  const int host_pid = p->host_pid();
  if (!sc) {
    stats.unknown_syscalls++;
    r = -LINUX_ENOSYS;
    record_syscall(*p, "ENOSYS", nr, r);
  } else {
    r = sc->fn(*this, *p, args);
    // A thread's exit releases it at once: then it is not there to record.
    if (find_host_pid(host_pid) != p) {
      c.request_stop();
      return true;
    }
    if (r != SYSCALL_RESTART) record_syscall(*p, sc->name, nr, r);
    if (r != SYSCALL_RESTART) p->block_until_ns = 0;  // a timed wait (poll) is over
  }
  if (stop_after_syscall && r != SYSCALL_RESTART && stop_after_syscall(*p, nr, r)) c.request_stop();
  // The handler may have ended the process (exit, a fatal signal) or
  // reaped nothing of it; `current_` says whether it still runs.
  if (current_ != p || p->state == ProcState::Zombie || r == SYSCALL_NO_RETURN) {
    c.request_stop();
    return true;
  }
  if (r == SYSCALL_RESTART) {
    c.s.eip -= 2;  // back to the INT 0x80 (CD 80)
    p->state = ProcState::Blocked;
    p->block_generation = generation_;
    c.request_stop();
    return true;
  }
  c.s.reg[cpu::EAX] = uint32_t(r);
  if (p->mm->take_tlb_flush()) c.flush_tlb();
  if (p->state == ProcState::Runnable && !signals::deliver_pending(*this, *p)) {
    c.request_stop();
    return true;
  }
  if (p->state != ProcState::Runnable) c.request_stop();
  return true;
}

bool Kernel::on_exception(cpu::Cpu& c, uint8_t vector, uint32_t error_code, bool has_error) {
  Process* p = current_;
  if (!p) return false;
  if (vector == cpu::PF_ && p->mm) {
    stats.page_faults++;
    p->min_faults++;
    FaultResult r = p->mm->handle_fault(c.s.cr2, error_code & mmu::PFERR_W);
    if (r == FaultResult::Fixed) {
      if (p->mm->take_tlb_flush()) c.flush_tlb_page(c.s.cr2);
      return true;
    }
    if (r == FaultResult::Oom) {
      // Refused by a cgroup's memory.max: its OOM killer frees memory and
      // the access is retried, unless the faulting process was the victim.
      if (PageCounter* over = frames.take_refused(); over && over->cgroup) {
        const int host_pid = p->host_pid();
        bool killed = memcg_oom_kill(*this, *over->cgroup);
        // The victim may have been this thread's process: a thread is gone at once.
        bool gone = find_host_pid(host_pid) != p || p->state == ProcState::Zombie;
        if (killed && !gone) return true;
        if (gone) {
          c.request_stop();
          return true;
        }
      }
    }
    record(trace::Kind::Exception, p, r == FaultResult::Oom ? "#PF out of memory" : "#PF SIGSEGV", c.s.cr2);
    exit_process(*p, 0, r == FaultResult::Oom ? LINUX_SIGKILL : LINUX_SIGSEGV);
  } else {
    int sig = vector == cpu::DE || vector == cpu::MF ? LINUX_SIGFPE : vector == cpu::UD ? LINUX_SIGILL
            : vector == cpu::BP || vector == cpu::DB ? LINUX_SIGTRAP : LINUX_SIGSEGV;
    record(trace::Kind::Exception, p, "fatal exception", vector);
    exit_process(*p, 0, sig);
  }
  c.request_stop();
  return true;
}

}  // namespace isolab::containers
