// sigprobe CASE: signals delivered to user handlers (signal(7)), each rule
// printed as "name=value" for tests/containers/test_signals.cpp to compare
// with what Linux does.
#include "guest.h"

enum { SIGINT_ = 2, SIGKILL_ = 9, SIGUSR1_ = 10, SIGSEGV_ = 11, SIGUSR2_ = 12, SIGALRM_ = 14, SIGTERM_ = 15,
       SIGCHLD_ = 17, SIGCONT_ = 18, SIGSTOP_ = 19 };
#define SA_SIGINFO 0x4u
#define SA_RESTORER 0x04000000u
#define SA_RESTART 0x10000000u
#define SA_NODEFER 0x40000000u
#define SA_RESETHAND 0x80000000u
#define BIT(s) (1ull << ((s) - 1))

static volatile int handled, last_sig, during_mask_has_sig, info_signo, info_code, info_pid, info_status, uc_mask_has;

// struct sigaction as rt_sigaction takes it.
struct ksigaction { u32 handler, flags, restorer; u64 mask; };

static long set_action(int sig, void* handler, u32 flags, void* restorer, u64 mask) {
  struct ksigaction sa = {(u32)handler, flags, (u32)restorer, mask};
  return SC4(NR_rt_sigaction, sig, &sa, 0, 8);
}
static u64 current_mask(void) {
  u64 m = 0;
  SC4(NR_rt_sigprocmask, 0, 0, &m, 8);
  return m;
}
static long setmask(int how, u64 set) { return SC4(NR_rt_sigprocmask, how, &set, 0, 8); }

static void on_signal(int sig) {
  handled++;
  last_sig = sig;
  during_mask_has_sig = (current_mask() & BIT(sig)) != 0;
}

// siginfo_t's first fields and ucontext's sigmask (offset 108 in ucontext_ia32).
static void on_siginfo(int sig, int* info, char* uc) {
  handled++;
  last_sig = sig;
  info_signo = info[0];
  info_code = info[2];
  info_pid = info[3];
  info_status = info[5];
  uc_mask_has = (*(u64*)(uc + 108) & BIT(SIGUSR2_)) != 0;
}

// glibc's __restore_rt: what SA_RESTORER names.
__attribute__((naked)) static void restore_rt(void) { __asm__("mov $173, %eax\n int $0x80\n"); }

static void case_handler(void) {
  show("sigaction", set_action(SIGUSR1_, on_signal, 0, 0, 0));
  long pid = SC0(NR_getpid), r;
  u32 s = 0x89abcdef, d = 0x0badf00d, x = 0x12345678;
  // kill(getpid(), SIGUSR1): the handler runs on the way out of the call;
  // sigreturn must give back every register, and EAX the call's result.
  __asm__ volatile("int $0x80" : "=a"(r), "+S"(s), "+D"(d), "+d"(x) : "a"(NR_kill), "b"(pid), "c"(SIGUSR1_) : "memory");
  show("kill_result", r);
  show("handled", handled);
  show("sig", last_sig);
  show("regs_kept", s == 0x89abcdef && d == 0x0badf00d && x == 0x12345678);
  show("blocked_in_handler", during_mask_has_sig);
  show("mask_after", (long)current_mask());
}

static void case_siginfo(void) {
  // SA_SIGINFO with our own restorer; SIGUSR2 in sa_mask must not show in
  // the saved mask (uc_sigmask is the mask before the handler).
  show("sigaction", set_action(SIGUSR1_, on_siginfo, SA_SIGINFO | SA_RESTORER, restore_rt, BIT(SIGUSR2_)));
  SC2(NR_kill, SC0(NR_getpid), SIGUSR1_);
  show("handled", handled);
  show("si_signo", info_signo);
  show("si_code", info_code);
  show("si_pid_is_self", info_pid == SC0(NR_getpid));
  show("uc_mask_has_usr2", uc_mask_has);
  // tgkill: si_code SI_TKILL (-6).
  SC3(NR_tgkill, SC0(NR_getpid), SC0(NR_getpid), SIGUSR1_);
  show("tgkill_code", info_code);
  show("tkill", SC2(NR_tkill, SC0(NR_getpid), SIGUSR1_));
  show("handled_total", handled);
}

