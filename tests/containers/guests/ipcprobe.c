// ipcprobe CASE: System V IPC (sysvipc(7)) through the i386 ipc(2)
// multiplexer and the direct calls, each rule printed as "name=value" for
// tests/containers/test_ipc.cpp. Cases: shm, sem, msg, key KEY VALUE (attach
// the segment of KEY, print what it held, store VALUE), charge.
// Built with gcc -m32 -static -nostdlib -ffreestanding (tests/containers/CMakeLists.txt).
#include "guest.h"

enum { NR_ipc = 117, NR_shmget = 395, NR_shmctl = 396, NR_shmat = 397, NR_shmdt = 398, NR_msgget = 399,
       NR_msgsnd = 400, NR_msgrcv = 401, NR_msgctl = 402, NR_semget = 393, NR_semctl = 394 };
enum { SEMOP = 1, SEMGET = 2, SEMCTL = 3, MSGSND = 11, MSGRCV = 12, MSGGET = 13, SHMAT = 21, SHMDT = 22,
       SHMGET = 23, SHMCTL = 24 };
#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_NOWAIT 04000
#define IPC_RMID 0
#define IPC_STAT 2
#define IPC_64 0x100
#define GETVAL 12
#define GETNCNT 14
#define SETVAL 16
#define MSG_NOERROR 010000

// ipc(call, first, second, third, ptr, fifth) with fifth = 0 (EBP).
static long ipc(long call, long first, long second, long third, void* ptr, long fifth) {
  long r;
  (void)fifth;
  __asm__ volatile("push %%ebp\n xor %%ebp, %%ebp\n int $0x80\n pop %%ebp"
                   : "=a"(r) : "a"(NR_ipc), "b"(call), "c"(first), "d"(second), "S"(third), "D"(ptr)
                   : "memory");
  return r;
}
static void* shmat_(long id, void* addr, long flags) {
  unsigned long at = 0;
  long r = ipc(SHMAT, id, flags, (long)&at, addr, 0);
  return r < 0 ? (void*)r : (void*)at;
}
struct sembuf_ { unsigned short num; short op; short flg; };
static long semop_(long id, int num, int op, int flg) {
  struct sembuf_ b = {(unsigned short)num, (short)op, (short)flg};
  return ipc(SEMOP, id, 1, 0, &b, 0);
}
static long semctl_(long id, long num, long cmd, long arg) { return ipc(SEMCTL, id, num, cmd, &arg, 0); }
static int wait_child(long pid) {
  int status = 0;
  SC4(NR_wait4, pid, &status, 0, 0);
  return status;
}
static long count_lines(const char* path) {
  static char buf[4096];
  long n = read_file(path, buf, sizeof buf);
  if (n < 0) return n;
  long lines = 0;
  for (long i = 0; i < n; i++) lines += buf[i] == '\n';
  return lines;
}
static long cgroup_memory(void) {
  char buf[64];
  if (read_file("/sys/fs/cgroup/memory.current", buf, sizeof buf) < 0) return -1;
  long v = 0;
  for (char* c = buf; *c >= '0' && *c <= '9'; c++) v = v * 10 + (*c - '0');
  return v;
}

