// Signals delivered to user handlers (signal(7)), checked with the
// sigprobe guest: sigframes and sigreturn, masks, SA_* flags, EINTR and
// SA_RESTART, alarm and pause, stop and continue, SIGCHLD, and each rule's errno.
#include <doctest/doctest.h>

#include "containers/signal.h"
#include "tests/containers/guest_image.h"

using namespace isolab::containers;
using namespace isolab::containers::test;

namespace {

RunOutput sigprobe(const std::string& which, Kernel* kernel = nullptr) {
  Kernel local;
  return run_in(kernel ? *kernel : local, guest_image(), {"sigprobe", which}, "sig");
}

}  // namespace

TEST_CASE("signals: a handler runs through a legacy sigframe and sigreturn gives every register back") {
  isolab::trace::Trace t;
  Kernel k;
  k.trace = &t;
  auto r = sigprobe("handler", &k);
  CHECK(field(r.out, "sigaction") == "0");
  CHECK(field(r.out, "handled") == "1");
  CHECK(field(r.out, "sig") == "10");
  CHECK(field(r.out, "kill_result") == "0");   // EAX is the interrupted call's result again
  CHECK(field(r.out, "regs_kept") == "1");
  CHECK(field(r.out, "blocked_in_handler") == "1");  // the signal is blocked while its handler runs
  CHECK(field(r.out, "mask_after") == "0");          // and the old mask is back after sigreturn
  CHECK(r.exit_code == 0);
  bool delivered = false, returned = false;
  for (const auto& e : t.recent()) {
    if (e.kind != isolab::trace::Kind::Signal) continue;
    delivered |= std::string(e.what) == "deliver sigframe" && e.code == 10;
    returned |= std::string(e.what) == "sigreturn";
  }
  CHECK(delivered);
  CHECK(returned);
}

TEST_CASE("signals: SA_SIGINFO builds an rt_sigframe with siginfo and ucontext, SA_RESTORER returns") {
  auto r = sigprobe("siginfo");
  CHECK(field(r.out, "handled") == "1");
  CHECK(field(r.out, "si_signo") == "10");
  CHECK(field(r.out, "si_code") == "0");  // SI_USER: from kill(2)
  CHECK(field(r.out, "si_pid_is_self") == "1");
  CHECK(field(r.out, "uc_mask_has_usr2") == "0");  // uc_sigmask is the mask from before the handler
  CHECK(field(r.out, "tgkill_code") == "-6");      // SI_TKILL
  CHECK(field(r.out, "tkill") == "0");
  CHECK(field(r.out, "handled_total") == "3");
  CHECK(r.exit_code == 0);
}

TEST_CASE("signals: a blocked signal stays pending until unblocked, SA_NODEFER and SA_RESETHAND") {
  auto r = sigprobe("mask");
  CHECK(field(r.out, "handled_while_blocked") == "0");
  CHECK(field(r.out, "pending_usr1") == "1");
  CHECK(field(r.out, "handled_after_unblock") == "1");
  CHECK(field(r.out, "kill_stop_unblockable") == "1");
  CHECK(field(r.out, "nodefer_blocked_in_handler") == "0");
  CHECK(field(r.out, "resethand_now_default") == "0");  // SIG_DFL after one delivery
  CHECK(field(r.out, "ignored_alive") == "1");
  CHECK(r.exit_code == 0);
}

TEST_CASE("signals: signal(2) is one-shot and unblocked in its handler, sigaction(2) takes the old struct") {
  auto r = sigprobe("signal");
  CHECK(field(r.out, "signal_old") == "0");
  CHECK(field(r.out, "handled") == "1");
  CHECK(field(r.out, "blocked_in_handler") == "0");  // SA_NODEFER
  CHECK(field(r.out, "reset_to_default") == "0");    // SA_RESETHAND
  CHECK(field(r.out, "sigaction67") == "0");
  CHECK(field(r.out, "sigaction67_reads_back") == "1");
  CHECK(field(r.out, "handled_usr2") == "2");
  CHECK(r.exit_code == 0);
}

TEST_CASE("signals: each rule's errno") {
  auto r = sigprobe("errno");
  CHECK(field(r.out, "sigaction_sigkill") == "-22");   // EINVAL: SIGKILL cannot be caught
  CHECK(field(r.out, "sigaction_sigstop") == "-22");   // EINVAL
  CHECK(field(r.out, "sigaction_sig0") == "-22");      // EINVAL
  CHECK(field(r.out, "sigaction_sig65") == "-22");     // EINVAL
  CHECK(field(r.out, "sigaction_setsize") == "-22");   // EINVAL: sigsetsize must be 8
  CHECK(field(r.out, "sigaction_fault") == "-14");     // EFAULT
  CHECK(field(r.out, "sigprocmask_how") == "-22");     // EINVAL
  CHECK(field(r.out, "kill_badsig") == "-22");         // EINVAL
  CHECK(field(r.out, "tgkill_badtid") == "-22");       // EINVAL
  CHECK(field(r.out, "tgkill_nosuch") == "-3");        // ESRCH
  CHECK(field(r.out, "rt_sigsuspend_setsize") == "-22");
}

