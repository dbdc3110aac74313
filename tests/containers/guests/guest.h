// Shared by the freestanding test guests (nsprobe.c, sigprobe.c): raw
// int 0x80 system calls, printing "name=value" lines, and _start.
// Built with gcc -m32 -static -nostdlib -ffreestanding (tests/containers/CMakeLists.txt).
#pragma once
typedef unsigned int u32;
typedef unsigned long long u64;

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
#define SC5(n, a, b, c, d, e) sc(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e))

// Linux i386 system call numbers used by the guests.
enum {
  NR_exit = 1, NR_fork = 2, NR_read = 3, NR_write = 4, NR_open = 5, NR_close = 6, NR_execve = 11, NR_getpid = 20,
  NR_mount = 21, NR_getuid = 24, NR_alarm = 27, NR_pause = 29, NR_kill = 37, NR_mkdir = 39, NR_pipe = 42,
  NR_umount2 = 52, NR_getppid = 64, NR_sethostname = 74, NR_wait4 = 114, NR_sigreturn = 119, NR_clone = 120,
  NR_uname = 122, NR_nanosleep = 162, NR_rt_sigreturn = 173, NR_rt_sigaction = 174, NR_rt_sigprocmask = 175,
  NR_rt_sigpending = 176, NR_rt_sigsuspend = 179, NR_setuid32 = 213, NR_pivot_root = 217, NR_getdents64 = 220,
  NR_tkill = 238, NR_exit_group = 252, NR_clock_gettime = 265, NR_tgkill = 270, NR_stat64 = 195, NR_chdir = 12,
  NR_readlink = 85, NR_unshare = 310, NR_setns = 346,
};

static int slen(const char* s) { int n = 0; while (s[n]) n++; return n; }
static int seq(const char* a, const char* b) { while (*a && *a == *b) a++, b++; return *a == *b; }
static int has(const char* hay, const char* needle) {
  for (; *hay; hay++) {
    int i = 0;
    while (needle[i] && hay[i] == needle[i]) i++;
    if (!needle[i]) return 1;
  }
  return 0;
}
static void puts_(const char* s) { SC3(NR_write, 1, s, slen(s)); }
static void putn(long v) {
  char b[16]; int i = 15; b[i] = 0; int neg = v < 0; unsigned long u = neg ? -v : v;
  do { b[--i] = '0' + u % 10; u /= 10; } while (u);
  if (neg) b[--i] = '-';
  puts_(b + i);
}
// "name=value\n"
static void show(const char* name, long v) { puts_(name); puts_("="); putn(v); puts_("\n"); }
static void show_s(const char* name, const char* v) { puts_(name); puts_("="); puts_(v); puts_("\n"); }

static void sleep_ns(long ns) {
  int req[2] = {(int)(ns / 1000000000L), (int)(ns % 1000000000L)};
  SC2(NR_nanosleep, req, 0);
}

// Read a whole (small) file into buf; its length or -errno.
static long read_file(const char* path, char* buf, long size) {
  long fd = SC3(NR_open, path, 0, 0);
  if (fd < 0) return fd;
  long n, total = 0;
  while (total < size - 1 && (n = SC3(NR_read, fd, buf + total, size - 1 - total)) > 0) total += n;
  buf[total] = 0;
  SC1(NR_close, fd);
  return total;
}

static long write_file(const char* path, const char* text) {
  long fd = SC3(NR_open, path, 0101 | 01000, 0644);  // O_WRONLY|O_CREAT|O_TRUNC
  if (fd < 0) return fd;
  long r = SC3(NR_write, fd, text, slen(text));
  SC1(NR_close, fd);
  return r;
}

int main(int argc, char** argv, char** envp);

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
