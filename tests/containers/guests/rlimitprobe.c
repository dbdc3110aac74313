// rlimitprobe CASE: resource limits (getrlimit(2), prlimit64(2)) and
// what the kernel does at them, each printed as "name=value" for
// tests/containers/test_rlimit.cpp. Cases: nofile, inherit, show, perm,
// nproc, memory, stack.
// Built with gcc -m32 -static -nostdlib -ffreestanding (tests/containers/CMakeLists.txt).
#include "guest.h"

enum { NR_setrlimit = 75, NR_getrlimit = 76, NR_dup = 41, NR_dup2 = 63, NR_brk = 45, NR_ugetrlimit = 191,
       NR_mmap2 = 192, NR_prlimit64 = 340 };
enum { RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_CORE = 4, RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7, RLIMIT_AS = 9 };
#define INF 0xffffffffffffffffull

static long set64(int res, u64 cur, u64 max) {
  u64 lim[2] = {cur, max};
  return SC4(NR_prlimit64, 0, res, lim, 0);
}
static long cur32(int res) {
  u32 lim[2];
  long r = SC2(NR_ugetrlimit, res, lim);
  return r < 0 ? r : (long)lim[0];
}
static long mmap_(u32 len, int prot) { return sc(NR_mmap2, 0, len, prot, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1); }
static int wait_child(long pid) {
  int status = 0;
  SC4(NR_wait4, pid, &status, 0, 0);
  return status;
}

static void case_nofile(void) {
  show("set", set64(RLIMIT_NOFILE, 5, 5));
  show("ugetrlimit", cur32(RLIMIT_NOFILE));
  u32 old[2];
  SC2(NR_getrlimit, RLIMIT_NOFILE, old);
  show("getrlimit", old[0]);
  long a = SC3(NR_open, "/etc/hostname", 0, 0), b = SC3(NR_open, "/etc/hostname", 0, 0);
  show("open_3_4", a == 3 && b == 4);
  show("open_emfile", SC3(NR_open, "/etc/hostname", 0, 0));
  show("dup_emfile", SC1(NR_dup, 0));
  int fds[2];
  show("pipe_emfile", SC1(NR_pipe, fds));
  show("dup2_past_limit", SC2(NR_dup2, 0, 5));
  SC1(NR_close, b);
  show("open_after_close", SC3(NR_open, "/etc/hostname", 0, 0));
  show("raise_soft_within_hard", set64(RLIMIT_NOFILE, 4, 5));
  show("soft_above_hard", set64(RLIMIT_NOFILE, 6, 5));
}

static void case_inherit(char* self) {
  set64(RLIMIT_NOFILE, 7, 9);
  long pid = SC0(NR_fork);
  if (pid == 0) {
    show("child_nofile", cur32(RLIMIT_NOFILE));
    char* argv[] = {self, "show", 0};
    char* envp[] = {0};
    SC3(NR_execve, self, argv, envp);
    SC1(NR_exit, 1);
  }
  wait_child(pid);
}

static void case_perm(void) {
  long pid = SC0(NR_fork);
  if (pid == 0) {
    SC1(NR_setuid32, 1000);
    show("lower_hard", set64(RLIMIT_NOFILE, 100, 200));
    show("raise_hard_eperm", set64(RLIMIT_NOFILE, 100, 300));
    u64 lim[2] = {1, 1};
    show("other_process_eperm", SC4(NR_prlimit64, 1, RLIMIT_CORE, lim, 0));
    SC1(NR_exit, 0);
  }
  wait_child(pid);
  show("root_raises_hard", set64(RLIMIT_NOFILE, 100, 8192));
  show("core_set", set64(RLIMIT_CORE, 4096, INF));
  show("core_recorded", cur32(RLIMIT_CORE));
  show("bad_resource", set64(99, 1, 1));
}

static void case_nproc(void) {
  long pid = SC0(NR_fork);
  if (pid == 0) {
    SC1(NR_setuid32, 1000);
    set64(RLIMIT_NPROC, 1, 1);  // this user's tasks: only this one
    show("fork_eagain", SC0(NR_fork));
    SC1(NR_exit, 0);
  }
  wait_child(pid);
  set64(RLIMIT_NPROC, 1, 1);
  long again = SC0(NR_fork);  // root is not held to it
  if (again == 0) SC1(NR_exit, 0);
  show("root_forks", again > 0);
  wait_child(again);
}

static void case_memory(void) {
  show("as_set", set64(RLIMIT_AS, 64u << 20, INF));
  show("mmap_over_as", mmap_(128u << 20, 3));
  show("mmap_under_as", (unsigned long)mmap_(1u << 20, 3) < 0xfffff000u);
  set64(RLIMIT_AS, INF, INF);
  long brk0 = SC1(NR_brk, 0);
  show("data_set", set64(RLIMIT_DATA, 1u << 20, INF));
  show("brk_over_data_keeps_break", SC1(NR_brk, brk0 + (4u << 20)) == brk0);
  show("mmap_writable_over_data", mmap_(4u << 20, 3));
  show("mmap_readonly_not_data", (unsigned long)mmap_(4u << 20, 1) < 0xfffff000u);
}

static void case_stack(void) {
  long pid = SC0(NR_fork);
  if (pid == 0) {
    set64(RLIMIT_STACK, 64 * 1024, INF);
    volatile char* deep = (volatile char*)__builtin_frame_address(0) - 512 * 1024;
    *deep = 1;  // beyond RLIMIT_STACK: SIGSEGV
    SC1(NR_exit, 0);
  }
  show("deep_touch_signal", wait_child(pid) & 0x7f);
  pid = SC0(NR_fork);
  if (pid == 0) {
    volatile char* deep = (volatile char*)__builtin_frame_address(0) - 512 * 1024;
    *deep = 1;  // within the default 8 MiB
    SC1(NR_exit, 0);
  }
  show("default_touch_status", wait_child(pid));
}

int main(int argc, char** argv, char** envp) {
  (void)envp;
  const char* c = argc > 1 ? argv[1] : "";
  if (seq(c, "nofile")) case_nofile();
  else if (seq(c, "inherit")) case_inherit("/bin/rlimitprobe");
  else if (seq(c, "show")) show("exec_nofile", cur32(RLIMIT_NOFILE));
  else if (seq(c, "perm")) case_perm();
  else if (seq(c, "nproc")) case_nproc();
  else if (seq(c, "memory")) case_memory();
  else if (seq(c, "stack")) case_stack();
  else { puts_("unknown case\n"); return 2; }
  return 0;
}