static void case_shm(void) {
  long id = ipc(SHMGET, IPC_PRIVATE, 8192, 0600, 0, 0);
  show("shmget", id >= 0);
  volatile int* mem = shmat_(id, 0, 0);
  show("shmat", (unsigned long)mem < 0xfffff000u);
  mem[0] = 11;
  long pid = SC0(NR_fork);
  if (pid == 0) {  // the attach is inherited, shared, not copied
    mem[0] += 100;
    mem[1024] = 7;  // the second page
    SC1(NR_exit, 0);
  }
  wait_child(pid);
  show("shared_after_fork", mem[0]);
  show("second_page", mem[1024]);
  unsigned int ds[21];
  show("ipc_stat", ipc(SHMCTL, id, IPC_STAT | IPC_64, 0, ds, 0));
  show("shm_segsz", ds[9]);
  show("shm_nattch", ds[18]);
  show("shm_mode", ds[5] & 0777);
  // A second attach at another address sees the same bytes.
  volatile int* again = (volatile int*)SC3(NR_shmat, id, 0, 0);
  show("second_attach_sees", again[0]);
  SC3(NR_shmctl, id, IPC_STAT | IPC_64, ds);
  show("nattch_two", ds[18]);
  show("shmdt", SC1(NR_shmdt, again));
  show("shmdt_again", SC1(NR_shmdt, again));
  show("proc_sysvipc_shm_lines", count_lines("/proc/sysvipc/shm"));
  // Keys: IPC_CREAT|IPC_EXCL on an existing key, ENOENT without IPC_CREAT, a larger size.
  long kid = ipc(SHMGET, 0x1234, 4096, IPC_CREAT | 0644, 0, 0);
  show("key_same_id", ipc(SHMGET, 0x1234, 4096, IPC_CREAT | 0644, 0, 0) == kid);
  show("key_excl", ipc(SHMGET, 0x1234, 4096, IPC_CREAT | IPC_EXCL | 0644, 0, 0));
  show("key_too_big", ipc(SHMGET, 0x1234, 8192, 0, 0, 0));
  show("key_missing", ipc(SHMGET, 0x4321, 4096, 0, 0, 0));
  show("size_zero", ipc(SHMGET, IPC_PRIVATE, 0, 0600, 0, 0));
  show("shmat_bad_id", (long)shmat_(id + 1, 0, 0));
  show("shmat_unaligned", (long)shmat_(id, (void*)0x40000123, 0));
  // Permissions: a segment the owner made read-only is EACCES to write-attach for others.
  long ro = ipc(SHMGET, IPC_PRIVATE, 4096, 0400, 0, 0);
  pid = SC0(NR_fork);
  if (pid == 0) {
    SC1(NR_setuid32, 1000);
    show("shmat_eacces", (long)shmat_(ro, 0, 0));
    show("rmid_eperm", ipc(SHMCTL, ro, IPC_RMID, 0, 0, 0));
    SC1(NR_exit, 0);
  }
  wait_child(pid);
  // IPC_RMID while attached: the segment stays usable, loses its key, goes at the last detach.
  show("rmid", ipc(SHMCTL, id, IPC_RMID, 0, 0, 0));
  mem[0] = 5;
  show("after_rmid_usable", mem[0]);
  show("after_rmid_stat_dest", ipc(SHMCTL, id, IPC_STAT | IPC_64, 0, ds, 0) == 0 && (ds[5] & 01000) != 0);
  show("shmdt_last", SC1(NR_shmdt, mem));
  show("after_last_detach", ipc(SHMCTL, id, IPC_STAT | IPC_64, 0, ds, 0));
  ipc(SHMCTL, kid, IPC_RMID, 0, 0, 0);
  ipc(SHMCTL, ro, IPC_RMID, 0, 0, 0);
}

static void case_sem(void) {
  long id = ipc(SEMGET, IPC_PRIVATE, 2, 0600, 0, 0);
  show("semget", id >= 0);
  show("getval", semctl_(id, 0, GETVAL, 0));
  show("nowait", semop_(id, 0, -1, IPC_NOWAIT));
  long pid = SC0(NR_fork);
  if (pid == 0) {  // P(): sleeps until the parent's V()
    long r = semop_(id, 0, -1, 0);
    SC1(NR_exit, r == 0 ? 42 : 1);
  }
  sleep_ns(1000000);
  show("ncnt", semctl_(id, 0, GETNCNT, 0));
  show("v", semop_(id, 0, 1, 0));
  show("child_passed", wait_child(pid) >> 8);
  show("value_after", semctl_(id, 0, GETVAL, 0));
  show("setval", SC4(NR_semctl, id, 1, SETVAL, 3));
  show("getval_direct", SC4(NR_semctl, id, 1, GETVAL, 0));
  show("erange", semctl_(id, 1, SETVAL, 40000));
  show("efbig", semop_(id, 5, 1, 0));
  // Removed under a sleeper: EIDRM.
  pid = SC0(NR_fork);
  if (pid == 0) {
    long r = semop_(id, 0, -1, 0);
    SC1(NR_exit, r == -43 ? 43 : 1);
  }
  sleep_ns(1000000);
  show("rmid", semctl_(id, 0, IPC_RMID, 0));
  show("sleeper_eidrm", wait_child(pid) >> 8);
  show("after_rmid", semctl_(id, 0, GETVAL, 0));
  show("proc_sysvipc_sem_lines", count_lines("/proc/sysvipc/sem"));
}

struct msgbuf_ { long type; char text[32]; };

