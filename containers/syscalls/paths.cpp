// System calls that change the file tree: names (mkdir, unlink, rmdir,
// rename, link, symlink and their *at forms) and inode attributes (chmod,
// chown, truncate, utimensat) (mkdir(2), unlink(2), rename(2), link(2),
// symlink(2), chmod(2), chown(2), truncate(2), utimensat(2)).
// Each goes through the VFS's directory operations, so on a container's
// overlay root (vfs/overlay.h) a change to an image's file copies it up,
// a deletion leaves a whiteout, and renaming a merged directory is EXDEV.
// Lesson: "containers share image layers".
#include "containers/linux_abi.h"
#include "containers/syscalls/syscalls.h"
#include "containers/vfs/overlay.h"

namespace isolab::containers::syscalls {

using namespace linux_abi;
using vfs::InodeType;

namespace {

constexpr uint32_t LINUX_AT_REMOVEDIR = 0x200, LINUX_AT_SYMLINK_FOLLOW = 0x400;
constexpr uint32_t LINUX_RENAME_NOREPLACE = 1, LINUX_RENAME_EXCHANGE = 2, LINUX_RENAME_WHITEOUT = 4;
constexpr int64_t LINUX_UTIME_NOW = (1 << 30) - 1, LINUX_UTIME_OMIT = (1 << 30) - 2;

int32_t do_mkdirat(Kernel& k, Process& p, int32_t dirfd, uint32_t path_va, uint32_t mode) {
  auto loc = resolve_at(p, dirfd, path_va, false);
  if (!loc) return -loc.code();
  if (loc->inode) return -LINUX_EEXIST;
  if (loc->parent->make_child) return loc->parent->make_child(p, loc->last);
  auto dir = vfs::make_dir(mode & 07777 & ~p.umask);
  dir->mtime_ns = k.now_ns();
  return vfs::add_entry(*loc, dir);
}

int32_t do_unlink(Process& p, int32_t dirfd, uint32_t path_va) {
  auto loc = resolve_at(p, dirfd, path_va, false);
  if (!loc) return -loc.code();
  if (!loc->inode) return -LINUX_ENOENT;
  if (loc->inode->type == InodeType::Dir) return -LINUX_EISDIR;
  return vfs::remove_entry(*loc);
}

// rmdir(path): an empty directory, or a kernel object (a cgroup) that says
// itself whether it can go (EBUSY).
int32_t do_rmdir(Process& p, int32_t dirfd, uint32_t path_va) {
  auto loc = resolve_at(p, dirfd, path_va, false);
  if (!loc) return -loc.code();
  if (!loc->inode) return -LINUX_ENOENT;
  if (loc->inode->type != InodeType::Dir) return -LINUX_ENOTDIR;
  if (loc->last == "." || loc->stack.size() <= 1) return -LINUX_EBUSY;
  if (loc->parent->remove_child) return loc->parent->remove_child(p, loc->last);
  if (!loc->inode->synthetic_dir() && !vfs::list(*loc->inode, p).empty()) return -LINUX_ENOTEMPTY;
  return vfs::remove_entry(*loc);  // EBUSY for a mount point, EACCES in procfs
}

int32_t do_rename(Process& p, int32_t olddirfd, uint32_t old_va, int32_t newdirfd, uint32_t new_va, uint32_t flags) {
  if (flags & ~(LINUX_RENAME_NOREPLACE | LINUX_RENAME_EXCHANGE | LINUX_RENAME_WHITEOUT)) return -LINUX_EINVAL;
  if (flags & (LINUX_RENAME_EXCHANGE | LINUX_RENAME_WHITEOUT)) return -LINUX_EINVAL;  // not supported here
  auto from = resolve_at(p, olddirfd, old_va, false);
  if (!from) return -from.code();
  if (!from->inode) return -LINUX_ENOENT;
  auto to = resolve_at(p, newdirfd, new_va, false);
  if (!to) return -to.code();
  if (to->inode && (flags & LINUX_RENAME_NOREPLACE)) return -LINUX_EEXIST;
  return vfs::rename(p, *from, *to);
}

int32_t do_link(Process& p, int32_t olddirfd, uint32_t old_va, int32_t newdirfd, uint32_t new_va, uint32_t flags) {
  if (flags & ~(LINUX_AT_SYMLINK_FOLLOW | LINUX_AT_EMPTY_PATH)) return -LINUX_EINVAL;
  auto from = resolve_at(p, olddirfd, old_va, flags & LINUX_AT_SYMLINK_FOLLOW, flags & LINUX_AT_EMPTY_PATH);
  if (!from) return -from.code();
  if (!from->inode) return -LINUX_ENOENT;
  if (from->inode->type == InodeType::Dir) return -LINUX_EPERM;
  if (from->inode->generate) return -LINUX_EXDEV;
  auto to = resolve_at(p, newdirfd, new_va, false);
  if (!to) return -to.code();
  if (to->inode) return -LINUX_EEXIST;
  if (vfs::overlay_of(*from->parent) != vfs::overlay_of(*to->parent)) return -LINUX_EXDEV;
  auto w = vfs::make_writable(*from, true);  // an overlay links the copied-up file
  if (!w) return -w.code();
  return vfs::add_entry(*to, *w);
}

int32_t do_symlink(Kernel& k, Process& p, uint32_t target_va, int32_t newdirfd, uint32_t link_va) {
  std::string target;
  if (!p.mm->read_string(target_va, target)) return -LINUX_EFAULT;
  if (target.empty()) return -LINUX_ENOENT;
  auto loc = resolve_at(p, newdirfd, link_va, false);
  if (!loc) return -loc.code();
  if (loc->inode) return -LINUX_EEXIST;
  auto link = vfs::make_symlink(target);
  link->mtime_ns = k.now_ns();
  return vfs::add_entry(*loc, link);
}

// Set a regular file's size: cut, or extend with zeros.
int32_t set_size(Kernel& k, vfs::Inode& in, int64_t length) {
  if (length < 0) return -LINUX_EINVAL;
  if (in.type == InodeType::Dir) return -LINUX_EISDIR;
  if (in.type != InodeType::File || in.generate) return -LINUX_EINVAL;
  if (in.frozen) return -LINUX_EROFS;
  if (length > (256 << 20)) return -LINUX_EFBIG;
  if (in.data.use_count() > 1) in.data = std::make_shared<vfs::Bytes>(*in.data);
  in.data->resize(size_t(length));
  in.mtime_ns = k.now_ns();
  return 0;
}

int32_t do_truncate(Kernel& k, Process& p, uint32_t path_va, int64_t length) {
  auto loc = resolve_at(p, LINUX_AT_FDCWD, path_va, true);
  if (!loc) return -loc.code();
  if (!loc->inode) return -LINUX_ENOENT;
  if (loc->inode->type == InodeType::Dir) return -LINUX_EISDIR;
  auto w = vfs::make_writable(*loc, length > 0);
  if (!w) return -w.code();
  return set_size(k, **w, length);
}

int32_t do_ftruncate(Kernel& k, Process& p, int32_t fd, int64_t length) {
  vfs::OpenFile* f = p.file(fd);
  if (!f) return -LINUX_EBADF;
  if (!f->inode || !f->writable()) return -LINUX_EINVAL;
  return set_size(k, *f->inode, length);
}

// utimensat's times: null for now; else atime and mtime, each a timespec
// of 32-bit (utimensat) or 64-bit (utimensat_time64) seconds.
int32_t do_utimensat(Kernel& k, Process& p, int32_t dirfd, uint32_t path_va, uint32_t times_va, uint32_t flags,
                     bool time64) {
  if (flags & ~(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH)) return -LINUX_EINVAL;
  uint64_t mtime = k.now_ns();
  if (times_va) {
    int64_t sec, nsec;
    if (time64) {
      int64_t ts[4];
      if (!p.mm->copy_in(times_va, ts, sizeof ts)) return -LINUX_EFAULT;
      sec = ts[2];
      nsec = int32_t(ts[3]);
    } else {
      int32_t ts[4];
      if (!p.mm->copy_in(times_va, ts, sizeof ts)) return -LINUX_EFAULT;
      sec = ts[2];
      nsec = ts[3];
    }
    if (nsec == LINUX_UTIME_OMIT) return 0;
    if (nsec != LINUX_UTIME_NOW) {
      if (nsec < 0 || nsec > 999999999) return -LINUX_EINVAL;
      mtime = uint64_t(sec) * 1000000000ull + uint64_t(nsec);
    }
  }
  vfs::Location loc;
  if (!path_va) {  // futimens(fd): the file of dirfd itself
    vfs::OpenFile* f = p.file(dirfd);
    if (!f) return -LINUX_EBADF;
    if (!f->inode) return 0;
    loc = f->location;
    loc.inode = f->inode;
  } else {
    auto walked = resolve_at(p, dirfd, path_va, !(flags & LINUX_AT_SYMLINK_NOFOLLOW), flags & LINUX_AT_EMPTY_PATH);
    if (!walked) return -walked.code();
    if (!walked->inode) return -LINUX_ENOENT;
    loc = std::move(*walked);
  }
  return vfs::set_mtime(loc, mtime);  // a metadata change copies up too
}

int32_t do_chmod(Process& p, int32_t dirfd, uint32_t path_va, uint32_t mode, bool follow) {
  auto loc = resolve_at(p, dirfd, path_va, follow);
  if (!loc) return -loc.code();
  if (!loc->inode) return -LINUX_ENOENT;
  return vfs::set_mode(*loc, mode);
}

int32_t chown_path(Process& p, int32_t dirfd, uint32_t path_va, uint32_t uid, uint32_t gid, uint32_t flags) {
  if (flags & ~(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH)) return -LINUX_EINVAL;
  auto loc = resolve_at(p, dirfd, path_va, !(flags & LINUX_AT_SYMLINK_NOFOLLOW), flags & LINUX_AT_EMPTY_PATH);
  if (!loc) return -loc.code();
  if (!loc->inode) return -LINUX_ENOENT;
  return vfs::set_owner(*loc, uid, gid);
}

// The 16-bit ids of the old chown calls, with 0xFFFF for "unchanged".
uint32_t id16(uint32_t v) { return (v & 0xFFFF) == 0xFFFF ? 0xFFFFFFFFu : v & 0xFFFF; }

}  // namespace

int32_t sys_chown32(Kernel&, Process& p, const Args& a) { return chown_path(p, LINUX_AT_FDCWD, a[0], a[1], a[2], 0); }
int32_t sys_lchown32(Kernel&, Process& p, const Args& a) {
  return chown_path(p, LINUX_AT_FDCWD, a[0], a[1], a[2], LINUX_AT_SYMLINK_NOFOLLOW);
}
int32_t sys_fchownat(Kernel&, Process& p, const Args& a) { return chown_path(p, a.s(0), a[1], a[2], a[3], a[4]); }
int32_t sys_chown(Kernel&, Process& p, const Args& a) { return chown_path(p, LINUX_AT_FDCWD, a[0], id16(a[1]), id16(a[2]), 0); }
int32_t sys_lchown(Kernel&, Process& p, const Args& a) {
  return chown_path(p, LINUX_AT_FDCWD, a[0], id16(a[1]), id16(a[2]), LINUX_AT_SYMLINK_NOFOLLOW);
}
int32_t sys_fchown32(Kernel&, Process& p, const Args& a) {
  vfs::OpenFile* f = p.file(a.s(0));
  if (!f) return -LINUX_EBADF;
  if (!f->inode) return 0;
  vfs::Location loc = f->location;
  loc.inode = f->inode;
  return vfs::set_owner(loc, a[1], a[2]);
}

int32_t sys_mkdir(Kernel& k, Process& p, const Args& a) { return do_mkdirat(k, p, LINUX_AT_FDCWD, a[0], a[1]); }
int32_t sys_mkdirat(Kernel& k, Process& p, const Args& a) { return do_mkdirat(k, p, a.s(0), a[1], a[2]); }
int32_t sys_unlink(Kernel&, Process& p, const Args& a) { return do_unlink(p, LINUX_AT_FDCWD, a[0]); }
int32_t sys_rmdir(Kernel&, Process& p, const Args& a) { return do_rmdir(p, LINUX_AT_FDCWD, a[0]); }

// unlinkat(dirfd, path, flags): AT_REMOVEDIR makes it rmdir.
int32_t sys_unlinkat(Kernel&, Process& p, const Args& a) {
  if (a[2] & ~LINUX_AT_REMOVEDIR) return -LINUX_EINVAL;
  return (a[2] & LINUX_AT_REMOVEDIR) ? do_rmdir(p, a.s(0), a[1]) : do_unlink(p, a.s(0), a[1]);
}

int32_t sys_rename(Kernel&, Process& p, const Args& a) { return do_rename(p, LINUX_AT_FDCWD, a[0], LINUX_AT_FDCWD, a[1], 0); }
int32_t sys_renameat(Kernel&, Process& p, const Args& a) { return do_rename(p, a.s(0), a[1], a.s(2), a[3], 0); }
int32_t sys_renameat2(Kernel&, Process& p, const Args& a) { return do_rename(p, a.s(0), a[1], a.s(2), a[3], a[4]); }
int32_t sys_link(Kernel&, Process& p, const Args& a) { return do_link(p, LINUX_AT_FDCWD, a[0], LINUX_AT_FDCWD, a[1], 0); }
int32_t sys_linkat(Kernel&, Process& p, const Args& a) { return do_link(p, a.s(0), a[1], a.s(2), a[3], a[4]); }
int32_t sys_symlink(Kernel& k, Process& p, const Args& a) { return do_symlink(k, p, a[0], LINUX_AT_FDCWD, a[1]); }
int32_t sys_symlinkat(Kernel& k, Process& p, const Args& a) { return do_symlink(k, p, a[0], a.s(1), a[2]); }
int32_t sys_chmod(Kernel&, Process& p, const Args& a) { return do_chmod(p, LINUX_AT_FDCWD, a[0], a[1], true); }
int32_t sys_fchmodat(Kernel&, Process& p, const Args& a) { return do_chmod(p, a.s(0), a[1], a[2], true); }

int32_t sys_fchmod(Kernel&, Process& p, const Args& a) {
  vfs::OpenFile* f = p.file(a.s(0));
  if (!f) return -LINUX_EBADF;
  if (!f->inode) return 0;  // a pipe: nothing to change that anyone could see
  vfs::Location loc = f->location;
  loc.inode = f->inode;
  return vfs::set_mode(loc, a[1]);
}

int32_t sys_truncate(Kernel& k, Process& p, const Args& a) { return do_truncate(k, p, a[0], a.s(1)); }
int32_t sys_ftruncate(Kernel& k, Process& p, const Args& a) { return do_ftruncate(k, p, a.s(0), a.s(1)); }
// truncate64(path, length_low, length_high): a 64-bit length in two registers.
int32_t sys_truncate64(Kernel& k, Process& p, const Args& a) {
  return do_truncate(k, p, a[0], int64_t(uint64_t(a[2]) << 32 | a[1]));
}
int32_t sys_ftruncate64(Kernel& k, Process& p, const Args& a) {
  return do_ftruncate(k, p, a.s(0), int64_t(uint64_t(a[2]) << 32 | a[1]));
}
int32_t sys_utimensat(Kernel& k, Process& p, const Args& a) { return do_utimensat(k, p, a.s(0), a[1], a[2], a[3], false); }
int32_t sys_utimensat_time64(Kernel& k, Process& p, const Args& a) {
  return do_utimensat(k, p, a.s(0), a[1], a[2], a[3], true);
}

}  // namespace isolab::containers::syscalls
