// Signals: sending, default actions, frames and sigreturn (signal.h).
#include "containers/signal.h"

#include <cstring>

#include "containers/kernel.h"
#include "containers/linux_abi.h"
#include "cpu/flags.h"
#include "cpu/fpu.h"

namespace isolab::containers::signals {

using namespace linux_abi;

namespace {

// signal(7)'s default actions, by signal number (32..64, the real-time
// signals, terminate).
constexpr DefaultAction kDefault[32] = {
    /* 0 */ DefaultAction::Ign,
    /* SIGHUP */ DefaultAction::Term,  /* SIGINT */ DefaultAction::Term,   /* SIGQUIT */ DefaultAction::Core,
    /* SIGILL */ DefaultAction::Core,  /* SIGTRAP */ DefaultAction::Core,  /* SIGABRT */ DefaultAction::Core,
    /* SIGBUS */ DefaultAction::Core,  /* SIGFPE */ DefaultAction::Core,   /* SIGKILL */ DefaultAction::Term,
    /* SIGUSR1 */ DefaultAction::Term, /* SIGSEGV */ DefaultAction::Core,  /* SIGUSR2 */ DefaultAction::Term,
    /* SIGPIPE */ DefaultAction::Term, /* SIGALRM */ DefaultAction::Term,  /* SIGTERM */ DefaultAction::Term,
    /* SIGSTKFLT */ DefaultAction::Term, /* SIGCHLD */ DefaultAction::Ign, /* SIGCONT */ DefaultAction::Cont,
    /* SIGSTOP */ DefaultAction::Stop, /* SIGTSTP */ DefaultAction::Stop,  /* SIGTTIN */ DefaultAction::Stop,
    /* SIGTTOU */ DefaultAction::Stop, /* SIGURG */ DefaultAction::Ign,    /* SIGXCPU */ DefaultAction::Core,
    /* SIGXFSZ */ DefaultAction::Core, /* SIGVTALRM */ DefaultAction::Term, /* SIGPROF */ DefaultAction::Term,
    /* SIGWINCH */ DefaultAction::Ign, /* SIGIO */ DefaultAction::Term,    /* SIGPWR */ DefaultAction::Term,
    /* SIGSYS */ DefaultAction::Core,
};

constexpr uint64_t STOP_SIGNALS = sigbit(LINUX_SIGSTOP) | sigbit(LINUX_SIGTSTP) | sigbit(LINUX_SIGTTIN) |
                                  sigbit(LINUX_SIGTTOU);

// System calls that SA_RESTART restarts after the handler (signal(7),
// "Interruption of system calls"); the others that block return -EINTR.
bool restartable(uint32_t nr) {
  switch (nr) {
    case 3: case 4: case 145: case 146:  // read, write, readv, writev
    case 7: case 114:                    // waitpid, wait4
    case 102: case 364: case 369: case 370: case 371: case 372:  // socketcall, accept4, sendto, recvfrom, sendmsg, recvmsg
      return true;
    default:
      return false;
  }
}

// The i386 frame layouts (arch/x86/include/asm/sigframe.h, uapi/asm/sigcontext.h).
struct SigContext32 {
  uint16_t gs, gsh, fs, fsh, es, esh, ds, dsh;
  uint32_t di, si, bp, sp, bx, dx, cx, ax;
  uint32_t trapno, err, ip;
  uint16_t cs, csh;
  uint32_t flags, sp_at_signal;
  uint16_t ss, ssh;
  uint32_t fpstate, oldmask, cr2;
};
static_assert(sizeof(SigContext32) == 88);

struct SigFrame {  // struct sigframe_ia32
  uint32_t pretcode;
  int32_t sig;
  SigContext32 sc;
  uint8_t fpstate_unused[624];  // struct _fpstate_32, kept so extramask stays where programs expect it
  uint32_t extramask;
  uint8_t retcode[8];
};
static_assert(sizeof(SigFrame) == 732);

struct SigInfo32 {  // siginfo_t: 128 bytes; kill's and SIGCHLD's fields
  int32_t signo, errno_, code;
  int32_t pid;
  uint32_t uid;
  int32_t status;   // SIGCHLD
  int32_t utime, stime;
  uint8_t pad[128 - 32];
};
static_assert(sizeof(SigInfo32) == 128);

struct UContext32 {  // struct ucontext_ia32
  uint32_t flags, link;
  uint32_t ss_sp, ss_flags, ss_size;  // stack_t
  SigContext32 mcontext;
  uint32_t sigmask[2];
};
static_assert(sizeof(UContext32) == 116);

struct RtSigFrame {  // struct rt_sigframe_ia32
  uint32_t pretcode;
  int32_t sig;
  uint32_t pinfo, puc;
  SigInfo32 info;
  UContext32 uc;
  uint8_t retcode[8];
};
static_assert(sizeof(RtSigFrame) == 268);

// struct _fpstate_32 for a CPU without FXSR (uapi/asm/sigcontext.h): the
// FNSAVE image (the 28-byte protected-mode environment, then ST(0)..ST(7)
// ten bytes each), then `status` and `magic` 0xffff ("regular FPU data
// only"). Linux puts it above the frame and points sigcontext.fpstate at it.
struct FpState32 {
  uint32_t cw, sw, tag, ipoff, cssel, dataoff, datasel;
  uint8_t st[8][10];
  uint16_t status, magic;
};
static_assert(sizeof(FpState32) == 112);

FpState32 save_fpu(const cpu::FpuState& f) {
  FpState32 out{};
  out.cw = 0xFFFF0000u | f.fcw;
  out.sw = 0xFFFF0000u | cpu::fpu_status_word(f);
  out.tag = 0xFFFF0000u | cpu::fpu_tag_word(f);
  out.ipoff = f.fip;
  out.cssel = f.fcs | uint32_t(f.fop & 0x7FF) << 16;
  out.dataoff = f.fdp;
  out.datasel = 0xFFFF0000u | f.fds;
  for (int i = 0; i < 8; i++) {
    const cpu::F80& v = f.r[(f.top + i) & 7];
    std::memcpy(out.st[i], &v.signif, 8);
    std::memcpy(out.st[i] + 8, &v.sign_exp, 2);
  }
  out.status = uint16_t(out.sw);
  out.magic = 0xFFFF;
  return out;
}

// The state sigreturn puts back: what the handler left in the frame.
cpu::FpuState restore_fpu(const FpState32& in) {
  cpu::FpuState f;
  f.fcw = uint16_t(in.cw);
  f.top = uint8_t((in.sw >> 11) & 7);
  f.fsw = uint16_t(in.sw & ~cpu::FSW_TOP);
  f.empty = 0;
  for (int k = 0; k < 8; k++)
    if (((in.tag >> (2 * k)) & 3) == cpu::TAG_EMPTY) f.empty = uint8_t(f.empty | (1u << k));
  f.fip = in.ipoff;
  f.fcs = uint16_t(in.cssel);
  f.fop = uint16_t((in.cssel >> 16) & 0x7FF);
  f.fdp = in.dataoff;
  f.fds = uint16_t(in.datasel);
  for (int i = 0; i < 8; i++) {
    cpu::F80& v = f.r[(f.top + i) & 7];
    std::memcpy(&v.signif, in.st[i], 8);
    std::memcpy(&v.sign_exp, in.st[i] + 8, 2);
  }
  // ES and B summarise the unmasked pending exceptions (SDM Vol. 1 8.1.3).
  if (f.fsw & ~f.fcw & cpu::FSW_EXCEPTIONS) f.fsw |= cpu::FSW_ES | cpu::FSW_B;
  else f.fsw = uint16_t(f.fsw & ~(cpu::FSW_ES | cpu::FSW_B));
  return f;
}

// The trampolines Linux writes into the frame's retcode (signal_32.c):
// "popl %eax; movl $__NR_sigreturn,%eax; int $0x80" and
// "movl $__NR_rt_sigreturn,%eax; int $0x80".
constexpr uint8_t kRetcode[8] = {0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80};
constexpr uint8_t kRtRetcode[8] = {0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0};

// The flags sigreturn may restore (FIX_EFLAGS in arch/x86/kernel/signal.c).
constexpr uint32_t FIX_EFLAGS = cpu::AC | cpu::OF | cpu::DF | cpu::TF | cpu::SF | cpu::ZF | cpu::AF | cpu::PF |
                                cpu::CF | cpu::RF;

void stop(Kernel& k, Process& t, int sig) {
  if (t.state == ProcState::Stopped || t.state == ProcState::Zombie) return;
  t.stopped_from = t.state;
  t.state = ProcState::Stopped;
  t.stop_unreported = sig;
  if (&t == k.current()) k.cpu.request_stop();
  k.record(trace::Kind::Signal, &t, "stop", uint32_t(sig));
  if (t.parent && !(t.parent->sigactions[LINUX_SIGCHLD].flags & SA_NOCLDSTOP))
    send(k, *t.parent, LINUX_SIGCHLD, nullptr, SigInfo{CLD_STOPPED, t.host_pid(), t.uid, sig});
  k.wake_blocked();  // a parent in wait4(WUNTRACED)
}

void resume(Kernel& k, Process& t) {
  if (t.state != ProcState::Stopped) return;
  t.state = t.stopped_from;
  if (t.state == ProcState::Blocked) t.block_generation = ~0ull;  // retry its call
  k.record(trace::Kind::Signal, &t, "continue", LINUX_SIGCONT);
}

// A handled signal wakes `t` out of a blocking system call: the call
// returns -EINTR, or runs again after the handler (SA_RESTART).
void interrupt(Kernel& k, Process& t, int sig) {
  if (&t == k.current()) return;  // on the CPU: delivered at its return to user mode
  if (t.state == ProcState::Sleeping) {
    uint64_t left = t.wake_ns > k.now_ns() ? t.wake_ns - k.now_ns() : 0;
    if (t.sleep_rem_va) {
      int32_t rem[2] = {int32_t(left / 1000000000ull), int32_t(left % 1000000000ull)};
      t.mm->copy_out(t.sleep_rem_va, rem, sizeof rem);
    }
    t.ctx.reg[cpu::EAX] = uint32_t(-LINUX_EINTR);
    t.state = ProcState::Runnable;
    t.futex_waiting = false;
  } else if (t.state == ProcState::Blocked) {
    t.block_until_ns = 0;  // a timed wait (poll) ends with the interruption
    uint32_t nr = t.ctx.reg[cpu::EAX];
    bool wait_call = nr == 7 || nr == 114;
    // A SIGCHLD wakes wait4 to find the child, as do_wait() rescans.
    bool restart = restartable(nr) && ((t.sigactions[size_t(sig)].flags & SA_RESTART) ||
                                       (wait_call && sig == LINUX_SIGCHLD));
    if (!restart) {
      t.ctx.eip += 2;  // past the INT 0x80 the call was rewound to
      t.ctx.reg[cpu::EAX] = uint32_t(-LINUX_EINTR);
    }
    t.state = ProcState::Runnable;
  }
}

// Does the signal do nothing at all to `t` (ignored, and not blocked so a
// later handler could want it)?
bool ignored(const Process& t, int sig) {
  if (t.sigmask & sigbit(sig)) return false;
  uint32_t h = t.sigactions[size_t(sig)].handler;
  return h == LINUX_SIG_IGN || (h == LINUX_SIG_DFL && default_action(sig) == DefaultAction::Ign);
}

void fill_sigcontext(Kernel& k, SigContext32& sc, uint64_t oldmask) {
  const cpu::CpuState& s = k.cpu.s;
  sc = SigContext32{};
  sc.gs = s.seg[cpu::GS].selector;
  sc.fs = s.seg[cpu::FS].selector;
  sc.es = s.seg[cpu::ES].selector;
  sc.ds = s.seg[cpu::DS].selector;
  sc.di = s.reg[cpu::EDI];
  sc.si = s.reg[cpu::ESI];
  sc.bp = s.reg[cpu::EBP];
  sc.sp = s.reg[cpu::ESP];
  sc.bx = s.reg[cpu::EBX];
  sc.dx = s.reg[cpu::EDX];
  sc.cx = s.reg[cpu::ECX];
  sc.ax = s.reg[cpu::EAX];
  sc.ip = s.eip;
  sc.cs = s.seg[cpu::CS].selector;
  sc.flags = k.cpu.flags();
  sc.sp_at_signal = s.reg[cpu::ESP];
  sc.ss = s.seg[cpu::SS].selector;
  sc.oldmask = uint32_t(oldmask);
}

// Frames sit below ESP so that ESP+4 is 16-byte aligned at the handler's
// first instruction, as after a CALL (align_sigframe()).
uint32_t frame_address(uint32_t sp, uint32_t size) { return ((sp - size + 4) & ~15u) - 4; }

// Build the frame for `sig`'s handler and point the CPU at the handler.
bool setup_frame(Kernel& k, Process& p, int sig, const SigAction& sa, uint64_t oldmask) {
  // SA_ONSTACK: the frame goes on the alternate stack, unless already on it.
  const uint32_t interrupted_sp = k.cpu.s.reg[cpu::ESP];
  uint32_t altstack[3];
  altstack_info(p, interrupted_sp, altstack);
  uint32_t top = interrupted_sp;
  if ((sa.flags & SA_ONSTACK) && p.altstack_size && !on_altstack(p, interrupted_sp)) top = p.altstack_sp + p.altstack_size;
  // The interrupted code's FPU state goes above the frame (get_sigframe());
  // the handler starts with a fresh one (FNINIT's) and sigreturn restores it.
  uint32_t fpstate = (top - sizeof(FpState32)) & ~63u;
  FpState32 fpu = save_fpu(k.cpu.s.fpu);
  if (!p.mm->copy_out(fpstate, &fpu, sizeof fpu)) return false;
  uint32_t sp = fpstate;
  uint32_t fp;
  bool ok;
  if (sa.flags & SA_SIGINFO) {
    RtSigFrame f{};
    fp = frame_address(sp, sizeof f);
    f.pretcode = (sa.flags & SA_RESTORER) ? sa.restorer : fp + offsetof(RtSigFrame, retcode);
    f.sig = sig;
    f.pinfo = fp + offsetof(RtSigFrame, info);
    f.puc = fp + offsetof(RtSigFrame, uc);
    const SigInfo& si = p.siginfo[size_t(sig)];
    f.info.signo = sig;
    f.info.code = si.code;
    const Process* sender = k.find_host_pid(si.sender_host_pid);
    f.info.pid = sender ? sender->pid_in(*p.ns.pid) : 0;
    f.info.uid = si.sender_uid;
    f.info.status = si.status;
    f.uc.ss_sp = altstack[0];  // uc_stack: the settings rt_sigreturn restores
    f.uc.ss_flags = altstack[1];
    f.uc.ss_size = altstack[2];
    fill_sigcontext(k, f.uc.mcontext, oldmask);
    f.uc.mcontext.fpstate = fpstate;
    f.uc.sigmask[0] = uint32_t(oldmask);
    f.uc.sigmask[1] = uint32_t(oldmask >> 32);
    std::memcpy(f.retcode, kRtRetcode, sizeof f.retcode);
    ok = p.mm->copy_out(fp, &f, sizeof f);
    k.cpu.s.reg[cpu::EDX] = f.pinfo;
    k.cpu.s.reg[cpu::ECX] = f.puc;
  } else {
    SigFrame f{};
    fp = frame_address(sp, sizeof f);
    f.pretcode = (sa.flags & SA_RESTORER) ? sa.restorer : fp + offsetof(SigFrame, retcode);
    f.sig = sig;
    fill_sigcontext(k, f.sc, oldmask);
    f.sc.fpstate = fpstate;
    f.extramask = uint32_t(oldmask >> 32);
    std::memcpy(f.retcode, kRetcode, sizeof f.retcode);
    ok = p.mm->copy_out(fp, &f, sizeof f);
    k.cpu.s.reg[cpu::EDX] = 0;
    k.cpu.s.reg[cpu::ECX] = 0;
  }
  if (!ok) return false;
  // SS_AUTODISARM: none while the handler runs; rt_sigreturn puts uc_stack back
  // (the legacy frame has no uc_stack, and Linux disarms only for rt frames).
  if ((sa.flags & SA_SIGINFO) && (p.altstack_flags & SS_AUTODISARM)) p.altstack_sp = p.altstack_size = p.altstack_flags = 0;
  cpu::fpu_init(k.cpu.s.fpu);
  k.cpu.s.reg[cpu::ESP] = fp;
  k.cpu.s.reg[cpu::EAX] = uint32_t(sig);
  k.cpu.s.eip = sa.handler;
  k.cpu.set_flags(0, cpu::DF | cpu::RF | cpu::TF);
  return true;
}

}  // namespace

DefaultAction default_action(int sig) { return sig < 32 ? kDefault[sig] : DefaultAction::Term; }

namespace {

// The threads of `t`'s process, leader first, that are still alive.
std::vector<Process*> live_threads(Process& t) {
  Process& g = *t.group_leader;
  std::vector<Process*> all;
  if (g.state != ProcState::Zombie) all.push_back(&g);
  for (Process* q : g.threads)
    if (q->state != ProcState::Zombie) all.push_back(q);
  return all;
}

void send_to(Kernel& k, Process& t, int sig, const Process* sender, const SigInfo& info, bool to_group) {
  if (t.state == ProcState::Zombie || sig <= 0 || sig > LINUX_NSIG) return;
  const SigAction& sa = t.sigactions[size_t(sig)];
  // A namespace's init gets, from inside its namespace, only the signals
  // it has a handler for; SIGKILL and SIGSTOP never (pid_namespaces(7)).
  bool is_init = t.ns.pid->child_reaper == t.group_leader;
  bool from_inside = sender && pid_ns_within(*sender->ns.pid, *t.ns.pid);
  if (is_init && from_inside &&
      (sig == LINUX_SIGKILL || sig == LINUX_SIGSTOP || sa.handler == LINUX_SIG_DFL || sa.handler == LINUX_SIG_IGN)) {
    k.record(trace::Kind::Signal, &t, "ignored by init", uint32_t(sig));
    return;
  }
  k.record(trace::Kind::Signal, &t, "send", uint32_t(sig));
  if (sig == LINUX_SIGKILL) {
    k.exit_process(t, 0, LINUX_SIGKILL);
    return;
  }
  // Stop and continue act when sent, on every thread, and cancel each
  // other (prepare_signal()).
  if (sig == LINUX_SIGCONT) {
    bool was_stopped = false;
    for (Process* q : live_threads(t)) {
      q->sigpending &= ~STOP_SIGNALS;
      was_stopped |= q->state == ProcState::Stopped;
      resume(k, *q);
    }
    Process& g = *t.group_leader;
    if (was_stopped && g.parent && !(g.parent->sigactions[LINUX_SIGCHLD].flags & SA_NOCLDSTOP))
      send(k, *g.parent, LINUX_SIGCHLD, nullptr, SigInfo{CLD_CONTINUED, g.host_pid(), g.uid, LINUX_SIGCONT});
  } else if (STOP_SIGNALS & sigbit(sig)) {
    for (Process* q : live_threads(t)) q->sigpending &= ~sigbit(LINUX_SIGCONT);
  }
  if (sig == LINUX_SIGSTOP) {
    for (Process* q : live_threads(t)) stop(k, *q, sig);
    return;
  }
  if (ignored(t, sig)) return;
  // A process's signal goes to a thread that does not block it.
  Process* r = &t;
  if (to_group)
    for (Process* q : live_threads(t))
      if (!(q->sigmask & sigbit(sig))) {
        r = q;
        break;
      }
  r->sigpending |= sigbit(sig);
  SigInfo& si = r->siginfo[size_t(sig)];
  si = info;
  if (sender) {
    si.sender_host_pid = sender->host_pid();
    si.sender_uid = sender->uid;
  }
  if (r->sigmask & sigbit(sig)) return;  // stays pending until unblocked
  if (sa.handler == LINUX_SIG_DFL) {
    // Default actions take effect now, whether or not the process runs.
    r->sigpending &= ~sigbit(sig);
    switch (default_action(sig)) {
      case DefaultAction::Term:
      case DefaultAction::Core: k.exit_process(*r, 0, sig); return;
      case DefaultAction::Stop:
        for (Process* q : live_threads(*r)) stop(k, *q, sig);
        return;
      case DefaultAction::Ign:
      case DefaultAction::Cont: return;
    }
  }
  if (r->state != ProcState::Stopped) interrupt(k, *r, sig);
}

}  // namespace

void send(Kernel& k, Process& t, int sig, const Process* sender, const SigInfo& info) {
  send_to(k, *t.group_leader, sig, sender, info, true);
}

void send_thread(Kernel& k, Process& t, int sig, const Process* sender, const SigInfo& info) {
  send_to(k, t, sig, sender, info, false);
}

bool deliver_pending(Kernel& k, Process& p) {
  for (;;) {
    if (p.state == ProcState::Zombie || p.state == ProcState::Stopped) return false;
    uint64_t ready = p.sigpending & ~p.sigmask;
    if (!ready) break;
    int sig = __builtin_ctzll(ready) + 1;
    p.sigpending &= ~sigbit(sig);
    SigAction& sa = p.sigactions[size_t(sig)];
    if (sa.handler == LINUX_SIG_IGN) continue;
    if (sa.handler == LINUX_SIG_DFL) {
      switch (default_action(sig)) {
        case DefaultAction::Term:
        case DefaultAction::Core: k.exit_process(p, 0, sig); return false;
        case DefaultAction::Stop:
          for (Process* q : live_threads(p)) stop(k, *q, sig);
          return false;
        case DefaultAction::Ign:
        case DefaultAction::Cont: continue;
      }
    }
    uint64_t oldmask = p.restore_sigmask ? p.saved_sigmask : p.sigmask;
    p.restore_sigmask = false;
    if (!setup_frame(k, p, sig, sa, oldmask)) {
      // No room for the frame: force_sigsegv().
      k.record(trace::Kind::Signal, &p, "bad frame: SIGSEGV", uint32_t(sig));
      k.exit_process(p, 0, LINUX_SIGSEGV);
      return false;
    }
    k.record(trace::Kind::Signal, &p, (sa.flags & SA_SIGINFO) ? "deliver rt_sigframe" : "deliver sigframe",
             uint32_t(sig));
    p.sigmask |= sa.mask;
    if (!(sa.flags & SA_NODEFER)) p.sigmask |= sigbit(sig);
    p.sigmask &= ~UNBLOCKABLE;
    if (sa.flags & SA_RESETHAND) sa = SigAction{};
  }
  // sigsuspend returned without running a handler: its mask ends with it.
  if (p.restore_sigmask) {
    p.sigmask = p.saved_sigmask;
    p.restore_sigmask = false;
  }
  return true;
}

int32_t sigreturn(Kernel& k, Process& p, bool rt) {
  uint32_t sp = k.cpu.s.reg[cpu::ESP];
  SigContext32 sc;
  uint64_t mask = 0;
  uint32_t uc_stack[3] = {};
  bool ok;
  if (rt) {
    // The handler's RET popped pretcode: the frame starts 4 bytes below.
    uint32_t fp = sp - 4;
    UContext32 uc;
    ok = p.mm->copy_in(fp + offsetof(RtSigFrame, uc), &uc, sizeof uc);
    sc = uc.mcontext;
    uc_stack[0] = uc.ss_sp, uc_stack[1] = uc.ss_flags, uc_stack[2] = uc.ss_size;
    mask = uint64_t(uc.sigmask[1]) << 32 | uc.sigmask[0];
  } else {
    // RET popped pretcode and the trampoline's POPL popped sig.
    uint32_t fp = sp - 8;
    SigFrame f;
    ok = p.mm->copy_in(fp, &f, sizeof f);
    sc = f.sc;
    mask = uint64_t(f.extramask) << 32 | f.sc.oldmask;
  }
  // Linux forces RPL 3 on the restored selectors; anything but the user
  // code and data segments would fault on the way back: SIGSEGV.
  if (!ok || (sc.cs | 3) != USER_CS || (sc.ss | 3) != USER_DS) {
    k.record(trace::Kind::Signal, &p, rt ? "rt_sigreturn: bad frame" : "sigreturn: bad frame", LINUX_SIGSEGV);
    k.exit_process(p, 0, LINUX_SIGSEGV);
    return SYSCALL_NO_RETURN;
  }
  // The FPU state the frame holds (a null fpstate: a fresh one, as Linux).
  cpu::FpuState fpu;
  cpu::fpu_init(fpu);
  if (sc.fpstate) {
    FpState32 saved;
    if (!p.mm->copy_in(sc.fpstate, &saved, sizeof saved)) {
      k.record(trace::Kind::Signal, &p, rt ? "rt_sigreturn: bad frame" : "sigreturn: bad frame", LINUX_SIGSEGV);
      k.exit_process(p, 0, LINUX_SIGSEGV);
      return SYSCALL_NO_RETURN;
    }
    fpu = restore_fpu(saved);
  }
  cpu::CpuState& s = k.cpu.s;
  s.fpu = fpu;
  s.reg[cpu::EDI] = sc.di;
  s.reg[cpu::ESI] = sc.si;
  s.reg[cpu::EBP] = sc.bp;
  s.reg[cpu::ESP] = sc.sp;
  s.reg[cpu::EBX] = sc.bx;
  s.reg[cpu::EDX] = sc.dx;
  s.reg[cpu::ECX] = sc.cx;
  s.eip = sc.ip;
  k.cpu.set_flags(sc.flags, FIX_EFLAGS);
  p.sigmask = mask & ~UNBLOCKABLE;
  // restore_altstack(): back to the settings of before the handler, as
  // from the interrupted stack (a refusal is ignored, as Linux does).
  if (rt) set_altstack(p, uc_stack, s.reg[cpu::ESP]);
  k.record(trace::Kind::Signal, &p, rt ? "rt_sigreturn" : "sigreturn", 0);
  return int32_t(sc.ax);  // the dispatcher puts it back in EAX
}

bool on_altstack(const Process& p, uint32_t sp) {
  return p.altstack_size && sp > p.altstack_sp && sp - p.altstack_sp <= p.altstack_size;
}

void altstack_info(const Process& p, uint32_t sp, uint32_t out[3]) {
  out[0] = p.altstack_sp;
  out[1] = p.altstack_size == 0 ? SS_DISABLE : (on_altstack(p, sp) ? SS_ONSTACK : 0) | p.altstack_flags;
  out[2] = p.altstack_size;
}

int32_t set_altstack(Process& p, const uint32_t ss[3], uint32_t sp) {
  constexpr uint32_t MINSIGSTKSZ = 2048;
  if (on_altstack(p, sp)) return -LINUX_EPERM;
  uint32_t mode = ss[1] & ~SS_AUTODISARM;
  if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0) return -LINUX_EINVAL;
  if (mode == SS_DISABLE) {
    p.altstack_sp = p.altstack_size = p.altstack_flags = 0;
    return 0;
  }
  if (ss[2] < MINSIGSTKSZ) return -LINUX_ENOMEM;
  p.altstack_sp = ss[0];
  p.altstack_size = ss[2];
  p.altstack_flags = ss[1] & SS_AUTODISARM;
  return 0;
}

void fire_alarms(Kernel& k) {
  uint64_t now = k.now_ns();
  std::vector<Process*> due;
  for (auto& [pid, q] : k.processes())
    if (q->alarm_ns && q->alarm_ns <= now && q->state != ProcState::Zombie) due.push_back(q.get());
  for (Process* q : due) {
    q->alarm_ns = 0;
    send(k, *q, LINUX_SIGALRM, nullptr, SigInfo{SI_KERNEL, 0, 0, 0});
  }
}

uint64_t next_alarm_ns(const Kernel& k) {
  uint64_t next = 0;
  for (auto& [pid, q] : k.processes())
    if (q->alarm_ns && q->state != ProcState::Zombie && (!next || q->alarm_ns < next)) next = q->alarm_ns;
  return next;
}

}  // namespace isolab::containers::signals
