// probe CASE: a freestanding i386 Linux program that makes system calls
// directly (int 0x80) and prints what the kernel answered, one line per
// rule, so a test can compare the text with what Linux returns.
// Built with gcc -m32 -static -nostdlib -ffreestanding (tests/containers/CMakeLists.txt).
typedef unsigned int u32;

static long sc(long nr, long a, long b, long c, long d, long e) {
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e) : "memory");
  return r;
}
#define SC0(n) sc(n, 0, 0, 0, 0, 0)
#define SC1(n, a) sc(n, (long)(a), 0, 0, 0, 0)
#define SC2(n, a, b) sc(n, (long)(a), (long)(b), 0, 0, 0)
#define SC3(n, a, b, c) sc(n, (long)(a), (long)(b), (long)(c), 0, 0)
#define SC4(n, a, b, c, d) sc(n, (long)(a), (long)(b), (long)(c), (long)(d), 0)

static int slen(const char* s) { int n = 0; while (s[n]) n++; return n; }
static int seq(const char* a, const char* b) { while (*a && *a == *b) a++, b++; return *a == *b; }
static void puts_(const char* s) { SC3(4, 1, s, slen(s)); }
static void putn(long v) {
  char b[16]; int i = 15; b[i] = 0; int neg = v < 0; unsigned long u = neg ? -v : v;
  do { b[--i] = '0' + u % 10; u /= 10; } while (u);
  if (neg) b[--i] = '-';
  puts_(b + i);
}
// "name=value\n"
static void show(const char* name, long v) { puts_(name); puts_("="); putn(v); puts_("\n"); }

static char bss_page[8192];
static int data_word = 7;

static void case_errno(void) {
  show("write_badfd", SC3(4, 99, "x", 1));
  show("close_badfd", SC1(6, 42));
  show("open_missing", SC3(5, "/no/such/file", 0, 0));
  show("open_notdir", SC3(5, "/bin/probe/x", 0, 0));
  show("unknown_syscall", SC0(511));  // no i386 system call has this number
  show("read_fault", SC3(3, SC3(5, "/bin/probe", 0, 0), (void*)0x10, 4));
  show("execve_noexec_bit", SC3(11, "/etc/hostname", 0, 0));
  show("execve_nonelf", SC3(11, "/bin/notelf", 0, 0));
  show("execve_missing", SC3(11, "/bin/nothere", 0, 0));
  show("wait4_nochild", SC4(114, -1, 0, 0, 0));
  show("kill_nosuch", SC2(37, 999, 15));
  show("dup2_badnew", SC2(63, 1, 5000));
  show("ioctl_notty", SC3(54, 1, 0x5401, bss_page));
  show("lseek_pipe", ({ int fds[2]; SC1(42, fds); SC3(19, fds[0], 0, 0); }));
  show("getcwd_range", SC2(183, bss_page, 1));
  show("mkdir_exists", SC2(39, "/bin", 0755));
}

static void case_brk(void) {
  long b0 = SC1(45, 0);
  show("brk_aligned", (b0 & 0xfff) == 0);
  long b1 = SC1(45, b0 + 10000);
  show("brk_grow", b1 - b0);
  char* p = (char*)b0;
  p[9999] = 42;
  show("heap_rw", p[9999]);
  long b2 = SC1(45, b0 + 100);
  show("brk_shrink", b2 - b0);
  show("brk_below_start", SC1(45, b0 - 0x100000) - b0);
  long m = SC3(192, 0, 8192, 3) ;  // missing flags: EINVAL
  show("mmap_noflags", m);
  long a = sc(192, 0, 8192, 3, 0x22, -1);
  show("mmap_anon_aligned", (a & 0xfff) == 0 && (u32)a > 0x1000);
  ((int*)a)[2000] = 5;
  show("mmap_rw", ((int*)a)[2000]);
  show("munmap", SC2(91, a, 8192));
  show("munmap_unaligned", SC2(91, a + 1, 4096));
}

static void case_fork(void) {
  data_word = 7;
  bss_page[100] = 1;
  long pid = SC0(2);
  if (pid == 0) {
    data_word = 99;
    bss_page[100] = 2;
    SC1(1, 3);
  }
  int status = 0;
  long w = SC4(114, pid, &status, 0, 0);
  show("wait_pid_matches", w == pid);
  show("status", status);
  show("exited", (status & 0x7f) == 0);
  show("exit_code", (status >> 8) & 0xff);
  show("parent_data", data_word);
  show("parent_bss", bss_page[100]);
  // A child killed by a signal: status holds the signal number.
  pid = SC0(2);
  if (pid == 0) *(volatile int*)0 = 1;
  w = SC4(114, -1, &status, 0, 0);
  show("segv_status", status);
  show("wait_again", SC4(114, -1, &status, 1, 0));
}

