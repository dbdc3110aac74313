// Signals (signal(7)): sending, default actions, and delivery to user
// handlers through signal frames on the user stack, as Linux does on i386
// (kernel/signal.c, arch/x86/kernel/signal.c and signal_32.c).
//
// A signal sent to a process becomes pending. It is delivered when the
// process next returns to user mode (after a system call, or when the
// scheduler resumes it) unless it is blocked (sigprocmask). Delivery runs
// the default action (terminate, stop, continue, ignore) or builds a frame
// below ESP and jumps to the handler:
//   - without SA_SIGINFO the legacy `struct sigframe` (pretcode, sig,
//     sigcontext, extramask, retcode) returned from by sigreturn(119);
//   - with SA_SIGINFO `struct rt_sigframe` (pretcode, sig, &info, &uc,
//     siginfo_t, ucontext_t, retcode) returned from by rt_sigreturn(173).
// The handler returns into SA_RESTORER's trampoline (glibc's __restore_rt)
// or, without one, into the frame's retcode bytes (Linux uses the vDSO;
// isolab has none, so the frame's own trampoline runs, as on old kernels).
// A system call blocked when a handled signal arrives returns -EINTR, or
// is restarted after the handler with SA_RESTART (read, write, wait4);
// nanosleep, pause and sigsuspend always return -EINTR.
// A handler installed with SA_ONSTACK runs on the alternate signal stack
// (sigaltstack(2)) if one is set and the thread is not already on it;
// rt_sigreturn restores the stack settings saved in uc_stack.
// Lesson: "signals: how the kernel interrupts a program".
#pragma once
#include <cstdint>

#include "containers/process.h"

namespace isolab::containers {
class Kernel;
}

namespace isolab::containers::signals {

// sigaction(2) flags (arch/x86/include/uapi/asm/signal.h).
constexpr uint32_t SA_NOCLDSTOP = 0x1, SA_NOCLDWAIT = 0x2, SA_SIGINFO = 0x4, SA_RESTORER = 0x04000000,
                   SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000,
                   SA_RESETHAND = 0x80000000u;
// sigaltstack(2) ss_flags.
constexpr uint32_t SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 1u << 31;
// si_code values (include/uapi/asm-generic/siginfo.h).
constexpr int32_t SI_USER = 0, SI_KERNEL = 0x80, SI_TKILL = -6, CLD_EXITED = 1, CLD_KILLED = 2, CLD_STOPPED = 5,
                  CLD_CONTINUED = 6;

constexpr uint64_t sigbit(int sig) { return 1ull << (sig - 1); }
// SIGKILL and SIGSTOP can be neither blocked, caught nor ignored.
constexpr uint64_t UNBLOCKABLE = sigbit(9) | sigbit(19);

// What a signal does when its handler is SIG_DFL (signal(7)'s table).
enum class DefaultAction : uint8_t { Term, Core, Ign, Stop, Cont };
DefaultAction default_action(int sig);

// Send `sig` to `t` (Kernel::send_signal is the entry point). `sender`:
// the sending process, null for the kernel. Applies PID-namespace init
// protection, SIGKILL/SIGSTOP/SIGCONT at once, and interrupts a blocked
// system call when a handler will run.
// A signal for a process goes to the thread group: to the first of its
// threads that does not block it (the leader first), as complete_signal()
// chooses; its default action (terminate, stop) acts on every thread.
void send(Kernel& k, Process& t, int sig, const Process* sender, const SigInfo& info);
// tkill(2)/tgkill(2): to this one thread.
void send_thread(Kernel& k, Process& t, int sig, const Process* sender, const SigInfo& info);

// Deliver the pending unblocked signals of `p`, which is on the CPU (its
// registers are the CPU's): default actions and handler frames. Returns
// false when `p` can no longer run (killed or stopped).
bool deliver_pending(Kernel& k, Process& p);

// sigreturn(119) (rt = false) and rt_sigreturn(173): restore the context
// saved in the frame at ESP. A frame that cannot be read, or that would
// return to a non-user segment, kills the process with SIGSEGV.
int32_t sigreturn(Kernel& k, Process& p, bool rt);

// sigaltstack(2) (do_sigaltstack()): is `sp` on `p`'s alternate stack;
// the stack_t {ss_sp, ss_flags, ss_size} describing it for a thread at
// `sp`; and changing it: EPERM while on it, EINVAL for bad flags, ENOMEM
// below MINSIGSTKSZ (2048 on i386).
bool on_altstack(const Process& p, uint32_t sp);
void altstack_info(const Process& p, uint32_t sp, uint32_t out[3]);
int32_t set_altstack(Process& p, const uint32_t ss[3], uint32_t sp);

// alarm(2): send SIGALRM to every process whose alarm is due; the
// earliest alarm still to come (0: none), for the idle clock.
void fire_alarms(Kernel& k);
uint64_t next_alarm_ns(const Kernel& k);

}  // namespace isolab::containers::signals
