// System V message queues (msgget(2), msgsnd(2), msgrcv(2), msgctl(2);
// ipc/msg.c): typed messages kept in order. msgsnd sleeps while the queue
// is full (msg_qbytes), msgrcv while no message matches (type 0: the
// first; > 0: the first of that type, or of any other with MSG_EXCEPT;
// < 0: the lowest type up to |type|), unless IPC_NOWAIT (EAGAIN, ENOMSG).
// Lesson: "namespaces: what ipcs sees".
#include <cstring>

#include "containers/ipc/ipc.h"
#include "containers/kernel.h"
#include "containers/linux_abi.h"
#include "containers/ns/nsproxy.h"

namespace isolab::containers::ipc {

using namespace linux_abi;

namespace {

// struct msqid64_ds on i386 (88 bytes).
void put_msqid64(const Kernel& k, const Process& p, const MsgQueue& q, uint8_t* out) {
  std::memset(out, 0, 88);
  put_perm(p, q.perm, out);
  uint32_t w[11] = {uint32_t(q.stime), 0, uint32_t(q.rtime), 0, uint32_t(q.ctime), 0, q.bytes,
                    uint32_t(q.messages.size()), q.qbytes, uint32_t(pid_seen(k, q.lspid, p)),
                    uint32_t(pid_seen(k, q.lrpid, p))};
  std::memcpy(out + 36, w, sizeof w);
}

// The message msgrcv(type, flags) takes, or end().
std::deque<Message>::iterator match(MsgQueue& q, int32_t type, uint32_t flags) {
  if (type == 0) return q.messages.begin();
  if (type > 0) {
    for (auto it = q.messages.begin(); it != q.messages.end(); ++it)
      if ((it->type == type) != bool(flags & MSG_EXCEPT)) return it;
    return q.messages.end();
  }
  auto best = q.messages.end();
  for (auto it = q.messages.begin(); it != q.messages.end(); ++it)
    if (it->type <= -type && (best == q.messages.end() || it->type < best->type)) best = it;
  return best;
}

}  // namespace

int32_t msgget(Kernel& k, Process& p, int32_t key, uint32_t flags) {
  IpcState& st = state(*p.ns.ipc);
  if (key != IPC_PRIVATE) {
    for (auto& [slot, q] : st.msg) {
      if (q.perm.key != key) continue;
      if ((flags & IPC_CREAT) && (flags & IPC_EXCL)) return -LINUX_EEXIST;
      if (!ipcperms(p, q.perm, (flags >> 6) & 7)) return -LINUX_EACCES;
      return id_of(slot, q.perm.seq);
    }
    if (!(flags & IPC_CREAT)) return -LINUX_ENOENT;
  }
  int slot = free_slot(st.msg, int(MSGMNI));
  if (slot < 0) return -LINUX_ENOSPC;
  MsgQueue q;
  q.perm = new_perm(st, p, key, flags);
  q.ctime = seconds(k);
  int id = id_of(slot, q.perm.seq);
  st.msg[slot] = std::move(q);
  k.record(trace::Kind::Namespace, &p, "msgget", uint32_t(id));
  return id;
}

int32_t msgsnd(Kernel& k, Process& p, int32_t id, uint32_t msgp, uint32_t size, uint32_t flags) {
  IpcState& st = state(*p.ns.ipc);
  bool retried = take_sleeper(st, p, id);
  if (int32_t(size) < 0 || size > MSGMAX) return -LINUX_EINVAL;
  MsgQueue* q = lookup(st.msg, id);
  if (!q) return gone(retried);
  int32_t type;
  if (!p.mm->copy_in(msgp, &type, 4)) return -LINUX_EFAULT;
  if (type < 1) return -LINUX_EINVAL;
  if (!ipcperms(p, q->perm, 2)) return -LINUX_EACCES;
  Message m;
  m.type = type;
  m.text.resize(size);
  if (size && !p.mm->copy_in(msgp + 4, m.text.data(), size)) return -LINUX_EFAULT;
  if (q->bytes + size > q->qbytes || q->messages.size() + 1 > q->qbytes) {
    if (flags & IPC_NOWAIT) return -LINUX_EAGAIN;
    st.sleepers.push_back({p.host_pid(), id});
    return SYSCALL_RESTART;  // until a receiver makes room
  }
  q->bytes += size;
  q->messages.push_back(std::move(m));
  q->lspid = p.host_pid();
  q->stime = seconds(k);
  k.wake_blocked();
  return 0;
}

int32_t msgrcv(Kernel& k, Process& p, int32_t id, uint32_t msgp, uint32_t size, int32_t type, uint32_t flags) {
  IpcState& st = state(*p.ns.ipc);
  bool retried = take_sleeper(st, p, id);
  if (int32_t(size) < 0) return -LINUX_EINVAL;
  MsgQueue* q = lookup(st.msg, id);
  if (!q) return gone(retried);
  if (!ipcperms(p, q->perm, 4)) return -LINUX_EACCES;
  auto it = match(*q, type, flags);
  if (it == q->messages.end()) {
    if (flags & IPC_NOWAIT) return -LINUX_ENOMSG;
    st.sleepers.push_back({p.host_pid(), id});
    return SYSCALL_RESTART;  // until a sender brings one
  }
  if (it->text.size() > size && !(flags & MSG_NOERROR)) return -LINUX_E2BIG;
  uint32_t n = std::min<uint32_t>(size, uint32_t(it->text.size()));
  if (!p.mm->copy_out(msgp, &it->type, 4) || (n && !p.mm->copy_out(msgp + 4, it->text.data(), n))) return -LINUX_EFAULT;
  q->bytes -= uint32_t(it->text.size());
  q->messages.erase(it);
  q->lrpid = p.host_pid();
  q->rtime = seconds(k);
  k.wake_blocked();
  return int32_t(n);
}

int32_t msgctl(Kernel& k, Process& p, int32_t id, uint32_t cmd, uint32_t buf) {
  IpcState& st = state(*p.ns.ipc);
  bool ipc64 = cmd & IPC_64;
  cmd &= ~IPC_64;
  switch (cmd) {
    case IPC_INFO:
    case MSG_INFO: {
      uint32_t queued = 0, bytes = 0;
      for (auto& [slot, q] : st.msg) queued += uint32_t(q.messages.size()), bytes += q.bytes;
      // struct msginfo: msgpool msgmap msgmax msgmnb msgmni msgssz msgtql msgseg (unsigned short)
      int32_t info[8] = {int32_t(MSGMNI * MSGMNB / 1024), int32_t(MSGMNB), int32_t(MSGMAX), int32_t(MSGMNB),
                         int32_t(MSGMNI), 16, int32_t(MSGMNB), 0xFFFF};
      if (cmd == MSG_INFO) {
        info[0] = int32_t(st.msg.size());  // queues in use
        info[1] = int32_t(queued);         // messages
        info[6] = int32_t(bytes);          // bytes
      }
      if (!p.mm->copy_out(buf, info, 30)) return -LINUX_EFAULT;
      return st.msg.empty() ? 0 : st.msg.rbegin()->first;
    }
    case MSG_STAT:
    case MSG_STAT_ANY: {
      auto it = st.msg.find(id);
      if (id < 0 || it == st.msg.end()) return -LINUX_EINVAL;
      if (cmd == MSG_STAT && !ipcperms(p, it->second.perm, 4)) return -LINUX_EACCES;
      if (!ipc64) return -LINUX_EINVAL;
      uint8_t out[88];
      put_msqid64(k, p, it->second, out);
      if (!p.mm->copy_out(buf, out, sizeof out)) return -LINUX_EFAULT;
      return id_of(id, it->second.perm.seq);
    }
    default: break;
  }
  MsgQueue* q = lookup(st.msg, id);
  if (!q) return -LINUX_EINVAL;
  switch (cmd) {
    case IPC_STAT: {
      if (!ipcperms(p, q->perm, 4)) return -LINUX_EACCES;
      if (!ipc64) return -LINUX_EINVAL;
      uint8_t out[88];
      put_msqid64(k, p, *q, out);
      return p.mm->copy_out(buf, out, sizeof out) ? 0 : -LINUX_EFAULT;
    }
    case IPC_SET: {
      if (!ipc64) return -LINUX_EINVAL;
      uint8_t in[88];
      if (!p.mm->copy_in(buf, in, sizeof in)) return -LINUX_EFAULT;
      uint32_t qbytes;
      std::memcpy(&qbytes, in + 36 + 32, 4);
      if (qbytes > MSGMNB && !ns::capable(p)) return -LINUX_EPERM;
      if (int32_t r = set_perm(p, q->perm, in)) return r;
      q->qbytes = qbytes;
      q->ctime = seconds(k);
      k.wake_blocked();
      return 0;
    }
    case IPC_RMID:
      if (!ns::capable(p) && p.uid != q->perm.uid && p.uid != q->perm.cuid) return -LINUX_EPERM;
      k.record(trace::Kind::Namespace, &p, "msg IPC_RMID", uint32_t(id));
      st.msg.erase(slot_of(id));
      k.wake_blocked();  // sleepers on it see EIDRM
      return 0;
    default:
      return -LINUX_EINVAL;
  }
}

std::string proc_msg(Kernel& k, IpcNamespace& ns, const Process& viewer) {
  IpcState& st = state(ns);
  std::string out =
      "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n";
  for (auto& [slot, q] : st.msg) {
    char line[200];
    std::snprintf(line, sizeof line, "%10d %10d  %4o  %10u %10zu %5d %5d %5u %5u %5u %5u %10llu %10llu %10llu\n",
                  q.perm.key, id_of(slot, q.perm.seq), q.perm.mode & 0777, q.bytes, q.messages.size(),
                  pid_seen(k, q.lspid, viewer), pid_seen(k, q.lrpid, viewer), q.perm.uid, q.perm.gid, q.perm.cuid,
                  q.perm.cgid, (unsigned long long)q.stime, (unsigned long long)q.rtime, (unsigned long long)q.ctime);
    out += line;
  }
  return out;
}

}  // namespace isolab::containers::ipc
