// Signal system calls (sigaction(2), sigprocmask(2), sigpending(2),
// sigsuspend(2), pause(2), alarm(2), kill(2)'s thread variants tkill(2)
// and tgkill(2), sigreturn(2)); delivery itself is containers/signal.cpp.
#include "containers/linux_abi.h"
#include "containers/signal.h"
#include "containers/syscalls/syscalls.h"

namespace isolab::containers::syscalls {

using namespace linux_abi;
using signals::sigbit;

namespace {

// Install `sa` for `sig`; a signal that becomes ignored is discarded if
// pending (POSIX: "setting a signal action to SIG_IGN ... shall cause any
// pending signal ... to be discarded").
void install(Process& p, int sig, const SigAction& sa) {
  p.sigactions[size_t(sig)] = sa;
  if (sa.handler == LINUX_SIG_IGN ||
      (sa.handler == LINUX_SIG_DFL && signals::default_action(sig) == signals::DefaultAction::Ign))
    p.sigpending &= ~sigbit(sig);
}

bool valid_signal(int32_t sig) { return sig >= 1 && sig <= LINUX_NSIG; }

int32_t change_mask(Process& p, uint32_t how, uint64_t set) {
  switch (how) {
    case 0: p.sigmask |= set; break;   // SIG_BLOCK
    case 1: p.sigmask &= ~set; break;  // SIG_UNBLOCK
    case 2: p.sigmask = set; break;    // SIG_SETMASK
    default: return -LINUX_EINVAL;
  }
  p.sigmask &= ~signals::UNBLOCKABLE;
  return 0;
}

// Wait for a signal with `mask` blocked meanwhile (sigsuspend); the old
// mask comes back after the handler (deliver_pending's restore_sigmask).
int32_t suspend(Process& p, uint64_t mask) {
  if (!p.restore_sigmask) {
    p.saved_sigmask = p.sigmask;
    p.restore_sigmask = true;
  }
  p.sigmask = mask & ~signals::UNBLOCKABLE;
  if (p.sigpending & ~p.sigmask) return -LINUX_EINTR;
  return SYSCALL_RESTART;
}

}  // namespace

// rt_sigaction(sig, act, oldact, sigsetsize): struct sigaction is
// {handler, flags, restorer, mask[2]} for the kernel.
int32_t sys_rt_sigaction(Kernel&, Process& p, const Args& a) {
  int32_t sig = a.s(0);
  if (a[3] != 8 || !valid_signal(sig)) return -LINUX_EINVAL;
  if (a[1] && (sig == LINUX_SIGKILL || sig == LINUX_SIGSTOP)) return -LINUX_EINVAL;
  SigAction& sa = p.sigactions[size_t(sig)];
  uint32_t old[5] = {sa.handler, sa.flags, sa.restorer, uint32_t(sa.mask), uint32_t(sa.mask >> 32)};
  if (a[1]) {
    uint32_t nw[5];
    if (!p.mm->copy_in(a[1], nw, sizeof nw)) return -LINUX_EFAULT;
    install(p, sig, SigAction{nw[0], nw[1], nw[2], (uint64_t(nw[4]) << 32 | nw[3]) & ~signals::UNBLOCKABLE});
  }
  if (a[2] && !p.mm->copy_out(a[2], old, sizeof old)) return -LINUX_EFAULT;
  return 0;
}

// sigaction(sig, act, oldact): the old struct old_sigaction
// {handler, mask (32 bits), flags, restorer}.
int32_t sys_sigaction(Kernel&, Process& p, const Args& a) {
  int32_t sig = a.s(0);
  if (!valid_signal(sig)) return -LINUX_EINVAL;
  if (a[1] && (sig == LINUX_SIGKILL || sig == LINUX_SIGSTOP)) return -LINUX_EINVAL;
  SigAction& sa = p.sigactions[size_t(sig)];
  uint32_t old[4] = {sa.handler, uint32_t(sa.mask), sa.flags, sa.restorer};
  if (a[1]) {
    uint32_t nw[4];
    if (!p.mm->copy_in(a[1], nw, sizeof nw)) return -LINUX_EFAULT;
    install(p, sig, SigAction{nw[0], nw[2], nw[3], uint64_t(nw[1]) & ~signals::UNBLOCKABLE});
  }
  if (a[2] && !p.mm->copy_out(a[2], old, sizeof old)) return -LINUX_EFAULT;
  return 0;
}

// signal(sig, handler): System V semantics on Linux's syscall (SA_RESETHAND | SA_NODEFER); returns the old handler.
int32_t sys_signal(Kernel&, Process& p, const Args& a) {
  int32_t sig = a.s(0);
  if (!valid_signal(sig) || sig == LINUX_SIGKILL || sig == LINUX_SIGSTOP) return -LINUX_EINVAL;
  uint32_t old = p.sigactions[size_t(sig)].handler;
  install(p, sig, SigAction{a[1], signals::SA_RESETHAND | signals::SA_NODEFER, 0, 0});
  return int32_t(old);
}

// rt_sigprocmask(how, set, oldset, sigsetsize).
int32_t sys_rt_sigprocmask(Kernel&, Process& p, const Args& a) {
  if (a[3] != 8) return -LINUX_EINVAL;
  uint64_t old = p.sigmask;
  if (a[1]) {
    uint64_t set;
    if (!p.mm->copy_in(a[1], &set, 8)) return -LINUX_EFAULT;
    if (int32_t r = change_mask(p, a[0], set)) return r;
  }
  if (a[2] && put_user(p, a[2], old) < 0) return -LINUX_EFAULT;
  return 0;
}

// sigprocmask(how, set, oldset): the 32-bit old_sigset_t.
int32_t sys_sigprocmask(Kernel&, Process& p, const Args& a) {
  uint32_t old = uint32_t(p.sigmask);
  if (a[1]) {
    uint32_t set;
    if (!p.mm->copy_in(a[1], &set, 4)) return -LINUX_EFAULT;
    uint64_t full = a[0] == 2 ? ((p.sigmask & ~0xFFFFFFFFull) | set) : set;
    if (int32_t r = change_mask(p, a[0], full)) return r;
  }
  if (a[2] && put_user(p, a[2], old) < 0) return -LINUX_EFAULT;
  return 0;
}

int32_t sys_rt_sigpending(Kernel&, Process& p, const Args& a) {
  if (a[1] > 8) return -LINUX_EINVAL;
  uint64_t pending = p.sigpending & p.sigmask;  // sigpending(2): pending while blocked
  return p.mm->copy_out(a[0], &pending, a[1]) ? 0 : -LINUX_EFAULT;
}

int32_t sys_sigpending(Kernel&, Process& p, const Args& a) {
  return put_user(p, a[0], uint32_t(p.sigpending & p.sigmask));
}

int32_t sys_rt_sigsuspend(Kernel&, Process& p, const Args& a) {
  if (a[1] != 8) return -LINUX_EINVAL;
  uint64_t mask;
  if (!p.mm->copy_in(a[0], &mask, 8)) return -LINUX_EFAULT;
  return suspend(p, mask);
}

// sigsuspend(mask): the old i386 form takes the mask itself in the third argument.
int32_t sys_sigsuspend(Kernel&, Process& p, const Args& a) {
  return suspend(p, (p.sigmask & ~0xFFFFFFFFull) | a[2]);
}

// pause(): sleep until a signal is delivered; always -EINTR.
int32_t sys_pause(Kernel&, Process& p, const Args&) {
  return (p.sigpending & ~p.sigmask) ? -LINUX_EINTR : SYSCALL_RESTART;
}

// alarm(seconds): SIGALRM after `seconds` of simulated time; returns the
// seconds left of the previous alarm (rounded up, as alarm_setitimer()).
int32_t sys_alarm(Kernel& k, Process& p, const Args& a) {
  uint64_t now = k.now_ns();
  uint32_t left = 0;
  if (p.alarm_ns > now) left = uint32_t((p.alarm_ns - now + 999999999ull) / 1000000000ull);
  p.alarm_ns = a[0] ? now + uint64_t(a[0]) * 1000000000ull : 0;
  return int32_t(left);
}

// setitimer(which, new, old) and getitimer(which, cur) for ITIMER_REAL,
// the timer alarm(2) sets and what glibc's alarm() calls: one shot, in
// microseconds (struct itimerval of 32-bit timevals). A repeating timer
// (it_interval) and the virtual and profiling timers are not modelled: EINVAL.
static int32_t put_itimer(Kernel& k, Process& p, uint32_t va) {
  if (!va) return 0;
  uint64_t left = p.alarm_ns > k.now_ns() ? p.alarm_ns - k.now_ns() : 0;
  uint64_t usec = (left + 999) / 1000;
  int32_t it[4] = {0, 0, int32_t(usec / 1000000), int32_t(usec % 1000000)};
  return p.mm->copy_out(va, it, sizeof it) ? 0 : -LINUX_EFAULT;
}

int32_t sys_setitimer(Kernel& k, Process& p, const Args& a) {
  if (a[0] != 0) return -LINUX_EINVAL;
  int32_t it[4] = {};
  if (a[1] && !p.mm->copy_in(a[1], it, sizeof it)) return -LINUX_EFAULT;
  if (it[0] || it[1]) return -LINUX_EINVAL;
  if (it[2] < 0 || it[3] < 0 || it[3] >= 1000000) return -LINUX_EINVAL;
  if (int32_t r = put_itimer(k, p, a[2])) return r;
  uint64_t ns = uint64_t(it[2]) * 1000000000ull + uint64_t(it[3]) * 1000ull;
  p.alarm_ns = ns ? k.now_ns() + ns : 0;
  return 0;
}

int32_t sys_getitimer(Kernel& k, Process& p, const Args& a) {
  if (a[0] != 0) return -LINUX_EINVAL;
  return put_itimer(k, p, a[1]);
}

// tgkill(tgid, tid, sig) and tkill(tid, sig): to one thread; tgkill
// checks that it belongs to process tgid (ESRCH otherwise).
static int32_t thread_kill(Kernel& k, Process& p, int32_t tgid, int32_t tid, int32_t sig) {
  if (tid <= 0 || (tgid != -1 && tgid <= 0) || sig < 0 || sig > LINUX_NSIG) return -LINUX_EINVAL;
  Process* t = k.find(*p.ns.pid, tid);
  if (!t || (tgid != -1 && t->tgid() != tgid) || t->state == ProcState::Zombie) return -LINUX_ESRCH;
  if (sig) signals::send_thread(k, *t, sig, &p, SigInfo{signals::SI_TKILL, 0, 0, 0});
  return 0;
}

int32_t sys_tgkill(Kernel& k, Process& p, const Args& a) { return thread_kill(k, p, a.s(0), a.s(1), a.s(2)); }
int32_t sys_tkill(Kernel& k, Process& p, const Args& a) { return thread_kill(k, p, -1, a.s(0), a.s(1)); }

// sigaltstack(ss, old_ss): stack_t is {ss_sp, ss_flags, ss_size}.
int32_t sys_sigaltstack(Kernel& k, Process& p, const Args& a) {
  const uint32_t sp = k.cpu.s.reg[cpu::ESP];
  uint32_t old[3];
  signals::altstack_info(p, sp, old);
  if (a[0]) {
    uint32_t ss[3];
    if (!p.mm->copy_in(a[0], ss, sizeof ss)) return -LINUX_EFAULT;
    if (int32_t r = signals::set_altstack(p, ss, sp)) return r;
  }
  if (a[1] && !p.mm->copy_out(a[1], old, sizeof old)) return -LINUX_EFAULT;
  return 0;
}

int32_t sys_sigreturn(Kernel& k, Process& p, const Args&) { return signals::sigreturn(k, p, false); }
int32_t sys_rt_sigreturn(Kernel& k, Process& p, const Args&) { return signals::sigreturn(k, p, true); }

}  // namespace isolab::containers::syscalls
