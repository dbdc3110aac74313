// Namespace system calls: unshare, setns, mount, umount, umount2,
// pivot_root (unshare(2), setns(2), mount(2), umount(2), pivot_root(2)).
// The rules live in containers/ns/; these read the arguments.
#include "containers/linux_abi.h"
#include "containers/ns/nsproxy.h"
#include "containers/syscalls/syscalls.h"

namespace isolab::containers::syscalls {

using namespace linux_abi;

namespace {

// A path argument; false (EFAULT) if unreadable. A null pointer reads as "".
bool read_path(Process& p, uint32_t va, std::string& out) {
  out.clear();
  return !va || p.mm->read_string(va, out, 4096);
}

}  // namespace

int32_t sys_unshare(Kernel& k, Process& p, const Args& a) { return ns::unshare(k, p, a[0]); }

int32_t sys_setns(Kernel& k, Process& p, const Args& a) { return ns::setns(k, p, a.s(0), a[1]); }

// mount(source, target, filesystemtype, mountflags, data)
int32_t sys_mount(Kernel& k, Process& p, const Args& a) {
  std::string source, target, fstype;
  if (!read_path(p, a[0], source) || !read_path(p, a[1], target) || !read_path(p, a[2], fstype)) return -LINUX_EFAULT;
  if (target.empty()) return -LINUX_ENOENT;
  return ns::mount(k, p, source, target, fstype, a[3]);
}

int32_t sys_umount2(Kernel& k, Process& p, const Args& a) {
  std::string target;
  if (!read_path(p, a[0], target)) return -LINUX_EFAULT;
  if (target.empty()) return -LINUX_ENOENT;
  return ns::umount(k, p, target, a[1]);
}

// umount(target): umount2 without flags (oldumount).
int32_t sys_umount(Kernel& k, Process& p, const Args& a) {
  Args b{{a[0], 0, 0, 0, 0, 0}};
  return sys_umount2(k, p, b);
}

int32_t sys_pivot_root(Kernel& k, Process& p, const Args& a) {
  std::string new_root, put_old;
  if (!read_path(p, a[0], new_root) || !read_path(p, a[1], put_old)) return -LINUX_EFAULT;
  if (new_root.empty() || put_old.empty()) return -LINUX_ENOENT;
  return ns::pivot_root(k, p, new_root, put_old);
}

}  // namespace isolab::containers::syscalls
