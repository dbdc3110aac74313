// System V IPC system calls: the i386 multiplexer ipc(2) (number 117,
// what glibc on i386 calls: ipc/syscall.c's sys_ipc) and the direct calls
// i386 has had since Linux 5.1 (393-402), both decoded here into the
// object code of containers/ipc/.
#include "containers/ipc/ipc.h"
#include "containers/linux_abi.h"
#include "containers/syscalls/syscalls.h"

namespace isolab::containers::syscalls {

using namespace linux_abi;

namespace {

// ipc(2)'s call numbers (include/uapi/linux/ipc.h).
enum : uint32_t { SEMOP = 1, SEMGET = 2, SEMCTL = 3, SEMTIMEDOP = 4, MSGSND = 11, MSGRCV = 12, MSGGET = 13,
                  MSGCTL = 14, SHMAT = 21, SHMDT = 22, SHMGET = 23, SHMCTL = 24 };

int32_t do_shmat(Kernel& k, Process& p, int32_t id, uint32_t addr, uint32_t flags, uint32_t raddr_va) {
  uint32_t at = 0;
  int32_t r = ipc::shmat(k, p, id, addr, flags, at);
  if (r < 0) return r;
  if (raddr_va) return put_user(p, raddr_va, at);
  return int32_t(at);
}

}  // namespace

// ipc(call, first, second, third, ptr, fifth).
int32_t sys_ipc(Kernel& k, Process& p, const Args& a) {
  const uint32_t call = a[0] & 0xFFFF, version = a[0] >> 16;
  const int32_t first = a.s(1);
  const uint32_t second = a[2], third = a[3], ptr = a[4], fifth = a[5];
  switch (call) {
    case SEMOP: return ipc::semop(k, p, first, ptr, second, 0);
    case SEMTIMEDOP: return ipc::semop(k, p, first, ptr, second, fifth);
    case SEMGET: return ipc::semget(k, p, first, int32_t(second), third);
    case SEMCTL: {
      // The union semun is passed by reference here.
      if (!ptr) return -LINUX_EINVAL;
      uint32_t arg;
      if (!p.mm->copy_in(ptr, &arg, 4)) return -LINUX_EFAULT;
      return ipc::semctl(k, p, first, int32_t(second), third, arg);
    }
    case MSGSND: return ipc::msgsnd(k, p, first, ptr, second, third);
    case MSGRCV: {
      if (version == 0) {
        // struct ipc_kludge { msgp, msgtyp }.
        uint32_t kludge[2];
        if (!ptr) return -LINUX_EINVAL;
        if (!p.mm->copy_in(ptr, kludge, sizeof kludge)) return -LINUX_EFAULT;
        return ipc::msgrcv(k, p, first, kludge[0], second, int32_t(kludge[1]), third);
      }
      return ipc::msgrcv(k, p, first, ptr, second, int32_t(fifth), third);
    }
    case MSGGET: return ipc::msgget(k, p, first, second);
    case MSGCTL: return ipc::msgctl(k, p, first, second, ptr);
    case SHMAT:
      if (version == 1) return -LINUX_EINVAL;  // the iBCS2 variant
      return do_shmat(k, p, first, ptr, second, third);
    case SHMDT: return ipc::shmdt(k, p, ptr);
    case SHMGET: return ipc::shmget(k, p, first, second, third);
    case SHMCTL: return ipc::shmctl(k, p, first, second, ptr);
    default: return -LINUX_ENOSYS;
  }
}

// The direct calls, in syscall_32.tbl's order.
int32_t sys_semget(Kernel& k, Process& p, const Args& a) { return ipc::semget(k, p, a.s(0), a.s(1), a[2]); }
int32_t sys_semctl(Kernel& k, Process& p, const Args& a) { return ipc::semctl(k, p, a.s(0), a.s(1), a[2], a[3]); }
int32_t sys_shmget(Kernel& k, Process& p, const Args& a) { return ipc::shmget(k, p, a.s(0), a[1], a[2]); }
int32_t sys_shmctl(Kernel& k, Process& p, const Args& a) { return ipc::shmctl(k, p, a.s(0), a[1], a[2]); }
int32_t sys_shmat(Kernel& k, Process& p, const Args& a) { return do_shmat(k, p, a.s(0), a[1], a[2], 0); }
int32_t sys_shmdt(Kernel& k, Process& p, const Args& a) { return ipc::shmdt(k, p, a[0]); }
int32_t sys_msgget(Kernel& k, Process& p, const Args& a) { return ipc::msgget(k, p, a.s(0), a[1]); }
int32_t sys_msgsnd(Kernel& k, Process& p, const Args& a) { return ipc::msgsnd(k, p, a.s(0), a[1], a[2], a[3]); }
int32_t sys_msgrcv(Kernel& k, Process& p, const Args& a) { return ipc::msgrcv(k, p, a.s(0), a[1], a[2], a.s(3), a[4]); }
int32_t sys_msgctl(Kernel& k, Process& p, const Args& a) { return ipc::msgctl(k, p, a.s(0), a[1], a[2]); }
int32_t sys_semtimedop_time64(Kernel& k, Process& p, const Args& a) { return ipc::semop(k, p, a.s(0), a[1], a[2], a[3]); }

}  // namespace isolab::containers::syscalls
