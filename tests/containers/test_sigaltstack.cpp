// sigaltstack(2): an alternate stack for SA_ONSTACK handlers (the
// sigprobe guest's "altstack" case prints what the kernel answered).
#include <doctest/doctest.h>

#include "containers/linux_abi.h"
#include "tests/containers/guest_image.h"

using namespace isolab::containers;
using namespace isolab::containers::test;
using namespace isolab::containers::linux_abi;

TEST_CASE("sigaltstack: SA_ONSTACK handlers run on the alternate stack, uc_stack is restored by rt_sigreturn") {
  Kernel k;
  auto r = run_in(k, guest_image(), {"sigprobe", "altstack"}, "alt");
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(field(r.out, "query") == "0");
  CHECK(field(r.out, "initial_flags") == "2");  // SS_DISABLE
  CHECK(field(r.out, "too_small") == std::to_string(-LINUX_ENOMEM));  // below MINSIGSTKSZ
  CHECK(field(r.out, "bad_flags") == std::to_string(-LINUX_EINVAL));
  CHECK(field(r.out, "set") == "0");
  CHECK(field(r.out, "set_flags") == "0");
  CHECK(field(r.out, "set_size") == "16384");
  CHECK(field(r.out, "onstack_handler_on_alt") == "1");
  CHECK(field(r.out, "in_handler_flags") == "1");  // SS_ONSTACK
  CHECK(field(r.out, "in_handler_change") == std::to_string(-LINUX_EPERM));
  CHECK(field(r.out, "plain_handler_on_alt") == "0");
  CHECK(field(r.out, "plain_handler_change") == "0");
  CHECK(field(r.out, "siginfo_on_alt") == "1");
  CHECK(field(r.out, "uc_stack_flags") == "0");  // not on it when the signal came
  CHECK(field(r.out, "uc_stack_size") == "16384");
  CHECK(field(r.out, "after_sigreturn_flags") == "2");  // the handler's uc_stack said SS_DISABLE
  CHECK(field(r.out, "set_autodisarm") == "0");
  CHECK(field(r.out, "autodisarm_on_alt") == "1");
  CHECK(field(r.out, "autodisarm_in_handler_flags") == "2");  // SS_AUTODISARM: disabled while the handler runs
  CHECK(field(r.out, "autodisarm_after_flags") == "1");       // and back, from uc_stack, after rt_sigreturn
  CHECK(field(r.out, "disable") == "0");
  CHECK(field(r.out, "disabled_flags") == "2");
}