static void case_mask(void) {
  set_action(SIGUSR1_, on_signal, 0, 0, 0);
  setmask(0, BIT(SIGUSR1_));  // SIG_BLOCK
  SC2(NR_kill, SC0(NR_getpid), SIGUSR1_);
  show("handled_while_blocked", handled);
  u64 pending = 0;
  SC2(NR_rt_sigpending, &pending, 8);
  show("pending_usr1", (pending & BIT(SIGUSR1_)) != 0);
  setmask(1, BIT(SIGUSR1_));  // SIG_UNBLOCK: delivered on the way out
  show("handled_after_unblock", handled);
  // SIGKILL cannot be blocked.
  setmask(2, ~0ull);
  show("kill_stop_unblockable", (current_mask() & (BIT(SIGKILL_) | BIT(SIGSTOP_))) == 0);
  setmask(2, 0);
  // SA_NODEFER: the signal is not blocked in its own handler; SA_RESETHAND: one shot.
  handled = 0;
  set_action(SIGUSR2_, on_signal, SA_NODEFER | SA_RESETHAND, 0, 0);
  SC2(NR_kill, SC0(NR_getpid), SIGUSR2_);
  show("nodefer_blocked_in_handler", during_mask_has_sig);
  struct ksigaction old = {7, 7, 7, 7};
  SC4(NR_rt_sigaction, SIGUSR2_, 0, &old, 8);
  show("resethand_now_default", old.handler);
  // Ignoring discards: SIG_IGN then kill does nothing.
  set_action(SIGUSR2_, (void*)1, 0, 0, 0);
  SC2(NR_kill, SC0(NR_getpid), SIGUSR2_);
  show("ignored_alive", 1);
}

// The old signal(2) system call: System V semantics (one shot, not blocked in the handler).
static void case_signal_call(void) {
  show("signal_old", SC2(48, SIGUSR1_, on_signal));  // the old handler: SIG_DFL
  SC2(NR_kill, SC0(NR_getpid), SIGUSR1_);
  show("handled", handled);
  show("blocked_in_handler", during_mask_has_sig);
  struct ksigaction old = {7, 7, 7, 7};
  SC4(NR_rt_sigaction, SIGUSR1_, 0, &old, 8);
  show("reset_to_default", old.handler);
  // sigaction(67): the old struct {handler, mask, flags, restorer}.
  u32 act[4] = {(u32)on_signal, 0, 0, 0}, oldact[4] = {9, 9, 9, 9};
  show("sigaction67", SC3(67, SIGUSR2_, act, 0));
  SC3(67, SIGUSR2_, 0, oldact);
  show("sigaction67_reads_back", oldact[0] == (u32)on_signal);
  SC2(NR_kill, SC0(NR_getpid), SIGUSR2_);
  show("handled_usr2", handled);
}

