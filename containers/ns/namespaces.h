// Namespaces (namespaces(7)): what a process can see of the one shared
// kernel. Each kind wraps one global resource so that the processes inside
// see their own instance of it:
//   pid     process IDs (pid_namespaces(7)), nested: a PID at every level
//   uts     host name and domain name (uts_namespaces(7))
//   mnt     the mount table (mount_namespaces(7)): what is mounted where
//   ipc     System V IPC and POSIX message queues (ipc_namespaces(7)); an identity here
//   net     network devices, addresses, routes, sockets (network_namespaces(7))
//   user    user and group IDs (user_namespaces(7)): uid_map and gid_map
//   cgroup  the root of /proc/self/cgroup (cgroup_namespaces(7))
//   time    offsets of CLOCK_MONOTONIC and CLOCK_BOOTTIME (time_namespaces(7))
// A process points at one namespace of each kind (Namespaces, Linux's
// struct nsproxy) and shares them with its children unless clone(2) or
// unshare(2) is given a CLONE_NEW* flag; setns(2) joins the namespace an
// fd of /proc/<pid>/ns/<kind> names. Every namespace has an identity, the
// inode number /proc/<pid>/ns/<kind> shows ("pid:[4026531836]"); the
// host's initial ones are Linux's fixed numbers (include/linux/proc_ns.h).
// Behaviour per kind: ns/mnt.cpp, ns/user.cpp, ns/net.cpp, ns/time.cpp,
// ns/cgroup.cpp; creating, sharing and joining: ns/nsproxy.cpp.
// Lesson: "namespaces: what a container can see".
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "containers/net/net.h"
#include "containers/vfs/vfs.h"

