// The container kernel's system calls, checked against Linux's answers:
// each rule with the errno Linux returns. The probe guest prints
// "name=value" lines (guests/probe.c).
#include <doctest/doctest.h>

#include "tests/containers/harness.h"

using namespace isolab::containers;
using namespace isolab::containers::test;

TEST_CASE("kernel: a container's init exits with its own status") {
  auto r = run({"probe", "exit42"});
  CHECK(r.exit_code == 42);
  CHECK(r.result == RunResult::Done);
}

TEST_CASE("kernel: error returns are Linux's errno values") {
  auto r = run({"probe", "errno"});
  CHECK(field(r.out, "write_badfd") == "-9");        // EBADF
  CHECK(field(r.out, "close_badfd") == "-9");        // EBADF
  CHECK(field(r.out, "open_missing") == "-2");       // ENOENT
  CHECK(field(r.out, "open_notdir") == "-20");       // ENOTDIR
  CHECK(field(r.out, "unknown_syscall") == "-38");   // ENOSYS
  CHECK(field(r.out, "read_fault") == "-14");        // EFAULT
  CHECK(field(r.out, "execve_noexec_bit") == "-13"); // EACCES: no execute permission
  CHECK(field(r.out, "execve_nonelf") == "-8");      // ENOEXEC: executable, but not a program
  CHECK(field(r.out, "execve_missing") == "-2");     // ENOENT
  CHECK(field(r.out, "wait4_nochild") == "-10");     // ECHILD
  CHECK(field(r.out, "kill_nosuch") == "-3");        // ESRCH
  CHECK(field(r.out, "dup2_badnew") == "-9");        // EBADF
  CHECK(field(r.out, "ioctl_notty") == "-25");       // ENOTTY: stdout is a pipe, not a terminal
  CHECK(field(r.out, "lseek_pipe") == "-29");        // ESPIPE
  CHECK(field(r.out, "getcwd_range") == "-34");      // ERANGE
  CHECK(field(r.out, "mkdir_exists") == "-17");      // EEXIST
  CHECK(r.exit_code == 0);
}

TEST_CASE("kernel: an unknown system call is -ENOSYS and a trace event") {
  isolab::trace::Trace t;
  Kernel k;
  k.trace = &t;
  run_in(k, test_image(), {"probe", "errno"});
  bool seen = false;
  for (const auto& e : t.recent())
    if (e.kind == isolab::trace::Kind::Syscall && std::string(e.what) == "ENOSYS" && e.code == 511) seen = true;
  CHECK(seen);
  CHECK(k.stats.unknown_syscalls == 1);
}

TEST_CASE("kernel: brk grows and shrinks the heap, and mmap2 maps anonymous memory") {
  auto r = run({"probe", "brk"});
  CHECK(field(r.out, "brk_aligned") == "1");
  CHECK(field(r.out, "brk_grow") == "10000");
  CHECK(field(r.out, "heap_rw") == "42");
  CHECK(field(r.out, "brk_shrink") == "100");
  CHECK(field(r.out, "brk_below_start") == "100");  // refused: the break stays
  CHECK(field(r.out, "mmap_noflags") == "-22");     // EINVAL: neither MAP_PRIVATE nor MAP_SHARED
  CHECK(field(r.out, "mmap_anon_aligned") == "1");
  CHECK(field(r.out, "mmap_rw") == "5");
  CHECK(field(r.out, "munmap") == "0");
  CHECK(field(r.out, "munmap_unaligned") == "-22");
}

TEST_CASE("kernel: fork is copy-on-write: the child's writes are not seen by the parent") {
  Kernel k;
  auto r = run_in(k, test_image(), {"probe", "fork"});
  CHECK(field(r.out, "wait_pid_matches") == "1");
  CHECK(field(r.out, "parent_data") == "7");
  CHECK(field(r.out, "parent_bss") == "1");
  CHECK(k.stats.forks == 2);
}

TEST_CASE("kernel: wait4 encodes an exit code in bits 8-15 and a signal in bits 0-6") {
  auto r = run({"probe", "fork"});
  CHECK(field(r.out, "status") == "768");  // exit(3) << 8
  CHECK(field(r.out, "exited") == "1");
  CHECK(field(r.out, "exit_code") == "3");
  CHECK(field(r.out, "segv_status") == "11");  // SIGSEGV
  CHECK(field(r.out, "wait_again") == "-10");  // ECHILD: both reaped
}

TEST_CASE("kernel: a container's init is PID 1 with parent 0, and root") {
  auto r = run({"probe", "ids"});
  CHECK(field(r.out, "pid") == "1");
  CHECK(field(r.out, "ppid") == "0");
  CHECK(field(r.out, "uid") == "0");
  CHECK(field(r.out, "euid") == "0");
  CHECK(field(r.out, "gid") == "0");
}

TEST_CASE("kernel: a pipe carries bytes between processes and reads EOF when the writer closes") {
  auto r = run({"probe", "pipe"});
  CHECK(field(r.out, "pipe") == "0");
  CHECK(field(r.out, "read_total") == "16");
  CHECK(r.out.find("through the pipe\n") != std::string::npos);
  CHECK(field(r.out, "eof") == "0");
  CHECK(field(r.out, "write_no_reader") == "-32");  // EPIPE
}