static void case_errno(void) {
  struct ksigaction sa = {(u32)on_signal, 0, 0, 0};
  show("sigaction_sigkill", SC4(NR_rt_sigaction, SIGKILL_, &sa, 0, 8));    // EINVAL
  show("sigaction_sigstop", SC4(NR_rt_sigaction, SIGSTOP_, &sa, 0, 8));    // EINVAL
  show("sigaction_sig0", SC4(NR_rt_sigaction, 0, &sa, 0, 8));              // EINVAL
  show("sigaction_sig65", SC4(NR_rt_sigaction, 65, &sa, 0, 8));            // EINVAL
  show("sigaction_setsize", SC4(NR_rt_sigaction, SIGUSR1_, &sa, 0, 4));    // EINVAL
  show("sigaction_fault", SC4(NR_rt_sigaction, SIGUSR1_, (void*)16, 0, 8)); // EFAULT
  show("sigprocmask_how", setmask(7, 0));                                   // EINVAL
  show("kill_badsig", SC2(NR_kill, SC0(NR_getpid), 65));                   // EINVAL
  show("tgkill_badtid", SC3(NR_tgkill, 1, 0, SIGUSR1_));                   // EINVAL
  show("tgkill_nosuch", SC3(NR_tgkill, 999, 999, SIGUSR1_));               // ESRCH
  show("rt_sigsuspend_setsize", SC2(NR_rt_sigsuspend, &sa.mask, 4));       // EINVAL
}

// A child that waits a little, signals its parent, waits again and writes to the pipe.
static long signaller(int wfd, long first_ns, long then_ns) {
  long parent = SC0(NR_getpid);
  long pid = SC0(NR_fork);
  if (pid == 0) {
    sleep_ns(first_ns);
    SC2(NR_kill, parent, SIGUSR1_);
    sleep_ns(then_ns);
    SC3(NR_write, wfd, "x", 1);
    SC1(NR_exit, 0);
  }
  return pid;
}

static void case_eintr(void) {
  int fds[2];
  char c;
  // Without SA_RESTART a blocked read returns EINTR.
  set_action(SIGUSR1_, on_signal, 0, 0, 0);
  SC1(NR_pipe, fds);
  long pid = signaller(fds[1], 1000000, 1000000);
  show("read_eintr", SC3(NR_read, fds[0], &c, 1));
  SC4(NR_wait4, pid, 0, 0, 0);
  // With SA_RESTART it runs again after the handler and gets the byte.
  set_action(SIGUSR1_, on_signal, SA_RESTART, 0, 0);
  SC1(NR_pipe, fds);
  handled = 0;
  pid = signaller(fds[1], 1000000, 1000000);
  show("read_restart", SC3(NR_read, fds[0], &c, 1));
  show("read_restart_handled", handled);
  SC4(NR_wait4, pid, 0, 0, 0);
  // nanosleep always returns EINTR, with the time left in rem.
  SC1(NR_pipe, fds);
  pid = signaller(fds[1], 1000000, 0);
  int req[2] = {5, 0}, rem[2] = {0, 0};
  show("nanosleep_eintr", SC2(NR_nanosleep, req, rem));
  show("nanosleep_rem_left", rem[0] >= 4);
  SC4(NR_wait4, pid, 0, 0, 0);
  // pause() returns EINTR once a handler ran; alarm() sends SIGALRM in simulated time.
  set_action(SIGALRM_, on_signal, 0, 0, 0);
  show("alarm_first", SC1(NR_alarm, 1));
  show("pause", SC0(NR_pause));
  show("pause_sig", last_sig);
  SC1(NR_alarm, 5);
  show("alarm_left", SC1(NR_alarm, 0));
  // rt_sigsuspend: wait with USR1 unblocked, the old mask back afterwards.
  setmask(2, BIT(SIGUSR1_));
  SC1(NR_pipe, fds);
  handled = 0;
  pid = signaller(fds[1], 1000000, 0);
  u64 none = 0;
  show("sigsuspend", SC2(NR_rt_sigsuspend, &none, 8));
  show("sigsuspend_handled", handled);
  show("sigsuspend_mask_back", current_mask() == BIT(SIGUSR1_));
  SC4(NR_wait4, pid, 0, 0, 0);
}

static void case_sigchld(void) {
  set_action(SIGCHLD_, on_siginfo, SA_SIGINFO, 0, 0);
  long pid = SC0(NR_fork);
  if (pid == 0) SC1(NR_exit, 7);
  int status = 0;
  long w = SC4(NR_wait4, pid, &status, 0, 0);
  show("wait", w == pid);
  show("chld_handled", handled);
  show("chld_signo", info_signo);
  show("chld_code", info_code);      // CLD_EXITED
  show("chld_status", info_status);
  show("chld_pid_matches", info_pid == pid);
}

