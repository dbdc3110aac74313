// The in-memory VFS: inodes, path walk, directory operations, open files,
// pipes (vfs.h).
#include "containers/vfs/vfs.h"

#include <atomic>

#include "containers/linux_abi.h"
#include "containers/ns/nsproxy.h"
#include "containers/process.h"

namespace isolab::containers::vfs {

using namespace linux_abi;

uint32_t next_ino() {
  static std::atomic<uint32_t> ino{2};
  return ino++;
}

InodePtr make_dir(uint32_t mode) {
  auto i = std::make_shared<Inode>();
  i->type = InodeType::Dir;
  i->ino = next_ino();
  i->mode = mode;
  return i;
}

InodePtr make_file(std::shared_ptr<Bytes> data, uint32_t mode) {
  auto i = std::make_shared<Inode>();
  i->type = InodeType::File;
  i->ino = next_ino();
  i->mode = mode;
  i->data = data ? std::move(data) : std::make_shared<Bytes>();
  return i;
}

InodePtr make_symlink(const std::string& target) {
  auto i = std::make_shared<Inode>();
  i->type = InodeType::Symlink;
  i->ino = next_ino();
  i->mode = 0777;
  i->data = std::make_shared<Bytes>(target.begin(), target.end());
  return i;
}

InodePtr make_device(Device d, uint32_t mode) {
  auto i = std::make_shared<Inode>();
  i->type = InodeType::CharDev;
  i->ino = next_ino();
  i->mode = mode;
  i->device = d;
  return i;
}

std::string Location::path() const {
  if (stack.size() <= 1) return "/";
  std::string s;
  for (size_t i = 1; i < stack.size(); i++) s += "/" + stack[i].first;
  return s;
}

std::string link_target(const Inode& inode, const Process& viewer) {
  if (inode.generate) return inode.generate(viewer);
  return std::string(inode.data->begin(), inode.data->end());
}

// The entry `name` of `dir`, as seen through the mounts of `p`'s mount namespace.
InodePtr lookup(const InodePtr& dir, const std::string& name, const Process& p) {
  if (dir->ops) return ns::follow_mounts(p, dir->ops->lookup(name));
  if (dir->lookup) return ns::follow_mounts(p, dir->lookup(p, name));
  auto it = dir->entries.find(name);
  return it == dir->entries.end() ? nullptr : ns::follow_mounts(p, it->second);
}

std::vector<std::string> list(const Inode& dir, const Process& p) {
  if (dir.ops) return dir.ops->names();
  std::vector<std::string> names;
  if (dir.list) {
    names = dir.list(p);
  } else {
    for (const auto& [name, child] : dir.entries) names.push_back(name);
  }
  return names;
}

int32_t add_entry(const Location& at, InodePtr child) {
  Inode& dir = *at.parent;
  if (dir.ops) return dir.ops->add(at.last, std::move(child));
  if (dir.synthetic_dir()) return -LINUX_EACCES;
  if (dir.frozen) return -LINUX_EROFS;
  dir.entries[at.last] = std::move(child);
  return 0;
}

// Is the entry `name` of `dir` a mount point?
static bool mount_point(const InodePtr& dir, const std::string& name) {
  if (dir->ops) {
    InodePtr e = dir->ops->lookup(name);
    return e && e->mounted;
  }
  auto it = dir->entries.find(name);
  return it != dir->entries.end() && it->second->mounted;
}

int32_t remove_entry(const Location& at) {
  Inode& dir = *at.parent;
  if (mount_point(at.parent, at.last)) return -LINUX_EBUSY;
  if (dir.ops) return dir.ops->remove(at.last);
  if (dir.synthetic_dir()) return -LINUX_EACCES;
  if (dir.frozen) return -LINUX_EROFS;
  dir.entries.erase(at.last);
  return 0;
}

ErrorOr<InodePtr> make_writable(const Location& at, bool with_data) {
  // A frozen lower file, or an overlay's own directory node (not the root
  // of a file system mounted on it), is copied up by the overlay.
  if (at.parent && at.parent != at.inode && at.parent->ops && (at.inode->frozen || at.inode->ops))
    return at.parent->ops->writable(at.last, with_data);
  if (at.inode->frozen) return make_error(LINUX_EROFS);
  return at.inode;
}

// Change the attributes of the inode at `at` with `change`.
static int32_t change_attrs(const Location& at, const std::function<void(Inode&)>& change) {
  if (at.inode->type == InodeType::Dir && at.inode->ops) {
    Inode attrs;
    attrs.mode = at.inode->mode;
    attrs.uid = at.inode->uid;
    attrs.gid = at.inode->gid;
    attrs.mtime_ns = at.inode->mtime_ns;
    change(attrs);
    return at.inode->ops->set_attr(attrs.mode, attrs.uid, attrs.gid, attrs.mtime_ns);
  }
  if (at.inode->generate || at.inode->synthetic_dir() || at.inode->store) return -LINUX_EPERM;
  auto w = make_writable(at, true);
  if (!w) return -w.code();
  change(**w);
  return 0;
}

int32_t set_mode(const Location& at, uint32_t mode) {
  return change_attrs(at, [mode](Inode& in) { in.mode = mode & 07777; });
}

int32_t set_owner(const Location& at, uint32_t uid, uint32_t gid) {
  return change_attrs(at, [uid, gid](Inode& in) {
    if (uid != 0xFFFFFFFFu) in.uid = uid;
    if (gid != 0xFFFFFFFFu) in.gid = gid;
  });
}

int32_t set_mtime(const Location& at, uint64_t mtime_ns) {
  return change_attrs(at, [mtime_ns](Inode& in) { in.mtime_ns = mtime_ns; });
}

static bool dir_empty(const Inode& dir, const Process& p) { return list(dir, p).empty(); }

int32_t rename(const Process& p, const Location& from, const Location& to) {
  const InodePtr& src = from.inode;
  if (from.stack.size() <= 1 || from.last == "." || from.last == "..") return -LINUX_EBUSY;
  if (to.inode == src) return 0;  // the same file: nothing to do, as POSIX says
  if (src->type == InodeType::Dir) {
    for (const auto& [name, in] : to.stack)
      if (in == src) return -LINUX_EINVAL;  // a directory into itself
    if (to.parent == src) return -LINUX_EINVAL;
  }
  if (to.inode) {
    if (src->type == InodeType::Dir && to.inode->type != InodeType::Dir) return -LINUX_ENOTDIR;
    if (src->type != InodeType::Dir && to.inode->type == InodeType::Dir) return -LINUX_EISDIR;
    if (to.inode->type == InodeType::Dir && !dir_empty(*to.inode, p)) return -LINUX_ENOTEMPTY;
    if (mount_point(to.parent, to.last)) return -LINUX_EBUSY;
  }
  if (mount_point(from.parent, from.last) || src->mounted) return -LINUX_EBUSY;
  Inode& a = *from.parent;
  Inode& b = *to.parent;
  if (a.ops) return a.ops->rename(from.last, b, to.last);
  if (b.ops || a.synthetic_dir() || b.synthetic_dir()) return -LINUX_EXDEV;
  if (a.frozen || b.frozen) return -LINUX_EROFS;
  InodePtr moving = src;
  a.entries.erase(from.last);
  b.entries[to.last] = std::move(moving);
  return 0;
}

static std::deque<std::string> split(const std::string& path) {
  std::deque<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

ErrorOr<Location> walk(const Process& p, const std::string& path, bool follow_last, const Location* start) {
  if (path.empty()) return make_error(LINUX_ENOENT);
  if (path.size() >= 4096) return make_error(LINUX_ENAMETOOLONG);
  const std::vector<std::pair<std::string, InodePtr>> root_stack = {{"", p.root}};
  Location loc;
  loc.stack = path[0] == '/' ? root_stack : (start ? start->stack : p.cwd.stack);
  bool must_be_dir = path.back() == '/';
  std::deque<std::string> parts = split(path);
  int links = 0;
  while (!parts.empty()) {
    std::string name = std::move(parts.front());
    parts.pop_front();
    bool last = parts.empty();
    const InodePtr& cur = loc.stack.back().second;
    if (cur->type != InodeType::Dir) return make_error(LINUX_ENOTDIR);
    if (name == ".") continue;
    if (name == "..") {
      if (loc.stack.size() > 1) loc.stack.pop_back();
      continue;
    }
    if (name.size() > 255) return make_error(LINUX_ENAMETOOLONG);
    InodePtr child = lookup(cur, name, p);
    while (child && child->mounted) child = child->mounted;  // cross into a mounted file system
    if (!child) {
      if (!last) return make_error(LINUX_ENOENT);
      loc.parent = cur;
      loc.last = name;
      return loc;
    }
    if (child->type == InodeType::Symlink && (!last || follow_last || must_be_dir)) {
      if (++links > 40) return make_error(LINUX_ELOOP);
      std::string target = link_target(*child, p);
      if (target.empty()) return make_error(LINUX_ENOENT);
      if (target[0] == '/') loc.stack = root_stack;
      std::deque<std::string> more = split(target);
      parts.insert(parts.begin(), more.begin(), more.end());
      if (parts.empty()) parts.push_back(".");
      continue;
    }
    loc.stack.emplace_back(name, child);
  }
  loc.inode = loc.stack.back().second;
  loc.parent = loc.stack.size() > 1 ? loc.stack[loc.stack.size() - 2].second : loc.inode;
  loc.last = loc.stack.back().first;
  if (must_be_dir && loc.inode->type != InodeType::Dir) return make_error(LINUX_ENOTDIR);
  return loc;
}

OpenFile::~OpenFile() {
  if (!pipe) return;
  if (pipe_writer) pipe->writers--;
  else pipe->readers--;
}

std::pair<FilePtr, FilePtr> make_pipe() {
  auto p = std::make_shared<Pipe>();
  auto r = std::make_shared<OpenFile>();
  auto w = std::make_shared<OpenFile>();
  r->pipe = w->pipe = p;
  r->flags = LINUX_O_RDONLY;
  w->flags = LINUX_O_WRONLY;
  w->pipe_writer = true;
  p->readers = p->writers = 1;
  return {r, w};
}

}  // namespace isolab::containers::vfs
