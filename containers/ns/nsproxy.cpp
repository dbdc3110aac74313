// Creating, sharing and joining namespaces: clone(2)'s CLONE_NEW* flags
// (kernel/nsproxy.c copy_namespaces()), unshare(2) (kernel/fork.c
// ksys_unshare()) and setns(2) (kernel/nsproxy.c). See nsproxy.h.
#include "containers/ns/nsproxy.h"

#include <string_view>

#include "containers/kernel.h"
#include "containers/linux_abi.h"

namespace isolab::containers::ns {

using namespace linux_abi;

const NsKind kKinds[10] = {
    {"cgroup", "cgroup", LINUX_CLONE_NEWCGROUP},
    {"ipc", "ipc", LINUX_CLONE_NEWIPC},
    {"mnt", "mnt", LINUX_CLONE_NEWNS},
    {"net", "net", LINUX_CLONE_NEWNET},
    {"pid", "pid", LINUX_CLONE_NEWPID},
    {"pid_for_children", "pid", LINUX_CLONE_NEWPID},
    {"time", "time", LINUX_CLONE_NEWTIME},
    {"time_for_children", "time", LINUX_CLONE_NEWTIME},
    {"user", "user", LINUX_CLONE_NEWUSER},
    {"uts", "uts", LINUX_CLONE_NEWUTS},
};

namespace {

constexpr uint32_t ALL_NEW = LINUX_CLONE_NEWNS | LINUX_CLONE_NEWCGROUP | LINUX_CLONE_NEWUTS | LINUX_CLONE_NEWIPC |
                             LINUX_CLONE_NEWUSER | LINUX_CLONE_NEWPID | LINUX_CLONE_NEWNET | LINUX_CLONE_NEWTIME;
constexpr int MAX_PID_NS_LEVEL = 32, MAX_USER_NS_LEVEL = 32;

std::shared_ptr<PidNamespace> new_pid_ns(Kernel& k, const std::shared_ptr<PidNamespace>& parent) {
  auto n = std::make_shared<PidNamespace>();
  n->parent = parent;
  n->level = parent->level + 1;
  n->id = k.alloc_ns_id();
  return n;
}

template <class T>
std::shared_ptr<T> copy_of(Kernel& k, const std::shared_ptr<T>& from) {
  auto n = std::make_shared<T>(*from);
  n->id = k.alloc_ns_id();
  return n;
}

std::shared_ptr<MntNamespace> copy_mnt(Kernel& k, const std::shared_ptr<MntNamespace>& from) {
  return copy_of(k, from);  // the same mounts, over the same directories: copy_mnt_ns()
}

std::shared_ptr<IpcNamespace> new_ipc(Kernel& k) {
  auto n = std::make_shared<IpcNamespace>();
  n->id = k.alloc_ns_id();
  return n;
}

std::shared_ptr<CgroupNamespace> new_cgroup_ns(Kernel& k, Cgroup* root) {
  auto n = std::make_shared<CgroupNamespace>();
  n->id = k.alloc_ns_id();
  n->root = root;
  return n;
}

std::shared_ptr<TimeNamespace> new_time_ns(Kernel& k, const TimeNamespace& from) {
  auto n = std::make_shared<TimeNamespace>();
  n->id = k.alloc_ns_id();
  n->monotonic_ns = from.monotonic_ns;  // a new time namespace starts with its creator's offsets
  n->boottime_ns = from.boottime_ns;
  return n;
}

// The flag names of a CLONE_NEW* mask, for trace events (static strings).
const char* describe(uint32_t flags) {
  if (flags == LINUX_CLONE_NEWPID) return "CLONE_NEWPID";
  if (flags == LINUX_CLONE_NEWNS) return "CLONE_NEWNS";
  if (flags == LINUX_CLONE_NEWUTS) return "CLONE_NEWUTS";
  if (flags == LINUX_CLONE_NEWIPC) return "CLONE_NEWIPC";
  if (flags == LINUX_CLONE_NEWNET) return "CLONE_NEWNET";
  if (flags == LINUX_CLONE_NEWUSER) return "CLONE_NEWUSER";
  if (flags == LINUX_CLONE_NEWCGROUP) return "CLONE_NEWCGROUP";
  if (flags == LINUX_CLONE_NEWTIME) return "CLONE_NEWTIME";
  return "CLONE_NEW*";
}

// Make the new namespaces `flags` asks for in `ns`, the state of a process
// that has (or will have, for a child) user namespace `ns.user`.
// `for_child`: CLONE_NEWPID makes the child's own PID namespace, rather
// than pid_for_children (unshare).
int32_t make_new(Kernel& k, const Process& p, Namespaces& ns, uint32_t flags, bool for_child) {
  if (flags & LINUX_CLONE_NEWUSER) {
    if (ns.user->level >= MAX_USER_NS_LEVEL) return -LINUX_EUSERS;
    ns.user = new_user_ns(k, ns.user, p.uid);
  }
  if (flags & LINUX_CLONE_NEWPID) {
    const auto& base = ns.pid_children();
    if (base->level >= MAX_PID_NS_LEVEL) return -LINUX_ENOSPC;
    auto pid = new_pid_ns(k, base);
    if (for_child) {
      ns.pid = pid;
      ns.pid_for_children = nullptr;
    } else {
      ns.pid_for_children = pid;
    }
  }
  if (flags & LINUX_CLONE_NEWNS) ns.mnt = copy_mnt(k, ns.mnt);
  if (flags & LINUX_CLONE_NEWUTS) ns.uts = copy_of(k, ns.uts);
  if (flags & LINUX_CLONE_NEWIPC) ns.ipc = new_ipc(k);
  if (flags & LINUX_CLONE_NEWNET) ns.net = new_net_ns(k);
  if (flags & LINUX_CLONE_NEWCGROUP) ns.cgroup = new_cgroup_ns(k, p.cgroup);
  if (flags & LINUX_CLONE_NEWTIME) ns.time_for_children = new_time_ns(k, *ns.time_children());
  for (const NsKind& kind : kKinds)
    if ((flags & kind.flag) && std::string_view(kind.name) == kind.kind)  // once per kind, not again for *_for_children
      k.record(trace::Kind::Namespace, &p, describe(kind.flag), identity_of_flag(ns, kind.flag));
  return 0;
}

}  // namespace

uint32_t identity_of_flag(const Namespaces& ns, uint32_t flag) {
  switch (flag) {
    case LINUX_CLONE_NEWCGROUP: return ns.cgroup ? ns.cgroup->id : 0;
    case LINUX_CLONE_NEWIPC: return ns.ipc ? ns.ipc->id : 0;
    case LINUX_CLONE_NEWNS: return ns.mnt ? ns.mnt->id : 0;
    case LINUX_CLONE_NEWNET: return ns.net ? ns.net->id : 0;
    case LINUX_CLONE_NEWPID: return ns.pid_children() ? ns.pid_children()->id : 0;
    case LINUX_CLONE_NEWTIME: return ns.time_children() ? ns.time_children()->id : 0;
    case LINUX_CLONE_NEWUSER: return ns.user ? ns.user->id : 0;
    case LINUX_CLONE_NEWUTS: return ns.uts ? ns.uts->id : 0;
    default: return 0;
  }
}

const NsKind* find_kind(const std::string& name) {
  for (const NsKind& k : kKinds)
    if (name == k.name) return &k;
  return nullptr;
}

uint32_t identity(const Process& q, const std::string& name) {
  if (name == "pid") return q.ns.pid ? q.ns.pid->id : 0;
  if (name == "time") return q.ns.time ? q.ns.time->id : 0;
  const NsKind* kind = find_kind(name);
  return kind ? identity_of_flag(q.ns, kind->flag) : 0;
}

Namespaces host_namespaces(Kernel& k, const std::string& hostname) {
  Namespaces ns;
  ns.pid = std::make_shared<PidNamespace>();
  ns.pid->id = PROC_PID_INIT_INO;
  ns.uts = std::make_shared<UtsNamespace>();
  ns.uts->id = PROC_UTS_INIT_INO;
  ns.uts->hostname = hostname;
  ns.ipc = std::make_shared<IpcNamespace>();
  ns.ipc->id = PROC_IPC_INIT_INO;
  ns.user = std::make_shared<UserNamespace>();
  ns.user->id = PROC_USER_INIT_INO;
  ns.user->uid_map = ns.user->gid_map = {IdExtent{0, 0, 4294967295u}};
  ns.user->uid_map_written = ns.user->gid_map_written = true;
  ns.cgroup = std::make_shared<CgroupNamespace>();
  ns.cgroup->id = PROC_CGROUP_INIT_INO;
  ns.time = std::make_shared<TimeNamespace>();
  ns.time->id = PROC_TIME_INIT_INO;
  ns.time->frozen = true;
  // The initial mount and network namespaces get dynamic numbers on Linux too.
  ns.mnt = std::make_shared<MntNamespace>();
  ns.mnt->id = k.alloc_ns_id();
  // The host's root mount; host processes bring their own trees (Kernel::spawn).
  Mount root;
  root.id = root.parent_id = ns.mnt->next_mount_id++;
  root.source = root.fstype = "rootfs";
  root.target = "/";
  root.options = "rw";
  ns.mnt->mounts.push_back(root);
  ns.net = new_net_ns(k);
  return ns;
}

uint32_t container_clone_flags(bool user_ns, bool time_ns) {
  uint32_t f = LINUX_CLONE_NEWPID | LINUX_CLONE_NEWNS | LINUX_CLONE_NEWUTS | LINUX_CLONE_NEWIPC | LINUX_CLONE_NEWNET |
               LINUX_CLONE_NEWCGROUP;
  if (user_ns) f |= LINUX_CLONE_NEWUSER;
  if (time_ns) f |= LINUX_CLONE_NEWTIME;
  return f;
}

void create_container_namespaces(Kernel& k, Process& p, const Namespaces& host, uint32_t flags,
                                 const vfs::InodePtr& root, Cgroup* cgroup, const std::string& hostname) {
  p.ns = host;
  p.cgroup = cgroup;  // CLONE_NEWCGROUP roots the namespace at the container's cgroup
  make_new(k, p, p.ns, flags & ~LINUX_CLONE_NEWNS, true);
  p.cgroup = nullptr;  // the caller charges and enters the cgroup (cgroup_post_fork)
  if (flags & LINUX_CLONE_NEWNS) {
    p.ns.mnt = container_mnt_ns(k, root);
    k.record(trace::Kind::Namespace, &p, "CLONE_NEWNS", p.ns.mnt->id);
  }
  if ((flags & LINUX_CLONE_NEWUTS) && !hostname.empty()) p.ns.uts->hostname = hostname;
  if (flags & LINUX_CLONE_NEWTIME) {
    p.ns.time = p.ns.time_for_children;
    p.ns.time_for_children = nullptr;
    p.ns.time->frozen = true;
  }
  if (flags & LINUX_CLONE_NEWUSER) {
    // Root in the container is an unprivileged uid on the host, as with
    // `dockerd --userns-remap` or rootless containers.
    p.ns.user->uid_map = p.ns.user->gid_map = {IdExtent{0, CONTAINER_UID_BASE, CONTAINER_UID_COUNT}};
    p.ns.user->uid_map_written = p.ns.user->gid_map_written = true;
    p.ns.user->owner = CONTAINER_UID_BASE;
    p.uid = p.gid = CONTAINER_UID_BASE;
  }
}

int32_t copy_namespaces(Kernel& k, const Process& parent, Namespaces& child, uint32_t flags) {
  child = parent.ns;
  // The child lives in the parent's pid_for_children and time_for_children.
  child.pid = parent.ns.pid_children();
  child.pid_for_children = nullptr;
  child.time = parent.ns.time_children();
  child.time_for_children = nullptr;
  flags &= ALL_NEW & ~LINUX_CLONE_NEWTIME;  // clone()'s 0x80 is the exit signal
  if (!flags) {
    if (child.pid->init_gone) return -LINUX_ENOMEM;  // PIDNS_ADDING is off: alloc_pid() fails
    child.time->frozen = true;
    return 0;
  }
  if ((flags & (LINUX_CLONE_NEWPID | LINUX_CLONE_NEWUSER)) && (flags & LINUX_CLONE_THREAD)) return -LINUX_EINVAL;
  if ((flags & LINUX_CLONE_NEWNS) && (flags & LINUX_CLONE_FS)) return -LINUX_EINVAL;
  // CAP_SYS_ADMIN is needed for every kind but user; a new user namespace
  // gives its creator every capability in it.
  if ((flags & ~LINUX_CLONE_NEWUSER) && !(flags & LINUX_CLONE_NEWUSER) && !capable(parent)) return -LINUX_EPERM;
  if (!(flags & LINUX_CLONE_NEWPID) && child.pid->init_gone) return -LINUX_ENOMEM;
  int32_t r = make_new(k, parent, child, flags, true);
  child.time->frozen = true;
  return r;
}

int32_t unshare(Kernel& k, Process& p, uint32_t flags) {
  constexpr uint32_t ALLOWED = ALL_NEW | LINUX_CLONE_FS | LINUX_CLONE_FILES | LINUX_CLONE_SYSVSEM |
                               LINUX_CLONE_THREAD | LINUX_CLONE_SIGHAND | LINUX_CLONE_VM;
  if (flags & ~ALLOWED) return -LINUX_EINVAL;
  uint32_t new_flags = flags & ALL_NEW;
  if (!new_flags) return 0;
  // A second unshare(CLONE_NEWPID) before pid_for_children is used (copy_pid_ns()).
  if ((flags & LINUX_CLONE_NEWPID) && p.ns.pid_for_children && p.ns.pid_for_children != p.ns.pid) return -LINUX_EINVAL;
  if ((new_flags & ~LINUX_CLONE_NEWUSER) && !(new_flags & LINUX_CLONE_NEWUSER) && !capable(p)) return -LINUX_EPERM;
  Namespaces next = p.ns;
  int32_t r = make_new(k, p, next, new_flags, false);
  if (r < 0) return r;
  p.ns = std::move(next);
  if (new_flags & LINUX_CLONE_NEWUSER) {
    // Until uid_map is written the caller's IDs show as 65534 inside.
    p.ns.user->owner = p.uid;
  }
  return 0;
}

vfs::InodePtr nsfs_inode(const std::string& kind, uint32_t id, std::shared_ptr<void> object) {
  std::string text = kind + ":[" + std::to_string(id) + "]";
  auto i = vfs::make_file(std::make_shared<vfs::Bytes>(text.begin(), text.end()), 0444);
  i->ino = id;
  i->object = std::move(object);
  return i;
}

std::shared_ptr<void> ns_object(const Process& q, const std::string& name) {
  const Namespaces& n = q.ns;
  if (name == "cgroup") return n.cgroup;
  if (name == "ipc") return n.ipc;
  if (name == "mnt") return n.mnt;
  if (name == "net") return n.net;
  if (name == "pid") return n.pid;
  if (name == "pid_for_children") return n.pid_children();
  if (name == "time") return n.time;
  if (name == "time_for_children") return n.time_children();
  if (name == "user") return n.user;
  if (name == "uts") return n.uts;
  return nullptr;
}

namespace {

// An open nsfs file's kind flag and namespace; false for any other file.
bool parse_nsfs(const vfs::OpenFile& f, uint32_t& flag, std::shared_ptr<void>& object) {
  if (!f.inode || f.inode->type != vfs::InodeType::File || !f.inode->object) return false;
  std::string text(f.inode->data->begin(), f.inode->data->end());
  size_t open = text.find(":[");
  if (open == std::string::npos) return false;
  const NsKind* kind = find_kind(text.substr(0, open));
  if (!kind) return false;
  flag = kind->flag;
  object = f.inode->object;
  return true;
}

template <class T>
void join(std::shared_ptr<T>& mine, const std::shared_ptr<void>& found) {
  mine = std::static_pointer_cast<T>(found);
}

}  // namespace

int32_t setns(Kernel& k, Process& p, int32_t fd, uint32_t nstype) {
  vfs::OpenFile* f = p.file(fd);
  if (!f) return -LINUX_EBADF;
  uint32_t flag = 0;
  std::shared_ptr<void> object;
  if (!parse_nsfs(*f, flag, object)) return -LINUX_EINVAL;
  if (nstype && nstype != flag) return -LINUX_EINVAL;
  uint32_t id = f->inode->ino;
  if (flag == LINUX_CLONE_NEWUSER) {
    auto user = std::static_pointer_cast<UserNamespace>(object);
    if (user == p.ns.user) return -LINUX_EINVAL;  // joining its own user namespace
    if (!capable(p) && user->owner != p.uid) return -LINUX_EPERM;
    p.ns.user = user;
  } else {
    if (!capable(p)) return -LINUX_EPERM;
    switch (flag) {
      case LINUX_CLONE_NEWPID: {
        auto pid = std::static_pointer_cast<PidNamespace>(object);
        // Only the caller's own PID namespace or one below it.
        if (!pid_ns_within(*pid, *p.ns.pid)) return -LINUX_EINVAL;
        p.ns.pid_for_children = pid;
        break;
      }
      case LINUX_CLONE_NEWNS: {
        auto mnt = std::static_pointer_cast<MntNamespace>(object);
        if (mnt->mounts.empty() || !mnt->mounts[0].root) return -LINUX_EINVAL;  // the host's: no tree to enter
        p.ns.mnt = mnt;
        p.root = mnt->mounts[0].root;  // setns to a mount namespace moves to its root (mntns_install())
        p.cwd = vfs::Location{};
        p.cwd.inode = p.root;
        p.cwd.stack = {{"", p.root}};
        break;
      }
      case LINUX_CLONE_NEWUTS: join(p.ns.uts, object); break;
      case LINUX_CLONE_NEWIPC: join(p.ns.ipc, object); break;
      case LINUX_CLONE_NEWNET: join(p.ns.net, object); break;
      case LINUX_CLONE_NEWCGROUP: join(p.ns.cgroup, object); break;
      case LINUX_CLONE_NEWTIME: {
        auto t = std::static_pointer_cast<TimeNamespace>(object);
        p.ns.time = p.ns.time_for_children = t;
        t->frozen = true;
        break;
      }
    }
  }
  k.record(trace::Kind::Namespace, &p, "setns", id);
  return 0;
}

}  // namespace isolab::containers::ns
