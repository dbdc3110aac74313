// System V IPC (sysvipc(7)): shared memory segments, semaphore sets and
// message queues, one set of each per IPC namespace (ipc_namespaces(7)),
// as Linux's ipc/shm.c, ipc/sem.c, ipc/msg.c and ipc/util.c keep them.
//
// An object is found by its key (shmget/semget/msgget: IPC_PRIVATE always
// makes a new one; IPC_CREAT makes one if the key has none; with IPC_EXCL
// an existing one is EEXIST) and then named by its ID, seq * 32768 + slot,
// so a stale ID of a removed object does not name its successor (EINVAL).
// Access follows the mode bits as files do (ipcperms(): owner, group,
// other; a privileged process passes). IPC_RMID removes an object at once,
// except a segment still attached: it loses its key and goes with its last
// detach. A process blocked in semop or msgsnd/msgrcv on an object that is
// removed wakes with EIDRM.
// The structures copied to user space are the IPC_64 layouts of i386
// (asm-generic/shmbuf.h, sembuf.h, msgbuf.h with 32-bit time halves).
// /proc/sysvipc/{shm,sem,msg} list a namespace's objects (procfs.cpp).
// Lesson: "namespaces: what ipcs sees".
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "containers/linux_abi.h"
#include "containers/mm.h"

namespace isolab::containers {
class Kernel;
struct Process;
struct IpcNamespace;
}

