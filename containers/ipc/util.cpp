// System V IPC's common rules: IDs, permissions, the ipc64_perm layout
// (ipc/util.c, ipc.h).
#include <cstring>

#include "containers/ipc/ipc.h"
#include "containers/kernel.h"
#include "containers/linux_abi.h"
#include "containers/ns/nsproxy.h"

namespace isolab::containers::ipc {

using namespace linux_abi;

IpcState& state(IpcNamespace& ns) {
  if (!ns.objects) ns.objects = std::make_shared<IpcState>();
  return *ns.objects;
}

bool ipcperms(const Process& p, const IpcPerm& perm, uint32_t want) {
  if (ns::capable(p)) return true;
  uint32_t granted = perm.mode;
  if (p.uid == perm.uid || p.uid == perm.cuid) granted >>= 6;
  else if (p.gid == perm.gid || p.gid == perm.cgid) granted >>= 3;
  return (want & ~granted & 7) == 0;
}

IpcPerm new_perm(IpcState& st, const Process& p, int32_t key, uint32_t flags) {
  IpcPerm perm;
  perm.key = key;
  perm.uid = perm.cuid = p.uid;
  perm.gid = perm.cgid = p.gid;
  perm.mode = flags & 0777;
  perm.seq = st.next_seq++;
  if (st.next_seq >= 0xFFFF / 2) st.next_seq = 0;  // IDs stay positive ints
  return perm;
}

bool take_sleeper(IpcState& st, const Process& p, int32_t id) {
  bool slept = false;
  std::erase_if(st.sleepers, [&](const IpcState::Sleeper& w) {
    if (w.host_pid != p.host_pid()) return false;
    slept |= w.id == id;
    return true;
  });
  return slept;
}

void put_perm(const Process& p, const IpcPerm& perm, uint8_t* out) {
  uint32_t w[9] = {uint32_t(perm.key),
                   ns::from_kuid(*p.ns.user, perm.uid),
                   ns::from_kuid(*p.ns.user, perm.gid, true),
                   ns::from_kuid(*p.ns.user, perm.cuid),
                   ns::from_kuid(*p.ns.user, perm.cgid, true),
                   perm.mode & 0xFFFF,  // mode (unsigned short on i386) and padding
                   perm.seq,            // seq and padding
                   0, 0};
  std::memcpy(out, w, sizeof w);
}

int32_t set_perm(const Process& p, IpcPerm& perm, const uint8_t* in) {
  uint32_t w[9];
  std::memcpy(w, in, sizeof w);
  if (!ns::capable(p) && p.uid != perm.uid && p.uid != perm.cuid) return -LINUX_EPERM;
  uint32_t uid = ns::make_kuid(*p.ns.user, w[1]), gid = ns::make_kuid(*p.ns.user, w[2], true);
  if (uid == UINT32_MAX || gid == UINT32_MAX) return -LINUX_EINVAL;
  perm.uid = uid;
  perm.gid = gid;
  perm.mode = (perm.mode & ~0777u) | (w[5] & 0777);
  return 0;
}

uint64_t seconds(const Kernel& k) { return 1704067200ull + k.now_ns() / 1000000000ull; }  // the realtime clock's epoch

int pid_seen(const Kernel& k, int host_pid, const Process& viewer) {
  const Process* q = k.find_host_pid(host_pid);
  return q ? q->pid_in(*viewer.ns.pid) : 0;
}

}  // namespace isolab::containers::ipc
