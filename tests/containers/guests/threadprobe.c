// threadprobe: threads started with the raw clone(2) call glibc's
// pthread_create makes on i386, and futex(2) as pthread_join and locks use
// it; each rule printed as "name=value" for tests/containers/test_threads.cpp.
// Built with gcc -m32 -static -nostdlib -ffreestanding (tests/containers/CMakeLists.txt).
#include "guest.h"

enum { NR_gettid = 224, NR_futex = 240, NR_set_thread_area = 243, NR_sched_yield = 158, NR_sigaltstack = 186 };
enum { FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_PRIVATE = 128 };
enum { SIGUSR1_ = 10, SIGSEGV_ = 11 };
// What glibc's pthread_create passes (sysdeps/unix/sysv/linux/createthread.c).
#define CLONE_VM 0x100u
#define CLONE_FS 0x200u
#define CLONE_FILES 0x400u
#define CLONE_SIGHAND 0x800u
#define CLONE_THREAD 0x10000u
#define CLONE_SYSVSEM 0x40000u
#define CLONE_SETTLS 0x80000u
#define CLONE_PARENT_SETTID 0x100000u
#define CLONE_CHILD_CLEARTID 0x200000u
#define PTHREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | \
                       CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

struct user_desc { u32 entry_number, base_addr, limit, flags; };

static char stacks[4][16384] __attribute__((aligned(16)));
static u32 tls_block[4][4];  // each thread's %gs:0 reads its own
static struct user_desc tls_desc[4];
static volatile int tid_word[4];  // CLONE_PARENT_SETTID writes the TID here, CLONE_CHILD_CLEARTID clears it

// clone(flags, newsp, ptid, tls, ctid); the child pops fn, calls fn(arg)
// on its own stack and ends with exit(2) (the thread only).
__attribute__((naked)) static long raw_clone(u32 flags, void* sp, volatile int* ptid, void* tls, volatile int* ctid) {
  __asm__(
      "push %ebx\n push %esi\n push %edi\n"
      "mov 16(%esp), %ebx\n mov 20(%esp), %ecx\n mov 24(%esp), %edx\n"
      "mov 28(%esp), %esi\n mov 32(%esp), %edi\n"
      "mov $120, %eax\n int $0x80\n"
      "test %eax, %eax\n jnz 1f\n"
      "pop %eax\n call *%eax\n"
      "mov %eax, %ebx\n mov $1, %eax\n int $0x80\n hlt\n"
      "1: pop %edi\n pop %esi\n pop %ebx\n ret\n");
}

static long start(int i, int (*fn)(void*), void* arg, u32 flags) {
  u32* top = (u32*)(stacks[i] + sizeof stacks[i]) - 4;
  top[0] = (u32)fn;
  top[1] = (u32)arg;
  tls_block[i][0] = 1000 + i;
  tls_desc[i] = (struct user_desc){6, (u32)tls_block[i], 0xfffff, 0x51};  // 32-bit, pages, useable
  return raw_clone(flags, top, &tid_word[i], &tls_desc[i], &tid_word[i]);
}

static long futex(volatile int* w, int op, int val, void* timeout) { return SC4(NR_futex, w, op, val, timeout); }

// pthread_join: sleep until CLONE_CHILD_CLEARTID has cleared the TID word.
static void join(int i) {
  int t;
  while ((t = tid_word[i]) != 0) futex(&tid_word[i], FUTEX_WAIT, t, 0);
}

static volatile int shared_value, thread_pid, thread_tid, thread_gs, fds[2], go, waiting, handler_tid;

static int t_ids(void* arg) {
  thread_pid = SC0(NR_getpid);
  thread_tid = SC0(NR_gettid);
  __asm__ volatile("mov %%gs:0, %0" : "=r"(thread_gs));
  shared_value = (int)arg;
  return 0;
}

static int t_pipe(void* arg) { (void)arg; return SC1(NR_pipe, fds); }

static int t_waiter(void* arg) {
  (void)arg;
  __atomic_add_fetch(&waiting, 1, __ATOMIC_SEQ_CST);
  while (!go) futex(&go, FUTEX_WAIT | FUTEX_PRIVATE, 0, 0);
  return 0;
}

static void on_usr1(int sig) { (void)sig; handler_tid = SC0(NR_gettid); }

static int t_sleeper(void* arg) {
  (void)arg;
  // Sleeps on a futex nobody wakes: a signal ends the wait (EINTR).
  static volatile int never;
  show("futex_eintr", futex(&never, FUTEX_WAIT, 0, 0));
  return 0;
}

static int t_exit_group(void* arg) { SC1(NR_exit_group, (int)arg); return 0; }
static int t_fault(void* arg) { (void)arg; *(volatile int*)0 = 1; return 0; }
static int t_spin(void* arg) { (void)arg; for (;;) SC0(NR_sched_yield); return 0; }

static int count_dir(const char* path) {
  long fd = SC3(NR_open, path, 0200000, 0);
  if (fd < 0) return fd;
  char dents[1024];
  long n = SC3(NR_getdents64, fd, dents, sizeof dents);
  int count = 0;
  for (long off = 0; off < n;) {
    if (dents[off + 19] != '.') count++;
    off += *(unsigned short*)(dents + off + 16);
  }
  SC1(NR_close, fd);
  return count;
}