namespace isolab::containers::ipc {

// ipc.h constants (include/uapi/linux/ipc.h, shm.h, sem.h, msg.h).
constexpr int32_t IPC_PRIVATE = 0;
constexpr uint32_t IPC_CREAT = 01000, IPC_EXCL = 02000, IPC_NOWAIT = 04000;
constexpr uint32_t IPC_RMID = 0, IPC_SET = 1, IPC_STAT = 2, IPC_INFO = 3, IPC_64 = 0x100;
constexpr uint32_t SHM_STAT = 13, SHM_INFO = 14, SHM_STAT_ANY = 15, SHM_RDONLY = 010000, SHM_RND = 020000,
                   SHM_DEST = 01000;
constexpr uint32_t GETPID = 11, GETVAL = 12, GETALL = 13, GETNCNT = 14, GETZCNT = 15, SETVAL = 16, SETALL = 17,
                   SEM_STAT = 18, SEM_INFO = 19, SEM_STAT_ANY = 20, SEM_UNDO = 0x1000;
constexpr uint32_t MSG_STAT = 11, MSG_INFO = 12, MSG_STAT_ANY = 13, MSG_NOERROR = 010000, MSG_EXCEPT = 020000;
constexpr int32_t LINUX_ENOMSG = 42, LINUX_EIDRM = 43;
// Limits, Linux's defaults.
constexpr uint32_t SHMMAX = 0xFFFFFFFFu - (1u << 24), SHMMNI = 4096, SEMMSL = 32000, SEMMNI = 32000,
                   SEMVMX = 32767, SEMOPM = 500, MSGMAX = 8192, MSGMNB = 16384, MSGMNI = 32000;

// struct kern_ipc_perm: who owns an object and who may use it.
struct IpcPerm {
  int32_t key = 0;
  uint32_t uid = 0, gid = 0, cuid = 0, cgid = 0;  // kernel IDs
  uint32_t mode = 0;                              // the low 9 bits, plus SHM_DEST for a removed segment
  uint16_t seq = 0;
};

struct ShmSegment {
  IpcPerm perm;
  uint32_t size = 0;
  std::shared_ptr<SharedPages> pages;  // null once removed: the attaches hold it
  std::weak_ptr<SharedPages> attached;  // to count attaches after removal
  int cpid = 0, lpid = 0;               // host PIDs
  uint64_t atime = 0, dtime = 0, ctime = 0;  // seconds
  uint32_t nattch() const;
};

struct Semaphore {
  uint16_t value = 0;
  int pid = 0;  // host PID of the last semop
};
struct SemSet {
  IpcPerm perm;
  std::vector<Semaphore> sems;
  uint64_t otime = 0, ctime = 0;
};

struct Message {
  int32_t type = 0;
  std::vector<uint8_t> text;
};
struct MsgQueue {
  IpcPerm perm;
  std::deque<Message> messages;
  uint32_t bytes = 0, qbytes = MSGMNB;
  int lspid = 0, lrpid = 0;
  uint64_t stime = 0, rtime = 0, ctime = 0;
};

// One namespace's objects, by slot (the ID's low 15 bits).
struct IpcState {
  std::map<int, ShmSegment> shm;
  std::map<int, SemSet> sem;
  std::map<int, MsgQueue> msg;
  uint16_t next_seq = 0;
  // Who sleeps in semop, msgsnd or msgrcv, on what: GETNCNT and GETZCNT
  // count them, and a retried call whose object was removed meanwhile
  // answers EIDRM (a fresh call with a stale ID: EINVAL).
  struct Sleeper {
    int host_pid, id, semnum = 0;
    bool for_zero = false;
  };
  std::vector<Sleeper> sleepers;
};

IpcState& state(IpcNamespace& ns);
constexpr int id_of(int slot, uint16_t seq) { return int(seq) * 32768 + slot; }
constexpr int slot_of(int id) { return id % 32768; }

// The calls, with their Linux arguments (user addresses in `p`'s memory);
// each returns a value or -errno. Blocking calls return SYSCALL_RESTART.
int32_t shmget(Kernel& k, Process& p, int32_t key, uint32_t size, uint32_t flags);
// shmat: the attach address in `addr_out`.
int32_t shmat(Kernel& k, Process& p, int32_t id, uint32_t addr, uint32_t flags, uint32_t& addr_out);
int32_t shmdt(Kernel& k, Process& p, uint32_t addr);
int32_t shmctl(Kernel& k, Process& p, int32_t id, uint32_t cmd, uint32_t buf);
int32_t semget(Kernel& k, Process& p, int32_t key, int32_t nsems, uint32_t flags);
int32_t semop(Kernel& k, Process& p, int32_t id, uint32_t sops, uint32_t nsops, uint32_t timeout);
int32_t semctl(Kernel& k, Process& p, int32_t id, int32_t semnum, uint32_t cmd, uint32_t arg);
int32_t msgget(Kernel& k, Process& p, int32_t key, uint32_t flags);
int32_t msgsnd(Kernel& k, Process& p, int32_t id, uint32_t msgp, uint32_t size, uint32_t flags);
int32_t msgrcv(Kernel& k, Process& p, int32_t id, uint32_t msgp, uint32_t size, int32_t type, uint32_t flags);
int32_t msgctl(Kernel& k, Process& p, int32_t id, uint32_t cmd, uint32_t buf);

// /proc/sysvipc/shm, sem and msg of namespace `ns`, PIDs as `viewer` sees them.
std::string proc_shm(Kernel& k, IpcNamespace& ns, const Process& viewer);
std::string proc_sem(Kernel& k, IpcNamespace& ns, const Process& viewer);
std::string proc_msg(Kernel& k, IpcNamespace& ns, const Process& viewer);

// --- shared by shm.cpp, sem.cpp, msg.cpp (util.cpp) -----------------------------
// May `p` access an object with `perm` for `want` (4 read, 2 write, 6 both)?
bool ipcperms(const Process& p, const IpcPerm& perm, uint32_t want);
// A new object's permission record: key, mode from `flags`, owner the caller.
IpcPerm new_perm(IpcState& st, const Process& p, int32_t key, uint32_t flags);
// The lowest free slot below `limit` in `objects`, or -1.
template <class Map>
int free_slot(const Map& objects, int limit) {
  for (int s = 0; s < limit; s++)
    if (!objects.count(s)) return s;
  return -1;
}
// Look an object up by ID: null if there is none or the ID is stale.
template <class Map>
auto* lookup(Map& objects, int32_t id) {
  auto it = id < 0 ? objects.end() : objects.find(slot_of(id));
  return it != objects.end() && id_of(it->first, it->second.perm.seq) == id ? &it->second : nullptr;
}
// Forget that `p` slept; true if it slept on `id` (its call is being retried).
bool take_sleeper(IpcState& st, const Process& p, int32_t id);
// The not-found answer: EIDRM for a retried call (removed while it slept), else EINVAL.
inline int32_t gone(bool retried) { return retried ? -LINUX_EIDRM : -linux_abi::LINUX_EINVAL; }
// struct ipc64_perm (36 bytes) as user space reads it; IDs in `p`'s user namespace.
void put_perm(const Process& p, const IpcPerm& perm, uint8_t* out);
// IPC_SET: uid, gid and the mode's low 9 bits from an ipc64_perm; EPERM unless owner or privileged.
int32_t set_perm(const Process& p, IpcPerm& perm, const uint8_t* in);
uint64_t seconds(const Kernel& k);
int pid_seen(const Kernel& k, int host_pid, const Process& viewer);

}  // namespace isolab::containers::ipc
