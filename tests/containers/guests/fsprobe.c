// fsprobe OP ARGS... [OP ARGS...]: file system calls in a row, each
// printing "op=result" (the kernel's answer, -errno on failure), so a test
// can check what a container sees of its overlay root. Ops:
//   write PATH TEXT   open(O_WRONLY|O_CREAT|O_TRUNC) and write
//   append PATH TEXT  open(O_WRONLY|O_APPEND) and write
//   cat PATH          print "cat=<contents>"
//   ls DIR            print "ls=name,name,..." from getdents64 (without . and ..)
//   rm PATH | mkdir PATH | rmdir PATH | mv FROM TO | link FROM TO | symlink TARGET PATH
//   chmod PATH OCTAL | truncate PATH LEN | mode PATH (stat64's st_mode, octal)
//   chown PATH UID (chown32, gid unchanged) | owner PATH (stat64's st_uid) | touch PATH (utimensat, now)
//   ignore SIG (rt_sigaction SIG_IGN) | spin (loop for ever) | sleep SECONDS (nanosleep)
// Built with gcc -m32 -static -nostdlib -ffreestanding (tests/containers/CMakeLists.txt).
static long sc(long nr, long a, long b, long c, long d, long e) {
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e) : "memory");
  return r;
}
#define SC1(n, a) sc(n, (long)(a), 0, 0, 0, 0)
#define SC2(n, a, b) sc(n, (long)(a), (long)(b), 0, 0, 0)
#define SC3(n, a, b, c) sc(n, (long)(a), (long)(b), (long)(c), 0, 0)

enum { NR_read = 3, NR_write = 4, NR_open = 5, NR_close = 6, NR_link = 9, NR_unlink = 10, NR_chmod = 15,
       NR_rename = 38, NR_mkdir = 39, NR_rmdir = 40, NR_symlink = 83, NR_truncate = 92, NR_stat64 = 195,
       NR_getdents64 = 220, NR_rt_sigaction = 174, NR_chown32 = 212,
       NR_utimensat = 320, NR_nanosleep = 162 };
enum { O_WRONLY = 1, O_CREAT = 0100, O_TRUNC = 01000, O_APPEND = 02000, O_DIRECTORY = 0200000 };

static int slen(const char* s) { int n = 0; while (s[n]) n++; return n; }
static int seq(const char* a, const char* b) { while (*a && *a == *b) a++, b++; return *a == *b; }
static void out(const char* s, int n) { SC3(NR_write, 1, s, n); }
static void puts_(const char* s) { out(s, slen(s)); }
static void putn(long v, int base) {
  char b[24]; int i = 23; b[i] = 0; int neg = v < 0; unsigned long u = neg ? -v : v;
  do { b[--i] = "0123456789"[u % base]; u /= base; } while (u);
  if (neg) b[--i] = '-';
  puts_(b + i);
}
static void show(const char* name, long v) { puts_(name); puts_("="); putn(v, 10); puts_("\n"); }
static long num(const char* s, int base) { long v = 0; while (*s) v = v * base + (*s++ - '0'); return v; }

static char buf[8192];

static void write_file(const char* path, const char* text, int flags) {
  long fd = SC3(NR_open, path, flags, 0644);
  if (fd < 0) { show("open", fd); return; }
  show("write", SC3(NR_write, fd, text, slen(text)));
  SC1(NR_close, fd);
}

static void cat(const char* path) {
  long fd = SC2(NR_open, path, 0);
  if (fd < 0) { show("cat", fd); return; }
  long n = SC3(NR_read, fd, buf, sizeof buf);
  SC1(NR_close, fd);
  puts_("cat=");
  if (n > 0) out(buf, n);
  puts_("\n");
}

static void ls(const char* path) {
  long fd = SC3(NR_open, path, O_DIRECTORY, 0);
  if (fd < 0) { show("ls", fd); return; }
  puts_("ls=");
  int first = 1;
  for (;;) {
    long n = SC3(NR_getdents64, fd, buf, sizeof buf);
    if (n <= 0) break;
    for (long at = 0; at < n;) {
      unsigned short reclen = *(unsigned short*)(buf + at + 16);
      const char* name = buf + at + 19;
      if (!seq(name, ".") && !seq(name, "..")) {
        if (!first) puts_(",");
        puts_(name);
        first = 0;
      }
      at += reclen;
    }
  }
  puts_("\n");
  SC1(NR_close, fd);
}

int main(int argc, char** argv) {
  for (int i = 1; i < argc;) {
    const char* op = argv[i];
    const char* a = i + 1 < argc ? argv[i + 1] : "";
    const char* b = i + 2 < argc ? argv[i + 2] : "";
    int two = 0;  // does the op take a second argument?
    if (seq(op, "write")) { write_file(a, b, O_WRONLY | O_CREAT | O_TRUNC); two = 1; }
    else if (seq(op, "append")) { write_file(a, b, O_WRONLY | O_APPEND); two = 1; }
    else if (seq(op, "cat")) cat(a);
    else if (seq(op, "ls")) ls(a);
    else if (seq(op, "rm")) show("rm", SC1(NR_unlink, a));
    else if (seq(op, "mkdir")) show("mkdir", SC2(NR_mkdir, a, 0755));
    else if (seq(op, "rmdir")) show("rmdir", SC1(NR_rmdir, a));
    else if (seq(op, "mv")) { show("mv", SC2(NR_rename, a, b)); two = 1; }
    else if (seq(op, "link")) { show("link", SC2(NR_link, a, b)); two = 1; }
    else if (seq(op, "symlink")) { show("symlink", SC2(NR_symlink, a, b)); two = 1; }
    else if (seq(op, "chmod")) { show("chmod", SC2(NR_chmod, a, num(b, 8))); two = 1; }
    else if (seq(op, "truncate")) { show("truncate", SC2(NR_truncate, a, num(b, 10))); two = 1; }
    else if (seq(op, "chown")) { show("chown", SC3(NR_chown32, a, num(b, 10), -1)); two = 1; }
    else if (seq(op, "touch")) show("touch", sc(NR_utimensat, -100, (long)a, 0, 0, 0));
    else if (seq(op, "owner")) {
      unsigned int st[24];
      long r = SC2(NR_stat64, a, st);
      show("owner", r < 0 ? r : (long)st[6]);
    } else if (seq(op, "mode")) {
      unsigned int st[24];
      long r = SC2(NR_stat64, a, st);
      if (r < 0) show("mode", r);
      else { puts_("mode="); putn(st[4], 8); puts_("\n"); }
    } else if (seq(op, "ignore")) {
      unsigned int act[5] = {1 /* SIG_IGN */, 0, 0, 0, 0};
      show("ignore", sc(NR_rt_sigaction, num(a, 10), (long)act, 0, 8, 0));
    } else if (seq(op, "sleep")) {
      int req[2] = {(int)num(a, 10), 0};
      show("sleep", SC2(NR_nanosleep, req, 0));
    } else if (seq(op, "spin")) {
      for (volatile unsigned n = 0;; n++) {}
    } else { puts_("unknown op "); puts_(op); puts_("\n"); return 2; }
    i += two ? 3 : 2;
  }
  return 0;
}

__attribute__((naked, noreturn)) void _start(void) {
  __asm__(
      "xor %ebp, %ebp\n"
      "mov (%esp), %eax\n"
      "lea 4(%esp), %ecx\n"
      "and $-16, %esp\n"
      "sub $8, %esp\n"
      "push %ecx\n push %eax\n"
      "call main\n"
      "mov %eax, %ebx\n mov $252, %eax\n int $0x80\n"
      "hlt\n");
}
