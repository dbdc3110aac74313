// Mount namespaces (mount_namespaces(7), fs/namespace.c): each namespace
// has its own mount table, so a mount made in one container is not seen
// in another or on the host. A mount places a file system's root over a
// directory; path lookup (vfs::walk) passes through the mounts of the
// walker's namespace in mount order, so a later mount hides an earlier
// one on the same directory. /proc/self/mounts and mountinfo are
// generated from the table (busybox `mount` with no arguments reads them).
// pivot_root(2) swaps the root mount, as runc does to enter a container's
// root file system. All mounts are private: no propagation between namespaces.
// Lesson: "namespaces: a container's own file system tree".
#include <cstdio>

#include "containers/kernel.h"
#include "containers/linux_abi.h"
#include "containers/ns/nsproxy.h"
#include "containers/vfs/cgroupfs.h"
#include "containers/vfs/procfs.h"

namespace isolab::containers::ns {

using namespace linux_abi;

namespace {

// mount(2) flags (include/uapi/linux/mount.h) and umount2(2)'s.
constexpr uint32_t MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32, MS_BIND = 4096,
                   MS_UNBINDABLE = 1u << 17, MS_PRIVATE = 1u << 18, MS_SLAVE = 1u << 19,
                   MS_SHARED = 1u << 20, MS_PROPAGATION = MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED;
constexpr uint32_t MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8;

std::string options_of(uint32_t flags) {
  std::string s = (flags & MS_RDONLY) ? "ro" : "rw";
  if (flags & MS_NOSUID) s += ",nosuid";
  if (flags & MS_NODEV) s += ",nodev";
  if (flags & MS_NOEXEC) s += ",noexec";
  return s + ",relatime";
}

Mount make_mount(MntNamespace& ns, vfs::InodePtr mountpoint, vfs::InodePtr root, std::string source, std::string fstype,
                 std::string target, std::string options, uint32_t parent_id) {
  Mount m;
  m.id = ns.next_mount_id++;
  m.parent_id = parent_id ? parent_id : m.id;
  m.mountpoint = std::move(mountpoint);
  m.root = std::move(root);
  m.source = std::move(source);
  m.fstype = std::move(fstype);
  m.target = std::move(target);
  m.options = std::move(options);
  return m;
}

// The index of the topmost mount whose root is `inode` (the mount point
// a path names), or -1. The root mount counts only with `include_root`.
int mount_at(const MntNamespace& ns, const vfs::InodePtr& inode, bool include_root) {
  for (int i = int(ns.mounts.size()) - 1; i >= (include_root ? 0 : 1); i--)
    if (ns.mounts[size_t(i)].root == inode) return i;
  return -1;
}

// The mount holding the last directory of `loc` (the parent of a new mount).
uint32_t enclosing_mount(const MntNamespace& ns, const vfs::Location& loc) {
  for (size_t i = loc.stack.size(); i-- > 0;) {
    int m = mount_at(ns, loc.stack[i].second, true);
    if (m >= 0) return ns.mounts[size_t(m)].id;
  }
  return ns.mounts.empty() ? 0 : ns.mounts[0].id;
}

vfs::InodePtr child(const vfs::InodePtr& dir, const char* name) {
  if (!dir || dir->type != vfs::InodeType::Dir) return nullptr;
  if (dir->ops) return dir->ops->lookup(name);  // an overlay's merged directory (vfs/overlay.h)
  auto it = dir->entries.find(name);
  return it == dir->entries.end() ? nullptr : it->second;
}

// A new file system of type `fstype`, or null (ENODEV).
vfs::InodePtr new_filesystem(Kernel& k, const std::string& fstype) {
  if (fstype == "proc") return vfs::make_procfs(k);
  if (fstype == "cgroup2") return vfs::make_cgroupfs(k);
  if (fstype == "tmpfs") return vfs::make_dir(01777);
  if (fstype == "sysfs") {
    // sysfs, lite: the directories where cgroup2 and friends are mounted.
    auto sys = vfs::make_dir(0555);
    auto fs = vfs::make_dir(0755);
    fs->entries["cgroup"] = vfs::make_dir(0755);
    sys->entries["fs"] = fs;
    return sys;
  }
  return nullptr;
}

}  // namespace

vfs::InodePtr follow_mounts(const Process& p, vfs::InodePtr inode) {
  if (!p.ns.mnt) return inode;
  for (const Mount& m : p.ns.mnt->mounts)
    if (m.mountpoint && m.mountpoint == inode) inode = m.root;
  return inode;
}

std::shared_ptr<MntNamespace> container_mnt_ns(Kernel& k, const vfs::InodePtr& root) {
  auto ns = std::make_shared<MntNamespace>();
  ns->id = k.alloc_ns_id();
  ns->mounts.push_back(make_mount(*ns, nullptr, root, "overlay", "overlay", "/", "rw,relatime", 0));
  uint32_t root_id = ns->mounts[0].id;
  // The file systems the runtime placed in the tree (image.cpp's
  // container_root), listed as the mounts runc makes.
  auto add = [&](const vfs::InodePtr& at, const char* source, const char* type, const char* target,
                 const char* options, uint32_t parent) -> uint32_t {
    if (!at) return 0;
    ns->mounts.push_back(make_mount(*ns, at, at, source, type, target, options, parent));
    return ns->mounts.back().id;
  };
  add(child(root, "proc"), "proc", "proc", "/proc", "rw,nosuid,nodev,noexec,relatime", root_id);
  add(child(root, "dev"), "tmpfs", "tmpfs", "/dev", "rw,nosuid", root_id);
  auto sys = child(root, "sys");
  uint32_t sys_id = add(sys, "sysfs", "sysfs", "/sys", "ro,nosuid,nodev,noexec,relatime", root_id);
  add(child(child(sys, "fs"), "cgroup"), "cgroup", "cgroup2", "/sys/fs/cgroup", "ro,nosuid,nodev,noexec,relatime",
      sys_id ? sys_id : root_id);
  return ns;
}

std::string proc_mounts(const MntNamespace& ns) {
  std::string s;
  for (const Mount& m : ns.mounts) s += m.source + " " + m.target + " " + m.fstype + " " + m.options + " 0 0\n";
  return s;
}

std::string proc_mountinfo(const MntNamespace& ns) {
  std::string s;
  char head[64];
  for (const Mount& m : ns.mounts) {
    std::snprintf(head, sizeof head, "%u %u 0:%u / ", m.id, m.parent_id, m.id);
    s += head + m.target + " " + m.options + " - " + m.fstype + " " + m.source + " " +
         (m.options.compare(0, 2, "ro") == 0 ? "ro" : "rw") + "\n";
  }
  return s;
}

int32_t mount(Kernel& k, Process& p, const std::string& source, const std::string& target, const std::string& fstype,
              uint32_t flags) {
  if (!capable(p)) return -LINUX_EPERM;
  auto at = vfs::walk(p, target, true);
  if (!at) return -at.code();
  if (!at->inode) return -LINUX_ENOENT;
  if (at->inode->type != vfs::InodeType::Dir) return -LINUX_ENOTDIR;
  MntNamespace& ns = *p.ns.mnt;
  if (flags & (MS_PROPAGATION | MS_REMOUNT)) {
    // Changing propagation or options applies to an existing mount.
    int m = mount_at(ns, at->inode, true);
    if (m < 0) return -LINUX_EINVAL;
    if (flags & MS_REMOUNT) ns.mounts[size_t(m)].options = options_of(flags);
    k.record(trace::Kind::Namespace, &p, (flags & MS_REMOUNT) ? "mount: remount" : "mount: propagation", ns.id);
    return 0;
  }
  vfs::InodePtr root;
  std::string src = source, type = fstype;
  if (flags & MS_BIND) {
    auto from = vfs::walk(p, source, true);
    if (!from) return -from.code();
    if (!from->inode) return -LINUX_ENOENT;
    if (from->inode->type != vfs::InodeType::Dir) return -LINUX_ENOTDIR;  // isolab binds directories only
    root = from->inode;
    int m = mount_at(ns, root, true);
    type = m >= 0 ? ns.mounts[size_t(m)].fstype : ns.mounts.empty() ? "none" : ns.mounts[0].fstype;
    src = from->path();
  } else {
    root = new_filesystem(k, fstype);
    if (!root) return -LINUX_ENODEV;
  }
  ns.mounts.push_back(make_mount(ns, at->inode, root, src, type, at->path(), options_of(flags), enclosing_mount(ns, *at)));
  k.record(trace::Kind::Namespace, &p, "mount", ns.mounts.back().id);
  return 0;
}

int32_t umount(Kernel& k, Process& p, const std::string& target, uint32_t flags) {
  if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) return -LINUX_EINVAL;
  if (!capable(p)) return -LINUX_EPERM;
  auto at = vfs::walk(p, target, !(flags & UMOUNT_NOFOLLOW));
  if (!at) return -at.code();
  if (!at->inode) return -LINUX_ENOENT;
  MntNamespace& ns = *p.ns.mnt;
  int m = mount_at(ns, at->inode, false);
  if (m < 0) return -LINUX_EINVAL;
  // The mount and, with MNT_DETACH, everything mounted below it.
  std::vector<uint32_t> gone = {ns.mounts[size_t(m)].id};
  for (size_t i = 0; i < gone.size(); i++)
    for (const Mount& c : ns.mounts)
      if (c.parent_id == gone[i] && c.id != gone[i]) {
        if (!(flags & MNT_DETACH)) return -LINUX_EBUSY;
        gone.push_back(c.id);
      }
  std::erase_if(ns.mounts, [&gone](const Mount& x) { return std::find(gone.begin(), gone.end(), x.id) != gone.end(); });
  k.record(trace::Kind::Namespace, &p, "umount", gone[0]);
  return 0;
}