static void case_stop(void) {
  long pid = SC0(NR_fork);
  if (pid == 0) for (;;) SC0(158);  // sched_yield forever
  sleep_ns(100000);
  show("kill_stop", SC2(NR_kill, pid, SIGSTOP_));
  int status = 0;
  show("wait_stopped", SC4(NR_wait4, pid, &status, 2, 0) == pid);  // WUNTRACED
  show("stopped_status", status);  // 0x137f: WIFSTOPPED, SIGSTOP
  char path[32] = "/proc/", buf[256];
  int i = 6; long v = pid; char num[12]; int n = 0;
  do { num[n++] = '0' + v % 10; v /= 10; } while (v);
  while (n) path[i++] = num[--n];
  const char* rest = "/status"; while (*rest) path[i++] = *rest++; path[i] = 0;
  read_file(path, buf, sizeof buf);
  show("state_T", has(buf, "State:\tT"));
  SC2(NR_kill, pid, SIGCONT_);
  read_file(path, buf, sizeof buf);
  show("continued", !has(buf, "State:\tT"));
  // SIGTSTP's default action stops too, and wait4 says which signal did it.
  show("kill_tstp", SC2(NR_kill, pid, 20));
  status = 0;
  SC4(NR_wait4, pid, &status, 2, 0);
  show("tstp_status", status);  // 0x147f
  SC2(NR_kill, pid, SIGKILL_);  // kills a stopped process
  SC4(NR_wait4, pid, &status, 0, 0);
  show("killed_status", status);
}

static void smash_frame(int sig) {
  (void)sig;
  // Return from the handler with ESP pointing nowhere: rt_sigreturn cannot read the frame.
  __asm__ volatile("mov $16, %esp\n mov $173, %eax\n int $0x80\n");
}

static void case_badframe(void) {
  long pid = SC0(NR_fork);
  if (pid == 0) {
    set_action(SIGUSR1_, smash_frame, 0, 0, 0);
    SC2(NR_kill, SC0(NR_getpid), SIGUSR1_);
    puts_("not reached\n");
    SC1(NR_exit, 0);
  }
  int status = 0;
  SC4(NR_wait4, pid, &status, 0, 0);
  show("badframe_status", status);  // SIGSEGV
  // A handler address the frame cannot be written below: a stack pointer into nothing.
  pid = SC0(NR_fork);
  if (pid == 0) {
    set_action(SIGUSR1_, on_signal, 0, 0, 0);
    long self = SC0(NR_getpid);
    __asm__ volatile("mov %%esp, %%esi\n mov $64, %%esp\n int $0x80\n mov %%esi, %%esp\n"
                     : : "a"(NR_kill), "b"(self), "c"(SIGUSR1_) : "esi", "memory");
    SC1(NR_exit, 0);
  }
  SC4(NR_wait4, pid, &status, 0, 0);
  show("nostack_status", status);
}

// Run as a container's init: signals from inside its PID namespace reach
// it only if it has a handler; SIGKILL from inside never.
static void case_init(void) {
  show("pid", SC0(NR_getpid));
  show("ppid", SC0(NR_getppid));
  long pid = SC0(NR_fork);
  if (pid == 0) {
    SC2(NR_kill, 1, SIGTERM_);
    SC2(NR_kill, 1, SIGKILL_);
    SC2(NR_kill, 1, SIGSTOP_);
    SC1(NR_exit, 0);
  }
  SC4(NR_wait4, pid, 0, 0, 0);
  show("survived_term_kill_stop", 1);
  set_action(SIGUSR1_, on_signal, 0, 0, 0);
  pid = SC0(NR_fork);
  if (pid == 0) {
    SC2(NR_kill, 1, SIGUSR1_);
    SC1(NR_exit, 0);
  }
  SC4(NR_wait4, pid, 0, 0, 0);
  show("handled_from_inside", handled);
}

