// File system calls: open/openat, read/write, close, lseek, dup, pipe,
// getdents64, stat64, access, readlink, chdir/getcwd, ioctl, fcntl64
// (open(2), read(2), pipe(7), getdents64(2), stat(2), ioctl_tty(2),
// fcntl(2)). The calls that change the tree are paths.cpp's. Opening a
// file for writing goes through the VFS's make_writable, so on a
// container's overlay root an image's file is copied up first.
#include <algorithm>
#include <cstring>

#include "containers/linux_abi.h"
#include "containers/syscalls/syscalls.h"

namespace isolab::containers::syscalls {

using namespace linux_abi;
using vfs::InodeType;

// The path argument, walked from dirfd (syscalls.h).
ErrorOr<vfs::Location> resolve_at(Process& p, int32_t dirfd, uint32_t path_va, bool follow, bool empty_path) {
  std::string path;
  if (!p.mm->read_string(path_va, path)) return make_error(LINUX_EFAULT);
  const vfs::Location* start = nullptr;
  if (dirfd != LINUX_AT_FDCWD && (path.empty() || path[0] != '/')) {
    vfs::OpenFile* f = p.file(dirfd);
    if (!f) return make_error(LINUX_EBADF);
    if (path.empty() && empty_path) {
      if (!f->inode) return make_error(LINUX_EBADF);
      vfs::Location l = f->location;
      l.inode = f->inode;
      return l;
    }
    if (!f->inode || f->inode->type != InodeType::Dir) return make_error(LINUX_ENOTDIR);
    start = &f->location;
  }
  return vfs::walk(p, path, follow, start);
}

namespace {

ErrorOr<vfs::FilePtr> open_at(Kernel& k, Process& p, int32_t dirfd, uint32_t path_va, uint32_t flags,
                              uint32_t mode) {
  auto loc = resolve_at(p, dirfd, path_va, !(flags & LINUX_O_NOFOLLOW));
  if (!loc) return loc.error();
  vfs::InodePtr inode = loc->inode;
  uint32_t acc = flags & LINUX_O_ACCMODE;
  if (!inode) {
    if (!(flags & LINUX_O_CREAT)) return make_error(LINUX_ENOENT);
    inode = vfs::make_file(nullptr, mode & 07777 & ~p.umask);
    inode->mtime_ns = k.now_ns();
    if (int32_t r = vfs::add_entry(*loc, inode)) return make_error(-r);
    loc->stack.emplace_back(loc->last, inode);
    loc->inode = inode;
  } else if ((flags & LINUX_O_CREAT) && (flags & LINUX_O_EXCL)) {
    return make_error(LINUX_EEXIST);
  }
  if (inode->type == InodeType::Symlink) return make_error(LINUX_ELOOP);  // O_NOFOLLOW met a link
  if ((flags & LINUX_O_DIRECTORY) && inode->type != InodeType::Dir) return make_error(LINUX_ENOTDIR);
  if (inode->type == InodeType::Dir && acc != LINUX_O_RDONLY) return make_error(LINUX_EISDIR);
  if (inode->generate && acc != LINUX_O_RDONLY && !inode->store) return make_error(LINUX_EACCES);
  bool truncate = (flags & LINUX_O_TRUNC) && acc != LINUX_O_RDONLY;
  if (inode->type == InodeType::File && !inode->generate && (acc != LINUX_O_RDONLY || truncate)) {
    // The first write to an image's file copies it up (without its bytes
    // when they are about to be truncated away).
    auto w = vfs::make_writable(*loc, !truncate);
    if (!w) return w.error();
    inode = *w;
    loc->inode = inode;
    loc->stack.back().second = inode;
  }
  auto f = std::make_shared<vfs::OpenFile>();
  f->inode = inode;
  f->flags = flags & ~(LINUX_O_CREAT | LINUX_O_EXCL | LINUX_O_NOCTTY | LINUX_O_TRUNC | LINUX_O_CLOEXEC);
  f->path = loc->path();
  f->location = *loc;
  if (inode->type == InodeType::File && truncate && !inode->generate) {
    inode->data = std::make_shared<vfs::Bytes>();  // the old bytes stay with whoever shares them
    inode->mtime_ns = k.now_ns();
  }
  if (inode->generate) {
    std::string s = inode->generate(p);
    f->snapshot = std::make_shared<vfs::Bytes>(s.begin(), s.end());
  }
  if (inode->type == InodeType::Dir) {
    f->dir_names = {".", ".."};
    for (std::string& n : vfs::list(*inode, p)) f->dir_names.push_back(std::move(n));
  }
  return f;
}

int32_t install_fd(Process& p, vfs::FilePtr f, bool cloexec) {
  int fd = p.alloc_fd(std::move(f), 0, cloexec);
  return fd < 0 ? -LINUX_EMFILE : fd;
}

bool is_tty(const vfs::OpenFile& f) { return f.host && f.host->tty; }

}  // namespace

int32_t sys_openat(Kernel& k, Process& p, const Args& a) {
  auto f = open_at(k, p, a.s(0), a[1], a[2], a[3]);
  if (!f) return -f.code();
  return install_fd(p, std::move(*f), a[2] & LINUX_O_CLOEXEC);
}

int32_t sys_open(Kernel& k, Process& p, const Args& a) {
  Args at{{uint32_t(LINUX_AT_FDCWD), a[0], a[1], a[2], 0, 0}};
  return sys_openat(k, p, at);
}

int32_t sys_close(Kernel& k, Process& p, const Args& a) {
  int32_t fd = a.s(0);
  if (!p.file(fd)) return -LINUX_EBADF;
  p.fds[size_t(fd)].reset();
  k.wake_blocked();  // a pipe may have lost its last reader or writer
  return 0;
}

// Read up to `len` bytes into user memory at `buf`.
static int32_t do_read(Kernel& k, Process& p, vfs::OpenFile& f, uint32_t buf, uint32_t len) {
  if (!f.readable()) return -LINUX_EBADF;
  std::vector<uint8_t> tmp;
  if (f.ops) {  // a socket
    int32_t r = f.ops->read(p, f, tmp, std::min<uint32_t>(len, 65536));
    if (r < 0) return r;
  } else if (f.host) {
    if (!f.host->read) return 0;
    tmp.resize(std::min<uint32_t>(len, 65536));
    long n = f.host->read(reinterpret_cast<char*>(tmp.data()), tmp.size());
    if (n < 0) return -LINUX_EIO;
    tmp.resize(size_t(n));
  } else if (f.pipe) {
    vfs::Pipe& pipe = *f.pipe;
    if (pipe.buffer.empty()) {
      if (pipe.writers == 0) return 0;
      return (f.flags & LINUX_O_NONBLOCK) ? -LINUX_EAGAIN : SYSCALL_RESTART;
    }
    size_t n = std::min<size_t>(len, pipe.buffer.size());
    tmp.assign(pipe.buffer.begin(), pipe.buffer.begin() + long(n));
    pipe.buffer.erase(pipe.buffer.begin(), pipe.buffer.begin() + long(n));
    k.wake_blocked();
  } else {
    const vfs::Inode& in = *f.inode;
    if (in.type == InodeType::Dir) return -LINUX_EISDIR;
    if (in.type == InodeType::CharDev) {
      if (in.device == vfs::Device::Zero) tmp.assign(std::min<uint32_t>(len, 65536), 0);
    } else {
      const vfs::Bytes& data = f.snapshot ? *f.snapshot : *in.data;
      if (f.offset < data.size()) {
        size_t n = std::min<size_t>(len, data.size() - f.offset);
        tmp.assign(data.begin() + long(f.offset), data.begin() + long(f.offset + n));
        f.offset += n;
      }
    }
  }
  if (!tmp.empty() && !p.mm->copy_out(buf, tmp.data(), uint32_t(tmp.size()))) return -LINUX_EFAULT;
  return int32_t(tmp.size());
}

static int32_t do_write(Kernel& k, Process& p, vfs::OpenFile& f, uint32_t buf, uint32_t len) {
  if (!f.writable()) return -LINUX_EBADF;
  std::vector<uint8_t> tmp(len);
  if (len && !p.mm->copy_in(buf, tmp.data(), len)) return -LINUX_EFAULT;
  if (f.ops) {  // a socket: a stream whose peer is gone raises SIGPIPE, as a pipe does
    int32_t r = f.ops->write(p, f, tmp);
    if (r == -LINUX_EPIPE) k.send_signal(p, LINUX_SIGPIPE, nullptr);
    if (r != SYSCALL_RESTART) k.wake_blocked();
    return r;
  }
  if (f.host) {
    if (f.host->write) f.host->write(f.host_stream, reinterpret_cast<const char*>(tmp.data()), len);
    return int32_t(len);
  }
  if (f.pipe) {
    vfs::Pipe& pipe = *f.pipe;
    if (pipe.readers == 0) {
      k.send_signal(p, LINUX_SIGPIPE, nullptr);
      return -LINUX_EPIPE;
    }
    size_t space = vfs::Pipe::CAPACITY - pipe.buffer.size();
    if (space == 0) return (f.flags & LINUX_O_NONBLOCK) ? -LINUX_EAGAIN : SYSCALL_RESTART;
    size_t n = std::min<size_t>(space, len);
    pipe.buffer.insert(pipe.buffer.end(), tmp.begin(), tmp.begin() + long(n));
    k.wake_blocked();
    return int32_t(n);
  }
  vfs::Inode& in = *f.inode;
  if (in.type == InodeType::CharDev) return int32_t(len);
  if (in.store) {
    int32_t r = in.store(p, std::string(tmp.begin(), tmp.end()));
    return r < 0 ? r : int32_t(len);
  }
  if (in.type != InodeType::File) return -LINUX_EISDIR;
  if (in.frozen) return -LINUX_EROFS;  // an image layer's file: open() copies up, so never here
  // Bytes shared with a running program's mapping or a hard link's copy are
  // copied before this file's first write.
  if (in.data.use_count() > 1) in.data = std::make_shared<vfs::Bytes>(*in.data);
  if (f.flags & LINUX_O_APPEND) f.offset = in.data->size();
  if (f.offset + len > (256u << 20)) return -LINUX_EFBIG;
  if (in.data->size() < f.offset + len) in.data->resize(f.offset + len);
  std::copy(tmp.begin(), tmp.end(), in.data->begin() + long(f.offset));
  f.offset += len;
  in.mtime_ns = k.now_ns();
  return int32_t(len);
}

int32_t sys_read(Kernel& k, Process& p, const Args& a) {
  vfs::OpenFile* f = p.file(a.s(0));
  return f ? do_read(k, p, *f, a[1], a[2]) : -LINUX_EBADF;
}

int32_t sys_write(Kernel& k, Process& p, const Args& a) {
  vfs::OpenFile* f = p.file(a.s(0));
  return f ? do_write(k, p, *f, a[1], a[2]) : -LINUX_EBADF;
}

// readv/writev: the iovecs one after another, stopping at a short transfer.
static int32_t do_iov(Kernel& k, Process& p, const Args& a, bool write) {
  vfs::OpenFile* f = p.file(a.s(0));
  if (!f) return -LINUX_EBADF;
  if (a.s(2) < 0 || a[2] > 1024) return -LINUX_EINVAL;
  int32_t total = 0;
  for (uint32_t i = 0; i < a[2]; i++) {
    uint32_t iov[2];
    if (!p.mm->copy_in(a[1] + 8 * i, iov, 8)) return -LINUX_EFAULT;
    if (!iov[1]) continue;
    int32_t n = write ? do_write(k, p, *f, iov[0], iov[1]) : do_read(k, p, *f, iov[0], iov[1]);
    if (n < 0) return total > 0 ? total : n;
    total += n;
    if (uint32_t(n) < iov[1]) break;
  }
  return total;
}
int32_t sys_readv(Kernel& k, Process& p, const Args& a) { return do_iov(k, p, a, false); }
int32_t sys_writev(Kernel& k, Process& p, const Args& a) { return do_iov(k, p, a, true); }

static int64_t do_lseek(vfs::OpenFile& f, int64_t off, uint32_t whence) {
  if (f.pipe || f.host || f.ops) return -LINUX_ESPIPE;
  int64_t size = f.snapshot ? int64_t(f.snapshot->size()) : f.inode->type == InodeType::File ? int64_t(f.inode->data->size()) : 0;
  int64_t base = whence == 0 ? 0 : whence == 1 ? int64_t(f.offset) : whence == 2 ? size : -1;
  if (base < 0) return -LINUX_EINVAL;
  if (base + off < 0) return -LINUX_EINVAL;
  f.offset = uint64_t(base + off);
  return int64_t(f.offset);
}

int32_t sys_lseek(Kernel&, Process& p, const Args& a) {
  vfs::OpenFile* f = p.file(a.s(0));
  if (!f) return -LINUX_EBADF;
  return int32_t(do_lseek(*f, a.s(1), a[2]));
}

// _llseek(fd, offset_high, offset_low, result*, whence).
int32_t sys_llseek(Kernel&, Process& p, const Args& a) {
  vfs::OpenFile* f = p.file(a.s(0));
  if (!f) return -LINUX_EBADF;
  int64_t r = do_lseek(*f, int64_t(uint64_t(a[1]) << 32 | a[2]), a[4]);
  if (r < 0) return int32_t(r);
  return put_user(p, a[3], r);
}

int32_t sys_dup(Kernel&, Process& p, const Args& a) {
  vfs::OpenFile* f = p.file(a.s(0));
  if (!f) return -LINUX_EBADF;
  return install_fd(p, p.fds[a[0]], false);
}

static int32_t do_dup3(Kernel& k, Process& p, int32_t oldfd, int32_t newfd, bool cloexec) {
  if (!p.file(oldfd)) return -LINUX_EBADF;
  if (newfd < 0 || size_t(newfd) >= p.fd_limit()) return -LINUX_EBADF;
  if (size_t(newfd) >= p.fds.size()) {
    p.fds.resize(size_t(newfd) + 1);
    p.cloexec.resize(size_t(newfd) + 1);
  }
  p.fds[size_t(newfd)] = p.fds[size_t(oldfd)];
  p.cloexec[size_t(newfd)] = cloexec;
  k.wake_blocked();
  return newfd;
}

int32_t sys_dup2(Kernel& k, Process& p, const Args& a) {
  if (a.s(0) == a.s(1)) return p.file(a.s(0)) ? a.s(1) : -LINUX_EBADF;
  return do_dup3(k, p, a.s(0), a.s(1), false);
}

int32_t sys_dup3(Kernel& k, Process& p, const Args& a) {
  if (a.s(0) == a.s(1)) return -LINUX_EINVAL;
  if (a[2] & ~LINUX_O_CLOEXEC) return -LINUX_EINVAL;
  return do_dup3(k, p, a.s(0), a.s(1), a[2] & LINUX_O_CLOEXEC);
}

int32_t sys_pipe2(Kernel&, Process& p, const Args& a) {
  if (a[1] & ~(LINUX_O_CLOEXEC | LINUX_O_NONBLOCK)) return -LINUX_EINVAL;
  auto [r, w] = vfs::make_pipe();
  r->flags |= a[1] & LINUX_O_NONBLOCK;
  w->flags |= a[1] & LINUX_O_NONBLOCK;
  int32_t fds[2];
  fds[0] = p.alloc_fd(r, 0, a[1] & LINUX_O_CLOEXEC);
  if (fds[0] < 0) return -LINUX_EMFILE;
  fds[1] = p.alloc_fd(w, 0, a[1] & LINUX_O_CLOEXEC);
  if (fds[1] < 0 || !p.mm->copy_out(a[0], fds, sizeof fds)) {
    p.fds[size_t(fds[0])].reset();
    if (fds[1] >= 0) p.fds[size_t(fds[1])].reset();
    return fds[1] < 0 ? -LINUX_EMFILE : -LINUX_EFAULT;
  }
  return 0;
}

int32_t sys_pipe(Kernel& k, Process& p, const Args& a) {
  Args two{{a[0], 0, 0, 0, 0, 0}};
  return sys_pipe2(k, p, two);
}

static uint8_t dtype(const vfs::Inode* in) {
  if (!in) return 0;
  switch (in->type) {
    case InodeType::Dir: return LINUX_DT_DIR;
    case InodeType::File: return LINUX_DT_REG;
    case InodeType::Symlink: return LINUX_DT_LNK;
    case InodeType::CharDev: return LINUX_DT_CHR;
  }
  return 0;
}

// getdents64(fd, dirp, count): struct linux_dirent64 records, 8-byte aligned.
int32_t sys_getdents64(Kernel&, Process& p, const Args& a) {
  vfs::OpenFile* f = p.file(a.s(0));
  if (!f) return -LINUX_EBADF;
  if (!f->inode || f->inode->type != InodeType::Dir) return -LINUX_ENOTDIR;
  std::vector<uint8_t> out;
  uint32_t count = a[2];
  while (f->offset < f->dir_names.size()) {
    const std::string& name = f->dir_names[f->offset];
    vfs::InodePtr child;
    if (name == ".") child = f->inode;
    else if (name == "..") child = f->location.parent ? f->location.parent : f->inode;
    else child = vfs::lookup(f->inode, name, p);
    if (!child) {  // gone since the directory was opened
      f->offset++;
      continue;
    }
    uint16_t reclen = uint16_t((19 + name.size() + 1 + 7) & ~size_t(7));
    if (out.size() + reclen > count) {
      if (out.empty()) return -LINUX_EINVAL;
      break;
    }
    size_t at = out.size();
    out.resize(at + reclen, 0);
    uint64_t ino = child->ino, off = f->offset + 1;
    std::memcpy(&out[at], &ino, 8);
    std::memcpy(&out[at + 8], &off, 8);
    std::memcpy(&out[at + 16], &reclen, 2);
    out[at + 18] = dtype(child.get());
    std::memcpy(&out[at + 19], name.c_str(), name.size() + 1);
    f->offset++;
  }
  if (!out.empty() && !p.mm->copy_out(a[1], out.data(), uint32_t(out.size()))) return -LINUX_EFAULT;
  return int32_t(out.size());
}

// struct stat64 of i386 (arch/x86/include/uapi/asm/stat.h), 96 bytes.
struct Stat64 {
  uint64_t st_dev;
  uint8_t pad0[4];
  uint32_t st_ino_low;
  uint32_t st_mode;
  uint32_t st_nlink;
  uint32_t st_uid, st_gid;
  uint64_t st_rdev;
  uint8_t pad3[4];
  int64_t st_size;
  uint32_t st_blksize;
  uint64_t st_blocks;
  uint32_t st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec;
  uint64_t st_ino;
} __attribute__((packed));
static_assert(sizeof(Stat64) == 96);

static Stat64 stat_of(const vfs::OpenFile* f, const vfs::Inode* in) {
  Stat64 st{};
  st.st_dev = 0x22;  // one device for the whole tree, as a tmpfs mount has
  st.st_blksize = 4096;
  st.st_nlink = 1;
  if (f && f->ops) {
    st.st_mode = 0140000 | 0777;  // S_IFSOCK
    st.st_ino = st.st_ino_low = 1;
    return st;
  }
  if (f && (f->pipe || f->host)) {
    bool tty = f->host && f->host->tty;
    st.st_mode = tty ? (LINUX_S_IFCHR | 0620) : (LINUX_S_IFIFO | 0600);
    st.st_rdev = tty ? (136u << 8) : 0;
    st.st_ino = st.st_ino_low = 1;
    return st;
  }
  st.st_ino = st.st_ino_low = in->ino;
  uint64_t size = 0;
  switch (in->type) {
    case InodeType::Dir: st.st_mode = LINUX_S_IFDIR; st.st_nlink = 2; size = 4096; break;
    case InodeType::File: st.st_mode = LINUX_S_IFREG; size = in->generate ? 0 : in->data->size(); break;
    case InodeType::Symlink: st.st_mode = LINUX_S_IFLNK; size = in->data->size(); break;
    case InodeType::CharDev:
      st.st_mode = LINUX_S_IFCHR;
      st.st_rdev = in->device == vfs::Device::Null ? 0x103 : 0x105;  // 1:3 and 1:5
      break;
  }
  st.st_mode |= in->mode & 07777;
  st.st_uid = in->uid;
  st.st_gid = in->gid;
  st.st_size = int64_t(size);
  st.st_blocks = (size + 511) / 512;
  st.st_mtime = st.st_atime = st.st_ctime = uint32_t(in->mtime_ns / 1000000000u);
  return st;
}

int32_t sys_fstat64(Kernel&, Process& p, const Args& a) {
  vfs::OpenFile* f = p.file(a.s(0));
  if (!f) return -LINUX_EBADF;
  return put_user(p, a[1], stat_of(f, f->inode.get()));
}

// fstatat64(dirfd, path, statbuf, flags).
int32_t sys_fstatat64(Kernel& k, Process& p, const Args& a) {
  if (a[3] & LINUX_AT_EMPTY_PATH) {
    std::string path;
    if (!p.mm->read_string(a[1], path)) return -LINUX_EFAULT;
    if (path.empty()) {
      Args f{{a[0], a[2], 0, 0, 0, 0}};
      return sys_fstat64(k, p, f);
    }
  }
  auto loc = resolve_at(p, a.s(0), a[1], !(a[3] & LINUX_AT_SYMLINK_NOFOLLOW));
  if (!loc) return -loc.code();
  if (!loc->inode) return -LINUX_ENOENT;
  return put_user(p, a[2], stat_of(nullptr, loc->inode.get()));
}

// struct statx (include/uapi/linux/stat.h), 256 bytes: what glibc's stat
// family tries first (and falls back from on ENOSYS).
struct StatxTimestamp {
  int64_t tv_sec;
  uint32_t tv_nsec;
  int32_t reserved;
};
struct Statx {
  uint32_t stx_mask, stx_blksize;
  uint64_t stx_attributes;
  uint32_t stx_nlink, stx_uid, stx_gid;
  uint16_t stx_mode, spare0;
  uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
  StatxTimestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
  uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
  uint64_t stx_mnt_id;
  uint32_t stx_dio_mem_align, stx_dio_offset_align;
  uint64_t spare3[12];
};
static_assert(sizeof(Statx) == 256);

// statx(dirfd, path, flags, mask, statxbuf): the basic stats whatever the
// mask asks (the kernel may return more than asked, never less than it has).
int32_t sys_statx(Kernel&, Process& p, const Args& a) {
  constexpr uint32_t STATX_BASIC_STATS = 0x7FF, STATX_RESERVED = 0x80000000u;
  constexpr uint32_t AT_STATX_SYNC_TYPE = 0x6000, AT_NO_AUTOMOUNT = 0x800;
  const uint32_t flags = a[2];
  if (flags & ~(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
    return -LINUX_EINVAL;
  if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (a[3] & STATX_RESERVED)) return -LINUX_EINVAL;
  std::string path;
  if (!p.mm->read_string(a[1], path)) return -LINUX_EFAULT;
  Stat64 st;
  if (path.empty() && (flags & LINUX_AT_EMPTY_PATH)) {
    vfs::OpenFile* f = p.file(a.s(0));
    if (!f) return -LINUX_EBADF;
    st = stat_of(f, f->inode.get());
  } else {
    auto loc = resolve_at(p, a.s(0), a[1], !(flags & LINUX_AT_SYMLINK_NOFOLLOW));
    if (!loc) return -loc.code();
    if (!loc->inode) return -LINUX_ENOENT;
    st = stat_of(nullptr, loc->inode.get());
  }
  Statx sx{};
  sx.stx_mask = STATX_BASIC_STATS;
  sx.stx_blksize = st.st_blksize;
  sx.stx_nlink = st.st_nlink;
  sx.stx_uid = st.st_uid;
  sx.stx_gid = st.st_gid;
  sx.stx_mode = uint16_t(st.st_mode);
  sx.stx_ino = st.st_ino;
  sx.stx_size = uint64_t(st.st_size);
  sx.stx_blocks = st.st_blocks;
  sx.stx_atime.tv_sec = st.st_atime;
  sx.stx_ctime.tv_sec = st.st_ctime;
  sx.stx_mtime.tv_sec = st.st_mtime;
  sx.stx_rdev_major = uint32_t(st.st_rdev >> 8) & 0xFFF;
  sx.stx_rdev_minor = uint32_t(st.st_rdev & 0xFF);
  sx.stx_dev_major = uint32_t(st.st_dev >> 8) & 0xFFF;
  sx.stx_dev_minor = uint32_t(st.st_dev & 0xFF);
  return put_user(p, a[4], sx);
}

int32_t sys_stat64(Kernel& k, Process& p, const Args& a) {
  Args at{{uint32_t(LINUX_AT_FDCWD), a[0], a[1], 0, 0, 0}};
  return sys_fstatat64(k, p, at);
}

int32_t sys_lstat64(Kernel& k, Process& p, const Args& a) {
  Args at{{uint32_t(LINUX_AT_FDCWD), a[0], a[1], LINUX_AT_SYMLINK_NOFOLLOW, 0, 0}};
  return sys_fstatat64(k, p, at);
}

// faccessat(dirfd, path, mode): everyone is root, so only existence and
// execute permission (some x bit) are checked.
int32_t sys_faccessat(Kernel&, Process& p, const Args& a) {
  if (a[2] & ~7u) return -LINUX_EINVAL;
  auto loc = resolve_at(p, a.s(0), a[1], true);
  if (!loc) return -loc.code();
  if (!loc->inode) return -LINUX_ENOENT;
  if ((a[2] & 1) && loc->inode->type == InodeType::File && !(loc->inode->mode & 0111)) return -LINUX_EACCES;
  return 0;
}

int32_t sys_access(Kernel& k, Process& p, const Args& a) {
  Args at{{uint32_t(LINUX_AT_FDCWD), a[0], a[1], 0, 0, 0}};
  return sys_faccessat(k, p, at);
}

// readlinkat(dirfd, path, buf, bufsiz): the target, not NUL-terminated.
int32_t sys_readlinkat(Kernel&, Process& p, const Args& a) {
  if (a.s(3) <= 0) return -LINUX_EINVAL;
  auto loc = resolve_at(p, a.s(0), a[1], false);
  if (!loc) return -loc.code();
  if (!loc->inode) return -LINUX_ENOENT;
  if (loc->inode->type != InodeType::Symlink) return -LINUX_EINVAL;
  std::string target = vfs::link_target(*loc->inode, p);
  uint32_t n = std::min<uint32_t>(a[3], uint32_t(target.size()));
  if (!p.mm->copy_out(a[2], target.data(), n)) return -LINUX_EFAULT;
  return int32_t(n);
}

int32_t sys_readlink(Kernel& k, Process& p, const Args& a) {
  Args at{{uint32_t(LINUX_AT_FDCWD), a[0], a[1], a[2], 0, 0}};
  return sys_readlinkat(k, p, at);
}

int32_t sys_chdir(Kernel&, Process& p, const Args& a) {
  auto loc = resolve_at(p, LINUX_AT_FDCWD, a[0], true);
  if (!loc) return -loc.code();
  if (!loc->inode) return -LINUX_ENOENT;
  if (loc->inode->type != InodeType::Dir) return -LINUX_ENOTDIR;
  p.cwd = std::move(*loc);
  return 0;
}

int32_t sys_fchdir(Kernel&, Process& p, const Args& a) {
  vfs::OpenFile* f = p.file(a.s(0));
  if (!f) return -LINUX_EBADF;
  if (!f->inode || f->inode->type != InodeType::Dir) return -LINUX_ENOTDIR;
  p.cwd = f->location;
  return 0;
}

// getcwd(buf, size): the length including the NUL, as the system call
// (not the libc function) returns; ERANGE if it does not fit.
int32_t sys_getcwd(Kernel&, Process& p, const Args& a) {
  std::string path = p.cwd.path();
  if (a[1] < path.size() + 1) return -LINUX_ERANGE;
  if (!p.mm->copy_out(a[0], path.c_str(), uint32_t(path.size() + 1))) return -LINUX_EFAULT;
  return int32_t(path.size() + 1);
}

// ioctl(fd, request, arg): terminal requests on a container's tty; ENOTTY
// on anything that is not a terminal, and for requests not known.
int32_t sys_ioctl(Kernel&, Process& p, const Args& a) {
  vfs::OpenFile* f = p.file(a.s(0));
  if (!f) return -LINUX_EBADF;
  if (f->ops) return f->ops->ioctl(p, a[1], a[2]);  // a socket: netdevice(7) requests
  if (!is_tty(*f)) return -LINUX_ENOTTY;
  switch (a[1]) {
    case LINUX_TCGETS: {
      // struct termios (asm-generic/termbits.h): a cooked terminal's defaults.
      uint8_t t[36] = {};
      uint32_t iflag = 0x500 /* ICRNL|IXON */, oflag = 0x5 /* OPOST|ONLCR */, cflag = 0xbf /* B38400|CS8|CREAD */,
               lflag = 0x8a3b /* ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN */;
      std::memcpy(t, &iflag, 4);
      std::memcpy(t + 4, &oflag, 4);
      std::memcpy(t + 8, &cflag, 4);
      std::memcpy(t + 12, &lflag, 4);
      const uint8_t cc[] = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22};
      std::memcpy(t + 17, cc, sizeof cc);
      return p.mm->copy_out(a[2], t, sizeof t) ? 0 : -LINUX_EFAULT;
    }
    case LINUX_TIOCGWINSZ: {
      uint16_t ws[4] = {24, 80, 0, 0};
      return p.mm->copy_out(a[2], ws, sizeof ws) ? 0 : -LINUX_EFAULT;
    }
    case LINUX_TIOCGPGRP: return put_user(p, a[2], int32_t(p.pgid));
    case LINUX_TIOCSPGRP: return 0;
    default: return -LINUX_ENOTTY;
  }
}

// fcntl64(fd, cmd, arg): descriptor flags and duplication.
int32_t sys_fcntl64(Kernel&, Process& p, const Args& a) {
  constexpr uint32_t LINUX_F_DUPFD = 0, LINUX_F_GETFD = 1, LINUX_F_SETFD = 2, LINUX_F_GETFL = 3, LINUX_F_SETFL = 4, LINUX_F_DUPFD_CLOEXEC = 1030;
  vfs::OpenFile* f = p.file(a.s(0));
  if (!f) return -LINUX_EBADF;
  size_t fd = a[0];
  switch (a[1]) {
    case LINUX_F_DUPFD:
    case LINUX_F_DUPFD_CLOEXEC: {
      if (a.s(2) < 0 || a[2] >= 1024) return -LINUX_EINVAL;
      int nfd = p.alloc_fd(p.fds[fd], a.s(2), a[1] == LINUX_F_DUPFD_CLOEXEC);
      return nfd < 0 ? -LINUX_EMFILE : nfd;
    }
    case LINUX_F_GETFD: return p.cloexec[fd] ? 1 : 0;
    case LINUX_F_SETFD: p.cloexec[fd] = a[2] & 1; return 0;
    case LINUX_F_GETFL: return int32_t(f->flags);
    case LINUX_F_SETFL: f->flags = (f->flags & ~(LINUX_O_APPEND | LINUX_O_NONBLOCK)) | (a[2] & (LINUX_O_APPEND | LINUX_O_NONBLOCK)); return 0;
    default: return -LINUX_EINVAL;
  }
}

}  // namespace isolab::containers::syscalls