int main(int argc, char** argv, char** envp) {
  (void)envp;
  if (argc > 1 && seq(argv[1], "limit")) {
    // Under pids.max = 2: one thread can start, the next clone is refused.
    show("clone_first", start(0, t_spin, 0, PTHREAD_FLAGS) > 0);
    show("clone_second", start(1, t_spin, 0, PTHREAD_FLAGS));
    SC1(NR_exit_group, 0);
  }
  // The main thread's TLS in GDT entry 6 (what glibc's startup does); each
  // thread gets the same entry with its own base (CLONE_SETTLS).
  struct user_desc mine = {(u32)-1, (u32)tls_block[3], 0xfffff, 0x51};
  tls_block[3][0] = 77;
  show("set_thread_area", SC1(NR_set_thread_area, &mine));
  u32 sel = mine.entry_number * 8 + 3;
  __asm__ volatile("mov %0, %%gs" : : "r"(sel));
  long pid = SC0(NR_getpid);
  show("main_tid_is_pid", SC0(NR_gettid) == pid);

  // Identity, shared memory, TLS, CLONE_PARENT_SETTID, join by futex.
  long tid = start(0, t_ids, (void*)42, PTHREAD_FLAGS);
  show("clone_returns_tid", tid > pid);
  show("parent_settid", tid_word[0] == tid || tid_word[0] == 0);
  join(0);
  show("joined", tid_word[0] == 0);
  show("thread_getpid_is_tgid", thread_pid == pid);
  show("thread_gettid", thread_tid == tid);
  show("shared_memory", shared_value);
  show("thread_tls", thread_gs);
  int g;
  __asm__ volatile("mov %%gs:0, %0" : "=r"(g));
  show("main_tls", g);
  show("wait_thread", SC4(NR_wait4, tid, 0, 0, 0));  // a thread is nobody's child: ECHILD

  // CLONE_FILES: a pipe the thread made is the main thread's too.
  start(0, t_pipe, 0, PTHREAD_FLAGS);
  join(0);
  show("shared_fds", SC3(NR_write, fds[1], "x", 1) == 1 && ({ char c; SC3(NR_read, fds[0], &c, 1) == 1 && c == 'x'; }));

  // futex: EAGAIN when the word changed, a timeout in simulated time.
  static volatile int word = 5;
  show("futex_eagain", futex(&word, FUTEX_WAIT, 6, 0));
  int ts[2] = {0, 5000000}, t0[2], t1[2];
  SC2(NR_clock_gettime, 1, t0);
  show("futex_timeout", futex(&word, FUTEX_WAIT, 5, ts));
  SC2(NR_clock_gettime, 1, t1);
  long waited = (t1[0] - t0[0]) * 1000000000L + (t1[1] - t0[1]);
  show("futex_timeout_waited", waited >= 5000000 && waited < 6000000);
  show("futex_wake_none", futex(&word, FUTEX_WAKE, 1, 0));

  // FUTEX_WAKE wakes the sleepers on the word: two threads, both woken.
  start(0, t_waiter, 0, PTHREAD_FLAGS);
  start(1, t_waiter, 0, PTHREAD_FLAGS);
  while (waiting < 2) SC0(NR_sched_yield);
  sleep_ns(1000000);  // both are asleep on `go` by now
  show("proc_task_entries", count_dir("/proc/self/task"));
  show("proc_lists_threads", count_dir("/proc") - 0);
  go = 1;
  show("futex_woken", futex(&go, FUTEX_WAKE | FUTEX_PRIVATE, 0x7fffffff, 0));
  join(0);
  join(1);
  show("proc_task_after", count_dir("/proc/self/task"));

  // Shared handlers (CLONE_SIGHAND) and tgkill to one thread.
  unsigned int act[5] = {(u32)on_usr1, 0, 0, 0, 0};
  SC4(NR_rt_sigaction, SIGUSR1_, act, 0, 8);
  tid = start(0, t_sleeper, 0, PTHREAD_FLAGS);
  sleep_ns(1000000);
  show("tgkill", SC3(NR_tgkill, pid, tid, SIGUSR1_));
  join(0);
  show("handler_ran_in_thread", handler_tid == tid);
  show("tgkill_wrong_group", SC3(NR_tgkill, pid + 1000, SC0(NR_gettid), SIGUSR1_));

  // exit_group from a thread ends the whole process with its code; a
  // fault in a thread kills every thread; the parent sees one process.
  long child = SC0(NR_fork);
  if (child == 0) {
    start(0, t_exit_group, (void*)7, PTHREAD_FLAGS);
    for (;;) SC0(NR_sched_yield);
  }
  int status = 0;
  show("exit_group_child", SC4(NR_wait4, child, &status, 0, 0) == child);
  show("exit_group_status", status >> 8);
  child = SC0(NR_fork);
  if (child == 0) {
    start(0, t_spin, 0, PTHREAD_FLAGS);
    start(1, t_fault, 0, PTHREAD_FLAGS);
    for (;;) SC0(NR_sched_yield);
  }
  SC4(NR_wait4, child, &status, 0, 0);
  show("fault_kills_group", status & 0x7f);
  // exit(2) of the main thread alone: the process lives on in its thread.
  child = SC0(NR_fork);
  if (child == 0) {
    tid_word[1] = 0;
    start(0, t_ids, (void*)9, PTHREAD_FLAGS);
    SC1(NR_exit, 3);  // the main thread only
  }
  status = 0;
  show("main_exit_then_thread", SC4(NR_wait4, child, &status, 0, 0) == child);
  show("main_exit_status", status >> 8);
  return 0;
}
