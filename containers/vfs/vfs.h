// The in-memory virtual file system: inodes, path lookup, open files, pipes.
//
// A small version of Linux's VFS (Documentation/filesystems/vfs.rst): an
// inode is a directory, a regular file, a symbolic link or a character
// device; a path is walked one component at a time from the process's root
// or working directory, following symbolic links. Synthetic directories and
// files (procfs) compute their entries and contents when they are looked
// up or opened, for the process that asks. An open file (Linux's struct
// file) is shared by dup() and fork(), so they share its offset.
// A directory may be driven by a file system of its own (DirOps, Linux's
// inode_operations): the overlay of a container's root (overlay.h) merges
// read-only image layers under an upper layer. A directory may have a file
// system mounted on it (`mounted`), which the walk crosses into.
// Inodes of an image layer are `frozen`: nothing changes them; a write
// goes to a copy in the upper layer (copy-up), and a change that reaches a
// frozen inode anyway is refused with EROFS.
// Lesson: "what ps sees" (procfs), "files and pipes", "image layers".
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "containers/errors.h"

namespace isolab::containers {
struct Process;
}

namespace isolab::containers::vfs {

enum class InodeType : uint8_t { Dir, File, Symlink, CharDev };
// Character devices (Documentation/admin-guide/devices.txt names).
// Whiteout is 0:0, what overlayfs leaves in an upper layer for a deleted
// lower entry (Documentation/filesystems/overlayfs.rst, "whiteouts").
enum class Device : uint8_t { Null, Zero, Whiteout };

struct Inode;
struct OpenFile;
using InodePtr = std::shared_ptr<Inode>;
using Bytes = std::vector<uint8_t>;

// The directory operations of a file system that computes and changes its
// own entries (Linux's inode_operations for a directory). Callers have
// walked the path: names are single components, existence and types are
// already checked by the vfs functions below. Each returns 0 or -errno.
struct DirOps {
  virtual ~DirOps() = default;
  virtual InodePtr lookup(const std::string& name) = 0;
  virtual std::vector<std::string> names() = 0;  // sorted, without "." and ".."
  // Link the new inode `child` in as `name`, which does not exist.
  virtual int32_t add(const std::string& name, InodePtr child) = 0;
  // Remove the entry `name` (a directory is already known to be empty).
  virtual int32_t remove(const std::string& name) = 0;
  // The entry `name` made changeable: an overlay copies it up, with its
  // contents unless `with_data` is false (open with O_TRUNC).
  virtual ErrorOr<InodePtr> writable(const std::string& name, bool with_data) = 0;
  // Move `name` to `to_name` in `to`, a directory of the same file system
  // (EXDEV otherwise). An existing `to_name` is replaced.
  virtual int32_t rename(const std::string& name, Inode& to, const std::string& to_name) = 0;
  // chmod, chown, utimensat on this directory itself: its new attributes.
  virtual int32_t set_attr(uint32_t mode, uint32_t uid, uint32_t gid, uint64_t mtime_ns) = 0;
};

struct Inode {
  InodeType type = InodeType::File;
  uint32_t ino = 0;
  uint32_t mode = 0644;  // permission bits (the type is `type`)
  uint32_t uid = 0, gid = 0;  // owner (chown(2)); every process is root here
  uint64_t mtime_ns = 0;
  std::map<std::string, InodePtr> entries;                // Dir
  std::shared_ptr<Bytes> data = std::make_shared<Bytes>();  // File contents, Symlink target
  Device device = Device::Null;                           // CharDev
  std::map<std::string, std::string> xattrs;  // e.g. trusted.overlay.opaque = "y"
  bool frozen = false;                        // part of a read-only image layer
  std::shared_ptr<DirOps> ops;                // Dir: driven by a file system (overlay)
  InodePtr mounted;                           // Dir: the root of a file system mounted here
  // Synthetic inodes (procfs): computed for the process `viewer`.
  std::function<std::vector<std::string>(const Process& viewer)> list;             // Dir
  std::function<InodePtr(const Process& viewer, const std::string& name)> lookup;  // Dir
  std::function<std::string(const Process& viewer)> generate;                      // File, Symlink
  // Kernel interface files and directories (cgroupfs): a write(2) is one
  // operation on kernel state, mkdir and rmdir create and remove kernel
  // objects. Each returns 0 or -errno.
  std::function<int32_t(const Process& writer, const std::string& text)> store;     // File
  std::function<int32_t(const Process& p, const std::string& name)> make_child;     // Dir: mkdir
  std::function<int32_t(const Process& p, const std::string& name)> remove_child;   // Dir: rmdir
  // The kernel object an nsfs file stands for (a namespace), kept alive by its open files.
  std::shared_ptr<void> object;

