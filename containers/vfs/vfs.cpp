// The in-memory VFS: inodes, path walk, open files, pipes (vfs.h).
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
static InodePtr lookup(const InodePtr& dir, const std::string& name, const Process& p) {
  if (dir->lookup) return ns::follow_mounts(p, dir->lookup(p, name));
  auto it = dir->entries.find(name);
  return it == dir->entries.end() ? nullptr : ns::follow_mounts(p, it->second);
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

InodePtr clone_tree(const InodePtr& root) {
  if (root->type != InodeType::Dir || root->list) return root;
  auto copy = std::make_shared<Inode>(*root);
  for (auto& [name, child] : copy->entries) {
    if (child->type == InodeType::Dir) child = clone_tree(child);
    else child = std::make_shared<Inode>(*child);  // shares the bytes
  }
  return copy;
}

}  // namespace isolab::containers::vfs