// The FPU across a handler: the handler starts with FNINIT's state, may
// change anything, and sigreturn gives the interrupted code its own back
// from the frame's fpstate (sigcontext.fpstate, offset 76 in sigcontext;
// the ucontext's mcontext starts at 20).
static volatile u32 handler_cw, handler_top, frame_fpstate;
static void on_fpu(int sig, int* info, char* uc) {
  (void)sig, (void)info;
  unsigned short cw, sw, up = 0x0B7F;
  __asm__ volatile("fnstcw %0\n fnstsw %1" : "=m"(cw), "=m"(sw));
  handler_cw = cw;
  handler_top = (sw >> 11) & 7;
  frame_fpstate = *(u32*)(uc + 20 + 76);
  __asm__ volatile("fldpi\n fldpi\n fldcw %0" : : "m"(up));
}

static void case_fpu(void) {
  show("sigaction", set_action(SIGUSR1_, on_fpu, SA_SIGINFO | SA_RESTORER, restore_rt, 0));
  unsigned short down = 0x077F, cw, sw;
  u64 st0, st1;
  __asm__ volatile("fninit\n fldcw %0\n fld1\n fldz" : : "m"(down));
  SC2(NR_kill, SC0(NR_getpid), SIGUSR1_);
  __asm__ volatile("fnstcw %0\n fstpl %1\n fstpl %2\n fnstsw %3" : "=m"(cw), "=m"(st0), "=m"(st1), "=m"(sw));
  show("handler_cw", handler_cw);
  show("handler_top", handler_top);
  show("frame_has_fpstate", frame_fpstate != 0);
  show("cw_after", cw);
  show("st0_is_zero", st0 == 0);
  show("st1_is_one", st1 == 0x3FF0000000000000ull);
  show("top_after", (sw >> 11) & 7);
}

// Fork `n` children that wait for a signal, then wait itself: a container
// for the host to kill.
static void case_family(int n) {
  for (int i = 0; i < n; i++)
    if (SC0(NR_fork) == 0) for (;;) SC0(NR_pause);
  puts_("ready\n");
  for (;;) SC0(NR_pause);
}

// sigaltstack(2): handlers with SA_ONSTACK run on the alternate stack.
#define SA_ONSTACK 0x08000000u
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1u << 31)
enum { NR_sigaltstack = 186 };
struct stack_ { u32 sp, flags, size; };
static char altstack[16384] __attribute__((aligned(16)));
static volatile int on_alt, in_handler_flags, in_handler_change, uc_flags, uc_size, disable_in_uc;

static int is_on_alt(void* p) { return (char*)p >= altstack && (char*)p < altstack + sizeof altstack; }

static void on_alt_handler(int sig) {
  (void)sig;
  volatile int local;
  on_alt = is_on_alt((void*)&local);
  struct stack_ o;
  SC2(NR_sigaltstack, 0, &o);
  in_handler_flags = o.flags;
  struct stack_ other = {(u32)altstack, 0, 8192};
  in_handler_change = SC2(NR_sigaltstack, &other, 0);  // EPERM: on it
}

static void on_alt_siginfo(int sig, int* info, char* uc) {
  (void)sig, (void)info;
  volatile int local;
  on_alt = is_on_alt((void*)&local);
  uc_flags = *(int*)(uc + 12);  // uc_stack.ss_flags
  uc_size = *(int*)(uc + 16);   // uc_stack.ss_size
  struct stack_ o;
  SC2(NR_sigaltstack, 0, &o);
  in_handler_flags = o.flags;
  if (disable_in_uc) *(u32*)(uc + 12) = SS_DISABLE;  // rt_sigreturn restores uc_stack: disabled afterwards
}

