// The in-memory virtual file system: inodes, path lookup, open files, pipes.
//
// A small version of Linux's VFS (Documentation/filesystems/vfs.rst): an
// inode is a directory, a regular file, a symbolic link or a character
// device; a path is walked one component at a time from the process's root
// or working directory, following symbolic links. Synthetic directories and
// files (procfs) compute their entries and contents when they are looked
// up or opened, for the process that asks. An open file (Linux's struct
// file) is shared by dup() and fork(), so they share its offset.
// File contents are shared_ptr'd: a container's tree is a copy of the
// image's directories that shares the file bytes until one is written.
// Lesson: "what ps sees" (procfs), "files and pipes".
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
enum class Device : uint8_t { Null, Zero };

struct Inode;
using InodePtr = std::shared_ptr<Inode>;
using Bytes = std::vector<uint8_t>;

struct Inode {
  InodeType type = InodeType::File;
  uint32_t ino = 0;
  uint32_t mode = 0644;  // permission bits (the type is `type`)
  uint64_t mtime_ns = 0;
  std::map<std::string, InodePtr> entries;                // Dir
  std::shared_ptr<Bytes> data = std::make_shared<Bytes>();  // File contents, Symlink target
  Device device = Device::Null;                           // CharDev
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

// Deep-copy a directory tree, sharing file contents: the container's own
// tree over an image's. Synthetic directories are shared, not copied.
InodePtr clone_tree(const InodePtr& root);

}  // namespace isolab::containers::vfs