static void case_msg(void) {
  long id = ipc(MSGGET, IPC_PRIVATE, 0600, 0, 0, 0);
  show("msgget", id >= 0);
  struct msgbuf_ m = {3, "three"};
  show("snd3", ipc(MSGSND, id, 6, 0, &m, 0));
  m.type = 1; m.text[0] = 'o';
  show("snd1", SC4(NR_msgsnd, id, &m, 6, 0));
  m.type = 2; m.text[0] = 't';
  show("snd2", ipc(MSGSND, id, 6, 0, &m, 0));
  show("snd_bad_type", ({ struct msgbuf_ z = {0, ""}; ipc(MSGSND, id, 1, 0, &z, 0); }));
  struct msgbuf_ r;
  long kludge[2] = {(long)&r, 2};
  show("rcv_type2", ipc(MSGRCV, id, 32, 0, kludge, 0));
  show("rcv_type2_got", r.type);
  show("rcv_lowest", SC5(NR_msgrcv, id, &r, 32, -3, 0));
  show("rcv_lowest_got", r.type);
  show("rcv_e2big", SC5(NR_msgrcv, id, &r, 2, 0, 0));
  show("rcv_noerror", SC5(NR_msgrcv, id, &r, 2, 0, MSG_NOERROR));
  show("rcv_first_text", r.text[0]);
  show("rcv_empty", SC5(NR_msgrcv, id, &r, 32, 0, IPC_NOWAIT));
  long pid = SC0(NR_fork);
  if (pid == 0) {  // waits for a message of type 9
    long n = SC5(NR_msgrcv, id, &r, 32, 9, 0);
    SC1(NR_exit, n == 4 && r.text[0] == 'n' ? 9 : 1);
  }
  sleep_ns(1000000);
  m.type = 9; m.text[0] = 'n'; m.text[1] = 'i'; m.text[2] = 'n'; m.text[3] = 'e';
  SC4(NR_msgsnd, id, &m, 4, 0);
  show("blocked_receiver_got", wait_child(pid) >> 8);
  show("proc_sysvipc_msg_lines", count_lines("/proc/sysvipc/msg"));
  show("rmid", SC3(NR_msgctl, id, IPC_RMID, 0));
  show("after_rmid", SC4(NR_msgsnd, id, &m, 4, 0));
}

// The segment of `key`: print what it held, store `value`, stay attached a while.
static void case_key(const char* key, const char* value) {
  long k = 0;
  for (const char* c = key; *c; c++) k = k * 10 + (*c - '0');
  long id = SC3(NR_shmget, k, 4096, IPC_CREAT | 0666);
  volatile char* mem = (volatile char*)SC3(NR_shmat, id, 0, 0);
  puts_("held=");
  puts_(mem[0] ? (const char*)mem : "(nothing)");
  puts_("\n");
  for (int i = 0; value[i] || (mem[i] = 0); i++) mem[i] = value[i];
  show("id", id);
}

// Shared memory pages are charged to the creator's memory cgroup: the
// test reads the cgroup at each stage while this sleeps.
static void case_charge(void) {
  long id = SC3(NR_shmget, IPC_PRIVATE, 64 * 4096, 0600);
  volatile char* mem = (volatile char*)SC3(NR_shmat, id, 0, 0);
  show_s("stage", "before");
  sleep_ns(1000000);
  for (int i = 0; i < 64; i++) mem[i * 4096] = 1;
  show_s("stage", "touched");
  sleep_ns(1000000);
  SC1(NR_shmdt, mem);
  show_s("stage", "detached");
  sleep_ns(1000000);
  SC3(NR_shmctl, id, IPC_RMID, 0);
  show_s("stage", "removed");
  sleep_ns(1000000);
}

int main(int argc, char** argv, char** envp) {
  (void)envp;
  const char* c = argc > 1 ? argv[1] : "";
  if (seq(c, "shm")) case_shm();
  else if (seq(c, "sem")) case_sem();
  else if (seq(c, "msg")) case_msg();
  else if (seq(c, "key") && argc > 3) case_key(argv[2], argv[3]);
  else if (seq(c, "charge")) case_charge();
  else if (seq(c, "keytwice") && argc > 2) {
    // Two processes of one container (one IPC namespace) use one key.
    long pid = SC0(NR_fork);
    if (pid == 0) {
      case_key(argv[2], "first");
      SC1(NR_exit, 0);
    }
    wait_child(pid);
    case_key(argv[2], "second");
  }
  else { puts_("unknown case\n"); return 2; }
  return 0;
}