  bool synthetic_dir() const { return type == InodeType::Dir && bool(list); }
  bool whiteout() const { return type == InodeType::CharDev && device == Device::Whiteout; }
  bool opaque() const {
    auto it = xattrs.find("trusted.overlay.opaque");
    return it != xattrs.end() && it->second == "y";
  }
};

InodePtr make_dir(uint32_t mode = 0755);
InodePtr make_file(std::shared_ptr<Bytes> data, uint32_t mode = 0644);
InodePtr make_symlink(const std::string& target);
InodePtr make_device(Device d, uint32_t mode = 0666);
uint32_t next_ino();

// Where a walk ended: the inode and the path of names that reached it
// (for getcwd), plus the parent directory when the last name is missing.
struct Location {
  InodePtr inode;          // null if the last component does not exist
  InodePtr parent;         // the directory holding the last component
  std::string last;        // the last component's name
  std::vector<std::pair<std::string, InodePtr>> stack;  // root .. inode, for ".." and getcwd
  std::string path() const;  // "/a/b"
};

// Walk `path` for process `p` from its root (absolute) or working directory.
// `follow_last`: follow a symbolic link in the last component.
// Errors: ENOENT (a missing directory on the way, or an empty path),
// ENOTDIR, ELOOP, ENAMETOOLONG. A missing last component is not an error:
// inode is null and parent/last say where it would be.
ErrorOr<Location> walk(const Process& p, const std::string& path, bool follow_last,
                       const Location* start = nullptr);

// Directory operations, whatever drives the directory (its own entries, a
// synthetic file system, an overlay). `at` is a walk's result: at.parent
// and at.last name the entry.
// The entry `name` of `dir` (null if none), for process `p`.
InodePtr lookup(const InodePtr& dir, const std::string& name, const Process& p);
// The names in `dir`, sorted ("." and ".." not included).
std::vector<std::string> list(const Inode& dir, const Process& p);
// Create the entry at.last (absent) as `child`. EACCES in a synthetic
// directory, EROFS in a frozen one.
int32_t add_entry(const Location& at, InodePtr child);
// Remove the existing entry at.last (unlink and rmdir have checked it).
// EBUSY for a mount point.
int32_t remove_entry(const Location& at);
// The existing inode at `at`, made changeable (a copy-up in an overlay).
ErrorOr<InodePtr> make_writable(const Location& at, bool with_data = true);
// rename(2) from `from` (exists) to `to` (may exist), with Linux's checks:
// EISDIR, ENOTDIR, ENOTEMPTY, EINVAL (a directory into itself), EBUSY,
// EXDEV (another file system, or an overlay's merged directory).
int32_t rename(const Process& p, const Location& from, const Location& to);
// chmod(2), chown(2) (-1: an id unchanged) and utimensat(2) on the inode
// at `at`: an image's file or directory is copied up first. EPERM for
// procfs's and cgroupfs's inodes.
int32_t set_mode(const Location& at, uint32_t mode);
int32_t set_owner(const Location& at, uint32_t uid, uint32_t gid);
int32_t set_mtime(const Location& at, uint64_t mtime_ns);

// The contents of a symbolic link (synthetic ones computed for `viewer`).
std::string link_target(const Inode& inode, const Process& viewer);

// Where a container's standard streams go on the host: docker's log pipes
// (tty = false) or a terminal (tty = true, so isatty() holds).
struct HostStreams {
  std::function<void(int stream, const char* data, size_t len)> write;  // stream 1 or 2
  std::function<long(char* buf, size_t len)> read;                      // 0 at end of input
  bool tty = false;
};

// A pipe's buffer (fs/pipe.c): 64 KiB, counted readers and writers.
struct Pipe {
  static constexpr size_t CAPACITY = 65536;
  std::deque<uint8_t> buffer;
  int readers = 0, writers = 0;
};

// The operations of an open file that is not a node of the tree (Linux's
// struct file_operations): sockets (containers/net/socket.h). Each returns
// a count, -errno, or the kernel's SYSCALL_RESTART to block and retry.
struct FileOps {
  virtual ~FileOps() = default;
  virtual int32_t read(Process& p, OpenFile& f, Bytes& out, size_t len) = 0;
  virtual int32_t write(Process& p, OpenFile& f, const Bytes& in) = 0;
  virtual uint32_t poll() const = 0;  // POLLIN | POLLOUT | POLLERR | POLLHUP, as of now
  virtual int32_t ioctl(Process& p, uint32_t request, uint32_t arg) = 0;
};

// An open file description, shared by dup() and fork().
struct OpenFile {
  InodePtr inode;          // null for a pipe end
  uint32_t flags = 0;      // open(2) flags (access mode, O_APPEND, O_NONBLOCK)
  uint64_t offset = 0;
  std::string path;        // as opened, for /proc/<pid>/fd and messages
  Location location;       // a directory's place in the tree (openat, fchdir)
  std::shared_ptr<Bytes> snapshot;  // a synthetic file's contents, computed at open
  std::vector<std::string> dir_names;  // a directory's names, listed at open
  std::shared_ptr<Pipe> pipe;
  bool pipe_writer = false;
  std::shared_ptr<HostStreams> host;  // a host stream: fd 0, 1 or 2 of a container
  int host_stream = 0;
  std::shared_ptr<FileOps> ops;  // a socket: read, write, poll and ioctl go here

  OpenFile() = default;
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile();
  bool readable() const { return (flags & 3) != 1; }
  bool writable() const { return (flags & 3) != 0; }
};
using FilePtr = std::shared_ptr<OpenFile>;

// A read-write pipe pair (read end, write end).
std::pair<FilePtr, FilePtr> make_pipe();

}  // namespace isolab::containers::vfs