TEST_CASE("signals: blocking calls return EINTR, or restart with SA_RESTART, alarm, pause, sigsuspend") {
  auto r = sigprobe("eintr");
  CHECK(field(r.out, "read_eintr") == "-4");        // EINTR
  CHECK(field(r.out, "read_restart") == "1");       // restarted, then read the byte
  CHECK(field(r.out, "read_restart_handled") == "1");
  CHECK(field(r.out, "nanosleep_eintr") == "-4");   // always EINTR
  CHECK(field(r.out, "nanosleep_rem_left") == "1");
  CHECK(field(r.out, "alarm_first") == "0");
  CHECK(field(r.out, "pause") == "-4");
  CHECK(field(r.out, "pause_sig") == "14");         // SIGALRM, after 1 s of simulated time
  CHECK(field(r.out, "alarm_left") == "5");
  CHECK(field(r.out, "sigsuspend") == "-4");
  CHECK(field(r.out, "sigsuspend_handled") == "1");
  CHECK(field(r.out, "sigsuspend_mask_back") == "1");
  CHECK(r.exit_code == 0);
}

TEST_CASE("signals: a child's exit sends SIGCHLD with CLD_EXITED and its status") {
  auto r = sigprobe("sigchld");
  CHECK(field(r.out, "wait") == "1");
  CHECK(field(r.out, "chld_handled") == "1");
  CHECK(field(r.out, "chld_signo") == "17");
  CHECK(field(r.out, "chld_code") == "1");
  CHECK(field(r.out, "chld_status") == "7");
  CHECK(field(r.out, "chld_pid_matches") == "1");
}

TEST_CASE("signals: SIGSTOP stops (state T, wait4 WUNTRACED), SIGCONT continues, SIGKILL kills") {
  auto r = sigprobe("stop");
  CHECK(field(r.out, "kill_stop") == "0");
  CHECK(field(r.out, "wait_stopped") == "1");
  CHECK(field(r.out, "stopped_status") == "4991");  // 0x137f: WIFSTOPPED by SIGSTOP
  CHECK(field(r.out, "state_T") == "1");
  CHECK(field(r.out, "continued") == "1");
  CHECK(field(r.out, "kill_tstp") == "0");
  CHECK(field(r.out, "tstp_status") == "5247");  // 0x147f: stopped by SIGTSTP's default action
  CHECK(field(r.out, "killed_status") == "9");
  CHECK(r.exit_code == 0);
}

TEST_CASE("signals: a bad frame on rt_sigreturn, or no stack for the frame, is SIGSEGV") {
  auto r = sigprobe("badframe");
  CHECK(r.out.find("not reached") == std::string::npos);
  CHECK(field(r.out, "badframe_status") == "11");
  CHECK(field(r.out, "nostack_status") == "11");
}

TEST_CASE("signals: default actions are signal(7)'s table") {
  using signals::DefaultAction;
  CHECK(signals::default_action(15) == DefaultAction::Term);
  CHECK(signals::default_action(11) == DefaultAction::Core);
  CHECK(signals::default_action(17) == DefaultAction::Ign);
  CHECK(signals::default_action(18) == DefaultAction::Cont);
  CHECK(signals::default_action(20) == DefaultAction::Stop);
  CHECK(signals::default_action(40) == DefaultAction::Term);  // real-time signals
}

TEST_CASE("signals: a handler starts with a fresh FPU and sigreturn restores the interrupted one") {
  auto r = sigprobe("fpu");
  CHECK(field(r.out, "sigaction") == "0");
  CHECK(field(r.out, "handler_cw") == "895");  // 037FH: FNINIT's control word
  CHECK(field(r.out, "handler_top") == "0");
  CHECK(field(r.out, "frame_has_fpstate") == "1");
  CHECK(field(r.out, "cw_after") == "1919");  // 077FH: the program's rounding mode again
  CHECK(field(r.out, "st0_is_zero") == "1");
  CHECK(field(r.out, "st1_is_one") == "1");
  CHECK(field(r.out, "top_after") == "0");
  CHECK(r.exit_code == 0);
}