static void case_ids(void) {
  show("pid", SC0(20));
  show("ppid", SC0(64));
  show("uid", SC0(199));
  show("euid", SC0(201));
  show("gid", SC0(200));
}

static void case_pipe(void) {
  int fds[2];
  show("pipe", SC1(42, fds));
  long pid = SC0(2);
  if (pid == 0) {
    SC1(6, fds[0]);
    SC3(4, fds[1], "through the pipe", 16);
    SC1(1, 0);
  }
  SC1(6, fds[1]);
  char buf[64];
  long n, total = 0;
  while ((n = SC3(3, fds[0], buf + total, 64 - total)) > 0) total += n;
  buf[total] = 0;
  show("read_total", total);
  puts_(buf); puts_("\n");
  show("eof", n);
  SC4(114, pid, 0, 0, 0);
  // Writing with no reader: EPIPE (and SIGPIPE, which kills by default; ignore it first).
  u32 act[5] = {1, 0, 0, 0, 0};
  SC4(174, 13, act, 0, 8);
  SC1(42, fds);
  SC1(6, fds[0]);
  show("write_no_reader", SC3(4, fds[1], "x", 1));
}

static void case_exec(void) {
  char* argv[] = {"probe", "args", "one", "two", 0};
  char* envp[] = {"A=1", 0};
  SC3(11, "/bin/probe", argv, envp);
  puts_("exec failed\n");
}

static void case_args(int argc, char** argv, char** envp) {
  show("argc", argc);
  for (int i = 0; i < argc; i++) { puts_(argv[i]); puts_("\n"); }
  u32* auxv;
  char** e = envp;
  while (*e) { puts_(*e); puts_("\n"); e++; }
  auxv = (u32*)(e + 1);
  for (; auxv[0]; auxv += 2) {
    if (auxv[0] == 6) show("AT_PAGESZ", auxv[1]);
    if (auxv[0] == 25) show("AT_RANDOM_set", auxv[1] != 0);
    if (auxv[0] == 9) show("AT_ENTRY_set", auxv[1] != 0);
    if (auxv[0] == 3) show("AT_PHDR_elf", *(u32*)(auxv[1] - 52) == 0x464c457f);
  }
  show("stack_aligned", ((u32)argv - 4) % 16 == 0);
}

static void case_files(void) {
  int fd = SC3(5, "/tmp/new", 0101 | 01000, 0644);  // O_WRONLY|O_CREAT|O_TRUNC
  show("create", fd >= 0);
  show("write", SC3(4, fd, "hello file\n", 11));
  SC1(6, fd);
  fd = SC3(5, "/tmp/new", 0, 0);
  char buf[32];
  show("read", SC3(3, fd, buf, 32));
  show("lseek", SC3(19, fd, 6, 0));
  show("read_after_seek", SC3(3, fd, buf, 32));
  u32 st[24];
  show("fstat", SC2(197, fd, st));
  show("st_size", st[11]);
  show("st_mode_reg", (st[4] & 0170000) == 0100000);
  show("stat_dir", SC2(195, "/bin", st));
  show("st_mode_dir", (st[4] & 0170000) == 0040000);
  show("dup", SC1(41, fd));
  show("dup2", SC2(63, fd, 10));
  show("access_ok", SC2(33, "/bin/probe", 1));
  show("access_missing", SC2(33, "/nope", 0));
  show("chdir", SC1(12, "/tmp"));
  show("getcwd", SC2(183, buf, 32));
  puts_(buf); puts_("\n");
  show("readlink_self", SC3(85, "/proc/self", buf, 32) > 0);
  show("readlink_notlink", SC3(85, "/bin/probe", buf, 32));
  show("devnull_write", SC3(4, SC3(5, "/dev/null", 1, 0), "x", 1));
  show("devnull_read", SC3(3, SC3(5, "/dev/null", 0, 0), buf, 1));
  show("open_dir_write", SC3(5, "/bin", 1, 0));
  // statx (383): struct statx's mask at 0, nlink at 16, mode at 28 (16 bits), size at 40.
  u32 sx[64];
  show("statx", sc(383, -100, (long)"/tmp/new", 0, 0x7ff, (long)sx));
  show("statx_mask", sx[0]);
  show("statx_size", sx[10]);
  show("statx_mode_reg", (sx[7] & 0170000) == 0100000);
  show("statx_empty_path", sc(383, fd, (long)"", 0x1000, 0x7ff, (long)sx));
  show("statx_empty_path_size", sx[10]);
  show("statx_missing", sc(383, -100, (long)"/nope", 0, 0x7ff, (long)sx));
  show("statx_reserved_mask", sc(383, -100, (long)"/tmp/new", 0, 0x80000000u, (long)sx));
  show("statx_bad_flags", sc(383, -100, (long)"/tmp/new", 0x1, 0x7ff, (long)sx));
}

