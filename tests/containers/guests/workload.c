// workload CASE: a freestanding i386 Linux program for the page-cache,
// scheduler and fault-injection tests (tests/containers/test_pagecache.cpp,
// test_sched.cpp, test_fault.cpp). It makes system calls directly (int 0x80).
//   spin [MS]                  burn CPU forever (after sleeping MS ms)
//   sleep MS                   nanosleep MS milliseconds, then exit
//   map-write FILE OFF TEXT    map FILE read-only and private, make it
//                              writable (mprotect), write TEXT at OFF, and
//                              print "wrote=" with what the mapping holds
//   map-write-cold FILE OFF TEXT  the same, without reading the page first
//   map-read FILE OFF LEN MS   map FILE read-only, touch it, sleep MS ms,
//                              then print "mapped=" and "file=": LEN bytes
//                              at OFF in hex, through the mapping and
//                              through read(2)
//   cat FILE                   copy FILE to stdout
// Built with gcc -m32 -static -nostdlib -ffreestanding (tests/containers/CMakeLists.txt).
typedef unsigned int u32;

// A system call with up to five arguments (EBP, the sixth, is 0: mmap2's page offset).
static long sc(long nr, long a, long b, long c, long d, long e) {
  long r;
  __asm__ volatile("push %%ebp\n xor %%ebp, %%ebp\n int $0x80\n pop %%ebp"
                   : "=a"(r)
                   : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
                   : "memory");
  return r;
}
enum { SYS_exit = 1, SYS_read = 3, SYS_write = 4, SYS_open = 5, SYS_close = 6, SYS_mprotect = 125,
       SYS_nanosleep = 162, SYS_mmap2 = 192 };
enum { PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2 };

static int slen(const char* s) { int n = 0; while (s[n]) n++; return n; }
static int seq(const char* a, const char* b) { while (*a && *a == *b) a++, b++; return *a == *b; }
static void puts_(const char* s) { sc(SYS_write, 1, (long)s, slen(s), 0, 0); }
static u32 num(const char* s) { u32 v = 0; while (*s >= '0' && *s <= '9') v = v * 10 + (u32)(*s++ - '0'); return v; }
static void hex(const volatile unsigned char* p, u32 n) {
  static const char digits[] = "0123456789abcdef";
  char b[2];
  for (u32 i = 0; i < n; i++) {
    b[0] = digits[p[i] >> 4];
    b[1] = digits[p[i] & 15];
    sc(SYS_write, 1, (long)b, 2, 0, 0);
  }
  puts_("\n");
}
static void sleep_ms(u32 ms) {
  long ts[2] = {(long)(ms / 1000), (long)(ms % 1000) * 1000000L};
  sc(SYS_nanosleep, (long)ts, 0, 0, 0, 0);
}
// FILE mapped read-only and private, `len` bytes from offset 0; 0 on failure.
static volatile unsigned char* map(const char* path, u32 len) {
  long fd = sc(SYS_open, (long)path, 0, 0, 0, 0);
  if (fd < 0) { puts_("open failed\n"); return 0; }
  long p = sc(SYS_mmap2, 0, (long)len, PROT_READ, MAP_PRIVATE, fd);
  sc(SYS_close, fd, 0, 0, 0, 0);
  if (p < 0 && p > -4096) { puts_("mmap failed\n"); return 0; }
  return (volatile unsigned char*)p;
}

static int case_map_write(const char* path, u32 off, const char* text, int read_first) {
  u32 n = (u32)slen(text), len = (off + n + 4095) & ~4095u;
  volatile unsigned char* p = map(path, len);
  if (!p) return 1;
  if (read_first) (void)p[off];  // the page comes from the page cache, read-only
  long r = sc(SYS_mprotect, (long)p, (long)len, PROT_READ | PROT_WRITE, 0, 0);
  if (r) { puts_("mprotect failed\n"); return 1; }
  for (u32 i = 0; i < n; i++) p[off + i] = (unsigned char)text[i];
  puts_("wrote=");
  hex(p + off, n);
  return 0;
}

static int case_map_read(const char* path, u32 off, u32 n, u32 ms) {
  volatile unsigned char* p = map(path, (off + n + 4095) & ~4095u);
  if (!p) return 1;
  (void)p[off];
  sleep_ms(ms);
  puts_("mapped=");
  hex(p + off, n);
  static unsigned char buf[4096 * 2];
  long fd = sc(SYS_open, (long)path, 0, 0, 0, 0);
  long got = sc(SYS_read, fd, (long)buf, (long)(off + n), 0, 0);
  if (got < (long)(off + n)) { puts_("read failed\n"); return 1; }
  puts_("file=");
  hex(buf + off, n);
  return 0;
}

static int case_cat(const char* path) {
  static char buf[4096];
  long fd = sc(SYS_open, (long)path, 0, 0, 0, 0);
  if (fd < 0) return 1;
  long n;
  while ((n = sc(SYS_read, fd, (long)buf, sizeof buf, 0, 0)) > 0) sc(SYS_write, 1, (long)buf, n, 0, 0);
  return 0;
}

int main(int argc, char** argv) {
  const char* c = argc > 1 ? argv[1] : "";
  if (seq(c, "spin")) {
    if (argc > 2) sleep_ms(num(argv[2]));
    for (volatile u32 i = 0;; i++) {
    }
  }
  if (seq(c, "sleep") && argc > 2) { sleep_ms(num(argv[2])); return 0; }
  if (seq(c, "map-write") && argc > 4) return case_map_write(argv[2], num(argv[3]), argv[4], 1);
  if (seq(c, "map-write-cold") && argc > 4) return case_map_write(argv[2], num(argv[3]), argv[4], 0);
  if (seq(c, "map-read") && argc > 5) return case_map_read(argv[2], num(argv[3]), num(argv[4]), num(argv[5]));
  if (seq(c, "cat") && argc > 2) return case_cat(argv[2]);
  puts_("usage: workload spin [MS] | sleep MS | map-write[-cold] FILE OFF TEXT | map-read FILE OFF LEN MS | cat FILE\n");
  return 2;
}

__attribute__((naked, noreturn)) void _start(void) {
  __asm__(
      "xor %ebp, %ebp\n"
      "mov (%esp), %eax\n"         // argc
      "lea 4(%esp), %ecx\n"        // argv
      "and $-16, %esp\n"
      "sub $8, %esp\n"
      "push %ecx\n push %eax\n"
      "call main\n"
      "mov %eax, %ebx\n mov $252, %eax\n int $0x80\n"
      "hlt\n");
}