namespace isolab::containers {

struct Process;
struct Cgroup;
class Kernel;

// Linux's fixed identities of the initial namespaces (include/linux/proc_ns.h).
constexpr uint32_t PROC_IPC_INIT_INO = 0xEFFFFFFFu, PROC_UTS_INIT_INO = 0xEFFFFFFEu,
                   PROC_USER_INIT_INO = 0xEFFFFFFDu, PROC_PID_INIT_INO = 0xEFFFFFFCu,
                   PROC_CGROUP_INIT_INO = 0xEFFFFFFBu, PROC_TIME_INIT_INO = 0xEFFFFFFAu;

// A PID namespace (pid_namespaces(7)). `level` 0 is the host's.
struct PidNamespace {
  std::shared_ptr<PidNamespace> parent;
  int level = 0;
  uint32_t id = 0;       // its inode number, as /proc/<pid>/ns/pid shows it
  int last_pid = 0;      // the last number handed out (alloc_pid counts up)
  Process* child_reaper = nullptr;  // PID 1 of this namespace, once it exists
  bool init_gone = false;  // its init exited: no process can enter any more (fork: ENOMEM)
  std::map<int, Process*> tasks;    // by PID in this namespace
};

// A UTS namespace (uts_namespaces(7)): the host name and domain name.
struct UtsNamespace {
  uint32_t id = 0;
  std::string hostname = "isolab";
  std::string domainname = "(none)";
};

// One mount (Linux's struct mount): a file system's root placed over a
// directory. The table lists them in mount order; a later mount on the
// same directory hides an earlier one, as on Linux.
struct Mount {
  uint32_t id = 0, parent_id = 0;  // mount IDs as /proc/self/mountinfo shows them
  vfs::InodePtr mountpoint;  // the directory mounted over (null for the root mount)
  vfs::InodePtr root;        // what is seen there
  std::string source;        // "proc", "tmpfs", "overlay", the bind source's path
  std::string fstype;        // "proc", "tmpfs", "cgroup2", "sysfs", "overlay"
  std::string target;        // the path where it is mounted, from the namespace's root
  std::string options;       // "rw,nosuid,nodev,noexec"
};

// A mount namespace (mount_namespaces(7)): its own copy of the mount table.
struct MntNamespace {
  uint32_t id = 0;
  std::vector<Mount> mounts;  // mounts[0] is the root mount ("/")
  uint32_t next_mount_id = 21;
};

// An IPC namespace (ipc_namespaces(7)): isolab has no System V IPC
// objects, so it is an identity that clone, unshare and setns manage.
namespace ipc {
struct IpcState;
}
// An IPC namespace: its own System V objects (containers/ipc/ipc.h), made
// at the first IPC call in it.
struct IpcNamespace {
  uint32_t id = 0;
  std::shared_ptr<ipc::IpcState> objects;
};

// A network namespace (network_namespaces(7)): its own devices, addresses,
// routes, neighbours and sockets (containers/net/net.h); a new one has
// only the loopback device `lo`, down. Its devices are removed with it
// (a veth pair goes as a whole, leaving the bridge it was a port of).
struct NetNamespace {
  uint32_t id = 0;
  Kernel* kernel = nullptr;  // for trace events and waking blocked sockets
  std::vector<std::unique_ptr<net::NetDevice>> devices;
  std::vector<net::Route> routes;
  std::vector<net::Neighbour> neighbours;
  net::SocketTable sockets;
  int next_ifindex = 1;
  NetNamespace() = default;
  NetNamespace(const NetNamespace&) = delete;
  NetNamespace& operator=(const NetNamespace&) = delete;
  ~NetNamespace();
};

// One line of uid_map or gid_map: IDs [first, first+count) inside map to
// [lower_first, lower_first+count) in the parent namespace.
struct IdExtent {
  uint32_t first = 0, lower_first = 0, count = 0;
};

// A user namespace (user_namespaces(7)). Processes carry kernel (host) IDs;
// what getuid() returns is that ID mapped into the caller's namespace,
// 65534 (the overflow ID) when it has no mapping there.
struct UserNamespace {
  std::shared_ptr<UserNamespace> parent;
  int level = 0;
  uint32_t id = 0;
  uint32_t owner = 0;  // the kernel uid of its creator
  std::vector<IdExtent> uid_map, gid_map;  // empty until written (once)
  bool uid_map_written = false, gid_map_written = false;
};

// A cgroup namespace (cgroup_namespaces(7)): the cgroup its creator was in
// becomes "/" in /proc/self/cgroup.
struct CgroupNamespace {
  uint32_t id = 0;
  Cgroup* root = nullptr;  // null: the hierarchy's root
};

// A time namespace (time_namespaces(7)): offsets added to CLOCK_MONOTONIC
// and CLOCK_BOOTTIME for its processes; written in /proc/<pid>/timens_offsets
// before the first process enters it.
struct TimeNamespace {
  uint32_t id = 0;
  int64_t monotonic_ns = 0, boottime_ns = 0;
  bool frozen = false;  // a process has entered: the offsets can no longer change
};

// The namespaces a process is in (Linux's struct nsproxy plus the task's
// user namespace). pid_for_children and time_for_children are where the
// process's next children go: unshare(CLONE_NEWPID) and
// unshare(CLONE_NEWTIME) change them, not the caller's own.
struct Namespaces {
  std::shared_ptr<UtsNamespace> uts;
  std::shared_ptr<PidNamespace> pid;  // the process's own PID namespace
  std::shared_ptr<PidNamespace> pid_for_children;  // null: the same as pid
  std::shared_ptr<MntNamespace> mnt;
  std::shared_ptr<IpcNamespace> ipc;
  std::shared_ptr<NetNamespace> net;
  std::shared_ptr<UserNamespace> user;
  std::shared_ptr<CgroupNamespace> cgroup;
  std::shared_ptr<TimeNamespace> time;
  std::shared_ptr<TimeNamespace> time_for_children;  // null: the same as time

  const std::shared_ptr<PidNamespace>& pid_children() const { return pid_for_children ? pid_for_children : pid; }
  const std::shared_ptr<TimeNamespace>& time_children() const { return time_for_children ? time_for_children : time; }
};

}  // namespace isolab::containers
