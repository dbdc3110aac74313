// Process system calls: fork/vfork/clone, execve, exit, wait4, kill, the
// IDs, set_thread_area, nanosleep (fork(2), execve(2), wait4(2), kill(2),
// set_thread_area(2) and their kernel sources in kernel/fork.c, exit.c,
// signal.c, arch/x86/kernel/tls.c).
#include <cstring>

#include "containers/linux_abi.h"
#include "containers/ns/nsproxy.h"
#include "containers/syscalls/syscalls.h"

namespace isolab::containers::syscalls {

using namespace linux_abi;

constexpr uint32_t LINUX_CLONE_SETTLS = 0x00080000, LINUX_CLONE_PARENT_SETTID = 0x00100000,
                   LINUX_CLONE_CHILD_CLEARTID = 0x00200000, LINUX_CLONE_CHILD_SETTID = 0x01000000;

// struct user_desc (asm/ldt.h) to a GDT descriptor, as fill_ldt() does.
static uint64_t tls_descriptor(uint32_t base, uint32_t limit, uint32_t flags) {
  uint32_t seg_32bit = flags & 1, contents = (flags >> 1) & 3, read_exec_only = (flags >> 3) & 1,
           limit_in_pages = (flags >> 4) & 1, seg_not_present = (flags >> 5) & 1, useable = (flags >> 6) & 1;
  // An "empty" descriptor clears the slot (LDT_empty()).
  if (base == 0 && limit == 0 && contents == 0 && read_exec_only == 1 && seg_32bit == 0 &&
      limit_in_pages == 0 && seg_not_present == 1 && useable == 0)
    return 0;
  uint32_t lo = (limit & 0xFFFF) | (base << 16);
  uint32_t type = ((read_exec_only ^ 1) << 1) | (contents << 2) | 1;
  uint32_t hi = ((base >> 16) & 0xFF) | (type << 8) | (1u << 12) | (3u << 13) | ((seg_not_present ^ 1) << 15) |
                (limit & 0xF0000) | (useable << 20) | (seg_32bit << 22) | (limit_in_pages << 23) |
                (base & 0xFF000000);
  return uint64_t(hi) << 32 | lo;
}

// Install a TLS descriptor from the user_desc at `u_info` in `target`.
static int32_t set_tls(Kernel& k, Process& caller, Process& target, uint32_t u_info) {
  uint32_t d[4];
  if (!caller.mm->copy_in(u_info, d, sizeof d)) return -LINUX_EFAULT;
  int32_t entry = int32_t(d[0]);
  if (entry == -1) {
    for (int i = 0; i < GDT_ENTRY_TLS_ENTRIES && entry == -1; i++)
      if (!target.tls[i]) entry = GDT_ENTRY_TLS_MIN + i;
    if (entry == -1) return -LINUX_ESRCH;
    if (put_user(caller, u_info, uint32_t(entry)) < 0) return -LINUX_EFAULT;
  }
  if (entry < GDT_ENTRY_TLS_MIN || entry >= GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES) return -LINUX_EINVAL;
  target.tls[entry - GDT_ENTRY_TLS_MIN] = tls_descriptor(d[1], d[2], d[3]);
  if (&target == k.current()) k.load_tls(target);
  return 0;
}

// exit(2) ends the calling thread; exit_group(2) (what exit(3) calls) every thread.
int32_t sys_exit(Kernel& k, Process& p, const Args& a) {
  k.exit_thread(p, a.s(0));
  return SYSCALL_NO_RETURN;
}

int32_t sys_exit_group(Kernel& k, Process& p, const Args& a) {
  k.exit_process(p, a.s(0));
  return SYSCALL_NO_RETURN;
}

static int32_t do_clone(Kernel& k, Process& p, uint32_t flags, uint32_t newsp, uint32_t ptid, uint32_t tls,
                        uint32_t ctid) {
  // The combinations Linux refuses (copy_process()): a thread shares the
  // handlers, which need the address space.
  if ((flags & LINUX_CLONE_THREAD) && !(flags & LINUX_CLONE_SIGHAND)) return -LINUX_EINVAL;
  if ((flags & LINUX_CLONE_SIGHAND) && !(flags & LINUX_CLONE_VM)) return -LINUX_EINVAL;
  if ((flags & LINUX_CLONE_THREAD) && (flags & (LINUX_CLONE_NEWPID | LINUX_CLONE_NEWUSER))) return -LINUX_EINVAL;
  // isolab shares a descriptor table or handlers only within a thread
  // group (execve could not unshare them otherwise).
  if ((flags & (LINUX_CLONE_FILES | LINUX_CLONE_SIGHAND)) && !(flags & LINUX_CLONE_THREAD)) return -LINUX_EINVAL;
  auto child = k.fork_process(p, flags);
  if (!child) return -child.code();
  Process& c = **child;
  int pid_for_parent = c.pid_in(*p.ns.pid);
  if (newsp) c.ctx.reg[cpu::ESP] = newsp;
  if (flags & LINUX_CLONE_SETTLS) {
    int32_t r = set_tls(k, p, c, tls);
    if (r < 0) return r;
    // %fs and %gs selecting a TLS slot take the child's descriptor, as a
    // reload at its first switch would (the copied caches hold the parent's base).
    for (int s : {cpu::FS, cpu::GS}) {
      uint16_t sel = c.ctx.seg[s].selector;
      int idx = sel >> 3;
      if (!(sel & 4) && idx >= GDT_ENTRY_TLS_MIN && idx < GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES &&
          c.tls[idx - GDT_ENTRY_TLS_MIN]) {
        cpu::Cpu::cache_from_descriptor(c.ctx.seg[s], sel, c.tls[idx - GDT_ENTRY_TLS_MIN]);
        cpu::Cpu::update_flat(c.ctx.seg[s], true);
      }
    }
  }
  if (flags & LINUX_CLONE_PARENT_SETTID) put_user(p, ptid, int32_t(pid_for_parent));
  if (flags & LINUX_CLONE_CHILD_SETTID) {
    int32_t own = c.pid();
    c.mm->copy_out(ctid, &own, 4);
  }
  if (flags & LINUX_CLONE_CHILD_CLEARTID) c.clear_child_tid = ctid;
  if (flags & LINUX_CLONE_THREAD) k.record(trace::Kind::Container, &c, "thread", uint32_t(c.host_pid()));
  return pid_for_parent;
}

int32_t sys_fork(Kernel& k, Process& p, const Args&) { return do_clone(k, p, LINUX_SIGCHLD, 0, 0, 0, 0); }
// vfork(2) with fork's semantics: the child gets a copy, which is what a
// child that only calls execve or _exit can tell apart from sharing.
int32_t sys_vfork(Kernel& k, Process& p, const Args&) { return do_clone(k, p, LINUX_SIGCHLD, 0, 0, 0, 0); }
// clone(flags, newsp, parent_tid, tls, child_tid): the i386 argument order.
int32_t sys_clone(Kernel& k, Process& p, const Args& a) {
  uint32_t flags = a[0];
  // vfork's sharing (the parent waits until the child execs or exits) is
  // given fork's copy, which such a child cannot tell apart.
  if (flags & LINUX_CLONE_VFORK) flags &= ~LINUX_CLONE_VM;
  return do_clone(k, p, flags, a[1], a[2], a[3], a[4]);
}

int32_t sys_execve(Kernel& k, Process& p, const Args& a) {
  std::string path;
  if (!p.mm->read_string(a[0], path)) return -LINUX_EFAULT;
  std::vector<std::string> argv, envp;
  int32_t err = 0;
  if (!read_string_array(p, a[1], argv, err) || !read_string_array(p, a[2], envp, err)) return err;
  return k.exec(p, path, std::move(argv), std::move(envp));
}

// Does child `c` match wait4's pid argument for caller `p`?
static bool wait_matches(const Process& p, const Process& c, int32_t pid) {
  if (pid > 0) return c.pid_in(*p.ns.pid) == pid;
  if (pid == -1) return true;
  if (pid == 0) return c.pgid == p.pgid;
  return c.pgid == -pid;
}

// wait4(pid, wstatus, options, rusage). Status: exit code << 8, or the
// signal number (wait(2)'s WIFEXITED / WIFSIGNALED encoding).
// Any thread may wait for the children of its process; a thread is no one's
// child, and a process is waitable once its last thread has gone.
int32_t sys_wait4(Kernel& k, Process& caller, const Args& a) {
  Process& p = *caller.group_leader;
  int32_t pid = a.s(0);
  uint32_t options = a[2];
  if (options & ~(LINUX_WNOHANG | LINUX_WUNTRACED | 0x40000000u | 0x80000000u | 8u)) return -LINUX_EINVAL;
  bool any = false;
  for (Process* c : p.children) {
    if (!wait_matches(p, *c, pid)) continue;
    any = true;
    if (c->state == ProcState::Zombie && !c->threads.empty()) continue;  // its threads still run
    if (c->state == ProcState::Stopped && c->stop_unreported && (options & LINUX_WUNTRACED)) {
      // WIFSTOPPED: 0x7f in the low byte, the stopping signal above it.
      int32_t status = 0x7f | (c->stop_unreported << 8);
      c->stop_unreported = 0;
      if (a[1] && put_user(caller, a[1], status) < 0) return -LINUX_EFAULT;
      return c->pid_in(*p.ns.pid);
    }
    if (c->state != ProcState::Zombie) continue;
    int32_t status = c->killed_by_signal ? (c->exit_code & 0x7f) : ((c->exit_code & 0xff) << 8);
    if (a[1] && put_user(caller, a[1], status) < 0) return -LINUX_EFAULT;
    if (a[3]) {
      uint8_t rusage[72] = {};  // struct rusage on i386: zero times and counts for now
      if (!caller.mm->copy_out(a[3], rusage, sizeof rusage)) return -LINUX_EFAULT;
    }
    int32_t reaped = c->pid_in(*p.ns.pid);
    k.reap(c);
    return reaped;
  }
  if (!any) return -LINUX_ECHILD;
  if (options & LINUX_WNOHANG) return 0;
  return SYSCALL_RESTART;
}

int32_t sys_waitpid(Kernel& k, Process& p, const Args& a) {
  Args w{{a[0], a[1], a[2], 0, 0, 0}};
  return sys_wait4(k, p, w);
}

// kill(pid, sig): pid > 0 one process, 0 the caller's group, -1 everyone
// the caller can see but init and itself, < -1 the group -pid.
int32_t sys_kill(Kernel& k, Process& p, const Args& a) {
  int32_t pid = a.s(0), sig = a.s(1);
  if (sig < 0 || sig > LINUX_NSIG) return -LINUX_EINVAL;
  std::vector<Process*> targets;
  PidNamespace& ns = *p.ns.pid;
  if (pid > 0) {
    if (Process* t = k.find(ns, pid)) targets.push_back(t->group_leader);  // a TID names its process
  } else {
    for (auto& [nr, t] : ns.tasks) {
      if (t->is_thread() || (t->state == ProcState::Zombie && pid != -1)) continue;
      if (pid == -1 ? (nr > 1 && t != p.group_leader) : t->pgid == (pid == 0 ? p.pgid : -pid)) targets.push_back(t);
    }
  }
  if (targets.empty()) return -LINUX_ESRCH;
  if (sig == 0) return 0;
  for (Process* t : targets) k.send_signal(*t, sig, &p);
  return 0;
}

int32_t sys_getpid(Kernel&, Process& p, const Args&) { return p.tgid(); }
int32_t sys_gettid(Kernel&, Process& p, const Args&) { return p.pid(); }
int32_t sys_getppid(Kernel&, Process& p, const Args&) { return p.ppid(); }
// IDs are kernel IDs; the caller sees them through its user namespace's maps.
int32_t sys_getuid(Kernel&, Process& p, const Args&) { return int32_t(ns::from_kuid(*p.ns.user, p.uid)); }
int32_t sys_getgid(Kernel&, Process& p, const Args&) { return int32_t(ns::from_kuid(*p.ns.user, p.gid, true)); }

// setuid(uid), setgid(gid): a privileged process may become any ID its
// user namespace maps (EINVAL for one it does not); others only their own (EPERM).
static int32_t set_id(Process& p, uint32_t id, bool gid) {
  uint32_t kid = ns::make_kuid(*p.ns.user, id, gid);
  if (kid == UINT32_MAX) return -LINUX_EINVAL;
  uint32_t& mine = gid ? p.gid : p.uid;
  if (kid != mine && !ns::capable(p)) return -LINUX_EPERM;
  mine = kid;
  return 0;
}
int32_t sys_setuid(Kernel&, Process& p, const Args& a) { return set_id(p, a[0], false); }
int32_t sys_setgid(Kernel&, Process& p, const Args& a) { return set_id(p, a[0], true); }
// getgroups(2): container processes have no supplementary groups, so the
// list is empty whatever its size (a size of 0 asks for the count: 0).
int32_t sys_getgroups(Kernel&, Process&, const Args& a) { return a.s(0) < 0 ? -LINUX_EINVAL : 0; }

int32_t sys_setpgid(Kernel& k, Process& p, const Args& a) {
  int32_t pid = a.s(0), pgid = a.s(1);
  if (pgid < 0) return -LINUX_EINVAL;
  Process* t = pid == 0 ? &p : k.find(*p.ns.pid, pid);
  if (!t || (t != &p && t->parent != &p)) return -LINUX_ESRCH;
  if (t->sid == t->pid() && t->pgid == t->pid() && t != &p) return -LINUX_EPERM;
  t->pgid = pgid ? pgid : t->pid();
  return 0;
}

int32_t sys_getpgid(Kernel& k, Process& p, const Args& a) {
  Process* t = a.s(0) == 0 ? &p : k.find(*p.ns.pid, a.s(0));
  return t ? t->pgid : -LINUX_ESRCH;
}
int32_t sys_getpgrp(Kernel&, Process& p, const Args&) { return p.pgid; }
int32_t sys_getsid(Kernel& k, Process& p, const Args& a) {
  Process* t = a.s(0) == 0 ? &p : k.find(*p.ns.pid, a.s(0));
  return t ? t->sid : -LINUX_ESRCH;
}

int32_t sys_setsid(Kernel&, Process& p, const Args&) {
  if (p.pgid == p.pid()) return -LINUX_EPERM;  // already a group leader
  p.sid = p.pgid = p.pid();
  return p.sid;
}

int32_t sys_set_thread_area(Kernel& k, Process& p, const Args& a) { return set_tls(k, p, p, a[0]); }

int32_t sys_set_tid_address(Kernel&, Process& p, const Args& a) {
  p.clear_child_tid = a[0];
  return p.pid();  // the caller's TID
}

// set_robust_list(head, len): recorded; the list is not walked at exit
// (a lock held by a dying thread is not marked FUTEX_OWNER_DIED).
int32_t sys_set_robust_list(Kernel&, Process& p, const Args& a) {
  if (a[1] != 12) return -LINUX_EINVAL;  // sizeof(struct robust_list_head) on i386
  p.robust_list = a[0];
  return 0;
}

int32_t sys_sched_yield(Kernel& k, Process&, const Args&) {
  k.cpu.request_stop();  // the rest of the quantum goes to the next process
  return 0;
}

// nanosleep(req, rem): the process sleeps in simulated time; when every
// process sleeps the clock jumps (Kernel::run).
int32_t sys_nanosleep(Kernel& k, Process& p, const Args& a) {
  int32_t ts[2];
  if (!p.mm->copy_in(a[0], ts, sizeof ts)) return -LINUX_EFAULT;
  if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000) return -LINUX_EINVAL;
  if (p.sigpending & ~p.sigmask) return -LINUX_EINTR;
  p.wake_ns = k.now_ns() + uint64_t(ts[0]) * 1000000000ull + uint64_t(ts[1]);
  p.sleep_rem_va = a[1];
  p.state = ProcState::Sleeping;
  return 0;
}

}  // namespace isolab::containers::syscalls