static void case_altstack(void) {
  struct stack_ o;
  show("query", SC2(NR_sigaltstack, 0, &o));
  show("initial_flags", o.flags);
  struct stack_ small = {(u32)altstack, 0, 1024};
  show("too_small", SC2(NR_sigaltstack, &small, 0));
  struct stack_ bad = {(u32)altstack, 4, sizeof altstack};
  show("bad_flags", SC2(NR_sigaltstack, &bad, 0));
  struct stack_ ss = {(u32)altstack, 0, sizeof altstack};
  show("set", SC2(NR_sigaltstack, &ss, 0));
  SC2(NR_sigaltstack, 0, &o);
  show("set_flags", o.flags);
  show("set_size", o.size);
  // SA_ONSTACK: on the alternate stack, which reports SS_ONSTACK there.
  set_action(SIGUSR1_, on_alt_handler, SA_ONSTACK, 0, 0);
  SC2(NR_kill, SC0(NR_getpid), SIGUSR1_);
  show("onstack_handler_on_alt", on_alt);
  show("in_handler_flags", in_handler_flags);
  show("in_handler_change", in_handler_change);
  // Without SA_ONSTACK: the ordinary stack.
  set_action(SIGUSR1_, on_alt_handler, 0, 0, 0);
  SC2(NR_kill, SC0(NR_getpid), SIGUSR1_);
  show("plain_handler_on_alt", on_alt);
  show("plain_handler_change", in_handler_change);  // allowed off the alternate stack
  SC2(NR_sigaltstack, &ss, 0);
  // uc_stack in the rt frame, and rt_sigreturn restoring it.
  set_action(SIGUSR2_, on_alt_siginfo, SA_SIGINFO | SA_ONSTACK | SA_RESTORER, restore_rt, 0);
  disable_in_uc = 1;
  SC2(NR_kill, SC0(NR_getpid), SIGUSR2_);
  show("siginfo_on_alt", on_alt);
  show("uc_stack_flags", uc_flags);
  show("uc_stack_size", uc_size);
  SC2(NR_sigaltstack, 0, &o);
  show("after_sigreturn_flags", o.flags);
  // SS_AUTODISARM: disarmed while the handler runs, back after it.
  struct stack_ auto_ = {(u32)altstack, SS_AUTODISARM, sizeof altstack};
  show("set_autodisarm", SC2(NR_sigaltstack, &auto_, 0));
  disable_in_uc = 0;
  SC2(NR_kill, SC0(NR_getpid), SIGUSR2_);
  show("autodisarm_on_alt", on_alt);
  show("autodisarm_in_handler_flags", in_handler_flags);
  SC2(NR_sigaltstack, 0, &o);
  show("autodisarm_after_flags", (long)(o.flags == SS_AUTODISARM));
  // Disabling.
  struct stack_ off = {0, SS_DISABLE, 0};
  show("disable", SC2(NR_sigaltstack, &off, 0));
  SC2(NR_sigaltstack, 0, &o);
  show("disabled_flags", o.flags);
}

int main(int argc, char** argv, char** envp) {
  (void)envp;
  const char* c = argc > 1 ? argv[1] : "";
  if (seq(c, "handler")) case_handler();
  else if (seq(c, "altstack")) case_altstack();
  else if (seq(c, "siginfo")) case_siginfo();
  else if (seq(c, "mask")) case_mask();
  else if (seq(c, "errno")) case_errno();
  else if (seq(c, "signal")) case_signal_call();
  else if (seq(c, "eintr")) case_eintr();
  else if (seq(c, "sigchld")) case_sigchld();
  else if (seq(c, "stop")) case_stop();
  else if (seq(c, "badframe")) case_badframe();
  else if (seq(c, "init")) case_init();
  else if (seq(c, "family")) case_family(3);
  else if (seq(c, "fpu")) case_fpu();
  else { puts_("unknown case\n"); return 2; }
  return 0;
}