static void case_uname(void) {
  char u[390];
  show("uname", SC1(122, u));
  puts_(u); puts_(" "); puts_(u + 65); puts_(" "); puts_(u + 4 * 65); puts_("\n");
  show("sethostname", SC2(74, "renamed", 7));
  SC1(122, u);
  puts_(u + 65); puts_("\n");
  show("sethostname_long", SC2(74, "x", 65));
}

static void case_time(void) {
  int ts[2], ts2[2];
  show("clock_gettime", SC2(265, 1, ts));
  int req[2] = {0, 5000000};
  show("nanosleep", SC2(162, req, 0));
  SC2(265, 1, ts2);
  long ns = (ts2[0] - ts[0]) * 1000000000L + (ts2[1] - ts[1]);
  show("slept_enough", ns >= 5000000);
  show("bad_clock", SC2(265, 99, ts));
  unsigned char r1[8], r2[8];
  show("getrandom", SC3(355, r1, 8, 0));
  SC3(355, r2, 8, 0);
  int same = 1;
  for (int i = 0; i < 8; i++) same &= r1[i] == r2[i];
  show("random_differs", !same);
}

// fsop write PATH TEXT | mkdir PATH | rmdir PATH: one file system call,
// "OP=result" (the kernel's answer, -errno on failure): kernel interface
// files such as cgroupfs's, where the errno is the lesson.
static void case_fsop(int argc, char** argv) {
  if (argc < 4) { puts_("usage: probe fsop OP PATH [TEXT]\n"); return; }
  const char* op = argv[2];
  const char* path = argv[3];
  if (seq(op, "write")) {
    long fd = SC3(5, path, 1, 0);  /* O_WRONLY */
    if (fd < 0) { show("open", fd); return; }
    const char* text = argc > 4 ? argv[4] : "";
    show("write", SC3(4, fd, text, slen(text)));
    SC1(6, fd);
  } else if (seq(op, "mkdir")) {
    show("mkdir", SC2(39, path, 0755));
  } else if (seq(op, "rmdir")) {
    show("rmdir", SC1(40, path));
  } else {
    puts_("unknown op\n");
  }
}

int main(int argc, char** argv, char** envp);
static void case_segv_text(void) {
  *(volatile int*)(void*)&main = 0;  // text is read-only
  puts_("not reached\n");
}

int main(int argc, char** argv, char** envp) {
  const char* c = argc > 1 ? argv[1] : "";
  if (seq(c, "errno")) case_errno();
  else if (seq(c, "brk")) case_brk();
  else if (seq(c, "fork")) case_fork();
  else if (seq(c, "ids")) case_ids();
  else if (seq(c, "pipe")) case_pipe();
  else if (seq(c, "exec")) case_exec();
  else if (seq(c, "args")) case_args(argc, argv, envp);
  else if (seq(c, "files")) case_files();
  else if (seq(c, "uname")) case_uname();
  else if (seq(c, "time")) case_time();
  else if (seq(c, "segv_text")) case_segv_text();
  else if (seq(c, "exit42")) return 42;
  else if (seq(c, "fsop")) case_fsop(argc, argv);
  else { puts_("unknown case\n"); return 2; }
  return 0;
}

__attribute__((naked, noreturn)) void _start(void) {
  __asm__(
      "xor %ebp, %ebp\n"
      "mov (%esp), %eax\n"         // argc
      "lea 4(%esp), %ecx\n"        // argv
      "lea 4(%ecx,%eax,4), %edx\n" // envp
      "and $-16, %esp\n"
      "sub $4, %esp\n"
      "push %edx\n push %ecx\n push %eax\n"
      "call main\n"
      "mov %eax, %ebx\n mov $252, %eax\n int $0x80\n"
      "hlt\n");
}
