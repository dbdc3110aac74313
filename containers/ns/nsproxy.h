// The namespace operations of the container kernel (namespaces(7),
// clone(2), unshare(2), setns(2)) and what each kind adds to procfs and
// the system calls. The structures are in namespaces.h; each kind's
// behaviour in its own file (mnt.cpp, user.cpp, net.cpp, time.cpp,
// cgroup.cpp), creation, sharing and joining in nsproxy.cpp.
// Lesson: "namespaces: what a container can see".
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "containers/process.h"

namespace isolab::containers {
class Kernel;
}

namespace isolab::containers::ns {

// The entries of /proc/<pid>/ns, with the CLONE_NEW* flag of their kind,
// in the order Linux lists them.
struct NsKind {
  const char* name;   // the file in /proc/<pid>/ns
  const char* kind;   // what its link says: "pid" for pid_for_children
  uint32_t flag;      // CLONE_NEW*
};
extern const NsKind kKinds[10];
const NsKind* find_kind(const std::string& name);
// The identity of the namespace of kind `flag` in `ns` (for CLONE_NEWPID
// and CLONE_NEWTIME: where children go); 0 if none.
uint32_t identity_of_flag(const Namespaces& ns, uint32_t flag);

// The identity (inode number) of `q`'s namespace behind /proc/<pid>/ns/`name`; 0 if none.
uint32_t identity(const Process& q, const std::string& name);

// The host's initial namespaces, with Linux's initial identities.
Namespaces host_namespaces(Kernel& k, const std::string& hostname);

// The namespaces runc gives a container by default (pid, mnt, uts, ipc,
// net, cgroup), plus user and time when asked (`docker run --userns`).
uint32_t container_clone_flags(bool user_ns, bool time_ns);

// Make the namespaces of a new container init `p` (not yet in any PID
// namespace; the caller allocates its PIDs in p.ns.pid): CLONE_NEW* in
// `flags` from the host's `host`. `root` is its file tree, `cgroup` its
// cgroup, `hostname` its UTS name. With CLONE_NEWUSER the init's root
// maps to the unprivileged host uid and gid CONTAINER_UID_BASE.
constexpr uint32_t CONTAINER_UID_BASE = 100000, CONTAINER_UID_COUNT = 65536;
void create_container_namespaces(Kernel& k, Process& p, const Namespaces& host, uint32_t flags,
                                 const vfs::InodePtr& root, Cgroup* cgroup, const std::string& hostname);

// clone(2): the child's namespaces from the parent's and `flags`
// (CLONE_NEWTIME is not a clone() flag). 0 or -errno: EINVAL for
// CLONE_NEWPID or CLONE_NEWUSER with CLONE_THREAD, CLONE_NEWNS with
// CLONE_FS; EPERM without CAP_SYS_ADMIN; ENOMEM when the PID namespace's
// init has exited; EUSERS past 32 nested user namespaces.
int32_t copy_namespaces(Kernel& k, const Process& parent, Namespaces& child, uint32_t flags);
// unshare(2). 0 or -errno (EINVAL for unknown flags or a second
// CLONE_NEWPID before a child entered the first; EPERM).
int32_t unshare(Kernel& k, Process& p, uint32_t flags);
// setns(2): join the namespace that `fd` (an open /proc/<pid>/ns/<kind>)
// names. 0 or -errno: EBADF, EINVAL (not a namespace file, nstype does
// not match, a PID namespace outside the caller's, its own user
// namespace), EPERM.
int32_t setns(Kernel& k, Process& p, int32_t fd, uint32_t nstype);
// The file /proc/<pid>/ns/<kind> resolves to: "kind:[id]" (an nsfs inode).
vfs::InodePtr nsfs_inode(const std::string& kind, uint32_t id, std::shared_ptr<void> object);
// The namespace object behind /proc/<pid>/ns/`name` of `q`.
std::shared_ptr<void> ns_object(const Process& q, const std::string& name);

// --- user (user.cpp) --------------------------------------------------------------
constexpr uint32_t OVERFLOW_UID = 65534;
// The ID kernel uid `kuid` has in `ns`, or 65534 if unmapped.
uint32_t from_kuid(const UserNamespace& ns, uint32_t kuid, bool gid = false);
// The kernel ID of `id` in `ns`, or UINT32_MAX if unmapped.
uint32_t make_kuid(const UserNamespace& ns, uint32_t id, bool gid = false);
// CAP_SYS_ADMIN in its own user namespace: root there, or the namespace's creator.
bool capable(const Process& p);
std::string id_map_text(const std::vector<IdExtent>& map);
// Write uid_map (gid = false) or gid_map of `ns` for `writer`: 0 or
// -errno (EPERM written before or not allowed, EINVAL malformed or overlapping).
int32_t write_id_map(UserNamespace& ns, const Process& writer, const std::string& text, bool gid);
std::shared_ptr<UserNamespace> new_user_ns(Kernel& k, const std::shared_ptr<UserNamespace>& parent, uint32_t owner);

// --- mnt (mnt.cpp) ------------------------------------------------------------------
// What is seen at `inode` after the mounts of `p`'s namespace over it.
vfs::InodePtr follow_mounts(const Process& p, vfs::InodePtr inode);
std::shared_ptr<MntNamespace> container_mnt_ns(Kernel& k, const vfs::InodePtr& root);
std::string proc_mounts(const MntNamespace& ns);     // /proc/<pid>/mounts
std::string proc_mountinfo(const MntNamespace& ns);  // /proc/<pid>/mountinfo
// mount(2): proc, tmpfs, cgroup2, sysfs, MS_BIND, MS_REMOUNT and the
// propagation flags (isolab's mounts are all private). 0 or -errno:
// EPERM, ENOENT, ENOTDIR, ENODEV (unknown type), EINVAL (not a mount point).
int32_t mount(Kernel& k, Process& p, const std::string& source, const std::string& target,
              const std::string& fstype, uint32_t flags);
// umount2(2): EINVAL (not a mount point, bad flags), EBUSY (mounts below it without MNT_DETACH).
int32_t umount(Kernel& k, Process& p, const std::string& target, uint32_t flags);
// pivot_root(2): new_root becomes "/", the old root moves to put_old.
// EPERM, ENOTDIR, EBUSY (new_root is the current root), EINVAL (new_root
// not a mount point, put_old not under new_root).
int32_t pivot_root(Kernel& k, Process& p, const std::string& new_root, const std::string& put_old);

// --- net (net.cpp) --------------------------------------------------------------------
std::shared_ptr<NetNamespace> new_net_ns(Kernel& k);
std::string proc_net_dev(const NetNamespace& ns);  // /proc/net/dev

// --- time (time.cpp) ------------------------------------------------------------------
// The offset `clock` has in `ns` (CLOCK_MONOTONIC*, CLOCK_BOOTTIME).
int64_t clock_offset(const TimeNamespace& ns, uint32_t clock);
std::string timens_offsets_text(const TimeNamespace& ns);
// Write "<clock> <secs> <nanos>" lines: 0 or -errno (EACCES once a process
// is in it, EINVAL malformed, EPERM unprivileged).
int32_t write_timens_offsets(TimeNamespace& ns, const Process& writer, const std::string& text);

// --- cgroup (cgroup.cpp) ------------------------------------------------------------
// The path of `cg` as a process in cgroup namespace `ns` sees it ("/" for its root).
std::string cgroup_path_in(const CgroupNamespace& ns, const Cgroup* cg);

}  // namespace isolab::containers::ns