TEST_CASE("kernel: execve builds the initial stack: argc, argv, envp, auxv") {
  auto r = run({"probe", "exec"});
  CHECK(field(r.out, "argc") == "4");
  CHECK(r.out.find("probe\nargs\none\ntwo\nA=1\n") != std::string::npos);
  CHECK(field(r.out, "AT_PAGESZ") == "4096");
  CHECK(field(r.out, "AT_RANDOM_set") == "1");
  CHECK(field(r.out, "AT_ENTRY_set") == "1");
  CHECK(field(r.out, "AT_PHDR_elf") == "1");
  CHECK(field(r.out, "stack_aligned") == "1");
}

TEST_CASE("kernel: files: create, write, read, seek, stat, dup, access, chdir, /dev/null") {
  auto r = run({"probe", "files"});
  CHECK(field(r.out, "create") == "1");
  CHECK(field(r.out, "write") == "11");
  CHECK(field(r.out, "read") == "11");
  CHECK(field(r.out, "lseek") == "6");
  CHECK(field(r.out, "read_after_seek") == "5");
  CHECK(field(r.out, "fstat") == "0");
  CHECK(field(r.out, "st_size") == "11");
  CHECK(field(r.out, "st_mode_reg") == "1");
  CHECK(field(r.out, "stat_dir") == "0");
  CHECK(field(r.out, "st_mode_dir") == "1");
  CHECK(field(r.out, "dup2") == "10");
  CHECK(field(r.out, "access_ok") == "0");
  CHECK(field(r.out, "access_missing") == "-2");
  CHECK(field(r.out, "chdir") == "0");
  CHECK(field(r.out, "getcwd") == "5");  // "/tmp" and its NUL
  CHECK(field(r.out, "statx") == "0");
  CHECK(field(r.out, "statx_mask") == "2047");  // STATX_BASIC_STATS
  CHECK(field(r.out, "statx_size") == "11");
  CHECK(field(r.out, "statx_mode_reg") == "1");
  CHECK(field(r.out, "statx_empty_path") == "0");  // AT_EMPTY_PATH: the open file itself
  CHECK(field(r.out, "statx_empty_path_size") == "11");
  CHECK(field(r.out, "statx_missing") == "-2");         // ENOENT
  CHECK(field(r.out, "statx_reserved_mask") == "-22");  // EINVAL: STATX__RESERVED
  CHECK(field(r.out, "statx_bad_flags") == "-22");      // EINVAL: an unknown flag
  CHECK(r.out.find("\n/tmp\n") != std::string::npos);
  CHECK(field(r.out, "readlink_self") == "1");
  CHECK(field(r.out, "readlink_notlink") == "-22");  // EINVAL
  CHECK(field(r.out, "devnull_write") == "1");
  CHECK(field(r.out, "devnull_read") == "0");
  CHECK(field(r.out, "open_dir_write") == "-21");  // EISDIR
}

TEST_CASE("kernel: uname says Linux with the UTS namespace's host name, and sethostname changes it") {
  auto r = run({"probe", "uname"}, "web1");
  CHECK(field(r.out, "uname") == "0");
  CHECK(r.out.find("Linux web1 i686\n") != std::string::npos);
  CHECK(field(r.out, "sethostname") == "0");
  CHECK(r.out.find("\nrenamed\n") != std::string::npos);
  CHECK(field(r.out, "sethostname_long") == "-22");
}

TEST_CASE("kernel: two containers on one kernel have their own host names") {
  Kernel k;
  Image img = test_image();
  auto a = run_in(k, img, {"probe", "uname"}, "alpha");
  auto b = run_in(k, img, {"probe", "uname"}, "beta");
  CHECK(a.out.find("Linux alpha i686") != std::string::npos);
  CHECK(b.out.find("Linux beta i686") != std::string::npos);
  CHECK(k.init_uts_ns->hostname == "isolab");  // the host's is untouched by sethostname inside
}

TEST_CASE("kernel: nanosleep passes simulated time, and clock_gettime and getrandom work") {
  auto r = run({"probe", "time"});
  CHECK(field(r.out, "clock_gettime") == "0");
  CHECK(field(r.out, "nanosleep") == "0");
  CHECK(field(r.out, "slept_enough") == "1");
  CHECK(field(r.out, "bad_clock") == "-22");
  CHECK(field(r.out, "getrandom") == "8");
  CHECK(field(r.out, "random_differs") == "1");
}

TEST_CASE("kernel: a write to read-only text kills the process with SIGSEGV (exit 139 as docker reports)") {
  auto r = run({"probe", "segv_text"});
  CHECK(r.out.find("not reached") == std::string::npos);
  CHECK(r.exit_code == 128 + 11);
}

TEST_CASE("kernel: a missing command is refused with a message naming it") {
  auto r = run({"nosuchprogram"});
  CHECK(r.exit_code == -1);
  CHECK(r.err.find("nosuchprogram: not found") != std::string::npos);
}

TEST_CASE("kernel: exited processes give back their memory") {
  Kernel k;
  uint32_t before = k.frames.free_frames();
  Image img = test_image();
  run_in(k, img, {"probe", "fork"});
  run_in(k, img, {"probe", "brk"});
  k.run(1000);  // frees what the last exit retired
  CHECK(k.processes().empty());
  CHECK(k.frames.free_frames() == before);
}