int32_t pivot_root(Kernel& k, Process& p, const std::string& new_root, const std::string& put_old) {
  if (!capable(p)) return -LINUX_EPERM;
  auto nr = vfs::walk(p, new_root, true);
  if (!nr) return -nr.code();
  auto po = vfs::walk(p, put_old, true);
  if (!po) return -po.code();
  if (!nr->inode || !po->inode) return -LINUX_ENOENT;
  if (nr->inode->type != vfs::InodeType::Dir || po->inode->type != vfs::InodeType::Dir) return -LINUX_ENOTDIR;
  if (nr->inode == p.root) return -LINUX_EBUSY;
  MntNamespace& ns = *p.ns.mnt;
  int m = mount_at(ns, nr->inode, false);
  if (m < 0) return -LINUX_EINVAL;  // new_root must be a mount point
  bool under = false;
  for (const auto& [name, dir] : po->stack) under |= dir == nr->inode;
  if (!under) return -LINUX_EINVAL;  // put_old must be at or under new_root
  vfs::InodePtr old_root = p.root;
  std::string prefix = nr->path(), old_at = po->path().substr(prefix == "/" ? 0 : prefix.size());
  if (old_at.empty()) old_at = "/";
  if (ns.mounts.empty() || ns.mounts[0].root != p.root) return -LINUX_EINVAL;  // "/" is not its root mount
  Mount moved = ns.mounts[size_t(m)];
  ns.mounts.erase(ns.mounts.begin() + m);
  for (Mount& x : ns.mounts) {
    if (x.target.compare(0, prefix.size() + 1, prefix + "/") == 0) x.target = x.target.substr(prefix.size());
    else x.target = old_at + (x.target == "/" ? "" : x.target);
  }
  Mount& old = ns.mounts[0];  // the old root mount goes under put_old
  old.mountpoint = po->inode;
  old.parent_id = moved.id;
  moved.mountpoint = nullptr;
  moved.target = "/";
  moved.parent_id = moved.id;
  ns.mounts.insert(ns.mounts.begin(), moved);
  // Every process of the namespace rooted at the old root moves (chroot_fs_refs()).
  for (auto& [pid, q] : k.processes()) {
    if (q->ns.mnt.get() != &ns || q->root != old_root) continue;
    q->root = nr->inode;
    if (q->cwd.inode == old_root) {
      q->cwd = vfs::Location{};
      q->cwd.inode = q->root;
      q->cwd.stack = {{"", q->root}};
    }
  }
  k.record(trace::Kind::Namespace, &p, "pivot_root", moved.id);
  return 0;
}

}  // namespace isolab::containers::ns
